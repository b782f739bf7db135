// Proves the hash commands' replies, error texts (checked against redis-server 7.0, or Redis 7.4–8.2's
// source for field expiry) and journaled replay-safe forms, in process on a manual clock.

import { describe, expect, test } from "bun:test";
import { plain, createPlainTestEngine as setup } from "../../../test/harness/engine.ts";

const NOW = 1_700_000_000_000; // the ManualClock's start

const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INTEGER = error("ERR value is not an integer or out of range");

describe("HSET", () => {
  test("counts only newly created fields and overwrites existing ones", () => {
    const { run } = setup();
    expect(run("HSET", "h", "a", "1", "b", "2")).toBe(2);
    expect(run("HSET", "h", "a", "3", "c", "4")).toBe(1);
    expect(run("HSET", "h", "f", "v", "f", "v2")).toBe(1);
    expect(run("HGETALL", "h")).toEqual(["a", "3", "b", "2", "c", "4", "f", "v2"]);
  });

  test("an odd number of arguments is Redis's arity error and writes nothing", () => {
    const { run, journal } = setup();
    expect(run("HSET", "h", "a", "1", "b")).toEqual(error("ERR wrong number of arguments for 'hset' command"));
    expect(run("EXISTS", "h")).toBe(0);
    expect(journal()).toEqual([]);
  });

  test("is journaled as sent", () => {
    const { run, journal } = setup();
    run("HSET", "h", "a", "1");
    expect(journal()).toEqual([["HSET", "h", "a", "1"]]);
  });

  test("clears the TTL of a field it overwrites", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    run("HEXPIRE", "h", 100, "FIELDS", 1, "a");
    run("HSET", "h", "a", "2");
    expect(run("HTTL", "h", "FIELDS", 1, "a")).toEqual([-1]);
  });

  test("keeps the key's own TTL", () => {
    const { engine, run } = setup();
    run("HSET", "h", "a", "1");
    const keyspace = engine.database.keyspace;
    keyspace.setExpiry("h", keyspace.get("h")!, NOW + 5_000);
    run("HSET", "h", "b", "2");
    expect(keyspace.get("h")!.expiresAtMs).toBe(NOW + 5_000);
  });

  test("WRONGTYPE on a string key, and NOPERM for a read-only token", () => {
    const { engine, run } = setup();
    run("SET", "s", "x");
    expect(run("HSET", "s", "a", "1")).toEqual(WRONGTYPE);
    expect(plain(engine.runReadOnly("HSET", "h", "a", "1"))).toEqual(
      error("NOPERM this user has no permissions to run the 'hset' command or its subcommand"),
    );
  });
});

describe("HMSET", () => {
  test("replies OK and sets every pair", () => {
    const { run, journal } = setup();
    expect(run("HMSET", "h", "a", "1", "b", "2")).toEqual({ status: "OK" });
    expect(run("HMGET", "h", "a", "b")).toEqual(["1", "2"]);
    expect(journal()).toEqual([["HMSET", "h", "a", "1", "b", "2"]]);
  });

  test("an odd number of arguments names hmset in the arity error", () => {
    const { run } = setup();
    expect(run("HMSET", "h", "a", "1", "b")).toEqual(error("ERR wrong number of arguments for 'hmset' command"));
  });
});

describe("HSETNX", () => {
  test("sets a field only when it is absent, journaling only that write", () => {
    const { run, journal } = setup();
    expect(run("HSETNX", "h", "a", "1")).toBe(1);
    expect(run("HSETNX", "h", "a", "2")).toBe(0);
    expect(run("HGET", "h", "a")).toBe("1");
    expect(journal()).toEqual([["HSETNX", "h", "a", "1"]]);
  });

  test("treats an expired field as absent", () => {
    const { engine, run } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    run("HPEXPIRE", "h", 10, "FIELDS", 1, "a");
    engine.clock.advance(11);
    expect(run("HSETNX", "h", "a", "new")).toBe(1);
    expect(run("HGET", "h", "a")).toBe("new");
  });
});

describe("HGET", () => {
  test("returns the value, or null for a missing field or key", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    expect(run("HGET", "h", "a")).toBe("1");
    expect(run("HGET", "h", "nope")).toBeNull();
    expect(run("HGET", "missing", "a")).toBeNull();
  });

  test("WRONGTYPE on a string key", () => {
    const { run } = setup();
    run("SET", "s", "x");
    expect(run("HGET", "s", "a")).toEqual(WRONGTYPE);
  });
});

describe("HMGET", () => {
  test("returns values in request order with nulls for missing fields or key", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    expect(run("HMGET", "h", "b", "nope", "a")).toEqual(["2", null, "1"]);
    expect(run("HMGET", "missing", "a", "b")).toEqual([null, null]);
  });

  test("WRONGTYPE on a string key", () => {
    const { run } = setup();
    run("SET", "s", "x");
    expect(run("HMGET", "s", "a")).toEqual(WRONGTYPE);
  });
});

