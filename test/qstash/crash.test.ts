// Proves durability across a crash: many immediate and delayed messages are published, the
// server is killed with SIGKILL while deliveries are under way, and after a restart on the same
// data dir every published message reaches its receiver at least once, signed.

import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@upstash/qstash";
import { startServer } from "../harness/server.ts";
import { waitFor } from "../harness/wait.ts";
import { startReceiver } from "./receiver.ts";

const IMMEDIATE = 240;
const DELAYED = 60;

test("kill -9 mid-delivery: after a restart every message is delivered at least once", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "qstash-crash-"));
  const qstashEnv = { QSTASH_TOKEN: "crash-test-qstash-token-0001", QSTASH_CURRENT_SIGNING_KEY: "sig_crashtestcurrent0001", QSTASH_NEXT_SIGNING_KEY: "sig_crashtestnext00000001" };
  // Few attempts in flight and a slow receiver, so the kill lands while most are still pending.
  const options = { dataDir, env: qstashEnv, args: ["--qstash-delivery-concurrency", "8"] };
  using receiver = startReceiver({ currentSigningKey: qstashEnv.QSTASH_CURRENT_SIGNING_KEY, nextSigningKey: qstashEnv.QSTASH_NEXT_SIGNING_KEY });
  receiver.on("/job", () => new Promise((resolve) => setTimeout(() => resolve(new Response("ok")), 40)));
  try {
    const first = await startServer(options);
    const client = new Client({ baseUrl: first.url, token: qstashEnv.QSTASH_TOKEN, enableTelemetry: false });
    const published: string[] = [];
    for (let offset = 0; offset < IMMEDIATE + DELAYED; offset += 50) {
      const batch = Array.from({ length: 50 }, (_, i) => offset + i).map((n) => ({
        url: `${receiver.url}/job?n=${n}`,
        body: String(n),
        ...(n >= IMMEDIATE ? { delay: 1 + (n % 2) } : {}),
      }));
      for (const result of await client.batch(batch)) published.push((result as { messageId: string }).messageId);
    }
    await waitFor(() => receiver.to("/job").length >= 30, "deliveries to start");
    first.process.kill("SIGKILL");
    await first.process.exited;
    const deliveredBeforeKill = new Set(receiver.to("/job").map((d) => d.headers["upstash-message-id"]));
    expect(deliveredBeforeKill.size).toBeLessThan(published.length);

    await using second = await startServer(options);
    const delivered = () => new Set(receiver.to("/job").map((d) => d.headers["upstash-message-id"]));
    await waitFor(() => published.every((id) => delivered().has(id)), "every published message to arrive", 60_000);
    expect(receiver.to("/job").every((d) => d.verified === true)).toBe(true);
    expect(new Set(receiver.to("/job").map((d) => d.body)).size).toBe(IMMEDIATE + DELAYED);
    expect(second.output.some((line) => line.includes("qstash_resumed"))).toBe(true);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 90_000);
