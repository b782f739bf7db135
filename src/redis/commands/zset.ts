// Sorted-set commands (Redis t_zset.c, 7.4 semantics): adds with NX/XX/GT/LT/CH/INCR, rank, score
// and lex ranges with their STORE and REMRANGE forms, pops, random picks, the union/intersection/
// difference family (plain sets take part with score 1) and ZSCAN. Every handler checks its
// arguments in Redis's order before its first change, so a bad call gets Redis's error and
// changes nothing. Scores print as Redis 7.2+ prints doubles (double-format.ts).
// Journal: ZINCRBY and ZADD INCR as `ZADD key <new score> member`, ZMPOP as ZPOPMIN/ZPOPMAX with
// the count popped (as Redis propagates it); everything else replays as sent.

import { keysAfterNumkeys, type CommandContext, type CommandSpec } from "../engine/command.ts";
import { parseDouble, parseInt64, parseRangeDouble, parseScanCursor, parseScanOptions } from "../engine/args.ts";
import { errors } from "../engine/errors.ts";
import { globMatch } from "../engine/glob.ts";
import type { Entry } from "../engine/keyspace.ts";
import type { Reply } from "../engine/reply.ts";
import type { SetValue } from "../types/set.ts";
import { type LexBound, type LexRange, type ScoreRange, type SortedEntry, SortedSet, lexAtLeastMin, lexAtMostMax, scoreAtLeastMin, scoreAtMostMax } from "../types/sorted-set.ts";
import { randomInt } from "../../util/random.ts";
import { format17g, formatScore } from "./double-format.ts";
import { parseRandomCount, planRandomPick } from "./random-members.ts";

const group = "sorted-set";
const firstKey = { first: 1, last: 1, step: 1 };
const noKeys = { first: 0, last: 0, step: 0 };

// ---- lookup -----------------------------------------------------------------------------------

/** The sorted set at key, or undefined; WRONGTYPE when another type holds the key. */
export function readZset(ctx: CommandContext, key: string): SortedSet | undefined {
  return ctx.keyspace.getTyped(key, "zset")?.value;
}

/** Stores a freshly built result at `key` (replacing any value and TTL), or deletes the key when empty. */
export function storeZset(ctx: CommandContext, key: string, result: SortedSet): number {
  if (result.size > 0) {
    ctx.keyspace.set(key, "zset", result);
    ctx.dirty++;
  } else if (ctx.keyspace.delete(key)) {
    ctx.dirty++;
  }
  return result.size;
}

function deleteIfEmpty(ctx: CommandContext, key: string, set: SortedSet): void {
  if (set.size === 0) ctx.keyspace.delete(key);
}

// ---- argument parsing -------------------------------------------------------------------------

/** Redis string2d (getDoubleFromObject), as parseDouble reads it; plain small integers take a shortcut. */
export function parseScore(text: string): number | null {
  return smallCanonicalInteger(text) ?? parseDouble(text);
}

export function scoreOrThrow(text: string, error = errors.notFloat): number {
  const value = parseScore(text);
  if (value === null) throw error();
  return value;
}

/** getLongFromObjectOrReply: an int64, "value is not an integer or out of range" otherwise. */
export function longOrThrow(text: string): bigint {
  const value = parseInt64(text);
  if (value === null) throw errors.notInteger();
  return value;
}

/**
 * A rank (getLongFromObjectOrReply) as a number: ranks only meet set sizes (< 2^53), so rounding
 * an int64 beyond that changes no outcome. Plain small integers skip the bigint.
 */
function rankOrThrow(text: string): number {
  return smallCanonicalInteger(text) ?? Number(longOrThrow(text));
}

/**
 * The value of a canonical decimal integer of at most 15 digits (no sign but "-", no leading zero,
 * not "-0"), exact as a double; undefined for any other text, which the full parsers then read.
 * Scores and ranks are mostly such integers, and this skips the parsers' regular expressions.
 */
function smallCanonicalInteger(text: string): number | undefined {
  const length = text.length;
  const start = length > 0 && text.charCodeAt(0) === 45 ? 1 : 0; // "-"
  if (length === start || length - start > 15) return undefined;
  const first = text.charCodeAt(start);
  if (first === 48) return length === 1 ? 0 : undefined; // "0" alone; "-0" and "01" go the long way
  if (first < 49 || first > 57) return undefined;
  // Digits summed here: Number(text) on a request's string costs several times the loop.
  let value = first - 48;
  for (let i = start + 1; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return undefined;
    value = value * 10 + (code - 48);
  }
  return start === 1 ? -value : value;
}

