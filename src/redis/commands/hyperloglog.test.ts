// Proves the HyperLogLog commands' replies, stored bytes (compared with what redis-server 7.0
// stores for the same commands), error texts and journal entries, in process.

import { describe, expect, test } from "bun:test";
import { plain, createPlainTestEngine as setup } from "../../../test/harness/engine.ts";
import { registerPattern } from "../types/hyperloglog.ts";

const NOW = 1_700_000_000_000; // the ManualClock's start

const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_A_SKETCH = error("WRONGTYPE Key is not a valid HyperLogLog string value.");
const CORRUPT = error("INVALIDOBJ Corrupted HLL object detected");

const hex = (text: string) => Buffer.from(text.replace(/\s/g, ""), "hex").toString("latin1");
const header = (encoding: number, cache = "00000000 00000080") => hex(`48594c4c 0${encoding}000000 ${cache}`);
/** Sparse, registers 0..16128 only: elements landing beyond them find the body corrupt. */
const SHORT_SPARSE = header(1) + "\x7f\x00";
const elements = (count: number, prefix = "e") => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
/** An element whose register index satisfies `wanted`. */
const elementWhere = (wanted: (index: number) => boolean) => elements(100_000, "x").find((element) => wanted(registerPattern(element).index))!;

describe("PFADD", () => {
  test("creates a sparse sketch with Redis's exact bytes and replies 1 while registers change", () => {
    const { run } = setup();
    expect(run("PFADD", "h", "a", "b", "c")).toBe(1);
    expect(run("GET", "h")).toBe(header(1) + hex("60f38050b1844bfb80425a"));
    expect(run("PFADD", "h", "a", "c")).toBe(0);
    expect(run("TYPE", "h")).toEqual({ status: "string" });
  });

  test("with no elements creates an empty sketch (1), and changes nothing on an existing one (0)", () => {
    const { run } = setup();
    expect(run("PFADD", "h")).toBe(1);
    expect(run("GET", "h")).toBe(header(1) + "\x7f\xff");
    expect(run("PFADD", "h")).toBe(0);
    expect(run("PFCOUNT", "h")).toBe(0);
  });

  test("is journaled as sent when it changes the sketch, and not otherwise", () => {
    const { run, journal } = setup();
    run("PFADD", "h", "a", "b");
    run("PFADD", "h", "a");
    run("PFADD", "h", "c");
    expect(journal()).toEqual([
      ["PFADD", "h", "a", "b"],
      ["PFADD", "h", "c"],
    ]);
  });

  test("refuses other types and strings that are not sketches", () => {
    const { run } = setup();
    run("HSET", "hash", "f", "v");
    run("SET", "plain", "hello world, not a sketch");
    expect(run("PFADD", "hash", "a")).toEqual(WRONGTYPE);
    expect(run("PFADD", "plain", "a")).toEqual(NOT_A_SKETCH);
    run("SET", "dense-too-short", header(0) + "\0".repeat(100));
    expect(run("PFADD", "dense-too-short", "a")).toEqual(NOT_A_SKETCH);
  });

  test("turns dense past 3000 bytes, with Redis's counts on both sides of the switch", () => {
    const { run } = setup();
    run("PFADD", "h", ...elements(1000));
    expect(run("STRLEN", "h")).toBe(1906);
    expect(run("PFCOUNT", "h")).toBe(1008);
    run("PFADD", "h", ...elements(100_000));
    expect(run("STRLEN", "h")).toBe(12304);
    expect(run("PFCOUNT", "h")).toBe(100853);
  });

  test("compat: a corrupt body met halfway keeps the registers raised before it and journals that, as Redis edits in place", () => {
    const { run, journal, clearJournal } = setup();
    const low = elementWhere((index) => index < 16000);
    const high = elementWhere((index) => index >= 16129);
    run("SET", "h", SHORT_SPARSE);
    clearJournal();
    expect(run("PFADD", "h", low, high)).toEqual(CORRUPT);
    expect(run("GET", "h")).not.toBe(SHORT_SPARSE);
    expect(journal()).toEqual([["PFADD", "h", low, high]]);
    run("SET", "h", SHORT_SPARSE);
    clearJournal();
    expect(run("PFADD", "h", high, low)).toEqual(CORRUPT);
    expect(run("GET", "h")).toBe(SHORT_SPARSE);
    expect(journal()).toEqual([]);
  });

  test("keeps the key's TTL", () => {
    const { engine, run } = setup();
    run("PFADD", "h", "a");
    run("PEXPIRE", "h", 5000);
    run("PFADD", "h", "b");
    expect(engine.database.keyspace.get("h")!.expiresAtMs).toBe(NOW + 5000);
  });
});

