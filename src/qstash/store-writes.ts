// The writes QStash's store makes, as plain data: each is a tuple naming one change and its
// values, so a batch of them can be posted to the writer thread (store-writer.ts) and applied
// there, or applied on the main thread when there is no writer (an in-memory store). Applying a
// batch is one transaction, so an outcome, its callback message and its DLQ entry commit together.
// Also what the store and its writer share: how the file is opened, and the messages and shared
// cells they talk through.

import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** Opens qstash.sqlite (WAL) as both the main thread's and the writer's connection do. */
export function openConnection(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, readwrite: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode: a commit survives kill -9 of the process (it is in the OS's hands).
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA busy_timeout = 5000");
  // Fewer, larger checkpoints; they run inside the writer's commits, off the main thread.
  db.exec("PRAGMA wal_autocheckpoint = 4000");
  return db;
}

/** Main thread → writer. */
export type WriterRequest = { type: "open"; path: string; cells: SharedArrayBuffer } | { type: "batch"; id: number; writes: StoreWrite[] } | { type: "close" };

/** Writer → main thread, once per batch. */
export type WriterReply = { type: "done"; id: number; purged: PurgeCounts } | { type: "failed"; id: number; code: string; message: string };

/**
 * Int32 cells in a SharedArrayBuffer, so the main thread can block until a batch is committed
 * (`flush()`, for the rare writes that answer synchronously) without waiting for a message.
 */
export const Cell = { ready: 0, doneId: 1, failedId: 2, closed: 3, errorBytes: 4 } as const;
/** Values of the `ready` cell: whoever moves it from `starting` (by compare-and-swap) owns the writes. */
export const ReadyState = { starting: 0, ready: 1, abandoned: 2 } as const;
export const CELLS_BYTES = 512;
/** Where the failed batch's error text starts, after the Int32 cells. */
export const ERROR_TEXT_OFFSET = 32;

export type DocumentTable = "schedules" | "queues" | "url_groups" | "flow_controls";
const documentKeyColumn: Record<DocumentTable, string> = { schedules: "schedule_id", queues: "name", url_groups: "name", flow_controls: "key" };

type Value = string | number | null | Uint8Array;

export type StoreWrite =
  | ["insertMessage", seq: number, messageId: string, state: string, retried: number, nextAttemptAtMs: number, createdAtMs: number, data: string, body: Uint8Array]
  | ["updateMessage", state: string, retried: number, nextAttemptAtMs: number, finishedAtMs: number | null, seq: number]
  | ["insertEvent", ...columns: Value[]]
  | ["insertDlq", ...columns: Value[]]
  | ["deleteDlq", dlqId: string]
  | ["putDocument", table: DocumentTable, key: string, data: string, body: Uint8Array | null]
  | ["deleteDocument", table: DocumentTable, key: string]
  | ["putDedup", key: string, messageId: string, expiresAtMs: number]
  | ["putMeta", key: string, value: string]
  | ["purge", eventsBeforeMs: number, dlqBeforeMs: number, nowMs: number];

/** Rows dropped by the `purge` writes of a batch. */
export interface PurgeCounts {
  events: number;
  messages: number;
  dlq: number;
}

const sqlOf: Record<Exclude<StoreWrite[0], "putDocument" | "deleteDocument" | "purge">, string> = {
  insertMessage:
    "INSERT INTO messages (seq, message_id, state, retried, next_attempt_at_ms, created_at_ms, finished_at_ms, data, body) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
  updateMessage: "UPDATE messages SET state = ?, retried = ?, next_attempt_at_ms = ?, finished_at_ms = ? WHERE seq = ?",
  insertEvent:
    "INSERT INTO events (time_ms, state, message_id, url, topic_name, queue_name, schedule_id, labels, flow_control_key, caller_ip, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  insertDlq:
    "INSERT INTO dlq (dlq_id, created_at_ms, message_id, url, topic_name, queue_name, schedule_id, labels, flow_control_key, caller_ip, response_status, data, body, response_body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  deleteDlq: "DELETE FROM dlq WHERE dlq_id = ?",
  putDedup: "INSERT OR REPLACE INTO dedup (key, message_id, expires_at_ms) VALUES (?, ?, ?)",
  putMeta: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
};

/** Applies batches of writes on one connection, each batch in one transaction. */
export class WriteApplier {
  private readonly statements = new Map<string, ReturnType<Database["prepare"]>>();

  constructor(private readonly db: Database) {}

  private run(sql: string, values: Value[]): number {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement.run(...values).changes;
  }

  /** Commits every write or none (the error is thrown); returns what purges removed. */
  apply(writes: readonly StoreWrite[]): PurgeCounts {
    const purged: PurgeCounts = { events: 0, messages: 0, dlq: 0 };
    this.db.transaction(() => {
      for (const write of writes) this.applyOne(write, purged);
    })();
    return purged;
  }

  private applyOne(write: StoreWrite, purged: PurgeCounts): void {
    switch (write[0]) {
      case "putDocument": {
        const [, table, key, data, body] = write;
        if (table === "schedules") this.run("INSERT OR REPLACE INTO schedules (schedule_id, data, body) VALUES (?, ?, ?)", [key, data, body ?? new Uint8Array()]);
        else this.run(`INSERT OR REPLACE INTO ${table} (${documentKeyColumn[table]}, data) VALUES (?, ?)`, [key, data]);
        return;
      }
      case "deleteDocument": {
        const [, table, key] = write;
        this.run(`DELETE FROM ${table} WHERE ${documentKeyColumn[table]} = ?`, [key]);
        return;
      }
      case "purge": {
        const [, eventsBeforeMs, dlqBeforeMs, nowMs] = write;
        purged.events += this.run("DELETE FROM events WHERE time_ms < ?", [eventsBeforeMs]);
        purged.messages += this.run("DELETE FROM messages WHERE finished_at_ms IS NOT NULL AND finished_at_ms < ?", [eventsBeforeMs]);
        purged.dlq += this.run("DELETE FROM dlq WHERE created_at_ms < ?", [dlqBeforeMs]);
        this.run("DELETE FROM dedup WHERE expires_at_ms <= ?", [nowMs]);
        return;
      }
      default: {
        const [kind, ...values] = write;
        this.run(sqlOf[kind], values as Value[]);
      }
    }
  }
}

export function documentKey(table: DocumentTable): string {
  return documentKeyColumn[table];
}
