// The durable change log of one database (its ChangeSink): a SQLite table in WAL mode with one row
// per group commit: first and last LSN, entry count, the entries encoded as below, their CRC32.
// append() only buffers; the first append of an event-loop turn schedules one commit (setImmediate)
// of everything buffered: one row, or a few in one transaction for a very large turn. Replies that
// wrote await `pendingCommit()`, one shared promise per turn. A failed commit (full disk, read-only
// file system) keeps its entries and retries them; meanwhile `failure` says why and writes are
// refused. Reads check every row and cut the log at the first damaged one; a row may straddle a
// snapshot's LSN, and replay skips what the snapshot holds. Files of the older one-row-per-entry
// layout (user_version 0) are converted when opened, their bytes and CRCs kept.

import type { Database as SqliteDatabase, Statement } from "bun:sqlite";
import type { ChangeEntry, ChangeSink } from "../redis/engine/change-log.ts";
import { errors, type RedisError } from "../redis/engine/errors.ts";
import type { Logger } from "../util/log.ts";
import { BinaryReader, BinaryWriter, CorruptRecordError, RecentStrings } from "./binary.ts";
import { closeFully, failureReason, StorageError } from "./sqlite.ts";

// An entry's bytes: u32 argument count, then each argument as u32 length + bytes (binary
// strings are bytes already). Cheaper both ways than JSON text, which restart time feels most.
// A row's bytes are its entries' bytes back to back, in LSN order.
export function encodeArgv(writer: BinaryWriter, argv: string[]): void {
  writer.strings(argv);
}

// A log repeats a handful of command names a million times over: one string each is enough.
const COMMAND_NAMES_REMEMBERED = 8;

/** One entry from a reader positioned at its start; the reader ends up after it. */
function readArgv(reader: BinaryReader, bytesMax: number, names?: RecentStrings): string[] {
  const count = reader.u32();
  if (count === 0 || count > bytesMax) throw new CorruptRecordError("bad argument count");
  const argv: string[] = new Array(count);
  argv[0] = names === undefined ? reader.bytes() : reader.recentBytes(names);
  for (let i = 1; i < count; i++) argv[i] = reader.bytes();
  return argv;
}

