// Kafka's durable state in <data-dir>/kafka.sqlite (WAL): topics, partitions (log start offset,
// cleaner checkpoint), segments (offset ranges with size and newest timestamp), records, committed
// group offsets and users. The main thread is the only writer of everything but the cleaner's
// work (compaction.ts, on its own connection: it deletes records and updates closed segments).
// Writes are staged and committed together once per event-loop turn (group commit); `commit()`
// resolves when everything staged before it is durable, which is when a produce answers.

import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

const SCHEMA_VERSION = 1;

export const schema = `
  CREATE TABLE IF NOT EXISTS topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    partitions INTEGER NOT NULL,
    config TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS partitions (
    topic_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    log_start_offset INTEGER NOT NULL,
    clean_offset INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, partition)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS segments (
    topic_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    base_offset INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    max_timestamp INTEGER NOT NULL,
    rolled_at_ms INTEGER NOT NULL,
    PRIMARY KEY (topic_id, partition, base_offset)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS records (
    topic_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    key TEXT,
    value TEXT,
    headers TEXT,
    size_bytes INTEGER NOT NULL,
    delete_horizon_ms INTEGER,
    PRIMARY KEY (topic_id, partition, offset)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS deleted_topics (topic_id INTEGER PRIMARY KEY);
  CREATE TABLE IF NOT EXISTS committed_offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    committed_at_ms INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    permissions TEXT NOT NULL,
    topic_pattern TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  );
`;

export interface TopicRow {
  id: number;
  name: string;
  partitions: number;
  config: string;
  created_at_ms: number;
}

export interface PartitionRow {
  partition: number;
  log_start_offset: number;
  clean_offset: number;
}

export interface SegmentRow {
  partition: number;
  base_offset: number;
  next_offset: number;
  size_bytes: number;
  max_timestamp: number;
  rolled_at_ms: number;
}

export interface RecordRow {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: string | null;
  size_bytes: number;
}

export interface UserRow {
  name: string;
  password_hash: string;
  permissions: string;
  topic_pattern: string;
  created_at_ms: number;
}

/** Opens a connection with the pragmas every user of the file shares (main thread and cleaner). */
export function openKafkaDatabase(path: string, fsync: "always" | "everysec" | "no"): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, readwrite: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode: a commit survives kill -9 (it is in the OS's hands); FULL also power loss.
  db.exec(`PRAGMA synchronous = ${fsync === "always" ? "FULL" : "NORMAL"}`);
  // Only the cleaner, in small transactions, ever holds the write lock against the main thread.
  db.exec("PRAGMA busy_timeout = 10000");
  // Checkpoints run on the cleaner's thread (compaction.ts), never inside a producer's commit.
  db.exec("PRAGMA wal_autocheckpoint = 0");
  return db;
}

type Statement = ReturnType<Database["prepare"]>;

/**
 * A lock in shared memory that the main thread and the cleaner thread take around every write
 * transaction. SQLite's own busy handler sleeps 1, 2, 5... ms when it meets a held lock; this one
 * wakes the waiter the moment the holder is done, so a producer's commit waits at most for one
 * short cleaner transaction, never for a sleep.
 */
export class WriteGate {
  private readonly cells: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.cells = new Int32Array(buffer);
  }

  run<T>(write: () => T): T {
    while (Atomics.compareExchange(this.cells, 0, 0, 1) !== 0) Atomics.wait(this.cells, 0, 1, 100);
    try {
      return write();
    } finally {
      Atomics.store(this.cells, 0, 0);
      Atomics.notify(this.cells, 0);
    }
  }
}

export class KafkaStore {
  private staged: (() => void)[] = [];
  private flushScheduled = false;
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private readonly statements = new Map<string, Statement>();
  private closed = false;
  /** Shared with the cleaner thread (compaction.ts): one writer at a time, without busy sleeps. */
  readonly gate = new WriteGate();
  /** Runs inside every commit, before the staged writes: the log writes its touched segments. */
  beforeCommit: () => void = () => {};
  /** A background commit failed (disk full): its waiters were rejected; the log reloads its state. */
  onCommitFailed: (error: unknown) => void = () => {};

  private constructor(readonly db: Database) {}

