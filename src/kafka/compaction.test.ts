// Proves log compaction keeps Kafka's guarantees: after a clean every key's latest value remains
// and superseded ones are gone, offsets never change, the active segment is untouched, tombstones
// stay until delete.retention.ms after their first clean, and a reader crossing a compaction sees
// a consistent log. The cleaner runs on its own connection, and once as the real worker thread.

import { describe, expect, test } from "bun:test";
import { silentLogger } from "../util/log.ts";
import { Cleaner, cleanableEnd, needsCompaction } from "./cleaner.ts";
import { compactPartition } from "./compaction.ts";
import { openKafkaDatabase, WriteGate } from "./store.ts";
import { openTestKafka, type TestKafka } from "./test-support.ts";

const noPause = async () => {};
const gate = new WriteGate();

/** 300 updates over 5 keys (value = "key:n"), then tombstones for k1 and k3, then 3 more records. */
async function fill(kafka: TestKafka) {
  kafka.createTopic("c", 1, { "cleanup.policy": "compact", "segment.bytes": 400, "delete.retention.ms": 60_000 });
  const produced: { offset: number; key: string; value: string | null }[] = [];
  for (let n = 0; n < 300; n++) {
    const key = `k${n % 5}`;
    const [meta] = await kafka.produce({ topic: "c", key, value: `${key}:${n}` });
    produced.push({ offset: meta!.offset, key, value: `${key}:${n}` });
  }
  for (const key of ["k1", "k3"]) {
    const [meta] = await kafka.produce({ topic: "c", key, value: null });
    produced.push({ offset: meta!.offset, key, value: null });
  }
  for (let n = 0; n < 3; n++) {
    const [meta] = await kafka.produce({ topic: "c", key: "k0", value: `k0:tail${n}` });
    produced.push({ offset: meta!.offset, key: "k0", value: `k0:tail${n}` });
  }
  return produced;
}

function compactJob(kafka: TestKafka) {
  const log = kafka.log.partition("c", 0);
  const end = cleanableEnd(log, kafka.clock.nowMs());
  return {
    kind: "compact" as const,
    jobId: 1,
    topicId: log.topic.id,
    partition: 0,
    fromOffset: log.logStartOffset,
    toOffset: end,
    nowMs: kafka.clock.nowMs(),
    deleteRetentionMs: log.topic.config["delete.retention.ms"],
    segments: log.segments.filter((s) => s.nextOffset <= end).map(({ baseOffset, nextOffset }) => ({ baseOffset, nextOffset })),
  };
}

const readAll = (kafka: TestKafka) => kafka.log.read(kafka.log.partition("c", 0), 0, 10_000, 1 << 30).map(({ offset, key, value }) => ({ offset, key, value }));

