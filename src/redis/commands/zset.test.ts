// Proves the sorted-set commands' replies, exact error texts (checked against redis-server 7.0, and
// Redis 7.4's t_zset.c for WITHSCORE and the 7.2+ score format), encodings and journaled
// replay-safe forms, in process on a manual clock and a seeded random source.

import { describe, expect, test } from "bun:test";
import { plain, createPlainTestEngine as setup } from "../../../test/harness/engine.ts";

const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INTEGER = error("ERR value is not an integer or out of range");
const NOT_FLOAT = error("ERR value is not a valid float");
const SYNTAX = error("ERR syntax error");
const NOT_A_FLOAT_RANGE = error("ERR min or max is not a float");
const NOT_A_LEX_RANGE = error("ERR min or max not valid string range item");

/** A key "z" holding a=1 b=2 c=3 d=4, and a string "s". */
function withSample(seed = 1) {
  const context = setup(seed);
  context.run("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d");
  context.run("SET", "s", "text");
  context.clearJournal();
  return context;
}

describe("ZADD", () => {
  test("adds new members, updates scores, and counts only additions (or changes with CH)", () => {
    const { run } = setup();
    expect(run("ZADD", "z", 1, "a", 2, "b")).toBe(2);
    expect(run("ZADD", "z", 5, "a", 3, "c")).toBe(1);
    expect(run("ZADD", "z", "CH", 6, "a", 3, "c", 0, "d")).toBe(2);
    expect(run("ZRANGE", "z", 0, -1, "WITHSCORES")).toEqual(["d", "0", "b", "2", "c", "3", "a", "6"]);
  });

  test("NX only adds, XX only updates, GT and LT only move a score their way", () => {
    const { run } = withSample();
    expect(run("ZADD", "z", "NX", 9, "a", 5, "e")).toBe(1);
    expect(run("ZADD", "z", "XX", 9, "a", 6, "f")).toBe(0);
    expect(run("ZADD", "z", "GT", "CH", 1, "b", 7, "c")).toBe(1);
    expect(run("ZADD", "z", "LT", "CH", 10, "d", 0, "e")).toBe(1);
    expect(run("ZADD", "z", "XX", "GT", "CH", 100, "a", 100, "missing")).toBe(1);
    expect(run("ZRANGE", "z", 0, -1, "WITHSCORES")).toEqual(["e", "0", "b", "2", "d", "4", "c", "7", "a", "100"]);
  });

  test("INCR returns the new score, or nil when a condition skipped the member", () => {
    const { run } = withSample();
    expect(run("ZADD", "z", "INCR", "2.5", "a")).toBe("3.5");
    expect(run("ZADD", "z", "INCR", 1, "new")).toBe("1");
    expect(run("ZADD", "z", "NX", "INCR", 1, "a")).toBeNull();
    expect(run("ZADD", "z", "GT", "INCR", -1, "a")).toBeNull();
    expect(run("ZADD", "missing", "XX", "INCR", 1, "a")).toBeNull();
    expect(run("ZADD", "missing", "XX", 1, "a")).toBe(0);
    expect(run("EXISTS", "missing")).toBe(0);
  });

  test("scores print as Redis 7.2+ prints doubles", () => {
    const { run } = setup();
    run("ZADD", "z", "0.1", "a", "1e20", "b", "1e-5", "c", "inf", "d", "-inf", "e", "123456789.123", "f", "1e-7", "g");
    expect(run("ZRANGE", "z", 0, -1, "WITHSCORES")).toEqual(["e", "-inf", "g", "1e-7", "c", "0.00001", "a", "0.1", "f", "123456789.123", "b", "1e+20", "d", "inf"]);
  });

  test("checks options, pairs and every score before touching the key (Redis's order of errors)", () => {
    const { run, journal } = withSample();
    expect(run("ZADD", "z", 1)).toEqual(error("ERR wrong number of arguments for 'zadd' command"));
    expect(run("ZADD", "z", "NX")).toEqual(error("ERR wrong number of arguments for 'zadd' command"));
    expect(run("ZADD", "z", 1, "a", 2)).toEqual(SYNTAX);
    expect(run("ZADD", "z", "NX", "XX", 1, "a")).toEqual(error("ERR XX and NX options at the same time are not compatible"));
    expect(run("ZADD", "z", "GT", "LT", 1, "a")).toEqual(error("ERR GT, LT, and/or NX options at the same time are not compatible"));
    expect(run("ZADD", "z", "NX", "GT", 1, "a")).toEqual(error("ERR GT, LT, and/or NX options at the same time are not compatible"));
    expect(run("ZADD", "z", "INCR", 1, "a", 2, "b")).toEqual(error("ERR INCR option supports a single increment-element pair"));
    expect(run("ZADD", "z", 1, "x", "nan", "y")).toEqual(NOT_FLOAT);
    expect(run("ZADD", "z", " 1", "x")).toEqual(NOT_FLOAT);
    expect(run("ZADD", "z", "1e-400", "x")).toEqual(NOT_FLOAT);
    expect(run("ZADD", "s", "x", "a")).toEqual(NOT_FLOAT);
    expect(run("ZADD", "s", 1, "a")).toEqual(WRONGTYPE);
    expect(run("ZCARD", "z")).toBe(4);
    expect(journal()).toEqual([]);
  });

  test("an increment to NaN is refused and changes nothing", () => {
    const { run, journal } = setup();
    run("ZADD", "z", "inf", "a");
    expect(run("ZADD", "z", "INCR", "-inf", "a")).toEqual(error("ERR resulting score is not a number (NaN)"));
    expect(run("ZSCORE", "z", "a")).toBe("inf");
    expect(journal()).toEqual([["ZADD", "z", "inf", "a"]]);
  });

  test("is journaled as sent; INCR as the score it produced; a no-op not at all", () => {
    const { run, journal, clearJournal } = setup();
    run("ZADD", "z", "GT", "CH", 1, "a");
    run("ZADD", "z", "INCR", "0.1", "a");
    run("ZADD", "z", "NX", 5, "a");
    run("ZADD", "z", 1.1, "a");
    expect(journal()).toEqual([
      ["ZADD", "z", "GT", "CH", "1", "a"],
      ["ZADD", "z", "1.1", "a"],
    ]);
    clearJournal();
    run("ZADD", "z", "INCR", "0.2", "a");
    expect(journal()).toEqual([["ZADD", "z", "1.3", "a"]]);
  });

  test("a listpack keeps -0 as 0, a skiplist keeps it (Redis's storage of integral scores)", () => {
    const { run } = setup();
    run("ZADD", "small", "-0", "a");
    expect(run("ZSCORE", "small", "a")).toBe("0");
    run("ZADD", "big", "-0", "x".repeat(65));
    expect(run("ZSCORE", "big", "x".repeat(65))).toBe("-0");
  });

  test("OBJECT ENCODING turns skiplist past 128 members or a 64-byte member, and stays so", () => {
    const { run } = setup();
    const pairs = Array.from({ length: 128 }, (_, i) => [i, `m${i}`]).flat();
    run("ZADD", "z", ...pairs);
    expect(run("OBJECT", "ENCODING", "z")).toBe("listpack");
    run("ZADD", "z", 200, "m200");
    expect(run("OBJECT", "ENCODING", "z")).toBe("skiplist");
    run("ZREMRANGEBYRANK", "z", 0, -3);
    expect(run("OBJECT", "ENCODING", "z")).toBe("skiplist");
    run("ZADD", "long", 1, "x".repeat(64));
    expect(run("OBJECT", "ENCODING", "long")).toBe("listpack");
    run("ZADD", "long", 1, "y".repeat(65));
    expect(run("OBJECT", "ENCODING", "long")).toBe("skiplist");
  });

  test("TYPE, SCAN TYPE, MEMORY USAGE and COPY see a zset", () => {
    const { run } = withSample();
    expect(run("TYPE", "z")).toEqual({ status: "zset" });
    expect(run("SCAN", 0, "TYPE", "zset")).toEqual(["0", ["z"]]);
    expect(run("MEMORY", "USAGE", "z")).toBeGreaterThan(0);
    expect(run("COPY", "z", "copy")).toBe(1);
    run("ZADD", "copy", 9, "a");
    expect(run("ZSCORE", "z", "a")).toBe("1");
    expect(run("ZRANGE", "copy", 0, -1)).toEqual(["b", "c", "d", "a"]);
  });
});

