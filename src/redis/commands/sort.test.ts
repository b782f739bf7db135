// Proves SORT and SORT_RO over lists, sets and sorted sets: numeric and ALPHA order, BY weights from strings and hash fields, BY
// without '*' (no sort), LIMIT, GET, STORE and its journal, Redis's strtod reading of weights, its
// C-string reading of patterns, and its partial quicksort's order of ties — every expected reply
// here was first read off redis-server 7.0.

import { describe, expect, test } from "bun:test";
import { plain, createPlainTestEngine as setup } from "../../../test/harness/engine.ts";
import { partialQuicksort } from "../../util/pqsort.ts";

const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INTEGER = error("ERR value is not an integer or out of range");
const SYNTAX = error("ERR syntax error");
const NOT_DOUBLE = error("ERR One or more scores can't be converted into double");

/** l = e1..e20 with ALPHA weights w_e1..w_e10 (many ties, the rest missing); n = [3 10 2 1.5]. */
function withData() {
  const context = setup();
  const { run } = context;
  run("RPUSH", "l", ...Array.from({ length: 20 }, (_, i) => `e${i + 1}`));
  run("MSET", "w_e1", "b", "w_e2", "a", "w_e3", "b", "w_e4", "a", "w_e5", "b", "w_e6", "a", "w_e7", "b", "w_e8", "a", "w_e9", "c", "w_e10", "a");
  run("RPUSH", "n", "3", "10", "2", "1.5");
  run("SET", "s", "x");
  context.clearJournal();
  return context;
}

