// The Lua benchmarks of BENCHMARKS.md's "Lua" section, in one run:
//  1. VM choice: the ratelimit scripts (and a CPU-bound loop) through the same minimal raw-API
//     bridge on wasmoon (Lua 5.4 in WebAssembly, our LuaVm) and fengari (Lua 5.3 in JS), scripts/s.
//  2. Engine overhead: EVALSHA of the slidingWindow and tokenBucket scripts through the dispatcher
//     (through their native twins and in Lua), and a plain INCR.
//  3. Over HTTP at 50 concurrent callers: `ratelimit.limit()` through the official client
//     (slidingWindow, tokenBucket) against downstash and against redis-server behind the REST proxy
//     of scripts/bench-proxy.ts; and EVALSHA of slidingWindow vs a plain INCR through REST. Each
//     measurement's client is a fresh process of scripts/bench-lua-load.ts.
//
//   bun scripts/bench-lua.ts [--seconds 5] [--runs 3] [--write]   (--write replaces the "## Lua" section)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createCommandTable } from "../src/redis/commands/index.ts";
import { discardChanges } from "../src/redis/engine/change-log.ts";
import { Database } from "../src/redis/engine/database.ts";
import { Dispatcher } from "../src/redis/engine/dispatcher.ts";
import { StatusReply, type Reply } from "../src/redis/engine/reply.ts";
import { LuaVm, type ScriptHost } from "../src/redis/scripting/lua-vm.ts";
import { configureScripting } from "../src/redis/scripting/runner.ts";
import { systemClock } from "../src/util/clock.ts";
import { systemRandom } from "../src/util/random.ts";
import { writeHeadingSection } from "./benchmarks-section.ts";
import { ratelimitScript } from "./ratelimit-scripts.ts";
import { spawnListening } from "../test/harness/spawn-listening.ts";
import { median } from "./stats.ts";

const repoRoot = join(import.meta.dir, "..");
const { values: flags } = parseArgs({ options: { seconds: { type: "string", default: "5" }, runs: { type: "string", default: "3" }, write: { type: "boolean", default: false } } });
const seconds = Number(flags.seconds);
const runs = Number(flags.runs);
if (!(seconds > 0)) usage("--seconds takes a number of seconds above 0");
if (!Number.isInteger(runs) || runs < 1) usage("--runs takes a whole number of at least 1");

function usage(message: string): never {
  console.error(`bench-lua: ${message}`);
  process.exit(2);
}
const CONCURRENCY = 50;

