// Lints the deployment files, since no container or systemd can run here: the Dockerfile is parsed
// and its build stage replayed outside a container from exactly the files it COPYs (so every path
// it names exists in the build); its runtime stage, fly.toml and the systemd unit are checked
// against each other and against the option table (ports, data dir, signals, timeouts, secrets),
// and the health and metrics paths they name are served by the app.

import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envNames, options, type OptionName } from "../../src/config.ts";
import { Databases } from "../../src/platform/databases.ts";
import { createCommandTable } from "../../src/redis/commands/index.ts";
import { Dispatcher } from "../../src/redis/engine/dispatcher.ts";
import { createApp } from "../../src/server/app.ts";
import { createNodeMetrics } from "../../src/server/metrics.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { silentLogger } from "../../src/util/log.ts";

const repoRoot = join(import.meta.dir, "..", "..");
const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const scratch = mkdtempSync(join(tmpdir(), "downstash-packaging-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every DOWNSTASH_* and client variable the server reads, and those that hold secrets. */
const optionNames = Object.keys(options) as OptionName[];
const knownEnv = new Set(optionNames.flatMap((name) => envNames(name)).concat("DOWNSTASH_CONFIG"));
const secretEnv = new Set(optionNames.filter((name) => (options[name] as { secret?: boolean }).secret).flatMap((name) => envNames(name)));
const defaultShutdownTimeoutMs = options.shutdownTimeoutMs.default;

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile → instructions per stage (line continuations joined, comments dropped, global ARGs applied). */
function parseDockerfile(text: string): { stages: { from: string; name?: string; instructions: Instruction[] }[]; globalArgs: Map<string, string> } {
  const logical = text.replace(/\\\n/g, " ").split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  const globalArgs = new Map<string, string>();
  const stages: { from: string; name?: string; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    const upper = keyword!.toUpperCase();
    if (upper === "FROM") {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args!)!;
      const from = image!.replace(/\$\{(\w+)\}/g, (_, arg: string) => globalArgs.get(arg) ?? "");
      stages.push({ from, name, instructions: [] });
    } else if (stages.length === 0) {
      expect(upper).toBe("ARG");
      const [argName, value = ""] = args!.split("=");
      globalArgs.set(argName!, value);
    } else stages.at(-1)!.instructions.push({ keyword: upper, args: args! });
  }
  return { stages, globalArgs };
}

function envOf(instructions: Instruction[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const { keyword, args } of instructions) {
    if (keyword !== "ENV") continue;
    for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) env.set(key!, value!);
  }
  return env;
}

function isDockerIgnored(path: string, patterns: string[]): boolean {
  return patterns.some((pattern) => (/[*?]/.test(pattern) ? new Bun.Glob(pattern).match(path) : path === pattern || path.startsWith(`${pattern}/`)));
}

const dockerfile = parseDockerfile(read("Dockerfile"));
const dockerIgnore = read(".dockerignore").split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
const [buildStage, runtimeStage] = [dockerfile.stages[0]!, dockerfile.stages.at(-1)!];
const runtimeEnv = envOf(runtimeStage.instructions);
const fly = Bun.TOML.parse(read("fly.toml")) as any;

