// Proves argument parsing accepts and refuses exactly what Redis's string2ll, strtod-based
// string2d and zslParseRange accept and refuse (texts checked against redis-server 7.0).

import { describe, expect, test } from "bun:test";
import { SeededRandom, randomInt } from "../../util/random.ts";
import { ArgReader, parseDouble, parseInt64, parseRangeDouble, parseSafeInteger } from "./args.ts";

describe("parseInt64", () => {
  test("accepts canonical int64 texts at both limits", () => {
    expect(parseInt64("0")).toBe(0n);
    expect(parseInt64("-42")).toBe(-42n);
    expect(parseInt64("9223372036854775807")).toBe(9223372036854775807n);
    expect(parseInt64("-9223372036854775808")).toBe(-9223372036854775808n);
  });

  test.each(["", " 1", "1 ", "+1", "01", "-0", "1.0", "9223372036854775808", "-9223372036854775809", "0x10", "1e3"])(
    "refuses %p",
    (text) => expect(parseInt64(text)).toBeNull(),
  );

  test("parseSafeInteger refuses int64 values a JS number cannot hold exactly", () => {
    expect(parseSafeInteger("9007199254740991")).toBe(9007199254740991);
    expect(parseSafeInteger("9007199254740993")).toBeNull();
  });

  test.each(["", "-", "+1", "01", "-0", "00", " 1", "1 ", "1a", "-a", "1.0", "1e3"])("parseSafeInteger refuses %p", (text) =>
    expect(parseSafeInteger(text)).toBeNull(),
  );

  test("parseSafeInteger agrees with parseInt64 (where a JS number holds it exactly) on random texts of digits, signs and junk", () => {
    const random = new SeededRandom(11);
    const alphabet = "0123456789-+ .e";
    for (let i = 0; i < 20_000; i++) {
      let text = "";
      for (let length = randomInt(random, 18); length > 0; length--) text += alphabet[randomInt(random, random.next() < 0.8 ? 10 : alphabet.length)];
      const int64 = parseInt64(text);
      const safe = int64 !== null && Number.isSafeInteger(Number(int64)) ? Number(int64) : null;
      expect({ text, parsed: parseSafeInteger(text) }).toEqual({ text, parsed: safe });
    }
  });
});

describe("parseDouble", () => {
  test.each([
    ["1.5", 1.5],
    ["-.5", -0.5],
    ["5.", 5],
    ["1e3", 1000],
    ["+2", 2],
    ["inf", Infinity],
    ["-Infinity", -Infinity],
    ["0x10", 16],
    ["-0x1.8p3", -12],
  ])("reads %p as %p", (text, value) => expect(parseDouble(text)).toBe(value));

  test.each(["", " 1", "1 ", "nan", "1e400", "abc", "1.2.3", "0x"])("refuses %p", (text) => expect(parseDouble(text)).toBeNull());

  test.each([
    ["4.9e-324", 5e-324],
    ["3e-324", 5e-324],
    ["1e-320", 1e-320],
    ["0e-400", 0],
    ["-0", -0],
    ["0x1p-1074", 5e-324],
    ["0x1.8p-1074", 1e-323],
    ["0x100p-1080", 2e-323],
    ["0x1.fffffffffffff8p1022", 2 ** 1023],
    ["0x1.000000000000080000001p0", 1 + 2 ** -52],
    ["0x1.00000000000008p0", 1],
  ])("reads the subnormal, exact zero or long hex mantissa %p correctly rounded, as %p", (text, value) => expect(parseDouble(text)).toBe(value));

  test.each(["1e-400", "-1e-400", "2e-324", "2.4e-4000", "0x1p-1075", "-0x1p-1080", "0x1p1024", "0x1.fffffffffffff8p1023"])(
    "refuses %p, which strtod flags ERANGE (underflow to zero or overflow)",
    (text) => expect(parseDouble(text)).toBeNull(),
  );
});

describe("parseRangeDouble", () => {
  test.each([
    ["1e-400", 0],
    ["1e400", Infinity],
    ["-1e400", -Infinity],
    [" 1", 1],
    ["\t\n1", 1],
    ["", 0],
    ["1.5\x00junk", 1.5],
    ["\x00", 0],
    ["0x1.8p-1074", 1e-323],
    ["0x1.000000000000080000001p0", 1 + 2 ** -52],
    ["-inf", -Infinity],
  ])("reads the score bound %p as %p", (text, value) => expect(parseRangeDouble(text)).toBe(value));

  test.each([" ", "1 ", "nan", "abc", "0x", "1e"])("refuses %p", (text) => expect(parseRangeDouble(text)).toBeNull());
});

describe("ArgReader", () => {
  test("accepts option words case-insensitively and reads typed values", () => {
    const reader = new ArgReader(["cmd", "limit", "5", "rest", "x"], 1);
    expect(reader.accept("LIMIT")).toBe(true);
    expect(reader.nextInteger()).toBe(5);
    expect(reader.rest()).toEqual(["rest", "x"]);
    expect(reader.hasMore()).toBe(false);
    expect(() => reader.next()).toThrow("ERR syntax error");
  });
});
