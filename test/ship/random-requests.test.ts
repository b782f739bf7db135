// Proves that bad input gets an answer, never a crash or a 500: seeded random requests at every
// route of the real server (Redis REST, QStash, Kafka, the Kafka admin API), with broken JSON,
// wrong types, odd names (`__proto__`, `%ZZ`, empty, very long) and odd header values, each
// answered below 500 with nothing logged as a failed request, and the server still answering a
// PING at the end.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomInt, SeededRandom, type Random } from "../../src/util/random.ts";
import { startServer, type TestServer } from "../harness/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

type Surface = "redis" | "qstash" | "kafka" | "admin";

const routes: [method: string, path: string, surface: Surface][] = [
  ["POST", "/", "redis"],
  ["POST", "/pipeline", "redis"],
  ["POST", "/multi-exec", "redis"],
  ["GET", "/get/{name}", "redis"],
  ["POST", "/set/{name}/{name}", "redis"],
  ["POST", "/v2/publish/{name}", "qstash"],
  ["POST", "/v2/enqueue/{name}/{name}", "qstash"],
  ["POST", "/v2/batch", "qstash"],
  ["GET", "/v2/messages/{name}", "qstash"],
  ["DELETE", "/v2/messages", "qstash"],
  ["GET", "/v2/events?{query}", "qstash"],
  ["GET", "/v2/dlq?{query}", "qstash"],
  ["POST", "/v2/dlq/retry", "qstash"],
  ["POST", "/v2/schedules/{name}", "qstash"],
  ["POST", "/v2/schedules/{name}/pause", "qstash"],
  ["POST", "/v2/topics/{name}/endpoints", "qstash"],
  ["POST", "/v2/queues", "qstash"],
  ["POST", "/v2/queues/{name}/pause", "qstash"],
  ["POST", "/v2/flowControl/{name}/reset", "qstash"],
  ["POST", "/produce", "kafka"],
  ["POST", "/produce/{name}/{name}", "kafka"],
  ["POST", "/fetch", "kafka"],
  ["POST", "/consume/{name}/{name}", "kafka"],
  ["POST", "/commit/{name}/{name}", "kafka"],
  ["POST", "/offsets/{name}", "kafka"],
  ["GET", "/topic/partitions/{name}", "kafka"],
  ["POST", "/admin/kafka/topics", "admin"],
  ["PATCH", "/admin/kafka/topics/{name}/config", "admin"],
  ["POST", "/admin/kafka/users", "admin"],
];

// Path segments as sent: encoded where they would not be a valid segment, raw where the oddity
// is the point (a malformed escape, a bare one).
const names = ["__proto__", "constructor", "q1", "%ZZ", "%E0%A4%A", "%", "..", "é", "a%2Fb", "http%3A%2F%2F127.0.0.1%3A9%2Fx", "x".repeat(2000), "-1", "1e999"];
const fields = ["name", "queueName", "parallelism", "endpoints", "url", "topic", "partition", "offset", "value", "key", "headers", "destination", "body", "partitions", "config", "password", "permissions", "topicPattern", "messageIds", "dlqIds", "timeout", "__proto__"];
const headerNames = ["Upstash-Delay", "Upstash-Retries", "Upstash-Retry-Delay", "Upstash-Callback", "Upstash-Method", "Upstash-Timeout", "Upstash-Cron", "Upstash-Deduplication-Id", "Upstash-Flow-Control-Key", "Upstash-Flow-Control-Value", "Upstash-Label", "Upstash-Redact-Fields", "Upstash-Forward-__proto__", "Upstash-Callback-Forward-__proto__", "Upstash-Schedule-Id", "Upstash-Encoding", "Upstash-Response-Format", "upstash-sync-token", "Content-Type"];
const headerValues = ["", "1", "-1", "1d", "1e400", "pow(2, retried)", "constructor(1)", "http://127.0.0.1:9/x", "ftp://x", "GET", "FOO", "base64", "resp2", "parallelism=1", "rate=0,period=0", "body,header[__proto__]", "0 0 * * *", "* * *", "99999999999999999999", "__proto__"];

function jsonValue(random: Random): unknown {
  const pick = randomInt(random, 12);
  if (pick === 0) return null;
  if (pick === 1) return true;
  if (pick === 2) return -1;
  if (pick === 3) return 2 ** 64;
  if (pick === 4) return 1.5;
  if (pick === 5) return "";
  if (pick === 6) return names[randomInt(random, names.length)];
  if (pick === 7) return [];
  if (pick === 8) return { [fields[randomInt(random, fields.length)]!]: jsonValue(random) };
  if (pick === 9) return [jsonValue(random), jsonValue(random)];
  if (pick === 10) return "x".repeat(50_000);
  return [["SET", "GET", "EVAL", "HSET", "MULTI", "FCALL"][randomInt(random, 6)], jsonValue(random)];
}

function body(random: Random): string | undefined {
  const pick = randomInt(random, 6);
  if (pick === 0) return undefined;
  if (pick === 1) return ["", "{", "[", "nul", "\u0000"][randomInt(random, 5)];
  if (pick === 2) return JSON.stringify(jsonValue(random));
  if (pick === 3) return JSON.stringify(Object.fromEntries(Array.from({ length: 1 + randomInt(random, 4) }, () => [fields[randomInt(random, fields.length)], jsonValue(random)])));
  return JSON.stringify(Array.from({ length: 1 + randomInt(random, 3) }, () => jsonValue(random)));
}

function authorization(surface: Surface): string {
  if (surface === "redis") return `Bearer ${server.token}`;
  if (surface === "qstash") return `Bearer ${server.qstash.token}`;
  if (surface === "admin") return `Bearer ${server.adminToken}`;
  return `Basic ${btoa(`${server.kafka.username}:${server.kafka.password}`)}`;
}

function request(random: Random): { method: string; path: string; init: RequestInit } {
  const [method, template, surface] = routes[randomInt(random, routes.length)]!;
  const path = template
    .replace(/\{name\}/g, () => names[randomInt(random, names.length)]!)
    .replace("{query}", () => `${fields[randomInt(random, fields.length)]}=${encodeURIComponent(String(jsonValue(random))).slice(0, 100)}`);
  const headers = new Headers();
  if (randomInt(random, 20) > 0) headers.set("authorization", authorization(surface));
  for (let n = randomInt(random, 4); n > 0; n--) headers.set(headerNames[randomInt(random, headerNames.length)]!, headerValues[randomInt(random, headerValues.length)]!);
  return { method, path, init: { method, headers, body: method === "GET" ? undefined : body(random) } };
}

describe("random requests at every route", () => {
  for (const seed of [1, 2]) {
    test(`seed ${seed}: 600 requests, each answered below 500, none logged as failed, and the server answers after`, async () => {
      const random = new SeededRandom(seed);
      const serverErrors: string[] = [];
      for (let i = 0; i < 600; i++) {
        const { method, path, init } = request(random);
        const response = await fetch(server.url + path, init);
        const text = await response.text();
        if (response.status >= 500) serverErrors.push(`${method} ${path.slice(0, 80)}: ${response.status} ${text.slice(0, 120)}`);
      }
      expect(serverErrors).toEqual([]);
      expect(server.output.filter((line) => line.includes('"request_failed"'))).toEqual([]);
      const ping = await fetch(server.url, { method: "POST", headers: { authorization: `Bearer ${server.token}` }, body: '["PING"]' });
      expect(await ping.json()).toEqual({ result: "PONG" });
    });
  }
});
