// Topic definitions: legal names (Kafka's Topic.java rules), the per-topic configuration with
// Kafka's names and defaults (spec/kafka.md §6.9), and the parsing of configuration given as
// `name=value` strings or JSON values, so the admin API and the CLI check them in one place.

import { badRequest } from "./errors.ts";

export type CleanupPolicy = "delete" | "compact" | "compact,delete";

export interface TopicConfig {
  "cleanup.policy": CleanupPolicy;
  /** -1: no time limit. */
  "retention.ms": number;
  /** Per partition; -1: no size limit. */
  "retention.bytes": number;
  "segment.bytes": number;
  "segment.ms": number;
  "delete.retention.ms": number;
  "min.compaction.lag.ms": number;
  "min.cleanable.dirty.ratio": number;
  "max.message.bytes": number;
}

export const defaultTopicConfig: Readonly<TopicConfig> = {
  "cleanup.policy": "delete",
  "retention.ms": 604_800_000,
  "retention.bytes": -1,
  "segment.bytes": 1_073_741_824,
  "segment.ms": 604_800_000,
  "delete.retention.ms": 86_400_000,
  "min.compaction.lag.ms": 0,
  "min.cleanable.dirty.ratio": 0.5,
  // Upstash's 1 MB per message (spec §5.2); Kafka's own default adds 12 bytes of batch overhead.
  "max.message.bytes": 1_048_576,
};

export const topicConfigNames = Object.keys(defaultTopicConfig) as (keyof TopicConfig)[];

/** Upstash's Developer API names for the same settings (spec §6.9). */
const upstashAliases: Record<string, keyof TopicConfig> = {
  retention_time: "retention.ms",
  retention_size: "retention.bytes",
  max_message_size: "max.message.bytes",
  cleanup_policy: "cleanup.policy",
};

export const PARTITIONS_MAX = 1000;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function checkTopicName(name: unknown): string {
  if (typeof name !== "string" || !TOPIC_NAME.test(name) || name === "." || name === "..") {
    throw badRequest(`Invalid topic name ${JSON.stringify(name)}: use 1 to 249 of a-z A-Z 0-9 . _ -`);
  }
  return name;
}

export function checkPartitionCount(value: unknown): number {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > PARTITIONS_MAX) {
    throw badRequest(`partitions must be an integer from 1 to ${PARTITIONS_MAX}`);
  }
  return n;
}

export function isCompacted(config: TopicConfig): boolean {
  return config["cleanup.policy"] !== "delete";
}

export function hasDeletePolicy(config: TopicConfig): boolean {
  return config["cleanup.policy"] !== "compact";
}

/**
 * Applies changes (from JSON or `name=value` strings) over a base configuration and checks every
 * value; an unknown name or a bad value throws before anything is applied.
 */
export function applyTopicConfig(base: TopicConfig, changes: Record<string, unknown>): TopicConfig {
  const next: TopicConfig = { ...base };
  for (const [rawName, raw] of Object.entries(changes)) {
    const name = Object.hasOwn(upstashAliases, rawName) ? upstashAliases[rawName]! : rawName;
    if (!Object.hasOwn(defaultTopicConfig, name)) throw badRequest(`Unknown topic config ${JSON.stringify(rawName)} (known: ${topicConfigNames.join(", ")})`);
    const key = name as keyof TopicConfig;
    if (key === "cleanup.policy") {
      const parts = String(raw).split(",").map((part) => part.trim()).filter(Boolean).sort();
      const joined = [...new Set(parts)].join(",");
      if (joined !== "delete" && joined !== "compact" && joined !== "compact,delete") {
        throw badRequest(`cleanup.policy must be delete, compact or compact,delete`);
      }
      next[key] = joined;
      continue;
    }
    const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
    if (key === "min.cleanable.dirty.ratio") {
      if (!(n >= 0 && n <= 1)) throw badRequest(`${key} must be a number from 0 to 1`);
      next[key] = n;
      continue;
    }
    const minimum = key === "retention.ms" || key === "retention.bytes" ? -1 : key === "segment.bytes" || key === "max.message.bytes" || key === "segment.ms" ? 1 : 0;
    if (!Number.isSafeInteger(n) || n < minimum) throw badRequest(`${key} must be an integer of at least ${minimum}`);
    next[key] = n;
  }
  return next;
}
