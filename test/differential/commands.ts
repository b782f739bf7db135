// Generators for every command the differential tests send, one entry per Redis 7.0 command:
// how to draw its argv (valid, garbage options, wrong types all mixed in) and how its reply is
// compared. Families (strings, hashes, generic) pick entries from here and weigh them.

import type { Reply } from "../../src/redis/engine/reply.ts";
import { type CommandEntry, type Gen, unordered, unorderedPairs, utf8 } from "./differential.ts";

// ---- option helpers ----

/** Options drawn from `pool`: none, or one to `max` (repeats allowed: Redis accepts some and refuses others). */
function options(gen: Gen, pool: ((gen: Gen) => string[])[], max: number, noneChance = 0.35): string[] {
  if (gen.chance(noneChance)) return [];
  const chosen = gen.times(gen.between(1, max), () => gen.pick(pool)(gen));
  if (gen.chance(0.05)) chosen.splice(gen.int(chosen.length + 1), 0, [gen.pick(garbageOptions)]);
  return chosen.flat();
}

const garbageOptions = ["FOO", "EX", "PX", "GET", "WITHSCORES", "", "-1", "NX XX"];
const option = (name: string) => (gen: Gen) => [gen.word(name)];
const optionWith = (name: string, value: (gen: Gen) => string) => (gen: Gen) => [gen.word(name), value(gen)];

const setPool = [
  option("NX"),
  option("XX"),
  option("GET"),
  option("KEEPTTL"),
  optionWith("EX", (g) => g.ttlSeconds()),
  optionWith("PX", (g) => g.ttlMs()),
  optionWith("EXAT", (g) => g.unixSeconds()),
  optionWith("PXAT", (g) => g.unixMs()),
];

const getexPool = [
  optionWith("EX", (g) => g.ttlSeconds()),
  optionWith("PX", (g) => g.ttlMs()),
  optionWith("EXAT", (g) => g.unixSeconds()),
  optionWith("PXAT", (g) => g.unixMs()),
  option("PERSIST"),
];

const expirePool = [option("NX"), option("XX"), option("GT"), option("LT")];

const lcsPool = [option("LEN"), option("IDX"), option("WITHMATCHLEN"), optionWith("MINMATCHLEN", (g) => g.pick(["0", "1", "2", "3", "-1", "abc", "100"]))];

const rangeIndex = (gen: Gen) =>
  gen.chance(0.9) ? String(gen.between(-12, 12)) : gen.pick(["-9223372036854775808", "9223372036854775807", "abc", "1.5", "", "-0"]);

// SETRANGE offsets stay small: a valid offset near 512 MB would allocate it on both servers.
const setRangeArgs = (gen: Gen): [string, string] => {
  const roll = gen.int(20);
  if (roll < 16) return [String(gen.between(0, 24)), gen.value()];
  return gen.pick<[string, string]>([
    ["-1", "x"],
    ["abc", "x"],
    ["536870911", ""],
    ["536870912", "x"],
    ["536870911", "xy"],
    ["9223372036854775807", "x"],
    ["0", ""],
  ]);
};

const pairs = (gen: Gen, first: () => string, second: () => string, min: number, max: number): string[] => {
  const out = gen.times(gen.between(min, max), () => [first(), second()]).flat();
  // An odd argument count is a wrong-arity error Redis reports in its own words per command.
  if (gen.chance(0.05)) out.push(first());
  return out;
};

// ---- comparisons ----

/** TTL-like integers read at two instants: -1/-2 exact, anything else within `slack`. */
const near = (slack: number) => () => ({ tolerance: slack });
const asSet = () => ({ normalize: unordered });
const asPairs = () => ({ normalize: unorderedPairs });

/**
 * HRANDFIELD picks at random, so only the deterministic part compares: no count → whether a field
 * came back; a count → how many, and the whole (sorted) hash when the count covers it.
 */
