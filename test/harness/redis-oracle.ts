// Starts a real redis-server (Debian's 7.0 package) as the oracle for Redis semantics: a free
// loopback port, no persistence, a throwaway working dir. `await using oracle = await
// startRedisOracle()` kills it and removes the dir on dispose. A machine without redis-server
// fails the caller with a message saying how to install it: differential tests never skip.

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { StatusReply } from "../../src/redis/engine/reply.ts";
import { RespClient } from "./resp-client.ts";

export const REDIS_SERVER_PATH = "/usr/bin/redis-server";

const startupDeadlineMs = 10_000;
const startAttemptsMax = 3;

export interface RedisOracle extends AsyncDisposable {
  port: number;
  client: RespClient;
  /** "7.0.15", from INFO server. */
  version: string;
  process: Subprocess;
  /** Kills the server and removes its working dir; safe to call twice. */
  stop(): Promise<void>;
}

// A test run that dies without disposing its oracle must not leave redis-server running.
const liveServers = new Set<Subprocess>();
process.on("exit", () => {
  for (const child of liveServers) child.kill("SIGKILL");
});

export async function startRedisOracle(): Promise<RedisOracle> {
  if (!existsSync(REDIS_SERVER_PATH)) {
    throw new Error(
      `${REDIS_SERVER_PATH} is not installed: the differential tests need the real Redis 7.0 as their oracle. ` +
        "Install it with `apt-get install redis-server` (.ci/run does this).",
    );
  }
  // The port is free when probed, but another process may take it before redis binds it: retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < startAttemptsMax; attempt++) {
    try {
      return await startOnce(await freeLoopbackPort());
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`redis-server did not start after ${startAttemptsMax} attempts: ${String(lastError)}`);
}

async function startOnce(port: number): Promise<RedisOracle> {
  const dir = mkdtempSync(join(tmpdir(), "downstash-redis-oracle-"));
  const child = Bun.spawn(
    [REDIS_SERVER_PATH, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--logfile", join(dir, "redis.log")],
    { stdout: "ignore", stderr: "pipe", stdin: "ignore" },
  );
  liveServers.add(child);
  let client: RespClient | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    liveServers.delete(child);
    client?.close();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    client = await connectWhenReady(port, child);
    const info = await client.send(["INFO", "server"]);
    const version = typeof info === "string" ? (/redis_version:([^\r\n]+)/.exec(info)?.[1] ?? "unknown") : "unknown";
    const ready = client;
    return { port, client: ready, version, process: child, stop, [Symbol.asyncDispose]: stop };
  } catch (error) {
    const output = await collectOutput(child, dir);
    await stop();
    throw new Error(`${String(error)}\nredis-server output:\n${output}`);
  }
}

// Polls until the server answers PING, the process dies, or the deadline passes.
async function connectWhenReady(port: number, child: Subprocess): Promise<RespClient> {
  const deadlineMs = Date.now() + startupDeadlineMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited with ${child.exitCode ?? child.signalCode}`);
    try {
      const client = await RespClient.connect(port);
      const pong = await client.send(["PING"]);
      if (pong instanceof StatusReply && pong.status === "PONG") return client;
      client.close();
    } catch {
      // not listening yet
    }
    if (Date.now() > deadlineMs) throw new Error(`redis-server on port ${port} did not answer PING within ${startupDeadlineMs} ms`);
    await Bun.sleep(20);
  }
}

// The log file and stderr of a server that failed to start (config errors go to stderr).
async function collectOutput(child: Subprocess, dir: string): Promise<string> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await child.exited;
  const logPath = join(dir, "redis.log");
  const log = existsSync(logPath) ? readFileSync(logPath, "latin1") : "";
  const stderr = child.stderr instanceof ReadableStream ? await new Response(child.stderr).text() : "";
  return log + stderr;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
