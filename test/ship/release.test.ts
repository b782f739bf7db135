// Proves the release end to end, building it once (every target, ~20-60 s): scripts/release.ts
// cross-compiles all seven targets here, each archive holds an executable of its OS and CPU, and
// SHASUMS256.txt is right; install.sh picks this machine's asset, installs it only when its
// checksum matches, and maps other machines to their assets; the installed linux-x64 binary passes
// the SDK smoke test from a directory holding a stray .env and bunfig.toml, sends READY=1 and
// STOPPING=1 to a real NOTIFY_SOCKET, and runs under the Docker image's own entrypoint and
// HEALTHCHECK command outside a container.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "@upstash/redis";
import { VERSION } from "../../src/version.ts";
import { RELEASE_TARGETS } from "../../scripts/release.ts";
import { runCli, startServer } from "../harness/server.ts";
import { NotifySocket } from "./notify-socket.ts";

const RELEASE_TIMEOUT_MS = 600_000;
const repoRoot = join(import.meta.dir, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "downstash-release-test-"));
// The Docker entrypoint test drops to an unprivileged user, who must reach the binary.
chmodSync(scratch, 0o755);
const releaseDir = join(scratch, "release");
const installSh = join(repoRoot, "scripts", "install.sh");
const hasAvx2 = /\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8"));
const thisMachineTarget = hasAvx2 ? "linux-x64" : "linux-x64-baseline";

let installedBinary = "";
let releaseCommit = "";

beforeAll(async () => {
  const built = await runCli(["scripts/release.ts", "--out", releaseDir], { command: [process.execPath] });
  if (built.exitCode !== 0) throw new Error(`release failed (${built.exitCode}):\n${built.stdout}\n${built.stderr}`);
  releaseCommit = JSON.parse(built.stdout.trim().split("\n").at(-1)!).commit;
  const install = await runInstall(["--from", releaseDir, "--bin-dir", join(scratch, "bin")]);
  if (install.exitCode !== 0) throw new Error(`install.sh failed (${install.exitCode}):\n${install.stderr}`);
  installedBinary = join(scratch, "bin", "downstash");
}, RELEASE_TIMEOUT_MS);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runInstall(args: string[], env: Record<string, string> = {}) {
  return runCli([installSh, ...args], { command: ["sh"], env: { TMPDIR: scratch, ...env } });
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** OS and CPU from an executable's header, read here independently of scripts/release.ts. */
function platformOf(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) === 0x7f454c46) return `linux-${({ 62: "x64", 183: "arm64" } as Record<number, string>)[view.getUint16(18, true)]}`;
  if (view.getUint32(0, true) === 0xfeedfacf) return `darwin-${({ 0x01000007: "x64", 0x0100000c: "arm64" } as Record<number, string>)[view.getUint32(4, true)]}`;
  const pe = view.getUint32(0x3c, true);
  if (view.getUint16(0, true) === 0x5a4d && view.getUint32(pe) === 0x50450000) return `windows-${view.getUint16(pe + 4, true) === 0x8664 ? "x64" : "?"}`;
  return "unknown";
}

/** The single file in a release archive: its path and its bytes. */
function archivedFile(asset: string, archive: Uint8Array<ArrayBuffer>): { path: string; bytes: Uint8Array } {
  if (asset.endsWith(".zip")) {
    const view = new DataView(archive.buffer, archive.byteOffset);
    expect(view.getUint32(0, true)).toBe(0x04034b50);
    const nameLength = view.getUint16(26, true);
    const compressedSize = view.getUint32(18, true);
    const start = 30 + nameLength + view.getUint16(28, true);
    const path = new TextDecoder().decode(archive.subarray(30, 30 + nameLength));
    return { path, bytes: Bun.inflateSync(archive.subarray(start, start + compressedSize)) };
  }
  const tar = Bun.gunzipSync(archive);
  const field = (offset: number, length: number) => new TextDecoder().decode(tar.subarray(offset, offset + length)).replace(/\0.*$/s, "");
  // Block 0: the directory; block 1: the file's header; its data follows.
  expect(field(156, 1)).toBe("5");
  const size = parseInt(field(512 + 124, 12), 8);
  return { path: field(512, 100), bytes: tar.subarray(1024, 1024 + size) };
}

