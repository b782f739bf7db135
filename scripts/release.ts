// Builds a release from one Linux host: the compiled `downstash` for every target (cross-compiled
// by scripts/build.ts: minified, source map embedded, version and commit embedded, no .env or
// bunfig.toml autoload), each checked to be an executable of its OS and CPU, packed as
// downstash-<target>.tar.gz (.zip for Windows), plus SHASUMS256.txt over every asset and the
// install.sh and systemd unit that install them. Bun fetches each target's runtime from the npm
// registry on first use. Archives are reproducible: fixed owner and mtime (the commit's time).
//
//   bun scripts/release.ts [--out dist/release] [--targets linux-x64,linux-arm64] [--commit <sha>]

import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };
import { buildBinary } from "./build.ts";

const repoRoot = join(import.meta.dir, "..");

export type Os = "linux" | "darwin" | "windows";
export type Cpu = "x64" | "arm64";

export interface ReleaseTarget {
  /** The asset's name part and install.sh's target name. */
  name: string;
  bunTarget: string;
  os: Os;
  cpu: Cpu;
}

/** Every target a release ships; install.sh picks among the Linux and macOS ones. */
export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  { name: "linux-x64", bunTarget: "bun-linux-x64", os: "linux", cpu: "x64" },
  // For x64 CPUs without AVX2 ("Illegal instruction" with the default build).
  { name: "linux-x64-baseline", bunTarget: "bun-linux-x64-baseline", os: "linux", cpu: "x64" },
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", os: "linux", cpu: "arm64" },
  // Alpine and other musl systems.
  { name: "linux-x64-musl", bunTarget: "bun-linux-x64-musl", os: "linux", cpu: "x64" },
  { name: "darwin-arm64", bunTarget: "bun-darwin-arm64", os: "darwin", cpu: "arm64" },
  { name: "darwin-x64", bunTarget: "bun-darwin-x64", os: "darwin", cpu: "x64" },
  { name: "windows-x64", bunTarget: "bun-windows-x64", os: "windows", cpu: "x64" },
];

/** Files published beside the archives, listed in SHASUMS256.txt like them. */
const EXTRA_ASSETS = [
  { from: "scripts/install.sh", name: "install.sh" },
  { from: "packaging/systemd/downstash.service", name: "downstash.service" },
];

export const SHASUMS_FILE = "SHASUMS256.txt";

export function assetName(target: ReleaseTarget): string {
  return `downstash-${target.name}.${target.os === "windows" ? "zip" : "tar.gz"}`;
}

export function binaryName(target: ReleaseTarget): string {
  return target.os === "windows" ? "downstash.exe" : "downstash";
}

export interface ReleaseOptions {
  outDir: string;
  targets?: readonly ReleaseTarget[];
  commit?: string;
  /** Called after each asset is written (the CLI prints a JSON line). */
  onAsset?: (event: { asset: string; target: string; bytes: number; durationMs: number }) => void;
}

export interface ReleaseResult {
  version: string;
  commit: string;
  /** Asset file name → its sha256, in SHASUMS256.txt order. */
  checksums: Map<string, string>;
}

