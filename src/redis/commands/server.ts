// Connection and server commands: PING, ECHO, TIME, INFO, COMMAND (introspection of the command
// table, read through ctx.commands), MEMORY USAGE, OBJECT and CLIENT SETINFO. None of them
// changes the keyspace; what they report about the process (memory, CPU, uptime) is informative
// only and never feeds a decision.

import { COMMIT, VERSION } from "../../version.ts";
import { int64OrThrow } from "../engine/args.ts";
import { commandKeys, type CommandContext, type CommandFlag, type CommandSpec } from "../engine/command.ts";
import { errors } from "../engine/errors.ts";
import { globMatch } from "../engine/glob.ts";
import type { Entry } from "../engine/keyspace.ts";
import { OK, PONG, status, type Reply } from "../engine/reply.ts";
import { helpReply } from "./help.ts";
import type { StructuredValue } from "../types/value.ts";
import { stringEncoding } from "./string.ts";

/** The Redis version INFO reports: the command set and error texts follow Redis 7. */
export const REDIS_COMPATIBLE_VERSION = "7.2.0";

const connection = "connection";
const server = "server";
const generic = "generic";

// PING [message]
function pingCommand(_ctx: CommandContext, argv: string[]): Reply {
  if (argv.length > 2) throw errors.wrongArity("ping");
  return argv.length === 2 ? argv[1]! : PONG;
}

// ECHO message
function echoCommand(_ctx: CommandContext, argv: string[]): Reply {
  return argv[1]!;
}

// TIME
function timeCommand(ctx: CommandContext, _argv: string[]): Reply {
  const nowMs = ctx.clock.nowMs();
  const seconds = Math.floor(nowMs / 1000);
  return [String(seconds), String((nowMs - seconds * 1000) * 1000)];
}

// ---------------------------------------------------------------------------------------------
// INFO

type InfoFields = [string, string | number][];

