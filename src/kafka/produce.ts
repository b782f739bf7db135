// Turns produce request bodies into records to append (spec/kafka.md §2.1): checks every message
// of a request before any is written (topic, rights, partition, size, compacted-topic key), picks
// partitions (partitioner.ts), and renders the produce metadata. One request is all or nothing.

import { badRequest, KafkaError, partitionOutOfRange, topicNotFound } from "./errors.ts";
import type { AppendRecord, KafkaLog, Topic } from "./log.ts";
import { partitionForKey, type StickyPartitioner } from "./partitioner.ts";
import { checkTopicName, defaultTopicConfig, isCompacted } from "./topics.ts";
import { requireProduce, type KafkaUser } from "./users.ts";

export interface ProduceContext {
  log: KafkaLog;
  partitioner: StickyPartitioner;
  user: KafkaUser;
  nowMs: number;
  /** Create a missing topic on first produce (off by default, as on Upstash). */
  autoCreateTopics: boolean;
  defaultPartitions: number;
}

interface ParsedMessage {
  topic: string;
  partition: number | undefined;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: string | null;
  sizeBytes: number;
}

/** Reads one message object; `topicFromPath` is the topic of /produce/{topic}. */
function parseMessage(raw: unknown, index: number, topicFromPath: string | undefined, nowMs: number): ParsedMessage {
  const where = `message ${index}`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw badRequest(`${where}: must be a JSON object with a value`);
  const message = raw as Record<string, unknown>;
  const topic = topicFromPath ?? message.topic;
  if (topic === undefined) throw badRequest(`${where}: topic is required`);
  checkTopicName(topic);
  if (!("value" in message)) throw badRequest(`${where}: value is required`);
  const value = textOrNull(message.value);
  const key = textOrNull(message.key);
  let partition: number | undefined;
  if (message.partition !== undefined && message.partition !== null) {
    if (!Number.isSafeInteger(message.partition) || (message.partition as number) < 0) throw badRequest(`${where}: partition must be a non-negative integer`);
    partition = message.partition as number;
  }
  let timestamp = nowMs;
  if (message.timestamp !== undefined && message.timestamp !== null && message.timestamp !== -1) {
    // Kafka rejects negative timestamps other than -1 ("none": the broker's time).
    if (!Number.isSafeInteger(message.timestamp) || (message.timestamp as number) < 0) throw badRequest(`${where}: timestamp must be a non-negative integer (ms)`);
    timestamp = message.timestamp as number;
  }
  let headers: string | null = null;
  let sizeBytes = (key === null ? 0 : Buffer.byteLength(key)) + (value === null ? 0 : Buffer.byteLength(value));
  if (message.headers !== undefined && message.headers !== null) {
    if (!Array.isArray(message.headers)) throw badRequest(`${where}: headers must be an array of {key, value}`);
    const list: { key: string; value: string }[] = [];
    for (const header of message.headers) {
      const pair = header as Record<string, unknown> | null;
      if (typeof pair !== "object" || pair === null || typeof pair.key !== "string" || typeof pair.value !== "string") {
        throw badRequest(`${where}: each header must be {"key": string, "value": string}`);
      }
      list.push({ key: pair.key, value: pair.value });
      sizeBytes += Buffer.byteLength(pair.key) + Buffer.byteLength(pair.value);
    }
    if (list.length > 0) headers = JSON.stringify(list);
  }
  return { topic: topic as string, partition, timestamp, key, value, headers, sizeBytes };
}

/** Strings as they are; null stays null (a tombstone value, a keyless key); other JSON is stringified. */
function textOrNull(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  // compat: @upstash/kafka 1.2.2's produceMany sent object values unserialised.
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Validates a whole request and returns its records, partitions chosen; throws before any write. */
export function prepareProduce(context: ProduceContext, body: unknown, topicFromPath?: string): AppendRecord[] {
  if (body === undefined) throw badRequest("Request body must be a message object or an array of them");
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw badRequest("Request body holds no messages");
  const messages = items.map((item, index) => parseMessage(item, index, topicFromPath, context.nowMs));
  const topics = new Map<string, Topic>();
  for (const message of messages) {
    if (topics.has(message.topic)) continue;
    requireProduce(context.user, message.topic);
    let topic = context.log.topics.get(message.topic);
    if (topic === undefined) {
      if (!context.autoCreateTopics) throw topicNotFound(message.topic);
      topic = context.log.createTopic(message.topic, context.defaultPartitions, { ...defaultTopicConfig });
    }
    topics.set(message.topic, topic);
  }
  const records: AppendRecord[] = [];
  for (const [index, message] of messages.entries()) {
    const topic = topics.get(message.topic)!;
    const limit = topic.config["max.message.bytes"];
    if (message.sizeBytes > limit) {
      throw new KafkaError(413, `message ${index}: ${message.sizeBytes} bytes is more than max.message.bytes (${limit}) of topic ${topic.name}`);
    }
    const count = topic.partitions.length;
    let partition: number;
    if (message.partition !== undefined) {
      if (message.partition >= count) throw partitionOutOfRange(topic.name, message.partition, count);
      partition = message.partition;
    } else if (message.key !== null) {
      partition = partitionForKey(message.key, count);
    } else {
      partition = context.partitioner.partitionFor(topic.name, count, message.sizeBytes);
    }
    if (message.key === null && isCompacted(topic.config)) {
      // Kafka's LogValidator text.
      throw badRequest(`Compacted topic cannot accept message without key in topic partition ${topic.name}-${partition}.`);
    }
    records.push({
      partition: topic.partitions[partition]!,
      timestamp: message.timestamp,
      key: message.key,
      value: message.value,
      headers: message.headers,
      sizeBytes: message.sizeBytes,
    });
  }
  return records;
}
