// Proves the set commands' replies, error texts (checked against redis-server 7.0), journaled
// forms (SPOP as the SREM of what it chose, or DEL), key deletion when a set empties, OBJECT
// ENCODING per Redis 7.2+ (intset, listpack, hashtable) and member order, on a seeded engine.

import { describe, expect, test } from "bun:test";
import { createPlainTestEngine as setup, createTestEngine, plain, type TestEngine } from "../../../test/harness/engine.ts";
import { SeededRandom, randomInt } from "../../util/random.ts";

const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INTEGER = error("ERR value is not an integer or out of range");
const SYNTAX = error("ERR syntax error");
const MUST_BE_POSITIVE = error("ERR value is out of range, must be positive");

/** a = {a b c d}, b = {c d e}, n = {3 1 2}, and a string at s. */
function withSets() {
  const context = setup();
  context.run("SADD", "a", "a", "b", "c", "d");
  context.run("SADD", "b", "c", "d", "e");
  context.run("SADD", "n", "3", "1", "2");
  context.run("SET", "s", "x");
  context.clearJournal();
  return context;
}

const sorted = (reply: unknown) => [...(reply as string[])].sort();

describe("SADD", () => {
  test("counts only new members and is journaled as sent", () => {
    const { run, journal } = setup();
    expect(run("SADD", "k", "a", "b", "a")).toBe(2);
    expect(run("SADD", "k", "b", "c")).toBe(1);
    expect(run("SADD", "k", "a")).toBe(0);
    expect(journal()).toEqual([
      ["SADD", "k", "a", "b", "a"],
      ["SADD", "k", "b", "c"],
    ]);
  });

  test("refuses another type", () => {
    const { run } = withSets();
    expect(run("SADD", "s", "a")).toEqual(WRONGTYPE);
  });

  test("OBJECT ENCODING follows Redis 7.2+: intset, then listpack, then hashtable", () => {
    const { run } = setup();
    run("SADD", "k", "1", "2");
    expect(run("OBJECT", "ENCODING", "k")).toBe("intset");
    run("SADD", "k", "x");
    expect(run("OBJECT", "ENCODING", "k")).toBe("listpack");
    run("SADD", "k", "y".repeat(65));
    expect(run("OBJECT", "ENCODING", "k")).toBe("hashtable");
    // Conversions only go one way.
    run("SREM", "k", "x", "y".repeat(65));
    expect(run("OBJECT", "ENCODING", "k")).toBe("hashtable");
  });

  test("an intset passes 512 members into a hashtable; a listpack passes 128", () => {
    const { run } = setup();
    run("SADD", "ints", ...Array.from({ length: 512 }, (_, i) => i));
    expect(run("OBJECT", "ENCODING", "ints")).toBe("intset");
    run("SADD", "ints", 512);
    expect(run("OBJECT", "ENCODING", "ints")).toBe("hashtable");
    run("SADD", "words", ...Array.from({ length: 128 }, (_, i) => `w${i}`));
    expect(run("OBJECT", "ENCODING", "words")).toBe("listpack");
    run("SADD", "words", "w128");
    expect(run("OBJECT", "ENCODING", "words")).toBe("hashtable");
  });

  test("a command adding more than a compact encoding holds starts as a hashtable (size hint)", () => {
    const { run } = setup();
    run("SADD", "big", ...Array.from({ length: 129 }, (_, i) => `w${i % 3}`));
    expect(run("SCARD", "big")).toBe(3);
    expect(run("OBJECT", "ENCODING", "big")).toBe("hashtable");
    run("SADD", "ints", "1");
    run("SADD", "ints", ...Array.from({ length: 513 }, () => "1"));
    expect(run("OBJECT", "ENCODING", "ints")).toBe("hashtable");
  });

  test("only canonical int64 texts live in an intset", () => {
    const { run } = setup();
    for (const member of ["01", "+1", "-0", "1.0", " 1", "9223372036854775808"]) {
      run("DEL", "k");
      run("SADD", "k", "1", member);
      expect(run("OBJECT", "ENCODING", "k")).toBe("listpack");
    }
    run("DEL", "k");
    run("SADD", "k", "-9223372036854775808", "9223372036854775807", "0");
    expect(run("OBJECT", "ENCODING", "k")).toBe("intset");
  });
});