// --- The scripts, taken from the installed @upstash/ratelimit so they are exactly what it sends.
const slidingWindow = ratelimitScript("slidingWindowLimitScript");
const tokenBucket = ratelimitScript("tokenBucketLimitScript");
const cpuBound = "local t = {} for i = 1, 20000 do t[#t + 1] = tostring(i) .. 'x' end local s = 0 for _, v in ipairs(t) do s = s + #v end return s";
const withoutShebang = (script: string) => script.replace(/^#!.*/, "");

// A tiny in-memory Redis for the VM comparison: just what the two scripts call.
function stubCommand(store: Map<string, string | Map<string, string>>, argv: string[]): Reply {
  const name = argv[0]!.toUpperCase();
  if (name === "GET") return (store.get(argv[1]!) as string | undefined) ?? null;
  if (name === "INCRBY") {
    const value = Number((store.get(argv[1]!) as string | undefined) ?? 0) + Number(argv[2]);
    store.set(argv[1]!, String(value));
    return value;
  }
  if (name === "PEXPIRE") return 1;
  if (name === "HMGET") {
    const hash = store.get(argv[1]!) as Map<string, string> | undefined;
    return argv.slice(2).map((field) => hash?.get(field) ?? null);
  }
  if (name === "HSET") {
    const hash = (store.get(argv[1]!) as Map<string, string> | undefined) ?? new Map<string, string>();
    for (let i = 2; i < argv.length; i += 2) hash.set(argv[i]!, argv[i + 1]!);
    store.set(argv[1]!, hash);
    return 1;
  }
  return new StatusReply("OK");
}

interface Workload {
  name: string;
  script: string;
  keys: (i: number) => string[];
  args: (i: number) => string[];
}

const workloads: Workload[] = [
  { name: "slidingWindow limit", script: slidingWindow, keys: (i) => [`rl:${i % 1000}:2`, `rl:${i % 1000}:1`], args: (i) => ["100", String(1_700_000_000_000 + i), "10000", "1"] },
  { name: "tokenBucket limit", script: tokenBucket, keys: (i) => [`rl:${i % 1000}`], args: (i) => ["100", "10000", "10", String(1_700_000_000_000 + i), "1"] },
  { name: "CPU-bound loop (20k iterations)", script: cpuBound, keys: () => [], args: () => [] },
];

/**
 * Operations per CPU-second of this process: `body` runs for about `ms` to let the JIT and
 * WebAssembly tiers settle, then three more windows of `ms` are timed and the median is kept.
 * CPU time rather than wall time, so other processes on a shared machine do not count.
 */
function rate(ms: number, body: (i: number) => void): number {
  let count = 0;
  const window = (): number => {
    const cpuBefore = process.cpuUsage();
    const wallStart = performance.now();
    const countBefore = count;
    while (performance.now() - wallStart < ms) {
      for (let j = 0; j < 10; j++) body(count++);
    }
    const cpu = process.cpuUsage(cpuBefore);
    return ((count - countBefore) * 1_000_000) / (cpu.user + cpu.system);
  };
  window();
  const runs = [window(), window(), window()].sort((a, b) => a - b);
  return runs[1]!;
}

function benchWasmoon(workload: Workload): number {
  const vm = new LuaVm(256 * 1024 * 1024);
  const store = new Map();
  const host: ScriptHost = { command: (argv) => stubCommand(store, argv), knowsCommand: () => true, log() {}, checkpoint: () => "continue" };
  const ref = vm.loadScript(withoutShebang(workload.script)) as number;
  const result = rate((1000 * seconds) / 5, (i) => {
    vm.start(ref, "script", workload.keys(i), workload.args(i), host);
  });
  vm.close();
  return result;
}

/** The same bridge shape on fengari's C-like API: strings as byte arrays, a count hook, KEYS/ARGV as globals. */
function benchFengari(workload: Workload): number {
  const require = createRequire(import.meta.url);
  const { lua, lauxlib, lualib, to_luastring } = require("fengari");
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const toBytes = (binary: string) => {
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  };
  const fromBytes = (bytes: Uint8Array) => {
    let out = "";
    for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]!);
    return out;
  };
  const store = new Map();
  const pushReply = (reply: Reply): void => {
    if (reply === null) lua.lua_pushboolean(L, false);
    else if (typeof reply === "number") lua.lua_pushinteger(L, reply);
    else if (typeof reply === "string") lua.lua_pushstring(L, toBytes(reply));
    else if (Array.isArray(reply)) {
      lua.lua_createtable(L, reply.length, 0);
      reply.forEach((item, index) => {
        pushReply(item);
        lua.lua_rawseti(L, -2, index + 1);
      });
    } else lua.lua_pushboolean(L, true);
  };
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushcfunction(L, (state: unknown) => {
    const count = lua.lua_gettop(state);
    const argv: string[] = [];
    for (let i = 1; i <= count; i++) argv.push(lua.lua_type(state, i) === lua.LUA_TNUMBER ? String(lua.lua_tonumber(state, i)) : fromBytes(lua.lua_tolstring(state, i)));
    lua.lua_settop(state, 0);
    pushReply(stubCommand(store, argv));
    return 1;
  });
  lua.lua_setfield(L, -2, to_luastring("call"));
  lua.lua_setglobal(L, to_luastring("redis"));
  lua.lua_sethook(L, () => {}, lua.LUA_MASKCOUNT, 10_000);
  if (lauxlib.luaL_loadstring(L, toBytes(withoutShebang(workload.script))) !== 0) throw new Error("fengari: load failed");
  const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  const keysName = to_luastring("KEYS");
  const argvName = to_luastring("ARGV");
  const pushArray = (values: string[]) => {
    lua.lua_createtable(L, values.length, 0);
    values.forEach((value, index) => {
      lua.lua_pushstring(L, toBytes(value));
      lua.lua_rawseti(L, -2, index + 1);
    });
  };
  return rate((1000 * seconds) / 5, (i) => {
    pushArray(workload.keys(i));
    lua.lua_setglobal(L, keysName);
    pushArray(workload.args(i));
    lua.lua_setglobal(L, argvName);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    if (lua.lua_pcall(L, 0, 1, 0) !== 0) throw new Error(`fengari: ${fromBytes(lua.lua_tolstring(L, -1))}`);
    lua.lua_settop(L, 0);
  });
}

