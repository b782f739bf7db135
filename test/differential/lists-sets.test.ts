// Proves the list, set and SORT commands answer exactly like a real redis-server 7.0: seeded random
// sequences of every command of the three families over a few list, set and sorted-set keys and
// SORT weight keys (strings and hashes mixed in for WRONGTYPE, bad options, wrong arity), compared
// reply by reply, with the whole keyspace compared every 100 steps. 4 seeds x 5000 commands.
//
// What cannot compare exactly is made comparable, never skipped:
// - SPOP picks at random: the engine pops first, and the oracle is sent the SREM of exactly those
//   members (after an SCARD), so both keyspaces stay equal and the oracle vouches that each popped
//   member was there and that the pop took as many as Redis would have;
// - SRANDMEMBER compares how many came back and whether they are distinct (the whole set when the
//   count covers it); set replies (SMEMBERS, SINTER...) compare as sets: Redis 7.0 keeps string
//   sets in a hashtable, whose order is its own (7.2+ and the engine keep small ones in insertion order);
// - SORT on a set or sorted set where that order shows (BY nosort, or ties under ALPHA) compares
//   as a set, or as a count under LIMIT. Keys named l* are only ever written by list commands and
//   SORT STORE, so every SORT of them compares exactly, ties included (Redis's partial quicksort).
// Left to the unit tests: LPOS RANK -9223372036854775808 (7.0 accepts it, 7.2+ refuses), and the
// inputs after which Redis 7 leaves errno at ERANGE (weights like 1e400, SSCAN cursors past 2^64):
// its SORT never clears errno, so every later SORT of a non-integer element would fail too.

import { test } from "bun:test";
import { ErrorReply, type Reply } from "../../src/redis/engine/reply.ts";
import type { RespClient } from "../harness/resp-client.ts";
import {
  type CommandEntry,
  createDifferentialEngine,
  describeAgainstRedis,
  type DifferentialEngine,
  type Family,
  type Gen,
  runDifferential,
  unordered,
  utf8,
} from "./differential.ts";

// ---- keys and values ----

const listKeys = ["l1", "l2", "l3", "{t}l"];
const setKeys = ["s1", "s2", "s3", "{t}s"];
const zsetKeys = ["z1", "z2"];
const otherKeys = ["str", "nokey"];

/** A key a list command reads or writes: mostly lists, sometimes a set or string (WRONGTYPE). */
const listKey = (g: Gen) => (g.chance(0.94) ? g.pick(listKeys) : g.pick([...setKeys, ...otherKeys]));
/** A key a set command writes: sets, or the string key (never an l* key, see the header). */
const setWriteKey = (g: Gen) => (g.chance(0.96) ? g.pick(setKeys) : g.pick(otherKeys));
/** A key a set command only reads. */
const setReadKey = (g: Gen) => (g.chance(0.93) ? g.pick(setKeys) : g.pick([...listKeys, ...otherKeys]));

const listElements = ["a", "b", "c", "d", "1", "2", "10", "-3", "1.5", "", "a b", "\x00", utf8("é"), "x".repeat(70), "A"];
const element = (g: Gen) => g.pick(listElements);

const setMembers = ["1", "2", "3", "10", "-5", "0", "a", "b", "c", "", "x y", "\x00z", utf8("é"), "9223372036854775807", "-0", "01", "x".repeat(70), "1.5"];
const integerMembers = ["1", "2", "3", "10", "-5", "0", "42", "-9223372036854775808"];
const member = (g: Gen) => (g.chance(0.3) ? g.pick(integerMembers) : g.pick(setMembers));

const index = (g: Gen) => (g.chance(0.92) ? String(g.between(-7, 7)) : g.pick(["abc", "", "1.5", "9223372036854775807", "-9223372036854775808", "+1", "01"]));
const count = (g: Gen) => (g.chance(0.85) ? String(g.between(0, 5)) : g.pick(["-1", "abc", "", "9223372036854775807", "-9223372036854775808", "1.0"]));
const end = (g: Gen) => (g.chance(0.95) ? g.word(g.pick(["LEFT", "RIGHT"])) : g.pick(["UP", "", "lefty"]));