describe("SREM", () => {
  test("removes members, deleting the key with its last one", () => {
    const { run, journal } = withSets();
    expect(run("SREM", "a", "a", "x", "a")).toBe(1);
    expect(run("SREM", "missing", "a")).toBe(0);
    expect(run("SREM", "b", "c", "d", "e", "f")).toBe(3);
    expect(run("EXISTS", "b")).toBe(0);
    expect(run("SREM", "s", "a")).toEqual(WRONGTYPE);
    expect(journal()).toEqual([
      ["SREM", "a", "a", "x", "a"],
      ["SREM", "b", "c", "d", "e", "f"],
    ]);
  });
});

describe("SMEMBERS", () => {
  test("an intset in numeric order, a listpack in insertion order", () => {
    const { run } = setup();
    run("SADD", "n", "10", "-5", "3", "9223372036854775807", "-9223372036854775808");
    expect(run("SMEMBERS", "n")).toEqual(["-9223372036854775808", "-5", "3", "10", "9223372036854775807"]);
    // Leaving the intset keeps its numeric order ahead of later members.
    run("SADD", "n", "b", "a");
    expect(run("SMEMBERS", "n")).toEqual(["-9223372036854775808", "-5", "3", "10", "9223372036854775807", "b", "a"]);
    run("SADD", "w", "z", "y", "x");
    run("SREM", "w", "y");
    run("SADD", "w", "y");
    expect(run("SMEMBERS", "w")).toEqual(["z", "x", "y"]);
  });

  test("empty for a missing key; WRONGTYPE for another type", () => {
    const { run } = withSets();
    expect(run("SMEMBERS", "missing")).toEqual([]);
    expect(run("SMEMBERS", "s")).toEqual(WRONGTYPE);
  });
});

describe("SISMEMBER", () => {
  test("1 for a member, 0 otherwise", () => {
    const { run } = withSets();
    expect(run("SISMEMBER", "a", "a")).toBe(1);
    expect(run("SISMEMBER", "a", "z")).toBe(0);
    expect(run("SISMEMBER", "n", "01")).toBe(0);
    expect(run("SISMEMBER", "missing", "a")).toBe(0);
    expect(run("SISMEMBER", "s", "a")).toEqual(WRONGTYPE);
  });
});

describe("SMISMEMBER", () => {
  test("one flag per member asked", () => {
    const { run } = withSets();
    expect(run("SMISMEMBER", "a", "a", "z", "d")).toEqual([1, 0, 1]);
    expect(run("SMISMEMBER", "missing", "a", "b")).toEqual([0, 0]);
    expect(run("SMISMEMBER", "s", "a")).toEqual(WRONGTYPE);
  });
});

describe("SCARD", () => {
  test("counts members", () => {
    const { run } = withSets();
    expect(run("SCARD", "a")).toBe(4);
    expect(run("SCARD", "missing")).toBe(0);
    expect(run("SCARD", "s")).toEqual(WRONGTYPE);
  });
});

