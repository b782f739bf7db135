// Proves the string commands' replies, error texts and journaled (replay-safe) forms, in process
// on a manual clock. Expected replies and errors were checked against a real redis-server 7.0.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain, type TestEngine } from "../../../test/harness/engine.ts";

const run = (engine: TestEngine, ...argv: (string | number)[]) => plain(engine.run(...argv));
const error = (message: string) => ({ error: message });
const OK = { status: "OK" };
const wrongType = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const notInteger = error("ERR value is not an integer or out of range");
const notFloat = error("ERR value is not a valid float");
const syntax = error("ERR syntax error");
const invalidSetExpire = "ERR invalid expire time in 'set' command";

/** An engine where "h" holds a hash, for the WRONGTYPE paths. */
function engineWithHash(): TestEngine {
  const engine = createTestEngine();
  engine.run("HSET", "h", "f", "v");
  return engine;
}

const expiresAtMs = (engine: TestEngine, key: string) => engine.database.keyspace.get(key)?.expiresAtMs;

describe("GET", () => {
  test("returns the value, nil for a missing key, WRONGTYPE for another type", () => {
    const engine = engineWithHash();
    engine.run("SET", "k", "v\x00\xff");
    expect(run(engine, "GET", "k")).toBe("v\x00\xff");
    expect(run(engine, "GET", "missing")).toBeNull();
    expect(run(engine, "GET", "h")).toEqual(wrongType);
  });

  test("an expired key reads as nil and its deletion is journaled", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v", "PX", 100);
    engine.clock.advance(101);
    expect(run(engine, "GET", "k")).toBeNull();
    expect(engine.journal.argvs().at(-1)).toEqual(["DEL", "k"]);
  });
});

