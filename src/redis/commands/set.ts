// Set commands (Redis t_set.c). A set key exists only while it has members. Handlers check every
// argument in Redis's order before the first change. Random choices are journaled as their effect
// (SPOP as SREM of the members it chose, or DEL when it took them all); SRANDMEMBER changes
// nothing. The algebra commands (SINTER, SUNION, SDIFF) read every key's type before answering.

import { keysAfterNumkeys, type CommandContext, type CommandSpec } from "../engine/command.ts";
import { parseInt64, parseScanCursor, parseScanOptions } from "../engine/args.ts";
import { errors, type RedisError } from "../engine/errors.ts";
import { globMatch } from "../engine/glob.ts";
import type { Reply } from "../engine/reply.ts";
import { SetValue } from "../types/set.ts";
import { parseRandomCount, planRandomPick, randomSample, type SampleSource } from "./random-members.ts";
import { randomInt } from "../../util/random.ts";

const group = "set";
const oneKey = { first: 1, last: 1, step: 1 };
const twoKeys = { first: 1, last: 2, step: 1 };
const allKeys = { first: 1, last: -1, step: 1 };
const destinationAndKeys = { first: 1, last: -1, step: 1 };

const LONG_MAX = 9223372036854775807n;
// Redis SPOP: past this many times the remaining size, build the survivors rather than pick the popped.
const SPOP_MOVE_STRATEGY_MUL = 5;

// --- lookup ------------------------------------------------------------------------------------

/** The set at key, or undefined; WRONGTYPE for another type. */
export function readSet(ctx: CommandContext, key: string): SetValue | undefined {
  return ctx.keyspace.getTyped(key, "set")?.value;
}

/** Redis deletes a set with its last member. */
function deleteIfEmpty(ctx: CommandContext, key: string, set: SetValue): void {
  if (set.size === 0) ctx.keyspace.delete(key);
}

/** Redis getRangeLongFromObjectOrReply(min, LONG_MAX, message). */
function boundedLong(text: string, min: bigint, error: () => RedisError): number {
  const value = parseInt64(text);
  if (value === null || value < min || value > LONG_MAX) throw error();
  return Number(value);
}

const draw = (ctx: CommandContext) => (n: number) => randomInt(ctx.random, n);

// --- members -----------------------------------------------------------------------------------

// SADD key member [member ...]
function saddCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  let set = readSet(ctx, key);
  if (set === undefined) {
    set = SetValue.create(argv[2]!, argv.length - 2);
    ctx.keyspace.set(key, "set", set);
  } else {
    set.prepareFor(argv.length - 2);
  }
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i]!)) added++;
  ctx.dirty += added;
  return added;
}

// SREM key member [member ...]
function sremCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const set = readSet(ctx, key);
  if (set === undefined) return 0;
  let removed = 0;
  for (let i = 2; i < argv.length && set.size > 0; i++) if (set.delete(argv[i]!)) removed++;
  ctx.dirty += removed;
  deleteIfEmpty(ctx, key, set);
  return removed;
}

// SMEMBERS key
function smembersCommand(ctx: CommandContext, argv: string[]): Reply {
  return readSet(ctx, argv[1]!)?.members() ?? [];
}

// SISMEMBER key member
function sismemberCommand(ctx: CommandContext, argv: string[]): Reply {
  return readSet(ctx, argv[1]!)?.has(argv[2]!) ? 1 : 0;
}

// SMISMEMBER key member [member ...]
function smismemberCommand(ctx: CommandContext, argv: string[]): Reply {
  const set = readSet(ctx, argv[1]!);
  return argv.slice(2).map((member) => (set?.has(member) ? 1 : 0));
}

// SCARD key
function scardCommand(ctx: CommandContext, argv: string[]): Reply {
  return readSet(ctx, argv[1]!)?.size ?? 0;
}