/** Redis's bytesToHuman: "0B", "200B", "1.51M". */
function bytesToHuman(bytes: number): string {
  const units = ["K", "M", "G", "T", "P"];
  if (bytes < 1024) return `${bytes}B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

const infoSections: { name: string; title: string; fields: (ctx: CommandContext) => InfoFields }[] = [
  {
    name: "server",
    title: "Server",
    fields: (ctx) => {
      const uptimeSeconds = Math.floor(process.uptime());
      return [
        ["redis_version", REDIS_COMPATIBLE_VERSION],
        ["redis_mode", "standalone"],
        ["downstash_version", VERSION],
        ["downstash_commit", COMMIT],
        ["os", `${process.platform} ${process.arch}`],
        ["arch_bits", 64],
        ["process_id", process.pid],
        ["server_time_usec", ctx.clock.nowMs() * 1000],
        ["uptime_in_seconds", uptimeSeconds],
        ["uptime_in_days", Math.floor(uptimeSeconds / 86400)],
      ];
    },
  },
  {
    name: "clients",
    title: "Clients",
    // REST requests hold no connection between commands.
    fields: () => [
      ["connected_clients", 0],
      ["blocked_clients", 0],
    ],
  },
  {
    name: "memory",
    title: "Memory",
    fields: () => {
      const usage = process.memoryUsage();
      return [
        ["used_memory", usage.heapUsed],
        ["used_memory_human", bytesToHuman(usage.heapUsed)],
        ["used_memory_rss", usage.rss],
        ["used_memory_rss_human", bytesToHuman(usage.rss)],
        ["maxmemory", 0],
        ["maxmemory_human", "0B"],
        ["maxmemory_policy", "noeviction"],
      ];
    },
  },
  {
    name: "persistence",
    title: "Persistence",
    // Durability is the change log (DESIGN §5), not RDB or AOF; its position is the LSN. The
    // durable store reports its own fields (snapshots as rdb_*, the change log as aof_*).
    fields: (ctx) => [
      ["loading", 0],
      ["async_loading", 0],
      ...(ctx.db.persistence?.info() ?? [
        ["rdb_bgsave_in_progress", 0],
        ["aof_enabled", 0],
        ["aof_rewrite_in_progress", 0],
      ]),
      ["downstash_lsn", ctx.db.lsn],
    ],
  },
  {
    name: "stats",
    title: "Stats",
    // Counters the engine does not keep (commands processed, hits, misses) are left out rather
    // than reported as zero; nothing is ever evicted.
    fields: () => [["evicted_keys", 0]],
  },
  {
    name: "replication",
    title: "Replication",
    fields: (ctx) => [
      ["role", "master"],
      ["connected_slaves", 0],
      ["master_repl_offset", ctx.db.lsn],
    ],
  },
  {
    name: "cpu",
    title: "CPU",
    fields: () => {
      const usage = process.cpuUsage();
      return [
        ["used_cpu_sys", (usage.system / 1e6).toFixed(6)],
        ["used_cpu_user", (usage.user / 1e6).toFixed(6)],
      ];
    },
  },
  {
    name: "cluster",
    title: "Cluster",
    fields: () => [["cluster_enabled", 0]],
  },
  {
    name: "keyspace",
    title: "Keyspace",
    // Redis lists a database only when it holds keys.
    fields: (ctx) =>
      ctx.keyspace.size === 0 ? [] : [["db0", `keys=${ctx.keyspace.size},expires=${ctx.keyspace.volatileCount},avg_ttl=0`]],
  },
];

// INFO [section [section ...]]
function infoCommand(ctx: CommandContext, argv: string[]): Reply {
  const requested = new Set(argv.slice(1).map((name) => name.toLowerCase()));
  // Every section here is a default one, so "default", "all" and "everything" mean the same.
  const everything = requested.size === 0 || requested.has("default") || requested.has("all") || requested.has("everything");
  // Sections come in Redis's fixed order whatever the request order; unknown names are ignored.
  const parts: string[] = [];
  for (const section of infoSections) {
    if (!everything && !requested.has(section.name)) continue;
    let text = `# ${section.title}\r\n`;
    for (const [name, value] of section.fields(ctx)) text += `${name}:${value}\r\n`;
    parts.push(text);
  }
  return parts.join("\r\n");
}

// ---------------------------------------------------------------------------------------------
// COMMAND

/** Our flags under the names COMMAND INFO uses; "restricted" is an Upstash notion with none. */
const redisFlagNames: Partial<Record<CommandFlag, string>> = {
  write: "write",
  readonly: "readonly",
  denyoom: "denyoom",
  admin: "admin",
  pubsub: "pubsub",
  noscript: "noscript",
  loading: "loading",
  stale: "stale",
  fast: "fast",
  "no-multi": "no_multi",
};

const groupCategories: Record<string, string> = {
  generic: "@keyspace",
  string: "@string",
  hash: "@hash",
  list: "@list",
  set: "@set",
  "sorted-set": "@sortedset",
  stream: "@stream",
  geo: "@geo",
  hyperloglog: "@hyperloglog",
  bitmap: "@bitmap",
  pubsub: "@pubsub",
  scripting: "@scripting",
  transactions: "@transaction",
  connection: "@connection",
};

// Redis lists a command's categories in this order (its ACL category table).
const categoryOrder = ["@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string", "@bitmap", "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow", "@blocking", "@dangerous", "@connection", "@transaction", "@scripting"];

/** ACL categories derived from the row, approximating Redis's (which are hand-assigned). */
function aclCategories(spec: CommandSpec): string[] {
  const categories = new Set<string>();
  if (spec.flags.includes("write")) categories.add("@write");
  if (spec.flags.includes("readonly")) categories.add("@read");
  const fromGroup = groupCategories[spec.group];
  if (fromGroup !== undefined) categories.add(fromGroup);
  categories.add(spec.flags.includes("fast") ? "@fast" : "@slow");
  if (spec.flags.includes("admin")) categories.add("@admin").add("@dangerous");
  return categoryOrder.filter((category) => categories.has(category));
}

