// Proves the sorted-set and geo commands answer exactly like a real redis-server 7.0 and leave the
// same keyspace: seeded random sequences of every command of both families over a few shared keys
// and members (strings, hashes and plain sets mixed in for WRONGTYPE and set inputs), with bad
// scores, bad ranges, bad options and wrong arity; replies compare byte for byte, floats included.
//
// Where Redis 7.4+ (the target) and the 7.0 oracle differ, the run avoids or bridges the gap:
// - 7.0 printed every double with "%.17g" (7.2+ prints the shortest form): the run switches the
//   engine's formatter to 7.0's (`redis70Doubles`); the 7.2+ forms are pinned by unit tests;
// - ZRANK/ZREVRANK gained WITHSCORE in 7.2 (7.0 calls a 4th argument an arity error): they are
//   only sent with 3 arguments, or cut short;
// - ZRANGE accepts LIMIT on an index range (Upstash's compat): never sent, not even by cutting
//   a BYSCORE/BYLEX command short.
// Keys hold at most a few dozen short members, so every set stays a listpack, as in Redis, and
// ZSCAN answers in one call (compared as a plain reply).

import { expect, test } from "bun:test";
import { ErrorReply, type Reply } from "../../src/redis/engine/reply.ts";
import { genericEntries, hashEntries, reweighted, stringEntries } from "./commands.ts";
import { type CommandEntry, describeAgainstRedis, type Family, type Gen, runDifferential, testScripts, unordered, utf8 } from "./differential.ts";

// ---- vocabulary ----

const commonMembers = ["a", "b", "c", "d", "e", "f"];
const rareMembers = ["", "\x00\xff", utf8("é"), "10", "-1", "A", "a "];
const member = (g: Gen) => (g.chance(0.85) ? g.pick(commonMembers) : g.pick(rareMembers));
const members = (g: Gen, min: number, max: number) => g.times(g.between(min, max), () => member(g));

// Valid scores whose "%.17g" is also their shortest form, so sums and weights stay exact.
const scores = ["0", "1", "2", "3", "-1", "-2", "0.5", "2.5", "-0.25", "1e3", "100", "inf", "-inf", "+inf", "-0", "0.125", "1e20", "7", "1.5"];
const badScores = ["abc", "", " 1", "nan", "1e-400", "1,5", "0x10", "1e-320", "--1", "1 "];
const score = (g: Gen) => (g.chance(0.92) ? g.pick(scores) : g.pick(badScores));

const scoreBounds = ["-inf", "+inf", "inf", "0", "1", "2", "3", "(0", "(1", "(2", "2.5", "(2.5", "-1", "(-inf", "(inf", "1e3", "7"];
const badScoreBounds = ["abc", "", "(", "( 1", " 1", "1 ", "nan", "(nan", "0x1", "1e400", "--1"];
const scoreBound = (g: Gen) => (g.chance(0.9) ? g.pick(scoreBounds) : g.pick(badScoreBounds));

const lexBounds = ["-", "+", "[a", "(a", "[b", "(b", "[c", "(d", "[e", "[f", "(f", "[", "("];
const badLexBounds = ["a", "", "++", "--", "-a", "[\x00\xff", `(${utf8("é")}`];
const lexBound = (g: Gen) => (g.chance(0.9) ? g.pick(lexBounds) : g.pick(badLexBounds));

const rankIndex = (g: Gen) => (g.chance(0.9) ? String(g.between(-7, 7)) : g.pick(["abc", "9223372036854775807", "-9223372036854775808", "1.5", "", "+1"]));
const smallCount = (g: Gen) => (g.chance(0.88) ? String(g.between(-2, 6)) : g.pick(["abc", "9223372036854775807", "-9223372036854775808", "", "1.5"]));
const limit = (g: Gen) => [g.word("LIMIT"), g.chance(0.9) ? String(g.between(-1, 5)) : g.pick(["abc", "", "9223372036854775807"]), smallCount(g)];

/** Options drawn from `pool`, none to `max` of them (conflicts and repeats included). */
function options(g: Gen, pool: ((g: Gen) => string[])[], max: number, noneChance = 0.35): string[] {
  if (g.chance(noneChance)) return [];
  return g.times(g.between(1, max), () => g.pick(pool)(g)).flat();
}
const word = (name: string) => (g: Gen) => [g.word(name)];