// SMOVE source destination member
function smoveCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, sourceKey, destinationKey, member] = argv as [string, string, string, string];
  const source = ctx.keyspace.get(sourceKey);
  if (source === undefined) return 0;
  const sourceSet = readSet(ctx, sourceKey)!;
  const destinationSet = readSet(ctx, destinationKey);
  // Same key: nothing moves, the reply only tells membership.
  if (sourceSet === destinationSet) return sourceSet.has(member) ? 1 : 0;
  if (!sourceSet.delete(member)) return 0;
  deleteIfEmpty(ctx, sourceKey, sourceSet);
  let destination = destinationSet;
  if (destination === undefined) {
    destination = SetValue.create(member, 1);
    ctx.keyspace.set(destinationKey, "set", destination);
  }
  destination.add(member);
  ctx.dirty++;
  return 1;
}

// --- random ------------------------------------------------------------------------------------

// SPOP key [count]
function spopCommand(ctx: CommandContext, argv: string[]): Reply {
  if (argv.length > 3) throw errors.syntax();
  const key = argv[1]!;
  if (argv.length === 2) {
    const set = readSet(ctx, key);
    if (set === undefined) return null;
    const member = set.randomMember(draw(ctx))!;
    set.delete(member);
    ctx.dirty++;
    ctx.propagate(["SREM", key, member]);
    deleteIfEmpty(ctx, key, set);
    return member;
  }
  // compat: a count that is not an integer gets the "must be positive" text too, as in Redis.
  const count = boundedLong(argv[2]!, 0n, errors.notPositive);
  const set = readSet(ctx, key);
  if (set === undefined || count === 0) return [];
  if (count >= set.size) {
    const members = set.members();
    ctx.keyspace.delete(key);
    ctx.dirty += members.length;
    ctx.propagate(["DEL", key]);
    return members;
  }
  const popped = popRandom(ctx, key, set, count);
  ctx.dirty += popped.length;
  ctx.propagate(["SREM", key, ...popped]);
  return popped;
}

/**
 * Removes `count` (< size) distinct random members and returns them. When few would remain,
 * Redis keeps a fresh set of the survivors instead, which can bring a hashtable set back to a
 * compact encoding; this mirrors that so OBJECT ENCODING agrees.
 */
function popRandom(ctx: CommandContext, key: string, set: SetValue, count: number): string[] {
  const remaining = set.size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    const popped: string[] = [];
    while (popped.length < count) {
      const member = set.randomMember(draw(ctx))!;
      set.delete(member);
      popped.push(member);
    }
    return popped;
  }
  const before = set.members();
  const survivors = new Set<string>();
  while (survivors.size < remaining) {
    const member = set.randomMember(draw(ctx))!;
    set.delete(member);
    survivors.add(member);
  }
  const popped = set.members();
  const encoding = set.encoding();
  // A listpack keeps its own order; an intset stays one; a hashtable restarts compact. Survivors
  // keep their old relative order (Redis fills a hashtable's successor in draw order, an order
  // nothing promises), so a replica replaying the journaled SREM holds them in the same order.
  const ordered = before.filter((member) => survivors.has(member));
  const kept = encoding === "hashtable" ? SetValue.create(ordered[0]!, 1) : SetValue.restore([], encoding);
  for (const member of ordered) kept.add(member);
  ctx.keyspace.set(key, "set", kept, ctx.keyspace.get(key)!.expiresAtMs);
  return popped;
}

// SRANDMEMBER key [count]
function srandmemberCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  if (argv.length === 2) {
    return readSet(ctx, key)?.randomMember(draw(ctx)) ?? null;
  }
  const { count } = parseRandomCount(argv);
  const set = readSet(ctx, key);
  if (set === undefined || count === 0n) return [];
  const pick = draw(ctx);
  const source: SampleSource<string> = { random: () => set.randomMember(pick)!, all: () => set.members(), keyOf: (member) => member };
  return randomSample(planRandomPick(count, set.size), source, pick);
}

// --- algebra -----------------------------------------------------------------------------------

/** The sets at `keys` (undefined for missing keys), after checking every key's type. */
function readSets(ctx: CommandContext, keys: string[]): (SetValue | undefined)[] {
  return keys.map((key) => readSet(ctx, key));
}

/**
 * Members of every set, in the order of the smallest set (Redis sorts the sets by size and walks
 * the first), stopping after `limit` when it is not 0. Empty when any key is missing.
 */
