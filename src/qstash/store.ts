// QStash's durable state in its own SQLite file, <data-dir>/qstash.sqlite (WAL): messages, the
// event log, the DLQ, schedules, queues, URL groups, flow-control settings, deduplication ids and
// signing keys. Writes are staged as data (store-writes.ts) and committed in batches by a writer
// thread with its own connection (store-writer.ts), one batch in flight at a time: while it
// commits, the next batch gathers (group commit), and the main thread never waits on the disk
// while deliveries run. `commit()` resolves when everything staged so far is durable, which is
// when a publish answers; `flush()` blocks until then, for the rare API writes that answer at
// once and for reads, which use the main thread's connection and must see their own writes. An
// in-memory store (unit tests), or a server whose writer thread cannot start, writes on the main
// thread instead, with the same batches.

import type { Database } from "bun:sqlite";
import type { Message, MessageState } from "./messages.ts";
import {
  Cell,
  CELLS_BYTES,
  ReadyState,
  documentKey,
  ERROR_TEXT_OFFSET,
  openConnection,
  WriteApplier,
  type DocumentTable,
  type PurgeCounts,
  type StoreWrite,
  type WriterReply,
} from "./store-writes.ts";

export type { DocumentTable, PurgeCounts } from "./store-writes.ts";

const SCHEMA_VERSION = 1;
/** How long flush() and close() wait for the writer thread before giving up with an error. */
const WRITER_WAIT_MS_MAX = 60_000;
/** How long flush() waits for the writer thread to start before writing on the main thread instead. */
const WRITER_START_MS_MAX = 10_000;

const migrations: readonly string[] = [
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY,
     message_id TEXT NOT NULL UNIQUE,
     state TEXT NOT NULL,
     retried INTEGER NOT NULL,
     next_attempt_at_ms INTEGER NOT NULL,
     created_at_ms INTEGER NOT NULL,
     finished_at_ms INTEGER,
     data TEXT NOT NULL,
     body BLOB NOT NULL
   );
   CREATE INDEX messages_unfinished ON messages (finished_at_ms);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     time_ms INTEGER NOT NULL,
     state TEXT NOT NULL,
     message_id TEXT NOT NULL,
     url TEXT NOT NULL,
     topic_name TEXT,
     queue_name TEXT,
     schedule_id TEXT,
     labels TEXT,
     flow_control_key TEXT,
     caller_ip TEXT,
     detail TEXT
   );
   CREATE INDEX events_time ON events (time_ms);
   CREATE INDEX events_message ON events (message_id);
   CREATE TABLE dlq (
     seq INTEGER PRIMARY KEY,
     dlq_id TEXT NOT NULL UNIQUE,
     created_at_ms INTEGER NOT NULL,
     message_id TEXT NOT NULL,
     url TEXT NOT NULL,
     topic_name TEXT,
     queue_name TEXT,
     schedule_id TEXT,
     labels TEXT,
     flow_control_key TEXT,
     caller_ip TEXT,
     response_status INTEGER,
     data TEXT NOT NULL,
     body BLOB NOT NULL,
     response_body BLOB NOT NULL
   );
   CREATE INDEX dlq_time ON dlq (created_at_ms);
   CREATE TABLE schedules (schedule_id TEXT PRIMARY KEY, data TEXT NOT NULL, body BLOB NOT NULL);
   CREATE TABLE queues (name TEXT PRIMARY KEY, data TEXT NOT NULL);
   CREATE TABLE url_groups (name TEXT PRIMARY KEY, data TEXT NOT NULL);
   CREATE TABLE flow_controls (key TEXT PRIMARY KEY, data TEXT NOT NULL);
   CREATE TABLE dedup (key TEXT PRIMARY KEY, message_id TEXT NOT NULL, expires_at_ms INTEGER NOT NULL);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** The columns `events` and `dlq` share: the message a row is about, as its filters read it. */
export interface MessageColumns {
  messageId: string;
  url: string;
  topicName?: string;
  queueName?: string;
  scheduleId?: string;
  labels: string[];
  flowControlKey?: string;
  callerIp: string;
}

/** One row of the event log, with the columns its filters read. */
export interface EventRow extends MessageColumns {
  timeMs: number;
  state: MessageState;
  /** error, nextDeliveryTime, responseStatus/Headers/Body: the parts that differ per event. */
  detail?: Record<string, unknown>;
}

export interface StoredEvent extends EventRow {
  id: number;
  /** The message's stored data and body, when the message row still exists. */
  messageData?: string;
  messageBody?: Uint8Array;
}

