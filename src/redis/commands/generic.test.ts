// Proves the generic keyspace commands' replies, exact Redis 7 error texts (checked against
// redis-server 7.0) and journaled replay-safe forms, in process on a manual clock.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain, type TestEngine } from "../../../test/harness/engine.ts";

/** What `run` journals, ignoring everything journaled before it. */
function journaled(engine: TestEngine, ...argv: (string | number)[]): { reply: unknown; journal: string[][] } {
  const before = engine.journal.entries.length;
  const reply = plain(engine.run(...argv));
  return { reply, journal: engine.journal.argvs().slice(before) };
}


const error = (message: string) => ({ error: message });

describe("DEL", () => {
  test("deletes existing keys and counts only those", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    engine.run("SET", "b", "2");
    expect(journaled(engine, "DEL", "a", "b", "missing")).toEqual({ reply: 2, journal: [["DEL", "a", "b", "missing"]] });
    expect(engine.run("EXISTS", "a", "b")).toBe(0);
  });

  test("deleting nothing journals nothing", () => {
    const engine = createTestEngine();
    expect(journaled(engine, "DEL", "missing")).toEqual({ reply: 0, journal: [] });
  });

  test("an expired key does not count as deleted", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1", "PX", 10);
    engine.clock.advance(11);
    expect(engine.run("DEL", "a")).toBe(0);
  });

  test("needs at least one key", () => {
    expect(plain(createTestEngine().run("DEL"))).toEqual(error("ERR wrong number of arguments for 'del' command"));
  });
});

describe("UNLINK", () => {
  test("deletes like DEL and journals as DEL", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    expect(journaled(engine, "UNLINK", "a", "a")).toEqual({ reply: 1, journal: [["DEL", "a", "a"]] });
  });

  test("accepts no keys at all, as Upstash does", () => {
    expect(createTestEngine().run("UNLINK")).toBe(0);
  });
});

describe("EXISTS", () => {
  test("counts every argument that names a live key, repeats included", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    expect(engine.run("EXISTS", "a", "a", "missing")).toBe(2);
  });
});

describe("TOUCH", () => {
  test("counts existing keys and changes nothing", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    expect(journaled(engine, "TOUCH", "a", "b", "a")).toEqual({ reply: 2, journal: [] });
  });
});

describe("TYPE", () => {
  test("names the type as a status, none for a missing key", () => {
    const engine = createTestEngine();
    engine.run("SET", "s", "v");
    engine.run("HSET", "h", "f", "v");
    expect([engine.run("TYPE", "s"), engine.run("TYPE", "h"), engine.run("TYPE", "missing")].map(plain)).toEqual([
      { status: "string" },
      { status: "hash" },
      { status: "none" },
    ]);
  });
});

