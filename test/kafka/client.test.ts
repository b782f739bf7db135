// Proves `@upstash/kafka` 1.3.x works unmodified against the real server: produce (single, batch,
// keys, headers, explicit partition) and fetch round trips, consumer groups whose two instances
// split partitions and see every record exactly once with commits, a restarted consumer resuming
// from its commit, autoOffsetReset earliest/latest, offsets by timestamp, topics and consumers.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { partitionForKey } from "../../src/kafka/partitioner.ts";
import { startServer, type TestServer } from "../harness/server.ts";
import { admin, createTopic, kafkaClient, rest } from "./support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  await createTopic(server, "orders", 3);
  await createTopic(server, "events", 4);
  await createTopic(server, "single", 1);
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe("produce and fetch", () => {
  test("a keyed record with headers comes back from fetch at the offset produce returned", async () => {
    const kafka = kafkaClient(server);
    const meta = await kafka.producer().produce("orders", { id: 1 }, { key: "city", headers: [{ key: "signature", value: "abcd" }] });
    expect(meta).toEqual({ topic: "orders", partition: partitionForKey("city", 3), offset: expect.any(Number), timestamp: expect.any(Number) });
    const found = await kafka.consumer().fetch({ topic: "orders", partition: meta.partition, offset: meta.offset });
    expect(found[0]).toEqual({
      topic: "orders",
      partition: meta.partition,
      offset: meta.offset,
      timestamp: meta.timestamp,
      key: "city",
      value: '{"id":1}',
      headers: [{ key: "signature", value: "abcd" }],
    });
  });

  test("produceMany answers in request order with consecutive offsets per partition", async () => {
    const kafka = kafkaClient(server);
    const batch = Array.from({ length: 10 }, (_, i) => ({ topic: "single", value: `v${i}`, ...(i === 9 ? { timestamp: 12345 } : {}) }));
    const metas = await kafka.producer().produceMany(batch);
    expect(metas.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => metas[0]!.offset + i));
    expect(metas[9]!.timestamp).toBe(12345);
    const fetched = await kafka.consumer().fetch({ topic: "single", partition: 0, offset: metas[0]!.offset });
    expect(fetched.map((m) => [m.value, m.key, m.headers])).toEqual(batch.map((m) => [m.value, "", []]));
  });

  test("an explicit partition wins over the key", async () => {
    const meta = await kafkaClient(server).producer().produce("orders", "x", { key: "city", partition: 0 });
    expect(meta.partition).toBe(0);
  });

  test("fetch with several partitions concatenates in the client's order", async () => {
    const kafka = kafkaClient(server);
    await kafka.producer().produceMany([
      { topic: "events", value: "e0", partition: 0 },
      { topic: "events", value: "e1", partition: 1 },
    ]);
    const fetched = await kafka.consumer().fetch({
      topic: "events",
      partition: 0,
      offset: 0,
      topicPartitionOffsets: [{ topic: "events", partition: 1, offset: 0 }],
      timeout: 100,
    });
    expect(fetched.map((m) => m.value)).toEqual(["e1", "e0"]);
  });

  test("the documented GET forms: /produce/{topic}/{message}?key= and a trailing slash", async () => {
    const produced = await rest(server, "GET", "/produce/single/hello%20world?key=greeting");
    expect(produced.status).toBe(200);
    expect(produced.body).toEqual({ topic: "single", partition: 0, offset: expect.any(Number), timestamp: expect.any(Number) });
    const fetched = await rest(server, "POST", "/fetch/", JSON.stringify({ topic: "single", partition: 0, offset: produced.body.offset }));
    expect(fetched.body[0]).toMatchObject({ key: "greeting", value: "hello world" });
    const byTopic = await rest(server, "POST", "/produce/single", JSON.stringify([{ value: "a" }, { value: "b" }]));
    expect(byTopic.body.map((m: { offset: number }) => m.offset)).toEqual([produced.body.offset + 1, produced.body.offset + 2]);
  });

  test("webhook: the body is the value and custom request headers become Kafka headers", async () => {
    const { username, password } = server.kafka;
    const response = await fetch(`${server.url}/webhook?topic=single&user=${username}&pass=${password}`, {
      method: "POST",
      headers: { "x-event": "push", "content-type": "text/plain" },
      body: "raw body",
    });
    const meta = (await response.json()) as { offset: number };
    const [record] = await kafkaClient(server).consumer().fetch({ topic: "single", partition: 0, offset: meta.offset });
    expect(record).toMatchObject({ value: "raw body", headers: [{ key: "x-event", value: "push" }] });
  });
});