export interface DlqRow extends MessageColumns {
  dlqId: string;
  createdAtMs: number;
  responseStatus: number;
  /** The message snapshot and response headers, JSON. */
  data: string;
  body: Uint8Array;
  responseBody: Uint8Array;
}

export interface StoredDlq extends DlqRow {
  seq: number;
}

/**
 * A filter as SQL over the columns shared by `events` and `dlq`: every key holds the accepted
 * values (OR-ed); different keys are AND-ed.
 */
export interface RowFilter {
  messageId?: string[];
  state?: string[];
  url?: string[];
  topicName?: string[];
  queueName?: string[];
  scheduleId?: string[];
  label?: string[];
  flowControlKey?: string[];
  callerIp?: string[];
  host?: string[];
  path?: string[];
  responseStatus?: number[];
  dlqId?: string[];
  fromMs?: number;
  toMs?: number;
}

interface Waiter {
  resolve: (purged: PurgeCounts) => void;
  reject: (error: unknown) => void;
}

/** Where the writer thread's entry point is: beside this file, or in a compiled binary's embedded files. */
function writerUrl(): string {
  // `bun build --compile` with src/qstash/store-writer.ts as an extra entry point embeds it under src/.
  if (import.meta.url.includes("/$bunfs/")) return "/$bunfs/root/qstash/store-writer.ts";
  return new URL("./store-writer.ts", import.meta.url).href;
}

export class QStashStore {
  private staged: StoreWrite[] = [];
  private stagedWaiters: Waiter[] = [];
  private postScheduled = false;
  private lastBatchId = 0;
  /** The newest batch whose reply has arrived (from the writer) or that was applied here. */
  private answeredBatchId = 0;
  private readonly waiters = new Map<number, Waiter[]>();
  /** Batches posted to the writer and not answered: applied here if the writer dies. */
  private readonly unanswered = new Map<number, StoreWrite[]>();
  private writer: Worker | undefined;
  private readonly cells = new Int32Array(new SharedArrayBuffer(CELLS_BYTES));
  /** Set when writes are applied on this thread: an in-memory store, or no writer thread. */
  private local: WriteApplier | undefined;
  private closed = false;

  /** Commits that fail (disk full) are reported here; their waiters are rejected. */
  onFlushError: (error: unknown) => void = () => {};

  private constructor(
    private readonly db: Database,
    path: string,
  ) {
    if (path === ":memory:") this.local = new WriteApplier(db);
    else this.startWriter(path);
  }

