// Proves every sorted-set and geo command answers @upstash/redis as the SDK documents, through a
// spawned server, with base64 responses (the default) and plain JSON: the SDK's own methods for
// what it exposes (its wire shapes: options first, LIMIT without BYSCORE, GEOSEARCH's order
// argument), and its raw `exec` for the commands it does not wrap. A read-only token may read but
// not write.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { startServerForFile } from "../harness/server.ts";

const server = startServerForFile();

let keySerial = 0;
const uniqueKey = (name: string) => `zsets-geo:${name}:${++keySerial}`;

for (const encoding of ["base64", "json"] as const) {
  describe(`${encoding} responses`, () => {
    const redis = () =>
      new Redis({ url: server().url, token: server().token, enableTelemetry: false, responseEncoding: encoding === "base64" ? "base64" : false });

    describe("sorted-set commands the SDK exposes", () => {
      test("zadd (options first), zscore, zincrby, zcard, zcount, zlexcount, zmscore, zrank, zrevrank", async () => {
        const r = redis();
        const key = uniqueKey("basics");
        const results: Record<string, unknown> = {
          add: await r.zadd(key, { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" }),
          addNx: await r.zadd(key, { nx: true }, { score: 9, member: "a" }, { score: 4, member: "d" }),
          addXxCh: await r.zadd(key, { xx: true, ch: true }, { score: 1.5, member: "a" }),
          addGt: await r.zadd(key, { gt: true, ch: true }, { score: 0, member: "b" }),
          addIncr: await r.zadd(key, { incr: true }, { score: 0.25, member: "a" }),
          addIncrSkipped: await r.zadd(key, { xx: true, incr: true }, { score: 1, member: "missing" }),
          score: await r.zscore(key, "a"),
          scoreMissing: await r.zscore(key, "missing"),
          incrby: await r.zincrby(key, 10, "c"),
          card: await r.zcard(key),
          count: await r.zcount(key, "(1", "+inf"),
          lexcount: await r.zlexcount(key, "-", "+"),
          mscore: await r.zmscore(key, ["a", "missing", "d"]),
          rank: await r.zrank(key, "d"),
          revrank: await r.zrevrank(key, "d"),
          rankMissing: await r.zrank(key, "missing"),
        };
        expect(results).toEqual({
          add: 3,
          addNx: 1,
          addXxCh: 1,
          addGt: 0,
          addIncr: 1.75,
          addIncrSkipped: null,
          score: 1.75,
          scoreMissing: null,
          incrby: 13,
          card: 4,
          count: 4,
          lexcount: 4,
          mscore: [1.75, null, 4],
          rank: 2,
          revrank: 1,
          rankMissing: null,
        });
      });

      test("zrange: by index, by score reversed with LIMIT, by lex, with scores, and LIMIT on an index range", async () => {
        const r = redis();
        const key = uniqueKey("range");
        await r.zadd(key, { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" }, { score: 4, member: "d" });
        const lex = uniqueKey("lex");
        await r.zadd(lex, { score: 0, member: "a" }, { score: 0, member: "b" }, { score: 0, member: "c" });
        expect({
          all: await r.zrange(key, 0, -1),
          withScores: await r.zrange(key, 0, 1, { withScores: true }),
          reversed: await r.zrange(key, 0, 1, { rev: true }),
          byScore: await r.zrange(key, "(1", "+inf", { byScore: true }),
          byScoreRev: await r.zrange(key, "+inf", "-inf", { byScore: true, rev: true, offset: 1, count: 2 }),
          byLex: await r.zrange(lex, "[b", "+", { byLex: true }),
          limitOnIndexes: await r.zrange(key, 0, -1, { offset: 1, count: 2 }),
        }).toEqual({
          all: ["a", "b", "c", "d"],
          withScores: ["a", 1, "b", 2],
          reversed: ["d", "c"],
          byScore: ["b", "c", "d"],
          byScoreRev: ["c", "b"],
          byLex: ["b", "c"],
          limitOnIndexes: ["b", "c"],
        });
      });

      test("zrem, zremrangebyrank, zremrangebyscore, zremrangebylex, zpopmin, zpopmax", async () => {
        const r = redis();
        const key = uniqueKey("remove");
        await r.zadd(key, { score: 0, member: "m0" }, ...Array.from({ length: 7 }, (_, i) => ({ score: i + 1, member: `m${i + 1}` })));
        const lex = uniqueKey("lex-remove");
        await r.zadd(lex, { score: 0, member: "a" }, { score: 0, member: "b" }, { score: 0, member: "c" });
        expect({
          rem: await r.zrem(key, "m0", "missing"),
          byRank: await r.zremrangebyrank(key, 0, 0),
          byScore: await r.zremrangebyscore(key, 2, "(4"),
          byLex: await r.zremrangebylex(lex, "[a", "(c"),
          lexLeft: await r.zrange(lex, 0, -1),
          popmin: await r.zpopmin(key),
          popmax: await r.zpopmax(key, 2),
          left: await r.zrange(key, 0, -1, { withScores: true }),
        }).toEqual({
          rem: 1,
          byRank: 1,
          byScore: 2,
          byLex: 2,
          lexLeft: ["c"],
          popmin: ["m4", 4],
          popmax: ["m7", 7, "m6", 6],
          left: ["m5", 5],
        });
      });

      test("zunion, zunionstore, zinterstore (weights, aggregate), zdiffstore", async () => {
        const r = redis();
        const a = uniqueKey("a");
        const b = uniqueKey("b");
        await r.zadd(a, { score: 1, member: "x" }, { score: 2, member: "y" });
        await r.zadd(b, { score: 10, member: "y" }, { score: 20, member: "z" });
        const destination = uniqueKey("destination");
        expect({
          union: await r.zunion(2, [a, b], { withScores: true }),
          unionWeighted: await r.zunion(2, [a, b], { weights: [2, 1], aggregate: "min" }),
          unionStore: await r.zunionstore(destination, 2, [a, b], { weights: [1, 2] }),
          stored: await r.zrange(destination, 0, -1, { withScores: true }),
          interStore: await r.zinterstore(destination, 2, [a, b], { aggregate: "max" }),
          interStored: await r.zrange(destination, 0, -1, { withScores: true }),
          interSingle: await r.zinterstore(destination, 1, [a], { weight: 3 }),
          diffStore: await r.zdiffstore(destination, 2, a, b),
          diffStored: await r.zrange(destination, 0, -1, { withScores: true }),
        }).toEqual({
          union: ["x", 1, "y", 12, "z", 20],
          unionWeighted: ["x", "y", "z"],
          unionStore: 3,
          stored: ["x", 1, "y", 22, "z", 40],
          interStore: 1,
          interStored: ["y", 10],
          interSingle: 2,
          diffStore: 1,
          diffStored: ["x", 1],
        });
      });

      test("zscan walks a set of 200 members to cursor 0, and MATCH filters", async () => {
        const r = redis();
        const key = uniqueKey("scan");
        await r.zadd(key, { score: 0, member: "m0" }, ...Array.from({ length: 199 }, (_, i) => ({ score: i + 1, member: `m${i + 1}` })));
        const seen = new Set<string>();
        let cursor = "0";
        do {
          const [next, items] = await r.zscan(key, cursor, { count: 50 });
          for (let i = 0; i < items.length; i += 2) seen.add(String(items[i]));
          cursor = String(next);
        } while (cursor !== "0");
        expect(seen.size).toBe(200);
        const small = uniqueKey("scan-small");
        await r.zadd(small, { score: 1, member: "apple" }, { score: 2, member: "banana" });
        expect(await r.zscan(small, 0, { match: "a*" })).toEqual(["0", ["apple", 1]]);
      });

      test("scores beyond JSON's number forms come back as Redis prints them", async () => {
        const r = redis();
        const key = uniqueKey("scores");
        await r.zadd(key, { score: 0.1, member: "tenth" }, { score: 1e-7, member: "tiny" });
        expect(await r.exec(["ZRANGE", key, "0", "-1", "WITHSCORES"])).toEqual(["tiny", 1e-7, "tenth", 0.1]);
        expect(await r.exec(["ZADD", key, "inf", "top"])).toBe(1);
        expect((await r.zscore(key, "top")) as unknown).toBe("inf");
      });
    });

    describe("sorted-set commands through exec", () => {
      test("zrangestore, zrangebyscore, zrevrangebyscore, zrangebylex, zrevrangebylex, zrevrange", async () => {
        const r = redis();
        const key = uniqueKey("older-ranges");
        await r.zadd(key, { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" });
        const destination = uniqueKey("range-store");
        expect({
          store: await r.exec(["ZRANGESTORE", destination, key, "(1", "+inf", "BYSCORE"]),
          stored: await r.zrange(destination, 0, -1),
          byScore: await r.exec(["ZRANGEBYSCORE", key, "-inf", "2", "WITHSCORES"]),
          revByScore: await r.exec(["ZREVRANGEBYSCORE", key, "+inf", "-inf", "LIMIT", "0", "2"]),
          byLex: await r.exec(["ZRANGEBYLEX", key, "-", "(c"]),
          revByLex: await r.exec(["ZREVRANGEBYLEX", key, "+", "[b"]),
          revRange: await r.exec(["ZREVRANGE", key, "0", "0", "WITHSCORES"]),
        }).toEqual({
          store: 2,
          stored: ["b", "c"],
          byScore: ["a", 1, "b", 2],
          revByScore: ["c", "b"],
          byLex: ["a", "b"],
          revByLex: ["c", "b"],
          revRange: ["c", 3],
        });
      });

      test("zinter, zdiff, zintercard, zmpop, zrandmember, zrank withscore", async () => {
        const r = redis();
        const a = uniqueKey("exec-a");
        const b = uniqueKey("exec-b");
        await r.zadd(a, { score: 1, member: "x" }, { score: 2, member: "y" }, { score: 3, member: "z" });
        await r.zadd(b, { score: 5, member: "y" });
        const random = (await r.exec(["ZRANDMEMBER", a, "2"])) as string[];
        expect({
          inter: await r.exec(["ZINTER", "2", a, b, "WITHSCORES"]),
          diff: await r.exec(["ZDIFF", "2", a, b]),
          intercard: await r.exec(["ZINTERCARD", "2", a, b, "LIMIT", "5"]),
          rankWithScore: await r.exec(["ZRANK", a, "z", "WITHSCORE"]),
          randomCount: random.length,
          randomDistinct: new Set(random).size,
          mpop: await r.exec(["ZMPOP", "2", uniqueKey("missing"), a, "MAX", "COUNT", "2"]),
          left: await r.zrange(a, 0, -1),
        }).toEqual({
          inter: ["y", 7],
          diff: ["x", "z"],
          intercard: 1,
          rankWithScore: [2, 3],
          randomCount: 2,
          randomDistinct: 2,
          mpop: [a, [["z", 3], ["y", 2]]],
          left: ["x"],
        });
      });
    });

    describe("geo commands", () => {
      const palermo = { longitude: 13.361389, latitude: 38.115556, member: "Palermo" };
      const catania = { longitude: 15.087269, latitude: 37.502669, member: "Catania" };

      test("geoadd, geodist, geohash, geopos", async () => {
        const r = redis();
        const key = uniqueKey("geo");
        expect({
          add: await r.geoadd(key, palermo, catania),
          addNxCh: await r.geoadd(key, { nx: true }, { longitude: 2.349014, latitude: 48.864716, member: "Paris" }, palermo),
          distance: await r.geodist(key, "Palermo", "Catania"),
          distanceKm: await r.geodist(key, "Palermo", "Catania", "KM"),
          distanceMissing: await r.geodist(key, "Palermo", "nowhere"),
          hash: await r.geohash(key, "Palermo", "Catania", "nowhere"),
          positions: await r.geopos(key, "Palermo", "nowhere"),
          type: await r.type(key),
        }).toEqual({
          add: 2,
          addNxCh: 1,
          distance: 166274.1516,
          distanceKm: 166.2742,
          distanceMissing: null,
          hash: ["sqc8b49rny0", "sqdtr74hyu0", null],
          positions: [{ lng: 13.361389338970184, lat: 38.1155563954963 }],
          type: "zset",
        });
      });

      test("geosearch by radius and box, with distance, hash and coordinates; geosearchstore", async () => {
        const r = redis();
        const key = uniqueKey("geo-search");
        await r.geoadd(key, palermo, catania);
        const destination = uniqueKey("geo-store");
        expect({
          byRadius: await r.geosearch(key, { type: "FROMLONLAT", coordinate: { lon: 15, lat: 37 } }, { type: "BYRADIUS", radius: 200, radiusType: "KM" }, "ASC", {
            withDist: true,
            withHash: true,
            withCoord: true,
          }),
          byBox: await r.geosearch(key, { type: "FROMMEMBER", member: "Palermo" }, { type: "BYBOX", rect: { width: 400, height: 400 }, rectType: "KM" }, "DESC", {
            count: { limit: 1 },
          }),
          store: await r.geosearchstore(destination, key, { type: "FROMLONLAT", coordinate: { lon: 15, lat: 37 } }, { type: "BYRADIUS", radius: 100, radiusType: "KM" }, "ASC", {
            storeDist: true,
          }),
          stored: await r.zrange(destination, 0, -1, { withScores: true }),
        }).toEqual({
          byRadius: [
            { member: "Catania", dist: 56.4413, hash: "3479447370796909", coord: { long: 15.087267458438873, lat: 37.50266842333162 } },
            { member: "Palermo", dist: 190.4424, hash: "3479099956230698", coord: { long: 13.361389338970184, lat: 38.1155563954963 } },
          ],
          byBox: [{ member: "Catania" }],
          store: 1,
          stored: ["Catania", 56.4412578701582],
        });
      });

      test("georadius, georadius_ro, georadiusbymember, georadiusbymember_ro through exec", async () => {
        const r = redis();
        const key = uniqueKey("geo-radius");
        await r.geoadd(key, palermo, catania);
        const destination = uniqueKey("geo-radius-store");
        expect({
          radius: await r.exec(["GEORADIUS", key, "15", "37", "200", "km", "WITHDIST", "ASC"]),
          radiusStore: await r.exec(["GEORADIUS", key, "15", "37", "200", "km", "STORE", destination]),
          radiusRo: await r.exec(["GEORADIUS_RO", key, "15", "37", "100", "km"]),
          byMember: await r.exec(["GEORADIUSBYMEMBER", key, "Palermo", "200", "km", "ASC", "COUNT", "1"]),
          byMemberRo: await r.exec(["GEORADIUSBYMEMBER_RO", key, "Palermo", "200", "km", "WITHCOORD"]),
          stored: await r.zcard(destination),
        }).toEqual({
          radius: [
            ["Catania", 56.4413],
            ["Palermo", 190.4424],
          ],
          radiusStore: 2,
          radiusRo: ["Catania"],
          byMember: ["Palermo"],
          // The SDK leaves numbers with more digits than a double holds as strings.
          byMemberRo: [
            ["Palermo", ["13.36138933897018433", "38.11555639549629859"]],
            ["Catania", ["15.08726745843887329", "37.50266842333162032"]],
          ],
          stored: 2,
        });
      });
    });

    test("errors reach the SDK with Redis's texts", async () => {
      const r = redis();
      const key = uniqueKey("errors");
      await r.set(key, "text");
      await expect(r.zadd(key, { score: 1, member: "a" })).rejects.toThrow("WRONGTYPE Operation against a key holding the wrong kind of value");
      await expect(r.exec(["ZADD", uniqueKey("z"), "nan", "a"])).rejects.toThrow("ERR value is not a valid float");
      await expect(r.exec(["GEOADD", uniqueKey("g"), "200", "100", "m"])).rejects.toThrow("ERR invalid longitude,latitude pair 200.000000,100.000000");
    });
  });
}

describe("read-only token", () => {
  test("reads sorted sets and searches, refuses writes", async () => {
    const writer = new Redis({ url: server().url, token: server().token, enableTelemetry: false });
    const reader = new Redis({ url: server().url, token: server().readonlyToken, enableTelemetry: false });
    const key = uniqueKey("read-only");
    await writer.zadd(key, { score: 1, member: "a" });
    await writer.geoadd(key, { longitude: 13.361389, latitude: 38.115556, member: "Palermo" });
    expect(await reader.zrange(key, 0, -1)).toEqual(["a", "Palermo"]);
    expect(await reader.exec(["GEORADIUS_RO", key, "13", "38", "100", "km"])).toEqual(["Palermo"]);
    await expect(reader.zadd(key, { score: 2, member: "b" })).rejects.toThrow("NOPERM");
    await expect(reader.exec(["GEORADIUS", key, "13", "38", "100", "km"])).rejects.toThrow("NOPERM");
  });
});