// ---- comparisons ----

/** ZRANDMEMBER picks at random: compare what is deterministic (how many, distinct or not, all when the count covers the set). */
function randomMemberComparison(argv: string[]) {
  const count = argv.length >= 3 && /^-?[0-9]+$/.test(argv[2]!) ? Number(argv[2]) : undefined;
  const withScores = argv.length === 4 && argv[3]!.toUpperCase() === "WITHSCORES";
  return {
    normalize(reply: Reply): Reply {
      if (typeof reply === "string") return "<one member>";
      if (!Array.isArray(reply) || count === undefined) return reply;
      const picked = withScores ? reply.length / 2 : reply.length;
      const names = withScores ? reply.filter((_, i) => i % 2 === 0) : reply;
      if (count > 0 && picked < count) return unordered(names);
      const distinct = new Set(names).size;
      return `<${picked} picked, ${count > 0 ? (distinct === picked ? "distinct" : "REPEATED") : "repeats allowed"}>`;
    },
  };
}

// ---- sorted-set commands ----

const zaddOptions = [word("NX"), word("XX"), word("GT"), word("LT"), word("CH"), word("INCR")];
const pairs = (g: Gen, min: number, max: number) => g.times(g.between(min, max), () => [score(g), member(g)]).flat();

function rangeCommand(g: Gen, store: boolean): string[] {
  const kind = g.pick(["rank", "rank", "score", "score", "lex"]);
  const reverse = g.chance(0.3);
  let [min, max] = kind === "rank" ? [rankIndex(g), rankIndex(g)] : kind === "score" ? [scoreBound(g), scoreBound(g)] : [lexBound(g), lexBound(g)];
  if (reverse && kind !== "rank" && g.chance(0.7)) [min, max] = [max, min];
  // BYSCORE/BYLEX come first, so a command cut short never keeps a LIMIT without them.
  const by = kind === "score" ? [g.word("BYSCORE")] : kind === "lex" ? [g.word("BYLEX")] : [];
  const extra: string[][] = [];
  if (reverse) extra.push([g.word("REV")]);
  if (!store && g.chance(0.4)) extra.push([g.word("WITHSCORES")]);
  if (kind !== "rank" && g.chance(0.35)) extra.push(limit(g));
  if (g.chance(0.04)) extra.push([g.pick(["BYSCORE", "BYLEX", "REV", "FOO", "LIMIT"])]);
  return [...(store ? [g.word("ZRANGESTORE"), g.key()] : [g.word("ZRANGE")]), g.key(), min, max, ...by, ...g.shuffle(extra).flat()];
}

const numkeys = (g: Gen, keys: string[]) => (g.chance(0.93) ? String(keys.length) : g.pick(["0", "-1", "abc", String(keys.length + 1), String(Math.max(1, keys.length - 1))]));

function combineCommand(g: Gen, name: string, store: boolean, operation: "union" | "inter" | "diff" | "card"): string[] {
  const keys = g.keys(1, 3);
  const out = [g.word(name), ...(store ? [g.key()] : []), numkeys(g, keys), ...keys];
  const extra: string[][] = [];
  if (operation !== "diff" && operation !== "card" && g.chance(0.35)) {
    extra.push([g.word("WEIGHTS"), ...g.times(g.chance(0.9) ? keys.length : keys.length + 1, () => g.pick(["1", "2", "0", "-1", "0.5", "inf", "x"]))]);
  }
  if (operation !== "diff" && operation !== "card" && g.chance(0.3)) extra.push([g.word("AGGREGATE"), g.chance(0.9) ? g.word(g.pick(["SUM", "MIN", "MAX"])) : "AVG"]);
  if (!store && operation !== "card" && g.chance(0.5)) extra.push([g.word("WITHSCORES")]);
  if (operation === "card" && g.chance(0.5)) extra.push([g.word("LIMIT"), g.pick(["0", "1", "2", "-1", "abc"])]);
  return [...out, ...g.shuffle(extra).flat()];
}