/** Redis zslParseRange: "(" makes an end exclusive; "min or max is not a float" otherwise. */
export function parseScoreRange(minText: string, maxText: string): ScoreRange {
  const end = (text: string): [number, boolean] => {
    const exclusive = text.startsWith("(");
    const value = parseRangeDouble(exclusive ? text.slice(1) : text);
    if (value === null || Number.isNaN(value)) throw errors.minMaxNotFloat();
    return [value, exclusive];
  };
  const [min, minExclusive] = end(minText);
  const [max, maxExclusive] = end(maxText);
  return { min, max, minExclusive, maxExclusive };
}

function parseLexBound(text: string): LexBound | null {
  switch (text[0]) {
    case "+":
      return text.length === 1 ? { kind: "+" } : null;
    case "-":
      return text.length === 1 ? { kind: "-" } : null;
    case "(":
      return { kind: "member", member: text.slice(1), exclusive: true };
    case "[":
      return { kind: "member", member: text.slice(1), exclusive: false };
    default:
      return null;
  }
}

/** Redis zslParseLexRange: "-", "+", "(member" or "[member". */
export function parseLexRange(minText: string, maxText: string): LexRange {
  const min = parseLexBound(minText);
  const max = parseLexBound(maxText);
  if (min === null || max === null) throw errors.minMaxNotLexItem();
  return { min, max };
}

/** A flat [member, score, member, score ...] reply, or just members. */
function entriesReply(entries: SortedEntry[], withScores: boolean): Reply {
  const out: string[] = [];
  for (const entry of entries) {
    out.push(entry.member);
    if (withScores) out.push(formatScore(entry.score));
  }
  return out;
}

// ---- ZADD / ZINCRBY ---------------------------------------------------------------------------

export interface AddOptions {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
  incr: boolean;
}

interface AddOutcome {
  added: number;
  updated: number;
  /** The last processed score (INCR), undefined when NX/XX/GT/LT skipped the member. */
  score: number | undefined;
}

/**
 * Redis zaddGenericCommand after parsing: creates the key unless XX, then zsetAdd per pair.
 * `pairs` are parsed scores with their members; the caller has validated every option.
 */
export function addToZset(ctx: CommandContext, key: string, options: AddOptions, pairs: [number, string][]): AddOutcome {
  let set = readZset(ctx, key);
  const outcome: AddOutcome = { added: 0, updated: 0, score: undefined };
  if (set === undefined) {
    if (options.xx) return outcome;
    set = new SortedSet();
    set.prepareForAdds(pairs.length, pairs[0]![1].length);
    ctx.keyspace.set(key, "zset", set);
  } else {
    set.prepareForAdds(pairs.length);
  }
  for (const [given, member] of pairs) {
    let score = given;
    const current = set.score(member);
    if (current === undefined) {
      if (options.xx) continue;
      set.set(member, score);
      outcome.added++;
      outcome.score = score;
      continue;
    }
    if (options.nx) continue;
    if (options.incr) {
      score += current;
      if (Number.isNaN(score)) throw errors.scoreNaN();
    }
    if ((options.lt && score >= current) || (options.gt && score <= current)) continue;
    outcome.score = score;
    if (score !== current) {
      set.set(member, score);
      outcome.updated++;
    }
  }
  ctx.dirty += outcome.added + outcome.updated;
  return outcome;
}

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
// ZINCRBY key increment member
function zaddGeneric(incrCommand: boolean) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    const key = argv[1]!;
    const options: AddOptions = { nx: false, xx: false, gt: false, lt: false, ch: false, incr: incrCommand };
    let index = 2;
    for (; index < argv.length; index++) {
      const word = argv[index]!.toUpperCase();
      if (word === "NX") options.nx = true;
      else if (word === "XX") options.xx = true;
      else if (word === "CH") options.ch = true;
      else if (word === "INCR") options.incr = true;
      else if (word === "GT") options.gt = true;
      else if (word === "LT") options.lt = true;
      else break;
    }
    const elements = argv.length - index;
    if (elements % 2 !== 0 || elements === 0) throw errors.syntax();
    if (options.nx && options.xx) throw errors.nxAndXx();
    if ((options.gt && options.nx) || (options.lt && options.nx) || (options.gt && options.lt)) throw errors.gtLtNx();
    if (options.incr && elements > 2) throw errors.zaddIncrPairs();
    const pairs: [number, string][] = [];
    for (let i = index; i < argv.length; i += 2) pairs.push([scoreOrThrow(argv[i]!), argv[i + 1]!]);
    const outcome = addToZset(ctx, key, options, pairs);
    if (!options.incr) return options.ch ? outcome.added + outcome.updated : outcome.added;
    // A float sum replays as the score it produced.
    if (outcome.added + outcome.updated > 0) ctx.propagate(["ZADD", key, formatScore(outcome.score!), pairs[0]![1]]);
    return outcome.score === undefined ? null : formatScore(outcome.score);
  };
}

// ---- single-member reads and ZREM -------------------------------------------------------------