export function decodeArgv(bytes: Uint8Array): string[] {
  const reader = new BinaryReader(bytes);
  const argv = readArgv(reader, bytes.length);
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

interface BatchRow {
  first_lsn: number;
  last_lsn: number;
  entries: number;
  data: Uint8Array;
  crc: number;
}

/** PRAGMA user_version of a file whose rows are whole group commits; 0 was one row per entry. */
const LAYOUT_VERSION = 1;
const RETRY_INTERVAL_MS = 1000;
/** A commit larger than this is split into rows of about this size (still one transaction). */
const BATCH_BYTES_MAX = 1024 * 1024;
/** Entries (by LSN) deleted per step when the log is truncated after a snapshot: bounds each pause. */
const TRUNCATE_ENTRIES_PER_STEP = 10_000;

export class ChangeLogStore implements ChangeSink {
  private pending: ChangeEntry[] = [];
  private isScheduled = false;
  private waiter: PromiseWithResolvers<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly insert: Statement;
  /** insertRows in one transaction: a turn too large for one row is still committed whole. */
  private readonly insertRowsTogether: (batch: ChangeEntry[]) => number;
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
  /** Reused for every commit: SQLite copies the bytes it is given. */
  private readonly writer = new BinaryWriter();

  constructor(
    private readonly sqlite: SqliteDatabase,
    private readonly log: Logger,
    /** Words a failure for logs and MISCONF replies (persistence looks at the disk when SQLite only says "I/O error"). */
    private readonly explain: (error: unknown) => string = failureReason,
  ) {
    prepareLayout(sqlite, log);
    this.insert = sqlite.prepare("INSERT INTO batches (last_lsn, first_lsn, entries, data, crc) VALUES (?, ?, ?, ?, ?)");
    this.insertRowsTogether = sqlite.transaction((batch: ChangeEntry[]) => this.insertRows(batch));
  }

  /** Stores a turn's entries; returns their bytes. One row is one statement and its own transaction. */
  private store(batch: ChangeEntry[]): number {
    return encodedBytes(batch) <= BATCH_BYTES_MAX ? this.insertRows(batch) : this.insertRowsTogether(batch);
  }

  /** Encodes the entries into rows of about BATCH_BYTES_MAX and inserts each; returns their bytes. */
  private insertRows(batch: ChangeEntry[]): number {
    const writer = this.writer;
    let bytes = 0;
    let first = 0;
    for (let i = 0; i < batch.length; i++) {
      encodeArgv(writer, batch[i]!.argv);
      if (writer.size >= BATCH_BYTES_MAX || i === batch.length - 1) {
        bytes += this.insertRow(batch, first, i);
        first = i + 1;
      }
    }
    return bytes;
  }

  /** Stores `batch[first..last]`, whose bytes the writer holds, as one row; returns its size. */
  private insertRow(batch: ChangeEntry[], first: number, last: number): number {
    const data = this.writer.view();
    const bytes = data.length;
    try {
      this.insert.run(batch[last]!.lsn, batch[first]!.lsn, last - first + 1, data, Bun.hash.crc32(data));
    } finally {
      this.writer.reset();
    }
    return bytes;
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
      this.committedBytes += this.store(batch);
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
    return this.sqlite.query<{ lsn: number | null }, []>("SELECT max(last_lsn) AS lsn FROM batches").get()?.lsn ?? 0;
  }

  /**
   * Every entry after `afterLsn`, checked: CRC, shape, and LSNs without gaps. At the first row
   * that fails, the log is cut there (that row and every later one are deleted) and the result
   * says so: the entries before it are whole and replay as they were committed.
   */
  readAfter(afterLsn: number): ReadResult {
    const entries: StoredEntry[] = [];
    const scan = this.scanAfter(afterLsn, (entry) => void entries.push(entry));
    return { entries, cut: scan.cut, missingBefore: scan.missingBefore };
  }

  /**
   * readAfter without holding the entries: each whole entry is handed to `visit` as it is read
   * (recovery replays a long log this way), and the same checks and cut apply. A row's entries
   * are all checked before the first of them is visited, so a damaged row replays nothing.
   */
  scanAfter(afterLsn: number, visit: (entry: StoredEntry) => void): Omit<ReadResult, "entries"> & { count: number } {
    let count = 0;
    let expected = afterLsn + 1;
    let cut: ReadResult["cut"];
    let missingBefore: ReadResult["missingBefore"];
    const rows = this.sqlite.query<BatchRow, [number]>("SELECT first_lsn, last_lsn, entries, data, crc FROM batches WHERE last_lsn > ? ORDER BY last_lsn");
    const names = new RecentStrings(COMMAND_NAMES_REMEMBERED);
    for (const row of rows.iterate(afterLsn)) {
      // Entries missing before the first one mean the snapshot that held them is gone (moved away
      // by an operator after it was refused): replay what there is, and say so.
      if (count === 0 && row.first_lsn > expected) {
        missingBefore = { fromLsn: expected, toLsn: row.first_lsn - 1 };
        expected = row.first_lsn;
      }
      const entries = checkedEntries(row, expected, names);
      if (!Array.isArray(entries)) {
        cut = { atLsn: expected, reason: entries, droppedEntries: 0 };
        break;
      }
      // A row may begin at or before `expected`: it straddles the snapshot's LSN. Skip what it holds.
      for (let i = expected - row.first_lsn; i < entries.length; i++) visit(entries[i]!);
      count += row.last_lsn - expected + 1;
      expected = row.last_lsn + 1;
    }
    if (cut !== undefined) {
      const dropped = this.sqlite
        .query<{ n: number | null }, [number, number]>("SELECT sum(last_lsn - max(first_lsn, ?) + 1) AS n FROM batches WHERE last_lsn >= ?")
        .get(cut.atLsn, cut.atLsn);
      this.sqlite.query("DELETE FROM batches WHERE last_lsn >= ?").run(cut.atLsn);
      cut.droppedEntries = dropped?.n ?? 0;
    }
    return { count, cut, missingBefore };
  }

  /**
   * Deletes the rows whose entries all have LSNs up to `lsn` (a snapshot holds them now), a
   * bounded range of LSNs per event-loop turn so a long log never pauses the server for long. A
   * row straddling `lsn` stays; replay skips its entries up to `lsn`. Resolves when done.
   */
  async truncateThrough(lsn: number): Promise<void> {
    const first = this.sqlite.query<{ lsn: number | null }, []>("SELECT min(last_lsn) AS lsn FROM batches").get()?.lsn;
    if (first === null || first === undefined) return;
    const remove = this.sqlite.query<unknown, [number]>("DELETE FROM batches WHERE last_lsn <= ?");
    for (let bound = Math.min(lsn, first + TRUNCATE_ENTRIES_PER_STEP); !this.isClosed; bound = Math.min(lsn, bound + TRUNCATE_ENTRIES_PER_STEP)) {
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

/**
 * Creates the table, or converts a file of the one-row-per-entry layout: an old row's bytes are
 * exactly a one-entry row's, so each is copied with its CRC, and damage in it is still found and
 * cut when the log is read. One transaction: a crash leaves the old layout, converted next time.
 */
function prepareLayout(sqlite: SqliteDatabase, log: Logger): void {
  const version = sqlite.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
  if (version === LAYOUT_VERSION) return;
  if (version > LAYOUT_VERSION) throw new StorageError(`the change log has layout ${version}, newer than this downstash reads (${LAYOUT_VERSION}); run a newer version`);
  const hasEntryRows = sqlite.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'log'").get() !== null;
  sqlite.transaction(() => {
    sqlite.exec(
      "CREATE TABLE IF NOT EXISTS batches (last_lsn INTEGER PRIMARY KEY, first_lsn INTEGER NOT NULL, entries INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL)",
    );
    if (hasEntryRows) {
      const converted = sqlite.query("INSERT INTO batches (last_lsn, first_lsn, entries, data, crc) SELECT lsn, lsn, 1, argv, crc FROM log").run().changes;
      sqlite.exec("DROP TABLE log");
      log.log("info", "change_log_converted", { entries: converted, layout: LAYOUT_VERSION });
    }
    sqlite.exec(`PRAGMA user_version = ${LAYOUT_VERSION}`);
  })();
}

/** The bytes encodeArgv writes for these entries. */
function encodedBytes(batch: ChangeEntry[]): number {
  let bytes = 0;
  for (const entry of batch) {
    bytes += 4 + 4 * entry.argv.length;
    for (const arg of entry.argv) bytes += arg.length;
  }
  return bytes;
}

/** A row's entries, or why the row cannot be replayed. */
function checkedEntries(row: BatchRow, expectedLsn: number, names?: RecentStrings): StoredEntry[] | CutReason {
  if (row.first_lsn > expectedLsn) return "missing entries";
  if (!(row.data instanceof Uint8Array) || Bun.hash.crc32(row.data) !== row.crc) return "checksum mismatch";
  // The smallest entry is 8 bytes (an argument count and one empty argument).
  if (row.entries < 1 || row.entries > row.data.length / 8 || row.last_lsn - row.first_lsn + 1 !== row.entries) return "not a command";
  const entries: StoredEntry[] = new Array(row.entries);
  try {
    const reader = new BinaryReader(row.data);
    for (let i = 0; i < row.entries; i++) {
      const start = reader.position;
      const argv = readArgv(reader, row.data.length, names);
      entries[i] = { lsn: row.first_lsn + i, argv, bytes: reader.position - start };
    }
    reader.end();
  } catch {
    return "not a command";
  }
  return entries;
}
