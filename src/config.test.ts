// Proves config resolution in-process through parseFlags + loadConfig: defaults < file < env < flags,
// the client-side environment names, and a one-line ConfigError for every kind of bad input.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, envNames, fileKey, helpText, loadConfig, options, parseFlags, type OptionName } from "./config.ts";

const scratch = mkdtempSync(join(tmpdir(), "downstash-config-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let fileSerial = 0;
function configFile(content: unknown): string {
  const path = join(scratch, `config-${fileSerial++}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const load = async (argv: string[], env: Record<string, string> = {}) => loadConfig(parseFlags(argv), env);

async function configErrorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a ConfigError");
}

const tokenA = "token-a-0123456789abcdef";
const tokenB = "token-b-0123456789abcdef";
const tokenC = "token-c-0123456789abcdef";

describe("defaults", () => {
  test("no flags, env or file serve on 127.0.0.1:8079 with ./data", async () => {
    const config = await load([]);
    expect(config).toEqual({
      port: 8079,
      respPort: undefined,
      host: "127.0.0.1",
      dataDir: "./data",
      maxRequestBytes: 10 * 1024 * 1024,
      token: undefined,
      readonlyToken: undefined,
      adminToken: undefined,
      publicUrl: undefined,
      logLevel: "info",
      shutdownTimeoutMs: 10_000,
      luaTimeLimitMs: 5000,
      luaMemoryBytes: 128 * 1024 * 1024,
      fsync: "everysec",
      snapshotEveryMs: 300_000,
      snapshotLogBytesMax: 64 * 1024 * 1024,
      qstashToken: undefined,
      qstashCurrentSigningKey: undefined,
      qstashNextSigningKey: undefined,
      qstashDev: false,
      qstashMaxMessageBytes: 1024 * 1024,
      qstashDeliveryConcurrency: 256,
      qstashAttemptTimeoutMs: 300_000,
      qstashEventRetentionMs: 7 * 86_400_000,
      qstashDlqRetentionMs: 7 * 86_400_000,
      qstashAllowDestinations: undefined,
      qstashDenyDestinations: undefined,
      kafkaUsername: undefined,
      kafkaPassword: undefined,
      kafkaAutoCreateTopics: false,
      kafkaDefaultPartitions: 1,
      kafkaConsumerIdleMs: 120_000,
      kafkaCleanerIntervalMs: 15_000,
      configFile: undefined,
      journald: false,
    });
  });

  test("JOURNAL_STREAM switches on journald log prefixes", async () => {
    expect((await load([], { JOURNAL_STREAM: "8:1234" })).journald).toBe(true);
  });
});

describe("precedence", () => {
  test("file < env < flag, option by option", async () => {
    const file = configFile({ port: 1001, host: "10.0.0.1", dataDir: "/from/file", maxRequestBytes: 111 });
    const env = { DOWNSTASH_PORT: "2002", DOWNSTASH_HOST: "10.0.0.2", DOWNSTASH_MAX_REQUEST_BYTES: "222" };
    const config = await load(["--config", file, "--port", "3003"], env);
    expect({ port: config.port, host: config.host, dataDir: config.dataDir, maxRequestBytes: config.maxRequestBytes }).toEqual({
      port: 3003, // flag beats env and file
      host: "10.0.0.2", // env beats file
      dataDir: "/from/file", // file beats the default
      maxRequestBytes: 222,
    });
    expect(config.configFile).toBe(file);
  });

  test("--name=value and --name value are the same flag", async () => {
    expect((await load(["--port=0"])).port).toBe(0);
    expect((await load(["--port", "0"])).port).toBe(0);
  });

  test("DOWNSTASH_CONFIG names the file; --config beats it", async () => {
    const fromEnv = configFile({ port: 1 });
    const fromFlag = configFile({ port: 2 });
    expect((await load([], { DOWNSTASH_CONFIG: fromEnv })).port).toBe(1);
    expect((await load(["--config", fromFlag], { DOWNSTASH_CONFIG: fromEnv })).port).toBe(2);
  });

  test("an empty environment variable counts as unset", async () => {
    expect((await load([], { DOWNSTASH_PORT: "", DOWNSTASH_CONFIG: "" })).port).toBe(8079);
  });

  test("null in the config file leaves the default", async () => {
    expect((await load(["--config", configFile({ port: null })])).port).toBe(8079);
  });
});

describe("credentials from the environment", () => {
  test("the official clients' names set the tokens; DOWNSTASH_ADMIN_TOKEN the admin token", async () => {
    const config = await load([], {
      UPSTASH_REDIS_REST_TOKEN: tokenA,
      UPSTASH_REDIS_REST_READONLY_TOKEN: tokenB,
      DOWNSTASH_ADMIN_TOKEN: tokenC,
    });
    expect([config.token, config.readonlyToken, config.adminToken]).toEqual([tokenA, tokenB, tokenC]);
  });

  test("Vercel KV names are read when the Upstash names are absent", async () => {
    const config = await load([], { KV_REST_API_TOKEN: tokenA, KV_REST_API_READ_ONLY_TOKEN: tokenB });
    expect([config.token, config.readonlyToken]).toEqual([tokenA, tokenB]);
  });

  test("DOWNSTASH_TOKEN beats UPSTASH_REDIS_REST_TOKEN, which beats KV_REST_API_TOKEN", async () => {
    expect((await load([], { DOWNSTASH_TOKEN: tokenA, UPSTASH_REDIS_REST_TOKEN: tokenB, KV_REST_API_TOKEN: tokenC })).token).toBe(tokenA);
    expect((await load([], { UPSTASH_REDIS_REST_TOKEN: tokenB, KV_REST_API_TOKEN: tokenC })).token).toBe(tokenB);
  });

  test("every option has DOWNSTASH_<FLAG> as its first environment name", () => {
    for (const name of Object.keys(options) as OptionName[]) {
      expect(envNames(name)[0]).toBe(`DOWNSTASH_${options[name].flag.toUpperCase().replaceAll("-", "_")}`);
    }
    expect(envNames("adminToken")).toEqual(["DOWNSTASH_ADMIN_TOKEN"]);
  });
});

describe("bad configuration", () => {
  test("an unknown flag", async () => {
    expect(await configErrorOf(load(["--prot", "1"]))).toBe("unknown option --prot (see --help)");
    expect(await configErrorOf(load(["-p", "1"]))).toBe("unknown option -p (see --help)");
  });

  test("a flag without its value", async () => {
    expect(await configErrorOf(load(["--port"]))).toBe("--port needs a value");
  });

  test("a bad integer, from a flag, the environment or the file", async () => {
    expect(await configErrorOf(load(["--port", "80x"]))).toBe('--port must be an integer, got "80x"');
    expect(await configErrorOf(load(["--port", "1.5"]))).toBe('--port must be an integer, got "1.5"');
    expect(await configErrorOf(load([], { DOWNSTASH_MAX_REQUEST_BYTES: "ten" }))).toBe(
      'environment DOWNSTASH_MAX_REQUEST_BYTES: max-request-bytes must be an integer, got "ten"',
    );
    const file = configFile({ port: true });
    expect(await configErrorOf(load(["--config", file]))).toBe(`config file ${file}: port must be an integer, got true`);
  });

  test("an integer out of its range", async () => {
    expect(await configErrorOf(load(["--port", "65536"]))).toBe("--port must be between 0 and 65535, got 65536");
    expect(await configErrorOf(load(["--max-request-bytes", "0"]))).toBe("--max-request-bytes must be at least 1, got 0");
  });

  test("a value outside an option's choices", async () => {
    expect(await configErrorOf(load(["--log-level", "loud"]))).toBe('--log-level must be one of debug, info, warn, error, got "loud"');
  });

  test("a config file that does not exist or cannot be read", async () => {
    expect(await configErrorOf(load(["--config", join(scratch, "missing.json")]))).toBe(
      `cannot read config file ${join(scratch, "missing.json")}: no such file`,
    );
    expect(await configErrorOf(load(["--config", scratch]))).toBe(`cannot read config file ${scratch}: it is a directory`);
  });

  test("a config file that is not JSON, or not a JSON object", async () => {
    const broken = configFile('{"port": 1,');
    expect(await configErrorOf(load(["--config", broken]))).toStartWith(`config file ${broken} is not valid JSON: `);
    const list = configFile([1, 2]);
    expect(await configErrorOf(load(["--config", list]))).toBe(`config file ${list} must hold a JSON object`);
  });

  test("an unknown config file key names the known ones", async () => {
    const file = configFile({ port: 1, data_dir: "/x" });
    expect(await configErrorOf(load(["--config", file]))).toBe(
      `config file ${file}: unknown key "data_dir" (known: ${Object.keys(options).map((name) => fileKey(name as OptionName)).join(", ")})`,
    );
  });

  test("a short token is refused without echoing it", async () => {
    const message = await configErrorOf(load([], { UPSTASH_REDIS_REST_TOKEN: "short-secret" }));
    expect(message).toBe("environment UPSTASH_REDIS_REST_TOKEN: token must be at least 16 characters");
    expect(message).not.toContain("short-secret");
  });

  test("a secret of the wrong type is not echoed either", async () => {
    const file = configFile({ adminToken: 12345678901234567 });
    expect(await configErrorOf(load(["--config", file]))).toBe(`config file ${file}: admin-token must be a string, got a hidden value`);
  });

  test("the same token for two roles", async () => {
    expect(await configErrorOf(load(["--token", tokenA, "--readonly-token", tokenA]))).toBe(
      "token and readonly-token must differ: each token grants different access",
    );
  });

  test("a public URL that is not http(s)", async () => {
    expect(await configErrorOf(load(["--public-url", "redis.example.com"]))).toBe("public-url must be an http:// or https:// URL");
  });
});

describe("parseFlags", () => {
  test("positionals are the subcommand; flags may come before or after it", () => {
    expect(parseFlags(["--port", "0", "env", "--host=::1"])).toEqual({
      values: { port: "0", host: "::1" },
      configFile: undefined,
      positionals: ["env"],
    });
  });
});

describe("helpText", () => {
  test("lists every option of the table with its environment names", () => {
    const help = helpText();
    for (const name of Object.keys(options) as OptionName[]) {
      expect(help).toContain(`--${options[name].flag} <`);
      expect(help).toContain(`env: ${envNames(name).join(", ")}`);
    }
    expect(help).toContain("--config <file>");
  });
});