function randomFieldComparison(argv: string[]) {
  const count = argv.length >= 3 && /^-?[0-9]+$/.test(argv[2]!) ? Number(argv[2]) : undefined;
  const withValues = argv.length === 4 && argv[3]!.toUpperCase() === "WITHVALUES";
  return {
    normalize(reply: Reply): Reply {
      if (typeof reply === "string") return "<one field>";
      if (!Array.isArray(reply) || count === undefined) return reply;
      const picked = withValues ? reply.length / 2 : reply.length;
      if (count > 0 && picked < count) return withValues ? unorderedPairs(reply) : unordered(reply);
      const distinct = new Set(withValues ? reply.filter((_, i) => i % 2 === 0) : reply).size;
      return `<${picked} picked, ${count > 0 ? (distinct === picked ? "distinct" : "REPEATED") : "repeats allowed"}>`;
    },
  };
}

/**
 * SET with an EXAT/PXAT in the past: Redis 7.0 stores the key already expired and DBSIZE counts
 * it until its expiry cycle runs, at a moment no test controls. Reading the key right away makes
 * Redis delete it, so both keyspaces are comparable again.
 */
function settleAbsoluteExpiry(argv: string[]) {
  const absolute = argv.some((arg) => ["EXAT", "PXAT"].includes(arg.toUpperCase()));
  return absolute && argv.length > 1 ? { followUps: [["EXISTS", argv[1]!]] } : {};
}

const scanOf = (cursorIndex: number, pairsReply: boolean) => () => ({ scan: { cursorIndex, pairs: pairsReply } });

// Cursors other than 0 mean different things on the two servers: only 0 and invalid ones are sent.
const cursor = (gen: Gen) => (gen.chance(0.93) ? "0" : gen.pick(["abc", "18446744073709551616", "1.5", ""]));
const scanCount = (gen: Gen) => (gen.chance(0.85) ? String(gen.between(1, 12)) : gen.pick(["0", "-1", "abc", "1000"]));

// ---- strings (t_string.c) ----

export const stringEntries: Record<string, CommandEntry> = {
  get: { weight: 6, generate: (g) => [g.word("GET"), g.key()] },
  set: { weight: 10, generate: (g) => [g.word("SET"), g.key(), g.value(), ...options(g, setPool, 3)], compare: settleAbsoluteExpiry },
  setnx: { weight: 2, generate: (g) => [g.word("SETNX"), g.key(), g.value()] },
  setex: { weight: 2, generate: (g) => [g.word("SETEX"), g.key(), g.ttlSeconds(), g.value()] },
  psetex: { weight: 2, generate: (g) => [g.word("PSETEX"), g.key(), g.ttlMs(), g.value()] },
  getset: { weight: 2, generate: (g) => [g.word("GETSET"), g.key(), g.value()] },
  getdel: { weight: 2, generate: (g) => [g.word("GETDEL"), g.key()] },
  getex: { weight: 3, generate: (g) => [g.word("GETEX"), g.key(), ...options(g, getexPool, 2, 0.3)] },
  mget: { weight: 3, generate: (g) => [g.word("MGET"), ...g.keys(1, 5)] },
  mset: { weight: 3, generate: (g) => [g.word("MSET"), ...pairs(g, () => g.key(), () => g.value(), 1, 3)] },
  msetnx: { weight: 3, generate: (g) => [g.word("MSETNX"), ...pairs(g, () => g.key(), () => g.value(), 1, 3)] },
  incr: { weight: 3, generate: (g) => [g.word("INCR"), g.key()] },
  decr: { weight: 2, generate: (g) => [g.word("DECR"), g.key()] },
  incrby: { weight: 3, generate: (g) => [g.word("INCRBY"), g.key(), g.integerText()] },
  decrby: { weight: 3, generate: (g) => [g.word("DECRBY"), g.key(), g.integerText()] },
  incrbyfloat: { weight: 4, generate: (g) => [g.word("INCRBYFLOAT"), g.key(), g.floatText()] },
  append: { weight: 3, generate: (g) => [g.word("APPEND"), g.key(), g.value()] },
  strlen: { weight: 2, generate: (g) => [g.word("STRLEN"), g.key()] },
  getrange: { weight: 3, generate: (g) => [g.word("GETRANGE"), g.key(), rangeIndex(g), rangeIndex(g)] },
  substr: { weight: 2, generate: (g) => [g.word("SUBSTR"), g.key(), rangeIndex(g), rangeIndex(g)] },
  setrange: { weight: 3, generate: (g) => [g.word("SETRANGE"), g.key(), ...setRangeArgs(g)] },
  lcs: { weight: 3, generate: (g) => [g.word("LCS"), g.key(), g.key(), ...options(g, lcsPool, 3, 0.4)] },
};