// ZCARD key
function zcardCommand(ctx: CommandContext, argv: string[]): Reply {
  return readZset(ctx, argv[1]!)?.size ?? 0;
}

// ZSCORE key member
function zscoreCommand(ctx: CommandContext, argv: string[]): Reply {
  const score = readZset(ctx, argv[1]!)?.score(argv[2]!);
  return score === undefined ? null : formatScore(score);
}

// ZMSCORE key member [member ...]
function zmscoreCommand(ctx: CommandContext, argv: string[]): Reply {
  const set = readZset(ctx, argv[1]!);
  return argv.slice(2).map((member) => {
    const score = set?.score(member);
    return score === undefined ? null : formatScore(score);
  });
}

// ZRANK key member [WITHSCORE]
// ZREVRANK key member [WITHSCORE]
function zrankGeneric(reverse: boolean) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    if (argv.length > 4) throw errors.wrongArity(ctx.spec.name);
    const withScore = argv.length === 4;
    if (withScore && argv[3]!.toUpperCase() !== "WITHSCORE") throw errors.syntax();
    const set = readZset(ctx, argv[1]!);
    const rank = set?.rank(argv[2]!);
    if (set === undefined || rank === undefined) return null;
    const position = reverse ? set.size - 1 - rank : rank;
    return withScore ? [position, formatScore(set.score(argv[2]!)!)] : position;
  };
}

// ZREM key member [member ...]
function zremCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const set = readZset(ctx, key);
  if (set === undefined) return 0;
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (set.delete(argv[i]!)) deleted++;
    if (set.size === 0) break;
  }
  deleteIfEmpty(ctx, key, set);
  ctx.dirty += deleted;
  return deleted;
}

// ---- counting and removing ranges -------------------------------------------------------------

// ZCOUNT key min max
function zcountCommand(ctx: CommandContext, argv: string[]): Reply {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  return readZset(ctx, argv[1]!)?.countInScoreRange(range) ?? 0;
}

// ZLEXCOUNT key min max
function zlexcountCommand(ctx: CommandContext, argv: string[]): Reply {
  const range = parseLexRange(argv[2]!, argv[3]!);
  return readZset(ctx, argv[1]!)?.countInLexRange(range) ?? 0;
}

/** Redis's rank clamping: negative counts from the end; undefined when the range is empty. */
function clampRanks(start: number, end: number, length: number): [number, number] | undefined {
  let first = start;
  let last = end;
  if (first < 0) first = length + first;
  if (last < 0) last = length + last;
  if (first < 0) first = 0;
  if (first > last || first >= length) return undefined;
  if (last >= length) last = length - 1;
  return [first, last];
}

// ZREMRANGEBYRANK key start stop
// ZREMRANGEBYSCORE key min max
// ZREMRANGEBYLEX key min max
function zremrangeGeneric(kind: "rank" | "score" | "lex") {
  return (ctx: CommandContext, argv: string[]): Reply => {
    const key = argv[1]!;
    let remove: (set: SortedSet) => number;
    if (kind === "rank") {
      const start = rankOrThrow(argv[2]!);
      const end = rankOrThrow(argv[3]!);
      remove = (set) => {
        const ranks = clampRanks(start, end, set.size);
        return ranks === undefined ? 0 : set.deleteRankRange(ranks[0], ranks[1]);
      };
    } else if (kind === "score") {
      const range = parseScoreRange(argv[2]!, argv[3]!);
      remove = (set) => {
        const first = set.firstInScoreRange(range);
        return first < 0 ? 0 : set.deleteFromWhile(first, (entry) => scoreAtMostMax(entry.score, range));
      };
    } else {
      const range = parseLexRange(argv[2]!, argv[3]!);
      remove = (set) => {
        const first = set.firstInLexRange(range);
        return first < 0 ? 0 : set.deleteFromWhile(first, (entry) => lexAtMostMax(entry.member, range));
      };
    }
    const set = readZset(ctx, key);
    if (set === undefined) return 0;
    const deleted = remove(set);
    deleteIfEmpty(ctx, key, set);
    ctx.dirty += deleted;
    return deleted;
  };
}

// ---- ZRANGE and its older forms ---------------------------------------------------------------

type RangeKind = "rank" | "score" | "lex";

/**
 * Redis zrangeGenericCommand: argv[keyIndex] is the source, then min and max, then options.
 * `kind`/`reverse` are fixed by the older commands and left open (undefined) by ZRANGE and
 * ZRANGESTORE, whose options choose them. Returns the selected entries in reply order, or
 * undefined when the source key does not exist.
 */