  static open(path: string): QStashStore {
    const db = openConnection(path);
    try {
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new QStashStore(db, path);
  }

  private startWriter(path: string): void {
    const writer = new Worker(writerUrl());
    writer.onmessage = (event: MessageEvent<WriterReply>) => this.onReply(event.data);
    writer.onerror = (event) => this.onWriterFailed(String((event as ErrorEvent).message ?? event));
    writer.postMessage({ type: "open", path, cells: this.cells.buffer as SharedArrayBuffer });
    // An idle writer must not keep the process alive on its own.
    writer.unref();
    this.writer = writer;
  }

  // --- group commit ---------------------------------------------------------------------------

  /** Queues a write for the next batch. */
  private stage(write: StoreWrite): void {
    if (this.closed) return;
    this.staged.push(write);
    this.schedulePost();
  }

  /** Posts the staged batch at the end of this turn, or when the batch in flight is answered. */
  private schedulePost(): void {
    if (this.postScheduled || this.staged.length === 0) return;
    if (this.writer !== undefined && this.lastBatchId > this.answeredBatchId) return;
    this.postScheduled = true;
    setImmediate(() => {
      try {
        this.post();
      } catch (error) {
        this.onFlushError(error);
      }
    });
  }

  /** Sends everything staged as one batch (applies it here when there is no writer). */
  private post(): void {
    this.postScheduled = false;
    if (this.staged.length === 0) return;
    const id = ++this.lastBatchId;
    const writes = this.staged;
    this.waiters.set(id, this.stagedWaiters);
    this.staged = [];
    this.stagedWaiters = [];
    if (this.writer === undefined) return this.applyHere(id, writes);
    this.unanswered.set(id, writes);
    this.writer.postMessage({ type: "batch", id, writes });
  }

  private applyHere(id: number, writes: StoreWrite[]): void {
    this.local ??= new WriteApplier(this.db);
    let purged: PurgeCounts;
    try {
      purged = this.local.apply(writes);
    } catch (error) {
      this.answer(id, undefined, error);
      throw error;
    }
    this.answer(id, purged);
  }

  private onReply(reply: WriterReply): void {
    this.unanswered.delete(reply.id);
    if (reply.type === "done") this.answer(reply.id, reply.purged);
    else {
      const error = Object.assign(new Error(reply.message), { code: reply.code });
      this.answer(reply.id, undefined, error);
      this.onFlushError(error);
    }
  }

  private answer(id: number, purged: PurgeCounts | undefined, error?: unknown): void {
    this.answeredBatchId = Math.max(this.answeredBatchId, id);
    const waiters = this.waiters.get(id) ?? [];
    this.waiters.delete(id);
    for (const waiter of waiters) {
      if (purged === undefined) waiter.reject(error);
      else waiter.resolve(purged);
    }
    this.schedulePost();
  }

  /**
   * The writer thread failed to start (or died): writes go on on this thread. Batches it did
   * not finish are applied here, in order; those it committed are answered as done.
   */
  private onWriterFailed(reason: string): void {
    if (this.writer === undefined) return;
    this.writer.terminate();
    this.writer = undefined;
    this.onFlushError(new Error(`qstash store writer thread failed, writing on the main thread: ${reason}`));
    const committedId = Atomics.load(this.cells, Cell.doneId);
    const batches = [...this.unanswered].sort(([a], [b]) => a - b);
    this.unanswered.clear();
    for (const [id, writes] of batches) {
      if (id <= committedId) this.answer(id, { events: 0, messages: 0, dlq: 0 });
      else {
        try {
          this.applyHere(id, writes);
        } catch (error) {
          this.onFlushError(error);
        }
      }
    }
    this.schedulePost();
  }

  /** Resolves once every write staged before this call is committed. */
  commit(): Promise<void> {
    return this.committed().then(() => undefined);
  }

  /** Resolves with what the purges in the batch removed, once it is committed. */
  private committed(): Promise<PurgeCounts> {
    return new Promise((resolve, reject) => {
      if (this.staged.length > 0) this.stagedWaiters.push({ resolve, reject });
      else if (this.lastBatchId > this.answeredBatchId) {
        // Batches commit in order: the newest one in flight covers everything staged before.
        const waiters = this.waiters.get(this.lastBatchId) ?? [];
        waiters.push({ resolve, reject });
        this.waiters.set(this.lastBatchId, waiters);
      } else resolve({ events: 0, messages: 0, dlq: 0 });
    });
  }

  /**
   * Commits everything staged, now, blocking this thread until it is durable. Reads call it
   * first so they see their own writes. Throws when the commit fails.
   */
  flush(): void {
    if (this.closed) return;
    const hasStaged = this.staged.length > 0;
    this.post();
    if (this.writer === undefined || this.lastBatchId === 0) return;
    if (!this.writerStarted()) {
      // It never started (a build without its entry point): its batches are applied here.
      this.onWriterFailed("the writer thread did not start");
      return;
    }
    const id = this.lastBatchId;
    const deadline = performance.now() + WRITER_WAIT_MS_MAX;
    for (let done = Atomics.load(this.cells, Cell.doneId); done < id; done = Atomics.load(this.cells, Cell.doneId)) {
      if (performance.now() > deadline) throw new Error("qstash store: the writer thread did not commit in time");
      Atomics.wait(this.cells, Cell.doneId, done, 100);
    }
    // Only this call's own batch throws here (a batch posted earlier reports through its reply).
    // Nothing was posted while this thread waited, so the newest failure is this batch's or older.
    if (hasStaged && Atomics.load(this.cells, Cell.failedId) === id) {
      const text = new Uint8Array(this.cells.buffer, ERROR_TEXT_OFFSET, Atomics.load(this.cells, Cell.errorBytes));
      throw new Error(new TextDecoder().decode(text.slice()));
    }
  }

  /**
   * Waits (blocking) for the writer to take ownership of the file; past WRITER_START_MS_MAX the
   * main thread takes it instead, and the writer, should it start later, stays idle.
   */
  private writerStarted(): boolean {
    const deadline = performance.now() + WRITER_START_MS_MAX;
    while (Atomics.load(this.cells, Cell.ready) === ReadyState.starting && performance.now() < deadline) {
      Atomics.wait(this.cells, Cell.ready, ReadyState.starting, 100);
    }
    const state = Atomics.compareExchange(this.cells, Cell.ready, ReadyState.starting, ReadyState.abandoned);
    return state === ReadyState.ready;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      this.closeWriter();
      this.db.close();
    }
  }

