// Proves every stream command @upstash/redis exposes (xadd, xrange, xrevrange, xlen, xdel, xtrim,
// xread, xgroup, xreadgroup, xack, xpending, xclaim, xautoclaim, xinfo, xackdel, xdelex) answers
// through a spawned server what the SDK documents, with base64 responses (the default) and plain
// JSON. Explicit ids keep every reply exact; the SDK JSON-parses values such as "1" into numbers.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { startServerForFile } from "../harness/server.ts";

const server = startServerForFile();

let keySerial = 0;
const uniqueKey = (name: string) => `streams:${name}:${++keySerial}`;

for (const encoding of ["base64", "json"] as const) {
  describe(`${encoding} responses`, () => {
    const redis = () =>
      new Redis({ url: server().url, token: server().token, enableTelemetry: false, responseEncoding: encoding === "base64" ? "base64" : false });

    test("xadd, xlen, xrange, xrevrange, xdel, xtrim", async () => {
      const r = redis();
      const key = uniqueKey("basic");
      const added: (string | null)[] = [
        await r.xadd(key, "1-1", { name: "ada", n: 1 }),
        await r.xadd(key, "1-*", { name: "grace", n: 2 }),
        await r.xadd(key, "2-1", { text: "héllo ✓" }),
        await r.xadd(key, "3-1", { n: 4 }, { trim: { type: "MAXLEN", threshold: 3, comparison: "=" } }),
        await r.xadd(uniqueKey("nomk"), "*", { a: 1 }, { nomkStream: true }),
      ];
      expect(added).toEqual(["1-1", "1-2", "2-1", "3-1", null]);
      expect({
        len: await r.xlen(key),
        range: await r.xrange(key, "-", "+"),
        rangeCount: await r.xrange(key, "-", "+", 1),
        revrange: await r.xrevrange(key, "+", "(1-2"),
        del: await r.xdel(key, ["2-1", "9-9"]),
        trim: await r.xtrim(key, { strategy: "MINID", threshold: "3", exactness: "=" }),
        after: await r.xrange(key, "-", "+"),
      }).toEqual({
        len: 3,
        range: { "1-2": { name: "grace", n: 2 }, "2-1": { text: "héllo ✓" }, "3-1": { n: 4 } },
        rangeCount: { "1-2": { name: "grace", n: 2 } },
        revrange: { "3-1": { n: 4 }, "2-1": { text: "héllo ✓" } },
        del: 1,
        trim: 1,
        after: { "3-1": { n: 4 } },
      });
    });

    test("xadd with * ids and approximate trimming", async () => {
      const r = redis();
      const key = uniqueKey("auto");
      const id = await r.xadd(key, "*", { a: 1 }, { trim: { type: "MAXLEN", threshold: 100, comparison: "~", limit: 10 } });
      expect(id).toMatch(/^[0-9]+-0$/);
      expect(await r.xrange(key, "-", "+")).toEqual({ [id]: { a: 1 } });
    });

    test("xread, non-blocking even with blockMS", async () => {
      const r = redis();
      const a = uniqueKey("read-a");
      const b = uniqueKey("read-b");
      await r.xadd(a, "1-1", { x: "one" });
      await r.xadd(a, "2-1", { x: "two" });
      await r.xadd(b, "5-5", { y: "five" });
      expect(await r.xread([a, b], ["1-1", "0"], { count: 5 })).toEqual([
        [a, [["2-1", ["x", "two"]]]],
        [b, [["5-5", ["y", "five"]]]],
      ]);
      expect(await r.xread(a, "$", { blockMS: 100 })).toBeNull();
    });

    test("xgroup, xreadgroup, xack, xpending, xinfo", async () => {
      const r = redis();
      const key = uniqueKey("group");
      expect<unknown>(await r.xgroup(key, { type: "CREATE", group: "g", id: "$", options: { MKSTREAM: true } })).toBe("OK");
      await r.xadd(key, "1-1", { job: "a" });
      await r.xadd(key, "2-1", { job: "b" });
      await r.xadd(key, "3-1", { job: "c" });
      expect<unknown>(await r.xgroup(key, { type: "CREATECONSUMER", group: "g", consumer: "idle" })).toBe(1);
      expect(await r.xreadgroup("g", "alice", key, ">", { count: 2 })).toEqual([[key, [["1-1", ["job", "a"]], ["2-1", ["job", "b"]]]]]);
      expect(await r.xreadgroup("g", "bob", key, ">", { NOACK: true })).toEqual([[key, [["3-1", ["job", "c"]]]]]);
      expect(await r.xack(key, "g", ["1-1", "7-7"])).toBe(1);
      expect(await r.xpending(key, "g", "-", "+", 10)).toEqual([["2-1", "alice", expect.any(Number), 1]]);
      expect(await r.xpending(key, "g", "-", "+", 10, { consumer: "bob" })).toEqual([]);
      const groups = (await r.xinfo(key, { type: "GROUPS" })) as unknown[][];
      expect(groups).toEqual([["name", "g", "consumers", 3, "pending", 1, "last-delivered-id", "3-1", "entries-read", 3, "lag", 0]]);
      const consumers = (await r.xinfo(key, { type: "CONSUMERS", group: "g" })) as unknown[][];
      expect(consumers.map((consumer) => [consumer[1], consumer[3]])).toEqual([["alice", 1], ["bob", 0], ["idle", 0]]);
      expect(consumers[2]![7]).toBe(-1);
      expect<unknown>(await r.xgroup(key, { type: "SETID", group: "g", id: "0", options: { ENTRIESREAD: 0 } })).toBe("OK");
      expect<unknown>(await r.xgroup(key, { type: "DELCONSUMER", group: "g", consumer: "idle" })).toBe(0);
      expect<unknown>(await r.xgroup(key, { type: "DESTROY", group: "g" })).toBe(1);
    });

    test("xclaim and xautoclaim", async () => {
      const r = redis();
      const key = uniqueKey("claim");
      await r.xadd(key, "1-1", { job: "a" });
      await r.xadd(key, "2-1", { job: "b" });
      await r.xgroup(key, { type: "CREATE", group: "g", id: "0" });
      await r.xreadgroup("g", "alice", key, ">");
      expect(await r.xclaim(key, "g", "bob", 0, "1-1", { retryCount: 5 })).toEqual([["1-1", ["job", "a"]]]);
      expect(await r.xclaim(key, "g", "bob", 0, ["2-1"], { justId: true, force: true, lastId: "2-1" as unknown as number })).toEqual(["2-1"]);
      expect(await r.xpending(key, "g", "-", "+", 10)).toEqual([
        ["1-1", "bob", expect.any(Number), 5],
        ["2-1", "bob", expect.any(Number), 1],
      ]);
      await r.xdel(key, "2-1");
      expect(await r.xautoclaim(key, "g", "carol", 0, "0-0", { count: 5 })).toEqual(["0-0", [["1-1", ["job", "a"]]], ["2-1"]]);
      expect(await r.xautoclaim(key, "g", "dave", 0, "0-0", { justId: true })).toEqual(["0-0", ["1-1"], []]);
    });

    test("xackdel and xdelex (Redis 8.2)", async () => {
      const r = redis();
      const key = uniqueKey("delete");
      await r.xadd(key, "1-1", { a: 1 });
      await r.xadd(key, "2-1", { a: 2 });
      await r.xadd(key, "3-1", { a: 3 });
      await r.xgroup(key, { type: "CREATE", group: "g", id: "0" });
      await r.xreadgroup("g", "c", key, ">", { count: 2 });
      expect(await r.xackdel(key, "g", "ACKED", "1-1", "9-9")).toEqual([1, -1]);
      expect(await r.xdelex(key, "acked", "2-1", "3-1")).toEqual([2, 2]);
      expect(await r.xdelex(key, undefined, "3-1")).toEqual([1]);
      expect(await r.xackdel(key, "g", "delref", "2-1")).toEqual([1]);
      expect(await r.xlen(key)).toBe(0);
    });

    test("XINFO STREAM and TYPE through exec", async () => {
      const r = redis();
      const key = uniqueKey("info");
      await r.xadd(key, "1-1", { a: "x" });
      const info = await r.exec<unknown[]>(["XINFO", "STREAM", key]);
      expect(info.slice(0, 8)).toEqual(["length", 1, "radix-tree-keys", 1, "radix-tree-nodes", 2, "last-generated-id", "1-1"]);
      expect<unknown>(await r.type(key)).toBe("stream");
    });
  });
}

test("a read-only token may read streams but not write them", async () => {
  const key = uniqueKey("readonly");
  const writer = new Redis({ url: server().url, token: server().token, enableTelemetry: false });
  await writer.xadd(key, "1-1", { a: 1 });
  const reader = new Redis({ url: server().url, token: server().readonlyToken, enableTelemetry: false });
  expect(await reader.xlen(key)).toBe(1);
  expect(await reader.xrange(key, "-", "+")).toEqual({ "1-1": { a: 1 } });
  await expect(reader.xadd(key, "2-1", { a: 2 })).rejects.toThrow("NOPERM");
});
