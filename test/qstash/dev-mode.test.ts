// Proves the dev-server stand-in (spec §7.3): with --qstash-dev the server answers the SDK's
// dev-mode probe with the official dev keys, so a Client built with QSTASH_DEV=true and no other
// configuration publishes to it, and deliveries verify with the dev keys.

import { afterEach, expect, test } from "bun:test";
import { Client, Receiver } from "@upstash/qstash";
import { startServer } from "../harness/server.ts";
import { waitFor } from "../harness/wait.ts";
import { startReceiver } from "./receiver.ts";

const devKeys = { currentSigningKey: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r", nextSigningKey: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs" };
const saved = { dev: process.env.QSTASH_DEV, port: process.env.QSTASH_DEV_PORT };

afterEach(() => {
  for (const [name, value] of [["QSTASH_DEV", saved.dev], ["QSTASH_DEV_PORT", saved.port]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

test("an app in QStash dev mode uses the server unchanged", async () => {
  const port = freePort();
  await using server = await startServer({ args: ["--qstash-dev", "--port", String(port)] });
  using receiver = startReceiver(devKeys);
  process.env.QSTASH_DEV = "true";
  process.env.QSTASH_DEV_PORT = String(port);

  const client = new Client({ enableTelemetry: false });
  const { messageId } = await client.publishJSON({ url: `${receiver.url}/dev`, body: { dev: true } });
  await waitFor(() => receiver.to("/dev").length === 1, "the delivery");
  const delivery = receiver.to("/dev")[0]!;
  expect(delivery).toMatchObject({ body: '{"dev":true}', verified: true });
  expect(delivery.headers["upstash-message-id"]).toBe(messageId);
  expect(await new Receiver({ devMode: true }).verify({ signature: delivery.headers["upstash-signature"]!, body: delivery.body })).toBe(true);

  const keys = await fetch(`${server.url}/v2/keys`, { headers: { authorization: "Bearer eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=" } });
  expect(await keys.json()).toEqual({ current: devKeys.currentSigningKey, next: devKeys.nextSigningKey });
});
