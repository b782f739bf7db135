// Proves the access log and request metrics in process (app.request, no socket): one `request`
// line per request with id, method, route pattern, surface, status and duration — never a key, a
// value or a token, whatever form the request took — a request id echoed in the response, requests
// counted by surface and status, and /metrics closed by --metrics-token when one is set.

import { describe, expect, test } from "bun:test";
import { Databases } from "../../src/platform/databases.ts";
import { createCommandTable } from "../../src/redis/commands/index.ts";
import { RecordingSink } from "../../src/redis/engine/change-log.ts";
import { Database } from "../../src/redis/engine/database.ts";
import { Dispatcher } from "../../src/redis/engine/dispatcher.ts";
import { surfaceOf } from "../../src/server/access-log.ts";
import { createApp } from "../../src/server/app.ts";
import { createNodeMetrics } from "../../src/server/metrics.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { createLogger } from "../../src/util/log.ts";
import { SeededRandom } from "../../src/util/random.ts";
import { parseExposition, sampleValue } from "./prometheus-text.ts";

const token = "access-log-test-token-rw";
const metricsToken = "access-log-test-metrics-token";

function createTestApp(options: { metricsToken?: string } = {}) {
  const clock = new ManualClock();
  const database = new Database("default", clock, new SeededRandom(1), new RecordingSink());
  const databases = new Databases();
  databases.add(database, { token });
  const dispatcher = new Dispatcher(createCommandTable());
  const metrics = createNodeMetrics({ databases: () => databases.all(), clock });
  dispatcher.observer = metrics.commands;
  const lines: string[] = [];
  const app = createApp({
    redis: { dispatcher, authenticate: (t) => databases.authenticate(t), maxRequestBytes: 1 << 20 },
    isReady: () => true,
    log: createLogger({ journald: false, write: (line) => lines.push(line) }),
    metrics,
    metricsToken: options.metricsToken,
  });
  const requests = () => lines.map((line) => JSON.parse(line)).filter((event) => event.event === "request");
  return { app, lines, requests, metrics };
}

describe("access log", () => {
  test("one line per request with route pattern, never the key, value or token of any request form", async () => {
    const { app, lines, requests } = createTestApp();
    const secretKey = "customer:4242:secret-key";
    const secretValue = "very-private-value";
    const auth = { authorization: `Bearer ${token}` };
    expect((await app.request(`/set/${secretKey}/${secretValue}`, { headers: auth })).status).toBe(200);
    expect((await app.request(`/get/${secretKey}?_token=${token}`)).status).toBe(200);
    expect((await app.request("/", { method: "POST", headers: auth, body: JSON.stringify(["GET", secretKey]) })).status).toBe(200);
    expect((await app.request("/pipeline", { method: "POST", headers: auth, body: JSON.stringify([["SET", secretKey, secretValue]]) })).status).toBe(200);
    expect((await app.request("/", { method: "POST", headers: { authorization: "Bearer wrong-token-but-secret" }, body: "[]" })).status).toBe(401);
    expect((await app.request("/healthz")).status).toBe(200);

    const events = requests();
    expect(events.map(({ method, route, surface, status }) => ({ method, route, surface, status }))).toEqual([
      { method: "GET", route: "/*", surface: "redis", status: 200 },
      { method: "GET", route: "/*", surface: "redis", status: 200 },
      { method: "POST", route: "/", surface: "redis", status: 200 },
      { method: "POST", route: "/pipeline", surface: "redis", status: 200 },
      { method: "POST", route: "/", surface: "redis", status: 401 },
      { method: "GET", route: "/healthz", surface: "ops", status: 200 },
    ]);
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual(["durationMs", "event", "id", "level", "method", "route", "status", "surface"]);
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    const everything = lines.join("\n");
    for (const secret of [secretKey, secretValue, token, "wrong-token-but-secret", "customer"]) expect(everything).not.toContain(secret);
  });

  test("a well-formed incoming request id is kept and echoed; a malformed one is replaced", async () => {
    const { app, requests } = createTestApp();
    const kept = await app.request("/healthz", { headers: { "x-request-id": "req-abc.123" } });
    expect(kept.headers.get("x-request-id")).toBe("req-abc.123");
    const fly = await app.request("/healthz", { headers: { "fly-request-id": "01HZY-fly-iad" } });
    expect(fly.headers.get("x-request-id")).toBe("01HZY-fly-iad");
    const replaced = await app.request("/healthz", { headers: { "x-request-id": `has spaces and ${"x".repeat(80)}` } });
    const generated = replaced.headers.get("x-request-id")!;
    expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect(requests().map((event) => event.id)).toEqual(["req-abc.123", "01HZY-fly-iad", generated]);
  });

  test("preflights and refused methods are logged with the pattern of the middleware that answered", async () => {
    const { app, requests } = createTestApp();
    expect((await app.request("/", { method: "OPTIONS" })).status).toBe(204);
    expect((await app.request("/", { method: "DELETE" })).status).toBe(405);
    expect(requests().map(({ route, status }) => ({ route, status }))).toEqual([
      { route: "/*", status: 204 },
      { route: "/*", status: 405 },
    ]);
  });
});

