// Small helpers the fault tests share: data dirs, the server's log events, raw REST calls that
// expose the sync token, and spawning the server without waiting for it to listen.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestServer } from "../harness/server.ts";

const repoRoot = join(import.meta.dir, "..", "..");

export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), "downstash-durability-"));
}

interface LogEvent {
  event: string;
  level?: string;
  [field: string]: unknown;
}

export function logLines(server: TestServer): LogEvent[] {
  return server.output.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as LogEvent);
}

export function logEvents(server: TestServer): string[] {
  return logLines(server).map((line) => line.event);
}

/** One command over REST; returns the HTTP status, the JSON body and the sync token. */
export async function command(server: { url: string; token: string }, ...argv: (string | number)[]) {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}` },
    body: JSON.stringify(argv.map(String)),
  });
  return {
    status: response.status,
    body: (await response.json()) as { result?: unknown; error?: string },
    syncToken: Number(response.headers.get("upstash-sync-token")),
  };
}

/** The sync token a fresh write gets. */
export async function syncTokenOfWrite(server: TestServer): Promise<number> {
  const reply = await command(server, "SET", "sync-token-probe", "1");
  if (reply.status !== 200) throw new Error(`probe write failed: ${JSON.stringify(reply.body)}`);
  return reply.syncToken;
}

/** Spawns `downstash serve` and resolves once a stdout line satisfies `until` (the process keeps running). */
export async function spawnUntil(args: string[], env: Record<string, string>, until: (event: LogEvent) => boolean) {
  const child = Bun.spawn([process.execPath, join(repoRoot, "src/cli/main.ts"), "serve", ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const seen: LogEvent[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server exited before the awaited line: ${JSON.stringify(seen)}\n${await new Response(child.stderr).text()}`);
    buffered += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!line.startsWith("{")) continue;
      const event = JSON.parse(line) as LogEvent;
      seen.push(event);
      if (until(event)) return { child, seen };
    }
  }
}

/** Runs `downstash serve` expecting it to exit by itself (a refused start); killed after `timeoutMs`. */
export async function runToExit(args: string[], env: Record<string, string>, timeoutMs = 20_000) {
  const child = Bun.spawn([process.execPath, join(repoRoot, "src/cli/main.ts"), "serve", ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}
