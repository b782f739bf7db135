// List commands (Redis t_list.c), without the blocking variants. A list key exists only while it
// has elements: every command that empties one deletes the key. Handlers parse and check every
// argument in Redis's order before the first change, so the same bad call gets the same error.
// All list writes are deterministic and journal as sent, except LMPOP, which journals the
// LPOP/RPOP it performed (as Redis propagates it).

import { keysAfterNumkeys, type CommandContext, type CommandSpec } from "../engine/command.ts";
import { parseInt64 } from "../engine/args.ts";
import { errors, type RedisError } from "../engine/errors.ts";
import { OK, type Reply } from "../engine/reply.ts";
import { ListValue } from "../types/list.ts";

const group = "list";
const oneKey = { first: 1, last: 1, step: 1 };
const twoKeys = { first: 1, last: 2, step: 1 };

const LONG_MAX = 9223372036854775807n;

// --- lookup and argument helpers ---------------------------------------------------------------

/** The list at key, or undefined; WRONGTYPE for another type. */
export function readList(ctx: CommandContext, key: string): ListValue | undefined {
  return ctx.keyspace.getTyped(key, "list")?.value;
}

/** Stores a new empty list at key, once the command is certain to push into it. */
function createList(ctx: CommandContext, key: string): ListValue {
  const list = new ListValue();
  ctx.keyspace.set(key, "list", list);
  return list;
}

/** Redis deletes a list with its last element. */
function deleteIfEmpty(ctx: CommandContext, key: string, list: ListValue): void {
  if (list.length === 0) ctx.keyspace.delete(key);
}

/**
 * A C long argument (getLongFromObjectOrReply) as a JS number. Indexes and counts only ever meet
 * list lengths (< 2^53), so rounding far beyond that changes no outcome.
 */
function longArgument(text: string): number {
  const value = parseInt64(text);
  if (value === null) throw errors.notInteger();
  return Number(value);
}

/**
 * Redis getRangeLongFromObjectOrReply(min, LONG_MAX, message): anything that is not an integer
 * in range fails with the one message.
 */
function boundedLong(text: string, min: bigint, error: () => RedisError): number {
  const value = parseInt64(text);
  if (value === null || value < min || value > LONG_MAX) throw error();
  return Number(value);
}

type End = "left" | "right";

/** Redis getListPositionFromObjectOrReply: LEFT or RIGHT, any case. */
function endArgument(text: string): End {
  const word = text.toUpperCase();
  if (word === "LEFT") return "left";
  if (word === "RIGHT") return "right";
  throw errors.syntax();
}

function pop(list: ListValue, end: End): string | undefined {
  return end === "left" ? list.popFront() : list.popBack();
}

function push(list: ListValue, end: End, values: readonly string[], from = 0): void {
  if (end === "left") list.pushFront(values, from);
  else list.pushBack(values, from);
}

// --- pushes ------------------------------------------------------------------------------------

// LPUSH key element [element ...]
// RPUSH key element [element ...]
// LPUSHX key element [element ...]
// RPUSHX key element [element ...]
function pushGeneric(end: End, onlyIfExists: boolean) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    const key = argv[1]!;
    let list = readList(ctx, key);
    if (list === undefined) {
      if (onlyIfExists) return 0;
      list = createList(ctx, key);
    }
    push(list, end, argv, 2);
    ctx.dirty += argv.length - 2;
    return list.length;
  };
}

// --- pops --------------------------------------------------------------------------------------

// LPOP key [count]
// RPOP key [count]
function popGeneric(end: End) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    if (argv.length > 3) throw errors.wrongArity(ctx.spec.name);
    const hasCount = argv.length === 3;
    // compat: Redis reads the count with "must be positive" as its only message, even for "abc".
    const count = hasCount ? boundedLong(argv[2]!, 0n, errors.notPositive) : 1;
    const key = argv[1]!;
    const list = readList(ctx, key);
    if (list === undefined) return null;
    if (!hasCount) {
      const value = pop(list, end)!;
      ctx.dirty++;
      deleteIfEmpty(ctx, key, list);
      return value;
    }
    const popped: string[] = [];
    while (popped.length < count && list.length > 0) popped.push(pop(list, end)!);
    ctx.dirty += popped.length;
    deleteIfEmpty(ctx, key, list);
    return popped;
  };
}

// LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]
function lmpopCommand(ctx: CommandContext, argv: string[]): Reply {
  const { keys, end, count } = lmpopArguments(argv);
  for (const key of keys) {
    const list = readList(ctx, key);
    if (list === undefined || list.length === 0) continue;
    const popped: string[] = [];
    while (popped.length < count && list.length > 0) popped.push(pop(list, end)!);
    ctx.dirty += popped.length;
    ctx.propagate([end === "left" ? "LPOP" : "RPOP", key, String(popped.length)]);
    deleteIfEmpty(ctx, key, list);
    return [key, popped];
  }
  return null;
}

