// Starts a server for the tests (harness/server.ts) and the benchmarks (scripts/bench*.ts) and
// waits for the JSON line it logs on stdout once it serves, `{"event":"listening","url":…}`
// (src/cli/main.ts, scripts/bench-proxy.ts).
// The child sees only PATH, HOME and the variables given. After that line its stdout is read to the
// end, so the child never blocks on a full pipe. On failure the child is dead when this throws; on
// success the caller owns it (and stops it).

import type { Subprocess } from "bun";

export interface SpawnListeningOptions {
  command: string[];
  cwd: string;
  /** Added to PATH and HOME. */
  env?: Record<string, string>;
  /** How long the child may take to log `listening` before it is killed and the start fails. */
  timeoutMs: number;
  /** "pipe" keeps the child's stderr to quote when the start fails; "inherit" shows it as it comes. */
  stderr: "pipe" | "inherit";
  /** Keep adding the later stdout lines to `lines` (tests read the logs); else they are dropped. */
  keepLines?: boolean;
}

export interface ListeningServer {
  child: Subprocess<"ignore", "pipe", "pipe" | "inherit">;
  url: string;
  /** The RESP listener's port, when started with `--resp-port`. */
  respPort: number | undefined;
  /** The stdout lines up to and including the listening line (e.g. a `recovered` line before it), and with `keepLines` every later one. */
  lines: string[];
}

export async function spawnListening(options: SpawnListeningOptions): Promise<ListeningServer> {
  const child = Bun.spawn(options.command, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdout: "pipe",
    stderr: options.stderr,
  });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  const lines: string[] = [];
  let partial = "";
  let isTimedOut = false;
  const timer = setTimeout(() => {
    isTimedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const split = (partial + decoder.decode(value, { stream: true })).split("\n");
      partial = split.pop()!;
      for (let i = 0; i < split.length; i++) {
        const event = listeningEvent(split[i]!);
        if (event === undefined) continue;
        lines.push(...(options.keepLines ? split : split.slice(0, i + 1)));
        // Keep reading so the child never blocks on a full stdout pipe.
        (async () => {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            if (!options.keepLines) continue;
            const more = (partial + decoder.decode(value, { stream: true })).split("\n");
            partial = more.pop()!;
            lines.push(...more);
          }
        })().catch(() => {});
        return { child, url: event.url, respPort: event.respPort, lines };
      }
      lines.push(...split);
    }
  } finally {
    clearTimeout(timer);
  }
  // stdout closed without the line: the child is exiting, or closed stdout and lives on.
  child.kill("SIGKILL");
  const exitCode = await child.exited;
  const stderr = options.stderr === "pipe" ? await new Response(child.stderr).text() : "(stderr shown above)";
  const why = isTimedOut ? `did not log "listening" within ${options.timeoutMs} ms` : `exited with ${exitCode} before logging "listening"`;
  throw new Error(`${options.command.join(" ")} ${why}:\n${[...lines, partial].join("\n")}\n${stderr}`);
}

function listeningEvent(line: string): { url: string; respPort: number | undefined } | undefined {
  if (!line.startsWith("{")) return undefined;
  let event: { event?: unknown; url?: unknown; respPort?: unknown };
  try {
    event = JSON.parse(line) as typeof event;
  } catch {
    return undefined; // a line that only looks like JSON is output like any other
  }
  if (event.event !== "listening" || typeof event.url !== "string") return undefined;
  return { url: event.url, respPort: typeof event.respPort === "number" ? event.respPort : undefined };
}
