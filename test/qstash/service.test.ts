// Proves the QStash state machine end to end without sockets or sleeps: publish, attempts,
// retries with their timing, DLQ, callbacks, queues, flow control, cancel, dedup, schedules and
// restart, driven by a ManualClock and a fake transport that answers each attempt.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/util/clock.ts";
import { ApiError } from "../../src/qstash/api-error.ts";
import { QStashStore } from "../../src/qstash/store.ts";
import { body, createTestService, headers, jobHeader, statesOf } from "./service-harness.ts";

const url = "http://receiver.test/hook";

async function publish(t: ReturnType<typeof createTestService>, extra: Record<string, string> = {}, destination = url, queueName?: string) {
  const result = await t.service.publish({ destination, headers: headers(extra), body: body("payload"), callerIp: "10.1.2.3", queueName });
  return result.body as { messageId: string; url: string; deduplicated?: boolean };
}

describe("publish and deliver", () => {
  test("a 2xx delivers: CREATED, ACTIVE, DELIVERED, with the delivery headers of spec §4.1", async () => {
    const t = createTestService();
    const { messageId } = await publish(t, { "upstash-forward-x-custom": "abc", "content-type": "text/plain", "upstash-method": "PUT" });
    const job = t.transport.answerOnly({ status: 204 });
    expect(job.method).toBe("PUT");
    expect(job.url).toBe(url);
    expect(new TextDecoder().decode(job.body!)).toBe("payload");
    expect(Object.fromEntries(job.headers)).toEqual({
      "X-Custom": "abc",
      "Content-Type": "text/plain",
      "User-Agent": "Upstash-QStash",
      "Upstash-Message-Id": messageId,
      "Upstash-Retried": "0",
      "Upstash-Caller-Ip": "10.1.2.3",
    });
    expect(job.signingKey).toBe("sig_current_key_for_tests");
    expect(statesOf(t.service, messageId)).toEqual(["CREATED", "ACTIVE", "DELIVERED"]);
  });

  test("GET carries no body", async () => {
    const t = createTestService();
    await publish(t, { "upstash-method": "GET" });
    expect(t.transport.answerOnly({ status: 200 }).body).toBeNull();
  });

  test("a finished message stays readable for the grace period, then 404s", async () => {
    const t = createTestService({ limits: { finishedGraceMs: 1000 } });
    const { messageId } = await publish(t);
    t.transport.answerOnly({ status: 200 });
    expect(t.service.getMessage(messageId)).toMatchObject({ messageId, url, body: "payload", maxRetries: 3, callerIP: "10.1.2.3" });
    t.clock.advance(1001);
    expect(() => t.service.getMessage(messageId)).toThrow(ApiError);
  });

  test("delay and not-before hold the first attempt until due; not-before wins", async () => {
    const t = createTestService();
    await publish(t, { "upstash-delay": "2s" });
    const notBeforeS = Math.floor(t.clock.nowMs() / 1000) + 5;
    await publish(t, { "upstash-delay": "1s", "upstash-not-before": String(notBeforeS) });
    t.service.tick();
    expect(t.transport.sent).toHaveLength(0);
    t.clock.advance(2000);
    t.service.tick();
    expect(t.transport.sent).toHaveLength(1);
    t.clock.set(notBeforeS * 1000 - 1);
    t.service.tick();
    expect(t.transport.sent).toHaveLength(1);
    t.clock.set(notBeforeS * 1000);
    t.service.tick();
    expect(t.transport.sent).toHaveLength(2);
  });

  test("no more attempts than the concurrency limit are in flight", async () => {
    const t = createTestService({ limits: { concurrency: 2 } });
    for (let i = 0; i < 5; i++) await publish(t);
    expect(t.transport.inFlight()).toHaveLength(2);
    expect(t.service.globalParallelism()).toEqual({ parallelismMax: 2, parallelismCount: 2 });
    t.transport.answer(t.transport.inFlight()[0]!, { status: 200 });
    expect(t.transport.inFlight()).toHaveLength(2);
    expect(t.transport.sent).toHaveLength(3);
  });
});

