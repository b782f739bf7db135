// The durable change log of one database (its ChangeSink): a SQLite table in WAL mode with one row
// per group commit: first and last LSN, entry count, the entries encoded as below, their CRC32,
// and the format they are encoded in.
// append() only buffers; the first append of an event-loop turn schedules one commit (setImmediate)
// of everything buffered: one row, or a few in one transaction for a very large turn. Replies that
// wrote await `pendingCommit()`, one shared promise per turn. Entries after a deferred LSN (a
// suspended script's) wait until `resumeCommits`. A failed commit (full disk, read-only file
// system) keeps its entries and retries them; meanwhile `failure` says why and writes are refused.
// Reads check every row and cut the log at the first damaged one; a row may straddle a
// snapshot's LSN, and replay skips what the snapshot holds. Files of older layouts are converted
// when opened, their rows' bytes and CRCs kept: one row per entry (user_version 0) becomes a
// one-entry row, and rows written before formats existed (1) are marked as format 1.

import type { Database as SqliteDatabase, Statement } from "bun:sqlite";
import type { ChangeEntry, ChangeSink } from "../redis/engine/change-log.ts";
import { errors, type RedisError } from "../redis/engine/errors.ts";
import type { Logger } from "../util/log.ts";
import { BinaryReader, BinaryWriter, CorruptRecordError, RecentStrings } from "./binary.ts";
import { closeFully, failureReason, StorageError } from "./sqlite.ts";

// A row's bytes are its entries' bytes back to back, in LSN order. Binary strings are bytes
// already; every format is cheaper both ways than JSON text, which restart time feels most.
// - Format 3 (written now): an unsigned LEB128 argument count, then each argument as a LEB128
//   header: 0 when it equals the argument at the same index of its reference entry; else
//   2 × n + 1 + s, where n bytes of it follow. With s = 1 a LEB128 p comes first, and the argument
//   is the first p bytes of the reference's argument at that index, then those n bytes. The
//   command name's reference is the row's previous entry; the other arguments' is the row's last
//   entry of the same command, else the previous one.
//   A turn's entries repeat their command names and often their keys (LPUSHes to one list), keys
//   that differ mostly share a namespace (`@upstash/ratelimit:user-42:29577123`), and a turn often
//   interleaves two commands (a rate limiter's HSET then PEXPIREAT for each bucket), whose fields
//   and times repeat those of the same command: a turn of 50 slidingWindow INCRBYs takes about
//   0.8 KiB instead of 2 KiB. Smaller rows are what make a commit cheap: two or more fit a 4 KiB
//   page, so most commits rewrite one page of the log instead of allocating one (a new leaf, its
//   parent and the header page each time).
// - Format 2: the argument count, then each argument as 0 when it equals the argument at the
//   same index of the row's previous entry, else as its length + 1 (LEB128) and its bytes.
// - Format 1 (rows written before formats existed): a u32 argument count, then each argument as
//   a u32 length and its bytes.
const FORMAT_LENGTH_PREFIXED = 1;
const FORMAT_REPEATS = 2;
const FORMAT_SHARED_PREFIXES = 3;
type RowFormat = typeof FORMAT_LENGTH_PREFIXED | typeof FORMAT_REPEATS | typeof FORMAT_SHARED_PREFIXES;
/** The smallest entry of each format: one empty argument. */
const ENTRY_BYTES_MIN: Record<RowFormat, number> = { [FORMAT_LENGTH_PREFIXED]: 8, [FORMAT_REPEATS]: 2, [FORMAT_SHARED_PREFIXES]: 2 };
const REPEATED = 0;
/**
 * The shortest beginning format 3 shares: a shorter one saves less than its length byte costs
 * once replay joins the two parts.
 */
const SHARED_PREFIX_MIN = 8;

/** The entries a row's next entry is written against, as format 3 chooses them (format 2: the previous one). */
class References {
  private previous: readonly string[] | undefined;
  private readonly lastByName = new Map<string, readonly string[]>();

