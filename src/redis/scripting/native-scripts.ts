// Native twins of the Lua scripts `@upstash/ratelimit` sends on every `limit()` call: the same
// redis.call sequence, in the same order, with the script's arithmetic done in JS. Running one
// in the WebAssembly Lua VM costs about 9 µs; its commands alone cost about 1 µs, and rate
// limiting is what many clients of this server do most.
//
// A twin is found by the SHA-1 of the exact script text, so any other text (another client
// version, a user's edit) runs in Lua. It must answer exactly as the Lua run would, so it only
// takes cases whose outcome it can be sure of: every number it reads (arguments, stored counters,
// the dynamic limit) must be a canonical decimal integer of at most 15 digits, where Lua's
// numbers, JS doubles and Redis's integer parsing all agree, and every result must stay a safe
// integer. For anything else (a counter holding "1.5", a WRONGTYPE key, a missing argument) it
// returns undefined and the script runs in Lua, which gives Redis's answer and error text. That
// hand-over happens only before the first write, and right after the call that showed the
// twin cannot be sure, so the calls it made are the first of those Lua makes again (only a
// lazy expiry's DEL is journaled by a read, and Lua's reads then find the key gone, as they
// would have); each script reads first and decides, so its writes (INCRBY, HSET, PEXPIRE) run
// only on values already checked and cannot fail.
// The writes go through redis.call's own path, so they are journaled, counted and refused
// exactly as the script's would be; native-scripts.test.ts compares both runs on random inputs.

import { shortIntegerOf } from "../engine/args.ts";
import type { Reply } from "../engine/reply.ts";
import { luaNumberToInteger } from "./conversions.ts";

/** The script's redis.call: `command` runs one as the script would, errors as ErrorReply. */
export interface ScriptCalls {
  command(argv: string[]): Reply;
}

/** A script's logic; undefined, before any write, hands the call to the Lua VM. */
export type NativeScript = (redis: ScriptCalls, keys: string[], args: string[]) => Reply | undefined;

/**
 * The integer a canonical decimal text of up to 15 digits stands for: below 2^53, so exact as a
 * double, and read alike by Lua, JS and Redis. No sign on zero, no leading zeros, no spaces,
 * exponents or hex, all of which Lua's tonumber reads in ways of its own.
 */
function integerOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : shortIntegerOf(text);
}

/** A GET reply read as the scripts read a counter: nil is 0. */
function counterOf(reply: Reply): number | undefined {
  if (reply === null) return 0;
  return typeof reply === "string" ? integerOf(reply) : undefined;
}

/** The scripts' `effectiveLimit`: `tokens`, or the number stored at the optional dynamic-limit key. */
function effectiveLimitOf(redis: ScriptCalls, dynamicLimitKey: string | undefined, tokens: number): number | undefined {
  if (dynamicLimitKey === undefined || dynamicLimitKey === "") return tokens;
  const stored = redis.command(["GET", dynamicLimitKey]);
  if (stored === null) return tokens;
  return typeof stored === "string" ? integerOf(stored) : undefined;
}

// String(n) of the last n asked for: a bucket's TTL is the same number call after call, and
// turning a number into text is a good part of what a twin costs (with the stored refilledAt
// reused, about 80 of 280 ns a tokenBucket call in a loop).
let lastNumber = Number.NaN;
let lastNumberText = "";

function repeatedText(n: number): string {
  if (n !== lastNumber) {
    lastNumber = n;
    lastNumberText = String(n);
  }
  return lastNumberText;
}

/** Whether every value is an integer a double holds exactly (the integers Lua computes with here). */
function allSafe(...values: number[]): boolean {
  return values.every(Number.isSafeInteger);
}

/** fixedWindowLimitScript: INCRBY the window's counter, PEXPIRE it when the increment created it. */
const fixedWindowLimit: NativeScript = (redis, keys, args) => {
  const [key, dynamicLimitKey] = keys;
  // `window` and `incrementBy` go to Redis as the texts they are; checked, they cannot make it fail.
  const [tokensText, window, incrementByText] = args;
  const tokens = integerOf(tokensText);
  const incrementBy = integerOf(incrementByText);
  if (key === undefined || tokens === undefined || incrementBy === undefined || integerOf(window) === undefined) return undefined;
  const effectiveLimit = effectiveLimitOf(redis, dynamicLimitKey, tokens);
  if (effectiveLimit === undefined) return undefined;
  const count = redis.command(["INCRBY", key, incrementByText!]);
  // An error here wrote nothing (not an integer, WRONGTYPE, overflow): Lua words it.
  if (typeof count !== "number" && typeof count !== "bigint") return undefined;
  if (count === incrementBy) redis.command(["PEXPIRE", key, window!]);
  return [throughLua(count), effectiveLimit];
};

/**
 * slidingWindowLimitScript: the current window's count plus the previous window's, weighted by
 * how much of it still overlaps; INCRBY when under the limit.
 */