describe("SET", () => {
  test("stores a value and GET returns it", () => {
    const engine = createTestEngine();
    expect(run(engine, "SET", "k", "v")).toEqual(OK);
    expect(run(engine, "GET", "k")).toBe("v");
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v"]]);
  });

  test("EX is journaled as an absolute PXAT instant", () => {
    const engine = createTestEngine();
    const now = engine.clock.nowMs();
    engine.run("SET", "k", "v", "EX", 10);
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v", "PXAT", String(now + 10_000)]]);
    engine.clock.advance(10_000);
    expect(run(engine, "GET", "k")).toBe("v");
    engine.clock.advance(1);
    expect(run(engine, "GET", "k")).toBeNull();
  });

  test("PX, EXAT and PXAT set the same absolute instant form", () => {
    const engine = createTestEngine();
    const now = engine.clock.nowMs();
    engine.run("SET", "a", "v", "PX", 1500);
    engine.run("SET", "b", "v", "EXAT", 2_000_000_000);
    engine.run("SET", "c", "v", "pxat", 2_000_000_000_123);
    expect(engine.journal.argvs()).toEqual([
      ["SET", "a", "v", "PXAT", String(now + 1500)],
      ["SET", "b", "v", "PXAT", "2000000000000"],
      ["SET", "c", "v", "PXAT", "2000000000123"],
    ]);
    expect(expiresAtMs(engine, "b")).toBe(2_000_000_000_000);
  });

  test("a far-future PXAT is journaled digit for digit", () => {
    const engine = createTestEngine();
    expect(run(engine, "SET", "k", "v", "PXAT", "9223372036854775807")).toEqual(OK);
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v", "PXAT", "9223372036854775807"]]);
  });

  test("NX sets only a missing key, XX only an existing one", () => {
    const engine = createTestEngine();
    expect(run(engine, "SET", "k", "1", "XX")).toBeNull();
    expect(run(engine, "SET", "k", "1", "NX")).toEqual(OK);
    expect(run(engine, "SET", "k", "2", "NX")).toBeNull();
    expect(run(engine, "SET", "k", "3", "XX")).toEqual(OK);
    expect(run(engine, "GET", "k")).toBe("3");
    // Redis journals NX/XX as given; a refused SET journals nothing.
    expect(engine.journal.argvs()).toEqual([
      ["SET", "k", "1", "NX"],
      ["SET", "k", "3", "XX"],
    ]);
  });

  test("GET returns the old value, also when NX refuses, and is left out of the journal", () => {
    const engine = createTestEngine();
    expect(run(engine, "SET", "k", "1", "GET")).toBeNull();
    expect(run(engine, "SET", "k", "2", "get", "GET")).toBe("1");
    expect(run(engine, "SET", "k", "3", "NX", "GET")).toBe("2");
    expect(run(engine, "SET", "k2", "v", "NX", "GET")).toBeNull();
    expect(engine.journal.argvs()).toEqual([
      ["SET", "k", "1"],
      ["SET", "k", "2"],
      ["SET", "k2", "v", "NX"],
    ]);
  });

  test("GET on another type is WRONGTYPE; without GET the other type is replaced", () => {
    const engine = engineWithHash();
    expect(run(engine, "SET", "h", "v", "GET")).toEqual(wrongType);
    expect(run(engine, "SET", "h", "v", "NX", "GET")).toEqual(wrongType);
    expect(run(engine, "SET", "h", "v")).toEqual(OK);
    expect(run(engine, "GET", "h")).toBe("v");
  });

  test("a plain SET clears the TTL, KEEPTTL keeps it and is journaled as given", () => {
    const engine = createTestEngine();
    const now = engine.clock.nowMs();
    engine.run("SET", "k", "1", "PX", 5000);
    engine.run("SET", "k", "2", "KEEPTTL", "GET");
    expect(expiresAtMs(engine, "k")).toBe(now + 5000);
    engine.run("SET", "k", "3");
    expect(expiresAtMs(engine, "k")).toBe(0);
    expect(engine.journal.argvs().slice(1)).toEqual([
      ["SET", "k", "2", "KEEPTTL"],
      ["SET", "k", "3"],
    ]);
  });

  test("repeating an option is allowed, and only the last expire amount is read", () => {
    const engine = createTestEngine();
    const now = engine.clock.nowMs();
    expect(run(engine, "SET", "k", "v", "EX", "abc", "EX", 20, "NX", "NX")).toEqual(OK);
    expect(expiresAtMs(engine, "k")).toBe(now + 20_000);
    expect(run(engine, "SET", "k", "v", "KEEPTTL", "KEEPTTL")).toEqual(OK);
  });

  test.each([
    [["NX", "XX"], "ERR syntax error"],
    [["XX", "NX"], "ERR syntax error"],
    [["EX", 10, "PX", 10], "ERR syntax error"],
    [["PX", 10, "EX", 10], "ERR syntax error"],
    [["EX", 10, "KEEPTTL"], "ERR syntax error"],
    [["KEEPTTL", "PXAT", 10], "ERR syntax error"],
    [["EX"], "ERR syntax error"],
    [["PERSIST"], "ERR syntax error"],
    [["FOO"], "ERR syntax error"],
    [["EX", 0, "FOO"], "ERR syntax error"], // options are all read before any amount
    [["EX", 0], invalidSetExpire],
    [["EX", -1], invalidSetExpire],
    [["PXAT", 0], invalidSetExpire],
    [["PX", "9223372036854775807"], invalidSetExpire],
    [["EX", "9223372036854775"], invalidSetExpire],
    [["EX", "9223372036854776"], invalidSetExpire],
    [["EX", "1.5"], "ERR value is not an integer or out of range"],
    [["EX", "9223372036854775808"], "ERR value is not an integer or out of range"],
  ])("SET k v %j is %s and changes nothing", (options, message) => {
    const engine = createTestEngine();
    expect(run(engine, "SET", "k", "v", ...options)).toEqual(error(message));
    expect(run(engine, "GET", "k")).toBeNull();
    expect(engine.journal.entries).toEqual([]);
  });

  test("a bad expire amount is reported before GET's WRONGTYPE", () => {
    const engine = engineWithHash();
    expect(run(engine, "SET", "h", "v", "XX", "GET", "EX", "abc")).toEqual(notInteger);
    expect(run(engine, "SET", "h", "v", "GET", "EX", 0)).toEqual(error("ERR invalid expire time in 'set' command"));
  });

  test("a read-only session is refused with NOPERM", () => {
    const engine = createTestEngine();
    expect(run(engine, "SET", "k", "v")).toEqual(OK);
    expect(plain(engine.runReadOnly("SET", "k", "v"))).toEqual({
      error: "NOPERM this user has no permissions to run the 'set' command or its subcommand",
    });
  });
});

describe("SETNX", () => {
  test("answers 1 when it sets a missing key, 0 otherwise, and journals itself", () => {
    const engine = createTestEngine();
    expect(run(engine, "SETNX", "k", "1")).toBe(1);
    expect(run(engine, "SETNX", "k", "2")).toBe(0);
    expect(run(engine, "GET", "k")).toBe("1");
    expect(engine.journal.argvs()).toEqual([["SETNX", "k", "1"]]);
  });
});

describe("SETEX", () => {
  test("sets the value with a TTL in seconds, journaled as SET ... PXAT", () => {
    const engine = createTestEngine();
    const now = engine.clock.nowMs();
    expect(run(engine, "SETEX", "k", 100, "v")).toEqual(OK);
    expect(expiresAtMs(engine, "k")).toBe(now + 100_000);
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v", "PXAT", String(now + 100_000)]]);
  });

  test("a zero, negative or non-integer TTL is refused with SETEX's name", () => {
    const engine = createTestEngine();
    expect(run(engine, "SETEX", "k", 0, "v")).toEqual(error("ERR invalid expire time in 'setex' command"));
    expect(run(engine, "SETEX", "k", -5, "v")).toEqual(error("ERR invalid expire time in 'setex' command"));
    expect(run(engine, "SETEX", "k", "abc", "v")).toEqual(notInteger);
    expect(engine.journal.entries).toEqual([]);
  });
});

