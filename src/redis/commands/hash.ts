// Hash commands (Redis t_hash.c), including per-field expiry (Redis 7.4+) and HGETDEL/HGETEX/HSETEX (8.0).
// A field past its expiry is gone for every command: the keyspace removes such fields when the key
// is read (or by the active expiry cycle), journals them as HDEL, and deletes the key when none remain.
// Writes journal replay-safe forms: relative field TTLs as HPEXPIREAT, HINCRBYFLOAT as its result.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { INT64_MAX, INT64_MIN, int64OrThrow, parseInt64, parseScanCursor, parseScanOptions } from "../engine/args.ts";
import { errors, type RedisError } from "../engine/errors.ts";
import { globMatch } from "../engine/glob.ts";
import { isLongDoubleText, longDoubleAdd, parseLongDouble } from "../engine/long-double.ts";
import { OK, type Reply } from "../engine/reply.ts";
import { HashValue } from "../types/hash.ts";
import { parseRandomCount, planRandomPick, randomSample, type SampleSource } from "./random-members.ts";
import { randomInt } from "../../util/random.ts";

const group = "hash";
const firstKey = { first: 1, last: 1, step: 1 };

// Redis caps field expiry instants at (2^48 - 1) >> 2 ms (HFE_MAX_ABS_TIME_MSEC), keeping the top
// bits of its 48-bit expiry for future use; anything later is "invalid expire time".
const FIELD_EXPIRY_AT_MS_MAX = 70_368_744_177_663;
const INT32_MAX = 2_147_483_647n;

// --- lookup ------------------------------------------------------------------------------------

/** WRONGTYPE when another type holds the key; changes nothing (commands call it before parsing). */
function checkHashType(ctx: CommandContext, key: string): void {
  ctx.keyspace.getTyped(key, "hash");
}

/**
 * The live hash at key, or undefined. The keyspace has already removed fields past their expiry
 * (journaled as one `HDEL key field...`) and deleted a hash they left empty.
 */
function readHash(ctx: CommandContext, key: string): HashValue | undefined {
  return ctx.keyspace.getTyped(key, "hash")?.value;
}

/** Stores a new empty hash at key: only once the command is certain to add a field to it. */
function createHash(ctx: CommandContext, key: string): HashValue {
  const hash = new HashValue();
  ctx.keyspace.set(key, "hash", hash);
  return hash;
}

/** Redis deletes a hash with its last field. */
function deleteIfEmpty(ctx: CommandContext, key: string, hash: HashValue): void {
  if (hash.size === 0) ctx.keyspace.delete(key);
}

// An int64 reply: a number while exact, a bigint beyond 2^53.
const integerReply = (value: bigint): number | bigint => (Number.isSafeInteger(Number(value)) ? Number(value) : value);

// --- field-expiry argument parsing -------------------------------------------------------------

type ExpireUnit = "EX" | "PX" | "EXAT" | "PXAT";
const expireUnits: Record<ExpireUnit, { ms: number; relative: boolean }> = {
  EX: { ms: 1000, relative: true },
  PX: { ms: 1, relative: true },
  EXAT: { ms: 1000, relative: false },
  PXAT: { ms: 1, relative: false },
};
const isExpireUnit = (word: string): word is ExpireUnit => word in expireUnits;

/** Redis parseExpireTime (t_hash.c): an absolute field-expiry instant, range-checked. */
function fieldExpiryAtMs(ctx: CommandContext, text: string, unit: ExpireUnit): number {
  const { ms, relative } = expireUnits[unit];
  const amount = int64OrThrow(text);
  if (amount < 0n) throw errors.negativeExpire();
  const max = BigInt(FIELD_EXPIRY_AT_MS_MAX);
  const invalid = () => errors.invalidExpire(ctx.spec.name);
  if (ms === 1000 && amount > max / 1000n) throw invalid();
  const base = relative ? BigInt(ctx.clock.nowMs()) : 0n;
  const atMs = amount * BigInt(ms);
  if (atMs > max - base) throw invalid();
  return Number(atMs + base);
}

