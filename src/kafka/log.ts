// The partitioned log: topics and their partitions in memory (log start offset, committed end
// offset, segments) over the records in store.ts. Offsets are dense per partition from 0, given
// out at append time and never changed; a record becomes readable only once its commit is done
// (the high watermark), which is also when its produce is acknowledged. Readers wait here for
// new data (long polls); retention moves the log start in whole segments (retention.ts).

import type { Clock } from "../util/clock.ts";
import { KafkaError, partitionOutOfRange, topicNotFound } from "./errors.ts";
import { segmentsToDelete } from "./retention.ts";
import type { KafkaStore, RecordRow } from "./store.ts";
import { applyTopicConfig, defaultTopicConfig, hasDeletePolicy, type TopicConfig } from "./topics.ts";

export interface Segment {
  baseOffset: number;
  /** One past the newest offset given out in this segment. */
  nextOffset: number;
  sizeBytes: number;
  /** Newest record timestamp; -1 while empty. */
  maxTimestamp: number;
  rolledAtMs: number;
}

export interface PartitionLog {
  readonly topic: Topic;
  readonly partition: number;
  logStartOffset: number;
  /** One past the newest committed offset: what readers may see, "latest". */
  highWatermark: number;
  /** The next offset to give out (ahead of the high watermark while a commit is pending). */
  nextOffset: number;
  /** Ascending by base offset; the last is the active segment. Never empty. */
  segments: Segment[];
  /** The cleaner's checkpoint: everything below was compacted at least once. */
  cleanOffset: number;
  /** Earliest time a kept tombstone may be removed (the cleaner reports it); Infinity: none. */
  tombstoneDueAtMs: number;
  readonly waiters: Set<() => void>;
}

export interface Topic {
  readonly id: number;
  readonly name: string;
  config: TopicConfig;
  partitions: PartitionLog[];
  readonly createdAtMs: number;
  deleted: boolean;
}

/** A validated record to append: its partition chosen, its size counted. */
export interface AppendRecord {
  partition: PartitionLog;
  timestamp: number;
  key: string | null;
  value: string | null;
  /** JSON text of [{key, value}...], or null when there are none. */
  headers: string | null;
  sizeBytes: number;
}

export interface AppendResult {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

export class KafkaLog {
  readonly topics = new Map<string, Topic>();
  /** Told how many records were committed ("in") and served to readers ("out"): for /metrics. */
  onRecords: (direction: "in" | "out", count: number) => void = () => {};
  private readonly dirtySegments = new Map<Segment, PartitionLog>();
  /** Told after retention moved a log start, or a topic was deleted: the cleaner purges rows. */
  onLogStartMoved: (partition: PartitionLog) => void = () => {};
  onTopicDeleted: (topic: Topic) => void = () => {};
  onTopicChanged: (topic: Topic) => void = () => {};

  constructor(
    readonly store: KafkaStore,
    private readonly clock: Clock,
  ) {
    store.beforeCommit = () => this.writeDirtySegments();
    store.onCommitFailed = () => this.reload();
    this.reload();
  }

  /** (Re)builds every topic's state from the store: at start, and after a failed commit. */
  reload(): void {
    const previous = new Map(this.topics);
    this.topics.clear();
    this.dirtySegments.clear();
    for (const row of this.store.loadTopics()) {
      const topic: Topic = {
        id: row.id,
        name: row.name,
        config: applyTopicConfig(defaultTopicConfig, JSON.parse(row.config)),
        partitions: [],
        createdAtMs: row.created_at_ms,
        deleted: false,
      };
      this.loadPartitions(topic);
      this.topics.set(topic.name, topic);
    }
    // Readers parked on the old state wake up and look again.
    for (const topic of previous.values()) for (const partition of topic.partitions) wake(partition);
  }

  private loadPartitions(topic: Topic): void {
    const segmentsByPartition = new Map<number, Segment[]>();
    for (const row of this.store.loadSegments(topic.id)) {
      const list = segmentsByPartition.get(row.partition) ?? [];
      list.push({ baseOffset: row.base_offset, nextOffset: row.next_offset, sizeBytes: row.size_bytes, maxTimestamp: row.max_timestamp, rolledAtMs: row.rolled_at_ms });
      segmentsByPartition.set(row.partition, list);
    }
    topic.partitions = this.store.loadPartitions(topic.id).map((row) => {
      const segments = segmentsByPartition.get(row.partition) ?? [];
      if (segments.length === 0) segments.push({ baseOffset: row.log_start_offset, nextOffset: row.log_start_offset, sizeBytes: 0, maxTimestamp: -1, rolledAtMs: this.clock.nowMs() });
      const end = segments.at(-1)!.nextOffset;
      return {
        topic,
        partition: row.partition,
        logStartOffset: row.log_start_offset,
        highWatermark: end,
        nextOffset: end,
        segments,
        cleanOffset: row.clean_offset,
        tombstoneDueAtMs: 0,
        waiters: new Set(),
      };
    });
  }

