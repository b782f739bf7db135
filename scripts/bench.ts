// `npm run bench`: downstash against redis-server and against a REST proxy in front of it, in one
// run on this machine. Starts all three (fresh data dir, known token, a free port each), drives the
// HTTP servers with wrk (Lua scripts that check every response's status and body) and redis-server
// with redis-benchmark, then writes the figures and their ratios to its own section of
// BENCHMARKS.md (between markers; other scripts' sections are left alone). Three parts: GET/SET
// rows, data-type rows (pipelines of 100), and sorted-set cost by size (1k, 100k, 1M members,
// over HTTP and in-process). Pipelines count commands, not requests. Flags: see --help.

import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisClient, type Subprocess } from "bun";
import { createCommandTable } from "../src/redis/commands/index.ts";
import { discardChanges } from "../src/redis/engine/change-log.ts";
import type { Session } from "../src/redis/engine/command.ts";
import { Database } from "../src/redis/engine/database.ts";
import { Dispatcher } from "../src/redis/engine/dispatcher.ts";
import { ErrorReply } from "../src/redis/engine/reply.ts";
import type { SortedSet } from "../src/redis/types/sorted-set.ts";
import { systemClock } from "../src/util/clock.ts";
import { SeededRandom, randomInt } from "../src/util/random.ts";
import { spawnListening } from "../test/harness/spawn-listening.ts";
import { median } from "./stats.ts";

const repoRoot = join(import.meta.dir, "..");

type Part = "strings" | "types" | "growth";
const allParts: readonly Part[] = ["strings", "types", "growth"];