describe("retries", () => {
  test("a retry-delay expression times each retry; retries exhausted land in the DLQ", async () => {
    const t = createTestService();
    const { messageId } = await publish(t, { "upstash-retries": "2", "upstash-retry-delay": "1000 * (1 + retried)" });
    t.transport.answerOnly({ status: 500, body: body("boom"), headers: [["x-reason", "db"]] });
    t.clock.advance(999);
    t.service.tick();
    expect(t.transport.inFlight()).toHaveLength(0);
    t.clock.advance(1);
    t.service.tick();
    expect(jobHeader(t.transport.answerOnly({ status: 502 }), "Upstash-Retried")).toBe("1");
    t.clock.advance(1999);
    t.service.tick();
    expect(t.transport.inFlight()).toHaveLength(0);
    t.clock.advance(1);
    t.service.tick();
    expect(jobHeader(t.transport.answerOnly({ status: 503, body: body("last") }), "Upstash-Retried")).toBe("2");
    expect(statesOf(t.service, messageId)).toEqual(["CREATED", "ACTIVE", "ERROR", "RETRY", "ACTIVE", "ERROR", "RETRY", "ACTIVE", "ERROR", "FAILED"]);
    const dlq = t.service.listDlq({}, undefined, 10);
    expect(dlq.cursor).toBeUndefined();
    expect(dlq.messages).toEqual([
      expect.objectContaining({ messageId, url, responseStatus: 503, responseBody: "last", maxRetries: 2, retryDelayExpression: "1000 * (1 + retried)" }),
    ]);
  });

  test("without an expression the default backoff is e^(2.5n) seconds", async () => {
    const t = createTestService();
    await publish(t);
    t.transport.answerOnly({ status: 500 });
    t.clock.advance(12_181);
    t.service.tick();
    expect(t.transport.inFlight()).toHaveLength(0);
    t.clock.advance(1);
    t.service.tick();
    expect(t.transport.inFlight()).toHaveLength(1);
  });

  test("Retry-After sets the next attempt", async () => {
    const t = createTestService();
    await publish(t, { "upstash-retry-delay": "60000" });
    t.transport.answerOnly({ status: 429, headers: [["retry-after", "3"]] });
    t.clock.advance(3000);
    t.service.tick();
    expect(t.transport.inFlight()).toHaveLength(1);
  });

  test("489 with Upstash-NonRetryable-Error fails at once", async () => {
    const t = createTestService();
    const { messageId } = await publish(t, { "upstash-retries": "5" });
    t.transport.answerOnly({ status: 489, headers: [["upstash-nonretryable-error", "true"]] });
    expect(statesOf(t.service, messageId)).toEqual(["CREATED", "ACTIVE", "ERROR", "FAILED"]);
    expect(t.service.listDlq({}, undefined, 10).messages).toHaveLength(1);
  });

  test("a connection error is a failed attempt with its error text in the log", async () => {
    const t = createTestService();
    const { messageId } = await publish(t, { "upstash-retries": "0" });
    t.transport.answerOnly({ status: 0, error: "unable to send request: connection refused" });
    const failed = t.service.listEvents({ messageId: [messageId], state: ["FAILED"] }, undefined, 10).events[0];
    expect(failed).toMatchObject({ state: "FAILED", error: "unable to send request: connection refused", responseStatus: 0 });
  });

  test("DLQ retry republishes with the same body and settings, overridden by the request's headers", async () => {
    const t = createTestService();
    await publish(t, { "upstash-retries": "0", "upstash-forward-x-a": "1" });
    t.transport.answerOnly({ status: 500 });
    const { responses } = await t.service.retryDlq({}, undefined, 100, headers({ "upstash-retries": "4" }), "10.9.9.9");
    expect(responses).toHaveLength(1);
    expect(t.service.listDlq({}, undefined, 10).messages).toEqual([]);
    const job = t.transport.answerOnly({ status: 200 });
    expect(jobHeader(job, "X-A")).toBe("1");
    expect(t.service.getMessage(responses[0]!.messageId)).toMatchObject({ maxRetries: 4, callerIP: "10.9.9.9" });
  });
});

