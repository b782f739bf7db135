// The default database's tokens, the admin token, and QStash's token and signing keys. Values given in the configuration win;
// when any is missing, a full set is generated once (32 random bytes each, from the system's
// CSPRNG) and kept in <data-dir>/credentials.json, created with mode 0600 and written atomically,
// so later starts reuse it and apps keep working across restarts.

import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";

export interface Credentials extends Partial<QStashCredentials>, Partial<KafkaCredentials> {
  token: string;
  readonlyToken: string;
  adminToken: string;
}

/** The node's QStash token (base64 of {"UserID","Password"}, as official tokens are) and signing keys. */
export interface QStashCredentials {
  qstashToken: string;
  qstashCurrentSigningKey: string;
  qstashNextSigningKey: string;
}

/** The default Kafka REST user (UPSTASH_KAFKA_REST_USERNAME / UPSTASH_KAFKA_REST_PASSWORD). */
export interface KafkaCredentials {
  kafkaUsername: string;
  kafkaPassword: string;
}

/** The stored file is unusable: the server refuses to start rather than silently replace tokens apps rely on. */
export class CredentialsError extends Error {}

const TOKEN_BYTES = 32;

const storedSchema = v.object({
  token: v.string(),
  readonlyToken: v.string(),
  adminToken: v.string(),
  qstashToken: v.optional(v.string()),
  qstashCurrentSigningKey: v.optional(v.string()),
  qstashNextSigningKey: v.optional(v.string()),
  kafkaUsername: v.optional(v.string()),
  kafkaPassword: v.optional(v.string()),
});

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
 * The QStash credentials to serve with, resolved like the Redis tokens: given values win; missing
 * ones come from the stored file, or are generated and added to it (a data dir from before QStash
 * gains them on its next start). Call after resolveCredentials, which creates the file when needed.
 */
export async function resolveQStashCredentials(
  dataDir: string,
  given: Partial<QStashCredentials>,
): Promise<{ credentials: QStashCredentials; generated: boolean }> {
  const complete = given.qstashToken !== undefined && given.qstashCurrentSigningKey !== undefined && given.qstashNextSigningKey !== undefined;
  const stored = complete ? undefined : await readStoredCredentials(dataDir);
  let generated = false;
  let qstash: QStashCredentials | undefined;
  if (stored?.qstashToken !== undefined && stored.qstashCurrentSigningKey !== undefined && stored.qstashNextSigningKey !== undefined) {
    qstash = { qstashToken: stored.qstashToken, qstashCurrentSigningKey: stored.qstashCurrentSigningKey, qstashNextSigningKey: stored.qstashNextSigningKey };
  } else if (!complete) {
    const userId = Buffer.from(crypto.getRandomValues(new Uint8Array(9))).toString("hex");
    qstash = {
      qstashToken: Buffer.from(JSON.stringify({ UserID: `downstash-${userId}`, Password: generateToken() })).toString("base64"),
      qstashCurrentSigningKey: `sig_${generateToken()}`,
      qstashNextSigningKey: `sig_${generateToken()}`,
    };
    // With no file yet (every Redis token was given), a full set keeps the file valid on its own.
    const base = stored ?? { token: generateToken(), readonlyToken: generateToken(), adminToken: generateToken() };
    await writeCredentials(dataDir, { ...base, ...qstash });
    generated = true;
  }
  return {
    credentials: {
      qstashToken: given.qstashToken ?? qstash!.qstashToken,
      qstashCurrentSigningKey: given.qstashCurrentSigningKey ?? qstash!.qstashCurrentSigningKey,
      qstashNextSigningKey: given.qstashNextSigningKey ?? qstash!.qstashNextSigningKey,
    },
    generated,
  };
}

/**
 * The Kafka REST user to serve with, resolved like QStash's: given values win; missing ones come
 * from the stored file, or are generated and added to it. Call after resolveCredentials.
 */
export async function resolveKafkaCredentials(
  dataDir: string,
  given: Partial<KafkaCredentials>,
): Promise<{ credentials: KafkaCredentials; generated: boolean }> {
  const complete = given.kafkaUsername !== undefined && given.kafkaPassword !== undefined;
  const stored = complete ? undefined : await readStoredCredentials(dataDir);
  let generated = false;
  let kafka: KafkaCredentials | undefined;
  if (stored?.kafkaUsername !== undefined && stored.kafkaPassword !== undefined) {
    kafka = { kafkaUsername: stored.kafkaUsername, kafkaPassword: stored.kafkaPassword };
  } else if (!complete) {
    kafka = { kafkaUsername: `downstash-${Buffer.from(crypto.getRandomValues(new Uint8Array(9))).toString("hex")}`, kafkaPassword: generateToken() };
    const base = stored ?? { token: generateToken(), readonlyToken: generateToken(), adminToken: generateToken() };
    await writeCredentials(dataDir, { ...base, ...kafka });
    generated = true;
  }
  return {
    credentials: { kafkaUsername: given.kafkaUsername ?? kafka!.kafkaUsername, kafkaPassword: given.kafkaPassword ?? kafka!.kafkaPassword },
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

/** The .env block the official clients read (spec/redis-rest.md §13; QStash's names when present). */
export function envBlock(url: string, credentials: Credentials): string {
  return [
    `UPSTASH_REDIS_REST_URL=${url}`,
    `UPSTASH_REDIS_REST_TOKEN=${credentials.token}`,
    `UPSTASH_REDIS_REST_READONLY_TOKEN=${credentials.readonlyToken}`,
    `KV_REST_API_URL=${url}`,
    `KV_REST_API_TOKEN=${credentials.token}`,
    `KV_REST_API_READ_ONLY_TOKEN=${credentials.readonlyToken}`,
    `DOWNSTASH_ADMIN_TOKEN=${credentials.adminToken}`,
    ...(credentials.qstashToken === undefined
      ? []
      : [
          `QSTASH_URL=${url}`,
          `QSTASH_TOKEN=${credentials.qstashToken}`,
          `QSTASH_CURRENT_SIGNING_KEY=${credentials.qstashCurrentSigningKey}`,
          `QSTASH_NEXT_SIGNING_KEY=${credentials.qstashNextSigningKey}`,
        ]),
    ...(credentials.kafkaUsername === undefined
      ? []
      : [`UPSTASH_KAFKA_REST_URL=${url}`, `UPSTASH_KAFKA_REST_USERNAME=${credentials.kafkaUsername}`, `UPSTASH_KAFKA_REST_PASSWORD=${credentials.kafkaPassword}`]),
  ].join("\n");
}
