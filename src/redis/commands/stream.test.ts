// Proves the stream commands' replies, error texts (checked against redis-server 7.0, or Redis 7.4's
// source and the 8.2 documentation where they differ) and journaled replay-safe forms, in process on
// a manual clock. Replaying the journal into a fresh engine must rebuild the same stream.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain } from "../../../test/harness/engine.ts";

const NOW = 1_700_000_000_000; // the ManualClock's start

function setup(seed = 1) {
  const engine = createTestEngine(seed);
  const run = (...argv: (string | number)[]) => plain(engine.run(...argv));
  let journalStart = 0;
  const journal = () => engine.journal.argvs().slice(journalStart);
  /** Hides the journal so far, so a test asserts only what follows (replays still use all of it). */
  const clearJournal = () => {
    journalStart = engine.journal.entries.length;
  };
  /** Runs the journal in a fresh engine (same clock) and returns XINFO STREAM FULL of `key` on both. */
  const replayed = (key: string) => {
    const copy = createTestEngine(seed);
    copy.clock.set(engine.clock.nowMs());
    const replies = engine.journal.argvs().map((argv) => plain(copy.run(...argv)));
    expect(replies.filter((reply) => typeof reply === "object" && reply !== null && "error" in reply)).toEqual([]);
    // Consumers' seen and active times are the replay's own (Redis does not propagate them either).
    const withoutConsumerTimes = (reply: unknown) => JSON.stringify(reply).replace(/"(seen-time|active-time)",\d+/g, '"$1",0');
    return {
      original: withoutConsumerTimes(run("XINFO", "STREAM", key, "FULL")),
      replay: withoutConsumerTimes(plain(copy.run("XINFO", "STREAM", key, "FULL"))),
    };
  };
  return { engine, run, journal, clearJournal, replayed };
}

const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INTEGER = error("ERR value is not an integer or out of range");
const INVALID_ID = error("ERR Invalid stream ID specified as stream command argument");
const SYNTAX = error("ERR syntax error");
const OK = { status: "OK" };

/** XINFO-style flat [name, value ...] array as an object. */
function asMap(reply: unknown): Record<string, unknown> {
  const items = reply as unknown[];
  const out: Record<string, unknown> = {};
  for (let i = 0; i < items.length; i += 2) out[items[i] as string] = items[i + 1];
  return out;
}

/** A stream `s` with entries 1-1 .. n-1, fields a=<i>. */
function filled(n: number) {
  const context = setup();
  for (let i = 1; i <= n; i++) context.run("XADD", "s", `${i}-1`, "a", String(i));
  return context;
}