  /** Waits for the writer to close its connection; the replies it had not delivered are answered here. */
  private closeWriter(): void {
    const writer = this.writer;
    if (writer === undefined) return;
    this.writer = undefined;
    // A writer that has not started yet never will: it has nothing to close.
    if (Atomics.compareExchange(this.cells, Cell.ready, ReadyState.starting, ReadyState.abandoned) === ReadyState.ready) {
      writer.postMessage({ type: "close" });
      Atomics.wait(this.cells, Cell.closed, 0, WRITER_WAIT_MS_MAX);
    }
    writer.terminate();
    const committedId = Atomics.load(this.cells, Cell.doneId);
    const failedId = Atomics.load(this.cells, Cell.failedId);
    for (const id of [...this.waiters.keys()].sort((a, b) => a - b)) {
      if (id === failedId) this.answer(id, undefined, new Error("qstash store: commit failed"));
      else if (id <= committedId) this.answer(id, { events: 0, messages: 0, dlq: 0 });
      else this.answer(id, undefined, new Error("qstash store: closed before the commit"));
    }
  }

  // --- messages -------------------------------------------------------------------------------

  /** Writes a new message; its `seq` must already be assigned (see nextMessageSeq). */
  insertMessage(message: Message): void {
    const data = JSON.stringify(messageData(message));
    const { seq, messageId, state, retried, nextAttemptAtMs, createdAtMs, body } = message;
    this.stage(["insertMessage", seq, messageId, state, retried, nextAttemptAtMs, createdAtMs, data, body]);
  }

  updateMessage(message: Message): void {
    const { seq, state, retried, nextAttemptAtMs } = message;
    const finishedAtMs = message.finishedAtMs ?? null;
    this.stage(["updateMessage", state, retried, nextAttemptAtMs, finishedAtMs, seq]);
  }

  /** The highest message seq ever stored: new messages continue after it. */
  lastMessageSeq(): number {
    return this.db.query<{ seq: number | null }, []>("SELECT max(seq) AS seq FROM messages").get()?.seq ?? 0;
  }

  loadUnfinishedMessages(): Message[] {
    this.flush();
    return this.db
      .query<MessageRowShape, []>("SELECT * FROM messages WHERE finished_at_ms IS NULL ORDER BY seq")
      .all()
      .map(messageFromRow);
  }

  getMessage(messageId: string): Message | undefined {
    this.flush();
    const row = this.db.query<MessageRowShape, [string]>("SELECT * FROM messages WHERE message_id = ?").get(messageId);
    return row === null ? undefined : messageFromRow(row);
  }

  // --- events ---------------------------------------------------------------------------------

  insertEvent(event: EventRow): void {
    const detail = event.detail === undefined ? null : JSON.stringify(event.detail);
    this.stage([
      "insertEvent",
      event.timeMs,
      event.state,
      ...messageColumnValues(event),
      detail,
    ]);
  }

  /** Newest first; `beforeId` is the cursor (the id below which the page starts). */
  listEvents(filter: RowFilter, beforeId: number | undefined, count: number): StoredEvent[] {
    this.flush();
    const { where, params } = whereClause(filter, "e", beforeId === undefined ? [] : [["e.id < ?", beforeId]]);
    const sql = `SELECT e.*, m.data AS message_data, m.body AS message_body FROM events e LEFT JOIN messages m ON m.message_id = e.message_id ${where} ORDER BY e.id DESC LIMIT ?`;
    return this.db
      .query<EventRowShape, (string | number)[]>(sql)
      .all(...params, count)
      .map((row) => ({
        id: row.id,
        timeMs: row.time_ms,
        state: row.state as MessageState,
        ...messageColumnsFromRow(row),
        detail: row.detail === null ? undefined : JSON.parse(row.detail),
        messageData: row.message_data ?? undefined,
        messageBody: row.message_body ?? undefined,
      }));
  }

  // --- DLQ ------------------------------------------------------------------------------------

  insertDlq(entry: DlqRow): void {
    this.stage([
      "insertDlq",
      entry.dlqId,
      entry.createdAtMs,
      ...messageColumnValues(entry),
      entry.responseStatus,
      entry.data,
      entry.body,
      entry.responseBody,
    ]);
  }

  deleteDlq(dlqIds: readonly string[]): void {
    for (const id of dlqIds) this.stage(["deleteDlq", id]);
  }