/** numkeys followed by that many keys; sometimes a numkeys that does not fit. */
function numberedKeys(g: Gen, key: (g: Gen) => string): string[] {
  const keys = g.times(g.between(1, 3), () => key(g));
  const roll = g.int(20);
  const numkeys = roll < 17 ? String(keys.length) : g.pick(["0", "-1", "abc", String(keys.length + 1), String(keys.length + 5), "9223372036854775807"]);
  return [numkeys, ...keys];
}

// ---- comparisons ----

const asSet = () => ({ normalize: unordered });

/** SRANDMEMBER: how many came back and whether distinct; the whole set (as a set) when the count covers it. */
function randomMemberComparison(argv: string[]) {
  const counted = argv.length >= 3 && /^-?[0-9]+$/.test(argv[2]!) ? Number(argv[2]) : undefined;
  return {
    normalize(reply: Reply): Reply {
      if (typeof reply === "string") return "<one member>";
      if (!Array.isArray(reply) || counted === undefined) return reply;
      if (counted > 0 && reply.length < counted) return unordered(reply);
      const distinct = new Set(reply).size === reply.length;
      return `<${reply.length} picked, ${counted > 0 ? (distinct ? "distinct" : "REPEATED") : "repeats allowed"}>`;
    },
  };
}

const hasStar = (pattern: string) => pattern.split("\x00")[0]!.includes("*");

/**
 * SORT: exact on l* keys. On other keys (sets) two orders are the set's own and compare as sets
 * (only a count under LIMIT, which picks by that order): BY without '*' (unsorted), and ALPHA
 * without STORE, where ties (equal BY values, or elements equal up to a NUL byte under strcoll)
 * keep the set's order. Numeric sorts break ties by the element's bytes: always exact.
 */
function sortComparison(argv: string[]) {
  const options = sortOptionsRead(argv);
  if (argv.length < 2 || argv[1]!.startsWith("l") || options.store) return {};
  const unsorted = options.byPatterns.some((pattern) => !hasStar(pattern));
  if (!unsorted && !options.alpha) return {};
  return { normalize: (reply: Reply) => (Array.isArray(reply) && options.limit ? `<${reply.length} elements>` : unordered(reply)) };
}

/**
 * SORT's options as Redis reads them, left to right: a word is an option's argument, not an
 * option, after BY, GET or STORE (`SORT s BY STORE` sorts by the pattern "STORE").
 */
function sortOptionsRead(argv: string[]): { byPatterns: string[]; store: boolean; alpha: boolean; limit: boolean } {
  const read = { byPatterns: [] as string[], store: false, alpha: false, limit: false };
  const readOnly = argv[0]!.toUpperCase() === "SORT_RO";
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    const left = argv.length - 1 - i;
    if (word === "ALPHA") read.alpha = true;
    else if (word === "LIMIT" && left >= 2) {
      read.limit = true;
      i += 2;
    } else if (word === "STORE" && !readOnly && left >= 1) {
      read.store = true;
      i++;
    } else if (word === "BY" && left >= 1) read.byPatterns.push(argv[++i]!);
    else if (word === "GET" && left >= 1) i++;
  }
  return read;
}

// ---- generators ----

const lposOptions = (g: Gen): string[] => {
  const out: string[] = [];
  for (let i = g.between(0, 3); i > 0; i--) {
    const roll = g.int(10);
    if (roll < 4) out.push(g.word("RANK"), g.chance(0.9) ? String(g.between(-4, 4)) : g.pick(["abc", "9223372036854775807", "-9223372036854775807"]));
    else if (roll < 7) out.push(g.word("COUNT"), count(g));
    else if (roll < 9) out.push(g.word("MAXLEN"), count(g));
    else out.push(g.pick(["FOO", "RANK", "COUNT"]));
  }
  return out;
};

