// Proves compaction and retention on the real server, read through the official client: after
// compaction every key's latest value (and only that) remains at its original offset, tombstones go
// after delete.retention.ms, and a consumer reading across a compaction sees a consistent log;
// retention by time and by size moves the log start in whole segments and offsets continue.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startServer, type TestServer } from "../harness/server.ts";
import { waitFor } from "../harness/wait.ts";
import { admin, createTopic, kafkaClient } from "./support.ts";

let server: TestServer;
beforeAll(async () => {
  // A fast cleaner tick, so the background path is exercised too.
  server = await startServer({ args: ["--kafka-cleaner-interval-ms", "50"] });
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

async function readFrom(server: TestServer, topic: string, offset: number, limit = Infinity) {
  const consumer = kafkaClient(server).consumer();
  const out: { offset: number; key: string; value: string | null }[] = [];
  let position = offset;
  for (;;) {
    const batch = await consumer.fetch({ topic, partition: 0, offset: position, timeout: 0 });
    if (batch.length === 0) return out;
    for (const record of batch) {
      if (out.length >= limit) return out;
      out.push({ offset: record.offset, key: record.key, value: record.value });
    }
    position = batch.at(-1)!.offset + 1;
  }
}

describe("compaction", () => {
  test("keeps each key's latest value at its offset; tombstones go; a reader across it stays consistent", async () => {
    await createTopic(server, "profiles", 1, { "cleanup.policy": "compact", "segment.bytes": 2000, "delete.retention.ms": 0, "min.cleanable.dirty.ratio": 1 });
    const producer = kafkaClient(server).producer();
    const produced: { offset: number; key: string; value: string | null }[] = [];
    for (let round = 0; round < 20; round++) {
      const batch = Array.from({ length: 50 }, (_, i) => ({ topic: "profiles", key: `user-${i % 10}`, value: `r${round}-${i}` }));
      const metas = await producer.produceMany(batch);
      metas.forEach((meta, i) => produced.push({ offset: meta.offset, key: batch[i]!.key, value: batch[i]!.value }));
    }
    // Tombstones for two keys (the client's types allow only strings: raw REST sends null).
    for (const key of ["user-3", "user-7"]) {
      const response = await fetch(`${server.url}/produce`, {
        method: "POST",
        headers: { authorization: `Basic ${btoa(`${server.kafka.username}:${server.kafka.password}`)}` },
        body: JSON.stringify({ topic: "profiles", key, value: null }),
      });
      produced.push({ offset: ((await response.json()) as { offset: number }[])[0]!.offset, key, value: null });
    }
    // Roll the tombstones out of the active segment.
    const filler = await producer.produceMany(Array.from({ length: 40 }, (_, i) => ({ topic: "profiles", key: `filler-${i}`, value: "f".repeat(40) })));
    filler.forEach((meta, i) => produced.push({ offset: meta.offset, key: `filler-${i}`, value: "f".repeat(40) }));

    const readerFirstHalf = await readFrom(server, "profiles", 0, 300);
    const first = await admin(server, "POST", "/admin/kafka/topics/profiles/clean");
    expect(first.status).toBe(200);
    // delete.retention.ms = 0: the first clean stamps the tombstones, the next drops them.
    const second = await admin(server, "POST", "/admin/kafka/topics/profiles/clean");
    const cleanOffset = second.body.topic.partitionDetails[0].cleanOffset as number;
    expect(cleanOffset).toBeGreaterThan(1000);

    const after = await readFrom(server, "profiles", 0);
    const latest = new Map(produced.filter((r) => r.offset < cleanOffset).map((r) => [r.key, r.offset]));
    const expected = produced.filter((r) => (r.offset >= cleanOffset || latest.get(r.key) === r.offset) && !(r.value === null && r.offset < cleanOffset));
    expect(after).toEqual(expected);
    for (const key of ["user-3", "user-7"]) expect(after.some((r) => r.key === key)).toBe(false);
    for (const key of ["user-0", "user-9"]) expect(after.filter((r) => r.key === key).map((r) => r.value)).toEqual([`r19-${key === "user-0" ? 40 : 49}`]);

    // The reader that stopped mid-log continues after the compaction from where it was.
    const rest = await readFrom(server, "profiles", readerFirstHalf.at(-1)!.offset + 1);
    const whole = [...readerFirstHalf, ...rest];
    const offsets = whole.map((r) => r.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    const byOffset = new Map(produced.map((r) => [r.offset, r]));
    for (const record of whole) expect(record).toEqual(byOffset.get(record.offset)!);
    const finalValues = new Map(produced.map((r) => [r.key, r.value]));
    const lastSeen = new Map(whole.map((r) => [r.key, r.value]));
    for (const [key, value] of finalValues) if (value !== null) expect(lastSeen.get(key)).toBe(value);
    // Offsets continue after the end.
    expect((await producer.produce("profiles", "next", { key: "user-1" })).offset).toBe(produced.at(-1)!.offset + 1);
  });

  test("the background cleaner compacts on its own once enough of the log is dirty", async () => {
    await createTopic(server, "auto-compacted", 1, { "cleanup.policy": "compact", "segment.bytes": 500 });
    const producer = kafkaClient(server).producer();
    await producer.produceMany(Array.from({ length: 200 }, (_, i) => ({ topic: "auto-compacted", key: `k${i % 4}`, value: `v${i}` })));
    let cleanOffset = 0;
    await waitFor(async () => {
      const { body } = await admin(server, "GET", "/admin/kafka/topics/auto-compacted");
      cleanOffset = body.partitionDetails[0].cleanOffset;
      return cleanOffset > 0;
    }, "the background cleaner's first compaction");
    const remaining = await readFrom(server, "auto-compacted", 0);
    expect(remaining.filter((r) => r.offset < cleanOffset).length).toBeLessThanOrEqual(4);
  });
});

describe("retention", () => {
  test("retention.ms deletes expired segments from the start, whole; offsets continue", async () => {
    await createTopic(server, "short-lived", 1, { "retention.ms": 60_000, "segment.bytes": 1000 });
    const producer = kafkaClient(server).producer();
    const oldMs = Date.now() - 3_600_000;
    await producer.produceMany(Array.from({ length: 30 }, (_, i) => ({ topic: "short-lived", value: "o".repeat(90), timestamp: oldMs + i })));
    const fresh = await producer.produceMany(Array.from({ length: 5 }, () => ({ topic: "short-lived", value: "n".repeat(90) })));
    const { body } = await admin(server, "POST", "/admin/kafka/topics/short-lived/clean");
    const partition = body.topic.partitionDetails[0];
    // Every segment holding only old records went; the one that also holds fresh records stays.
    const remaining = await readFrom(server, "short-lived", 0);
    expect(partition.logStartOffset).toBe(remaining[0]!.offset);
    expect(remaining.at(-1)!.offset).toBe(fresh.at(-1)!.offset);
    expect(remaining[0]!.offset).toBeGreaterThan(0);
    expect(remaining.length).toBeLessThan(35);
    expect(remaining.slice(-5).map((r) => r.value)).toEqual(Array(5).fill("n".repeat(90)));
    const earliest = await kafkaClient(server).admin().topicPartitionOffsets({ timestamp: "earliest", topicPartition: { topic: "short-lived", partition: 0 } });
    expect(earliest[0]!.offset).toBe(partition.logStartOffset);
    // A fetch below the log start answers from the log start.
    const below = await kafkaClient(server).consumer().fetch({ topic: "short-lived", partition: 0, offset: 0 });
    expect(below[0]!.offset).toBe(partition.logStartOffset);
  });

  test("retention.bytes keeps the partition at or above the limit, dropping whole segments", async () => {
    await createTopic(server, "bounded", 1, { "retention.bytes": 3000, "segment.bytes": 1000 });
    const producer = kafkaClient(server).producer();
    await producer.produceMany(Array.from({ length: 100 }, () => ({ topic: "bounded", value: "b".repeat(100) })));
    const { body } = await admin(server, "POST", "/admin/kafka/topics/bounded/clean");
    const partition = body.topic.partitionDetails[0];
    expect(partition.sizeBytes).toBeGreaterThanOrEqual(3000);
    expect(partition.sizeBytes).toBeLessThan(4000);
    expect(partition.logStartOffset % 10).toBe(0); // 10 records of 100 bytes per segment
    expect(partition.logEndOffset).toBe(100);
    expect((await readFrom(server, "bounded", 0)).length).toBe(100 - partition.logStartOffset);
  });
});