describe("ZINCRBY", () => {
  test("adds to a score, starting a missing member at 0", () => {
    const { run } = withSample();
    expect(run("ZINCRBY", "z", "0.5", "a")).toBe("1.5");
    expect(run("ZINCRBY", "z", -2, "new")).toBe("-2");
    expect(run("ZINCRBY", "fresh", "-0", "m")).toBe("-0");
    expect(run("ZRANGE", "z", 0, 1)).toEqual(["new", "a"]);
  });

  test("errors: bad increment, NaN, option words, wrong type", () => {
    const { run } = withSample();
    expect(run("ZINCRBY", "z", "x", "a")).toEqual(NOT_FLOAT);
    expect(run("ZINCRBY", "z", "NX", "a")).toEqual(SYNTAX);
    expect(run("ZINCRBY", "s", 1, "a")).toEqual(WRONGTYPE);
    run("ZADD", "z", "inf", "a");
    expect(run("ZINCRBY", "z", "-inf", "a")).toEqual(error("ERR resulting score is not a number (NaN)"));
  });

  test("is journaled as ZADD with the resulting score", () => {
    const { run, journal } = withSample();
    run("ZINCRBY", "z", "0.1", "b");
    run("ZINCRBY", "z", "0.2", "b");
    expect(journal()).toEqual([
      ["ZADD", "z", "2.1", "b"],
      ["ZADD", "z", "2.3000000000000003", "b"],
    ]);
  });
});

describe("ZCARD", () => {
  test("counts members; 0 for a missing key; WRONGTYPE for other types", () => {
    const { run } = withSample();
    expect(run("ZCARD", "z")).toBe(4);
    expect(run("ZCARD", "missing")).toBe(0);
    expect(run("ZCARD", "s")).toEqual(WRONGTYPE);
  });
});

describe("ZSCORE", () => {
  test("the score, nil for a missing member or key", () => {
    const { run } = withSample();
    expect(run("ZSCORE", "z", "c")).toBe("3");
    expect(run("ZSCORE", "z", "x")).toBeNull();
    expect(run("ZSCORE", "missing", "x")).toBeNull();
    expect(run("ZSCORE", "s", "x")).toEqual(WRONGTYPE);
  });
});