describe("SPOP", () => {
  test("pops one random member, journaled as its SREM", () => {
    const { run, journal } = withSets();
    const popped = run("SPOP", "a") as string;
    expect(["a", "b", "c", "d"]).toContain(popped);
    expect(run("SISMEMBER", "a", popped)).toBe(0);
    expect(journal()).toEqual([["SREM", "a", popped]]);
  });

  test("pops count distinct members, journaled as one SREM of exactly those", () => {
    const { run, journal } = setup();
    run("SADD", "k", ...Array.from({ length: 50 }, (_, i) => `m${i}`));
    const popped = run("SPOP", "k", 20) as string[];
    expect(new Set(popped).size).toBe(20);
    expect(run("SCARD", "k")).toBe(30);
    expect(run("SMISMEMBER", "k", ...popped)).toEqual(popped.map(() => 0));
    expect(journal().slice(1)).toEqual([["SREM", "k", ...popped]]);
  });

  test("a count close to the size keeps the survivors as a fresh, compact set (Redis's second strategy)", () => {
    const { run, journal } = setup();
    run("SADD", "k", ...Array.from({ length: 200 }, (_, i) => `m${i}`));
    expect(run("OBJECT", "ENCODING", "k")).toBe("hashtable");
    const popped = run("SPOP", "k", 195) as string[];
    expect(new Set(popped).size).toBe(195);
    const kept = run("SMEMBERS", "k") as string[];
    expect(kept.length).toBe(5);
    expect(sorted([...popped, ...kept])).toEqual(sorted(Array.from({ length: 200 }, (_, i) => `m${i}`)));
    expect(run("OBJECT", "ENCODING", "k")).toBe("listpack");
    expect(journal().slice(1)).toEqual([["SREM", "k", ...popped]]);
  });

  test("a count covering the set pops it all, journaled as DEL", () => {
    const { run, journal } = withSets();
    expect(run("SPOP", "n", 3)).toEqual(["1", "2", "3"]);
    expect(run("EXISTS", "n")).toBe(0);
    expect(journal()).toEqual([["DEL", "n"]]);
  });

  test("nil, or an empty array with a count, for a missing key; count 0 changes nothing", () => {
    const { run, journal } = withSets();
    expect(run("SPOP", "missing")).toBeNull();
    expect(run("SPOP", "missing", 2)).toEqual([]);
    expect(run("SPOP", "a", 0)).toEqual([]);
    expect(journal()).toEqual([]);
  });

  test("errors: count before type, extra arguments are a syntax error", () => {
    const { run } = withSets();
    expect(run("SPOP", "a", -1)).toEqual(MUST_BE_POSITIVE);
    expect(run("SPOP", "s", "abc")).toEqual(MUST_BE_POSITIVE);
    expect(run("SPOP", "s")).toEqual(WRONGTYPE);
    expect(run("SPOP", "s", 1)).toEqual(WRONGTYPE);
    expect(run("SPOP", "a", 1, 2)).toEqual(SYNTAX);
  });

  test("the same seed pops the same members", () => {
    const first = setup(7);
    const second = setup(7);
    for (const { run } of [first, second]) run("SADD", "k", ...Array.from({ length: 30 }, (_, i) => i));
    expect(first.run("SPOP", "k", 5)).toEqual(second.run("SPOP", "k", 5));
  });
});

describe("SRANDMEMBER", () => {
  test("one member without a count, nil for a missing key", () => {
    const { run } = withSets();
    expect(["a", "b", "c", "d"]).toContain(run("SRANDMEMBER", "a") as string);
    expect(run("SRANDMEMBER", "missing")).toBeNull();
    expect(run("SCARD", "a")).toBe(4);
  });

  test("a positive count gives distinct members, at most the whole set", () => {
    const { run } = setup();
    run("SADD", "k", ...Array.from({ length: 40 }, (_, i) => `m${i}`));
    for (const count of [1, 5, 20, 39]) {
      const picked = run("SRANDMEMBER", "k", count) as string[];
      expect(picked.length).toBe(count);
      expect(new Set(picked).size).toBe(count);
    }
    expect(sorted(run("SRANDMEMBER", "k", 100))).toEqual(sorted(run("SMEMBERS", "k")));
  });

  test("a negative count draws that many, repeats allowed", () => {
    const { run } = withSets();
    const picked = run("SRANDMEMBER", "a", -20) as string[];
    expect(picked.length).toBe(20);
    for (const member of picked) expect(["a", "b", "c", "d"]).toContain(member);
    expect(run("SRANDMEMBER", "a", 0)).toEqual([]);
    expect(run("SRANDMEMBER", "missing", -3)).toEqual([]);
  });

  test("errors with Redis's texts; changes nothing", () => {
    const { run, journal } = withSets();
    expect(run("SRANDMEMBER", "a", "abc")).toEqual(NOT_INTEGER);
    expect(run("SRANDMEMBER", "a", "-9223372036854775808")).toEqual(
      error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
    );
    expect(run("SRANDMEMBER", "s", 1)).toEqual(WRONGTYPE);
    expect(run("SRANDMEMBER", "a", 1, 2)).toEqual(SYNTAX);
    expect(journal()).toEqual([]);
  });
});