  static open(path: string, fsync: "always" | "everysec" | "no" = "everysec"): KafkaStore {
    const db = openKafkaDatabase(path, fsync);
    const version = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new Error(`kafka.sqlite has schema version ${version}, newer than this server's ${SCHEMA_VERSION}`);
    }
    db.transaction(() => {
      db.exec(schema);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    })();
    return new KafkaStore(db);
  }

  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  // --- group commit ---------------------------------------------------------------------------

  /** Queues a write for the next commit (at the end of this event-loop turn). */
  stage(write: () => void): void {
    if (this.closed) throw new Error("the Kafka store is closed");
    this.staged.push(write);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        try {
          this.flush();
        } catch (error) {
          this.onCommitFailed(error);
        }
      });
    }
  }

  /** Resolves once every write staged before this call is committed. */
  commit(): Promise<void> {
    if (this.staged.length === 0 && !this.flushScheduled) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Commits everything staged, now, in one transaction. */
  flush(): void {
    this.flushScheduled = false;
    const writes = this.staged;
    const waiters = this.waiters;
    this.staged = [];
    this.waiters = [];
    if (writes.length > 0) {
      try {
        this.gate.run(() =>
          this.db.transaction(() => {
            this.beforeCommit();
            for (const write of writes) write();
          })(),
        );
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
        throw error;
      }
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

  /** One write transaction outside the group commit, under the gate. */
  private locked(write: () => void): void {
    this.gate.run(() => this.db.transaction(write)());
  }

  // --- topics, partitions, segments -------------------------------------------------------------

  loadTopics(): TopicRow[] {
    return this.db.query<TopicRow, []>("SELECT id, name, partitions, config, created_at_ms FROM topics ORDER BY name").all();
  }

  loadPartitions(topicId: number): PartitionRow[] {
    return this.db
      .query<PartitionRow, [number]>("SELECT partition, log_start_offset, clean_offset FROM partitions WHERE topic_id = ? ORDER BY partition")
      .all(topicId);
  }

  loadSegments(topicId: number): SegmentRow[] {
    return this.db
      .query<SegmentRow, [number]>(
        "SELECT partition, base_offset, next_offset, size_bytes, max_timestamp, rolled_at_ms FROM segments WHERE topic_id = ? ORDER BY partition, base_offset",
      )
      .all(topicId);
  }

  /** Topic creation is rare and must be visible at once: it commits synchronously (after staged writes). */
  createTopic(name: string, partitions: number, config: string, nowMs: number): number {
    this.flush();
    let id = 0;
    this.locked(() => {
      id = Number(this.statement("INSERT INTO topics (name, partitions, config, created_at_ms) VALUES (?, ?, ?, ?)").run(name, partitions, config, nowMs).lastInsertRowid);
      for (let partition = 0; partition < partitions; partition++) this.insertPartition(id, partition, nowMs);
    });
    return id;
  }

  /** Adds partitions (their count only grows, as in Kafka) and stores a new configuration. */
  updateTopic(id: number, fromPartitions: number, toPartitions: number, config: string, nowMs: number): void {
    this.flush();
    this.locked(() => {
      this.statement("UPDATE topics SET partitions = ?, config = ? WHERE id = ?").run(toPartitions, config, id);
      for (let partition = fromPartitions; partition < toPartitions; partition++) this.insertPartition(id, partition, nowMs);
    });
  }

  private insertPartition(topicId: number, partition: number, nowMs: number): void {
    this.statement("INSERT INTO partitions (topic_id, partition, log_start_offset, clean_offset) VALUES (?, ?, 0, 0)").run(topicId, partition);
    this.statement(
      "INSERT INTO segments (topic_id, partition, base_offset, next_offset, size_bytes, max_timestamp, rolled_at_ms) VALUES (?, ?, 0, 0, 0, -1, ?)",
    ).run(topicId, partition, nowMs);
  }

  /** Removes a topic at once; its records are purged later by the cleaner (deleted_topics). */
  deleteTopic(id: number): void {
    this.flush();
    this.locked(() => {
      this.statement("DELETE FROM topics WHERE id = ?").run(id);
      this.statement("DELETE FROM partitions WHERE topic_id = ?").run(id);
      this.statement("DELETE FROM segments WHERE topic_id = ?").run(id);
      this.statement("INSERT OR IGNORE INTO deleted_topics (topic_id) VALUES (?)").run(id);
    });
  }

  deletedTopicIds(): number[] {
    return this.db.query<{ topic_id: number }, []>("SELECT topic_id FROM deleted_topics").all().map((row) => row.topic_id);
  }

  /** Inside a commit: writes one segment's current bounds. */
  writeSegment(topicId: number, partition: number, segment: SegmentRow): void {
    this.statement(
      `INSERT INTO segments (topic_id, partition, base_offset, next_offset, size_bytes, max_timestamp, rolled_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (topic_id, partition, base_offset) DO UPDATE SET next_offset = excluded.next_offset, size_bytes = excluded.size_bytes,
       max_timestamp = excluded.max_timestamp`,
    ).run(topicId, partition, segment.base_offset, segment.next_offset, segment.size_bytes, segment.max_timestamp, segment.rolled_at_ms);
  }

  /** Staged: retention moved the log start; the segments below it go (their records, later). */
  stageLogStart(topicId: number, partition: number, logStartOffset: number): void {
    this.stage(() => {
      this.statement("UPDATE partitions SET log_start_offset = ? WHERE topic_id = ? AND partition = ?").run(logStartOffset, topicId, partition);
      this.statement("DELETE FROM segments WHERE topic_id = ? AND partition = ? AND base_offset < ?").run(topicId, partition, logStartOffset);
    });
  }

  // --- records --------------------------------------------------------------------------------

  /** Inside a commit: one record. */
  writeRecord(
    topicId: number,
    partition: number,
    offset: number,
    timestamp: number,
    key: string | null,
    value: string | null,
    headers: string | null,
    sizeBytes: number,
  ): void {
    this.statement(
      "INSERT INTO records (topic_id, partition, offset, timestamp, key, value, headers, size_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(topicId, partition, offset, timestamp, key, value, headers, sizeBytes);
  }

  /** Committed records at or after `fromOffset`, in offset order (compaction leaves gaps). */
  readRecords(topicId: number, partition: number, fromOffset: number, limit: number): RecordRow[] {
    return this.statement(
      "SELECT offset, timestamp, key, value, headers, size_bytes FROM records WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?",
    ).all(topicId, partition, fromOffset, limit) as RecordRow[];
  }

  /** The first offset in [fromOffset, toOffset) whose timestamp is at or after `timestamp`. */
  firstOffsetAtOrAfter(topicId: number, partition: number, fromOffset: number, toOffset: number, timestamp: number): number | undefined {
    const row = this.statement(
      "SELECT offset FROM records WHERE topic_id = ? AND partition = ? AND offset >= ? AND offset < ? AND timestamp >= ? ORDER BY offset LIMIT 1",
    ).get(topicId, partition, fromOffset, toOffset, timestamp) as { offset: number } | null;
    return row?.offset;
  }

  // --- committed offsets ----------------------------------------------------------------------

  loadCommitted(): { group_id: string; topic: string; partition: number; offset: number }[] {
    return this.db.query<{ group_id: string; topic: string; partition: number; offset: number }, []>("SELECT group_id, topic, partition, offset FROM committed_offsets").all();
  }

  stageCommit(group: string, topic: string, partition: number, offset: number, nowMs: number): void {
    this.stage(() =>
      this.statement(
        `INSERT INTO committed_offsets (group_id, topic, partition, offset, committed_at_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_id, topic, partition) DO UPDATE SET offset = excluded.offset, committed_at_ms = excluded.committed_at_ms`,
      ).run(group, topic, partition, offset, nowMs),
    );
  }

  stageForgetTopicCommits(topic: string): void {
    this.stage(() => this.statement("DELETE FROM committed_offsets WHERE topic = ?").run(topic));
  }

  // --- users ----------------------------------------------------------------------------------

  loadUsers(): UserRow[] {
    return this.db.query<UserRow, []>("SELECT name, password_hash, permissions, topic_pattern, created_at_ms FROM users ORDER BY name").all();
  }

  putUser(user: UserRow): void {
    this.flush();
    this.locked(() =>
      this.statement(
        `INSERT INTO users (name, password_hash, permissions, topic_pattern, created_at_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, permissions = excluded.permissions, topic_pattern = excluded.topic_pattern`,
      ).run(user.name, user.password_hash, user.permissions, user.topic_pattern, user.created_at_ms),
    );
  }

  deleteUser(name: string): boolean {
    this.flush();
    return this.gate.run(() => this.statement("DELETE FROM users WHERE name = ?").run(name).changes > 0);
  }
}
