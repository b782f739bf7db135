// Proves QStash end to end: the real server (spawned), the official @upstash/qstash Client, and
// real local receivers whose every delivery must verify with the official Receiver. Covers
// publish shapes, delays, retries, DLQ, callbacks, timeouts, dedup, URL groups, queues, batch,
// cancel, logs, schedules, key rotation and the API's errors.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client, QstashError } from "@upstash/qstash";
import { startServer, type TestServer } from "../harness/server.ts";
import { waitFor } from "../harness/wait.ts";
import { startReceiver, type TestReceiver } from "./receiver.ts";

let server: TestServer;
let receiver: TestReceiver;
let client: Client;
let scheduleId: string;
let scheduleCreatedAtMs: number;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${server.qstash.token}`, ...(init.headers ?? {}) } });

beforeAll(async () => {
  server = await startServer();
  receiver = startReceiver({ currentSigningKey: server.qstash.currentSigningKey, nextSigningKey: server.qstash.nextSigningKey });
  client = new Client({ baseUrl: server.url, token: server.qstash.token, enableTelemetry: false });
  // Created first so its firing at the next minute overlaps the other tests (checked last).
  scheduleCreatedAtMs = Date.now();
  ({ scheduleId } = await client.schedules.create({ destination: `${receiver.url}/scheduled`, cron: "* * * * *", body: "from cron" }));
});

afterAll(async () => {
  receiver[Symbol.dispose]();
  await server[Symbol.asyncDispose]();
});

describe("publish", () => {
  test("JSON and raw bodies, forwarded headers and methods arrive signed for their exact URL", async () => {
    const json = await client.publishJSON({ url: `${receiver.url}/json?x=1&y=two`, body: { hello: "world" }, headers: { "X-Custom": "abc" } });
    expect(json).toEqual({ messageId: expect.stringMatching(/^msg_/), url: `${receiver.url}/json?x=1&y=two` });
    await client.publish({ url: `${receiver.url}/raw`, body: "plain \u00e9 text", method: "PUT", headers: { "content-type": "text/plain" } });
    await client.publish({ url: `${receiver.url}/get`, method: "GET" });
    await waitFor(() => receiver.to("/json").length + receiver.to("/raw").length + receiver.to("/get").length === 3, "three deliveries");

    const [delivered] = receiver.to("/json");
    expect(delivered).toMatchObject({ method: "POST", url: `${receiver.url}/json?x=1&y=two`, body: '{"hello":"world"}', verified: true });
    expect(delivered!.headers).toMatchObject({
      "content-type": "application/json",
      "x-custom": "abc",
      "user-agent": "Upstash-QStash",
      "upstash-message-id": json.messageId,
      "upstash-retried": "0",
      "upstash-caller-ip": "127.0.0.1",
    });
    expect(delivered!.headers["upstash-telemetry-sdk"]).toBeUndefined();
    expect(receiver.to("/raw")[0]).toMatchObject({ method: "PUT", body: "plain \u00e9 text", verified: true });
    expect(receiver.to("/get")[0]).toMatchObject({ method: "GET", body: "", verified: true });

    const message = await client.messages.get(json.messageId);
    expect(message).toMatchObject({ messageId: json.messageId, url: json.url, method: "POST", body: '{"hello":"world"}', header: { "Content-Type": ["application/json"], "X-Custom": ["abc"] } });
  });

  test("delay and not-before hold delivery until due", async () => {
    const publishedAtMs = Date.now();
    await client.publish({ url: `${receiver.url}/delayed`, body: "d", delay: 1 });
    await client.publish({ url: `${receiver.url}/not-before`, body: "n", notBefore: Math.ceil((publishedAtMs + 1500) / 1000) });
    await waitFor(() => receiver.to("/delayed").length === 1 && receiver.to("/not-before").length === 1, "delayed deliveries");
    expect(receiver.to("/delayed")[0]!.receivedAtMs - publishedAtMs).toBeGreaterThanOrEqual(1000);
    expect(receiver.to("/not-before")[0]!.receivedAtMs).toBeGreaterThanOrEqual(Math.ceil((publishedAtMs + 1500) / 1000) * 1000);
  });

  test("a receiver failing 3 times then succeeding gets exactly 4 attempts, with growing gaps", async () => {
    receiver.on("/flaky", (_request, _delivery, count) => new Response("no", { status: count <= 3 ? 500 : 200 }));
    const { messageId } = await client.publish({ url: `${receiver.url}/flaky`, body: "f", retries: 5, retryDelay: "200 * (1 + retried)" });
    await waitFor(() => receiver.to("/flaky").length === 4, "four attempts");
    await waitFor(async () => (await client.logs({ filter: { messageId } } as never)).logs.some((log) => log.state === "DELIVERED"), "DELIVERED in the log");
    const attempts = receiver.to("/flaky");
    expect(attempts.map((a) => a.headers["upstash-retried"])).toEqual(["0", "1", "2", "3"]);
    expect(attempts.every((a) => a.verified === true)).toBe(true);
    const gaps = attempts.slice(1).map((a, i) => a.receivedAtMs - attempts[i]!.receivedAtMs);
    [200, 400, 600].forEach((minimum, i) => expect(gaps[i]!).toBeGreaterThanOrEqual(minimum - 20));
    expect(receiver.to("/flaky")).toHaveLength(4);
  });

  test("a receiver failing forever lands in the DLQ with a failure callback; DLQ retry redelivers", async () => {
    receiver.on("/broken", () => new Response("still broken", { status: 503, headers: { "x-why": "maintenance" } }));
    const { messageId } = await client.publish({
      url: `${receiver.url}/broken`,
      body: "b",
      retries: 1,
      retryDelay: "100",
      failureCallback: `${receiver.url}/failure`,
    });
    await waitFor(() => receiver.to("/failure").length === 1, "the failure callback");
    const failure = receiver.to("/failure")[0]!;
    expect(failure.verified).toBe(true);
    const payload = JSON.parse(failure.body);
    // Read before toMatchObject: Bun's matcher writes its asymmetric matchers into the object it checks.
    const dlqId = payload.dlqId as string;
    expect(payload).toMatchObject({
      status: 503,
      body: Buffer.from("still broken").toString("base64"),
      retried: 1,
      maxRetries: 1,
      sourceMessageId: messageId,
      url: `${receiver.url}/broken`,
      method: "POST",
      sourceBody: Buffer.from("b").toString("base64"),
      dlqId: expect.stringMatching(/^\d+-\d+$/),
    });
    expect(payload.header["X-Why"]).toEqual(["maintenance"]);

    const dlq = await client.dlq.listMessages({ filter: { url: `${receiver.url}/broken` } });
    expect(dlq.cursor).toBeUndefined();
    expect(dlq.messages).toEqual([expect.objectContaining({ messageId, dlqId, responseStatus: 503, responseBody: "still broken", body: "b" })]);

    receiver.on("/broken", () => new Response("fixed"));
    const retried = await client.dlq.retry(dlqId);
    expect(retried).toEqual({ responses: [{ messageId: expect.stringMatching(/^msg_/) }], cursor: undefined });
    await waitFor(() => receiver.to("/broken").length === 3, "the redelivery");
    expect((await client.dlq.listMessages({ filter: { url: `${receiver.url}/broken` } })).messages).toEqual([]);
    await expect(client.dlq.delete(dlqId)).rejects.toThrow(QstashError);
  });

  test("callbacks after each attempt carry the documented body", async () => {
    const { messageId } = await client.publish({ url: `${receiver.url}/with-callback`, body: "c", callback: `${receiver.url}/callback`, headers: { "X-Trace": "t1" } });
    await waitFor(() => receiver.to("/callback").length === 1, "the callback");
    const callback = receiver.to("/callback")[0]!;
    expect(callback.verified).toBe(true);
    expect(JSON.parse(callback.body)).toEqual({
      status: 200,
      header: expect.objectContaining({ "Content-Type": ["text/plain;charset=utf-8"] }),
      body: Buffer.from("ok").toString("base64"),
      retried: 0,
      maxRetries: 3,
      sourceMessageId: messageId,
      url: `${receiver.url}/with-callback`,
      method: "POST",
      sourceHeader: { "X-Trace": ["t1"] },
      sourceBody: Buffer.from("c").toString("base64"),
      notBefore: expect.any(Number),
      createdAt: expect.any(Number),
      callerIP: "127.0.0.1",
    });
  });

  test("a timeout counts as a failed attempt", async () => {
    receiver.on("/slow", (request) => new Promise((resolve) => request.signal.addEventListener("abort", () => resolve(new Response("late")))));
    const { messageId } = await client.publish({ url: `${receiver.url}/slow`, body: "s", timeout: 1, retries: 0 });
    await waitFor(async () => (await client.dlq.listMessages({ filter: { messageId } })).messages.length === 1, "the timed-out message in the DLQ");
    const failed = (await client.logs({ filter: { messageId, state: "FAILED" } } as never)).logs[0];
    expect(failed?.error).toContain("context deadline exceeded");
  });

  test("deduplication drops the duplicate", async () => {
    const first = await client.publish({ url: `${receiver.url}/dedup`, body: "1", deduplicationId: "once", delay: 1 });
    const second = await client.publish({ url: `${receiver.url}/dedup`, body: "2", deduplicationId: "once" });
    expect(second).toEqual({ messageId: first.messageId, url: first.url, deduplicated: true });
    await waitFor(() => receiver.to("/dedup").length === 1, "one delivery");
    expect(receiver.to("/dedup")[0]!.body).toBe("1");
  });
});

describe("URL groups", () => {
  test("a publish fans out to every endpoint", async () => {
    await client.urlGroups.addEndpoints({ name: "fanout", endpoints: [{ url: `${receiver.url}/a` }, { name: "b", url: `${receiver.url}/b` }] });
    expect(await client.urlGroups.get("fanout")).toMatchObject({ name: "fanout", endpoints: [{ url: `${receiver.url}/a` }, { name: "b", url: `${receiver.url}/b` }] });
    const result = await client.publishJSON({ urlGroup: "fanout", body: { n: 1 } });
    expect(result.map((r) => r.url)).toEqual([`${receiver.url}/a`, `${receiver.url}/b`]);
    await waitFor(() => receiver.to("/a").length === 1 && receiver.to("/b").length === 1, "both endpoints");
    expect(receiver.to("/b")[0]!.headers["upstash-topic-name"]).toBe("fanout");
    expect(receiver.to("/b")[0]!.verified).toBe(true);
    await client.urlGroups.removeEndpoints({ name: "fanout", endpoints: [{ url: `${receiver.url}/a` }] });
    expect((await client.urlGroups.list()).map((group) => group.endpoints.length)).toEqual([1]);
    await client.urlGroups.delete("fanout");
    await expect(client.urlGroups.get("fanout")).rejects.toThrow("url group fanout not found");
  });
});

describe("queues", () => {
  test("parallelism 1 delivers strictly one at a time, in order", async () => {
    let active = 0;
    let maxActive = 0;
    receiver.on("/fifo", async () => {
      maxActive = Math.max(maxActive, ++active);
      await new Promise((resolve) => setTimeout(resolve, 30));
      active--;
      return new Response("ok");
    });
    const queue = client.queue({ queueName: "fifo" });
    await queue.upsert({ parallelism: 1 });
    for (let i = 0; i < 5; i++) await queue.enqueue({ url: `${receiver.url}/fifo`, body: String(i) });
    await waitFor(() => receiver.to("/fifo").length === 5, "five deliveries");
    expect(receiver.to("/fifo").map((d) => d.body)).toEqual(["0", "1", "2", "3", "4"]);
    expect(maxActive).toBe(1);
    await waitFor(async () => (await queue.get()).lag === 0, "the last outcome to be recorded");
    expect(await queue.get()).toMatchObject({ name: "fifo", parallelism: 1, paused: false, lag: 0 });
    await queue.pause();
    expect((await client.queue().list()).find((q) => q.name === "fifo")?.paused).toBe(true);
    await queue.delete();
    await expect(queue.get()).rejects.toThrow("queue fifo not found");
  });
});

describe("batch, cancel and logs", () => {
  test("batch publishes each item and reports a bad one in place", async () => {
    const results = await client.batchJSON([
      { url: `${receiver.url}/batch-1`, body: { i: 1 } },
      { url: `${receiver.url}/batch-2`, body: { i: 2 }, queueName: "batch-queue" },
      { url: "not a url", body: {} },
    ]);
    expect(results[0]).toMatchObject({ messageId: expect.stringMatching(/^msg_/) });
    expect(results[1]).toMatchObject({ messageId: expect.stringMatching(/^msg_/) });
    expect(results[2]).toEqual({ error: expect.stringContaining("invalid destination") } as never);
    await waitFor(() => receiver.to("/batch-1").length === 1 && receiver.to("/batch-2").length === 1, "batch deliveries");
    expect(receiver.to("/batch-2")[0]!.body).toBe('{"i":2}');
  });

  test("cancel stops a delayed message; the log shows every state it went through", async () => {
    const { messageId } = await client.publish({ url: `${receiver.url}/cancelled`, body: "x", delay: 60 });
    expect(await client.messages.cancel(messageId)).toEqual({ cancelled: 1 });
    await expect(client.messages.cancel(messageId)).rejects.toThrow(QstashError);
    const { logs, cursor } = await client.logs({ filter: { messageId } } as never);
    expect(cursor).toBeUndefined();
    expect(logs.map((log) => log.state)).toEqual(["CANCELLED", "CANCEL_REQUESTED", "CREATED"] as never);
    expect(receiver.to("/cancelled")).toEqual([]);
  });

  test("logs page with a cursor and filter by state", async () => {
    const first = await client.logs({ count: 2 });
    expect(first.logs).toHaveLength(2);
    expect(first.cursor).toBeString();
    const second = await client.logs({ count: 2, cursor: first.cursor });
    expect(second.logs[0]!.time).toBeLessThanOrEqual(first.logs[1]!.time);
    const delivered = await client.logs({ filter: { state: "DELIVERED" }, count: 1000 } as never);
    expect(delivered.logs.length).toBeGreaterThan(5);
    expect(new Set(delivered.logs.map((log) => log.state))).toEqual(new Set(["DELIVERED"]) as never);
    const aliased = (await (await api("/v2/logs?count=1")).json()) as { logs: unknown[] };
    expect(aliased.logs).toHaveLength(1);
  });
});

describe("signing keys", () => {
  test("rotation: deliveries verify for receivers holding the old pair and the new pair", async () => {
    const before = (await (await api("/v2/keys")).json()) as { current: string; next: string };
    expect(before).toEqual({ current: server.qstash.currentSigningKey, next: server.qstash.nextSigningKey });
    const rotated = (await (await api("/v2/keys/rotate", { method: "POST" })).json()) as { current: string; next: string };
    expect(rotated.current).toBe(before.next);
    await client.publish({ url: `${receiver.url}/after-rotation`, body: "r" });
    await waitFor(() => receiver.to("/after-rotation").length === 1, "a delivery after rotation");
    expect(receiver.to("/after-rotation")[0]!.verified).toBe(true);
    const { Receiver } = await import("@upstash/qstash");
    const delivery = receiver.to("/after-rotation")[0]!;
    const fresh = new Receiver({ currentSigningKey: rotated.current, nextSigningKey: rotated.next });
    expect(await fresh.verify({ signature: delivery.headers["upstash-signature"]!, body: delivery.body, url: delivery.url })).toBe(true);
  });
});

describe("errors", () => {
  test("wrong token, bad input and unknown names are JSON errors with the documented status", async () => {
    const wrong = new Client({ baseUrl: server.url, token: "wrong-token-xxxxxxxxxxxx", enableTelemetry: false });
    await expect(wrong.publish({ url: `${receiver.url}/never`, body: "x" })).rejects.toMatchObject({ status: 401 });
    const status = async (path: string, init?: RequestInit) => {
      const response = await api(path, init);
      return [response.status, ((await response.json()) as { error: string }).error];
    };
    expect(await status("/v2/publish/ftp://x", { method: "POST" })).toEqual([400, expect.stringContaining("invalid destination")]);
    expect(await status(`/v2/publish/${receiver.url}/x`, { method: "POST", body: "x".repeat(1024 * 1024 + 1) })).toEqual([413, "message size exceeds the limit of 1048576 bytes"]);
    expect(await status(`/v2/publish/${receiver.url}/x`, { method: "POST", headers: { "Upstash-Delay": "later" } })).toEqual([400, expect.stringContaining("invalid Upstash-Delay")]);
    expect(await status(`/v2/publish/${receiver.url}/x`, { method: "POST", headers: { "Upstash-Retry-Delay": "eval(1)" } })).toEqual([400, expect.stringContaining("invalid Upstash-Retry-Delay")]);
    expect(await status(`/v2/schedules/${receiver.url}/x`, { method: "POST", headers: { "Upstash-Cron": "* * * * * *" } })).toEqual([400, expect.stringContaining("invalid cron")]);
    expect(await status("/v2/publish/no-such-group", { method: "POST" })).toEqual([404, "url group no-such-group not found"]);
    expect(await status("/v2/schedules/scd_missing")).toEqual([404, "schedule scd_missing not found"]);
    expect(await status("/v2/queues/missing")).toEqual([404, "queue missing not found"]);
    expect(await status("/v2/messages/msg_missing")).toEqual([404, "message msg_missing not found"]);
    expect(await status("/v2/nothing-here")).toEqual([404, "not found"]);
    expect(receiver.to("/x")).toEqual([]);
  });
});

describe("schedules", () => {
  test("are listed, fire on their cron with the schedule id, pause and resume", async () => {
    const listed = await client.schedules.get(scheduleId);
    expect(listed).toMatchObject({ scheduleId, cron: "* * * * *", destination: `${receiver.url}/scheduled`, isPaused: false, body: "from cron" });
    // The first firing is at the minute boundary after creation; by the time this test runs, later
    // minutes may have passed (the file's other tests take a while), so the next one is any boundary after it.
    const firstFiringAtMs = Math.floor(scheduleCreatedAtMs / 60_000) * 60_000 + 60_000;
    expect(listed.nextScheduleTime! % 60_000).toBe(0);
    expect(listed.nextScheduleTime!).toBeGreaterThanOrEqual(firstFiringAtMs);
    await waitFor(() => receiver.to("/scheduled").length >= 1, "the scheduled firing", 75_000);
    const fired = receiver.to("/scheduled")[0]!;
    expect(fired).toMatchObject({ body: "from cron", verified: true });
    expect(fired.headers["upstash-schedule-id"]).toBe(scheduleId);
    expect(fired.receivedAtMs).toBeGreaterThanOrEqual(firstFiringAtMs);
    await client.schedules.pause({ schedule: scheduleId });
    expect((await client.schedules.get(scheduleId)).isPaused).toBe(true);
    await client.schedules.resume({ schedule: scheduleId });
    expect((await client.schedules.list()).map((s) => [s.scheduleId, s.isPaused])).toEqual([[scheduleId, false]]);
    await client.schedules.delete(scheduleId);
    expect(await client.schedules.list()).toEqual([]);
  }, 90_000);
});
