// The shape of a command-table row. The table is data: the dispatcher, the read-only token,
// journaling, COMMAND replies, MULTI rules and the docs all read these rows, so a command family
// only declares rows and writes handlers (see STYLE.md, example 1).

import type { Clock } from "../../util/clock.ts";
import type { Random } from "../../util/random.ts";
import type { Database } from "./database.ts";
import type { Keyspace } from "./keyspace.ts";
import type { Reply } from "./reply.ts";

export type CommandFlag =
  | "write" // may change the keyspace: journaled, refused to read-only tokens
  | "readonly" // never changes the keyspace
  | "fast" // O(1) or O(log n)
  | "admin"
  | "noscript" // not callable from Lua
  | "pubsub"
  | "denyoom"
  | "loading"
  | "stale"
  | "restricted" // a read Upstash refuses to read-only tokens (SCAN, KEYS)
  | "no-multi"; // refused inside /multi-exec

// One bit per flag: hasFlag runs several times per command, and Array#includes over a row's
// flags cost more than the rest of the dispatcher's checks together.
const FLAG_BITS: Record<CommandFlag, number> = {
  write: 1,
  readonly: 2,
  fast: 4,
  admin: 8,
  noscript: 16,
  pubsub: 32,
  denyoom: 64,
  loading: 128,
  stale: 256,
  restricted: 512,
  "no-multi": 1024,
};

export interface KeySpec {
  /** Index of the first key in argv (argv[0] is the command name), 0 when there is none. */
  first: number;
  /** Index of the last key; negative counts from the end (-1 = last argument). */
  last: number;
  step: number;
}

/** The command table as handlers see it: COMMAND, COMMAND INFO/DOCS/LIST read it. */
export interface CommandCatalog {
  get(name: string): CommandSpec | undefined;
  all(): CommandSpec[];
}

export interface CommandContext {
  readonly db: Database;
  readonly keyspace: Keyspace;
  readonly clock: Clock;
  readonly random: Random;
  readonly session: Session;
  /** The command's own row (for names in error texts). */
  readonly spec: CommandSpec;
  /** Every row, for the introspection commands (server.ts cannot import the table: a cycle). */
  readonly commands: CommandCatalog;
  /** Count of changes this command made; the dispatcher journals the command when it is > 0. */
  dirty: number;
  /**
   * Replay-safe form(s) to journal instead of argv (relative TTLs made absolute, random choices
   * made explicit). Set it with `ctx.propagate(...)`; each entry is one argv.
   */
  propagated: string[][] | undefined;
  propagate(...commands: string[][]): void;
}

export type CommandHandler = (ctx: CommandContext, argv: string[]) => Reply;

export interface CommandSpec {
  /** Lowercase; a subcommand's name is "container|sub" as Redis's fullname. */
  name: string;
  /** Redis convention: N = exactly N arguments including the name, -N = at least N. */
  arity: number;
  flags: CommandFlag[];
  /** `flags` as bits, set by the CommandTable; hasFlag works without it, only slower. */
  flagBits?: number;
  /**
   * Runs in constant time here though Redis does not flag it `fast` (SET: replacing a value frees
   * nothing synchronously, the garbage collector does), always or when this says so of a run
   * (EVALSHA of a script with a native twin): metrics time a sample of those runs.
   */
  constantTime?: true | ((db: Database, argv: string[]) => boolean);
  keys?: KeySpec;
  /**
   * Keys no fixed range describes (after numkeys, after STREAMS): Redis's "movablekeys". Called
   * before the handler validates anything, so it never throws: on malformed arguments it returns
   * what it can (the handler then refuses the command). A write must name every key it may change
   * in place, so that a running snapshot copies the key first.
   */
  movableKeys?: (argv: string[]) => string[];
  group: string;
  summary: string;
  since: string;
  run?: CommandHandler;
  /** Container commands (MEMORY, OBJECT, CLIENT, COMMAND ...) dispatch on argv[1]. */
  subcommands?: CommandSpec[];
}

/** Who is running commands: an HTTP request, a transaction, a script. */
export interface Session {
  readOnly: boolean;
  inTransaction: boolean;
  /** Commands a Lua script runs through redis.call: `noscript` commands are refused. */
  inScript?: boolean;
  /** The caller settles a PendingReply (scripting/runner.ts), so a long script may yield. */
  canWait?: boolean;
}

export function hasFlag(spec: CommandSpec, flag: CommandFlag): boolean {
  return ((spec.flagBits ?? flagBits(spec.flags)) & FLAG_BITS[flag]) !== 0;
}

export function flagBits(flags: readonly CommandFlag[]): number {
  let bits = 0;
  for (const flag of flags) bits |= FLAG_BITS[flag];
  return bits;
}

/** The keys a command touches: its KeySpec's range, then its movable keys. */
export function commandKeys(spec: CommandSpec, argv: string[]): string[] {
  const keys = spec.keys;
  const out: string[] = [];
  if (keys !== undefined && keys.first !== 0 && keys.first < argv.length) {
    const last = keys.last < 0 ? argv.length + keys.last : Math.min(keys.last, argv.length - 1);
    for (let i = keys.first; i <= last; i += keys.step) out.push(argv[i]!);
  }
  if (spec.movableKeys !== undefined) out.push(...spec.movableKeys(argv));
  return out;
}

/** Movable keys counted by a numkeys argument at `index` (LMPOP, ZUNIONSTORE, EVAL ...). */
export function keysAfterNumkeys(index: number): (argv: string[]) => string[] {
  return (argv) => {
    const text = argv[index];
    if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text) || index + Number(text) >= argv.length) return [];
    return argv.slice(index + 1, index + 1 + Number(text));
  };
}

/**
 * XREAD and XREADGROUP's streams, found as Redis 7.0's COMMAND GETKEYS finds them: options up to
 * STREAMS, then the first half of what follows (the second half is their ids).
 */
export function streamKeys(argv: string[]): string[] {
  for (let i = 1; i < argv.length; i++) {
    const option = argv[i]!.toLowerCase();
    if (option === "block" || option === "count") i++;
    else if (option === "group") i += 2;
    else if (option === "streams") return argv.slice(i + 1, i + 1 + Math.floor((argv.length - i - 1) / 2));
    else if (option !== "noack") return [];
  }
  return [];
}
