// QStash's durable state in its own SQLite file, <data-dir>/qstash.sqlite (WAL): messages, the
// event log, the DLQ, schedules, queues, URL groups, flow-control settings, deduplication ids and
// signing keys. Writes are staged and committed together once per event-loop turn (group commit):
// `commit()` resolves when everything staged so far is durable, which is when a publish answers.
// Only the main thread writes (the delivery workers never touch this file), so there is one
// writer, no busy retries, and an outcome, its callback message and its DLQ entry land in one
// transaction.

import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Message, MessageState } from "./messages.ts";

const SCHEMA_VERSION = 1;
/** Shortest gap between two commits under load: each commit costs far more than a staged row. */
const COMMIT_INTERVAL_MS = 5;
/** A commit this large means load: the next one waits for the interval. */
const BUSY_COMMIT_WRITES = 64;

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

/** One row of the event log, with the columns its filters read. */
export interface EventRow {
  timeMs: number;
  state: MessageState;
  messageId: string;
  url: string;
  topicName?: string;
  queueName?: string;
  scheduleId?: string;
  labels: string[];
  flowControlKey?: string;
  callerIp: string;
  /** error, nextDeliveryTime, responseStatus/Headers/Body: the parts that differ per event. */
  detail?: Record<string, unknown>;
}

export interface StoredEvent extends EventRow {
  id: number;
  /** The message's stored data and body, when the message row still exists. */
  messageData?: string;
  messageBody?: Uint8Array;
}

export interface DlqRow {
  dlqId: string;
  createdAtMs: number;
  messageId: string;
  url: string;
  topicName?: string;
  queueName?: string;
  scheduleId?: string;
  labels: string[];
  flowControlKey?: string;
  callerIp: string;
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

type Statement = ReturnType<Database["prepare"]>;

export class QStashStore {
  private staged: (() => void)[] = [];
  private flushScheduled = false;
  private lastCommitAtMs = -Infinity;
  private lastCommitWrites = 0;
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private readonly statements = new Map<string, Statement>();
  private closed = false;

  /** Background commits that fail (disk full) are reported here; their waiters are rejected. */
  onFlushError: (error: unknown) => void = () => {};

  private constructor(private readonly db: Database) {}

  static open(path: string): QStashStore {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { create: true, readwrite: true, strict: true });
    db.exec("PRAGMA journal_mode = WAL");
    // NORMAL in WAL mode: a commit survives kill -9 of the process (it is in the OS's hands).
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA busy_timeout = 5000");
    // Fewer, larger checkpoints: a checkpoint runs inside a commit and holds up the main thread.
    db.exec("PRAGMA wal_autocheckpoint = 4000");
    const store = new QStashStore(db);
    store.migrate();
    return store;
  }

  private migrate(): void {
    const version = this.db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
    if (version > SCHEMA_VERSION) throw new Error(`qstash.sqlite has schema version ${version}, newer than this server's ${SCHEMA_VERSION}`);
    this.db.transaction(() => {
      for (let next = version; next < migrations.length; next++) this.db.exec(migrations[next]!);
      this.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    })();
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  // --- group commit ---------------------------------------------------------------------------

  /** Queues a write for the next commit. */
  private stage(write: () => void): void {
    if (this.closed) return;
    this.staged.push(write);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      const run = () => {
        try {
          this.flush();
        } catch (error) {
          this.onFlushError(error);
        }
      };
      // Group commit: at once while commits are small; under load (the last one was large), at
      // most one per COMMIT_INTERVAL_MS, since a commit costs far more than the rows it adds.
      const waitMs = this.lastCommitWrites < BUSY_COMMIT_WRITES ? 0 : this.lastCommitAtMs + COMMIT_INTERVAL_MS - performance.now();
      if (waitMs > 0) setTimeout(run, waitMs);
      else setImmediate(run);
    }
  }

