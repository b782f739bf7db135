// String commands (Redis t_string.c). Values are binary strings (util/bytes.ts); lengths and
// offsets count bytes, and no write makes a string longer than Redis's 512 MB proto-max-bulk-len.
// Every handler parses all its arguments before its first change, in Redis's order of checks
// (so the same bad call gets the same error), and journals a replay-safe form: relative TTLs
// become PXAT/PEXPIREAT, INCRBYFLOAT becomes SET ... KEEPTTL. The encoding OBJECT ENCODING
// reports follows Redis's too: SET's rule by default, "raw" after an in-place edit.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { errors } from "../engine/errors.ts";
import type { Entry } from "../engine/keyspace.ts";
import { int64OrThrow, INT64_MAX, INT64_MIN, parseInt64, parseSafeInteger } from "../engine/args.ts";
import { isLongDoubleText, longDoubleAdd } from "../engine/long-double.ts";
import { OK, type Reply } from "../engine/reply.ts";

const group = "string";
const oneKey = { first: 1, last: 1, step: 1 };

/** Redis's default proto-max-bulk-len: SETRANGE and APPEND refuse to grow a string past it. */
const STRING_BYTES_MAX = 512 * 1024 * 1024;

/** The string value at key, or undefined; WRONGTYPE for other types. */
export function getString(ctx: CommandContext, key: string): string | undefined {
  return ctx.keyspace.getTyped(key, "string")?.value;
}

/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: longer strings are never embedded in their object. */
const EMBSTR_BYTES_MAX = 44;

export type StringEncoding = "int" | "embstr" | "raw";

/**
 * The encoding Redis gives bytes it stores as sent (tryObjectEncoding, as SET and every command
 * storing an argument do, and as a reload re-encodes every string): "int" for a canonical int64
 * of at most 20 bytes, "embstr" up to 44 bytes, "raw" beyond.
 */
function storedAsSentEncoding(value: string): StringEncoding {
  if (value.length <= 20 && parseInt64(value) !== null) return "int";
  return value.length <= EMBSTR_BYTES_MAX ? "embstr" : "raw";
}

/** The encoding OBJECT ENCODING reports for a string entry. */
export function stringEncoding(entry: Entry): StringEncoding {
  return entry.stringEncoding ?? storedAsSentEncoding(entry.value);
}

/**
 * Redis dbUnshareStringValue: a string a command edits in place (APPEND, SETRANGE, SETBIT,
 * BITFIELD, PFADD, PFCOUNT, PFMERGE) or builds byte by byte (BITOP) is a raw SDS, and stays "raw"
 * until replaced, whatever its length or content, even when the edit changed nothing.
 */
export function markEditedInPlace(entry: Entry): void {
  entry.stringEncoding = "raw";
}

function checkStringLength(bytes: bigint | number): void {
  if (bytes > STRING_BYTES_MAX) throw errors.stringTooLong();
}

// An int64 as an integer reply: a JS number when exact, else a bigint.
function integerReply(value: bigint): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

// GET key
function getCommand(ctx: CommandContext, argv: string[]): Reply {
  return getString(ctx, argv[1]!) ?? null;
}

type ExpireUnit = "EX" | "PX" | "EXAT" | "PXAT";

const expireUnits: Record<ExpireUnit, { ms: bigint; absolute: boolean }> = {
  EX: { ms: 1000n, absolute: false },
  PX: { ms: 1n, absolute: false },
  EXAT: { ms: 1000n, absolute: true },
  PXAT: { ms: 1n, absolute: true },
};

const isExpireUnit = (word: string): word is ExpireUnit => Object.hasOwn(expireUnits, word);

/**
 * Redis getExpireMillisecondsOrReply: an EX/PX/EXAT/PXAT amount as an absolute instant. Zero,
 * negative and overflowing amounts are "invalid expire time in '<command>' command". Exact as a
 * bigint, so a far-future PXAT is journaled digit for digit.
 */
function expireAtMs(ctx: CommandContext, unit: ExpireUnit, text: string): bigint {
  const { ms, absolute } = expireUnits[unit];
  const amount = int64OrThrow(text);
  const invalid = () => errors.invalidExpire(ctx.spec.name.split("|")[0]!);
  if (amount <= 0n || amount > INT64_MAX / ms) throw invalid();
  let atMs = amount * ms;
  if (!absolute) {
    atMs += BigInt(ctx.clock.nowMs());
    if (atMs > INT64_MAX) throw invalid();
  }
  return atMs;
}