const zsetCommands: Record<string, CommandEntry> = {
  zadd: {
    weight: 14,
    generate: (g) => {
      const opts = options(g, zaddOptions, 2, 0.5);
      const incr = opts.some((o) => o.toUpperCase() === "INCR");
      return [g.word("ZADD"), g.key(), ...opts, ...pairs(g, 1, incr && g.chance(0.9) ? 1 : 4)];
    },
  },
  zincrby: { weight: 4, generate: (g) => [g.word("ZINCRBY"), g.key(), score(g), member(g)] },
  zrem: { weight: 4, generate: (g) => [g.word("ZREM"), g.key(), ...members(g, 1, 3)] },
  zcard: { weight: 2, generate: (g) => [g.word("ZCARD"), g.key()] },
  zscore: { weight: 4, generate: (g) => [g.word("ZSCORE"), g.key(), member(g)] },
  zmscore: { weight: 2, generate: (g) => [g.word("ZMSCORE"), g.key(), ...members(g, 1, 4)] },
  zrank: { weight: 3, generate: (g) => [g.word("ZRANK"), g.key(), member(g)] },
  zrevrank: { weight: 2, generate: (g) => [g.word("ZREVRANK"), g.key(), member(g)] },
  zcount: { weight: 3, generate: (g) => [g.word("ZCOUNT"), g.key(), scoreBound(g), scoreBound(g)] },
  zlexcount: { weight: 3, generate: (g) => [g.word("ZLEXCOUNT"), g.key(), lexBound(g), lexBound(g)] },
  zrange: { weight: 9, generate: (g) => rangeCommand(g, false) },
  zrangestore: { weight: 3, generate: (g) => rangeCommand(g, true) },
  zrevrange: { weight: 2, generate: (g) => [g.word("ZREVRANGE"), g.key(), rankIndex(g), rankIndex(g), ...(g.chance(0.5) ? [g.word("WITHSCORES")] : [])] },
  zrangebyscore: { weight: 3, generate: (g) => [g.word("ZRANGEBYSCORE"), g.key(), scoreBound(g), scoreBound(g), ...options(g, [word("WITHSCORES"), limit], 2)] },
  zrevrangebyscore: { weight: 2, generate: (g) => [g.word("ZREVRANGEBYSCORE"), g.key(), scoreBound(g), scoreBound(g), ...options(g, [word("WITHSCORES"), limit], 2)] },
  zrangebylex: { weight: 3, generate: (g) => [g.word("ZRANGEBYLEX"), g.key(), lexBound(g), lexBound(g), ...options(g, [limit, word("WITHSCORES")], 1, 0.6)] },
  zrevrangebylex: { weight: 2, generate: (g) => [g.word("ZREVRANGEBYLEX"), g.key(), lexBound(g), lexBound(g), ...options(g, [limit], 1, 0.6)] },
  zremrangebyrank: { weight: 2, generate: (g) => [g.word("ZREMRANGEBYRANK"), g.key(), rankIndex(g), rankIndex(g)] },
  zremrangebyscore: { weight: 2, generate: (g) => [g.word("ZREMRANGEBYSCORE"), g.key(), scoreBound(g), scoreBound(g)] },
  zremrangebylex: { weight: 2, generate: (g) => [g.word("ZREMRANGEBYLEX"), g.key(), lexBound(g), lexBound(g)] },
  zpopmin: { weight: 3, generate: (g) => [g.word("ZPOPMIN"), g.key(), ...(g.chance(0.6) ? [smallCount(g)] : [])] },
  zpopmax: { weight: 2, generate: (g) => [g.word("ZPOPMAX"), g.key(), ...(g.chance(0.6) ? [smallCount(g)] : [])] },
  zmpop: {
    weight: 3,
    generate: (g) => {
      const keys = g.keys(1, 3);
      const where = g.chance(0.93) ? g.word(g.pick(["MIN", "MAX"])) : g.pick(["MIDDLE", ""]);
      return [g.word("ZMPOP"), numkeys(g, keys), ...keys, where, ...(g.chance(0.5) ? [g.word("COUNT"), smallCount(g)] : [])];
    },
  },
  zrandmember: {
    weight: 3,
    generate: (g) => {
      const roll = g.int(10);
      if (roll < 3) return [g.word("ZRANDMEMBER"), g.key()];
      const count = g.chance(0.9) ? String(g.between(-6, 8)) : g.pick(["abc", "-9223372036854775808", "4611686018427387904"]);
      if (roll < 6) return [g.word("ZRANDMEMBER"), g.key(), count];
      return [g.word("ZRANDMEMBER"), g.key(), count, g.chance(0.9) ? g.word("WITHSCORES") : g.pick(["WITHSCORE", "FOO"])];
    },
    compare: randomMemberComparison,
  },
  zunion: { weight: 3, generate: (g) => combineCommand(g, "ZUNION", false, "union") },
  zinter: { weight: 3, generate: (g) => combineCommand(g, "ZINTER", false, "inter") },
  zdiff: { weight: 2, generate: (g) => combineCommand(g, "ZDIFF", false, "diff") },
  zunionstore: { weight: 3, generate: (g) => combineCommand(g, "ZUNIONSTORE", true, "union") },
  zinterstore: { weight: 3, generate: (g) => combineCommand(g, "ZINTERSTORE", true, "inter") },
  zdiffstore: { weight: 2, generate: (g) => combineCommand(g, "ZDIFFSTORE", true, "diff") },
  zintercard: { weight: 2, generate: (g) => combineCommand(g, "ZINTERCARD", false, "card") },
  zscan: {
    weight: 2,
    generate: (g) => [
      g.word("ZSCAN"),
      g.key(),
      g.chance(0.93) ? "0" : g.pick(["abc", "-1", ""]),
      ...options(g, [(x) => [x.word("MATCH"), x.pick(["*", "a*", "[ab]", "?", "\\*", "", "*e*"])], (x) => [x.word("COUNT"), smallCount(x)], word("NOVALUES")], 2, 0.5),
    ],
  },
};

