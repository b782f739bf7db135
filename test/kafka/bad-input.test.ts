// Proves every bad request gets a clear JSON {"error","status"} answer with a matching HTTP status
// and writes nothing: unknown topic, bad partition, oversize record, malformed JSON, bad offsets,
// non-ASCII ids, bad consumer headers, wrong credentials; and that scoped users (produce-only,
// consume-only, topic prefix) get a clear 403 outside their scope, as Upstash's credentials did.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startServer, type TestServer } from "../harness/server.ts";
import { admin, createTopic, kafkaClient, rest } from "./support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  await createTopic(server, "t", 2, { "max.message.bytes": 1000 });
  await createTopic(server, "compacted", 1, { "cleanup.policy": "compact" });
  await createTopic(server, "orders-eu", 1);
  await createTopic(server, "payments", 1);
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const endOffset = async (topic: string, partition = 0) =>
  (await rest(server, "POST", "/offsets/latest", JSON.stringify([{ topic, partition }]))).body[0].offset as number;

describe("bad input", () => {
  const cases: [string, string, string, string | undefined, number, string][] = [
    ["unknown topic", "POST", "/produce", '{"topic":"nope","value":"v"}', 404, "Topic nope not found"],
    ["partition out of range", "POST", "/produce", '{"topic":"t","value":"v","partition":2}', 400, "Partition 2 of topic t does not exist"],
    ["negative partition", "POST", "/produce", '{"topic":"t","value":"v","partition":-1}', 400, "partition must be a non-negative integer"],
    ["missing value", "POST", "/produce", '{"topic":"t"}', 400, "value is required"],
    ["bad header", "POST", "/produce", '{"topic":"t","value":"v","headers":[{"key":1}]}', 400, "each header must be"],
    ["bad timestamp", "POST", "/produce", '{"topic":"t","value":"v","timestamp":-5}', 400, "timestamp must be a non-negative integer"],
    ["invalid topic name", "POST", "/produce", '{"topic":"a b","value":"v"}', 400, "Invalid topic name"],
    ["oversize record", "POST", "/produce", JSON.stringify({ topic: "t", value: "x".repeat(1001) }), 413, "max.message.bytes (1000)"],
    ["keyless record on a compacted topic", "POST", "/produce", '{"topic":"compacted","value":"v"}', 400, "Compacted topic cannot accept message without key in topic partition compacted-0."],
    ["malformed JSON", "POST", "/produce", '{"topic":', 400, "Malformed JSON body"],
    ["empty produce body", "POST", "/produce", undefined, 400, "Request body must be"],
    ["fetch with a negative offset", "POST", "/fetch", '{"topic":"t","partition":0,"offset":-3}', 400, "offset must not be negative"],
    ["fetch with a fractional offset", "POST", "/fetch", '{"topic":"t","partition":0,"offset":1.5}', 400, "offset must be an integer"],
    ["fetch of an unknown topic", "POST", "/fetch", '{"topic":"nope","partition":0,"offset":0}', 404, "Topic nope not found"],
    ["bad offsets timestamp", "POST", "/offsets/yesterday", '[{"topic":"t","partition":0}]', 400, "Invalid timestamp"],
    ["non-ASCII group id", "POST", "/consume/gr%C3%BCppe/i", '{"topic":"t"}', 400, "Invalid consumer group id"],
    ["non-ASCII instance id", "POST", "/commit/g/%E2%9C%93", "", 400, "Invalid consumer instance id"],
    ["consume without topics", "POST", "/consume/g/i", "{}", 400, "consume needs a topic"],
    ["commit for an unknown instance", "POST", "/commit/g/ghost", "", 404, "Consumer instance not found"],
    ["delete of an unknown instance", "POST", "/delete-consumer/g/ghost", undefined, 404, "Consumer instance not found"],
    ["unknown route under a Kafka path", "POST", "/consume/a/b/c/d", "{}", 404, "Not found"],
  ];
  for (const [name, method, path, body, status, error] of cases) {
    test(`${name}: ${status}`, async () => {
      const before = await endOffset("t");
      const response = await rest(server, method, path, body);
      expect(response.status).toBe(status);
      expect(response.contentType).toContain("application/json");
      expect(response.body.status).toBe(status);
      expect(response.body.error).toContain(error);
      expect(await endOffset("t")).toBe(before);
    });
  }

  test("a batch with one bad message writes none of it", async () => {
    const before = [await endOffset("t", 0), await endOffset("t", 1)];
    const body = JSON.stringify([{ topic: "t", value: "ok", partition: 0 }, { topic: "t", value: "ok" }, { topic: "t", value: "bad", partition: 9 }]);
    expect((await rest(server, "POST", "/produce", body)).status).toBe(400);
    expect([await endOffset("t", 0), await endOffset("t", 1)]).toEqual(before);
  });

  test("a bad Kafka-Auto-Offset-Reset header is refused before the instance exists", async () => {
    const response = await rest(server, "POST", "/consume/hdr/i", '{"topic":"t"}', { headers: { "Kafka-Auto-Offset-Reset": "smallest" } });
    expect(response.body).toEqual({ error: 'Invalid Kafka-Auto-Offset-Reset "smallest": use earliest, latest or none', status: 400 });
    expect(await kafkaClient(server).admin().consumers()).toEqual([]);
  });

  test("commit and delete-consumer accept an empty body with a JSON content type", async () => {
    await rest(server, "POST", "/consume/empty/i", '{"topic":"t","timeout":0}');
    const headers = { "content-type": "application/json" };
    expect((await rest(server, "POST", "/commit/empty/i", "", { headers })).body).toEqual({ result: "Success", status: 200 });
    expect((await rest(server, "POST", "/delete-consumer/empty/i", undefined, { headers })).body).toEqual({ result: "Success", status: 200 });
  });
});