/** Redis 7 key specs for a first/last/step range: "lastkey" counts from the first key. */
function keySpecs(spec: CommandSpec): Reply[] {
  const keys = spec.keys;
  if (keys === undefined || keys.first === 0) return [];
  const access = spec.flags.includes("write") ? "RW" : "RO";
  const lastKey = keys.last < 0 ? keys.last : keys.last - keys.first;
  return [
    [
      "flags",
      [status(access)],
      "begin_search",
      ["type", "index", "spec", ["index", keys.first]],
      "find_keys",
      ["type", "range", "spec", ["lastkey", lastKey, "keystep", keys.step, "limit", 0]],
    ],
  ];
}

function commandInfo(spec: CommandSpec): Reply {
  const flags: Reply[] = [];
  for (const flag of spec.flags) {
    const name = redisFlagNames[flag];
    if (name !== undefined) flags.push(status(name));
  }
  if (spec.movableKeys !== undefined) flags.push(status("movablekeys"));
  return [
    spec.name,
    spec.arity,
    flags,
    spec.keys?.first ?? 0,
    spec.keys?.last ?? 0,
    spec.keys?.step ?? 0,
    aclCategories(spec).map(status),
    [], // tips
    keySpecs(spec),
    (spec.subcommands ?? []).map(commandInfo),
  ];
}

function commandDocs(spec: CommandSpec): Reply[] {
  const docs: Reply[] = ["summary", spec.summary, "since", spec.since, "group", spec.group];
  if (spec.subcommands !== undefined) docs.push("subcommands", spec.subcommands.flatMap((sub) => [sub.name, commandDocs(sub)]));
  return docs;
}

/** A row by name, "container|sub" included, case-insensitively. */
function findCommand(ctx: CommandContext, name: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf("|");
  if (bar === -1) return ctx.commands.get(lower);
  return ctx.commands.get(lower.slice(0, bar))?.subcommands?.find((sub) => sub.name === lower);
}

/** Containers and their subcommands, as COMMAND LIST names them. */
function everyRow(ctx: CommandContext): CommandSpec[] {
  return ctx.commands.all().flatMap((spec) => [spec, ...(spec.subcommands ?? [])]);
}

// COMMAND
function commandCommand(ctx: CommandContext, _argv: string[]): Reply {
  return ctx.commands.all().map(commandInfo);
}

// COMMAND COUNT
function commandCountCommand(ctx: CommandContext, _argv: string[]): Reply {
  return ctx.commands.all().length;
}

// COMMAND INFO [command-name [command-name ...]]
function commandInfoCommand(ctx: CommandContext, argv: string[]): Reply {
  if (argv.length === 2) return commandCommand(ctx, argv);
  return argv.slice(2).map((name) => {
    const spec = findCommand(ctx, name);
    return spec === undefined ? null : commandInfo(spec);
  });
}

// COMMAND DOCS [command-name [command-name ...]]
function commandDocsCommand(ctx: CommandContext, argv: string[]): Reply {
  const specs =
    argv.length === 2
      ? ctx.commands.all()
      : argv.slice(2).flatMap((name) => {
          // Unknown names are left out of the map, not answered with nil.
          const spec = findCommand(ctx, name);
          return spec === undefined ? [] : [spec];
        });
  return specs.flatMap((spec) => [spec.name, commandDocs(spec)]);
}

// COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]
function commandListCommand(ctx: CommandContext, argv: string[]): Reply {
  const rows = everyRow(ctx);
  if (argv.length === 2) return rows.map((spec) => spec.name);
  if (argv.length !== 5 || argv[2]!.toUpperCase() !== "FILTERBY") throw errors.syntax();
  const filter = argv[3]!.toUpperCase();
  const value = argv[4]!;
  let keep: (spec: CommandSpec) => boolean;
  if (filter === "MODULE") keep = () => false; // no modules
  else if (filter === "ACLCAT") keep = (spec) => aclCategories(spec).includes(`@${value.toLowerCase()}`);
  else if (filter === "PATTERN") keep = (spec) => globMatch(value, spec.name, true);
  else throw errors.syntax();
  return rows.filter(keep).map((spec) => spec.name);
}

