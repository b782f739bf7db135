// Proves the official @upstash/redis client works unmodified against a spawned server: the issue's
// example under each client setting, pipelines with a failing entry, multi() atomicity, the
// read-only token, and the read-your-writes sync token.

import { describe, expect, test } from "bun:test";
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import { startServerForFile } from "../harness/server.ts";

const server = startServerForFile();

let keySerial = 0;
/** A key no other test uses (binary-unsafe characters included, as the SDK's own tests use). */
const uniqueKey = (name: string) => `client:${name}:${++keySerial}:+/=`;

const client = (options: Partial<RedisConfigNodejs> = {}) =>
  new Redis({ url: server().url, token: server().token, enableTelemetry: false, ...options });

describe("the issue's example", () => {
  for (const [label, options] of [
    ["defaults", {}],
    ["auto-pipelining off", { enableAutoPipelining: false }],
    ["base64 responses off", { responseEncoding: false }],
    ["read-your-writes off", { readYourWrites: false }],
  ] as [string, Partial<RedisConfigNodejs>][]) {
    test(`set with ex, hset of a number and a boolean, then get and hgetall together (${label})`, async () => {
      const redis = client(options);
      const key = uniqueKey("example");
      const hashKey = uniqueKey("example-hash");
      const written = [await redis.set(key, "value", { ex: 60 }), await redis.hset(hashKey, { a: 1, b: true })];
      const [value, hash] = await Promise.all([redis.get(key), redis.hgetall(hashKey)]);
      expect({ written, value, hash, ttl: (await redis.ttl(key)) > 55 }).toEqual({
        written: ["OK", 2],
        value: "value",
        hash: { a: 1, b: true },
        ttl: true,
      });
    });
  }

  test("objects round-trip as JSON and text outside ASCII survives both encodings", async () => {
    for (const responseEncoding of [undefined, false] as const) {
      const redis = client({ responseEncoding });
      const key = uniqueKey("json");
      await redis.set(key, { name: "Zoë", tags: ["a", "€"], n: 1 });
      expect(await redis.get(key)).toEqual({ name: "Zoë", tags: ["a", "€"], n: 1 });
    }
  });
});

describe("pipelines", () => {
  test("keepErrors returns every entry, the failing one in the middle with its error", async () => {
    const redis = client();
    const key = uniqueKey("pipeline");
    const results = await redis.pipeline().set(key, "text").incr(key).get(key).exists(key).exec({ keepErrors: true });
    expect(results).toEqual([
      { result: "OK", error: undefined },
      { result: undefined, error: "ERR value is not an integer or out of range" },
      { result: "text", error: undefined },
      { result: 1, error: undefined },
    ]);
  });

  test("without keepErrors the first failing entry throws, after the whole pipeline ran", async () => {
    const redis = client();
    const key = uniqueKey("pipeline-throw");
    const after = uniqueKey("pipeline-after");
    const run = redis.pipeline().set(key, "text").incr(key).set(after, "ran").exec();
    await expect(run).rejects.toThrow("Command 2 [ incr ] failed: ERR value is not an integer or out of range");
    expect(await redis.get(after)).toBe("ran");
  });

  test("an auto-pipelined call fails alone; its neighbours in the same batch succeed", async () => {
    const redis = client();
    const key = uniqueKey("auto");
    await redis.set(key, "text");
    const [first, failed, last] = await Promise.allSettled([redis.exists(key), redis.incr(key), redis.get(key)]);
    expect([first, failed.status, (failed as PromiseRejectedResult).reason?.message, last]).toEqual([
      { status: "fulfilled", value: 1 },
      "rejected",
      "Command failed: ERR value is not an integer or out of range",
      { status: "fulfilled", value: "text" },
    ]);
  });
});