describe("consumer groups", () => {
  test("two instances split the partitions and together see every record exactly once", async () => {
    const kafka = kafkaClient(server);
    await createTopic(server, "split", 4);
    const consumer = kafka.consumer();
    const options = { consumerGroupId: "split-group", topics: ["split"], autoCommit: false, autoOffsetReset: "earliest" as const, timeout: 200 };
    await consumer.consume({ ...options, instanceId: "a" });
    await consumer.consume({ ...options, instanceId: "b" });
    const values = Array.from({ length: 200 }, (_, i) => `m${i}`);
    await kafka.producer().produceMany(values.map((value, i) => ({ topic: "split", value, key: `k${i}` })));

    const seen: string[] = [];
    for (let round = 0; round < 20 && seen.length < values.length; round++) {
      for (const instanceId of ["a", "b"]) {
        const records = await consumer.consume({ ...options, instanceId });
        seen.push(...records.map((r) => r.value));
        await consumer.commit({ consumerGroupId: "split-group", instanceId });
      }
    }
    expect(seen.sort()).toEqual([...values].sort());
    const groups = await kafka.admin().consumers();
    const group = groups.find((g) => g.name === "split-group")!;
    expect(group.instances.map((i) => [i.name, i.topics[0]!.partitions])).toEqual([
      ["a", [0, 1]],
      ["b", [2, 3]],
    ]);
    const committed = await consumer.committed({
      consumerGroupId: "split-group",
      instanceId: "a",
      topicPartitions: [0, 1, 2, 3].map((partition) => ({ topic: "split", partition })),
    });
    const offsets = await kafka.admin().topicPartitionOffsets({ timestamp: "latest", topicPartitions: [0, 1, 2, 3].map((partition) => ({ topic: "split", partition })) });
    expect(committed).toEqual(offsets);
  });

  test("a restarted consumer resumes from its committed offset", async () => {
    const kafka = kafkaClient(server);
    await createTopic(server, "resume", 1);
    await kafka.producer().produceMany(Array.from({ length: 6 }, (_, i) => ({ topic: "resume", value: `r${i}` })));
    const consumer = kafka.consumer();
    const options = { consumerGroupId: "resume-group", topics: ["resume"], autoCommit: false, autoOffsetReset: "earliest" as const };
    const first = await consumer.consume({ ...options, instanceId: "one" });
    expect(first.map((r) => r.value)).toEqual(["r0", "r1", "r2", "r3", "r4", "r5"]);
    await consumer.commit({ consumerGroupId: "resume-group", instanceId: "one", offset: { topic: "resume", partition: 0, offset: 4 } });
    await kafka.admin().removeConsumerInstance("resume-group", "one");
    const again = await consumer.consume({ ...options, instanceId: "two" });
    expect(again.map((r) => r.value)).toEqual(["r4", "r5"]);
  });

  test("autoOffsetReset latest skips what was there; earliest reads it", async () => {
    const kafka = kafkaClient(server);
    await createTopic(server, "reset", 1);
    await kafka.producer().produce("reset", "before");
    const consumer = kafka.consumer();
    const latest = await consumer.consume({ consumerGroupId: "latest-group", instanceId: "i", topics: ["reset"], autoOffsetReset: "latest", timeout: 100 });
    expect(latest).toEqual([]);
    await kafka.producer().produce("reset", "after");
    const next = await consumer.consume({ consumerGroupId: "latest-group", instanceId: "i", topics: ["reset"], timeout: 1000 });
    expect(next.map((r) => r.value)).toEqual(["after"]);
    const earliest = await consumer.consume({ consumerGroupId: "earliest-group", instanceId: "i", topics: ["reset"], autoOffsetReset: "earliest" });
    expect(earliest.map((r) => r.value)).toEqual(["before", "after"]);
  });

  test("a consume long poll answers as soon as a record arrives", async () => {
    const kafka = kafkaClient(server);
    await createTopic(server, "poll", 1);
    const consumer = kafka.consumer();
    await consumer.consume({ consumerGroupId: "poll-group", instanceId: "i", topics: ["poll"], timeout: 0 });
    const startedAt = performance.now();
    const polled = consumer.consume({ consumerGroupId: "poll-group", instanceId: "i", topics: ["poll"], timeout: 5000 });
    await Bun.sleep(50);
    await kafka.producer().produce("poll", "now");
    expect((await polled).map((r) => r.value)).toEqual(["now"]);
    expect(performance.now() - startedAt).toBeLessThan(2000);
  });

  test("commit and committed as the kafka-js commit() test uses them", async () => {
    const kafka = kafkaClient(server);
    const consumer = kafka.consumer();
    const { offset, partition } = await kafka.producer().produce("orders", "commit-me");
    await consumer.consume({ consumerGroupId: "commit-group", instanceId: "i", topics: ["orders"], autoCommit: false });
    const topicPartitions = [{ topic: "orders", partition }];
    const preCommit = await consumer.committed({ consumerGroupId: "commit-group", instanceId: "i", topicPartitions });
    await consumer.commit({ consumerGroupId: "commit-group", instanceId: "i", offset: { topic: "orders", partition, offset } });
    const postCommit = await consumer.committed({ consumerGroupId: "commit-group", instanceId: "i", topicPartitions });
    expect(preCommit).toEqual([{ topic: "orders", partition, offset: -1 }]);
    expect(postCommit).toEqual([{ topic: "orders", partition, offset }]);
  });
});