/** An EX/PX/EXAT/PXAT argument as an absolute instant in ms, with Redis's range checks. */
export function expiryInstantMs(ctx: CommandContext, unit: string, text: string): number {
  const upper = unit.toUpperCase();
  if (!isExpireUnit(upper)) throw errors.syntax();
  return Number(expireAtMs(ctx, upper, text));
}

interface StringOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  expireUnit: ExpireUnit | undefined;
  /** The amount as written; Redis validates only the last one given, after every option parsed. */
  expireText: string | undefined;
}

/**
 * Redis parseExtendedStringArgumentsOrReply, for SET's and GETEX's option tails. Any option
 * that conflicts with one already seen is a syntax error, but repeating an option is not
 * (`EX 1 EX 2` keeps the last amount).
 */
function parseStringOptions(argv: string[], start: number, command: "set" | "getex"): StringOptions {
  const options: StringOptions = { nx: false, xx: false, get: false, keepTtl: false, persist: false, expireUnit: undefined, expireText: undefined };
  const isSet = command === "set";
  for (let i = start; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    const hasAmount = i + 1 < argv.length;
    if (word === "NX" && isSet && !options.xx) options.nx = true;
    else if (word === "XX" && isSet && !options.nx) options.xx = true;
    else if (word === "GET" && isSet) options.get = true;
    else if (word === "KEEPTTL" && isSet && !options.persist && options.expireUnit === undefined) options.keepTtl = true;
    else if (word === "PERSIST" && !isSet && options.expireUnit === undefined && !options.keepTtl) options.persist = true;
    else if (
      isExpireUnit(word) &&
      hasAmount &&
      !options.keepTtl &&
      !options.persist &&
      (options.expireUnit === undefined || options.expireUnit === word)
    ) {
      options.expireUnit = word;
      options.expireText = argv[++i]!;
    } else throw errors.syntax();
  }
  return options;
}

interface SetOutcome {
  stored: boolean;
  /** The old value, read only when options.get. */
  old: string | null;
  /** The absolute expiry given, which the caller journals as PXAT. */
  atMs: bigint | undefined;
}

/**
 * Redis setGenericCommand: the expiry amount is checked first, then GET's type check, then the
 * NX/XX condition. Without KEEPTTL the key loses any TTL it had.
 */
function setGeneric(ctx: CommandContext, key: string, value: string, options: StringOptions): SetOutcome {
  const atMs = options.expireUnit === undefined ? undefined : expireAtMs(ctx, options.expireUnit, options.expireText!);
  const old = options.get ? (getString(ctx, key) ?? null) : null;
  const existing = ctx.keyspace.get(key);
  if ((options.nx && existing !== undefined) || (options.xx && existing === undefined)) return { stored: false, old, atMs };
  const expiresAtMs = atMs !== undefined ? Number(atMs) : options.keepTtl ? (existing?.expiresAtMs ?? 0) : 0;
  ctx.keyspace.set(key, "string", value, expiresAtMs);
  ctx.dirty++;
  if (atMs !== undefined) ctx.propagate(["SET", key, value, "PXAT", atMs.toString()]);
  return { stored: true, old, atMs };
}

const noOptions = (): StringOptions => ({ nx: false, xx: false, get: false, keepTtl: false, persist: false, expireUnit: undefined, expireText: undefined });

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//   PXAT unix-time-milliseconds | KEEPTTL]
function setCommand(ctx: CommandContext, argv: string[]): Reply {
  const options = parseStringOptions(argv, 3, "set");
  const outcome = setGeneric(ctx, argv[1]!, argv[2]!, options);
  if (options.get) {
    // Replay must not depend on GET (a no-op there); Redis drops it the same way.
    if (outcome.stored && outcome.atMs === undefined) {
      ctx.propagate(argv.filter((arg, index) => index < 3 || arg.toUpperCase() !== "GET"));
    }
    return outcome.old;
  }
  return outcome.stored ? OK : null;
}