// COMMAND GETKEYS command [arg [arg ...]]
function commandGetkeysCommand(ctx: CommandContext, argv: string[]): Reply {
  const target = argv.slice(2);
  let spec = ctx.commands.get(target[0]!.toLowerCase());
  if (spec?.subcommands !== undefined && target.length >= 2) {
    spec = spec.subcommands.find((sub) => sub.name === `${spec!.name}|${target[1]!.toLowerCase()}`);
  }
  if (spec === undefined) throw errors.invalidCommandSpecified();
  const hasRange = spec.keys !== undefined && spec.keys.first !== 0;
  if (!hasRange && spec.movableKeys === undefined) throw errors.commandHasNoKeys();
  if ((spec.arity > 0 && target.length !== spec.arity) || target.length < -spec.arity) throw errors.invalidCommandArguments();
  // Movable keys that cannot be found (a bad numkeys, none at all) make the arguments invalid.
  if (spec.movableKeys !== undefined && spec.movableKeys(target).length === 0) throw errors.invalidKeyArguments();
  return commandKeys(spec, target);
}


// COMMAND HELP
function commandHelpCommand(_ctx: CommandContext, _argv: string[]): Reply {
  return helpReply("COMMAND", [
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
  ]);
}

// ---------------------------------------------------------------------------------------------
// MEMORY and OBJECT

/** jemalloc's size class for an allocation: what Redis's zmalloc_size reports. */
function allocationBytes(requested: number): number {
  if (requested <= 8) return 8;
  if (requested <= 128) return Math.ceil(requested / 16) * 16;
  const spacing = 2 ** (Math.floor(Math.log2(requested - 1)) - 2);
  return Math.ceil(requested / spacing) * spacing;
}

/** An sds string's allocation: header by length class, the bytes, a terminating NUL. */
function sdsBytes(length: number): number {
  const header = length < 32 ? 1 : length < 256 ? 3 : length < 65536 ? 5 : 9;
  return allocationBytes(header + length + 1);
}

const OBJECT_HEADER_BYTES = 16; // robj
const DICT_ENTRY_BYTES = 24;

/** MEMORY USAGE's estimate, shaped like Redis 7's so small strings report the same numbers. */
function estimateBytes(key: string, entry: Entry): number {
  let valueBytes: number;
  if (entry.type !== "string") valueBytes = OBJECT_HEADER_BYTES + (entry.value as StructuredValue).approxBytes();
  else {
    const value = entry.value as string;
    const encoding = stringEncoding(entry);
    if (encoding === "int") valueBytes = OBJECT_HEADER_BYTES;
    else if (encoding === "embstr") valueBytes = allocationBytes(OBJECT_HEADER_BYTES + 3 + value.length + 1);
    else valueBytes = OBJECT_HEADER_BYTES + sdsBytes(value.length);
  }
  return valueBytes + sdsBytes(key.length) + DICT_ENTRY_BYTES;
}

// MEMORY USAGE key [SAMPLES count]
function memoryUsageCommand(ctx: CommandContext, argv: string[]): Reply {
  for (let i = 3; i < argv.length; i++) {
    if (argv[i]!.toUpperCase() === "SAMPLES" && i + 1 < argv.length) {
      // Validated like Redis; the estimate sizes whole structures, so no sampling is needed.
      if (int64OrThrow(argv[++i]!) < 0n) throw errors.syntax();
    } else throw errors.syntax();
  }
  const entry = ctx.keyspace.get(argv[2]!);
  return entry === undefined ? null : estimateBytes(argv[2]!, entry);
}

