// Proves the partitioner is Kafka's: murmur2 reproduces Kafka's own UtilsTest vectors, keyed
// partitions agree with kafkajs's Java-compatible DefaultPartitioner on many keys and counts, and
// keyless records stick to one partition until a batch's worth of bytes went there.

import { describe, expect, test } from "bun:test";
import { Partitioners } from "kafkajs";
import { SeededRandom } from "../util/random.ts";
import { murmur2, partitionForKey, STICKY_BATCH_BYTES, StickyPartitioner, toPositive } from "./partitioner.ts";

const encode = (text: string) => new TextEncoder().encode(text);

describe("murmur2", () => {
  test("matches Kafka's UtilsTest.testMurmur2 vectors", () => {
    expect(murmur2(encode("21"))).toBe(-973932308);
    expect(murmur2(encode("foobar"))).toBe(-790332482);
    expect(murmur2(encode("a-little-bit-long-string"))).toBe(-985981536);
    expect(murmur2(encode("a-little-bit-longer-string"))).toBe(-1486304829);
    expect(murmur2(encode("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"))).toBe(-58897971);
    expect(murmur2(new Uint8Array([0x61, 0x62, 0x63]))).toBe(479470107);
  });

  test("matches the spec's further values, including the empty key", () => {
    expect(murmur2(encode(""))).toBe(275646681);
    expect(murmur2(encode("city"))).toBe(-153862537);
    expect(toPositive(murmur2(encode("city")))).toBe(1993621111);
    expect(partitionForKey("city", 3)).toBe(1);
    expect(partitionForKey("city", 10)).toBe(1);
    expect(partitionForKey("k0", 3)).toBe(2);
  });

  test("toPositive clears the sign bit rather than negating", () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
  });
});

describe("keyed partitioning", () => {
  test("agrees with kafkajs's Java-compatible DefaultPartitioner", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const random = new SeededRandom(7);
    let checked = 0;
    for (let i = 0; i < 2000; i++) {
      const length = Math.floor(random.next() * 40);
      let key = "";
      for (let j = 0; j < length; j++) key += String.fromCharCode(32 + Math.floor(random.next() * 95));
      if (i % 10 === 0) key += "é€😀"; // multi-byte UTF-8
      for (const count of [1, 2, 3, 7, 10, 64]) {
        const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0 }));
        const expected = kafkajs({ topic: "t", partitionMetadata, message: { key: Buffer.from(key, "utf8"), value: "v" } } as never);
        expect(partitionForKey(key, count)).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBe(12_000);
  });
});

describe("sticky keyless partitioning", () => {
  test("keeps one partition for a batch's worth of bytes, then moves to another", () => {
    const partitioner = new StickyPartitioner(new SeededRandom(1));
    const first = partitioner.partitionFor("t", 4, 100);
    let sameCount = 1;
    while (partitioner.partitionFor("t", 4, 100) === first) sameCount++;
    // 100-byte records: the partition changes once 16384 bytes went to it.
    expect(sameCount).toBe(Math.ceil(STICKY_BATCH_BYTES / 100));
  });

  test("stays within the partition count and tracks topics separately", () => {
    const partitioner = new StickyPartitioner(new SeededRandom(2));
    for (let i = 0; i < 1000; i++) {
      const partition = partitioner.partitionFor(i % 2 ? "a" : "b", 3, 1000);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(3);
    }
    expect(partitioner.partitionFor("single", 1, 100_000)).toBe(0);
    expect(partitioner.partitionFor("single", 1, 100_000)).toBe(0);
  });
});
