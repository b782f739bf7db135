// Generic keyspace commands (Redis db.c, expire.c): existence, deletion, TTLs, renaming, copying,
// scanning and whole-database operations. TTL changes are journaled as an absolute PEXPIREAT (or a
// DEL when the instant has already passed), so replaying the log never depends on the clock.
// SCAN cursors are hash-slot numbers (see keyspace.ts), returned as bulk strings like Redis.

import { randomInt } from "../../util/random.ts";
import { INT64_MAX, INT64_MIN, int64OrThrow, parseSafeInteger, parseScanCursor } from "../engine/args.ts";
import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { errors } from "../engine/errors.ts";
import { globMatch } from "../engine/glob.ts";
import type { Entry } from "../engine/keyspace.ts";
import { OK, status, type Reply } from "../engine/reply.ts";
import { SLOT_COUNT } from "../engine/slot.ts";
import type { StructuredValue } from "../types/value.ts";

const group = "generic";
const server = "server";
const oneKey = { first: 1, last: 1, step: 1 };
const twoKeys = { first: 1, last: 2, step: 1 };
const allKeys = { first: 1, last: -1, step: 1 };

/** An integer reply for a millisecond or second count that may exceed 2^53 (far-future TTLs). */
function integerReply(value: number): Reply {
  if (Number.isSafeInteger(value)) return value;
  const big = BigInt(Math.trunc(value));
  return big > INT64_MAX ? INT64_MAX : big;
}

function deleteKeys(ctx: CommandContext, keys: string[]): number {
  let deleted = 0;
  for (const key of keys) if (ctx.keyspace.get(key) !== undefined && ctx.keyspace.delete(key)) deleted++;
  ctx.dirty += deleted;
  if (deleted > 0) ctx.propagate(["DEL", ...keys]);
  return deleted;
}

// DEL key [key ...]
function delCommand(ctx: CommandContext, argv: string[]): Reply {
  return deleteKeys(ctx, argv.slice(1));
}

// UNLINK key [key ...]
function unlinkCommand(ctx: CommandContext, argv: string[]): Reply {
  // Memory is reclaimed by the garbage collector either way, so UNLINK is DEL and journals as DEL.
  return deleteKeys(ctx, argv.slice(1));
}

function countExisting(ctx: CommandContext, argv: string[]): number {
  let found = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.keyspace.get(argv[i]!) !== undefined) found++;
  return found;
}

// EXISTS key [key ...]
function existsCommand(ctx: CommandContext, argv: string[]): Reply {
  return countExisting(ctx, argv);
}

// TOUCH key [key ...]
function touchCommand(ctx: CommandContext, argv: string[]): Reply {
  // Access times are not tracked (OBJECT IDLETIME is always 0), so TOUCH only counts.
  return countExisting(ctx, argv);
}

// TYPE key
function typeCommand(ctx: CommandContext, argv: string[]): Reply {
  return status(ctx.keyspace.get(argv[1]!)?.type ?? "none");
}

type ExpireCondition = "NX" | "XX" | "GT" | "LT";

const NO_CONDITIONS: ReadonlySet<ExpireCondition> = new Set();

/** The NX|XX|GT|LT tail of the EXPIRE family, checked the way Redis 7 does (before the time). */
function parseExpireConditions(argv: string[]): ReadonlySet<ExpireCondition> {
  if (argv.length === 3) return NO_CONDITIONS;
  const conditions = new Set<ExpireCondition>();
  for (let i = 3; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    if (word !== "NX" && word !== "XX" && word !== "GT" && word !== "LT") throw errors.unsupportedOption(argv[i]!);
    conditions.add(word);
  }
  if (conditions.has("NX") && conditions.size > 1) throw errors.expireNxConflict();
  if (conditions.has("GT") && conditions.has("LT")) throw errors.expireGtAndLt();
  return conditions;
}

/** Whether the conditions let a key whose expiry is `currentAtMs` (0 = none) take `atMs`. */
function expireAllowed(conditions: ReadonlySet<ExpireCondition>, currentAtMs: number, atMs: number | bigint): boolean {
  const hasTtl = currentAtMs !== 0;
  if (conditions.has("NX") && hasTtl) return false;
  if (conditions.has("XX") && !hasTtl) return false;
  // A key without a TTL counts as expiring never: GT always fails, LT always succeeds.
  if (conditions.has("GT") && (!hasTtl || atMs <= currentAtMs)) return false;
  if (conditions.has("LT") && hasTtl && atMs >= currentAtMs) return false;
  return true;
}

/**
 * The EXPIRE family: `unitMs` is 1000 for seconds; relative forms add the current time. Redis
 * accepts any int64 (negative or past times delete the key) and only rejects overflow.
 */