function selectRange(ctx: CommandContext, argv: string[], keyIndex: number, store: boolean, fixedKind?: RangeKind, fixedReverse?: boolean) {
  let kind = fixedKind;
  let reverse = fixedReverse;
  let withScores = false;
  let offset = 0n;
  let limit = -1n;
  for (let i = keyIndex + 3; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    const argumentsLeft = argv.length - i - 1;
    if (!store && word === "WITHSCORES") withScores = true;
    else if (word === "LIMIT" && argumentsLeft >= 2) {
      offset = longOrThrow(argv[i + 1]!);
      limit = longOrThrow(argv[i + 2]!);
      i += 2;
    } else if (reverse === undefined && word === "REV") reverse = true;
    else if (kind === undefined && word === "BYLEX") kind = "lex";
    else if (kind === undefined && word === "BYSCORE") kind = "score";
    else throw errors.syntax();
  }
  reverse ??= false;
  // compat: Upstash accepts LIMIT on a plain index range (the SDK sends it); it pages the range.
  const limitOnRanks = limit !== -1n && kind === undefined;
  kind ??= "rank";
  if (limit !== -1n && kind === "rank" && !limitOnRanks) throw errors.zrangeLimitNeedsBy();
  if (withScores && kind === "lex") throw errors.zrangeWithScoresByLex();
  let [minText, maxText] = [argv[keyIndex + 1]!, argv[keyIndex + 2]!];
  if (reverse && kind !== "rank") [minText, maxText] = [maxText, minText];

  let select: (set: SortedSet) => SortedEntry[];
  if (kind === "rank") {
    const start = rankOrThrow(minText);
    const end = rankOrThrow(maxText);
    select = (set) => {
      const ranks = clampRanks(start, end, set.size);
      if (ranks === undefined) return [];
      const [first, last] = ranks;
      let entries = set.rangeByRank(reverse ? set.size - 1 - first : first, last - first + 1, reverse);
      if (limitOnRanks) entries = offset < 0n ? [] : entries.slice(Number(offset), limit < 0n ? undefined : Number(offset) + Number(limit));
      return entries;
    };
  } else if (kind === "score") {
    const range = parseScoreRange(minText, maxText);
    select = (set) =>
      walkRange(set, offset, limit, reverse ? set.lastInScoreRange(range) : set.firstInScoreRange(range), reverse, (entry) =>
        reverse ? scoreAtLeastMin(entry.score, range) : scoreAtMostMax(entry.score, range),
      );
  } else {
    const range = parseLexRange(minText, maxText);
    select = (set) =>
      walkRange(set, offset, limit, reverse ? set.lastInLexRange(range) : set.firstInLexRange(range), reverse, (entry) =>
        reverse ? lexAtLeastMin(entry.member, range) : lexAtMostMax(entry.member, range),
      );
  }
  const set = readZset(ctx, argv[keyIndex]!);
  return { entries: set === undefined ? undefined : select(set), withScores, kind };
}

/**
 * Redis genericZrangebyscore/bylex: from the first entry in range (the last, reversed), skip
 * `offset` entries unchecked, then take entries while they stay in range, at most `limit`
 * (negative: no limit).
 */
function walkRange(set: SortedSet, offset: bigint, limit: bigint, startRank: number, reverse: boolean, inRange: (entry: SortedEntry) => boolean): SortedEntry[] {
  if (offset < 0n || (offset > 0n && offset >= BigInt(set.size)) || startRank < 0) return [];
  const rank = reverse ? startRank - Number(offset) : startRank + Number(offset);
  if (rank < 0 || rank >= set.size) return [];
  const out: SortedEntry[] = [];
  let remaining = limit;
  for (const entry of set.walk(rank, reverse)) {
    if (remaining === 0n || !inRange(entry)) break;
    out.push(entry);
    remaining--;
  }
  return out;
}

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
// ZREVRANGE key start stop [WITHSCORES]
// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
// ZRANGEBYLEX key min max [LIMIT offset count]
// ZREVRANGEBYLEX key max min [LIMIT offset count]
function zrangeGeneric(kind?: RangeKind, reverse?: boolean) {
  const byRank = kind === undefined || kind === "rank";
  return (ctx: CommandContext, argv: string[]): Reply => {
    if (byRank && argv.length === 4) return membersByRank(ctx, argv, reverse === true);
    const { entries, withScores } = selectRange(ctx, argv, 1, false, kind, reverse);
    return entriesReply(entries ?? [], withScores);
  };
}