interface Options {
  /** Seconds each wrk run measures. */
  durationSeconds: number;
  /** Seconds of unmeasured load per HTTP server before its first measured run. */
  warmupSeconds: number;
  /** Seconds each redis-benchmark run aims for; it runs a command count sized from a calibration. */
  redisSeconds: number;
  /** Seconds per run in the sorted-set growth part, for wrk and redis-benchmark alike. */
  growthSeconds: number;
  /** Sorted-set sizes of the growth part. */
  growthSizes: number[];
  /** In-process operations timed per command and size. */
  inProcessOperations: number;
  connections: number;
  pipelineSize: number;
  /** wrk threads; one matches redis-benchmark's single client thread. */
  threads: number;
  /** Measurements per row; the tables show the median and the spread of the ratio. */
  runs: number;
  parts: Set<Part>;
  write: boolean;
  outputPath: string;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const options: Options = {
    durationSeconds: quick ? 2 : 10,
    warmupSeconds: quick ? 1 : 3,
    redisSeconds: quick ? 1 : 5,
    growthSeconds: quick ? 1 : 5,
    growthSizes: quick ? [1_000, 10_000, 100_000] : [1_000, 100_000, 1_000_000],
    inProcessOperations: quick ? 20_000 : 200_000,
    connections: 50,
    pipelineSize: 100,
    threads: 1,
    runs: 1,
    parts: new Set(allParts),
    write: !argv.includes("--no-write"),
    outputPath: join(repoRoot, "BENCHMARKS.md"),
  };
  const numeric = (flag: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < min) fail(`${flag} needs an integer ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick" || arg === "--no-write") continue;
    else if (arg === "--duration") options.durationSeconds = numeric(arg, argv[++i], 1);
    else if (arg === "--threads") options.threads = numeric(arg, argv[++i], 1);
    else if (arg === "--connections") options.connections = numeric(arg, argv[++i], 1);
    else if (arg === "--runs") options.runs = numeric(arg, argv[++i], 1);
    else if (arg === "--output") options.outputPath = argv[++i] ?? fail("--output needs a path");
    else if (arg === "--only") {
      const names = (argv[++i] ?? fail("--only needs a list of parts")).split(",");
      for (const name of names) if (!allParts.includes(name as Part)) fail(`--only: unknown part ${name} (${allParts.join(", ")})`);
      options.parts = new Set(names as Part[]);
    } else if (arg === "--help" || arg === "-h") {
      console.log(
        "usage: bun scripts/bench.ts [--quick] [--no-write] [--duration s] [--threads n] [--connections n] [--runs n]\n" +
          "                            [--only strings,types,growth] [--output file]\n" +
          "--runs n measures every row n times back to back and reports the median and the spread;\n" +
          "--only runs some parts and never writes BENCHMARKS.md (a partial section would replace the whole one).",
      );
      process.exit(0);
    } else fail(`unknown argument ${arg} (see --help)`);
  }
  if (options.threads > options.connections) fail("--threads cannot exceed --connections");
  if (options.parts.size < allParts.length) options.write = false;
  return options;
}

function fail(message: string): never {
  throw new BenchError(message);
}

class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------
// Workloads: one command as each server is driven with it. The keys and values are
// redis-benchmark's own (its `-t` tests send `LPUSH mylist VXK`, `SADD myset element:__rand_int__`
// ...: without -r, `__rand_int__` stays literal, and VXK is the 3-byte value it writes with the
// default -d 3), so all three servers do the same work per command.

const KEY = "key:__rand_int__";
const VALUE = "VXK";
const LIST_KEY = "mylist";
const STREAM_KEY = "mystream";
/** ZRANGE 0 9 reads a set of 1,000 members: past Redis's 128-entry listpack, a skip list on both sides. */
const RANGE_KEY = "zset:range";
const RANGE_MEMBERS = 1_000;
const rangeMember = (i: number) => `member:${String(i).padStart(4, "0")}`;

/**
 * Replies that legitimately differ between requests (a growing list length, stream IDs, random
 * members) are compared after these rewrites, in the wrk script (Lua pattern) and in the check by
 * hand (RegExp) alike; everything else in the body must match exactly.
 */
interface Normalizer {
  lua: [pattern: string, replacement: string];
  regex: [pattern: RegExp, replacement: string];
}

const normalizers = {
  /** An integer result (LPUSH's new length, ZRANK's rank): any non-negative integer passes. */
  integer: { lua: ['{"result":%d+}', '{"result":0}'], regex: [/\{"result":\d+\}/g, '{"result":0}'] },
  /** An XADD entry ID. */
  streamId: { lua: ['"%d+%-%d+"', '"0-0"'], regex: [/"\d+-\d+"/g, '"0-0"'] },
  /** A non-empty array of growth-set members, whatever they and their number are. */
  members: { lua: ['%["m:%d+"[,"m:%d]*%]', '["m"]'], regex: [/\["m:\d+"[,"m:\d]*\]/g, '["m"]'] },
} satisfies Record<string, Normalizer>;

interface Workload {
  /** How the tables name it. */
  label: string;
  /** The argv of one command, as JSON to the HTTP servers and as redis-benchmark's arguments. */
  command: string[];
  /** redis-benchmark's `-t` test that sends exactly `command`; without it, `command` is given as is. */
  redisTest?: string;
  /** The envelope's `result` as JSON text, after `normalize`. */
  result: string;
  normalize?: Normalizer[];
  /** `__rand_int__` in `command` is a random number in [0, n), 12 digits as redis-benchmark's -r n writes it. */
  randomRange?: number;
  /**
   * wrk cycles through a pool of pre-built requests (see wrkScript); the pool's second half repeats
   * the first half's commands with these `__rand_int__` (0-based) kept and the others drawn anew.
   * ZADD keeps the member and redraws the score: every pass through the pool moves each member
   * again, as redis-benchmark's fresh random scores do, instead of finding the score already set.
   */
  keptInSecondHalf?: number[];
  /** Run on every server before each measured run: the data the command reads. */
  seed?: string[][];
  /** The command consumes list elements: each server's list is stocked before each run. */
  consumesList?: string;
  /** Run on every server after the row: frees what the row grew. */
  cleanup?: string[][];
  /**
   * redis-benchmark counts no error replies, so redis-server's state is read before and after its
   * run: `probe` is the command read, `verify` returns what is wrong, if anything.
   */
  probe: string[];
  verify(before: unknown, after: unknown, commands: number): string | undefined;
}

const expectValue = (expected: unknown) => (_before: unknown, after: unknown) =>
  JSON.stringify(after) === JSON.stringify(expected) ? undefined : `holds ${JSON.stringify(after)}, not ${JSON.stringify(expected)}`;

/** A number, whether RESP3 sends it as an integer, a double or a string. */
const expectNumber = (expected: number) => (_before: unknown, after: unknown) =>
  after !== null && Number(after) === expected ? undefined : `holds ${JSON.stringify(after)}, not ${expected}`;

const expectGrowth = (sign: 1 | -1) => (before: unknown, after: unknown, commands: number) => {
  const change = (Number(after) - Number(before)) * sign;
  return change === commands ? undefined : `length went from ${before} to ${after}, not by ${sign * commands}`;
};

const getWorkload: Workload = {
  label: "GET",
  command: ["get", KEY],
  redisTest: "get",
  result: JSON.stringify(VALUE),
  seed: [["set", KEY, VALUE]],
  probe: ["get", KEY],
  verify: expectValue(VALUE),
};

const setWorkload: Workload = {
  label: "SET",
  command: ["set", KEY, VALUE],
  redisTest: "set",
  result: '"OK"',
  seed: [["del", KEY]],
  probe: ["get", KEY],
  verify: expectValue(VALUE),
};

function dataTypeWorkloads(): Workload[] {
  const rangeSeed = ["zadd", RANGE_KEY];
  for (let i = 0; i < RANGE_MEMBERS; i++) rangeSeed.push(String(i), rangeMember(i));
  const firstTen = Array.from({ length: 10 }, (_, i) => rangeMember(i));
  return [
    {
      label: "LPUSH",
      command: ["lpush", LIST_KEY, VALUE],
      redisTest: "lpush",
      result: "0",
      normalize: [normalizers.integer],
      probe: ["llen", LIST_KEY],
      verify: expectGrowth(1),
    },
    {
      label: "LPOP",
      command: ["lpop", LIST_KEY],
      redisTest: "lpop",
      result: JSON.stringify(VALUE),
      consumesList: LIST_KEY,
      cleanup: [["del", LIST_KEY]],
      probe: ["llen", LIST_KEY],
      verify: expectGrowth(-1),
    },
    {
      label: "SADD",
      command: ["sadd", "myset", "element:__rand_int__"],
      redisTest: "sadd",
      result: "0",
      seed: [["del", "myset"], ["sadd", "myset", "element:__rand_int__"]],
      probe: ["sismember", "myset", "element:__rand_int__"],
      verify: expectNumber(1),
    },
    {
      label: "ZADD",
      command: ["zadd", "myzset", "0", "element:__rand_int__"],
      redisTest: "zadd",
      result: "0",
      seed: [["del", "myzset"], ["zadd", "myzset", "0", "element:__rand_int__"]],
      probe: ["zscore", "myzset", "element:__rand_int__"],
      verify: expectNumber(0),
    },
    {
      label: "ZRANGE 0 9",
      command: ["zrange", RANGE_KEY, "0", "9"],
      result: JSON.stringify(firstTen),
      seed: [["del", RANGE_KEY], rangeSeed],
      probe: ["zrange", RANGE_KEY, "0", "9"],
      verify: expectValue(firstTen),
    },
    {
      label: "HSET",
      command: ["hset", "myhash", "element:__rand_int__", VALUE],
      redisTest: "hset",
      // compat: HSET of an existing field answers 0 and, as in Redis, still counts as a write.
      result: "0",
      seed: [["del", "myhash"], ["hset", "myhash", "element:__rand_int__", VALUE]],
      probe: ["hget", "myhash", "element:__rand_int__"],
      verify: expectValue(VALUE),
    },
    {
      label: "XADD",
      command: ["xadd", STREAM_KEY, "*", "myfield", VALUE],
      result: '"0-0"',
      normalize: [normalizers.streamId],
      cleanup: [["del", STREAM_KEY]],
      probe: ["xlen", STREAM_KEY],
      verify: expectGrowth(1),
    },
  ];
}

/** The growth part's sets: `m:` + the 12-digit index (redis-benchmark's __rand_int__), score = index. */
const growthKey = (size: number) => `zgrowth:${size}`;
const growthMember = (i: number) => `m:${String(i).padStart(12, "0")}`;

/**
 * Per size: ZRANK of a random member, ZRANGE BYSCORE from a random score (first 10), and ZADD of a
 * random score to a random member (moves a node: a delete and an insert). ZADD runs last, as it
 * changes the scores the other two rely on.
 */
function growthWorkloads(size: number): Workload[] {
  const key = growthKey(size);
  const cardinality = (_before: unknown, after: unknown) => (Number(after) === size ? undefined : `ZCARD ${after}, not ${size}`);
  return [
    {
      label: "ZRANK",
      command: ["zrank", key, "m:__rand_int__"],
      result: "0",
      normalize: [normalizers.integer],
      randomRange: size,
      probe: ["zcard", key],
      verify: cardinality,
    },
    {
      label: "ZRANGE BYSCORE LIMIT 0 10",
      command: ["zrange", key, "__rand_int__", "+inf", "byscore", "limit", "0", "10"],
      result: '["m"]',
      normalize: [normalizers.members],
      randomRange: size,
      probe: ["zcard", key],
      verify: cardinality,
    },
    {
      label: "ZADD",
      command: ["zadd", key, "__rand_int__", "m:__rand_int__"],
      result: "0",
      randomRange: size,
      keptInSecondHalf: [1],
      probe: ["zcard", key],
      verify: cardinality,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Scenarios: a workload sent a given way, with the redis-benchmark run it is compared with.

type Section = "strings" | "types" | "growth";

export interface Scenario {
  name: string;
  section: Section;
  workload: Workload;
  path: "/" | "/pipeline";
  /** Commands per request. */
  commandsPerRequest: number;
  /** Which redis-benchmark run this row is compared with. */
  redisPipeline: number;
  /** Target ratio of downstash to redis-server; undefined where the issue sets none. */
  target?: number;
  /** The growth part's set size. */
  size?: number;
}

function stringScenarios(options: Options): Scenario[] {
  const rows: Scenario[] = [];
  // The targets from the issue: GET ≥ 0.9× and SET ≥ 0.8× unpipelined, pipelines of 100 ≥ 0.8×.
  const shapes = [
    { suffix: "`POST /`", path: "/", size: 1, get: 0.9, set: 0.8 },
    { suffix: "`/pipeline` ×1", path: "/pipeline", size: 1, get: 0.9, set: 0.8 },
    { suffix: `\`/pipeline\` ×${options.pipelineSize}`, path: "/pipeline", size: options.pipelineSize, get: 0.8, set: 0.8 },
  ] as const;
  for (const shape of shapes) {
    for (const workload of [getWorkload, setWorkload]) {
      rows.push({
        name: `${workload.label}, ${shape.suffix}`,
        section: "strings",
        workload,
        path: shape.path,
        commandsPerRequest: shape.size,
        redisPipeline: shape.size,
        target: workload === getWorkload ? shape.get : shape.set,
      });
    }
  }
  return rows;
}