function expireGeneric(ctx: CommandContext, argv: string[], unitMs: 1 | 1000, relative: boolean): Reply {
  const key = argv[1]!;
  const conditions = parseExpireConditions(argv);
  const nowMs = ctx.clock.nowMs();
  const atMs = expireAtMs(argv[2]!, unitMs, relative ? nowMs : 0, () => errors.invalidExpire(ctx.spec.name));
  const entry = ctx.keyspace.get(key);
  if (entry === undefined || !expireAllowed(conditions, entry.expiresAtMs, atMs)) return 0;
  if (atMs <= nowMs) {
    ctx.dirty++;
    ctx.keyspace.delete(key);
    ctx.propagate(["DEL", key]);
  } else if (atMs !== entry.expiresAtMs) {
    ctx.dirty++;
    // Number() only for a bigint: the JIT's Number(), handed a double, exits optimized code in a
    // way it never learns from (a token bucket's PEXPIRE recompiled this function again and again).
    ctx.keyspace.setExpiry(key, entry, typeof atMs === "number" ? atMs : Number(atMs));
    ctx.propagate(["PEXPIREAT", key, String(atMs)]);
  }
  // Else the key already expires at that instant (a token bucket sets the same one on every
  // call): nothing changes, so nothing is journaled. Redis answers 1 all the same.
  return 1;
}

/**
 * The absolute time `text` (in `unitMs`, added to `baseMs`) stands for: a number while it is
 * exact, as every realistic TTL is (rate limiters send one with every call); a bigint beyond,
 * where Redis's int64 rules and overflow errors apply.
 */
function expireAtMs(text: string, unitMs: 1 | 1000, baseMs: number, invalid: () => Error): number | bigint {
  const amount = parseSafeInteger(text);
  if (amount !== null) {
    const atMs = amount * unitMs + baseMs;
    if (Number.isSafeInteger(atMs)) return atMs;
  }
  let atMs = int64OrThrow(text);
  if (unitMs === 1000) {
    if (atMs > INT64_MAX / 1000n || atMs < INT64_MIN / 1000n) throw invalid();
    atMs *= 1000n;
  }
  if (atMs > INT64_MAX - BigInt(baseMs)) throw invalid();
  return atMs + BigInt(baseMs);
}

// EXPIRE key seconds [NX | XX | GT | LT]
function expireCommand(ctx: CommandContext, argv: string[]): Reply {
  return expireGeneric(ctx, argv, 1000, true);
}

// PEXPIRE key milliseconds [NX | XX | GT | LT]
function pexpireCommand(ctx: CommandContext, argv: string[]): Reply {
  return expireGeneric(ctx, argv, 1, true);
}

// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
function expireatCommand(ctx: CommandContext, argv: string[]): Reply {
  return expireGeneric(ctx, argv, 1000, false);
}

// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
function pexpireatCommand(ctx: CommandContext, argv: string[]): Reply {
  return expireGeneric(ctx, argv, 1, false);
}

/** TTL and friends: -2 for a missing key, -1 for no expiry; seconds round to nearest like Redis. */
function ttlGeneric(ctx: CommandContext, key: string, inMs: boolean, absolute: boolean): Reply {
  const entry = ctx.keyspace.get(key);
  if (entry === undefined) return -2;
  if (entry.expiresAtMs === 0) return -1;
  const remainingMs = Math.max(0, absolute ? entry.expiresAtMs : entry.expiresAtMs - ctx.clock.nowMs());
  return integerReply(inMs ? remainingMs : Math.floor((remainingMs + 500) / 1000));
}

// TTL key
function ttlCommand(ctx: CommandContext, argv: string[]): Reply {
  return ttlGeneric(ctx, argv[1]!, false, false);
}

// PTTL key
function pttlCommand(ctx: CommandContext, argv: string[]): Reply {
  return ttlGeneric(ctx, argv[1]!, true, false);
}

// EXPIRETIME key
function expiretimeCommand(ctx: CommandContext, argv: string[]): Reply {
  return ttlGeneric(ctx, argv[1]!, false, true);
}

// PEXPIRETIME key
function pexpiretimeCommand(ctx: CommandContext, argv: string[]): Reply {
  return ttlGeneric(ctx, argv[1]!, true, true);
}

// PERSIST key
function persistCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const entry = ctx.keyspace.get(key);
  if (entry === undefined || entry.expiresAtMs === 0) return 0;
  ctx.keyspace.setExpiry(key, entry, 0);
  ctx.dirty++;
  return 1;
}