// ---- geo commands ----

const longitudes = ["13.361389", "15.087269", "2.349014", "-0.127758", "0", "13.4", "15.1", "-73.9", "179.99", "-180", "180"];
const latitudes = ["38.115556", "37.502669", "48.864716", "51.507351", "0", "38.1", "37.5", "40.7", "85.05112878", "-85.05112878"];
const longitude = (g: Gen) => (g.chance(0.94) ? g.pick(longitudes) : g.pick(["x", "200", "-180.1", "", " 1"]));
const latitude = (g: Gen) => (g.chance(0.94) ? g.pick(latitudes) : g.pick(["x", "85.06", "-90", ""]));
// Mostly hundreds to thousands of km: the positions above are that far apart.
const radius = (g: Gen) => (g.chance(0.93) ? g.pick(["0", "1", "50", "200", "500", "1000", "1000", "2000", "5000", "5000", "20000"]) : g.pick(["-1", "x", ""]));
const unit = (g: Gen) => (g.chance(0.95) ? g.word(g.pick(["m", "km", "km", "km", "ft", "mi", "mi"])) : g.pick(["x", "parsec"]));
const count = (g: Gen) => [g.word("COUNT"), g.chance(0.9) ? String(g.between(1, 4)) : g.pick(["0", "-1", "abc"]), ...(g.chance(0.3) ? [g.word("ANY")] : [])];
const replyOptions = [word("WITHDIST"), word("WITHHASH"), word("WITHCOORD"), word("ASC"), word("DESC"), count];
const store = (g: Gen) => (g.chance(0.2) ? [g.word(g.pick(["STORE", "STOREDIST"])), g.key()] : []);

function geosearch(g: Gen, store: boolean): string[] {
  const parts: string[][] = [];
  const from = g.int(20);
  if (from < 10) parts.push([g.word("FROMMEMBER"), member(g)]);
  else if (from < 19) parts.push([g.word("FROMLONLAT"), longitude(g), latitude(g)]);
  else parts.push([g.word("FROMMEMBER"), member(g)], [g.word("FROMLONLAT"), longitude(g), latitude(g)]);
  const by = g.int(20);
  if (by < 10) parts.push([g.word("BYRADIUS"), radius(g), unit(g)]);
  else if (by < 19) parts.push([g.word("BYBOX"), radius(g), radius(g), unit(g)]);
  const extra = options(g, store ? [...replyOptions.slice(3), word("STOREDIST"), word("STOREDIST")] : replyOptions, 3, 0.3);
  if (g.chance(0.03)) extra.push(g.pick(["STORE", "WITHDIST", "FOO"]));
  return [...(store ? [g.word("GEOSEARCHSTORE"), g.key()] : [g.word("GEOSEARCH")]), g.key(), ...g.shuffle(parts).flat(), ...extra];
}