describe("compactPartition", () => {
  test("keeps the latest record per key below the active segment, at its original offset", async () => {
    using kafka = openTestKafka();
    const produced = await fill(kafka);
    const job = compactJob(kafka);
    const activeBase = kafka.log.partition("c", 0).segments.at(-1)!.baseOffset;
    expect(job.toOffset).toBe(activeBase);
    expect(needsCompaction(kafka.log.partition("c", 0), kafka.clock.nowMs())).toBe(true);

    const db = openKafkaDatabase(kafka.path, "everysec");
    const result = await compactPartition(db, job, gate, noPause);
    db.close();

    const cleanable = produced.filter((r) => r.offset < activeBase);
    const latest = new Map(cleanable.map((r) => [r.key, r.offset]));
    const expected = produced.filter((r) => r.offset >= activeBase || latest.get(r.key) === r.offset);
    expect(readAll(kafka)).toEqual(expected);
    expect(result.removed).toBe(produced.length - expected.length);
    expect(result.cleanOffset).toBe(activeBase);
    // The records in the active segment were not touched.
    expect(readAll(kafka).filter((r) => r.offset >= activeBase)).toEqual(produced.filter((r) => r.offset >= activeBase));
  });

  test("tombstones stay until delete.retention.ms after their first clean, then go", async () => {
    using kafka = openTestKafka();
    const produced = await fill(kafka);
    // Roll the tombstones out of the active segment.
    for (let n = 0; n < 10; n++) await kafka.produce({ topic: "c", key: "k2", value: "x".repeat(50) });
    const tombstones = produced.filter((r) => r.value === null).map((r) => r.offset);
    const db = openKafkaDatabase(kafka.path, "everysec");

    const first = await compactPartition(db, compactJob(kafka), gate, noPause);
    expect(first.tombstoneDueAtMs).toBe(kafka.clock.nowMs() + 60_000);
    expect(readAll(kafka).filter((r) => r.value === null).map((r) => r.offset)).toEqual(tombstones);

    kafka.clock.advance(59_999);
    await compactPartition(db, compactJob(kafka), gate, noPause);
    expect(readAll(kafka).filter((r) => r.value === null).map((r) => r.offset)).toEqual(tombstones);

    kafka.clock.advance(1);
    const last = await compactPartition(db, compactJob(kafka), gate, noPause);
    expect(last.tombstoneDueAtMs).toBeNull();
    expect(readAll(kafka).filter((r) => r.value === null)).toEqual([]);
    expect(readAll(kafka).some((r) => r.key === "k1" || r.key === "k3")).toBe(false);
    db.close();
  });

  test("a reader crossing a compaction sees increasing offsets and every key's final value", async () => {
    using kafka = openTestKafka();
    const produced = await fill(kafka);
    const log = kafka.log.partition("c", 0);
    const seen: { offset: number; key: string | null; value: string | null }[] = [];
    let position = 0;
    const step = (count: number) => {
      const rows = kafka.log.read(log, position, count, 1 << 20);
      for (const { offset, key, value } of rows) seen.push({ offset, key, value });
      if (rows.length > 0) position = rows.at(-1)!.offset + 1;
    };
    step(40);
    const db = openKafkaDatabase(kafka.path, "everysec");
    await compactPartition(db, compactJob(kafka), gate, noPause);
    db.close();
    while (position < log.highWatermark) step(40);

    const offsets = seen.map((r) => r.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
    const finalByKey = new Map(produced.map((r) => [r.key, r.value]));
    const lastSeen = new Map(seen.map((r) => [r.key, r.value]));
    expect(lastSeen).toEqual(finalByKey);
    // Every record seen is one that was produced at that offset.
    const byOffset = new Map(produced.map((r) => [r.offset, r]));
    for (const record of seen) expect(byOffset.get(record.offset)).toEqual(record as never);
  });

  test("min.compaction.lag.ms keeps recent segments out of the cleanable range", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("c", 1, { "cleanup.policy": "compact", "segment.bytes": 400, "min.compaction.lag.ms": 10_000 });
    for (let n = 0; n < 50; n++) await kafka.produce({ topic: "c", key: `k${n % 3}`, value: `v${n}` });
    const log = kafka.log.partition("c", 0);
    expect(cleanableEnd(log, kafka.clock.nowMs())).toBe(0);
    kafka.clock.advance(10_000);
    expect(cleanableEnd(log, kafka.clock.nowMs())).toBe(log.segments.at(-1)!.baseOffset);
  });
});

describe("Cleaner", () => {
  test("compacts in its worker thread, mirrors segment sizes, and stops cleanly", async () => {
    using kafka = openTestKafka();
    const produced = await fill(kafka);
    const cleaner = new Cleaner(kafka.log, { path: kafka.path, fsync: "everysec", intervalMs: 3_600_000, clock: kafka.clock, logger: silentLogger });
    cleaner.start();
    try {
      const log = kafka.log.partition("c", 0);
      const sizeBefore = log.segments.reduce((total, s) => total + s.sizeBytes, 0);
      const { removed } = await cleaner.cleanTopic(kafka.log.topic("c"));
      expect(removed).toBeGreaterThan(250);
      expect(readAll(kafka).length).toBe(produced.length - removed);
      const sizeAfter = log.segments.reduce((total, s) => total + s.sizeBytes, 0);
      const storedSize = kafka.store.db.query<{ size: number }, []>("SELECT SUM(size_bytes) AS size FROM records").get()!.size;
      expect(sizeAfter).toBe(storedSize);
      expect(sizeAfter).toBeLessThan(sizeBefore);
      expect(log.cleanOffset).toBe(log.segments.at(-1)!.baseOffset);
    } finally {
      await cleaner.stop();
    }
  });

  test("purges the records retention cut off, in the background", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t", 1, { "segment.bytes": 250, "retention.bytes": 0 });
    await kafka.produce(Array.from({ length: 10 }, () => ({ topic: "t", value: "x".repeat(100) })));
    const cleaner = new Cleaner(kafka.log, { path: kafka.path, fsync: "everysec", intervalMs: 3_600_000, clock: kafka.clock, logger: silentLogger });
    cleaner.start();
    try {
      await cleaner.cleanTopic(kafka.log.topic("t"));
      expect(kafka.log.partition("t", 0).logStartOffset).toBe(10);
      expect(kafka.store.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM records").get()!.n).toBe(0);
    } finally {
      await cleaner.stop();
    }
  });
});
