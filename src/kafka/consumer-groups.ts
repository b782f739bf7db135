// Consumer groups as the REST API exposes them (spec/kafka.md §3): instances created by their
// first consume, configured by that request's headers, kept alive by calls and expired after
// their session timeout; Kafka's RangeAssignor (instances in id order) splits each subscribed
// topic's partitions; positions start from the group's committed offset or the reset policy;
// auto-commit commits positions at the next poll after its interval, on rebalance and on close.
// Committed offsets ("next offset to read") are durable in store.ts; instances live in memory.

import type { Clock } from "../util/clock.ts";
import { badRequest, instanceNotFound, KafkaError, partitionOutOfRange } from "./errors.ts";
import type { KafkaLog, PartitionLog, Topic } from "./log.ts";
import type { RecordRow } from "./store.ts";

export type OffsetReset = "earliest" | "latest" | "none";

export interface InstanceOptions {
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  autoOffsetReset: OffsetReset;
  sessionTimeoutMs: number;
}

export interface FetchLimits {
  recordsMax: number;
  partitionBytesMax: number;
}

export interface ConsumedRecord extends RecordRow {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

interface Instance {
  readonly id: string;
  readonly group: Group;
  readonly options: InstanceOptions;
  topics: string[];
  lastSeenAtMs: number;
  assignment: PartitionLog[];
  /** Next offset to hand out, per assigned partition; absent until first resolved. */
  positions: Map<PartitionLog, number>;
  lastAutoCommitAtMs: number;
  /** Rotates which assigned partition is read first, so one busy partition cannot starve others. */
  nextPartitionIndex: number;
  closed: boolean;
}

interface Group {
  readonly id: string;
  readonly instances: Map<string, Instance>;
}

/** Live instances across all groups: each holds memory and a share of every rebalance. */
const INSTANCES_MAX = 10_000;

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class ConsumerGroups {
  private readonly groups = new Map<string, Group>();
  private instanceCount = 0;
  /** group → "topic\0partition" → committed offset. */
  private readonly committedOffsets = new Map<string, Map<string, number>>();

  constructor(
    private readonly log: KafkaLog,
    private readonly clock: Clock,
    private readonly limits: FetchLimits,
  ) {
    for (const row of log.store.loadCommitted()) this.committedOf(row.group_id).set(partitionKey(row.topic, row.partition), row.offset);
  }

  private committedOf(group: string): Map<string, number> {
    let map = this.committedOffsets.get(group);
    if (map === undefined) {
      map = new Map();
      this.committedOffsets.set(group, map);
    }
    return map;
  }

  // --- consume --------------------------------------------------------------------------------

  /**
   * One poll: joins or refreshes the instance, auto-commits when due, then returns records from
   * its assigned partitions, waiting up to timeoutMs when there are none.
   */
  async consume(groupId: string, instanceId: string, topics: string[], options: InstanceOptions, timeoutMs: number): Promise<ConsumedRecord[]> {
    for (const topic of topics) this.log.topic(topic);
    const instance = this.join(groupId, instanceId, topics, options);
    const deadlineMs = performance.now() + timeoutMs;
    this.maybeAutoCommit(instance);
    for (;;) {
      const records = this.poll(instance);
      const leftMs = deadlineMs - performance.now();
      if (records.length > 0 || leftMs <= 0 || instance.closed) {
        instance.lastSeenAtMs = this.clock.nowMs();
        return records;
      }
      await this.log.waitForData(instance.assignment, Math.ceil(leftMs));
    }
  }

  private join(groupId: string, instanceId: string, topics: string[], options: InstanceOptions): Instance {
    let group = this.groups.get(groupId);
    if (group?.instances.has(instanceId) !== true && this.instanceCount >= INSTANCES_MAX) {
      throw new KafkaError(429, `Too many consumer instances (${INSTANCES_MAX}): delete idle ones with /delete-consumer`);
    }
    if (group === undefined) {
      group = { id: groupId, instances: new Map() };
      this.groups.set(groupId, group);
    }
    const nowMs = this.clock.nowMs();
    const sorted = [...new Set(topics)].sort();
    let instance = group.instances.get(instanceId);
    if (instance === undefined) {
      // compat: the Kafka-* headers configure an instance only on the request that creates it.
      instance = {
        id: instanceId,
        group,
        options,
        topics: sorted,
        lastSeenAtMs: nowMs,
        assignment: [],
        positions: new Map(),
        lastAutoCommitAtMs: nowMs,
        nextPartitionIndex: 0,
        closed: false,
      };
      group.instances.set(instanceId, instance);
      this.instanceCount++;
      this.rebalance(group);
    } else {
      instance.lastSeenAtMs = nowMs;
      // A new topic set replaces the subscription, as KafkaConsumer.subscribe does.
      if (sorted.join("\u0000") !== instance.topics.join("\u0000")) {
        instance.topics = sorted;
        this.rebalance(group);
      }
    }
    return instance;
  }

  private poll(instance: Instance): ConsumedRecord[] {
    const assignment = instance.assignment;
    const out: ConsumedRecord[] = [];
    if (assignment.length === 0) return out;
    const start = instance.nextPartitionIndex % assignment.length;
    instance.nextPartitionIndex = start + 1;
    for (let step = 0; step < assignment.length && out.length < this.limits.recordsMax; step++) {
      const partition = assignment[(start + step) % assignment.length]!;
      const position = this.position(instance, partition);
      const rows = this.log.read(partition, position, this.limits.recordsMax - out.length, this.limits.partitionBytesMax);
      if (rows.length === 0) continue;
      const topic = partition.topic.name;
      for (const row of rows) out.push({ ...row, topic, partition: partition.partition });
      instance.positions.set(partition, rows.at(-1)!.offset + 1);
    }
    return out;
  }

  /** The position of an assigned partition, resolved on first use from the commit or the reset policy. */
  private position(instance: Instance, partition: PartitionLog): number {
    const known = instance.positions.get(partition);
    if (known !== undefined && known >= partition.logStartOffset) return known;
    const committed = this.committedOf(instance.group.id).get(partitionKey(partition.topic.name, partition.partition));
    let position: number;
    if (known === undefined && committed !== undefined && committed >= partition.logStartOffset && committed <= partition.highWatermark) {
      position = committed;
    } else {
      // No commit, or the position fell out of the log (retention): the reset policy decides.
      const reset = instance.options.autoOffsetReset;
      if (reset === "none") {
        throw badRequest(`Undefined offset with no reset policy for partitions: [${partition.topic.name}-${partition.partition}]`);
      }
      position = reset === "earliest" ? partition.logStartOffset : partition.highWatermark;
    }
    instance.positions.set(partition, position);
    return position;
  }

  // --- commits --------------------------------------------------------------------------------

  private maybeAutoCommit(instance: Instance): void {
    if (!instance.options.autoCommit) return;
    const nowMs = this.clock.nowMs();
    if (nowMs - instance.lastAutoCommitAtMs < instance.options.autoCommitIntervalMs) return;
    instance.lastAutoCommitAtMs = nowMs;
    this.commitPositions(instance);
  }

  /** Commits the positions (next offsets) of records this instance has handed out. */
  private commitPositions(instance: Instance): void {
    const committed = this.committedOf(instance.group.id);
    const nowMs = this.clock.nowMs();
    for (const [partition, position] of instance.positions) {
      if (partition.topic.deleted) continue;
      const key = partitionKey(partition.topic.name, partition.partition);
      if (committed.get(key) === position) continue;
      committed.set(key, position);
      this.log.store.stageCommit(instance.group.id, partition.topic.name, partition.partition, position, nowMs);
    }
  }

  /**
   * `/commit`: explicit offsets are stored as given, for any partition (spec §2.4: no +1); no
   * offsets commits this instance's current positions. Resolves once durable.
   */
  async commit(groupId: string, instanceId: string, offsets: TopicPartitionOffset[] | undefined): Promise<void> {
    if (offsets === undefined) {
      const instance = this.instance(groupId, instanceId);
      instance.lastSeenAtMs = this.clock.nowMs();
      this.commitPositions(instance);
    } else {
      for (const { topic, partition } of offsets) this.log.partition(topic, partition);
      const instance = this.groups.get(groupId)?.instances.get(instanceId);
      if (instance !== undefined) instance.lastSeenAtMs = this.clock.nowMs();
      const committed = this.committedOf(groupId);
      const nowMs = this.clock.nowMs();
      for (const { topic, partition, offset } of offsets) {
        committed.set(partitionKey(topic, partition), offset);
        this.log.store.stageCommit(groupId, topic, partition, offset, nowMs);
      }
    }
    await this.log.store.commit();
  }

  /** `/committed`: one entry per asked partition; -1 where the group has committed nothing (spec §2.5). */
  committed(groupId: string, instanceId: string, partitions: { topic: string; partition: number }[]): TopicPartitionOffset[] {
    for (const { topic, partition } of partitions) {
      const log = this.log.topic(topic);
      if (log.partitions[partition] === undefined) throw partitionOutOfRange(topic, partition, log.partitions.length);
    }
    const instance = this.groups.get(groupId)?.instances.get(instanceId);
    if (instance !== undefined) instance.lastSeenAtMs = this.clock.nowMs();
    const committed = this.committedOffsets.get(groupId);
    return partitions.map(({ topic, partition }) => ({ topic, partition, offset: committed?.get(partitionKey(topic, partition)) ?? -1 }));
  }

  // --- instance lifecycle -----------------------------------------------------------------------

  private instance(groupId: string, instanceId: string): Instance {
    const instance = this.groups.get(groupId)?.instances.get(instanceId);
    if (instance === undefined) throw instanceNotFound();
    return instance;
  }

  /** `/delete-consumer`: closes the instance as KafkaConsumer.close does (final auto-commit). */
  async deleteInstance(groupId: string, instanceId: string): Promise<void> {
    this.close(this.instance(groupId, instanceId));
    await this.log.store.commit();
  }

  private close(instance: Instance): void {
    if (instance.options.autoCommit) this.commitPositions(instance);
    instance.closed = true;
    const group = instance.group;
    group.instances.delete(instance.id);
    this.instanceCount--;
    // A poll parked on this instance's partitions wakes up and returns empty.
    for (const partition of instance.assignment) for (const waiter of [...partition.waiters]) waiter();
    instance.assignment = [];
    if (group.instances.size === 0) this.groups.delete(group.id);
    else this.rebalance(group);
  }

  /** Closes every instance idle for longer than its session timeout; returns how many. */
  expireIdle(): number {
    const nowMs = this.clock.nowMs();
    const expired: Instance[] = [];
    for (const group of this.groups.values()) {
      for (const instance of group.instances.values()) {
        if (nowMs - instance.lastSeenAtMs > instance.options.sessionTimeoutMs) expired.push(instance);
      }
    }
    for (const instance of expired) this.close(instance);
    return expired.length;
  }

  /** A topic was deleted or grew partitions: every group subscribed to it rebalances. */
  topicChanged(topic: Topic): void {
    for (const group of this.groups.values()) {
      if ([...group.instances.values()].some((instance) => instance.topics.includes(topic.name))) this.rebalance(group);
    }
  }

  // --- assignment -----------------------------------------------------------------------------

  /**
   * Kafka's RangeAssignor, per topic: partitions in order, subscribed instances in id order, each
   * gets floor(P/C) and the first P % C one more. Before partitions move, auto-commit instances
   * commit their positions (as Kafka does on revocation); a partition an instance keeps keeps its
   * position, a moved one starts from the group's commit.
   */
  private rebalance(group: Group): void {
    const instances = [...group.instances.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const instance of instances) if (instance.options.autoCommit) this.commitPositions(instance);
    const next = new Map<Instance, PartitionLog[]>(instances.map((instance) => [instance, []]));
    const topicNames = [...new Set(instances.flatMap((instance) => instance.topics))].sort();
    for (const name of topicNames) {
      const topic = this.log.topics.get(name);
      if (topic === undefined) continue;
      const members = instances.filter((instance) => instance.topics.includes(name));
      for (const [index, range] of rangeAssign(topic.partitions.length, members.length).entries()) {
        next.get(members[index]!)!.push(...topic.partitions.slice(range.from, range.to));
      }
    }
    for (const instance of instances) {
      const assigned = next.get(instance)!;
      const kept = new Map<PartitionLog, number>();
      for (const partition of assigned) {
        const position = instance.positions.get(partition);
        if (position !== undefined) kept.set(partition, position);
      }
      instance.assignment = assigned;
      instance.positions = kept;
    }
  }

  /** `/consumers`: live instances and their assignments. */
  list(): { name: string; instances: { name: string; topics: { topic: string; partitions: number[] }[] }[] }[] {
    return [...this.groups.values()].map((group) => ({
      name: group.id,
      instances: [...group.instances.values()].map((instance) => {
        const byTopic = new Map<string, number[]>(instance.topics.map((topic) => [topic, []]));
        for (const partition of instance.assignment) byTopic.get(partition.topic.name)?.push(partition.partition);
        return { name: instance.id, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
      }),
    }));
  }

  /** For tests and the admin API: the instances of a group with their assigned partitions. */
  assignmentOf(groupId: string): Map<string, string[]> {
    const group = this.groups.get(groupId);
    return new Map([...(group?.instances.values() ?? [])].map((instance) => [instance.id, instance.assignment.map((p) => `${p.topic.name}-${p.partition}`)]));
  }
}

/** RangeAssignor's split of `partitionCount` partitions over `memberCount` members, as [from, to) ranges. */
export function rangeAssign(partitionCount: number, memberCount: number): { from: number; to: number }[] {
  const ranges: { from: number; to: number }[] = [];
  if (memberCount === 0) return ranges;
  const each = Math.floor(partitionCount / memberCount);
  const extra = partitionCount % memberCount;
  for (let index = 0; index < memberCount; index++) {
    const from = index * each + Math.min(index, extra);
    ranges.push({ from, to: from + each + (index < extra ? 1 : 0) });
  }
  return ranges;
}
