// SQLite as persistence uses it: how the change log and snapshot files are opened (pragmas per
// fsync policy, DESIGN §5), and how SQLite's failures become the clear, Redis-style reasons that
// persistence logs and replies with ("No space left on device"). Only src/storage imports bun:sqlite.

import { constants, Database as SqliteDatabase } from "bun:sqlite";
import { resolve } from "node:path";

/** Redis's appendfsync: when the change log reaches the disk itself, not only the OS. */
export type FsyncPolicy = "always" | "everysec" | "no";
export const fsyncPolicies: readonly FsyncPolicy[] = ["always", "everysec", "no"];

/** A data-dir problem that stops a start: the CLI prints its message and exits 1. */
export class StorageError extends Error {}

// The WAL's frame header is 24 bytes and its file header 32.
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
const CHANGE_LOG_PAGE_BYTES = 4096;
/**
 * How long the change log's connection waits for a lock another connection of this process holds:
 * the checkpointer of a database closed just before (a reopen) closes its connection on its own
 * thread, and the last connection to close a WAL file checkpoints it under an exclusive lock.
 * Without the wait, reopening right after a close failed about once in 40 tries. Other processes
 * never get here (the data dir's lock), and while serving, PASSIVE checkpoints never block the
 * writer, so the wait does not arise then.
 */
const CHANGE_LOG_BUSY_TIMEOUT_MS = 2000;
const SNAPSHOT_MMAP_BYTES_MAX = 1024 * 1024 * 1024;
const SNAPSHOT_PAGE_BYTES = 16 * 1024;

/**
 * Takes the data dir's lock for the life of the process: a SQLite file in EXCLUSIVE locking mode
 * keeps its OS lock once written, and the OS drops it when the process dies, even by kill -9. A
 * second server on the same data dir fails here instead of interleaving writes with the first.
 */
export function lockDirectory(path: string): SqliteDatabase {
  const sqlite = openFile(path);
  try {
    sqlite.exec("PRAGMA locking_mode = EXCLUSIVE");
    sqlite.exec("PRAGMA journal_mode = MEMORY");
    sqlite.exec("CREATE TABLE IF NOT EXISTS owner (pid INTEGER)");
    sqlite.exec("BEGIN EXCLUSIVE");
    sqlite.query("DELETE FROM owner").run();
    sqlite.query("INSERT INTO owner (pid) VALUES (?)").run(process.pid);
    sqlite.exec("COMMIT");
    return sqlite;
  } catch (error) {
    sqlite.close();
    const reason = failureReason(error);
    throw new StorageError(`cannot use ${path}: ${reason}`);
  }
}

/**
 * Opens (creating) a change-log file in WAL mode. `always` commits with synchronous=FULL (the WAL
 * is fsynced at every commit); `everysec` and `no` use NORMAL (a commit is in the OS's hands, which
 * survives kill -9). SQLite's own checkpoints are off: they would run inside a commit, on the event
 * loop; the Checkpointer runs them on its own thread once a second instead (and under `everysec`
 * that checkpoint is the once-a-second fsync). SQLite's default 4 KiB pages: a group commit is one
 * row of all its turn's entries (about 1.5 KiB for 50 small writes, tens of KiB for pipelines),
 * and each page of it is a WAL frame written in two pwrites; at 1 KiB pages a 1.5 KiB row took
 * about 10 pwrites a commit, at 4 KiB about 4.5. A commit of a single entry still writes a whole
 * page, 4 KiB instead of 1.
 */
