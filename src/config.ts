// Every server option, in one table: its flag, its environment names, its default, its limits and
// its doc. Values resolve defaults < config file < environment < flags. `--help` and the config
// file's keys are derived from this table, and every check of a value reads it, so a new option
// is one row plus one field of `Config`. This is the only module that reads process.env.

type OptionType = "string" | "integer" | "boolean";

interface OptionDef {
  /** Long flag without dashes; the config file key is its camelCase form. */
  flag: string;
  /** Client-side environment names read after DOWNSTASH_<FLAG>, first set one wins. */
  env: readonly string[];
  type: OptionType;
  default: string | number | boolean | undefined;
  doc: string;
  /** Never printed or logged. */
  secret?: boolean;
  /** Inclusive bounds of an integer option. */
  min?: number;
  max?: number;
  /** Shortest accepted string (tokens: Databases refuses shorter ones). */
  minLength?: number;
  /** The only accepted values of a string option. */
  choices?: readonly string[];
}

const TOKEN_LENGTH_MIN = 16;

export const options = {
  port: { flag: "port", env: [], type: "integer", default: 8079, min: 0, max: 65535, doc: "HTTP port; 0 picks a free port" },
  respPort: {
    flag: "resp-port",
    env: [],
    type: "integer",
    default: undefined,
    min: 0,
    max: 65535,
    doc: "also serve RESP2 over TCP on this port (redis-cli, ioredis; the token is the password); 0 picks a free port; unset: off",
  },
  host: { flag: "host", env: [], type: "string", default: "127.0.0.1", doc: "address to listen on (0.0.0.0 for every interface)" },
  dataDir: { flag: "data-dir", env: [], type: "string", default: "./data", doc: "directory for data and generated credentials" },
  maxRequestBytes: {
    flag: "max-request-bytes",
    env: [],
    type: "integer",
    default: 10 * 1024 * 1024,
    min: 1,
    doc: "largest request body accepted (Upstash's default: 10 MiB)",
  },
  token: {
    flag: "token",
    env: ["UPSTASH_REDIS_REST_TOKEN", "KV_REST_API_TOKEN"],
    type: "string",
    default: undefined,
    minLength: TOKEN_LENGTH_MIN,
    doc: "read-write token of the default database (generated on first start when unset)",
    secret: true,
  },
  readonlyToken: {
    flag: "readonly-token",
    env: ["UPSTASH_REDIS_REST_READONLY_TOKEN", "KV_REST_API_READ_ONLY_TOKEN"],
    type: "string",
    default: undefined,
    minLength: TOKEN_LENGTH_MIN,
    doc: "read-only token of the default database (generated on first start when unset)",
    secret: true,
  },
  adminToken: {
    flag: "admin-token",
    env: [],
    type: "string",
    default: undefined,
    minLength: TOKEN_LENGTH_MIN,
    doc: "token for the /admin API (generated on first start when unset)",
    secret: true,
  },
  metricsToken: {
    flag: "metrics-token",
    env: [],
    type: "string",
    default: undefined,
    minLength: TOKEN_LENGTH_MIN,
    doc: "when set, GET /metrics wants Authorization: Bearer <this token> (default: /metrics is open, like /healthz)",
    secret: true,
  },
  publicUrl: {
    flag: "public-url",
    env: [],
    type: "string",
    default: undefined,
    doc: "URL clients use to reach this server, printed in the .env block (default: the listening URL)",
  },
  logLevel: { flag: "log-level", env: [], type: "string", default: "info", choices: ["debug", "info", "warn", "error"], doc: "debug, info, warn or error" },
  shutdownTimeoutMs: {
    flag: "shutdown-timeout-ms",
    env: [],
    type: "integer",
    default: 10_000,
    min: 0,
    doc: "on SIGTERM/SIGINT, how long in-flight requests may take before the process exits anyway",
  },
  luaTimeLimitMs: {
    flag: "lua-time-limit-ms",
    env: [],
    type: "integer",
    default: 5000,
    min: 1,
    doc: "a Lua script or function running longer is stopped with an error; until then other commands for its database wait",
  },
  luaMemoryBytes: {
    flag: "lua-memory-bytes",
    env: [],
    type: "integer",
    default: 128 * 1024 * 1024,
    min: 1024 * 1024,
    doc: "most a Lua script may allocate on top of what its database's Lua VM holds when it starts; a script allocating past it is stopped with an error",
  },
  fsync: {
    flag: "fsync",
    env: [],
    type: "string",
    default: "everysec",
    choices: ["always", "everysec", "no"],
    doc: "when the change log is fsynced, as Redis's appendfsync: always (every commit), everysec or no; every policy survives kill -9",
  },
  snapshotEveryMs: {
    flag: "snapshot-every-ms",
    env: [],
    type: "integer",
    default: 300_000,
    min: 0,
    doc: "take a snapshot this long after the previous one when anything changed (0: never on a timer)",
  },
  snapshotLogBytesMax: {
    flag: "snapshot-log-bytes-max",
    env: [],
    type: "integer",
    default: 64 * 1024 * 1024,
    min: 0,
    doc: "take a snapshot once the change log holds this many bytes, or as many as the newest snapshot when that is larger (0: never for size)",
  },
  qstashToken: {
    flag: "qstash-token",
    env: ["QSTASH_TOKEN"],
    type: "string",
    default: undefined,
    minLength: TOKEN_LENGTH_MIN,
    doc: "QStash API token (generated on first start when unset)",
    secret: true,
  },
  qstashCurrentSigningKey: {
    flag: "qstash-current-signing-key",
    env: ["QSTASH_CURRENT_SIGNING_KEY"],
    type: "string",
    default: undefined,
    minLength: TOKEN_LENGTH_MIN,
    doc: "key that signs QStash deliveries (generated on first start when unset)",
    secret: true,
  },
  qstashNextSigningKey: {
    flag: "qstash-next-signing-key",
    env: ["QSTASH_NEXT_SIGNING_KEY"],
    type: "string",
    default: undefined,
    minLength: TOKEN_LENGTH_MIN,
    doc: "QStash signing key that becomes current on rotation (generated on first start when unset)",
    secret: true,
  },
  qstashDev: {
    flag: "qstash-dev",
    env: [],
    type: "boolean",
    default: false,
    doc: "serve the official QStash dev server's fixed token and signing keys, for apps with QSTASH_DEV=true (use with --port 8080; the flag alone means true)",
  },
  qstashMaxMessageBytes: { flag: "qstash-max-message-bytes", env: [], type: "integer", default: 1024 * 1024, min: 1, doc: "largest QStash message body" },
  qstashDeliveryConcurrency: {
    flag: "qstash-delivery-concurrency",
    env: [],
    type: "integer",
    default: 256,
    min: 1,
    max: 100_000,
    doc: "QStash delivery attempts in flight at once",
  },
  qstashAttemptTimeoutMs: {
    flag: "qstash-attempt-timeout-ms",
    env: [],
    type: "integer",
    default: 300_000,
    min: 100,
    doc: "longest a QStash delivery attempt may take (Upstash-Timeout can only shorten it)",
  },
  qstashEventRetentionMs: {
    flag: "qstash-event-retention-ms",
    env: [],
    type: "integer",
    default: 7 * 86_400_000,
    min: 60_000,
    doc: "how long QStash logs (and finished messages) are kept",
  },
  qstashDlqRetentionMs: { flag: "qstash-dlq-retention-ms", env: [], type: "integer", default: 7 * 86_400_000, min: 60_000, doc: "how long QStash DLQ entries are kept" },
  qstashAllowDestinations: {
    flag: "qstash-allow-destinations",
    env: [],
    type: "string",
    default: undefined,
    doc: "comma-separated hosts (example.com, *.example.com) or CIDRs QStash may deliver to (default: anywhere)",
  },
  qstashDenyDestinations: {
    flag: "qstash-deny-destinations",
    env: [],
    type: "string",
    default: undefined,
    doc: "comma-separated hosts or CIDRs QStash must not deliver to, e.g. 10.0.0.0/8,169.254.0.0/16 (SSRF guard; wins over allow)",
  },
  kafkaUsername: {
    flag: "kafka-username",
    env: ["UPSTASH_KAFKA_REST_USERNAME"],
    type: "string",
    default: undefined,
    doc: "Kafka REST username of the default user, who may do everything (generated on first start when unset)",
  },
  kafkaPassword: {
    flag: "kafka-password",
    env: ["UPSTASH_KAFKA_REST_PASSWORD"],
    type: "string",
    default: undefined,
    minLength: TOKEN_LENGTH_MIN,
    doc: "Kafka REST password of the default user (generated on first start when unset)",
    secret: true,
  },
  kafkaAutoCreateTopics: {
    flag: "kafka-auto-create-topics",
    env: [],
    type: "boolean",
    default: false,
    doc: "create a missing Kafka topic on its first produce, with the default partition count (Upstash did not)",
  },
  kafkaDefaultPartitions: { flag: "kafka-default-partitions", env: [], type: "integer", default: 1, min: 1, max: 1000, doc: "partitions of a Kafka topic created without a count" },
  kafkaConsumerIdleMs: {
    flag: "kafka-consumer-idle-ms",
    env: [],
    type: "integer",
    default: 120_000,
    min: 1000,
    doc: "a Kafka consumer instance idle this long is closed (Kafka-Session-Timeout-Ms overrides it per instance)",
  },
  kafkaCleanerIntervalMs: {
    flag: "kafka-cleaner-interval-ms",
    env: [],
    type: "integer",
    default: 15_000,
    min: 10,
    doc: "how often Kafka retention is applied and compaction considered",
  },
} as const satisfies Record<string, OptionDef>;

