// Proves every json.* method of @upstash/redis 1.39 against a spawned server, with base64
// responses (the default) and plain JSON: the SDK's wire shapes arrive intact and its parsing of
// the replies (JSON text, per-match arrays, RESP arrays) gives what its own tests expect.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { startServerForFile } from "../harness/server.ts";

const server = startServerForFile();

let keySerial = 0;
const uniqueKey = (name: string) => `json:${name}:${++keySerial}`;

const product = {
  name: "Noise-cancelling Bluetooth headphones",
  description: "Wireless Bluetooth headphones with noise-cancelling technology",
  connection: { wireless: true, type: "Bluetooth" },
  price: 99.98,
  stock: 25,
  colors: ["black", "silver"],
};

for (const encoding of ["base64", "json"] as const) {
  describe(`${encoding} responses`, () => {
    const redis = () =>
      new Redis({ url: server().url, token: server().token, enableTelemetry: false, responseEncoding: encoding === "base64" ? "base64" : false });

    test("set, get (paths, several paths, formatting), type, resp", async () => {
      const r = redis();
      const key = uniqueKey("get");
      expect(await r.json.set(key, "$", { a: 2, b: 3, nested: { a: 4, b: null }, text: "é€😀" })).toBe("OK");
      expect({
        whole: await r.json.get(key),
        b: await r.json.get(key, "$..b"),
        several: await r.json.get(key, "$..a", "$..b"),
        legacy: await r.json.get(key, ".nested"),
        formatted: await r.json.get(key, { indent: "  ", newline: "\n", space: " " }, "$.nested"),
        missingKey: await r.json.get(uniqueKey("missing")),
        typeA: await r.json.type(key, "$..a"),
        // The client types its replies for $-paths; a legacy (default) path answers one value.
        typeRoot: (await r.json.type(key)) as unknown,
        resp: await r.json.resp(key, "$.nested"),
      }).toEqual({
        whole: { a: 2, b: 3, nested: { a: 4, b: null }, text: "é€😀" },
        b: [null, 3],
        several: { "$..a": [4, 2], "$..b": [null, 3] },
        legacy: { a: 4, b: null },
        formatted: [{ a: 4, b: null }],
        missingKey: null,
        typeA: ["integer", "integer"],
        typeRoot: "object",
        resp: [["{", "a", 4, "b", null]],
      });
    });

    test("set with nx / xx, set at paths, merge (redis-js json_set, json_merge)", async () => {
      const r = redis();
      const key = uniqueKey("set");
      expect({
        xxMissing: await r.json.set(key, "$", { a: 2 }, { xx: true }),
        nx: await r.json.set(key, "$", { a: 2 }, { nx: true }),
        nxExisting: await r.json.set(key, "$", { a: 9 }, { nx: true }),
        replace: await r.json.set(key, "$.a", 3),
        add: await r.json.set(key, "$.b", 8),
        afterSet: await r.json.get(key, "$"),
        mergeAdd: await r.json.merge(key, "$.c", { d: [1] }),
        mergeDelete: await r.json.merge(key, "$", { a: null }),
        mergeText: await r.json.merge(key, "$.b", "[10, 12]"),
        afterMerge: await r.json.get(key, "$"),
      }).toEqual({
        xxMissing: null,
        nx: "OK",
        nxExisting: null,
        replace: "OK",
        add: "OK",
        afterSet: [{ a: 3, b: 8 }],
        mergeAdd: "OK",
        mergeDelete: "OK",
        mergeText: "OK",
        afterMerge: [{ b: [10, 12], c: { d: [1] } }],
      });
      const multi = uniqueKey("multi");
      await r.json.set(multi, "$", { f1: { a: 1 }, f2: { a: 2 } });
      await r.json.set(multi, "$..a", 3);
      expect(await r.json.get(multi, "$")).toEqual([{ f1: { a: 3 }, f2: { a: 3 } }]);
    });

    test("mset and mget across keys (redis-js json_mset, json_mget)", async () => {
      const r = redis();
      const [key1, key2] = [uniqueKey("m1"), uniqueKey("m2")];
      expect(
        // The client's method takes the triples as arguments (its command class takes one array).
        await r.json.mset(
          { key: key1, path: "$", value: { a: 1, b: 2, nested: { a: 3 }, c: null } },
          { key: key2, path: "$", value: { a: 4, b: 5, nested: { a: 6 }, c: null } },
        ),
      ).toBe("OK");
      expect(await r.json.mget([key1, key2], "$..a")).toEqual([
        [3, 1],
        [6, 4],
      ]);
      expect(await r.json.mset({ key: key1, path: "$..a", value: 0 })).toBe("OK");
      expect(await r.json.mget([key1, uniqueKey("missing")], "$.nested.a")).toEqual([[0], null]);
    });

    test("del, forget, clear (redis-js json_del, json_forget, json_clear)", async () => {
      const r = redis();
      const key = uniqueKey("del");
      await r.json.set(key, "$", { a: 1, nested: { a: 2, b: 3 } });
      expect(await r.json.del(key, "$..a")).toBe(2);
      expect(await r.json.get(key, "$")).toEqual([{ nested: { b: 3 } }]);
      expect(await r.json.forget(key, "$.nested.b")).toBe(1);
      const cleared = uniqueKey("clear");
      await r.json.set(cleared, "$", '{"obj":{"a":1, "b":2}, "arr":[1,2,3], "str": "foo", "bool": true, "int": 42, "float": 3.14}');
      expect(await r.json.clear(cleared, "$.*")).toBe(4);
      expect(await r.json.get(cleared, "$")).toEqual([{ obj: {}, arr: [], str: "foo", bool: true, int: 0, float: 0 }]);
      expect(await r.json.del(key)).toBe(1);
      expect(await r.exists(key)).toBe(0);
    });

    test("numbers, booleans and strings (redis-js json_numincrby, json_nummultby, json_toggle, json_strappend, json_strlen)", async () => {
      const r = redis();
      const key = uniqueKey("scalars");
      await r.json.set(key, "$", { a: "b", b: [{ a: 2 }, { a: 5 }, { a: "c" }] });
      expect(await r.json.numincrby(key, "$.a", 2)).toEqual([null]);
      expect(await r.json.numincrby(key, "$..a", 2)).toEqual([4, 7, null, null]);
      expect(await r.json.nummultby(key, "$..a", 2)).toEqual([8, 14, null, null]);
      expect(await r.json.nummultby(key, "$.b[0].a", 0.5)).toEqual([4]);
      const flags = uniqueKey("toggle");
      await r.json.set(flags, "$", { bool: true });
      expect(await r.json.toggle(flags, "$.bool")).toEqual([0]);
      expect(await r.json.get(flags, "$")).toEqual([{ bool: false }]);
      expect(await r.json.toggle(flags, "$.bool")).toEqual([1]);
      const strings = uniqueKey("strings");
      await r.json.set(strings, "$", { a: "foo", nested: { a: "hello" }, nested2: { a: 31 } });
      expect(await r.json.strappend(strings, "$..a", '"baz"')).toEqual([8, null, 6]);
      expect(await r.json.strlen(strings, "$..a")).toEqual([8, null, 6]);
      expect(await r.json.get(strings)).toEqual({ a: "foobaz", nested: { a: "hellobaz" }, nested2: { a: 31 } });
    });

    test("arrays: append, index, insert, len, pop, trim (redis-js json_arr*)", async () => {
      const r = redis();
      const key = uniqueKey("arrays");
      await r.json.set(key, "$", product);
      expect(await r.json.arrappend(key, "$.colors", '"blue"')).toEqual([3]);
      expect(await r.json.get(key, "$.colors[*]")).toEqual(["black", "silver", "blue"]);
      expect(await r.json.arrinsert(key, "$.colors", 2, '"yellow"', '"gold"')).toEqual([5]);
      expect(await r.json.get(key, "$.colors")).toEqual([["black", "silver", "yellow", "gold", "blue"]]);
      expect(await r.json.arrindex(key, "$..colors", '"silver"')).toEqual([1]);
      expect(await r.json.arrindex(key, "$.colors", '"silver"', 2, 0)).toEqual([-1]);
      expect(await r.json.arrlen(key, "$.colors")).toEqual([5]);
      expect(await r.json.arrlen(key)).toEqual([null]);
      const levels = uniqueKey("levels");
      await r.json.set(levels, "$", { max_level: [80, 90, 100, 120] });
      expect(await r.json.arrpop(levels, "$.max_level", 0)).toEqual([80]);
      expect(await r.json.arrpop(levels, "$.max_level")).toEqual([120]);
      expect(await r.json.get(levels, "$.max_level")).toEqual([[90, 100]]);
      expect(await r.json.arrappend(levels, "$.max_level", 1, 2)).toEqual([4]);
      expect(await r.json.arrtrim(levels, "$.max_level", 1, 2)).toEqual([2]);
      expect(await r.json.get(levels, "$.max_level")).toEqual([[100, 1]]);
    });

    test("objects: objkeys, objlen (redis-js json_objkeys, json_objlen)", async () => {
      const r = redis();
      const key = uniqueKey("objects");
      await r.json.set(key, "$", { a: [3], nested: { a: { b: 2, c: 1 } } });
      expect(await r.json.objkeys(key, "$..a")).toEqual([["b", "c"], null]);
      expect(await r.json.objlen(key, "$..a")).toEqual([2, null]);
      expect((await r.json.objkeys(key)) as unknown).toEqual(["a", "nested"]);
      expect((await r.json.objlen(key)) as unknown).toBe(2);
    });

    test("errors arrive as RedisJSON words them; JSON keys have type ReJSON-RL", async () => {
      const r = redis();
      const key = uniqueKey("errors");
      await expect(r.json.set(key, "$.a", 1)).rejects.toThrow("ERR new objects must be created at the root");
      await expect(r.json.set(key, "$", "{bad")).rejects.toThrow("key must be a string at line 1 column 2");
      await r.json.set(key, "$", { a: 1 });
      await expect(r.json.get(key, ".nope")).rejects.toThrow("ERR Path '$.nope' does not exist");
      await expect(r.get(key)).rejects.toThrow("WRONGTYPE");
      expect((await r.type(key)) as string).toBe("ReJSON-RL");
      expect(await r.exec(["MEMORY", "USAGE", key])).toBeGreaterThan(0);
    });
  });
}

test("a read-only token reads JSON documents but cannot change them", async () => {
  const key = uniqueKey("readonly");
  await new Redis({ url: server().url, token: server().token, enableTelemetry: false }).json.set(key, "$", { a: 1 });
  const reader = new Redis({ url: server().url, token: server().readonlyToken, enableTelemetry: false });
  expect(await reader.json.get(key, "$.a")).toEqual([1]);
  await expect(reader.json.set(key, "$.a", 2)).rejects.toThrow("NOPERM");
});