describe("HDEL", () => {
  test("counts the fields it deleted and journals only when it deleted one", () => {
    const { run, journal } = setup();
    run("HSET", "h", "a", "1", "b", "2", "c", "3");
    expect(run("HDEL", "h", "a", "nope", "a", "b")).toBe(2);
    expect(run("HDEL", "h", "nope")).toBe(0);
    expect(run("HDEL", "missing", "a")).toBe(0);
    expect(journal()).toEqual([
      ["HSET", "h", "a", "1", "b", "2", "c", "3"],
      ["HDEL", "h", "a", "nope", "a", "b"],
    ]);
  });

  test("deletes the key with its last field", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    expect(run("HDEL", "h", "a")).toBe(1);
    expect(run("EXISTS", "h")).toBe(0);
  });
});

describe("HEXISTS", () => {
  test("is 1 for a present field and 0 otherwise", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    expect(run("HEXISTS", "h", "a")).toBe(1);
    expect(run("HEXISTS", "h", "b")).toBe(0);
    expect(run("HEXISTS", "missing", "a")).toBe(0);
  });
});

describe("HLEN", () => {
  test("counts live fields, 0 for a missing key", () => {
    const { engine, run } = setup();
    run("HSET", "h", "a", "1", "b", "2", "c", "3");
    expect(run("HLEN", "h")).toBe(3);
    run("HPEXPIRE", "h", 5, "FIELDS", 1, "b");
    engine.clock.advance(6);
    expect(run("HLEN", "h")).toBe(2);
    expect(run("HLEN", "missing")).toBe(0);
  });
});

describe("HSTRLEN", () => {
  test("counts bytes of the value, 0 when missing", () => {
    const { run } = setup();
    run("HSET", "h", "a", "\xc3\xa9t\xc3\xa9"); // "été" as UTF-8 bytes
    expect(run("HSTRLEN", "h", "a")).toBe(5);
    expect(run("HSTRLEN", "h", "b")).toBe(0);
    expect(run("HSTRLEN", "missing", "a")).toBe(0);
  });
});

describe("HGETALL", () => {
  test("returns a flat field/value array in insertion order, empty for a missing key", () => {
    const { run } = setup();
    run("HSET", "h", "b", "2", "a", "1");
    run("HSET", "h", "b", "3");
    expect(run("HGETALL", "h")).toEqual(["b", "3", "a", "1"]);
    expect(run("HGETALL", "missing")).toEqual([]);
  });
});

describe("HKEYS", () => {
  test("returns the fields, empty for a missing key", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    expect(run("HKEYS", "h")).toEqual(["a", "b"]);
    expect(run("HKEYS", "missing")).toEqual([]);
  });
});

describe("HVALS", () => {
  test("returns the values, empty for a missing key", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    expect(run("HVALS", "h")).toEqual(["1", "2"]);
    expect(run("HVALS", "missing")).toEqual([]);
  });
});

describe("HINCRBY", () => {
  test("starts from 0, adds, and journals the command as sent", () => {
    const { run, journal } = setup();
    expect(run("HINCRBY", "h", "n", 5)).toBe(5);
    expect(run("HINCRBY", "h", "n", -7)).toBe(-2);
    expect(run("HGET", "h", "n")).toBe("-2");
    expect(journal()).toEqual([
      ["HINCRBY", "h", "n", "5"],
      ["HINCRBY", "h", "n", "-7"],
    ]);
  });

  test("answers beyond 2^53 exactly and refuses to overflow int64", () => {
    const { run } = setup();
    expect(run("HINCRBY", "h", "n", "9223372036854775807")).toBe(9223372036854775807n);
    expect(run("HINCRBY", "h", "n", 1)).toEqual(error("ERR increment or decrement would overflow"));
    expect(run("HINCRBY", "h", "m", "-9223372036854775808")).toBe(-9223372036854775808n);
    expect(run("HINCRBY", "h", "m", -1)).toEqual(error("ERR increment or decrement would overflow"));
  });

  test("refuses a non-integer field value or increment with Redis's texts", () => {
    const { run } = setup();
    run("HSET", "h", "s", "hello", "z", "05", "sp", " 5");
    expect(run("HINCRBY", "h", "s", 1)).toEqual(error("ERR hash value is not an integer"));
    expect(run("HINCRBY", "h", "z", 1)).toEqual(error("ERR hash value is not an integer"));
    expect(run("HINCRBY", "h", "sp", 1)).toEqual(error("ERR hash value is not an integer"));
    expect(run("HINCRBY", "h", "n", "+5")).toEqual(NOT_INTEGER);
    expect(run("HINCRBY", "h", "n", "x")).toEqual(NOT_INTEGER);
  });

  test("keeps the field's TTL", () => {
    const { run } = setup();
    run("HSET", "h", "n", "1");
    run("HEXPIRE", "h", 100, "FIELDS", 1, "n");
    run("HINCRBY", "h", "n", 1);
    expect(run("HTTL", "h", "FIELDS", 1, "n")).toEqual([100]);
  });
});