function intersect(sets: (SetValue | undefined)[], limit = 0): string[] {
  if (sets.some((set) => set === undefined)) return [];
  const bySize = [...(sets as SetValue[])].sort((a, b) => a.size - b.size);
  const [smallest, ...others] = bySize as [SetValue, ...SetValue[]];
  const out: string[] = [];
  for (const member of smallest.members()) {
    if (others.every((set) => set === smallest || set.has(member))) {
      out.push(member);
      if (limit !== 0 && out.length >= limit) break;
    }
  }
  return out;
}

function union(sets: (SetValue | undefined)[]): SetValue {
  const result = SetValue.empty();
  for (const set of sets) if (set !== undefined) for (const member of set.members()) result.add(member);
  return result;
}

/**
 * The first set less the others. Like Redis, it either walks the first set probing the others
 * (cheaper when the others are big) or copies the first set and removes the others' members;
 * the result is the same, its encoding can differ, and OBJECT ENCODING shows which ran.
 */
function difference(sets: (SetValue | undefined)[]): SetValue {
  const result = SetValue.empty();
  const [first, ...others] = sets;
  if (first === undefined || others.includes(first)) return result;
  let walkFirstWork = 0;
  let copyFirstWork = 0;
  for (const set of sets) {
    if (set === undefined) continue;
    walkFirstWork += first.size;
    copyFirstWork += set.size;
  }
  if (Math.floor(walkFirstWork / 2) <= copyFirstWork) {
    for (const member of first.members()) {
      if (!others.some((set) => set !== undefined && set.has(member))) result.add(member);
    }
    return result;
  }
  for (const member of first.members()) result.add(member);
  for (const set of others) {
    if (set === undefined) continue;
    for (const member of set.members()) {
      result.delete(member);
      if (result.size === 0) return result;
    }
  }
  return result;
}

/** A result built member by member from the most compact encoding, as Redis builds STORE results. */
function collect(members: string[]): SetValue {
  const result = SetValue.empty();
  for (const member of members) result.add(member);
  return result;
}

/** Replaces the destination with `result` (deleting it when empty); returns the result's size. */
function store(ctx: CommandContext, destination: string, result: SetValue): number {
  if (result.size === 0) {
    if (ctx.keyspace.delete(destination)) ctx.dirty++;
    return 0;
  }
  ctx.keyspace.set(destination, "set", result);
  ctx.dirty++;
  return result.size;
}

// SINTER key [key ...]
function sinterCommand(ctx: CommandContext, argv: string[]): Reply {
  return intersect(readSets(ctx, argv.slice(1)));
}

// SINTERSTORE destination key [key ...]
function sinterstoreCommand(ctx: CommandContext, argv: string[]): Reply {
  return store(ctx, argv[1]!, collect(intersect(readSets(ctx, argv.slice(2)))));
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
function sintercardCommand(ctx: CommandContext, argv: string[]): Reply {
  const numkeys = boundedLong(argv[1]!, 1n, errors.numkeysNotPositive);
  if (numkeys > argv.length - 2) throw errors.numkeysTooLarge();
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i++) {
    if (argv[i]!.toUpperCase() === "LIMIT" && i + 1 < argv.length) {
      limit = boundedLong(argv[++i]!, 0n, () => errors.optionNegative("LIMIT"));
    } else throw errors.syntax();
  }
  return intersect(readSets(ctx, argv.slice(2, 2 + numkeys)), limit).length;
}

// SUNION key [key ...]
function sunionCommand(ctx: CommandContext, argv: string[]): Reply {
  return union(readSets(ctx, argv.slice(1))).members();
}

// SUNIONSTORE destination key [key ...]
function sunionstoreCommand(ctx: CommandContext, argv: string[]): Reply {
  return store(ctx, argv[1]!, union(readSets(ctx, argv.slice(2))));
}

// SDIFF key [key ...]
function sdiffCommand(ctx: CommandContext, argv: string[]): Reply {
  return difference(readSets(ctx, argv.slice(1))).members();
}