interface EngineRates {
  slidingWindow: number;
  tokenBucket: number;
  slidingWindowLua: number;
  tokenBucketLua: number;
  incr: number;
}

/**
 * The script path without HTTP: EVALSHA through the dispatcher, each argv a fresh array of flat
 * strings out of JSON.parse, as the REST facade hands them over. The scripts are cached by EVAL
 * first, as the client's NOSCRIPT fallback caches them. Each script runs twice: through its
 * native twin (the default) and in Lua (a database with the twins off).
 */
function benchEngine(): EngineRates {
  const dispatcher = new Dispatcher(createCommandTable());
  const db = new Database("bench", systemClock, systemRandom, discardChanges);
  const luaDb = new Database("bench-lua", systemClock, systemRandom, discardChanges);
  configureScripting(luaDb, { nativeScripts: false });
  const session = { readOnly: false, inTransaction: false };
  const cache = (script: string) => {
    for (const database of [db, luaDb]) dispatcher.dispatch(database, ["EVAL", script, "0"], session);
    return new Bun.CryptoHasher("sha1").update(script).digest("hex");
  };
  const swSha = cache(slidingWindow);
  const tbSha = cache(tokenBucket);
  const now = Date.now();
  const requests = 4096;
  const parsed = (make: (i: number) => string[]) => Array.from({ length: requests }, (_, i) => JSON.parse(JSON.stringify(make(i))) as string[]);
  const sw = parsed((i) => ["EVALSHA", swSha, "2", `rl:${i % 1000}:2`, `rl:${i % 1000}:1`, "1000000000", String(now + i), "10000", "1"]);
  const tb = parsed((i) => ["EVALSHA", tbSha, "1", `tb:${i % 1000}`, "1000000000", "60000", "1000000000", String(now + i), "1"]);
  const incr = parsed((i) => ["INCR", `counter:${i % 1000}`]);
  const measure = (argvs: string[][], database = db) => rate((1000 * seconds) / 5, (i) => dispatcher.dispatch(database, argvs[i % requests]!.slice(), session));
  return { slidingWindow: measure(sw), tokenBucket: measure(tb), slidingWindowLua: measure(sw, luaDb), tokenBucketLua: measure(tb, luaDb), incr: measure(incr) };
}

// --- HTTP part: servers and each measurement's load generator as child processes.

const children: ReturnType<typeof Bun.spawn>[] = [];
const dataDir = mkdtempSync(join(tmpdir(), "bench-lua-"));

/** A server this benchmark started: where it listens, and its process (whose CPU time is measured). */
interface Server {
  url: string;
  pid: number;
}

async function startServer(command: string[], env: Record<string, string> = {}): Promise<Server> {
  const { child, url } = await spawnListening({ command, cwd: repoRoot, env, timeoutMs: 20_000, stderr: "inherit" });
  children.push(child);
  return { url, pid: child.pid };
}

async function startRedisServer(): Promise<Server> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  const child = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdout: "ignore", stderr: "ignore" });
  children.push(child);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (Bun.spawnSync(["redis-cli", "-p", String(port), "ping"], { stdout: "pipe" }).stdout.toString().trim() === "PONG") return { url: `redis://127.0.0.1:${port}`, pid: child.pid };
    await Bun.sleep(50);
  }
  throw new Error("redis-server did not start");
}

/** What one measurement saw: calls per second, and CPU time per call of the client and of the server processes. */
interface Measurement {
  callsPerSecond: number;
  clientMicrosPerCall: number;
  serverMicrosPerCall: number;
}

