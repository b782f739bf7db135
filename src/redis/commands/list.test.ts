// Proves the list commands' replies, error texts (checked against redis-server 7.0, and Redis 7.2+'s
// source where they differ), journaled forms, key deletion when a list empties, and what the
// generic commands (TYPE, OBJECT ENCODING, MEMORY USAGE, SCAN TYPE, COPY) see of a list.

import { describe, expect, test } from "bun:test";
import { createPlainTestEngine as setup } from "../../../test/harness/engine.ts";

const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INTEGER = error("ERR value is not an integer or out of range");
const SYNTAX = error("ERR syntax error");
const MUST_BE_POSITIVE = error("ERR value is out of range, must be positive");
const arity = (name: string) => error(`ERR wrong number of arguments for '${name}' command`);

/** An engine holding l = [a b c d e] and a string at s. */
function withList() {
  const context = setup();
  context.run("RPUSH", "l", "a", "b", "c", "d", "e");
  context.run("SET", "s", "x");
  context.clearJournal();
  return context;
}

describe("LPUSH", () => {
  test("pushes each element at the head in turn and answers the new length", () => {
    const { run } = setup();
    expect(run("LPUSH", "l", "a", "b", "c")).toBe(3);
    expect(run("LPUSH", "l", "d")).toBe(4);
    expect(run("LRANGE", "l", 0, -1)).toEqual(["d", "c", "b", "a"]);
  });

  test("refuses another type and is journaled as sent", () => {
    const { run, journal } = withList();
    expect(run("LPUSH", "s", "a")).toEqual(WRONGTYPE);
    run("LPUSH", "l", "z");
    expect(journal()).toEqual([["LPUSH", "l", "z"]]);
  });

  test("keeps binary elements byte for byte", () => {
    const { run } = setup();
    run("LPUSH", "l", "\x00\xff", "");
    expect(run("LRANGE", "l", 0, -1)).toEqual(["", "\x00\xff"]);
  });
});

describe("RPUSH", () => {
  test("appends in order and answers the new length", () => {
    const { run } = setup();
    expect(run("RPUSH", "l", "a", "b")).toBe(2);
    expect(run("RPUSH", "l", "c")).toBe(3);
    expect(run("LRANGE", "l", 0, -1)).toEqual(["a", "b", "c"]);
  });

  test("refuses another type", () => {
    const { run } = withList();
    expect(run("RPUSH", "s", "a")).toEqual(WRONGTYPE);
  });
});

describe("LPUSHX", () => {
  test("pushes only onto an existing list", () => {
    const { run, journal } = withList();
    expect(run("LPUSHX", "missing", "a")).toBe(0);
    expect(run("EXISTS", "missing")).toBe(0);
    expect(run("LPUSHX", "l", "y", "z")).toBe(7);
    expect(run("LRANGE", "l", 0, 1)).toEqual(["z", "y"]);
    expect(run("LPUSHX", "s", "a")).toEqual(WRONGTYPE);
    expect(journal()).toEqual([["LPUSHX", "l", "y", "z"]]);
  });
});

describe("RPUSHX", () => {
  test("pushes only onto an existing list", () => {
    const { run } = withList();
    expect(run("RPUSHX", "missing", "a")).toBe(0);
    expect(run("RPUSHX", "l", "y", "z")).toBe(7);
    expect(run("LRANGE", "l", -2, -1)).toEqual(["y", "z"]);
    expect(run("RPUSHX", "s", "a")).toEqual(WRONGTYPE);
  });
});

describe("LPOP", () => {
  test("pops one element, or up to count as an array", () => {
    const { run } = withList();
    expect(run("LPOP", "l")).toBe("a");
    expect(run("LPOP", "l", 2)).toEqual(["b", "c"]);
    expect(run("LPOP", "l", 0)).toEqual([]);
    expect(run("LPOP", "l", 10)).toEqual(["d", "e"]);
    expect(run("EXISTS", "l")).toBe(0);
  });

  test("a missing key is nil, with or without count", () => {
    const { run } = setup();
    expect(run("LPOP", "missing")).toBeNull();
    expect(run("LPOP", "missing", 3)).toBeNull();
    expect(run("LPOP", "missing", 0)).toBeNull();
  });

  test("the count must be a non-negative integer, checked before the key", () => {
    const { run } = withList();
    // compat: Redis answers "must be positive" for a count that is not a number at all.
    expect(run("LPOP", "l", "abc")).toEqual(MUST_BE_POSITIVE);
    expect(run("LPOP", "l", -1)).toEqual(MUST_BE_POSITIVE);
    expect(run("LPOP", "s", -1)).toEqual(MUST_BE_POSITIVE);
    expect(run("LPOP", "s")).toEqual(WRONGTYPE);
    expect(run("LPOP", "l", 1, 2)).toEqual(arity("lpop"));
  });

  test("is journaled as sent, and not at all when nothing was popped", () => {
    const { run, journal } = withList();
    run("LPOP", "l", 0);
    run("LPOP", "missing");
    run("LPOP", "l", 2);
    expect(journal()).toEqual([["LPOP", "l", "2"]]);
  });
});

