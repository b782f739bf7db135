// Proves one delivery attempt as a worker makes it, against real local sockets: the signed
// request, a response body cut at the limit, and Go-like error texts for a refused connection
// and a timeout.

import { expect, test } from "bun:test";
import { Receiver } from "@upstash/qstash";
import { attempt, Signers } from "../../src/qstash/attempt.ts";
import type { DeliveryJob } from "../../src/qstash/delivery.ts";
import { DestinationPolicy } from "../../src/qstash/destinations.ts";

const keys = { currentSigningKey: "sig_attempttestcurrent01", nextSigningKey: "sig_attempttestnext00001" };
const job = (url: string, extra: Partial<DeliveryJob> = {}): DeliveryJob => ({
  jobId: 1,
  url,
  method: "POST",
  headers: [["Content-Type", "text/plain"]],
  body: new TextEncoder().encode("hello"),
  timeoutMs: 2000,
  signingKey: keys.currentSigningKey,
  signedAtMs: Date.now(),
  responseBytesMax: 4,
  ...extra,
});

test("sends a signed request and keeps at most the limit of the response body", async () => {
  let verified: unknown;
  using server = Bun.serve({
    port: 0,
    async fetch(request) {
      const body = await request.text();
      verified = await new Receiver(keys).verify({ signature: request.headers.get("upstash-signature")!, body, url: request.url }).catch(String);
      return new Response("0123456789", { status: 201, headers: { "x-answer": "yes" } });
    },
  });
  const result = await attempt(job(`http://127.0.0.1:${server.port}/hook`), DestinationPolicy.allowAll(), new Signers());
  expect(verified).toBe(true);
  expect(result.status).toBe(201);
  expect(new TextDecoder().decode(result.body)).toBe("0123");
  expect(result.headers).toContainEqual(["x-answer", "yes"]);
});

test("a refused connection and a timeout become Go-like errors with status 0", async () => {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const closedPort = probe.port;
  probe.stop(true);
  const refused = await attempt(job(`http://127.0.0.1:${closedPort}/x`), DestinationPolicy.allowAll(), new Signers());
  expect(refused).toMatchObject({ status: 0, error: `unable to send request: Post "http://127.0.0.1:${closedPort}/x": dial tcp 127.0.0.1:${closedPort}: connect: connection refused` });

  using hanging = Bun.serve({
    port: 0,
    fetch: (request) => new Promise<Response>((resolve) => request.signal.addEventListener("abort", () => resolve(new Response()))),
  });
  const timedOut = await attempt(job(`http://127.0.0.1:${hanging.port}/x`, { timeoutMs: 200 }), DestinationPolicy.allowAll(), new Signers());
  expect(timedOut.status).toBe(0);
  expect(timedOut.error).toContain("context deadline exceeded");
});