/** LMPOP's arguments, checked as Redis checks them (BLMPOP's too, before its timeout). */
export function lmpopArguments(argv: string[]): { keys: string[]; end: End; count: number } {
  const numkeys = boundedLong(argv[1]!, 1n, errors.numkeysNotPositive);
  const whereIndex = 2 + numkeys;
  if (whereIndex >= argv.length) throw errors.syntax();
  const end = endArgument(argv[whereIndex]!);
  let count: number | undefined;
  for (let i = whereIndex + 1; i < argv.length; i++) {
    if (count === undefined && argv[i]!.toUpperCase() === "COUNT" && i + 1 < argv.length) {
      count = boundedLong(argv[++i]!, 1n, errors.countNotPositive);
    } else throw errors.syntax();
  }
  return { keys: argv.slice(2, whereIndex), end, count: count ?? 1 };
}

// LMOVE source destination LEFT | RIGHT LEFT | RIGHT
function lmoveCommand(ctx: CommandContext, argv: string[]): Reply {
  return moveGeneric(ctx, argv[1]!, argv[2]!, endArgument(argv[3]!), endArgument(argv[4]!));
}

// RPOPLPUSH source destination
function rpoplpushCommand(ctx: CommandContext, argv: string[]): Reply {
  return moveGeneric(ctx, argv[1]!, argv[2]!, "right", "left");
}

/** Pops from the source, pushes onto the destination (which may be the same list: a rotation). */
function moveGeneric(ctx: CommandContext, sourceKey: string, destinationKey: string, from: End, to: End): Reply {
  const source = readList(ctx, sourceKey);
  if (source === undefined) return null;
  const destination = readList(ctx, destinationKey);
  const value = pop(source, from)!;
  push(destination ?? createList(ctx, destinationKey), to, [value]);
  ctx.dirty++;
  deleteIfEmpty(ctx, sourceKey, source);
  return value;
}

// --- reads -------------------------------------------------------------------------------------

// LLEN key
function llenCommand(ctx: CommandContext, argv: string[]): Reply {
  return readList(ctx, argv[1]!)?.length ?? 0;
}

// LINDEX key index
function lindexCommand(ctx: CommandContext, argv: string[]): Reply {
  const list = readList(ctx, argv[1]!);
  if (list === undefined) return null;
  let index = longArgument(argv[2]!);
  if (index < 0) index += list.length;
  return list.at(index) ?? null;
}

// LRANGE key start stop
function lrangeCommand(ctx: CommandContext, argv: string[]): Reply {
  let start = longArgument(argv[2]!);
  let end = longArgument(argv[3]!);
  const list = readList(ctx, argv[1]!);
  if (list === undefined) return [];
  const length = list.length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) return [];
  if (end >= length) end = length - 1;
  return list.range(start, end);
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
function lposCommand(ctx: CommandContext, argv: string[]): Reply {
  const element = argv[2]!;
  let rank = 1;
  let count: number | undefined;
  let maxLength = 0;
  for (let i = 3; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    const hasValue = i + 1 < argv.length;
    if (word === "RANK" && hasValue) {
      const value = parseInt64(argv[++i]!);
      if (value === null) throw errors.notInteger();
      // Redis 7.2+ refuses LONG_MIN, whose negation would overflow (7.0 answered nonsense).
      if (value < -LONG_MAX) throw errors.valueOutOfRange(`value must between ${-LONG_MAX} and ${LONG_MAX}`);
      if (value === 0n) throw errors.rankZero();
      rank = Number(value);
    } else if (word === "COUNT" && hasValue) {
      count = boundedLong(argv[++i]!, 0n, () => errors.optionNegative("COUNT"));
    } else if (word === "MAXLEN" && hasValue) {
      maxLength = boundedLong(argv[++i]!, 0n, () => errors.optionNegative("MAXLEN"));
    } else throw errors.syntax();
  }
  const list = readList(ctx, argv[1]!);
  if (list === undefined) return count === undefined ? null : [];
  const fromTail = rank < 0;
  const skip = Math.abs(rank) - 1;
  const length = list.length;
  const matches: number[] = [];
  let seen = 0;
  let scanned = 0;
  for (const value of fromTail ? list.valuesFromTail() : list.values()) {
    if (maxLength !== 0 && scanned >= maxLength) break;
    if (value === element && seen++ >= skip) {
      matches.push(fromTail ? length - scanned - 1 : scanned);
      if (count === undefined || (count !== 0 && matches.length >= count)) break;
    }
    scanned++;
  }
  if (count === undefined) return matches[0] ?? null;
  return matches;
}

// --- edits -------------------------------------------------------------------------------------