describe("EXPIRE", () => {
  test("sets a TTL journaled as an absolute PEXPIREAT", () => {
    const engine = createTestEngine();
    const nowMs = engine.clock.nowMs();
    engine.run("SET", "k", "v");
    expect(journaled(engine, "EXPIRE", "k", 10)).toEqual({ reply: 1, journal: [["PEXPIREAT", "k", String(nowMs + 10_000)]] });
    engine.clock.advance(10_000);
    expect(engine.run("GET", "k")).toBe("v");
    engine.clock.advance(1);
    expect(engine.run("GET", "k")).toBeNull();
  });

  test("the instant the key already expires at answers 1 and journals nothing; another instant journals", () => {
    const engine = createTestEngine();
    const nowMs = engine.clock.nowMs();
    engine.run("SET", "k", "v", "PX", 5000);
    const lsn = engine.database.lsn;
    expect(journaled(engine, "PEXPIREAT", "k", nowMs + 5000)).toEqual({ reply: 1, journal: [] });
    expect(journaled(engine, "PEXPIRE", "k", 5000)).toEqual({ reply: 1, journal: [] });
    expect(journaled(engine, "PEXPIRE", "k", 5000, "XX")).toEqual({ reply: 1, journal: [] });
    expect(engine.database.lsn).toBe(lsn);
    expect(journaled(engine, "PEXPIRE", "k", 5001)).toEqual({ reply: 1, journal: [["PEXPIREAT", "k", String(nowMs + 5001)]] });
    expect(engine.run("PTTL", "k")).toBe(5001);
  });

  test("the current instant deletes the key even when it already expires then", () => {
    const engine = createTestEngine();
    const nowMs = engine.clock.nowMs();
    engine.run("SET", "k", "v", "PX", 1000);
    engine.clock.advance(1000);
    expect(engine.run("EXISTS", "k")).toBe(1);
    expect(journaled(engine, "PEXPIREAT", "k", nowMs + 1000)).toEqual({ reply: 1, journal: [["DEL", "k"]] });
    expect(engine.run("EXISTS", "k")).toBe(0);
  });

  test("a zero or negative TTL deletes the key and journals DEL", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(journaled(engine, "EXPIRE", "k", -5)).toEqual({ reply: 1, journal: [["DEL", "k"]] });
    expect(engine.run("EXISTS", "k")).toBe(0);
  });

  test("a missing key answers 0", () => {
    const engine = createTestEngine();
    expect(journaled(engine, "EXPIRE", "missing", 10)).toEqual({ reply: 0, journal: [] });
  });

  test("NX only sets a TTL on a key without one; XX only on a key with one", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(engine.run("EXPIRE", "k", 100, "XX")).toBe(0);
    expect(engine.run("EXPIRE", "k", 100, "NX")).toBe(1);
    expect(engine.run("EXPIRE", "k", 300, "NX")).toBe(0);
    expect(engine.run("EXPIRE", "k", 10, "xx")).toBe(1);
    expect(engine.run("TTL", "k")).toBe(10);
  });

  test("GT and LT compare with the current TTL; no TTL counts as infinite", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(engine.run("EXPIRE", "k", 100, "GT")).toBe(0);
    expect(engine.run("EXPIRE", "k", 100, "LT")).toBe(1);
    expect(engine.run("EXPIRE", "k", 50, "gt")).toBe(0);
    expect(engine.run("EXPIRE", "k", 200, "gt")).toBe(1);
    expect(engine.run("EXPIRE", "k", 200, "LT")).toBe(0);
    expect(engine.run("EXPIRE", "k", 10, "XX", "LT")).toBe(1);
    expect(engine.run("TTL", "k")).toBe(10);
  });

  test("conflicting options are rejected before the time is parsed, with Redis's texts", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    const nxConflict = error("ERR NX and XX, GT or LT options at the same time are not compatible");
    expect(plain(engine.run("EXPIRE", "k", 10, "NX", "XX"))).toEqual(nxConflict);
    expect(plain(engine.run("EXPIRE", "k", 10, "NX", "GT"))).toEqual(nxConflict);
    expect(plain(engine.run("EXPIRE", "k", "abc", "NX", "LT"))).toEqual(nxConflict);
    expect(plain(engine.run("EXPIRE", "k", 10, "GT", "LT"))).toEqual(error("ERR GT and LT options at the same time are not compatible"));
    expect(plain(engine.run("EXPIRE", "k", "abc", "foo"))).toEqual(error("ERR Unsupported option foo"));
    expect(plain(engine.run("EXPIRE", "k", "abc"))).toEqual(error("ERR value is not an integer or out of range"));
    expect(engine.run("TTL", "k")).toBe(-1);
  });

  test("an instant beyond int64 milliseconds is an invalid expire time", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    const invalid = error("ERR invalid expire time in 'expire' command");
    expect(plain(engine.run("EXPIRE", "k", "9223372036854775"))).toEqual(invalid);
    expect(plain(engine.run("EXPIRE", "k", "-9223372036854775808"))).toEqual(invalid);
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v"]]);
  });
});

describe("PEXPIRE", () => {
  test("sets a TTL in milliseconds, journaled as PEXPIREAT", () => {
    const engine = createTestEngine();
    const nowMs = engine.clock.nowMs();
    engine.run("SET", "k", "v");
    expect(journaled(engine, "PEXPIRE", "k", 1500, "NX")).toEqual({ reply: 1, journal: [["PEXPIREAT", "k", String(nowMs + 1500)]] });
    expect(engine.run("PTTL", "k")).toBe(1500);
  });

  test("overflow past int64 names the command in the error", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(plain(engine.run("PEXPIRE", "k", "9223372036854775807"))).toEqual(error("ERR invalid expire time in 'pexpire' command"));
  });
});