// MEMORY HELP
// MEMORY PURGE
// Redis asks its allocator to release dirty pages; the JS heap's equivalent is a full garbage
// collection, after which INFO's used_memory counts live data only.
function memoryPurgeCommand(_ctx: CommandContext, _argv: string[]): Reply {
  Bun.gc(true);
  return OK;
}

function memoryHelpCommand(_ctx: CommandContext, _argv: string[]): Reply {
  return helpReply("MEMORY", [
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
  ]);
}

// OBJECT ENCODING key
function objectEncodingCommand(ctx: CommandContext, argv: string[]): Reply {
  const entry = ctx.keyspace.get(argv[2]!);
  if (entry === undefined) return null;
  return entry.type === "string" ? stringEncoding(entry) : (entry.value as StructuredValue).encoding();
}

const SHARED_INTEGERS_MAX = 9999;
const SHARED_REFCOUNT = 2147483647;

// OBJECT REFCOUNT key
function objectRefcountCommand(ctx: CommandContext, argv: string[]): Reply {
  const entry = ctx.keyspace.get(argv[2]!);
  if (entry === undefined) return null;
  // compat: Redis shares the objects for 0..9999 and reports them with INT_MAX references.
  if (entry.type === "string" && stringEncoding(entry) === "int") {
    const value = Number(entry.value);
    if (value >= 0 && value <= SHARED_INTEGERS_MAX) return SHARED_REFCOUNT;
  }
  return 1;
}

// OBJECT IDLETIME key
function objectIdletimeCommand(ctx: CommandContext, argv: string[]): Reply {
  // compat: access times are not tracked, so every key reads as just used.
  return ctx.keyspace.get(argv[2]!) === undefined ? null : 0;
}

// OBJECT FREQ key
function objectFreqCommand(ctx: CommandContext, argv: string[]): Reply {
  if (ctx.keyspace.get(argv[2]!) === undefined) return null;
  // The policy is noeviction (see INFO memory), so Redis would not track frequency either.
  throw errors.lfuNotSelected();
}

// OBJECT HELP
function objectHelpCommand(_ctx: CommandContext, _argv: string[]): Reply {
  return helpReply("OBJECT", [
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
  ]);
}

// ---------------------------------------------------------------------------------------------
// CLIENT

// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
function clientSetinfoCommand(_ctx: CommandContext, argv: string[]): Reply {
  const attribute = argv[2]!;
  const upper = attribute.toUpperCase();
  if (upper !== "LIB-NAME" && upper !== "LIB-VER") throw errors.unrecognizedOption(attribute);
  // Redis allows printable ASCII without spaces, so CLIENT LIST stays parseable.
  for (let i = 0; i < argv[3]!.length; i++) {
    const code = argv[3]!.charCodeAt(i);
    if (code < 33 || code > 126) throw errors.invalidClientAttribute(attribute);
  }
  // compat: REST has no connection to attach the library to, so it is accepted and not kept.
  return OK;
}

// CLIENT HELP
function clientHelpCommand(_ctx: CommandContext, _argv: string[]): Reply {
  return helpReply("CLIENT", ["SETINFO <option> <value>", "    Set client meta attr. Options are:", "    * LIB-NAME: the client lib name.", "    * LIB-VER: the client lib version."]);
}

const introspection: CommandFlag[] = ["loading", "stale"];
const objectKey = { first: 2, last: 2, step: 1 };

