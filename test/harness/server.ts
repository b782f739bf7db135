// Spawns the real downstash server for end-to-end tests: port 0, a fresh data dir, known tokens.
// `await using server = await startServer()` kills it and removes the data dir on dispose;
// `startServerForFile()` shares one server among a file's tests.

import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { readStoredCredentials } from "../../src/platform/credentials.ts";
import { spawnListening } from "./spawn-listening.ts";

const repoRoot = join(import.meta.dir, "..", "..");

export interface TestServer extends AsyncDisposable {
  url: string;
  /** The RESP listener's port, when started with `--resp-port`. */
  respPort: number | undefined;
  token: string;
  readonlyToken: string;
  adminToken: string;
  /** QStash's token and signing keys (QSTASH_TOKEN, QSTASH_CURRENT/NEXT_SIGNING_KEY). */
  qstash: { token: string; currentSigningKey: string; nextSigningKey: string };
  /** The default Kafka REST user (UPSTASH_KAFKA_REST_USERNAME / PASSWORD). */
  kafka: { username: string; password: string };
  dataDir: string;
  process: Subprocess;
  /** Every stdout line so far. */
  output: string[];
  /** Sends a signal and waits for the process to exit; returns its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  /** Command to run instead of the source entry point (e.g. the compiled binary). */
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  dataDir?: string;
  /** Keep the data dir on dispose (restart tests reuse it). */
  keepDataDir?: boolean;
  /** Working directory of the server (default: the repository root). */
  cwd?: string;
  /**
   * Pass no tokens, so the server uses the ones stored in the data dir or generates them on a
   * first start; the returned tokens are then read from the data dir.
   */
  storedCredentials?: boolean;
}

let serial = 0;

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "downstash-test-"));
  const id = `${process.pid}x${serial++}`;
  const token = `test-token-${id}-read-write`;
  const readonlyToken = `test-token-${id}-read-only`;
  const adminToken = `test-token-${id}-admin`;
  const qstash = { token: `test-token-${id}-qstash`, currentSigningKey: `sig_test${id}current`, nextSigningKey: `sig_test${id}next0000` };
  const kafka = { username: `test-kafka-${id}`, password: `test-token-${id}-kafka` };
  const command = options.command ?? [process.execPath, join(repoRoot, "src/cli/main.ts")];
  const givenTokens: Record<string, string> = options.storedCredentials
    ? {}
    : {
        UPSTASH_REDIS_REST_TOKEN: token,
        UPSTASH_REDIS_REST_READONLY_TOKEN: readonlyToken,
        DOWNSTASH_ADMIN_TOKEN: adminToken,
        QSTASH_TOKEN: qstash.token,
        QSTASH_CURRENT_SIGNING_KEY: qstash.currentSigningKey,
        QSTASH_NEXT_SIGNING_KEY: qstash.nextSigningKey,
        UPSTASH_KAFKA_REST_USERNAME: kafka.username,
        UPSTASH_KAFKA_REST_PASSWORD: kafka.password,
      };
  const { child, url, respPort, lines: output } = await spawnListening({
    command: [...command, "serve", "--port", "0", "--data-dir", dataDir, ...(options.args ?? [])],
    cwd: options.cwd ?? repoRoot,
    env: { ...givenTokens, ...options.env },
    timeoutMs: 20_000,
    stderr: "pipe",
    keepLines: true,
  });
  const stored = options.storedCredentials ? await readStoredCredentials(dataDir) : undefined;
  if (options.storedCredentials && stored === undefined) {
    child.kill("SIGKILL");
    throw new Error(`no credentials were stored in ${dataDir}`);
  }
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return child.exited;
  };
  return {
    url,
    respPort,
    token: stored?.token ?? token,
    readonlyToken: stored?.readonlyToken ?? readonlyToken,
    adminToken: stored?.adminToken ?? adminToken,
    qstash: stored?.qstashToken
      ? { token: stored.qstashToken, currentSigningKey: stored.qstashCurrentSigningKey!, nextSigningKey: stored.qstashNextSigningKey! }
      : qstash,
    kafka: stored?.kafkaUsername ? { username: stored.kafkaUsername, password: stored.kafkaPassword! } : kafka,
    dataDir,
    process: child,
    output,
    stop,
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL");
      if (!options.keepDataDir && options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts one server before the calling file's first test and disposes it after its last, for
 * files whose tests keep apart by unique keys. Returns a getter: the server exists only once
 * `beforeAll` has run, after the test bodies were collected.
 */
export function startServerForFile(options: StartOptions = {}): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer(options);
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
  });
  return () => {
    if (server === undefined) throw new Error("the file's server is not running (used outside a test?)");
    return server;
  };
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a one-shot CLI command (`version`, `env`, `healthcheck`, a bad flag...) to completion. */
export async function runCli(
  args: string[],
  options: { command?: string[]; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const command = options.command ?? [process.execPath, join(repoRoot, "src/cli/main.ts")];
  const child = Bun.spawn([...command, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}
