// The main thread's side of retention and compaction: on every tick it applies retention (a
// log-start move, instant and in memory) and queues the cleaner thread's work (compaction.ts):
// purging records below moved log starts and of deleted topics, and compacting partitions whose
// dirty ratio reached min.cleanable.dirty.ratio or whose kept tombstones are due. It picks the
// cleanable range: from the log start up to the first segment that is active, not yet committed,
// or newer than min.compaction.lag.ms.

import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import type { CleanerJob, CleanerReply, CleanerRequest, CompactResult } from "./compaction.ts";
import type { KafkaLog, PartitionLog, Topic } from "./log.ts";
import { isCompacted } from "./topics.ts";

function workerUrl(): string {
  // In a compiled binary the worker is embedded next to the entry point (scripts/build.ts).
  if (import.meta.url.includes("/$bunfs/")) return "/$bunfs/root/kafka/compaction.ts";
  return new URL("./compaction.ts", import.meta.url).href;
}

type JobWithoutId = CleanerJob extends infer J ? (J extends CleanerJob ? Omit<J, "jobId"> : never) : never;

interface PendingJob {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/** Where compaction may run in a partition: [logStart, end); end is logStart when nothing is cleanable. */
export function cleanableEnd(log: PartitionLog, nowMs: number): number {
  const lagMs = log.topic.config["min.compaction.lag.ms"];
  let end = log.logStartOffset;
  for (let index = 0; index < log.segments.length - 1; index++) {
    const segment = log.segments[index]!;
    if (segment.nextOffset > log.highWatermark || (segment.maxTimestamp >= 0 && nowMs - segment.maxTimestamp < lagMs)) break;
    end = segment.nextOffset;
  }
  return end;
}

/** True when the partition's dirty part (past the cleaner's checkpoint) is worth a clean. */
export function needsCompaction(log: PartitionLog, nowMs: number): boolean {
  const end = cleanableEnd(log, nowMs);
  if (end <= log.logStartOffset) return false;
  if (log.tombstoneDueAtMs <= nowMs) return true;
  if (end <= log.cleanOffset) return false;
  let dirtyBytes = 0;
  let totalBytes = 0;
  for (const segment of log.segments) {
    if (segment.nextOffset > end) break;
    totalBytes += segment.sizeBytes;
    if (segment.baseOffset >= log.cleanOffset) dirtyBytes += segment.sizeBytes;
  }
  return totalBytes === 0 || dirtyBytes / totalBytes >= log.topic.config["min.cleanable.dirty.ratio"];
}

export class Cleaner {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private nextJobId = 1;
  private readonly pending = new Map<number, PendingJob>();
  /** Partitions being compacted, with the clean in progress. */
  private readonly busyPartitions = new Map<PartitionLog, Promise<unknown>>();
  private stopped: (() => void) | undefined;

  constructor(
    private readonly log: KafkaLog,
    private readonly options: { path: string; fsync: "always" | "everysec" | "no"; intervalMs: number; clock: Clock; logger: Logger },
  ) {
    log.onLogStartMoved = (partition) =>
      void this.enqueue({ kind: "purge", topicId: partition.topic.id, partition: partition.partition, belowOffset: partition.logStartOffset }).catch(() => {});
    const previous = log.onTopicDeleted;
    log.onTopicDeleted = (topic) => {
      previous(topic);
      // The topic row is gone once deleteTopic returns; the records go in the background.
      void this.enqueue({ kind: "purge-topic", topicId: topic.id }).catch(() => {});
    };
  }