/**
 * Reads `FIELDS numfields field [field ...]` with FIELDS at argv[at]; the fields must run to the
 * end of argv. `numFieldsError` differs between commands (Redis's texts do).
 */
function readFieldList(ctx: CommandContext, argv: string[], at: number, numFieldsError: () => RedisError): string[] {
  if (argv[at]?.toUpperCase() !== "FIELDS") throw errors.mandatoryFields();
  if (at + 1 >= argv.length) throw errors.wrongArity(ctx.spec.name);
  const count = parseInt64(argv[at + 1]!);
  if (count === null || count < 1n) throw numFieldsError();
  if (count !== BigInt(argv.length - at - 2)) throw errors.numFieldsMismatch();
  return argv.slice(at + 2);
}

type ExpireCondition = "NX" | "XX" | "GT" | "LT" | undefined;

/** HEXPIRE's per-field reply codes (Redis SetExRes). */
const enum ExpireOutcome {
  NoField = -2,
  ConditionNotMet = 0,
  Set = 1,
  Deleted = 2,
}

/**
 * Sets one field's expiry under an optional condition. A field without TTL counts as an infinite
 * TTL for GT/LT (Redis: XX and GT fail, LT passes); an instant not after now deletes the field.
 */
function expireField(ctx: CommandContext, key: string, hash: HashValue, field: string, atMs: number, condition: ExpireCondition, nowMs: number): ExpireOutcome {
  const currentAtMs = hash.expiryOf(field);
  if (currentAtMs === undefined) return ExpireOutcome.NoField;
  // 0 is "no TTL" (a stored instant is always after 0). Not `=== 0`: compared with the int 0, a
  // number that is sometimes a double sent the JIT round a deopt loop (12 recompiles a million HEXPIREs).
  if (currentAtMs <= 0) {
    if (condition === "XX" || condition === "GT") return ExpireOutcome.ConditionNotMet;
  } else if (condition === "NX" || (condition === "GT" && currentAtMs >= atMs) || (condition === "LT" && currentAtMs <= atMs)) {
    return ExpireOutcome.ConditionNotMet;
  }
  if (atMs <= nowMs) {
    hash.delete(field);
    return ExpireOutcome.Deleted;
  }
  hash.setExpiry(field, atMs);
  ctx.keyspace.trackMemberExpiry(key);
  return ExpireOutcome.Set;
}

/** The replay-safe journal of a batch of field expiries: one HDEL per deleted field, one HPEXPIREAT for the rest. */
function expiryJournal(key: string, atMs: number, updated: string[], deleted: string[]): string[][] {
  const commands = deleted.map((field) => ["HDEL", key, field]);
  if (updated.length > 0) commands.push(["HPEXPIREAT", key, String(atMs), "FIELDS", String(updated.length), ...updated]);
  return commands;
}

// --- plain field commands ----------------------------------------------------------------------

// HSET key field value [field value ...]
// HMSET key field value [field value ...]
function hsetCommand(ctx: CommandContext, argv: string[]): Reply {
  if (argv.length % 2 === 1) throw errors.wrongArity(ctx.spec.name);
  const key = argv[1]!;
  const hash = readHash(ctx, key) ?? createHash(ctx, key);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (hash.set(argv[i]!, argv[i + 1]!)) created++;
  ctx.dirty += (argv.length - 2) / 2;
  return ctx.spec.name === "hmset" ? OK : created;
}

// HSETNX key field value
function hsetnxCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, field, value] = argv as [string, string, string, string];
  const hash = readHash(ctx, key);
  if (hash?.has(field)) return 0;
  (hash ?? createHash(ctx, key)).set(field, value);
  ctx.dirty++;
  return 1;
}

