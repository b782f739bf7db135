// Proves two operator-facing behaviours against the real server: destination deny lists (a
// literal address refused at publish, a host name refused after DNS resolution at delivery),
// and a graceful stop (SIGTERM) that lets an attempt in flight finish and records it, so a
// restart does not deliver it again.

import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@upstash/qstash";
import { startServer } from "../harness/server.ts";
import { waitFor } from "../harness/wait.ts";
import { startReceiver } from "./receiver.ts";

test("deny lists refuse a literal address at publish and a resolved host name at delivery", async () => {
  await using server = await startServer({ args: ["--qstash-deny-destinations", "127.0.0.0/8"] });
  using receiver = startReceiver({ currentSigningKey: server.qstash.currentSigningKey, nextSigningKey: server.qstash.nextSigningKey });
  const client = new Client({ baseUrl: server.url, token: server.qstash.token, enableTelemetry: false });
  await expect(client.publish({ url: `${receiver.url}/denied`, body: "x" })).rejects.toMatchObject({ status: 400 });
  const port = new URL(receiver.url).port;
  const { messageId } = await client.publish({ url: `http://localhost:${port}/denied`, body: "x", retries: 0 });
  await waitFor(async () => (await client.logs({ filter: { messageId, state: "FAILED" } } as never)).logs.length === 1, "the refused attempt to fail");
  const failed = (await client.logs({ filter: { messageId, state: "FAILED" } } as never)).logs[0]!;
  expect(failed.error).toContain("not allowed on this server");
  expect(receiver.deliveries).toEqual([]);
});

test("SIGTERM lets the attempt in flight finish and records it: no redelivery after restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "qstash-stop-"));
  const env = { QSTASH_TOKEN: "stop-test-qstash-token-0001", QSTASH_CURRENT_SIGNING_KEY: "sig_stoptestcurrent00001", QSTASH_NEXT_SIGNING_KEY: "sig_stoptestnext00000001" };
  using receiver = startReceiver({ currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY });
  let release: () => void = () => {};
  receiver.on("/slow", () => new Promise((resolve) => (release = () => resolve(new Response("done")))));
  try {
    const first = await startServer({ dataDir, env });
    const client = new Client({ baseUrl: first.url, token: env.QSTASH_TOKEN, enableTelemetry: false });
    const { messageId } = await client.publish({ url: `${receiver.url}/slow`, body: "s" });
    await waitFor(() => receiver.to("/slow").length === 1, "the attempt to start");
    first.process.kill("SIGTERM");
    setTimeout(() => release(), 300);
    expect(await first.process.exited).toBe(0);

    await using second = await startServer({ dataDir, env });
    const again = new Client({ baseUrl: second.url, token: env.QSTASH_TOKEN, enableTelemetry: false });
    const states = (await again.logs({ filter: { messageId } } as never)).logs.map((log) => log.state);
    expect(states).toEqual(["DELIVERED", "ACTIVE", "CREATED"] as never);
    expect(second.output.some((line) => line.includes("qstash_resumed"))).toBe(false);
    expect(receiver.to("/slow")).toHaveLength(1);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
