// The load generator of bench-lua.ts's HTTP rows, run as its own process for each measurement, as
// wrk and redis-benchmark are for the other benchmarks: the client's time per call is part of every
// figure (the client and the server take turns), so it must not carry the heap and the JIT state
// of the in-process benchmarks that ran before it.
//
//   bun scripts/bench-lua-load.ts --url <url> --token <token> --workload <name> --ms <n> --callers <n> [--baseline]
//
// Workloads: slidingWindow and tokenBucket (`ratelimit.limit()` through the official clients),
// evalsha and incr (one command per `POST /pipeline`, what the SDK sends). --baseline adapts the
// client to real Redis (see below). Prints one JSON line: {"callsPerSecond": n}.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";

const { values: flags } = parseArgs({
  options: {
    url: { type: "string" },
    token: { type: "string" },
    workload: { type: "string" },
    ms: { type: "string" },
    callers: { type: "string" },
    baseline: { type: "boolean", default: false },
  },
});
const { url, token, workload } = flags;
const ms = Number(flags.ms);
const callers = Number(flags.callers);
if (url === undefined || token === undefined || workload === undefined || !(ms > 0) || !Number.isInteger(callers) || callers < 1) {
  console.error("usage: bun scripts/bench-lua-load.ts --url <url> --token <token> --workload slidingWindow|tokenBucket|evalsha|incr --ms <n> --callers <n> [--baseline]");
  process.exit(2);
}
const WARM_UP_MS = 1000;

/** `callers` loops calling `call` for `ms` after a warm-up; returns calls per second. */
async function load(call: (i: number) => Promise<unknown>): Promise<number> {
  const warmUntil = Date.now() + WARM_UP_MS;
  let serial = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (Date.now() < warmUntil) await call(serial++);
    }),
  );
  let count = 0;
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
  return (count * 1000) / (performance.now() - start);
}

const ratelimitSource = readFileSync(join(import.meta.dir, "../node_modules/@upstash/ratelimit/dist/index.mjs"), "utf8");
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

async function measure(): Promise<number> {
  if (workload === "slidingWindow" || workload === "tokenBucket") {
    const limiter = workload === "slidingWindow" ? Ratelimit.slidingWindow(1_000_000, "60 s") : Ratelimit.tokenBucket(1_000_000, "60 s", 1_000_000);
    const ratelimit = new Ratelimit({ redis: client(), limiter, prefix: `bench:${workload}`, ephemeralCache: false, analytics: false });
    return load((i) => ratelimit.limit(`user-${i % 1000}`));
  }
  const post = (body: string) =>
    fetch(`${url}/pipeline`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body }).then((response) => response.text());
  if (workload === "evalsha") {
    const script = new RegExp("var slidingWindowLimitScript = `([\\s\\S]*?)`;").exec(ratelimitSource)![1]!;
    const sha = await client().scriptLoad(script);
    return load((i) => post(JSON.stringify([["EVALSHA", sha, 2, `rl:${i % 1000}:2`, `rl:${i % 1000}:1`, 1_000_000, Date.now(), 10_000, 1]])));
  }
  if (workload === "incr") return load((i) => post(JSON.stringify([["INCR", `counter:${i % 1000}`]])));
  throw new Error(`unknown workload ${workload}`);
}

console.log(JSON.stringify({ callsPerSecond: await measure() }));