describe("ZMSCORE", () => {
  test("scores in argument order, nil for missing members; a missing key reads as empty", () => {
    const { run } = withSample();
    expect(run("ZMSCORE", "z", "d", "x", "a")).toEqual(["4", null, "1"]);
    expect(run("ZMSCORE", "missing", "a", "b")).toEqual([null, null]);
    expect(run("ZMSCORE", "s", "a")).toEqual(WRONGTYPE);
  });
});

describe("ZRANK", () => {
  test("0-based ascending rank, with the score on WITHSCORE (7.2+)", () => {
    const { run } = withSample();
    expect(run("ZRANK", "z", "a")).toBe(0);
    expect(run("ZRANK", "z", "d")).toBe(3);
    expect(run("ZRANK", "z", "c", "WITHSCORE")).toEqual([2, "3"]);
    expect(run("ZRANK", "z", "x")).toBeNull();
    expect(run("ZRANK", "z", "x", "withscore")).toBeNull();
    expect(run("ZRANK", "missing", "a")).toBeNull();
  });

  test("ties order by member bytes", () => {
    const { run } = setup();
    run("ZADD", "z", 1, "b", 1, "a", 1, "a\x00", 0, "z");
    expect([run("ZRANK", "z", "z"), run("ZRANK", "z", "a"), run("ZRANK", "z", "a\x00"), run("ZRANK", "z", "b")]).toEqual([0, 1, 2, 3]);
  });

  test("errors: an unknown option, too many arguments, wrong type", () => {
    const { run } = withSample();
    expect(run("ZRANK", "z", "a", "WITHSCORES")).toEqual(SYNTAX);
    expect(run("ZRANK", "z", "a", "WITHSCORE", "x")).toEqual(error("ERR wrong number of arguments for 'zrank' command"));
    expect(run("ZRANK", "s", "a")).toEqual(WRONGTYPE);
  });
});

describe("ZREVRANK", () => {
  test("0-based descending rank, with the score on WITHSCORE", () => {
    const { run } = withSample();
    expect(run("ZREVRANK", "z", "a")).toBe(3);
    expect(run("ZREVRANK", "z", "d", "WITHSCORE")).toEqual([0, "4"]);
    expect(run("ZREVRANK", "z", "x")).toBeNull();
    expect(run("ZREVRANK", "z", "a", "x", "y")).toEqual(error("ERR wrong number of arguments for 'zrevrank' command"));
  });
});

describe("ZREM", () => {
  test("removes members, counts them, deletes the emptied key, journals as sent", () => {
    const { run, journal } = withSample();
    expect(run("ZREM", "z", "a", "x", "a")).toBe(1);
    expect(run("ZREM", "z", "b", "c", "d")).toBe(3);
    expect(run("EXISTS", "z")).toBe(0);
    expect(run("ZREM", "missing", "a")).toBe(0);
    expect(run("ZREM", "s", "a")).toEqual(WRONGTYPE);
    expect(journal()).toEqual([
      ["ZREM", "z", "a", "x", "a"],
      ["ZREM", "z", "b", "c", "d"],
    ]);
  });
});

describe("ZCOUNT", () => {
  test("counts a score range with open ends and infinities", () => {
    const { run } = withSample();
    expect(run("ZCOUNT", "z", "-inf", "+inf")).toBe(4);
    expect(run("ZCOUNT", "z", "(1", "3")).toBe(2);
    expect(run("ZCOUNT", "z", "(1", "(2")).toBe(0);
    expect(run("ZCOUNT", "z", 3, 1)).toBe(0);
    expect(run("ZCOUNT", "missing", 0, 1)).toBe(0);
  });

  test("reads ends as C strtod does: spaces before, empty is 0, overflow is infinite", () => {
    const { run } = withSample();
    expect(run("ZCOUNT", "z", " 2", "1e999")).toBe(3);
    expect(run("ZCOUNT", "z", "", "(")).toBe(0);
    expect(run("ZCOUNT", "z", "0x1", "0x2")).toBe(2);
  });

  test("errors: ends that are not floats (checked before the key)", () => {
    const { run } = withSample();
    expect(run("ZCOUNT", "s", "x", 1)).toEqual(NOT_A_FLOAT_RANGE);
    expect(run("ZCOUNT", "z", "nan", 1)).toEqual(NOT_A_FLOAT_RANGE);
    expect(run("ZCOUNT", "z", "1 ", 1)).toEqual(NOT_A_FLOAT_RANGE);
    expect(run("ZCOUNT", "s", 0, 1)).toEqual(WRONGTYPE);
  });
});

describe("ZLEXCOUNT", () => {
  test("counts a lexicographic range", () => {
    const { run } = setup();
    run("ZADD", "z", 0, "a", 0, "b", 0, "c", 0, "d");
    expect(run("ZLEXCOUNT", "z", "-", "+")).toBe(4);
    expect(run("ZLEXCOUNT", "z", "(a", "[c")).toBe(2);
    expect(run("ZLEXCOUNT", "z", "[c", "[a")).toBe(0);
    expect(run("ZLEXCOUNT", "missing", "-", "+")).toBe(0);
  });

  test("errors: items without ( [ - +, and a longer - or +", () => {
    const { run } = setup();
    expect(run("ZLEXCOUNT", "z", "a", "+")).toEqual(NOT_A_LEX_RANGE);
    expect(run("ZLEXCOUNT", "z", "-", "++")).toEqual(NOT_A_LEX_RANGE);
    expect(run("ZLEXCOUNT", "z", "", "+")).toEqual(NOT_A_LEX_RANGE);
  });
});

