// Proves the access log writes a request's duration exactly as JSON writes the milliseconds
// rounded to thousandths, for the values a duration takes and at the tables' edges.

import { describe, expect, test } from "bun:test";
import { SeededRandom } from "../util/random.ts";
import { millisecondsText } from "./access-log.ts";

const expected = (ms: number) => JSON.stringify(Math.round(ms * 1000) / 1000);

describe("millisecondsText", () => {
  test("equals JSON's text of the duration rounded to thousandths", () => {
    const random = new SeededRandom(7);
    const values = [0, 0.0004, 0.0005, 0.001, 0.01, 0.1, 0.5, 1, 1.0005, 9.999, 9.9995, 10, 999.999, 1000, 12.034, 3, 99_999.9999, 100_000.0004, 2 ** 40];
    for (let i = 0; i < 5000; i++) values.push(random.next() * 10 ** Math.floor(random.next() * 9));
    for (const ms of values) expect(millisecondsText(ms), String(ms)).toBe(expected(ms));
  });
});