describe("multi()", () => {
  test("runs every command as one transaction", async () => {
    const redis = client();
    const key = uniqueKey("multi");
    const results = await redis.multi().set(key, 1).incr(key).incrby(key, 5).get(key).exec();
    expect(results).toEqual(["OK", 2, 7, 7]);
  });

  test("a runtime error fails its entry only, like Redis's EXEC", async () => {
    const redis = client();
    const key = uniqueKey("multi-runtime");
    const results = await redis.multi().set(key, "text").incr(key).set(key, "after").exec({ keepErrors: true });
    expect(results).toEqual([
      { result: "OK", error: undefined },
      { result: undefined, error: "ERR value is not an integer or out of range" },
      { result: "OK", error: undefined },
    ]);
  });

  test("a command the token may not run discards the whole transaction and nothing changes", async () => {
    const key = uniqueKey("multi-discard");
    const other = uniqueKey("multi-discard-other");
    await client().set(key, "before");
    const readOnly = new Redis({ url: server().url, token: server().readonlyToken, enableTelemetry: false });
    const run = readOnly.multi().get(key).set(other, "written").set(key, "changed").exec();
    const message = await run.then(() => "committed", (error: Error) => error.message);
    expect({ message: message.replace(/, command was: .*/, ""), values: await client().mget(key, other) }).toEqual({
      message: "NOPERM this user has no permissions to run the 'set' command or its subcommand",
      values: ["before", null],
    });
  });

  test("an unknown command discards the whole transaction with a 400", async () => {
    const key = uniqueKey("multi-unknown");
    // The SDK cannot put an unknown command into multi(); this is the request it would send.
    const response = await fetch(`${server().url}/multi-exec`, {
      method: "POST",
      headers: { authorization: `Bearer ${server().token}`, "upstash-encoding": "base64" },
      body: JSON.stringify([["set", key, "changed"], ["nosuchcommand", key]]),
    });
    expect({ status: response.status, body: await response.json(), value: await client().get(key) }).toEqual({
      status: 400,
      body: { error: `ERR unknown command 'nosuchcommand', with args beginning with: '${key}' ` },
      value: null,
    });
  });
});

describe("the read-only token", () => {
  test("reads work, writes and SCAN/KEYS are refused with NOPERM, and nothing changes", async () => {
    const key = uniqueKey("readonly");
    await client().set(key, "value");
    const readOnly = new Redis({ url: server().url, token: server().readonlyToken, enableTelemetry: false });
    const refusal = async (call: () => Promise<unknown>) => call().then(() => "allowed", (error: Error) => error.message.replace(/, command was: .*/, ""));
    expect({
      get: await readOnly.get(key),
      exists: await readOnly.exists(key),
      set: await refusal(() => readOnly.set(key, "changed")),
      del: await refusal(() => readOnly.del(key)),
      scan: await refusal(() => readOnly.scan(0)),
      keys: await refusal(() => readOnly.keys("*")),
      pipeline: await readOnly.pipeline().get(key).set(key, "changed").exec({ keepErrors: true }),
      value: await client().get(key),
    }).toEqual({
      get: "value",
      exists: 1,
      set: "Command failed: NOPERM this user has no permissions to run the 'set' command or its subcommand",
      del: "Command failed: NOPERM this user has no permissions to run the 'del' command or its subcommand",
      scan: "NOPERM this user has no permissions to run the 'scan' command or its subcommand",
      keys: "NOPERM this user has no permissions to run the 'keys' command or its subcommand",
      pipeline: [
        { result: "value", error: undefined },
        { result: undefined, error: "NOPERM this user has no permissions to run the 'set' command or its subcommand" },
      ],
      value: "value",
    });
  });
});

describe("read-your-writes sync token", () => {
  test("is set by the first write and changes after every write, pipeline and transaction", async () => {
    const redis = client();
    const key = uniqueKey("sync");
    const seen = [redis.readYourWritesSyncToken];
    await redis.set(key, 1);
    seen.push(redis.readYourWritesSyncToken);
    await Promise.all([redis.set(key, 2), redis.set(key, 3)]);
    seen.push(redis.readYourWritesSyncToken);
    await redis.pipeline().set(key, 4).set(key, 5).exec();
    seen.push(redis.readYourWritesSyncToken);
    await redis.multi().set(key, 6).incr(key).exec();
    seen.push(redis.readYourWritesSyncToken);
    expect(seen[0]).toBe("");
    expect(seen.slice(1).every((token) => typeof token === "string" && token !== "")).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test("a client-set value is accepted by the next write, which replaces it", async () => {
    const redis = client();
    const key = uniqueKey("sync-custom");
    redis.readYourWritesSyncToken = "my-new-sync-token";
    expect(await redis.set(key, "v")).toBe("OK");
    expect(redis.readYourWritesSyncToken).not.toBe("my-new-sync-token");
    expect(redis.readYourWritesSyncToken).not.toBe("");
  });

  test("stays empty on a client with read-your-writes off", async () => {
    const redis = client({ readYourWrites: false });
    await redis.set(uniqueKey("sync-off"), "v");
    expect(redis.readYourWritesSyncToken).toBe("");
  });
});