const geoCommands: Record<string, CommandEntry> = {
  geoadd: {
    weight: 8,
    generate: (g) => [g.word("GEOADD"), g.key(), ...options(g, [word("NX"), word("XX"), word("CH")], 2, 0.6), ...g.times(g.between(1, 3), () => [longitude(g), latitude(g), member(g)]).flat()],
  },
  geodist: { weight: 3, generate: (g) => [g.word("GEODIST"), g.key(), member(g), member(g), ...(g.chance(0.6) ? [unit(g)] : [])] },
  geohash: { weight: 2, generate: (g) => [g.word("GEOHASH"), g.key(), ...members(g, 0, 3)] },
  geopos: { weight: 3, generate: (g) => [g.word("GEOPOS"), g.key(), ...members(g, 0, 3)] },
  georadius: {
    weight: 3,
    generate: (g) => [g.word("GEORADIUS"), g.key(), longitude(g), latitude(g), radius(g), unit(g), ...options(g, replyOptions, 3, 0.3), ...store(g)],
  },
  georadius_ro: { weight: 2, generate: (g) => [g.word("GEORADIUS_RO"), g.key(), longitude(g), latitude(g), radius(g), unit(g), ...options(g, replyOptions, 3, 0.3)] },
  georadiusbymember: {
    weight: 2,
    generate: (g) => [g.word("GEORADIUSBYMEMBER"), g.key(), member(g), radius(g), unit(g), ...options(g, replyOptions, 3, 0.3), ...store(g)],
  },
  georadiusbymember_ro: { weight: 1, generate: (g) => [g.word("GEORADIUSBYMEMBER_RO"), g.key(), member(g), radius(g), unit(g), ...options(g, replyOptions, 3, 0.3)] },
  geosearch: { weight: 4, generate: (g) => geosearch(g, false) },
  geosearchstore: { weight: 2, generate: (g) => geosearch(g, true) },
};

// ---- the family, with wrong arity and stray arguments mixed in per command ----

const strayArguments = ["junk", "NX", "0", "", "WITHSCORES", "LIMIT", "KM"];
// 7.0 has no WITHSCORE: a 4th argument is an arity error there and a syntax error in 7.2+.
const noStrayArgument = new Set(["zrank", "zrevrank"]);

function withMutations(entries: Record<string, CommandEntry>): Record<string, CommandEntry> {
  const out: Record<string, CommandEntry> = {};
  for (const [name, entry] of Object.entries(entries)) {
    out[name] = {
      ...entry,
      generate: (g) => {
        const argv = entry.generate(g);
        if (!g.chance(0.05)) return argv;
        if (noStrayArgument.has(name) || g.chance(0.6)) return argv.slice(0, g.between(1, Math.max(1, argv.length - 1)));
        return [...argv, g.pick(strayArguments)];
      },
    };
  }
  return out;
}

const own = { ...zsetCommands, ...geoCommands };

const saddEntry: CommandEntry = { weight: 2, generate: (g) => [g.word("SADD"), g.key(), ...members(g, 1, 3)] };

const family: Family = {
  name: "zsets-geo",
  commands: {
    ...withMutations(own),
    sadd: saddEntry,
    ...reweighted(stringEntries, { set: 3, get: 1 }),
    ...reweighted(hashEntries, { hset: 1 }),
    ...reweighted(genericEntries, { del: 3, type: 1, exists: 1, expire: 1, ttl: 1 }),
  },
};

// ---- scripted sweeps: what the random runs never reach (skiplist-sized sets, dense geo data) ----

const pad = (i: number) => String(i).padStart(3, "0");