export type OptionName = keyof typeof options;

export interface Config {
  port: number;
  respPort: number | undefined;
  host: string;
  dataDir: string;
  maxRequestBytes: number;
  token: string | undefined;
  readonlyToken: string | undefined;
  adminToken: string | undefined;
  metricsToken?: string;
  publicUrl: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error";
  shutdownTimeoutMs: number;
  luaTimeLimitMs: number;
  luaMemoryBytes: number;
  fsync: "always" | "everysec" | "no";
  snapshotEveryMs: number;
  snapshotLogBytesMax: number;
  qstashToken: string | undefined;
  qstashCurrentSigningKey: string | undefined;
  qstashNextSigningKey: string | undefined;
  qstashDev: boolean;
  qstashMaxMessageBytes: number;
  qstashDeliveryConcurrency: number;
  qstashAttemptTimeoutMs: number;
  qstashEventRetentionMs: number;
  qstashDlqRetentionMs: number;
  qstashAllowDestinations: string | undefined;
  qstashDenyDestinations: string | undefined;
  kafkaUsername: string | undefined;
  kafkaPassword: string | undefined;
  kafkaAutoCreateTopics: boolean;
  kafkaDefaultPartitions: number;
  kafkaConsumerIdleMs: number;
  kafkaCleanerIntervalMs: number;
  /** The config file that was read, if any. */
  configFile: string | undefined;
  /** Running under systemd's journal: log with <N> priority prefixes. */
  journald: boolean;
  /** systemd's service variables (Type=notify, the journal), when any is set. */
  systemd?: SystemdEnvironment;
}

