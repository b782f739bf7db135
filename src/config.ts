// Every server option, in one table: its flag, its environment names, its default and its doc.
// Values resolve defaults < config file < environment < flags. `--help`, the config-file schema
// and the README's option list are all derived from this table. This is the only module that
// reads process.env.

import * as v from "valibot";

type OptionType = "string" | "integer" | "boolean";

interface OptionDef {
  /** Long flag without dashes; also the config file key (camelCased). */
  flag: string;
  /** Environment names, first wins. DOWNSTASH_<FLAG> is always first. */
  env: string[];
  type: OptionType;
  default: string | number | boolean | undefined;
  doc: string;
  /** Never printed or logged. */
  secret?: boolean;
}

export const options = {
  port: { flag: "port", env: [], type: "integer", default: 8079, doc: "HTTP port; 0 picks a free port" },
  host: { flag: "host", env: [], type: "string", default: "127.0.0.1", doc: "address to listen on (0.0.0.0 for every interface)" },
  dataDir: { flag: "data-dir", env: [], type: "string", default: "./data", doc: "directory for data and generated credentials" },
  maxRequestBytes: { flag: "max-request-bytes", env: [], type: "integer", default: 10 * 1024 * 1024, doc: "largest request body accepted (Upstash's default: 10 MB)" },
  token: { flag: "token", env: ["UPSTASH_REDIS_REST_TOKEN"], type: "string", default: undefined, doc: "read-write token of the default database (generated on first start when unset)", secret: true },
  readonlyToken: { flag: "readonly-token", env: ["UPSTASH_REDIS_REST_READONLY_TOKEN"], type: "string", default: undefined, doc: "read-only token of the default database (generated on first start when unset)", secret: true },
  adminToken: { flag: "admin-token", env: [], type: "string", default: undefined, doc: "token for the /admin API (generated on first start when unset)", secret: true },
  publicUrl: { flag: "public-url", env: [], type: "string", default: undefined, doc: "URL clients use to reach this server, printed in the .env block (default: the listening URL)" },
  logLevel: { flag: "log-level", env: [], type: "string", default: "info", doc: "debug, info, warn or error" },
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
  /** The config file that was read, if any. */
  configFile: string | undefined;
  /** Running under systemd's journal: log with <N> priority prefixes. */
  journald: boolean;
}

export class ConfigError extends Error {}

function envNames(name: OptionName): string[] {
  const def: OptionDef = options[name];
  return [`DOWNSTASH_${def.flag.toUpperCase().replaceAll("-", "_")}`, ...def.env];
}

function convert(name: OptionName, raw: unknown, source: string): string | number | boolean {
  const def: OptionDef = options[name];
  const fail = () => new ConfigError(`${source}: ${def.flag} must be ${def.type === "integer" ? "an integer" : `a ${def.type}`}`);
  if (def.type === "string") {
    if (typeof raw !== "string") throw fail();
    return raw;
  }
  if (def.type === "integer") {
    const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n)) throw fail();
    return n;
  }
  if (typeof raw === "boolean") return raw;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw fail();
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
const byFlag = new Map(Object.entries(options).map(([name, def]) => [def.flag, name as OptionName]));

const configFileSchema = v.strictObject(
  Object.fromEntries(Object.values(options).map((def) => [camel(def.flag), v.optional(v.union([v.string(), v.number(), v.boolean()]))])),
);

export interface ParsedFlags {
  values: Partial<Record<OptionName, string>>;
  configFile: string | undefined;
  positionals: string[];
}

/** Splits argv into option flags (--name value, --name=value) and positionals. */
export function parseFlags(argv: string[]): ParsedFlags {
  const values: Partial<Record<OptionName, string>> = {};
  const positionals: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = arg.slice(2, eq === -1 ? undefined : eq);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`--${flag} needs a value`);
    if (flag === "config") {
      configFile = value;
      continue;
    }
    const name = byFlag.get(flag);
    if (name === undefined) throw new ConfigError(`unknown option --${flag} (see --help)`);
    values[name] = value;
  }
  return { values, configFile, positionals };
}

/** Resolves the configuration: defaults < config file < environment < flags. */
export async function loadConfig(flags: ParsedFlags, env: Record<string, string | undefined> = process.env): Promise<Config> {
  const resolved: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(options)) resolved[name] = def.default;

  const configFile = flags.configFile ?? env.DOWNSTASH_CONFIG;
  if (configFile !== undefined) {
    const file = Bun.file(configFile);
    if (!(await file.exists())) throw new ConfigError(`config file ${configFile} does not exist`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await file.text());
    } catch (error) {
      throw new ConfigError(`config file ${configFile} is not valid JSON: ${(error as Error).message}`);
    }
    const result = v.safeParse(configFileSchema, parsed);
    if (!result.success) throw new ConfigError(`config file ${configFile}: ${result.issues.map((issue) => issue.message).join("; ")}`);
    for (const [key, value] of Object.entries(result.output)) {
      if (value === undefined) continue;
      const name = byFlag.get(key.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`))!;
      resolved[name] = convert(name, value, `config file ${configFile}`);
    }
  }
  for (const name of Object.keys(options) as OptionName[]) {
    const envName = envNames(name).find((n) => env[n] !== undefined && env[n] !== "");
    if (envName !== undefined) resolved[name] = convert(name, env[envName], `environment ${envName}`);
  }
  for (const [name, value] of Object.entries(flags.values) as [OptionName, string][]) {
    resolved[name] = convert(name, value, `--${options[name].flag}`);
  }

  const config = { ...resolved, configFile, journald: env.JOURNAL_STREAM !== undefined } as Config;
  if (config.port < 0 || config.port > 65535) throw new ConfigError("port must be between 0 and 65535");
  if (config.maxRequestBytes < 1) throw new ConfigError("max-request-bytes must be positive");
  if (!["debug", "info", "warn", "error"].includes(config.logLevel)) throw new ConfigError("log-level must be debug, info, warn or error");
  return config;
}

/** `--help` text, generated from the option table. */
export function helpText(): string {
  const rows = Object.entries(options).map(([name, def]) => {
    const shown = def.default === undefined ? "" : ` (default: ${def.default})`;
    return `  --${def.flag} <${def.type === "integer" ? "n" : "value"}>\n      ${def.doc}${shown}\n      env: ${envNames(name as OptionName).join(", ")}`;
  });
  return [
    "downstash — Upstash-compatible Redis over REST, in one binary",
    "",
    "Usage:",
    "  downstash [serve] [options]   start the server",
    "  downstash env [options]       print the .env block for the official clients",
    "  downstash healthcheck         exit 0 when the server answers /healthz",
    "  downstash version             print the version",
    "",
    "Options (defaults < --config file < environment < flags):",
    "  --config <file>\n      JSON file whose keys are the camelCased option names\n      env: DOWNSTASH_CONFIG",
    ...rows,
  ].join("\n");
}