describe("EXPIREAT", () => {
  test("takes an absolute Unix time in seconds", () => {
    const engine = createTestEngine();
    const atSeconds = Math.floor(engine.clock.nowMs() / 1000) + 60;
    engine.run("SET", "k", "v");
    expect(journaled(engine, "EXPIREAT", "k", atSeconds)).toEqual({ reply: 1, journal: [["PEXPIREAT", "k", String(atSeconds * 1000)]] });
    expect(engine.run("EXPIRETIME", "k")).toBe(atSeconds);
  });

  test("a time in the past deletes the key", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(journaled(engine, "EXPIREAT", "k", 1)).toEqual({ reply: 1, journal: [["DEL", "k"]] });
    expect(engine.run("EXISTS", "k")).toBe(0);
  });

  test("seconds that overflow milliseconds are rejected", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(plain(engine.run("EXPIREAT", "k", "9223372036854775807"))).toEqual(error("ERR invalid expire time in 'expireat' command"));
  });
});

describe("PEXPIREAT", () => {
  test("takes an absolute Unix time in milliseconds and journals it unchanged", () => {
    const engine = createTestEngine();
    const atMs = engine.clock.nowMs() + 5;
    engine.run("SET", "k", "v");
    expect(journaled(engine, "PEXPIREAT", "k", atMs)).toEqual({ reply: 1, journal: [["PEXPIREAT", "k", String(atMs)]] });
    expect(engine.run("PEXPIRETIME", "k")).toBe(atMs);
  });

  test("the instant equal to now already counts as past", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(journaled(engine, "PEXPIREAT", "k", engine.clock.nowMs())).toEqual({ reply: 1, journal: [["DEL", "k"]] });
  });

  test("the largest int64 instant is accepted and reported back exactly", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(journaled(engine, "PEXPIREAT", "k", "9223372036854775807")).toEqual({
      reply: 1,
      journal: [["PEXPIREAT", "k", "9223372036854775807"]],
    });
    expect(engine.run("PEXPIRETIME", "k")).toBe(9223372036854775807n);
  });
});

describe("TTL", () => {
  test("-2 for a missing key, -1 without expiry, else seconds rounded to nearest", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(engine.run("TTL", "missing")).toBe(-2);
    expect(engine.run("TTL", "k")).toBe(-1);
    engine.run("PEXPIRE", "k", 10_400);
    expect(engine.run("TTL", "k")).toBe(10);
    engine.clock.advance(900); // 9500 ms left
    expect(engine.run("TTL", "k")).toBe(10);
    engine.clock.advance(1); // 9499 ms left
    expect(engine.run("TTL", "k")).toBe(9);
  });

  test("a key reaching its expiry instant reads 0, then is gone", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v", "PX", 100);
    engine.clock.advance(100);
    expect(engine.run("TTL", "k")).toBe(0);
    engine.clock.advance(1);
    expect(engine.run("TTL", "k")).toBe(-2);
  });
});

describe("PTTL", () => {
  test("reports the remaining milliseconds", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v", "PX", 250);
    engine.clock.advance(100);
    expect([engine.run("PTTL", "k"), engine.run("PTTL", "missing")]).toEqual([150, -2]);
  });
});

describe("EXPIRETIME", () => {
  test("reports the absolute expiry in seconds, -1 and -2 otherwise", () => {
    const engine = createTestEngine();
    const nowMs = engine.clock.nowMs();
    engine.run("SET", "k", "v", "PX", 2_000);
    engine.run("SET", "p", "v");
    expect([engine.run("EXPIRETIME", "k"), engine.run("EXPIRETIME", "p"), engine.run("EXPIRETIME", "missing")]).toEqual([
      Math.floor((nowMs + 2_000 + 500) / 1000),
      -1,
      -2,
    ]);
  });
});

describe("PEXPIRETIME", () => {
  test("reports the absolute expiry in milliseconds", () => {
    const engine = createTestEngine();
    const nowMs = engine.clock.nowMs();
    engine.run("SET", "k", "v", "PX", 2_000);
    expect(engine.run("PEXPIRETIME", "k")).toBe(nowMs + 2_000);
    expect(engine.run("PEXPIRETIME", "missing")).toBe(-2);
  });
});

