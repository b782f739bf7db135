// Proves /metrics on the real spawned server: it scrapes the endpoint before and after a known
// burst of @upstash/redis traffic (auto-pipelining off, so each call is one request), parses both
// with a strict Prometheus text-format parser, and checks that request, command, key and LSN
// series moved by exactly the traffic sent, and that no key, value or token shows up in it; and
// that QStash deliveries to a loopback receiver are counted by outcome.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { createTopic, kafkaClient } from "../kafka/support.ts";
import { startServer, type TestServer } from "../harness/server.ts";
import { parseExposition, sampleValue, type Exposition } from "./prometheus-text.ts";

async function scrape(server: TestServer): Promise<{ text: string; parsed: Exposition }> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();
  return { text, parsed: parseExposition(text) };
}

describe("/metrics after SDK traffic", () => {
  test("counters move by exactly the requests and commands sent", async () => {
    await using server = await startServer();
    const before = await scrape(server);
    const redis = new Redis({ url: server.url, token: server.token, enableTelemetry: false, enableAutoPipelining: false });
    const readOnly = new Redis({ url: server.url, token: server.readonlyToken, enableTelemetry: false, enableAutoPipelining: false });

    for (let i = 0; i < 5; i++) expect(await redis.set(`secret-key-${i}`, `secret-value-${i}`)).toBe("OK"); // 5 × POST /, SET ok
    for (let i = 0; i < 3; i++) await redis.get(`secret-key-${i}`); // 3 × POST /, GET ok
    expect(await redis.pipeline().incr("hits-secret").incr("hits-secret").get("hits-secret").exec()).toEqual([1, 2, 2]); // 1 × /pipeline
    expect(await redis.multi().mset({ "multi-secret": "v" }).get("multi-secret").exec()).toEqual(["OK", "v"]); // 1 × /multi-exec
    await expect(redis.lpush("secret-key-0", "x")).rejects.toThrow("WRONGTYPE"); // 400, LPUSH error
    await expect(readOnly.set("secret-key-9", "v")).rejects.toThrow("NOPERM"); // refused before running
    const unauthorized = await fetch(server.url, { method: "POST", headers: { authorization: "Bearer not-a-token-at-all" }, body: '["PING"]' });
    expect(unauthorized.status).toBe(401);

    const after = await scrape(server);
    const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(after.parsed, name, labels) - sampleValue(before.parsed, name, labels);

    // Requests: 10 answered 200 (5 SET, 3 GET, a pipeline, a transaction), two 400 (WRONGTYPE, and
    // NOPERM for the read-only token), one 401; the first scrape itself is the one ops request.
    expect(delta("downstash_http_requests_total", { surface: "redis", status: "200" })).toBe(10);
    expect(delta("downstash_http_requests_total", { surface: "redis", status: "400" })).toBe(2);
    expect(delta("downstash_http_requests_total", { surface: "redis", status: "401" })).toBe(1);
    expect(delta("downstash_http_requests_total", { surface: "ops", status: "200" })).toBe(1);
    expect(delta("downstash_http_request_duration_seconds_count", { surface: "redis" })).toBe(13);
    const otherSurfaces = after.parsed.get("downstash_http_requests_total")!.samples.filter((sample) => !["redis", "ops"].includes(sample.labels.surface!));
    expect(otherSurfaces).toEqual([]);

    // Commands, those inside the pipeline and the transaction included.
    expect(delta("downstash_commands_total", { cmd: "set", result: "ok" })).toBe(5);
    expect(delta("downstash_commands_total", { cmd: "mset", result: "ok" })).toBe(1);
    expect(delta("downstash_commands_total", { cmd: "get", result: "ok" })).toBe(5);
    expect(delta("downstash_commands_total", { cmd: "incr", result: "ok" })).toBe(2);
    expect(delta("downstash_commands_total", { cmd: "lpush", result: "error" })).toBe(1);
    // MSET may run long (its pairs): every run is timed. SET, GET, INCR: a sample of their runs.
    expect(delta("downstash_command_duration_seconds_count", { cmd: "mset" })).toBe(1);
    const commandsRun = after.parsed.get("downstash_commands_total")!.samples.reduce((sum, sample) => sum + sample.value, 0);
    const commandsBefore = before.parsed.get("downstash_commands_total")?.samples.reduce((sum, sample) => sum + sample.value, 0) ?? 0;
    expect(commandsRun - commandsBefore).toBe(5 + 1 + 5 + 2 + 1);

    // Keys and the change log: 5 + hits-secret + multi-secret keys; 5 SET + 2 INCR + 1 MSET journaled.
    expect(sampleValue(after.parsed, "downstash_keys", { db: "default" })).toBe(7);
    expect(delta("downstash_change_log_lsn", { db: "default" })).toBe(8);
    expect(sampleValue(after.parsed, "downstash_memory_bytes", { db: "default" })).toBeGreaterThan(0);
    expect(sampleValue(after.parsed, "downstash_snapshot_age_seconds", { db: "default" })).toBeGreaterThanOrEqual(0);
    expect(after.parsed.get("downstash_snapshot_lsn")!.samples).toHaveLength(1);
    expect(after.parsed.get("downstash_build_info")!.samples.map((sample) => sample.value)).toEqual([1]);

    for (const secret of ["secret-key", "secret-value", "hits-secret", "multi-secret", server.token, server.readonlyToken, "not-a-token-at-all"]) {
      expect(after.text).not.toContain(secret);
    }
  });

  test("QStash deliveries are counted by outcome", async () => {
    // A receiver on loopback: /ok answers 200, /fail answers 500.
    const received: string[] = [];
    using receiver = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(request) {
        const path = new URL(request.url).pathname;
        received.push(path);
        return new Response(null, { status: path === "/ok" ? 200 : 500 });
      },
    });
    await using server = await startServer();
    const publish = (path: string) =>
      fetch(`${server.url}/v2/publish/http://127.0.0.1:${receiver.port}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.qstash.token}`, "upstash-retries": "0" },
        body: "hello",
      });
    expect((await publish("/ok")).status).toBe(200);
    expect((await publish("/fail")).status).toBe(200);

    const deadline = Date.now() + 15_000;
    let parsed = (await scrape(server)).parsed;
    const outcome = (name: string) => sampleValue(parsed, "downstash_qstash_deliveries_total", { outcome: name });
    while (outcome("delivered") + outcome("failed") < 2) {
      if (Date.now() > deadline) throw new Error(`deliveries not counted in time; receiver saw ${JSON.stringify(received)}`);
      await Bun.sleep(20);
      parsed = (await scrape(server)).parsed;
    }
    expect({ delivered: outcome("delivered"), retry: outcome("retry"), failed: outcome("failed") }).toEqual({ delivered: 1, retry: 0, failed: 1 });
    expect(received.sort()).toEqual(["/fail", "/ok"]);
    expect(sampleValue(parsed, "downstash_http_requests_total", { surface: "qstash", status: "200" })).toBe(2);
  });

  test("Kafka records are counted in when committed and out when served", async () => {
    await using server = await startServer();
    await createTopic(server, "metered", 1);
    const kafka = kafkaClient(server);
    await kafka.producer().produceMany([
      { topic: "metered", value: "a" },
      { topic: "metered", value: "b" },
      { topic: "metered", value: "c" },
    ]);
    const fetched = await kafka.consumer().fetch({ topic: "metered", partition: 0, offset: 1 });
    expect(fetched.map((message) => message.value)).toEqual(["b", "c"]);
    const { parsed } = await scrape(server);
    expect({
      in: sampleValue(parsed, "downstash_kafka_records_total", { direction: "in" }),
      out: sampleValue(parsed, "downstash_kafka_records_total", { direction: "out" }),
    }).toEqual({ in: 3, out: 2 });
  });
});