/** RENAME and RENAMENX: the value and its TTL move; the same name is a no-op on an existing key. */
function renameGeneric(ctx: CommandContext, argv: string[], onlyIfAbsent: boolean): Reply {
  const [, source, destination] = argv as [string, string, string];
  const entry = ctx.keyspace.get(source);
  if (entry === undefined) throw errors.noSuchKey();
  if (source === destination) return onlyIfAbsent ? 0 : OK;
  if (ctx.keyspace.get(destination) !== undefined && onlyIfAbsent) return 0;
  ctx.keyspace.delete(source);
  keepStringEncoding(entry, ctx.keyspace.set(destination, entry.type, entry.value, entry.expiresAtMs));
  ctx.dirty++;
  return onlyIfAbsent ? 1 : OK;
}

// RENAME key newkey
function renameCommand(ctx: CommandContext, argv: string[]): Reply {
  return renameGeneric(ctx, argv, false);
}

// RENAMENX key newkey
function renamenxCommand(ctx: CommandContext, argv: string[]): Reply {
  return renameGeneric(ctx, argv, true);
}

/** A string moved or copied keeps the encoding it had: Redis moves the object or duplicates it as it is. */
function keepStringEncoding(from: Entry, to: Entry): void {
  if (from.stringEncoding !== undefined) to.stringEncoding = from.stringEncoding;
}

/** A value that shares nothing with `entry`'s: strings are immutable, structures clone. */
function copyValue(entry: Entry): unknown {
  return entry.type === "string" ? entry.value : (entry.value as StructuredValue).clone();
}

// COPY source destination [DB destination-db] [REPLACE]
function copyCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, source, destination] = argv as [string, string, string];
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    if (word === "REPLACE") replace = true;
    else if (word === "DB" && i + 1 < argv.length) {
      const database = int64OrThrow(argv[++i]!);
      if (database < -2147483648n || database > 2147483647n) {
        throw errors.valueOutOfRange("value must between -2147483648 and 2147483647");
      }
      // compat: a token addresses exactly one database, so only DB 0 (itself) exists.
      if (database !== 0n) throw errors.dbIndexOutOfRange();
    } else throw errors.syntax();
  }
  if (source === destination) throw errors.sameObject();
  const entry = ctx.keyspace.get(source);
  if (entry === undefined) return 0;
  if (ctx.keyspace.get(destination) !== undefined && !replace) return 0;
  keepStringEncoding(entry, ctx.keyspace.set(destination, entry.type, copyValue(entry), entry.expiresAtMs));
  ctx.dirty++;
  return 1;
}

// KEYS pattern
function keysCommand(ctx: CommandContext, argv: string[]): Reply {
  const pattern = argv[1]!;
  // Redis skips matching for "*", which also makes it match the empty key (glob.ts would not).
  const matchAll = pattern === "*";
  const keys: Reply[] = [];
  for (const key of ctx.keyspace.keys()) if (matchAll || globMatch(pattern, key)) keys.push(key);
  return keys;
}

/** A SCAN cursor (see parseScanCursor). Cursors are slot numbers: anything past the last slot ends the walk. */
function scanCursorSlot(text: string): number {
  const cursor = parseScanCursor(text);
  return cursor >= BigInt(SLOT_COUNT) ? SLOT_COUNT : Number(cursor);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] [WITHTYPE]
function scanCommand(ctx: CommandContext, argv: string[]): Reply {
  const cursor = scanCursorSlot(argv[1]!);
  let pattern: string | undefined;
  let count = 10;
  let typeName: string | undefined;
  let withType = false;
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    const hasValue = i + 1 < argv.length;
    if (word === "COUNT" && hasValue) {
      const requested = int64OrThrow(argv[++i]!);
      if (requested < 1n) throw errors.syntax();
      count = requested > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(requested);
    } else if (word === "MATCH" && hasValue) {
      pattern = argv[++i]!;
    } else if (word === "TYPE" && hasValue) {
      // An unknown type name matches nothing rather than failing, as in Redis 7.0.
      typeName = argv[++i]!.toLowerCase();
    } else if (word === "WITHTYPE") {
      // compat: Upstash's extension: each key is followed by its type in the reply.
      withType = true;
    } else throw errors.syntax();
  }
  const matchAll = pattern === undefined || pattern === "*";
  const found: Reply[] = [];
  const next = ctx.keyspace.scan(cursor, count, (key, entry) => {
    if (typeName !== undefined && entry.type.toLowerCase() !== typeName) return;
    if (!matchAll && !globMatch(pattern!, key)) return;
    found.push(key);
    if (withType) found.push(entry.type);
  });
  return [String(next), found];
}

// RANDOMKEY
function randomkeyCommand(ctx: CommandContext, _argv: string[]): Reply {
  return ctx.keyspace.randomKey((n) => randomInt(ctx.random, n));
}

// DBSIZE
function dbsizeCommand(ctx: CommandContext, _argv: string[]): Reply {
  return ctx.keyspace.size;
}

