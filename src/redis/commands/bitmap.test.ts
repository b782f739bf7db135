// Proves the bitmap commands' replies, error texts (checked against redis-server 7.0, or Redis
// 7.4–8.2's source where the order of checks or BITOP's operators changed) and journal entries,
// in process on a manual clock.

import { describe, expect, test } from "bun:test";
import { plain, createPlainTestEngine as setup } from "../../../test/harness/engine.ts";
import { SeededRandom, randomInt } from "../../util/random.ts";

const NOW = 1_700_000_000_000; // the ManualClock's start

const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INTEGER = error("ERR value is not an integer or out of range");
const SYNTAX = error("ERR syntax error");
const BAD_OFFSET = error("ERR bit offset is not an integer or out of range");
const BAD_BIT = error("ERR bit is not an integer or out of range");
const BAD_TYPE = error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");

// ---- naive models for the property tests: one bit at a time, straight from the documentation ----

const bitOf = (value: string, position: number) => (position < value.length * 8 ? (value.charCodeAt(position >> 3) >> (7 - (position & 7))) & 1 : 0);

function randomBytes(random: SeededRandom, maxLength: number): string {
  let out = "";
  const length = randomInt(random, maxLength + 1);
  // Mostly all-zero and all-one bytes, so searches cross long runs.
  for (let i = 0; i < length; i++) out += String.fromCharCode(random.next() < 0.6 ? (random.next() < 0.5 ? 0 : 255) : randomInt(random, 256));
  return out;
}

/** The inclusive bit range a [start, end] in BYTE or BIT units selects, or undefined when empty. */
function selectedBits(length: number, start: number, end: number, isBit: boolean): [number, number] | undefined {
  const total = isBit ? length * 8 : length;
  let first = start < 0 ? Math.max(0, total + start) : start;
  let last = end < 0 ? Math.max(0, total + end) : end;
  last = Math.min(last, total - 1);
  if (first > last) return undefined;
  return isBit ? [first, last] : [first * 8, last * 8 + 7];
}

function modelBitcount(value: string, start: number, end: number, isBit: boolean): number {
  if (start < 0 && end < 0 && start > end) return 0;
  const bits = selectedBits(value.length, start, end, isBit);
  let count = 0;
  if (bits !== undefined) for (let p = bits[0]; p <= bits[1]; p++) count += bitOf(value, p);
  return count;
}

function modelBitpos(value: string, bit: number, start: number, end: number | undefined, isBit: boolean): number {
  const bits = selectedBits(value.length, start, end ?? value.length * (isBit ? 8 : 1) - 1, isBit);
  if (bits === undefined) return -1;
  for (let p = bits[0]; p <= bits[1]; p++) if (bitOf(value, p) === bit) return p;
  // Past the string's end it reads as zeros, unless an end bounds the search.
  return bit === 0 && end === undefined ? value.length * 8 : -1;
}