const weightPatterns = ["w_*", "h_*->f", "nosort", "#", "w_*->", "*", "h_*->", "h_*->g", "w_\x00*", "W_*", "w_*x"];
const getPatterns = ["#", "w_*", "h_*->f", "h_*->", "nokey", "*", "#x", "h_*->g"];

/**
 * SORT's options. A set sorted ALPHA BY a pattern into STORE keeps ties in the set's own order,
 * which the keyspace comparison cannot forgive: that mix stores nothing (STORE is left out).
 */
function sortCommand(g: Gen, name: string, readOnly: boolean): string[] {
  const roll = g.int(100);
  const key = roll < 45 ? g.pick(listKeys) : roll < 80 ? g.pick(setKeys) : roll < 93 ? g.pick(zsetKeys) : g.pick(otherKeys);
  const options = sortOptions(g, readOnly);
  const upper = options.map((word) => word.toUpperCase());
  const byPattern = upper.some((word, i) => word === "BY" && i + 1 < options.length && hasStar(options[i + 1]!));
  if (key.startsWith("l") || !upper.includes("ALPHA") || !byPattern) return [g.word(name), key, ...options];
  return [g.word(name), key, ...options.filter((_, i) => upper[i] !== "STORE" && upper[i - 1] !== "STORE")];
}

const sortOptions = (g: Gen, readOnly: boolean): string[] => {
  const out: string[] = [];
  for (let i = g.between(0, 4); i > 0; i--) {
    const roll = g.int(20);
    if (roll < 5) out.push(g.word("BY"), g.pick(weightPatterns));
    else if (roll < 8) out.push(g.word("LIMIT"), index(g), index(g));
    else if (roll < 11) out.push(g.word("GET"), g.pick(getPatterns));
    else if (roll < 13) out.push(g.word(g.pick(["ASC", "DESC"])));
    else if (roll < 16) out.push(g.word("ALPHA"));
    else if (roll < 19) {
      if (!readOnly || g.chance(0.2)) out.push(g.word("STORE"), g.chance(0.9) ? g.pick(listKeys) : g.pick(setKeys));
    } else out.push(g.pick(["FOO", "LIMIT", "BY", "GET"]));
  }
  return out;
};

// No weight that overflows or underflows (1e400, 1e-400): Redis 7 never clears errno before its
// strtod, so after one such weight every later SORT of a non-integer element in the same batch
// fails too; the unit tests cover those weights one at a time.
const sortWeights = ["1", "2", "-1", "1.5", "0", "10", "abc", "", " 3", "3 ", "inf", "-inf", "0x10", "nan", "1e5", "\x007", "2.0", "-0"];
const weightSuffix = (g: Gen) => (g.chance(0.5) ? g.pick(listElements) : g.pick(setMembers));

const scanOptions = (g: Gen): string[] => {
  const out: string[] = [];
  for (let i = g.between(0, 2); i > 0; i--) {
    if (g.chance(0.5)) out.push(g.word("MATCH"), g.pick(["*", "1*", "?", "[a-c]", "x*", "", "*\x00*", "\\*"]));
    else out.push(g.word("COUNT"), g.chance(0.85) ? String(g.between(1, 20)) : g.pick(["0", "-1", "abc"]));
  }
  if (g.chance(0.04)) out.push(g.pick(["NOVALUES", "TYPE", "FOO"]));
  return out;
};

// A big push or add now and then moves lists past 8 KB and sets past the listpack and intset limits.
const manyMembers = (g: Gen, n: number, ints: boolean) => g.times(n, () => (ints ? String(g.between(-2000, 2000)) : `m${g.int(400)}`));