describe("PERSIST", () => {
  test("removes a TTL once and journals the command", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v", "EX", 10);
    expect(journaled(engine, "PERSIST", "k")).toEqual({ reply: 1, journal: [["PERSIST", "k"]] });
    expect(journaled(engine, "PERSIST", "k")).toEqual({ reply: 0, journal: [] });
    expect(engine.run("TTL", "k")).toBe(-1);
    engine.clock.advance(20_000);
    expect(engine.run("GET", "k")).toBe("v");
  });

  test("a missing key answers 0", () => {
    expect(createTestEngine().run("PERSIST", "missing")).toBe(0);
  });
});

describe("RENAME", () => {
  test("moves the value and its TTL, overwriting the destination", () => {
    const engine = createTestEngine();
    const nowMs = engine.clock.nowMs();
    engine.run("SET", "a", "1", "PX", 5_000);
    engine.run("SET", "b", "2");
    expect(journaled(engine, "RENAME", "a", "b")).toEqual({ reply: { status: "OK" }, journal: [["RENAME", "a", "b"]] });
    expect([engine.run("GET", "a"), engine.run("GET", "b"), engine.run("PEXPIRETIME", "b")]).toEqual([null, "1", nowMs + 5_000]);
    expect(engine.run("DBSIZE")).toBe(1);
  });

  test("a missing source is an error; renaming a key onto itself is a no-op", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("RENAME", "missing", "x"))).toEqual(error("ERR no such key"));
    expect(plain(engine.run("RENAME", "missing", "missing"))).toEqual(error("ERR no such key"));
    engine.run("SET", "a", "1");
    expect(journaled(engine, "RENAME", "a", "a")).toEqual({ reply: { status: "OK" }, journal: [] });
  });
});

describe("RENAME and COPY of strings", () => {
  test("keep the encoding the string had, as Redis moves or duplicates the object as it is", () => {
    const engine = createTestEngine();
    engine.run("SET", "edited", "ab");
    engine.run("APPEND", "edited", "c");
    engine.run("INCRBYFLOAT", "float", "3");
    engine.run("COPY", "edited", "edited-copy");
    engine.run("RENAME", "edited", "edited-moved");
    engine.run("COPY", "float", "float-copy");
    engine.run("RENAMENX", "float", "float-moved");
    const encodings = ["edited-copy", "edited-moved", "float-copy", "float-moved"].map((key) => engine.run("OBJECT", "ENCODING", key));
    expect(encodings).toEqual(["raw", "raw", "embstr", "embstr"]);
  });
});

describe("RENAMENX", () => {
  test("renames only onto a free name", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    engine.run("SET", "b", "2");
    expect(journaled(engine, "RENAMENX", "a", "b")).toEqual({ reply: 0, journal: [] });
    expect(journaled(engine, "RENAMENX", "a", "c")).toEqual({ reply: 1, journal: [["RENAMENX", "a", "c"]] });
    expect([engine.run("GET", "b"), engine.run("GET", "c")]).toEqual(["2", "1"]);
  });

  test("onto itself answers 0; a missing source is an error", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    expect(engine.run("RENAMENX", "a", "a")).toBe(0);
    expect(plain(engine.run("RENAMENX", "missing", "a"))).toEqual(error("ERR no such key"));
  });
});

