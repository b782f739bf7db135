// Builds the standalone `downstash` executable with `bun build --compile` (minified, with an
// embedded source map), embedding the version and the git commit. Release binaries never
// autoload `.env` or `bunfig.toml` from the directory they are started in: configuration comes
// only from flags, DOWNSTASH_* / client environment variables and --config.
//
//   bun scripts/build.ts [--outfile dist/downstash] [--target bun-linux-arm64] [--commit <sha>]

import { join } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };

const repoRoot = join(import.meta.dir, "..");

/** `git describe`-like commit id, `-dirty` when the tree has uncommitted changes; "unknown" without git. */
function gitCommit(): string {
  const run = (args: string[]) => Bun.spawnSync(["git", ...args], { cwd: repoRoot, stdout: "pipe", stderr: "ignore" });
  const head = run(["rev-parse", "--short=12", "HEAD"]);
  if (!head.success) return "unknown";
  const dirty = run(["status", "--porcelain", "--untracked-files=no"]).stdout.toString().trim() !== "";
  return head.stdout.toString().trim() + (dirty ? "-dirty" : "");
}

export interface BuildOptions {
  outfile: string;
  /** A cross-compilation target such as bun-linux-arm64; default: this machine. */
  target?: string;
  commit?: string;
}

const workerEntrypoints = ["src/qstash/delivery-worker.ts", "src/qstash/store-writer.ts", "src/kafka/compaction.ts"];

export async function buildBinary(options: BuildOptions): Promise<{ outfile: string; commit: string }> {
  const commit = options.commit ?? gitCommit();
  const result = await Bun.build({
    // Worker scripts are entry points too, so the binary embeds them under /$bunfs/root/ where
    // their spawners look for them (src/qstash/delivery.ts, src/kafka/cleaner.ts).
    entrypoints: ["src/cli/main.ts", ...workerEntrypoints].map((path) => join(repoRoot, path)),
    compile: {
      outfile: options.outfile,
      ...(options.target === undefined ? {} : { target: options.target as Bun.Build.CompileTarget }),
      // A stray .env or bunfig.toml in a server's working directory must not change its tokens or
      // preload code; these are the JS API's --no-compile-autoload-dotenv/-bunfig.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    minify: true,
    sourcemap: "linked",
    define: { DOWNSTASH_BUILD_COMMIT: JSON.stringify(commit) },
  });
  if (!result.success) {
    throw new AggregateError(result.logs, `build failed:\n${result.logs.map(String).join("\n")}`);
  }
  return { outfile: options.outfile, commit };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: { outfile: { type: "string" }, target: { type: "string" }, commit: { type: "string" } },
    strict: true,
  });
  const outfile = values.outfile ?? join(repoRoot, "dist", "downstash");
  const startedAtMs = performance.now();
  const built = await buildBinary({ outfile, target: values.target, commit: values.commit });
  const durationMs = Math.round(performance.now() - startedAtMs);
  console.log(JSON.stringify({ event: "built", outfile: built.outfile, version: pkg.version, commit: built.commit, durationMs }));
}