describe("PSETEX", () => {
  test("sets the value with a TTL in milliseconds, journaled as SET ... PXAT", () => {
    const engine = createTestEngine();
    const now = engine.clock.nowMs();
    expect(run(engine, "PSETEX", "k", 1500, "v")).toEqual(OK);
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v", "PXAT", String(now + 1500)]]);
    engine.clock.advance(1501);
    expect(run(engine, "GET", "k")).toBeNull();
  });

  test("a negative TTL is refused with PSETEX's name", () => {
    const engine = createTestEngine();
    expect(run(engine, "PSETEX", "k", -5, "v")).toEqual(error("ERR invalid expire time in 'psetex' command"));
  });
});

describe("GETSET", () => {
  test("returns the old value, sets the new one without TTL, journaled as SET", () => {
    const engine = createTestEngine();
    expect(run(engine, "GETSET", "k", "1")).toBeNull();
    engine.run("PSETEX", "k", 5000, "2");
    expect(run(engine, "GETSET", "k", "3")).toBe("2");
    expect(expiresAtMs(engine, "k")).toBe(0);
    expect(engine.journal.argvs()[0]).toEqual(["SET", "k", "1"]);
    expect(engine.journal.argvs()[2]).toEqual(["SET", "k", "3"]);
  });

  test("another type is WRONGTYPE and stays", () => {
    const engine = engineWithHash();
    expect(run(engine, "GETSET", "h", "x")).toEqual(wrongType);
    expect(engine.database.keyspace.get("h")?.type).toBe("hash");
  });
});

describe("GETDEL", () => {
  test("returns the value and deletes the key, journaled as DEL", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(run(engine, "GETDEL", "k")).toBe("v");
    expect(run(engine, "GETDEL", "k")).toBeNull();
    expect(engine.journal.argvs()).toEqual([
      ["SET", "k", "v"],
      ["DEL", "k"],
    ]);
  });

  test("another type is WRONGTYPE and is not deleted", () => {
    const engine = engineWithHash();
    expect(run(engine, "GETDEL", "h")).toEqual(wrongType);
    expect(engine.database.keyspace.has("h")).toBe(true);
  });
});

describe("GETEX", () => {
  test("without options it only reads", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(run(engine, "GETEX", "k")).toBe("v");
    expect(run(engine, "GETEX", "missing")).toBeNull();
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v"]]);
  });

  test("EX, PX, EXAT and PXAT set the TTL, journaled as PEXPIREAT", () => {
    const engine = createTestEngine();
    const now = engine.clock.nowMs();
    engine.run("SET", "k", "v");
    expect(run(engine, "GETEX", "k", "EX", 100)).toBe("v");
    expect(run(engine, "GETEX", "k", "px", 100)).toBe("v");
    expect(run(engine, "GETEX", "k", "EXAT", 2_000_000_000)).toBe("v");
    expect(run(engine, "GETEX", "k", "PXAT", 2_000_000_000_001)).toBe("v");
    expect(expiresAtMs(engine, "k")).toBe(2_000_000_000_001);
    expect(engine.journal.argvs().slice(1)).toEqual([
      ["PEXPIREAT", "k", String(now + 100_000)],
      ["PEXPIREAT", "k", String(now + 100)],
      ["PEXPIREAT", "k", "2000000000000"],
      ["PEXPIREAT", "k", "2000000000001"],
    ]);
  });

  test("an absolute instant already reached deletes the key, journaled as DEL", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(run(engine, "GETEX", "k", "PXAT", engine.clock.nowMs())).toBe("v");
    expect(run(engine, "GET", "k")).toBeNull();
    expect(engine.journal.argvs().slice(1)).toEqual([["DEL", "k"]]);
  });

  test("PERSIST removes a TTL, journaled as PERSIST; on a key without one it changes nothing", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v", "EX", 100);
    expect(run(engine, "GETEX", "k", "PERSIST")).toBe("v");
    expect(expiresAtMs(engine, "k")).toBe(0);
    expect(run(engine, "GETEX", "k", "PERSIST", "PERSIST")).toBe("v");
    expect(engine.journal.argvs().slice(1)).toEqual([["PERSIST", "k"]]);
  });

  test.each([
    [["PERSIST", "EX", 10], "ERR syntax error"],
    [["EX", 10, "PERSIST"], "ERR syntax error"],
    [["EX", 10, "PX", 10], "ERR syntax error"],
    [["KEEPTTL"], "ERR syntax error"],
    [["NX"], "ERR syntax error"],
    [["GET"], "ERR syntax error"],
    [["EX"], "ERR syntax error"],
    [["EX", 0], "ERR invalid expire time in 'getex' command"],
    [["EX", "x"], "ERR value is not an integer or out of range"],
  ])("GETEX k %j is %s and changes nothing", (options, message) => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(run(engine, "GETEX", "k", ...options)).toEqual(error(message));
    expect(expiresAtMs(engine, "k")).toBe(0);
    expect(engine.journal.entries.length).toBe(1);
  });

  test("a missing key answers nil before the amount is checked; the type is checked before it", () => {
    const engine = engineWithHash();
    expect(run(engine, "GETEX", "missing", "EX", 0)).toBeNull();
    expect(run(engine, "GETEX", "missing", "FOO")).toEqual(syntax);
    expect(run(engine, "GETEX", "h", "EX", "x")).toEqual(wrongType);
  });
});

