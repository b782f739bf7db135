// The default database's tokens and the admin token. Values given in the configuration win;
// missing ones are generated once (32 random bytes each) and kept in <data-dir>/credentials.json
// (mode 0600), so later starts reuse them and apps keep working across restarts.

import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";

export interface Credentials {
  token: string;
  readonlyToken: string;
  adminToken: string;
}

const storedSchema = v.object({ token: v.string(), readonlyToken: v.string(), adminToken: v.string() });

export function credentialsPath(dataDir: string): string {
  return join(dataDir, "credentials.json");
}

export function generateToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** Stored credentials, or undefined when this data dir has none yet. */
export async function readStoredCredentials(dataDir: string): Promise<Credentials | undefined> {
  const file = Bun.file(credentialsPath(dataDir));
  if (!(await file.exists())) return undefined;
  const result = v.safeParse(storedSchema, JSON.parse(await file.text()));
  if (!result.success) throw new Error(`${credentialsPath(dataDir)} is not a valid credentials file`);
  return result.output;
}

/**
 * The credentials to serve with. `generated` is true when this call created the stored file,
 * which is when the server prints the .env block.
 */
export async function resolveCredentials(
  dataDir: string,
  given: Partial<Credentials>,
): Promise<{ credentials: Credentials; generated: boolean }> {
  let stored = await readStoredCredentials(dataDir);
  let generated = false;
  if (stored === undefined) {
    stored = { token: generateToken(), readonlyToken: generateToken(), adminToken: generateToken() };
    await mkdir(dataDir, { recursive: true });
    const path = credentialsPath(dataDir);
    await Bun.write(path, JSON.stringify(stored, null, 2) + "\n");
    await chmod(path, 0o600);
    generated = true;
  }
  return {
    credentials: {
      token: given.token ?? stored.token,
      readonlyToken: given.readonlyToken ?? stored.readonlyToken,
      adminToken: given.adminToken ?? stored.adminToken,
    },
    generated,
  };
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
