// The cleaner thread (a Worker, started by cleaner.ts) with its own SQLite connection to
// kafka.sqlite. It compacts a partition's cleanable range (Kafka's LogCleaner, spec/kafka.md §6.8):
// keeps the latest record per key, drops keyless records, stamps a tombstone with a delete horizon
// (now + delete.retention.ms) on its first clean and drops it in a clean after that; offsets are
// never renumbered and the range never reaches the active segment. It also purges the records that
// retention or a topic deletion already cut off logically, and runs the WAL checkpoints. Every
// write is a small transaction with a pause after it, so producers never wait on it for long.

import type { Database } from "bun:sqlite";
import { openKafkaDatabase, WriteGate } from "./store.ts";

export type CleanerJob =
  | {
      kind: "compact";
      jobId: number;
      topicId: number;
      partition: number;
      fromOffset: number;
      toOffset: number;
      nowMs: number;
      deleteRetentionMs: number;
      /** Segments overlapping [fromOffset, toOffset), whose sizes are recounted afterwards. */
      segments: { baseOffset: number; nextOffset: number }[];
    }
  | { kind: "purge"; jobId: number; topicId: number; partition: number; belowOffset: number }
  | { kind: "purge-topic"; jobId: number; topicId: number };

export interface CompactResult {
  removed: number;
  sizes: { baseOffset: number; sizeBytes: number }[];
  cleanOffset: number;
  /** Earliest delete horizon among the tombstones kept; null when none. */
  tombstoneDueAtMs: number | null;
}

export type CleanerRequest = { type: "init"; path: string; fsync: "always" | "everysec" | "no"; gate: SharedArrayBuffer } | { type: "job"; job: CleanerJob } | { type: "stop" };
export type CleanerReply =
  | { type: "ready" }
  | { type: "done"; jobId: number; result: CompactResult | { removed: number } }
  | { type: "failed"; jobId: number; error: string }
  | { type: "stopped" };

/** Rows changed per transaction: small enough that a producer's commit waits a fraction of a ms. */
const WRITE_BATCH_ROWS = 200;
/** Pause between two write transactions, leaving the lock to the main thread. */
const WRITE_PAUSE_MS = 1;
const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * Compacts one partition's range. Exported for unit tests, which run it on a connection of their
 * own. Every write transaction runs under the gate shared with the main thread; `pause` lets the
 * worker yield between them.
 */
export async function compactPartition(
  db: Database,
  job: Extract<CleanerJob, { kind: "compact" }>,
  gate: WriteGate,
  pause: () => Promise<void>,
): Promise<CompactResult> {
  const { topicId, partition, fromOffset, toOffset, nowMs } = job;
  // Pass 1: the latest offset of each key in the cleanable range.
  const latest = new Map<string, number>();
  const scan = db.prepare<{ offset: number; key: string | null; tombstone: number; horizon: number | null }, [number, number, number, number]>(
    "SELECT offset, key, value IS NULL AS tombstone, delete_horizon_ms AS horizon FROM records WHERE topic_id = ? AND partition = ? AND offset >= ? AND offset < ? ORDER BY offset",
  );
  for (const row of scan.iterate(topicId, partition, fromOffset, toOffset)) {
    if (row.key !== null) latest.set(row.key, row.offset);
  }
  // Pass 2: what goes, and which tombstones get their horizon now.
  const doomed: number[] = [];
  const stamp: number[] = [];
  let tombstoneDueAtMs: number | null = null;
  const horizonMs = nowMs + job.deleteRetentionMs;
  for (const row of scan.iterate(topicId, partition, fromOffset, toOffset)) {
    if (row.key === null || latest.get(row.key)! > row.offset) {
      doomed.push(row.offset);
    } else if (row.tombstone) {
      if (row.horizon === null) {
        stamp.push(row.offset);
        tombstoneDueAtMs = Math.min(tombstoneDueAtMs ?? Infinity, horizonMs);
      } else if (row.horizon <= nowMs) {
        doomed.push(row.offset);
      } else {
        tombstoneDueAtMs = Math.min(tombstoneDueAtMs ?? Infinity, row.horizon);
      }
    }
  }
  latest.clear();
  const remove = db.prepare("DELETE FROM records WHERE topic_id = ? AND partition = ? AND offset = ?");
  const setHorizon = db.prepare("UPDATE records SET delete_horizon_ms = ? WHERE topic_id = ? AND partition = ? AND offset = ?");
  for (let at = 0; at < doomed.length; at += WRITE_BATCH_ROWS) {
    gate.run(() =>
      db.transaction(() => {
        for (const offset of doomed.slice(at, at + WRITE_BATCH_ROWS)) remove.run(topicId, partition, offset);
      })(),
    );
    await pause();
  }
  for (let at = 0; at < stamp.length; at += WRITE_BATCH_ROWS) {
    gate.run(() =>
      db.transaction(() => {
        for (const offset of stamp.slice(at, at + WRITE_BATCH_ROWS)) setHorizon.run(horizonMs, topicId, partition, offset);
      })(),
    );
    await pause();
  }
  // Recount the sizes of the segments touched, and record the cleaner's checkpoint.
  const sumSizes = db.prepare<{ size: number }, [number, number, number, number]>(
    "SELECT COALESCE(SUM(size_bytes), 0) AS size FROM records WHERE topic_id = ? AND partition = ? AND offset >= ? AND offset < ?",
  );
  const sizes = job.segments.map((segment) => ({
    baseOffset: segment.baseOffset,
    sizeBytes: sumSizes.get(topicId, partition, segment.baseOffset, segment.nextOffset)!.size,
  }));
  gate.run(() =>
    db.transaction(() => {
      const update = db.prepare("UPDATE segments SET size_bytes = ? WHERE topic_id = ? AND partition = ? AND base_offset = ?");
      for (const { baseOffset, sizeBytes } of sizes) update.run(sizeBytes, topicId, partition, baseOffset);
      db.prepare("UPDATE partitions SET clean_offset = MAX(clean_offset, ?) WHERE topic_id = ? AND partition = ?").run(toOffset, topicId, partition);
    })(),
  );
  return { removed: doomed.length, sizes, cleanOffset: toOffset, tombstoneDueAtMs };
}