describe("MGET", () => {
  test("returns each value in order, nil for missing keys and other types", () => {
    const engine = engineWithHash();
    engine.run("MSET", "a", "1", "b", "2");
    expect(run(engine, "MGET", "a", "missing", "h", "b")).toEqual(["1", null, null, "2"]);
  });
});

describe("MSET", () => {
  test("sets every pair, clearing TTLs, and journals itself", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "old", "EX", 100);
    expect(run(engine, "MSET", "a", "1", "b", "2", "a", "3")).toEqual(OK);
    expect(run(engine, "MGET", "a", "b")).toEqual(["3", "2"]);
    expect(expiresAtMs(engine, "a")).toBe(0);
    expect(engine.journal.argvs()[1]).toEqual(["MSET", "a", "1", "b", "2", "a", "3"]);
  });

  test("an unpaired key is a wrong number of arguments", () => {
    const engine = createTestEngine();
    expect(run(engine, "MSET", "a")).toEqual(error("ERR wrong number of arguments for 'mset' command"));
    expect(run(engine, "MSET", "a", "1", "b")).toEqual(error("ERR wrong number of arguments for 'mset' command"));
    expect(engine.journal.entries).toEqual([]);
  });
});

describe("MSETNX", () => {
  test("sets all pairs only when no key exists", () => {
    const engine = createTestEngine();
    expect(run(engine, "MSETNX", "a", "1", "b", "2")).toBe(1);
    expect(run(engine, "MSETNX", "c", "3", "b", "4")).toBe(0);
    expect(run(engine, "MGET", "a", "b", "c")).toEqual(["1", "2", null]);
    expect(engine.journal.argvs()).toEqual([["MSETNX", "a", "1", "b", "2"]]);
  });

  test("a key given twice takes its last value", () => {
    const engine = createTestEngine();
    expect(run(engine, "MSETNX", "a", "1", "a", "2")).toBe(1);
    expect(run(engine, "GET", "a")).toBe("2");
  });

  test("an unpaired key is a wrong number of arguments", () => {
    const engine = createTestEngine();
    expect(run(engine, "MSETNX", "a", "1", "b")).toEqual(error("ERR wrong number of arguments for 'msetnx' command"));
  });
});

describe("INCR", () => {
  test("counts from 0, keeps the TTL, journals itself", () => {
    const engine = createTestEngine();
    expect(run(engine, "INCR", "n")).toBe(1);
    engine.run("SET", "n", "41", "PX", 5000);
    const atMs = expiresAtMs(engine, "n");
    expect(run(engine, "INCR", "n")).toBe(42);
    expect(expiresAtMs(engine, "n")).toBe(atMs);
    expect(run(engine, "GET", "n")).toBe("42");
    expect(engine.journal.argvs().at(-1)).toEqual(["INCR", "n"]);
  });

  test("replies beyond 2^53 are exact", () => {
    const engine = createTestEngine();
    engine.run("SET", "n", "9007199254740993");
    expect(engine.run("INCR", "n")).toBe(9007199254740994n);
  });

  test("overflow past int64 is refused", () => {
    const engine = createTestEngine();
    engine.run("SET", "n", "9223372036854775807");
    expect(run(engine, "INCR", "n")).toEqual(error("ERR increment or decrement would overflow"));
    expect(run(engine, "GET", "n")).toBe("9223372036854775807");
  });

  test.each(["abc", "007", "+7", "-0", " 1", "1 ", "1.5", "", "9223372036854775808", "1\x00"])(
    "the stored value %p is not an integer",
    (value) => {
      const engine = createTestEngine();
      engine.run("SET", "n", value);
      expect(run(engine, "INCR", "n")).toEqual(notInteger);
      expect(engine.journal.entries.length).toBe(1);
    },
  );

  test("another type is WRONGTYPE", () => {
    expect(run(engineWithHash(), "INCR", "h")).toEqual(wrongType);
  });
});