/** What systemd tells a service through its environment (sd_notify(3), systemd.exec(5)). */
export interface SystemdEnvironment {
  notifySocket?: string;
  watchdogUsec?: string;
  watchdogPid?: string;
  /** "device:inode" of the journal stream on stdout/stderr. */
  journalStream?: string;
}

// Fails to compile when the table and `Config` disagree on the option names.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const tableMatchesConfig: SameKeys<typeof options, Omit<Config, "configFile" | "journald" | "systemd">> = true;
void tableMatchesConfig;

/** A configuration mistake: the CLI prints its one-line message and exits 2. */
export class ConfigError extends Error {}

type Environment = Record<string, string | undefined>;

const CONFIG_ENV = "DOWNSTASH_CONFIG";

/** Every environment name an option reads, in precedence order: DOWNSTASH_<FLAG> first. */
export function envNames(name: OptionName): string[] {
  const def: OptionDef = options[name];
  return [`DOWNSTASH_${def.flag.toUpperCase().replaceAll("-", "_")}`, ...def.env];
}

/** The config file key of an option: its flag in camelCase (`data-dir` → `dataDir`). */
export function fileKey(name: OptionName): string {
  return options[name].flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

const optionNames = Object.keys(options) as OptionName[];
const byFlag = new Map<string, OptionName>(optionNames.map((name) => [options[name].flag, name]));
const byFileKey = new Map<string, OptionName>(optionNames.map((name) => [fileKey(name), name]));

/** Converts and checks one raw value against its row; `source` names where it came from. */
function convert(name: OptionName, raw: unknown, source: string): string | number | boolean {
  const def: OptionDef = options[name];
  // "--port must be ...", "environment DOWNSTASH_PORT: port must be ...".
  const subject = source.startsWith("--") ? source : `${source}: ${def.flag}`;
  if (def.type === "boolean") {
    if (typeof raw === "boolean") return raw;
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new ConfigError(`${subject} must be true or false, got ${show(name, raw)}`);
  }
  if (def.type === "integer") {
    const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n)) throw new ConfigError(`${subject} must be an integer, got ${show(name, raw)}`);
    if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
      const range = def.max === undefined ? `at least ${def.min}` : `between ${def.min} and ${def.max}`;
      throw new ConfigError(`${subject} must be ${range}, got ${n}`);
    }
    return n;
  }
  if (typeof raw !== "string") throw new ConfigError(`${subject} must be a string, got ${show(name, raw)}`);
  if (def.choices !== undefined && !def.choices.includes(raw)) {
    throw new ConfigError(`${subject} must be one of ${def.choices.join(", ")}, got ${show(name, raw)}`);
  }
  if (def.minLength !== undefined && raw.length < def.minLength) {
    throw new ConfigError(`${subject} must be at least ${def.minLength} characters`);
  }
  return raw;
}