describe("SMOVE", () => {
  test("moves a member, creating the destination and deleting an emptied source", () => {
    const { run, journal } = setup();
    run("SADD", "src", "x");
    expect(run("SMOVE", "src", "dst", "x")).toBe(1);
    expect(run("EXISTS", "src")).toBe(0);
    expect(run("SMEMBERS", "dst")).toEqual(["x"]);
    expect(run("SMOVE", "dst", "src", "nope")).toBe(0);
    expect(journal().slice(1)).toEqual([["SMOVE", "src", "dst", "x"]]);
  });

  test("a member already in the destination still leaves the source", () => {
    const { run } = withSets();
    expect(run("SMOVE", "a", "b", "c")).toBe(1);
    expect(run("SISMEMBER", "a", "c")).toBe(0);
    expect(run("SCARD", "b")).toBe(3);
  });

  test("same source and destination only reports membership", () => {
    const { run, journal } = withSets();
    expect(run("SMOVE", "a", "a", "a")).toBe(1);
    expect(run("SMOVE", "a", "a", "z")).toBe(0);
    expect(journal()).toEqual([]);
  });

  test("a missing source answers 0 before any type check", () => {
    const { run } = withSets();
    expect(run("SMOVE", "missing", "s", "a")).toBe(0);
    expect(run("SMOVE", "s", "a", "a")).toEqual(WRONGTYPE);
    expect(run("SMOVE", "a", "s", "a")).toEqual(WRONGTYPE);
    expect(run("SISMEMBER", "a", "a")).toBe(1);
  });
});

describe("SINTER", () => {
  test("members in every set; empty when one is missing", () => {
    const { run } = withSets();
    expect(sorted(run("SINTER", "a", "b"))).toEqual(["c", "d"]);
    expect(sorted(run("SINTER", "a"))).toEqual(["a", "b", "c", "d"]);
    expect(run("SINTER", "a", "missing")).toEqual([]);
  });

  test("checks every key's type, even after a missing one", () => {
    const { run } = withSets();
    expect(run("SINTER", "missing", "s")).toEqual(WRONGTYPE);
  });
});

describe("SINTERSTORE", () => {
  test("stores the intersection, replacing the destination and its TTL", () => {
    const { run, journal } = withSets();
    run("EXPIRE", "s", 100);
    expect(run("SINTERSTORE", "s", "a", "b")).toBe(2);
    expect(run("TTL", "s")).toBe(-1);
    expect(sorted(run("SMEMBERS", "s"))).toEqual(["c", "d"]);
    expect(journal().slice(1)).toEqual([["SINTERSTORE", "s", "a", "b"]]);
  });

  test("an empty result deletes the destination", () => {
    const { run, journal } = withSets();
    expect(run("SINTERSTORE", "a", "b", "n")).toBe(0);
    expect(run("EXISTS", "a")).toBe(0);
    expect(run("SINTERSTORE", "missing", "b", "n")).toBe(0);
    expect(journal()).toEqual([["SINTERSTORE", "a", "b", "n"]]);
  });

  test("the result is built from the most compact encoding up", () => {
    const { run } = setup();
    run("SADD", "x", ...Array.from({ length: 200 }, (_, i) => `m${i}`), "1", "2");
    run("SADD", "y", "1", "2", "m0");
    run("SINTERSTORE", "d", "x", "y");
    expect(run("OBJECT", "ENCODING", "d")).toBe("listpack");
    run("SINTERSTORE", "d", "y", "n", "y");
    expect(run("EXISTS", "d")).toBe(0);
  });
});

