// `npm run bench`: downstash against redis-server and against a REST proxy in front of it, in one
// run on this machine. Starts all three (fresh data dir, known token, a free port each), drives the
// HTTP servers with wrk (Lua scripts that check every response's status and body) and redis-server
// with redis-benchmark, then writes the figures and their ratios to BENCHMARKS.md. Pipelines count
// commands, not requests. Flags: --quick (short smoke run), --no-write, --duration <s>, --threads <n>.

import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const repoRoot = join(import.meta.dir, "..");

interface Options {
  /** Seconds each wrk run measures. */
  durationSeconds: number;
  /** Seconds of unmeasured load per HTTP server before its first measured run. */
  warmupSeconds: number;
  /** Seconds each redis-benchmark run aims for; it runs a command count sized from a calibration. */
  redisSeconds: number;
  connections: number;
  pipelineSize: number;
  /** wrk threads; one matches redis-benchmark's single client thread. */
  threads: number;
  write: boolean;
  outputPath: string;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const options: Options = {
    durationSeconds: quick ? 2 : 10,
    warmupSeconds: quick ? 1 : 3,
    redisSeconds: quick ? 1 : 5,
    connections: 50,
    pipelineSize: 100,
    threads: 1,
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
    else if (arg === "--output") options.outputPath = argv[++i] ?? fail("--output needs a path");
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: bun scripts/bench.ts [--quick] [--no-write] [--duration s] [--threads n] [--connections n] [--output file]");
      process.exit(0);
    } else fail(`unknown argument ${arg} (see --help)`);
  }
  if (options.threads > options.connections) fail("--threads cannot exceed --connections");
  return options;
}

function fail(message: string): never {
  throw new BenchError(message);
}

class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------
// Scenarios. The key and value are redis-benchmark's own (`key:__rand_int__` without -r, and the
// 3-byte value it writes with the default -d 3), so all three servers do the same work per command.

const KEY = "key:__rand_int__";
const VALUE = "VXK";

type Operation = "get" | "set";

export interface Scenario {
  name: string;
  operation: Operation;
  path: "/" | "/pipeline";
  /** Commands per request. */
  commandsPerRequest: number;
  /** Which redis-benchmark run this row is compared with. */
  redisPipeline: number;
}

function scenarios(options: Options): Scenario[] {
  const rows: Scenario[] = [];
  for (const operation of ["get", "set"] as const) {
    rows.push({ name: `${operation.toUpperCase()}, \`POST /\``, operation, path: "/", commandsPerRequest: 1, redisPipeline: 1 });
  }
  for (const operation of ["get", "set"] as const) {
    rows.push({ name: `${operation.toUpperCase()}, \`/pipeline\` ×1`, operation, path: "/pipeline", commandsPerRequest: 1, redisPipeline: 1 });
  }
  for (const operation of ["get", "set"] as const) {
    const size = options.pipelineSize;
    rows.push({ name: `${operation.toUpperCase()}, \`/pipeline\` ×${size}`, operation, path: "/pipeline", commandsPerRequest: size, redisPipeline: size });
  }
  return rows;
}

function commandOf(operation: Operation): string[] {
  return operation === "get" ? ["get", KEY] : ["set", KEY, VALUE];
}

function requestBody(scenario: Scenario): string {
  const command = commandOf(scenario.operation);
  if (scenario.path === "/") return JSON.stringify(command);
  return JSON.stringify(Array.from({ length: scenario.commandsPerRequest }, () => command));
}