describe("PFCOUNT", () => {
  test("counts one sketch, caches the count in its header and journals that write once", () => {
    const { run, journal, clearJournal } = setup();
    run("PFADD", "h", "a", "b", "c");
    clearJournal();
    expect(run("PFCOUNT", "h")).toBe(3);
    expect(run("GET", "h")).toBe(header(1, "03000000 00000000") + hex("60f38050b1844bfb80425a"));
    expect(run("PFCOUNT", "h")).toBe(3);
    expect(journal()).toEqual([["PFCOUNT", "h"]]);
  });

  test("a change marks the cache stale but keeps its other bytes, as Redis does", () => {
    const { run } = setup();
    run("PFADD", "h", "a", "b", "c");
    run("PFCOUNT", "h");
    run("PFADD", "h", "d");
    expect((run("GET", "h") as string).slice(8, 16)).toBe(hex("03000000 00000080"));
    expect(run("PFCOUNT", "h")).toBe(4);
  });

  test("several keys count their union, without writing any cache", () => {
    const { run, journal, clearJournal } = setup();
    run("PFADD", "a", "x", "y", "z");
    run("PFADD", "b", "z", "w");
    clearJournal();
    expect(run("PFCOUNT", "a", "b")).toBe(4);
    expect(run("PFCOUNT", "a", "b", "missing", "a")).toBe(4);
    expect(run("PFCOUNT", "missing", "missing2")).toBe(0);
    expect(journal()).toEqual([]);
  });

  test("a missing key counts 0", () => {
    const { run, journal } = setup();
    expect(run("PFCOUNT", "missing")).toBe(0);
    expect(journal()).toEqual([]);
  });

  test("a valid cached count is returned as stored, even one too big for a double", () => {
    const { run } = setup();
    run("SET", "forged", header(1, "01020304 05060708") + "\x7f\xff");
    expect(run("PFCOUNT", "forged")).toBe(578437695752307201n);
    expect(run("PFCOUNT", "forged", "missing")).toBe(0);
  });

  test("compat: registers no element produces estimate as 2^63, replied negative and never cached, as Redis on x86-64", () => {
    const { run, journal, clearJournal } = setup();
    run("SET", "h", header(0) + "\xff".repeat(12288));
    clearJournal();
    expect(run("PFCOUNT", "h")).toBe(-9223372036854775808n);
    expect(run("PFCOUNT", "h")).toBe(-9223372036854775808n);
    expect(run("PFCOUNT", "h", "missing")).toBe(-9223372036854775808n);
    expect(journal()).toEqual([["PFCOUNT", "h"], ["PFCOUNT", "h"]]);
  });

  test("refuses other types, non-sketches and corrupt sketches", () => {
    const { run } = setup();
    run("HSET", "hash", "f", "v");
    run("SET", "plain", "text");
    run("SET", "corrupt", SHORT_SPARSE);
    run("PFADD", "ok", "a");
    expect(run("PFCOUNT", "hash")).toEqual(WRONGTYPE);
    expect(run("PFCOUNT", "ok", "hash")).toEqual(WRONGTYPE);
    expect(run("PFCOUNT", "plain")).toEqual(NOT_A_SKETCH);
    expect(run("PFCOUNT", "corrupt")).toEqual(CORRUPT);
    expect(run("PFCOUNT", "ok", "corrupt")).toEqual(CORRUPT);
    expect(run("PFCOUNT", "corrupt", "plain")).toEqual(CORRUPT);
  });

  test("is allowed to a read-only token, which still refreshes the cache", () => {
    const { engine, run } = setup();
    run("PFADD", "h", "a");
    expect(plain(engine.runReadOnly("PFCOUNT", "h"))).toBe(1);
    expect((run("GET", "h") as string).charCodeAt(15)).toBe(0);
  });
});