export const listEntries: Record<string, CommandEntry> = {
  lpush: { weight: 6, generate: (g) => [g.word("LPUSH"), listKey(g), ...g.times(g.between(1, 4), () => element(g))] },
  rpush: { weight: 6, generate: (g) => [g.word("RPUSH"), listKey(g), ...g.times(g.between(1, 4), () => element(g))] },
  "<rpush many>": { weight: 0.2, generate: (g) => ["RPUSH", g.pick(listKeys), ...g.times(g.between(100, 200), () => element(g))] },
  lpushx: { weight: 2, generate: (g) => [g.word("LPUSHX"), listKey(g), ...g.times(g.between(1, 3), () => element(g))] },
  rpushx: { weight: 2, generate: (g) => [g.word("RPUSHX"), listKey(g), ...g.times(g.between(1, 3), () => element(g))] },
  lpop: { weight: 3, generate: (g) => [g.word("LPOP"), listKey(g), ...(g.chance(0.5) ? [count(g)] : [])] },
  rpop: { weight: 3, generate: (g) => [g.word("RPOP"), listKey(g), ...(g.chance(0.5) ? [count(g)] : [])] },
  lrange: { weight: 4, generate: (g) => [g.word("LRANGE"), listKey(g), index(g), index(g)] },
  llen: { weight: 2, generate: (g) => [g.word("LLEN"), listKey(g)] },
  lindex: { weight: 3, generate: (g) => [g.word("LINDEX"), listKey(g), index(g)] },
  lset: { weight: 3, generate: (g) => [g.word("LSET"), listKey(g), index(g), element(g)] },
  linsert: {
    weight: 3,
    generate: (g) => [g.word("LINSERT"), listKey(g), g.chance(0.95) ? g.word(g.pick(["BEFORE", "AFTER"])) : g.pick(["MIDDLE", ""]), element(g), element(g)],
  },
  lrem: { weight: 3, generate: (g) => [g.word("LREM"), listKey(g), g.chance(0.9) ? String(g.between(-3, 3)) : g.pick(["abc", "-9223372036854775808"]), element(g)] },
  ltrim: { weight: 2, generate: (g) => [g.word("LTRIM"), listKey(g), index(g), index(g)] },
  lpos: { weight: 4, generate: (g) => [g.word("LPOS"), listKey(g), element(g), ...lposOptions(g)] },
  lmove: { weight: 3, generate: (g) => [g.word("LMOVE"), listKey(g), listKey(g), end(g), end(g)] },
  rpoplpush: { weight: 2, generate: (g) => [g.word("RPOPLPUSH"), listKey(g), listKey(g)] },
  lmpop: {
    weight: 3,
    generate: (g) => {
      const tail = g.chance(0.5) ? [g.word("COUNT"), count(g)] : [];
      if (g.chance(0.05)) tail.push(g.pick(["COUNT", "FOO", "1"]));
      return [g.word("LMPOP"), ...numberedKeys(g, listKey), end(g), ...tail];
    },
  },
};