// ---- hashes (t_hash.c, as of Redis 7.0: no field expiry, no HGETDEL) ----

const hrandfieldArgs = (gen: Gen): string[] => {
  const roll = gen.int(10);
  if (roll < 3) return [];
  const count = gen.chance(0.9) ? String(gen.between(-6, 6)) : gen.pick(["abc", "-9223372036854775808", "9223372036854775807"]);
  // A huge negative count within range makes Redis 7.0 build |count| replies (or abort): never sent.
  if (roll < 6) return [count];
  return [count, gen.chance(0.9) ? gen.word("WITHVALUES") : gen.pick(["WITHSCORES", "FOO"])];
};

const hscanOptions = [optionWith("MATCH", (g) => g.pick(fieldPatterns)), optionWith("COUNT", scanCount)];
const fieldPatterns = ["*", "f*", "f?", "f[12]", "f[^1]", "*1*", "", "\\*", "F*", "[", "\x00*"];

export const hashEntries: Record<string, CommandEntry> = {
  hset: { weight: 8, generate: (g) => [g.word("HSET"), g.key(), ...pairs(g, () => g.field(), () => g.value(), 1, 3)] },
  // Past Redis's listpack entry limit (128): the hash converts to a hashtable.
  "<hset many fields>": { weight: 0.3, generate: (g) => ["HSET", g.key(), ...g.times(g.between(120, 140), () => [`m${g.int(1000)}`, g.value()]).flat()] },
  hmset: { weight: 2, generate: (g) => [g.word("HMSET"), g.key(), ...pairs(g, () => g.field(), () => g.value(), 1, 3)] },
  hsetnx: { weight: 3, generate: (g) => [g.word("HSETNX"), g.key(), g.field(), g.value()] },
  hget: { weight: 5, generate: (g) => [g.word("HGET"), g.key(), g.field()] },
  hmget: { weight: 3, generate: (g) => [g.word("HMGET"), g.key(), ...g.times(g.between(1, 4), () => g.field())] },
  hdel: { weight: 3, generate: (g) => [g.word("HDEL"), g.key(), ...g.times(g.between(1, 3), () => g.field())] },
  hexists: { weight: 2, generate: (g) => [g.word("HEXISTS"), g.key(), g.field()] },
  hgetall: { weight: 3, generate: (g) => [g.word("HGETALL"), g.key()], compare: asPairs },
  hkeys: { weight: 2, generate: (g) => [g.word("HKEYS"), g.key()], compare: asSet },
  hvals: { weight: 2, generate: (g) => [g.word("HVALS"), g.key()], compare: asSet },
  hlen: { weight: 2, generate: (g) => [g.word("HLEN"), g.key()] },
  hincrby: { weight: 4, generate: (g) => [g.word("HINCRBY"), g.key(), g.field(), g.integerText()] },
  hincrbyfloat: { weight: 4, generate: (g) => [g.word("HINCRBYFLOAT"), g.key(), g.field(), g.floatText()] },
  hstrlen: { weight: 2, generate: (g) => [g.word("HSTRLEN"), g.key(), g.field()] },
  hrandfield: { weight: 3, generate: (g) => [g.word("HRANDFIELD"), g.key(), ...hrandfieldArgs(g)], compare: randomFieldComparison },
  hscan: { weight: 2, generate: (g) => [g.word("HSCAN"), g.key(), cursor(g), ...options(g, hscanOptions, 2, 0.5)], compare: scanOf(2, true) },
};