describe("SORT", () => {
  test("numeric by default, ALPHA by bytes, DESC reversed", () => {
    const { run } = withData();
    expect(run("SORT", "n")).toEqual(["1.5", "2", "3", "10"]);
    expect(run("SORT", "n", "DESC")).toEqual(["10", "3", "2", "1.5"]);
    expect(run("SORT", "n", "ALPHA")).toEqual(["1.5", "10", "2", "3"]);
    expect(run("SORT", "n", "alpha", "desc")).toEqual(["3", "2", "10", "1.5"]);
    expect(run("SORT", "missing")).toEqual([]);
  });

  test("equal numbers are ordered by the element's bytes", () => {
    const { run } = setup();
    run("RPUSH", "k", "1.0", "1", "01", "-0", "0");
    expect(run("SORT", "k")).toEqual(["-0", "0", "01", "1", "1.0"]);
    expect(run("SORT", "k", "DESC")).toEqual(["1.0", "1", "01", "0", "-0"]);
  });

  test("LIMIT offset count, clamped like Redis", () => {
    const { run } = withData();
    expect(run("SORT", "n", "LIMIT", 1, 2)).toEqual(["2", "3"]);
    expect(run("SORT", "n", "LIMIT", -5, 2)).toEqual(["1.5", "2"]);
    expect(run("SORT", "n", "LIMIT", 2, -1)).toEqual(["3", "10"]);
    expect(run("SORT", "n", "LIMIT", 4, 1)).toEqual([]);
    expect(run("SORT", "n", "LIMIT", 1, 0)).toEqual([]);
    expect(run("SORT", "n", "LIMIT", "9223372036854775807", "9223372036854775807")).toEqual([]);
    expect(run("SORT", "n", "LIMIT", 0, "abc")).toEqual(NOT_INTEGER);
    expect(run("SORT", "n", "LIMIT", 0)).toEqual(SYNTAX);
  });

  test("BY a pattern sorts by the weights it names; missing weights count as 0", () => {
    const { run } = setup();
    run("RPUSH", "k", "a", "b", "c", "d");
    run("MSET", "w_a", "3", "w_b", "1", "w_c", "-2");
    run("HSET", "h_a", "f", "1", "g", "9");
    run("HSET", "h_b", "f", "2");
    expect(run("SORT", "k", "BY", "w_*")).toEqual(["c", "d", "b", "a"]);
    expect(run("SORT", "k", "BY", "h_*->f")).toEqual(["c", "d", "a", "b"]);
    expect(run("SORT", "k", "BY", "h_*->g", "DESC")).toEqual(["a", "d", "c", "b"]);
    // A weight key of another type counts as missing.
    run("RPUSH", "w_d", "x");
    expect(run("SORT", "k", "BY", "w_*")).toEqual(["c", "d", "b", "a"]);
  });

  test("ALPHA BY a pattern: missing weights first, ties in a stable order without LIMIT", () => {
    const { run } = withData();
    expect(run("SORT", "l", "BY", "w_*", "ALPHA")).toEqual([
      "e11", "e12", "e13", "e14", "e15", "e16", "e17", "e18", "e19", "e20",
      "e2", "e4", "e6", "e8", "e10", "e1", "e3", "e5", "e7", "e9",
    ]);
  });

  test("ALPHA BY a pattern with LIMIT orders ties as Redis's partial quicksort leaves them", () => {
    const { run } = withData();
    expect(run("SORT", "l", "BY", "w_*", "ALPHA", "LIMIT", 2, 9)).toEqual(["e12", "e13", "e14", "e15", "e16", "e17", "e18", "e19", "e10"]);
    expect(run("SORT", "l", "BY", "w_*", "ALPHA", "LIMIT", 0, 5, "DESC")).toEqual(["e9", "e3", "e5", "e1", "e7"]);
    // "->" with nothing after it is no field: every weight key is missing, every element ties.
    expect(run("SORT", "l", "BY", "w_*->", "ALPHA", "LIMIT", 0, 3)).toEqual(["e20", "e2", "e3"]);
    run("HSET", "h_e1", "f", "5");
    run("HSET", "h_e2", "f", "3");
    expect(run("SORT", "l", "BY", "h_*->f", "LIMIT", 0, 4)).toEqual(["e10", "e11", "e12", "e13"]);
  });

  test("BY without '*' does not sort: a list keeps its order, DESC walks it backwards", () => {
    const { run } = withData();
    expect(run("SORT", "n", "BY", "nosort")).toEqual(["3", "10", "2", "1.5"]);
    expect(run("SORT", "l", "BY", "nosort", "DESC", "LIMIT", 1, 3)).toEqual(["e19", "e18", "e17"]);
    expect(run("SORT", "n", "BY", "#")).toEqual(["3", "10", "2", "1.5"]);
    // A '*' after a NUL byte is invisible to Redis's strchr: still no sort.
    expect(run("SORT", "n", "BY", "w_\x00*")).toEqual(["3", "10", "2", "1.5"]);
    // compat: once a BY without '*' was seen, a later BY cannot turn sorting back on.
    expect(run("SORT", "n", "BY", "nosort", "BY", "w_*")).toEqual(["3", "10", "2", "1.5"]);
  });

  test("GET # is the element, GET pattern reads strings and hash fields, nil when missing", () => {
    const { run } = withData();
    expect(run("SORT", "l", "BY", "nosort", "GET", "#", "GET", "w_*", "LIMIT", 0, 3)).toEqual(["e1", "b", "e2", "a", "e3", "b"]);
    run("HSET", "h_3", "f", "three");
    expect(run("SORT", "n", "GET", "h_*->f", "GET", "nokey")).toEqual([null, null, null, null, "three", null, null, null]);
    expect(run("SORT", "n", "LIMIT", 0, 1, "GET", "#\x00ignored")).toEqual(["1.5"]);
  });

  test("STORE writes a list (missing GETs as empty strings), replacing the destination and its TTL", () => {
    const { run, journal } = withData();
    run("EXPIRE", "s", 100);
    run("HSET", "h_3", "f", "three");
    expect(run("SORT", "n", "GET", "h_*->f", "STORE", "s")).toBe(4);
    expect(run("LRANGE", "s", 0, -1)).toEqual(["", "", "three", ""]);
    expect(run("TTL", "s")).toBe(-1);
    expect(journal().slice(-1)).toEqual([["SORT", "n", "GET", "h_*->f", "STORE", "s"]]);
  });

  test("STORE of nothing deletes the destination", () => {
    const { run, journal } = withData();
    expect(run("SORT", "missing", "STORE", "s")).toBe(0);
    expect(run("EXISTS", "s")).toBe(0);
    expect(run("SORT", "missing", "STORE", "s")).toBe(0);
    expect(journal()).toEqual([["SORT", "missing", "STORE", "s"]]);
  });

  test("a set BY nosort into STORE is sorted ALPHA by bytes anyway, so replay agrees", () => {
    const { run } = setup();
    run("SADD", "set", "b", "10", "a", "2");
    expect(run("SORT", "set", "BY", "nosort", "STORE", "out")).toBe(4);
    expect(run("LRANGE", "out", 0, -1)).toEqual(["10", "2", "a", "b"]);
    expect(run("SORT", "set", "BY", "nosort")).toEqual(["b", "10", "a", "2"]);
  });

  test("sorts sets by their members", () => {
    const { run } = setup();
    run("SADD", "set", "3", "1", "2");
    expect(run("SORT", "set", "DESC")).toEqual(["3", "2", "1"]);
  });

  test("sorts sorted sets: unsorted they keep score order, DESC and LIMIT walking it by rank", () => {
    const { run } = setup();
    run("ZADD", "z", 3, "c", 1, "a", 2, "b", 2, "bb", 10, "x", -1, "neg", 5, "10");
    expect(run("SORT", "z", "BY", "nosort")).toEqual(["neg", "a", "b", "bb", "c", "10", "x"]);
    expect(run("SORT", "z", "BY", "nosort", "DESC")).toEqual(["x", "10", "c", "bb", "b", "a", "neg"]);
    expect(run("SORT", "z", "BY", "nosort", "LIMIT", 1, 3)).toEqual(["a", "b", "bb"]);
    expect(run("SORT", "z", "BY", "nosort", "DESC", "LIMIT", 2, 10)).toEqual(["c", "bb", "b", "a", "neg"]);
    expect(run("SORT", "z", "ALPHA", "DESC", "LIMIT", 0, 3)).toEqual(["x", "neg", "c"]);
    expect(run("SORT", "z")).toEqual(NOT_DOUBLE);
    run("ZADD", "n", 3, 7, 1, 8, 2, -2);
    expect(run("SORT", "n")).toEqual(["-2", "7", "8"]);
    expect(run("SORT", "n", "BY", "nosort", "DESC", "LIMIT", -1, 1)).toEqual(["7"]);
    expect(run("SORT", "n", "BY", "nosort", "STORE", "out")).toBe(3);
    expect(run("LRANGE", "out", 0, -1)).toEqual(["8", "-2", "7"]);
  });

  test("weights are read by strtod: spaces before, hex, inf; trailing junk, NaN, overflow and underflow refuse", () => {
    const { run } = setup();
    const sortOf = (...values: string[]) => {
      run("DEL", "k");
      run("RPUSH", "k", ...values);
      return run("SORT", "k");
    };
    expect(sortOf(" 1", "0x10", "2")).toEqual([" 1", "2", "0x10"]);
    expect(sortOf("inf", "-inf", "infinity", "3")).toEqual(["-inf", "3", "inf", "infinity"]);
    expect(sortOf("", "1")).toEqual(["", "1"]);
    expect(sortOf("0e-999", "1.")).toEqual(["0e-999", "1."]);
    expect(sortOf("0x1p-1074")).toEqual(["0x1p-1074"]);
    expect(sortOf("2.2250738585072014e-308", "1e-300")).toEqual(["2.2250738585072014e-308", "1e-300"]);
    expect(sortOf("2\x00junk", "1")).toEqual(["1", "2\x00junk"]);
    for (const bad of ["a", "1 ", " ", "nan", "1e400", "1e-400", "4.9e-324", "2.2250738585072011e-308", "1e"]) {
      expect([bad, sortOf(bad)]).toEqual([bad, NOT_DOUBLE]);
    }
  });

  test("ALPHA compares as strcoll in the C locale: up to the first NUL byte", () => {
    const { run } = setup();
    run("RPUSH", "k", "b", "a\x00z", "a", "\x00x", "");
    expect(run("SORT", "k", "ALPHA")).toEqual(["\x00x", "", "a\x00z", "a", "b"]);
    // STORE compares the whole bytes instead.
    run("SORT", "k", "ALPHA", "STORE", "out");
    expect(run("LRANGE", "out", 0, -1)).toEqual(["", "\x00x", "a", "a\x00z", "b"]);
  });

  test("options in any order, repeats allowed; unknown ones and short ones are syntax errors", () => {
    const { run } = withData();
    expect(run("SORT", "n", "DESC", "ASC", "LIMIT", 0, 1, "LIMIT", 0, 2)).toEqual(["1.5", "2"]);
    expect(run("SORT", "n", "FOO")).toEqual(SYNTAX);
    expect(run("SORT", "n", "BY")).toEqual(SYNTAX);
    expect(run("SORT", "n", "GET")).toEqual(SYNTAX);
    expect(run("SORT", "n", "STORE")).toEqual(SYNTAX);
  });

  test("refuses a string or hash, after the options parse", () => {
    const { run } = withData();
    expect(run("SORT", "s")).toEqual(WRONGTYPE);
    expect(run("SORT", "s", "FOO")).toEqual(SYNTAX);
    run("HSET", "h", "f", "v");
    expect(run("SORT", "h")).toEqual(WRONGTYPE);
  });

  test("an unsortable weight fails before anything is stored", () => {
    const { run, journal } = setup();
    run("RPUSH", "k", "1", "x");
    run("SET", "dst", "kept");
    expect(run("SORT", "k", "STORE", "dst")).toEqual(NOT_DOUBLE);
    expect(run("GET", "dst")).toBe("kept");
    expect(journal()).toEqual([
      ["RPUSH", "k", "1", "x"],
      ["SET", "dst", "kept"],
    ]);
  });
});