describe("SINTERCARD", () => {
  test("counts the intersection, stopping at LIMIT", () => {
    const { run } = withSets();
    expect(run("SINTERCARD", 2, "a", "b")).toBe(2);
    expect(run("SINTERCARD", 2, "a", "b", "LIMIT", 1)).toBe(1);
    expect(run("SINTERCARD", 2, "a", "b", "limit", 0)).toBe(2);
    expect(run("SINTERCARD", 1, "a")).toBe(4);
    expect(run("SINTERCARD", 2, "a", "missing")).toBe(0);
  });

  test("argument errors with Redis's texts", () => {
    const { run } = withSets();
    expect(run("SINTERCARD", 0, "a")).toEqual(error("ERR numkeys should be greater than 0"));
    expect(run("SINTERCARD", "abc", "a")).toEqual(error("ERR numkeys should be greater than 0"));
    expect(run("SINTERCARD", 3, "a", "b")).toEqual(error("ERR Number of keys can't be greater than number of args"));
    expect(run("SINTERCARD", 1, "a", "LIMIT", -1)).toEqual(error("ERR LIMIT can't be negative"));
    expect(run("SINTERCARD", 1, "a", "LIMIT", "abc")).toEqual(error("ERR LIMIT can't be negative"));
    expect(run("SINTERCARD", 1, "a", "FOO")).toEqual(SYNTAX);
    expect(run("SINTERCARD", 1, "a", "LIMIT")).toEqual(SYNTAX);
    expect(run("SINTERCARD", 2, "a", "s")).toEqual(WRONGTYPE);
  });
});

describe("SUNION", () => {
  test("members in any set; missing keys are empty sets", () => {
    const { run } = withSets();
    expect(sorted(run("SUNION", "a", "b", "missing"))).toEqual(["a", "b", "c", "d", "e"]);
    expect(run("SUNION", "n")).toEqual(["1", "2", "3"]);
    expect(run("SUNION", "a", "s")).toEqual(WRONGTYPE);
  });
});

describe("SUNIONSTORE", () => {
  test("stores the union, journaled as sent; an empty one deletes the destination", () => {
    const { run, journal } = withSets();
    expect(run("SUNIONSTORE", "u", "a", "n")).toBe(7);
    expect(run("SMEMBERS", "u")).toEqual(["a", "b", "c", "d", "1", "2", "3"]);
    expect(run("SUNIONSTORE", "u", "missing")).toBe(0);
    expect(run("EXISTS", "u")).toBe(0);
    expect(journal()).toEqual([
      ["SUNIONSTORE", "u", "a", "n"],
      ["SUNIONSTORE", "u", "missing"],
    ]);
  });

  test("a union of integers is an intset, in numeric order", () => {
    const { run } = withSets();
    run("SADD", "m", "-1", "10");
    run("SUNIONSTORE", "u", "m", "n");
    expect(run("OBJECT", "ENCODING", "u")).toBe("intset");
    expect(run("SMEMBERS", "u")).toEqual(["-1", "1", "2", "3", "10"]);
  });
});

describe("SDIFF", () => {
  test("members of the first set in none of the others", () => {
    const { run } = withSets();
    expect(run("SDIFF", "a", "b")).toEqual(["a", "b"]);
    expect(run("SDIFF", "a", "missing")).toEqual(["a", "b", "c", "d"]);
    expect(run("SDIFF", "missing", "a")).toEqual([]);
    expect(run("SDIFF", "a", "a")).toEqual([]);
    expect(run("SDIFF", "missing", "s")).toEqual(WRONGTYPE);
  });
});