// ---- generic keyspace commands (db.c, expire.c) ----

const scanOptions = [
  optionWith("MATCH", (g) => g.globPattern()),
  optionWith("COUNT", scanCount),
  optionWith("TYPE", (g) => g.pick(["string", "hash", "list", "STRING", "none", "foo"])),
];

const copyOptions = [option("REPLACE"), optionWith("DB", (g) => g.pick(["0", "0", "abc", "-1"]))];

const expireEntry = (name: string, amount: (g: Gen) => string): CommandEntry => ({
  weight: 3,
  generate: (g) => [g.word(name), g.key(), amount(g), ...options(g, expirePool, 2, 0.5)],
});

export const genericEntries: Record<string, CommandEntry> = {
  del: { weight: 3, generate: (g) => [g.word("DEL"), ...g.keys(1, 4)] },
  unlink: { weight: 2, generate: (g) => [g.word("UNLINK"), ...g.keys(1, 4)] },
  exists: { weight: 3, generate: (g) => [g.word("EXISTS"), ...g.keys(1, 4)] },
  type: { weight: 3, generate: (g) => [g.word("TYPE"), g.key()] },
  expire: expireEntry("EXPIRE", (g) => g.ttlSeconds()),
  pexpire: expireEntry("PEXPIRE", (g) => g.ttlMs()),
  expireat: expireEntry("EXPIREAT", (g) => g.unixSeconds()),
  pexpireat: expireEntry("PEXPIREAT", (g) => g.unixMs()),
  ttl: { weight: 3, generate: (g) => [g.word("TTL"), g.key()], compare: near(1) },
  pttl: { weight: 3, generate: (g) => [g.word("PTTL"), g.key()], compare: near(1000) },
  expiretime: { weight: 2, generate: (g) => [g.word("EXPIRETIME"), g.key()], compare: near(1) },
  pexpiretime: { weight: 2, generate: (g) => [g.word("PEXPIRETIME"), g.key()], compare: near(1000) },
  persist: { weight: 2, generate: (g) => [g.word("PERSIST"), g.key()] },
  rename: { weight: 2, generate: (g) => [g.word("RENAME"), g.key(), g.key()] },
  renamenx: { weight: 2, generate: (g) => [g.word("RENAMENX"), g.key(), g.key()] },
  copy: { weight: 2, generate: (g) => [g.word("COPY"), g.key(), g.key(), ...options(g, copyOptions, 2, 0.5)] },
  keys: { weight: 2, generate: (g) => [g.word("KEYS"), g.globPattern()], compare: asSet },
  touch: { weight: 1, generate: (g) => [g.word("TOUCH"), ...g.keys(1, 3)] },
  dbsize: { weight: 1, generate: (g) => [g.word("DBSIZE")] },
  scan: { weight: 2, generate: (g) => [g.word("SCAN"), cursor(g), ...options(g, scanOptions, 3, 0.4)], compare: scanOf(1, false) },
};

// ---- names no Redis 7.0 has: the unknown-command error, with its quoted, truncated arguments ----

const unknownNames = ["NOSUCHCOMMAND", "getx", "", "\x00\xff", utf8("команда"), "hgetdell", "SET2", "x".repeat(150)];
const unknownArgs = ["a", "", "a\r\nb", "x".repeat(200), utf8("ключ"), "'quoted'", "\x00"];

export const unknownEntries: Record<string, CommandEntry> = {
  "<unknown command>": {
    weight: 1,
    generate: (g) => [g.pick(unknownNames), ...g.times(g.between(0, 4), () => g.pick(unknownArgs))],
  },
};

/** Entries from `source` by name, each with a new weight: how a family mixes in other families' commands. */
export function reweighted(source: Record<string, CommandEntry>, weights: Record<string, number>): Record<string, CommandEntry> {
  const out: Record<string, CommandEntry> = {};
  for (const [name, weight] of Object.entries(weights)) out[name] = { ...source[name]!, weight };
  return out;
}