// HGET key field
function hgetCommand(ctx: CommandContext, argv: string[]): Reply {
  return readHash(ctx, argv[1]!)?.get(argv[2]!) ?? null;
}

// HMGET key field [field ...]
function hmgetCommand(ctx: CommandContext, argv: string[]): Reply {
  const hash = readHash(ctx, argv[1]!);
  return argv.slice(2).map((field) => hash?.get(field) ?? null);
}

// HDEL key field [field ...]
function hdelCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const hash = readHash(ctx, key);
  if (hash === undefined) return 0;
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) if (hash.delete(argv[i]!)) deleted++;
  ctx.dirty += deleted;
  deleteIfEmpty(ctx, key, hash);
  return deleted;
}

// HEXISTS key field
function hexistsCommand(ctx: CommandContext, argv: string[]): Reply {
  return readHash(ctx, argv[1]!)?.has(argv[2]!) ? 1 : 0;
}

// HLEN key
function hlenCommand(ctx: CommandContext, argv: string[]): Reply {
  return readHash(ctx, argv[1]!)?.size ?? 0;
}

// HSTRLEN key field
function hstrlenCommand(ctx: CommandContext, argv: string[]): Reply {
  return readHash(ctx, argv[1]!)?.get(argv[2]!)?.length ?? 0;
}

// HGETALL key
function hgetallCommand(ctx: CommandContext, argv: string[]): Reply {
  const out: string[] = [];
  const hash = readHash(ctx, argv[1]!);
  if (hash !== undefined) for (const [field, value] of hash.pairs()) out.push(field, value);
  return out;
}

// HKEYS key
function hkeysCommand(ctx: CommandContext, argv: string[]): Reply {
  const hash = readHash(ctx, argv[1]!);
  return hash === undefined ? [] : [...hash.pairs()].map(([field]) => field);
}

// HVALS key
function hvalsCommand(ctx: CommandContext, argv: string[]): Reply {
  const hash = readHash(ctx, argv[1]!);
  return hash === undefined ? [] : [...hash.pairs()].map(([, value]) => value);
}

// HINCRBY key field increment
function hincrbyCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, field, incrementText] = argv as [string, string, string, string];
  const increment = int64OrThrow(incrementText);
  const hash = readHash(ctx, key);
  const currentText = hash?.get(field);
  let current = 0n;
  if (currentText !== undefined) {
    const parsed = parseInt64(currentText);
    if (parsed === null) throw errors.hashNotInteger();
    current = parsed;
  }
  const result = current + increment;
  if (result > INT64_MAX || result < INT64_MIN) throw errors.overflow();
  // Like Redis (HASH_SET_KEEP_TTL), an increment keeps the field's TTL; replaying argv does too.
  (hash ?? createHash(ctx, key)).set(field, result.toString(), true);
  ctx.dirty++;
  return integerReply(result);
}

// HINCRBYFLOAT key field increment
function hincrbyfloatCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, field, incrementText] = argv as [string, string, string, string];
  if (!isLongDoubleText(incrementText)) throw errors.notFloat();
  // isLongDoubleText accepts "inf"; parseLongDouble only finite values.
  if (parseLongDouble(incrementText) === null) throw errors.incrementNanOrInfinity();
  const hash = readHash(ctx, key);
  const currentText = hash?.get(field);
  if (currentText !== undefined && !isLongDoubleText(currentText)) throw errors.hashNotFloat();
  const result = longDoubleAdd(currentText ?? "0", incrementText);
  const target = hash ?? createHash(ctx, key);
  target.set(field, result, true);
  ctx.dirty++;
  // The printed sum, not the float addition, is what replay must reproduce. HSET would drop a
  // field TTL on replay, so a volatile field is journaled as Redis 8 does: HSETEX ... KEEPTTL.
  if (target.expiryOf(field) === 0) ctx.propagate(["HSET", key, field, result]);
  else ctx.propagate(["HSETEX", key, "KEEPTTL", "FIELDS", "1", field, result]);
  return result;
}