describe("integer spellings of scores and ranks (plain integers take a fast path)", () => {
  test("scores read as strtod reads them, ranks only as canonical int64s (as redis-server 7.0 answers)", () => {
    const { run } = setup();
    expect(run("ZADD", "t", "01", "a", "+5", "b", "1234567890123456", "c", "12345678901234567", "d", "-123456789012345", "e", "0", "f")).toBe(6);
    expect(run("ZRANGE", "t", 0, -1, "WITHSCORES")).toEqual(
      ["e", "-123456789012345", "f", "0", "a", "1", "b", "5", "c", "1234567890123456", "d", "12345678901234568"],
    );
    for (const score of ["1a", "-", ""]) expect(run("ZADD", "t", score, "g")).toEqual(NOT_FLOAT);
    for (const [start, stop] of [["01", "2"], ["-0", "2"], ["+1", "2"], ["1", "02"], ["", "1"]]) {
      expect(run("ZRANGE", "t", start!, stop!)).toEqual(NOT_INTEGER);
    }
    expect(run("ZREMRANGEBYRANK", "t", "01", "1")).toEqual(NOT_INTEGER);
    expect(run("ZRANGE", "t", "-1", "-1")).toEqual(["d"]);
    expect(run("ZRANGE", "t", "999999999999999", "1")).toEqual([]);
  });
});