describe("SETBIT", () => {
  test("returns the old bit and zero-pads the string up to the byte it writes", () => {
    const { run } = setup();
    expect(run("SETBIT", "b", 7, 1)).toBe(0);
    expect(run("GET", "b")).toBe("\x01");
    expect(run("SETBIT", "b", 0, 1)).toBe(0);
    expect(run("SETBIT", "b", 7, 0)).toBe(1);
    expect(run("GET", "b")).toBe("\x80");
    expect(run("SETBIT", "b", 20, 1)).toBe(0);
    expect(run("GET", "b")).toBe("\x80\x00\x08");
  });

  test("works on any string's bytes, binary and multi-byte text alike", () => {
    const { run } = setup();
    run("SET", "s", "\xff\x00é");
    expect(run("SETBIT", "s", 8, 1)).toBe(0);
    expect(run("SETBIT", "s", 0, 0)).toBe(1);
    expect(run("GET", "s")).toBe("\x7f\x80é");
  });

  test("rejects offsets that are not integers, negative, or past 512 MB, before reading the value", () => {
    const { run } = setup();
    for (const offset of ["-1", "abc", "", "1.5", "+1", "4294967296", "9223372036854775808"]) {
      expect(run("SETBIT", "b", offset, "junk")).toEqual(BAD_OFFSET);
    }
    expect(run("EXISTS", "b")).toBe(0);
  });

  test("accepts only 0 and 1 as the value", () => {
    const { run } = setup();
    for (const value of ["2", "-1", "abc", "", "01", "1.0"]) expect(run("SETBIT", "b", 0, value)).toEqual(BAD_BIT);
  });

  test("checks arguments before the key's type", () => {
    const { run } = setup();
    run("HSET", "h", "f", "v");
    expect(run("SETBIT", "h", -1, 1)).toEqual(BAD_OFFSET);
    expect(run("SETBIT", "h", 0, 1)).toEqual(WRONGTYPE);
  });

  test("is journaled when it creates, grows or flips, and not when the bit already had the value", () => {
    const { run, journal } = setup();
    run("SETBIT", "b", 3, 0); // creates "\0"
    run("SETBIT", "b", 3, 0);
    run("SETBIT", "b", 3, 1);
    run("SETBIT", "b", 3, 1);
    run("SETBIT", "b", 15, 0); // grows
    expect(journal()).toEqual([
      ["SETBIT", "b", "3", "0"],
      ["SETBIT", "b", "3", "1"],
      ["SETBIT", "b", "15", "0"],
    ]);
    expect(run("GET", "b")).toBe("\x10\x00");
  });

  test("keeps the key's TTL", () => {
    const { engine, run } = setup();
    run("SET", "b", "a", "PX", 5000);
    run("SETBIT", "b", 7, 0);
    expect(engine.database.keyspace.get("b")!.expiresAtMs).toBe(NOW + 5000);
  });
});

describe("string encodings after bit writes", () => {
  test("SETBIT, a writing BITFIELD and BITOP leave raw strings, even when no bit changes; reads keep the encoding", () => {
    const { run } = setup();
    run("MSET", "setbit", "12", "same-bit", "abc", "field", "abc", "refused", "abc", "read", "12");
    run("SETBIT", "setbit", 0, 0);
    run("SETBIT", "same-bit", 0, 0);
    run("SETBIT", "created", 3, 1);
    run("BITFIELD", "field", "SET", "u8", 0, 97);
    run("BITFIELD", "refused", "OVERFLOW", "FAIL", "INCRBY", "u8", 0, 255);
    run("BITOP", "NOT", "not", "read");
    run("GETBIT", "read", 0);
    run("BITFIELD", "read", "GET", "u8", 0);
    run("BITFIELD_RO", "read", "GET", "u8", 0);
    const keys = ["setbit", "same-bit", "created", "field", "refused", "not", "read"];
    expect(keys.map((key) => run("OBJECT", "ENCODING", key))).toEqual(["raw", "raw", "raw", "raw", "raw", "raw", "int"]);
  });
});

describe("GETBIT", () => {
  test("reads a bit, zero past the end and for a missing key", () => {
    const { run } = setup();
    run("SET", "s", "\x40");
    expect(run("GETBIT", "s", 1)).toBe(1);
    expect(run("GETBIT", "s", 0)).toBe(0);
    expect(run("GETBIT", "s", 100)).toBe(0);
    expect(run("GETBIT", "s", "4294967295")).toBe(0);
    expect(run("GETBIT", "missing", 3)).toBe(0);
  });

  test("checks the offset before the key's type", () => {
    const { run } = setup();
    run("HSET", "h", "f", "v");
    expect(run("GETBIT", "h", "4294967296")).toEqual(BAD_OFFSET);
    expect(run("GETBIT", "h", 0)).toEqual(WRONGTYPE);
  });
});