  constructor(private readonly byName: boolean) {}

  /** The reference of the command name. */
  ofName(): readonly string[] | undefined {
    return this.previous;
  }

  /** The reference of the other arguments of a `name` entry. */
  ofArguments(name: string): readonly string[] | undefined {
    return this.byName ? (this.lastByName.get(name) ?? this.previous) : this.previous;
  }

  add(argv: readonly string[]): void {
    this.previous = argv;
    if (this.byName) this.lastByName.set(argv[0]!, argv);
  }
}

/** How many leading bytes two binary strings have in common. */
function sharedPrefixLength(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Writes one entry in format 3 and makes it a reference for the row's next ones. */
function encodeEntry(writer: BinaryWriter, argv: readonly string[], references: References): void {
  writer.uvarint(argv.length);
  const name = argv[0]!;
  encodeArgument(writer, name, references.ofName()?.[0]);
  const reference = references.ofArguments(name);
  for (let i = 1; i < argv.length; i++) encodeArgument(writer, argv[i]!, reference?.[i]);
  references.add(argv);
}

function encodeArgument(writer: BinaryWriter, arg: string, base: string | undefined): void {
  if (base === arg) {
    writer.uvarint(REPEATED);
    return;
  }
  const shared = base === undefined ? 0 : sharedPrefixLength(base, arg);
  if (shared < SHARED_PREFIX_MIN) writer.uvarint(arg.length * 2 + 1).latin1(arg);
  else writer.uvarint((arg.length - shared) * 2 + 2).uvarint(shared).latin1(arg, shared);
}

// A log repeats a handful of command names a million times over: one string each is enough.
const COMMAND_NAMES_REMEMBERED = 8;

/** One format-2 or format-3 entry from a reader positioned at its start; the reader ends up after it. */
function readEntry(reader: BinaryReader, format: RowFormat, bytesMax: number, references: References, names?: RecentStrings): string[] {
  const count = reader.uvarint();
  if (count === 0 || count > bytesMax) throw new CorruptRecordError("bad argument count");
  const argv: string[] = new Array(count);
  const name = readArgument(reader, format, references.ofName()?.[0], names);
  argv[0] = name;
  const reference = references.ofArguments(name);
  for (let i = 1; i < count; i++) argv[i] = readArgument(reader, format, reference?.[i]);
  references.add(argv);
  return argv;
}

/** One argument of a format-2 or format-3 entry; `base` is its reference's at the same index. */
function readArgument(reader: BinaryReader, format: RowFormat, base: string | undefined, names?: RecentStrings): string {
  const header = reader.uvarint();
  if (header === REPEATED) {
    if (base === undefined) throw new CorruptRecordError("repeats an argument its reference lacks");
    return base;
  }
  let length = header - 1;
  if (format === FORMAT_SHARED_PREFIXES) {
    const sharesPrefix = length % 2 === 1;
    length = Math.floor(length / 2);
    if (sharesPrefix) {
      const shared = reader.uvarint();
      if (base === undefined || shared < SHARED_PREFIX_MIN || shared > base.length) throw new CorruptRecordError("shares a beginning its reference lacks");
      return base.slice(0, shared) + reader.latin1(length);
    }
  }
  return names !== undefined ? reader.recentLatin1(length, names) : reader.latin1(length);
}

/** One format-1 entry, as readEntry reads the later formats. */
function readLengthPrefixedEntry(reader: BinaryReader, bytesMax: number, names?: RecentStrings): string[] {
  const count = reader.u32();
  if (count === 0 || count > bytesMax) throw new CorruptRecordError("bad argument count");
  const argv: string[] = new Array(count);
  argv[0] = names === undefined ? reader.bytes() : reader.recentBytes(names);
  for (let i = 1; i < count; i++) argv[i] = reader.bytes();
  return argv;
}

/** A row's entries, decoded; throws CorruptRecordError unless `bytes` holds exactly `count`. */
export function decodeEntries(bytes: Uint8Array, count: number, format: RowFormat = FORMAT_SHARED_PREFIXES, names?: RecentStrings): string[][] {
  const reader = new BinaryReader(bytes);
  const entries: string[][] = new Array(count);
  const references = new References(format === FORMAT_SHARED_PREFIXES);
  for (let i = 0; i < count; i++) {
    entries[i] = format === FORMAT_LENGTH_PREFIXED ? readLengthPrefixedEntry(reader, bytes.length, names) : readEntry(reader, format, bytes.length, references, names);
  }
  reader.end();
  return entries;
}

/** One stored entry, checked, for replay. */
export interface StoredEntry {
  lsn: number;
  argv: string[];
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
  format: number;
}

/**
 * PRAGMA user_version of a file whose rows may be format 3. A version that reads formats 1 and 2
 * only (layout 2) would take such a row for damage and cut the log there, so it refuses the file
 * instead. 1 had no format column (its rows are format 1), 0 was one row per entry.
 */
const LAYOUT_VERSION = 3;
const RETRY_INTERVAL_MS = 1000;
/** A commit larger than this is split into rows of about this size (still one transaction). */
const BATCH_BYTES_MAX = 1024 * 1024;
/** Entries (by LSN) deleted per step when the log is truncated after a snapshot: bounds each pause. */
const TRUNCATE_ENTRIES_PER_STEP = 10_000;

export class ChangeLogStore implements ChangeSink {
  private pending: ChangeEntry[] = [];
  /** Entries after this LSN wait for resumeCommits: a suspended script's writes. */
  private deferredAfterLsn: number | undefined;
  private isScheduled = false;
  private waiter: PromiseWithResolvers<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly insert: Statement;
  /** insertRemainingRows in one transaction: a turn too large for one row is still committed whole. */
  private readonly insertRowsTogether: (batch: ChangeEntry[], firstRowEnd: number) => number;
  /** Why the last commit failed; undefined while commits succeed. */
  failure: string | undefined;
  /** While true (recovery replays the log), appends are dropped: those entries are stored already. */
  isReplaying = false;
  /** Bytes of committed entries, since the log was last truncated. */
  committedBytes = 0;
  /** Commits since the last checkpoint; the everysec timer skips idle seconds. */
  commitsSinceCheckpoint = 0;
  /** Commits since the store opened: a background snapshot tells a write load by it. */
  commitCount = 0;
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
    this.insert = sqlite.prepare(`INSERT INTO batches (last_lsn, first_lsn, entries, data, crc, format) VALUES (?, ?, ?, ?, ?, ${FORMAT_SHARED_PREFIXES})`);
    this.insertRowsTogether = sqlite.transaction((batch: ChangeEntry[], firstRowEnd: number) => this.insertRemainingRows(batch, firstRowEnd));
  }

  /** Stores a turn's entries; returns their bytes. One row is one statement and its own transaction. */
  private store(batch: ChangeEntry[]): number {
    this.writer.reset();
    const end = this.encodeRow(batch, 0);
    return end === batch.length ? this.insertRow(batch, 0, end) : this.insertRowsTogether(batch, end);
  }

  /**
   * Encodes entries from `batch[first]` on into the writer until the row holds BATCH_BYTES_MAX or
   * the batch ends; returns the index after the last one encoded.
   */
  private encodeRow(batch: ChangeEntry[], first: number): number {
    const writer = this.writer;
    const references = new References(true);
    let i = first;
    while (i < batch.length && writer.size < BATCH_BYTES_MAX) encodeEntry(writer, batch[i++]!.argv, references);
    return i;
  }

  /** Inserts the row the writer holds (`batch[0, firstRowEnd)`), then the rest as further rows. */
  private insertRemainingRows(batch: ChangeEntry[], firstRowEnd: number): number {
    let bytes = this.insertRow(batch, 0, firstRowEnd);
    for (let first = firstRowEnd; first < batch.length; ) {
      const end = this.encodeRow(batch, first);
      bytes += this.insertRow(batch, first, end);
      first = end;
    }
    return bytes;
  }

  /** Stores `batch[first, end)`, whose bytes the writer holds, as one row; returns its size. */
  private insertRow(batch: ChangeEntry[], first: number, end: number): number {
    const data = this.writer.view();
    const bytes = data.length;
    try {
      this.insert.run(batch[end - 1]!.lsn, batch[first]!.lsn, end - first, data, Bun.hash.crc32(data));
    } finally {
      this.writer.reset();
    }
    return bytes;
  }

  append(entry: ChangeEntry): void {
    if (this.isReplaying) return;
    this.pending.push(entry);
    this.scheduleCommit();
  }

  /** One commit at the end of this turn. While commits fail, the retry timer alone tries again. */
  private scheduleCommit(): void {
    if (this.isScheduled || this.isClosed || this.failure !== undefined) return;
    this.isScheduled = true;
    setImmediate(this.scheduledCommit);
  }

  private readonly scheduledCommit = () => {
    this.isScheduled = false;
    this.commit();
  };

  /** Commits leave the entries after `lsn` pending until resumeCommits (Persistence.deferCommitsAfter). */
  deferCommitsAfter(lsn: number): void {
    this.deferredAfterLsn = lsn;
  }

  resumeCommits(): void {
    this.deferredAfterLsn = undefined;
    if (this.pending.length > 0) this.scheduleCommit();
  }

  get defersCommits(): boolean {
    return this.deferredAfterLsn !== undefined;
  }

  /** How many pending entries, from the first, a commit may store now. */
  private committableCount(): number {
    const after = this.deferredAfterLsn;
    if (after === undefined) return this.pending.length;
    let count = 0;
    while (count < this.pending.length && this.pending[count]!.lsn <= after) count++;
    return count;
  }

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

  /**
   * Commits everything buffered, but for deferred entries, in one transaction; false when it
   * failed (entries kept for a retry).
   */
  commit(): boolean {
    const count = this.committableCount();
    if (count === 0) {
      // Entries still pending are deferred ones: whoever waits for them waits for resumeCommits.
      if (this.pending.length === 0) this.settle(undefined);
      return true;
    }
    const batch = count === this.pending.length ? this.pending : this.pending.slice(0, count);
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
    // Deferred entries stay; entries appended during the transaction (none: it is synchronous) would too.
    this.pending = this.pending === batch ? [] : this.pending.slice(batch.length);
    this.commitsSinceCheckpoint++;
    this.commitCount++;
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
  scanAfter(afterLsn: number, visit: (entry: StoredEntry) => void): Omit<ReadResult, "entries"> & { count: number; bytes: number } {
    let count = 0;
    let bytes = 0;
    let expected = afterLsn + 1;
    let cut: ReadResult["cut"];
    let missingBefore: ReadResult["missingBefore"];
    const rows = this.sqlite.query<BatchRow, [number]>("SELECT first_lsn, last_lsn, entries, data, crc, format FROM batches WHERE last_lsn > ? ORDER BY last_lsn");
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
      bytes += row.data.length;
      expected = row.last_lsn + 1;
    }
    if (cut !== undefined) {
      const dropped = this.sqlite
        .query<{ n: number | null }, [number, number]>("SELECT sum(last_lsn - max(first_lsn, ?) + 1) AS n FROM batches WHERE last_lsn >= ?")
        .get(cut.atLsn, cut.atLsn);
      this.sqlite.query("DELETE FROM batches WHERE last_lsn >= ?").run(cut.atLsn);
      cut.droppedEntries = dropped?.n ?? 0;
    }
    return { count, bytes, cut, missingBefore };
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

  /**
   * Final commit, a checkpoint that empties the WAL, then close. Returns whether all was stored.
   * A suspended script's deferred writes are dropped: it never answered, and a crash would drop them too.
   */
  close(): boolean {
    if (this.isClosed) return this.pending.length === 0;
    clearTimeout(this.retryTimer);
    const committed = this.commit();
    this.isClosed = true;
    if (committed && this.pending.length > 0) {
      this.log.log("warn", "change_log_unfinished_script_dropped", { entries: this.pending.length });
      this.pending = [];
    }
    if (committed) this.checkpoint("TRUNCATE");
    else this.log.log("error", "change_log_lost_on_close", { entries: this.pending.length, reason: this.failure });
    this.insert.finalize();
    closeFully(this.sqlite);
    return committed;
  }
}

/**
 * Creates the table, or converts a file of an older layout. A row of the one-row-per-entry layout
 * (0) holds exactly a one-entry row's bytes in format 1, so each is copied with its CRC, and damage
 * in it is still found and cut when the log is read; rows of layout 1 are format 1 as they are;
 * layout 2 needs only its new number. One transaction: a crash leaves the old layout, converted
 * next time.
 */
function prepareLayout(sqlite: SqliteDatabase, log: Logger): void {
  const version = sqlite.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
  if (version === LAYOUT_VERSION) return;
  if (version > LAYOUT_VERSION) throw new StorageError(`the change log has layout ${version}, newer than this downstash reads (${LAYOUT_VERSION}); run a newer version`);
  const hasTable = (name: string) => sqlite.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== null;
  const hasEntryRows = hasTable("log");
  const hasBatches = hasTable("batches");
  sqlite.transaction(() => {
    let converted = 0;
    if (hasBatches && version < 2) {
      sqlite.exec(`ALTER TABLE batches ADD COLUMN format INTEGER NOT NULL DEFAULT ${FORMAT_LENGTH_PREFIXED}`);
      converted += sqlite.query<{ n: number | null }, []>("SELECT sum(entries) AS n FROM batches").get()?.n ?? 0;
    } else if (!hasBatches) {
      sqlite.exec(
        "CREATE TABLE batches (last_lsn INTEGER PRIMARY KEY, first_lsn INTEGER NOT NULL, entries INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL, format INTEGER NOT NULL)",
      );
    }
    if (hasEntryRows) {
      converted += sqlite.query(`INSERT INTO batches (last_lsn, first_lsn, entries, data, crc, format) SELECT lsn, lsn, 1, argv, crc, ${FORMAT_LENGTH_PREFIXED} FROM log`).run().changes;
      sqlite.exec("DROP TABLE log");
    }
    if (converted > 0) log.log("info", "change_log_converted", { entries: converted, layout: LAYOUT_VERSION });
    sqlite.exec(`PRAGMA user_version = ${LAYOUT_VERSION}`);
  })();
}

/** A row's entries, or why the row cannot be replayed. */
function checkedEntries(row: BatchRow, expectedLsn: number, names?: RecentStrings): StoredEntry[] | CutReason {
  if (row.first_lsn > expectedLsn) return "missing entries";
  if (!(row.data instanceof Uint8Array) || Bun.hash.crc32(row.data) !== row.crc) return "checksum mismatch";
  const format = row.format;
  if (format !== FORMAT_LENGTH_PREFIXED && format !== FORMAT_REPEATS && format !== FORMAT_SHARED_PREFIXES) return "not a command";
  if (row.entries < 1 || row.entries > row.data.length / ENTRY_BYTES_MIN[format] || row.last_lsn - row.first_lsn + 1 !== row.entries) return "not a command";
  let argvs: string[][];
  try {
    argvs = decodeEntries(row.data, row.entries, format, names);
  } catch {
    return "not a command";
  }
  const entries: StoredEntry[] = new Array(row.entries);
  for (let i = 0; i < row.entries; i++) entries[i] = { lsn: row.first_lsn + i, argv: argvs[i]! };
  return entries;
}