describe("HINCRBYFLOAT", () => {
  test("adds in long double and prints like Redis, journaling the result as HSET", () => {
    const { run, journal } = setup();
    expect(run("HINCRBYFLOAT", "h", "f", "10.50")).toBe("10.5");
    expect(run("HINCRBYFLOAT", "h", "f", "1e17")).toBe("100000000000000010.5");
    expect(run("HINCRBYFLOAT", "h", "f", "0x1p-2")).toBe("100000000000000010.75");
    expect(run("HINCRBYFLOAT", "h", "g", "0.1")).toBe("0.1");
    expect(run("HINCRBYFLOAT", "h", "g", "0.2")).toBe("0.3");
    expect(journal()).toEqual([
      ["HSET", "h", "f", "10.5"],
      ["HSET", "h", "f", "100000000000000010.5"],
      ["HSET", "h", "f", "100000000000000010.75"],
      ["HSET", "h", "g", "0.1"],
      ["HSET", "h", "g", "0.3"],
    ]);
  });

  test("keeps a field TTL and journals it as HSETEX KEEPTTL so replay keeps it too", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "f", "1");
    run("HEXPIRE", "h", 100, "FIELDS", 1, "f");
    clearJournal();
    expect(run("HINCRBYFLOAT", "h", "f", "0.5")).toBe("1.5");
    expect(run("HTTL", "h", "FIELDS", 1, "f")).toEqual([100]);
    expect(journal()).toEqual([["HSETEX", "h", "KEEPTTL", "FIELDS", "1", "f", "1.5"]]);
  });

  test("refuses bad increments and values with Redis's texts", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "s", "hello", "inf", "inf", "ws", "5 ");
    clearJournal();
    expect(run("HINCRBYFLOAT", "h", "f", "abc")).toEqual(error("ERR value is not a valid float"));
    expect(run("HINCRBYFLOAT", "h", "f", "nan")).toEqual(error("ERR value is not a valid float"));
    expect(run("HINCRBYFLOAT", "h", "f", " 1")).toEqual(error("ERR value is not a valid float"));
    expect(run("HINCRBYFLOAT", "h", "f", "inf")).toEqual(error("ERR value is NaN or Infinity"));
    expect(run("HINCRBYFLOAT", "h", "s", "1")).toEqual(error("ERR hash value is not a float"));
    expect(run("HINCRBYFLOAT", "h", "ws", "1")).toEqual(error("ERR hash value is not a float"));
    expect(run("HINCRBYFLOAT", "h", "inf", "1")).toEqual(error("ERR increment would produce NaN or Infinity"));
    expect(run("HEXISTS", "h", "f")).toBe(0);
    expect(journal()).toEqual([]);
  });

  test("does not create the key when it fails", () => {
    const { run } = setup();
    expect(run("HINCRBYFLOAT", "h", "f", "x")).toEqual(error("ERR value is not a valid float"));
    expect(run("EXISTS", "h")).toBe(0);
  });
});

describe("HRANDFIELD", () => {
  test("without count returns one field, or null for a missing key", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1", "b", "2", "c", "3");
    expect(["a", "b", "c"]).toContain(run("HRANDFIELD", "h") as string);
    expect(run("HRANDFIELD", "missing")).toBeNull();
  });

  test("a positive count gives distinct fields, the whole hash when it is at least the size", () => {
    const { run } = setup();
    run("HSET", "h", ...Array.from({ length: 20 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    for (const count of [1, 3, 10, 19]) {
      const fields = run("HRANDFIELD", "h", count) as string[];
      expect(fields).toHaveLength(count);
      expect(new Set(fields).size).toBe(count);
    }
    expect(run("HRANDFIELD", "h", 50)).toEqual(Array.from({ length: 20 }, (_, i) => `f${i}`));
  });

  test("a negative count gives that many draws, repeats allowed", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    expect(run("HRANDFIELD", "h", -4)).toEqual(["a", "a", "a", "a"]);
  });

  test("WITHVALUES pairs each field with its value", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1", "b", "2", "c", "3");
    const reply = run("HRANDFIELD", "h", -6, "WITHVALUES") as string[];
    expect(reply).toHaveLength(12);
    for (let i = 0; i < reply.length; i += 2) expect(reply[i + 1]).toBe({ a: "1", b: "2", c: "3" }[reply[i]!]!);
  });

  test("is the same for the same seed", () => {
    const first = setup(7);
    const second = setup(7);
    for (const { run } of [first, second]) run("HSET", "h", ...Array.from({ length: 30 }, (_, i) => [`f${i}`, "v"]).flat());
    expect(first.run("HRANDFIELD", "h", 5)).toEqual(second.run("HRANDFIELD", "h", 5));
    expect(first.run("HRANDFIELD", "h", -5)).toEqual(second.run("HRANDFIELD", "h", -5));
  });

  test("count 0 and a missing key give an empty array", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    expect(run("HRANDFIELD", "h", 0)).toEqual([]);
    expect(run("HRANDFIELD", "missing", 3)).toEqual([]);
  });

  test("never returns an expired field", () => {
    const { engine, run } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    run("HPEXPIRE", "h", 1, "FIELDS", 1, "a");
    engine.clock.advance(2);
    expect(run("HRANDFIELD", "h", -10)).toEqual(Array(10).fill("b"));
  });

  test("refuses bad counts with redis-server 7.0's texts", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    expect(run("HRANDFIELD", "h", "x")).toEqual(NOT_INTEGER);
    expect(run("HRANDFIELD", "h", "-9223372036854775808")).toEqual(
      error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
    );
    expect(run("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES")).toEqual(error("ERR value is out of range"));
    expect(run("HRANDFIELD", "h", 1, "WITHVALUE")).toEqual(error("ERR syntax error"));
    expect(run("HRANDFIELD", "h", 1, "WITHVALUES", "x")).toEqual(error("ERR syntax error"));
  });
});