// SETNX key value
function setnxCommand(ctx: CommandContext, argv: string[]): Reply {
  return setGeneric(ctx, argv[1]!, argv[2]!, { ...noOptions(), nx: true }).stored ? 1 : 0;
}

// SETEX key seconds value
function setexCommand(ctx: CommandContext, argv: string[]): Reply {
  setGeneric(ctx, argv[1]!, argv[3]!, { ...noOptions(), expireUnit: "EX", expireText: argv[2]! });
  return OK;
}

// PSETEX key milliseconds value
function psetexCommand(ctx: CommandContext, argv: string[]): Reply {
  setGeneric(ctx, argv[1]!, argv[3]!, { ...noOptions(), expireUnit: "PX", expireText: argv[2]! });
  return OK;
}

// GETSET key value
function getsetCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, value] = argv as [string, string, string];
  const old = getString(ctx, key) ?? null;
  ctx.keyspace.set(key, "string", value);
  ctx.dirty++;
  ctx.propagate(["SET", key, value]);
  return old;
}

// GETDEL key
function getdelCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const value = getString(ctx, key);
  if (value === undefined) return null;
  ctx.keyspace.delete(key);
  ctx.dirty++;
  ctx.propagate(["DEL", key]);
  return value;
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds |
//   PERSIST]
function getexCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const options = parseStringOptions(argv, 2, "getex");
  const entry = ctx.keyspace.getTyped(key, "string");
  if (entry === undefined) return null; // compat: a missing key never reaches the amount check
  const value: string = entry.value;
  if (options.expireUnit !== undefined) {
    const atMs = expireAtMs(ctx, options.expireUnit, options.expireText!);
    // An absolute instant already past deletes the key (Redis checkAlreadyExpired: at <= now).
    if (expireUnits[options.expireUnit].absolute && atMs <= BigInt(ctx.clock.nowMs())) {
      ctx.keyspace.delete(key);
      ctx.propagate(["DEL", key]);
    } else {
      ctx.keyspace.setExpiry(key, entry, Number(atMs));
      ctx.propagate(["PEXPIREAT", key, atMs.toString()]);
    }
    ctx.dirty++;
  } else if (options.persist && entry.expiresAtMs !== 0) {
    ctx.keyspace.setExpiry(key, entry, 0);
    ctx.dirty++;
    ctx.propagate(["PERSIST", key]);
  }
  return value;
}

// MGET key [key ...]
function mgetCommand(ctx: CommandContext, argv: string[]): Reply {
  const values: Reply[] = [];
  for (let i = 1; i < argv.length; i++) {
    // Keys of other types read as nil here, not as WRONGTYPE.
    const entry = ctx.keyspace.get(argv[i]!);
    values.push(entry?.type === "string" ? entry.value : null);
  }
  return values;
}

// MSET key value [key value ...]
function msetCommand(ctx: CommandContext, argv: string[]): Reply {
  if (argv.length % 2 === 0) throw errors.wrongArity(ctx.spec.name);
  setPairs(ctx, argv);
  return OK;
}

// MSETNX key value [key value ...]
function msetnxCommand(ctx: CommandContext, argv: string[]): Reply {
  if (argv.length % 2 === 0) throw errors.wrongArity(ctx.spec.name);
  for (let i = 1; i < argv.length; i += 2) if (ctx.keyspace.get(argv[i]!) !== undefined) return 0;
  setPairs(ctx, argv);
  return 1;
}

// A repeated key takes its last value, as Redis sets the pairs in order.
function setPairs(ctx: CommandContext, argv: string[]): void {
  for (let i = 1; i < argv.length; i += 2) ctx.keyspace.set(argv[i]!, "string", argv[i + 1]!);
  ctx.dirty += (argv.length - 1) / 2;
}

/**
 * Redis incrDecrCommand: int64 arithmetic on a canonical integer text; the TTL is kept. Counters
 * (rate limits, the commonest use) stay far below 2^53, so plain numbers do the sum whenever the
 * operands and the result are exact; BigInt only beyond that, where int64 overflow is possible.
 */