// --- random and scan ---------------------------------------------------------------------------

// HRANDFIELD key [count [WITHVALUES]]
function hrandfieldCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  if (argv.length === 2) {
    const hash = readHash(ctx, key);
    return hash?.randomPair((n) => randomInt(ctx.random, n))?.[0] ?? null;
  }
  const { count, withPairs: withValues } = parseRandomCount(argv, "WITHVALUES");
  const hash = readHash(ctx, key);
  if (hash === undefined || count === 0n) return [];
  const draw = (n: number) => randomInt(ctx.random, n);
  const source: SampleSource<[string, string]> = {
    random: () => hash.randomPair(draw)!,
    all: () => [...hash.pairs()],
    keyOf: ([field]) => field,
  };
  const out: string[] = [];
  for (const [field, value] of randomSample(planRandomPick(count, hash.size), source, draw)) {
    if (withValues) out.push(field, value);
    else out.push(field);
  }
  return out;
}

// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]
function hscanCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const cursor = parseScanCursor(argv[2]!);
  // compat: Redis answers a missing key before it reads the options, so their errors go unseen.
  if (ctx.keyspace.getTyped(key, "hash") === undefined) return ["0", []];
  const { pattern, count, withValues } = parseScanOptions(argv, true);
  const hash = readHash(ctx, key);
  const out: string[] = [];
  if (hash === undefined) return ["0", out];
  const visit = (field: string, value: string) => {
    if (pattern !== undefined && !globMatch(pattern, field)) return;
    if (withValues) out.push(field, value);
    else out.push(field);
  };
  // compat: like Redis, a small (listpack) hash is returned whole in one call, COUNT ignored.
  const walkAll = hash.encoding() !== "hashtable";
  const start = cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor);
  const next = walkAll ? hash.scan(0, hash.size, visit) : hash.scan(start, count, visit);
  return [String(next), out];
}

// --- field expiry ------------------------------------------------------------------------------

// HEXPIRE key seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
// HPEXPIRE key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
// HEXPIREAT key unix-time-seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
// HPEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
function hexpireGeneric(unit: ExpireUnit) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    const key = argv[1]!;
    checkHashType(ctx, key);
    const atMs = fieldExpiryAtMs(ctx, argv[2]!, unit);
    const word = argv[3]!.toUpperCase();
    const condition = word === "NX" || word === "XX" || word === "GT" || word === "LT" ? word : undefined;
    const fields = readFieldList(ctx, argv, condition === undefined ? 3 : 4, errors.numFieldsPositive);
    const hash = readHash(ctx, key);
    if (hash === undefined) return fields.map(() => ExpireOutcome.NoField);
    const nowMs = ctx.clock.nowMs();
    const updated: string[] = [];
    const deleted: string[] = [];
    const replies = fields.map((field) => {
      const outcome = expireField(ctx, key, hash, field, atMs, condition, nowMs);
      if (outcome === ExpireOutcome.Set) updated.push(field);
      else if (outcome === ExpireOutcome.Deleted) deleted.push(field);
      return outcome;
    });
    if (updated.length + deleted.length > 0) {
      ctx.dirty += updated.length + deleted.length;
      // The condition is dropped: only the fields it let through are journaled.
      ctx.propagate(...expiryJournal(key, atMs, updated, deleted));
    }
    deleteIfEmpty(ctx, key, hash);
    return replies;
  };
}

// HTTL key FIELDS numfields field [field ...]
// HPTTL key FIELDS numfields field [field ...]
// HEXPIRETIME key FIELDS numfields field [field ...]
// HPEXPIRETIME key FIELDS numfields field [field ...]
function httlGeneric(unitMs: 1 | 1000, relative: boolean) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    const key = argv[1]!;
    checkHashType(ctx, key);
    const fields = readFieldList(ctx, argv, 2, errors.numFieldsNotPositive);
    const hash = readHash(ctx, key);
    const baseMs = relative ? ctx.clock.nowMs() : 0;
    return fields.map((field) => {
      const atMs = hash?.expiryOf(field);
      if (atMs === undefined) return -2;
      if (atMs === 0) return -1;
      // compat: Redis rounds field TTLs and expiry times in seconds up, (ms + 999) / 1000.
      return unitMs === 1000 ? Math.floor((atMs - baseMs + 999) / 1000) : atMs - baseMs;
    });
  };
}