describe("scripts/release.ts", () => {
  test("ships exactly the issue's seven targets", () => {
    expect(RELEASE_TARGETS.map((target) => target.name)).toEqual([
      "linux-x64",
      "linux-x64-baseline",
      "linux-arm64",
      "linux-x64-musl",
      "darwin-arm64",
      "darwin-x64",
      "windows-x64",
    ]);
  });

  test("every archive holds one executable of its own OS and CPU, and SHASUMS256.txt lists every asset's sha256", async () => {
    const listed = new Map(
      readFileSync(join(releaseDir, "SHASUMS256.txt"), "utf8")
        .trimEnd()
        .split("\n")
        .map((line) => {
          const [digest, name] = line.split("  ");
          return [name!, digest!] as const;
        }),
    );
    const assets = readdirSync(releaseDir).filter((name) => name !== "SHASUMS256.txt").sort();
    expect([...listed.keys()].sort()).toEqual(assets);
    for (const asset of assets) expect(listed.get(asset)).toBe(sha256(readFileSync(join(releaseDir, asset))));

    for (const target of RELEASE_TARGETS) {
      const asset = target.os === "windows" ? `downstash-${target.name}.zip` : `downstash-${target.name}.tar.gz`;
      const { path, bytes } = archivedFile(asset, new Uint8Array(readFileSync(join(releaseDir, asset))));
      expect(path).toBe(`downstash-${target.name}/downstash${target.os === "windows" ? ".exe" : ""}`);
      expect(`${target.name}: ${platformOf(bytes)}`).toBe(`${target.name}: ${target.os}-${target.cpu}`);
      // The embedded version string is in every build.
      expect(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(`"${VERSION}"`)).toBe(true);
    }
    expect(listed.has("install.sh") && listed.has("downstash.service")).toBe(true);
  });
});