/** A value for an error message; secrets are never echoed. */
function show(name: OptionName, raw: unknown): string {
  const def: OptionDef = options[name];
  return def.secret ? "a hidden value" : JSON.stringify(raw) ?? String(raw);
}

export interface ParsedFlags {
  values: Partial<Record<OptionName, string>>;
  configFile: string | undefined;
  positionals: string[];
}

/** Splits argv into option flags (`--name value`, `--name=value`) and positionals (subcommands). */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const values: Partial<Record<OptionName, string>> = {};
  const positionals: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith("--")) throw new ConfigError(`unknown option ${arg} (see --help)`);
    const equals = arg.indexOf("=");
    const flag = arg.slice(2, equals === -1 ? undefined : equals);
    const name = byFlag.get(flag);
    if (name === undefined && flag !== "config") throw new ConfigError(`unknown option --${flag} (see --help)`);
    // A boolean flag alone (`--qstash-dev`) means true; it takes a following true/false only.
    const isSwitch = name !== undefined && options[name].type === "boolean" && equals === -1 && !/^(true|false|1|0)$/.test(argv[i + 1] ?? "");
    const value = isSwitch ? "true" : equals === -1 ? argv[++i] : arg.slice(equals + 1);
    if (value === undefined) throw new ConfigError(`--${flag} needs a value`);
    if (name === undefined) configFile = value;
    else values[name] = value;
  }
  return { values, configFile, positionals };
}

const readErrors: Record<string, string> = { ENOENT: "no such file", EISDIR: "it is a directory", EACCES: "permission denied" };

