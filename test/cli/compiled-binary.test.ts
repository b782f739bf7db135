// Proves the release binary: scripts/build.ts compiles it once into a temp dir; it reports the
// embedded version and git commit, serves @upstash/redis (scripts too) on port 0 with a fresh data
// dir, ignores a .env and a bunfig.toml in its working directory, and exits 0 on SIGTERM.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "@upstash/redis";
import { VERSION } from "../../src/version.ts";
import { runCli, startServer } from "../harness/server.ts";

const BUILD_TIMEOUT_MS = 180_000;
const repoRoot = join(import.meta.dir, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "downstash-binary-"));
const binary = join(scratch, "downstash");

beforeAll(async () => {
  const build = await runCli(["scripts/build.ts", "--outfile", binary], { command: [process.execPath] });
  if (build.exitCode !== 0) throw new Error(`build failed (${build.exitCode}):\n${build.stdout}\n${build.stderr}`);
}, BUILD_TIMEOUT_MS);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("compiled binary", () => {
  test("version embeds the package version and the git commit", async () => {
    const head = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: repoRoot }).stdout.toString().trim();
    const { exitCode, stdout } = await runCli(["version"], { command: [binary] });
    expect(exitCode).toBe(0);
    // -dirty when the tree the binary was built from had uncommitted changes.
    expect(stdout).toMatch(new RegExp(`^downstash ${VERSION.replaceAll(".", "\\.")} \\(${head}(-dirty)?\\)\\n$`));
  });

  test("serves @upstash/redis with generated tokens, ignores .env and bunfig.toml in its cwd, exits 0 on SIGTERM", async () => {
    const cwd = join(scratch, "cwd");
    const bogusToken = "bogus-token-from-a-stray-dotenv-file";
    const marker = join(cwd, "bunfig-preload-ran");
    await Bun.write(join(cwd, ".env"), `UPSTASH_REDIS_REST_TOKEN=${bogusToken}\n`);
    writeFileSync(join(cwd, "preload.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
    writeFileSync(join(cwd, "bunfig.toml"), `preload = ["./preload.ts"]\n`);

    await using server = await startServer({ command: [binary], cwd, storedCredentials: true, dataDir: join(scratch, "data") });
    // The token came from the generated credentials, not from the .env file.
    expect(server.token).not.toBe(bogusToken);
    expect(existsSync(marker)).toBe(false);

    const redis = new Redis({ url: server.url, token: server.token, enableTelemetry: false });
    expect(await redis.set("user:1", { name: "Ada" })).toBe("OK");
    expect(await redis.get("user:1")).toEqual({ name: "Ada" });
    // The embedded Lua module runs scripts, with its code patched to Lua 5.1's behaviour (a
    // fraction cut from an integer argument, string.rep's third argument ignored).
    expect(await redis.eval(`return {string.sub("hello", 1, 2.5), string.rep("ab", 2, ",")}`, [], [])).toEqual(["he", "abab"]);
    const bogus = await fetch(server.url, { method: "POST", headers: { authorization: `Bearer ${bogusToken}` }, body: '["PING"]' });
    expect(bogus.status).toBe(401);

    expect(await server.stop("SIGTERM")).toBe(0);
  });
});
