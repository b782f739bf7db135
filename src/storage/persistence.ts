// The durable store of one database (DESIGN §5): its directory under the data dir holds the
// change log (`changes.sqlite`, WAL), its snapshots (`snapshot-<lsn>.sqlite`) and a lock file.
// This module opens them, recovers the keyspace at start (newest complete snapshot, then the log
// tail, the LSN continuing where it stopped), takes snapshots on a schedule, when the log grows
// past a size, and on SAVE/BGSAVE, drops the log a snapshot covers, checkpoints once a second (on
// the Checkpointer's thread) and reports for INFO persistence. While a script is suspended between
// time slices, its writes wait uncommitted and no snapshot starts, so a crash keeps all of the
// script or none of it. The node builds one per database; the engine sees it through the
// `Persistence` interface of database.ts.

import type { Database as SqliteDatabase } from "bun:sqlite";
import { accessSync, closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statfsSync } from "node:fs";
import { join } from "node:path";
import type { Database, Persistence } from "../redis/engine/database.ts";
import { errors } from "../redis/engine/errors.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import { ChangeLogStore } from "./change-log-store.ts";
import { Checkpointer } from "./checkpointer.ts";
import { listSnapshotFiles, loadSnapshot, SnapshotCorruptError, SnapshotWriter, type SnapshotResult } from "./snapshot.ts";
import { asStorageError, closeFully, failureReason, lockDirectory, openChangeLogFile, StorageError, tornWalBytes, type FsyncPolicy } from "./sqlite.ts";

export interface PersistenceOptions {
  /** This database's own directory (created when missing). */
  dir: string;
  fsync: FsyncPolicy;
  /** A snapshot is taken this long after the previous one if anything changed; 0 = never on a timer. */
  snapshotEveryMs: number;
  /**
   * A snapshot is taken once the change log holds this many bytes, or as many as the newest
   * snapshot when that is larger; 0 = never for size.
   */
  snapshotLogBytesMax: number;
  clock: Clock;
  log: Logger;
}

export interface RecoveryReport {
  lsn: number;
  snapshotLsn: number;
  keys: number;
  replayedEntries: number;
  durationMs: number;
}

/** Runs one journaled command against the database being recovered. */
export type ReplayCommand = (argv: string[]) => void;

// How long one step of a background snapshot may hold the event loop. Steps of 1 ms gave a
// p99 of 10-15 ms to writes during snapshots at 50 connections; 0.5 ms gave 8-9 ms (a snapshot
// of 1 million keys then takes about 8 s under that load instead of 3-4 s).
const SNAPSHOT_STEP_MS = 0.5;
const CHECKPOINT_INTERVAL_MS = 1000;
const SCHEDULE_CHECK_INTERVAL_MS = 1000;
const CHANGE_LOG_FILE = "changes.sqlite";
const LOCK_FILE = "lock.sqlite";

interface RunningSnapshot {
  writer: SnapshotWriter;
  startedAtMs: number;
  reason: string;
  /** Committed log bytes when it started: what the log holds up to its LSN, roughly. */
  logBytesAtStart: number;
}

export class DatabasePersistence implements Persistence {
  readonly store: ChangeLogStore;
  private database: Database | undefined;
  private running: RunningSnapshot | undefined;
  private isSaveScheduled = false;
  /** Why a snapshot was due while a suspended script deferred commits: it starts once they resume. */
  private snapshotAfterScript: string | undefined;
  private snapshotLsn = 0;
  /** The newest snapshot file's size: the log may grow to it before a snapshot is due for size. */
  private snapshotBytes = 0;
  private lastSnapshotAtMs: number;
  private lastBackgroundSaveOk = true;
  private lastBackgroundSaveDurationMs = -1;
  private saves = 0;
  private timers: ReturnType<typeof setInterval>[] = [];
  private isClosed = false;

  private constructor(
    private readonly options: PersistenceOptions,
    store: ChangeLogStore,
    private readonly checkpointer: Checkpointer,
    private readonly lock: SqliteDatabase,
  ) {
    this.store = store;
    this.lastSnapshotAtMs = options.clock.nowMs();
  }