describe("HSCAN", () => {
  test("returns a small hash whole with cursor \"0\", MATCH filtering fields", () => {
    const { run } = setup();
    run("HSET", "h", "s1", "a", "b1", "b", "s2", "c");
    expect(run("HSCAN", "h", 0)).toEqual(["0", ["s1", "a", "b1", "b", "s2", "c"]]);
    expect(run("HSCAN", "h", 0, "MATCH", "s*", "COUNT", 1)).toEqual(["0", ["s1", "a", "s2", "c"]]);
    expect(run("HSCAN", "h", 0, "NOVALUES")).toEqual(["0", ["s1", "b1", "s2"]]);
  });

  test("walks a big hash by string cursors, every field exactly once", () => {
    const { run } = setup();
    run("HSET", "h", ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    const seen: string[] = [];
    let cursor = "0";
    let calls = 0;
    do {
      const [next, items] = run("HSCAN", "h", cursor, "COUNT", 25) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.push(items[i]!);
      cursor = next;
      calls++;
    } while (cursor !== "0");
    expect(calls).toBeGreaterThan(1);
    expect(seen.sort()).toEqual(Array.from({ length: 300 }, (_, i) => `f${i}`).sort());
    expect(run("HSCAN", "h", "18446744073709551615")).toEqual(["0", []]);
  });

  test("MATCH * also returns the empty field, as Redis skips matching for it", () => {
    const { run } = setup();
    run("HSET", "h", "", "v");
    expect(run("HSCAN", "h", 0, "MATCH", "*")).toEqual(["0", ["", "v"]]);
    expect(run("HSCAN", "h", 0, "MATCH", "**")).toEqual(["0", []]);
  });

  test("a missing key answers before its options are read", () => {
    const { run } = setup();
    expect(run("HSCAN", "missing", 0, "COUNT", 0)).toEqual(["0", []]);
  });

  test("refuses bad cursors and options with redis-server 7.0's texts", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    run("SET", "s", "x");
    expect(run("HSCAN", "h", "x")).toEqual(error("ERR invalid cursor"));
    expect(run("HSCAN", "h", " 1")).toEqual(error("ERR invalid cursor"));
    expect(run("HSCAN", "h", "18446744073709551616")).toEqual(error("ERR invalid cursor"));
    // A small hash ignores the cursor, as in Redis.
    expect(run("HSCAN", "h", "18446744073709551615")).toEqual(["0", ["a", "1"]]);
    expect(run("HSCAN", "h", 0, "COUNT", 0)).toEqual(error("ERR syntax error"));
    expect(run("HSCAN", "h", 0, "COUNT", "x")).toEqual(NOT_INTEGER);
    expect(run("HSCAN", "h", 0, "MATCH")).toEqual(error("ERR syntax error"));
    expect(run("HSCAN", "s", "x")).toEqual(error("ERR invalid cursor"));
    expect(run("HSCAN", "s", 0, "COUNT", 0)).toEqual(WRONGTYPE);
  });
});