describe("SDIFFSTORE", () => {
  test("stores the difference, whichever way Redis would compute it", () => {
    const { run, journal } = withSets();
    expect(run("SDIFFSTORE", "d", "a", "b")).toBe(2);
    expect(run("SMEMBERS", "d")).toEqual(["a", "b"]);
    // Walking the first set is the cheaper plan against one other set: the few survivors are added
    // one by one and make a listpack. Against several, copying the first set and removing is
    // cheaper: the copy is a hashtable and stays one, as in Redis.
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);
    run("SADD", "big", ...range(0, 200));
    run("SADD", "small", ...range(0, 195));
    expect(run("SDIFFSTORE", "walked", "big", "small")).toBe(5);
    expect(run("OBJECT", "ENCODING", "walked")).toBe("listpack");
    run("SADD", "x", ...range(0, 65));
    run("SADD", "y", ...range(65, 130));
    run("SADD", "z", ...range(130, 195));
    expect(run("SDIFFSTORE", "copied", "big", "x", "y", "z")).toBe(5);
    expect(run("OBJECT", "ENCODING", "copied")).toBe("hashtable");
    expect(run("SMEMBERS", "copied")).toEqual(range(195, 200));
    expect(run("SDIFFSTORE", "d", "a", "a")).toBe(0);
    expect(run("EXISTS", "d")).toBe(0);
    expect(journal()[0]).toEqual(["SDIFFSTORE", "d", "a", "b"]);
  });
});

describe("SSCAN", () => {
  test("a compact set comes back whole with cursor 0, MATCH applied", () => {
    const { run } = withSets();
    expect(run("SSCAN", "a", 0)).toEqual(["0", ["a", "b", "c", "d"]]);
    expect(run("SSCAN", "a", 0, "MATCH", "[ab]", "COUNT", 1)).toEqual(["0", ["a", "b"]]);
    expect(run("SSCAN", "n", 0, "MATCH", "*")).toEqual(["0", ["1", "2", "3"]]);
  });

  test("a hashtable set pages by COUNT and visits every member once", () => {
    const { run } = setup();
    const members = Array.from({ length: 300 }, (_, i) => `m${i}`);
    run("SADD", "k", ...members);
    const seen: string[] = [];
    let cursor = "0";
    let calls = 0;
    do {
      const [next, page] = run("SSCAN", "k", cursor, "COUNT", 25) as [string, string[]];
      seen.push(...page);
      cursor = next;
      calls++;
      if (calls === 3) run("SREM", "k", "m299");
    } while (cursor !== "0");
    expect(calls).toBeGreaterThan(10);
    expect(sorted(seen)).toEqual(sorted(members.slice(0, 299)));
  });

  test("errors: cursor first, then the key, then the options", () => {
    const { run } = withSets();
    expect(run("SSCAN", "a", "abc")).toEqual(error("ERR invalid cursor"));
    expect(run("SSCAN", "a", "18446744073709551616")).toEqual(error("ERR invalid cursor"));
    expect(run("SSCAN", "missing", 0, "COUNT", 0)).toEqual(["0", []]);
    expect(run("SSCAN", "s", 0)).toEqual(WRONGTYPE);
    expect(run("SSCAN", "a", 0, "COUNT", 0)).toEqual(SYNTAX);
    expect(run("SSCAN", "a", 0, "COUNT", "abc")).toEqual(NOT_INTEGER);
    expect(run("SSCAN", "a", 0, "NOVALUES")).toEqual(SYNTAX);
    expect(run("SSCAN", "a", 0, "MATCH")).toEqual(SYNTAX);
  });
});