describe("Dockerfile", () => {
  test("is multi-stage: a named build stage, then a glibc runtime (not alpine, static or scratch)", () => {
    expect(dockerfile.stages.length).toBe(2);
    expect(buildStage.name).toBe("build");
    expect(runtimeStage.from).toMatch(/^(debian:[\w.-]+-slim|gcr\.io\/distroless\/base[\w-]*(:[\w.-]+)?)$/);
  });

  test("every file it COPYs from the context exists and is not excluded by .dockerignore; secrets and data are", () => {
    const sources = dockerfile.stages.flatMap((stage) =>
      stage.instructions.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from")).flatMap((i) => i.args.split(/\s+/).slice(0, -1)),
    );
    expect(sources.length).toBeGreaterThan(4);
    for (const source of sources) {
      expect(`${source} exists: ${existsSync(join(repoRoot, source))}`).toBe(`${source} exists: true`);
      expect(`${source} ignored: ${isDockerIgnored(source, dockerIgnore)}`).toBe(`${source} ignored: false`);
    }
    for (const kept of [".env", "data", "node_modules", ".git", "dist"]) expect(isDockerIgnored(kept, dockerIgnore)).toBe(true);
  });

  test("its build stage, replayed outside a container from exactly the files it copies, compiles a working binary", async () => {
    const workdir = buildStage.instructions.find((i) => i.keyword === "WORKDIR")!.args;
    const stageRoot = join(scratch, "build-stage");
    for (const { args } of buildStage.instructions.filter((i) => i.keyword === "COPY")) {
      const parts = args.split(/\s+/);
      const destination = parts.at(-1)!;
      for (const source of parts.slice(0, -1)) {
        const target = destination.endsWith("/") || destination === "./" ? join(stageRoot, destination, source.split("/").at(-1)!) : join(stageRoot, destination);
        cpSync(join(repoRoot, source), target, { recursive: true });
      }
    }
    const runs = buildStage.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
    expect(runs[0]).toBe("npm ci --no-audit --no-fund");
    // Stand-in for `npm ci`: the repository's own install of the same lockfile.
    symlinkSync(join(repoRoot, "node_modules"), join(stageRoot, "node_modules"));
    const outDir = join(scratch, "out");
    const build = runs[1]!.replaceAll("/out/", `${outDir}/`);
    const copyFromBuild = runtimeStage.instructions.find((i) => i.keyword === "COPY" && i.args.startsWith("--from=build"))!.args.split(/\s+/);
    expect(build).toContain(`--outfile ${copyFromBuild[1]!.replace("/out/", `${outDir}/`)}`);
    const result = Bun.spawnSync(["sh", "-c", build], {
      cwd: stageRoot,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", TARGETARCH: "amd64", COMMIT: "dockertest" },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(`${result.exitCode}\n${result.stderr.toString()}`).toBe("0\n");
    expect(result.stdout.toString()).toContain("downstash 0.1.0 (dockertest)\n");
    expect(workdir).toBe("/src");
  });

  test("runs the copied binary through the copied entrypoint, with a HEALTHCHECK by `downstash healthcheck`", () => {
    const copies = runtimeStage.instructions.filter((i) => i.keyword === "COPY").map((i) => i.args.split(/\s+/));
    const binaryPath = copies.find((parts) => parts[0] === "--from=build")![2]!;
    const entrypointPath = copies.find((parts) => parts[0] === "packaging/docker/entrypoint.sh")![1]!;
    const instruction = (keyword: string) => runtimeStage.instructions.find((i) => i.keyword === keyword)?.args;
    expect(JSON.parse(instruction("ENTRYPOINT")!)).toEqual([entrypointPath]);
    expect(JSON.parse(instruction("CMD")!)).toEqual(["serve"]);
    const healthcheck = /CMD (\[.*\])$/.exec(instruction("HEALTHCHECK")!)![1]!;
    expect(JSON.parse(healthcheck)).toEqual([binaryPath, "healthcheck"]);
    expect(instruction("STOPSIGNAL")).toBe("SIGTERM");
    // The entrypoint defaults to the same binary path the image copies it to.
    expect(read("packaging/docker/entrypoint.sh")).toContain(`binary="\${DOWNSTASH_BINARY:-${binaryPath}}"`);
  });

  test("ENV, VOLUME, EXPOSE and the unprivileged user agree, and name only options the server reads", () => {
    for (const key of runtimeEnv.keys()) {
      if (key === "DOWNSTASH_UID" || key === "DOWNSTASH_GID") continue; // read by the entrypoint
      expect(`${key} known: ${knownEnv.has(key)}`).toBe(`${key} known: true`);
      expect(secretEnv.has(key)).toBe(false);
    }
    expect(JSON.parse(runtimeStage.instructions.find((i) => i.keyword === "VOLUME")!.args)).toEqual([runtimeEnv.get("DOWNSTASH_DATA_DIR")]);
    expect(runtimeStage.instructions.find((i) => i.keyword === "EXPOSE")!.args).toBe(runtimeEnv.get("DOWNSTASH_PORT")!);
    const useradd = runtimeStage.instructions.find((i) => i.keyword === "RUN" && i.args.includes("useradd"))!.args;
    expect(useradd).toContain(`--uid ${runtimeEnv.get("DOWNSTASH_UID")}`);
    expect(useradd).toContain("--gid downstash");
    expect(runtimeStage.instructions.find((i) => i.keyword === "RUN" && i.args.includes("groupadd"))!.args).toContain(`--gid ${runtimeEnv.get("DOWNSTASH_GID")}`);
    expect(runtimeEnv.get("DOWNSTASH_UID")).not.toBe("0");
    expect(runtimeEnv.get("DOWNSTASH_HOST")).toBe("0.0.0.0");
  });
});

describe("fly.toml", () => {
  test("is a stateful single-region app: one volume on the image's data dir, SIGTERM, a kill_timeout above the shutdown timeout", () => {
    expect(typeof fly.app).toBe("string");
    expect(typeof fly.primary_region).toBe("string");
    expect(fly.kill_signal).toBe("SIGTERM");
    expect(fly.kill_timeout * 1000).toBeGreaterThan(defaultShutdownTimeoutMs);
    expect(fly.kill_timeout).toBeLessThanOrEqual(300);
    expect(fly.mounts).toHaveLength(1);
    expect(fly.mounts[0].destination).toBe(runtimeEnv.get("DOWNSTASH_DATA_DIR"));
    expect(fly.env.DOWNSTASH_DATA_DIR).toBe(fly.mounts[0].destination);
    expect(fly.build.dockerfile).toBe("Dockerfile");
    expect(existsSync(join(repoRoot, fly.build.dockerfile))).toBe(true);
    // bluegreen and canary are refused for apps with volumes.
    expect(fly.deploy.strategy).toBe("rolling");
  });

  test("the http service keeps its Machine running and targets the port the image serves on", () => {
    const service = fly.http_service;
    expect(service.auto_stop_machines).toBe("off");
    expect(service.internal_port).toBe(Number(runtimeEnv.get("DOWNSTASH_PORT")));
    expect(Number(fly.env.DOWNSTASH_PORT)).toBe(service.internal_port);
    expect(fly.metrics.port).toBe(service.internal_port);
    expect(service.checks.map((check: { path: string }) => check.path)).toEqual(["/healthz"]);
    // 6PN is IPv6: the app must listen on every address family there.
    expect(fly.env.DOWNSTASH_HOST).toBe("::");
  });

  test("[env] holds only known options and no secret: tokens go in `fly secrets`", () => {
    for (const key of Object.keys(fly.env)) {
      expect(`${key} known: ${knownEnv.has(key)}`).toBe(`${key} known: true`);
      expect(`${key} secret: ${secretEnv.has(key)}`).toBe(`${key} secret: false`);
    }
  });

  test("the health check and metrics paths it names are served by the app without a token", async () => {
    const clock = new ManualClock();
    const databases = new Databases();
    const app = createApp({
      redis: { dispatcher: new Dispatcher(createCommandTable()), authenticate: () => undefined, maxRequestBytes: 1024 },
      isReady: () => true,
      log: silentLogger,
      metrics: createNodeMetrics({ databases: () => databases.all(), clock }),
    });
    for (const check of fly.http_service.checks) expect((await app.request(check.path, { method: check.method })).status).toBe(200);
    const metrics = await app.request(fly.metrics.path);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  });
});

/** A unit file → section → key → values, in order (keys may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section !== null) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const assignment = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (assignment === null || current === undefined) throw new Error(`not a unit file line: ${line}`);
    current.set(assignment[1]!, [...(current.get(assignment[1]!) ?? []), assignment[2]!]);
  }
  return sections;
}

describe("packaging/systemd/downstash.service", () => {
  const unit = parseUnit(read("packaging/systemd/downstash.service"));
  const service = unit.get("Service")!;
  const one = (key: string) => {
    const values = service.get(key);
    expect(`${key}: ${values?.length}`).toBe(`${key}: 1`);
    return values![0]!;
  };

  test("has the three sections and only directives systemd knows", () => {
    expect([...unit.keys()]).toEqual(["Unit", "Service", "Install"]);
    const known = new Set(
      "Description Documentation After Wants StartLimitIntervalSec StartLimitBurst Type NotifyAccess ExecStart Environment EnvironmentFile DynamicUser StateDirectory StateDirectoryMode UMask Restart RestartSec TimeoutStartSec TimeoutStopSec KillSignal WatchdogSec LimitNOFILE NoNewPrivileges ProtectSystem ProtectHome PrivateTmp PrivateDevices ProtectKernelTunables ProtectKernelModules ProtectKernelLogs ProtectControlGroups ProtectClock ProtectHostname ProtectProc RestrictAddressFamilies RestrictNamespaces RestrictRealtime RestrictSUIDSGID LockPersonality SystemCallArchitectures SystemCallFilter SystemCallErrorNumber CapabilityBoundingSet WantedBy".split(
        " ",
      ),
    );
    for (const section of unit.values()) for (const key of section.keys()) expect(`${key} known: ${known.has(key)}`).toBe(`${key} known: true`);
    expect(unit.get("Install")!.get("WantedBy")).toEqual(["multi-user.target"]);
  });

  test("is Type=notify, restarts on failure, keeps its data in the StateDirectory and its secrets out of the unit", () => {
    expect(one("Type")).toBe("notify");
    expect(one("NotifyAccess")).toBe("main"); // the binary itself sends READY=1, not a child
    expect(one("ExecStart")).toBe("/usr/local/bin/downstash serve");
    expect(one("Restart")).toBe("on-failure");
    expect(Number(one("LimitNOFILE"))).toBeGreaterThanOrEqual(65536);
    expect(one("KillSignal")).toBe("SIGTERM");
    expect(Number(one("TimeoutStopSec")) * 1000).toBeGreaterThan(defaultShutdownTimeoutMs);
    expect(Number(one("WatchdogSec"))).toBeGreaterThan(0);
    const stateDirectory = one("StateDirectory");
    const environment = new Map(service.get("Environment")!.map((assignment) => assignment.split("=") as [string, string]));
    expect(environment.get("DOWNSTASH_DATA_DIR")).toBe(`/var/lib/${stateDirectory}`);
    for (const key of environment.keys()) {
      expect(knownEnv.has(key)).toBe(true);
      expect(secretEnv.has(key)).toBe(false);
    }
    expect(one("EnvironmentFile")).toBe("-/etc/downstash/downstash.env");
  });

  test("is hardened without the directives that slow or break Bun", () => {
    for (const [key, value] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["PrivateTmp", "yes"],
      ["PrivateDevices", "yes"],
      ["RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"],
      ["SystemCallFilter", "@system-service"],
      ["CapabilityBoundingSet", ""],
    ]) {
      expect(`${key}=${one(key!)}`).toBe(`${key}=${value}`);
    }
    // MemoryDenyWriteExecute turns off the JIT (about 6.5x slower); LimitAS breaks Bun's reservations.
    expect(service.has("MemoryDenyWriteExecute")).toBe(false);
    expect(service.has("LimitAS")).toBe(false);
    // AF_UNIX is what the READY=1 datagram needs.
    expect(one("RestrictAddressFamilies").split(" ")).toContain("AF_UNIX");
  });
});