// FLUSHALL [ASYNC | SYNC]  and  FLUSHDB [ASYNC | SYNC]
function flushCommand(ctx: CommandContext, argv: string[]): Reply {
  if (argv.length > 2) throw errors.syntax();
  if (argv.length === 2) {
    const mode = argv[1]!.toUpperCase();
    if (mode !== "ASYNC" && mode !== "SYNC") throw errors.syntax();
  }
  ctx.keyspace.clear();
  // Journaled even when the database was already empty, as Redis forces its propagation.
  ctx.dirty++;
  // compat: a token's database is the whole server, so FLUSHDB and FLUSHALL are the same change.
  ctx.propagate(["FLUSHALL"]);
  return OK;
}

export const genericCommands: CommandSpec[] = [
  { name: "del", arity: -2, flags: ["write"], keys: allKeys, group, summary: "Deletes one or more keys.", since: "1.0.0", run: delCommand },
  // compat: Upstash accepts UNLINK without keys (and answers 0); Redis requires one (arity -2).
  { name: "unlink", arity: -1, flags: ["write", "fast"], keys: allKeys, group, summary: "Asynchronously deletes one or more keys.", since: "4.0.0", run: unlinkCommand },
  { name: "exists", arity: -2, flags: ["readonly", "fast"], keys: allKeys, group, summary: "Determines whether one or more keys exist.", since: "1.0.0", run: existsCommand },
  { name: "touch", arity: -2, flags: ["readonly", "fast"], keys: allKeys, group, summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.", since: "3.2.1", run: touchCommand },
  { name: "type", arity: 2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Determines the type of value stored at a key.", since: "1.0.0", run: typeCommand },
  { name: "expire", arity: -3, flags: ["write", "fast"], keys: oneKey, group, summary: "Sets the expiration time of a key in seconds.", since: "1.0.0", run: expireCommand },
  { name: "pexpire", arity: -3, flags: ["write", "fast"], keys: oneKey, group, summary: "Sets the expiration time of a key in milliseconds.", since: "2.6.0", run: pexpireCommand },
  { name: "expireat", arity: -3, flags: ["write", "fast"], keys: oneKey, group, summary: "Sets the expiration time of a key to a Unix timestamp.", since: "1.2.0", run: expireatCommand },
  { name: "pexpireat", arity: -3, flags: ["write", "fast"], keys: oneKey, group, summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", since: "2.6.0", run: pexpireatCommand },
  { name: "ttl", arity: 2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Returns the expiration time in seconds of a key.", since: "1.0.0", run: ttlCommand },
  { name: "pttl", arity: 2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Returns the expiration time in milliseconds of a key.", since: "2.6.0", run: pttlCommand },
  { name: "expiretime", arity: 2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Returns the expiration time of a key as a Unix timestamp.", since: "7.0.0", run: expiretimeCommand },
  { name: "pexpiretime", arity: 2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.", since: "7.0.0", run: pexpiretimeCommand },
  { name: "persist", arity: 2, flags: ["write", "fast"], keys: oneKey, group, summary: "Removes the expiration time of a key.", since: "2.2.0", run: persistCommand },
  { name: "rename", arity: 3, flags: ["write"], keys: twoKeys, group, summary: "Renames a key and overwrites the destination.", since: "1.0.0", run: renameCommand },
  { name: "renamenx", arity: 3, flags: ["write", "fast"], keys: twoKeys, group, summary: "Renames a key only when the target key name doesn't exist.", since: "1.0.0", run: renamenxCommand },
  { name: "copy", arity: -3, flags: ["write", "denyoom"], keys: twoKeys, group, summary: "Copies the value of a key to a new key.", since: "6.2.0", run: copyCommand },
  // compat: Upstash refuses KEYS and SCAN to read-only tokens ("restricted").
  { name: "keys", arity: 2, flags: ["readonly", "restricted"], group, summary: "Returns all key names that match a pattern.", since: "1.0.0", run: keysCommand },
  { name: "scan", arity: -2, flags: ["readonly", "restricted"], group, summary: "Iterates over the key names in the database.", since: "2.8.0", run: scanCommand },
  { name: "randomkey", arity: 1, flags: ["readonly"], group, summary: "Returns a random key name from the database.", since: "1.0.0", run: randomkeyCommand },
  { name: "dbsize", arity: 1, flags: ["readonly", "fast"], group: server, summary: "Returns the number of keys in the database.", since: "1.0.0", run: dbsizeCommand },
  { name: "flushdb", arity: -1, flags: ["write"], group: server, summary: "Remove all keys from the current database.", since: "1.0.0", run: flushCommand },
  { name: "flushall", arity: -1, flags: ["write"], group: server, summary: "Removes all keys from all databases.", since: "1.0.0", run: flushCommand },
];