describe("INCRBY", () => {
  test("adds a signed int64", () => {
    const engine = createTestEngine();
    expect(run(engine, "INCRBY", "n", 10)).toBe(10);
    expect(run(engine, "INCRBY", "n", -15)).toBe(-5);
    expect(engine.run("INCRBY", "n", "-9223372036854775803")).toBe(-9223372036854775808n);
    expect(run(engine, "INCRBY", "n", -1)).toEqual(error("ERR increment or decrement would overflow"));
  });

  test("the increment is checked before the key's type", () => {
    const engine = engineWithHash();
    expect(run(engine, "INCRBY", "h", "x")).toEqual(notInteger);
    expect(run(engine, "INCRBY", "h", "9223372036854775808")).toEqual(notInteger);
    expect(run(engine, "INCRBY", "h", 1)).toEqual(wrongType);
  });
});

describe("DECR", () => {
  test("counts down from 0 and refuses to pass int64's minimum", () => {
    const engine = createTestEngine();
    expect(run(engine, "DECR", "n")).toBe(-1);
    engine.run("SET", "n", "-9223372036854775808");
    expect(run(engine, "DECR", "n")).toEqual(error("ERR increment or decrement would overflow"));
  });
});

describe("DECRBY", () => {
  test("subtracts a signed int64", () => {
    const engine = createTestEngine();
    engine.run("SET", "n", "10");
    expect(run(engine, "DECRBY", "n", 15)).toBe(-5);
    expect(run(engine, "DECRBY", "n", -5)).toBe(0);
    expect(engine.journal.argvs().at(-1)).toEqual(["DECRBY", "n", "-5"]);
  });

  test("int64's minimum cannot be negated", () => {
    const engine = createTestEngine();
    engine.run("SET", "n", "5");
    expect(run(engine, "DECRBY", "n", "-9223372036854775808")).toEqual(error("ERR decrement would overflow"));
    expect(run(engine, "DECRBY", "n", "9223372036854775807")).toBe(-9223372036854775802n);
  });
});

describe("INCRBYFLOAT", () => {
  test("adds in long double precision and prints as Redis does", () => {
    const engine = createTestEngine();
    expect(run(engine, "INCRBYFLOAT", "f", "0.1")).toBe("0.1");
    expect(run(engine, "INCRBYFLOAT", "f", "0.2")).toBe("0.3");
    engine.run("SET", "big", "1e17");
    expect(run(engine, "INCRBYFLOAT", "big", 1)).toBe("100000000000000001");
    engine.run("SET", "e", "5.0e3");
    expect(run(engine, "INCRBYFLOAT", "e", "2.0e2")).toBe("5200");
    expect(run(engine, "INCRBYFLOAT", "e", "0x10")).toBe("5216");
    expect(run(engine, "GET", "e")).toBe("5216");
  });

  test("is journaled as SET key result KEEPTTL and keeps the TTL", () => {
    const engine = createTestEngine();
    engine.run("SET", "f", "3", "PX", 5000);
    const atMs = expiresAtMs(engine, "f");
    expect(run(engine, "INCRBYFLOAT", "f", "1.5")).toBe("4.5");
    expect(expiresAtMs(engine, "f")).toBe(atMs);
    expect(engine.journal.argvs().at(-1)).toEqual(["SET", "f", "4.5", "KEEPTTL"]);
  });

  test("a stored value or increment that is not a float is refused", () => {
    const engine = createTestEngine();
    engine.run("SET", "f", "abc");
    expect(run(engine, "INCRBYFLOAT", "f", 1)).toEqual(notFloat);
    engine.run("SET", "f", "1\x00");
    expect(run(engine, "INCRBYFLOAT", "f", 1)).toEqual(notFloat);
    engine.run("SET", "f", "");
    expect(run(engine, "INCRBYFLOAT", "f", 1)).toEqual(notFloat);
    for (const increment of ["", " 1", "1 ", "nan", "1e5000", "x"]) {
      expect(run(engine, "INCRBYFLOAT", "n", increment)).toEqual(notFloat);
    }
    expect(engine.database.keyspace.has("n")).toBe(false);
  });

  test("a NaN or infinite result is refused and changes nothing", () => {
    const engine = createTestEngine();
    expect(run(engine, "INCRBYFLOAT", "f", "inf")).toEqual(error("ERR increment would produce NaN or Infinity"));
    engine.run("SET", "f", "1.18973149535723176502e+4932");
    expect(run(engine, "INCRBYFLOAT", "f", "1e4932")).toEqual(error("ERR increment would produce NaN or Infinity"));
    expect(engine.journal.entries.length).toBe(1);
  });

  test("the key's type is checked before the increment", () => {
    expect(run(engineWithHash(), "INCRBYFLOAT", "h", "x")).toEqual(wrongType);
  });
});