function incrementBy(ctx: CommandContext, key: string, increment: number | bigint): Reply {
  const entry = ctx.keyspace.getTyped(key, "string");
  const text: string | undefined = entry?.value;
  const small = text === undefined ? 0 : parseSafeInteger(text);
  if (small !== null && typeof increment === "number") {
    const sum = small + increment;
    if (Number.isSafeInteger(sum)) return storeCount(ctx, key, entry, sum);
  }
  const current = text === undefined ? 0n : parseInt64(text);
  if (current === null) throw errors.notInteger();
  const result = current + BigInt(increment);
  if (result > INT64_MAX || result < INT64_MIN) throw errors.overflow();
  return storeCount(ctx, key, entry, result);
}

function storeCount(ctx: CommandContext, key: string, entry: Entry | undefined, count: number | bigint): Reply {
  ctx.keyspace.set(key, "string", count.toString(), entry?.expiresAtMs ?? 0);
  ctx.dirty++;
  return typeof count === "number" ? count : integerReply(count);
}

/** An int64 argument, as a number when it is exact as one (then its negation is too). */
function int64Argument(text: string): number | bigint {
  return parseSafeInteger(text) ?? int64OrThrow(text);
}

// INCR key
function incrCommand(ctx: CommandContext, argv: string[]): Reply {
  return incrementBy(ctx, argv[1]!, 1);
}

// DECR key
function decrCommand(ctx: CommandContext, argv: string[]): Reply {
  return incrementBy(ctx, argv[1]!, -1);
}

// INCRBY key increment
function incrbyCommand(ctx: CommandContext, argv: string[]): Reply {
  // The increment is parsed before the key is read: a bad one wins over WRONGTYPE.
  return incrementBy(ctx, argv[1]!, int64Argument(argv[2]!));
}

// DECRBY key decrement
function decrbyCommand(ctx: CommandContext, argv: string[]): Reply {
  const decrement = int64Argument(argv[2]!);
  if (decrement === INT64_MIN) throw errors.decrementOverflow(); // its negation is not an int64
  return incrementBy(ctx, argv[1]!, typeof decrement === "number" ? 0 - decrement : -decrement);
}

// INCRBYFLOAT key increment
function incrbyfloatCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, incrementText] = argv as [string, string, string];
  // Redis's order: the key's type, then the stored value, then the increment.
  const entry = ctx.keyspace.getTyped(key, "string");
  const currentText: string = entry?.value ?? "0";
  if (!isLongDoubleText(currentText) || !isLongDoubleText(incrementText)) throw errors.notFloat();
  const result = longDoubleAdd(currentText, incrementText);
  const updated = ctx.keyspace.set(key, "string", result, entry?.expiresAtMs ?? 0);
  // Redis builds the result with createStringObject, never as an int: "1" is "embstr".
  updated.stringEncoding = result.length <= EMBSTR_BYTES_MAX ? "embstr" : "raw";
  ctx.dirty++;
  // The replica must not redo float arithmetic: it gets the exact result, TTL untouched.
  ctx.propagate(["SET", key, result, "KEEPTTL"]);
  return result;
}

// APPEND key value
function appendCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, suffix] = argv as [string, string, string];
  const entry = ctx.keyspace.getTyped(key, "string");
  const old: string = entry?.value ?? "";
  if (entry !== undefined) checkStringLength(old.length + suffix.length);
  // An empty suffix still creates the key (and counts as a write), as in Redis. A new key
  // stores the argument as sent; an existing value is edited in place.
  const updated = ctx.keyspace.set(key, "string", old + suffix, entry?.expiresAtMs ?? 0);
  if (entry !== undefined) markEditedInPlace(updated);
  ctx.dirty++;
  return old.length + suffix.length;
}

// STRLEN key
function strlenCommand(ctx: CommandContext, argv: string[]): Reply {
  return getString(ctx, argv[1]!)?.length ?? 0;
}

// GETRANGE key start end
function getrangeCommand(ctx: CommandContext, argv: string[]): Reply {
  let start = int64OrThrow(argv[2]!);
  let end = int64OrThrow(argv[3]!);
  const value = getString(ctx, argv[1]!);
  if (value === undefined) return "";
  const length = BigInt(value.length);
  // compat: both negative with start after end is empty before any clamping, as in Redis.
  if (start < 0n && end < 0n && start > end) return "";
  if (start < 0n) start += length;
  if (end < 0n) end += length;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= length) end = length - 1n;
  if (start > end || length === 0n) return "";
  return value.slice(Number(start), Number(end) + 1);
}