export const setEntries: Record<string, CommandEntry> = {
  sadd: { weight: 8, generate: (g) => [g.word("SADD"), setWriteKey(g), ...g.times(g.between(1, 4), () => member(g))] },
  "<sadd many>": { weight: 0.3, generate: (g) => ["SADD", g.pick(setKeys), ...manyMembers(g, g.between(100, 140), false)] },
  "<sadd many integers>": { weight: 0.2, generate: (g) => ["SADD", g.pick(setKeys), ...manyMembers(g, g.between(120, 560), true)] },
  srem: { weight: 4, generate: (g) => [g.word("SREM"), setWriteKey(g), ...g.times(g.between(1, 4), () => member(g))] },
  smembers: { weight: 3, generate: (g) => [g.word("SMEMBERS"), setReadKey(g)], compare: asSet },
  sismember: { weight: 3, generate: (g) => [g.word("SISMEMBER"), setReadKey(g), member(g)] },
  smismember: { weight: 3, generate: (g) => [g.word("SMISMEMBER"), setReadKey(g), ...g.times(g.between(1, 4), () => member(g))] },
  scard: { weight: 2, generate: (g) => [g.word("SCARD"), setReadKey(g)] },
  spop: { weight: 4, generate: (g) => [g.word("SPOP"), setWriteKey(g), ...(g.chance(0.6) ? [count(g)] : [])] },
  srandmember: {
    weight: 3,
    generate: (g) => [g.word("SRANDMEMBER"), setReadKey(g), ...(g.chance(0.7) ? [g.chance(0.9) ? String(g.between(-6, 6)) : g.pick(["abc", "-9223372036854775808", "9223372036854775807"])] : [])],
    compare: randomMemberComparison,
  },
  smove: { weight: 3, generate: (g) => [g.word("SMOVE"), setWriteKey(g), setWriteKey(g), member(g)] },
  sinter: { weight: 3, generate: (g) => [g.word("SINTER"), ...g.times(g.between(1, 3), () => setReadKey(g))], compare: asSet },
  sunion: { weight: 3, generate: (g) => [g.word("SUNION"), ...g.times(g.between(1, 3), () => setReadKey(g))], compare: asSet },
  sdiff: { weight: 3, generate: (g) => [g.word("SDIFF"), ...g.times(g.between(1, 3), () => setReadKey(g))], compare: asSet },
  sinterstore: { weight: 2, generate: (g) => [g.word("SINTERSTORE"), setWriteKey(g), ...g.times(g.between(1, 3), () => setReadKey(g))] },
  sunionstore: { weight: 2, generate: (g) => [g.word("SUNIONSTORE"), setWriteKey(g), ...g.times(g.between(1, 3), () => setReadKey(g))] },
  sdiffstore: { weight: 2, generate: (g) => [g.word("SDIFFSTORE"), setWriteKey(g), ...g.times(g.between(1, 3), () => setReadKey(g))] },
  sintercard: {
    weight: 3,
    generate: (g) => {
      const tail = g.chance(0.5) ? [g.word("LIMIT"), count(g)] : [];
      if (g.chance(0.05)) tail.push(g.pick(["LIMIT", "FOO"]));
      return [g.word("SINTERCARD"), ...numberedKeys(g, setReadKey), ...tail];
    },
  },
  sscan: {
    weight: 2,
    // No cursor past 2^64: its strtoul leaves errno at ERANGE, which then fails SORT (see sortWeights).
    generate: (g) => [g.word("SSCAN"), setReadKey(g), g.chance(0.93) ? "0" : g.pick(["abc", "-1x", " 1", "1.5"]), ...scanOptions(g)],
    compare: () => ({ scan: { cursorIndex: 2, pairs: false } }),
  },
};

export const sortEntries: Record<string, CommandEntry> = {
  sort: {
    weight: 6,
    generate: (g) => sortCommand(g, "SORT", false),
    compare: sortComparison,
  },
  sort_ro: {
    weight: 3,
    generate: (g) => sortCommand(g, "SORT_RO", true),
    compare: sortComparison,
  },
  "<set weight>": { weight: 3, generate: (g) => ["SET", `w_${weightSuffix(g)}`, g.pick(sortWeights)] },
  "<hash weight>": { weight: 2, generate: (g) => ["HSET", `h_${weightSuffix(g)}`, g.pick(["f", "g"]), g.pick(sortWeights)] },
  // Sorted sets to sort: unsorted, their order is by score (exact); ties under ALPHA follow
  // Redis's dict order, compared as for sets.
  "<zadd>": {
    weight: 2,
    generate: (g) => ["ZADD", g.pick(zsetKeys), ...g.times(g.between(1, 4), () => [String(g.between(-3, 3)), weightSuffix(g)]).flat()],
  },
  "<delete weight>": { weight: 1, generate: (g) => ["DEL", g.chance(0.5) ? `w_${weightSuffix(g)}` : `h_${weightSuffix(g)}`] },
};

