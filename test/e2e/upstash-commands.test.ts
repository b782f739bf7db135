// Proves every string, hash and generic command @upstash/redis exposes returns what the SDK
// documents, through a spawned server, with base64 responses (the default) and with plain JSON.
// Relative expiries are checked as ranges: the spawned server runs on the real clock.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { startServer, startServerForFile } from "../harness/server.ts";

const server = startServerForFile();

let keySerial = 0;
const uniqueKey = (name: string) => `commands:${name}:${++keySerial}`;
const within = (value: unknown, low: number, high: number) => typeof value === "number" && value >= low && value <= high;
const nowSeconds = () => Math.floor(Date.now() / 1000);

for (const encoding of ["base64", "json"] as const) {
  describe(`${encoding} responses`, () => {
    const redis = () =>
      new Redis({ url: server().url, token: server().token, enableTelemetry: false, responseEncoding: encoding === "base64" ? "base64" : false });

    describe("string commands", () => {
      test("set, get, append, strlen, getrange, setrange, getset, getdel", async () => {
        const r = redis();
        const key = uniqueKey("string");
        expect({
          set: await r.set(key, "hello"),
          append: await r.append(key, " world"),
          strlen: await r.strlen(key),
          getrange: await r.getrange(key, 0, 4),
          getrangeNegative: await r.getrange(key, -5, -1),
          setrange: await r.setrange(key, 6, "WORLD"),
          get: await r.get(key),
          getset: await r.getset(key, "new"),
          getdel: await r.getdel(key),
          afterGetdel: await r.get(key),
          getsetMissing: await r.getset(uniqueKey("missing"), "x"),
        }).toEqual({
          set: "OK",
          append: 11,
          strlen: 11,
          getrange: "hello",
          getrangeNegative: "world",
          setrange: 11,
          get: "hello WORLD",
          getset: "hello WORLD",
          getdel: "new",
          afterGetdel: null,
          getsetMissing: null,
        });
      });

      test("lengths and offsets count UTF-8 bytes", async () => {
        const r = redis();
        const key = uniqueKey("utf8");
        expect({
          set: await r.set(key, "é€"),
          strlen: await r.strlen(key),
          append: await r.append(key, "a"),
          tail: await r.getrange(key, 5, 5),
          setrange: await r.setrange(key, 0, "ab"),
          get: await r.get(key),
        }).toEqual({ set: "OK", strlen: 5, append: 6, tail: "a", setrange: 6, get: "ab€a" });
      });

      test("set options: nx, xx, get, keepTtl, px, exat, pxat", async () => {
        const r = redis();
        const key = uniqueKey("set-options");
        const results = {
          xxMissing: await r.set(key, "a", { xx: true }),
          nx: await r.set(key, "a", { nx: true }),
          nxExisting: await r.set(key, "b", { nx: true }),
          xxGet: await r.set(key, "b", { xx: true, get: true }),
          px: await r.set(key, "c", { px: 100_000 }),
          keepTtl: await r.set(key, "d", { keepTtl: true }),
          value: await r.get(key),
        };
        const pttlAfterKeepTtl = await r.pttl(key);
        await r.set(key, "e", { exat: nowSeconds() + 100 });
        const ttlAfterExat = await r.ttl(key);
        await r.set(key, "f", { pxat: Date.now() + 200_000 });
        const pttlAfterPxat = await r.pttl(key);
        expect({
          ...results,
          keptTtl: within(pttlAfterKeepTtl, 90_000, 100_000),
          exat: within(ttlAfterExat, 98, 100),
          pxat: within(pttlAfterPxat, 190_000, 200_000),
        }).toEqual({
          xxMissing: null,
          nx: "OK",
          nxExisting: null,
          xxGet: "a",
          px: "OK",
          keepTtl: "OK",
          value: "d",
          keptTtl: true,
          exat: true,
          pxat: true,
        });
      });

      test("setnx, setex, psetex, getex", async () => {
        const r = redis();
        const key = uniqueKey("setnx");
        const expiring = uniqueKey("setex");
        const results = {
          setnx: await r.setnx(key, "first"),
          setnxAgain: await r.setnx(key, "second"),
          value: await r.get(key),
          setex: await r.setex(expiring, 100, "v"),
        };
        const ttl = await r.ttl(expiring);
        const psetex = await r.psetex(expiring, 50_000, "w");
        const pttl = await r.pttl(expiring);
        const getexEx = await r.getex(expiring, { ex: 30 });
        const ttlAfterGetex = await r.ttl(expiring);
        const getexPersist = await r.getex(expiring, { persist: true });
        expect({
          ...results,
          ttl: within(ttl, 98, 100),
          psetex,
          pttl: within(pttl, 45_000, 50_000),
          getexEx,
          ttlAfterGetex: within(ttlAfterGetex, 28, 30),
          getexPersist,
          ttlAfterPersist: await r.ttl(expiring),
          getexMissing: await r.getex(uniqueKey("missing"), { ex: 5 }),
        }).toEqual({
          setnx: 1,
          setnxAgain: 0,
          value: "first",
          setex: "OK",
          ttl: true,
          psetex: "OK",
          pttl: true,
          getexEx: "w",
          ttlAfterGetex: true,
          getexPersist: "w",
          ttlAfterPersist: -1,
          getexMissing: null,
        });
      });

      test("incr, incrby, decr, decrby, incrbyfloat", async () => {
        const r = redis();
        const key = uniqueKey("counter");
        const text = uniqueKey("text");
        await r.set(text, "abc");
        expect({
          incr: await r.incr(key),
          incrby: await r.incrby(key, 10),
          decr: await r.decr(key),
          decrby: await r.decrby(key, 20),
          incrbyfloat: await r.incrbyfloat(key, 2.5),
          get: await r.get(key),
          notInteger: await r.incr(text).catch((error: Error) => error.message),
        }).toEqual({
          incr: 1,
          incrby: 11,
          decr: 10,
          decrby: -10,
          incrbyfloat: -7.5,
          get: -7.5,
          notInteger: "Command failed: ERR value is not an integer or out of range",
        });
      });

      test("mset, mget, msetnx", async () => {
        const r = redis();
        const [a, b, c, missing] = [uniqueKey("a"), uniqueKey("b"), uniqueKey("c"), uniqueKey("missing")];
        expect({
          mset: await r.mset({ [a]: "text", [b]: { nested: [1, 2] } }),
          mget: await r.mget(a, b, missing),
          mgetArray: await r.mget([a, missing]),
          msetnxClash: await r.msetnx({ [a]: "x", [c]: "y" }),
          cAfterClash: await r.get(c),
          msetnx: await r.msetnx({ [c]: 3, [missing]: true }),
          after: await r.mget(c, missing),
        }).toEqual({
          mset: "OK",
          mget: ["text", { nested: [1, 2] }, null],
          mgetArray: ["text", null],
          msetnxClash: 0,
          cAfterClash: null,
          msetnx: 1,
          after: [3, true],
        });
      });
    });

    describe("hash commands", () => {
      test("hset, hget, hmget, hgetall, hkeys, hvals, hlen, hexists, hstrlen, hdel, hsetnx, hmset", async () => {
        const r = redis();
        const key = uniqueKey("hash");
        expect({
          hset: await r.hset(key, { name: "Ada", age: 36, admin: false }),
          hget: await r.hget(key, "name"),
          hgetNumber: await r.hget(key, "age"),
          hgetMissing: await r.hget(key, "nope"),
          hmget: await r.hmget(key, "name", "nope"),
          hmgetNone: await r.hmget(key, "x", "y"),
          hgetall: await r.hgetall(key),
          hgetallMissing: await r.hgetall(uniqueKey("missing")),
          hkeys: await r.hkeys(key),
          hvals: await r.hvals(key),
          hlen: await r.hlen(key),
          hexists: [await r.hexists(key, "name"), await r.hexists(key, "nope")],
          hstrlen: await r.hstrlen(key, "name"),
          hsetnx: [await r.hsetnx(key, "name", "Bob"), await r.hsetnx(key, "city", "London")],
          hdel: await r.hdel(key, "city", "nope"),
          hmset: await r.hmset(key, { name: "Grace" }),
          after: await r.hgetall(key),
        }).toEqual({
          hset: 3,
          hget: "Ada",
          hgetNumber: 36,
          hgetMissing: null,
          hmget: { name: "Ada", nope: null },
          hmgetNone: null,
          hgetall: { name: "Ada", age: 36, admin: false },
          hgetallMissing: null,
          hkeys: ["name", "age", "admin"],
          hvals: ["Ada", 36, false],
          hlen: 3,
          hexists: [1, 0],
          hstrlen: 3,
          hsetnx: [0, 1],
          hdel: 1,
          hmset: "OK",
          after: { name: "Grace", age: 36, admin: false },
        });
      });

      test("hincrby and hincrbyfloat", async () => {
        const r = redis();
        const key = uniqueKey("hash-counter");
        // The SDK's hgetall keeps any number that is not a safe integer as its text ("1.75").
        expect({
          hincrby: await r.hincrby(key, "n", 5),
          hincrbyNegative: await r.hincrby(key, "n", -7),
          hincrbyfloat: await r.hincrbyfloat(key, "f", 1.25),
          hincrbyfloatAgain: await r.hincrbyfloat(key, "f", 0.5),
          hgetall: await r.hgetall(key),
        }).toEqual({ hincrby: 5, hincrbyNegative: -2, hincrbyfloat: 1.25, hincrbyfloatAgain: 1.75, hgetall: { n: -2, f: "1.75" } });
      });

      test("hrandfield and hscan", async () => {
        const r = redis();
        const key = uniqueKey("hash-random");
        const fields = { a: "1", b: "2", c: "3" };
        await r.hset(key, fields);
        const one = await r.hrandfield(key);
        const two = await r.hrandfield(key, 2);
        const withValues = await r.hrandfield<Record<string, number>>(key, 2, true);
        const [cursor, flat] = await r.hscan(key, 0, { match: "*", count: 100 });
        const scanned: Record<string, unknown> = {};
        for (let i = 0; i < flat.length; i += 2) scanned[String(flat[i])] = flat[i + 1];
        expect({
          one: ["a", "b", "c"].includes(one as string),
          two: two.length === 2 && new Set(two).size === 2 && two.every((field) => field in fields),
          withValues: Object.entries(withValues).every(([field, value]) => Number(fields[field as keyof typeof fields]) === value),
          withValuesCount: Object.keys(withValues).length,
          missing: await r.hrandfield(uniqueKey("missing")),
          cursor,
          scanned,
          hscanMatch: await r.hscan(key, 0, { match: "b" }),
        }).toEqual({
          one: true,
          two: true,
          withValues: true,
          withValuesCount: 2,
          missing: null,
          cursor: "0",
          scanned: { a: 1, b: 2, c: 3 },
          hscanMatch: ["0", ["b", 2]],
        });
      });

      test("field expiry: hexpire, hpexpire, hexpireat, hpexpireat, httl, hpttl, hexpiretime, hpexpiretime, hpersist", async () => {
        const r = redis();
        const key = uniqueKey("hash-ttl");
        await r.hset(key, { a: "1", b: "2", c: "3", d: "4" });
        const atSeconds = nowSeconds() + 300;
        const atMs = Date.now() + 400_000;
        const set = {
          hexpire: await r.hexpire(key, ["a", "missing"], 100),
          hexpireNx: await r.hexpire(key, "a", 50, "NX"),
          hpexpire: await r.hpexpire(key, "b", 200_000),
          hexpireat: await r.hexpireat(key, "c", atSeconds),
          hpexpireat: await r.hpexpireat(key, ["d"], atMs),
          noKey: await r.hexpire(uniqueKey("missing"), "a", 10),
        };
        const [ttlA, ttlNoExpiry, ttlMissing] = await r.httl(key, ["a", "zz", "missing"]);
        const [pttlB] = await r.hpttl(key, "b");
        const expiretime = await r.hexpiretime(key, "c");
        const pexpiretime = await r.hpexpiretime(key, "d");
        const hpersist = await r.hpersist(key, ["a", "missing"]);
        expect({
          ...set,
          ttlA: within(ttlA, 98, 100),
          ttlNoExpiry,
          ttlMissing,
          pttlB: within(pttlB, 190_000, 200_000),
          expiretime,
          pexpiretime,
          hpersist,
          ttlAfterPersist: await r.httl(key, "a"),
          immediate: await r.hexpire(key, "b", 0),
          afterImmediate: await r.hget(key, "b"),
        }).toEqual({
          hexpire: [1, -2],
          hexpireNx: [0],
          hpexpire: [1],
          hexpireat: [1],
          hpexpireat: [1],
          noKey: [-2],
          ttlA: true,
          ttlNoExpiry: -2,
          ttlMissing: -2,
          pttlB: true,
          expiretime: [atSeconds],
          pexpiretime: [atMs],
          hpersist: [1, -2],
          ttlAfterPersist: [-1],
          immediate: [2],
          afterImmediate: null,
        });
      });

      test("hgetdel, hgetex, hsetex", async () => {
        const r = redis();
        const key = uniqueKey("hash-ex");
        await r.hset(key, { a: "1", b: "two", c: "3" });
        const hgetdel = await r.hgetdel(key, "a", "missing");
        const hgetex = await r.hgetex(key, { ex: 100 }, "b");
        const [ttlB] = await r.httl(key, "b");
        const hgetexPersist = await r.hgetex(key, { persist: true }, "b");
        const hsetex = await r.hsetex(key, { expiration: { px: 60_000 } }, { d: "4", e: { x: 1 } });
        const [pttlD] = await r.hpttl(key, "d");
        const hsetexFnx = await r.hsetex(key, { conditional: "FNX" }, { d: "changed" });
        const hsetexFxx = await r.hsetex(key, { conditional: "FXX", expiration: { keepttl: true } }, { d: "kept-ttl" });
        const [pttlDAfterKeep] = await r.hpttl(key, "d");
        expect({
          hgetdel,
          afterHgetdel: await r.hexists(key, "a"),
          hgetex,
          ttlB: within(ttlB, 98, 100),
          hgetexPersist,
          ttlBAfterPersist: await r.httl(key, "b"),
          hsetex,
          pttlD: within(pttlD, 55_000, 60_000),
          hsetexFnx,
          hsetexFxx,
          pttlDAfterKeep: within(pttlDAfterKeep, 50_000, 60_000),
          hgetall: await r.hgetall(key),
          hgetdelLast: await r.hgetdel(uniqueKey("missing"), "a"),
        }).toEqual({
          hgetdel: { a: 1, missing: null },
          afterHgetdel: 0,
          hgetex: { b: "two" },
          ttlB: true,
          hgetexPersist: { b: "two" },
          ttlBAfterPersist: [-1],
          hsetex: 1,
          pttlD: true,
          hsetexFnx: 0,
          hsetexFxx: 1,
          pttlDAfterKeep: true,
          hgetall: { b: "two", c: 3, d: "kept-ttl", e: { x: 1 } },
          hgetdelLast: null,
        });
      });
    });

    describe("generic commands", () => {
      test("exists, type, touch, del, unlink", async () => {
        const r = redis();
        const [string, hash, missing, other] = [uniqueKey("s"), uniqueKey("h"), uniqueKey("missing"), uniqueKey("o")];
        await r.set(string, "v");
        await r.hset(hash, { f: "v" });
        await r.set(other, "v");
        expect({
          exists: await r.exists(string, hash, missing, string),
          types: [await r.type(string), await r.type(hash), await r.type(missing)],
          touch: await r.touch(string, missing),
          del: await r.del(string, missing),
          unlink: await r.unlink(hash, other, missing),
          after: await r.exists(string, hash, other),
        }).toEqual({ exists: 3, types: ["string", "hash", "none"], touch: 1, del: 1, unlink: 2, after: 0 });
      });

      test("expire, pexpire, expireat, pexpireat, ttl, pttl, persist", async () => {
        const r = redis();
        const key = uniqueKey("ttl");
        await r.set(key, "v");
        const results = {
          ttlNone: await r.ttl(key),
          pttlMissing: await r.pttl(uniqueKey("missing")),
          expire: await r.expire(key, 100),
          expireNx: await r.expire(key, 50, "NX"),
          expireGt: await r.expire(key, 200, "GT"),
        };
        const ttl = await r.ttl(key);
        const pexpire = await r.pexpire(key, 300_000);
        const pttl = await r.pttl(key);
        const expireat = await r.expireat(key, nowSeconds() + 400);
        const ttlAt = await r.ttl(key);
        const pexpireat = await r.pexpireat(key, Date.now() + 500_000);
        const pttlAt = await r.pttl(key);
        expect({
          ...results,
          ttl: within(ttl, 198, 200),
          pexpire,
          pttl: within(pttl, 295_000, 300_000),
          expireat,
          ttlAt: within(ttlAt, 398, 400),
          pexpireat,
          pttlAt: within(pttlAt, 495_000, 500_000),
          persist: await r.persist(key),
          persistAgain: await r.persist(key),
          ttlAfter: await r.ttl(key),
          expireMissing: await r.expire(uniqueKey("missing"), 10),
        }).toEqual({
          ttlNone: -1,
          pttlMissing: -2,
          expire: 1,
          expireNx: 0,
          expireGt: 1,
          ttl: true,
          pexpire: 1,
          pttl: true,
          expireat: 1,
          ttlAt: true,
          pexpireat: 1,
          pttlAt: true,
          persist: 1,
          persistAgain: 0,
          ttlAfter: -1,
          expireMissing: 0,
        });
      });

      test("an expiry in the past deletes the key", async () => {
        const r = redis();
        const key = uniqueKey("expire-past");
        await r.set(key, "v");
        expect([await r.expireat(key, nowSeconds() - 10), await r.exists(key)]).toEqual([1, 0]);
      });

      test("rename, renamenx, copy", async () => {
        const r = redis();
        const [a, b, c, d] = [uniqueKey("a"), uniqueKey("b"), uniqueKey("c"), uniqueKey("d")];
        await r.set(a, "1");
        await r.set(c, "3");
        expect({
          rename: await r.rename(a, b),
          renameMissing: await r.rename(a, b).catch((error: Error) => error.message),
          renamenxTaken: await r.renamenx(b, c),
          renamenx: await r.renamenx(b, d),
          copy: await r.copy(d, a),
          copyTaken: await r.copy(d, c),
          copyReplace: await r.copy(d, c, { replace: true }),
          values: await r.mget(a, b, c, d),
        }).toEqual({
          rename: "OK",
          renameMissing: "Command failed: ERR no such key",
          renamenxTaken: 0,
          renamenx: 1,
          copy: "COPIED",
          copyTaken: "NOT_COPIED",
          copyReplace: "COPIED",
          values: [1, null, 1, 1],
        });
      });

      test("keys and scan (match, count, type, withType) see exactly the matching keys", async () => {
        const r = redis();
        const prefix = uniqueKey("scan");
        const names = [`${prefix}:s1`, `${prefix}:s2`, `${prefix}:h1`];
        await r.set(names[0]!, "v");
        await r.set(names[1]!, "v");
        await r.hset(names[2]!, { f: "v" });
        const scanAll = async (options: Parameters<Redis["scan"]>[1]) => {
          const found: unknown[] = [];
          let cursor: string | number = 0;
          do {
            const [next, keys]: [string, unknown[]] = await r.scan(cursor, options as never);
            found.push(...keys);
            cursor = next;
          } while (cursor !== "0");
          return found;
        };
        type KeyWithType = { key: string; type: string };
        const byKey = (a: KeyWithType, b: KeyWithType) => a.key.localeCompare(b.key);
        expect({
          keys: (await r.keys(`${prefix}:*`)).sort(),
          scan: (await scanAll({ match: `${prefix}:*`, count: 2 })).sort(),
          scanType: await scanAll({ match: `${prefix}:*`, type: "hash" }),
          withType: ((await scanAll({ match: `${prefix}:*`, withType: true })) as unknown as KeyWithType[]).sort(byKey),
        }).toEqual({
          keys: [...names].sort(),
          scan: [...names].sort(),
          scanType: [names[2]],
          withType: [
            { key: names[2], type: "hash" },
            { key: names[0], type: "string" },
            { key: names[1], type: "string" },
          ],
        });
      });

      test("ping, echo and time", async () => {
        const r = redis();
        const [seconds, micros] = await r.time();
        expect({
          ping: await r.ping(),
          pingMessage: await r.ping(["hello"]),
          echo: await r.echo("hi there"),
          time: within(seconds, nowSeconds() - 5, nowSeconds() + 5) && within(micros, 0, 999_999),
        }).toEqual({ ping: "PONG", pingMessage: "hello", echo: "hi there", time: true });
      });
    });
  });
}

describe("whole-database commands (own server)", () => {
  test("randomkey, dbsize, flushdb and flushall", async () => {
    await using own = await startServer();
    const r = new Redis({ url: own.url, token: own.token, enableTelemetry: false });
    const empty = { randomkey: await r.randomkey(), dbsize: await r.dbsize() };
    await r.set("only", "v");
    const one = { randomkey: await r.randomkey(), dbsize: await r.dbsize() };
    await r.hset("hash", { f: "v" });
    const flushdb = await r.flushdb();
    const afterFlushdb = await r.dbsize();
    await r.set("again", "v");
    expect({ empty, one, flushdb, afterFlushdb, flushall: await r.flushall(), afterFlushall: await r.dbsize() }).toEqual({
      empty: { randomkey: null, dbsize: 0 },
      one: { randomkey: "only", dbsize: 1 },
      flushdb: "OK",
      afterFlushdb: 0,
      flushall: "OK",
      afterFlushall: 0,
    });
  });
});