const slidingWindowLimit: NativeScript = (redis, keys, args) => {
  const [currentKey, previousKey, dynamicLimitKey] = keys;
  const tokens = integerOf(args[0]);
  const now = integerOf(args[1]);
  const window = integerOf(args[2]);
  const incrementBy = integerOf(args[3]);
  if (currentKey === undefined || previousKey === undefined || tokens === undefined || incrementBy === undefined) return undefined;
  // Lua's % floors and JS's truncates: they agree for a non-negative dividend and a positive divisor.
  if (now === undefined || now < 0 || window === undefined || window <= 0) return undefined;
  const effectiveLimit = effectiveLimitOf(redis, dynamicLimitKey, tokens);
  if (effectiveLimit === undefined) return undefined;
  const inCurrent = counterOf(redis.command(["GET", currentKey]));
  // Lua stops at a failed call: the twin may make no call Lua would not have made.
  if (inCurrent === undefined) return undefined;
  const inPreviousStored = counterOf(redis.command(["GET", previousKey]));
  if (inPreviousStored === undefined) return undefined;
  // The same double operations in the same order as Lua's, so the same result.
  const percentageInCurrent = (now % window) / window;
  const inPrevious = Math.floor((1 - percentageInCurrent) * inPreviousStored);
  if (incrementBy > 0 && inPrevious + inCurrent >= effectiveLimit) return [-1, effectiveLimit];
  const count = redis.command(["INCRBY", currentKey, String(incrementBy)]);
  // Below 10^15 each, the counter and the increment cannot overflow or leave the safe integers.
  if (typeof count !== "number") return undefined;
  if (count === incrementBy) redis.command(["PEXPIRE", currentKey, String(window * 2 + 1000)]);
  return [effectiveLimit - (count + inPrevious), effectiveLimit];
};

/**
 * tokenBucketLimitScript: refill the bucket for the intervals passed since `refilledAt`, take
 * `incrementBy` tokens when there are enough, store the bucket and let it expire once full again.
 */
const tokenBucketLimit: NativeScript = (redis, keys, args) => {
  const [key, dynamicLimitKey] = keys;
  const maxTokens = integerOf(args[0]);
  const interval = integerOf(args[1]);
  const refillRate = integerOf(args[2]);
  const now = integerOf(args[3]);
  const incrementBy = integerOf(args[4]);
  if (key === undefined || maxTokens === undefined || now === undefined || incrementBy === undefined) return undefined;
  // A zero interval or rate divides by zero, on to a PEXPIRE Redis refuses after the HSET: Lua's to tell.
  if (interval === undefined || interval <= 0 || refillRate === undefined || refillRate <= 0) return undefined;
  const effectiveLimit = effectiveLimitOf(redis, dynamicLimitKey, maxTokens);
  if (effectiveLimit === undefined) return undefined;
  const bucket = redis.command(["HMGET", key, "refilledAt", "tokens"]);
  if (!Array.isArray(bucket)) return undefined;
  let refilledAt = now;
  let tokens = effectiveLimit;
  // The stored text while refilledAt stays as stored: a canonical integer's text is String() of it.
  let refilledAtText: string | undefined;
  if (bucket[0] !== null) {
    const storedRefilledAt = typeof bucket[0] === "string" ? integerOf(bucket[0]) : undefined;
    const storedTokens = typeof bucket[1] === "string" ? integerOf(bucket[1]) : undefined;
    if (storedRefilledAt === undefined || storedTokens === undefined) return undefined;
    refilledAt = storedRefilledAt;
    refilledAtText = bucket[0] as string;
    tokens = storedTokens;
  }
  if (now >= refilledAt + interval) {
    const refills = Math.floor((now - refilledAt) / interval);
    const refilled = tokens + refills * refillRate;
    refilledAt += refills * interval;
    refilledAtText = undefined;
    // Lua's integers would wrap where these doubles round: Lua's to compute.
    if (!allSafe(refills * refillRate, refilled, refills * interval, refilledAt + interval)) return undefined;
    tokens = Math.min(effectiveLimit, refilled);
  }
  if (incrementBy > 0 && tokens < incrementBy) return [-1, refilledAt + interval, effectiveLimit];
  const remaining = tokens - incrementBy;
  const expireAt = Math.ceil((effectiveLimit - remaining) / refillRate) * interval;
  if (!allSafe(expireAt)) return undefined;
  redis.command(["HSET", key, "refilledAt", refilledAtText ?? String(refilledAt), "tokens", String(remaining)]);
  if (expireAt > 0) redis.command(["PEXPIRE", key, repeatedText(expireAt)]);
  return [remaining, refilledAt + interval, effectiveLimit];
};

/**
 * cachedFixedWindowLimitScript: INCRBY the window's counter. The script compares the count with
 * the increment's *text*, and in Lua a number never equals a string, so its PEXPIRE never runs.
 */
const cachedFixedWindowLimit: NativeScript = (redis, keys, args) => {
  const [key] = keys;
  const incrementBy = args[1];
  if (key === undefined || incrementBy === undefined) return undefined;
  const count = redis.command(["INCRBY", key, incrementBy]);
  return typeof count === "number" || typeof count === "bigint" ? throughLua(count) : undefined;
};

/** A count the script returns as it got it from INCRBY: a Lua number, so past 2^53 it rounds. */
const throughLua = (count: number | bigint): number | bigint => luaNumberToInteger(Number(count));

/** By SHA-1 of the script text, as @upstash/ratelimit 2.2.0 sends it (its EVALSHA hashes). */
const twins = new Map<string, NativeScript>([
  ["b2efc02798c8e9b471a10f9b1d5745db89923ff3", fixedWindowLimit],
  ["74740bb3d7792848093cdef586b6b6037c455fd6", slidingWindowLimit],
  ["d60be5bd3d83482ae229309f1f7425424f891204", tokenBucketLimit],
  ["1861a700bafe96c833a483af6b1c28a8897cfdb0", cachedFixedWindowLimit],
]);

/** The native twin of the script with this SHA-1 (lower-case hex), if it has one. */
export function nativeScriptFor(sha: string): NativeScript | undefined {
  return twins.get(sha);
}