describe("RPOP", () => {
  test("pops from the tail, the last element first", () => {
    const { run } = withList();
    expect(run("RPOP", "l")).toBe("e");
    expect(run("RPOP", "l", 2)).toEqual(["d", "c"]);
    expect(run("RPOP", "s")).toEqual(WRONGTYPE);
    expect(run("RPOP", "l", "-5")).toEqual(MUST_BE_POSITIVE);
  });
});

describe("LRANGE", () => {
  test("clamps start and stop, negative counting from the tail", () => {
    const { run } = withList();
    expect(run("LRANGE", "l", 0, -1)).toEqual(["a", "b", "c", "d", "e"]);
    expect(run("LRANGE", "l", -2, 100)).toEqual(["d", "e"]);
    expect(run("LRANGE", "l", -100, 1)).toEqual(["a", "b"]);
    expect(run("LRANGE", "l", 3, 1)).toEqual([]);
    expect(run("LRANGE", "l", 5, 10)).toEqual([]);
    expect(run("LRANGE", "l", "-9223372036854775808", "9223372036854775807")).toEqual(["a", "b", "c", "d", "e"]);
    expect(run("LRANGE", "missing", 0, -1)).toEqual([]);
  });

  test("parses the indexes before looking at the key", () => {
    const { run } = withList();
    expect(run("LRANGE", "missing", "a", 1)).toEqual(NOT_INTEGER);
    expect(run("LRANGE", "s", 0, "1.5")).toEqual(NOT_INTEGER);
    expect(run("LRANGE", "s", 0, 1)).toEqual(WRONGTYPE);
  });
});

describe("LLEN", () => {
  test("counts elements; 0 for a missing key", () => {
    const { run } = withList();
    expect(run("LLEN", "l")).toBe(5);
    expect(run("LLEN", "missing")).toBe(0);
    expect(run("LLEN", "s")).toEqual(WRONGTYPE);
  });
});

describe("LINDEX", () => {
  test("reads by index from either end; nil outside the list", () => {
    const { run } = withList();
    expect(run("LINDEX", "l", 0)).toBe("a");
    expect(run("LINDEX", "l", -1)).toBe("e");
    expect(run("LINDEX", "l", 5)).toBeNull();
    expect(run("LINDEX", "l", -6)).toBeNull();
  });

  test("looks at the key before the index", () => {
    const { run } = withList();
    expect(run("LINDEX", "missing", "abc")).toBeNull();
    expect(run("LINDEX", "l", "abc")).toEqual(NOT_INTEGER);
    expect(run("LINDEX", "s", "abc")).toEqual(WRONGTYPE);
  });
});

describe("LSET", () => {
  test("replaces an element by index and is journaled as sent", () => {
    const { run, journal } = withList();
    expect(run("LSET", "l", -1, "E")).toEqual({ status: "OK" });
    expect(run("LSET", "l", 0, "A")).toEqual({ status: "OK" });
    expect(run("LRANGE", "l", 0, -1)).toEqual(["A", "b", "c", "d", "E"]);
    expect(journal()).toEqual([
      ["LSET", "l", "-1", "E"],
      ["LSET", "l", "0", "A"],
    ]);
  });

  test("errors in Redis's order: no such key, type, index, range", () => {
    const { run } = withList();
    expect(run("LSET", "missing", "abc", "x")).toEqual(error("ERR no such key"));
    expect(run("LSET", "s", "abc", "x")).toEqual(WRONGTYPE);
    expect(run("LSET", "l", "abc", "x")).toEqual(NOT_INTEGER);
    expect(run("LSET", "l", 5, "x")).toEqual(error("ERR index out of range"));
    expect(run("LSET", "l", -6, "x")).toEqual(error("ERR index out of range"));
  });
});

