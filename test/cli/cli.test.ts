// Proves the command line as a user meets it, by running the real process from source: help,
// version, the listening line, exit code 2 with one line for each kind of bad configuration,
// and the file < env < flag precedence on a served option and on `env`'s output.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envNames, options, type OptionName } from "../../src/config.ts";
import { VERSION } from "../../src/version.ts";
import { runCli, startServer } from "../harness/server.ts";

const scratch = mkdtempSync(join(tmpdir(), "downstash-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeConfig(name: string, content: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("help and version", () => {
  test("--help lists every option of the table, its environment names and every subcommand", async () => {
    const { exitCode, stdout } = await runCli(["--help"]);
    expect(exitCode).toBe(0);
    for (const name of Object.keys(options) as OptionName[]) {
      expect(stdout).toContain(`--${options[name].flag} <`);
      for (const envName of envNames(name)) expect(stdout).toContain(envName);
    }
    for (const word of ["--config", "DOWNSTASH_CONFIG", "serve", "env", "healthcheck", "version"]) expect(stdout).toContain(word);
    expect((await runCli(["help"])).stdout).toBe(stdout);
    expect((await runCli(["-h"])).stdout).toBe(stdout);
  });

  test("version prints the package version; from source the commit reads 'source'", async () => {
    const expected = { exitCode: 0, stdout: `downstash ${VERSION} (source)\n`, stderr: "" };
    expect(await runCli(["version"])).toEqual(expected);
    expect(await runCli(["--version"])).toEqual(expected);
  });
});