describe("BITCOUNT", () => {
  test("agrees with bit-by-bit counting on random strings, ranges and units", () => {
    const { run } = setup();
    const random = new SeededRandom(10);
    for (let i = 0; i < 3000; i++) {
      const value = randomBytes(random, 6);
      run("SET", "s", value);
      const start = randomInt(random, 61) - 30;
      const end = randomInt(random, 61) - 30;
      const isBit = random.next() < 0.5;
      const argv = ["BITCOUNT", "s", start, end, isBit ? "BIT" : "BYTE"];
      expect([argv, run(...argv)]).toEqual([argv, modelBitcount(value, start, end, isBit)]);
    }
  });

  test("counts set bits in the whole string or a byte range", () => {
    const { run } = setup();
    run("SET", "s", "foobar");
    expect(run("BITCOUNT", "s")).toBe(26);
    expect(run("BITCOUNT", "s", 0, 0)).toBe(4);
    expect(run("BITCOUNT", "s", 1, 1)).toBe(6);
    expect(run("BITCOUNT", "s", 1, 1, "BYTE")).toBe(6);
    expect(run("BITCOUNT", "s", -2, -1)).toBe(7);
    expect(run("BITCOUNT", "s", -100, 100)).toBe(26);
    expect(run("BITCOUNT", "s", "-9223372036854775808", "9223372036854775807")).toBe(26);
  });

  test("counts a bit range with BIT, masking the edge bytes", () => {
    const { run } = setup();
    run("SET", "s", "foobar");
    expect(run("BITCOUNT", "s", 5, 30, "BIT")).toBe(17);
    expect(run("BITCOUNT", "s", 5, 30, "bit")).toBe(17);
    expect(run("BITCOUNT", "s", 1, 1, "BIT")).toBe(1);
    expect(run("BITCOUNT", "s", 0, 0, "BIT")).toBe(0);
    expect(run("BITCOUNT", "s", -3, -1, "BIT")).toBe(1);
  });

  test("an empty range counts nothing, and so does a missing key", () => {
    const { run } = setup();
    run("SET", "s", "foobar");
    expect(run("BITCOUNT", "s", -1, -2)).toBe(0);
    expect(run("BITCOUNT", "s", 4, 2)).toBe(0);
    expect(run("BITCOUNT", "s", 10, 20)).toBe(0);
    expect(run("BITCOUNT", "missing")).toBe(0);
    expect(run("BITCOUNT", "missing", 0, -1, "BIT")).toBe(0);
  });

  test("a start without an end, or extra arguments, is a syntax error", () => {
    const { run } = setup();
    run("SET", "s", "foobar");
    expect(run("BITCOUNT", "s", 0)).toEqual(SYNTAX);
    expect(run("BITCOUNT", "s", 0, 1, "BIT", "x")).toEqual(SYNTAX);
    expect(run("BITCOUNT", "s", 0, 1, "BITS")).toEqual(SYNTAX);
    expect(run("BITCOUNT", "s", "a", 1)).toEqual(NOT_INTEGER);
    expect(run("BITCOUNT", "s", 0, "1.5")).toEqual(NOT_INTEGER);
  });

  test("reads the unit word as C does, up to a NUL byte", () => {
    const { run } = setup();
    run("SET", "s", "foobar");
    expect(run("BITCOUNT", "s", 5, 30, "bit\0junk")).toBe(17);
  });

  test("checks the arguments before the key, as Redis 7.2+ does (7.0 answered 0 for a missing key)", () => {
    const { run } = setup();
    run("HSET", "h", "f", "v");
    expect(run("BITCOUNT", "missing", "a", "b")).toEqual(NOT_INTEGER);
    expect(run("BITCOUNT", "missing", 0)).toEqual(SYNTAX);
    expect(run("BITCOUNT", "h", 0, 1, "junk")).toEqual(SYNTAX);
    expect(run("BITCOUNT", "h", 0, 1)).toEqual(WRONGTYPE);
  });

  test("reads the unit before the reversed-negative shortcut (Redis 7.0 did the opposite)", () => {
    const { run } = setup();
    run("SET", "s", "foobar");
    expect(run("BITCOUNT", "s", -9, -100, "BITS")).toEqual(SYNTAX);
    expect(run("BITCOUNT", "s", -9, -100, "BIT")).toBe(0);
  });
});

