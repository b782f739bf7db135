// Proves the QStash options of the option table: the client env names, the --qstash-dev switch
// (a flag with no value), and the generated QStash credentials in the data dir and .env block.

import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, parseFlags } from "../../src/config.ts";
import { envBlock, readStoredCredentials, resolveCredentials, resolveQStashCredentials } from "../../src/platform/credentials.ts";

test("QStash credentials come from the client's env names; --qstash-dev needs no value", async () => {
  const config = await loadConfig(parseFlags(["--qstash-dev", "--qstash-max-message-bytes", "2048"]), {
    QSTASH_TOKEN: "token-from-env-0123456789",
    QSTASH_CURRENT_SIGNING_KEY: "sig_current_from_env_0001",
    QSTASH_NEXT_SIGNING_KEY: "sig_next_from_env_0000001",
  });
  expect(config).toMatchObject({
    qstashDev: true,
    qstashMaxMessageBytes: 2048,
    qstashToken: "token-from-env-0123456789",
    qstashCurrentSigningKey: "sig_current_from_env_0001",
    qstashNextSigningKey: "sig_next_from_env_0000001",
  });
  expect((await loadConfig(parseFlags(["--qstash-dev=false"]), {})).qstashDev).toBe(false);
  expect((await loadConfig(parseFlags(["--qstash-dev", "false", "serve"]), {})).qstashDev).toBe(false);
  expect(parseFlags(["--qstash-dev", "serve"]).positionals).toEqual(["serve"]);
  expect((await loadConfig(parseFlags([]), { DOWNSTASH_QSTASH_DEV: "1" })).qstashDev).toBe(true);
  await expect(loadConfig(parseFlags(["--qstash-dev=maybe"]), {})).rejects.toThrow("must be true or false");
});

test("missing QStash credentials are generated once, kept beside the Redis tokens and printed in the .env block", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "qstash-credentials-"));
  try {
    const redis = await resolveCredentials(dataDir, {});
    const first = await resolveQStashCredentials(dataDir, {});
    expect(first.generated).toBe(true);
    const decoded = JSON.parse(Buffer.from(first.credentials.qstashToken, "base64").toString());
    expect(Object.keys(decoded)).toEqual(["UserID", "Password"]);
    expect(first.credentials.qstashCurrentSigningKey).toStartWith("sig_");
    expect(await resolveQStashCredentials(dataDir, {})).toEqual({ credentials: first.credentials, generated: false });
    expect(await readStoredCredentials(dataDir)).toEqual({ ...redis.credentials, ...first.credentials });
    const block = envBlock("http://127.0.0.1:8079", { ...redis.credentials, ...first.credentials }).split("\n");
    expect(block.slice(-4)).toEqual([
      "QSTASH_URL=http://127.0.0.1:8079",
      `QSTASH_TOKEN=${first.credentials.qstashToken}`,
      `QSTASH_CURRENT_SIGNING_KEY=${first.credentials.qstashCurrentSigningKey}`,
      `QSTASH_NEXT_SIGNING_KEY=${first.credentials.qstashNextSigningKey}`,
    ]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