describe("HEXPIRE", () => {
  test("sets a TTL in seconds and journals it as an absolute HPEXPIREAT", () => {
    const { engine, run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    clearJournal();
    expect(run("HEXPIRE", "h", 10, "FIELDS", 2, "a", "nope")).toEqual([1, -2]);
    expect(journal()).toEqual([["HPEXPIREAT", "h", String(NOW + 10_000), "FIELDS", "1", "a"]]);
    engine.clock.advance(10_000);
    expect(run("HGET", "h", "a")).toBe("1"); // alive through its expiry millisecond
    engine.clock.advance(1);
    expect(run("HGET", "h", "a")).toBeNull();
  });

  test("NX, XX, GT and LT follow Redis (no TTL counts as infinite)", () => {
    const { run } = setup();
    run("HSET", "h", "ttl", "1", "plain", "2");
    run("HEXPIRE", "h", 100, "FIELDS", 1, "ttl");
    expect(run("HEXPIRE", "h", 50, "NX", "FIELDS", 2, "ttl", "plain")).toEqual([0, 1]);
    run("HPERSIST", "h", "FIELDS", 1, "plain");
    expect(run("HEXPIRE", "h", 200, "XX", "FIELDS", 2, "ttl", "plain")).toEqual([1, 0]);
    expect(run("HEXPIRE", "h", 150, "GT", "FIELDS", 2, "ttl", "plain")).toEqual([0, 0]);
    expect(run("HEXPIRE", "h", 300, "gt", "FIELDS", 1, "ttl")).toEqual([1]);
    expect(run("HEXPIRE", "h", 300, "LT", "FIELDS", 2, "ttl", "plain")).toEqual([0, 1]);
    expect(run("HEXPIRE", "h", 250, "LT", "FIELDS", 1, "ttl")).toEqual([1]);
    expect(run("HTTL", "h", "FIELDS", 2, "ttl", "plain")).toEqual([250, 300]);
  });

  test("a time not after now deletes the field (2), journaled as HDEL, and the key with its last field", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    clearJournal();
    expect(run("HEXPIRE", "h", 0, "FIELDS", 1, "a")).toEqual([2]);
    expect(run("HGETALL", "h")).toEqual(["b", "2"]);
    expect(run("HEXPIRE", "h", 0, "FIELDS", 2, "b", "b")).toEqual([2, -2]);
    expect(run("EXISTS", "h")).toBe(0);
    expect(journal()).toEqual([
      ["HDEL", "h", "a"],
      ["HDEL", "h", "b"],
    ]);
  });

  test("a missing key answers -2 per field and journals nothing", () => {
    const { run, journal } = setup();
    expect(run("HEXPIRE", "missing", 10, "FIELDS", 2, "a", "b")).toEqual([-2, -2]);
    expect(journal()).toEqual([]);
  });

  test("refuses malformed arguments with Redis 7.4+'s texts", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    run("SET", "s", "x");
    expect(run("HEXPIRE", "h", 10, "BADCOND", "FIELDS", 1, "a")).toEqual(error("ERR Mandatory argument FIELDS is missing or not at the right position"));
    expect(run("HEXPIRE", "h", 10, "FIELDS", 0, "a")).toEqual(error("ERR Parameter `numFields` should be greater than 0"));
    expect(run("HEXPIRE", "h", 10, "FIELDS", "x", "a")).toEqual(error("ERR Parameter `numFields` should be greater than 0"));
    expect(run("HEXPIRE", "h", 10, "FIELDS", 2, "a")).toEqual(error("ERR The `numfields` parameter must match the number of arguments"));
    expect(run("HEXPIRE", "h", 10, "NX", "FIELDS", 1)).toEqual(error("ERR The `numfields` parameter must match the number of arguments"));
    expect(run("HEXPIRE", "h", -1, "FIELDS", 1, "a")).toEqual(error("ERR invalid expire time, must be >= 0"));
    expect(run("HEXPIRE", "h", "1.5", "FIELDS", 1, "a")).toEqual(NOT_INTEGER);
    expect(run("HEXPIRE", "h", 70_368_744_178, "FIELDS", 1, "a")).toEqual(error("ERR invalid expire time in 'hexpire' command"));
    expect(run("HEXPIRE", "s", -1, "FIELDS", 1, "a")).toEqual(WRONGTYPE);
    expect(run("HTTL", "h", "FIELDS", 1, "a")).toEqual([-1]);
  });
});

describe("HPEXPIRE", () => {
  test("sets a TTL in milliseconds, journaled as HPEXPIREAT", () => {
    const { engine, run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1");
    clearJournal();
    expect(run("HPEXPIRE", "h", 1500, "FIELDS", 1, "a")).toEqual([1]);
    expect(run("HPTTL", "h", "FIELDS", 1, "a")).toEqual([1500]);
    expect(journal()).toEqual([["HPEXPIREAT", "h", String(NOW + 1500), "FIELDS", "1", "a"]]);
    engine.clock.advance(1501);
    expect(run("HEXISTS", "h", "a")).toBe(0);
  });

  test("refuses an instant past Redis's field-expiry limit", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    expect(run("HPEXPIRE", "h", 70_368_744_177_663 - NOW + 1, "FIELDS", 1, "a")).toEqual(error("ERR invalid expire time in 'hpexpire' command"));
    expect(run("HPEXPIRE", "h", 70_368_744_177_663 - NOW, "FIELDS", 1, "a")).toEqual([1]);
  });
});

