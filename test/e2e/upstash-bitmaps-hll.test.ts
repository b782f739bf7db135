// Proves every bitmap and HyperLogLog command @upstash/redis exposes returns what the SDK
// documents, through a spawned server, with base64 responses (the default) and with plain JSON;
// BITFIELD_RO, which the SDK lacks, goes over plain REST. A read-only token may count and read
// bits but not write them.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { startServerForFile } from "../harness/server.ts";

const server = startServerForFile();

let keySerial = 0;
const uniqueKey = (name: string) => `bits-hll:${name}:${++keySerial}`;

/** A rejected promise's message, to compare error texts. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  return "<no error>";
}

for (const encoding of ["base64", "json"] as const) {
  describe(`${encoding} responses`, () => {
    const redis = (token = server().token, enableAutoPipelining = true) =>
      new Redis({ url: server().url, token, enableTelemetry: false, enableAutoPipelining, responseEncoding: encoding === "base64" ? "base64" : false });

    test("setbit, getbit, bitcount, bitpos", async () => {
      const r = redis();
      const key = uniqueKey("bits");
      expect({
        setFirst: await r.setbit(key, 1, 1),
        setSecond: await r.setbit(key, 7, 1),
        setAgain: await r.setbit(key, 7, 1),
        value: await r.get(key),
        getbit: await r.getbit(key, 1),
        getbitPastEnd: await r.getbit(key, 100),
        // the SDK's types demand a range, but it sends a bare BITCOUNT without one
        bitcount: await (r.bitcount as (key: string) => Promise<number>)(key),
        bitcountRange: await r.bitcount(key, 0, 0),
        bitcountEmptyRange: await r.bitcount(key, 1, 1),
        bitposOne: await r.bitpos(key, 1),
        bitposZero: await r.bitpos(key, 0),
        bitposRange: await r.bitpos(key, 1, 0, -1),
        bitposMissing: await r.bitpos(uniqueKey("missing"), 1),
        clear: await r.setbit(key, 7, 0),
        valueAfterClear: await r.get(key),
      }).toEqual({
        setFirst: 0,
        setSecond: 0,
        setAgain: 1,
        value: "A",
        getbit: 1,
        getbitPastEnd: 0,
        bitcount: 2,
        bitcountRange: 2,
        bitcountEmptyRange: 0,
        bitposOne: 1,
        bitposZero: 0,
        bitposRange: 1,
        bitposMissing: -1,
        clear: 1,
        valueAfterClear: "@",
      });
    });

    test("bitop with every operator the SDK offers", async () => {
      const r = redis();
      const [a, b, c, accented, dest] = [uniqueKey("a"), uniqueKey("b"), uniqueKey("c"), uniqueKey("accented"), uniqueKey("dest")];
      await r.set(a, "foobar");
      await r.set(b, "abcdef");
      await r.set(c, "AAAAAA");
      await r.set(accented, "ÁÁ"); // UTF-8 c3 81 c3 81, whose complement is ASCII
      const results: Record<string, unknown> = {};
      for (const op of ["and", "or", "xor", "diff", "diff1", "andor", "one"] as const) {
        results[op] = [await r.bitop(op as "and", dest, a, b, c), await r.get(dest)];
      }
      results.not = [await r.bitop("not", dest, accented), await r.get(dest)];
      expect(results).toEqual({
        and: [6, "@@A@A@"],
        or: [6, "googew"],
        xor: [6, "FLMGEU"],
        diff: [6, "\x06\x0c\x0c\x02\x00\x10"],
        diff1: [6, "\x01\x00\x00\x05\x04\x05"],
        andor: [6, "`cc`ab"],
        one: [6, "\x06\x0c\x0c\x07\x04\x15"],
        not: [4, "<~<~"],
      });
    });

    test("bitfield get, set, incrby and overflow in one call", async () => {
      // The SDK's bitfield() builder returns a promise, not the builder, under auto-pipelining.
      const r = redis(server().token, false);
      const key = uniqueKey("field");
      // OVERFLOW FAIL answers nil, which the SDK's number[] type does not admit.
      const replies: (number | null)[] = await r
        .bitfield(key)
        .set("u8", 0, 65)
        .incrby("u8", 0, 1)
        .get("u8", 0)
        .overflow("FAIL")
        .incrby("u8", 0, 200)
        .overflow("SAT")
        .incrby("i4", "#2", 100)
        .exec();
      expect(replies).toEqual([0, 66, 66, null, 7]);
      expect(await r.get(key)).toBe("Bp");
      expect(await r.bitfield(uniqueKey("empty")).get("i8", 0).exec()).toEqual([0]);
    });

    test("pfadd, pfcount, pfmerge", async () => {
      const r = redis();
      const [left, right, merged] = [uniqueKey("left"), uniqueKey("right"), uniqueKey("merged")];
      const many = Array.from({ length: 1000 }, (_, i) => `e${i}`);
      expect({
        add: await r.pfadd(left, "a", "b", "c"),
        addAgain: await r.pfadd(left, "a"),
        count: await r.pfcount(left),
        addRight: await r.pfadd(right, "c", "d"),
        union: await r.pfcount(left, right),
        merge: await r.pfmerge(merged, left, right),
        mergedCount: await r.pfcount(merged),
        addMany: await r.pfadd(merged, ...many),
        manyCount: await r.pfcount(merged),
        type: await r.type(merged),
      }).toEqual({ add: 1, addAgain: 0, count: 3, addRight: 1, union: 4, merge: "OK", mergedCount: 4, addMany: 1, manyCount: 1013, type: "string" });
    });

    test("errors carry Redis's texts", async () => {
      const r = redis();
      const text = uniqueKey("text");
      await r.set(text, "not a sketch");
      const failures = {
        pfadd: await failure(r.pfadd(text, "a")),
        setbit: await failure(r.setbit(text, -1, 1)),
        bitpos: await failure(r.bitpos(text, 2 as 1)),
        bitfield: await failure(redis(server().token, false).bitfield(text).get("u64", 0).exec()),
      };
      expect(failures.pfadd).toContain("WRONGTYPE Key is not a valid HyperLogLog string value.");
      expect(failures.setbit).toContain("ERR bit offset is not an integer or out of range");
      expect(failures.bitpos).toContain("ERR The bit argument must be 1 or 0.");
      expect(failures.bitfield).toContain("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
    });

    test("a read-only token reads bits and counts sketches but cannot write them", async () => {
      const key = uniqueKey("readonly");
      const sketch = uniqueKey("readonly-hll");
      await redis().setbit(key, 3, 1);
      await redis().pfadd(sketch, "x", "y");
      const r = redis(server().readonlyToken);
      expect({
        getbit: await r.getbit(key, 3),
        // the SDK's types demand a range, but it sends a bare BITCOUNT without one
        bitcount: await (r.bitcount as (key: string) => Promise<number>)(key),
        bitpos: await r.bitpos(key, 1),
        pfcount: await r.pfcount(sketch),
      }).toEqual({ getbit: 1, bitcount: 1, bitpos: 3, pfcount: 2 });
      expect(await failure(r.setbit(key, 0, 1))).toContain("NOPERM this user has no permissions to run the 'setbit' command");
      expect(await failure(r.pfadd(sketch, "z"))).toContain("NOPERM this user has no permissions to run the 'pfadd' command");
    });
  });
}

describe("BITFIELD_RO over REST (the SDK has no method for it)", () => {
  test("reads fields and refuses writes", async () => {
    const key = uniqueKey("ro");
    await new Redis({ url: server().url, token: server().token, enableTelemetry: false }).set(key, "Bp");
    const call = async (token: string, command: (string | number)[]) => {
      const response = await fetch(server().url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(command) });
      return response.json();
    };
    expect(await call(server().readonlyToken, ["BITFIELD_RO", key, "GET", "u8", 0, "GET", "i4", "#3"])).toEqual({ result: [66, 0] });
    expect(await call(server().token, ["BITFIELD_RO", key, "SET", "u8", 0, 1])).toEqual({ error: "ERR BITFIELD_RO only supports the GET subcommand" });
  });
});
