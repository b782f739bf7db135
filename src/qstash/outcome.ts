// What one delivery attempt means for its message (spec/qstash.md §4.2): delivered, retry at a
// time, or failed for good. A pure function of the attempt's result, the message's retry policy,
// the attempt number and now, so every status class is unit-tested without a socket.

import { nextAttemptAtMs, responseRetryAfterMs, type RetryPolicy } from "./retry.ts";

/** What a worker reports for one attempt; `status` is 0 when no HTTP response came back. */
export interface AttemptResult {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  /** Set when no response came back (connection refused, timeout, refused destination). */
  error?: string;
  durationMs: number;
}

export type Outcome =
  | { kind: "delivered" }
  | { kind: "retry"; atMs: number; error: string }
  | { kind: "failed"; error: string; nonRetryable: boolean };

/** Docs: a 489 carrying `Upstash-NonRetryable-Error: true` fails the message at once. */
export const NON_RETRYABLE_STATUS = 489;

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** The log's `error` text for a failed attempt, phrased as the Go service phrases it. */
export function attemptError(result: AttemptResult): string {
  if (result.error !== undefined) return result.error;
  return `${result.status} ${statusText(result.status)}`.trim();
}

export function classify(result: AttemptResult, policy: RetryPolicy, retried: number, nowMs: number): Outcome {
  if (result.error === undefined && isSuccess(result.status)) return { kind: "delivered" };
  const error = attemptError(result);
  const header = (name: string) => headerValue(result.headers, name);
  if (result.status === NON_RETRYABLE_STATUS && header("upstash-nonretryable-error")?.trim().toLowerCase() === "true") {
    return { kind: "failed", error, nonRetryable: true };
  }
  if (retried >= policy.maxRetries) return { kind: "failed", error, nonRetryable: false };
  const retryAfterMs = result.error === undefined ? responseRetryAfterMs(header, nowMs) : undefined;
  return { kind: "retry", atMs: nextAttemptAtMs(policy, retried, nowMs, retryAfterMs), error };
}

export function headerValue(headers: readonly [string, string][], name: string): string | undefined {
  for (const [key, value] of headers) if (key.toLowerCase() === name) return value;
  return undefined;
}

const statusTexts: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function statusText(status: number): string {
  return statusTexts[status] ?? "";
}