// LSET key index element
function lsetCommand(ctx: CommandContext, argv: string[]): Reply {
  const list = readList(ctx, argv[1]!);
  if (list === undefined) throw errors.noSuchKey();
  let index = longArgument(argv[2]!);
  if (index < 0) index += list.length;
  if (index < 0 || index >= list.length) throw errors.indexOutOfRange();
  list.setAt(index, argv[3]!);
  ctx.dirty++;
  return OK;
}

// LINSERT key BEFORE | AFTER pivot element
function linsertCommand(ctx: CommandContext, argv: string[]): Reply {
  const where = argv[2]!.toUpperCase();
  if (where !== "BEFORE" && where !== "AFTER") throw errors.syntax();
  const list = readList(ctx, argv[1]!);
  if (list === undefined) return 0;
  const pivot = argv[3]!;
  let index = 0;
  for (const value of list.values()) {
    if (value === pivot) break;
    index++;
  }
  if (index === list.length) return -1;
  list.insertAt(where === "BEFORE" ? index : index + 1, argv[4]!);
  ctx.dirty++;
  return list.length;
}

// LREM key count element
function lremCommand(ctx: CommandContext, argv: string[]): Reply {
  const count = longArgument(argv[2]!);
  const key = argv[1]!;
  const list = readList(ctx, key);
  if (list === undefined) return 0;
  const removed = list.removeEqual(argv[3]!, Math.abs(count), count >= 0);
  ctx.dirty += removed;
  deleteIfEmpty(ctx, key, list);
  return removed;
}

// LTRIM key start stop
function ltrimCommand(ctx: CommandContext, argv: string[]): Reply {
  let start = longArgument(argv[2]!);
  let end = longArgument(argv[3]!);
  const key = argv[1]!;
  const list = readList(ctx, key);
  if (list === undefined) return OK;
  const length = list.length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) {
    list.trim(1, 0);
    ctx.dirty += length;
  } else {
    if (end >= length) end = length - 1;
    list.trim(start, end);
    ctx.dirty += length - list.length;
  }
  deleteIfEmpty(ctx, key, list);
  return OK;
}

export const listCommands: CommandSpec[] = [
  { name: "lindex", arity: 3, flags: ["readonly"], keys: oneKey, group, summary: "Returns an element from a list by its index.", since: "1.0.0", run: lindexCommand },
  { name: "linsert", arity: 5, flags: ["write", "denyoom"], keys: oneKey, group, summary: "Inserts an element before or after another element in a list.", since: "2.2.0", run: linsertCommand },
  { name: "llen", arity: 2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Returns the length of a list.", since: "1.0.0", run: llenCommand },
  { name: "lmove", arity: 5, flags: ["write", "denyoom"], keys: twoKeys, group, summary: "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", since: "6.2.0", run: lmoveCommand },
  { name: "lmpop", arity: -4, flags: ["write"], movableKeys: keysAfterNumkeys(1), group, summary: "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", since: "7.0.0", run: lmpopCommand },
  { name: "lpop", arity: -2, flags: ["write", "fast"], keys: oneKey, group, summary: "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", since: "1.0.0", run: popGeneric("left") },
  { name: "lpos", arity: -3, flags: ["readonly"], keys: oneKey, group, summary: "Returns the index of matching elements in a list.", since: "6.0.6", run: lposCommand },
  { name: "lpush", arity: -3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.", since: "1.0.0", run: pushGeneric("left", false) },
  { name: "lpushx", arity: -3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Prepends one or more elements to a list only when the list exists.", since: "2.2.0", run: pushGeneric("left", true) },
  { name: "lrange", arity: 4, flags: ["readonly"], keys: oneKey, group, summary: "Returns a range of elements from a list.", since: "1.0.0", run: lrangeCommand },
  { name: "lrem", arity: 4, flags: ["write"], keys: oneKey, group, summary: "Removes elements from a list. Deletes the list if the last element was removed.", since: "1.0.0", run: lremCommand },
  { name: "lset", arity: 4, flags: ["write", "denyoom"], keys: oneKey, group, summary: "Sets the value of an element in a list by its index.", since: "1.0.0", run: lsetCommand },
  { name: "ltrim", arity: 4, flags: ["write"], keys: oneKey, group, summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", since: "1.0.0", run: ltrimCommand },
  { name: "rpop", arity: -2, flags: ["write", "fast"], keys: oneKey, group, summary: "Returns and removes the last elements of a list. Deletes the list if the last element was popped.", since: "1.0.0", run: popGeneric("right") },
  { name: "rpoplpush", arity: 3, flags: ["write", "denyoom"], keys: twoKeys, group, summary: "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", since: "1.2.0", run: rpoplpushCommand },
  { name: "rpush", arity: -3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.", since: "1.0.0", run: pushGeneric("right", false) },
  { name: "rpushx", arity: -3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Appends an element to a list only when the list exists.", since: "2.2.0", run: pushGeneric("right", true) },
];
