// The durable change log of one database: a SQLite table in WAL mode with one row per journaled
// write (its LSN, its replay-safe argv encoded as below, a CRC32 of those bytes). It is the database's
// ChangeSink. Group commit: append() only buffers; the first append of an event-loop turn
// schedules one commit (setImmediate) that writes everything buffered in one transaction. A reply
// that depends on buffered entries awaits `pendingCommit()`: one shared promise per turn, made
// only when something waits. A failed commit (full disk, read-only file system) keeps the entries
// buffered and retries them; until one succeeds `failure` names the reason, writes are refused
// and no reply that wrote is sent as a success.

import type { Database as SqliteDatabase, Statement } from "bun:sqlite";
import type { ChangeEntry, ChangeSink } from "../redis/engine/change-log.ts";
import { errors, type RedisError } from "../redis/engine/errors.ts";
import type { Logger } from "../util/log.ts";
import { BinaryReader, BinaryWriter, CorruptRecordError } from "./binary.ts";
import { closeFully, failureReason } from "./sqlite.ts";

// An entry's bytes: u32 argument count, then each argument as u32 length + bytes (binary
// strings are bytes already). Cheaper both ways than JSON text, which restart time feels most.
export function encodeArgv(writer: BinaryWriter, argv: string[]): void {
  writer.u32(argv.length);
  for (const arg of argv) writer.bytes(arg);
}

export function decodeArgv(bytes: Uint8Array): string[] {
  const reader = new BinaryReader(bytes);
  const count = reader.u32();
  if (count === 0 || count > bytes.length) throw new CorruptRecordError("bad argument count");
  const argv: string[] = new Array(count);
  for (let i = 0; i < count; i++) argv[i] = reader.bytes();
  reader.end();
  return argv;
}

/** One stored entry, checked, for replay. */
export interface StoredEntry {
  lsn: number;
  argv: string[];
  /** Bytes the entry takes in the log. */
  bytes: number;
}

export type CutReason = "checksum mismatch" | "not a command" | "missing entries";

export interface ReadResult {
  entries: StoredEntry[];
  /** Set when the log was cut at the last whole entry before a damaged or missing one. */
  cut?: { atLsn: number; reason: CutReason; droppedEntries: number };
  /** Set when the log starts after `afterLsn + 1`: entries no snapshot or log holds. */
  missingBefore?: { fromLsn: number; toLsn: number };
}

const RETRY_INTERVAL_MS = 1000;
/** Rows deleted per step when the log is truncated after a snapshot: bounds each pause. */
const TRUNCATE_ROWS_PER_STEP = 2000;

export class ChangeLogStore implements ChangeSink {
  private pending: ChangeEntry[] = [];
  private isScheduled = false;
  private waiter: PromiseWithResolvers<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly insert: Statement;
  private readonly insertBatch: (batch: ChangeEntry[]) => number;
  /** Why the last commit failed; undefined while commits succeed. */
  failure: string | undefined;
  /** While true (recovery replays the log), appends are dropped: those entries are stored already. */
  isReplaying = false;
  /** Bytes of committed entries, since the log was last truncated. */
  committedBytes = 0;
  /** Commits since the last checkpoint; the everysec timer skips idle seconds. */
  commitsSinceCheckpoint = 0;
  /** Called after each successful commit (the snapshot trigger on log size listens). */
  onCommitted: () => void = () => {};
  private isClosed = false;
  /** Reused for every entry: SQLite copies the bytes it is given. */
  private readonly writer = new BinaryWriter();