export async function buildRelease(options: ReleaseOptions): Promise<ReleaseResult> {
  const targets = options.targets ?? RELEASE_TARGETS;
  mkdirSync(options.outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "downstash-release-"));
  const checksums = new Map<string, string>();
  let commit = options.commit;
  try {
    const mtimeSeconds = commitTimeSeconds();
    for (const target of targets) {
      const startedAtMs = performance.now();
      const binaryPath = join(work, target.name, binaryName(target));
      const built = await buildBinary({ outfile: binaryPath, target: target.bunTarget, commit });
      commit = built.commit;
      const binary = new Uint8Array(await Bun.file(binaryPath).arrayBuffer());
      const format = executableFormat(binary);
      if (format.os !== target.os || format.cpu !== target.cpu) {
        throw new Error(`${target.bunTarget} produced a ${format.os}/${format.cpu} executable, not ${target.os}/${target.cpu}`);
      }
      // Inside the archive: downstash-<target>/downstash, so unpacking never scatters files.
      const entryDir = `downstash-${target.name}`;
      const entry = { path: `${entryDir}/${binaryName(target)}`, data: binary, mode: 0o755 };
      const archive = target.os === "windows" ? zipArchive([entry], mtimeSeconds) : Bun.gzipSync(tarArchive(entryDir, [entry], mtimeSeconds), { level: 6 });
      const asset = assetName(target);
      await Bun.write(join(options.outDir, asset), archive);
      checksums.set(asset, sha256(archive));
      rmSync(join(work, target.name), { recursive: true, force: true });
      options.onAsset?.({ asset, target: target.bunTarget, bytes: archive.length, durationMs: Math.round(performance.now() - startedAtMs) });
    }
    for (const extra of EXTRA_ASSETS) {
      copyFileSync(join(repoRoot, extra.from), join(options.outDir, extra.name));
      checksums.set(extra.name, sha256(new Uint8Array(await Bun.file(join(options.outDir, extra.name)).arrayBuffer())));
    }
    // sha256sum's format (two spaces, text mode), so `sha256sum -c SHASUMS256.txt` checks a download.
    const lines = [...checksums].map(([asset, digest]) => `${digest}  ${asset}`);
    await Bun.write(join(options.outDir, SHASUMS_FILE), lines.join("\n") + "\n");
    return { version: pkg.version, commit: commit ?? "unknown", checksums };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The commit's time in Unix seconds (archive mtimes), or 0 outside a git checkout. */
function commitTimeSeconds(): number {
  try {
    const result = Bun.spawnSync(["git", "log", "-1", "--format=%ct"], { cwd: repoRoot, stdout: "pipe", stderr: "ignore" });
    const seconds = Number(result.stdout.toString().trim());
    return result.success && Number.isSafeInteger(seconds) ? seconds : 0;
  } catch {
    return 0; // no git on this machine
  }
}

/** What an executable's header says it runs on: ELF, Mach-O (64-bit) or PE. */
export function executableFormat(bytes: Uint8Array): { os: Os | "unknown"; cpu: Cpu | "unknown" } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 64) return { os: "unknown", cpu: "unknown" };
  if (view.getUint32(0) === 0x7f454c46) {
    const machine = view.getUint16(18, true);
    return { os: "linux", cpu: machine === 62 ? "x64" : machine === 183 ? "arm64" : "unknown" };
  }
  if (view.getUint32(0, true) === 0xfeedfacf) {
    const cpuType = view.getUint32(4, true);
    return { os: "darwin", cpu: cpuType === 0x01000007 ? "x64" : cpuType === 0x0100000c ? "arm64" : "unknown" };
  }
  if (bytes[0] === 0x4d && bytes[1] === 0x5a) {
    const peOffset = view.getUint32(0x3c, true);
    if (peOffset + 6 <= bytes.length && view.getUint32(peOffset) === 0x50450000) {
      const machine = view.getUint16(peOffset + 4, true);
      return { os: "windows", cpu: machine === 0x8664 ? "x64" : machine === 0xaa64 ? "arm64" : "unknown" };
    }
  }
  return { os: "unknown", cpu: "unknown" };
}

interface ArchiveEntry {
  path: string;
  data: Uint8Array<ArrayBuffer>;
  mode: number;
}

const TAR_BLOCK = 512;

/** A POSIX ustar archive: the directory, then each file, owned by root, at a fixed mtime. */
export function tarArchive(dir: string, entries: readonly ArchiveEntry[], mtimeSeconds: number): Uint8Array<ArrayBuffer> {
  const blocks: Uint8Array[] = [tarHeader(`${dir}/`, 0, 0o755, mtimeSeconds, "5")];
  for (const entry of entries) {
    blocks.push(tarHeader(entry.path, entry.data.length, entry.mode, mtimeSeconds, "0"), entry.data);
    const padding = (TAR_BLOCK - (entry.data.length % TAR_BLOCK)) % TAR_BLOCK;
    if (padding > 0) blocks.push(new Uint8Array(padding));
  }
  blocks.push(new Uint8Array(TAR_BLOCK * 2));
  return concat(blocks);
}