describe("HEXPIREAT", () => {
  test("sets an absolute time in seconds; a past one deletes the field", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    clearJournal();
    const at = NOW / 1000 + 60;
    expect(run("HEXPIREAT", "h", at, "FIELDS", 1, "a")).toEqual([1]);
    expect(run("HEXPIRETIME", "h", "FIELDS", 1, "a")).toEqual([at]);
    expect(run("HEXPIREAT", "h", NOW / 1000 - 1, "FIELDS", 1, "b")).toEqual([2]);
    expect(journal()).toEqual([
      ["HPEXPIREAT", "h", String(at * 1000), "FIELDS", "1", "a"],
      ["HDEL", "h", "b"],
    ]);
  });
});

describe("HPEXPIREAT", () => {
  test("sets an absolute time in milliseconds; the condition is dropped from the journal", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    clearJournal();
    expect(run("HPEXPIREAT", "h", NOW + 123, "NX", "FIELDS", 2, "a", "b")).toEqual([1, 1]);
    expect(run("HPEXPIREAT", "h", NOW + 456, "NX", "FIELDS", 1, "a")).toEqual([0]);
    expect(journal()).toEqual([["HPEXPIREAT", "h", String(NOW + 123), "FIELDS", "2", "a", "b"]]);
  });
});

describe("HTTL", () => {
  test("answers -2 for no field, -1 for no TTL, else seconds rounded up", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    run("HPEXPIRE", "h", 1500, "FIELDS", 1, "a");
    expect(run("HTTL", "h", "FIELDS", 3, "a", "b", "c")).toEqual([2, -1, -2]);
    expect(run("HTTL", "missing", "FIELDS", 2, "a", "b")).toEqual([-2, -2]);
  });

  test("refuses malformed arguments with Redis 7.4+'s texts", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    run("SET", "s", "x");
    expect(run("HTTL", "h", "NOTFIELDS", 1, "a")).toEqual(error("ERR Mandatory argument FIELDS is missing or not at the right position"));
    expect(run("HTTL", "h", "FIELDS", 0, "a")).toEqual(error("ERR Number of fields must be a positive integer"));
    expect(run("HTTL", "h", "FIELDS", 1, "a", "b")).toEqual(error("ERR The `numfields` parameter must match the number of arguments"));
    expect(run("HTTL", "s", "FIELDS", 0, "a")).toEqual(WRONGTYPE);
  });
});

describe("HPTTL", () => {
  test("answers remaining milliseconds", () => {
    const { engine, run } = setup();
    run("HSET", "h", "a", "1");
    run("HPEXPIRE", "h", 1500, "FIELDS", 1, "a");
    engine.clock.advance(400);
    expect(run("HPTTL", "h", "FIELDS", 2, "a", "x")).toEqual([1100, -2]);
  });
});

describe("HEXPIRETIME", () => {
  test("answers the absolute expiry in seconds, rounded up like Redis", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    run("HPEXPIREAT", "h", NOW + 1500, "FIELDS", 1, "a");
    expect(run("HEXPIRETIME", "h", "FIELDS", 2, "a", "b")).toEqual([NOW / 1000 + 2, -1]);
  });
});

describe("HPEXPIRETIME", () => {
  test("answers the absolute expiry in milliseconds", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    run("HPEXPIRE", "h", 1500, "FIELDS", 1, "a");
    expect(run("HPEXPIRETIME", "h", "FIELDS", 2, "a", "b")).toEqual([NOW + 1500, -2]);
  });
});

describe("HPERSIST", () => {
  test("answers 1 / -1 / -2, journals only the fields it changed, and the field then stays", () => {
    const { engine, run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    run("HPEXPIRE", "h", 100, "FIELDS", 1, "a");
    clearJournal();
    expect(run("HPERSIST", "h", "FIELDS", 3, "a", "b", "c")).toEqual([1, -1, -2]);
    expect(run("HPERSIST", "h", "FIELDS", 1, "a")).toEqual([-1]);
    expect(journal()).toEqual([["HPERSIST", "h", "FIELDS", "1", "a"]]);
    engine.clock.advance(1_000);
    expect(run("HGET", "h", "a")).toBe("1");
  });

  test("a missing key answers -2 per field", () => {
    const { run } = setup();
    expect(run("HPERSIST", "missing", "FIELDS", 1, "a")).toEqual([-2]);
    expect(run("HPERSIST", "missing", "FIELDS", "x", "a")).toEqual(error("ERR Number of fields must be a positive integer"));
  });
});

describe("HGETDEL", () => {
  test("returns the values and deletes those fields, journaled as HDEL of what it deleted", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1", "b", "2", "c", "3");
    clearJournal();
    expect(run("HGETDEL", "h", "FIELDS", 3, "a", "nope", "a")).toEqual(["1", null, null]);
    expect(run("HGETALL", "h")).toEqual(["b", "2", "c", "3"]);
    expect(journal()).toEqual([["HDEL", "h", "a"]]);
  });

  test("deletes the key with its last field; a missing key gives nulls", () => {
    const { run } = setup();
    run("HSET", "h", "a", "1");
    expect(run("HGETDEL", "h", "FIELDS", 1, "a")).toEqual(["1"]);
    expect(run("EXISTS", "h")).toBe(0);
    expect(run("HGETDEL", "h", "FIELDS", 2, "a", "b")).toEqual([null, null]);
  });

  test("refuses malformed arguments with Redis 8's texts", () => {
    const { run } = setup();
    expect(run("HGETDEL", "h", "FIELD", 1, "a")).toEqual(error("ERR Mandatory argument FIELDS is missing or not at the right position"));
    expect(run("HGETDEL", "h", "FIELDS", "abc", "a")).toEqual(error("ERR Number of fields must be a positive integer"));
    expect(run("HGETDEL", "h", "FIELDS", 2, "a")).toEqual(error("ERR The `numfields` parameter must match the number of arguments"));
  });
});

