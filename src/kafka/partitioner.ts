// Which partition a produced record goes to, exactly as Kafka's Java producer decides
// (spec/kafka.md §6.1): an explicit partition wins; a keyed record goes to
// toPositive(murmur2(utf8(key))) % partitionCount; a keyless record goes to the topic's "sticky"
// partition, which changes only after STICKY_BATCH_BYTES have gone to it (KIP-794's batch.size).

import { randomInt, type Random } from "../util/random.ts";

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;
/** The Java producer's default batch.size: a keyless partition is kept until this much went to it. */
export const STICKY_BATCH_BYTES = 16_384;

/** Kafka's murmur2 (Utils.murmur2), a signed 32-bit result: byte for byte the Java code. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const fullChunks = length >>> 2;
  for (let i = 0; i < fullChunks; i++) {
    const at = i * 4;
    let k = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = fullChunks * 4;
  // Java's switch falls through: 3 takes byte 2, then byte 1, then byte 0 and the multiply.
  const rest = length & 3;
  if (rest >= 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's toPositive: clears the sign bit (not Math.abs, which differs for negative values). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

const encoder = new TextEncoder();

/** BuiltInPartitioner.partitionForKey over the key's UTF-8 bytes (Kafka's StringSerializer). */
export function partitionForKey(key: string, partitionCount: number): number {
  return toPositive(murmur2(encoder.encode(key))) % partitionCount;
}

/**
 * Keyless records: one sticky partition per topic, kept until STICKY_BATCH_BYTES went to it, then
 * a new one drawn at random among the others. Clients cannot observe the choice (spec §6.1);
 * this keeps a batch of small keyless records together, as Kafka ≥ 3.3 does.
 */
export class StickyPartitioner {
  private readonly sticky = new Map<string, { partition: number; bytes: number }>();

  constructor(private readonly random: Random) {}

  partitionFor(topic: string, partitionCount: number, recordBytes: number): number {
    let current = this.sticky.get(topic);
    if (current === undefined || current.partition >= partitionCount || current.bytes >= STICKY_BATCH_BYTES) {
      let next = randomInt(this.random, partitionCount);
      // A switch moves to another partition whenever there is one, so load spreads.
      if (current !== undefined && partitionCount > 1 && next === current.partition) next = (next + 1 + randomInt(this.random, partitionCount - 1)) % partitionCount;
      current = { partition: next, bytes: 0 };
      this.sticky.set(topic, current);
    }
    current.bytes += recordBytes;
    return current.partition;
  }

  /** Forgets a deleted topic. */
  forget(topic: string): void {
    this.sticky.delete(topic);
  }
}