describe("admin and metadata", () => {
  test("topics lists names with partition counts", async () => {
    const topics = await kafkaClient(server).admin().topics();
    expect(topics).toMatchObject({ orders: 3, events: 4, single: 1 });
  });

  test("topics lists topics named like what a JavaScript object inherits", async () => {
    await createTopic(server, "__proto__", 2);
    await createTopic(server, "constructor", 1);
    const topics = await kafkaClient(server).admin().topics();
    expect(Object.entries(topics).filter(([name]) => name === "__proto__" || name === "constructor")).toEqual([
      ["__proto__", 2],
      ["constructor", 1],
    ]);
  });

  test("offsets by timestamp: the first record at or after it; earliest and latest", async () => {
    const kafka = kafkaClient(server);
    await createTopic(server, "times", 1);
    await kafka.producer().produceMany([100, 200, 300].map((timestamp) => ({ topic: "times", value: "t", timestamp })));
    const at = async (timestamp: number | "earliest" | "latest") =>
      (await kafka.admin().topicPartitionOffsets({ timestamp, topicPartition: { topic: "times", partition: 0 } }))[0]!.offset;
    expect(await at(150)).toBe(1);
    expect(await at(300)).toBe(2);
    expect(await at(301)).toBe(-1);
    expect(await at("earliest")).toBe(0);
    expect(await at("latest")).toBe(3);
    // The kafka-js tests pass seconds, read as ms (January 1970): any record stamped now is after it.
    await kafka.producer().produce("times", "now");
    expect(await at(Math.floor(Date.now() / 1000))).toBe(3);
  });

  test("admin describe shows each partition's offsets and the topic's config", async () => {
    const { body } = await admin(server, "GET", "/admin/kafka/topics/single");
    expect(body).toMatchObject({ name: "single", partitions: 1, config: { "cleanup.policy": "delete" } });
    expect(body.partitionDetails[0].logEndOffset).toBeGreaterThan(10);
  });
});