  constructor(
    private readonly sqlite: SqliteDatabase,
    private readonly log: Logger,
    /** Words a failure for logs and MISCONF replies (persistence looks at the disk when SQLite only says "I/O error"). */
    private readonly explain: (error: unknown) => string = failureReason,
  ) {
    sqlite.exec("CREATE TABLE IF NOT EXISTS log (lsn INTEGER PRIMARY KEY, argv BLOB NOT NULL, crc INTEGER NOT NULL)");
    // OR REPLACE: a batch retried after a failed commit may meet rows SQLite kept (it should not).
    this.insert = sqlite.prepare("INSERT OR REPLACE INTO log (lsn, argv, crc) VALUES (?, ?, ?)");
    this.insertBatch = sqlite.transaction((batch: ChangeEntry[]) => {
      let bytes = 0;
      for (const entry of batch) {
        const writer = this.writer;
        writer.reset();
        encodeArgv(writer, entry.argv);
        const encoded = writer.view();
        bytes += encoded.length;
        this.insert.run(entry.lsn, encoded, Bun.hash.crc32(encoded));
      }
      return bytes;
    });
  }

  append(entry: ChangeEntry): void {
    if (this.isReplaying) return;
    this.pending.push(entry);
    // While commits fail, the retry timer alone tries again: not one failing transaction per turn.
    if (!this.isScheduled && !this.isClosed && this.failure === undefined) {
      this.isScheduled = true;
      setImmediate(this.scheduledCommit);
    }
  }

  private readonly scheduledCommit = () => {
    this.isScheduled = false;
    this.commit();
  };

  /** Entries journaled but not yet committed. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * A promise that settles when what is buffered now is committed, or undefined when nothing is
   * buffered. While commits fail, a request that wrote gets a rejected promise (its write is not
   * acknowledged); one that only read is answered, as Redis still serves reads then.
   */
  pendingCommit(wrote: boolean): Promise<void> | undefined {
    if (this.pending.length === 0) return undefined;
    if (this.failure !== undefined) return wrote ? Promise.reject(errors.writeToDiskFailed(this.failure)) : undefined;
    this.waiter ??= Promise.withResolvers<void>();
    return this.waiter.promise;
  }

  /** Commits everything buffered in one transaction; false when it failed (entries kept for a retry). */
  commit(): boolean {
    if (this.pending.length === 0) {
      this.settle(undefined);
      return true;
    }
    const batch = this.pending;
    try {
      this.committedBytes += this.insertBatch(batch);
    } catch (error) {
      const reason = this.explain(error);
      if (this.failure === undefined) this.log.log("error", "change_log_write_failed", { reason, pendingEntries: batch.length });
      this.failure = reason;
      this.settle(errors.writeToDiskFailed(reason));
      this.scheduleRetry();
      return false;
    }
    // Entries appended during the transaction (none: it is synchronous) would be in a new array.
    this.pending = this.pending === batch ? [] : this.pending.slice(batch.length);
    this.commitsSinceCheckpoint++;
    if (this.failure !== undefined) {
      this.log.log("info", "change_log_write_recovered", { entries: batch.length });
      this.failure = undefined;
    }
    this.settle(undefined);
    this.onCommitted();
    return true;
  }