describe("BITPOS", () => {
  test("agrees with a bit-by-bit search on random strings, ranges and units", () => {
    const { run } = setup();
    const random = new SeededRandom(11);
    for (let i = 0; i < 3000; i++) {
      const value = randomBytes(random, 6);
      run("SET", "s", value);
      const bit = randomInt(random, 2);
      const start = randomInt(random, 61) - 30;
      const end = random.next() < 0.3 ? undefined : randomInt(random, 61) - 30;
      const isBit = end !== undefined && random.next() < 0.5;
      const argv = ["BITPOS", "s", bit, start, ...(end === undefined ? [] : [end]), ...(isBit ? ["BIT"] : [])];
      expect([argv, run(...argv)]).toEqual([argv, modelBitpos(value, bit, start, end, isBit)]);
    }
  });

  test("finds the first set or clear bit, as in Redis's documentation", () => {
    const { run } = setup();
    run("SET", "a", "\xff\xf0\x00");
    expect(run("BITPOS", "a", 0)).toBe(12);
    run("SET", "b", "\x00\xff\xf0");
    expect(run("BITPOS", "b", 1, 0)).toBe(8);
    expect(run("BITPOS", "b", 1, 2)).toBe(16);
    expect(run("BITPOS", "b", 1, 2, -1, "BYTE")).toBe(16);
    expect(run("BITPOS", "b", 1, 7, 15, "BIT")).toBe(8);
    run("SET", "c", "\x00\x00\x00");
    expect(run("BITPOS", "c", 1)).toBe(-1);
    expect(run("BITPOS", "c", 1, 7, -3, "BIT")).toBe(-1);
  });

  test("clear bits past the end count only when no end was given", () => {
    const { run } = setup();
    run("SET", "f", "\xff\xff\xff");
    expect(run("BITPOS", "f", 0)).toBe(24);
    expect(run("BITPOS", "f", 0, 1)).toBe(24);
    expect(run("BITPOS", "f", 0, 0, -1)).toBe(-1);
    expect(run("BITPOS", "f", 0, 2, -1, "BIT")).toBe(-1);
    run("SET", "s", "foobar");
    expect(run("BITPOS", "s", 1, 7, 15, "BIT")).toBe(9);
    expect(run("BITPOS", "s", 0, 1, 1, "BIT")).toBe(-1);
  });

  test("a missing key is all zeros, an empty string or range holds no bit at all", () => {
    const { run } = setup();
    expect(run("BITPOS", "missing", 0)).toBe(0);
    expect(run("BITPOS", "missing", 1)).toBe(-1);
    run("SET", "empty", "");
    expect(run("BITPOS", "empty", 0)).toBe(-1);
    run("SET", "s", "\x0f");
    expect(run("BITPOS", "s", 1, 2, 1)).toBe(-1);
  });

  test("rejects a bit other than 0 or 1, bad indexes and bad units, the unit before the end", () => {
    const { run } = setup();
    run("SET", "s", "\x0f");
    expect(run("BITPOS", "s", 2)).toEqual(error("ERR The bit argument must be 1 or 0."));
    expect(run("BITPOS", "s", "abc")).toEqual(NOT_INTEGER);
    expect(run("BITPOS", "s", 1, "x")).toEqual(NOT_INTEGER);
    expect(run("BITPOS", "s", 1, 0, "x", "junk")).toEqual(SYNTAX);
    expect(run("BITPOS", "s", 1, 0, "x", "BIT")).toEqual(NOT_INTEGER);
    expect(run("BITPOS", "s", 1, 0, 1, "BIT", "x")).toEqual(SYNTAX);
    expect(run("BITPOS", "missing", 1, "x")).toEqual(NOT_INTEGER);
  });

  test("checks its arguments before the key's type", () => {
    const { run } = setup();
    run("HSET", "h", "f", "v");
    expect(run("BITPOS", "h", 3)).toEqual(error("ERR The bit argument must be 1 or 0."));
    expect(run("BITPOS", "h", 1, 0, 1, "BITS")).toEqual(SYNTAX);
    expect(run("BITPOS", "h", 1)).toEqual(WRONGTYPE);
  });
});

