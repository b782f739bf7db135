// String commands (Redis t_string.c). Values are binary strings (util/bytes.ts); lengths and
// offsets count bytes. Every handler parses all options before its first change.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { errors } from "../engine/errors.ts";
import { int64OrThrow, INT64_MAX } from "../engine/args.ts";
import { OK, type Reply } from "../engine/reply.ts";

const group = "string";

/** The string value at key, or undefined; WRONGTYPE for other types. */
export function getString(ctx: CommandContext, key: string): string | undefined {
  return ctx.keyspace.getTyped(key, "string")?.value;
}

// GET key
function getCommand(ctx: CommandContext, argv: string[]): Reply {
  return getString(ctx, argv[1]!) ?? null;
}

interface SetOptions {
  condition: "NX" | "XX" | undefined;
  get: boolean;
  keepTtl: boolean;
  /** Absolute expiry instant, or 0 for none. */
  expiresAtMs: number;
}

const expireUnits: Record<string, { ms: number; absolute: boolean }> = {
  EX: { ms: 1000, absolute: false },
  PX: { ms: 1, absolute: false },
  EXAT: { ms: 1000, absolute: true },
  PXAT: { ms: 1, absolute: true },
};

/** Converts an EX/PX/EXAT/PXAT argument to an absolute instant, with Redis's range checks. */
export function expiryInstantMs(ctx: CommandContext, unit: string, text: string): number {
  const { ms, absolute } = expireUnits[unit]!;
  const amount = int64OrThrow(text);
  const invalid = () => errors.invalidExpire(ctx.spec.name.split("|")[0]!);
  if (amount <= 0n || (ms === 1000 && amount > INT64_MAX / 1000n)) throw invalid();
  let atMs = amount * BigInt(ms);
  if (!absolute) {
    const now = BigInt(ctx.clock.nowMs());
    if (atMs > INT64_MAX - now) throw invalid();
    atMs += now;
  }
  return Number(atMs);
}

function parseSetOptions(ctx: CommandContext, argv: string[]): SetOptions {
  const options: SetOptions = { condition: undefined, get: false, keepTtl: false, expiresAtMs: 0 };
  let expireUnit: string | undefined;
  for (let i = 3; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    const hasNext = i + 1 < argv.length;
    if (word === "NX" && options.condition !== "XX") options.condition = "NX";
    else if (word === "XX" && options.condition !== "NX") options.condition = "XX";
    else if (word === "GET") options.get = true;
    else if (word === "KEEPTTL" && expireUnit === undefined) options.keepTtl = true;
    else if (word in expireUnits && hasNext && !options.keepTtl && (expireUnit === undefined || expireUnit === word)) {
      expireUnit = word;
      options.expiresAtMs = expiryInstantMs(ctx, word, argv[++i]!);
    } else throw errors.syntax();
  }
  return options;
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//   PXAT unix-time-milliseconds | KEEPTTL]
function setCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, value] = argv as [string, string, string];
  const options = parseSetOptions(ctx, argv);
  const old = ctx.keyspace.get(key);
  let reply: Reply = OK;
  if (options.get) {
    if (old !== undefined && old.type !== "string") throw errors.wrongType();
    reply = old?.value ?? null;
  }
  if ((options.condition === "NX" && old !== undefined) || (options.condition === "XX" && old === undefined)) {
    return options.get ? reply : null;
  }
  const expiresAtMs = options.keepTtl ? (old?.expiresAtMs ?? 0) : options.expiresAtMs;
  ctx.keyspace.set(key, "string", value, expiresAtMs);
  ctx.dirty++;
  ctx.propagate(expiresAtMs === 0 ? ["SET", key, value] : ["SET", key, value, "PXAT", String(expiresAtMs)]);
  return reply;
}

export const stringCommands: CommandSpec[] = [
  { name: "get", arity: 2, flags: ["readonly", "fast"], keys: { first: 1, last: 1, step: 1 }, group, summary: "Returns the string value of a key.", since: "1.0.0", run: getCommand },
  { name: "set", arity: -3, flags: ["write", "denyoom"], keys: { first: 1, last: 1, step: 1 }, group, summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", since: "1.0.0", run: setCommand },
];