function tarHeader(path: string, size: number, mode: number, mtimeSeconds: number, type: "0" | "5"): Uint8Array {
  if (path.length > 100) throw new Error(`tar path too long: ${path}`);
  const header = new Uint8Array(TAR_BLOCK);
  const put = (offset: number, text: string) => header.set(new TextEncoder().encode(text), offset);
  const octal = (offset: number, width: number, value: number) => put(offset, value.toString(8).padStart(width - 1, "0") + "\0");
  put(0, path);
  octal(100, 8, mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, mtimeSeconds);
  put(148, "        "); // checksum field counts as spaces while summing
  put(156, type);
  put(257, "ustar\u000000");
  put(265, "root");
  put(297, "root");
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  put(148, checksum.toString(8).padStart(6, "0") + "\0 ");
  return header;
}

/** A zip archive of deflated files, with Unix modes so unzip on Linux/macOS keeps them. */
export function zipArchive(entries: readonly ArchiveEntry[], mtimeSeconds: number): Uint8Array<ArrayBuffer> {
  const { time, date } = dosDateTime(mtimeSeconds);
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = new TextEncoder().encode(entry.path);
    const compressed = Bun.deflateSync(entry.data, { level: 6 });
    const crc = Bun.hash.crc32(entry.data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true); // version needed: 2.0 (deflate)
    local.setUint16(6, 0x0800, true); // UTF-8 names
    local.setUint16(8, 8, true); // deflate
    local.setUint16(10, time, true);
    local.setUint16(12, date, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, compressed.length, true);
    local.setUint32(22, entry.data.length, true);
    local.setUint16(26, name.length, true);
    const record = new DataView(new ArrayBuffer(46));
    record.setUint32(0, 0x02014b50, true);
    record.setUint16(4, (3 << 8) | 20, true); // made by: Unix, 2.0
    record.setUint16(6, 20, true);
    record.setUint16(8, 0x0800, true);
    record.setUint16(10, 8, true);
    record.setUint16(12, time, true);
    record.setUint16(14, date, true);
    record.setUint32(16, crc, true);
    record.setUint32(20, compressed.length, true);
    record.setUint32(24, entry.data.length, true);
    record.setUint16(28, name.length, true);
    record.setUint32(38, ((0o100000 | entry.mode) << 16) >>> 0, true); // external attributes: regular file + mode
    record.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), name, compressed);
    central.push(new Uint8Array(record.buffer), name);
    offset += 30 + name.length + compressed.length;
  }
  const centralBytes = concat(central);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralBytes.length, true);
  end.setUint32(16, offset, true);
  return concat([...parts, centralBytes, new Uint8Array(end.buffer)]);
}

function dosDateTime(unixSeconds: number): { time: number; date: number } {
  // DOS dates start in 1980; earlier instants (mtime 0 outside git) clamp to it.
  const at = new Date(Math.max(unixSeconds * 1000, Date.UTC(1980, 0, 1)));
  return {
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1),
    date: ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: { out: { type: "string" }, targets: { type: "string" }, commit: { type: "string" } },
    strict: true,
  });
  const wanted = values.targets?.split(",").map((name) => name.trim());
  const unknown = wanted?.filter((name) => !RELEASE_TARGETS.some((target) => target.name === name)) ?? [];
  if (unknown.length > 0) {
    console.error(`unknown target ${unknown.join(", ")}; known: ${RELEASE_TARGETS.map((target) => target.name).join(", ")}`);
    process.exit(2);
  }
  const outDir = values.out ?? join(repoRoot, "dist", "release");
  const startedAtMs = performance.now();
  const result = await buildRelease({
    outDir,
    targets: wanted === undefined ? RELEASE_TARGETS : RELEASE_TARGETS.filter((target) => wanted.includes(target.name)),
    commit: values.commit,
    onAsset: (event) => console.log(JSON.stringify({ event: "asset_built", ...event })),
  });
  console.log(
    JSON.stringify({
      event: "release_built",
      outDir,
      version: result.version,
      commit: result.commit,
      assets: [...result.checksums.keys()].map((asset) => basename(asset)),
      durationMs: Math.round(performance.now() - startedAtMs),
    }),
  );
}