describe("install.sh", () => {
  test("installs this machine's asset after checking its checksum; the binary reports version and commit", async () => {
    const installed = await runCli(["version"], { command: [installedBinary] });
    expect(installed.exitCode).toBe(0);
    expect(installed.stdout).toBe(`downstash ${VERSION} (${releaseCommit})\n`);
    const printed = await runInstall(["--print-target"]);
    expect(printed.stdout).toBe(`downstash-${thisMachineTarget}.tar.gz\n`);
    // What was installed is byte for byte the archived binary.
    const { bytes } = archivedFile(`downstash-${thisMachineTarget}.tar.gz`, new Uint8Array(readFileSync(join(releaseDir, `downstash-${thisMachineTarget}.tar.gz`))));
    expect(sha256(readFileSync(installedBinary))).toBe(sha256(bytes));
    expect(statSync(installedBinary).mode & 0o777).toBe(0o755);
  });

  test("a tampered archive is refused and nothing is installed", async () => {
    const tampered = join(scratch, "tampered");
    mkdirSync(tampered);
    for (const name of ["SHASUMS256.txt", `downstash-${thisMachineTarget}.tar.gz`]) writeFileSync(join(tampered, name), readFileSync(join(releaseDir, name)));
    const asset = join(tampered, `downstash-${thisMachineTarget}.tar.gz`);
    const bytes = readFileSync(asset);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(asset, bytes);
    const binDir = join(scratch, "bin-tampered");
    const result = await runInstall(["--from", tampered, "--bin-dir", binDir]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`checksum mismatch for downstash-${thisMachineTarget}.tar.gz`);
    expect(existsSync(join(binDir, "downstash"))).toBe(false);

    // An asset SHASUMS256.txt does not list is refused too.
    writeFileSync(join(tampered, "SHASUMS256.txt"), readFileSync(join(releaseDir, "SHASUMS256.txt"), "utf8").replace(/^.*  downstash-linux-x64(-baseline)?\.tar\.gz\n/gm, ""));
    const unlisted = await runInstall(["--from", tampered, "--bin-dir", binDir]);
    expect(unlisted.exitCode).toBe(1);
    expect(unlisted.stderr).toContain(`SHASUMS256.txt lists no downstash-${thisMachineTarget}.tar.gz`);
    expect(existsSync(join(binDir, "downstash"))).toBe(false);
  });

  test("maps each kind of machine to its asset (uname, libc, AVX2, Rosetta)", async () => {
    const stubs = join(scratch, "stubs");
    const cases = [
      { uname: "Linux x86_64", avx2: true, musl: false, translated: "", expected: "downstash-linux-x64.tar.gz" },
      { uname: "Linux x86_64", avx2: false, musl: false, translated: "", expected: "downstash-linux-x64-baseline.tar.gz" },
      { uname: "Linux x86_64", avx2: true, musl: true, translated: "", expected: "downstash-linux-x64-musl.tar.gz" },
      { uname: "Linux aarch64", avx2: false, musl: false, translated: "", expected: "downstash-linux-arm64.tar.gz" },
      { uname: "Darwin arm64", avx2: false, musl: false, translated: "", expected: "downstash-darwin-arm64.tar.gz" },
      { uname: "Darwin x86_64", avx2: false, musl: false, translated: "1", expected: "downstash-darwin-arm64.tar.gz" },
      { uname: "Darwin x86_64", avx2: false, musl: false, translated: "0", expected: "downstash-darwin-x64.tar.gz" },
    ];
    for (const [i, machine] of cases.entries()) {
      const dir = join(stubs, String(i));
      mkdirSync(dir, { recursive: true });
      const [system, cpu] = machine.uname.split(" ");
      writeFileSync(join(dir, "uname"), `#!/bin/sh\ncase "$1" in -s) echo ${system} ;; -m) echo ${cpu} ;; *) echo ${system} ;; esac\n`, { mode: 0o755 });
      writeFileSync(join(dir, "ldd"), `#!/bin/sh\necho "${machine.musl ? "musl libc (x86_64)" : "ldd (Debian GLIBC 2.36-9) 2.36"}"\n`, { mode: 0o755 });
      writeFileSync(join(dir, "sysctl"), `#!/bin/sh\necho ${machine.translated}\n`, { mode: 0o755 });
      writeFileSync(join(dir, "cpuinfo"), `flags\t\t: fpu sse sse2${machine.avx2 ? " avx avx2" : " avx"} bmi1\n`);
      const result = await runInstall(["--print-target"], { PATH: `${dir}:${process.env.PATH}`, DOWNSTASH_CPUINFO: join(dir, "cpuinfo") });
      expect(`${machine.uname} avx2=${machine.avx2} musl=${machine.musl}: ${result.stdout.trim()}`).toBe(
        `${machine.uname} avx2=${machine.avx2} musl=${machine.musl}: ${machine.expected}`,
      );
    }
    const windows = join(stubs, "windows");
    mkdirSync(windows, { recursive: true });
    writeFileSync(join(windows, "uname"), "#!/bin/sh\necho MINGW64_NT-10.0\n", { mode: 0o755 });
    const refused = await runInstall(["--print-target"], { PATH: `${windows}:${process.env.PATH}` });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("downstash-windows-x64.zip");
  });

  test("--systemd installs the unit (pointing at the installed binary) and a private env file", async () => {
    const unitDir = join(scratch, "systemd");
    const configDir = join(scratch, "etc-downstash");
    const binDir = join(scratch, "bin-systemd");
    const result = await runInstall(["--from", releaseDir, "--bin-dir", binDir, "--systemd"], {
      DOWNSTASH_SYSTEMD_DIR: unitDir,
      DOWNSTASH_CONFIG_DIR: configDir,
    });
    expect(result.exitCode).toBe(0);
    const unit = readFileSync(join(unitDir, "downstash.service"), "utf8");
    expect(unit).toContain(`ExecStart=${binDir}/downstash serve\n`);
    expect(unit.replace(`${binDir}/downstash`, "/usr/local/bin/downstash")).toBe(readFileSync(join(repoRoot, "packaging/systemd/downstash.service"), "utf8"));
    expect(statSync(join(configDir, "downstash.env")).mode & 0o777).toBe(0o600);
    // systemd's own linter, where this machine has it (Debian's systemd package does).
    const systemdAnalyze = Bun.which("systemd-analyze");
    if (systemdAnalyze !== null) {
      const verify = await runCli(["verify", join(unitDir, "downstash.service")], { command: [systemdAnalyze] });
      expect(`${verify.exitCode} ${verify.stdout}${verify.stderr}`).toBe("0 ");
    }
  });
});