export const serverCommands: CommandSpec[] = [
  { name: "ping", arity: -1, flags: ["fast"], group: connection, summary: "Returns the server's liveliness response.", since: "1.0.0", run: pingCommand },
  { name: "echo", arity: 2, flags: ["fast"], group: connection, summary: "Returns the given string.", since: "1.0.0", run: echoCommand },
  { name: "time", arity: 1, flags: ["loading", "stale", "fast"], group: server, summary: "Returns the server time.", since: "2.6.0", run: timeCommand },
  { name: "info", arity: -1, flags: introspection, group: server, summary: "Returns information and statistics about the server.", since: "1.0.0", run: infoCommand },
  {
    name: "command", arity: -1, flags: introspection, group: server, summary: "Returns detailed information about all commands.", since: "2.8.13", run: commandCommand,
    subcommands: [
      { name: "command|count", arity: 2, flags: introspection, group: server, summary: "Returns a count of commands.", since: "2.8.13", run: commandCountCommand },
      { name: "command|info", arity: -2, flags: introspection, group: server, summary: "Returns information about one, multiple or all commands.", since: "2.8.13", run: commandInfoCommand },
      { name: "command|docs", arity: -2, flags: introspection, group: server, summary: "Returns documentary information about one, multiple or all commands.", since: "7.0.0", run: commandDocsCommand },
      { name: "command|list", arity: -2, flags: introspection, group: server, summary: "Returns a list of command names.", since: "7.0.0", run: commandListCommand },
      { name: "command|getkeys", arity: -4, flags: introspection, group: server, summary: "Extracts the key names from an arbitrary command.", since: "2.8.13", run: commandGetkeysCommand },
      { name: "command|help", arity: 2, flags: introspection, group: server, summary: "Returns helpful text about the different subcommands.", since: "5.0.0", run: commandHelpCommand },
    ],
  },
  {
    name: "memory", arity: -2, flags: [], group: server, summary: "A container for memory diagnostics commands.", since: "4.0.0",
    subcommands: [
      { name: "memory|usage", arity: -3, flags: ["readonly"], keys: objectKey, group: server, summary: "Estimates the memory usage of a key.", since: "4.0.0", run: memoryUsageCommand },
      // Restricted: a full collection pauses the server, so read-only (browser) tokens may not ask for one.
      { name: "memory|purge", arity: 2, flags: ["restricted"], group: server, summary: "Asks the allocator to release memory.", since: "4.0.0", run: memoryPurgeCommand },
      { name: "memory|help", arity: 2, flags: introspection, group: server, summary: "Returns helpful text about the different subcommands.", since: "4.0.0", run: memoryHelpCommand },
    ],
  },
  {
    name: "object", arity: -2, flags: [], group: generic, summary: "A container for object introspection commands.", since: "2.2.3",
    subcommands: [
      { name: "object|encoding", arity: 3, flags: ["readonly"], keys: objectKey, group: generic, summary: "Returns the internal encoding of a Redis object.", since: "2.2.3", run: objectEncodingCommand },
      { name: "object|freq", arity: 3, flags: ["readonly"], keys: objectKey, group: generic, summary: "Returns the logarithmic access frequency counter of a Redis object.", since: "4.0.0", run: objectFreqCommand },
      { name: "object|idletime", arity: 3, flags: ["readonly"], keys: objectKey, group: generic, summary: "Returns the time since the last access to a Redis object.", since: "2.2.3", run: objectIdletimeCommand },
      { name: "object|refcount", arity: 3, flags: ["readonly"], keys: objectKey, group: generic, summary: "Returns the reference count of a value of a key.", since: "2.2.3", run: objectRefcountCommand },
      { name: "object|help", arity: 2, flags: introspection, group: generic, summary: "Returns helpful text about the different subcommands.", since: "6.2.0", run: objectHelpCommand },
    ],
  },
  {
    name: "client", arity: -2, flags: [], group: connection, summary: "A container for client connection commands.", since: "2.4.0",
    subcommands: [
      { name: "client|setinfo", arity: 4, flags: ["loading", "stale", "noscript"], group: connection, summary: "Sets information specific to the client or connection.", since: "7.2.0", run: clientSetinfoCommand },
      { name: "client|help", arity: 2, flags: introspection, group: connection, summary: "Returns helpful text about the different subcommands.", since: "5.0.0", run: clientHelpCommand },
    ],
  },
];