/** ZRANGE key start stop and ZREVRANGE without options, the common read: no options to parse, no selector. */
function membersByRank(ctx: CommandContext, argv: string[], reverse: boolean): Reply {
  const start = rankOrThrow(argv[2]!);
  const end = rankOrThrow(argv[3]!);
  const set = readZset(ctx, argv[1]!);
  if (set === undefined) return [];
  const ranks = clampRanks(start, end, set.size);
  if (ranks === undefined) return [];
  const [first, last] = ranks;
  const entries = set.rangeByRank(reverse ? set.size - 1 - first : first, last - first + 1, reverse);
  const members = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i++) members[i] = entries[i]!.member;
  return members;
}

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
function zrangestoreCommand(ctx: CommandContext, argv: string[]): Reply {
  const { entries = [], kind } = selectRange(ctx, argv, 2, true);
  // Redis sizes the result up front only when the length is known (an index range).
  const result = new SortedSet();
  if (kind === "rank") result.prepareForAdds(entries.length);
  for (const entry of entries) result.set(entry.member, entry.score);
  return storeZset(ctx, argv[1]!, result);
}

// ---- union, intersection, difference ----------------------------------------------------------

type SetOperation = "union" | "inter" | "diff";
type Aggregate = "sum" | "min" | "max";

/** An input of ZUNION & co: a sorted set, a plain set (every score 1), or nothing. */
interface Source {
  value: SortedSet | SetValue | undefined;
  weight: number;
}

const sourceSize = (source: Source) => source.value?.size ?? 0;

function* sourceEntries(source: Source): Generator<[string, number]> {
  const value = source.value;
  if (value instanceof SortedSet) for (const entry of value.entries()) yield [entry.member, entry.score];
  else if (value !== undefined) for (const member of value.members()) yield [member, 1];
}

function sourceScore(source: Source, member: string): number | undefined {
  const value = source.value;
  if (value instanceof SortedSet) return value.score(member);
  return value?.has(member) ? 1 : undefined;
}

// Redis zunionInterAggregate: a SUM of +inf and -inf is 0, not NaN.
function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === "sum") {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === "min") return value < target ? value : target;
  return value > target ? value : target;
}

/**
 * Redis zunionInterDiffGenericCommand for ZUNION/ZINTER/ZDIFF (and STORE forms) and ZINTERCARD:
 * numkeys at `numkeysIndex`, then the keys, then options. Returns the result set, or a count.
 */
function combine(ctx: CommandContext, argv: string[], numkeysIndex: number, operation: SetOperation, storing: boolean, cardinalityOnly: boolean) {
  const setCount = longOrThrow(argv[numkeysIndex]!);
  if (setCount < 1n) throw errors.inputKeyNeeded(ctx.spec.name);
  if (setCount > BigInt(argv.length - (numkeysIndex + 1))) throw errors.syntax();
  const count = Number(setCount);
  const sources: Source[] = [];
  for (let i = 0; i < count; i++) {
    const entry: Entry | undefined = ctx.keyspace.get(argv[numkeysIndex + 1 + i]!);
    if (entry !== undefined && entry.type !== "zset" && entry.type !== "set") throw errors.wrongType();
    sources.push({ value: entry?.value, weight: 1 });
  }
  let how: Aggregate = "sum";
  let withScores = false;
  let limit = 0n;
  let j = numkeysIndex + 1 + count;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const word = argv[j]!.toUpperCase();
    if (operation !== "diff" && !cardinalityOnly && remaining >= count + 1 && word === "WEIGHTS") {
      j++;
      for (const source of sources) source.weight = scoreOrThrow(argv[j++]!, errors.weightNotFloat);
    } else if (operation !== "diff" && !cardinalityOnly && remaining >= 2 && word === "AGGREGATE") {
      const name = argv[j + 1]!.toUpperCase();
      if (name !== "SUM" && name !== "MIN" && name !== "MAX") throw errors.syntax();
      how = name.toLowerCase() as Aggregate;
      j += 2;
    } else if (!storing && !cardinalityOnly && word === "WITHSCORES") {
      withScores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && word === "LIMIT") {
      const parsed = parseInt64(argv[j + 1]!);
      if (parsed === null || parsed < 0n) throw errors.optionNegative("LIMIT");
      limit = parsed;
      j += 2;
    } else {
      throw errors.syntax();
    }
  }

  // Built as Redis builds it, in skiplist form; STORE forms then fit the encoding to the contents.
  const result = new SortedSet(true);
  let cardinality = 0;
  if (operation === "inter") {
    // Smallest first (a stable sort, as glibc's qsort is), so scores add up in Redis's order.
    const ordered = [...sources].sort((a, b) => sourceSize(a) - sourceSize(b));
    const [first, ...others] = ordered;
    if (sourceSize(first!) > 0) {
      for (const [member, memberScore] of sourceEntries(first!)) {
        let score = first!.weight * memberScore;
        if (Number.isNaN(score)) score = 0;
        let inAll = true;
        for (const other of others) {
          const value = other.value === first!.value ? memberScore : sourceScore(other, member);
          if (value === undefined) {
            inAll = false;
            break;
          }
          score = aggregate(score, value * other.weight, how);
        }
        if (!inAll) continue;
        if (cardinalityOnly) {
          cardinality++;
          if (limit > 0n && BigInt(cardinality) >= limit) break;
        } else result.set(member, score);
      }
    }
  } else if (operation === "union") {
    const ordered = [...sources].sort((a, b) => sourceSize(a) - sourceSize(b));
    const scores = new Map<string, number>();
    for (const source of ordered) {
      for (const [member, memberScore] of sourceEntries(source)) {
        let score = source.weight * memberScore;
        if (Number.isNaN(score)) score = 0;
        const existing = scores.get(member);
        scores.set(member, existing === undefined ? score : aggregate(existing, score, how));
      }
    }
    for (const [member, score] of scores) result.set(member, score);
  } else {
    const [first, ...others] = sources;
    // The first key given again among the others empties the result.
    if (sourceSize(first!) > 0 && !others.some((other) => other.value !== undefined && other.value === first!.value)) {
      for (const [member, score] of sourceEntries(first!)) {
        if (!others.some((other) => sourceScore(other, member) !== undefined)) result.set(member, score);
      }
    }
  }
  return { result, cardinality, withScores };
}

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
// ZDIFF numkeys key [key ...] [WITHSCORES]
function combineCommand(operation: SetOperation) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    const { result, withScores } = combine(ctx, argv, 1, operation, false, false);
    return entriesReply([...result.entries()], withScores);
  };
}

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
// ZDIFFSTORE destination numkeys key [key ...]
function combineStoreCommand(operation: SetOperation) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    const { result } = combine(ctx, argv, 2, operation, true, false);
    result.fitEncodingToContents();
    return storeZset(ctx, argv[1]!, result);
  };
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
function zintercardCommand(ctx: CommandContext, argv: string[]): Reply {
  return combine(ctx, argv, 1, "inter", false, true).cardinality;
}