describe("callbacks", () => {
  test("a callback follows every attempt; the failure callback follows the last, with the dlqId", async () => {
    const t = createTestService();
    const { messageId } = await publish(t, {
      "upstash-retries": "1",
      "upstash-retry-delay": "10",
      "upstash-callback": "http://receiver.test/callback",
      "upstash-callback-forward-x-cb": "yes",
      "upstash-failure-callback": "http://receiver.test/failure",
    });
    t.transport.answerOnly({ status: 500, body: body("first") });
    const callback = t.transport.answerOnly({ status: 200 });
    expect(callback.url).toBe("http://receiver.test/callback");
    expect(jobHeader(callback, "X-Cb")).toBe("yes");
    expect(JSON.parse(new TextDecoder().decode(callback.body!))).toEqual({
      status: 500,
      header: {},
      body: Buffer.from("first").toString("base64"),
      retried: 0,
      maxRetries: 1,
      sourceMessageId: messageId,
      url,
      method: "POST",
      sourceHeader: {},
      sourceBody: Buffer.from("payload").toString("base64"),
      notBefore: 1_700_000_000_000,
      createdAt: 1_700_000_000_000,
      callerIP: "10.1.2.3",
    });
    t.clock.advance(10);
    t.service.tick();
    t.transport.answerOnly({ status: 500, body: body("second") });
    const [lastCallback, failure] = t.transport.inFlight();
    expect(JSON.parse(new TextDecoder().decode(lastCallback!.body!))).toMatchObject({ retried: 1, maxRetries: 1 });
    const failurePayload = JSON.parse(new TextDecoder().decode(failure!.body!));
    expect(failure!.url).toBe("http://receiver.test/failure");
    expect(failurePayload).toMatchObject({ status: 500, body: Buffer.from("second").toString("base64"), sourceMessageId: messageId });
    expect(failurePayload.dlqId).toMatch(/^\d+-\d+$/);
  });
});

describe("queues", () => {
  test("parallelism 1 delivers strictly one at a time in publish order, callbacks included", async () => {
    const t = createTestService();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await publish(t, i === 0 ? { "upstash-callback": "http://receiver.test/cb" } : {}, url, "orders")).messageId);
    expect(t.service.getQueue("orders")).toMatchObject({ name: "orders", parallelism: 1, lag: 3, paused: false });
    expect(jobHeader(t.transport.answerOnly({ status: 200 }), "Upstash-Message-Id")).toBe(ids[0]);
    // The first message's callback holds the slot.
    expect(t.transport.answerOnly({ status: 200 }).url).toBe("http://receiver.test/cb");
    expect(jobHeader(t.transport.answerOnly({ status: 500 }), "Upstash-Message-Id")).toBe(ids[1]);
    t.clock.advance(60_000);
    t.service.tick();
    expect(jobHeader(t.transport.answerOnly({ status: 200 }), "Upstash-Message-Id")).toBe(ids[1]);
    expect(jobHeader(t.transport.answerOnly({ status: 200 }), "Upstash-Message-Id")).toBe(ids[2]);
    expect(t.service.getQueue("orders")).toMatchObject({ lag: 0 });
  });

  test("a paused queue accepts messages and starts none until resumed; parallelism 2 runs two", async () => {
    const t = createTestService();
    t.service.upsertQueue({ queueName: "jobs", parallelism: 2, paused: true });
    for (let i = 0; i < 3; i++) await publish(t, {}, url, "jobs");
    expect(t.transport.inFlight()).toHaveLength(0);
    t.service.setQueuePaused("jobs", false);
    expect(t.transport.inFlight()).toHaveLength(2);
  });
});