  start(): void {
    let worker: Worker;
    try {
      worker = new Worker(workerUrl());
    } catch (error) {
      // Serving matters more than cleaning: log it, and run without retention's purge or compaction.
      this.options.logger.log("error", "kafka_cleaner_failed", { error: String((error as Error)?.message ?? error) });
      this.timer = setInterval(() => this.tick(), this.options.intervalMs);
      return;
    }
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<CleanerReply>) => {
        const reply = event.data;
        if (reply.type === "ready") resolve();
        else if (reply.type === "stopped") this.stopped?.();
        else this.settle(reply);
      };
      worker.onerror = (event) => {
        const error = new Error(String((event as ErrorEvent).message ?? event));
        this.options.logger.log("error", "kafka_cleaner_failed", { error: error.message });
        reject(error);
        for (const job of this.pending.values()) job.reject(error);
        this.pending.clear();
        this.busyPartitions.clear();
      };
    });
    this.ready.catch(() => {});
    worker.postMessage({ type: "init", path: this.options.path, fsync: this.options.fsync, gate: this.log.store.gate.buffer } satisfies CleanerRequest);
    // What a crash left behind: records of deleted topics and below moved log starts.
    for (const topicId of this.log.store.deletedTopicIds()) void this.enqueue({ kind: "purge-topic", topicId }).catch(() => {});
    for (const topic of this.log.topics.values()) {
      for (const partition of topic.partitions) {
        if (partition.logStartOffset > 0) {
          void this.enqueue({ kind: "purge", topicId: topic.id, partition: partition.partition, belowOffset: partition.logStartOffset }).catch(() => {});
        }
      }
    }
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
  }

  /** One round: retention, then compaction of every partition that needs it. */
  tick(): void {
    try {
      this.log.applyRetention();
      const nowMs = this.options.clock.nowMs();
      for (const topic of this.log.topics.values()) {
        if (!isCompacted(topic.config)) continue;
        for (const partition of topic.partitions) {
          if (!this.busyPartitions.has(partition) && needsCompaction(partition, nowMs)) void this.compact(partition).catch(() => {});
        }
      }
    } catch (error) {
      this.options.logger.log("error", "kafka_cleaner_tick_failed", { error: String((error as Error)?.stack ?? error) });
    }
  }

  /** Applies retention and compacts every partition of a topic now, whatever its dirty ratio; resolves when done. */
  async cleanTopic(topic: Topic): Promise<{ removed: number }> {
    this.log.applyRetention();
    await this.log.store.commit();
    let removed = 0;
    if (isCompacted(topic.config)) {
      for (const partition of topic.partitions) {
        const result = await this.compact(partition, true);
        removed += result?.removed ?? 0;
      }
    }
    // Wait for the purges queued so far too, so the caller sees the disk as it will stay.
    for (const partition of topic.partitions) {
      await this.enqueue({ kind: "purge", topicId: topic.id, partition: partition.partition, belowOffset: partition.logStartOffset });
    }
    return { removed };
  }

  /** Compacts one partition; a forced clean first waits for one already running there. */
  private async compact(partition: PartitionLog, force = false): Promise<CompactResult | undefined> {
    const running = this.busyPartitions.get(partition);
    if (running !== undefined) {
      if (!force) return undefined;
      await running.catch(() => {});
      return this.compact(partition, force);
    }
    const nowMs = this.options.clock.nowMs();
    const end = cleanableEnd(partition, nowMs);
    if (end <= partition.logStartOffset || (!force && !needsCompaction(partition, nowMs))) return undefined;
    const clean = this.runCompaction(partition, nowMs, end);
    this.busyPartitions.set(partition, clean);
    try {
      return await clean;
    } finally {
      this.busyPartitions.delete(partition);
    }
  }

  private async runCompaction(partition: PartitionLog, nowMs: number, end: number): Promise<CompactResult | undefined> {
    const startedAtMs = performance.now();
    const result = (await this.enqueue({
      kind: "compact",
      topicId: partition.topic.id,
      partition: partition.partition,
      fromOffset: partition.logStartOffset,
      toOffset: end,
      nowMs,
      deleteRetentionMs: partition.topic.config["delete.retention.ms"],
      segments: partition.segments.filter((segment) => segment.nextOffset <= end).map(({ baseOffset, nextOffset }) => ({ baseOffset, nextOffset })),
    })) as CompactResult | { removed: number };
    // No thread (it could not start): nothing was cleaned.
    if (!("sizes" in result)) return undefined;
    // The worker stored the new sizes; mirror them for retention by size.
    const byBase = new Map(result.sizes.map((size) => [size.baseOffset, size.sizeBytes]));
    for (const segment of partition.segments) {
      const size = byBase.get(segment.baseOffset);
      if (size !== undefined) segment.sizeBytes = size;
    }
    partition.cleanOffset = Math.max(partition.cleanOffset, result.cleanOffset);
    partition.tombstoneDueAtMs = result.tombstoneDueAtMs ?? Infinity;
    this.options.logger.log("info", "kafka_compacted", {
      topic: partition.topic.name,
      partition: partition.partition,
      removed: result.removed,
      durationMs: Math.round(performance.now() - startedAtMs),
    });
    return result;
  }

  private async enqueue(job: JobWithoutId): Promise<unknown> {
    if (this.worker === undefined || this.ready === undefined) return { removed: 0 };
    try {
      await this.ready;
    } catch {
      // The thread could not start (logged once): the log keeps serving, uncleaned.
      return { removed: 0 };
    }
    const jobId = this.nextJobId++;
    return new Promise((resolve, reject) => {
      this.pending.set(jobId, { resolve, reject });
      this.worker!.postMessage({ type: "job", job: { ...job, jobId } as CleanerJob } satisfies CleanerRequest);
    });
  }

  private settle(reply: Extract<CleanerReply, { type: "done" | "failed" }>): void {
    const job = this.pending.get(reply.jobId);
    if (job === undefined) return;
    this.pending.delete(reply.jobId);
    if (reply.type === "done") job.resolve(reply.result);
    else {
      this.options.logger.log("error", "kafka_cleaner_job_failed", { error: reply.error });
      job.reject(new Error(reply.error));
    }
  }

  /** Stops the timer and the thread: a job in progress ends at its next pause (its batches so far stay). */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    const stopped = new Promise<void>((resolve) => (this.stopped = resolve));
    worker.postMessage({ type: "stop" } satisfies CleanerRequest);
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    worker.terminate();
    for (const job of this.pending.values()) job.reject(new Error("the cleaner stopped"));
    this.pending.clear();
  }
}