// ---- pops -------------------------------------------------------------------------------------

type End = "min" | "max";

/**
 * Redis genericZpopCommand: the first existing key among `keys` (each checked for type on the
 * way) loses up to `count` entries from `end`. Returns the key and the popped entries, or
 * undefined when no key exists.
 */
function popFrom(ctx: CommandContext, keys: string[], end: End, count: number): { key: string; popped: SortedEntry[] } | undefined {
  for (const key of keys) {
    const set = readZset(ctx, key);
    if (set === undefined) continue;
    const popped: SortedEntry[] = [];
    const wanted = Math.min(count, set.size);
    for (let i = 0; i < wanted; i++) {
      const entry = set.at(end === "min" ? 0 : set.size - 1)!;
      set.delete(entry.member);
      popped.push(entry);
    }
    deleteIfEmpty(ctx, key, set);
    ctx.dirty += popped.length;
    return { key, popped };
  }
  return undefined;
}

// ZPOPMIN key [count]
// ZPOPMAX key [count]
function zpopGeneric(end: End) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    if (argv.length > 3) throw errors.syntax();
    let count = 1;
    if (argv.length === 3) {
      // getPositiveLongFromObjectOrReply: one message for "not an integer" and "negative".
      const parsed = parseInt64(argv[2]!);
      if (parsed === null || parsed < 0n) throw errors.notPositive();
      count = parsed > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(parsed);
    }
    if (count === 0) {
      readZset(ctx, argv[1]!); // the type is still checked
      return [];
    }
    const outcome = popFrom(ctx, [argv[1]!], end, count);
    return outcome === undefined ? [] : entriesReply(outcome.popped, true);
  };
}

// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
function zmpopCommand(ctx: CommandContext, argv: string[]): Reply {
  const { keys, end, count } = zmpopArguments(argv);
  const outcome = popFrom(ctx, keys, end, count);
  if (outcome === undefined) return null;
  ctx.propagate([end === "min" ? "ZPOPMIN" : "ZPOPMAX", outcome.key, String(outcome.popped.length)]);
  return [outcome.key, outcome.popped.map((entry) => [entry.member, formatScore(entry.score)])];
}

/** ZMPOP's arguments, checked as Redis checks them (BZMPOP's too, before its timeout). */
export function zmpopArguments(argv: string[]): { keys: string[]; end: End; count: number } {
  const numkeys = parseInt64(argv[1]!);
  if (numkeys === null || numkeys < 1n) throw errors.numkeysNotPositive();
  const whereIndex = 2n + numkeys;
  if (whereIndex >= BigInt(argv.length)) throw errors.syntax();
  const where = argv[Number(whereIndex)]!.toUpperCase();
  if (where !== "MIN" && where !== "MAX") throw errors.syntax();
  let count: bigint | undefined;
  for (let i = Number(whereIndex) + 1; i < argv.length; i++) {
    if (count === undefined && argv[i]!.toUpperCase() === "COUNT" && i + 1 < argv.length) {
      const parsed = parseInt64(argv[++i]!);
      if (parsed === null || parsed < 1n) throw errors.countNotPositive();
      count = parsed;
    } else throw errors.syntax();
  }
  const wanted = count === undefined ? 1 : count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
  return { keys: argv.slice(2, Number(whereIndex)), end: where === "MIN" ? "min" : "max", count: wanted };
}

