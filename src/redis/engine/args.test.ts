// Proves argument parsing accepts and refuses exactly what Redis's string2ll and strtod-based
// string2d accept and refuse (texts checked against redis-server 7.0).

import { describe, expect, test } from "bun:test";
import { ArgReader, parseDouble, parseInt64, parseSafeInteger } from "./args.ts";

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
