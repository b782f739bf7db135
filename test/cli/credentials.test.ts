// Proves first-start credentials with the real process: started with no tokens on an empty data
// dir it generates them, stores them with mode 0600 and prints the .env block once; a restart
// reuses them silently, and `downstash env` prints the very same tokens.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "@upstash/redis";
import { credentialsPath } from "../../src/platform/credentials.ts";
import { runCli, startServer, type TestServer } from "../harness/server.ts";

const scratch = mkdtempSync(join(tmpdir(), "downstash-first-start-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function stderrOf(server: TestServer): Promise<string> {
  return new Response(server.process.stderr as ReadableStream<Uint8Array>).text();
}

test("generated credentials are stored 0600, printed once, reused on restart and by `env`", async () => {
  const dataDir = join(scratch, "data");
  const first = await startServer({ dataDir, storedCredentials: true });
  const redis = new Redis({ url: first.url, token: first.token, enableTelemetry: false });
  expect(await redis.set("greeting", "hello")).toBe("OK");
  expect(statSync(credentialsPath(dataDir)).mode & 0o777).toBe(0o600);
  expect(await first.stop("SIGTERM")).toBe(0);
  const firstStderr = await stderrOf(first);
  expect(firstStderr).toContain(`First start: credentials were generated in ${dataDir}.`);
  const block = [
    `UPSTASH_REDIS_REST_URL=${first.url}`,
    `UPSTASH_REDIS_REST_TOKEN=${first.token}`,
    `UPSTASH_REDIS_REST_READONLY_TOKEN=${first.readonlyToken}`,
    `KV_REST_API_URL=${first.url}`,
    `KV_REST_API_TOKEN=${first.token}`,
    `KV_REST_API_READ_ONLY_TOKEN=${first.readonlyToken}`,
    `DOWNSTASH_ADMIN_TOKEN=${first.adminToken}`,
  ].join("\n");
  expect(firstStderr).toContain(block);
  // Secrets stay out of the JSON log on stdout.
  expect(first.output.join("\n")).not.toContain(first.token);

  const second = await startServer({ dataDir, storedCredentials: true });
  expect([second.token, second.readonlyToken, second.adminToken]).toEqual([first.token, first.readonlyToken, first.adminToken]);
  const again = new Redis({ url: second.url, token: first.token, enableTelemetry: false });
  expect(await again.set("greeting", "hello again")).toBe("OK");
  const readOnly = new Redis({ url: second.url, token: first.readonlyToken, enableTelemetry: false });
  expect(await readOnly.get("greeting")).toBe("hello again");
  expect(await second.stop("SIGTERM")).toBe(0);
  expect(await stderrOf(second)).toBe("");

  // `env` prints the whole first-start block again: Redis lines, then QStash and Kafka.
  const printedAtFirstStart = firstStderr.slice(firstStderr.indexOf(block)).split("\n\n")[0]!;
  expect(printedAtFirstStart).toContain("\nQSTASH_TOKEN=");
  expect(printedAtFirstStart).toContain("\nUPSTASH_KAFKA_REST_PASSWORD=");
  const printed = await runCli(["env", "--data-dir", dataDir, "--port", new URL(second.url).port]);
  expect(printed).toEqual({ exitCode: 0, stdout: printedAtFirstStart.replaceAll(first.url, second.url) + "\n", stderr: "" });
});

test("`env` before any start says so and exits 2", async () => {
  const dataDir = join(scratch, "never-started");
  expect(await runCli(["env", "--data-dir", dataDir])).toEqual({
    exitCode: 2,
    stdout: "",
    stderr: `downstash: no credentials in ${dataDir} yet: start the server once, or pass the tokens\n`,
  });
});

test("with every token given, nothing is generated, stored or printed", async () => {
  await using server = await startServer();
  expect(await server.stop("SIGTERM")).toBe(0);
  expect(await stderrOf(server)).toBe("");
  expect(await Bun.file(credentialsPath(server.dataDir)).exists()).toBe(false);
});