  /** Opens (creating) the directory and its change log. Throws StorageError with a clear reason. */
  static open(options: PersistenceOptions): DatabasePersistence {
    const { dir, log } = options;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw asStorageError(error, dir);
    }
    const lock = lockDirectory(join(dir, LOCK_FILE));
    const path = join(dir, CHANGE_LOG_FILE);
    let sqlite: SqliteDatabase | undefined;
    try {
      const torn = tornWalTail(`${path}-wal`);
      if (torn > 0) log.log("warn", "change_log_torn_tail", { file: CHANGE_LOG_FILE, bytesCut: torn });
      sqlite = openChangeLogFile(path, options.fsync);
      const store = new ChangeLogStore(sqlite, log, (error) => explainFailure(error, dir));
      return new DatabasePersistence(options, store, new Checkpointer(path, options.fsync, log), lock);
    } catch (error) {
      if (sqlite !== undefined) closeFully(sqlite);
      closeFully(lock);
      throw asStorageError(error, path);
    }
  }

  /**
   * Rebuilds `database` from disk: the newest complete snapshot (a corrupt one stops the start
   * with a StorageError, nothing loaded), then every log entry after it, through `replay`. Then
   * attaches itself to the database, whose LSN continues from the last stored entry.
   */
  recover(database: Database, replay: ReplayCommand): RecoveryReport {
    const { dir, log, clock } = this.options;
    const startedAtMs = performance.now();
    const files = listSnapshotFiles(dir, readdirSync(dir));
    for (const path of files.temporary) {
      log.log("warn", "snapshot_discarded", { file: fileName(path), reason: "incomplete: its writer stopped before finishing" });
      rmSync(path, { force: true });
    }
    const newest = files.complete[0];
    if (newest !== undefined) {
      log.log("info", "snapshot_loading", { file: fileName(newest.path), lsn: newest.lsn });
      try {
        const loaded = loadSnapshot(newest.path, database.keyspace, clock.nowMs());
        this.snapshotLsn = loaded.lsn;
        this.snapshotBytes = loaded.bytes;
        this.lastSnapshotAtMs = loaded.createdAtMs;
        log.log("info", "snapshot_loaded", { lsn: loaded.lsn, keys: loaded.keys, expiredKeys: loaded.expiredKeys });
      } catch (error) {
        if (error instanceof SnapshotCorruptError) throw new StorageError(error.message);
        throw error;
      }
      // A crash between publishing a snapshot and deleting the one before leaves both.
      for (const older of files.complete.slice(1)) rmSync(older.path, { force: true });
    }

    log.log("debug", "change_log_replaying", { afterLsn: this.snapshotLsn });
    this.store.isReplaying = true;
    let replayFailures = 0;
    // The first entry that failed, by LSN and command name (its arguments are user data).
    let firstFailure: { lsn: number; command: string } | undefined;
    let read: ReturnType<ChangeLogStore["scanAfter"]>;
    try {
      read = this.store.scanAfter(this.snapshotLsn, (entry) => {
        try {
          replay(entry.argv);
        } catch {
          replayFailures++;
          firstFailure ??= { lsn: entry.lsn, command: (entry.argv[0] ?? "").toUpperCase() };
        }
        database.lsn = entry.lsn;
      });
      this.store.committedBytes += read.bytes;
    } finally {
      this.store.isReplaying = false;
    }
    if (read.missingBefore !== undefined) log.log("warn", "change_log_entries_missing", read.missingBefore);
    if (read.cut !== undefined) log.log("warn", "change_log_tail_cut", read.cut);
    if (replayFailures > 0) log.log("warn", "change_log_replay_errors", { entries: replayFailures, first: firstFailure });
    database.lsn = Math.max(database.lsn, this.snapshotLsn, this.store.lastLsn());
    this.database = database;
    database.persistence = this;
    this.store.onCommitted = () => this.checkLogSize();
    const report: RecoveryReport = {
      lsn: database.lsn,
      snapshotLsn: this.snapshotLsn,
      keys: database.keyspace.size,
      replayedEntries: read.count,
      durationMs: Math.round(performance.now() - startedAtMs),
    };
    // A first start has nothing to report; whoever reads the output then expects only `listening`.
    if (newest !== undefined || read.count > 0) log.log("info", "recovered", { ...report });
    return report;
  }

  /** Starts the background work: checkpoints once a second (on their own thread) and scheduled snapshots. */
  start(): void {
    this.timers.push(
      setInterval(() => {
        if (this.store.commitsSinceCheckpoint > 0 && this.checkpointer.checkpoint()) this.store.commitsSinceCheckpoint = 0;
      }, CHECKPOINT_INTERVAL_MS),
    );
    const everyMs = this.options.snapshotEveryMs;
    if (everyMs > 0) {
      this.timers.push(
        setInterval(() => {
          if (this.hasChangesSinceSnapshot() && this.options.clock.nowMs() - this.lastSnapshotAtMs >= everyMs) this.startSnapshot("schedule");
        }, Math.min(everyMs, SCHEDULE_CHECK_INTERVAL_MS)),
      );
    }
  }

  private hasChangesSinceSnapshot(): boolean {
    return this.database !== undefined && this.database.lsn > this.snapshotLsn;
  }

  /**
   * A snapshot is due for size once the log passes the limit and the newest snapshot's size, as
   * Redis rewrites its AOF once it has doubled past a minimum (auto-aof-rewrite-percentage 100):
   * replaying the log then costs about what loading a snapshot does, and a large keyspace is not
   * rewritten whole for every few megabytes of writes.
   */
  private checkLogSize(): void {
    const max = this.options.snapshotLogBytesMax;
    if (max === 0 || this.running !== undefined || !this.hasChangesSinceSnapshot()) return;
    if (this.store.committedBytes >= Math.max(max, this.snapshotBytes)) this.startSnapshot("log size");
  }

  checkWritable(): void {
    if (this.store.failure !== undefined) throw errors.writeToDiskFailed(this.store.failure);
  }

  pendingCommit(wrote: boolean): Promise<void> | undefined {
    return this.store.pendingCommit(wrote);
  }

  deferCommitsAfter(lsn: number): void {
    this.store.deferCommitsAfter(lsn);
  }

  resumeCommits(): void {
    this.store.resumeCommits();
    const reason = this.snapshotAfterScript;
    if (reason === undefined) return;
    this.snapshotAfterScript = undefined;
    // Now, before the commands that waited for the script run: the keyspace holds all of it, as
    // the log will once the commit just scheduled runs. Later, another long script could be
    // suspended already, and back-to-back scripts would put the snapshot off for good.
    this.startSnapshot(reason);
  }

  save(): void {
    if (this.running !== undefined) throw errors.backgroundSaveInProgress();
    const database = this.requireDatabase();
    const startedAtMs = performance.now();
    let writer: SnapshotWriter | undefined;
    try {
      writer = new SnapshotWriter(database.keyspace, this.options.dir, database.lsn, this.options.clock.nowMs());
      for (const hook of database.snapshotStartHooks) hook();
      const logBytesAtStart = this.store.committedBytes;
      const result = writer.finishSync();
      this.completed(result, logBytesAtStart, startedAtMs, "save").catch((error) =>
        this.options.log.log("warn", "change_log_truncate_failed", { reason: failureReason(error) }),
      );
    } catch (error) {
      writer?.abort();
      this.options.log.log("error", "snapshot_failed", { reason: failureReason(error) });
      throw errors.saveFailed();
    }
  }

  backgroundSave(schedule: boolean): "started" | "scheduled" {
    if (this.running !== undefined) {
      if (!schedule) throw errors.backgroundSaveInProgress();
      this.isSaveScheduled = true;
      return "scheduled";
    }
    this.startSnapshot("bgsave");
    return "started";
  }

  lastSaveAtMs(): number {
    return this.lastSnapshotAtMs;
  }

  info(): [string, string | number][] {
    const running = this.running;
    return [
      ["rdb_changes_since_last_save", Math.max(0, (this.database?.lsn ?? 0) - this.snapshotLsn)],
      ["rdb_bgsave_in_progress", running === undefined ? 0 : 1],
      ["rdb_last_save_time", Math.floor(this.lastSnapshotAtMs / 1000)],
      ["rdb_last_bgsave_status", this.lastBackgroundSaveOk ? "ok" : "err"],
      ["rdb_last_bgsave_time_sec", this.lastBackgroundSaveDurationMs < 0 ? -1 : Math.round(this.lastBackgroundSaveDurationMs / 1000)],
      ["rdb_current_bgsave_time_sec", running === undefined ? -1 : Math.round((performance.now() - running.startedAtMs) / 1000)],
      ["rdb_saves", this.saves],
      ["aof_enabled", 1],
      ["aof_rewrite_in_progress", 0],
      ["aof_last_write_status", this.store.failure === undefined ? "ok" : "err"],
      ["downstash_fsync", this.options.fsync],
      ["downstash_snapshot_lsn", this.snapshotLsn],
      ["downstash_change_log_bytes", this.store.committedBytes],
      ["downstash_change_log_pending", this.store.pendingCount],
    ];
  }

  /** True while a background snapshot runs (tests and shutdown look). */
  get isSnapshotRunning(): boolean {
    return this.running !== undefined;
  }

  /** Resolves when no snapshot is running (and its log truncation is done). */
  async snapshotsSettled(): Promise<void> {
    while (this.running !== undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private requireDatabase(): Database {
    if (this.database === undefined) throw new Error("persistence used before recovery");
    return this.database;
  }

  private startSnapshot(reason: string): void {
    if (this.running !== undefined || this.isClosed) return;
    // At the database's LSN now, it would hold part of a suspended script: it starts once that ends.
    if (this.store.defersCommits) {
      this.snapshotAfterScript ??= reason;
      return;
    }
    const database = this.requireDatabase();
    let writer: SnapshotWriter;
    try {
      writer = new SnapshotWriter(database.keyspace, this.options.dir, database.lsn, this.options.clock.nowMs());
      for (const hook of database.snapshotStartHooks) hook();
    } catch (error) {
      this.backgroundFailed(error, performance.now());
      return;
    }
    const run: RunningSnapshot = { writer, startedAtMs: performance.now(), reason, logBytesAtStart: this.store.committedBytes };
    this.running = run;
    this.options.log.log("info", "snapshot_started", { lsn: writer.lsn, reason });
    void this.drive(run);
  }

  /**
   * Walks the keyspace a step per event-loop turn, then publishes the file and drops the log it
   * covers. While writes come in, a step waits for the timers phase of the next turn, before the
   * turn reads requests: in the check phase it would run before the turn's group commit (also a
   * setImmediate), holding back every answer that waits for that commit. An idle server steps from
   * the check phase, which comes at once (a timer waits at least 1 ms).
   */
  private async drive(run: RunningSnapshot): Promise<void> {
    try {
      let commitsSeen = this.store.commitCount;
      while (!run.writer.step(SNAPSHOT_STEP_MS)) {
        const isWriteLoad = this.store.commitCount !== commitsSeen;
        commitsSeen = this.store.commitCount;
        await new Promise((resolve) => (isWriteLoad ? setTimeout(resolve, 0) : setImmediate(resolve)));
        if (this.isClosed) throw new Error("shutting down");
      }
      const result = await run.writer.finish();
      if (this.isClosed) return;
      this.lastBackgroundSaveDurationMs = performance.now() - run.startedAtMs;
      this.lastBackgroundSaveOk = true;
      await this.completed(result, run.logBytesAtStart, run.startedAtMs, run.reason);
    } catch (error) {
      run.writer.abort();
      if (!this.isClosed) this.backgroundFailed(error, run.startedAtMs);
    } finally {
      this.running = undefined;
      if (this.isSaveScheduled && !this.isClosed) {
        this.isSaveScheduled = false;
        this.startSnapshot("bgsave scheduled");
      }
    }
  }

  private backgroundFailed(error: unknown, startedAtMs: number): void {
    this.lastBackgroundSaveOk = false;
    this.lastBackgroundSaveDurationMs = performance.now() - startedAtMs;
    this.options.log.log("error", "snapshot_failed", { reason: failureReason(error) });
  }

  /** A durable snapshot now holds everything up to its LSN: older snapshots and that log go. */
  private async completed(result: SnapshotResult, logBytesAtStart: number, startedAtMs: number, reason: string): Promise<void> {
    this.snapshotLsn = Math.max(this.snapshotLsn, result.lsn);
    this.snapshotBytes = result.bytes;
    this.lastSnapshotAtMs = this.options.clock.nowMs();
    this.saves++;
    this.store.committedBytes = Math.max(0, this.store.committedBytes - logBytesAtStart);
    this.options.log.log("info", "snapshot_saved", {
      lsn: result.lsn,
      keys: result.keys,
      bytes: result.bytes,
      reason,
      durationMs: Math.round(performance.now() - startedAtMs),
    });
    for (const older of listSnapshotFiles(this.options.dir, readdirSync(this.options.dir)).complete) {
      if (older.lsn < result.lsn) rmSync(older.path, { force: true });
    }
    await this.store.truncateThrough(result.lsn);
  }

  /**
   * Shutdown: stops the timers and any background snapshot (its temporary file is removed), makes
   * the final commit and closes the log. False when entries could not be stored (they are logged).
   */
  close(): boolean {
    if (this.isClosed) return true;
    this.isClosed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.running?.writer.abort();
    this.checkpointer.close();
    const stored = this.store.close();
    closeFully(this.lock);
    return stored;
  }
}

/**
 * SQLite reports a write on a read-only or full file system as a plain I/O error; the data dir
 * itself says which it is, so the MISCONF reply and the log can name the real cause.
 */
function explainFailure(error: unknown, dir: string): string {
  const reason = failureReason(error);
  if (reason !== "Input/output error") return reason;
  try {
    accessSync(dir, constants.W_OK);
  } catch (accessError) {
    return failureReason(accessError);
  }
  try {
    const space = statfsSync(dir);
    if (space.bavail === 0) return failureReason({ code: "ENOSPC" });
  } catch {
    // no better explanation
  }
  return reason;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The torn bytes at the end of the WAL file (read once, at start); 0 when there is none. The file
 * may vanish while this looks: the last connection to close (the checkpointer's, on its own
 * thread, after a restart in the same process) deletes it. One descriptor for header and size.
 */
function tornWalTail(walPath: string): number {
  let fd: number;
  try {
    fd = openSync(walPath, "r");
  } catch (error) {
    if ((error as { code?: unknown })?.code === "ENOENT") return 0;
    throw error;
  }
  try {
    const header = new Uint8Array(32);
    return tornWalBytes(header.subarray(0, readSync(fd, header, 0, header.length, 0)), fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}