describe("XADD", () => {
  test("adds entries with explicit ids and returns them; * uses the clock, ms-* the next sequence", () => {
    const { run } = setup();
    expect(run("XADD", "s", "5-1", "f", "v")).toBe("5-1");
    expect(run("XADD", "s", "5-*", "f", "v")).toBe("5-2");
    expect(run("XADD", "s", "7-*", "f", "v")).toBe("7-0");
    expect(run("XADD", "s", "*", "f", "v")).toBe(`${NOW}-0`);
    expect(run("XADD", "s", "*", "f", "v")).toBe(`${NOW}-1`);
    expect(run("XADD", "s", "8", "f", "v")).toEqual(error("ERR The ID specified in XADD is equal or smaller than the target stream top item"));
    expect(run("XLEN", "s")).toBe(5);
  });

  test("ids are 64-bit ms and 64-bit sequence, exact beyond 2^53", () => {
    const { run } = setup();
    expect(run("XADD", "s", "18446744073709551615-18446744073709551614", "f", "v")).toBe("18446744073709551615-18446744073709551614");
    expect(run("XADD", "s", "*", "f", "v")).toBe("18446744073709551615-18446744073709551615");
    expect(run("XADD", "s", "*", "f", "v")).toEqual(error("ERR The stream has exhausted the last possible ID, unable to add more items"));
    expect(run("XADD", "t", "9007199254740993-18446744073709551615", "f", "v")).toBe("9007199254740993-18446744073709551615");
    expect(run("XADD", "t", "*", "f", "v")).toBe("9007199254740994-0");
  });

  test("ids whose ms or sequence crosses 2^53 stay exact and ordered", () => {
    const { run } = setup();
    expect(run("XADD", "s", "9007199254740991-9007199254740991", "f", "1")).toBe("9007199254740991-9007199254740991");
    expect(run("XADD", "s", "9007199254740991-*", "f", "2")).toBe("9007199254740991-9007199254740992");
    expect(run("XADD", "s", "9007199254740991-18446744073709551615", "f", "3")).toBe("9007199254740991-18446744073709551615");
    expect(run("XADD", "s", "*", "f", "4")).toBe("9007199254740992-0");
    expect(run("XADD", "s", "9007199254740991-5", "f", "x")).toEqual(error("ERR The ID specified in XADD is equal or smaller than the target stream top item"));
    expect(run("XRANGE", "s", "(9007199254740991-9007199254740991", "(9007199254740992-0")).toEqual([
      ["9007199254740991-9007199254740992", ["f", "2"]],
      ["9007199254740991-18446744073709551615", ["f", "3"]],
    ]);
    expect(run("XREVRANGE", "s", "+", "(9007199254740991-18446744073709551615")).toEqual([["9007199254740992-0", ["f", "4"]]]);
    expect(run("XDEL", "s", "9007199254740991-9007199254740992")).toBe(1);
    expect(asMap(run("XINFO", "STREAM", "s"))["max-deleted-entry-id"]).toBe("9007199254740991-9007199254740992");
  });

  test("a clock behind the last id continues its sequence", () => {
    const { run, engine } = setup();
    run("XADD", "s", `${NOW + 5000}-3`, "f", "v");
    expect(run("XADD", "s", "*", "f", "v")).toBe(`${NOW + 5000}-4`);
    engine.clock.advance(10_000);
    expect(run("XADD", "s", "*", "f", "v")).toBe(`${NOW + 10_000}-0`);
  });

  test("rejects 0-0, bad ids, odd field lists and wrong types before writing", () => {
    const { run, journal } = setup();
    expect(run("XADD", "s", "0-0", "f", "v")).toEqual(error("ERR The ID specified in XADD must be greater than 0-0"));
    expect(run("XADD", "s", "0", "f", "v")).toEqual(error("ERR The ID specified in XADD must be greater than 0-0"));
    expect(run("XADD", "s", "0-*", "f", "v")).toBe("0-1");
    expect(run("XADD", "t", "abc", "f", "v")).toEqual(INVALID_ID);
    expect(run("XADD", "t", "1-", "f", "v")).toEqual(INVALID_ID);
    expect(run("XADD", "t", "-", "f", "v")).toEqual(INVALID_ID);
    expect(run("XADD", "t", "1", "f", "v", "g")).toEqual(error("ERR wrong number of arguments for 'xadd' command"));
    expect(run("XADD", "t", "MAXLEN", "5", "f", "v")).toEqual(INVALID_ID);
    run("SET", "str", "x");
    expect(run("XADD", "str", "*", "f", "v")).toEqual(WRONGTYPE);
    expect(run("EXISTS", "t")).toBe(0);
    expect(journal()).toEqual([["XADD", "s", "0-1", "f", "v"], ["SET", "str", "x"]]);
  });

  test("parses ids as Redis's string2ull does: white space, + and leading zeros pass, ms > 2^64 - 1 fails", () => {
    const { run } = setup();
    expect(run("XADD", "s", " 5-01", "f", "v")).toBe("5-1");
    expect(run("XADD", "s", "+6", "f", "v")).toBe("6-0");
    expect(run("XADD", "s", "18446744073709551616-1", "f", "v")).toEqual(INVALID_ID);
    expect(run("XADD", "s", "7 ", "f", "v")).toEqual(INVALID_ID);
    expect(run("XADD", "s", "7-1\x00junk", "f", "v")).toBe("7-1");
  });

  test("NOMKSTREAM returns nil and creates nothing for a missing key", () => {
    const { run, journal } = setup();
    expect(run("XADD", "s", "NOMKSTREAM", "*", "f", "v")).toBeNull();
    expect(run("EXISTS", "s")).toBe(0);
    run("XADD", "s", "1-1", "f", "v");
    expect(run("XADD", "s", "nomkstream", "2-1", "f", "v")).toBe("2-1");
    expect(journal()).toEqual([["XADD", "s", "1-1", "f", "v"], ["XADD", "s", "2-1", "f", "v"]]);
  });

  test("MAXLEN and MINID trim after adding; exact trims journal as given", () => {
    const { run, journal, clearJournal } = filled(5);
    clearJournal();
    expect(run("XADD", "s", "MAXLEN", "3", "6-1", "a", "6")).toBe("6-1");
    expect(run("XRANGE", "s", "-", "+")).toEqual([["4-1", ["a", "4"]], ["5-1", ["a", "5"]], ["6-1", ["a", "6"]]]);
    expect(run("XADD", "s", "MINID", "=", "5", "7-1", "a", "7")).toBe("7-1");
    expect(run("XLEN", "s")).toBe(3);
    expect(journal()).toEqual([["XADD", "s", "MAXLEN", "=", "3", "6-1", "a", "6"], ["XADD", "s", "MINID", "=", "5-0", "7-1", "a", "7"]]);
  });

  test("~ trims only whole nodes of 100 entries, and journals the length it reached", () => {
    const { run, journal, clearJournal } = filled(250);
    clearJournal();
    expect(run("XADD", "s", "MAXLEN", "~", "120", "251-1", "a", "x")).toBe("251-1");
    expect(run("XLEN", "s")).toBe(151);
    expect(journal()).toEqual([["XADD", "s", "MAXLEN", "=", "151", "251-1", "a", "x"]]);
    expect(run("XADD", "s", "MINID", "~", "230", "LIMIT", "1000", "252-1", "a", "x")).toBe("252-1");
    expect(run("XLEN", "s")).toBe(52);
    expect(journal()[1]).toEqual(["XADD", "s", "MINID", "=", "201-1", "252-1", "a", "x"]);
  });

  test("trim options fail with Redis's texts", () => {
    const { run } = setup();
    expect(run("XADD", "s", "MAXLEN", "-1", "*", "f", "v")).toEqual(error("ERR The MAXLEN argument must be >= 0."));
    expect(run("XADD", "s", "MAXLEN", "1", "MINID", "1", "*", "f", "v")).toEqual(error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"));
    expect(run("XADD", "s", "LIMIT", "5", "*", "f", "v")).toEqual(error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"));
    expect(run("XADD", "s", "MAXLEN", "5", "LIMIT", "5", "*", "f", "v")).toEqual(error("ERR syntax error, LIMIT cannot be used without the special ~ option"));
    expect(run("XADD", "s", "MAXLEN", "~", "5", "LIMIT", "-1", "*", "f", "v")).toEqual(error("ERR The LIMIT argument must be >= 0."));
    expect(run("XADD", "s", "MAXLEN", "x", "*", "f", "v")).toEqual(NOT_INTEGER);
    expect(run("XADD", "s", "MINID", "+", "*", "f", "v")).toEqual(INVALID_ID);
  });

  test("ACKED trimming keeps entries a group still needs; DELREF drops their PEL entries (Redis 8.2)", () => {
    const { run } = filled(4);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">");
    run("XACK", "s", "g", "1-1");
    expect(run("XADD", "s", "MAXLEN", "0", "ACKED", "5-1", "a", "5")).toBe("5-1");
    expect((run("XRANGE", "s", "-", "+") as unknown[][]).map((entry) => entry[0])).toEqual(["2-1", "3-1", "4-1", "5-1"]);
    expect(run("XADD", "s", "DELREF", "MAXLEN", "2", "6-1", "a", "6")).toBe("6-1");
    expect(run("XPENDING", "s", "g")).toEqual([0, null, null, null]);
  });
});

describe("XRANGE", () => {
  test("returns entries in id order with COUNT, incomplete ids and exclusive bounds", () => {
    const { run } = filled(4);
    run("XADD", "s", "4-2", "a", "x", "b", "y");
    expect(run("XRANGE", "s", "-", "+", "COUNT", "2")).toEqual([["1-1", ["a", "1"]], ["2-1", ["a", "2"]]]);
    expect(run("XRANGE", "s", "4", "4")).toEqual([["4-1", ["a", "4"]], ["4-2", ["a", "x", "b", "y"]]]);
    expect(run("XRANGE", "s", "(1-1", "(3-1")).toEqual([["2-1", ["a", "2"]]]);
    expect(run("XRANGE", "s", "3", "2")).toEqual([]);
    expect(run("XRANGE", "missing", "-", "+")).toEqual([]);
  });

  test("COUNT 0 answers a nil array; negative COUNT counts as 0", () => {
    const { run } = filled(2);
    expect(run("XRANGE", "s", "-", "+", "COUNT", "0")).toBeNull();
    expect(run("XRANGE", "s", "-", "+", "COUNT", "-3")).toBeNull();
    expect(run("XRANGE", "missing", "-", "+", "COUNT", "0")).toEqual([]);
  });

  test("bad bounds and options fail with Redis's texts", () => {
    const { run } = filled(1);
    expect(run("XRANGE", "s", "(-", "+")).toEqual(INVALID_ID);
    expect(run("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+")).toEqual(error("ERR invalid start ID for the interval"));
    expect(run("XRANGE", "s", "-", "(0-0")).toEqual(error("ERR invalid end ID for the interval"));
    expect(run("XRANGE", "s", "-", "+", "COUNT")).toEqual(SYNTAX);
    expect(run("XRANGE", "s", "-", "+", "COUNT", "x")).toEqual(NOT_INTEGER);
    run("SET", "str", "x");
    expect(run("XRANGE", "str", "-", "+")).toEqual(WRONGTYPE);
  });
});

describe("XREVRANGE", () => {
  test("walks backwards from end to start, across nodes", () => {
    const { run } = filled(205);
    const reply = run("XREVRANGE", "s", "+", "(102-1", "COUNT", "200") as unknown[][];
    expect(reply.length).toBe(103);
    expect(reply[0]).toEqual(["205-1", ["a", "205"]]);
    expect(reply[102]).toEqual(["103-1", ["a", "103"]]);
    expect(run("XREVRANGE", "s", "2", "-")).toEqual([["2-1", ["a", "2"]], ["1-1", ["a", "1"]]]);
  });
});

describe("XLEN", () => {
  test("counts live entries; 0 for a missing key; WRONGTYPE for others", () => {
    const { run } = filled(3);
    run("XDEL", "s", "2-1");
    expect(run("XLEN", "s")).toBe(2);
    expect(run("XLEN", "missing")).toBe(0);
    run("SET", "str", "x");
    expect(run("XLEN", "str")).toEqual(WRONGTYPE);
  });
});

describe("XDEL", () => {
  test("deletes existing ids, keeps the empty stream, and tracks max-deleted and first ids", () => {
    const { run, journal, clearJournal } = filled(3);
    clearJournal();
    expect(run("XDEL", "s", "1-1", "9-9", "1-1")).toBe(1);
    let info = asMap(run("XINFO", "STREAM", "s"));
    expect(info["recorded-first-entry-id"]).toBe("2-1");
    expect(info["max-deleted-entry-id"]).toBe("1-1");
    expect(run("XDEL", "s", "2-1", "3-1")).toBe(2);
    info = asMap(run("XINFO", "STREAM", "s"));
    expect(info.length).toBe(0);
    expect(info["recorded-first-entry-id"]).toBe("0-0");
    expect(run("EXISTS", "s")).toBe(1);
    expect(journal()).toEqual([["XDEL", "s", "1-1", "9-9", "1-1"], ["XDEL", "s", "2-1", "3-1"]]);
  });

  test("parses every id before deleting any; a missing key answers 0 unparsed", () => {
    const { run } = filled(2);
    expect(run("XDEL", "s", "1-1", "bad")).toEqual(INVALID_ID);
    expect(run("XLEN", "s")).toBe(2);
    expect(run("XDEL", "missing", "bad")).toBe(0);
  });
});

describe("XTRIM", () => {
  test("trims by MAXLEN and MINID, exactly or by whole nodes, and journals exact forms", () => {
    const { run, journal, clearJournal } = filled(250);
    clearJournal();
    expect(run("XTRIM", "s", "MAXLEN", "~", "180")).toBe(0);
    expect(run("XTRIM", "s", "MAXLEN", "~", "140")).toBe(100);
    expect(run("XTRIM", "s", "MINID", "200")).toBe(99);
    expect(run("XTRIM", "s", "MINID", "~", "0")).toBe(0);
    expect(run("XLEN", "s")).toBe(51);
    expect(run("XTRIM", "missing", "MAXLEN", "0")).toBe(0);
    expect(journal()).toEqual([
      ["XTRIM", "s", "MAXLEN", "=", "150"],
      ["XTRIM", "s", "MINID", "=", "200-0"],
    ]);
  });

  test("LIMIT stops ~ trimming before a node that would pass it", () => {
    const { run } = filled(300);
    expect(run("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "150")).toBe(100);
    expect(run("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "0")).toBe(200);
  });

  test("needs a strategy; options fail with Redis's texts", () => {
    const { run } = filled(1);
    expect(run("XTRIM", "s", "LIMIT", "5")).toEqual(error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"));
    expect(run("XTRIM", "s", "LIMIT", "0")).toEqual(error("ERR syntax error, XTRIM must be called with a trimming strategy"));
    expect(run("XTRIM", "s", "MAXLEN", "1", "junk")).toEqual(SYNTAX);
    expect(run("XTRIM", "s", "MAXLEN", "-1")).toEqual(error("ERR The MAXLEN argument must be >= 0."));
  });

  test("ACKED keeps referenced entries and DELREF clears their PEL entries (Redis 8.2)", () => {
    const { run } = filled(4);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "c", "COUNT", "3", "STREAMS", "s", ">");
    run("XACK", "s", "g", "2-1");
    expect(run("XTRIM", "s", "MAXLEN", "0", "ACKED")).toBe(1);
    expect((run("XRANGE", "s", "-", "+") as unknown[][]).map((entry) => entry[0])).toEqual(["1-1", "3-1", "4-1"]);
    expect(run("XTRIM", "s", "MINID", "4", "DELREF")).toBe(2);
    expect(run("XPENDING", "s", "g")).toEqual([0, null, null, null]);
  });
});

describe("XREAD", () => {
  test("returns entries after each id, per stream, with COUNT; nil when nothing is new", () => {
    const { run } = filled(3);
    run("XADD", "t", "1-1", "b", "1");
    expect(run("XREAD", "COUNT", "2", "STREAMS", "s", "t", "1-1", "0")).toEqual([
      ["s", [["2-1", ["a", "2"]], ["3-1", ["a", "3"]]]],
      ["t", [["1-1", ["b", "1"]]]],
    ]);
    expect(run("XREAD", "STREAMS", "s", "$")).toBeNull();
    expect(run("XREAD", "STREAMS", "missing", "0")).toBeNull();
  });

  test("+ reads the last entry (Redis 7.4)", () => {
    const { run } = filled(3);
    expect(run("XREAD", "STREAMS", "s", "missing", "+", "+")).toEqual([["s", [["3-1", ["a", "3"]]]]]);
  });

  test("BLOCK is validated and answered at once (Upstash does not block)", () => {
    const { run } = filled(1);
    expect(run("XREAD", "BLOCK", "100", "STREAMS", "s", "$")).toBeNull();
    expect(run("XREAD", "BLOCK", "0", "STREAMS", "s", "0")).toEqual([["s", [["1-1", ["a", "1"]]]]]);
    expect(run("XREAD", "BLOCK", "-1", "STREAMS", "s", "$")).toEqual(error("ERR timeout is negative"));
    expect(run("XREAD", "BLOCK", "x", "STREAMS", "s", "$")).toEqual(error("ERR timeout is not an integer or out of range"));
    expect(run("XREAD", "BLOCK", "9223372036854775807", "STREAMS", "s", "$")).toEqual(error("ERR timeout is out of range"));
  });

  test("errors name the option and the command as Redis 7.4 does", () => {
    const { run } = filled(1);
    expect(run("XREAD", "STREAMS", "s", "t", "0")).toEqual(error("ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified."));
    expect(run("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0")).toEqual(error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."));
    expect(run("XREAD", "NOACK", "STREAMS", "s", "0")).toEqual(error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."));
    expect(run("XREAD", "STREAMS", "s", ">")).toEqual(error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."));
    expect(run("XREAD", "COUNT", "1", "s", "0")).toEqual(SYNTAX);
    expect(run("XREAD", "COUNT", "x", "STREAMS", "s", "0")).toEqual(NOT_INTEGER);
  });
});

describe("XREADGROUP", () => {
  test("> delivers new entries to the consumer's PEL and journals them as XCLAIM and XGROUP SETID", () => {
    const { run, journal, clearJournal, engine, replayed } = filled(3);
    run("XGROUP", "CREATE", "s", "g", "0");
    clearJournal();
    expect(run("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")).toEqual([["s", [["1-1", ["a", "1"]], ["2-1", ["a", "2"]]]]]);
    expect(journal()).toEqual([
      ["XGROUP", "CREATECONSUMER", "s", "g", "alice"],
      ["XCLAIM", "s", "g", "alice", "0", "1-1", "TIME", String(NOW), "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "1-1"],
      ["XCLAIM", "s", "g", "alice", "0", "2-1", "TIME", String(NOW), "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "2-1"],
      ["XGROUP", "SETID", "s", "g", "2-1", "ENTRIESREAD", "2"],
    ]);
    engine.clock.advance(500);
    expect(run("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")).toEqual([["s", [["3-1", ["a", "3"]]]]]);
    expect(run("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")).toBeNull();
    expect(run("XPENDING", "s", "g")).toEqual([3, "1-1", "3-1", [["alice", "2"], ["bob", "1"]]]);
    const { original, replay } = replayed("s");
    expect(replay).toEqual(original);
  });

  test("an explicit id re-reads the consumer's own history, counting deliveries; deleted entries come back with nil", () => {
    const { run, engine, replayed } = filled(3);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
    run("XDEL", "s", "2-1");
    engine.clock.advance(100);
    expect(run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")).toEqual([["s", [["1-1", ["a", "1"]], ["2-1", null], ["3-1", ["a", "3"]]]]]);
    expect(run("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "1-1")).toEqual([["s", [["2-1", null]]]]);
    expect(run("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0")).toEqual([["s", []]]);
    expect(run("XPENDING", "s", "g", "-", "+", "10")).toEqual([
      ["1-1", "alice", 0, 2],
      ["2-1", "alice", 100, 1],
      ["3-1", "alice", 0, 2],
    ]);
    const { original, replay } = replayed("s");
    expect(replay).toEqual(original);
  });

  test("NOACK moves the group without PEL entries", () => {
    const { run, journal, clearJournal } = filled(2);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XGROUP", "CREATECONSUMER", "s", "g", "c");
    clearJournal();
    expect(run("XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s", ">")).toEqual([["s", [["1-1", ["a", "1"]], ["2-1", ["a", "2"]]]]]);
    expect(run("XPENDING", "s", "g")).toEqual([0, null, null, null]);
    expect(journal()).toEqual([["XGROUP", "SETID", "s", "g", "2-1", "ENTRIESREAD", "2"]]);
  });

  test("needs an existing group and sensible ids", () => {
    const { run } = filled(1);
    expect(run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")).toEqual(error("NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"));
    run("XGROUP", "CREATE", "s", "g", "$");
    expect(run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$")).toEqual(
      error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."),
    );
    expect(run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "+")).toEqual(
      error("ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set."),
    );
    expect(run("XREADGROUP", "COUNT", "1", "STREAMS", "s", ">")).toEqual(error("ERR wrong number of arguments for 'xreadgroup' command"));
    expect(run("XREADGROUP", "COUNT", "1", "NOACK", "STREAMS", "s", ">")).toEqual(error("ERR Missing GROUP option for XREADGROUP"));
    expect(run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">")).toEqual(error("ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified."));
  });

  test("creates the consumer even when nothing is served (Redis 7.2+), and is refused to read-only tokens", () => {
    const { run, engine } = filled(1);
    run("XGROUP", "CREATE", "s", "g", "$");
    expect(run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")).toBeNull();
    expect(asMap((run("XINFO", "CONSUMERS", "s", "g") as unknown[])[0]).name).toBe("c");
    expect(plain(engine.runReadOnly("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"))).toEqual(
      error("NOPERM this user has no permissions to run the 'xreadgroup' command or its subcommand"),
    );
  });
});

describe("XACK", () => {
  test("acknowledges pending ids once; 0 for missing keys or groups", () => {
    const { run, journal, clearJournal } = filled(3);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">");
    clearJournal();
    expect(run("XACK", "s", "g", "1-1", "2-1", "1-1", "9-9")).toBe(2);
    expect(run("XACK", "s", "nogroup", "3-1")).toBe(0);
    expect(run("XACK", "missing", "g", "bad")).toBe(0);
    expect(run("XACK", "s", "g", "bad")).toEqual(INVALID_ID);
    expect(run("XPENDING", "s", "g")).toEqual([1, "3-1", "3-1", [["c", "1"]]]);
    expect(journal()).toEqual([["XACK", "s", "g", "1-1", "2-1", "1-1", "9-9"]]);
  });
});

describe("XGROUP CREATE", () => {
  test("creates groups at $, at an id, or with MKSTREAM on a missing key", () => {
    const { run } = filled(2);
    expect(run("XGROUP", "CREATE", "s", "g1", "$")).toEqual(OK);
    expect(run("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "0")).toEqual(OK);
    expect(run("XGROUP", "CREATE", "s", "g1", "0")).toEqual(error("BUSYGROUP Consumer Group name already exists"));
    expect(run("XGROUP", "CREATE", "new", "g", "$")).toEqual(
      error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."),
    );
    expect(run("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM")).toEqual(OK);
    expect(run("TYPE", "new")).toEqual({ status: "stream" });
    expect((run("XINFO", "GROUPS", "s") as unknown[]).map(asMap)).toEqual([
      { name: "g1", consumers: 0, pending: 0, "last-delivered-id": "2-1", "entries-read": null, lag: 0 },
      { name: "g2", consumers: 0, pending: 0, "last-delivered-id": "0-0", "entries-read": 0, lag: 2 },
    ]);
  });

  test("validates options before anything else", () => {
    const { run } = filled(1);
    expect(run("XGROUP", "CREATE", "s", "g", "$", "ENTRIESREAD", "-2")).toEqual(error("ERR value for ENTRIESREAD must be positive or -1"));
    expect(run("XGROUP", "CREATE", "s", "g", "$", "junk")).toEqual(error("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."));
    expect(run("XGROUP", "CREATE", "s", "g", "-")).toEqual(INVALID_ID);
    expect(run("XGROUP", "CREATE", "s", "g")).toEqual(error("ERR wrong number of arguments for 'xgroup|create' command"));
    expect(run("XGROUP", "NOPE", "s", "g")).toEqual(error("ERR unknown subcommand 'NOPE'. Try XGROUP HELP."));
  });

  test("caps ENTRIESREAD at the entries ever added (Redis 8.2 fix of issue #14257)", () => {
    const { run } = filled(1);
    run("XGROUP", "CREATE", "s", "g", "$", "ENTRIESREAD", "9999");
    expect(asMap((run("XINFO", "GROUPS", "s") as unknown[])[0])).toMatchObject({ "entries-read": 1, lag: 0 });
  });
});

describe("XGROUP SETID", () => {
  test("moves the group's last id and read counter", () => {
    const { run } = filled(3);
    run("XGROUP", "CREATE", "s", "g", "$");
    expect(run("XGROUP", "SETID", "s", "g", "1-1", "ENTRIESREAD", "1")).toEqual(OK);
    expect(run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")).toEqual([["s", [["2-1", ["a", "2"]], ["3-1", ["a", "3"]]]]]);
    expect(run("XGROUP", "SETID", "s", "g", "-")).toEqual(OK);
    expect(asMap((run("XINFO", "GROUPS", "s") as unknown[])[0])).toMatchObject({ "last-delivered-id": "0-0", "entries-read": null, lag: 3 });
    expect(run("XGROUP", "SETID", "s", "nogroup", "$")).toEqual(error("NOGROUP No such consumer group 'nogroup' for key name 's'"));
    expect(run("XGROUP", "SETID", "s", "g", "$", "MKSTREAM")).toEqual(error("ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP."));
  });
});

describe("XGROUP DESTROY", () => {
  test("removes a group with its PEL; 0 when there is none", () => {
    const { run } = filled(1);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">");
    expect(run("XGROUP", "DESTROY", "s", "g")).toBe(1);
    expect(run("XGROUP", "DESTROY", "s", "g")).toBe(0);
    expect(run("XINFO", "GROUPS", "s")).toEqual([]);
    expect(run("XGROUP", "DESTROY", "missing", "g")).toEqual(
      error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."),
    );
  });
});

describe("XGROUP CREATECONSUMER", () => {
  test("creates a consumer once", () => {
    const { run, journal, clearJournal } = filled(1);
    run("XGROUP", "CREATE", "s", "g", "0");
    clearJournal();
    expect(run("XGROUP", "CREATECONSUMER", "s", "g", "c")).toBe(1);
    expect(run("XGROUP", "CREATECONSUMER", "s", "g", "c")).toBe(0);
    expect(run("XGROUP", "CREATECONSUMER", "s", "x", "c")).toEqual(error("NOGROUP No such consumer group 'x' for key name 's'"));
    expect(journal()).toEqual([["XGROUP", "CREATECONSUMER", "s", "g", "c"]]);
  });
});

describe("XGROUP DELCONSUMER", () => {
  test("deletes a consumer and its pending entries, answering how many it had", () => {
    const { run } = filled(2);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">");
    expect(run("XGROUP", "DELCONSUMER", "s", "g", "c")).toBe(2);
    expect(run("XGROUP", "DELCONSUMER", "s", "g", "c")).toBe(0);
    expect(run("XPENDING", "s", "g")).toEqual([0, null, null, null]);
  });
});

describe("XGROUP HELP", () => {
  test("lists the subcommands as Redis does", () => {
    const { run } = setup();
    const lines = run("XGROUP", "HELP") as { status: string }[];
    expect(lines[0]).toEqual({ status: "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" });
    expect(lines.length).toBe(17);
  });
});

describe("XSETID", () => {
  test("sets the last id, entries added and max deleted id", () => {
    const { run } = filled(2);
    expect(run("XSETID", "s", "10-0", "ENTRIESADDED", "7", "MAXDELETEDID", "5-0")).toEqual(OK);
    expect(asMap(run("XINFO", "STREAM", "s"))).toMatchObject({ "last-generated-id": "10-0", "entries-added": 7, "max-deleted-entry-id": "5-0" });
    expect(run("XADD", "s", "*", "f", "v")).toBe(`${NOW}-0`);
  });

  test("checks max-deleted-entry-id before the top item (Redis 7.4 order)", () => {
    const { run } = filled(3);
    run("XDEL", "s", "2-1");
    expect(run("XSETID", "s", "1-5")).toEqual(error("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"));
    expect(run("XSETID", "s", "2-5")).toEqual(error("ERR The ID specified in XSETID is smaller than the target stream top item"));
    expect(run("XSETID", "s", "3-5", "ENTRIESADDED", "1")).toEqual(error("ERR The entries_added specified in XSETID is smaller than the target stream length"));
    expect(run("XSETID", "s", "3-5", "ENTRIESADDED", "-1")).toEqual(error("ERR entries_added must be positive"));
    expect(run("XSETID", "s", "3-5", "MAXDELETEDID", "4-0")).toEqual(error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"));
    expect(run("XSETID", "missing", "3-5")).toEqual(error("ERR no such key"));
    expect(run("XSETID", "s", "3-5", "junk")).toEqual(SYNTAX);
  });
});

describe("XPENDING", () => {
  test("summarises and lists the PEL, filtered by IDLE, range and consumer", () => {
    const { run, engine } = filled(4);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">");
    engine.clock.advance(1000);
    run("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">");
    expect(run("XPENDING", "s", "g")).toEqual([4, "1-1", "4-1", [["alice", "2"], ["bob", "2"]]]);
    expect(run("XPENDING", "s", "g", "IDLE", "500", "-", "+", "10")).toEqual([
      ["1-1", "alice", 1000, 1],
      ["2-1", "alice", 1000, 1],
    ]);
    expect(run("XPENDING", "s", "g", "(1-1", "+", "2", "bob")).toEqual([
      ["3-1", "bob", 0, 1],
      ["4-1", "bob", 0, 1],
    ]);
    expect(run("XPENDING", "s", "g", "-", "+", "10", "nobody")).toEqual([]);
    expect(run("XPENDING", "s", "g", "-", "+")).toEqual(SYNTAX);
    expect(run("XPENDING", "s", "g", "IDLE", "5", "-", "+")).toEqual(SYNTAX);
    expect(run("XPENDING", "s", "x")).toEqual(error("NOGROUP No such key 's' or consumer group 'x'"));
  });
});

describe("XCLAIM", () => {
  test("moves idle entries to another consumer, counting the delivery, and journals the claim", () => {
    const { run, engine, journal, clearJournal, replayed } = filled(3);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
    engine.clock.advance(5000);
    clearJournal();
    expect(run("XCLAIM", "s", "g", "bob", "4000", "1-1", "2-1")).toEqual([["1-1", ["a", "1"]], ["2-1", ["a", "2"]]]);
    expect(run("XCLAIM", "s", "g", "carol", "4000", "1-1")).toEqual([]);
    expect(journal()).toEqual([
      ["XGROUP", "CREATECONSUMER", "s", "g", "bob"],
      ["XCLAIM", "s", "g", "bob", "0", "1-1", "TIME", String(NOW + 5000), "RETRYCOUNT", "2", "FORCE", "JUSTID", "LASTID", "3-1"],
      ["XCLAIM", "s", "g", "bob", "0", "2-1", "TIME", String(NOW + 5000), "RETRYCOUNT", "2", "FORCE", "JUSTID", "LASTID", "3-1"],
      ["XGROUP", "CREATECONSUMER", "s", "g", "carol"],
    ]);
    expect(run("XPENDING", "s", "g")).toEqual([3, "1-1", "3-1", [["alice", "1"], ["bob", "2"]]]);
    const { original, replay } = replayed("s");
    expect(replay).toEqual(original);
  });

  test("IDLE, TIME, RETRYCOUNT, FORCE, JUSTID and LASTID set what they say", () => {
    const { run } = filled(3);
    run("XGROUP", "CREATE", "s", "g", "0");
    expect(run("XCLAIM", "s", "g", "c", "0", "2-1", "FORCE", "JUSTID", "IDLE", "700", "RETRYCOUNT", "5", "LASTID", "2-1")).toEqual(["2-1"]);
    expect(run("XPENDING", "s", "g", "-", "+", "10")).toEqual([["2-1", "c", 700, 5]]);
    expect(asMap((run("XINFO", "GROUPS", "s") as unknown[])[0])["last-delivered-id"]).toBe("2-1");
    expect(run("XCLAIM", "s", "g", "c", "0", "2-1", "TIME", String(NOW - 50), "JUSTID")).toEqual(["2-1"]);
    expect(run("XPENDING", "s", "g", "-", "+", "10")).toEqual([["2-1", "c", 50, 5]]);
    expect(run("XCLAIM", "s", "g", "c", "0", "3-1")).toEqual([]);
  });

  test("drops pending entries whose stream entry is gone", () => {
    const { run } = filled(2);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
    run("XDEL", "s", "1-1");
    expect(run("XCLAIM", "s", "g", "bob", "0", "1-1", "2-1", "JUSTID")).toEqual(["2-1"]);
    expect(run("XPENDING", "s", "g")).toEqual([1, "2-1", "2-1", [["bob", "1"]]]);
  });

  test("fails with Redis's texts", () => {
    const { run } = filled(1);
    expect(run("XCLAIM", "s", "g", "c", "0", "1-1")).toEqual(error("NOGROUP No such key 's' or consumer group 'g'"));
    run("XGROUP", "CREATE", "s", "g", "0");
    expect(run("XCLAIM", "s", "g", "c", "x", "1-1")).toEqual(error("ERR Invalid min-idle-time argument for XCLAIM"));
    expect(run("XCLAIM", "s", "g", "c", "0", "1-1", "IDLE", "x")).toEqual(error("ERR Invalid IDLE option argument for XCLAIM"));
    expect(run("XCLAIM", "s", "g", "c", "0", "1-1", "TIME", "x")).toEqual(error("ERR Invalid TIME option argument for XCLAIM"));
    expect(run("XCLAIM", "s", "g", "c", "0", "1-1", "RETRYCOUNT", "x")).toEqual(error("ERR Invalid RETRYCOUNT option argument for XCLAIM"));
    expect(run("XCLAIM", "s", "g", "c", "0", "1-1", "LASTID", "x")).toEqual(INVALID_ID);
    expect(run("XCLAIM", "s", "g", "c", "0", "1-1", "junk")).toEqual(error("ERR Unrecognized XCLAIM option 'junk'"));
  });
});

describe("XAUTOCLAIM", () => {
  test("claims idle entries from a cursor, reports deleted ones, and returns the next cursor", () => {
    const { run, engine, replayed } = filled(5);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
    run("XDEL", "s", "2-1");
    engine.clock.advance(100);
    expect(run("XAUTOCLAIM", "s", "g", "bob", "50", "0", "COUNT", "3")).toEqual(["4-1", [["1-1", ["a", "1"]], ["3-1", ["a", "3"]]], ["2-1"]]);
    expect(run("XAUTOCLAIM", "s", "g", "bob", "50", "4-1", "JUSTID")).toEqual(["0-0", ["4-1", "5-1"], []]);
    expect(run("XAUTOCLAIM", "s", "g", "carol", "50", "0")).toEqual(["0-0", [], []]);
    expect(run("XPENDING", "s", "g")).toEqual([4, "1-1", "5-1", [["bob", "4"]]]);
    const { original, replay } = replayed("s");
    expect(replay).toEqual(original);
  });

  test("validates before looking at the key", () => {
    const { run } = filled(1);
    expect(run("XAUTOCLAIM", "s", "g", "c", "x", "0")).toEqual(error("ERR Invalid min-idle-time argument for XAUTOCLAIM"));
    expect(run("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0")).toEqual(error("ERR COUNT must be > 0"));
    expect(run("XAUTOCLAIM", "s", "g", "c", "0", "0", "junk")).toEqual(SYNTAX);
    expect(run("XAUTOCLAIM", "s", "g", "c", "0", "0")).toEqual(error("NOGROUP No such key 's' or consumer group 'g'"));
  });
});

describe("XINFO STREAM", () => {
  test("reports length, nodes, ids, counters and edge entries", () => {
    const { run } = filled(150);
    run("XDEL", "s", "150-1");
    run("XGROUP", "CREATE", "s", "g", "0");
    expect(asMap(run("XINFO", "STREAM", "s"))).toEqual({
      length: 149,
      "radix-tree-keys": 2,
      "radix-tree-nodes": 6,
      "last-generated-id": "150-1",
      "max-deleted-entry-id": "150-1",
      "entries-added": 150,
      "recorded-first-entry-id": "1-1",
      groups: 1,
      "first-entry": ["1-1", ["a", "1"]],
      "last-entry": ["149-1", ["a", "149"]],
    });
    expect(run("XINFO", "STREAM", "missing")).toEqual(error("ERR no such key"));
    expect(run("XINFO", "STREAM", "s", "FULL", "COUNT")).toEqual(error("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."));
  });

  test("FULL lists entries, groups, PELs and consumers with seen and active times (Redis 7.2+)", () => {
    const { run, engine } = filled(3);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">");
    engine.clock.advance(10);
    run("XGROUP", "CREATECONSUMER", "s", "g", "idle");
    const full = asMap(run("XINFO", "STREAM", "s", "FULL", "COUNT", "2"));
    expect(full.entries).toEqual([["1-1", ["a", "1"]], ["2-1", ["a", "2"]]]);
    expect((full.groups as unknown[]).map(asMap)).toEqual([
      {
        name: "g",
        "last-delivered-id": "1-1",
        "entries-read": 1,
        lag: 2,
        "pel-count": 1,
        pending: [["1-1", "c", NOW, 1]],
        consumers: [
          ["name", "c", "seen-time", NOW, "active-time", NOW, "pel-count", 1, "pending", [["1-1", NOW, 1]]],
          ["name", "idle", "seen-time", NOW + 10, "active-time", -1, "pel-count", 0, "pending", []],
        ],
      },
    ]);
  });
});

describe("XINFO GROUPS", () => {
  test("lists groups in name order with lag, null when fragmentation hides it", () => {
    const { run } = filled(4);
    run("XGROUP", "CREATE", "s", "b", "0");
    run("XGROUP", "CREATE", "s", "a", "0");
    run("XREADGROUP", "GROUP", "a", "c", "COUNT", "1", "STREAMS", "s", ">");
    expect((run("XINFO", "GROUPS", "s") as unknown[]).map(asMap).map((group) => [group.name, group["entries-read"], group.lag])).toEqual([
      ["a", 1, 3],
      ["b", null, 4],
    ]);
    run("XDEL", "s", "3-1");
    expect((run("XINFO", "GROUPS", "s") as unknown[]).map(asMap).map((group) => group.lag)).toEqual([null, null]);
  });
});

describe("XINFO CONSUMERS", () => {
  test("reports pending, idle and inactive times (Redis 7.2+)", () => {
    const { run, engine } = filled(2);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "reader", "STREAMS", "s", ">");
    run("XGROUP", "CREATECONSUMER", "s", "g", "lurker");
    engine.clock.advance(250);
    expect((run("XINFO", "CONSUMERS", "s", "g") as unknown[]).map(asMap)).toEqual([
      { name: "lurker", pending: 0, idle: 250, inactive: -1 },
      { name: "reader", pending: 2, idle: 250, inactive: 250 },
    ]);
    expect(run("XINFO", "CONSUMERS", "s", "x")).toEqual(error("NOGROUP No such consumer group 'x' for key name 's'"));
  });
});

describe("XINFO HELP", () => {
  // The text itself is compared with redis-server's in test/differential/generic.test.ts.
  test("lists each subcommand XINFO serves with its arguments, then HELP", () => {
    const { run } = setup();
    const lines = (run("XINFO", "HELP") as { status: string }[]).map((line) => line.status);
    expect(lines[0]).toBe("XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    for (const sub of ["CONSUMERS <key> <groupname>", "GROUPS <key>", "STREAM <key> [FULL [COUNT <count>]"]) expect(lines).toContain(sub);
    expect(lines.slice(-2)).toEqual(["HELP", "    Prints this help."]);
  });
});

describe("XDELEX", () => {
  test("deletes like XDEL by default, answering a code per id (Redis 8.2)", () => {
    const { run } = filled(3);
    expect(run("XDELEX", "s", "IDS", "2", "1-1", "9-9")).toEqual([1, -1]);
    expect(run("XDELEX", "missing", "IDS", "2", "1-1", "2-1")).toEqual([-1, -1]);
    expect(run("XLEN", "s")).toBe(2);
  });

  test("ACKED keeps entries some group still needs; DELREF clears PEL references", () => {
    const { run } = filled(3);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">");
    run("XACK", "s", "g", "1-1");
    expect(run("XDELEX", "s", "ACKED", "IDS", "3", "1-1", "2-1", "3-1")).toEqual([1, 2, 2]);
    expect(run("XDELEX", "s", "DELREF", "IDS", "1", "2-1")).toEqual([1]);
    expect(run("XPENDING", "s", "g")).toEqual([0, null, null, null]);
  });

  test("validates IDS and options with Redis's texts", () => {
    const { run } = filled(1);
    expect(run("XDELEX", "s", "IDS", "0", "1-1")).toEqual(error("ERR Number of IDs must be a positive integer"));
    expect(run("XDELEX", "s", "IDS", "abc", "1-1")).toEqual(error("ERR Number of IDs must be a positive integer"));
    expect(run("XDELEX", "s", "IDS", "3", "1-1")).toEqual(error("ERR The `numids` parameter must match the number of arguments"));
    expect(run("XDELEX", "s", "IDS", "1", "1-1", "2-2")).toEqual(SYNTAX);
    expect(run("XDELEX", "s", "KEEPREF", "DELREF", "IDS", "1", "1-1")).toEqual(SYNTAX);
    expect(run("XDELEX", "s", "IDS", "1", "bad")).toEqual(INVALID_ID);
  });
});

describe("XACKDEL", () => {
  test("acknowledges and deletes; KEEPREF leaves other groups' references (Redis 8.2)", () => {
    const { run } = filled(2);
    run("XGROUP", "CREATE", "s", "g1", "0");
    run("XGROUP", "CREATE", "s", "g2", "0");
    run("XREADGROUP", "GROUP", "g1", "c1", "STREAMS", "s", ">");
    run("XREADGROUP", "GROUP", "g2", "c2", "STREAMS", "s", ">");
    expect(run("XACKDEL", "s", "g1", "KEEPREF", "IDS", "2", "1-1", "2-1")).toEqual([1, 1]);
    expect(run("XLEN", "s")).toBe(0);
    expect(run("XPENDING", "s", "g2")).toEqual([2, "1-1", "2-1", [["c2", "2"]]]);
    expect(run("XACKDEL", "s", "g2", "IDS", "2", "1-1", "2-1")).toEqual([1, 1]);
    expect(run("XACKDEL", "s", "g2", "IDS", "1", "1-1")).toEqual([-1]);
    expect(run("XACKDEL", "missing", "g", "IDS", "1", "1-1")).toEqual([-1]);
  });

  test("ACKED deletes only what every group has acknowledged; DELREF clears everyone", () => {
    const { run } = filled(2);
    run("XGROUP", "CREATE", "s", "g1", "0");
    run("XGROUP", "CREATE", "s", "g2", "0");
    run("XREADGROUP", "GROUP", "g1", "c1", "STREAMS", "s", ">");
    run("XREADGROUP", "GROUP", "g2", "c2", "STREAMS", "s", ">");
    expect(run("XACKDEL", "s", "g1", "ACKED", "IDS", "2", "1-1", "2-1")).toEqual([2, 2]);
    expect(run("XLEN", "s")).toBe(2);
    expect(run("XACKDEL", "s", "g2", "ACKED", "IDS", "1", "1-1")).toEqual([1]);
    run("XREADGROUP", "GROUP", "g1", "c1", "STREAMS", "s", "0");
    run("XCLAIM", "s", "g1", "c1", "0", "2-1", "FORCE");
    expect(run("XACKDEL", "s", "g1", "DELREF", "IDS", "1", "2-1")).toEqual([1]);
    expect(run("XPENDING", "s", "g2")).toEqual([0, null, null, null]);
    expect(run("XACKDEL", "s", "g1", "ACKED", "DELREF", "IDS", "1", "2-1")).toEqual(SYNTAX);
  });
});

describe("stream keys in the generic commands", () => {
  test("TYPE, OBJECT ENCODING, MEMORY USAGE, SCAN TYPE and COPY see a stream", () => {
    const { run } = filled(3);
    run("XGROUP", "CREATE", "s", "g", "0");
    run("SET", "str", "x");
    expect(run("TYPE", "s")).toEqual({ status: "stream" });
    expect(run("OBJECT", "ENCODING", "s")).toBe("stream");
    expect(run("MEMORY", "USAGE", "s")).toBeGreaterThan(100);
    expect(run("SCAN", "0", "TYPE", "stream")).toEqual(["0", ["s"]]);
    expect(run("COPY", "s", "t")).toBe(1);
    run("XADD", "t", "9-9", "f", "v");
    run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "t", ">");
    expect(run("XLEN", "s")).toBe(3);
    expect(run("XPENDING", "s", "g")).toEqual([0, null, null, null]);
    expect(run("XLEN", "t")).toBe(4);
  });
});
