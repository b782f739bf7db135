// The default database's tokens and the admin token. Values given in the configuration win;
// when any is missing, a full set is generated once (32 random bytes each, from the system's
// CSPRNG) and kept in <data-dir>/credentials.json, created with mode 0600 and written atomically,
// so later starts reuse it and apps keep working across restarts.

import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";

export interface Credentials {
  token: string;
  readonlyToken: string;
  adminToken: string;
}

/** The stored file is unusable: the server refuses to start rather than silently replace tokens apps rely on. */
export class CredentialsError extends Error {}

const TOKEN_BYTES = 32;

const storedSchema = v.object({ token: v.string(), readonlyToken: v.string(), adminToken: v.string() });

export function credentialsPath(dataDir: string): string {
  return join(dataDir, "credentials.json");
}

export function generateToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES))).toString("base64url");
}

/** Stored credentials, or undefined when this data dir has none yet. */
export async function readStoredCredentials(dataDir: string): Promise<Credentials | undefined> {
  const path = credentialsPath(dataDir);
  const file = Bun.file(path);
  if (!(await file.exists())) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await file.text());
  } catch {
    throw new CredentialsError(`${path} is not valid JSON: fix or remove it (removing it generates new tokens)`);
  }
  const result = v.safeParse(storedSchema, parsed);
  if (!result.success) throw new CredentialsError(`${path} is not a valid credentials file: fix or remove it (removing it generates new tokens)`);
  return result.output;
}

/**
 * The credentials to serve with. When every token is given, the data dir is not touched. When
 * some are missing and none are stored, a full set is generated and stored; `generated` is then
 * true, which is when the server prints the .env block.
 */
export async function resolveCredentials(
  dataDir: string,
  given: Partial<Credentials>,
): Promise<{ credentials: Credentials; generated: boolean }> {
  const complete = given.token !== undefined && given.readonlyToken !== undefined && given.adminToken !== undefined;
  let stored = complete ? undefined : await readStoredCredentials(dataDir);
  let generated = false;
  if (!complete && stored === undefined) {
    stored = { token: generateToken(), readonlyToken: generateToken(), adminToken: generateToken() };
    await writeCredentials(dataDir, stored);
    generated = true;
  }
  return {
    credentials: {
      token: given.token ?? stored!.token,
      readonlyToken: given.readonlyToken ?? stored!.readonlyToken,
      adminToken: given.adminToken ?? stored!.adminToken,
    },
    generated,
  };
}

/**
 * Writes through a temporary file created with mode 0600 and renamed into place, so the
 * secrets are never readable by others (not even between a write and a chmod) and a crash
 * never leaves a half-written file that would fail the next start.
 */
async function writeCredentials(dataDir: string, credentials: Credentials): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = credentialsPath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600, flag: "wx" });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The .env block the official clients read (spec/redis-rest.md §13). */
export function envBlock(url: string, credentials: Credentials): string {
  return [
    `UPSTASH_REDIS_REST_URL=${url}`,
    `UPSTASH_REDIS_REST_TOKEN=${credentials.token}`,
    `UPSTASH_REDIS_REST_READONLY_TOKEN=${credentials.readonlyToken}`,
    `KV_REST_API_URL=${url}`,
    `KV_REST_API_TOKEN=${credentials.token}`,
    `KV_REST_API_READ_ONLY_TOKEN=${credentials.readonlyToken}`,
    `DOWNSTASH_ADMIN_TOKEN=${credentials.adminToken}`,
  ].join("\n");
}