describe("HGETEX", () => {
  test("without an option reads like HMGET and journals nothing", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1");
    clearJournal();
    expect(run("HGETEX", "h", "FIELDS", 2, "a", "b")).toEqual(["1", null]);
    expect(journal()).toEqual([]);
  });

  test("EX sets the TTL of the fields it found, journaled as HPEXPIREAT", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    clearJournal();
    expect(run("HGETEX", "h", "EX", 10, "FIELDS", 3, "a", "nope", "b")).toEqual(["1", null, "2"]);
    expect(run("HTTL", "h", "FIELDS", 2, "a", "b")).toEqual([10, 10]);
    expect(journal()).toEqual([["HPEXPIREAT", "h", String(NOW + 10_000), "FIELDS", "2", "a", "b"]]);
  });

  test("PERSIST removes TTLs, journaled as HPERSIST of the fields that had one", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    run("HPEXPIRE", "h", 100, "FIELDS", 1, "a");
    clearJournal();
    expect(run("HGETEX", "h", "PERSIST", "FIELDS", 2, "a", "b")).toEqual(["1", "2"]);
    expect(run("HTTL", "h", "FIELDS", 1, "a")).toEqual([-1]);
    expect(journal()).toEqual([["HPERSIST", "h", "FIELDS", "1", "a"]]);
  });

  test("a past PXAT returns the values, deletes the fields (HDEL) and the emptied key", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1");
    clearJournal();
    expect(run("HGETEX", "h", "PXAT", NOW - 1, "FIELDS", 1, "a")).toEqual(["1"]);
    expect(run("EXISTS", "h")).toBe(0);
    expect(journal()).toEqual([["HDEL", "h", "a"]]);
  });

  test("a missing key gives nulls; malformed arguments get Redis 8's texts", () => {
    const { run } = setup();
    expect(run("HGETEX", "missing", "PX", 5, "FIELDS", 1, "a")).toEqual([null]);
    expect(run("HGETEX", "h", "EX", 10, "FIELDS")).toEqual(error("ERR wrong number of arguments for 'hgetex' command"));
    expect(run("HGETEX", "h", "EX", 10, "NOTFIELDS", 1, "a")).toEqual(error("ERR Mandatory argument FIELDS is missing or not at the right position"));
    expect(run("HGETEX", "h", "EX", -1, "FIELDS", 1, "a")).toEqual(error("ERR invalid expire time, must be >= 0"));
    expect(run("HGETEX", "h", "EXAT", 70_368_744_178, "FIELDS", 1, "a")).toEqual(error("ERR invalid expire time in 'hgetex' command"));
    expect(run("HGETEX", "h", "FIELDS", 0, "a")).toEqual(error("ERR Number of fields must be a positive integer"));
  });
});