  // --- topics ---------------------------------------------------------------------------------

  topic(name: string): Topic {
    const topic = this.topics.get(name);
    if (topic === undefined) throw topicNotFound(name);
    return topic;
  }

  partition(topicName: string, partition: number): PartitionLog {
    const topic = this.topic(topicName);
    const log = topic.partitions[partition];
    if (log === undefined) throw partitionOutOfRange(topicName, partition, topic.partitions.length);
    return log;
  }

  createTopic(name: string, partitions: number, config: TopicConfig): Topic {
    if (this.topics.has(name)) throw new KafkaError(409, `Topic ${name} already exists`);
    const nowMs = this.clock.nowMs();
    const id = this.store.createTopic(name, partitions, JSON.stringify(config), nowMs);
    const topic: Topic = { id, name, config, partitions: [], createdAtMs: nowMs, deleted: false };
    this.loadPartitions(topic);
    this.topics.set(name, topic);
    return topic;
  }

  /** Changes a topic's configuration and/or grows its partition count (it never shrinks, as in Kafka). */
  alterTopic(name: string, config: TopicConfig, partitions: number): Topic {
    const topic = this.topic(name);
    if (partitions < topic.partitions.length) throw new KafkaError(400, `Topic ${name} has ${topic.partitions.length} partitions: the count can only grow`);
    this.store.updateTopic(topic.id, topic.partitions.length, partitions, JSON.stringify(config), this.clock.nowMs());
    topic.config = config;
    if (partitions > topic.partitions.length) {
      const kept = topic.partitions;
      this.loadPartitions(topic);
      // Keep the live objects of existing partitions (readers hold them); add the new ones.
      topic.partitions = topic.partitions.map((fresh, index) => kept[index] ?? fresh);
    }
    this.onTopicChanged(topic);
    return topic;
  }

  deleteTopic(name: string): void {
    const topic = this.topic(name);
    for (const partition of topic.partitions) for (const segment of partition.segments) this.dirtySegments.delete(segment);
    this.store.deleteTopic(topic.id);
    this.store.stageForgetTopicCommits(name);
    this.topics.delete(name);
    topic.deleted = true;
    for (const partition of topic.partitions) wake(partition);
    this.onTopicDeleted(topic);
  }

  // --- append ---------------------------------------------------------------------------------

  /**
   * Gives the records their offsets (in order; consecutive within a partition) and resolves once
   * they are committed. One request's records share one commit, so a request is all or nothing.
   */
  async append(records: readonly AppendRecord[]): Promise<AppendResult[]> {
    const nowMs = this.clock.nowMs();
    const results: AppendResult[] = new Array(records.length);
    const offsets: number[] = new Array(records.length);
    for (const [index, record] of records.entries()) {
      const log = record.partition;
      const config = log.topic.config;
      let active = log.segments.at(-1)!;
      if (active.sizeBytes > 0 && (active.sizeBytes + record.sizeBytes > config["segment.bytes"] || nowMs - active.rolledAtMs >= config["segment.ms"])) {
        active = { baseOffset: log.nextOffset, nextOffset: log.nextOffset, sizeBytes: 0, maxTimestamp: -1, rolledAtMs: nowMs };
        log.segments.push(active);
      }
      const offset = log.nextOffset++;
      active.nextOffset = offset + 1;
      active.sizeBytes += record.sizeBytes;
      if (record.timestamp > active.maxTimestamp) active.maxTimestamp = record.timestamp;
      this.dirtySegments.set(active, log);
      offsets[index] = offset;
      results[index] = { topic: log.topic.name, partition: log.partition, offset, timestamp: record.timestamp };
    }
    const store = this.store;
    store.stage(() => {
      for (const [index, record] of records.entries()) {
        const log = record.partition;
        if (log.topic.deleted) continue;
        store.writeRecord(log.topic.id, log.partition, offsets[index]!, record.timestamp, record.key, record.value, record.headers, record.sizeBytes);
      }
    });
    await store.commit();
    for (const [index, record] of records.entries()) {
      const log = record.partition;
      if (offsets[index]! >= log.highWatermark) log.highWatermark = offsets[index]! + 1;
    }
    for (const record of records) wake(record.partition);
    this.onRecords("in", records.length);
    return results;
  }

