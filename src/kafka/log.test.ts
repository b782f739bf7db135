// Proves the log's contract on a real SQLite file with a ManualClock: dense offsets per partition
// from 0, readable only once committed and unchanged across a restart; segments roll by size;
// retention moves the log start in whole segments and offsets continue; offsets by timestamp.

import { describe, expect, test } from "bun:test";
import { openTestKafka } from "./test-support.ts";

describe("append and read", () => {
  test("offsets are dense per partition from 0, in request order", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t", 2);
    const results = await kafka.produce([
      { topic: "t", partition: 0, value: "a" },
      { topic: "t", partition: 1, value: "b" },
      { topic: "t", partition: 0, value: "c" },
    ]);
    expect(results.map((r) => [r.partition, r.offset])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    const rows = kafka.log.read(kafka.log.partition("t", 0), 0, 10, 1 << 20);
    expect(rows.map((row) => [row.offset, row.value])).toEqual([
      [0, "a"],
      [1, "c"],
    ]);
  });

  test("a record is readable only after its commit, and survives a restart at its offset", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t");
    const pending = kafka.produce({ topic: "t", value: "v", key: "k", headers: [{ key: "h", value: "1" }], timestamp: 42 });
    expect(kafka.log.read(kafka.log.partition("t", 0), 0, 10, 1 << 20)).toEqual([]);
    expect((await pending)[0]!.offset).toBe(0);
    await kafka.produce({ topic: "t", value: null, key: "k" });
    using reopened = kafka.reopen();
    const rows = reopened.log.read(reopened.log.partition("t", 0), 0, 10, 1 << 20);
    expect(rows.map(({ offset, timestamp, key, value, headers }) => ({ offset, timestamp, key, value, headers }))).toEqual([
      { offset: 0, timestamp: 42, key: "k", value: "v", headers: '[{"key":"h","value":"1"}]' },
      { offset: 1, timestamp: kafka.clock.nowMs(), key: "k", value: null, headers: null },
    ]);
    expect(reopened.log.partition("t", 0).highWatermark).toBe(2);
  });

  test("reads stop at the byte cap but always return the first record", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t");
    await kafka.produce(Array.from({ length: 5 }, () => ({ topic: "t", value: "x".repeat(100) })));
    const log = kafka.log.partition("t", 0);
    expect(kafka.log.read(log, 0, 10, 250).length).toBe(2);
    expect(kafka.log.read(log, 0, 10, 10).length).toBe(1);
    expect(kafka.log.read(log, 3, 10, 1 << 20).map((row) => row.offset)).toEqual([3, 4]);
    expect(kafka.log.read(log, 5, 10, 1 << 20)).toEqual([]);
  });
});

describe("segments and retention", () => {
  test("segments roll when segment.bytes would be exceeded", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t", 1, { "segment.bytes": 250 });
    await kafka.produce(Array.from({ length: 10 }, () => ({ topic: "t", value: "x".repeat(100) })));
    expect(kafka.log.partition("t", 0).segments.map((s) => [s.baseOffset, s.nextOffset])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 8],
      [8, 10],
    ]);
  });

  test("retention by size drops whole leading segments and keeps offsets", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t", 1, { "segment.bytes": 250, "retention.bytes": 450 });
    await kafka.produce(Array.from({ length: 10 }, () => ({ topic: "t", value: "x".repeat(100) })));
    expect(kafka.log.applyRetention()).toBe(1);
    const log = kafka.log.partition("t", 0);
    // 1000 bytes over a 450 limit: two 200-byte segments go; a third would leave less than 450.
    expect(log.logStartOffset).toBe(4);
    expect(kafka.log.read(log, 0, 100, 1 << 20).map((row) => row.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    const [next] = await kafka.produce({ topic: "t", value: "y" });
    expect(next!.offset).toBe(10);
  });

  test("retention by time drops expired segments; when all expire the log rolls and continues", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t", 1, { "segment.bytes": 250, "retention.ms": 1000 });
    const now = kafka.clock.nowMs();
    await kafka.produce(Array.from({ length: 4 }, (_, i) => ({ topic: "t", value: "x".repeat(100), timestamp: now + i })));
    kafka.clock.advance(1002);
    expect(kafka.log.applyRetention()).toBe(1);
    // Only the first segment's newest record (now + 1) is more than 1000 ms old.
    expect(kafka.log.partition("t", 0).logStartOffset).toBe(2);
    kafka.clock.advance(10);
    expect(kafka.log.applyRetention()).toBe(1);
    const log = kafka.log.partition("t", 0);
    expect(log.logStartOffset).toBe(4);
    expect(log.segments.map((s) => [s.baseOffset, s.nextOffset])).toEqual([[4, 4]]);
    await kafka.store.commit();
    using reopened = kafka.reopen();
    expect(reopened.log.partition("t", 0).logStartOffset).toBe(4);
    expect((await reopened.produce({ topic: "t", value: "z" }))[0]!.offset).toBe(4);
  });
});

describe("offsets by timestamp", () => {
  test("the first offset whose timestamp is at or after the target, or -1", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t", 1, { "segment.bytes": 150 });
    await kafka.produce([10, 30, 20, 40].map((timestamp) => ({ topic: "t", value: "x".repeat(100), timestamp })));
    const log = kafka.log.partition("t", 0);
    expect(kafka.log.offsetForTimestamp(log, 0)).toBe(0);
    expect(kafka.log.offsetForTimestamp(log, 15)).toBe(1);
    expect(kafka.log.offsetForTimestamp(log, 25)).toBe(1);
    expect(kafka.log.offsetForTimestamp(log, 35)).toBe(3);
    expect(kafka.log.offsetForTimestamp(log, 41)).toBe(-1);
  });
});
