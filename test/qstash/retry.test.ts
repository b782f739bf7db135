// Proves retry timing as pure functions: the default backoff table, the safe retry-delay
// expression language (no eval), durations, and Retry-After / rate-limit header forms.

import { describe, expect, test } from "bun:test";
import { defaultBackoffMs, nextAttemptAtMs, parseDurationMs, parseGoDurationMs, parseRetryDelay, responseRetryAfterMs } from "../../src/qstash/retry.ts";

const nowMs = 1_700_000_000_000;

describe("default backoff", () => {
  test("is min(86400, e^(2.5n)) seconds: 12s, 2m28s, 30m8s, 6h7m6s, then a day", () => {
    expect([1, 2, 3, 4, 5, 6].map(defaultBackoffMs)).toEqual([12_182, 148_413, 1_808_042, 22_026_466, 86_400_000, 86_400_000]);
  });
});

describe("retry-delay expressions", () => {
  test.each([
    ["1000", [1000, 1000, 1000]],
    ["1000 * (1 + retried)", [1000, 2000, 3000]],
    ["pow(2, retried) * 1000", [1000, 2000, 4000]],
    ["max(1000, pow(2, retried) * 100)", [1000, 1000, 1000]],
    ["min(500, 100 * retried) + sqrt(16) - abs(-4)", [0, 100, 200]],
    ["floor(1.7) + ceil(0.2) + round(2.5) + exp(0) - 1", [5, 5, 5]],
    ["-(-250) / 2", [125, 125, 125]],
  ])("%s", (source, expected) => {
    const expression = parseRetryDelay(source);
    expect([0, 1, 2].map((retried) => expression.delayMs(retried))).toEqual(expected);
    expect(expression.source).toBe(source);
  });

  test("results are clamped to [0, one day]", () => {
    expect(parseRetryDelay("0 - 5").delayMs(0)).toBe(0);
    expect(parseRetryDelay("sqrt(0 - 1)").delayMs(0)).toBe(0);
    expect(parseRetryDelay("1 / 0").delayMs(0)).toBe(86_400_000);
    expect(parseRetryDelay("pow(10, 12)").delayMs(0)).toBe(86_400_000);
  });

  test.each(["", "retried +", "foo(1)", "pow(1)", "1 2", "process.exit(1)", "(1", "1)", "1; 2", "retried ** 2"])("refuses %p", (source) => {
    expect(() => parseRetryDelay(source)).toThrow();
  });

  test.each(["constructor(1)", "toString()", "hasOwnProperty(1)"])("refuses %p as an unknown name, not a function", (source) => {
    expect(() => parseRetryDelay(source)).toThrow(`unexpected ${JSON.stringify(source.slice(0, source.indexOf("(")))}`);
  });
});

describe("durations", () => {
  test("Upstash-Delay forms: combinable units, bare seconds", () => {
    expect(parseDurationMs("10s")).toBe(10_000);
    expect(parseDurationMs("1d10h30m")).toBe(86_400_000 + 36_000_000 + 1_800_000);
    expect(parseDurationMs("90")).toBe(90_000);
    expect(parseDurationMs("1.5h")).toBeUndefined();
    expect(parseDurationMs("soon")).toBeUndefined();
  });

  test("Go durations", () => {
    expect(parseGoDurationMs("6m5s")).toBe(365_000);
    expect(parseGoDurationMs("1.5h")).toBe(5_400_000);
    expect(parseGoDurationMs("300ms")).toBe(300);
    expect(parseGoDurationMs("10")).toBeUndefined();
  });
});

describe("response-directed retry time", () => {
  const from = (headers: Record<string, string>) => responseRetryAfterMs((name) => headers[name], nowMs);

  test("Retry-After in seconds, as an HTTP date, or as a Go duration; 0 means now", () => {
    expect(from({ "retry-after": "30" })).toBe(30_000);
    expect(from({ "retry-after": "0" })).toBe(0);
    expect(from({ "retry-after": new Date(nowMs + 90_000).toUTCString() })).toBe(90_000);
    expect(from({ "retry-after": "6m5s" })).toBe(365_000);
  });

  test("then the rate-limit reset headers, in order", () => {
    expect(from({ "x-ratelimit-reset": "7" })).toBe(7000);
    expect(from({ "x-ratelimit-reset-requests": "1m" })).toBe(60_000);
    expect(from({ "x-ratelimit-reset-tokens": "250ms", "x-ratelimit-reset-requests": "2s" })).toBe(2000);
    expect(from({ "x-ratelimit-reset": String(Math.floor(nowMs / 1000) + 20) })).toBe(20_000);
  });

  test("more than a day, or nothing usable, falls back to the backoff", () => {
    expect(from({ "retry-after": "86401" })).toBeUndefined();
    expect(from({ "retry-after": "later" })).toBeUndefined();
    expect(from({})).toBeUndefined();
  });

  test("nextAttemptAtMs prefers Retry-After, then the expression, then the default", () => {
    const retryDelay = parseRetryDelay("500");
    expect(nextAttemptAtMs({ maxRetries: 3, retryDelay }, 0, nowMs, 2000)).toBe(nowMs + 2000);
    expect(nextAttemptAtMs({ maxRetries: 3, retryDelay }, 0, nowMs, undefined)).toBe(nowMs + 500);
    expect(nextAttemptAtMs({ maxRetries: 3 }, 1, nowMs, undefined)).toBe(nowMs + defaultBackoffMs(2));
  });
});