describe("LINSERT", () => {
  test("inserts before or after the first match of the pivot", () => {
    const { run } = withList();
    run("RPUSH", "l", "c");
    expect(run("LINSERT", "l", "BEFORE", "c", "x")).toBe(7);
    expect(run("LINSERT", "l", "after", "c", "y")).toBe(8);
    expect(run("LINSERT", "l", "AFTER", "c", "z")).toBe(9);
    expect(run("LRANGE", "l", 0, -1)).toEqual(["a", "b", "x", "c", "z", "y", "d", "e", "c"]);
  });

  test("answers -1 without the pivot and 0 without the key", () => {
    const { run, journal } = withList();
    expect(run("LINSERT", "l", "BEFORE", "nope", "x")).toBe(-1);
    expect(run("LINSERT", "missing", "BEFORE", "a", "x")).toBe(0);
    expect(journal()).toEqual([]);
  });

  test("checks BEFORE|AFTER before the key", () => {
    const { run } = withList();
    expect(run("LINSERT", "missing", "MIDDLE", "a", "x")).toEqual(SYNTAX);
    expect(run("LINSERT", "s", "BEFORE", "a", "x")).toEqual(WRONGTYPE);
  });
});

describe("LREM", () => {
  test("removes the first count from the head, the last from the tail, or all", () => {
    const { run } = setup();
    run("RPUSH", "l", "x", "a", "x", "b", "x", "c", "x");
    expect(run("LREM", "l", 2, "x")).toBe(2);
    expect(run("LRANGE", "l", 0, -1)).toEqual(["a", "b", "x", "c", "x"]);
    expect(run("LREM", "l", -1, "x")).toBe(1);
    expect(run("LRANGE", "l", 0, -1)).toEqual(["a", "b", "x", "c"]);
    expect(run("LREM", "l", 0, "x")).toBe(1);
    expect(run("LREM", "l", 0, "nope")).toBe(0);
    expect(run("LRANGE", "l", 0, -1)).toEqual(["a", "b", "c"]);
  });

  test("deletes the key with its last element; parses count first", () => {
    const { run } = setup();
    run("RPUSH", "l", "x", "x");
    expect(run("LREM", "missing", "abc", "x")).toEqual(NOT_INTEGER);
    expect(run("LREM", "missing", 0, "x")).toBe(0);
    expect(run("LREM", "l", "-9223372036854775808", "x")).toBe(2);
    expect(run("EXISTS", "l")).toBe(0);
  });
});

describe("LTRIM", () => {
  test("keeps the range, deleting the key when nothing is left", () => {
    const { run, journal } = withList();
    expect(run("LTRIM", "l", 1, -2)).toEqual({ status: "OK" });
    expect(run("LRANGE", "l", 0, -1)).toEqual(["b", "c", "d"]);
    expect(run("LTRIM", "l", 0, 100)).toEqual({ status: "OK" });
    expect(run("LTRIM", "l", 2, 1)).toEqual({ status: "OK" });
    expect(run("EXISTS", "l")).toBe(0);
    // The no-op trim changed nothing and is not journaled.
    expect(journal()).toEqual([
      ["LTRIM", "l", "1", "-2"],
      ["LTRIM", "l", "2", "1"],
    ]);
  });

  test("parses before looking up; a missing key is OK", () => {
    const { run } = withList();
    expect(run("LTRIM", "missing", 0, -1)).toEqual({ status: "OK" });
    expect(run("LTRIM", "s", "x", 1)).toEqual(NOT_INTEGER);
    expect(run("LTRIM", "s", 0, 1)).toEqual(WRONGTYPE);
  });
});