describe("serve", () => {
  test("prints one listening line with the real port when port 0 was asked", async () => {
    await using server = await startServer();
    const listening = server.output.map((line) => JSON.parse(line)).find((event) => event.event === "listening");
    expect(listening).toEqual({ event: "listening", level: "info", url: server.url });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toEndWith(":0");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  test("an address already in use is one line and exit 1", async () => {
    await using server = await startServer();
    const port = new URL(server.url).port;
    const result = await runCli(["--port", port, "--data-dir", join(scratch, "in-use")]);
    expect(result).toEqual({ exitCode: 1, stdout: "", stderr: `downstash: cannot listen on 127.0.0.1:${port} (EADDRINUSE)\n` });
  });
});

describe("bad configuration exits 2 with one line", () => {
  const missing = join(scratch, "missing.json");
  // The parser's own wording (after "is not valid JSON: ") is Bun's, so that case is a pattern.
  const cases: [string, () => string[], Record<string, string>, string | RegExp][] = [
    ["an unknown flag", () => ["--prot", "1"], {}, "unknown option --prot (see --help)"],
    ["an unknown command", () => ["srve"], {}, "unknown command srve (see --help)"],
    ["a bad integer flag", () => ["--port", "eighty"], {}, '--port must be an integer, got "eighty"'],
    [
      "a bad integer in the environment",
      () => [],
      { DOWNSTASH_MAX_REQUEST_BYTES: "1e6" },
      'environment DOWNSTASH_MAX_REQUEST_BYTES: max-request-bytes must be an integer, got "1e6"',
    ],
    ["a config file that does not exist", () => ["--config", missing], {}, `cannot read config file ${missing}: no such file`],
    ["a config file that is a directory", () => ["--config", scratch], {}, `cannot read config file ${scratch}: it is a directory`],
    [
      "a config file that is not JSON",
      () => ["--config", writeConfig("broken.json", "port: 1")],
      {},
      new RegExp(`^config file ${join(scratch, "broken.json")} is not valid JSON: \\S[^\\n]*$`),
    ],
    [
      "an unknown config key",
      () => ["--config", writeConfig("unknown-key.json", { prot: 1 })],
      {},
      `config file ${join(scratch, "unknown-key.json")}: unknown key "prot" (known: ${Object.keys(options).join(", ")})`,
    ],
  ];
  for (const [label, args, env, message] of cases) {
    test(label, async () => {
      // --data-dir keeps a run that wrongly got as far as serving away from the repository.
      const result = await runCli([...args(), "--data-dir", join(scratch, "never")], { env });
      expect({ exitCode: result.exitCode, stdout: result.stdout }).toEqual({ exitCode: 2, stdout: "" });
      expect(result.stderr).toEndWith("\n");
      expect(result.stderr.split("\n")).toHaveLength(2);
      const line = result.stderr.slice(0, -1);
      if (typeof message === "string") expect(line).toBe(`downstash: ${message}`);
      else expect(line.slice("downstash: ".length)).toMatch(message);
    });
  }

  test("a damaged credentials file", async () => {
    const dataDir = join(scratch, "damaged");
    await Bun.write(join(dataDir, "credentials.json"), "{");
    const result = await runCli(["--port", "0", "--data-dir", dataDir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`downstash: ${join(dataDir, "credentials.json")} is not valid JSON: fix or remove it (removing it generates new tokens)\n`);
  });
});

describe("precedence, defaults < file < env < flags, in real processes", () => {
  // max-request-bytes is observable from outside: a body over it gets Upstash's error.
  const setOfBodyBytes = (bytes: number) => {
    const overhead = JSON.stringify(["SET", "k", ""]).length;
    return JSON.stringify(["SET", "k", "x".repeat(bytes - overhead)]);
  };
  async function accepts(server: { url: string; token: string }, bytes: number): Promise<boolean> {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}` },
      body: setOfBodyBytes(bytes),
    });
    const body = await response.json();
    if (response.status === 400) expect(body).toEqual({ error: "ERR max request size exceeded" });
    return response.status === 200;
  }

  test("a flag beats the environment, which beats the file", async () => {
    const file = writeConfig("limits.json", { maxRequestBytes: 1000 });
    const env = { DOWNSTASH_MAX_REQUEST_BYTES: "2000" };
    {
      await using server = await startServer({ args: ["--config", file, "--max-request-bytes", "3000"], env });
      expect([await accepts(server, 2500), await accepts(server, 3500)]).toEqual([true, false]);
    }
    {
      await using server = await startServer({ args: ["--config", file], env });
      expect([await accepts(server, 1500), await accepts(server, 2500)]).toEqual([true, false]);
    }
    {
      await using server = await startServer({ args: ["--config", file] });
      expect([await accepts(server, 900), await accepts(server, 1500)]).toEqual([true, false]);
    }
  });

  test("`env` prints the public URL from the highest layer that sets it", async () => {
    const dataDir = join(scratch, "precedence-env");
    const tokens = {
      UPSTASH_REDIS_REST_TOKEN: "precedence-read-write-token",
      UPSTASH_REDIS_REST_READONLY_TOKEN: "precedence-read-only-token",
      DOWNSTASH_ADMIN_TOKEN: "precedence-admin-token-000",
    };
    const file = writeConfig("public-url.json", { publicUrl: "https://from-file.example", port: 1111 });
    const urlOf = async (args: string[], env: Record<string, string>) => {
      const { exitCode, stdout } = await runCli(["env", "--data-dir", dataDir, ...args], { env: { ...tokens, ...env } });
      expect(exitCode).toBe(0);
      return stdout.split("\n")[0];
    };
    const fromEnv = { DOWNSTASH_PUBLIC_URL: "https://from-env.example" };
    expect(await urlOf([], {})).toBe("UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079");
    expect(await urlOf(["--port", "1234"], {})).toBe("UPSTASH_REDIS_REST_URL=http://127.0.0.1:1234");
    expect(await urlOf(["--config", file], {})).toBe("UPSTASH_REDIS_REST_URL=https://from-file.example");
    expect(await urlOf(["--config", file], fromEnv)).toBe("UPSTASH_REDIS_REST_URL=https://from-env.example");
    expect(await urlOf([], { ...fromEnv, DOWNSTASH_CONFIG: file })).toBe("UPSTASH_REDIS_REST_URL=https://from-env.example");
    expect(await urlOf(["--config", file, "--public-url", "https://from-flag.example"], fromEnv)).toBe(
      "UPSTASH_REDIS_REST_URL=https://from-flag.example",
    );
  });
});