// SETRANGE key offset value
function setrangeCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, , patch] = argv as [string, string, string, string];
  const offset = int64OrThrow(argv[2]!);
  if (offset < 0n) throw errors.offsetOutOfRange();
  const entry = ctx.keyspace.getTyped(key, "string");
  const old: string = entry?.value ?? "";
  // Writing nothing changes nothing, and creates no key.
  if (patch.length === 0) return old.length;
  checkStringLength(offset + BigInt(patch.length));
  const at = Number(offset);
  const padded = old.length < at ? old + "\0".repeat(at - old.length) : old;
  const value = padded.slice(0, at) + patch + padded.slice(at + patch.length);
  markEditedInPlace(ctx.keyspace.set(key, "string", value, entry?.expiresAtMs ?? 0));
  ctx.dirty++;
  return value.length;
}

// SUBSTR key start end
function substrCommand(ctx: CommandContext, argv: string[]): Reply {
  return getrangeCommand(ctx, argv);
}

/** One common run: byte ranges [start, end] in each string. */
interface LcsMatch {
  a: [number, number];
  b: [number, number];
}

/**
 * The longest common subsequence of two byte strings by Redis's dynamic programme. Unless only
 * the length is wanted, walks back from the strings' ends as Redis does (ties step back in b),
 * collecting the subsequence and its contiguous runs, last run first. Throws Redis's errors when
 * the table would not fit.
 */
function longestCommonSubsequence(a: string, b: string, lengthOnly: boolean): { length: number; lcs: string; matches: LcsMatch[] } {
  const width = b.length + 1;
  const cells = (a.length + 1) * width;
  if (cells * 4 > STRING_BYTES_MAX) throw errors.lcsTableTooLarge();
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    throw errors.lcsOutOfMemory();
  }
  for (let i = 1; i <= a.length; i++) {
    const code = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      if (code === b.charCodeAt(j - 1)) table[i * width + j] = table[(i - 1) * width + j - 1]! + 1;
      else {
        const up = table[(i - 1) * width + j]!;
        const left = table[i * width + j - 1]!;
        table[i * width + j] = up > left ? up : left;
      }
    }
  }
  const length = table[cells - 1]!;
  const reversed: string[] = [];
  const matches: LcsMatch[] = [];
  if (lengthOnly) return { length, lcs: "", matches };
  let open: LcsMatch | undefined;
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      reversed.push(a[i - 1]!);
      // Consecutive matches walk diagonally, so they always extend the open run backwards.
      if (open === undefined) open = { a: [i - 1, i - 1], b: [j - 1, j - 1] };
      else {
        open.a[0] = i - 1;
        open.b[0] = j - 1;
      }
      i--;
      j--;
    } else {
      if (table[(i - 1) * width + j]! > table[i * width + j - 1]!) i--;
      else j--;
      if (open !== undefined) {
        matches.push(open);
        open = undefined;
      }
    }
  }
  if (open !== undefined) matches.push(open);
  return { length, lcs: reversed.reverse().join(""), matches };
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
function lcsCommand(ctx: CommandContext, argv: string[]): Reply {
  // compat: Redis reads both keys before the options, so a wrong type wins over a syntax error.
  const first = ctx.keyspace.get(argv[1]!);
  const second = ctx.keyspace.get(argv[2]!);
  if ((first !== undefined && first.type !== "string") || (second !== undefined && second.type !== "string")) {
    throw errors.lcsNotStrings();
  }
  let wantLength = false;
  let wantMatches = false;
  let withMatchLength = false;
  let minMatchLength = 0n;
  for (let i = 3; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    if (word === "IDX") wantMatches = true;
    else if (word === "LEN") wantLength = true;
    else if (word === "WITHMATCHLEN") withMatchLength = true;
    else if (word === "MINMATCHLEN" && i + 1 < argv.length) {
      minMatchLength = int64OrThrow(argv[++i]!);
      if (minMatchLength < 0n) minMatchLength = 0n;
    } else throw errors.syntax();
  }
  if (wantMatches && wantLength) throw errors.lcsLenAndIdx();
  const a: string = first?.value ?? "";
  const b: string = second?.value ?? "";
  const { length, lcs, matches } = longestCommonSubsequence(a, b, wantLength && !wantMatches);
  if (wantMatches) {
    const listed: Reply[] = [];
    for (const match of matches) {
      const matchLength = match.a[1] - match.a[0] + 1;
      if (BigInt(matchLength) < minMatchLength) continue;
      const item: Reply[] = [[match.a[0], match.a[1]], [match.b[0], match.b[1]]];
      if (withMatchLength) item.push(matchLength);
      listed.push(item);
    }
    // RESP2 form of Redis's map reply.
    return ["matches", listed, "len", length];
  }
  if (wantLength) return length;
  return lcs;
}