export function openChangeLogFile(path: string, fsync: FsyncPolicy): SqliteDatabase {
  const sqlite = openFile(path, () => new SqliteDatabase(changeLogUri(path), CHANGE_LOG_OPEN_FLAGS));
  try {
    sqlite.exec(`PRAGMA busy_timeout = ${CHANGE_LOG_BUSY_TIMEOUT_MS}`);
    sqlite.exec(`PRAGMA page_size = ${CHANGE_LOG_PAGE_BYTES}`); // only takes effect on a new file
    const mode = sqlite.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get()?.journal_mode;
    if (mode !== "wal") throw new StorageError(`cannot put ${path} in WAL mode (got ${mode})`);
    sqlite.exec(`PRAGMA synchronous = ${fsync === "always" ? "FULL" : "NORMAL"}`);
    sqlite.exec("PRAGMA wal_autocheckpoint = 0");
    sqlite.exec(`PRAGMA journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw asStorageError(error, path);
  }
}

/** How every connection to a change-log file opens it: SQLite's flags, URI filenames allowed. */
export const CHANGE_LOG_OPEN_FLAGS = constants.SQLITE_OPEN_READWRITE | constants.SQLITE_OPEN_CREATE | constants.SQLITE_OPEN_URI;

/**
 * The URI every connection to a change-log file opens: SQLite's `unix-excl` VFS. The process holds
 * the file's lock for as long as it has the file open (only this server writes it; the data dir's
 * lock already keeps other processes out), and the WAL index lives in this process's memory, shared
 * by its connections (the writer and the checkpointer's), instead of a mapped -shm file. The
 * default VFS locks and unlocks bytes of the -shm file around every transaction, six fcntl calls a
 * commit: a commit of a 0.8 KiB row took about 17 µs of CPU with them and 11 µs without. The WAL
 * file is the same either way, and the index is rebuilt from it on open, after kill -9 as before.
 * (An absolute path: `file://x` would name a host.)
 */
export function changeLogUri(path: string): string {
  return `file:${resolve(path).replace(/[%?#]/g, (char) => `%${char.charCodeAt(0).toString(16)}`)}?vfs=unix-excl`;
}

/**
 * Opens a snapshot file being written: no journal and no syncs while it fills (a crash leaves a
 * temporary file that recovery discards); the writer fsyncs the file once, when it is complete.
 * 16 KiB pages: a 64 KiB chunk is then 5 page writes instead of 17, and 1,000 of them took about a
 * quarter less CPU to insert (90-120 ms instead of 120-165), for a file 2.4% larger (64 KiB pages
 * were no faster and left most of a page empty after each chunk: 14% larger).
 */
export function openSnapshotForWriting(path: string): SqliteDatabase {
  const sqlite = openFile(path);
  sqlite.exec(`PRAGMA page_size = ${SNAPSHOT_PAGE_BYTES}`);
  sqlite.exec("PRAGMA locking_mode = EXCLUSIVE");
  sqlite.exec("PRAGMA journal_mode = OFF");
  sqlite.exec("PRAGMA synchronous = OFF");
  return sqlite;
}

/**
 * Closes now, so the file's lock is released at once: statements made with prepare() must be
 * finalized first (query() ones are closed with the connection), or SQLite would keep the
 * connection open until they are garbage-collected.
 */
export function closeFully(sqlite: SqliteDatabase): void {
  try {
    sqlite.close(true);
  } catch {
    sqlite.close();
  }
}

/**
 * Opens a complete snapshot for loading. Memory-mapped: its chunks are read once, front to back,
 * and mapping them spares a copy of every page through SQLite's cache.
 */
export function openSnapshotForReading(path: string): SqliteDatabase {
  const sqlite = new SqliteDatabase(path, { readonly: true, strict: true });
  try {
    sqlite.exec(`PRAGMA mmap_size = ${SNAPSHOT_MMAP_BYTES_MAX}`);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return sqlite;
}

/** Opens `path` (by default read-write, created if missing); a failure becomes a StorageError naming it. */
function openFile(path: string, open = () => new SqliteDatabase(path, { create: true, readwrite: true, strict: true })): SqliteDatabase {
  try {
    return open();
  } catch (error) {
    throw asStorageError(error, path);
  }
}

/** The reason a SQLite or file-system failure gives, worded as Redis's strerror-based errors are. */
export function failureReason(error: unknown): string {
  const code = String((error as { code?: unknown })?.code ?? "");
  if (code.startsWith("SQLITE_FULL") || code === "ENOSPC") return "No space left on device";
  if (code.startsWith("SQLITE_READONLY") || code === "EROFS") return "Read-only file system";
  if (code === "EACCES" || code === "EPERM") return "Permission denied";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "the data dir is in use by another process";
  if (code.startsWith("SQLITE_CANTOPEN")) return "unable to open the database file";
  if (code.startsWith("SQLITE_IOERR")) return "Input/output error";
  if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) return "the file is corrupt";
  return String((error as Error)?.message ?? error);
}

export function asStorageError(error: unknown, path: string): StorageError {
  if (error instanceof StorageError) return error;
  return new StorageError(`cannot use ${path}: ${failureReason(error)}`);
}

/**
 * Bytes at the end of a WAL file that do not form a whole frame: a write torn by a crash or a
 * truncated file. SQLite ignores such a tail itself; this only lets recovery say that it happened.
 */
export function tornWalBytes(header: Uint8Array, fileBytes: number): number {
  if (fileBytes === 0) return 0;
  if (fileBytes < WAL_HEADER_BYTES || header.length < WAL_HEADER_BYTES) return fileBytes;
  const pageSize = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(8, false);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return 0; // not a header we can read
  return (fileBytes - WAL_HEADER_BYTES) % (pageSize + WAL_FRAME_HEADER_BYTES);
}