describe("flow control", () => {
  test("parallelism limits attempts per key across URLs; the rest wait in order", async () => {
    const t = createTestService();
    const fc = { "upstash-flow-control-key": "tenant-1", "upstash-flow-control-value": "parallelism=1" };
    await publish(t, fc, "http://a.test/");
    await publish(t, fc, "http://b.test/");
    expect(t.transport.inFlight().map((job) => job.url)).toEqual(["http://a.test/"]);
    expect(t.service.getFlowControl("tenant-1")).toMatchObject({ waitListSize: 1, parallelismMax: 1, parallelismCount: 1 });
    t.transport.answerOnly({ status: 200 });
    expect(t.transport.inFlight().map((job) => job.url)).toEqual(["http://b.test/"]);
  });

  test("rate limits starts per period; pause holds the waitlist", async () => {
    const t = createTestService();
    const fc = { "upstash-flow-control-key": "k", "upstash-flow-control-value": "rate=2, period=1s" };
    for (let i = 0; i < 3; i++) await publish(t, fc);
    expect(t.transport.sent).toHaveLength(2);
    t.clock.advance(1000);
    t.service.tick();
    expect(t.transport.sent).toHaveLength(3);
    t.service.updateFlowControl("k", (entry) => (entry.config.paused = true));
    await publish(t, fc);
    t.clock.advance(5000);
    t.service.tick();
    expect(t.transport.sent).toHaveLength(3);
    t.service.updateFlowControl("k", (entry) => (entry.config.paused = false));
    expect(t.transport.sent).toHaveLength(4);
  });
});

describe("cancel", () => {
  test("a waiting message is cancelled at once; an attempt in flight finishes as CANCELLED unless it delivers", async () => {
    const t = createTestService();
    const waiting = await publish(t, { "upstash-delay": "1m" });
    const active = await publish(t);
    expect(t.service.cancelMessage(waiting.messageId)).toEqual({ cancelled: 1 });
    expect(statesOf(t.service, waiting.messageId)).toEqual(["CREATED", "CANCEL_REQUESTED", "CANCELLED"]);
    t.service.cancelMessage(active.messageId);
    t.transport.answerOnly({ status: 500 });
    expect(statesOf(t.service, active.messageId)).toEqual(["CREATED", "ACTIVE", "CANCEL_REQUESTED", "CANCELLED"]);
    expect(() => t.service.cancelMessage(active.messageId)).toThrow("not found");
  });

  test("bulk cancel by filter takes every match", async () => {
    const t = createTestService();
    await publish(t, { "upstash-delay": "1m", "upstash-label": "a" });
    await publish(t, { "upstash-delay": "1m", "upstash-label": "a,b" });
    await publish(t, { "upstash-delay": "1m", "upstash-label": "c" });
    expect(t.service.cancelMessages({ label: ["a"] })).toEqual({ cancelled: 2 });
    expect(t.service.cancelMessages({})).toEqual({ cancelled: 1 });
  });
});

describe("deduplication", () => {
  test("a repeated deduplication id or content answers the first message id with 202", async () => {
    const t = createTestService();
    const first = await t.service.publish({ destination: url, headers: headers({ "upstash-deduplication-id": "d1" }), body: body("x"), callerIp: "" });
    const second = await t.service.publish({ destination: url, headers: headers({ "upstash-deduplication-id": "d1" }), body: body("y"), callerIp: "" });
    expect(second).toEqual({ status: 202, body: { messageId: (first.body as { messageId: string }).messageId, url, deduplicated: true } });
    const content = headers({ "upstash-content-based-deduplication": "true" });
    const a = await t.service.publish({ destination: url, headers: content, body: body("same"), callerIp: "" });
    const b = await t.service.publish({ destination: url, headers: content, body: body("same"), callerIp: "" });
    const c = await t.service.publish({ destination: url, headers: content, body: body("other"), callerIp: "" });
    expect((b.body as { messageId: string }).messageId).toBe((a.body as { messageId: string }).messageId);
    expect(c.status).toBe(200);
    t.clock.advance(10 * 60_000);
    expect((await t.service.publish({ destination: url, headers: content, body: body("same"), callerIp: "" })).status).toBe(200);
  });
});