describe("request metrics", () => {
  test("count requests by surface and status and time them", async () => {
    const { app, metrics } = createTestApp();
    const auth = { authorization: `Bearer ${token}` };
    for (let i = 0; i < 3; i++) await app.request("/", { method: "POST", headers: auth, body: JSON.stringify(["SET", `k${i}`, "v"]) });
    await app.request("/", { method: "POST", headers: auth, body: JSON.stringify(["NOSUCH"]) });
    await app.request("/", { method: "POST", body: "[]" });
    await app.request("/v2/messages/none");
    await app.request("/healthz");

    const parsed = parseExposition(metrics.registry.expose());
    expect(sampleValue(parsed, "downstash_http_requests_total", { surface: "redis", status: "200" })).toBe(3);
    expect(sampleValue(parsed, "downstash_http_requests_total", { surface: "redis", status: "400" })).toBe(1);
    expect(sampleValue(parsed, "downstash_http_requests_total", { surface: "redis", status: "401" })).toBe(1);
    expect(sampleValue(parsed, "downstash_http_requests_total", { surface: "ops", status: "200" })).toBe(1);
    // No QStash app is mounted here: the path form answers it, but it is counted as QStash traffic.
    expect(sampleValue(parsed, "downstash_http_requests_total", { surface: "qstash", status: "401" })).toBe(1);
    expect(sampleValue(parsed, "downstash_http_request_duration_seconds_count", { surface: "redis" })).toBe(5);
    expect(sampleValue(parsed, "downstash_commands_total", { cmd: "set", result: "ok" })).toBe(3);
  });

  test("surfaces come from the first path segment only", () => {
    expect(["/", "/pipeline", "/set/a/b", "/v2/publish/x", "/metrics", "/produce/t/v", "/admin/x", "/topics", "/replication/stream"].map(surfaceOf)).toEqual([
      "redis",
      "redis",
      "redis",
      "qstash",
      "ops",
      "kafka",
      "admin",
      "kafka",
      "replication",
    ]);
  });

  test("/metrics serves text 0.0.4, open by default, behind a Bearer token when one is configured", async () => {
    const open = createTestApp();
    const response = await open.app.request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(parseExposition(await response.text()).has("downstash_build_info")).toBe(true);

    const closed = createTestApp({ metricsToken });
    expect((await closed.app.request("/metrics")).status).toBe(401);
    expect((await closed.app.request("/metrics", { headers: { authorization: "Bearer not-the-metrics-token" } })).status).toBe(401);
    expect((await closed.app.request("/metrics", { headers: { authorization: `Bearer ${metricsToken}` } })).status).toBe(200);
  });
});