describe("BITOP", () => {
  test("AND, OR, XOR and NOT, shorter strings padded with zeros", () => {
    const { run } = setup();
    run("SET", "a", "foobar");
    run("SET", "b", "abcdef");
    expect(run("BITOP", "AND", "d", "a", "b")).toBe(6);
    expect(run("GET", "d")).toBe("`bc`ab");
    expect(run("BITOP", "or", "d", "a", "b")).toBe(6);
    expect(run("GET", "d")).toBe("goofev");
    run("SET", "short", "\xff");
    expect(run("BITOP", "XOR", "d", "short", "a")).toBe(6);
    expect(run("GET", "d")).toBe("\x99oobar");
    expect(run("BITOP", "AND", "d", "a", "missing")).toBe(6);
    expect(run("GET", "d")).toBe("\0\0\0\0\0\0");
    expect(run("BITOP", "NOT", "d", "short")).toBe(1);
    expect(run("GET", "d")).toBe("\x00");
  });

  test("every operator agrees with a bit-by-bit model on random sources of unequal lengths", () => {
    const { run } = setup();
    const random = new SeededRandom(12);
    const model: Record<string, (bits: number[]) => number> = {
      AND: (bits) => (bits.every((b) => b === 1) ? 1 : 0),
      OR: (bits) => (bits.some((b) => b === 1) ? 1 : 0),
      XOR: (bits) => bits.reduce((a, b) => a ^ b, 0),
      NOT: (bits) => 1 - bits[0]!,
      DIFF: ([x, ...others]) => (x === 1 && !others.includes(1) ? 1 : 0),
      DIFF1: ([x, ...others]) => (x === 0 && others.includes(1) ? 1 : 0),
      ANDOR: ([x, ...others]) => (x === 1 && others.includes(1) ? 1 : 0),
      ONE: (bits) => (bits.filter((b) => b === 1).length === 1 ? 1 : 0),
    };
    for (let i = 0; i < 1500; i++) {
      const op = Object.keys(model)[randomInt(random, 8)]!;
      const count = op === "NOT" ? 1 : (["DIFF", "DIFF1", "ANDOR"].includes(op) ? 2 : 1) + randomInt(random, 4);
      const values = Array.from({ length: count }, () => (random.next() < 0.1 ? undefined : randomBytes(random, 5)));
      values.forEach((value, j) => (value === undefined ? run("DEL", `s${j}`) : run("SET", `s${j}`, value)));
      const length = Math.max(...values.map((value) => value?.length ?? 0));
      let expected = "";
      for (let byte = 0; byte < length; byte++) {
        let out = 0;
        for (let bit = 0; bit < 8; bit++) out = (out << 1) | model[op]!(values.map((value) => bitOf(value ?? "", byte * 8 + bit)));
        expected += String.fromCharCode(out);
      }
      expect(run("BITOP", op, "d", ...values.map((_, j) => `s${j}`))).toBe(length);
      expect(run("GET", "d")).toBe(length === 0 ? null : expected);
    }
  });

  test("the Redis 8.2 operators DIFF, DIFF1, ANDOR and ONE", () => {
    const { run } = setup();
    run("SET", "x", "\xf0");
    run("SET", "y1", "\xcc");
    run("SET", "y2", "\x0f\x01");
    expect(run("BITOP", "DIFF", "d", "x", "y1", "y2")).toBe(2);
    expect(run("GET", "d")).toBe("\x30\x00");
    expect(run("BITOP", "DIFF1", "d", "x", "y1", "y2")).toBe(2);
    expect(run("GET", "d")).toBe("\x0f\x01");
    expect(run("BITOP", "ANDOR", "d", "x", "y1", "y2")).toBe(2);
    expect(run("GET", "d")).toBe("\xc0\x00");
    expect(run("BITOP", "ONE", "d", "x", "y1", "y2")).toBe(2);
    expect(run("GET", "d")).toBe("\x33\x01");
    expect(run("BITOP", "one", "d", "x")).toBe(1);
    expect(run("GET", "d")).toBe("\xf0");
  });

  test("ONE keeps exactly the bits set in a single source", () => {
    const { run } = setup();
    const sources = ["\x17\x00", "\x26\x80", "\x4d\x80"];
    sources.forEach((value, i) => run("SET", `s${i}`, value));
    run("BITOP", "ONE", "d", "s0", "s1", "s2");
    expect(run("GET", "d")).toBe("\x78\x00");
  });

  test("all-empty sources delete the destination, whatever it held", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "d", "f", "v");
    run("SET", "empty", "");
    clearJournal();
    expect(run("BITOP", "OR", "d", "missing", "empty")).toBe(0);
    expect(run("EXISTS", "d")).toBe(0);
    expect(run("BITOP", "OR", "d", "missing")).toBe(0);
    expect(journal()).toEqual([["BITOP", "OR", "d", "missing", "empty"]]);
  });

  test("overwrites a destination of another type and drops its TTL, and is journaled as sent", () => {
    const { engine, run, journal, clearJournal } = setup();
    run("HSET", "d", "f", "v");
    run("EXPIRE", "d", 100);
    run("SET", "a", "\x0f");
    clearJournal();
    expect(run("BITOP", "NOT", "d", "a")).toBe(1);
    expect(run("GET", "d")).toBe("\xf0");
    expect(engine.database.keyspace.get("d")!.expiresAtMs).toBe(0);
    expect(journal()).toEqual([["BITOP", "NOT", "d", "a"]]);
  });

  test("rejects unknown operators and wrong source counts with Redis's texts", () => {
    const { run } = setup();
    expect(run("BITOP", "NAND", "d", "a")).toEqual(SYNTAX);
    expect(run("BITOP", "NOT", "d", "a", "b")).toEqual(error("ERR BITOP NOT must be called with a single source key."));
    expect(run("BITOP", "DIFF", "d", "a")).toEqual(error("ERR BITOP DIFF must be called with at least two source keys."));
    expect(run("BITOP", "diff1", "d", "a")).toEqual(error("ERR BITOP DIFF1 must be called with at least two source keys."));
    expect(run("BITOP", "AndOr", "d", "a")).toEqual(error("ERR BITOP ANDOR must be called with at least two source keys."));
    expect(run("BITOP", "AND", "d")).toEqual(error("ERR wrong number of arguments for 'bitop' command"));
  });

  test("a source of another type is WRONGTYPE and writes nothing", () => {
    const { run, journal, clearJournal } = setup();
    run("HSET", "h", "f", "v");
    run("SET", "a", "x");
    clearJournal();
    expect(run("BITOP", "AND", "d", "a", "h")).toEqual(WRONGTYPE);
    expect(run("EXISTS", "d")).toBe(0);
    expect(journal()).toEqual([]);
  });
});