  private settle(error: RedisError | undefined): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    if (error === undefined) waiter.resolve();
    else waiter.reject(error);
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.isClosed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.pending.length > 0 && !this.commit()) this.scheduleRetry();
    }, RETRY_INTERVAL_MS);
  }

  /** Copies the WAL into the main file and syncs both (everysec's once-a-second fsync). */
  checkpoint(mode: "PASSIVE" | "TRUNCATE" = "PASSIVE"): void {
    this.commitsSinceCheckpoint = 0;
    try {
      this.sqlite.exec(`PRAGMA wal_checkpoint(${mode})`);
    } catch (error) {
      this.log.log("warn", "change_log_checkpoint_failed", { reason: failureReason(error) });
    }
  }

  /** The highest LSN stored, 0 for an empty log. */
  lastLsn(): number {
    return this.sqlite.query<{ lsn: number | null }, []>("SELECT max(lsn) AS lsn FROM log").get()?.lsn ?? 0;
  }

  /**
   * Every entry after `afterLsn`, checked: CRC, shape, and LSNs without gaps. At the first entry
   * that fails, the log is cut there (that entry and everything after it are deleted) and the
   * result says so: the entries before it are whole and replay as they were committed.
   */
  readAfter(afterLsn: number): ReadResult {
    const entries: StoredEntry[] = [];
    const scan = this.scanAfter(afterLsn, (entry) => void entries.push(entry));
    return { entries, cut: scan.cut, missingBefore: scan.missingBefore };
  }

  /**
   * readAfter without holding the entries: each whole entry is handed to `visit` as it is read
   * (recovery replays a long log this way), and the same checks and cut apply.
   */
  scanAfter(afterLsn: number, visit: (entry: StoredEntry) => void): Omit<ReadResult, "entries"> & { count: number } {
    let count = 0;
    let expected = afterLsn + 1;
    let cut: ReadResult["cut"];
    let missingBefore: ReadResult["missingBefore"];
    const rows = this.sqlite.query<{ lsn: number; argv: Uint8Array; crc: number }, [number]>(
      "SELECT lsn, argv, crc FROM log WHERE lsn > ? ORDER BY lsn",
    );
    for (const row of rows.iterate(afterLsn)) {
      // Entries missing before the first one mean the snapshot that held them is gone (moved away
      // by an operator after it was refused): replay what there is, and say so.
      if (count === 0 && row.lsn > expected) {
        missingBefore = { fromLsn: expected, toLsn: row.lsn - 1 };
        expected = row.lsn;
      }
      const argv = checkedArgv(row, expected);
      if (!Array.isArray(argv)) {
        cut = { atLsn: Math.min(row.lsn, expected), reason: argv, droppedEntries: 0 };
        break;
      }
      visit({ lsn: row.lsn, argv, bytes: row.argv.length });
      count++;
      expected++;
    }
    if (cut !== undefined) {
      const deleted = this.sqlite.query<{ n: number }, [number]>("SELECT count(*) AS n FROM log WHERE lsn >= ?").get(cut.atLsn)?.n ?? 0;
      this.sqlite.query("DELETE FROM log WHERE lsn >= ?").run(cut.atLsn);
      cut.droppedEntries = deleted;
    }
    return { count, cut, missingBefore };
  }

  /**
   * Deletes the entries up to `lsn` (a snapshot holds them now), a bounded number of rows per
   * event-loop turn so a long log never pauses the server for long. Resolves when done.
   */
  async truncateThrough(lsn: number): Promise<void> {
    const first = this.sqlite.query<{ lsn: number | null }, []>("SELECT min(lsn) AS lsn FROM log").get()?.lsn;
    if (first === null || first === undefined) return;
    const remove = this.sqlite.query<unknown, [number]>("DELETE FROM log WHERE lsn <= ?");
    for (let bound = Math.min(lsn, first + TRUNCATE_ROWS_PER_STEP); !this.isClosed; bound = Math.min(lsn, bound + TRUNCATE_ROWS_PER_STEP)) {
      remove.run(bound);
      if (bound >= lsn) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Final commit, a checkpoint that empties the WAL, then close. Returns whether all was stored. */
  close(): boolean {
    if (this.isClosed) return this.pending.length === 0;
    clearTimeout(this.retryTimer);
    const committed = this.commit();
    this.isClosed = true;
    if (committed) this.checkpoint("TRUNCATE");
    else this.log.log("error", "change_log_lost_on_close", { entries: this.pending.length, reason: this.failure });
    this.insert.finalize();
    closeFully(this.sqlite);
    return committed;
  }
}

/** A row's argv, or why the row cannot be replayed. */
function checkedArgv(row: { lsn: number; argv: Uint8Array; crc: number }, expectedLsn: number): string[] | CutReason {
  if (row.lsn !== expectedLsn) return "missing entries";
  if (!(row.argv instanceof Uint8Array) || Bun.hash.crc32(row.argv) !== row.crc) return "checksum mismatch";
  try {
    return decodeArgv(row.argv);
  } catch {
    return "not a command";
  }
}
