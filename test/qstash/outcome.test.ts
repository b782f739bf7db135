// Proves the classification of one attempt for every status class: 2xx delivers, other
// statuses and errors retry until the retries run out, 489 + Upstash-NonRetryable-Error fails.

import { describe, expect, test } from "bun:test";
import { classify, type AttemptResult } from "../../src/qstash/outcome.ts";
import { parseRetryDelay } from "../../src/qstash/retry.ts";

const nowMs = 1_700_000_000_000;
const policy = { maxRetries: 2, retryDelay: parseRetryDelay("1000") };
const result = (status: number, extra: Partial<AttemptResult> = {}): AttemptResult => ({ status, headers: [], body: new Uint8Array(), durationMs: 3, ...extra });

describe("classify", () => {
  test.each([200, 201, 204, 299])("%i delivers", (status) => {
    expect(classify(result(status), policy, 0, nowMs)).toEqual({ kind: "delivered" });
  });

  test.each([[100], [301], [304], [400], [404], [429], [489], [500], [503]])("%i retries while retries remain", (status) => {
    expect(classify(result(status), policy, 1, nowMs)).toMatchObject({ kind: "retry", atMs: nowMs + 1000 });
  });

  test("the last attempt fails", () => {
    expect(classify(result(500), policy, 2, nowMs)).toEqual({ kind: "failed", error: "500 Internal Server Error", nonRetryable: false });
  });

  test("489 with Upstash-NonRetryable-Error: true fails at once", () => {
    const nonRetryable = result(489, { headers: [["Upstash-NonRetryable-Error", "true"]] });
    expect(classify(nonRetryable, policy, 0, nowMs)).toEqual({ kind: "failed", error: "489", nonRetryable: true });
  });

  test("an error without a response retries, with its text", () => {
    expect(classify(result(0, { error: "connect: connection refused" }), policy, 0, nowMs)).toEqual({
      kind: "retry",
      atMs: nowMs + 1000,
      error: "connect: connection refused",
    });
  });

  test("Retry-After on a failed response wins over the expression", () => {
    expect(classify(result(429, { headers: [["Retry-After", "5"]] }), policy, 0, nowMs)).toMatchObject({ kind: "retry", atMs: nowMs + 5000 });
  });
});