/** Deletes a partition's records below an offset, a batch at a time. */
export async function purgeBelow(
  db: Database,
  topicId: number,
  partition: number,
  belowOffset: number,
  gate: WriteGate,
  pause: () => Promise<void>,
): Promise<number> {
  const first = db.prepare<{ offset: number | null }, [number, number]>("SELECT MIN(offset) AS offset FROM records WHERE topic_id = ? AND partition = ?");
  const remove = db.prepare("DELETE FROM records WHERE topic_id = ? AND partition = ? AND offset < ?");
  let removed = 0;
  for (;;) {
    const start = first.get(topicId, partition)?.offset;
    if (start === null || start === undefined || start >= belowOffset) return removed;
    const changes = gate.run(() => remove.run(topicId, partition, Math.min(belowOffset, start + WRITE_BATCH_ROWS)).changes);
    removed += changes;
    await pause();
  }
}

async function purgeTopic(db: Database, topicId: number, gate: WriteGate, pause: () => Promise<void>): Promise<number> {
  const partitions = db.prepare<{ partition: number }, [number]>("SELECT DISTINCT partition FROM records WHERE topic_id = ?").all(topicId);
  let removed = 0;
  for (const { partition } of partitions) removed += await purgeBelow(db, topicId, partition, Number.MAX_SAFE_INTEGER, gate, pause);
  gate.run(() => db.prepare("DELETE FROM deleted_topics WHERE topic_id = ?").run(topicId));
  return removed;
}

// --- the worker's side of the messages ----------------------------------------------------------

declare const self: Worker;

function runWorker(): void {
  let db: Database | undefined;
  let gate = new WriteGate();
  let stopping = false;
  const queue: CleanerJob[] = [];
  let running = false;
  // Stopping aborts a job at its next pause: every batch already written is a correct partial
  // clean (only superseded records went), and the checkpoint only moves when a clean completes.
  const pause = async () => {
    await new Promise<void>((resolve) => setTimeout(resolve, WRITE_PAUSE_MS));
    if (stopping) throw new Error("stopping");
  };
  const checkpoint = setInterval(() => {
    try {
      db?.exec("PRAGMA wal_checkpoint(PASSIVE)");
    } catch {
      // A busy checkpoint is retried on the next tick.
    }
  }, CHECKPOINT_INTERVAL_MS);

  const drain = async () => {
    if (running) return;
    running = true;
    while (queue.length > 0 && !stopping && db !== undefined) {
      const job = queue.shift()!;
      try {
        const result =
          job.kind === "compact"
            ? await compactPartition(db, job, gate, pause)
            : job.kind === "purge"
              ? { removed: await purgeBelow(db, job.topicId, job.partition, job.belowOffset, gate, pause) }
              : { removed: await purgeTopic(db, job.topicId, gate, pause) };
        self.postMessage({ type: "done", jobId: job.jobId, result } satisfies CleanerReply);
      } catch (error) {
        if (stopping) break;
        self.postMessage({ type: "failed", jobId: job.jobId, error: String((error as Error)?.stack ?? error) } satisfies CleanerReply);
      }
    }
    running = false;
    if (stopping) finish();
  };

  const finish = () => {
    clearInterval(checkpoint);
    try {
      db?.exec("PRAGMA wal_checkpoint(PASSIVE)");
      db?.close();
    } catch {
      // Closing at shutdown: the main thread's final commit is what matters.
    }
    db = undefined;
    self.postMessage({ type: "stopped" } satisfies CleanerReply);
  };

  self.onmessage = (event: MessageEvent<CleanerRequest>) => {
    const message = event.data;
    if (message.type === "init") {
      db = openKafkaDatabase(message.path, message.fsync);
      gate = new WriteGate(message.gate);
      self.postMessage({ type: "ready" } satisfies CleanerReply);
    } else if (message.type === "job") {
      queue.push(message.job);
      void drain();
    } else {
      stopping = true;
      // A job in progress stops at its next pause; with none, stop now.
      if (!running) finish();
    }
  };
}

// Loaded as a worker (not imported by the main thread or tests): serve messages.
if (typeof self !== "undefined" && typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" && !Bun.isMainThread) runWorker();
