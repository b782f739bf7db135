// Proves every list and set command @upstash/redis exposes, and SORT/SORT_RO through its raw exec,
// returns what the SDK documents through a spawned server, with base64 responses (the default) and
// with plain JSON; binary and UTF-8 members survive both; a read-only token reads but never writes.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { startServerForFile } from "../harness/server.ts";

const server = startServerForFile();

let keySerial = 0;
const uniqueKey = (name: string) => `lists-sets:${name}:${++keySerial}`;
const sorted = <T>(items: T[]) => [...items].sort();

for (const encoding of ["base64", "json"] as const) {
  describe(`${encoding} responses`, () => {
    const redis = (token = server().token) =>
      new Redis({ url: server().url, token, enableTelemetry: false, responseEncoding: encoding === "base64" ? "base64" : false });

    describe("list commands", () => {
      test("lpush, rpush, lpushx, rpushx, llen, lrange, lindex", async () => {
        const r = redis();
        const key = uniqueKey("list");
        const missing = uniqueKey("missing");
        expect({
          rpush: await r.rpush(key, "b", "c"),
          lpush: await r.lpush(key, "a"),
          rpushx: await r.rpushx(key, "d"),
          lpushx: await r.lpushx(key, "z"),
          lpushxMissing: await r.lpushx(missing, "x"),
          rpushxMissing: await r.rpushx(missing, "x"),
          llen: await r.llen(key),
          lrange: await r.lrange(key, 0, -1),
          lrangeTail: await r.lrange(key, -2, 100),
          lindex: await r.lindex(key, 1),
          lindexNegative: await r.lindex(key, -1),
          lindexOutside: await r.lindex(key, 99),
        }).toEqual({
          rpush: 2,
          lpush: 3,
          rpushx: 4,
          lpushx: 5,
          lpushxMissing: 0,
          rpushxMissing: 0,
          llen: 5,
          lrange: ["z", "a", "b", "c", "d"],
          lrangeTail: ["c", "d"],
          lindex: "a",
          lindexNegative: "d",
          lindexOutside: null,
        });
      });

      test("lpop and rpop, with and without a count", async () => {
        const r = redis();
        const key = uniqueKey("pop");
        await r.rpush(key, "a", "b", "c", "d", "e");
        expect({
          lpop: await r.lpop(key),
          rpop: await r.rpop(key),
          lpopCount: await r.lpop<string[]>(key, 2),
          rpopCount: await r.rpop<string[]>(key, 5),
          lpopMissing: await r.lpop(key),
          exists: await r.exists(key),
        }).toEqual({ lpop: "a", rpop: "e", lpopCount: ["b", "c"], rpopCount: ["d"], lpopMissing: null, exists: 0 });
      });

      test("lset, linsert, lrem, ltrim", async () => {
        const r = redis();
        const key = uniqueKey("edit");
        await r.rpush(key, "a", "x", "b", "x", "c", "x");
        expect({
          lset: await r.lset(key, 0, "A"),
          linsertBefore: await r.linsert(key, "before", "b", "B-"),
          linsertAfter: await r.linsert(key, "after", "b", "-B"),
          linsertNoPivot: await r.linsert(key, "after", "nope", "v"),
          lrem: await r.lrem(key, 2, "x"),
          afterRem: await r.lrange(key, 0, -1),
          ltrim: await r.ltrim(key, 1, -2),
          afterTrim: await r.lrange(key, 0, -1),
        }).toEqual({
          lset: "OK",
          linsertBefore: 7,
          linsertAfter: 8,
          linsertNoPivot: -1,
          lrem: 2,
          afterRem: ["A", "B-", "b", "-B", "c", "x"],
          ltrim: "OK",
          afterTrim: ["B-", "b", "-B", "c"],
        });
        await expect(r.lset(uniqueKey("missing"), 0, "v")).rejects.toThrow("ERR no such key");
        await expect(r.lset(key, 10, "v")).rejects.toThrow("ERR index out of range");
      });

      test("lpos with rank, count and maxLen", async () => {
        const r = redis();
        const key = uniqueKey("lpos");
        await r.rpush(key, "a", "b", "c", "1", "2", "3", "c", "c");
        expect({
          first: await r.lpos(key, "c"),
          rank: await r.lpos(key, "c", { rank: -1 }),
          count: await r.lpos<number[]>(key, "c", { count: 2 }),
          all: await r.lpos<number[]>(key, "c", { count: 0, maxLen: 7 }),
          rankCount: await r.lpos<number[]>(key, "c", { rank: 2, count: 5 }),
          none: await r.lpos<number | null>(key, "nope"),
        }).toEqual({ first: 2, rank: 7, count: [2, 6], all: [2, 6], rankCount: [6, 7], none: null });
        await expect(r.lpos(key, "c", { rank: 0 })).rejects.toThrow("RANK can't be zero");
      });

      test("lmove, lmpop", async () => {
        const r = redis();
        const [source, destination, empty] = [uniqueKey("src"), uniqueKey("dst"), uniqueKey("empty")];
        await r.rpush(source, "a", "b", "c", "d");
        expect({
          lmove: await r.lmove(source, destination, "left", "right"),
          lmoveBack: await r.lmove(source, destination, "right", "left"),
          destination: await r.lrange(destination, 0, -1),
          lmpop: await r.lmpop(2, [empty, source], "LEFT"),
          lmpopCount: await r.lmpop(1, [destination], "RIGHT", 5),
          lmpopNone: await r.lmpop(2, [empty, destination], "LEFT"),
        }).toEqual({
          lmove: "a",
          lmoveBack: "d",
          destination: ["d", "a"],
          lmpop: [source, ["b"]],
          lmpopCount: [destination, ["a", "d"]],
          lmpopNone: null,
        });
      });

      test("rpoplpush through the raw exec", async () => {
        const r = redis();
        const [source, destination] = [uniqueKey("src"), uniqueKey("dst")];
        await r.rpush(source, "a", "b");
        expect(await r.exec(["RPOPLPUSH", source, destination])).toBe("b");
        expect(await r.lrange(destination, 0, -1)).toEqual(["b"]);
        expect(await r.lrange(source, 0, -1)).toEqual(["a"]);
      });

      test("binary-safe and UTF-8 elements, numbers parsed by the SDK", async () => {
        const r = redis();
        const key = uniqueKey("utf8");
        await r.rpush(key, "héllo ✓", "日本語", "42", "");
        expect(await r.lrange<string | number>(key, 0, -1)).toEqual(["héllo ✓", "日本語", 42, ""]);
        expect(await r.lpos(key, "日本語")).toBe(1);
      });

      test("WRONGTYPE against a string", async () => {
        const r = redis();
        const key = uniqueKey("string");
        await r.set(key, "v");
        await expect(r.lpush(key, "a")).rejects.toThrow("WRONGTYPE Operation against a key holding the wrong kind of value");
      });
    });

    describe("set commands", () => {
      test("sadd, srem, scard, smembers, sismember, smismember", async () => {
        const r = redis();
        const key = uniqueKey("set");
        expect({
          sadd: await r.sadd(key, "a", "b", "c", "a"),
          srem: await r.srem(key, "c", "missing"),
          scard: await r.scard(key),
          smembers: sorted(await r.smembers(key)),
          sismember: await r.sismember(key, "a"),
          sismemberNot: await r.sismember(key, "c"),
          smismember: await r.smismember(key, ["a", "c", "b"]),
          scardMissing: await r.scard(uniqueKey("missing")),
        }).toEqual({ sadd: 3, srem: 1, scard: 2, smembers: ["a", "b"], sismember: 1, sismemberNot: 0, smismember: [1, 0, 1], scardMissing: 0 });
      });

      test("an integer set comes back in numeric order, parsed as numbers", async () => {
        const r = redis();
        const key = uniqueKey("ints");
        await r.sadd(key, 10, -5, 3);
        expect(await r.smembers<number[]>(key)).toEqual([-5, 3, 10]);
        expect(await r.exec(["OBJECT", "ENCODING", key])).toBe("intset");
      });

      test("spop and srandmember with counts, negative too", async () => {
        const r = redis();
        const key = uniqueKey("random");
        await r.sadd(key, "a", "b", "c", "d", "e");
        const picked = (await r.srandmember<string[]>(key, 3))!;
        const repeated = (await r.srandmember<string[]>(key, -8))!;
        const one = await r.srandmember<string>(key);
        const popped = await r.spop<string>(key);
        const poppedMany = (await r.spop<string[]>(key, 2))!;
        const rest = await r.smembers(key);
        expect({
          picked: picked.length,
          pickedDistinct: new Set(picked).size,
          repeated: repeated.length,
          oneIsMember: ["a", "b", "c", "d", "e"].includes(one!),
          all: sorted([popped!, ...poppedMany, ...rest]),
          rest: rest.length,
          spopMissing: await r.spop(uniqueKey("missing")),
          srandmemberMissing: await r.srandmember(uniqueKey("missing")),
        }).toEqual({
          picked: 3,
          pickedDistinct: 3,
          repeated: 8,
          oneIsMember: true,
          all: ["a", "b", "c", "d", "e"],
          rest: 2,
          spopMissing: null,
          srandmemberMissing: null,
        });
      });

      test("smove", async () => {
        const r = redis();
        const [source, destination] = [uniqueKey("src"), uniqueKey("dst")];
        await r.sadd(source, "a", "b");
        expect({
          smove: await r.smove(source, destination, "a"),
          smoveMissing: await r.smove(source, destination, "z"),
          source: await r.smembers(source),
          destination: await r.smembers(destination),
        }).toEqual({ smove: 1, smoveMissing: 0, source: ["b"], destination: ["a"] });
      });

      test("sinter, sunion, sdiff, their STORE forms and sintercard", async () => {
        const r = redis();
        const [a, b, out] = [uniqueKey("a"), uniqueKey("b"), uniqueKey("out")];
        await r.sadd(a, "x", "y", "z");
        await r.sadd(b, "y", "z", "w");
        expect({
          sinter: sorted(await r.sinter(a, b)),
          sunion: sorted(await r.sunion(a, b)),
          sdiff: await r.sdiff(a, b),
          sintercard: await r.sintercard([a, b]),
          sintercardLimit: await r.sintercard([a, b], { limit: 1 }),
          sinterstore: await r.sinterstore(out, a, b),
          afterInter: sorted(await r.smembers(out)),
          sunionstore: await r.sunionstore(out, a, b),
          sdiffstore: await r.sdiffstore(out, b, a),
          afterDiff: await r.smembers(out),
          emptyStore: await r.sinterstore(out, a, uniqueKey("missing")),
          gone: await r.exists(out),
        }).toEqual({
          sinter: ["y", "z"],
          sunion: ["w", "x", "y", "z"],
          sdiff: ["x"],
          sintercard: 2,
          sintercardLimit: 1,
          sinterstore: 2,
          afterInter: ["y", "z"],
          sunionstore: 4,
          sdiffstore: 1,
          afterDiff: ["w"],
          emptyStore: 0,
          gone: 0,
        });
      });

      test("sscan with match and count", async () => {
        const r = redis();
        const key = uniqueKey("scan");
        const members = Array.from({ length: 200 }, (_, i) => `m${i}`);
        await r.sadd(key, members[0]!, ...members.slice(1));
        const seen: (string | number)[] = [];
        let cursor: string | number = "0";
        do {
          const [next, page]: [string, (string | number)[]] = await r.sscan(key, cursor, { count: 30 });
          seen.push(...page);
          cursor = next;
        } while (String(cursor) !== "0");
        expect(sorted(seen as string[])).toEqual(sorted(members));
        const small = uniqueKey("small");
        await r.sadd(small, "apple", "avocado", "banana");
        expect(await r.sscan(small, 0, { match: "a*" })).toEqual(["0", ["apple", "avocado"]]);
      });

      test("binary-safe and UTF-8 members", async () => {
        const r = redis();
        const key = uniqueKey("utf8");
        await r.sadd(key, "héllo ✓", "日本語");
        expect(sorted(await r.smembers(key))).toEqual(sorted(["héllo ✓", "日本語"]));
        expect(await r.sismember(key, "日本語")).toBe(1);
      });
    });

    describe("SORT and SORT_RO (raw exec) and the generic view of lists and sets", () => {
      test("sort numerically, ALPHA, BY weights, GET, LIMIT, STORE; sort_ro", async () => {
        const r = redis();
        const [key, out] = [uniqueKey("sort"), uniqueKey("sorted")];
        const weight = (element: string) => `${key}:w:${element}`;
        await r.rpush(key, "3", "10", "2");
        await r.mset({ [weight("3")]: "1", [weight("10")]: "3", [weight("2")]: "2" });
        expect({
          numeric: await r.exec(["SORT", key]),
          alpha: await r.exec(["SORT", key, "ALPHA", "DESC"]),
          by: await r.exec(["SORT", key, "BY", `${key}:w:*`, "GET", "#", "GET", `${key}:w:*`]),
          limit: await r.exec(["SORT", key, "LIMIT", 1, 1]),
          store: await r.exec(["SORT", key, "STORE", out]),
          stored: await r.lrange<number>(out, 0, -1),
          readOnly: await r.exec(["SORT_RO", key, "DESC"]),
        }).toEqual({
          numeric: [2, 3, 10],
          alpha: [3, 2, 10],
          by: [3, 1, 2, 2, 10, 3],
          limit: [3],
          store: 3,
          stored: [2, 3, 10],
          readOnly: [10, 3, 2],
        });
      });

      test("TYPE, OBJECT ENCODING and MEMORY USAGE of lists and sets", async () => {
        const r = redis();
        const [list, set] = [uniqueKey("list"), uniqueKey("set")];
        await r.rpush(list, "a");
        await r.sadd(set, "a");
        expect({
          listType: await r.type(list),
          setType: await r.type(set),
          listEncoding: await r.exec(["OBJECT", "ENCODING", list]),
          setEncoding: await r.exec(["OBJECT", "ENCODING", set]),
          listMemory: ((await r.exec(["MEMORY", "USAGE", list])) as number) > 0,
          setMemory: ((await r.exec(["MEMORY", "USAGE", set])) as number) > 0,
        }).toEqual({ listType: "list", setType: "set", listEncoding: "listpack", setEncoding: "listpack", listMemory: true, setMemory: true });
      });

      test("a read-only token reads lists and sets but cannot write them", async () => {
        const r = redis();
        const [list, set] = [uniqueKey("list"), uniqueKey("set")];
        await r.rpush(list, "b", "a");
        await r.sadd(set, "a");
        const readOnly = redis(server().readonlyToken);
        expect({
          lrange: await readOnly.lrange(list, 0, -1),
          smembers: await readOnly.smembers(set),
          sortRo: await readOnly.exec(["SORT_RO", list, "ALPHA"]),
        }).toEqual({ lrange: ["b", "a"], smembers: ["a"], sortRo: ["a", "b"] });
        await expect(readOnly.lpush(list, "x")).rejects.toThrow("NOPERM");
        await expect(readOnly.spop(set)).rejects.toThrow("NOPERM");
        await expect(readOnly.exec(["SORT", list])).rejects.toThrow("NOPERM");
        expect(await r.llen(list)).toBe(2);
      });
    });
  });
}