  private writeDirtySegments(): void {
    for (const [segment, log] of this.dirtySegments) {
      if (log.topic.deleted) continue;
      this.store.writeSegment(log.topic.id, log.partition, {
        partition: log.partition,
        base_offset: segment.baseOffset,
        next_offset: segment.nextOffset,
        size_bytes: segment.sizeBytes,
        max_timestamp: segment.maxTimestamp,
        rolled_at_ms: segment.rolledAtMs,
      });
    }
    this.dirtySegments.clear();
  }

  // --- read -----------------------------------------------------------------------------------

  /**
   * Committed records from `fromOffset` on (from the log start when below it: spec §2.2's
   * friendlier choice), at most `maxRecords` and about `maxBytes`, but always the first one.
   */
  read(log: PartitionLog, fromOffset: number, maxRecords: number, maxBytes: number): RecordRow[] {
    const served = this.committedRecords(log, fromOffset, maxRecords, maxBytes);
    if (served.length > 0) this.onRecords("out", served.length);
    return served;
  }

  private committedRecords(log: PartitionLog, fromOffset: number, maxRecords: number, maxBytes: number): RecordRow[] {
    const from = Math.max(fromOffset, log.logStartOffset);
    // A deleted topic's records wait for the cleaner's purge: never serve them.
    if (from >= log.highWatermark || maxRecords <= 0 || log.topic.deleted) return [];
    const rows = this.store.readRecords(log.topic.id, log.partition, from, maxRecords);
    let bytes = 0;
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index]!;
      // Rows above the high watermark cannot exist (they are committed together with it), but a
      // reader must never see past it, so stop there too.
      if (row.offset >= log.highWatermark || (index > 0 && bytes + row.size_bytes > maxBytes)) return rows.slice(0, index);
      bytes += row.size_bytes;
    }
    return rows;
  }

  /** ListOffsets by time: the first offset whose timestamp is at or after `timestamp`, or -1. */
  offsetForTimestamp(log: PartitionLog, timestamp: number): number {
    for (const segment of log.segments) {
      if (segment.maxTimestamp < timestamp || segment.nextOffset <= log.logStartOffset) continue;
      const found = this.store.firstOffsetAtOrAfter(log.topic.id, log.partition, Math.max(segment.baseOffset, log.logStartOffset), Math.min(segment.nextOffset, log.highWatermark), timestamp);
      if (found !== undefined) return found;
    }
    return -1;
  }

  /** Resolves when any of the partitions gets new committed data (or is deleted), or after timeoutMs. */
  waitForData(partitions: readonly PartitionLog[], timeoutMs: number): Promise<void> {
    if (timeoutMs <= 0 || partitions.length === 0) return timeoutMs <= 0 ? Promise.resolve() : sleep(timeoutMs);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const partition of partitions) partition.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      for (const partition of partitions) partition.waiters.add(done);
    });
  }

  // --- retention ------------------------------------------------------------------------------

  /** Applies retention to every partition of topics whose policy deletes; returns partitions moved. */
  applyRetention(): number {
    const nowMs = this.clock.nowMs();
    let moved = 0;
    for (const topic of this.topics.values()) {
      if (!hasDeletePolicy(topic.config)) continue;
      const limits = { retentionMs: topic.config["retention.ms"], retentionBytes: topic.config["retention.bytes"] };
      for (const log of topic.partitions) {
        const count = segmentsToDelete(log.segments, limits, nowMs, log.highWatermark);
        if (count === 0) continue;
        if (count === log.segments.length) {
          // Every segment goes: roll an empty one at the end first, so offsets continue.
          const fresh: Segment = { baseOffset: log.nextOffset, nextOffset: log.nextOffset, sizeBytes: 0, maxTimestamp: -1, rolledAtMs: nowMs };
          log.segments.push(fresh);
          this.dirtySegments.set(fresh, log);
        }
        for (const segment of log.segments.splice(0, count)) this.dirtySegments.delete(segment);
        log.logStartOffset = log.segments[0]!.baseOffset;
        if (log.cleanOffset < log.logStartOffset) log.cleanOffset = log.logStartOffset;
        this.store.stageLogStart(topic.id, log.partition, log.logStartOffset);
        this.onLogStartMoved(log);
        moved++;
      }
    }
    return moved;
  }
}

function wake(partition: PartitionLog): void {
  if (partition.waiters.size === 0) return;
  for (const waiter of [...partition.waiters]) waiter();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