function dataTypeScenarios(options: Options): Scenario[] {
  return dataTypeWorkloads().map((workload) => ({
    name: `${workload.label}, \`/pipeline\` ×${options.pipelineSize}`,
    section: "types",
    workload,
    path: "/pipeline",
    commandsPerRequest: options.pipelineSize,
    redisPipeline: options.pipelineSize,
    target: 0.7,
  }));
}

function growthScenarios(options: Options, size: number): Scenario[] {
  return growthWorkloads(size).map((workload) => ({
    name: `${workload.label}, ${formatOps(size)} members`,
    section: "growth",
    workload,
    path: "/pipeline",
    commandsPerRequest: options.pipelineSize,
    redisPipeline: options.pipelineSize,
    size,
  }));
}

/** One command of a scenario as the check by hand sends it: random numbers fixed at 7. */
function sampleCommand(workload: Workload): string[] {
  return workload.command.map((arg) => (workload.randomRange === undefined ? arg : arg.replaceAll("__rand_int__", "000000000007")));
}

function requestBody(scenario: Scenario): string {
  const command = sampleCommand(scenario.workload);
  if (scenario.path === "/") return JSON.stringify(command);
  return JSON.stringify(Array.from({ length: scenario.commandsPerRequest }, () => command));
}

/** The exact body every response must have after normalization; anything else is a bad response. */
function expectedResponse(scenario: Scenario): string {
  const envelope = `{"result":${scenario.workload.result}}`;
  if (scenario.path === "/") return envelope;
  return "[" + Array.from({ length: scenario.commandsPerRequest }, () => envelope).join(",") + "]";
}

function normalize(workload: Workload, body: string): string {
  for (const { regex } of workload.normalize ?? []) body = body.replace(regex[0], regex[1]);
  return body;
}

// ---------------------------------------------------------------------------------------------
// Processes.

const children: Subprocess[] = [];

function requireTools(): void {
  const missing = ["wrk", "redis-server", "redis-benchmark", "redis-cli"].filter((tool) => Bun.which(tool) === null);
  if (missing.length > 0) {
    fail(`missing ${missing.join(", ")}: install with \`apt-get install wrk redis-server\` (redis-benchmark and redis-cli come with redis-server's package, redis-tools)`);
  }
}

function run(command: string[]): { stdout: string; stderr: string } {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  const stdout = result.stdout.toString();
  const stderr = result.stderr.toString();
  if (result.exitCode !== 0) fail(`${command.join(" ")} exited with ${result.exitCode}:\n${stdout}\n${stderr}`);
  return { stdout, stderr };
}

/**
 * Runs a load generator without blocking this process's event loop: the servers' stdout pipes
 * (downstash logs a line per request) keep being drained while it runs, as a log collector would.
 */