describe("ZRANGE", () => {
  test("index ranges with negative indexes and REV", () => {
    const { run } = withSample();
    expect(run("ZRANGE", "z", 0, -1)).toEqual(["a", "b", "c", "d"]);
    expect(run("ZRANGE", "z", -2, 10, "WITHSCORES")).toEqual(["c", "3", "d", "4"]);
    expect(run("ZRANGE", "z", 0, 1, "REV")).toEqual(["d", "c"]);
    expect(run("ZRANGE", "z", 3, 1)).toEqual([]);
    expect(run("ZRANGE", "z", "-9223372036854775808", "9223372036854775807")).toEqual(["a", "b", "c", "d"]);
    expect(run("ZRANGE", "missing", 0, -1)).toEqual([]);
  });

  test("BYSCORE and BYLEX, REV taking max first, LIMIT offset count", () => {
    const { run } = withSample();
    expect(run("ZRANGE", "z", "(1", "+inf", "BYSCORE", "LIMIT", 1, 5, "WITHSCORES")).toEqual(["c", "3", "d", "4"]);
    expect(run("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", 0, 2)).toEqual(["d", "c"]);
    expect(run("ZRANGE", "z", 2, 3, "BYSCORE", "LIMIT", 0, -1)).toEqual(["b", "c"]);
    run("ZADD", "lex", 0, "a", 0, "b", 0, "c");
    expect(run("ZRANGE", "lex", "[b", "+", "BYLEX")).toEqual(["b", "c"]);
    expect(run("ZRANGE", "lex", "+", "(a", "BYLEX", "REV")).toEqual(["c", "b"]);
  });

  test("compat: LIMIT on an index range pages it, as Upstash accepts (the SDK sends it)", () => {
    const { run } = withSample();
    expect(run("ZRANGE", "z", 0, -1, "LIMIT", 1, 2)).toEqual(["b", "c"]);
    expect(run("ZRANGE", "z", 0, -1, "REV", "LIMIT", 0, 1, "WITHSCORES")).toEqual(["d", "4"]);
    expect(run("ZRANGE", "z", 0, -1, "LIMIT", -1, 2)).toEqual([]);
  });

  test("errors in Redis's order: options, conflicts, range, then the key", () => {
    const { run } = withSample();
    expect(run("ZRANGE", "s", 0, 1, "FOO")).toEqual(SYNTAX);
    expect(run("ZRANGE", "z", 0, 1, "BYSCORE", "BYLEX")).toEqual(SYNTAX);
    expect(run("ZRANGE", "z", 0, 1, "REV", "REV")).toEqual(SYNTAX);
    expect(run("ZRANGE", "z", 0, 1, "LIMIT", 0)).toEqual(SYNTAX);
    expect(run("ZRANGE", "z", 0, 1, "BYSCORE", "LIMIT", "x", 1)).toEqual(NOT_INTEGER);
    expect(run("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES")).toEqual(error("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
    expect(run("ZRANGE", "z", "a", 1)).toEqual(NOT_INTEGER);
    expect(run("ZRANGE", "z", "a", 1, "BYSCORE")).toEqual(NOT_A_FLOAT_RANGE);
    expect(run("ZRANGE", "z", "a", "b", "BYLEX")).toEqual(NOT_A_LEX_RANGE);
    expect(run("ZRANGE", "s", 0, 1)).toEqual(WRONGTYPE);
  });
});

describe("ZREVRANGE", () => {
  test("index ranges from the highest score", () => {
    const { run } = withSample();
    expect(run("ZREVRANGE", "z", 0, 1, "WITHSCORES")).toEqual(["d", "4", "c", "3"]);
    expect(run("ZREVRANGE", "z", -1, -1)).toEqual(["a"]);
  });

  test("refuses LIMIT and BYSCORE (its range kind is fixed)", () => {
    const { run } = withSample();
    expect(run("ZREVRANGE", "z", 0, 1, "LIMIT", 0, 1)).toEqual(error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"));
    expect(run("ZREVRANGE", "z", 0, 1, "BYSCORE")).toEqual(SYNTAX);
  });
});

describe("ZRANGEBYSCORE", () => {
  test("score ranges with WITHSCORES and LIMIT; an offset past the end is empty", () => {
    const { run } = withSample();
    expect(run("ZRANGEBYSCORE", "z", 2, "(4", "WITHSCORES")).toEqual(["b", "2", "c", "3"]);
    expect(run("ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", 2, 1)).toEqual(["c"]);
    expect(run("ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", 4, 1)).toEqual([]);
    expect(run("ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", 1, 0)).toEqual([]);
    expect(run("ZRANGEBYSCORE", "z", 0, 10, "REV")).toEqual(SYNTAX);
  });
});

describe("ZREVRANGEBYSCORE", () => {
  test("takes max then min and walks down", () => {
    const { run } = withSample();
    expect(run("ZREVRANGEBYSCORE", "z", 3, "-inf", "WITHSCORES", "LIMIT", 1, 5)).toEqual(["b", "2", "a", "1"]);
    expect(run("ZREVRANGEBYSCORE", "z", 1, 3)).toEqual([]);
  });
});

describe("ZRANGEBYLEX", () => {
  test("lex ranges with LIMIT; WITHSCORES is refused", () => {
    const { run } = setup();
    run("ZADD", "z", 0, "a", 0, "aa", 0, "b", 0, "c");
    expect(run("ZRANGEBYLEX", "z", "[a", "(b")).toEqual(["a", "aa"]);
    expect(run("ZRANGEBYLEX", "z", "-", "+", "LIMIT", 1, 2)).toEqual(["aa", "b"]);
    expect(run("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES")).toEqual(error("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
  });

  test("with mixed scores, a small set answers as Redis's listpack scan does", () => {
    const { run } = setup();
    run("ZADD", "z", 1, "b", 2, "a", 3, "c");
    // First member >= "a" in score order is "b"; the walk goes on while members are <= "b".
    expect(run("ZRANGEBYLEX", "z", "[a", "[b")).toEqual(["b", "a"]);
    expect(run("ZREVRANGEBYLEX", "z", "[b", "[a")).toEqual(["a", "b"]);
  });
});

describe("ZREVRANGEBYLEX", () => {
  test("takes max then min and walks down", () => {
    const { run } = setup();
    run("ZADD", "z", 0, "a", 0, "b", 0, "c", 0, "d");
    expect(run("ZREVRANGEBYLEX", "z", "(d", "-")).toEqual(["c", "b", "a"]);
    expect(run("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", 1, 2)).toEqual(["c", "b"]);
    expect(run("ZREVRANGEBYLEX", "z", "-", "+")).toEqual([]);
  });
});

describe("ZRANGESTORE", () => {
  test("stores the selected range, replacing the destination; an empty result deletes it", () => {
    const { run, journal } = withSample();
    expect(run("ZRANGESTORE", "dst", "z", "(1", 3, "BYSCORE")).toBe(2);
    expect(run("ZRANGE", "dst", 0, -1, "WITHSCORES")).toEqual(["b", "2", "c", "3"]);
    expect(run("ZRANGESTORE", "s", "z", 0, 0, "REV")).toBe(1);
    expect(run("ZRANGE", "s", 0, -1)).toEqual(["d"]);
    expect(run("ZRANGESTORE", "dst", "missing", 0, -1)).toBe(0);
    expect(run("EXISTS", "dst")).toBe(0);
    expect(run("ZRANGESTORE", "dst", "z", 5, 9)).toBe(0);
    expect(journal()).toEqual([
      ["ZRANGESTORE", "dst", "z", "(1", "3", "BYSCORE"],
      ["ZRANGESTORE", "s", "z", "0", "0", "REV"],
      ["ZRANGESTORE", "dst", "missing", "0", "-1"],
    ]);
  });

  test("errors: WITHSCORES is not an option, the source's type is checked", () => {
    const { run } = withSample();
    expect(run("ZRANGESTORE", "dst", "z", 0, 1, "WITHSCORES")).toEqual(SYNTAX);
    expect(run("ZRANGESTORE", "dst", "s", 0, 1)).toEqual(WRONGTYPE);
  });
});

describe("ZREMRANGEBYRANK", () => {
  test("removes an index range, deleting the emptied key", () => {
    const { run } = withSample();
    expect(run("ZREMRANGEBYRANK", "z", 1, -2)).toBe(2);
    expect(run("ZRANGE", "z", 0, -1)).toEqual(["a", "d"]);
    expect(run("ZREMRANGEBYRANK", "z", 5, 9)).toBe(0);
    expect(run("ZREMRANGEBYRANK", "z", 0, -1)).toBe(2);
    expect(run("EXISTS", "z")).toBe(0);
    expect(run("ZREMRANGEBYRANK", "z", "x", 1)).toEqual(NOT_INTEGER);
    expect(run("ZREMRANGEBYRANK", "s", 0, 1)).toEqual(WRONGTYPE);
  });
});

describe("ZREMRANGEBYSCORE", () => {
  test("removes a score range", () => {
    const { run, journal } = withSample();
    expect(run("ZREMRANGEBYSCORE", "z", "(1", 3)).toBe(2);
    expect(run("ZRANGE", "z", 0, -1)).toEqual(["a", "d"]);
    expect(run("ZREMRANGEBYSCORE", "z", 10, 20)).toBe(0);
    expect(run("ZREMRANGEBYSCORE", "z", "x", 20)).toEqual(NOT_A_FLOAT_RANGE);
    expect(journal()).toEqual([["ZREMRANGEBYSCORE", "z", "(1", "3"]]);
  });
});

describe("ZREMRANGEBYLEX", () => {
  test("removes a lex range", () => {
    const { run } = setup();
    run("ZADD", "z", 0, "a", 0, "b", 0, "c", 0, "d");
    expect(run("ZREMRANGEBYLEX", "z", "(a", "[c")).toBe(2);
    expect(run("ZRANGE", "z", 0, -1)).toEqual(["a", "d"]);
    expect(run("ZREMRANGEBYLEX", "z", "x", "+")).toEqual(NOT_A_LEX_RANGE);
  });
});

describe("ZUNION", () => {
  test("sums scores across sorted sets and plain sets (score 1), with WEIGHTS and AGGREGATE", () => {
    const { run } = setup();
    run("ZADD", "a", 1, "x", 2, "y");
    run("ZADD", "b", 10, "y", 20, "z");
    run("SADD", "set", "x", "w");
    expect(run("ZUNION", 3, "a", "b", "set", "WITHSCORES")).toEqual(["w", "1", "x", "2", "y", "12", "z", "20"]);
    expect(run("ZUNION", 2, "a", "b", "WEIGHTS", 2, "-1", "AGGREGATE", "MIN", "WITHSCORES")).toEqual(["z", "-20", "y", "-10", "x", "2"]);
    expect(run("ZUNION", 2, "a", "missing")).toEqual(["x", "y"]);
  });

  test("inf + -inf sums to 0, not NaN", () => {
    const { run } = setup();
    run("ZADD", "a", "inf", "x");
    run("ZADD", "b", "-inf", "x");
    expect(run("ZUNION", 2, "a", "b", "WITHSCORES")).toEqual(["x", "0"]);
  });

  test("errors in Redis's order: numkeys, key types, then options", () => {
    const { run } = withSample();
    expect(run("ZUNION", 0, "z")).toEqual(error("ERR at least 1 input key is needed for 'zunion' command"));
    expect(run("ZUNION", "x", "z")).toEqual(NOT_INTEGER);
    expect(run("ZUNION", 3, "z")).toEqual(SYNTAX);
    expect(run("ZUNION", 1, "s", "junk")).toEqual(WRONGTYPE);
    expect(run("ZUNION", 1, "z", "WEIGHTS", "x")).toEqual(error("ERR weight value is not a float"));
    expect(run("ZUNION", 1, "z", "AGGREGATE", "avg")).toEqual(SYNTAX);
    expect(run("ZUNION", 1, "z", "WEIGHTS")).toEqual(SYNTAX);
  });
});

describe("ZUNIONSTORE", () => {
  test("stores the union and replies with its size; an empty result deletes the destination", () => {
    const { run, journal } = withSample();
    run("ZADD", "y", 10, "a");
    expect(run("ZUNIONSTORE", "dst", 2, "z", "y", "WEIGHTS", 1, 2)).toBe(4);
    expect(run("ZRANGE", "dst", 0, -1, "WITHSCORES")).toEqual(["b", "2", "c", "3", "d", "4", "a", "21"]);
    expect(run("ZUNIONSTORE", "dst", 1, "missing")).toBe(0);
    expect(run("EXISTS", "dst")).toBe(0);
    expect(run("ZUNIONSTORE", "dst", 1, "z", "WITHSCORES")).toEqual(SYNTAX);
    expect(run("ZUNIONSTORE", "dst", 0, "z")).toEqual(error("ERR at least 1 input key is needed for 'zunionstore' command"));
    expect(journal()).toEqual([
      ["ZADD", "y", "10", "a"],
      ["ZUNIONSTORE", "dst", "2", "z", "y", "WEIGHTS", "1", "2"],
      ["ZUNIONSTORE", "dst", "1", "missing"],
    ]);
  });
});

describe("ZINTER", () => {
  test("keeps members present in every input, aggregating their weighted scores", () => {
    const { run } = setup();
    run("ZADD", "a", 1, "x", 2, "y", 3, "z");
    run("ZADD", "b", 10, "y", 20, "z");
    run("SADD", "set", "z", "y", "q");
    expect(run("ZINTER", 2, "a", "b", "WITHSCORES")).toEqual(["y", "12", "z", "23"]);
    expect(run("ZINTER", 3, "a", "b", "set", "AGGREGATE", "MAX", "WITHSCORES")).toEqual(["y", "10", "z", "20"]);
    expect(run("ZINTER", 2, "a", "a", "WEIGHTS", 1, 3, "WITHSCORES")).toEqual(["x", "4", "y", "8", "z", "12"]);
    expect(run("ZINTER", 2, "a", "missing")).toEqual([]);
  });
});

describe("ZINTERSTORE", () => {
  test("stores the intersection", () => {
    const { run } = withSample();
    run("ZADD", "other", 5, "b", 6, "x");
    expect(run("ZINTERSTORE", "dst", 2, "z", "other")).toBe(1);
    expect(run("ZRANGE", "dst", 0, -1, "WITHSCORES")).toEqual(["b", "7"]);
    expect(run("ZINTERSTORE", "dst", 2, "z", "s")).toEqual(WRONGTYPE);
  });
});

describe("ZINTERCARD", () => {
  test("counts the intersection, stopping at LIMIT", () => {
    const { run } = setup();
    run("ZADD", "a", 1, "x", 2, "y", 3, "z");
    run("SADD", "set", "x", "y", "z", "w");
    expect(run("ZINTERCARD", 2, "a", "set")).toBe(3);
    expect(run("ZINTERCARD", 2, "a", "set", "LIMIT", 2)).toBe(2);
    expect(run("ZINTERCARD", 2, "a", "set", "LIMIT", 0)).toBe(3);
    expect(run("ZINTERCARD", 2, "a", "missing")).toBe(0);
  });

  test("errors: LIMIT must be a non-negative integer, no WEIGHTS or WITHSCORES", () => {
    const { run } = setup();
    expect(run("ZINTERCARD", 1, "a", "LIMIT", -1)).toEqual(error("ERR LIMIT can't be negative"));
    expect(run("ZINTERCARD", 1, "a", "LIMIT", "x")).toEqual(error("ERR LIMIT can't be negative"));
    expect(run("ZINTERCARD", 1, "a", "WITHSCORES")).toEqual(SYNTAX);
    expect(run("ZINTERCARD", 1, "a", "WEIGHTS", 1)).toEqual(SYNTAX);
    expect(run("ZINTERCARD", 0, "a")).toEqual(error("ERR at least 1 input key is needed for 'zintercard' command"));
  });
});

describe("ZDIFF", () => {
  test("members of the first input missing from all others, with the first input's scores", () => {
    const { run } = withSample();
    run("ZADD", "other", 9, "b");
    run("SADD", "set", "d");
    expect(run("ZDIFF", 3, "z", "other", "set", "WITHSCORES")).toEqual(["a", "1", "c", "3"]);
    expect(run("ZDIFF", 2, "z", "z")).toEqual([]);
    expect(run("ZDIFF", 1, "missing")).toEqual([]);
    expect(run("ZDIFF", 2, "z", "other", "WEIGHTS", 1, 1)).toEqual(SYNTAX);
  });
});

describe("ZDIFFSTORE", () => {
  test("stores the difference", () => {
    const { run } = withSample();
    run("ZADD", "other", 9, "b", 9, "c");
    expect(run("ZDIFFSTORE", "dst", 2, "z", "other")).toBe(2);
    expect(run("ZRANGE", "dst", 0, -1, "WITHSCORES")).toEqual(["a", "1", "d", "4"]);
    expect(run("ZDIFFSTORE", "dst", 2, "z", "z")).toBe(0);
    expect(run("EXISTS", "dst")).toBe(0);
  });
});

describe("ZPOPMIN", () => {
  test("pops the lowest entries with their scores, deleting the emptied key", () => {
    const { run, journal } = withSample();
    expect(run("ZPOPMIN", "z")).toEqual(["a", "1"]);
    expect(run("ZPOPMIN", "z", 2)).toEqual(["b", "2", "c", "3"]);
    expect(run("ZPOPMIN", "z", 10)).toEqual(["d", "4"]);
    expect(run("EXISTS", "z")).toBe(0);
    expect(run("ZPOPMIN", "z")).toEqual([]);
    expect(journal()).toEqual([
      ["ZPOPMIN", "z"],
      ["ZPOPMIN", "z", "2"],
      ["ZPOPMIN", "z", "10"],
    ]);
  });

  test("errors: negative or non-integer counts (one message), extra arguments, wrong type (even with count 0)", () => {
    const { run } = withSample();
    expect(run("ZPOPMIN", "z", -1)).toEqual(error("ERR value is out of range, must be positive"));
    // Found by the differential test: Redis words a non-integer count the same way.
    expect(run("ZPOPMIN", "z", "x")).toEqual(error("ERR value is out of range, must be positive"));
    expect(run("ZPOPMAX", "missing", "")).toEqual(error("ERR value is out of range, must be positive"));
    expect(run("ZPOPMIN", "z", 1, 2)).toEqual(SYNTAX);
    expect(run("ZPOPMIN", "s", 0)).toEqual(WRONGTYPE);
    expect(run("ZPOPMIN", "z", 0)).toEqual([]);
  });
});

describe("ZPOPMAX", () => {
  test("pops the highest entries first", () => {
    const { run } = withSample();
    expect(run("ZPOPMAX", "z", 2)).toEqual(["d", "4", "c", "3"]);
    expect(run("ZPOPMAX", "missing")).toEqual([]);
  });
});

describe("ZMPOP", () => {
  test("pops from the first non-empty key, replying [key, [[member, score] ...]]", () => {
    const { run, journal } = withSample();
    expect(run("ZMPOP", 2, "missing", "z", "MAX", "COUNT", 2)).toEqual(["z", [["d", "4"], ["c", "3"]]]);
    expect(run("ZMPOP", 1, "z", "min")).toEqual(["z", [["a", "1"]]]);
    expect(run("ZMPOP", 1, "missing", "MIN")).toBeNull();
    expect(journal()).toEqual([
      ["ZPOPMAX", "z", "2"],
      ["ZPOPMIN", "z", "1"],
    ]);
  });

  test("errors: numkeys, MIN|MAX, COUNT, and the type of keys reached before a non-empty one", () => {
    const { run } = withSample();
    expect(run("ZMPOP", 0, "z", "MIN")).toEqual(error("ERR numkeys should be greater than 0"));
    expect(run("ZMPOP", "x", "z", "MIN")).toEqual(error("ERR numkeys should be greater than 0"));
    expect(run("ZMPOP", 2, "z", "MIN")).toEqual(SYNTAX);
    expect(run("ZMPOP", 1, "z", "MIDDLE")).toEqual(SYNTAX);
    expect(run("ZMPOP", 1, "z", "MIN", "COUNT", 0)).toEqual(error("ERR count should be greater than 0"));
    expect(run("ZMPOP", 1, "z", "MIN", "COUNT", 1, "COUNT", 1)).toEqual(SYNTAX);
    expect(run("ZMPOP", 2, "s", "z", "MIN")).toEqual(WRONGTYPE);
    expect(run("ZMPOP", 2, "z", "s", "MIN")).toEqual(["z", [["a", "1"]]]);
  });
});

describe("ZRANDMEMBER", () => {
  test("one member, distinct members for a positive count, repeats for a negative one", () => {
    const { run } = withSample();
    expect(["a", "b", "c", "d"]).toContain(run("ZRANDMEMBER", "z") as string);
    const three = run("ZRANDMEMBER", "z", 3) as string[];
    expect(new Set(three).size).toBe(3);
    expect(run("ZRANDMEMBER", "z", 10)).toEqual(["d", "c", "b", "a"]);
    const many = run("ZRANDMEMBER", "z", -10, "WITHSCORES") as string[];
    expect(many.length).toBe(20);
    for (let i = 0; i < many.length; i += 2) expect(run("ZSCORE", "z", many[i]!)).toBe(many[i + 1]!);
    expect(run("ZRANDMEMBER", "z", 0)).toEqual([]);
    expect(run("ZRANDMEMBER", "missing")).toBeNull();
    expect(run("ZRANDMEMBER", "missing", 5)).toEqual([]);
  });

  test("changes nothing and journals nothing", () => {
    const { run, journal } = withSample();
    run("ZRANDMEMBER", "z", -5);
    expect(journal()).toEqual([]);
  });

  test("errors: count range, WITHSCORES overflow, stray options, wrong type", () => {
    const { run } = withSample();
    expect(run("ZRANDMEMBER", "z", "x")).toEqual(NOT_INTEGER);
    expect(run("ZRANDMEMBER", "z", "-9223372036854775808")).toEqual(error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    expect(run("ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES")).toEqual(error("ERR value is out of range"));
    expect(run("ZRANDMEMBER", "z", 1, "WITHSCORE")).toEqual(SYNTAX);
    expect(run("ZRANDMEMBER", "s", 1)).toEqual(WRONGTYPE);
  });
});

describe("ZSCAN", () => {
  test("a small set comes back whole in one call, filtered by MATCH", () => {
    const { run } = withSample();
    expect(run("ZSCAN", "z", 0)).toEqual(["0", ["a", "1", "b", "2", "c", "3", "d", "4"]]);
    expect(run("ZSCAN", "z", 0, "MATCH", "[bc]", "COUNT", 1)).toEqual(["0", ["b", "2", "c", "3"]]);
    expect(run("ZSCAN", "missing", 0, "JUNK")).toEqual(["0", []]);
  });

  test("a big set is walked by cursor, every member exactly once; scores as %.17g", () => {
    const { run } = setup();
    run("ZADD", "z", ...Array.from({ length: 300 }, (_, i) => [i + 0.1, `m${i}`]).flat());
    const seen = new Map<string, string>();
    let cursor = "0";
    let calls = 0;
    do {
      const [next, items] = run("ZSCAN", "z", cursor, "COUNT", 25) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      cursor = next;
      calls++;
    } while (cursor !== "0");
    expect(seen.size).toBe(300);
    expect(calls).toBeGreaterThan(10);
    expect(seen.get("m0")).toBe("0.10000000000000001");
  });

  test("errors: cursor, COUNT, unknown options", () => {
    const { run } = withSample();
    expect(run("ZSCAN", "z", "x")).toEqual(error("ERR invalid cursor"));
    expect(run("ZSCAN", "z", 0, "COUNT", 0)).toEqual(SYNTAX);
    expect(run("ZSCAN", "z", 0, "COUNT", "x")).toEqual(NOT_INTEGER);
    expect(run("ZSCAN", "z", 0, "NOVALUES")).toEqual(SYNTAX);
    expect(run("ZSCAN", "s", 0)).toEqual(WRONGTYPE);
  });
});