describe("credentials", () => {
  test("missing or wrong credentials: 401 JSON", async () => {
    expect((await rest(server, "GET", "/topics", undefined, { credentials: null })).body).toEqual({ error: "Unauthorized", status: 401 });
    const wrong = await rest(server, "GET", "/topics", undefined, { credentials: { username: server.kafka.username, password: "wrong-password" } });
    expect(wrong.status).toBe(401);
  });

  test("scoped users: produce-only, consume-only and topic prefixes get a clear 403", async () => {
    const create = (name: string, permissions: string, topicPattern: string) =>
      admin(server, "POST", "/admin/kafka/users", { name, password: `${name}-password`, permissions, topicPattern });
    expect((await create("producer", "PRODUCE", "orders-*")).status).toBe(201);
    expect((await create("consumer", "CONSUME", "*")).status).toBe(201);
    const producer = { username: "producer", password: "producer-password" };
    const consumer = { username: "consumer", password: "consumer-password" };

    const produced = await kafkaClient(server, producer).producer().produce("orders-eu", "ok");
    expect(produced.topic).toBe("orders-eu");
    const outside = await rest(server, "POST", "/produce", '{"topic":"payments","value":"v"}', { credentials: producer });
    expect(outside).toMatchObject({ status: 403, body: { error: "User producer may not access topic payments (allowed: orders-*)", status: 403 } });
    const fetchByProducer = await rest(server, "POST", "/fetch", '{"topic":"orders-eu","partition":0,"offset":0}', { credentials: producer });
    expect(fetchByProducer.body).toEqual({ error: "User producer is produce-only: consuming from topic orders-eu is not allowed", status: 403 });
    expect((await rest(server, "GET", "/topics", undefined, { credentials: producer })).body).toEqual({ "orders-eu": 1 });

    const fetched = await kafkaClient(server, consumer).consumer().fetch({ topic: "orders-eu", partition: 0, offset: produced.offset });
    expect(fetched.map((m) => m.value)).toEqual(["ok"]);
    const produceByConsumer = await rest(server, "POST", "/produce", '{"topic":"orders-eu","value":"v"}', { credentials: consumer });
    expect(produceByConsumer.body).toEqual({ error: "User consumer is consume-only: producing to topic orders-eu is not allowed", status: 403 });

    expect((await admin(server, "DELETE", "/admin/kafka/users/consumer")).status).toBe(200);
    expect((await rest(server, "GET", "/topics", undefined, { credentials: consumer })).status).toBe(401);
  });

  test("the admin API needs the admin token", async () => {
    const response = await fetch(`${server.url}/admin/kafka/topics`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Unauthorized", status: 401 });
  });
});