async function runAsync(command: string[]): Promise<{ stdout: string; stderr: string }> {
  const child = Bun.spawn(command, { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (exitCode !== 0) fail(`${command.join(" ")} exited with ${exitCode}:\n${stdout}\n${stderr}`);
  return { stdout, stderr };
}

function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

async function startRedis(): Promise<{ port: number }> {
  // The port is free when picked and could be taken before redis-server binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const child = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    children.push(child);
    const deadlineAtMs = Date.now() + 10_000;
    while (Date.now() < deadlineAtMs && child.exitCode === null) {
      const ping = Bun.spawnSync(["redis-cli", "-p", String(port), "ping"], { stdout: "pipe", stderr: "pipe" });
      if (ping.stdout.toString().trim() === "PONG") return { port };
      await Bun.sleep(50);
    }
    child.kill("SIGKILL");
  }
  fail("redis-server did not start (3 attempts)");
}

/** Spawns a Bun server that logs `{"event":"listening","url":…}` on stdout, and returns the URL. */
async function startHttpServer(name: string, command: string[], env: Record<string, string>): Promise<string> {
  try {
    const server = await spawnListening({ command, cwd: repoRoot, env, timeoutMs: 20_000, stderr: "pipe" });
    children.push(server.child);
    return server.url;
  } catch (error) {
    fail(`${name}: ${(error as Error).message}`);
  }
}

async function stopChildren(): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  }
  await Promise.all(
    children.map((child) =>
      Promise.race([child.exited, Bun.sleep(3000).then(() => child.kill("SIGKILL"))]),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Data on the servers: the same seeding, stocking and cleanup for all three, through a pipeline.

interface DataServer {
  name: string;
  /** Runs the commands as one pipeline and returns their results; any error reply fails the run. */
  pipeline(commands: string[][]): Promise<unknown[]>;
}

export interface HttpTarget extends DataServer {
  name: "downstash" | "proxy";
  url: string;
  token: string;
}

async function post(target: { url: string; token: string }, path: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(target.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
    body,
  });
  return { status: response.status, text: await response.text() };
}

function httpTarget(name: HttpTarget["name"], url: string, token: string): HttpTarget {
  return {
    name,
    url,
    token,
    async pipeline(commands) {
      const { status, text } = await post({ url, token }, "/pipeline", JSON.stringify(commands));
      if (status !== 200) fail(`${name}: /pipeline answered ${status} ${text.slice(0, 200)}`);
      const envelopes = JSON.parse(text) as ({ result: unknown } | { error: string })[];
      return envelopes.map((envelope, i) => {
        if ("error" in envelope) fail(`${name}: ${commands[i]!.slice(0, 3).join(" ")} failed: ${envelope.error}`);
        return envelope.result;
      });
    },
  };
}

function redisTarget(client: RedisClient): DataServer {
  return {
    name: "redis-server",
    async pipeline(commands) {
      // Every send is issued before the first await: the client writes them as one pipeline.
      return Promise.all(commands.map(([name, ...args]) => client.send(name!, args)));
    },
  };
}

const STOCK_VALUES_PER_COMMAND = 1_000;
const STOCK_COMMANDS_PER_REQUEST = 20;

/** Pushes VALUE onto `key` until the list holds at least `length` elements. */
async function stockList(server: DataServer, key: string, length: number): Promise<void> {
  let have = Number((await server.pipeline([["llen", key]]))[0]);
  const push = ["lpush", key, ...Array<string>(STOCK_VALUES_PER_COMMAND).fill(VALUE)];
  while (have < length) {
    const commands = Math.min(STOCK_COMMANDS_PER_REQUEST, Math.ceil((length - have) / STOCK_VALUES_PER_COMMAND));
    await server.pipeline(Array.from({ length: commands }, () => push));
    have += commands * STOCK_VALUES_PER_COMMAND;
  }
}

/** Fills a growth set through pipelines of ZADDs of 1,000 members each. */
async function fillGrowthSet(server: DataServer, size: number): Promise<void> {
  await server.pipeline([["del", growthKey(size)]]);
  const membersPerCommand = 1_000;
  let batch: string[][] = [];
  for (let start = 0; start < size; start += membersPerCommand) {
    const command = ["zadd", growthKey(size)];
    for (let i = start; i < Math.min(size, start + membersPerCommand); i++) command.push(String(i), growthMember(i));
    batch.push(command);
    if (batch.length === STOCK_COMMANDS_PER_REQUEST) {
      await server.pipeline(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await server.pipeline(batch);
  const [cardinality] = await server.pipeline([["zcard", growthKey(size)]]);
  if (Number(cardinality) !== size) fail(`${server.name}: ${growthKey(size)} holds ${cardinality} members after the fill, not ${size}`);
}

// ---------------------------------------------------------------------------------------------
// wrk.

/** One request by hand before any load, so a wrong envelope fails the run with the body in view. */
async function checkScenario(target: HttpTarget, scenario: Scenario): Promise<void> {
  const { status, text } = await post(target, scenario.path, requestBody(scenario));
  const expected = expectedResponse(scenario);
  if (status !== 200 || normalize(scenario.workload, text) !== expected) {
    fail(`${target.name} ${scenario.name}: expected 200 ${expected.slice(0, 80)}, got ${status} ${text.slice(0, 200)}`);
  }
}

function luaString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (code < 32 || code > 126) out += "\\" + String(code).padStart(3, "0");
    else out += ch;
  }
  return out + '"';
}

/** Distinct pre-built requests per wrk thread when commands carry random numbers. */
const RANDOM_REQUEST_POOL = 1_000;

/**
 * The wrk script: a POST with the token, a `response` callback that counts non-200 statuses and
 * bodies other than the expected one (after the workload's normalization) per thread, and a
 * `done` that sums the threads and prints one JSON line for this script to parse. Commands with
 * `__rand_int__` get a pool of requests built before the clock starts (numbers seeded per thread,
 * so runs repeat) and cycle through it, since drawing 100 numbers per request in Lua would load
 * the core the server needs; a fixed command is one fixed body.
 */
export function wrkScript(target: HttpTarget, scenario: Scenario): string {
  const workload = scenario.workload;
  const rules = (workload.normalize ?? []).map(({ lua }) => `{${luaString(lua[0])}, ${luaString(lua[1])}}`).join(", ");
  const pieces = workload.command.map((arg) => JSON.stringify(arg)).join(",").split("__rand_int__");
  const randomRequests =
    workload.randomRange === undefined
      ? ""
      : `
local pool = {}
local next_request = 1
local pieces = {${pieces.map((piece, i) => luaString((i === 0 ? "[" : "") + piece + (i === pieces.length - 1 ? "]" : ""))).join(", ")}}
local kept = {${(workload.keptInSecondHalf ?? []).map((index) => `[${index + 1}] = true`).join(", ")}}

local function draw()
  return math.random(0, ${workload.randomRange - 1})
end

-- One request's numbers: per command, one per __rand_int__.
local function draw_request(previous)
  local request = {}
  for c = 1, ${scenario.commandsPerRequest} do
    local numbers = {}
    for j = 1, #pieces - 1 do
      numbers[j] = (previous ~= nil and kept[j]) and previous[c][j] or draw()
    end
    request[c] = numbers
  end
  return request
end

local function body_of(request)
  local commands = {}
  for c = 1, #request do
    local parts = {pieces[1]}
    for j = 1, #request[c] do
      parts[#parts + 1] = string.format("%012d", request[c][j])
      parts[#parts + 1] = pieces[j + 1]
    end
    commands[c] = table.concat(parts)
  end
  return ${scenario.path === "/" ? "commands[1]" : '"[" .. table.concat(commands, ",") .. "]"'}
end

function request()
  local r = pool[next_request]
  next_request = next_request % #pool + 1
  return r
end
`;
  return `-- generated by scripts/bench.ts: ${target.name}, ${scenario.name}
wrk.method = "POST"
wrk.path = ${luaString(scenario.path)}
wrk.headers["Authorization"] = ${luaString(`Bearer ${target.token}`)}
wrk.headers["Content-Type"] = "application/json"
wrk.body = ${luaString(requestBody(scenario))}
local expected = ${luaString(expectedResponse(scenario))}
local rules = {${rules}}
${randomRequests}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  bad_status = 0
  bad_body = 0
  first_bad = ""
${
  workload.randomRange === undefined
    ? ""
    : `  math.randomseed(7919 * thread_number)
  local half = ${RANDOM_REQUEST_POOL / 2}
  for i = 1, half do
    local first = draw_request(nil)
    pool[i] = wrk.format(nil, nil, nil, body_of(first))
    pool[i + half] = wrk.format(nil, nil, nil, body_of(draw_request(first)))
  end
`
}end

local function normalize(body)
  for _, rule in ipairs(rules) do body = (string.gsub(body, rule[1], rule[2])) end
  return body
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
  elseif normalize(body) ~= expected then
    bad_body = bad_body + 1
    if first_bad == "" then first_bad = "200 " .. string.sub(body or "", 1, 200) end
  end
end

local function json_string(text)
  return '"' .. string.gsub(text, '[%c"\\\\]', function(c) return string.format("\\\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local bad_status_total, bad_body_total, first = 0, 0, ""
  for _, thread in ipairs(threads) do
    bad_status_total = bad_status_total + (thread:get("bad_status") or 0)
    bad_body_total = bad_body_total + (thread:get("bad_body") or 0)
    if first == "" then first = thread:get("first_bad") or "" end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"badStatus":%d,"badBody":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d,"firstBad":%s}\\n',
    summary.requests, summary.duration, bad_status_total, bad_body_total,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99), json_string(first)))
end
`;
}

interface WrkResult {
  requests: number;
  durationUs: number;
  badStatus: number;
  badBody: number;
  socketErrors: number;
  p50Us: number;
  p99Us: number;
  firstBad: string;
}

let wrkScriptCount = 0;

async function runWrk(options: Options, scriptDir: string, target: HttpTarget, scenario: Scenario, seconds: number): Promise<WrkResult> {
  const scriptPath = join(scriptDir, `${target.name}-${++wrkScriptCount}.lua`);
  writeFileSync(scriptPath, wrkScript(target, scenario));
  const { stdout } = await runAsync([
    "wrk",
    "-t", String(options.threads),
    "-c", String(options.connections),
    "-d", `${seconds}s`,
    "--timeout", "10s",
    "-s", scriptPath,
    target.url + scenario.path,
  ]);
  const line = stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
  if (line === undefined) fail(`wrk printed no result for ${target.name} ${scenario.name}:\n${stdout}`);
  return JSON.parse(line.slice("BENCH_RESULT ".length)) as WrkResult;
}

const opsPerSecond = (result: WrkResult, scenario: Scenario) =>
  (result.requests * scenario.commandsPerRequest) / (result.durationUs / 1e6);

const isClean = (result: WrkResult) => result.badStatus + result.badBody === 0;

/**
 * One measured wrk run, with the data the command needs in place. A command that consumes a list
 * gets a short calibration run first, then a list stocked for 3× what that rate would pop, so
 * it never pops an empty list (which would answer null: a bad body, and the run refused): a warm
 * server pops faster than the 1-second calibration that sized the stock.
 */
async function measureHttp(options: Options, workDir: string, target: HttpTarget, scenario: Scenario, seconds: number): Promise<WrkResult> {
  const workload = scenario.workload;
  if (workload.seed !== undefined) await target.pipeline(workload.seed);
  if (workload.consumesList !== undefined) {
    let stock = 2_000_000;
    for (;;) {
      await stockList(target, workload.consumesList, stock);
      const calibration = await runWrk(options, workDir, target, scenario, 1);
      if (isClean(calibration)) {
        stock = Math.ceil((opsPerSecond(calibration, scenario) * seconds * 3) / STOCK_VALUES_PER_COMMAND) * STOCK_VALUES_PER_COMMAND;
        break;
      }
      stock *= 4; // the calibration itself ran the list dry
      if (stock > 64_000_000) fail(`${target.name} ${scenario.name}: calibration keeps running ${workload.consumesList} dry`);
    }
    await stockList(target, workload.consumesList, stock);
  }
  return await runWrk(options, workDir, target, scenario, seconds);
}

// ---------------------------------------------------------------------------------------------
// redis-benchmark.

interface RedisResult {
  opsPerSecond: number;
  /** redis-benchmark's -n: commands, whatever the pipeline depth. */
  commands: number;
  p50Ms: number;
  p99Ms: number;
}

/** redis-benchmark at one pipeline depth, `-t <test>` or the command itself; `commands` is its -n. */
async function runRedisBenchmark(options: Options, port: number, scenario: Scenario, commands: number): Promise<RedisResult> {
  const workload = scenario.workload;
  const { stdout } = await runAsync([
    "redis-benchmark",
    "-h", "127.0.0.1",
    "-p", String(port),
    "-c", String(options.connections),
    "-n", String(commands),
    "-P", String(scenario.redisPipeline),
    ...(workload.randomRange === undefined ? [] : ["-r", String(workload.randomRange)]),
    "--csv",
    ...(workload.redisTest === undefined ? workload.command : ["-t", workload.redisTest]),
  ]);
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const testName = (workload.redisTest ?? workload.command.join(" ")).toLowerCase();
  for (const line of stdout.split("\n").slice(1)) {
    const cells = line.split(",").map((cell) => cell.replaceAll('"', ""));
    if (cells[0]?.toLowerCase() !== testName) continue;
    return { opsPerSecond: Number(cells[1]), commands, p50Ms: Number(cells[4]), p99Ms: Number(cells[6]) };
  }
  fail(`redis-benchmark printed no ${testName} row:\n${stdout}`);
}

/**
 * The probe's value once it stops changing: the proxy may still be forwarding requests wrk had in
 * flight when it stopped, and those must not count as redis-benchmark's.
 */
async function settledProbe(redis: DataServer, probe: string[]): Promise<unknown> {
  let [previous] = await redis.pipeline([probe]);
  for (let attempt = 0; attempt < 50; attempt++) {
    await Bun.sleep(100);
    const [current] = await redis.pipeline([probe]);
    if (JSON.stringify(current) === JSON.stringify(previous)) return current;
    previous = current;
  }
  fail(`redis-server's ${probe.join(" ")} kept changing for 5 s before redis-benchmark`);
}

/** Commands per redis-benchmark run, by scenario name; sized once, reused for every run. */
const redisCommandCounts = new Map<string, number>();

/**
 * redis-benchmark runs a command count, not a duration: a short calibration run sizes the real one
 * to last about `seconds`. It does not count error replies, so the workload's probe reads the
 * server's state before and after the measured run and must show every command's effect.
 */
async function measureRedis(options: Options, port: number, redis: DataServer, scenario: Scenario, seconds: number): Promise<RedisResult> {
  const workload = scenario.workload;
  const prepare = async (commands: number) => {
    if (workload.seed !== undefined) await redis.pipeline(workload.seed);
    if (workload.consumesList !== undefined) await stockList(redis, workload.consumesList, commands);
  };
  let commands = redisCommandCounts.get(scenario.name);
  if (commands === undefined) {
    const calibrationCommands = scenario.redisPipeline === 1 ? 20_000 : 200_000;
    await prepare(calibrationCommands);
    const calibration = await runRedisBenchmark(options, port, scenario, calibrationCommands);
    commands = Math.max(10_000, Math.round((calibration.opsPerSecond * seconds) / 10_000) * 10_000);
    redisCommandCounts.set(scenario.name, commands);
  }
  await prepare(commands);
  const before = await settledProbe(redis, workload.probe);
  const result = await runRedisBenchmark(options, port, scenario, commands);
  const [after] = await redis.pipeline([workload.probe]);
  const wrong = workload.verify(before, after, commands);
  if (wrong !== undefined) fail(`after redis-benchmark ${scenario.name.replaceAll("`", "")}: ${workload.probe.join(" ")} ${wrong}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Measuring rows.

interface Measurement {
  downstash: WrkResult;
  proxy?: WrkResult;
  redis: RedisResult;
}

interface Row {
  scenario: Scenario;
  /** One per run. */
  measurements: Measurement[];
}

interface Servers {
  options: Options;
  workDir: string;
  downstash: HttpTarget;
  proxy: HttpTarget;
  redis: DataServer;
  redisPort: number;
  log: (message: string) => void;
}

/**
 * Measures a row `runs` times; each run measures the servers back to back, so drifts in machine
 * load (other work on a shared box) hit each run's figures alike rather than one column.
 */
async function measureRow(servers: Servers, scenario: Scenario, withProxy: boolean, seconds: number, redisSeconds: number): Promise<Row> {
  const { options, workDir, log } = servers;
  const targets = withProxy ? [servers.downstash, servers.proxy] : [servers.downstash];
  const measurements: Measurement[] = [];
  for (let runIndex = 0; runIndex < options.runs; runIndex++) {
    const measured: Partial<Record<HttpTarget["name"], WrkResult>> = {};
    for (const target of targets) {
      const result = await measureHttp(options, workDir, target, scenario, seconds);
      measured[target.name] = result;
      log(`${scenario.name.replaceAll("`", "")} ${target.name}: ${formatOps(opsPerSecond(result, scenario))} ops/s` +
        (result.badStatus + result.badBody + result.socketErrors > 0
          ? ` (${result.badStatus} non-200, ${result.badBody} wrong bodies, ${result.socketErrors} socket errors: ${result.firstBad})`
          : ""));
    }
    const redis = await measureRedis(options, servers.redisPort, servers.redis, scenario, redisSeconds);
    log(`${scenario.name.replaceAll("`", "")} redis-server (-P ${scenario.redisPipeline}): ${formatOps(redis.opsPerSecond)} ops/s`);
    measurements.push({ downstash: measured.downstash!, proxy: measured.proxy, redis });
  }
  const cleanup = scenario.workload.cleanup;
  if (cleanup !== undefined) for (const server of [...targets, servers.redis]) await server.pipeline(cleanup);
  return { scenario, measurements };
}

// ---------------------------------------------------------------------------------------------
// In-process: the engine alone (dispatcher, keyspace, sorted set; no HTTP, no change log), per
// command and set size, with the skip-list nodes each command visits. Wall time on a shared
// machine wanders; the node count does not, and is the direct evidence of O(log n).

interface EngineResult {
  label: string;
  size: number;
  nanosecondsPerOperation: number;
  nodeVisitsPerOperation: number;
}

const engineSession: Session = { readOnly: false, inTransaction: false };

function measureEngine(options: Options): EngineResult[] {
  const dispatcher = new Dispatcher(createCommandTable());
  const results: EngineResult[] = [];
  for (const size of options.growthSizes) {
    const database = new Database("bench", systemClock, new SeededRandom(1), discardChanges);
    const key = growthKey(size);
    for (let start = 0; start < size; start += 1_000) {
      const command = ["zadd", key];
      for (let i = start; i < Math.min(size, start + 1_000); i++) command.push(String(i), growthMember(i));
      dispatcher.dispatch(database, command, engineSession);
    }
    const set = database.keyspace.get(key)!.value as SortedSet;
    const random = new SeededRandom(size);
    const draw = () => randomInt(random, size);
    // ZADD last: it moves members, and the others' argument choices assume score = index.
    const commands: [string, () => string[]][] = [
      ["ZRANK", () => ["zrank", key, growthMember(draw())]],
      ["ZRANGE by rank, 10 members", () => {
        const start = randomInt(random, size - 9);
        return ["zrange", key, String(start), String(start + 9)];
      }],
      ["ZRANGE BYSCORE LIMIT 0 10", () => ["zrange", key, String(randomInt(random, size - 9)), "+inf", "byscore", "limit", "0", "10"]],
      ["ZADD (moves a member)", () => ["zadd", key, String(draw()), growthMember(draw())]],
    ];
    for (const [label, make] of commands) {
      const timings: number[] = [];
      let visits = 0;
      for (let repeat = 0; repeat < 3; repeat++) {
        // Arguments are made before timing, so the figure is the engine's alone; fresh ones each
        // pass, or a second pass of the same ZADDs would find every score already set.
        const argvs = Array.from({ length: options.inProcessOperations }, make);
        const visitsBefore = set.nodeVisits;
        const startedAtMs = performance.now();
        for (const argv of argvs) {
          const reply = dispatcher.dispatch(database, argv, engineSession);
          if (reply instanceof ErrorReply || reply === null) fail(`in-process ${argv.join(" ")}: ${reply === null ? "nil" : reply.message}`);
        }
        timings.push(performance.now() - startedAtMs);
        visits = set.nodeVisits - visitsBefore;
      }
      results.push({
        label,
        size,
        nanosecondsPerOperation: (median(timings) * 1e6) / options.inProcessOperations,
        nodeVisitsPerOperation: visits / options.inProcessOperations,
      });
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Report.

const formatOps = (ops: number) => Math.round(ops).toLocaleString("en-US");
const formatRatio = (ratio: number) => `${ratio.toFixed(2)}×`;
const formatMs = (us: number) => (us / 1000).toFixed(2);

interface RowFigures {
  downstash: number;
  proxy: number | undefined;
  redis: number;
  /** downstash / redis of each run, for the spread. */
  ratios: number[];
}

function figuresOf(row: Row): RowFigures {
  const { scenario, measurements } = row;
  const proxies = measurements.flatMap((m) => (m.proxy === undefined ? [] : [opsPerSecond(m.proxy, scenario)]));
  return {
    downstash: median(measurements.map((m) => opsPerSecond(m.downstash, scenario))),
    proxy: proxies.length === 0 ? undefined : median(proxies),
    redis: median(measurements.map((m) => m.redis.opsPerSecond)),
    ratios: measurements.map((m) => opsPerSecond(m.downstash, scenario) / m.redis.opsPerSecond),
  };
}

const spreadOf = (ratios: number[]) => `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;

function machineInfo(redisVersion: string): { label: string; value: string }[] {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const memKb = Number(/^MemTotal:\s*(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const commit = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: repoRoot, stdout: "pipe", stderr: "ignore" });
  // Figures from a working tree with uncommitted server changes are not that commit's figures.
  const changed = Bun.spawnSync(["git", "status", "--porcelain", "--", "src", "package.json"], { cwd: repoRoot, stdout: "pipe", stderr: "ignore" });
  const commitLabel = commit.exitCode !== 0 ? "unknown" : commit.stdout.toString().trim() + (changed.stdout.toString().trim() === "" ? "" : " (with uncommitted changes in src/)");
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(", ");
  return [
    { label: "Date", value: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
    { label: "downstash commit", value: commitLabel },
    { label: "CPUs (nproc)", value: run(["nproc"]).stdout.trim() },
    { label: "CPU model", value: cpuModel },
    { label: "Memory", value: `${(memKb / 1024 / 1024).toFixed(1)} GiB` },
    { label: "Load average at the end (1, 5, 15 min)", value: load },
    { label: "Bun", value: Bun.version },
    { label: "redis-server", value: redisVersion },
    { label: "wrk", value: wrkVersion() },
  ];
}

/** `wrk --version` prints its version and then its usage, and exits 1. */
function wrkVersion(): string {
  const output = Bun.spawnSync(["wrk", "--version"], { stdout: "pipe", stderr: "pipe" }).stdout.toString();
  return /^wrk (\S+)/.exec(output)?.[1] ?? "unknown";
}

/** The comparison table of the GET/SET and data-type rows. */
function resultsTable(options: Options, rows: Row[], firstColumn: string): string[] {
  const spread = options.runs > 1;
  const lines = [
    `| ${firstColumn} | downstash ops/s | redis-server ops/s | proxy ops/s | downstash / redis |${spread ? " spread |" : ""} downstash / proxy | target | met |`,
    `| --- | ---: | ---: | ---: | ---: |${spread ? " ---: |" : ""} ---: | ---: | :---: |`,
  ];
  for (const row of rows) {
    const figures = figuresOf(row);
    const ratio = figures.downstash / figures.redis;
    const target = row.scenario.target!;
    lines.push(
      `| ${row.scenario.name} | ${formatOps(figures.downstash)} | ${formatOps(figures.redis)} | ${figures.proxy === undefined ? "–" : formatOps(figures.proxy)} | ` +
        `${formatRatio(ratio)} |${spread ? ` ${spreadOf(figures.ratios)} |` : ""} ${figures.proxy === undefined ? "–" : formatRatio(figures.downstash / figures.proxy)} | ` +
        `≥ ${target.toFixed(1)}× | ${ratio >= target ? "yes" : "no"} |`,
    );
  }
  return lines;
}

function redisInvocation(workload: Workload): string {
  return workload.redisTest === undefined ? workload.command.join(" ") : `-t ${workload.redisTest}`;
}

function renderReport(options: Options, machine: { label: string; value: string }[], rows: Row[], engine: EngineResult[]): string {
  const strings = rows.filter((row) => row.scenario.section === "strings");
  const types = rows.filter((row) => row.scenario.section === "types");
  const growth = rows.filter((row) => row.scenario.section === "growth");
  const size = options.pipelineSize;
  const runsNote =
    options.runs > 1
      ? ` Each row was measured ${options.runs} times (the servers back to back each time); figures are medians, and the spread is the lowest and highest downstash / redis of the runs.`
      : "";
  const lines: string[] = [];
  lines.push("# Benchmarks", "");
  lines.push("Generated by `npm run bench` (`scripts/bench.ts`); re-run it on a quiet machine to refresh this section.", "");
  lines.push("## Machine", "");
  for (const { label, value } of machine) lines.push(`- ${label}: ${value}`);
  lines.push("");

  lines.push("## Results", "");
  lines.push(
    `Operations per second at ${options.connections} connections; for pipelines an operation is one command, ` +
      `not one request. redis-server figures are \`redis-benchmark -c ${options.connections} -t get\` (or \`set\`), ` +
      `with \`-P ${size}\` for the pipeline rows; each row's three servers are measured back to back.${runsNote}`,
    "",
  );
  lines.push(...resultsTable(options, strings, "Scenario"), "");
  lines.push("Targets: downstash GET ≥ 0.9× and SET ≥ 0.8× redis-server's ops/s without pipelining at equal concurrency;");
  lines.push(`pipelines of ${size} ≥ 0.8× \`redis-benchmark -P ${size}\`.`, "");

  lines.push("## Data types", "");
  lines.push(
    `Each command ${size} times per \`/pipeline\` request (wrk, ${options.connections} connections) against ` +
      `\`redis-benchmark -c ${options.connections} -P ${size}\` with the same command: its own test (\`-t lpush\` ...) where it has one, ` +
      `else the command line itself. Target from the issue: ≥ 0.7× redis-server for each.${runsNote}`,
    "",
  );
  lines.push(...resultsTable(options, types, "Command"), "");
  lines.push("What each row sends (all three servers the same; `__rand_int__` is literal, as redis-benchmark leaves it without `-r`):", "");
  for (const row of types) {
    const workload = row.scenario.workload;
    lines.push(`- ${workload.label}: \`${workload.command.join(" ")}\`; redis-benchmark \`${redisInvocation(workload)}\`.`);
  }
  lines.push(
    `- LPUSH grows \`${LIST_KEY}\` and XADD \`${STREAM_KEY}\` for the whole row; LPOP pops a list stocked beforehand with 3× what a ` +
      `1-second calibration run pops, so no pop finds it empty. SADD, ZADD and HSET rewrite one member that exists already ` +
      `(\`-t\`'s own behaviour without \`-r\`): HSET still writes and is journaled, SADD and ZADD change nothing. ZRANGE 0 9 reads ` +
      `a set of ${formatOps(RANGE_MEMBERS)} members (a skip list in both servers).`,
    "",
  );

  if (growth.length > 0 || engine.length > 0) {
    const smallest = options.growthSizes[0]!;
    const largest = options.growthSizes[options.growthSizes.length - 1]!;
    lines.push(
      "## Sorted sets by size",
      "",
      `ZADD, ZRANK and ZRANGE on sets of ${options.growthSizes.map(formatOps).join(", ")} members (filled first through \`/pipeline\` ` +
        "batches of ZADDs of 1,000 members; members `m:<12-digit index>`, score = index). Each command draws its numbers at random " +
        `in [0, size) as \`redis-benchmark -r <size>\` does with \`__rand_int__\`. A logarithmic structure's cost per operation grows ` +
        `with log n: from ${formatOps(smallest)} to ${formatOps(largest)} members log₂ n goes from ${Math.log2(smallest).toFixed(0)} to ` +
        `${Math.log2(largest).toFixed(0)}, while a linear one's cost would grow ${formatOps(largest / smallest)}-fold.`,
      "",
    );
  }
  if (growth.length > 0) {
    lines.push(
      `### Over HTTP: \`/pipeline\` ×${size} against \`redis-benchmark -P ${size} -r <size>\``,
      "",
      `wrk sends each thread's pool of ${formatOps(RANDOM_REQUEST_POOL)} pre-built requests (${formatOps(RANDOM_REQUEST_POOL * size)} random commands) in turn; ` +
        `${options.growthSeconds} s per run. µs/command is the inverse of ops/s: the whole server's time per command, HTTP and change log included.`,
      "",
      "| Command | members | downstash ops/s | downstash µs/command | redis-server ops/s | downstash / redis |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const row of growth) {
      const figures = figuresOf(row);
      lines.push(
        `| ${row.scenario.workload.label} | ${formatOps(row.scenario.size!)} | ${formatOps(figures.downstash)} | ${(1e6 / figures.downstash).toFixed(2)} | ` +
          `${formatOps(figures.redis)} | ${formatRatio(figures.downstash / figures.redis)} |`,
      );
    }
    lines.push("");
    for (const label of [...new Set(growth.map((row) => row.scenario.workload.label))]) {
      const ofLabel = growth.filter((row) => row.scenario.workload.label === label);
      const first = figuresOf(ofLabel[0]!);
      const last = figuresOf(ofLabel[ofLabel.length - 1]!);
      lines.push(
        `- ${label}: ${formatOps(ofLabel[0]!.scenario.size!)} → ${formatOps(ofLabel[ofLabel.length - 1]!.scenario.size!)} members costs ` +
          `${(first.downstash / last.downstash).toFixed(2)}× the time per command in downstash, ${(first.redis / last.redis).toFixed(2)}× in redis-server.`,
      );
    }
    lines.push("");
    lines.push(
      "Every reply is checked: wrk compares each body (ZRANK a rank, ZRANGE a non-empty array of members, ZADD 0 as the member " +
        "existed), and after each redis-benchmark run the set still holds exactly its members (ZCARD).",
      "",
    );
  }
  if (engine.length > 0) {
    lines.push(
      "### In-process: the engine alone",
      "",
      `\`Dispatcher.dispatch\` in a loop over ${formatOps(options.inProcessOperations)} pre-made random commands (no HTTP, no change log), ` +
        "median of 3 passes; nodes visited is the sorted set's own count of skip-list nodes stepped through, which no machine load disturbs.",
      "",
      "| Command | members | ns/op | skip-list nodes visited/op | log₂ n |",
      "| --- | ---: | ---: | ---: | ---: |",
    );
    for (const result of engine) {
      lines.push(
        `| ${result.label} | ${formatOps(result.size)} | ${Math.round(result.nanosecondsPerOperation)} | ${result.nodeVisitsPerOperation.toFixed(1)} | ${Math.log2(result.size).toFixed(1)} |`,
      );
    }
    lines.push("");
    const labels = [...new Set(engine.map((result) => result.label))];
    const sizes = options.growthSizes;
    for (const label of labels) {
      const first = engine.find((r) => r.label === label && r.size === sizes[0])!;
      const last = engine.find((r) => r.label === label && r.size === sizes[sizes.length - 1])!;
      lines.push(
        `- ${label}: ×${formatOps(last.size / first.size)} members → nodes visited ×${(last.nodeVisitsPerOperation / first.nodeVisitsPerOperation).toFixed(2)}, ` +
          `time ×${(last.nanosecondsPerOperation / first.nanosecondsPerOperation).toFixed(2)} (log₂ n ×${(Math.log2(last.size) / Math.log2(first.size)).toFixed(2)}).`,
      );
    }
    lines.push(
      "",
      "Where time grows faster than the node count, the cause is memory rather than the algorithm: a large set's nodes no longer fit " +
        "in the CPU caches, so more of the visits wait on main memory (redis-server slows down with size too, above).",
      "",
    );
  }

  lines.push("## Latency and errors", "");
  lines.push(
    `Latency is per request (a pipeline of ${size} is one request, for redis-benchmark too). Bad responses are non-200 ` +
      "statuses or bodies other than the expected envelopes; wrk checks every response." +
      (options.runs > 1 ? " Commands and bad responses are totals over the runs; latencies are medians of the runs." : ""),
    "",
  );
  lines.push("| Scenario | server | commands | p50 ms | p99 ms | bad responses | socket errors |");
  lines.push("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    for (const name of ["downstash", "proxy"] as const) {
      const results = row.measurements.flatMap((m) => (m[name] === undefined ? [] : [m[name]!]));
      if (results.length === 0) continue;
      const sum = (f: (r: WrkResult) => number) => results.reduce((total, r) => total + f(r), 0);
      lines.push(
        `| ${row.scenario.name} | ${name} | ${sum((r) => r.requests) * row.scenario.commandsPerRequest} | ${formatMs(median(results.map((r) => r.p50Us)))} | ` +
          `${formatMs(median(results.map((r) => r.p99Us)))} | ${sum((r) => r.badStatus + r.badBody)} | ${sum((r) => r.socketErrors)} |`,
      );
    }
    // redis-benchmark's -n counts commands, and with -P it times each batch as one request.
    const redis = row.measurements.map((m) => m.redis);
    lines.push(
      `| ${row.scenario.name} | redis-server | ${redis.reduce((total, r) => total + r.commands, 0)} | ${median(redis.map((r) => r.p50Ms)).toFixed(2)} | ` +
        `${median(redis.map((r) => r.p99Ms)).toFixed(2)} | – | – |`,
    );
  }
  lines.push("");
  lines.push("## Method", "");
  lines.push(
    `- downstash: the real server (\`bun src/cli/main.ts serve --port 0\`, fresh data dir, known token, default settings: the ` +
      `change log is on, \`--fsync everysec\`), driven by \`wrk -t ${options.threads} -c ${options.connections} -d ${options.durationSeconds}s\` ` +
      "with a Lua script that posts the Upstash JSON body with the Bearer token and checks every response's status and body.",
    `- redis-server: Debian's, \`--save '' --appendonly no\` on a free loopback port (no persistence, unlike downstash: see the ` +
      `Durability section for both with a log), driven by \`redis-benchmark\` (one client thread, like wrk's -t ${options.threads}); its command ` +
      `count is sized from a short calibration run to last about ${options.redisSeconds} s per row (${options.growthSeconds} s in the growth ` +
      "part). It counts no error replies, so the key each row touches is read before and after its run and must show every command's effect " +
      "(a list or stream longer or shorter by exactly the command count, the member or value in place).",
    "- proxy: `scripts/bench-proxy.ts`, a Hono server shaped like serverless-redis-http that forwards each command " +
      "to the same redis-server with Bun's `RedisClient`; same wrk load as downstash.",
    `- Every HTTP server gets ${options.warmupSeconds} s of unmeasured load first. Key \`${KEY}\` and a ${VALUE.length}-byte ` +
      "value, as redis-benchmark uses without `-r`; GET rows read a key seeded beforehand, each data-type row's data is seeded on " +
      "all three servers before each run (the proxy's and redis-benchmark's runs share redis-server).",
    "- Load generator and servers share the machine's cores, as redis-benchmark and redis-server do.",
    "",
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// BENCHMARKS.md: this script owns the section between its markers, at the top of the file; the
// sections other scripts write (Durability, Lua, QStash, Kafka) stay as they are.

const START_MARKER = "<!-- bench:start (scripts/bench.ts) -->";
const END_MARKER = "<!-- bench:end -->";
/** Headings of this script's section before it had markers: anything else belongs to someone else. */
const ownHeadings = new Set(["Machine", "Results", "Data types", "Sorted sets by size", "Latency and errors", "Method"]);

export function replaceOwnSection(text: string, section: string): string {
  const block = `${START_MARKER}\n${section.trimEnd()}\n${END_MARKER}`;
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER);
  if (start !== -1 && end > start) return text.slice(0, start) + block + text.slice(end + END_MARKER.length);
  // A file from before the markers: this script's part runs from the top to the first line that
  // opens another script's block or a heading this script never writes.
  const lines = text.split("\n");
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^## (.+)$/.exec(line)?.[1];
    if (/^<!-- [\w-]+:start/.test(line) || (heading !== undefined && !ownHeadings.has(heading))) {
      cut = i;
      break;
    }
  }
  const rest = lines.slice(cut).join("\n").trimStart();
  return rest === "" ? `${block}\n` : `${block}\n\n${rest}`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  requireTools();
  const workDir = mkdtempSync(join(tmpdir(), "downstash-bench-"));
  const token = `bench-${crypto.randomUUID()}`;
  const log = (message: string) => console.error(`[bench] ${message}`);
  let redisClient: RedisClient | undefined;
  try {
    const redisVersion = /v=(\S+)/.exec(run(["redis-server", "--version"]).stdout)?.[1] ?? "unknown";
    const { port: redisPort } = await startRedis();
    log(`redis-server ${redisVersion} on port ${redisPort}`);
    redisClient = new RedisClient(`redis://127.0.0.1:${redisPort}`);
    await redisClient.connect();
    const downstash = httpTarget(
      "downstash",
      await startHttpServer("downstash", [process.execPath, "src/cli/main.ts", "serve", "--port", "0", "--data-dir", join(workDir, "data")], {
        UPSTASH_REDIS_REST_TOKEN: token,
        UPSTASH_REDIS_REST_READONLY_TOKEN: `${token}-read-only`,
        DOWNSTASH_ADMIN_TOKEN: `${token}-admin`,
      }),
      token,
    );
    const proxy = httpTarget(
      "proxy",
      await startHttpServer("proxy", [process.execPath, "scripts/bench-proxy.ts", "--port", "0", "--redis-url", `redis://127.0.0.1:${redisPort}`], {
        UPSTASH_REDIS_REST_TOKEN: token,
      }),
      token,
    );
    log(`downstash at ${downstash.url}, proxy at ${proxy.url}`);
    const servers: Servers = { options, workDir, downstash, proxy, redis: redisTarget(redisClient), redisPort, log };

    const stringRows = options.parts.has("strings") ? stringScenarios(options) : [];
    const typeRows = options.parts.has("types") ? dataTypeScenarios(options) : [];
    const growthRows = options.parts.has("growth") ? options.growthSizes.flatMap((size) => growthScenarios(options, size)) : [];

    // Every scenario once by hand first: a wrong envelope fails before minutes of load.
    for (const target of [downstash, proxy]) {
      for (const scenario of [...stringRows, ...typeRows]) {
        if (scenario.workload.seed !== undefined) await target.pipeline(scenario.workload.seed);
        if (scenario.workload.consumesList !== undefined) await stockList(target, scenario.workload.consumesList, 1_000);
        await checkScenario(target, scenario);
      }
    }
    if (growthRows.length > 0) {
      for (const size of options.growthSizes) {
        log(`filling ${growthKey(size)} with ${formatOps(size)} members on downstash and redis-server`);
        await fillGrowthSet(downstash, size);
        await fillGrowthSet(servers.redis, size);
      }
      for (const scenario of growthRows) await checkScenario(downstash, scenario);
    }

    const httpSeconds = (stringRows.length + typeRows.length) * (2 * options.durationSeconds + options.redisSeconds) + growthRows.length * 2 * options.growthSeconds;
    log(`about ${httpSeconds * options.runs + 2 * options.warmupSeconds} s of load (${options.runs} run${options.runs > 1 ? "s" : ""} per row)`);
    const warmupScenario = stringRows[0] ?? typeRows[0] ?? growthRows[0]!;
    for (const target of [downstash, proxy]) {
      log(`warming up ${target.name} for ${options.warmupSeconds} s`);
      await measureHttp(options, workDir, target, warmupScenario, options.warmupSeconds);
    }

    const results: Row[] = [];
    for (const scenario of [...stringRows, ...typeRows]) {
      results.push(await measureRow(servers, scenario, true, options.durationSeconds, options.redisSeconds));
    }
    // The proxy adds nothing to how cost grows with size: downstash and redis-server only.
    for (const scenario of growthRows) results.push(await measureRow(servers, scenario, false, options.growthSeconds, options.growthSeconds));

    let engine: EngineResult[] = [];
    if (options.parts.has("growth")) {
      log(`in-process engine: ${formatOps(options.inProcessOperations)} commands per command and size`);
      engine = measureEngine(options);
    }

    const report = renderReport(options, machineInfo(redisVersion), results, engine);
    console.log(report);
    const bad = results.flatMap((row) =>
      row.measurements.flatMap((m) =>
        ([["downstash", m.downstash], ["proxy", m.proxy]] as const)
          .filter(([, r]) => r !== undefined && !isClean(r))
          .map(([name, r]) => `${row.scenario.name} ${name}: first bad response ${r!.firstBad}`),
      ),
    );
    if (bad.length > 0) {
      // Figures that include error responses measure the error path: refuse to record them.
      fail(`bad responses, BENCHMARKS.md not written:\n${bad.join("\n")}`);
    }
    if (options.write) {
      const existing = existsSync(options.outputPath) ? readFileSync(options.outputPath, "utf8") : "";
      writeFileSync(options.outputPath, replaceOwnSection(existing, report));
      log(`wrote ${options.outputPath}`);
    }
    return 0;
  } finally {
    redisClient?.close();
    await stopChildren();
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  main().then(
    (code) => process.exit(code),
    async (error) => {
      await stopChildren();
      console.error(error instanceof BenchError ? `bench: ${error.message}` : error);
      process.exit(1);
    },
  );
}