describe("HSETEX", () => {
  test("sets fields with a relative TTL, journaled with an absolute PXAT", () => {
    const { run, journal } = setup();
    expect(run("HSETEX", "h", "EX", 10, "FIELDS", 2, "a", "1", "b", "2")).toBe(1);
    expect(run("HTTL", "h", "FIELDS", 2, "a", "b")).toEqual([10, 10]);
    expect(journal()).toEqual([["HSETEX", "h", "PXAT", String(NOW + 10_000), "FIELDS", "2", "a", "1", "b", "2"]]);
  });

  test("KEEPTTL keeps a field's TTL; no expiry option clears it", () => {
    const { run, journal, clearJournal } = setup();
    run("HSETEX", "h", "PX", 5000, "FIELDS", 2, "a", "1", "b", "2");
    clearJournal();
    expect(run("HSETEX", "h", "KEEPTTL", "FIELDS", 1, "a", "x")).toBe(1);
    expect(run("HSETEX", "h", "FIELDS", 1, "b", "y")).toBe(1);
    expect(run("HPTTL", "h", "FIELDS", 2, "a", "b")).toEqual([5000, -1]);
    expect(run("HMGET", "h", "a", "b")).toEqual(["x", "y"]);
    expect(journal()).toEqual([
      ["HSETEX", "h", "KEEPTTL", "FIELDS", "1", "a", "x"],
      ["HSETEX", "h", "FIELDS", "1", "b", "y"],
    ]);
  });

  test("FNX and FXX set all fields or none, and are dropped from the journal", () => {
    const { run, journal, clearJournal } = setup();
    expect(run("HSETEX", "h", "FXX", "FIELDS", 1, "a", "1")).toBe(0);
    expect(run("EXISTS", "h")).toBe(0);
    expect(run("HSETEX", "h", "FNX", "FIELDS", 1, "a", "1")).toBe(1);
    clearJournal();
    expect(run("HSETEX", "h", "FNX", "FIELDS", 2, "a", "2", "b", "2")).toBe(0);
    expect(run("HSETEX", "h", "FXX", "FIELDS", 2, "a", "3", "b", "3")).toBe(0);
    expect(run("HSETEX", "h", "FXX", "PX", 100, "FIELDS", 1, "a", "4")).toBe(1);
    expect(run("HGETALL", "h")).toEqual(["a", "4"]);
    expect(journal()).toEqual([["HSETEX", "h", "PXAT", String(NOW + 100), "FIELDS", "1", "a", "4"]]);
  });

  test("a past time sets and at once deletes, journaled as HDEL", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "old");
    clearJournal();
    expect(run("HSETEX", "h", "PXAT", NOW, "FIELDS", 2, "a", "1", "b", "2")).toBe(1);
    expect(run("EXISTS", "h")).toBe(0);
    expect(journal()).toEqual([["HDEL", "h", "a", "b"]]);
  });

  test("refuses malformed arguments with Redis 8's texts, before checking the key's type", () => {
    const { run } = setup();
    run("SET", "s", "x");
    expect(run("HSETEX", "s", "BOGUS", "FIELDS", 1, "a", "1")).toEqual(error("ERR unknown argument: BOGUS"));
    expect(run("HSETEX", "h", "FNX", "FXX", "FIELDS", 1, "a", "1")).toEqual(error("ERR Only one of FXX or FNX arguments can be specified"));
    expect(run("HSETEX", "h", "EX", 1, "KEEPTTL", "FIELDS", 1, "a", "1")).toEqual(
      error("ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"),
    );
    expect(run("HSETEX", "h", "FIELDS", 0, "a", "1")).toEqual(error("ERR invalid number of fields"));
    expect(run("HSETEX", "h", "FIELDS", 2, "a", "1")).toEqual(error("ERR wrong number of arguments for 'hsetex' command"));
    expect(run("HSETEX", "h", "EX", 10, "FIELDS", 1, "a")).toEqual(error("ERR wrong number of arguments for 'hsetex' command"));
    expect(run("HSETEX", "h", "EX", -5, "FIELDS", 1, "a", "1")).toEqual(error("ERR invalid expire time, must be >= 0"));
    expect(run("HSETEX", "s", "FIELDS", 1, "a", "1")).toEqual(WRONGTYPE);
    expect(run("EXISTS", "h")).toBe(0);
  });
});

describe("field expiry", () => {
  test("an expired field is deleted on access and journaled as HDEL, once", () => {
    const { engine, run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1", "b", "2", "c", "3");
    run("HPEXPIRE", "h", 10, "FIELDS", 2, "c", "a");
    clearJournal();
    engine.clock.advance(11);
    expect(run("HGETALL", "h")).toEqual(["b", "2"]);
    expect(run("HLEN", "h")).toBe(1);
    expect(journal()).toEqual([["HDEL", "h", "a", "c"]]);
  });

  test("the key disappears when its last field expires", () => {
    const { engine, run, journal, clearJournal } = setup();
    run("HSET", "h", "a", "1");
    run("HEXPIRE", "h", 1, "FIELDS", 1, "a");
    clearJournal();
    engine.clock.advance(1_001);
    expect(run("HGET", "h", "a")).toBeNull();
    expect(run("EXISTS", "h")).toBe(0);
    expect(journal()).toEqual([["HDEL", "h", "a"]]);
  });

  test("an expired field reads as absent in TTL queries and is recreated fresh by HSET", () => {
    const { engine, run } = setup();
    run("HSET", "h", "a", "1", "b", "2");
    run("HPEXPIRE", "h", 5, "FIELDS", 1, "a");
    engine.clock.advance(6);
    expect(run("HTTL", "h", "FIELDS", 1, "a")).toEqual([-2]);
    expect(run("HSET", "h", "a", "new")).toBe(1);
    expect(run("HTTL", "h", "FIELDS", 1, "a")).toEqual([-1]);
  });
});
