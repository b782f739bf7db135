// Proves the /v2 HTTP surface in process (Hono app.request, no socket): token by header or
// `qstash_token` query, destinations rebuilt from raw paths, the legacy Upstash-Cron publish,
// POST pause/resume of schedules, comma-separated filter values, and redaction in every view.

import { describe, expect, test } from "bun:test";
import { createQStashRoutes } from "../../src/qstash/routes.ts";
import { createTestService } from "./service-harness.ts";

const token = "routes-test-token-000000";

function setup() {
  const t = createTestService();
  const app = createQStashRoutes({ service: t.service, tokens: [token], maxBatchBytes: 1 << 20 });
  const call = (path: string, init: RequestInit = {}) =>
    app.request(`http://downstash.test${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  return { ...t, app, call };
}

describe("auth", () => {
  test("a Bearer token or ?qstash_token= is required; the query token is not part of the destination", async () => {
    const { app, call, transport } = setup();
    expect((await app.request("http://downstash.test/v2/queues")).status).toBe(401);
    expect(await (await app.request("http://downstash.test/v2/queues", { headers: { authorization: "Bearer nope" } })).json()).toEqual({ error: "Unauthorized" });
    const response = await app.request(`http://downstash.test/v2/publish/http://receiver.test/a/b?x=1&qstash_token=${token}&y=two`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(transport.sent[0]!.url).toBe("http://receiver.test/a/b?x=1&y=two");
    expect((await call("/v2/queues")).status).toBe(200);
  });
});

describe("schedules", () => {
  test("Upstash-Cron on /v2/publish creates a schedule; POST pause and resume work like PATCH", async () => {
    const { call, service } = setup();
    const created = (await (await call("/v2/publish/http://receiver.test/cron", { method: "POST", headers: { "Upstash-Cron": "0 * * * *" } })).json()) as { scheduleId: string };
    expect(created.scheduleId).toStartWith("scd_");
    expect((await call(`/v2/schedules/${created.scheduleId}/pause`, { method: "POST" })).status).toBe(200);
    expect(service.getSchedule(created.scheduleId)).toMatchObject({ isPaused: true });
    expect((await call(`/v2/schedules/${created.scheduleId}/resume`, { method: "PATCH" })).status).toBe(200);
    expect(service.getSchedule(created.scheduleId)).toMatchObject({ isPaused: false });
    expect((await call(`/v2/schedules/missing/pause`, { method: "POST" })).status).toBe(404);
  });
});

describe("filters and views", () => {
  test("comma-separated and repeated values are OR-ed; logs are also served as /v2/logs", async () => {
    const { call } = setup();
    for (const label of ["a", "b", "c"]) {
      await call("/v2/publish/http://receiver.test/x", { method: "POST", headers: { "Upstash-Label": label, "Upstash-Delay": "1h" } });
    }
    const byComma = (await (await call("/v2/logs?label=a,b")).json()) as { logs: { labels: string[] }[] };
    expect(byComma.logs.map((log) => log.labels[0]).sort()).toEqual(["a", "b"]);
    const byRepeat = (await (await call("/v2/events?label=b&label=c&state=CREATED")).json()) as { events: unknown[]; cursor?: string };
    expect(byRepeat.events).toHaveLength(2);
    expect(byRepeat.cursor).toBeUndefined();
    expect(await (await call("/v2/messages?label=a,c", { method: "DELETE" })).json()).toEqual({ cancelled: 2 });
    expect((await call("/v2/dlq?host=x")).status).toBe(400);
  });

  test("redacted body and headers are hidden in messages and logs, delivered in full", async () => {
    const { call, transport } = setup();
    const { messageId } = (await (
      await call("/v2/publish/http://receiver.test/secret", {
        method: "POST",
        body: "top secret",
        headers: { "Upstash-Redact-Fields": "body,header[X-Secret]", "Upstash-Forward-X-Secret": "s3", "Upstash-Forward-X-Plain": "p" },
      })
    ).json()) as { messageId: string };
    expect(new TextDecoder().decode(transport.sent[0]!.body!)).toBe("top secret");
    const message = (await (await call(`/v2/messages/${messageId}`)).json()) as { body: string; header: Record<string, string[]> };
    expect(message.body).toStartWith("REDACTED:");
    expect(message.header["X-Secret"]![0]).toStartWith("REDACTED:");
    expect(message.header["X-Plain"]).toEqual(["p"]);
    const logs = (await (await call(`/v2/events?messageIds=${messageId}`)).json()) as { events: { body: string }[] };
    expect(Buffer.from(logs.events[0]!.body, "base64").toString()).toStartWith("REDACTED:");
  });

  test("a forwarded header named __proto__ is delivered and shown like any other, redacted too", async () => {
    const { app, call, transport } = setup();
    // Headers, not an object: an object literal's "__proto__" would set its prototype.
    const headers = new Headers([
      ["Authorization", `Bearer ${token}`],
      ["Upstash-Forward-__proto__", "p"],
      ["Upstash-Forward-X-Plain", "x"],
      ["Upstash-Callback", "http://receiver.test/callback"],
      ["Upstash-Callback-Forward-__proto__", "c"],
      ["Upstash-Redact-Fields", "header[__proto__]"],
    ]);
    const published = await app.request("http://downstash.test/v2/publish/http://receiver.test/proto", { method: "POST", body: "b", headers });
    expect(published.status).toBe(200);
    const { messageId } = (await published.json()) as { messageId: string };
    expect(transport.sent[0]!.headers.filter(([name]) => name === "__proto__" || name === "X-Plain")).toEqual([
      ["__proto__", "p"],
      ["X-Plain", "x"],
    ]);
    const message = (await (await call(`/v2/messages/${messageId}`)).json()) as { header: object };
    expect(Object.keys(message.header).sort()).toEqual(["X-Plain", "__proto__"]);
    expect(Object.entries(message.header).find(([name]) => name === "__proto__")![1][0]).toStartWith("REDACTED:");
    const logs = (await (await call(`/v2/events?messageIds=${messageId}`)).json()) as { events: { header: object; callbackHeaders: object }[] };
    expect(Object.keys(logs.events[0]!.header).sort()).toEqual(["X-Plain", "__proto__"]);
    expect(Object.entries(logs.events[0]!.callbackHeaders)).toContainEqual(["Upstash-Forward-__proto__", ["c"]]);
  });
});

describe("bad input", () => {
  test("malformed percent-encoding in a queue name or schedule id is a 400 that queues and pauses nothing", async () => {
    const { call, service, transport } = setup();
    const enqueued = await call("/v2/enqueue/%ZZ/http://receiver.test/x", { method: "POST", body: "b" });
    expect(enqueued.status).toBe(400);
    expect(await enqueued.json()).toEqual({ error: 'malformed percent-encoding in the queue name "%ZZ"' });
    const paused = await call("/v2/schedules/%E0%A4%A/pause", { method: "POST" });
    expect(paused.status).toBe(400);
    expect(await paused.json()).toEqual({ error: 'malformed percent-encoding in the schedule id "%E0%A4%A"' });
    expect(service.listQueues()).toEqual([]);
    expect(transport.sent).toEqual([]);
  });
});
