// Every server option, in one table: its flag, its environment names, its default, its limits and
// its doc. Values resolve defaults < config file < environment < flags. `--help` and the config
// file's keys are derived from this table, and every check of a value reads it, so a new option
// is one row plus one field of `Config`. This is the only module that reads process.env.

type OptionType = "string" | "integer";

interface OptionDef {
  /** Long flag without dashes; the config file key is its camelCase form. */
  flag: string;
  /** Client-side environment names read after DOWNSTASH_<FLAG>, first set one wins. */
  env: readonly string[];
  type: OptionType;
  default: string | number | undefined;
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
} as const satisfies Record<string, OptionDef>;

export type OptionName = keyof typeof options;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  maxRequestBytes: number;
  token: string | undefined;
  readonlyToken: string | undefined;
  adminToken: string | undefined;
  publicUrl: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error";
  shutdownTimeoutMs: number;
  /** The config file that was read, if any. */
  configFile: string | undefined;
  /** Running under systemd's journal: log with <N> priority prefixes. */
  journald: boolean;
}

// Fails to compile when the table and `Config` disagree on the option names.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const tableMatchesConfig: SameKeys<typeof options, Omit<Config, "configFile" | "journald">> = true;
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
function convert(name: OptionName, raw: unknown, source: string): string | number {
  const def: OptionDef = options[name];
  // "--port must be ...", "environment DOWNSTASH_PORT: port must be ...".
  const subject = source.startsWith("--") ? source : `${source}: ${def.flag}`;
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
    const value = equals === -1 ? argv[++i] : arg.slice(equals + 1);
    if (value === undefined) throw new ConfigError(`--${flag} needs a value`);
    if (name === undefined) configFile = value;
    else values[name] = value;
  }
  return { values, configFile, positionals };
}

const readErrors: Record<string, string> = { ENOENT: "no such file", EISDIR: "it is a directory", EACCES: "permission denied" };

/** Reads a JSON config file into option values; every mistake in it is a ConfigError. */
async function readConfigFile(path: string): Promise<Partial<Record<OptionName, string | number>>> {
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
  const values: Partial<Record<OptionName, string | number>> = {};
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
  const resolved: Partial<Record<OptionName, string | number | undefined>> = {};
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

  const config = { ...resolved, configFile, journald: env.JOURNAL_STREAM !== undefined } as Config;
  checkTokensDistinct(config);
  if (config.publicUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(config.publicUrl)) {
    throw new ConfigError(`public-url must be an http:// or https:// URL`);
  }
  return config;
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
    return `  --${def.flag} <${def.type === "integer" ? "n" : "value"}>\n      ${def.doc}${shown}\n      env: ${envNames(name).join(", ")}`;
  });
  return [
    "downstash — Upstash-compatible Redis over REST, in one binary",
    "",
    "Usage:",
    "  downstash [serve] [options]   start the server",
    "  downstash env [options]       print the .env block for the official clients",
    "  downstash healthcheck [opts]  exit 0 when the server on --host/--port answers /healthz",
    "  downstash version             print the version and build commit",
    "  downstash help                print this text (also --help, -h)",
    "",
    "Options (defaults < --config file < environment < flags):",
    `  --config <file>\n      JSON object whose keys are the camelCased option names (dataDir, maxRequestBytes, ...)\n      env: ${CONFIG_ENV}`,
    ...rows,
  ].join("\n");
}