const anyKey = (g: Gen) => g.pick([...listKeys, ...setKeys, ...zsetKeys, ...otherKeys]);
const otherEntries: Record<string, CommandEntry> = {
  "<set string>": { weight: 1, generate: (g) => ["SET", "str", g.pick(["v", "1"])] },
  del: { weight: 2, generate: (g) => [g.word("DEL"), ...g.times(g.between(1, 2), () => anyKey(g))] },
  exists: { weight: 1, generate: (g) => [g.word("EXISTS"), anyKey(g)] },
  type: { weight: 1, generate: (g) => [g.word("TYPE"), anyKey(g)] },
  expire: { weight: 1, generate: (g) => [g.word("EXPIRE"), anyKey(g), String(g.between(1000, 100_000))] },
  // COPY clones the structure: later writes to either copy must not show in the other.
  copy: { weight: 1, generate: (g) => (g.chance(0.5) ? ["COPY", g.pick(listKeys), g.pick(listKeys), "REPLACE"] : ["COPY", g.pick(setKeys), g.pick(setKeys), "REPLACE"]) },
};

export const family: Family = {
  name: "lists, sets and SORT",
  commands: { ...listEntries, ...setEntries, ...sortEntries, ...otherEntries },
};

// ---- SPOP made comparable: the oracle removes what the engine popped ----

interface Pop {
  argv: string[];
  reply: Reply;
}

/** The engine, remembering what each SPOP popped, in order. */
export function recordingEngine(seed: number, pops: Pop[]): DifferentialEngine {
  const engine = createDifferentialEngine(seed);
  return {
    ...engine,
    run(argv: string[]): Reply {
      const reply = engine.run(argv);
      if (argv[0]!.toUpperCase() === "SPOP") pops.push({ argv, reply });
      return reply;
    },
  };
}

/**
 * The oracle, except that an SPOP the engine answered with members becomes SCARD + SREM of those
 * members; its reply is then the engine's own when the oracle agrees (each member was there, and
 * as many were popped as the count allowed), else an error that will show as a mismatch.
 */
export function popMirroringClient(redis: RespClient, pops: Pop[]): RespClient {
  async function pipeline(commands: string[][]): Promise<Reply[]> {
    // The runner calls the engine synchronously right after handing the batch here.
    await Promise.resolve();
    const sent: string[][] = [];
    const answer: ((replies: Reply[]) => Reply)[] = [];
    for (const argv of commands) {
      const isPop = argv[0]!.toUpperCase() === "SPOP";
      const pop = isPop ? pops.shift() : undefined;
      if (pop === undefined || pop.argv !== argv || !(typeof pop.reply === "string" || (Array.isArray(pop.reply) && pop.reply.length > 0))) {
        const at = sent.push(argv) - 1;
        answer.push((replies) => replies[at]!);
        continue;
      }
      const popped = (typeof pop.reply === "string" ? [pop.reply] : pop.reply) as string[];
      const key = argv[1]!;
      const at = sent.push(["SCARD", key], ["SREM", key, ...popped]) - 2;
      const wanted = argv.length === 3 ? Number(argv[2]) : 1;
      answer.push((replies) => {
        const [size, removed] = [replies[at], replies[at + 1]];
        if (removed instanceof ErrorReply) return removed;
        if (removed !== popped.length || popped.length !== Math.min(wanted, size as number)) {
          return new ErrorReply(`<oracle: SPOP popped ${formatCount(removed)} of ${popped.length} members; set had ${formatCount(size)}>`);
        }
        return pop.reply;
      });
    }
    const replies = await redis.pipeline(sent);
    return answer.map((take) => take(replies));
  }
  return {
    send: async (argv: string[]) => (await pipeline([argv]))[0]!,
    pipeline,
    close: () => redis.close(),
  } as unknown as RespClient;
}

const formatCount = (reply: Reply | undefined) => (reply instanceof ErrorReply ? reply.message : String(reply));

// ---- the suite ----

const seeds = [21, 22, 23, 24];
const steps = 5000;

describeAgainstRedis({ name: family.name, own: { ...listEntries, ...setEntries, ...sortEntries } }, (redis) => {
  for (const seed of seeds) {
    test(`seed ${seed}: ${steps} random commands get the same replies and leave the same keyspace`, async () => {
      const pops: Pop[] = [];
      await runDifferential(popMirroringClient(redis(), pops), family, { seed, steps, engine: recordingEngine(seed, pops) });
    }, 60_000);
  }
});
