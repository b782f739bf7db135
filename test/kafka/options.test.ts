// Proves the server options around Kafka: auto-create on first produce (off by default, on with
// --kafka-auto-create-topics, using --kafka-default-partitions), and consumer instances closed after
// --kafka-consumer-idle-ms without calls, their positions auto-committed as Kafka's close does.

import { expect, test } from "bun:test";
import { startServer } from "../harness/server.ts";
import { kafkaClient, rest } from "./support.ts";

test("--kafka-auto-create-topics creates a missing topic on its first produce", async () => {
  await using server = await startServer({ args: ["--kafka-auto-create-topics", "--kafka-default-partitions", "3"] });
  const meta = await kafkaClient(server).producer().produce("fresh", "first", { key: "city" });
  expect(meta).toMatchObject({ topic: "fresh", partition: 1, offset: 0 });
  expect(await kafkaClient(server).admin().topics()).toEqual({ fresh: 3 });
  // Creation still checks the name.
  expect((await rest(server, "POST", "/produce", '{"topic":"bad/name","value":"v"}')).status).toBe(400);
});

test("an idle consumer instance expires and its positions are committed", async () => {
  await using server = await startServer({ args: ["--kafka-consumer-idle-ms", "1000"] });
  await fetch(`${server.url}/admin/kafka/topics`, { method: "POST", headers: { authorization: `Bearer ${server.adminToken}` }, body: '{"name":"t"}' });
  const kafka = kafkaClient(server);
  await kafka.producer().produceMany([{ topic: "t", value: "a" }, { topic: "t", value: "b" }]);
  const consumer = kafka.consumer();
  const records = await consumer.consume({ consumerGroupId: "idle", instanceId: "i", topics: ["t"], autoOffsetReset: "earliest" });
  expect(records.map((r) => r.value)).toEqual(["a", "b"]);
  expect((await kafka.admin().consumers()).map((group) => group.name)).toEqual(["idle"]);
  const deadline = Date.now() + 10_000;
  while ((await kafka.admin().consumers()).length > 0 && Date.now() < deadline) await Bun.sleep(100);
  expect(await kafka.admin().consumers()).toEqual([]);
  const committed = await consumer.committed({ consumerGroupId: "idle", instanceId: "i", topicPartitions: [{ topic: "t", partition: 0 }] });
  expect(committed).toEqual([{ topic: "t", partition: 0, offset: 2 }]);
});