describe("COPY", () => {
  test("copies a string with its TTL and journals the command as sent", () => {
    const engine = createTestEngine();
    const nowMs = engine.clock.nowMs();
    engine.run("SET", "a", "1", "PX", 5_000);
    expect(journaled(engine, "COPY", "a", "b")).toEqual({ reply: 1, journal: [["COPY", "a", "b"]] });
    expect([engine.run("GET", "b"), engine.run("PEXPIRETIME", "b")]).toEqual(["1", nowMs + 5_000]);
  });

  test("does not overwrite without REPLACE; DB 0 is accepted", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    engine.run("SET", "b", "2");
    expect(engine.run("COPY", "a", "b")).toBe(0);
    expect(engine.run("GET", "b")).toBe("2");
    expect(engine.run("copy", "a", "b", "db", 0, "replace")).toBe(1);
    expect(engine.run("GET", "b")).toBe("1");
    expect(engine.run("COPY", "missing", "b", "REPLACE")).toBe(0);
  });

  test("a structured value is cloned, so the copies change independently", () => {
    const engine = createTestEngine();
    engine.run("HSET", "h", "f", "x");
    expect(engine.run("COPY", "h", "h2")).toBe(1);
    engine.run("HSET", "h2", "f", "y", "g", "z");
    expect([engine.run("HGETALL", "h"), engine.run("HGETALL", "h2")]).toEqual([
      ["f", "x"],
      ["f", "y", "g", "z"],
    ]);
  });

  test("rejects other databases, bad options and the same key with Redis's texts", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    expect([
      engine.run("COPY", "a", "a"),
      engine.run("COPY", "a", "b", "DB", 1),
      engine.run("COPY", "a", "b", "DB", "x"),
      engine.run("COPY", "a", "b", "DB", "99999999999"),
      engine.run("COPY", "a", "b", "DB"),
      engine.run("COPY", "a", "b", "foo"),
    ].map(plain)).toEqual([
      error("ERR source and destination objects are the same"),
      error("ERR DB index is out of range"),
      error("ERR value is not an integer or out of range"),
      error("ERR value is out of range, value must between -2147483648 and 2147483647"),
      error("ERR syntax error"),
      error("ERR syntax error"),
    ]);
    expect(engine.run("EXISTS", "b")).toBe(0);
  });
});

describe("KEYS", () => {
  test("returns the live keys matching a glob", () => {
    const engine = createTestEngine();
    for (const key of ["apple", "avocado", "banana"]) engine.run("SET", key, "1");
    engine.run("SET", "ant", "1", "PX", 10);
    engine.clock.advance(11);
    expect((engine.run("KEYS", "a*") as string[]).sort()).toEqual(["apple", "avocado"]);
    expect((engine.run("KEYS", "*an*") as string[]).sort()).toEqual(["banana"]);
  });

  test("\"*\" returns every key, the empty key included", () => {
    const engine = createTestEngine();
    engine.run("SET", "", "empty");
    engine.run("SET", "k", "v");
    expect((engine.run("KEYS", "*") as string[]).sort()).toEqual(["", "k"]);
  });

  test("is refused to read-only tokens, as Upstash restricts it", () => {
    expect(plain(createTestEngine().runReadOnly("KEYS", "*"))).toEqual(
      error("NOPERM this user has no permissions to run the 'keys' command or its subcommand"),
    );
  });
});

describe("SCAN", () => {
  function scanAll(engine: TestEngine, ...options: (string | number)[]): string[] {
    const keys: string[] = [];
    let cursor = "0";
    let calls = 0;
    do {
      const [next, batch] = engine.run("SCAN", cursor, ...options) as [string, string[]];
      expect(typeof next).toBe("string");
      keys.push(...batch);
      cursor = next;
      calls++;
    } while (cursor !== "0" && calls < 20_000);
    return keys;
  }

  test("a full iteration returns every key exactly once, with the cursor as a string", () => {
    const engine = createTestEngine();
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      engine.run("SET", `key:${i}`, "v");
      expected.push(`key:${i}`);
    }
    expect(scanAll(engine, "COUNT", 7).sort()).toEqual(expected.sort());
  });

  test("MATCH and TYPE filter; WITHTYPE pairs each key with its type", () => {
    const engine = createTestEngine();
    engine.run("SET", "user:1", "v");
    engine.run("SET", "order:1", "v");
    engine.run("HSET", "user:2", "f", "v");
    expect(scanAll(engine, "MATCH", "user:*", "COUNT", 1000).sort()).toEqual(["user:1", "user:2"]);
    expect(scanAll(engine, "TYPE", "HASH")).toEqual(["user:2"]);
    expect(scanAll(engine, "TYPE", "search")).toEqual([]);
    expect(engine.run("SCAN", 0, "MATCH", "user:2", "COUNT", 1000, "withtype")).toEqual(["0", ["user:2", "hash"]]);
  });

  test("keys added or removed mid-scan do not duplicate the ones present throughout", () => {
    const engine = createTestEngine();
    for (let i = 0; i < 50; i++) engine.run("SET", `k${i}`, "v");
    const seen: string[] = [];
    let cursor = "0";
    let round = 0;
    do {
      const [next, batch] = engine.run("SCAN", cursor, "COUNT", 5) as [string, string[]];
      seen.push(...batch);
      engine.run("SET", `new${round}`, "v");
      engine.run("DEL", `k${49 - round}`);
      cursor = next;
      round++;
    } while (cursor !== "0");
    expect(new Set(seen).size).toBe(seen.length);
    const presentThroughout = Array.from({ length: 50 - round }, (_, i) => `k${i}`);
    for (const key of presentThroughout) expect(seen).toContain(key);
  });

  test("cursor text follows strtoul: empty is 0, negatives wrap, junk is invalid", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(engine.run("SCAN", "", "COUNT", 100000)).toEqual(["0", ["k"]]);
    expect(engine.run("SCAN", "-1")).toEqual(["0", []]);
    expect(engine.run("SCAN", "18446744073709551615")).toEqual(["0", []]);
    const invalid = error("ERR invalid cursor");
    expect(["abc", "+", "-", " 1", "1 ", "18446744073709551616"].map((cursor) => plain(engine.run("SCAN", cursor)))).toEqual(
      Array(6).fill(invalid),
    );
  });

  test("bad options are syntax errors; COUNT must be a positive integer", () => {
    const engine = createTestEngine();
    expect([
      engine.run("SCAN", 0, "COUNT", 0),
      engine.run("SCAN", 0, "COUNT", "x"),
      engine.run("SCAN", 0, "MATCH"),
      engine.run("SCAN", 0, "foo", "bar"),
    ].map(plain)).toEqual([error("ERR syntax error"), error("ERR value is not an integer or out of range"), error("ERR syntax error"), error("ERR syntax error")]);
  });

  test("is refused to read-only tokens, as Upstash restricts it", () => {
    expect(plain(createTestEngine().runReadOnly("SCAN", 0))).toEqual(
      error("NOPERM this user has no permissions to run the 'scan' command or its subcommand"),
    );
  });
});

