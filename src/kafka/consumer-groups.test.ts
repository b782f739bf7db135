// Proves the consumer-group model on a ManualClock: RangeAssignor splits, two instances together
// read every record once and resume from commits, auto-commit commits positions after its interval
// and on close, explicit commits are stored verbatim, reset policies apply, and idle instances
// expire and hand their partitions over.

import { describe, expect, test } from "bun:test";
import { rangeAssign, type InstanceOptions } from "./consumer-groups.ts";
import { openTestKafka } from "./test-support.ts";

const manual: InstanceOptions = { autoCommit: false, autoCommitIntervalMs: 5000, autoOffsetReset: "earliest", sessionTimeoutMs: 10_000 };

describe("rangeAssign", () => {
  test("splits like Kafka's RangeAssignor: floor(P/C) each, the first P % C one more", () => {
    expect(rangeAssign(7, 3)).toEqual([
      { from: 0, to: 3 },
      { from: 3, to: 5 },
      { from: 5, to: 7 },
    ]);
    expect(rangeAssign(2, 3)).toEqual([
      { from: 0, to: 1 },
      { from: 1, to: 2 },
      { from: 2, to: 2 },
    ]);
    expect(rangeAssign(4, 0)).toEqual([]);
  });
});

describe("consume", () => {
  test("two instances split the partitions by id and together read every record once", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t", 4);
    await kafka.produce(Array.from({ length: 40 }, (_, i) => ({ topic: "t", partition: i % 4, value: `v${i}` })));
    const first = await kafka.groups.consume("g", "b", ["t"], manual, 0);
    expect(first.length).toBe(40); // alone, "b" owns every partition
    await kafka.groups.commit("g", "b", undefined);
    await kafka.groups.consume("g", "a", ["t"], manual, 0);
    expect(kafka.groups.assignmentOf("g")).toEqual(
      new Map([
        ["b", ["t-2", "t-3"]],
        ["a", ["t-0", "t-1"]],
      ]),
    );
    await kafka.produce(Array.from({ length: 8 }, (_, i) => ({ topic: "t", partition: i % 4, value: `w${i}` })));
    const fromA = await kafka.groups.consume("g", "a", ["t"], manual, 0);
    const fromB = await kafka.groups.consume("g", "b", ["t"], manual, 0);
    expect(fromA.map((r) => r.value).sort()).toEqual(["w0", "w1", "w4", "w5"]);
    expect(fromB.map((r) => r.value).sort()).toEqual(["w2", "w3", "w6", "w7"]);
  });

  test("a new instance resumes from the group's committed offsets", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t");
    await kafka.produce(Array.from({ length: 5 }, (_, i) => ({ topic: "t", value: `v${i}` })));
    await kafka.groups.commit("g", "x", [{ topic: "t", partition: 0, offset: 3 }]);
    expect(kafka.groups.committed("g", "anyone", [{ topic: "t", partition: 0 }])).toEqual([{ topic: "t", partition: 0, offset: 3 }]);
    const records = await kafka.groups.consume("g", "i", ["t"], manual, 0);
    expect(records.map((r) => r.offset)).toEqual([3, 4]);
    // Committed offsets survive a restart.
    using reopened = kafka.reopen();
    expect(reopened.groups.committed("g", "i", [{ topic: "t", partition: 0 }])[0]!.offset).toBe(3);
  });

  test("committed is -1 where nothing was committed; the reset policy decides then", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t");
    await kafka.produce({ topic: "t", value: "old" });
    expect(kafka.groups.committed("g", "i", [{ topic: "t", partition: 0 }])[0]!.offset).toBe(-1);
    expect(await kafka.groups.consume("latest", "i", ["t"], { ...manual, autoOffsetReset: "latest" }, 0)).toEqual([]);
    expect((await kafka.groups.consume("earliest", "i", ["t"], manual, 0)).map((r) => r.value)).toEqual(["old"]);
    await expect(kafka.groups.consume("none", "i", ["t"], { ...manual, autoOffsetReset: "none" }, 0)).rejects.toThrow(
      "Undefined offset with no reset policy for partitions: [t-0]",
    );
  });

  test("auto-commit commits positions at the first poll after its interval, and on close", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t");
    const auto = { ...manual, autoCommit: true, autoCommitIntervalMs: 1000 };
    await kafka.produce([{ topic: "t", value: "a" }, { topic: "t", value: "b" }]);
    await kafka.groups.consume("g", "i", ["t"], auto, 0);
    const committed = () => kafka.groups.committed("g", "i", [{ topic: "t", partition: 0 }])[0]!.offset;
    expect(committed()).toBe(-1);
    kafka.clock.advance(999);
    await kafka.groups.consume("g", "i", ["t"], auto, 0);
    expect(committed()).toBe(-1);
    kafka.clock.advance(1);
    await kafka.groups.consume("g", "i", ["t"], auto, 0);
    expect(committed()).toBe(2);
    await kafka.produce({ topic: "t", value: "c" });
    await kafka.groups.consume("g", "i", ["t"], auto, 0);
    await kafka.groups.deleteInstance("g", "i");
    expect(committed()).toBe(3);
    await expect(kafka.groups.deleteInstance("g", "i")).rejects.toThrow("Consumer instance not found");
  });

  test("an idle instance expires after its session timeout and its partitions move", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t", 2);
    await kafka.groups.consume("g", "a", ["t"], manual, 0);
    kafka.clock.advance(5000);
    await kafka.groups.consume("g", "b", ["t"], manual, 0);
    expect(kafka.groups.expireIdle()).toBe(0);
    kafka.clock.advance(5001);
    expect(kafka.groups.expireIdle()).toBe(1);
    expect(kafka.groups.assignmentOf("g")).toEqual(new Map([["b", ["t-0", "t-1"]]]));
    expect(kafka.groups.list()).toEqual([{ name: "g", instances: [{ name: "b", topics: [{ topic: "t", partitions: [0, 1] }] }] }]);
  });

  test("a long poll returns as soon as a record is committed", async () => {
    using kafka = openTestKafka();
    kafka.createTopic("t");
    const startedAt = performance.now();
    const polled = kafka.groups.consume("g", "i", ["t"], { ...manual, autoOffsetReset: "latest" }, 5000);
    await new Promise((resolve) => setImmediate(resolve));
    await kafka.produce({ topic: "t", value: "fresh" });
    expect((await polled).map((r) => r.value)).toEqual(["fresh"]);
    expect(performance.now() - startedAt).toBeLessThan(1000);
  });
});
