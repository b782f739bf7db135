import { describe, expect, test } from "bun:test";
import { integerText } from "./integer-text.ts";
import { SeededRandom } from "./random.ts";

describe("integerText", () => {
  test("matches String(n) across the table's boundaries and beyond", () => {
    const samples = [0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 10_001, 10_010, 10_100, 99_999_999, 100_000_000, 100_000_001, 100_010_000, 999_999_999_999, 1e12, 1e12 + 1, 1_795_830_171_269, 9_999_999_999_999, 1e13, 1e15, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER];
    for (let n = 0; n < 30_000; n += 7) samples.push(n);
    const random = new SeededRandom(7);
    for (let i = 0; i < 10_000; i++) samples.push(Math.floor(random.next() * 2 ** 40), Math.floor(random.next() * Number.MAX_SAFE_INTEGER));
    for (const n of samples) expect(integerText(n)).toBe(String(n));
  });

  test("falls back to String(n) for negatives, fractions and non-finite numbers", () => {
    for (const n of [-1, -0, -10_000, 0.5, 12_345.678, 2 ** 53, 1e21, Infinity, -Infinity, NaN]) {
      expect(integerText(n)).toBe(String(n));
    }
  });
});