export const stringCommands: CommandSpec[] = [
  { name: "get", arity: 2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Returns the string value of a key.", since: "1.0.0", run: getCommand },
  { name: "set", arity: -3, flags: ["write", "denyoom"], constantTime: true, keys: oneKey, group, summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", since: "1.0.0", run: setCommand },
  { name: "setnx", arity: 3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Set the string value of a key only when the key doesn't exist.", since: "1.0.0", run: setnxCommand },
  { name: "setex", arity: 4, flags: ["write", "denyoom"], constantTime: true, keys: oneKey, group, summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", since: "2.0.0", run: setexCommand },
  { name: "psetex", arity: 4, flags: ["write", "denyoom"], constantTime: true, keys: oneKey, group, summary: "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", since: "2.6.0", run: psetexCommand },
  { name: "getset", arity: 3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Returns the previous string value of a key after setting it to a new value.", since: "1.0.0", run: getsetCommand },
  { name: "getdel", arity: 2, flags: ["write", "fast"], keys: oneKey, group, summary: "Returns the string value of a key after deleting the key.", since: "6.2.0", run: getdelCommand },
  { name: "getex", arity: -2, flags: ["write", "fast"], keys: oneKey, group, summary: "Returns the string value of a key after setting its expiration time.", since: "6.2.0", run: getexCommand },
  { name: "mget", arity: -2, flags: ["readonly", "fast"], keys: { first: 1, last: -1, step: 1 }, group, summary: "Atomically returns the string values of one or more keys.", since: "1.0.0", run: mgetCommand },
  { name: "mset", arity: -3, flags: ["write", "denyoom"], keys: { first: 1, last: -1, step: 2 }, group, summary: "Atomically creates or modifies the string values of one or more keys.", since: "1.0.1", run: msetCommand },
  { name: "msetnx", arity: -3, flags: ["write", "denyoom"], keys: { first: 1, last: -1, step: 2 }, group, summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.", since: "1.0.1", run: msetnxCommand },
  { name: "incr", arity: 2, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", since: "1.0.0", run: incrCommand },
  { name: "incrby", arity: 3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", since: "1.0.0", run: incrbyCommand },
  { name: "incrbyfloat", arity: 3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", since: "2.6.0", run: incrbyfloatCommand },
  { name: "decr", arity: 2, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", since: "1.0.0", run: decrCommand },
  { name: "decrby", arity: 3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", since: "1.0.0", run: decrbyCommand },
  { name: "append", arity: 3, flags: ["write", "denyoom", "fast"], keys: oneKey, group, summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.", since: "2.0.0", run: appendCommand },
  { name: "strlen", arity: 2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Returns the length of a string value.", since: "2.2.0", run: strlenCommand },
  { name: "getrange", arity: 4, flags: ["readonly"], keys: oneKey, group, summary: "Returns a substring of the string stored at a key.", since: "2.4.0", run: getrangeCommand },
  { name: "setrange", arity: 4, flags: ["write", "denyoom"], keys: oneKey, group, summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", since: "2.2.0", run: setrangeCommand },
  { name: "substr", arity: 4, flags: ["readonly"], keys: oneKey, group, summary: "Returns a substring from a string value.", since: "1.0.0", run: substrCommand },
  { name: "lcs", arity: -3, flags: ["readonly"], keys: { first: 1, last: 2, step: 1 }, group, summary: "Finds the longest common substring.", since: "7.0.0", run: lcsCommand },
];