/**
 * One measurement by the load generator, in a process of its own, against `url`; `serverPids` are
 * the processes serving it, whose CPU time it reads at the start and end of its timed window.
 * Spawned, not spawnSync: this process keeps draining the servers' log output meanwhile.
 */
async function load(url: string, serverPids: number[], token: string, workload: string, options: { baseline?: boolean } = {}): Promise<Measurement> {
  const command = [process.execPath, "scripts/bench-lua-load.ts", "--url", url, "--token", token, "--workload", workload];
  command.push("--ms", String(seconds * 1000), "--callers", String(CONCURRENCY), "--server-pids", serverPids.join(","));
  if (options.baseline) command.push("--baseline");
  const child = Bun.spawn(command, { cwd: repoRoot, stdout: "pipe", stderr: "pipe" });
  const [output, errors, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (exitCode !== 0) throw new Error(`${command.join(" ")} exited with ${exitCode}: ${errors}`);
  return JSON.parse(output.trim().split("\n").at(-1)!) as Measurement;
}

/** One limiter's calls per second against both servers, each run the two back to back; medians. */
interface LimiterRow {
  name: string;
  downstash: Measurement;
  proxy: Measurement;
  /** The median of the runs' own downstash / proxy: each run measures the two back to back. */
  ratio: number;
  /** The lowest and highest downstash / proxy of the runs. */
  spread: [number, number];
}

function medians(measurements: Measurement[]): Measurement {
  return {
    callsPerSecond: median(measurements.map((m) => m.callsPerSecond)),
    clientMicrosPerCall: median(measurements.map((m) => m.clientMicrosPerCall)),
    serverMicrosPerCall: median(measurements.map((m) => m.serverMicrosPerCall)),
  };
}

async function benchHttp(): Promise<{ rows: LimiterRow[]; evalsha: number; incr: number }> {
  const token = "bench-lua-token-0123456789abcdef";
  const downstash = await startServer([process.execPath, "src/cli/main.ts", "serve", "--port", "0", "--data-dir", dataDir, "--fsync", "no"], {
    UPSTASH_REDIS_REST_TOKEN: token,
    UPSTASH_REDIS_REST_READONLY_TOKEN: `${token}-ro`,
    DOWNSTASH_ADMIN_TOKEN: `${token}-admin`,
  });
  const redis = await startRedisServer();
  const proxy = await startServer([process.execPath, "scripts/bench-proxy.ts", "--port", "0", "--redis-url", redis.url, "--token", token]);
  const rows: LimiterRow[] = [];
  for (const name of ["slidingWindow", "tokenBucket"]) {
    const downstashRuns: Measurement[] = [];
    const proxyRuns: Measurement[] = [];
    for (let run = 0; run < runs; run++) {
      downstashRuns.push(await load(downstash.url, [downstash.pid], token, name));
      proxyRuns.push(await load(proxy.url, [proxy.pid, redis.pid], token, name, { baseline: true }));
    }
    const ratios = downstashRuns.map((m, run) => m.callsPerSecond / proxyRuns[run]!.callsPerSecond);
    rows.push({ name, downstash: medians(downstashRuns), proxy: medians(proxyRuns), ratio: median(ratios), spread: [Math.min(...ratios), Math.max(...ratios)] });
  }
  // EVALSHA of slidingWindow vs INCR, each one command per /pipeline request (what the SDK sends).
  const evalsha = (await load(downstash.url, [downstash.pid], token, "evalsha")).callsPerSecond;
  const incr = (await load(downstash.url, [downstash.pid], token, "incr")).callsPerSecond;
  return { rows, evalsha, incr };
}

const format = (n: number) => Math.round(n).toLocaleString("en-US");
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const micros = (opsPerSecond: number) => (1_000_000 / opsPerSecond).toFixed(2);
const micros1 = (value: number) => value.toFixed(1);

async function main(): Promise<void> {
  const vmRows = workloads.map((workload) => [workload.name, benchWasmoon(workload), benchFengari(workload)] as const);
  const engine = benchEngine();
  let http: Awaited<ReturnType<typeof benchHttp>>;
  try {
    http = await benchHttp();
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((child) => child.exited));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cpu = Bun.spawnSync(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { stdout: "pipe" }).stdout.toString().trim();
  const lines = [
    "## Lua",
    "",
    `Generated by \`bun scripts/bench-lua.ts --runs ${runs} --seconds ${seconds} --write\` on ${new Date().toISOString().slice(0, 19)}Z (Bun ${Bun.version}, ${cpu}, ${navigator.hardwareConcurrency} CPUs). The load generator shares the machine with the servers.`,
    "",
    "### Choosing the VM",
    "",
    "Scripts per CPU-second in one process (median of three timed windows after a warm-up, as every in-process row below), through the same minimal raw C-API bridge (KEYS/ARGV as tables, `redis.call` to an in-memory stub, a count hook), with the scripts `@upstash/ratelimit` 2.2.0 sends:",
    "",
    "| script | wasmoon 1.16 (Lua 5.4, WebAssembly) | fengari 0.1.5 (Lua 5.3, JS) | wasmoon / fengari |",
    "| --- | ---: | ---: | ---: |",
    ...vmRows.map(([name, wasmoon, fengari]) => `| ${name} | ${format(wasmoon)} | ${format(fengari)} | ${ratio(wasmoon, fengari)} |`),
    "",
    "wasmoon is kept: it is faster on every row, and its allocator enforces the per-database memory cap. The bridge calls the WebAssembly instance's exports directly: through wasmoon's assertion wrappers the slidingWindow row ran at about 60k scripts/s, and through wasmoon's own JS object layer at about 35k.",
    "",
    "### Engine overhead (in process, no HTTP)",
    "",
    "| operation | ops/s | µs per op |",
    "| --- | ---: | ---: |",
    `| EVALSHA slidingWindow (3–4 \`redis.call\`s), native twin | ${format(engine.slidingWindow)} | ${micros(engine.slidingWindow)} |`,
    `| EVALSHA slidingWindow, in Lua | ${format(engine.slidingWindowLua)} | ${micros(engine.slidingWindowLua)} |`,
    `| EVALSHA tokenBucket (3 \`redis.call\`s), native twin | ${format(engine.tokenBucket)} | ${micros(engine.tokenBucket)} |`,
    `| EVALSHA tokenBucket, in Lua | ${format(engine.tokenBucketLua)} | ${micros(engine.tokenBucketLua)} |`,
    `| INCR | ${format(engine.incr)} | ${micros(engine.incr)} |`,
    "",
    "Through the dispatcher, argv as the REST facade hands it over (flat strings out of JSON.parse), the scripts cached by EVAL as the client's NOSCRIPT fallback does. The limit scripts of \`@upstash/ratelimit\` have native twins (src/redis/scripting/native-scripts.ts): recognised by the SHA-1 of their exact text, they make the same \`redis.call\`s in the same order with the script's arithmetic in JS, and hand to Lua, before any write, every call whose numbers are not plain integers of up to 15 digits (a differential test runs both ways on seeded random inputs and compares replies, errors, journaled writes and keys); any other script runs in Lua. Where an EVALSHA's time goes in Lua (CPU profile of this loop): about 40% in the WebAssembly Lua VM (the script itself, string interning, tables, the count hook), 20% in the bridge and runner (strings both ways, KEYS/ARGV, the reply), 30% in the commands the script runs and their dispatch. The bridge reads strings back through Buffer's native latin1 codec and keeps the short ones it read recently by address (Lua interns short strings, so command names and keys come back at the same address; a hit is checked byte by byte), passes integers as doubles while they are exact (an i64 would cost a BigInt each way), makes a script's host one object per call, and moves a cached script to the recent end of the cache only once it has drifted halfway to eviction; together these made both EVALSHA rows about 1.6× faster in this loop (slidingWindow 158k → 252k, tokenBucket 120k → 194k per CPU-second).",
    "",
    `### Over HTTP, ${CONCURRENCY} concurrent callers`,
    "",
    "`ratelimit.limit()` calls per second through the official clients (`@upstash/ratelimit` 2.2.0 on `@upstash/redis` 1.39.0, auto-pipelining on, base64 off, ephemeral cache off), against downstash and against redis-server behind the REST proxy of `scripts/bench-proxy.ts`:",
    "",
    `Each limiter was measured ${runs} time${runs === 1 ? "" : "s"}, the two servers back to back each time; figures are medians. The ratio is the median of the runs' own ratios (a slow minute of the machine weighs on both sides of a run's ratio), and the spread their lowest and highest. The machine's other tenants move whole invocations too, by as much as the spread of the runs within one: a median this close to its target can land on either side of it from one invocation to the next.`,
    "",
    "| limiter | downstash | proxy + redis-server | downstash / proxy | spread | target | met |",
    "| --- | ---: | ---: | ---: | ---: | ---: | :---: |",
    ...http.rows.map(({ name, downstash, proxy, ratio: times, spread }) => {
      return `| ${name} | ${format(downstash.callsPerSecond)} | ${format(proxy.callsPerSecond)} | ${times.toFixed(2)}× | ${spread.map((r) => r.toFixed(2)).join("–")} | ≥ 1.5× | ${times >= 1.5 ? "yes" : "no"} |`;
    }),
    "",
    "CPU time per call over the same timed windows (medians; the load generator reads its own and the servers' from the kernel): client and server take turns, so calls per second are about one over the sum of the two.",
    "",
    "| limiter | client, against downstash | downstash | client, against the proxy | proxy + redis-server |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...http.rows.map(({ name, downstash, proxy }) => `| ${name} | ${micros1(downstash.clientMicrosPerCall)} µs | ${micros1(downstash.serverMicrosPerCall)} µs | ${micros1(proxy.clientMicrosPerCall)} µs | ${micros1(proxy.serverMicrosPerCall)} µs |`),
    "",
    "The client auto-pipelines, and at 50 callers every HTTP request carries about 50 EVALSHAs, one per caller; the callers wait for it before the next request forms, so the client and the server take turns rather than run in parallel, and the client's own time per call (the same against both servers) bounds what any server can reach. Each measurement's client is a fresh process (scripts/bench-lua-load.ts), as wrk and redis-benchmark are elsewhere: run inside this benchmark's own process, after the in-process rows above had left their heaps and JIT state behind, it made both sides about 1.4× slower and the ratio noisier. The scripts run through their native twins here; before the twins (2026-11-27), run in Lua, the server spent 12.3–13.0 µs of CPU per slidingWindow call and 17.2 µs per tokenBucket call, 1.19× and 1.28× the proxy. The baseline runs them in redis-server's native Lua, in its own process (a third busy process on two cores), and keeps nothing on disk (\`--save '' --appendonly no\`); downstash runs them on its one event-loop thread and journals every write each script makes to its SQLite change log (\`--fsync no\` here; one commit per event-loop turn). The baseline client rewrites Upstash's \`#!lua flags=allow-key-locking\` shebang away, which redis-server refuses.",
    "",
    "Raw REST against downstash, one command per `POST /pipeline` (what the SDK sends), by `fetch` in the load generator:",
    "",
    "| request | requests/s | vs INCR | target | met |",
    "| --- | ---: | ---: | ---: | :---: |",
    `| EVALSHA slidingWindow | ${format(http.evalsha)} | ${ratio(http.evalsha, http.incr)} | ≥ 0.5× | ${http.evalsha / http.incr >= 0.5 ? "yes" : "no"} |`,
    `| INCR | ${format(http.incr)} | 1.00× | | |`,
    "",
    "Scripts run on the main thread (no Worker round trip per `redis.call`); a count hook every 10k instructions checks the time limit and, past a 10 ms slice, yields the coroutine to the event loop (src/redis/scripting/runner.ts), so none of the short scripts above ever pays for a promise or timer.",
    "",
  ];
  const section = lines.join("\n");
  console.log(section);
  if (flags.write) writeHeadingSection(join(repoRoot, "BENCHMARKS.md"), "Lua", section);
}

await main();