  /** Oldest first; `afterSeq` is the cursor. */
  listDlq(filter: RowFilter, afterSeq: number | undefined, count: number): StoredDlq[] {
    this.flush();
    const { where, params } = whereClause(filter, "d", afterSeq === undefined ? [] : [["d.seq > ?", afterSeq]]);
    return this.db
      .query<DlqRowShape, (string | number)[]>(`SELECT * FROM dlq d ${where} ORDER BY d.seq LIMIT ?`)
      .all(...params, count)
      .map(dlqFromRow);
  }

  // --- small registries: whole JSON documents by key --------------------------------------------

  putDocument(table: DocumentTable, key: string, value: unknown, body?: Uint8Array): void {
    this.stage(["putDocument", table, key, JSON.stringify(value), body ?? null]);
  }

  deleteDocument(table: DocumentTable, key: string): void {
    this.stage(["deleteDocument", table, key]);
  }

  loadDocuments<T>(table: DocumentTable): { key: string; value: T; body?: Uint8Array }[] {
    this.flush();
    const column = documentKey(table);
    const rows = this.db.query<{ key: string; data: string; body?: Uint8Array }, []>(
      `SELECT ${column} AS key, data${table === "schedules" ? ", body" : ""} FROM ${table} ORDER BY ${column}`,
    );
    return rows.all().map((row) => ({ key: row.key, value: JSON.parse(row.data) as T, body: row.body }));
  }

  // --- deduplication ids ----------------------------------------------------------------------

  putDedup(key: string, messageId: string, expiresAtMs: number): void {
    this.stage(["putDedup", key, messageId, expiresAtMs]);
  }

  loadDedup(nowMs: number): { key: string; messageId: string; expiresAtMs: number }[] {
    this.flush();
    return this.db
      .query<{ key: string; message_id: string; expires_at_ms: number }, [number]>("SELECT * FROM dedup WHERE expires_at_ms > ?")
      .all(nowMs)
      .map((row) => ({ key: row.key, messageId: row.message_id, expiresAtMs: row.expires_at_ms }));
  }

  // --- meta -----------------------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    this.flush();
    return this.db.query<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
  }

  putMeta(key: string, value: string): void {
    this.stage(["putMeta", key, value]);
  }

  // --- retention ------------------------------------------------------------------------------

  /** Drops events, finished messages and DLQ entries past their retention, and stale dedup ids. */
  purge(options: { eventsBeforeMs: number; dlqBeforeMs: number; nowMs: number }): Promise<PurgeCounts> {
    this.stage(["purge", options.eventsBeforeMs, options.dlqBeforeMs, options.nowMs]);
    return this.committed();
  }
}

function migrate(db: Database): void {
  const version = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
  if (version > SCHEMA_VERSION) throw new Error(`qstash.sqlite has schema version ${version}, newer than this server's ${SCHEMA_VERSION}`);
  db.transaction(() => {
    for (let next = version; next < migrations.length; next++) db.exec(migrations[next]!);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  })();
}

/** The shared columns' values, in table order (`message_id` to `caller_ip`), for an INSERT. */
function messageColumnValues(row: MessageColumns): (string | null)[] {
  const { messageId, url, topicName, queueName, scheduleId, labels, flowControlKey, callerIp } = row;
  return [messageId, url, topicName ?? null, queueName ?? null, scheduleId ?? null, labelsColumn(labels), flowControlKey ?? null, callerIp];
}

/** Labels as one column that `instr` can search: `\nlabel\n...`. */
function labelsColumn(labels: readonly string[]): string | null {
  return labels.length === 0 ? null : `\n${labels.join("\n")}\n`;
}


interface MessageRowShape {
  seq: number;
  message_id: string;
  state: string;
  retried: number;
  next_attempt_at_ms: number;
  created_at_ms: number;
  finished_at_ms: number | null;
  data: string;
  body: Uint8Array;
}

interface MessageColumnsShape {
  message_id: string;
  url: string;
  topic_name: string | null;
  queue_name: string | null;
  schedule_id: string | null;
  labels: string | null;
  flow_control_key: string | null;
  caller_ip: string | null;
}

interface EventRowShape extends MessageColumnsShape {
  id: number;
  time_ms: number;
  state: string;
  detail: string | null;
  message_data: string | null;
  message_body: Uint8Array | null;
}

interface DlqRowShape extends MessageColumnsShape {
  seq: number;
  dlq_id: string;
  created_at_ms: number;
  response_status: number;
  data: string;
  body: Uint8Array;
  response_body: Uint8Array;
}