  /** Resolves once every write staged before this call is committed. */
  commit(): Promise<void> {
    if (this.staged.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Commits everything staged, now. Reads call it first so they see their own writes. */
  flush(): void {
    this.flushScheduled = false;
    const writes = this.staged;
    const waiters = this.waiters;
    if (writes.length === 0) {
      for (const waiter of waiters) waiter.resolve();
      this.waiters = [];
      return;
    }
    this.staged = [];
    this.waiters = [];
    this.lastCommitAtMs = performance.now();
    this.lastCommitWrites = writes.length;
    try {
      this.db.transaction(() => {
        for (const write of writes) write();
      })();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      throw error;
    }
    for (const waiter of waiters) waiter.resolve();
  }

  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      this.db.close();
    }
  }

  // --- messages -------------------------------------------------------------------------------

  /** Writes a new message; its `seq` must already be assigned (see nextMessageSeq). */
  insertMessage(message: Message): void {
    const data = JSON.stringify(messageData(message));
    const { seq, messageId, state, retried, nextAttemptAtMs, createdAtMs, body } = message;
    this.stage(() =>
      this.statement(
        "INSERT INTO messages (seq, message_id, state, retried, next_attempt_at_ms, created_at_ms, finished_at_ms, data, body) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
      ).run(seq, messageId, state, retried, nextAttemptAtMs, createdAtMs, data, body),
    );
  }

  updateMessage(message: Message): void {
    const { seq, state, retried, nextAttemptAtMs } = message;
    const finishedAtMs = message.finishedAtMs ?? null;
    this.stage(() =>
      this.statement("UPDATE messages SET state = ?, retried = ?, next_attempt_at_ms = ?, finished_at_ms = ? WHERE seq = ?").run(
        state,
        retried,
        nextAttemptAtMs,
        finishedAtMs,
        seq,
      ),
    );
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
    const labels = event.labels.length === 0 ? null : `\n${event.labels.join("\n")}\n`;
    this.stage(() =>
      this.statement(
        "INSERT INTO events (time_ms, state, message_id, url, topic_name, queue_name, schedule_id, labels, flow_control_key, caller_ip, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ).run(
        event.timeMs,
        event.state,
        event.messageId,
        event.url,
        event.topicName ?? null,
        event.queueName ?? null,
        event.scheduleId ?? null,
        labels,
        event.flowControlKey ?? null,
        event.callerIp,
        detail,
      ),
    );
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
        messageId: row.message_id,
        url: row.url,
        topicName: row.topic_name ?? undefined,
        queueName: row.queue_name ?? undefined,
        scheduleId: row.schedule_id ?? undefined,
        labels: splitLabels(row.labels),
        flowControlKey: row.flow_control_key ?? undefined,
        callerIp: row.caller_ip ?? "",
        detail: row.detail === null ? undefined : JSON.parse(row.detail),
        messageData: row.message_data ?? undefined,
        messageBody: row.message_body ?? undefined,
      }));
  }

  // --- DLQ ------------------------------------------------------------------------------------

  insertDlq(entry: DlqRow): void {
    const labels = entry.labels.length === 0 ? null : `\n${entry.labels.join("\n")}\n`;
    this.stage(() =>
      this.statement(
        "INSERT INTO dlq (dlq_id, created_at_ms, message_id, url, topic_name, queue_name, schedule_id, labels, flow_control_key, caller_ip, response_status, data, body, response_body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ).run(
        entry.dlqId,
        entry.createdAtMs,
        entry.messageId,
        entry.url,
        entry.topicName ?? null,
        entry.queueName ?? null,
        entry.scheduleId ?? null,
        labels,
        entry.flowControlKey ?? null,
        entry.callerIp,
        entry.responseStatus,
        entry.data,
        entry.body,
        entry.responseBody,
      ),
    );
  }

  deleteDlq(dlqIds: readonly string[]): void {
    if (dlqIds.length === 0) return;
    const ids = [...dlqIds];
    this.stage(() => {
      const statement = this.statement("DELETE FROM dlq WHERE dlq_id = ?");
      for (const id of ids) statement.run(id);
    });
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
    const data = JSON.stringify(value);
    const column = documentKeyColumn[table];
    this.stage(() => {
      if (table === "schedules") {
        this.statement(`INSERT OR REPLACE INTO schedules (schedule_id, data, body) VALUES (?, ?, ?)`).run(key, data, body ?? new Uint8Array());
      } else {
        this.statement(`INSERT OR REPLACE INTO ${table} (${column}, data) VALUES (?, ?)`).run(key, data);
      }
    });
  }

  deleteDocument(table: DocumentTable, key: string): void {
    const column = documentKeyColumn[table];
    this.stage(() => this.statement(`DELETE FROM ${table} WHERE ${column} = ?`).run(key));
  }

  loadDocuments<T>(table: DocumentTable): { key: string; value: T; body?: Uint8Array }[] {
    this.flush();
    const column = documentKeyColumn[table];
    const rows = this.db.query<{ key: string; data: string; body?: Uint8Array }, []>(
      `SELECT ${column} AS key, data${table === "schedules" ? ", body" : ""} FROM ${table} ORDER BY ${column}`,
    );
    return rows.all().map((row) => ({ key: row.key, value: JSON.parse(row.data) as T, body: row.body }));
  }

  // --- deduplication ids ----------------------------------------------------------------------

  putDedup(key: string, messageId: string, expiresAtMs: number): void {
    this.stage(() => this.statement("INSERT OR REPLACE INTO dedup (key, message_id, expires_at_ms) VALUES (?, ?, ?)").run(key, messageId, expiresAtMs));
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
    this.stage(() => this.statement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(key, value));
  }

  // --- retention ------------------------------------------------------------------------------

  /** Drops events, finished messages and DLQ entries past their retention, and stale dedup ids. */
  purge(options: { eventsBeforeMs: number; dlqBeforeMs: number; nowMs: number }): { events: number; messages: number; dlq: number } {
    const counts = { events: 0, messages: 0, dlq: 0 };
    this.stage(() => {
      counts.events = this.statement("DELETE FROM events WHERE time_ms < ?").run(options.eventsBeforeMs).changes;
      counts.messages = this.statement("DELETE FROM messages WHERE finished_at_ms IS NOT NULL AND finished_at_ms < ?").run(options.eventsBeforeMs).changes;
      counts.dlq = this.statement("DELETE FROM dlq WHERE created_at_ms < ?").run(options.dlqBeforeMs).changes;
      this.statement("DELETE FROM dedup WHERE expires_at_ms <= ?").run(options.nowMs);
    });
    this.flush();
    return counts;
  }
}