// SDIFFSTORE destination key [key ...]
function sdiffstoreCommand(ctx: CommandContext, argv: string[]): Reply {
  return store(ctx, argv[1]!, difference(readSets(ctx, argv.slice(2))));
}

// --- scan --------------------------------------------------------------------------------------


// SSCAN key cursor [MATCH pattern] [COUNT count]
function sscanCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const cursor = parseScanCursor(argv[2]!);
  const set = readSet(ctx, key);
  // compat: Redis answers a missing key before it reads the options, so their errors go unseen.
  if (set === undefined) return ["0", []];
  const { pattern, count } = parseScanOptions(argv, false);
  const out: string[] = [];
  const visit = (member: string) => {
    if (pattern === undefined || globMatch(pattern, member)) out.push(member);
  };
  // A compact set (intset, listpack) comes back whole in one call with cursor 0, as in Redis.
  if (set.encoding() !== "hashtable") {
    for (const member of set.members()) visit(member);
    return ["0", out];
  }
  const start = cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor);
  return [String(set.scan(start, count, visit)), out];
}

export const setCommands: CommandSpec[] = [
  { name: "sadd", arity: -3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Adds one or more members to a set. Creates the key if it doesn't exist.", since: "1.0.0", run: saddCommand },
  { name: "scard", arity: 2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Returns the number of members in a set.", since: "1.0.0", run: scardCommand },
  { name: "sdiff", arity: -2, flags: ["readonly"], keys: allKeys, group, summary: "Returns the difference of multiple sets.", since: "1.0.0", run: sdiffCommand },
  { name: "sdiffstore", arity: -3, flags: ["write", "denyoom"], keys: destinationAndKeys, group, summary: "Stores the difference of multiple sets in a key.", since: "1.0.0", run: sdiffstoreCommand },
  { name: "sinter", arity: -2, flags: ["readonly"], keys: allKeys, group, summary: "Returns the intersect of multiple sets.", since: "1.0.0", run: sinterCommand },
  { name: "sintercard", arity: -3, flags: ["readonly"], movableKeys: keysAfterNumkeys(1), group, summary: "Returns the number of members of the intersect of multiple sets.", since: "7.0.0", run: sintercardCommand },
  { name: "sinterstore", arity: -3, flags: ["write", "denyoom"], keys: destinationAndKeys, group, summary: "Stores the intersect of multiple sets in a key.", since: "1.0.0", run: sinterstoreCommand },
  { name: "sismember", arity: 3, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Determines whether a member belongs to a set.", since: "1.0.0", run: sismemberCommand },
  { name: "smembers", arity: 2, flags: ["readonly"], keys: oneKey, group, summary: "Returns all members of a set.", since: "1.0.0", run: smembersCommand },
  { name: "smismember", arity: -3, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Determines whether multiple members belong to a set.", since: "6.2.0", run: smismemberCommand },
  { name: "smove", arity: 4, flags: ["write", "fast"], keys: twoKeys, group, summary: "Moves a member from one set to another.", since: "1.0.0", run: smoveCommand },
  { name: "spop", arity: -2, flags: ["write", "fast"], keys: oneKey, group, summary: "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", since: "1.0.0", run: spopCommand },
  { name: "srandmember", arity: -2, flags: ["readonly"], keys: oneKey, group, summary: "Get one or multiple random members from a set", since: "1.0.0", run: srandmemberCommand },
  { name: "srem", arity: -3, flags: ["write", "fast"], keys: oneKey, group, summary: "Removes one or more members from a set. Deletes the set if the last member was removed.", since: "1.0.0", run: sremCommand },
  { name: "sscan", arity: -3, flags: ["readonly"], keys: oneKey, group, summary: "Iterates over members of a set.", since: "2.8.0", run: sscanCommand },
  { name: "sunion", arity: -2, flags: ["readonly"], keys: allKeys, group, summary: "Returns the union of multiple sets.", since: "1.0.0", run: sunionCommand },
  { name: "sunionstore", arity: -3, flags: ["write", "denyoom"], keys: destinationAndKeys, group, summary: "Stores the union of multiple sets in a key.", since: "1.0.0", run: sunionstoreCommand },
];
