// `downstash kafka topic create|list|describe|delete|config` and `downstash kafka user
// create|list|delete`: topic and user administration, as Upstash's console did it. It talks to the
// running server's admin API (/admin/kafka/**) with the admin token, never to the data dir
// directly: the server holds the log's state in memory and is the only writer of kafka.sqlite.
// The server is found from --url, or the --host/--port options; the token from --admin-token,
// DOWNSTASH_ADMIN_TOKEN, or the credentials stored in --data-dir.

import { ConfigError, loadConfig, parseFlags } from "../config.ts";
import { readStoredCredentials } from "../platform/credentials.ts";

const USAGE = `Usage:
  downstash kafka topic create <name> [--partitions n] [--config name=value]...
  downstash kafka topic list
  downstash kafka topic describe <name>
  downstash kafka topic delete <name>
  downstash kafka topic config <name> [--config name=value]... [--partitions n]   (none: print the config)
  downstash kafka user create <name> --password <p> [--permissions ALL|PRODUCE|CONSUME] [--topics <pattern>]
  downstash kafka user list
  downstash kafka user delete <name>
Server: --url <http://host:port>, or --host/--port; token: --admin-token, DOWNSTASH_ADMIN_TOKEN or --data-dir.
Topic configs: cleanup.policy (delete, compact, compact,delete), retention.ms, retention.bytes, segment.bytes,
  segment.ms, delete.retention.ms, min.compaction.lag.ms, min.cleanable.dirty.ratio, max.message.bytes.`;

const REQUEST_TIMEOUT_MS = 30_000;

/** Runs one kafka subcommand; returns the exit code (usage mistakes throw ConfigError: exit 2). */
export async function kafkaCommand(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  // Pull out this command's own flags; the rest are server options (config.ts).
  const own: Record<string, string[]> = { partitions: [], config: [], password: [], permissions: [], topics: [], url: [] };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    const name = match?.[1];
    if (name !== undefined && name in own && !(name === "config" && match![2] === undefined && !(argv[i + 1] ?? "").includes("="))) {
      const value = match![2] ?? argv[++i];
      if (value === undefined) throw new ConfigError(`--${name} needs a value`);
      own[name]!.push(value);
    } else rest.push(arg);
  }
  const flags = parseFlags(rest);
  const [noun, verb, target, ...extra] = flags.positionals;
  if (extra.length > 0) throw new ConfigError(`unexpected argument ${extra[0]}\n${USAGE}`);
  const config = await loadConfig(flags);
  const baseUrl = (own.url.at(-1) ?? `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${config.port}`).replace(/\/$/, "");
  const token = config.adminToken ?? (await readStoredCredentials(config.dataDir))?.adminToken;
  if (token === undefined) throw new ConfigError(`no admin token: pass --admin-token, set DOWNSTASH_ADMIN_TOKEN, or point --data-dir at the server's`);
  const call = (method: string, path: string, body?: unknown) => request(baseUrl, token, method, path, body);
  const needTarget = () => {
    if (target === undefined) throw new ConfigError(`${noun} ${verb} needs a name\n${USAGE}`);
    return encodeURIComponent(target);
  };
  const configChanges = () => Object.fromEntries(own.config.map(splitPair));

  if (noun === "topic") {
    switch (verb) {
      case "create":
        return print(
          await call("POST", "/admin/kafka/topics", {
            name: target ?? needTarget(),
            ...(own.partitions.length > 0 ? { partitions: Number(own.partitions.at(-1)) } : {}),
            config: configChanges(),
          }),
        );
      case "list": {
        const result = await call("GET", "/admin/kafka/topics");
        if (!result.ok) return print(result);
        const topics = result.body as { name: string; partitions: number; config: Record<string, unknown> }[];
        for (const topic of topics) console.log(`${topic.name}\tpartitions=${topic.partitions}\tcleanup.policy=${topic.config["cleanup.policy"]}`);
        return 0;
      }
      case "describe":
        return print(await call("GET", `/admin/kafka/topics/${needTarget()}`));
      case "delete":
        return print(await call("DELETE", `/admin/kafka/topics/${needTarget()}`));
      case "config": {
        const name = needTarget();
        if (own.config.length === 0 && own.partitions.length === 0) {
          const result = await call("GET", `/admin/kafka/topics/${name}`);
          if (!result.ok) return print(result);
          const described = result.body as { partitions: number; config: Record<string, unknown> };
          console.log(`partitions=${described.partitions}`);
          for (const [key, value] of Object.entries(described.config)) console.log(`${key}=${value}`);
          return 0;
        }
        return print(
          await call("PATCH", `/admin/kafka/topics/${name}/config`, {
            config: configChanges(),
            ...(own.partitions.length > 0 ? { partitions: Number(own.partitions.at(-1)) } : {}),
          }),
        );
      }
    }
  } else if (noun === "user") {
    switch (verb) {
      case "create":
        return print(
          await call("POST", "/admin/kafka/users", {
            name: target ?? needTarget(),
            password: own.password.at(-1),
            permissions: own.permissions.at(-1) ?? "ALL",
            topicPattern: own.topics.at(-1) ?? "*",
          }),
        );
      case "list":
        return print(await call("GET", "/admin/kafka/users"));
      case "delete":
        return print(await call("DELETE", `/admin/kafka/users/${needTarget()}`));
    }
  }
  throw new ConfigError(`unknown kafka command ${[noun, verb].filter(Boolean).join(" ")}\n${USAGE}`);
}

function splitPair(pair: string): [string, string] {
  const equals = pair.indexOf("=");
  if (equals <= 0) throw new ConfigError(`--config takes name=value, got ${pair}`);
  return [pair.slice(0, equals), pair.slice(equals + 1)];
}

async function request(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<{ ok: boolean; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    return { ok: false, body: { error: `cannot reach ${baseUrl}: ${(error as Error).message}` } };
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Shown as text below.
  }
  return { ok: response.ok, body: parsed };
}

/** Success: the JSON answer on stdout, exit 0. Failure: the server's error on stderr, exit 1. */
function print(result: { ok: boolean; body: unknown }): number {
  if (result.ok) {
    console.log(JSON.stringify(result.body, null, 2));
    return 0;
  }
  const error = (result.body as { error?: string })?.error ?? String(result.body);
  console.error(`downstash: ${error}`);
  return 1;
}