export type DocumentTable = "schedules" | "queues" | "url_groups" | "flow_controls";
const documentKeyColumn: Record<DocumentTable, string> = { schedules: "schedule_id", queues: "name", url_groups: "name", flow_controls: "key" };

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

interface EventRowShape {
  id: number;
  time_ms: number;
  state: string;
  message_id: string;
  url: string;
  topic_name: string | null;
  queue_name: string | null;
  schedule_id: string | null;
  labels: string | null;
  flow_control_key: string | null;
  caller_ip: string | null;
  detail: string | null;
  message_data: string | null;
  message_body: Uint8Array | null;
}

interface DlqRowShape {
  seq: number;
  dlq_id: string;
  created_at_ms: number;
  message_id: string;
  url: string;
  topic_name: string | null;
  queue_name: string | null;
  schedule_id: string | null;
  labels: string | null;
  flow_control_key: string | null;
  caller_ip: string | null;
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
    messageId: row.message_id,
    url: row.url,
    topicName: row.topic_name ?? undefined,
    queueName: row.queue_name ?? undefined,
    scheduleId: row.schedule_id ?? undefined,
    labels: splitLabels(row.labels),
    flowControlKey: row.flow_control_key ?? undefined,
    callerIp: row.caller_ip ?? "",
    responseStatus: row.response_status,
    data: row.data,
    body: row.body,
    responseBody: row.response_body,
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
