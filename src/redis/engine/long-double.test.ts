// Proves the long double emulation prints exactly what Redis 7.0 (x86-64, 80-bit long double)
// printed for the same INCRBYFLOAT, and accepts exactly the texts its string2ld accepts: every
// expected value below was observed on a real redis-server 7.0.15.

import { describe, expect, test } from "bun:test";
import { formatLongDouble, isLongDoubleText, longDoubleAdd, parseLongDouble } from "./long-double.ts";

describe("longDoubleAdd", () => {
  test.each([
    ["0", "0.1", "0.1"],
    ["0.1", "0.2", "0.3"],
    ["1.1", "2.2", "3.3"],
    ["10.5", "0.1", "10.6"],
    ["3.0", "-3", "0"],
    ["-1.5", "0.5", "-1"],
    ["0", "-0", "0"],
    ["1e17", "1", "100000000000000001"],
    ["100000000000000000", "0.5", "100000000000000000.5"],
    ["9223372036854775807", "1", "9223372036854775808"],
    ["18446744073709551615", "1", "18446744073709551616"],
    ["18446744073709551617", "0", "18446744073709551616"],
    ["5.0e3", "0.0001", "5000.00010000000000021"],
    ["5.0e3", "2.0e2", "5200"],
    ["1.5E+3", "1e-3", "1500.001"],
    ["2.5e-3", "0", "0.0025"],
    ["1e-18", "0", "0"],
    ["-1e-30", "0", "0"],
    ["0.000000000000000015", "0", "0.00000000000000002"],
    ["0.000000000000000025", "0", "0.00000000000000002"],
    // 2^-18 is exactly halfway at the 17th decimal: printf rounds the tie to even.
    ["0.000003814697265625", "0", "0.00000381469726562"],
    ["0.333333333333333333333333", "0.333333333333333333333", "0.66666666666666667"],
    ["3.14159265358979323846264338327950288", "0", "3.14159265358979324"],
    ["123456789012345678901234567890", "0.1", "123456789012345678899921813504"],
    ["1e30", "-1e30", "0"],
    ["0x10", "1", "17"],
    ["0x1.8p1", "0.5", "3.5"],
    ["0X.8P0", "0", "0.5"],
    [".5", "1.", "1.5"],
    ["+7", "-2", "5"],
    ["00012", "0.50", "12.5"],
  ])("%p + %p prints %p", (current, increment, expected) => {
    expect(longDoubleAdd(current, increment)).toBe(expected);
  });

  test("accumulating 0.1 and -0.7 drifts exactly as Redis's does", () => {
    let tenths = "0";
    let sevenths = "0";
    for (let i = 0; i < 500; i++) {
      tenths = longDoubleAdd(tenths, "0.1");
      sevenths = longDoubleAdd(sevenths, "-0.7");
    }
    expect(tenths).toBe("50");
    expect(sevenths).toBe("-350.00000000000000097");
  });

  test("values beyond double range print in full", () => {
    const sum = longDoubleAdd("1.7976931348623157e308", "1.7976931348623157e308");
    expect(sum.length).toBe(309);
    expect(sum.startsWith("359538626972463139991842093548")).toBe(true);
    const big = longDoubleAdd("1e400", "0");
    expect(big.length).toBe(401);
    expect(big.startsWith("100000000000000000002818806839")).toBe(true);
  });

  test.each([
    ["infinity", "1"],
    ["-inf", "1"],
    ["inf", "-inf"],
    ["1.18973149535723176502e+4932", "1e4932"],
  ])("%p + %p is refused as NaN or Infinity", (current, increment) => {
    expect(() => longDoubleAdd(current, increment)).toThrow("ERR increment would produce NaN or Infinity");
  });

  test("a text the caller should have refused is not a valid float", () => {
    expect(() => longDoubleAdd("abc", "1")).toThrow("ERR value is not a valid float");
  });
});

describe("isLongDoubleText", () => {
  test.each([
    "1",
    "-2.5",
    "0x10",
    "inf",
    "-Infinity",
    "INF",
    "1e-4940", // subnormal
    "2e-4951", // rounds up to the smallest subnormal
    "0e-99999", // an exact zero is no underflow
    "0x1p-16445",
    "0x1.8p-16446",
    "1.18973149535723176502e+4932", // the largest finite value
  ])("accepts %p", (text) => {
    expect(isLongDoubleText(text)).toBe(true);
  });

  test.each([
    "",
    " 1",
    "1 ",
    "\t1",
    "nan",
    "-nan",
    "NaN",
    "1e5000", // overflow
    "1e-5000", // underflow to zero
    "1e-4951", // rounds down to zero
    "0x1p-16446", // halfway to the smallest subnormal: ties to even, zero
    "1.18973149535723176509e+4932", // rounds up to infinity
    "1\x00",
    "abc",
    ".",
    "1e",
    "1e+",
    "0x",
    "0x1p",
    "infin",
    "+-1",
    "1.2.3",
    "1_000",
    "1,5",
  ])("refuses %p", (text) => {
    expect(isLongDoubleText(text)).toBe(false);
  });

  test("refuses texts of 5 KiB or more, Redis's buffer size", () => {
    expect(isLongDoubleText("0".repeat(5119))).toBe(true);
    expect(isLongDoubleText("0".repeat(5120))).toBe(false);
  });
});

describe("parseLongDouble and formatLongDouble", () => {
  test("parse keeps the full 64-bit significand", () => {
    expect(parseLongDouble("18446744073709551615")).toEqual({ negative: false, significand: 2n ** 64n - 1n, exponent: 0 });
    expect(parseLongDouble("0.5")).toEqual({ negative: false, significand: 2n ** 63n, exponent: -64 });
  });

  test("infinity is not a finite long double", () => {
    expect(parseLongDouble("inf")).toBeNull();
  });

  test("negative zero and tiny negatives print as 0", () => {
    expect(formatLongDouble({ negative: true, significand: 0n, exponent: 0 })).toBe("0");
    expect(formatLongDouble(parseLongDouble("-1e-30")!)).toBe("0");
    expect(formatLongDouble(parseLongDouble("-0.5")!)).toBe("-0.5");
  });
});
