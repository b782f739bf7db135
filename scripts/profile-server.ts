// Where the server's main thread spends its CPU under a load, by JavaScript function, as the kernel
// samples it: the server runs under `perf record -g` with JavaScriptCore's JITDump on, and the
// samples are told apart by jit-profile.ts. Bun's `--cpu-prof` cannot be read that way when the
// server waits between requests: it charges the time it sat idle to whatever runs first after it
// (BENCHMARKS.md, "Where the REST time goes"). Needs `perf` (Debian's linux-perf).
//
//   bun scripts/profile-server.ts [--workload slidingWindow] [--seconds 8] [--callers 50] [--top 30]
//
// The workload is one of bench-lua-load.ts's, against a fresh server (`--fsync no`, warn-level logs).
// The recording covers the server's whole life, its start and the load's one-second warm-up too.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { spawnListening } from "../test/harness/spawn-listening.ts";
import { JitIndex, parsePerfScript, readJitDump, summarize, type Summary } from "./jit-profile.ts";

const { values: flags } = parseArgs({
  options: {
    workload: { type: "string", default: "slidingWindow" },
    seconds: { type: "string", default: "8" },
    callers: { type: "string", default: "50" },
    top: { type: "string", default: "30" },
  },
});
const seconds = Number(flags.seconds);
const top = Number(flags.top);
const repoRoot = resolve(import.meta.dir, "..");
const SAMPLES_PER_SECOND = 4000;
const token = "profile-token-0123456789abcdef";

if (Bun.spawnSync(["perf", "--version"], { stdout: "ignore", stderr: "ignore" }).exitCode !== 0) {
  console.error("profile-server needs perf (Debian: apt-get install linux-perf)");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "downstash-profile-"));
try {
  const perfData = join(dir, "perf.data");
  const { child: perf, url } = await spawnListening({
    command: ["perf", "record", "-g", "-k", "1", "-e", "cpu-clock", "-F", String(SAMPLES_PER_SECOND), "-o", perfData, "--", process.execPath, "src/cli/main.ts", "serve", "--port", "0", "--data-dir", join(dir, "data"), "--fsync", "no", "--log-level", "warn"],
    cwd: repoRoot,
    env: { BUN_JSC_useJITDump: "1", BUN_JSC_jitDumpDirectory: dir, UPSTASH_REDIS_REST_TOKEN: token },
    timeoutMs: 20_000,
    stderr: "inherit",
  });
  const server = Number(readFileSync(`/proc/${perf.pid}/task/${perf.pid}/children`, "utf8").trim().split(" ")[0]);
  const load = Bun.spawnSync([process.execPath, "scripts/bench-lua-load.ts", "--url", url, "--token", token, "--workload", flags.workload!, "--ms", String(seconds * 1000), "--callers", flags.callers!, "--server-pids", String(server)], {
    cwd: repoRoot,
    stdout: "pipe",
    stderr: "inherit",
  });
  process.kill(server, "SIGINT");
  await perf.exited;
  const measured = JSON.parse(load.stdout.toString()) as { callsPerSecond: number; serverMicrosPerCall: number };

  const script = Bun.spawnSync(["perf", "script", "-i", perfData, "-F", "tid,ip,sym,dso"], { stdout: "pipe", stderr: "ignore" });
  const mainThread = parsePerfScript(script.stdout.toString()).filter((sample) => sample.thread === server);
  const codes = readdirSync(dir)
    .filter((name) => name.startsWith("jit-") && name.endsWith(".dump"))
    .flatMap((name) => readJitDump(readFileSync(join(dir, name))));
  const summary = summarize(mainThread, new JitIndex(codes));

  console.log(`${flags.workload}, ${flags.callers} callers, ${seconds} s: ${Math.round(measured.callsPerSecond)} calls/s, server CPU ${measured.serverMicrosPerCall.toFixed(2)} µs a call (all threads, over the timed window)`);
  console.log(`main thread: ${summary.samples} samples at ${SAMPLES_PER_SECOND}/s over the server's whole run`);
  printTable("Self (where the samples landed)", summary.self, summary);
  printTable("Inclusive (function anywhere on the stack)", summary.inclusive, summary);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function printTable(title: string, counts: Map<string, number>, summary: Summary): void {
  console.log(`\n${title}`);
  for (const [name, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * count) / summary.samples).toFixed(1).padStart(6)}%  ${name}`);
  }
}