// HPERSIST key FIELDS numfields field [field ...]
function hpersistCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  checkHashType(ctx, key);
  const fields = readFieldList(ctx, argv, 2, errors.numFieldsNotPositive);
  const hash = readHash(ctx, key);
  const persisted: string[] = [];
  const replies = fields.map((field) => {
    const atMs = hash?.expiryOf(field);
    if (atMs === undefined) return -2;
    if (atMs === 0) return -1;
    hash!.persist(field);
    persisted.push(field);
    return 1;
  });
  if (persisted.length > 0) {
    ctx.dirty += persisted.length;
    ctx.propagate(["HPERSIST", key, "FIELDS", String(persisted.length), ...persisted]);
  }
  return replies;
}

// HGETDEL key FIELDS numfields field [field ...]
function hgetdelCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  checkHashType(ctx, key);
  const fields = readFieldList(ctx, argv, 2, errors.numFieldsNotPositive);
  const hash = readHash(ctx, key);
  if (hash === undefined) return fields.map(() => null);
  const deleted: string[] = [];
  const values = fields.map((field) => {
    const value = hash.get(field);
    if (value === undefined) return null;
    hash.delete(field);
    deleted.push(field);
    return value;
  });
  if (deleted.length > 0) {
    ctx.dirty += deleted.length;
    ctx.propagate(["HDEL", key, ...deleted]);
  }
  deleteIfEmpty(ctx, key, hash);
  return values;
}

// HGETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
//   FIELDS numfields field [field ...]
function hgetexCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  checkHashType(ctx, key);
  const option = argv[2]!.toUpperCase();
  let atMs: number | undefined;
  let persist = false;
  let fieldsAt = 2;
  if (isExpireUnit(option)) {
    atMs = fieldExpiryAtMs(ctx, argv[3]!, option);
    fieldsAt = 4;
  } else if (option === "PERSIST") {
    persist = true;
    fieldsAt = 3;
  }
  const fields = readFieldList(ctx, argv, fieldsAt, errors.numFieldsNotPositive);
  const hash = readHash(ctx, key);
  if (hash === undefined) return fields.map(() => null);
  const nowMs = ctx.clock.nowMs();
  const updated: string[] = [];
  const deleted: string[] = [];
  const values = fields.map((field) => {
    const value = hash.get(field);
    if (value === undefined) return null;
    if (persist) {
      if (hash.persist(field)) updated.push(field);
    } else if (atMs !== undefined) {
      const outcome = expireField(ctx, key, hash, field, atMs, undefined, nowMs);
      if (outcome === ExpireOutcome.Set) updated.push(field);
      else if (outcome === ExpireOutcome.Deleted) deleted.push(field);
    }
    return value;
  });
  if (updated.length + deleted.length > 0) {
    ctx.dirty += updated.length + deleted.length;
    if (persist) ctx.propagate(["HPERSIST", key, "FIELDS", String(updated.length), ...updated]);
    else ctx.propagate(...expiryJournal(key, atMs!, updated, deleted));
  }
  deleteIfEmpty(ctx, key, hash);
  return values;
}

interface HsetexOptions {
  condition: "FNX" | "FXX" | undefined;
  keepTtl: boolean;
  /** Absolute expiry for every field set, or undefined for none. */
  atMs: number | undefined;
  /** argv index of the first field. */
  pairsAt: number;
}