describe("the installed linux-x64 binary", () => {
  test("passes the SDK smoke test from a directory with a stray .env and bunfig.toml, which it ignores", async () => {
    const cwd = join(scratch, "stray-cwd");
    const bogusToken = "bogus-token-from-a-stray-dotenv-file";
    const marker = join(cwd, "bunfig-preload-ran");
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, ".env"), `UPSTASH_REDIS_REST_TOKEN=${bogusToken}\nDOWNSTASH_LOG_LEVEL=error\n`);
    writeFileSync(join(cwd, "preload.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
    writeFileSync(join(cwd, "bunfig.toml"), `preload = ["./preload.ts"]\n`);

    await using server = await startServer({ command: [installedBinary], cwd, storedCredentials: true, dataDir: join(scratch, "smoke-data") });
    expect(server.token).not.toBe(bogusToken);
    expect(existsSync(marker)).toBe(false);

    for (const options of [{}, { enableAutoPipelining: false }, { responseEncoding: false as const }]) {
      const redis = new Redis({ url: server.url, token: server.token, enableTelemetry: false, ...options });
      expect(await redis.set("user:1", { name: "Ada" }, { ex: 60 })).toBe("OK");
      const [user, missing] = await Promise.all([redis.get("user:1"), redis.get("nope")]);
      expect(user).toEqual({ name: "Ada" });
      expect(missing).toBeNull();
      expect(await redis.del("user:1", "nope")).toBe(1);
    }
    const bogus = await fetch(server.url, { method: "POST", headers: { authorization: `Bearer ${bogusToken}` }, body: '["PING"]' });
    expect(bogus.status).toBe(401);
    // The .env's log level was ignored too: request lines (info) are written, in a batch at most
    // 10 ms after the request.
    const hasRequestLine = () => server.output.some((line) => line.includes('"event":"request"'));
    for (const deadline = Date.now() + 5_000; !hasRequestLine() && Date.now() < deadline; ) await Bun.sleep(5);
    expect(hasRequestLine()).toBe(true);
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  test("sends READY=1 and STOPPING=1 to NOTIFY_SOCKET through bun:ffi", async () => {
    await using socket = NotifySocket.bind(join(scratch, "binary-notify.sock"));
    await using server = await startServer({ command: [installedBinary], env: { NOTIFY_SOCKET: socket.address } });
    expect(await socket.waitFor((message) => message.startsWith("READY=1"))).toBe(`READY=1\nSTATUS=serving on ${server.url}\nMAINPID=${server.process.pid}`);
    server.process.kill("SIGTERM");
    expect(await socket.waitFor((message) => message.startsWith("STOPPING=1"))).toBe("STOPPING=1\nSTATUS=stopping on SIGTERM");
    expect(await server.process.exited).toBe(0);
  });

  test("starts through the Docker image's entrypoint with its environment, drops to the unprivileged user, passes its HEALTHCHECK", async () => {
    const dataDir = join(scratch, "container-data"); // root-owned, like a freshly mounted volume
    mkdirSync(dataDir);
    const port = await freePort();
    const unprivileged = 65534; // nobody: exists everywhere, owns nothing
    const isRoot = process.getuid!() === 0;
    // The Dockerfile's ENV, with the data dir, port and binary moved for a test.
    const env = {
      PATH: process.env.PATH ?? "",
      DOWNSTASH_HOST: "0.0.0.0",
      DOWNSTASH_PORT: String(port),
      DOWNSTASH_DATA_DIR: dataDir,
      DOWNSTASH_UID: String(unprivileged),
      DOWNSTASH_GID: String(unprivileged),
      DOWNSTASH_BINARY: installedBinary,
    };
    const child = Bun.spawn([join(repoRoot, "packaging/docker/entrypoint.sh"), "serve"], { env, cwd: "/", stdout: "pipe", stderr: "pipe" });
    try {
      const reader = child.stdout.getReader();
      let output = "";
      while (!output.includes('"listening"')) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`exited before listening: ${output}${await new Response(child.stderr).text()}`);
        output += new TextDecoder().decode(value);
      }
      // setpriv execs downstash in place: the spawned pid is the server, as PID 1 is in a container.
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1];
      expect(Number(uid)).toBe(isRoot ? unprivileged : process.getuid!());
      if (isRoot) expect(statSync(join(dataDir, "credentials.json")).uid).toBe(unprivileged);

      const healthcheck = await runCli(["healthcheck"], { command: [installedBinary], env });
      expect(healthcheck.exitCode).toBe(0);
      void reader.read().catch(() => {});
      child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
      const after = await runCli(["healthcheck"], { command: [installedBinary], env });
      expect(after.exitCode).toBe(1);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "0.0.0.0", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