/** Reads a JSON config file into option values; every mistake in it is a ConfigError. */
async function readConfigFile(path: string): Promise<Partial<Record<OptionName, string | number | boolean>>> {
  let text: string;
  try {
    text = await Bun.file(path).text();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config file ${path}: ${readErrors[code ?? ""] ?? code ?? oneLine(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${oneLine(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const values: Partial<Record<OptionName, string | number | boolean>> = {};
  for (const [key, raw] of Object.entries(parsed)) {
    const name = byFileKey.get(key);
    if (name === undefined) {
      throw new ConfigError(`config file ${path}: unknown key ${JSON.stringify(key)} (known: ${[...byFileKey.keys()].join(", ")})`);
    }
    // null reads as "not set here", so a file can document a key without overriding the default.
    if (raw !== null) values[name] = convert(name, raw, `config file ${path}`);
  }
  return values;
}

function oneLine(error: unknown): string {
  return String((error as Error)?.message ?? error).replace(/\s+/g, " ").trim();
}

/** Resolves the configuration: defaults < config file < environment < flags. */
export async function loadConfig(flags: ParsedFlags, env: Environment = process.env): Promise<Config> {
  const resolved: Partial<Record<OptionName, string | number | boolean | undefined>> = {};
  for (const name of optionNames) resolved[name] = options[name].default;

  // An empty variable counts as unset, as compose files and systemd units often leave them.
  const configFile = flags.configFile ?? (env[CONFIG_ENV] || undefined);
  if (configFile !== undefined) Object.assign(resolved, await readConfigFile(configFile));
  for (const name of optionNames) {
    const envName = envNames(name).find((candidate) => env[candidate] !== undefined && env[candidate] !== "");
    if (envName !== undefined) resolved[name] = convert(name, env[envName], `environment ${envName}`);
  }
  for (const [name, value] of Object.entries(flags.values) as [OptionName, string][]) {
    resolved[name] = convert(name, value, `--${options[name].flag}`);
  }

  const config = { ...resolved, configFile, journald: env.JOURNAL_STREAM !== undefined, systemd: systemdEnvironment(env) } as Config;
  checkTokensDistinct(config);
  if (config.publicUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(config.publicUrl)) {
    throw new ConfigError(`public-url must be an http:// or https:// URL`);
  }
  return config;
}

function systemdEnvironment(env: Environment): SystemdEnvironment | undefined {
  const found: SystemdEnvironment = {
    notifySocket: env.NOTIFY_SOCKET || undefined,
    watchdogUsec: env.WATCHDOG_USEC || undefined,
    watchdogPid: env.WATCHDOG_PID || undefined,
    journalStream: env.JOURNAL_STREAM || undefined,
  };
  return Object.values(found).some((value) => value !== undefined) ? found : undefined;
}

function checkTokensDistinct(config: Config): void {
  const given = (["token", "readonlyToken", "adminToken"] as const).filter((name) => config[name] !== undefined);
  for (const [i, first] of given.entries()) {
    for (const second of given.slice(i + 1)) {
      if (config[first] === config[second]) {
        throw new ConfigError(`${options[first].flag} and ${options[second].flag} must differ: each token grants different access`);
      }
    }
  }
}

/** `--help` text, generated from the option table. */
export function helpText(): string {
  const rows = optionNames.map((name) => {
    const def: OptionDef = options[name];
    const shown = def.default === undefined ? "" : ` (default: ${def.default})`;
    return `  --${def.flag} <${def.type === "integer" ? "n" : def.type === "boolean" ? "true|false" : "value"}>\n      ${def.doc}${shown}\n      env: ${envNames(name).join(", ")}`;
  });
  return [
    "downstash — Upstash-compatible Redis over REST, in one binary",
    "",
    "Usage:",
    "  downstash [serve] [options]   start the server",
    "  downstash env [options]       print the .env block for the official clients",
    "  downstash healthcheck [opts]  exit 0 when the server on --host/--port answers /healthz",
    "  downstash kafka topic|user ...  Kafka topic and user admin through the running server (downstash kafka --help)",
    "  downstash version             print the version and build commit",
    "  downstash help                print this text (also --help, -h)",
    "",
    "Options (defaults < --config file < environment < flags):",
    `  --config <file>\n      JSON object whose keys are the camelCased option names (dataDir, maxRequestBytes, ...)\n      env: ${CONFIG_ENV}`,
    ...rows,
  ].join("\n");
}