describe("PFMERGE", () => {
  test("stores the union of the sources and the destination itself, with Redis's bytes", () => {
    const { run } = setup();
    run("PFADD", "a", "x", "y", "z");
    run("PFADD", "b", "z", "w");
    expect(run("PFMERGE", "c", "a", "b")).toEqual({ status: "OK" });
    expect(run("PFCOUNT", "c")).toBe(4);
    expect(run("GET", "c")).toBe(header(1, "04000000 00000000") + hex("50478451 3b8058cd 8845a084 08"));
    run("PFADD", "d", "v");
    run("PFMERGE", "d", "a");
    expect(run("PFCOUNT", "d")).toBe(4);
  });

  test("with no sources creates an empty sketch, and missing sources count as empty", () => {
    const { run } = setup();
    expect(run("PFMERGE", "e")).toEqual({ status: "OK" });
    expect(run("GET", "e")).toBe(header(1) + "\x7f\xff");
    expect(run("PFMERGE", "f", "missing")).toEqual({ status: "OK" });
    expect(run("PFCOUNT", "f")).toBe(0);
  });

  test("a dense source makes the destination dense", () => {
    const { run } = setup();
    run("PFADD", "big", ...elements(3000));
    run("PFADD", "small", "a");
    run("PFMERGE", "small", "big");
    expect(run("STRLEN", "small")).toBe(12304);
    expect(run("PFCOUNT", "small")).toBe(run("PFCOUNT", "big", "small"));
  });

  test("is journaled as sent and keeps the destination's TTL", () => {
    const { engine, run, journal, clearJournal } = setup();
    run("PFADD", "a", "x");
    run("PFADD", "d", "y");
    run("PEXPIRE", "d", 5000);
    clearJournal();
    run("PFMERGE", "d", "a");
    expect(journal()).toEqual([["PFMERGE", "d", "a"]]);
    expect(engine.database.keyspace.get("d")!.expiresAtMs).toBe(NOW + 5000);
  });

  test("refuses other types, non-sketches and corrupt sketches, writing nothing", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "hash", "f", "v");
    run("SET", "plain", "text");
    run("SET", "corrupt", SHORT_SPARSE);
    run("PFADD", "ok", "a");
    clearJournal();
    expect(run("PFMERGE", "dest", "ok", "hash")).toEqual(WRONGTYPE);
    expect(run("PFMERGE", "hash", "ok")).toEqual(WRONGTYPE);
    expect(run("PFMERGE", "dest", "plain")).toEqual(NOT_A_SKETCH);
    expect(run("PFMERGE", "dest", "ok", "corrupt")).toEqual(CORRUPT);
    expect(run("EXISTS", "dest")).toBe(0);
    expect(journal()).toEqual([]);
  });
});

describe("HyperLogLog values in the keyspace", () => {
  test("are strings to TYPE and SCAN TYPE, copy with GET/SET and size with MEMORY USAGE", () => {
    const { run } = setup();
    run("PFADD", "h", ...elements(50));
    expect(run("TYPE", "h")).toEqual({ status: "string" });
    expect(run("SCAN", 0, "TYPE", "string")).toEqual(["0", ["h"]]);
    run("SET", "copy", run("GET", "h") as string);
    expect(run("PFCOUNT", "copy")).toBe(run("PFCOUNT", "h"));
    expect(typeof run("MEMORY", "USAGE", "h")).toBe("number");
  });

  test("PFADD, PFCOUNT of one key and PFMERGE leave raw strings, even changing nothing; PFCOUNT of several keys reads only", () => {
    const { run } = setup();
    const emptySketch = header(1) + "\x7f\xff";
    run("MSET", "added", emptySketch, "counted", emptySketch, "merged", emptySketch, "union", emptySketch);
    run("PFADD", "added");
    run("PFCOUNT", "counted");
    run("PFMERGE", "merged");
    run("PFCOUNT", "union", "added");
    run("PFADD", "created");
    const keys = ["added", "counted", "merged", "union", "created"];
    expect(keys.map((key) => run("OBJECT", "ENCODING", key))).toEqual(["raw", "raw", "raw", "embstr", "raw"]);
  });
});