// Redis hsetexParseArgs: options in any order until FIELDS, which must close the command.
function parseHsetexOptions(ctx: CommandContext, argv: string[]): HsetexOptions {
  const options: HsetexOptions = { condition: undefined, keepTtl: false, atMs: undefined, pairsAt: 0 };
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    if (word === "FIELDS") {
      if (i >= argv.length - 3) throw errors.wrongArity(ctx.spec.name);
      const count = parseInt64(argv[i + 1]!);
      if (count === null || count < 1n || count > INT32_MAX) throw errors.invalidNumberOfFields();
      const remaining = argv.length - i - 2;
      if (remaining % 2 !== 0 || count !== BigInt(remaining / 2)) throw errors.wrongArity(ctx.spec.name);
      options.pairsAt = i + 2;
      return options;
    } else if (isExpireUnit(word) || word === "KEEPTTL") {
      if (options.keepTtl || options.atMs !== undefined) throw errors.conflictingExpiration();
      if (word === "KEEPTTL") {
        options.keepTtl = true;
        continue;
      }
      if (i >= argv.length - 1) throw errors.missingExpireTime();
      options.atMs = fieldExpiryAtMs(ctx, argv[++i]!, word as ExpireUnit);
    } else if (word === "FNX" || word === "FXX") {
      if (options.condition !== undefined) throw errors.fnxAndFxx();
      options.condition = word;
    } else {
      throw errors.unknownArgument(argv[i]!);
    }
  }
  // Unreachable in Redis (the arity and the option conflicts force a FIELDS); kept as a guard.
  throw errors.mandatoryFields();
}

// HSETEX key [FNX | FXX] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//   PXAT unix-time-milliseconds | KEEPTTL] FIELDS numfields field value [field value ...]
function hsetexCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const options = parseHsetexOptions(ctx, argv);
  const hash = readHash(ctx, key);
  const pairs: [string, string][] = [];
  for (let i = options.pairsAt; i < argv.length; i += 2) pairs.push([argv[i]!, argv[i + 1]!]);
  if (options.condition === "FXX" && (hash === undefined || !pairs.every(([field]) => hash.has(field)))) return 0;
  if (options.condition === "FNX" && hash !== undefined && pairs.some(([field]) => hash.has(field))) return 0;
  const target = hash ?? createHash(ctx, key);
  const nowMs = ctx.clock.nowMs();
  const keepTtl = options.keepTtl || options.atMs !== undefined;
  const deleted: string[] = [];
  for (const [field, value] of pairs) {
    target.set(field, value, keepTtl);
    if (options.atMs === undefined) continue;
    // An instant not after now sets the value and deletes the field at once, as Redis does.
    if (expireField(ctx, key, target, field, options.atMs, undefined, nowMs) === ExpireOutcome.Deleted) deleted.push(field);
  }
  ctx.dirty += pairs.length;
  if (deleted.length > 0) {
    ctx.propagate(["HDEL", key, ...deleted]);
  } else {
    const expiry = options.atMs !== undefined ? ["PXAT", String(options.atMs)] : options.keepTtl ? ["KEEPTTL"] : [];
    // FNX/FXX are dropped: they held, and replay must not re-evaluate them.
    ctx.propagate(["HSETEX", key, ...expiry, "FIELDS", String(pairs.length), ...argv.slice(options.pairsAt)]);
  }
  deleteIfEmpty(ctx, key, target);
  return 1;
}