describe("sets and the generic commands", () => {
  test("TYPE, SCAN TYPE and MEMORY USAGE see a set", () => {
    const { run } = withSets();
    expect(run("TYPE", "a")).toEqual({ status: "set" });
    expect(sorted((run("SCAN", 0, "TYPE", "set") as [string, string[]])[1])).toEqual(["a", "b", "n"]);
    expect(run("MEMORY", "USAGE", "a")).toBeGreaterThan(0);
  });

  test("COPY makes an independent set with the same encoding", () => {
    const { run } = withSets();
    run("COPY", "n", "copy");
    run("SADD", "copy", "4");
    expect(run("SCARD", "n")).toBe(3);
    expect(run("OBJECT", "ENCODING", "copy")).toBe("intset");
  });
});

describe("journal replay", () => {
  /**
   * Every key with its type and contents, in the structures' own order. Not OBJECT ENCODING: an
   * SPOP that keeps few survivors turns a hashtable compact on the primary only, as in Redis.
   */
  function dump(engine: TestEngine): unknown[] {
    const keys = (plain(engine.run("KEYS", "*")) as string[]).sort();
    return keys.map((key) => {
      const type = (plain(engine.run("TYPE", key)) as { status: string }).status;
      const read = type === "list" ? ["LRANGE", key, 0, -1] : type === "set" ? ["SMEMBERS", key] : ["GET", key];
      return [key, type, plain(engine.run(...read))];
    });
  }

  test("replaying the journal on an engine with other random choices rebuilds the same lists and sets", () => {
    const primary = createTestEngine(3);
    const random = new SeededRandom(11);
    const pick = <T>(items: T[]) => items[randomInt(random, items.length)]!;
    const keys = ["a", "b", "c"];
    const members = ["1", "2", "3", "x", "y", "z", "", "w".repeat(70), ...Array.from({ length: 20 }, (_, i) => `m${i}`)];
    const some = () => Array.from({ length: 1 + randomInt(random, 6) }, () => pick(members));
    const commands: (() => (string | number)[])[] = [
      () => ["SADD", `s${pick(keys)}`, ...some()],
      () => ["SADD", `s${pick(keys)}`, ...Array.from({ length: 150 }, (_, i) => `big${i}`)],
      () => ["SREM", `s${pick(keys)}`, ...some()],
      () => ["SPOP", `s${pick(keys)}`],
      () => ["SPOP", `s${pick(keys)}`, randomInt(random, 160)],
      () => ["SMOVE", `s${pick(keys)}`, `s${pick(keys)}`, pick(members)],
      () => [pick(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), `s${pick(keys)}`, `s${pick(keys)}`, `s${pick(keys)}`],
      () => [pick(["LPUSH", "RPUSH"]), `l${pick(keys)}`, ...some()],
      () => [pick(["LPOP", "RPOP"]), `l${pick(keys)}`, randomInt(random, 4)],
      () => ["LMOVE", `l${pick(keys)}`, `l${pick(keys)}`, pick(["LEFT", "RIGHT"]), pick(["LEFT", "RIGHT"])],
      () => ["LMPOP", 2, `l${pick(keys)}`, `l${pick(keys)}`, pick(["LEFT", "RIGHT"]), "COUNT", 2],
      () => ["LINSERT", `l${pick(keys)}`, pick(["BEFORE", "AFTER"]), pick(members), pick(members)],
      () => ["LREM", `l${pick(keys)}`, randomInt(random, 5) - 2, pick(members)],
      () => ["LTRIM", `l${pick(keys)}`, randomInt(random, 4), randomInt(random, 8) - 2],
      () => ["LSET", `l${pick(keys)}`, randomInt(random, 4), pick(members)],
      () => ["SORT", `${pick(["s", "l"])}${pick(keys)}`, "BY", "nosort", "ALPHA", "STORE", `l${pick(keys)}`],
    ];
    for (let step = 0; step < 2000; step++) primary.run(...pick(commands)());
    const replica = createTestEngine(99);
    for (const argv of primary.journal.argvs()) replica.run(...argv);
    expect(dump(replica)).toEqual(dump(primary));
  });
});