/** The immutable part of a message, as stored in `messages.data`. */
export type StoredMessageData = Omit<Message, "seq" | "messageId" | "body" | "state" | "retried" | "nextAttemptAtMs" | "finishedAtMs" | "started" | "cancelRequested"> & {
  started?: boolean;
};

function messageData(message: Message): StoredMessageData {
  const { seq: _seq, messageId: _id, body: _body, state: _state, retried: _retried, nextAttemptAtMs: _next, finishedAtMs: _finished, cancelRequested: _cancel, ...data } = message;
  return data;
}

function messageFromRow(row: MessageRowShape): Message {
  const data = JSON.parse(row.data) as StoredMessageData;
  return {
    ...data,
    seq: row.seq,
    messageId: row.message_id,
    body: row.body,
    state: row.state as MessageState,
    retried: row.retried,
    nextAttemptAtMs: row.next_attempt_at_ms,
    // A message that has had an attempt is past CREATED; its stored `started` may predate that.
    started: row.retried > 0 || row.state !== "CREATED",
    cancelRequested: row.state === "CANCEL_REQUESTED",
    finishedAtMs: row.finished_at_ms ?? undefined,
  };
}

function dlqFromRow(row: DlqRowShape): StoredDlq {
  return {
    seq: row.seq,
    dlqId: row.dlq_id,
    createdAtMs: row.created_at_ms,
    ...messageColumnsFromRow(row),
    responseStatus: row.response_status,
    data: row.data,
    body: row.body,
    responseBody: row.response_body,
  };
}

function messageColumnsFromRow(row: MessageColumnsShape): MessageColumns {
  return {
    messageId: row.message_id,
    url: row.url,
    topicName: row.topic_name ?? undefined,
    queueName: row.queue_name ?? undefined,
    scheduleId: row.schedule_id ?? undefined,
    labels: splitLabels(row.labels),
    flowControlKey: row.flow_control_key ?? undefined,
    callerIp: row.caller_ip ?? "",
  };
}

function splitLabels(labels: string | null): string[] {
  return labels === null ? [] : labels.split("\n").filter((label) => label !== "");
}

/** WHERE clause of a RowFilter over table alias `t`; `extra` adds cursor conditions. */
function whereClause(filter: RowFilter, t: string, extra: [string, string | number][]): { where: string; params: (string | number)[] } {
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  const anyOf = (column: string, values: readonly (string | number)[] | undefined) => {
    if (values === undefined || values.length === 0) return;
    conditions.push(`${t}.${column} IN (${values.map(() => "?").join(", ")})`);
    params.push(...values);
  };
  anyOf("message_id", filter.messageId);
  anyOf("state", filter.state);
  anyOf("url", filter.url);
  anyOf("topic_name", filter.topicName);
  anyOf("queue_name", filter.queueName);
  anyOf("schedule_id", filter.scheduleId);
  anyOf("flow_control_key", filter.flowControlKey);
  anyOf("caller_ip", filter.callerIp);
  anyOf("response_status", filter.responseStatus);
  anyOf("dlq_id", filter.dlqId);
  if (filter.label !== undefined && filter.label.length > 0) {
    conditions.push(`(${filter.label.map(() => `instr(${t}.labels, ?) > 0`).join(" OR ")})`);
    params.push(...filter.label.map((label) => `\n${label}\n`));
  }
  // Host and path are parts of the URL: http(s)://host[:port]/path...
  if (filter.host !== undefined && filter.host.length > 0) {
    conditions.push(`(${filter.host.map(() => `(${t}.url LIKE ? OR ${t}.url LIKE ? OR ${t}.url LIKE ?)`).join(" OR ")})`);
    for (const host of filter.host) params.push(`%://${host}/%`, `%://${host}:%`, `%://${host}`);
  }
  if (filter.path !== undefined && filter.path.length > 0) {
    conditions.push(`(${filter.path.map(() => `(${t}.url LIKE ? OR ${t}.url LIKE ?)`).join(" OR ")})`);
    for (const path of filter.path) params.push(`%://%${path}`, `%://%${path}?%`);
  }
  const timeColumn = t === "e" ? "time_ms" : "created_at_ms";
  if (filter.fromMs !== undefined) {
    conditions.push(`${t}.${timeColumn} >= ?`);
    params.push(filter.fromMs);
  }
  if (filter.toMs !== undefined) {
    conditions.push(`${t}.${timeColumn} <= ?`);
    params.push(filter.toMs);
  }
  for (const [condition, value] of extra) {
    conditions.push(condition);
    params.push(value);
  }
  return { where: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, params };
}