/** The exact body every response must have; anything else is counted as a bad response. */
function expectedResponse(scenario: Scenario): string {
  const envelope = JSON.stringify({ result: scenario.operation === "get" ? VALUE : "OK" });
  if (scenario.path === "/") return envelope;
  return "[" + Array.from({ length: scenario.commandsPerRequest }, () => envelope).join(",") + "]";
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
  const child = Bun.spawn(command, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  children.push(child);
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const timeout = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      for (const line of buffered.split("\n").slice(0, -1)) {
        if (!line.startsWith("{")) continue;
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event === "listening" && event.url !== undefined) {
          // Keep reading so the child never blocks on a full stdout pipe.
          (async () => {
            while (!(await reader.read()).done);
          })().catch(() => {});
          return event.url;
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
    }
  } finally {
    clearTimeout(timeout);
  }
  const stderr = await new Response(child.stderr).text();
  fail(`${name} did not report listening:\n${buffered}\n${stderr}`);
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
// HTTP targets and wrk.

export interface HttpTarget {
  name: "downstash" | "proxy";
  url: string;
  token: string;
}

async function post(target: HttpTarget, path: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(target.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/**
 * Writes the key the GET rows read. The proxy shares redis-server with redis-benchmark, whose SET
 * test writes the same key and value, but seeding every time keeps each row independent of order.
 */
async function seed(target: HttpTarget): Promise<void> {
  const { status, text } = await post(target, "/", JSON.stringify(commandOf("set")));
  if (status !== 200 || text !== '{"result":"OK"}') fail(`${target.name}: seeding ${KEY} failed: ${status} ${text}`);
}

/** One request by hand before any load, so a wrong envelope fails the run with the body in view. */
async function checkScenario(target: HttpTarget, scenario: Scenario): Promise<void> {
  const { status, text } = await post(target, scenario.path, requestBody(scenario));
  const expected = expectedResponse(scenario);
  if (status !== 200 || text !== expected) {
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

/**
 * The wrk script: a fixed POST with the token, a `response` callback that counts non-200 statuses
 * and bodies other than the expected one per thread, and a `done` that sums the threads and
 * prints one JSON line for this script to parse.
 */
export function wrkScript(target: HttpTarget, scenario: Scenario): string {
  return `-- generated by scripts/bench.ts: ${target.name}, ${scenario.name}
wrk.method = "POST"
wrk.path = ${luaString(scenario.path)}
wrk.headers["Authorization"] = ${luaString(`Bearer ${target.token}`)}
wrk.headers["Content-Type"] = "application/json"
wrk.body = ${luaString(requestBody(scenario))}
local expected = ${luaString(expectedResponse(scenario))}

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad_status = 0
  bad_body = 0
  first_bad = ""
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
  elseif body ~= expected then
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

function runWrk(options: Options, scriptDir: string, target: HttpTarget, scenario: Scenario, seconds: number): WrkResult {
  const scriptPath = join(scriptDir, `${target.name}-${scenario.operation}-${scenario.path.replace("/", "")}-${scenario.commandsPerRequest}.lua`);
  writeFileSync(scriptPath, wrkScript(target, scenario));
  const { stdout } = run([
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

// ---------------------------------------------------------------------------------------------
// redis-benchmark.

interface RedisResult {
  opsPerSecond: number;
  /** redis-benchmark's -n: commands, whatever the pipeline depth. */
  commands: number;
  p50Ms: number;
  p99Ms: number;
}

/** `redis-benchmark -t <operation> --csv` at one pipeline depth; `commands` is its -n. */
function runRedisBenchmark(options: Options, port: number, operation: Operation, pipeline: number, commands: number): RedisResult {
  const { stdout } = run([
    "redis-benchmark",
    "-h", "127.0.0.1",
    "-p", String(port),
    "-c", String(options.connections),
    "-n", String(commands),
    "-P", String(pipeline),
    "-t", operation,
    "--csv",
  ]);
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  for (const line of stdout.split("\n").slice(1)) {
    const cells = line.split(",").map((cell) => cell.replaceAll('"', ""));
    if (cells[0]?.toLowerCase() !== operation) continue;
    return { opsPerSecond: Number(cells[1]), commands, p50Ms: Number(cells[4]), p99Ms: Number(cells[6]) };
  }
  fail(`redis-benchmark printed no ${operation.toUpperCase()} row:\n${stdout}`);
}

/** Commands per redis-benchmark run, by "operation pipeline"; sized once, reused for every row. */
const redisCommandCounts = new Map<string, number>();

/**
 * redis-benchmark runs a command count, not a duration: a short calibration run sizes the real one
 * to last about `redisSeconds`. It does not count error replies, so the key is checked before and
 * after: GET must read the seeded value, and SET must have stored it.
 */
function measureRedis(options: Options, port: number, operation: Operation, pipeline: number): RedisResult {
  run(["redis-cli", "-p", String(port), "set", KEY, VALUE]);
  const countKey = `${operation} ${pipeline}`;
  let commands = redisCommandCounts.get(countKey);
  if (commands === undefined) {
    const calibration = runRedisBenchmark(options, port, operation, pipeline, pipeline === 1 ? 20_000 : 200_000);
    commands = Math.max(10_000, Math.round((calibration.opsPerSecond * options.redisSeconds) / 10_000) * 10_000);
    redisCommandCounts.set(countKey, commands);
  }
  const result = runRedisBenchmark(options, port, operation, pipeline, commands);
  const stored = run(["redis-cli", "-p", String(port), "get", KEY]).stdout.trim();
  if (stored !== VALUE) fail(`after redis-benchmark -t ${operation}, ${KEY} holds ${JSON.stringify(stored)}, not ${VALUE}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Report.

interface Row {
  scenario: Scenario;
  downstash: WrkResult;
  proxy: WrkResult;
  redis: RedisResult;
}

const opsPerSecond = (result: WrkResult, scenario: Scenario) =>
  (result.requests * scenario.commandsPerRequest) / (result.durationUs / 1e6);

const formatOps = (ops: number) => Math.round(ops).toLocaleString("en-US");
const formatRatio = (ratio: number) => `${ratio.toFixed(2)}×`;
const formatMs = (us: number) => (us / 1000).toFixed(2);

/** The targets from the issue: ratio of downstash to redis-server per operation and depth. */
function targetOf(scenario: Scenario): number {
  if (scenario.redisPipeline > 1) return 0.8;
  return scenario.operation === "get" ? 0.9 : 0.8;
}

function machineInfo(redisVersion: string): { label: string; value: string }[] {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const memKb = Number(/^MemTotal:\s*(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const commit = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: repoRoot, stdout: "pipe", stderr: "ignore" });
  // Figures from a working tree with uncommitted server changes are not that commit's figures.
  const changed = Bun.spawnSync(["git", "status", "--porcelain", "--", "src", "package.json"], { cwd: repoRoot, stdout: "pipe", stderr: "ignore" });
  const commitLabel = commit.exitCode !== 0 ? "unknown" : commit.stdout.toString().trim() + (changed.stdout.toString().trim() === "" ? "" : " (with uncommitted changes in src/)");
  return [
    { label: "Date", value: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
    { label: "downstash commit", value: commitLabel },
    { label: "CPUs (nproc)", value: run(["nproc"]).stdout.trim() },
    { label: "CPU model", value: cpuModel },
    { label: "Memory", value: `${(memKb / 1024 / 1024).toFixed(1)} GiB` },
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

function renderReport(options: Options, machine: { label: string; value: string }[], rows: Row[]): string {
  const lines: string[] = [];
  lines.push("# Benchmarks", "");
  lines.push("Generated by `npm run bench` (`scripts/bench.ts`); re-run it on a quiet machine to refresh this file.", "");
  lines.push("## Machine", "");
  for (const { label, value } of machine) lines.push(`- ${label}: ${value}`);
  lines.push("");
  lines.push("## Results", "");
  lines.push(
    `Operations per second at ${options.connections} connections; for pipelines an operation is one command, ` +
      `not one request. redis-server figures are \`redis-benchmark -c ${options.connections} -t get\` (or \`set\`), ` +
      `with \`-P ${options.pipelineSize}\` for the pipeline rows; each row's three servers are measured back to back.`,
    "",
  );
  lines.push("| Scenario | downstash ops/s | redis-server ops/s | proxy ops/s | downstash / redis | downstash / proxy | target | met |");
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |");
  for (const row of rows) {
    const downstash = opsPerSecond(row.downstash, row.scenario);
    const proxy = opsPerSecond(row.proxy, row.scenario);
    const redisRatio = downstash / row.redis.opsPerSecond;
    const target = targetOf(row.scenario);
    lines.push(
      `| ${row.scenario.name} | ${formatOps(downstash)} | ${formatOps(row.redis.opsPerSecond)} | ${formatOps(proxy)} | ` +
        `${formatRatio(redisRatio)} | ${formatRatio(downstash / proxy)} | ≥ ${target.toFixed(1)}× | ${redisRatio >= target ? "yes" : "no"} |`,
    );
  }
  lines.push("");
  lines.push("Targets: downstash GET ≥ 0.9× and SET ≥ 0.8× redis-server's ops/s without pipelining at equal concurrency;");
  lines.push(`pipelines of ${options.pipelineSize} ≥ 0.8× \`redis-benchmark -P ${options.pipelineSize}\`.`, "");
  lines.push("## Latency and errors", "");
  lines.push(
    "Latency is per request (a pipeline of 100 is one request, for redis-benchmark too). Bad responses are non-200 " +
      "statuses or bodies other than the exact expected envelope; wrk checks every response.",
    "",
  );
  lines.push("| Scenario | server | commands | p50 ms | p99 ms | bad responses | socket errors |");
  lines.push("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    for (const [name, result] of [["downstash", row.downstash], ["proxy", row.proxy]] as const) {
      lines.push(
        `| ${row.scenario.name} | ${name} | ${result.requests * row.scenario.commandsPerRequest} | ${formatMs(result.p50Us)} | ` +
          `${formatMs(result.p99Us)} | ${result.badStatus + result.badBody} | ${result.socketErrors} |`,
      );
    }
    // redis-benchmark's -n counts commands, and with -P it times each batch as one request.
    lines.push(
      `| ${row.scenario.name} | redis-server | ${row.redis.commands} | ${row.redis.p50Ms.toFixed(2)} | ${row.redis.p99Ms.toFixed(2)} | – | – |`,
    );
  }
  lines.push("");
  lines.push("## Method", "");
  lines.push(
    `- downstash: the real server (\`bun src/cli/main.ts serve --port 0\`, fresh data dir, known token), driven by ` +
      `\`wrk -t ${options.threads} -c ${options.connections} -d ${options.durationSeconds}s\` with a Lua script that posts ` +
      "the Upstash JSON body with the Bearer token and checks every response's status and exact body.",
    `- redis-server: Debian's, \`--save '' --appendonly no\` on a free loopback port, driven by \`redis-benchmark\` ` +
      `(one client thread, like wrk's -t ${options.threads}); its command count is sized from a short calibration run ` +
      `to last about ${options.redisSeconds} s per row.`,
    "- proxy: `scripts/bench-proxy.ts`, a Hono server shaped like serverless-redis-http that forwards each command " +
      "to the same redis-server with Bun's `RedisClient`; same wrk load as downstash.",
    `- Every HTTP server gets ${options.warmupSeconds} s of unmeasured load first. Key \`${KEY}\` and a ${VALUE.length}-byte ` +
      "value, as redis-benchmark uses without `-r`; GET rows read a key seeded beforehand.",
    "- Load generator and servers share the machine's cores, as redis-benchmark and redis-server do.",
    "",
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  requireTools();
  const workDir = mkdtempSync(join(tmpdir(), "downstash-bench-"));
  const token = `bench-${crypto.randomUUID()}`;
  const log = (message: string) => console.error(`[bench] ${message}`);
  try {
    const redisVersion = /v=(\S+)/.exec(run(["redis-server", "--version"]).stdout)?.[1] ?? "unknown";
    const { port: redisPort } = await startRedis();
    log(`redis-server ${redisVersion} on port ${redisPort}`);
    const downstash: HttpTarget = {
      name: "downstash",
      token,
      url: await startHttpServer("downstash", [process.execPath, "src/cli/main.ts", "serve", "--port", "0", "--data-dir", join(workDir, "data")], {
        UPSTASH_REDIS_REST_TOKEN: token,
        UPSTASH_REDIS_REST_READONLY_TOKEN: `${token}-read-only`,
        DOWNSTASH_ADMIN_TOKEN: `${token}-admin`,
      }),
    };
    const proxy: HttpTarget = {
      name: "proxy",
      token,
      url: await startHttpServer("proxy", [process.execPath, "scripts/bench-proxy.ts", "--port", "0", "--redis-url", `redis://127.0.0.1:${redisPort}`], {
        UPSTASH_REDIS_REST_TOKEN: token,
      }),
    };
    log(`downstash at ${downstash.url}, proxy at ${proxy.url}`);

    const rows = scenarios(options);
    for (const target of [downstash, proxy]) {
      await seed(target);
      for (const scenario of rows) await checkScenario(target, scenario);
    }

    const total = rows.length * (2 * options.durationSeconds + options.redisSeconds) + 2 * options.warmupSeconds;
    log(`about ${total} s of load: ${rows.length} rows × (2 HTTP servers × ${options.durationSeconds} s + redis-benchmark ~${options.redisSeconds} s)`);
    for (const target of [downstash, proxy]) {
      log(`warming up ${target.name} for ${options.warmupSeconds} s`);
      runWrk(options, workDir, target, rows[0]!, options.warmupSeconds);
    }

    const results: Row[] = [];
    for (const scenario of rows) {
      // The three servers are measured back to back per row, so drifts in machine load (other
      // work on a shared box) hit each row's figures alike rather than one column.
      const measured: Partial<Record<HttpTarget["name"], WrkResult>> = {};
      for (const target of [downstash, proxy]) {
        await seed(target);
        const result = runWrk(options, workDir, target, scenario, options.durationSeconds);
        measured[target.name] = result;
        log(`${scenario.name.replaceAll("`", "")} ${target.name}: ${formatOps(opsPerSecond(result, scenario))} ops/s` +
          (result.badStatus + result.badBody + result.socketErrors > 0
            ? ` (${result.badStatus} non-200, ${result.badBody} wrong bodies, ${result.socketErrors} socket errors)`
            : ""));
      }
      const redis = measureRedis(options, redisPort, scenario.operation, scenario.redisPipeline);
      log(`${scenario.name.replaceAll("`", "")} redis-server (-P ${scenario.redisPipeline}): ${formatOps(redis.opsPerSecond)} ops/s`);
      results.push({ scenario, downstash: measured.downstash!, proxy: measured.proxy!, redis });
    }

    const report = renderReport(options, machineInfo(redisVersion), results);
    console.log(report);
    const bad = results.flatMap((row) =>
      [["downstash", row.downstash], ["proxy", row.proxy]]
        .filter(([, r]) => (r as WrkResult).badStatus + (r as WrkResult).badBody > 0)
        .map(([name, r]) => `${row.scenario.name} ${name}: first bad response ${(r as WrkResult).firstBad}`),
    );
    if (bad.length > 0) {
      // Figures that include error responses measure the error path: refuse to record them.
      fail(`bad responses, BENCHMARKS.md not written:\n${bad.join("\n")}`);
    }
    if (options.write) {
      writeFileSync(options.outputPath, report);
      log(`wrote ${options.outputPath}`);
    }
    return 0;
  } finally {
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