describe("LPOS", () => {
  function withRepeats() {
    const context = setup();
    context.run("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c");
    return context;
  }

  test("finds the first match, the rank-th match, or counts from the tail", () => {
    const { run } = withRepeats();
    expect(run("LPOS", "l", "c")).toBe(2);
    expect(run("LPOS", "l", "c", "RANK", 2)).toBe(6);
    expect(run("LPOS", "l", "c", "RANK", -1)).toBe(7);
    expect(run("LPOS", "l", "c", "RANK", -3)).toBe(2);
    expect(run("LPOS", "l", "c", "RANK", 4)).toBeNull();
    expect(run("LPOS", "l", "nope")).toBeNull();
  });

  test("COUNT returns an array of positions, 0 meaning all", () => {
    const { run } = withRepeats();
    expect(run("LPOS", "l", "c", "COUNT", 2)).toEqual([2, 6]);
    expect(run("LPOS", "l", "c", "COUNT", 0)).toEqual([2, 6, 7]);
    expect(run("LPOS", "l", "c", "RANK", -1, "COUNT", 2)).toEqual([7, 6]);
    expect(run("LPOS", "l", "c", "RANK", 2, "COUNT", 0)).toEqual([6, 7]);
    expect(run("LPOS", "l", "nope", "COUNT", 1)).toEqual([]);
    expect(run("LPOS", "missing", "c", "COUNT", 1)).toEqual([]);
    expect(run("LPOS", "missing", "c")).toBeNull();
  });

  test("MAXLEN bounds how many elements are compared", () => {
    const { run } = withRepeats();
    expect(run("LPOS", "l", "c", "COUNT", 0, "MAXLEN", 7)).toEqual([2, 6]);
    expect(run("LPOS", "l", "c", "MAXLEN", 2)).toBeNull();
    expect(run("LPOS", "l", "c", "RANK", -1, "COUNT", 0, "MAXLEN", 2)).toEqual([7, 6]);
  });

  test("option errors, each with Redis's own text", () => {
    const { run } = withRepeats();
    expect(run("LPOS", "l", "c", "RANK", 0)).toEqual(
      error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
    );
    expect(run("LPOS", "l", "c", "RANK", "abc")).toEqual(NOT_INTEGER);
    // Redis 7.2+ refuses LONG_MIN, whose negation overflows (7.0 answered as if the rank were 1).
    expect(run("LPOS", "l", "c", "RANK", "-9223372036854775808")).toEqual(
      error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
    );
    expect(run("LPOS", "l", "c", "COUNT", -1)).toEqual(error("ERR COUNT can't be negative"));
    expect(run("LPOS", "l", "c", "COUNT", "abc")).toEqual(error("ERR COUNT can't be negative"));
    expect(run("LPOS", "l", "c", "MAXLEN", -1)).toEqual(error("ERR MAXLEN can't be negative"));
    expect(run("LPOS", "l", "c", "COUNT")).toEqual(SYNTAX);
    expect(run("LPOS", "l", "c", "FOO", 1)).toEqual(SYNTAX);
    expect(run("LPOS", "s", "c", "RANK", 0)).toEqual(
      error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
    );
  });

  test("refuses another type after the options", () => {
    const { run } = withList();
    expect(run("LPOS", "s", "c")).toEqual(WRONGTYPE);
  });
});

describe("LMOVE", () => {
  test("moves between either ends of two lists, creating the destination", () => {
    const { run, journal } = withList();
    expect(run("LMOVE", "l", "m", "LEFT", "RIGHT")).toBe("a");
    expect(run("LMOVE", "l", "m", "right", "left")).toBe("e");
    expect(run("LRANGE", "m", 0, -1)).toEqual(["e", "a"]);
    expect(run("LRANGE", "l", 0, -1)).toEqual(["b", "c", "d"]);
    expect(journal()).toEqual([
      ["LMOVE", "l", "m", "LEFT", "RIGHT"],
      ["LMOVE", "l", "m", "right", "left"],
    ]);
  });

  test("rotates a list onto itself and deletes an emptied source", () => {
    const { run } = withList();
    expect(run("LMOVE", "l", "l", "LEFT", "RIGHT")).toBe("a");
    expect(run("LRANGE", "l", 0, -1)).toEqual(["b", "c", "d", "e", "a"]);
    run("RPUSH", "one", "x");
    expect(run("LMOVE", "one", "one", "LEFT", "LEFT")).toBe("x");
    expect(run("LRANGE", "one", 0, -1)).toEqual(["x"]);
    expect(run("LMOVE", "one", "other", "LEFT", "LEFT")).toBe("x");
    expect(run("EXISTS", "one")).toBe(0);
  });

  test("nil for a missing source, even when the destination is of another type", () => {
    const { run } = withList();
    expect(run("LMOVE", "missing", "s", "LEFT", "LEFT")).toBeNull();
    expect(run("LMOVE", "l", "s", "LEFT", "LEFT")).toEqual(WRONGTYPE);
    expect(run("LLEN", "l")).toBe(5);
    expect(run("LMOVE", "l", "m", "UP", "LEFT")).toEqual(SYNTAX);
    expect(run("LMOVE", "s", "m", "LEFT", "LEFT")).toEqual(WRONGTYPE);
  });
});

describe("RPOPLPUSH", () => {
  test("moves the tail of one list to the head of another", () => {
    const { run, journal } = withList();
    expect(run("RPOPLPUSH", "l", "m")).toBe("e");
    expect(run("RPOPLPUSH", "l", "m")).toBe("d");
    expect(run("LRANGE", "m", 0, -1)).toEqual(["d", "e"]);
    expect(run("RPOPLPUSH", "missing", "m")).toBeNull();
    expect(run("RPOPLPUSH", "l", "s")).toEqual(WRONGTYPE);
    expect(journal()).toEqual([
      ["RPOPLPUSH", "l", "m"],
      ["RPOPLPUSH", "l", "m"],
    ]);
  });
});