/** A 300-member set (a skiplist in Redis) through every range, rank, pop and store command. */
function skiplistScript(): string[][] {
  const pairsOf = (count: number, scoreOf: (i: number) => string) => Array.from({ length: count }, (_, i) => [scoreOf(i), `m${pad(i)}`]).flat();
  const script: string[][] = [
    ["ZADD", "big", ...pairsOf(300, (i) => String((i % 150) * 0.5))],
    ["ZADD", "big", "-0", "negzero", "inf", "top", "-inf", "bottom"],
    ["OBJECT", "ENCODING", "big"],
    ["ZSCORE", "big", "negzero"],
    ["ZADD", "lexbig", ...pairsOf(200, () => "0")],
    ["ZADD", "other", ...pairsOf(140, (i) => String(i * 2))],
  ];
  for (const [min, max] of [["0", "-1"], ["10", "20"], ["-50", "-1"], ["150", "149"], ["290", "400"]]) {
    script.push(["ZRANGE", "big", min!, max!, "WITHSCORES"], ["ZRANGE", "big", min!, max!, "REV"], ["ZREVRANGE", "big", min!, max!]);
  }
  for (const [min, max] of [["-inf", "+inf"], ["(10", "40"], ["20", "(20.5"], ["74.5", "100"], ["(-inf", "0"], ["5", "4"]]) {
    script.push(
      ["ZRANGEBYSCORE", "big", min!, max!, "WITHSCORES", "LIMIT", "3", "20"],
      ["ZREVRANGEBYSCORE", "big", max!, min!, "LIMIT", "0", "7"],
      ["ZRANGE", "big", max!, min!, "BYSCORE", "REV", "LIMIT", "12", "-1"],
      ["ZCOUNT", "big", min!, max!],
    );
  }
  for (const [min, max] of [["-", "+"], ["[m050", "(m100"], ["(m000", "[m010"], ["[m199", "+"], ["[z", "+"]]) {
    script.push(
      ["ZRANGEBYLEX", "lexbig", min!, max!, "LIMIT", "5", "10"],
      ["ZREVRANGEBYLEX", "lexbig", max!, min!, "LIMIT", "2", "30"],
      ["ZLEXCOUNT", "lexbig", min!, max!],
    );
  }
  for (const name of ["m000", "m149", "m150", "m299", "negzero", "top", "nope"]) script.push(["ZRANK", "big", name], ["ZREVRANK", "big", name], ["ZSCORE", "big", name]);
  script.push(
    ["ZMSCORE", "big", "m001", "m151", "nope"],
    ["ZRANGESTORE", "dst", "big", "0", "199"],
    ["OBJECT", "ENCODING", "dst"],
    ["ZRANGESTORE", "dst", "big", "(10", "20", "BYSCORE"],
    ["OBJECT", "ENCODING", "dst"],
    ["ZUNION", "2", "big", "other", "WITHSCORES", "AGGREGATE", "MAX"],
    ["ZINTER", "2", "big", "other", "WEIGHTS", "2", "0.5", "WITHSCORES"],
    ["ZDIFF", "2", "big", "other", "WITHSCORES"],
    ["ZINTERCARD", "2", "big", "other", "LIMIT", "50"],
    ["ZUNIONSTORE", "u", "2", "big", "other"],
    ["OBJECT", "ENCODING", "u"],
    ["ZINTERSTORE", "i", "2", "big", "other"],
    ["OBJECT", "ENCODING", "i"],
    ["ZRANDMEMBER", "other", "500"],
    ["ZINCRBY", "big", "1000", "m200"],
    ["ZADD", "big", "GT", "CH", "1", "m010", "999", "m011", "-5", "m012"],
    ["ZPOPMIN", "big", "5"],
    ["ZPOPMAX", "big", "3"],
    ["ZMPOP", "2", "nokey", "big", "MIN", "COUNT", "4"],
    ["ZREMRANGEBYSCORE", "big", "(10", "20"],
    ["ZREMRANGEBYRANK", "big", "100", "149"],
    ["ZREMRANGEBYLEX", "lexbig", "[m020", "(m180"],
    ["ZREM", "big", "m100", "m101", "nope"],
    ["ZRANGE", "big", "0", "-1", "WITHSCORES"],
    ["ZRANGE", "lexbig", "0", "-1"],
    ["ZCARD", "big"],
  );
  return script;
}