describe("RANDOMKEY", () => {
  test("returns one of the keys, nil when empty, and is repeatable from a seed", () => {
    const engine = createTestEngine(7);
    expect(engine.run("RANDOMKEY")).toBeNull();
    for (const key of ["a", "b", "c", "d"]) engine.run("SET", key, "v");
    const picks = Array.from({ length: 8 }, () => engine.run("RANDOMKEY") as string);
    for (const pick of picks) expect(["a", "b", "c", "d"]).toContain(pick);
    const replay = createTestEngine(7);
    for (const key of ["a", "b", "c", "d"]) replay.run("SET", key, "v");
    expect(Array.from({ length: 8 }, () => replay.run("RANDOMKEY"))).toEqual(picks);
  });
});

describe("DBSIZE", () => {
  test("counts keys", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    engine.run("SET", "b", "1");
    expect(engine.run("DBSIZE")).toBe(2);
    expect(plain(engine.run("DBSIZE", "x"))).toEqual(error("ERR wrong number of arguments for 'dbsize' command"));
  });
});

describe("FLUSHDB", () => {
  test("removes every key and journals FLUSHALL", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1", "EX", 10);
    engine.run("SET", "b", "1");
    expect(journaled(engine, "FLUSHDB", "async")).toEqual({ reply: { status: "OK" }, journal: [["FLUSHALL"]] });
    expect([engine.run("DBSIZE"), engine.run("KEYS", "*")]).toEqual([0, []]);
  });

  test("only ASYNC or SYNC may follow", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    expect(plain(engine.run("FLUSHDB", "foo"))).toEqual(error("ERR syntax error"));
    expect(plain(engine.run("FLUSHDB", "SYNC", "ASYNC"))).toEqual(error("ERR syntax error"));
    expect(engine.run("DBSIZE")).toBe(1);
  });
});

describe("FLUSHALL", () => {
  test("removes every key, is journaled even on an empty database, and is a write", () => {
    const engine = createTestEngine();
    expect(journaled(engine, "FLUSHALL", "SYNC")).toEqual({ reply: { status: "OK" }, journal: [["FLUSHALL"]] });
    engine.run("SET", "a", "1");
    expect(plain(engine.runReadOnly("FLUSHALL"))).toEqual(
      error("NOPERM this user has no permissions to run the 'flushall' command or its subcommand"),
    );
    expect(journaled(engine, "FLUSHALL")).toEqual({ reply: { status: "OK" }, journal: [["FLUSHALL"]] });
    expect(engine.run("DBSIZE")).toBe(0);
  });
});
