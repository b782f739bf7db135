// Proves credential resolution on real temp dirs: a first start generates strong tokens stored with
// mode 0600, later starts reuse them, given tokens win, and a damaged file stops the start.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialsError, credentialsPath, envBlock, generateToken, readStoredCredentials, resolveCredentials } from "./credentials.ts";

const scratch = mkdtempSync(join(tmpdir(), "downstash-credentials-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let dirSerial = 0;
const freshDataDir = () => join(scratch, `data-${dirSerial++}`, "nested");

const given = {
  token: "given-read-write-token-0123",
  readonlyToken: "given-read-only-token-0123",
  adminToken: "given-admin-token-0123456",
};

describe("generateToken", () => {
  test("is 32 random bytes in base64url, different every time", () => {
    const tokens = new Set(Array.from({ length: 100 }, generateToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("resolveCredentials", () => {
  test("a first start without tokens generates a full set and stores it with mode 0600", async () => {
    const dataDir = freshDataDir();
    const { credentials, generated } = await resolveCredentials(dataDir, {});
    expect(generated).toBe(true);
    expect(new Set([credentials.token, credentials.readonlyToken, credentials.adminToken]).size).toBe(3);
    expect(await readStoredCredentials(dataDir)).toEqual(credentials);
    expect(statSync(credentialsPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    // Nothing but the credentials file: the temporary file was renamed into place.
    expect(readdirSync(dataDir)).toEqual(["credentials.json"]);
  });

  test("a later start reuses the stored tokens and reports nothing generated", async () => {
    const dataDir = freshDataDir();
    const first = await resolveCredentials(dataDir, {});
    const second = await resolveCredentials(dataDir, {});
    expect(second).toEqual({ credentials: first.credentials, generated: false });
  });

  test("given tokens win over stored ones, one by one", async () => {
    const dataDir = freshDataDir();
    const first = await resolveCredentials(dataDir, {});
    const second = await resolveCredentials(dataDir, { readonlyToken: given.readonlyToken });
    expect(second).toEqual({
      credentials: { ...first.credentials, readonlyToken: given.readonlyToken },
      generated: false,
    });
  });

  test("with every token given, the data dir is left untouched", async () => {
    const dataDir = freshDataDir();
    expect(await resolveCredentials(dataDir, given)).toEqual({ credentials: given, generated: false });
    expect(await readStoredCredentials(dataDir)).toBeUndefined();
  });

  test("some tokens given on a first start: the missing ones are generated and stored", async () => {
    const dataDir = freshDataDir();
    const { credentials, generated } = await resolveCredentials(dataDir, { token: given.token });
    expect(generated).toBe(true);
    expect(credentials.token).toBe(given.token);
    const stored = await readStoredCredentials(dataDir);
    expect([stored?.readonlyToken, stored?.adminToken]).toEqual([credentials.readonlyToken, credentials.adminToken]);
  });

  test("a damaged credentials file stops the start instead of replacing the tokens", async () => {
    const dataDir = freshDataDir();
    await resolveCredentials(dataDir, {});
    writeFileSync(credentialsPath(dataDir), "{ not json");
    await expect(resolveCredentials(dataDir, {})).rejects.toThrow(CredentialsError);
    writeFileSync(credentialsPath(dataDir), JSON.stringify({ token: "only-one" }));
    await expect(resolveCredentials(dataDir, {})).rejects.toThrow(`${credentialsPath(dataDir)} is not a valid credentials file`);
  });
});

describe("envBlock", () => {
  test("carries the URL and tokens under the names @upstash/redis and @vercel/kv read", () => {
    expect(envBlock("http://127.0.0.1:8079", given).split("\n")).toEqual([
      "UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079",
      `UPSTASH_REDIS_REST_TOKEN=${given.token}`,
      `UPSTASH_REDIS_REST_READONLY_TOKEN=${given.readonlyToken}`,
      "KV_REST_API_URL=http://127.0.0.1:8079",
      `KV_REST_API_TOKEN=${given.token}`,
      `KV_REST_API_READ_ONLY_TOKEN=${given.readonlyToken}`,
      `DOWNSTASH_ADMIN_TOKEN=${given.adminToken}`,
    ]);
  });
});