describe("SORT_RO", () => {
  test("sorts like SORT but knows no STORE", () => {
    const { run } = withData();
    expect(run("SORT_RO", "n", "DESC", "LIMIT", 0, 2)).toEqual(["10", "3"]);
    expect(run("SORT_RO", "n", "STORE", "x")).toEqual(SYNTAX);
    expect(run("SORT_RO", "s")).toEqual(WRONGTYPE);
  });

  test("is allowed to a read-only token, where SORT is not", () => {
    const { engine } = withData();
    expect(plain(engine.runReadOnly("SORT_RO", "n"))).toEqual(["1.5", "2", "3", "10"]);
    expect(plain(engine.runReadOnly("SORT", "n"))).toEqual(error("NOPERM this user has no permissions to run the 'sort' command or its subcommand"));
  });
});

describe("partialQuicksort", () => {
  test("for any range, the positions in it hold what a full sort puts there (seeded)", () => {
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648);
    for (let round = 0; round < 300; round++) {
      const length = next() % 120;
      const values = Array.from({ length }, () => next() % 25);
      const low = length === 0 ? 0 : next() % length;
      const high = length === 0 ? 0 : low + (next() % (length - low));
      const partial = [...values];
      partialQuicksort(partial, (a, b) => a - b, low, high);
      const full = [...values].sort((a, b) => a - b);
      expect(partial.slice(low, high + 1)).toEqual(full.slice(low, high + 1));
      expect([...partial].sort((a, b) => a - b)).toEqual(full);
    }
  });
});
