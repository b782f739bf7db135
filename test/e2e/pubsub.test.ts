// Proves pub/sub over SSE with the official @upstash/redis client against a spawned server:
// subscribe and psubscribe receive what another client publishes (JSON and text payloads,
// channel names with spaces and slashes), several channels on one subscriber, PUBLISH counts SSE
// receivers, unsubscribing (from all or one) drops the subscription at once, and /monitor streams
// the commands others run, transactions and scripts' own commands as redis-server shows them.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { startServerForFile } from "../harness/server.ts";
import { waitFor } from "../harness/wait.ts";

const server = startServerForFile();

const client = () => new Redis({ url: server().url, token: server().token, enableTelemetry: false });
let serial = 0;

const numsub = async (publisher: Redis, channel: string) => ((await publisher.exec(["PUBSUB", "NUMSUB", channel])) as [string, number])[1];

describe("subscribe", () => {
  test("receives messages another client publishes; PUBLISH counts the receivers", async () => {
    const channel = `chan ${++serial}/x`;
    const publisher = client();
    const subscriber = client().subscribe([channel]);
    const messages: unknown[] = [];
    const counts: number[] = [];
    subscriber.on("subscribe", (count) => counts.push(count as number));
    subscriber.on("message", (event) => messages.push(event));
    await waitFor(async () => (await numsub(publisher, channel)) === 1, "the subscription to count");
    expect(await publisher.publish(channel, { hello: "wörld", list: [1, 2] })).toBe(1);
    expect(await publisher.publish(channel, "plain, text")).toBe(1);
    await waitFor(() => messages.length === 2, "both messages");
    expect(messages).toEqual([
      { channel, message: { hello: "wörld", list: [1, 2] } },
      { channel, message: "plain, text" },
    ]);
    expect(counts).toEqual([1]);
    await subscriber.unsubscribe();
    await waitFor(async () => (await numsub(publisher, channel)) === 0, "the subscription to end");
    expect(await publisher.publish(channel, "nobody")).toBe(0);
  });
});

describe("subscribe to several channels", () => {
  test("each channel has its own stream and event name; unsubscribing from one leaves the other", async () => {
    const [first, second] = [`multi:${++serial}:a`, `multi:${serial}:b`];
    const publisher = client();
    const subscriber = client().subscribe([first, second]);
    const all: unknown[] = [];
    const onlySecond: unknown[] = [];
    subscriber.on("message", (event) => all.push(event));
    subscriber.on(`message:${second}`, (event) => onlySecond.push(event));
    await waitFor(async () => (await numsub(publisher, first)) === 1 && (await numsub(publisher, second)) === 1, "both subscriptions to count");
    expect(subscriber.getSubscribedChannels()).toEqual([first, second]);
    expect(await publisher.publish(first, 1)).toBe(1);
    expect(await publisher.publish(second, 2)).toBe(1);
    await waitFor(() => all.length === 2, "both messages");
    expect(onlySecond).toEqual([{ channel: second, message: 2 }]);
    await subscriber.unsubscribe([first]);
    await waitFor(async () => (await numsub(publisher, first)) === 0, "the first subscription to end");
    expect(await numsub(publisher, second)).toBe(1);
    expect(await publisher.publish(first, 3)).toBe(0);
    expect(await publisher.publish(second, 4)).toBe(1);
    await waitFor(() => onlySecond.length === 2, "the second channel's next message");
    expect(all).toEqual([
      { channel: first, message: 1 },
      { channel: second, message: 2 },
      { channel: second, message: 4 },
    ]);
    await subscriber.unsubscribe();
  });
});

describe("psubscribe", () => {
  test("receives pmessage events for matching channels only", async () => {
    const base = `news${++serial}`;
    const publisher = client();
    const subscriber = client().psubscribe([`${base}.*`]);
    const messages: unknown[] = [];
    subscriber.on("pmessage", (event) => messages.push(event));
    await waitFor(async () => ((await publisher.exec(["PUBSUB", "NUMPAT"])) as number) >= 1, "the pattern subscription to count");
    expect(await publisher.publish(`${base}.tech`, { n: 1 })).toBe(1);
    expect(await publisher.publish(`other${base}`, { n: 2 })).toBe(0);
    await waitFor(() => messages.length === 1, "the message");
    expect(messages).toEqual([{ pattern: `${base}.*`, channel: `${base}.tech`, message: { n: 1 } }]);
    await subscriber.unsubscribe();
  });
});

describe("/monitor", () => {
  /** Opens /monitor; `until` reads the stream until its text holds `marker`, and returns the text. */
  async function openMonitor() {
    const controller = new AbortController();
    const response = await fetch(`${server().url}/monitor`, {
      method: "POST",
      headers: { authorization: `Bearer ${server().token}`, accept: "text/event-stream" },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = async (marker: string) => {
      await waitFor(async () => {
        const { value } = await reader.read();
        text += decoder.decode(value);
        return text.includes(marker);
      }, `${marker} in the monitor stream`);
      return text;
    };
    return { response, until, close: () => controller.abort() };
  }

  test("streams OK, then the commands other clients run", async () => {
    const monitor = await openMonitor();
    expect(monitor.response.headers.get("content-type")).toBe("text/event-stream");
    const k = `monitored:${++serial}`;
    await client().set(k, "v");
    const lines = (await monitor.until(`"${k}"`)).split("\n\n").filter((line) => line !== "");
    expect(lines[0]).toBe('data: "OK"');
    expect(lines.at(-1)).toMatch(new RegExp(`^data: \\d+\\.\\d{6} \\[0 [^\\]]+\\] "set" "${k}" "v"$`));
    monitor.close();
  });

  test("shows a transaction as redis-server does: MULTI, each command as it runs (a script's own after it), EXEC", async () => {
    const monitor = await openMonitor();
    const k = `monitored:${++serial}`;
    const transaction = client().multi();
    transaction.set(k, "1");
    transaction.eval("return redis.call('GET', KEYS[1])", [k], []);
    transaction.get(k);
    await transaction.exec();
    const shown = (await monitor.until('"EXEC"'))
      .split("\n\n")
      .filter((line) => line.startsWith("data: ") && line !== 'data: "OK"')
      .map((line) => line.replace(/^data: \d+\.\d{6} /, ""));
    expect(shown).toEqual([
      '[0 0.0.0.0:0] "MULTI"',
      `[0 0.0.0.0:0] "set" "${k}" "1"`,
      `[0 0.0.0.0:0] "eval" "return redis.call('GET', KEYS[1])" "1" "${k}"`,
      `[0 lua] "GET" "${k}"`,
      `[0 0.0.0.0:0] "get" "${k}"`,
      '[0 0.0.0.0:0] "EXEC"',
    ]);
    monitor.close();
  });
});