// ---- random members ---------------------------------------------------------------------------

// ZRANDMEMBER key [count [WITHSCORES]]
function zrandmemberCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const draw = (n: number) => randomInt(ctx.random, n);
  if (argv.length === 2) return readZset(ctx, key)?.randomEntry(draw)?.member ?? null;
  const { count, withPairs: withScores } = parseRandomCount(argv, "WITHSCORES");
  const set = readZset(ctx, key);
  if (set === undefined || count === 0n) return [];
  const picked: SortedEntry[] = [];
  // compat: a count of 1 is served as one draw, as a negative count is, before "all of it".
  const pick = planRandomPick(count === 1n ? -1n : count, set.size);
  if (pick.kind === "draws") {
    for (let remaining = pick.draws; remaining > 0; remaining--) picked.push(set.randomEntry(draw)!);
  } else if (pick.kind === "all") {
    // The whole set, walked from the highest entry as Redis's iterator walks it.
    picked.push(...set.walk(set.size - 1, true));
  } else {
    const wanted = pick.wanted;
    const ranks = new Set<number>();
    if (pick.mostOfIt) {
      // Close to the whole set: drop random ranks until `wanted` remain.
      for (let rank = 0; rank < set.size; rank++) ranks.add(rank);
      const all = [...ranks];
      for (let i = all.length - 1; ranks.size > wanted; i--) {
        const j = draw(i + 1);
        [all[i], all[j]] = [all[j]!, all[i]!];
        ranks.delete(all[i]!);
      }
    } else {
      while (ranks.size < wanted) ranks.add(draw(set.size));
    }
    // A small (listpack) set answers in its own order; a big one in the order picked.
    const order = set.isSkiplistEncoded ? [...ranks] : [...ranks].sort((a, b) => a - b);
    for (const rank of order) picked.push(set.at(rank)!);
  }
  return entriesReply(picked, withScores);
}

// ---- ZSCAN ------------------------------------------------------------------------------------


// ZSCAN key cursor [MATCH pattern] [COUNT count]
function zscanCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const cursor = parseScanCursor(argv[2]!);
  // compat: Redis answers a missing key before it reads the options, so their errors go unseen.
  const set = readZset(ctx, key);
  if (set === undefined) return ["0", []];
  const { pattern, count } = parseScanOptions(argv, false);
  const out: string[] = [];
  const matches = (member: string) => pattern === undefined || globMatch(pattern, member);
  if (!set.isSkiplistEncoded) {
    // compat: a small (listpack) set comes back whole, in order, its scores as stored (d2string).
    for (const entry of set.entries()) if (matches(entry.member)) out.push(entry.member, formatScore(entry.score));
    return ["0", out];
  }
  const start = cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor);
  const next = set.scan(start, count, (entry) => {
    // compat: Redis 7.4 prints skiplist scores here with "%.17Lg", not its shortest form.
    if (matches(entry.member)) out.push(entry.member, format17g(entry.score));
  });
  return [String(next), out];
}