describe("APPEND", () => {
  test("creates or extends the value and returns its byte length, keeping the TTL", () => {
    const engine = createTestEngine();
    expect(run(engine, "APPEND", "k", "Hello")).toBe(5);
    engine.run("SET", "k", "Hello", "PX", 5000);
    const atMs = expiresAtMs(engine, "k");
    expect(run(engine, "APPEND", "k", " \xc3\xa9")).toBe(8);
    expect(run(engine, "GET", "k")).toBe("Hello \xc3\xa9");
    expect(expiresAtMs(engine, "k")).toBe(atMs);
    expect(engine.journal.argvs().at(-1)).toEqual(["APPEND", "k", " \xc3\xa9"]);
  });

  test("an empty suffix still creates the key", () => {
    const engine = createTestEngine();
    expect(run(engine, "APPEND", "k", "")).toBe(0);
    expect(run(engine, "GET", "k")).toBe("");
    expect(engine.journal.argvs()).toEqual([["APPEND", "k", ""]]);
  });

  test("refuses to grow a string past 512 MB", () => {
    const engine = createTestEngine();
    // A rope: 512 MB long without allocating it, since only its length is read.
    let value = "x".repeat(1 << 20);
    for (let doubling = 0; doubling < 9; doubling++) value += value;
    engine.database.keyspace.set("k", "string", value);
    expect(run(engine, "APPEND", "k", "")).toBe(536_870_912);
    expect(run(engine, "APPEND", "k", "x")).toEqual(error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  });

  test("another type is WRONGTYPE", () => {
    expect(run(engineWithHash(), "APPEND", "h", "x")).toEqual(wrongType);
  });
});

describe("STRLEN", () => {
  test("counts bytes; a missing key is 0; another type is WRONGTYPE", () => {
    const engine = engineWithHash();
    engine.run("SET", "k", "h\xc3\xa9llo");
    expect(run(engine, "STRLEN", "k")).toBe(6);
    expect(run(engine, "STRLEN", "missing")).toBe(0);
    expect(run(engine, "STRLEN", "h")).toEqual(wrongType);
  });
});

describe("GETRANGE", () => {
  test.each([
    [0, 3, "Hell"],
    [-3, -1, "rld"],
    [0, -1, "Hello World"],
    [10, 100, "d"],
    [-1, -5, ""],
    [5, 3, ""],
    [-100, 2, "Hel"],
    [11, 20, ""],
    ["9223372036854775807", "-9223372036854775808", ""],
    ["-9223372036854775808", "9223372036854775807", "Hello World"],
  ])("Hello World from %p to %p is %p", (start, end, expected) => {
    const engine = createTestEngine();
    engine.run("SET", "s", "Hello World");
    expect(run(engine, "GETRANGE", "s", start, end)).toBe(expected);
  });

  test("a missing key or an empty string gives an empty string", () => {
    const engine = createTestEngine();
    engine.run("SET", "e", "");
    expect(run(engine, "GETRANGE", "missing", 0, -1)).toBe("");
    expect(run(engine, "GETRANGE", "e", 0, -1)).toBe("");
    expect(run(engine, "GETRANGE", "e", -1, 0)).toBe("");
  });

  test("indexes are checked before the key's type", () => {
    const engine = engineWithHash();
    expect(run(engine, "GETRANGE", "h", "x", 1)).toEqual(notInteger);
    expect(run(engine, "GETRANGE", "h", 1, "9223372036854775808")).toEqual(notInteger);
    expect(run(engine, "GETRANGE", "h", 0, 1)).toEqual(wrongType);
  });
});

describe("SUBSTR", () => {
  test("is GETRANGE under its old name", () => {
    const engine = createTestEngine();
    engine.run("SET", "s", "Hello World");
    expect(run(engine, "SUBSTR", "s", 0, 4)).toBe("Hello");
    expect(run(engine, "SUBSTR", "s", 0)).toEqual(error("ERR wrong number of arguments for 'substr' command"));
  });
});

describe("SETRANGE", () => {
  test("overwrites at a byte offset, zero-padding a gap, keeping the TTL", () => {
    const engine = createTestEngine();
    engine.run("SET", "s", "Hello World", "PX", 5000);
    const atMs = expiresAtMs(engine, "s");
    expect(run(engine, "SETRANGE", "s", 6, "Redis")).toBe(11);
    expect(run(engine, "GET", "s")).toBe("Hello Redis");
    expect(expiresAtMs(engine, "s")).toBe(atMs);
    expect(run(engine, "SETRANGE", "n", 3, "ab")).toBe(5);
    expect(run(engine, "GET", "n")).toBe("\x00\x00\x00ab");
    expect(engine.journal.argvs().slice(1)).toEqual([
      ["SETRANGE", "s", "6", "Redis"],
      ["SETRANGE", "n", "3", "ab"],
    ]);
  });

  test("an empty value changes nothing: the current length, 0 and no key when missing", () => {
    const engine = createTestEngine();
    engine.run("SET", "s", "abc");
    expect(run(engine, "SETRANGE", "s", 100, "")).toBe(3);
    expect(run(engine, "SETRANGE", "n", 536_870_912, "")).toBe(0);
    expect(engine.database.keyspace.has("n")).toBe(false);
    expect(engine.journal.entries.length).toBe(1);
  });

  test("refuses a negative offset and a result past 512 MB", () => {
    const engine = engineWithHash();
    const tooLong = error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    expect(run(engine, "SETRANGE", "s", -1, "x")).toEqual(error("ERR offset is out of range"));
    expect(run(engine, "SETRANGE", "h", -1, "")).toEqual(error("ERR offset is out of range"));
    expect(run(engine, "SETRANGE", "s", "x", "x")).toEqual(notInteger);
    expect(run(engine, "SETRANGE", "s", 536_870_912, "a")).toEqual(tooLong);
    expect(run(engine, "SETRANGE", "s", "9223372036854775807", "a")).toEqual(tooLong);
    expect(run(engine, "SETRANGE", "h", 0, "")).toEqual(wrongType);
    expect(engine.journal.argvs()).toEqual([["HSET", "h", "f", "v"]]);
  });
});

describe("LCS", () => {
  const setUp = () => {
    const engine = createTestEngine();
    engine.run("MSET", "key1", "ohmytext", "key2", "mynewtext");
    return engine;
  };

  test("returns the longest common subsequence, or its length with LEN", () => {
    const engine = setUp();
    expect(run(engine, "LCS", "key1", "key2")).toBe("mytext");
    expect(run(engine, "LCS", "key1", "key2", "len")).toBe(6);
    expect(run(engine, "LCS", "key1", "key2", "LEN", "WITHMATCHLEN")).toBe(6);
    expect(run(engine, "LCS", "key1", "missing")).toBe("");
    expect(run(engine, "LCS", "missing", "missing2", "LEN")).toBe(0);
  });

  test("IDX lists the matching ranges from the end, filtered by MINMATCHLEN", () => {
    const engine = setUp();
    expect(run(engine, "LCS", "key1", "key2", "IDX")).toEqual([
      "matches",
      [
        [
          [4, 7],
          [5, 8],
        ],
        [
          [2, 3],
          [0, 1],
        ],
      ],
      "len",
      6,
    ]);
    expect(run(engine, "LCS", "key1", "key2", "IDX", "MINMATCHLEN", 4, "WITHMATCHLEN")).toEqual(["matches", [[[4, 7], [5, 8], 4]], "len", 6]);
    expect(run(engine, "LCS", "key1", "key2", "MINMATCHLEN", -3, "IDX", "WITHMATCHLEN")).toEqual([
      "matches",
      [
        [[4, 7], [5, 8], 4],
        [[2, 3], [0, 1], 2],
      ],
      "len",
      6,
    ]);
    expect(run(engine, "LCS", "missing", "missing2", "IDX")).toEqual(["matches", [], "len", 0]);
  });

  test("walks ties the way Redis does", () => {
    const engine = createTestEngine();
    engine.run("MSET", "a", "aaababaabbabababbab", "b", "abbabbbaaaabbabaabbbbababbba");
    expect(run(engine, "LCS", "a", "b")).toBe("aaababaabbbababbb");
    expect(run(engine, "LCS", "a", "b", "IDX", "MINMATCHLEN", 2)).toEqual([
      "matches",
      [
        [[11, 16], [20, 25]],
        [[3, 9], [12, 18]],
        [[0, 2], [8, 10]],
      ],
      "len",
      17,
    ]);
  });

  test("option errors, in Redis's order", () => {
    const engine = setUp();
    engine.run("HSET", "h", "f", "v");
    expect(run(engine, "LCS", "key1", "key2", "IDX", "LEN")).toEqual(error("ERR If you want both the length and indexes, please just use IDX."));
    expect(run(engine, "LCS", "key1", "key2", "MINMATCHLEN")).toEqual(syntax);
    expect(run(engine, "LCS", "key1", "key2", "MINMATCHLEN", "x")).toEqual(notInteger);
    expect(run(engine, "LCS", "key1", "key2", "idx", "bad")).toEqual(syntax);
    expect(run(engine, "LCS", "key1", "h", "BAD")).toEqual(error("ERR The specified keys must contain string values"));
  });

  test("refuses a table larger than 512 MB before allocating it", () => {
    const engine = createTestEngine();
    engine.run("MSET", "a", "x".repeat(20_000), "b", "y".repeat(20_000));
    expect(run(engine, "LCS", "a", "b")).toEqual(error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
  });
});

describe("OBJECT ENCODING of strings", () => {
  const encodingAfter = (...commands: (string | number)[][]) => {
    const engine = createTestEngine();
    for (const argv of commands) engine.run(...argv);
    return run(engine, "OBJECT", "ENCODING", "k");
  };

  test("a value stored as sent is int when it is a canonical int64 of up to 20 bytes, embstr up to 44 bytes, raw beyond", () => {
    expect(encodingAfter(["SET", "k", "-9223372036854775808"])).toBe("int");
    expect(encodingAfter(["SET", "k", "12345678901234567890"])).toBe("embstr");
    expect(encodingAfter(["SET", "k", "-0"])).toBe("embstr");
    expect(encodingAfter(["SET", "k", "x".repeat(44)])).toBe("embstr");
    expect(encodingAfter(["SET", "k", "x".repeat(45)])).toBe("raw");
    expect(encodingAfter(["GETSET", "k", "12"])).toBe("int");
    expect(encodingAfter(["MSET", "k", "abc"])).toBe("embstr");
    expect(encodingAfter(["SETEX", "k", 100, "7"])).toBe("int");
  });

  test("APPEND to an existing value leaves it raw, even appending nothing; APPEND creating a key stores the argument as sent", () => {
    expect(encodingAfter(["SET", "k", "abc"], ["APPEND", "k", ""])).toBe("raw");
    expect(encodingAfter(["SET", "k", "1"], ["APPEND", "k", "2"])).toBe("raw");
    expect(encodingAfter(["APPEND", "k", "12"])).toBe("int");
    expect(encodingAfter(["APPEND", "k", "abc"])).toBe("embstr");
  });

  test("SETRANGE leaves a raw string, except when it writes nothing", () => {
    expect(encodingAfter(["SETRANGE", "k", 0, "123"])).toBe("raw");
    expect(encodingAfter(["SET", "k", "abc"], ["SETRANGE", "k", 1, "b"])).toBe("raw");
    expect(encodingAfter(["SET", "k", "12"], ["SETRANGE", "k", 0, ""])).toBe("int");
  });

  test("INCRBYFLOAT never leaves an int, INCR always does", () => {
    expect(encodingAfter(["INCRBYFLOAT", "k", "1"])).toBe("embstr");
    expect(encodingAfter(["SET", "k", "10"], ["INCRBYFLOAT", "k", "0"])).toBe("embstr");
    expect(encodingAfter(["INCRBYFLOAT", "k", "1e50"])).toBe("raw");
    expect(encodingAfter(["INCRBYFLOAT", "k", "1"], ["INCR", "k"])).toBe("int");
    expect(encodingAfter(["SET", "k", "1"], ["APPEND", "k", "2"], ["DECRBY", "k", 3])).toBe("int");
  });

  test("a write that replaces the value re-encodes it; TTL changes and refused writes keep the encoding", () => {
    expect(encodingAfter(["SET", "k", "a"], ["APPEND", "k", "b"], ["SET", "k", "ab", "KEEPTTL"])).toBe("embstr");
    expect(encodingAfter(["SET", "k", "a"], ["APPEND", "k", "b"], ["SET", "k", "ab", "NX"])).toBe("raw");
    expect(encodingAfter(["SET", "k", "a"], ["APPEND", "k", "b"], ["GETEX", "k", "EX", 100], ["PERSIST", "k"])).toBe("raw");
  });

  test("OBJECT REFCOUNT shares only int-encoded values 0..9999", () => {
    const engine = createTestEngine();
    engine.run("SET", "shared", "12");
    engine.run("INCRBYFLOAT", "float", "12");
    expect([run(engine, "OBJECT", "REFCOUNT", "shared"), run(engine, "OBJECT", "REFCOUNT", "float")]).toEqual([2147483647, 1]);
  });
});

describe("journal replay", () => {
  test("replaying the journal on a fresh engine rebuilds the same keyspace", () => {
    const engine = createTestEngine();
    const commands: (string | number)[][] = [
      ["SET", "a", "1", "EX", 100, "GET"],
      ["SETEX", "b", 50, "x"],
      ["PSETEX", "c", 70, "y"],
      ["INCRBYFLOAT", "a", "0.1"],
      ["GETEX", "b", "PX", 2000],
      ["GETEX", "c", "PERSIST"],
      ["INCR", "n"],
      ["DECRBY", "n", 5],
      ["APPEND", "c", "z"],
      ["SETRANGE", "c", 5, "!"],
      ["MSET", "d", "1", "e", "2"],
      ["MSETNX", "f", "1", "g", "2"],
      ["GETSET", "d", "9"],
      ["GETDEL", "e"],
      ["SET", "a", "2", "KEEPTTL", "GET"],
      ["SETNX", "h", "v"],
    ];
    for (const argv of commands) engine.run(...argv);
    const replica = createTestEngine(); // same starting instant: replay happens "live"
    for (const argv of engine.journal.argvs()) expect(plain(replica.run(...argv))).not.toHaveProperty("error");
    const dump = (e: TestEngine) =>
      [...e.database.keyspace.keys()].sort().map((key) => [key, e.database.keyspace.get(key)!.value, e.database.keyspace.get(key)!.expiresAtMs]);
    expect(dump(replica)).toEqual(dump(engine));
  });
});