describe("URL groups", () => {
  test("a publish fans out to every endpoint, each delivery naming the group", async () => {
    const t = createTestService();
    t.service.addEndpoints("fanout", [{ url: "http://a.test/" }, { name: "b", url: "http://b.test/" }]);
    const result = await t.service.publish({ destination: "fanout", headers: [], body: body("x"), callerIp: "" });
    expect((result.body as { url: string }[]).map((r) => r.url)).toEqual(["http://a.test/", "http://b.test/"]);
    expect(t.transport.inFlight().map((job) => jobHeader(job, "Upstash-Topic-Name"))).toEqual(["fanout", "fanout"]);
    t.service.removeEndpoints("fanout", [{ url: "http://a.test/" }, { name: "b" } as never]);
    expect(() => t.service.getUrlGroup("fanout")).toThrow("not found");
    await expect(t.service.publish({ destination: "fanout", headers: [], body: body("x"), callerIp: "" })).rejects.toThrow("url group fanout not found");
  });
});

describe("schedules", () => {
  test("fire on the cron with the injected clock, pause and resume; each firing is a normal message", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 10, 2, 30));
    const t = createTestService({ clock });
    const { scheduleId } = await t.service.createSchedule({
      destination: url,
      headers: headers({ "upstash-cron": "*/5 * * * *", "upstash-schedule-id": "every-5" }),
      body: body("tick"),
      callerIp: "",
    });
    expect(scheduleId).toBe("every-5");
    expect(t.service.getSchedule("every-5")).toMatchObject({ cron: "*/5 * * * *", nextScheduleTime: Date.UTC(2026, 0, 1, 10, 5), isPaused: false });
    clock.set(Date.UTC(2026, 0, 1, 10, 4, 59));
    t.service.tick();
    expect(t.transport.sent).toHaveLength(0);
    clock.set(Date.UTC(2026, 0, 1, 10, 5));
    t.service.tick();
    const job = t.transport.answerOnly({ status: 200 });
    expect(jobHeader(job, "Upstash-Schedule-Id")).toBe("every-5");
    expect(new TextDecoder().decode(job.body!)).toBe("tick");
    const fired = t.service.getSchedule("every-5") as { lastScheduleTime: number; nextScheduleTime: number; lastScheduleStates: Record<string, string> };
    expect(fired.lastScheduleTime).toBe(Date.UTC(2026, 0, 1, 10, 5));
    expect(fired.nextScheduleTime).toBe(Date.UTC(2026, 0, 1, 10, 10));
    expect(Object.values(fired.lastScheduleStates)).toEqual(["SUCCESS"]);

    t.service.setSchedulePaused("every-5", true);
    clock.set(Date.UTC(2026, 0, 1, 10, 20));
    t.service.tick();
    expect(t.transport.sent).toHaveLength(1);
    t.service.setSchedulePaused("every-5", false);
    expect(t.service.getSchedule("every-5")).toMatchObject({ nextScheduleTime: Date.UTC(2026, 0, 1, 10, 25) });
  });

  test("CRON_TZ selects the zone", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0));
    const t = createTestService({ clock });
    await t.service.createSchedule({ destination: url, headers: headers({ "upstash-cron": "CRON_TZ=America/New_York 0 9 * * *", "upstash-schedule-id": "ny" }), body: body(""), callerIp: "" });
    expect(t.service.getSchedule("ny")).toMatchObject({ nextScheduleTime: Date.UTC(2026, 0, 1, 14, 0) });
  });

  test("a bad cron creates nothing", async () => {
    const t = createTestService();
    await expect(t.service.createSchedule({ destination: url, headers: headers({ "upstash-cron": "* * * * * *" }), body: body(""), callerIp: "" })).rejects.toThrow("invalid cron");
    expect(t.service.listSchedules()).toEqual([]);
  });
});

