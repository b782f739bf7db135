// One delivery attempt, as a worker thread (or, as a fallback, the main thread) makes it: sign
// the request with the key it is given, make the one fetch bounded by the attempt timeout, and
// return status, headers and a bounded body, or the error that stood in for a response. Host
// names are resolved and checked against the address rules of the destination policy when there
// are any, so a name pointing at a denied range is refused.

import { lookup } from "node:dns/promises";
import { concatBytes } from "../util/bytes.ts";
import type { DeliveryJob } from "./delivery.ts";
import type { DestinationPolicy } from "./destinations.ts";
import type { AttemptResult } from "./outcome.ts";
import { Signer } from "./signing.ts";

/** Signers by key: keys change only on rotation, so the current and the previous one are kept. */
export class Signers {
  private readonly signers = new Map<string, Signer>();
  get(key: string): Signer {
    let signer = this.signers.get(key);
    if (signer === undefined) {
      if (this.signers.size >= 2) this.signers.delete(this.signers.keys().next().value!);
      signer = new Signer(key);
      this.signers.set(key, signer);
    }
    return signer;
  }
}

export async function attempt(job: DeliveryJob, policy: DestinationPolicy, signers: Signers): Promise<AttemptResult> {
  const startedAtMs = performance.now();
  const failed = (error: string): AttemptResult => ({ status: 0, headers: [], body: new Uint8Array(), error, durationMs: Math.round(performance.now() - startedAtMs) });
  const url = new URL(job.url);
  if (policy.hasAddressRules) {
    let addresses: string[] = [];
    try {
      addresses = (await lookup(url.hostname.replace(/^\[|\]$/g, ""), { all: true })).map((entry) => entry.address);
    } catch (error) {
      return failed(`unable to send request: ${job.method} "${job.url}": dial tcp: lookup ${url.hostname}: ${(error as Error).message}`);
    }
    const refusal = policy.refusal(url.hostname, addresses);
    if (refusal !== undefined) return failed(`unable to send request: ${refusal}`);
  }
  const headers = new Headers(job.headers);
  const body = job.body ?? new Uint8Array();
  headers.set("Upstash-Signature", await signers.get(job.signingKey).sign(job.url, job.method === "GET" || job.method === "HEAD" ? new Uint8Array() : body, job.signedAtMs));
  try {
    const response = await fetch(job.url, {
      method: job.method,
      headers,
      body: job.body === null ? undefined : job.body,
      signal: AbortSignal.timeout(job.timeoutMs),
    });
    const responseBody = await readBounded(response, job.responseBytesMax);
    const responseHeaders: [string, string][] = [];
    response.headers.forEach((value, name) => responseHeaders.push([name, value]));
    return { status: response.status, headers: responseHeaders, body: responseBody, durationMs: Math.round(performance.now() - startedAtMs) };
  } catch (error) {
    return failed(describeFailure(job, error));
  }
}

/** Reads at most `limit` bytes of the body; the rest is discarded (docs: bodies may be cut). */
async function readBounded(response: Response, limit: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const room = limit - total;
    if (value.byteLength >= room) {
      chunks.push(value.subarray(0, room));
      total += room;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  // The body must own its whole buffer: the delivery worker transfers it to the main thread.
  return chunks.length === 1 ? chunks[0]!.slice() : concatBytes(chunks, total);
}

/** Go-like phrasing, as users of the official service and dev server see in their logs. */
function describeFailure(job: DeliveryJob, error: unknown): string {
  const method = job.method.charAt(0) + job.method.slice(1).toLowerCase();
  const name = (error as Error)?.name;
  const code = (error as { code?: string })?.code;
  if (name === "TimeoutError" || name === "AbortError") {
    return `unable to send request: ${method} "${job.url}": context deadline exceeded (Client.Timeout exceeded after ${job.timeoutMs}ms)`;
  }
  if (code === "ConnectionRefused" || code === "ECONNREFUSED") {
    const url = new URL(job.url);
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    return `unable to send request: ${method} "${job.url}": dial tcp ${url.hostname}:${port}: connect: connection refused`;
  }
  return `unable to send request: ${method} "${job.url}": ${(error as Error)?.message ?? String(error)}`;
}