// ---- exhaustive sweeps: every option combination, in every order, on every kind of key ----

const farSeconds = "4102444800"; // 2100-01-01
const farMs = "4102444800123";

/** Commands that leave `key` in each state the sweeps start from. */
const keyStates = (key: string): string[][][] => [
  [["DEL", key]],
  [["SET", key, "old"]],
  [["SET", key, "old", "EX", "5000"]],
  [["DEL", key], ["HSET", key, "f", "v"]],
];

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Every choice of one option from each group (or none), in every order. */
function combinations(groups: string[][][]): string[][] {
  let chosen: string[][][] = [[]];
  for (const group of groups) chosen = chosen.flatMap((prefix) => [prefix, ...group.map((option) => [...prefix, option])]);
  return chosen.flatMap((options) => permutations(options).map((order) => order.flat()));
}

// Pairs Redis must refuse (or, for repeats, accept): the parser's conflict rules.
const setConflicts = [["NX", "XX"], ["EX", "10", "PX", "100"], ["KEEPTTL", "EX", "10"], ["PXAT", farMs, "KEEPTTL"], ["EX", "10", "EX", "20"], ["GET", "GET"], ["NX", "NX"], ["EXAT", farSeconds, "EX", "10"]];

/** SET with {NX, XX} × {GET} × {EX, PX, EXAT, PXAT, KEEPTTL}, each combination in every order, on each key state. */
export function setOptionSweep(): string[][] {
  const options = [
    ...combinations([[["NX"], ["XX"]], [["GET"]], [["EX", "1000"], ["PX", "1000000"], ["EXAT", farSeconds], ["PXAT", farMs], ["KEEPTTL"]]]),
    ...setConflicts,
  ];
  return options.flatMap((tail) =>
    keyStates("sweep").flatMap((setup) => [...setup, ["SET", "sweep", "new", ...tail], ["GET", "sweep"], ["PTTL", "sweep"]]),
  );
}

/** GETEX with no option, each option, and every ordered pair of options, on each key state. */
export function getexOptionSweep(): string[][] {
  const single = [["EX", "1000"], ["PX", "1000000"], ["EXAT", farSeconds], ["PXAT", farMs], ["PERSIST"]];
  const options = [[], ...single, ...single.flatMap((a) => single.map((b) => [...a, ...b]))];
  return options.flatMap((tail) => keyStates("sweep").flatMap((setup) => [...setup, ["GETEX", "sweep", ...tail], ["PTTL", "sweep"]]));
}

/**
 * EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT with every ordered choice among NX, XX, GT, LT, setting
 * a TTL shorter (1000 s) and longer (9000 s) than the key's (5000 s), on a missing, persistent and
 * volatile key. Absolute forms count from a fixed far instant, so the sweep never depends on today.
 */
export function expireOptionSweep(): string[][] {
  const flags = combinations([[["NX"]], [["XX"]], [["GT"]], [["LT"]]]);
  const far = BigInt(farSeconds);
  const forms: { command: string; origin: bigint; unit: bigint; volatile: string[] }[] = [
    { command: "EXPIRE", origin: 0n, unit: 1n, volatile: ["EX", "5000"] },
    { command: "PEXPIRE", origin: 0n, unit: 1000n, volatile: ["EX", "5000"] },
    { command: "EXPIREAT", origin: far, unit: 1n, volatile: ["EXAT", String(far + 5000n)] },
    { command: "PEXPIREAT", origin: far * 1000n, unit: 1000n, volatile: ["EXAT", String(far + 5000n)] },
  ];
  const out: string[][] = [];
  for (const { command, origin, unit, volatile } of forms) {
    for (const seconds of [1000n, 9000n]) {
      const amount = String(origin + seconds * unit);
      for (const tail of flags) {
        for (const setup of [["DEL", "sweep"], ["SET", "sweep", "v"], ["SET", "sweep", "v", ...volatile]]) {
          out.push(setup, [command, "sweep", amount, ...tail], ["PTTL", "sweep"]);
        }
      }
    }
  }
  return out;
}
