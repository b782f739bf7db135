// The load generator of bench-lua.ts's HTTP rows, run as its own process for each measurement, as
// wrk and redis-benchmark are for the other benchmarks: the client's time per call is part of every
// figure (the client and the server take turns), so it must not carry the heap and the JIT state
// of the in-process benchmarks that ran before it.
//
//   bun scripts/bench-lua-load.ts --url <url> --token <token> --workload <name> --ms <n> --callers <n>
//                                 --server-pids <pid,...> [--baseline]
//
// Workloads: slidingWindow and tokenBucket (`ratelimit.limit()` through the official clients),
// evalsha and incr (one command per `POST /pipeline`, what the SDK sends). --baseline adapts the
// client to real Redis (see below). Prints one JSON line: calls per second, and the CPU time per
// call of this process and of the server processes (read from /proc) over the timed window.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { ratelimitScript, ratelimitSource } from "./ratelimit-scripts.ts";

const { values: flags } = parseArgs({
  options: {
    url: { type: "string" },
    token: { type: "string" },
    workload: { type: "string" },
    ms: { type: "string" },
    callers: { type: "string" },
    "server-pids": { type: "string", default: "" },
    baseline: { type: "boolean", default: false },
  },
});
const { url, token, workload } = flags;
const ms = Number(flags.ms);
const callers = Number(flags.callers);
if (url === undefined || token === undefined || workload === undefined || !(ms > 0) || !Number.isInteger(callers) || callers < 1) {
  console.error("usage: bun scripts/bench-lua-load.ts --url <url> --token <token> --workload slidingWindow|tokenBucket|evalsha|incr --ms <n> --callers <n> --server-pids <pid,...> [--baseline]");
  process.exit(2);
}
const WARM_UP_MS = 1000;

const serverPids = flags["server-pids"]!.split(",").filter((pid) => pid !== "");
const CLOCK_TICKS_PER_SECOND = Number(Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe" }).stdout.toString().trim()) || 100;

/** CPU time (user + system) the server processes have used so far, in microseconds. */
function serverCpuMicros(): number {
  let ticks = 0;
  for (const pid of serverPids) {
    // The fields after the command name (which may hold spaces), from the state on: utime is the 12th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ").at(-1)!.split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** `callers` loops calling `call` for `ms` after a warm-up; calls per second and CPU per call. */
async function load(call: (i: number) => Promise<unknown>): Promise<{ callsPerSecond: number; clientMicrosPerCall: number; serverMicrosPerCall: number }> {
  const warmUntil = Date.now() + WARM_UP_MS;
  let serial = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (Date.now() < warmUntil) await call(serial++);
    }),
  );
  let count = 0;
  const serverBefore = serverCpuMicros();
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (Date.now() < until) {
        await call(serial++);
        count++;
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  const client = process.cpuUsage(clientBefore);
  return {
    callsPerSecond: (count * 1000) / elapsedMs,
    clientMicrosPerCall: (client.user + client.system) / count,
    serverMicrosPerCall: (serverCpuMicros() - serverBefore) / count,
  };
}

const shaOf = (text: string) => new Bun.CryptoHasher("sha1").update(text).digest("hex");

function client(): Redis {
  const redis = new Redis({ url: url!, token: token!, enableTelemetry: false, responseEncoding: false });
  if (flags.baseline) adaptToRedis(redis);
  return redis;
}

/**
 * Real Redis refuses Upstash's `#!lua flags=allow-key-locking` shebang, so the baseline's client
 * blanks that line on the way out and maps ratelimit's precomputed SHA-1s to the blanked texts.
 */
function adaptToRedis(redis: Redis): void {
  const shebang = "#!lua flags=allow-key-locking";
  const blankedSha = new Map<string, string>();
  for (const match of ratelimitSource.matchAll(/`(#!lua flags=allow-key-locking[\s\S]*?)`/g)) blankedSha.set(shaOf(match[1]!), shaOf(match[1]!.slice(shebang.length)));
  const adapt = (command: unknown): unknown => {
    if (!Array.isArray(command) || typeof command[0] !== "string") return command;
    const name = command[0].toLowerCase();
    if (name === "eval" && typeof command[1] === "string" && command[1].startsWith(shebang)) return [command[0], command[1].slice(shebang.length), ...command.slice(2)];
    if (name === "evalsha" && blankedSha.has(command[1])) return [command[0], blankedSha.get(command[1]), ...command.slice(2)];
    return command;
  };
  redis.use((request, next) => next({ ...request, body: Array.isArray(request.body) && Array.isArray(request.body[0]) ? request.body.map(adapt) : adapt(request.body) }));
}

async function measure(): ReturnType<typeof load> {
  if (workload === "slidingWindow" || workload === "tokenBucket") {
    const limiter = workload === "slidingWindow" ? Ratelimit.slidingWindow(1_000_000, "60 s") : Ratelimit.tokenBucket(1_000_000, "60 s", 1_000_000);
    const ratelimit = new Ratelimit({ redis: client(), limiter, prefix: `bench:${workload}`, ephemeralCache: false, analytics: false });
    return load((i) => ratelimit.limit(`user-${i % 1000}`));
  }
  const post = (body: string) =>
    fetch(`${url}/pipeline`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body }).then((response) => response.text());
  if (workload === "evalsha") {
    const sha = await client().scriptLoad(ratelimitScript("slidingWindowLimitScript"));
    return load((i) => post(JSON.stringify([["EVALSHA", sha, 2, `rl:${i % 1000}:2`, `rl:${i % 1000}:1`, 1_000_000, Date.now(), 10_000, 1]])));
  }
  if (workload === "incr") return load((i) => post(JSON.stringify([["INCR", `counter:${i % 1000}`]])));
  throw new Error(`unknown workload ${workload}`);
}

console.log(JSON.stringify(await measure()));