export const hashCommands: CommandSpec[] = [
  { name: "hdel", arity: -3, flags: ["write", "fast"], keys: firstKey, group, summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", since: "2.0.0", run: hdelCommand },
  { name: "hexists", arity: 3, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Determines whether a field exists in a hash.", since: "2.0.0", run: hexistsCommand },
  { name: "hexpire", arity: -6, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Set expiry for hash field using relative time to expire (seconds)", since: "7.4.0", run: hexpireGeneric("EX") },
  { name: "hexpireat", arity: -6, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Set expiry for hash field using an absolute Unix timestamp (seconds)", since: "7.4.0", run: hexpireGeneric("EXAT") },
  { name: "hexpiretime", arity: -5, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the expiration time of a hash field as a Unix timestamp, in seconds.", since: "7.4.0", run: httlGeneric(1000, false) },
  { name: "hget", arity: 3, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the value of a field in a hash.", since: "2.0.0", run: hgetCommand },
  { name: "hgetall", arity: 2, flags: ["readonly"], keys: firstKey, group, summary: "Returns all fields and values in a hash.", since: "2.0.0", run: hgetallCommand },
  { name: "hgetdel", arity: -5, flags: ["write", "fast"], keys: firstKey, group, summary: "Returns the value of a field and deletes it from the hash.", since: "8.0.0", run: hgetdelCommand },
  { name: "hgetex", arity: -5, flags: ["write", "fast"], keys: firstKey, group, summary: "Get the value of one or more fields of a given hash key, and optionally set their expiration.", since: "8.0.0", run: hgetexCommand },
  { name: "hincrby", arity: 4, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", since: "2.0.0", run: hincrbyCommand },
  { name: "hincrbyfloat", arity: 4, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", since: "2.6.0", run: hincrbyfloatCommand },
  { name: "hkeys", arity: 2, flags: ["readonly"], keys: firstKey, group, summary: "Returns all fields in a hash.", since: "2.0.0", run: hkeysCommand },
  { name: "hlen", arity: 2, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the number of fields in a hash.", since: "2.0.0", run: hlenCommand },
  { name: "hmget", arity: -3, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the values of all fields in a hash.", since: "2.0.0", run: hmgetCommand },
  { name: "hmset", arity: -4, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Sets the values of multiple fields.", since: "2.0.0", run: hsetCommand },
  { name: "hpersist", arity: -5, flags: ["write", "fast"], keys: firstKey, group, summary: "Removes the expiration time for each specified field", since: "7.4.0", run: hpersistCommand },
  { name: "hpexpire", arity: -6, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Set expiry for hash field using relative time to expire (milliseconds)", since: "7.4.0", run: hexpireGeneric("PX") },
  { name: "hpexpireat", arity: -6, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Set expiry for hash field using an absolute Unix timestamp (milliseconds)", since: "7.4.0", run: hexpireGeneric("PXAT") },
  { name: "hpexpiretime", arity: -5, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the expiration time of a hash field as a Unix timestamp, in msec.", since: "7.4.0", run: httlGeneric(1, false) },
  { name: "hpttl", arity: -5, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the TTL in milliseconds of a hash field.", since: "7.4.0", run: httlGeneric(1, true) },
  { name: "hrandfield", arity: -2, flags: ["readonly"], keys: firstKey, group, summary: "Returns one or more random fields from a hash.", since: "6.2.0", run: hrandfieldCommand },
  { name: "hscan", arity: -3, flags: ["readonly"], keys: firstKey, group, summary: "Iterates over fields and values of a hash.", since: "2.8.0", run: hscanCommand },
  { name: "hset", arity: -4, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Creates or modifies the value of a field in a hash.", since: "2.0.0", run: hsetCommand },
  { name: "hsetex", arity: -6, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Set the value of one or more fields of a given hash key, and optionally set their expiration.", since: "8.0.0", run: hsetexCommand },
  { name: "hsetnx", arity: 4, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Sets the value of a field in a hash only when the field doesn't exist.", since: "2.0.0", run: hsetnxCommand },
  { name: "hstrlen", arity: 3, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the length of the value of a field.", since: "3.2.0", run: hstrlenCommand },
  { name: "httl", arity: -5, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the TTL in seconds of a hash field.", since: "7.4.0", run: httlGeneric(1000, true) },
  { name: "hvals", arity: 2, flags: ["readonly"], keys: firstKey, group, summary: "Returns all values in a hash.", since: "2.0.0", run: hvalsCommand },
];