describe("LMPOP", () => {
  test("pops from the first non-empty list and answers [key, elements]", () => {
    const { run } = withList();
    expect(run("LMPOP", 2, "missing", "l", "LEFT")).toEqual(["l", ["a"]]);
    expect(run("LMPOP", 1, "l", "RIGHT", "COUNT", 2)).toEqual(["l", ["e", "d"]]);
    expect(run("LMPOP", 1, "l", "left", "count", 10)).toEqual(["l", ["b", "c"]]);
    expect(run("EXISTS", "l")).toBe(0);
    expect(run("LMPOP", 2, "missing", "l", "LEFT")).toBeNull();
  });

  test("is journaled as the LPOP or RPOP it performed", () => {
    const { run, journal } = withList();
    run("LMPOP", 2, "missing", "l", "RIGHT", "COUNT", 3);
    run("LMPOP", 1, "l", "LEFT", "COUNT", 9);
    run("LMPOP", 1, "l", "LEFT");
    expect(journal()).toEqual([
      ["RPOP", "l", "3"],
      ["LPOP", "l", "2"],
    ]);
  });

  test("argument errors with Redis's texts", () => {
    const { run } = withList();
    expect(run("LMPOP", 0, "l", "LEFT")).toEqual(error("ERR numkeys should be greater than 0"));
    expect(run("LMPOP", "abc", "l", "LEFT")).toEqual(error("ERR numkeys should be greater than 0"));
    expect(run("LMPOP", 2, "l", "LEFT")).toEqual(SYNTAX);
    expect(run("LMPOP", "9223372036854775807", "l", "LEFT")).toEqual(SYNTAX);
    expect(run("LMPOP", 1, "l", "MIDDLE")).toEqual(SYNTAX);
    expect(run("LMPOP", 1, "l", "LEFT", "COUNT", 0)).toEqual(error("ERR count should be greater than 0"));
    expect(run("LMPOP", 1, "l", "LEFT", "COUNT", "abc")).toEqual(error("ERR count should be greater than 0"));
    expect(run("LMPOP", 1, "l", "LEFT", "COUNT", 1, "COUNT", 1)).toEqual(SYNTAX);
    expect(run("LMPOP", 1, "l", "LEFT", "COUNT")).toEqual(SYNTAX);
    expect(run("LMPOP", 1, "l")).toEqual(arity("lmpop"));
  });

  test("WRONGTYPE only for a key it reaches before a non-empty list", () => {
    const { run } = withList();
    expect(run("LMPOP", 2, "l", "s", "LEFT")).toEqual(["l", ["a"]]);
    expect(run("LMPOP", 2, "s", "l", "LEFT")).toEqual(WRONGTYPE);
  });
});

describe("lists and the generic commands", () => {
  test("TYPE, SCAN TYPE and MEMORY USAGE see a list", () => {
    const { run } = withList();
    expect(run("TYPE", "l")).toEqual({ status: "list" });
    expect(run("SCAN", 0, "TYPE", "list")).toEqual(["0", ["l"]]);
    expect(run("MEMORY", "USAGE", "l")).toBeGreaterThan(0);
  });

  test("OBJECT ENCODING: listpack up to 8 KB, quicklist beyond, back at half (Redis 7.2+)", () => {
    const { run } = setup();
    run("RPUSH", "l", "a");
    expect(run("OBJECT", "ENCODING", "l")).toBe("listpack");
    run("RPUSH", "l", "x".repeat(9000));
    expect(run("OBJECT", "ENCODING", "l")).toBe("quicklist");
    run("RPOP", "l");
    expect(run("OBJECT", "ENCODING", "l")).toBe("listpack");
    // 128 elements of 60 bytes: 7868 bytes of listpack, still one node.
    run("RPUSH", "m", ...Array.from({ length: 128 }, () => "y".repeat(60)));
    expect(run("OBJECT", "ENCODING", "m")).toBe("listpack");
    run("RPUSH", "m", "y".repeat(400));
    expect(run("OBJECT", "ENCODING", "m")).toBe("quicklist");
    run("LTRIM", "m", 0, 60);
    expect(run("OBJECT", "ENCODING", "m")).toBe("listpack");
  });

  test("COPY makes an independent list", () => {
    const { run } = withList();
    run("COPY", "l", "copy");
    run("RPUSH", "copy", "f");
    expect(run("LLEN", "l")).toBe(5);
    expect(run("LLEN", "copy")).toBe(6);
  });

  test("an expired list is gone for every list command", () => {
    const { engine, run } = withList();
    run("PEXPIRE", "l", 100);
    engine.clock.advance(101);
    expect(run("LLEN", "l")).toBe(0);
    expect(run("LPUSHX", "l", "a")).toBe(0);
  });
});
