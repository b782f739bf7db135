// Proves the SSE routes in-process (Hono's app.request, no socket): the exact event lines the
// SDK parses, raw payloads, percent-decoded names with '/', auth, heartbeats, the MONITOR feed,
// that a closed connection drops its subscription at once, and that a stream over its backlog
// is disconnected with a logged reason.

import { describe, expect, test } from "bun:test";
import { Database } from "./engine/database.ts";
import { discardChanges } from "./engine/change-log.ts";
import { ManualClock } from "../util/clock.ts";
import { SeededRandom } from "../util/random.ts";
import { fieldsObject, type LogLevel } from "../util/log.ts";
import { createPubSubRoutes, type PubSubRoutesDeps } from "./pubsub-routes.ts";
import { brokerOf } from "./pubsub.ts";

const token = "pubsub-test-token-0123456789";
const readOnlyToken = "pubsub-test-token-read-only";

function setup(options: Partial<PubSubRoutesDeps> = {}) {
  const database = new Database("test", new ManualClock(), new SeededRandom(1), discardChanges);
  const logged: { level: LogLevel; event: string; fields?: Record<string, unknown> }[] = [];
  const app = createPubSubRoutes({
    authenticate: (given) => (given === token ? { database, readOnly: false } : given === readOnlyToken ? { database, readOnly: true } : undefined),
    log: { log: (level, event, fields) => logged.push({ level, event, fields: fieldsObject(fields) }) },
    ...options,
  });
  return { app, database, broker: brokerOf(database), logged };
}

async function open(app: ReturnType<typeof setup>["app"], path: string, controller = new AbortController()) {
  const response = await app.request(path, { method: "POST", body: "[]", headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  return {
    response,
    controller,
    async next(): Promise<string> {
      const { value } = await reader.read();
      return decoder.decode(value);
    },
    cancel: () => reader.cancel(),
  };
}

describe("/subscribe", () => {
  test("confirms, then streams raw messages as data lines", async () => {
    const { app, broker } = setup();
    const stream = await open(app, "/subscribe/chat");
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream");
    expect(await stream.next()).toBe("data: subscribe,chat,1\n\n");
    expect(broker.publish("chat", '{"a":1},x')).toBe(1);
    expect(await stream.next()).toBe('data: message,chat,{"a":1},x\n\n');
    broker.publish("chat", "w\xc3\xb6rld");
    expect(await stream.next()).toBe("data: message,chat,wörld\n\n");
    await stream.cancel();
  });

  test("the channel is everything after the prefix, percent-decoded, '/' kept", async () => {
    const { app, broker } = setup();
    const stream = await open(app, "/subscribe/chan%201/x");
    expect(await stream.next()).toBe("data: subscribe,chan 1/x,1\n\n");
    expect(broker.subscriberCount("chan 1/x")).toBe(1);
    await stream.cancel();
  });

  test("a closed connection drops the subscription at once", async () => {
    const { app, broker } = setup();
    const stream = await open(app, "/subscribe/gone");
    await stream.next();
    expect(broker.subscriberCount("gone")).toBe(1);
    stream.controller.abort();
    expect(broker.subscriberCount("gone")).toBe(0);
    expect(broker.publish("gone", "m")).toBe(0);
  });

  test("no token: a JSON 401", async () => {
    const { app } = setup();
    const response = await app.request("/subscribe/x", { method: "POST" });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "WRONGPASS invalid or missing auth token" });
  });

  test("idle streams get heartbeat comment lines", async () => {
    const { app } = setup({ heartbeatMs: 5 });
    const stream = await open(app, "/subscribe/quiet");
    await stream.next();
    expect(await stream.next()).toBe(": ping\n\n");
    await stream.cancel();
  });

  test("a subscriber that falls behind its backlog is disconnected with a logged reason", async () => {
    const { app, broker, logged } = setup({ backlogBytesMax: 1024 });
    const stream = await open(app, "/subscribe/firehose");
    await stream.next();
    let delivered = 0;
    for (let i = 0; i < 100 && broker.subscriberCount("firehose") > 0; i++) delivered += broker.publish("firehose", "x".repeat(100));
    expect(broker.subscriberCount("firehose")).toBe(0);
    expect(delivered).toBeLessThan(100);
    expect(logged).toEqual([{ level: "warn", event: "subscriber_dropped", fields: { kind: "subscribe", reason: "backlog_full" } }]);
  });
});

describe("/psubscribe", () => {
  test("confirms, then streams pmessage lines", async () => {
    const { app, broker } = setup();
    const stream = await open(app, "/psubscribe/news.*");
    expect(await stream.next()).toBe("data: psubscribe,news.*,1\n\n");
    expect(broker.patternCount()).toBe(1);
    broker.publish("news.tech", '"hi"');
    expect(await stream.next()).toBe('data: pmessage,news.*,news.tech,"hi"\n\n');
    stream.controller.abort();
    expect(broker.patternCount()).toBe(0);
  });
});

describe("/monitor", () => {
  test("starts with OK, then one line per command fed", async () => {
    const { app, broker } = setup();
    const stream = await open(app, "/monitor");
    expect(await stream.next()).toBe('data: "OK"\n\n');
    broker.feedMonitors(["GET", "k"], 1_721_284_005_242);
    expect(await stream.next()).toBe('data: 1721284005.242000 [0 0.0.0.0:0] "GET" "k"\n\n');
    stream.controller.abort();
    expect(broker.hasMonitors).toBe(false);
  });

  test("is refused to the read-only token; subscribing is not", async () => {
    const { app } = setup();
    const monitor = await app.request("/monitor", { method: "POST", headers: { authorization: `Bearer ${readOnlyToken}` } });
    expect(monitor.status).toBe(400);
    expect(await monitor.json()).toEqual({ error: "NOPERM this user has no permissions to run the 'monitor' command or its subcommand" });
    const controller = new AbortController();
    const subscribe = await app.request("/subscribe/x", { method: "POST", headers: { authorization: `Bearer ${readOnlyToken}` }, signal: controller.signal });
    expect(subscribe.status).toBe(200);
    controller.abort();
  });
});