describe("restart", () => {
  test("unfinished messages resume from the store: cut-off attempts are made again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qstash-restart-"));
    try {
      const clock = new ManualClock();
      const path = join(dir, "qstash.sqlite");
      const first = createTestService({ store: QStashStore.open(path), clock });
      const active = await publish(first);
      const delayed = await publish(first, { "upstash-delay": "10s" });
      const delivered = await publish(first);
      first.transport.answer(first.transport.inFlight()[1]!, { status: 200 });
      expect(first.transport.inFlight()).toHaveLength(1);
      first.store.close();

      const second = createTestService({ store: QStashStore.open(path), clock });
      expect(jobHeader(second.transport.answerOnly({ status: 200 }), "Upstash-Message-Id")).toBe(active.messageId);
      clock.advance(10_000);
      second.service.tick();
      expect(jobHeader(second.transport.answerOnly({ status: 200 }), "Upstash-Message-Id")).toBe(delayed.messageId);
      expect(statesOf(second.service, active.messageId)).toEqual(["CREATED", "ACTIVE", "ERROR", "RETRY", "ACTIVE", "DELIVERED"]);
      expect(statesOf(second.service, delivered.messageId)).toEqual(["CREATED", "ACTIVE", "DELIVERED"]);
      second.store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("retention", () => {
  test("events, finished messages and DLQ entries past their retention are purged", async () => {
    const t = createTestService({ limits: { eventRetentionMs: 60_000, dlqRetentionMs: 120_000 } });
    const { messageId } = await publish(t, { "upstash-retries": "0" });
    t.transport.answerOnly({ status: 500 });
    t.clock.advance(60_001);
    t.service.tick();
    expect(statesOf(t.service, messageId)).toEqual([]);
    expect(t.service.listDlq({}, undefined, 10).messages).toHaveLength(1);
    t.clock.advance(60_000);
    t.service.tick();
    expect(t.service.listDlq({}, undefined, 10).messages).toHaveLength(0);
  });
});

describe("bad input", () => {
  test("each is a 400 or 404 with nothing created", async () => {
    const t = createTestService({ limits: { maxMessageBytes: 4 } });
    const attempt = (destination: string, extra: Record<string, string>, payload = "ok") =>
      t.service.publish({ destination, headers: headers(extra), body: body(payload), callerIp: "" }).then(
        () => "published",
        (error: ApiError) => `${error.status} ${error.message}`,
      );
    expect(await attempt(url, {}, "too large")).toBe("413 message size exceeds the limit of 4 bytes");
    expect(await attempt("ftp://x/", {})).toBe("400 invalid destination \"ftp://x/\": use an http(s) URL or a URL group name");
    expect(await attempt("http://", {})).toStartWith("400 invalid destination url");
    expect(await attempt(url, { "upstash-delay": "soon" })).toStartWith("400 invalid Upstash-Delay");
    expect(await attempt(url, { "upstash-retry-delay": "eval(1)" })).toStartWith("400 invalid Upstash-Retry-Delay");
    expect(await attempt(url, { "upstash-retries": "-1" })).toStartWith("400 invalid Upstash-Retries");
    expect(await attempt(url, { "upstash-callback": "not a url" })).toStartWith("400 invalid Upstash-Callback");
    expect(await attempt("no-such-group", {})).toBe("404 url group no-such-group not found");
    expect(t.service.stats().pending).toBe(0);
    expect(t.service.listEvents({}, undefined, 10).events).toEqual([]);
  });
});