export const zsetCommands: CommandSpec[] = [
  { name: "zadd", arity: -4, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", since: "1.2.0", run: zaddGeneric(false) },
  { name: "zcard", arity: 2, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the number of members in a sorted set.", since: "1.2.0", run: zcardCommand },
  { name: "zcount", arity: 4, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the count of members in a sorted set that have scores within a range.", since: "2.0.0", run: zcountCommand },
  { name: "zdiff", arity: -3, flags: ["readonly"], keys: noKeys, movableKeys: keysAfterNumkeys(1), group, summary: "Returns the difference between multiple sorted sets.", since: "6.2.0", run: combineCommand("diff") },
  { name: "zdiffstore", arity: -4, flags: ["write", "denyoom"], keys: firstKey, movableKeys: keysAfterNumkeys(2), group, summary: "Stores the difference of multiple sorted sets in a key.", since: "6.2.0", run: combineStoreCommand("diff") },
  { name: "zincrby", arity: 4, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Increments the score of a member in a sorted set.", since: "1.2.0", run: zaddGeneric(true) },
  { name: "zinter", arity: -3, flags: ["readonly"], keys: noKeys, movableKeys: keysAfterNumkeys(1), group, summary: "Returns the intersect of multiple sorted sets.", since: "6.2.0", run: combineCommand("inter") },
  { name: "zintercard", arity: -3, flags: ["readonly"], keys: noKeys, movableKeys: keysAfterNumkeys(1), group, summary: "Returns the number of members of the intersect of multiple sorted sets.", since: "7.0.0", run: zintercardCommand },
  { name: "zinterstore", arity: -4, flags: ["write", "denyoom"], keys: firstKey, movableKeys: keysAfterNumkeys(2), group, summary: "Stores the intersect of multiple sorted sets in a key.", since: "2.0.0", run: combineStoreCommand("inter") },
  { name: "zlexcount", arity: 4, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the number of members in a sorted set within a lexicographical range.", since: "2.8.9", run: zlexcountCommand },
  { name: "zmpop", arity: -4, flags: ["write"], keys: noKeys, movableKeys: keysAfterNumkeys(1), group, summary: "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", since: "7.0.0", run: zmpopCommand },
  { name: "zmscore", arity: -3, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the score of one or more members in a sorted set.", since: "6.2.0", run: zmscoreCommand },
  { name: "zpopmax", arity: -2, flags: ["write", "fast"], keys: firstKey, group, summary: "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", since: "5.0.0", run: zpopGeneric("max") },
  { name: "zpopmin", arity: -2, flags: ["write", "fast"], keys: firstKey, group, summary: "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", since: "5.0.0", run: zpopGeneric("min") },
  { name: "zrandmember", arity: -2, flags: ["readonly"], keys: firstKey, group, summary: "Returns one or more random members from a sorted set.", since: "6.2.0", run: zrandmemberCommand },
  { name: "zrange", arity: -4, flags: ["readonly"], keys: firstKey, group, summary: "Returns members in a sorted set within a range of indexes.", since: "1.2.0", run: zrangeGeneric() },
  { name: "zrangebylex", arity: -4, flags: ["readonly"], keys: firstKey, group, summary: "Returns members in a sorted set within a lexicographical range.", since: "2.8.9", run: zrangeGeneric("lex", false) },
  { name: "zrangebyscore", arity: -4, flags: ["readonly"], keys: firstKey, group, summary: "Returns members in a sorted set within a range of scores.", since: "1.0.5", run: zrangeGeneric("score", false) },
  { name: "zrangestore", arity: -5, flags: ["write", "denyoom"], keys: { first: 1, last: 2, step: 1 }, group, summary: "Stores a range of members from sorted set in a key.", since: "6.2.0", run: zrangestoreCommand },
  { name: "zrank", arity: -3, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the index of a member in a sorted set ordered by ascending scores.", since: "2.0.0", run: zrankGeneric(false) },
  { name: "zrem", arity: -3, flags: ["write", "fast"], keys: firstKey, group, summary: "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", since: "1.2.0", run: zremCommand },
  { name: "zremrangebylex", arity: 4, flags: ["write"], keys: firstKey, group, summary: "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", since: "2.8.9", run: zremrangeGeneric("lex") },
  { name: "zremrangebyrank", arity: 4, flags: ["write"], keys: firstKey, group, summary: "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", since: "2.0.0", run: zremrangeGeneric("rank") },
  { name: "zremrangebyscore", arity: 4, flags: ["write"], keys: firstKey, group, summary: "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", since: "1.2.0", run: zremrangeGeneric("score") },
  { name: "zrevrange", arity: -4, flags: ["readonly"], keys: firstKey, group, summary: "Returns members in a sorted set within a range of indexes in reverse order.", since: "1.2.0", run: zrangeGeneric("rank", true) },
  { name: "zrevrangebylex", arity: -4, flags: ["readonly"], keys: firstKey, group, summary: "Returns members in a sorted set within a lexicographical range in reverse order.", since: "2.8.9", run: zrangeGeneric("lex", true) },
  { name: "zrevrangebyscore", arity: -4, flags: ["readonly"], keys: firstKey, group, summary: "Returns members in a sorted set within a range of scores in reverse order.", since: "2.2.0", run: zrangeGeneric("score", true) },
  { name: "zrevrank", arity: -3, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the index of a member in a sorted set ordered by descending scores.", since: "2.0.0", run: zrankGeneric(true) },
  { name: "zscan", arity: -3, flags: ["readonly"], keys: firstKey, group, summary: "Iterates over members and scores of a sorted set.", since: "2.8.0", run: zscanCommand },
  { name: "zscore", arity: 3, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Returns the score of a member in a sorted set.", since: "1.2.0", run: zscoreCommand },
  { name: "zunion", arity: -3, flags: ["readonly"], keys: noKeys, movableKeys: keysAfterNumkeys(1), group, summary: "Returns the union of multiple sorted sets.", since: "6.2.0", run: combineCommand("union") },
  { name: "zunionstore", arity: -4, flags: ["write", "denyoom"], keys: firstKey, movableKeys: keysAfterNumkeys(2), group, summary: "Stores the union of multiple sorted sets in a key.", since: "2.0.0", run: combineStoreCommand("union") },
];