describe("BITFIELD", () => {
  test("under WRAP agrees with a bit-array model for random widths, offsets and values", () => {
    const { run } = setup();
    const random = new SeededRandom(13);
    const bits: number[] = [];
    const read = (offset: number, width: number, signed: boolean) => {
      let value = 0n;
      for (let i = 0; i < width; i++) value = (value << 1n) | BigInt(bits[offset + i] ?? 0);
      return signed ? BigInt.asIntN(width, value) : value;
    };
    const write = (offset: number, width: number, value: bigint) => {
      for (let i = 0; i < width; i++) bits[offset + i] = Number((BigInt.asUintN(width, value) >> BigInt(width - 1 - i)) & 1n);
    };
    const asReply = (value: bigint) => (Number.isSafeInteger(Number(value)) ? Number(value) : value);
    for (let i = 0; i < 2000; i++) {
      const signed = random.next() < 0.5;
      const width = 1 + randomInt(random, signed ? 64 : 63);
      const offset = randomInt(random, 80);
      const value = BigInt.asIntN(64, BigInt(Math.floor(random.next() * 2 ** 32)) * BigInt(Math.floor(random.next() * 2 ** 32)) - (1n << 62n));
      const type = `${signed ? "i" : "u"}${width}`;
      const old = read(offset, width, signed);
      if (random.next() < 0.5) {
        write(offset, width, value);
        expect(run("BITFIELD", "k", "SET", type, offset, value.toString())).toEqual([asReply(old)]);
      } else {
        write(offset, width, old + value);
        expect(run("BITFIELD", "k", "INCRBY", type, offset, value.toString())).toEqual([asReply(read(offset, width, signed))]);
      }
      expect(run("BITFIELD_RO", "k", "GET", type, offset)).toEqual([asReply(read(offset, width, signed))]);
    }
  });

  test("runs Redis's documented examples", () => {
    const { run } = setup();
    expect(run("BITFIELD", "k", "INCRBY", "i5", 100, 1, "GET", "u4", 0)).toEqual([1, 0]);
    const expected = [
      [1, 1],
      [2, 2],
      [3, 3],
      [0, 3],
    ];
    for (const reply of expected) expect(run("BITFIELD", "m", "incrby", "u2", 100, 1, "OVERFLOW", "SAT", "incrby", "u2", 102, 1)).toEqual(reply);
  });

  test("SET returns the old value, INCRBY the new one, GET reads zeros past the end", () => {
    const { run } = setup();
    expect(run("BITFIELD", "k", "SET", "u8", 0, 200, "SET", "i8", 8, -3, "GET", "u8", 0, "GET", "i8", 8, "GET", "u16", 64)).toEqual([0, 0, 200, -3, 0]);
    expect(run("GET", "k")).toBe("\xc8\xfd");
    expect(run("BITFIELD", "k", "INCRBY", "i8", 8, 10, "SET", "u8", 0, 1)).toEqual([7, 200]);
  });

  test("#n offsets count in units of the field's width", () => {
    const { run } = setup();
    expect(run("BITFIELD", "k", "SET", "u8", "#1", 255, "SET", "u4", "#0", 10)).toEqual([0, 0]);
    expect(run("GET", "k")).toBe("\xa0\xff");
    expect(run("BITFIELD", "k", "GET", "u4", "#3", "GET", "i4", "#3")).toEqual([15, -1]);
  });

  test("WRAP, SAT and FAIL overflow as Redis does, unsigned and signed", () => {
    const { run } = setup();
    expect(run("BITFIELD", "k", "SET", "u8", 0, 250, "INCRBY", "u8", 0, 10, "OVERFLOW", "SAT", "INCRBY", "u8", 0, 300, "OVERFLOW", "FAIL", "INCRBY", "u8", 0, 1)).toEqual([0, 4, 255, null]);
    expect(run("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", 0, 200, "GET", "i8", 0, "OVERFLOW", "WRAP", "SET", "i8", 0, 200, "GET", "i8", 0)).toEqual([-1, 127, 127, -56]);
    expect(run("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", 0, -1000, "OVERFLOW", "FAIL", "INCRBY", "i8", 0, -1)).toEqual([-128, null]);
    expect(run("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", 0, -1, "OVERFLOW", "WRAP", "SET", "u8", 0, -1, "INCRBY", "u8", 0, -256)).toEqual([128, 255, 255]);
  });

  test("compat: SET of a value near INT64_MIN into a narrow signed field saturates upwards, as Redis's wrapping arithmetic does", () => {
    const { run } = setup();
    expect(run("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", 0, "-9223372036854775808", "GET", "i8", 0)).toEqual([0, 127]);
    expect(run("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", 0, "-9223372036854775680", "GET", "i8", 0)).toEqual([127, -128]);
  });

  test("64-bit fields: i64 wraps around int64, u63 replies beyond 2^53 as exact integers", () => {
    const { run } = setup();
    expect(run("BITFIELD", "k", "SET", "i64", 0, "9223372036854775807", "INCRBY", "i64", 0, 1, "OVERFLOW", "SAT", "INCRBY", "i64", 0, -1, "INCRBY", "i64", 0, -1)).toEqual([
      0,
      -9223372036854775808n,
      -9223372036854775808n,
      -9223372036854775808n,
    ]);
    expect(run("BITFIELD", "u", "SET", "u63", 1, "9223372036854775807", "GET", "u63", 1, "GET", "u8", 1)).toEqual([0, 9223372036854775807n, 255]);
  });

  test("a FAIL that writes nothing still creates the zero-filled key, as in Redis, and is journaled", () => {
    const { run, journal } = setup();
    expect(run("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", 8, 5)).toEqual([null]);
    expect(run("GET", "k")).toBe("\0\0");
    expect(journal()).toEqual([["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "8", "5"]]);
  });

  test("only GETs read without creating the key; no subcommand at all is an empty reply", () => {
    const { run, journal } = setup();
    expect(run("BITFIELD", "k", "GET", "u8", 0)).toEqual([0]);
    expect(run("BITFIELD", "k")).toEqual([]);
    expect(run("BITFIELD", "k", "OVERFLOW", "SAT")).toEqual([]);
    expect(run("EXISTS", "k")).toBe(0);
    expect(journal()).toEqual([]);
  });

  test("an unchanged value is not journaled", () => {
    const { run, journal, clearJournal } = setup();
    run("BITFIELD", "k", "SET", "u8", 0, 7);
    clearJournal();
    expect(run("BITFIELD", "k", "SET", "u8", 0, 7, "INCRBY", "u8", 0, 0)).toEqual([7, 7]);
    expect(journal()).toEqual([]);
  });

  test("rejects bad types, offsets, values and words before running anything", () => {
    const { run, journal } = setup();
    for (const type of ["u64", "i65", "u0", "i0", "x8", "I8", "", "i", "i08", "u 8"]) {
      expect(run("BITFIELD", "k", "SET", "u8", 0, 1, "GET", type, 0)).toEqual(BAD_TYPE);
    }
    expect(run("BITFIELD", "k", "GET", "i8\0junk", 0)).toEqual([0]);
    for (const offset of ["-1", "#", "#-1", "abc", "4294967296", "#536870912", "#9223372036854775807"]) {
      expect(run("BITFIELD", "k", "SET", "u8", 0, 1, "GET", "u8", offset)).toEqual(BAD_OFFSET);
    }
    expect(run("BITFIELD", "k", "SET", "u8", 0, "1.5")).toEqual(NOT_INTEGER);
    expect(run("BITFIELD", "k", "OVERFLOW", "SATURATE")).toEqual(error("ERR Invalid OVERFLOW type specified"));
    expect(run("BITFIELD", "k", "GET", "u8")).toEqual(SYNTAX);
    expect(run("BITFIELD", "k", "SET", "u8", 0)).toEqual(SYNTAX);
    expect(run("BITFIELD", "k", "OVERFLOW")).toEqual(SYNTAX);
    expect(run("BITFIELD", "k", "FOO", "u8", 0)).toEqual(SYNTAX);
    expect(journal()).toEqual([]);
  });

  test("checks the key's type after the arguments", () => {
    const { run } = setup();
    run("HSET", "h", "f", "v");
    expect(run("BITFIELD", "h", "GET", "x8", 0)).toEqual(BAD_TYPE);
    expect(run("BITFIELD", "h", "GET", "u8", 0)).toEqual(WRONGTYPE);
    expect(run("BITFIELD", "h", "SET", "u8", 0, 1)).toEqual(WRONGTYPE);
  });

  test("keeps the key's TTL", () => {
    const { engine, run } = setup();
    run("SET", "k", "a", "PX", 5000);
    run("BITFIELD", "k", "SET", "u8", 8, 1);
    expect(engine.database.keyspace.get("k")!.expiresAtMs).toBe(NOW + 5000);
  });
});

describe("BITFIELD_RO", () => {
  test("reads fields like BITFIELD GET, zeros for a missing key", () => {
    const { run } = setup();
    run("SET", "k", "\xff\x01");
    expect(run("BITFIELD_RO", "k", "GET", "u4", 0, "GET", "i8", 4, "GET", "u8", "#1")).toEqual([15, -16, 1]);
    expect(run("BITFIELD_RO", "missing", "GET", "i64", 0)).toEqual([0]);
    expect(run("BITFIELD_RO", "k")).toEqual([]);
  });

  test("refuses writes after checking every argument", () => {
    const { run } = setup();
    expect(run("BITFIELD_RO", "k", "SET", "u8", 0, 1)).toEqual(error("ERR BITFIELD_RO only supports the GET subcommand"));
    expect(run("BITFIELD_RO", "k", "INCRBY", "u8", 0, 1, "GET", "u99", 0)).toEqual(BAD_TYPE);
    expect(run("EXISTS", "k")).toBe(0);
  });

  test("is allowed to a read-only token, unlike BITFIELD", () => {
    const { engine } = setup();
    expect(plain(engine.runReadOnly("BITFIELD_RO", "k", "GET", "u8", 0))).toEqual([0]);
    expect(plain(engine.runReadOnly("BITFIELD", "k", "GET", "u8", 0))).toEqual(
      error("NOPERM this user has no permissions to run the 'bitfield' command or its subcommand"),
    );
  });

  test("checks the key's type", () => {
    const { run } = setup();
    run("HSET", "h", "f", "v");
    expect(run("BITFIELD_RO", "h", "GET", "u8", 0)).toEqual(WRONGTYPE);
  });
});