/** 240 positions on a grid, some shared, searched from many centres with every option. */
function geoGridScript(): string[][] {
  const triples: string[] = [];
  for (let i = 0; i < 240; i++) {
    const longitude = 10 + (i % 20) * 0.25 + (i >= 200 ? 0 : 0);
    const latitude = 40 + Math.floor((i % 200) / 20) * 0.2;
    triples.push(String(longitude), String(latitude), `p${pad(i)}`);
  }
  const script: string[][] = [["GEOADD", "grid", ...triples], ["OBJECT", "ENCODING", "grid"]];
  for (const [longitude, latitude] of [["11", "40.5"], ["10", "40"], ["14.75", "41.8"], ["12.3", "41.1"]]) {
    for (const [radius, unit] of [["10", "km"], ["50", "km"], ["150", "km"], ["30", "mi"], ["20000", "m"]]) {
      script.push(
        ["GEORADIUS", "grid", longitude!, latitude!, radius!, unit!, "WITHDIST", "ASC", "COUNT", "7"],
        ["GEORADIUS", "grid", longitude!, latitude!, radius!, unit!, "DESC", "COUNT", "5", "WITHHASH"],
        ["GEOSEARCH", "grid", "FROMLONLAT", longitude!, latitude!, "BYBOX", radius!, radius!, unit!, "ASC", "WITHCOORD"],
        ["GEOSEARCH", "grid", "FROMLONLAT", longitude!, latitude!, "BYRADIUS", radius!, unit!, "COUNT", "4", "ANY"],
        ["GEOSEARCH", "grid", "FROMLONLAT", longitude!, latitude!, "BYRADIUS", radius!, unit!],
      );
    }
  }
  script.push(
    ["GEORADIUSBYMEMBER", "grid", "p050", "40", "km", "STOREDIST", "near"],
    ["ZRANGE", "near", "0", "-1", "WITHSCORES"],
    ["GEOSEARCHSTORE", "near", "grid", "FROMMEMBER", "p205", "BYBOX", "60", "30", "km", "DESC", "COUNT", "9"],
    ["ZRANGE", "near", "0", "-1", "WITHSCORES"],
    ["GEODIST", "grid", "p000", "p239", "km"],
    ["GEOHASH", "grid", "p000", "p100", "p239"],
    ["GEOPOS", "grid", "p007", "p207"],
  );
  return script;
}

const seeds = [21, 22, 23, 24];
const steps = 3000;

/** Per command: how often it was sent, refused, and answered with something (not empty, nil or 0). */
const coverage = new Map<string, { sent: number; errors: number; substantial: number }>();
function observe(argv: string[], fromRedis: Reply): void {
  const name = argv[0]!.toLowerCase();
  const counts = coverage.get(name) ?? { sent: 0, errors: 0, substantial: 0 };
  counts.sent++;
  if (fromRedis instanceof ErrorReply) counts.errors++;
  else if (Array.isArray(fromRedis) ? fromRedis.length > 0 && !(fromRedis[0] === "0" && Array.isArray(fromRedis[1]) && fromRedis[1].length === 0) : fromRedis !== null && fromRedis !== 0) {
    counts.substantial++;
  }
  coverage.set(name, counts);
}

describeAgainstRedis({ name: family.name, own, redis70Doubles: true }, (redis) => {
  testScripts(redis, family, { "a 300-member skiplist": skiplistScript(), "a dense geo grid": geoGridScript() });

  for (const seed of seeds) {
    test(`seed ${seed}: ${steps} random commands get the same replies and leave the same keyspace`, async () => {
      await runDifferential(redis(), family, { seed, steps, mutationRate: 0, observe });
    }, 60_000);
  }

  test("the sequences reached every command's successful and refused paths", () => {
    const thin = Object.keys(own).filter((name) => {
      const counts = coverage.get(name);
      return counts === undefined || counts.sent < 40 || counts.errors < 2 || counts.substantial < 5;
    });
    expect(thin.map((name) => [name, coverage.get(name)])).toEqual([]);
  });
});
