// The differential runner: one seeded random command sequence goes to a real redis-server and to
// an in-process engine on the system clock, and every reply must match, error texts included.
// Only what is inherently non-deterministic is normalised, per step (order of HGETALL/KEYS-like
// replies, TTLs read at slightly different instants, random picks). Every `keyspaceEvery` steps
// the whole keyspace is compared too, with each string's OBJECT ENCODING. A mismatch fails with
// the seed, the step, both replies and the commands before it, so it can be replayed from the
// message alone.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { redis70Doubles } from "../../src/redis/commands/double-format.ts";
import { createCommandTable } from "../../src/redis/commands/index.ts";
import { discardChanges } from "../../src/redis/engine/change-log.ts";
import type { Session } from "../../src/redis/engine/command.ts";
import { Database } from "../../src/redis/engine/database.ts";
import { Dispatcher } from "../../src/redis/engine/dispatcher.ts";
import { ErrorReply, StatusReply, type Reply } from "../../src/redis/engine/reply.ts";
import { systemClock } from "../../src/util/clock.ts";
import { SeededRandom, randomInt, type Random } from "../../src/util/random.ts";
import { startRedisOracle, type RedisOracle } from "../harness/redis-oracle.ts";
import type { RespClient } from "../harness/resp-client.ts";

/** One generated command and how its two replies are compared. */
export interface Step {
  argv: string[];
  /** Maps a reply to its deterministic part before the exact comparison (default: identity). */
  normalize?: (reply: Reply) => Reply;
  /** Non-negative integer replies may differ by this much (TTLs read at different instants). */
  tolerance?: number;
  /** A SCAN-family command: both sides iterate to cursor 0 and the collected sets compare. */
  scan?: { cursorIndex: number; pairs: boolean };
  /** Commands sent to both right after this one, compared too (e.g. to settle a lazily expired key). */
  followUps?: string[][];
}

/** How to draw one command's argv, how often, and how its replies compare (from the final argv). */
export interface CommandEntry {
  weight: number;
  generate: (gen: Gen) => string[];
  compare?: (argv: string[]) => Omit<Step, "argv">;
}

export interface Family {
  name: string;
  /**
   * Entries by lowercase command name; a name in <angle brackets> is no command (unknown-command
   * probes). Commands the engine lacks are left out of the run and reported by `missingCommands`.
   */
  commands: Record<string, CommandEntry>;
}

export interface RunOptions {
  seed: number;
  steps: number;
  /** Steps between whole-keyspace comparisons (also done at the end). */
  keyspaceEvery?: number;
  /** Commands sent to redis before the engine runs them (pipelined). */
  batchSize?: number;
  /** Share of commands cut short or given an extra argument: wrong arity and stray options. */
  mutationRate?: number;
  /**
   * For exploring: reply mismatches are appended here instead of failing, so one run finds
   * several; a keyspace difference still fails, since later replies would only echo it.
   */
  collectMismatches?: string[];
  /** The engine under test (default: a fresh `createDifferentialEngine(seed)`); the runner's own tests wrap it. */
  engine?: DifferentialEngine;
  /** Sees every compared step (coverage statistics while tuning generators). */
  observe?: (argv: string[], fromRedis: Reply, fromEngine: Reply) => void;
}

const session: Session = { readOnly: false, inTransaction: false };
const historyShown = 20;

/** The engine under test: one database on the real clock, so TTLs compare with a real server's. */
export function createDifferentialEngine(seed: number) {
  const database = new Database("differential", systemClock, new SeededRandom(seed), discardChanges);
  const dispatcher = new Dispatcher(createCommandTable());
  return {
    database,
    dispatcher,
    /** Runs argv; an exception that escapes the dispatcher (an engine bug) becomes a marked error. */
    run(argv: string[]): Reply {
      try {
        return dispatcher.dispatch(database, argv, session);
      } catch (error) {
        return new ErrorReply(`<engine threw> ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    },
    has(name: string): boolean {
      return dispatcher.table.get(name) !== undefined;
    },
  };
}

export type DifferentialEngine = ReturnType<typeof createDifferentialEngine>;

/** Command names among `entries` that the engine's table does not have yet. */
export function missingCommands(entries: Record<string, CommandEntry>): string[] {
  const table = createCommandTable();
  return Object.keys(entries).filter((name) => !isPseudoCommand(name) && table.get(name) === undefined);
}

export interface Suite {
  family: Family;
  /** The family's own commands: each must exist in the engine. */
  own: Record<string, CommandEntry>;
  seeds: number[];
  steps: number;
  /** Fixed sequences (exhaustive option sweeps) by name, compared like the random ones. */
  scripts?: Record<string, string[][]>;
}

/**
 * The test suite of one family: the oracle is Redis 7.0, the family's own commands all exist in
 * the engine, each scripted sweep and each seed's sequence match step for step. One redis-server
 * serves the file.
 */
export function describeDifferential(suite: Suite): void {
  const { family, own, seeds, steps, scripts = {} } = suite;
  describeAgainstRedis({ name: family.name, own }, (redis) => {
    testScripts(redis, family, scripts);
    for (const seed of seeds) {
      test(`seed ${seed}: ${steps} random commands get the same replies and leave the same keyspace`, async () => {
        await runDifferential(redis(), family, { seed, steps });
      }, 60_000);
    }
  });
}

export interface Frame {
  /** What is compared: the block reads "<name>: downstash answers like redis-server". */
  name: string;
  /** Commands that must all be in the engine's table (a suite of fixed sweeps may have none). */
  own?: Record<string, CommandEntry>;
  /** The engine prints doubles with Redis 7.0's "%.17g", as the oracle does (7.2+ prints the shortest form). */
  redis70Doubles?: boolean;
}

/**
 * The frame every differential file shares: one redis-server for the file, a test that it is
 * Redis 7.0 and one that `own` is all in the engine's table. `body` adds the comparisons; its
 * `redis()` is the oracle's client, there once the tests run.
 */
export function describeAgainstRedis(frame: Frame, body: (redis: () => RespClient) => void): void {
  describe(`${frame.name}: downstash answers like redis-server`, () => {
    let oracle: RedisOracle | undefined;
    beforeAll(async () => {
      oracle = await startRedisOracle();
      if (frame.redis70Doubles) redis70Doubles.enabled = true;
    });
    afterAll(async () => {
      if (frame.redis70Doubles) redis70Doubles.enabled = false;
      await oracle?.stop();
    });

    test("the oracle is Redis 7.0, the version these sequences are written for", () => {
      expect(oracle!.version).toStartWith("7.0.");
    });

    if (frame.own !== undefined) {
      const own = frame.own;
      test(`every ${frame.name} command of Redis 7.0 is in the engine's table`, () => {
        expect(missingCommands(own)).toEqual([]);
      });
    }

    body(() => oracle!.client);
  });
}

/** A test per fixed sequence, compared as `family`'s entries say, never mutated; `options` add e.g. an observer. */
export function testScripts(
  redis: () => RespClient,
  family: Family,
  scripts: Record<string, string[][]>,
  options: Omit<Partial<RunOptions>, "seed" | "steps" | "mutationRate"> = {},
): void {
  for (const [name, commands] of Object.entries(scripts)) {
    test(`scripted: ${name} (${commands.length} commands)`, async () => {
      await runDifferential(redis(), scriptedFamily(`${family.name}/${name}`, commands, family), { ...options, seed: 0, steps: commands.length, mutationRate: 0 });
    }, 60_000);
  }
}

/** A fixed command list as a family: each command compares as `comparisons`' entry of its name says. */
export function scriptedFamily(name: string, commands: string[][], comparisons: Family): Family {
  let next = 0;
  return {
    name,
    commands: {
      "<script>": {
        weight: 1,
        generate: () => commands[next++ % commands.length]!,
        compare: (argv) => comparisons.commands[argv[0]!.toLowerCase()]?.compare?.(argv) ?? {},
      },
    },
  };
}

// Generator entries whose name is not a Redis command (unknown-command probes, wrong-arity mixes).
const isPseudoCommand = (name: string) => name.startsWith("<");

/** Runs one seeded sequence; throws an Error describing the first mismatch. */
export async function runDifferential(redis: RespClient, family: Family, options: RunOptions): Promise<{ commands: string[] }> {
  const { seed, steps } = options;
  const keyspaceEvery = options.keyspaceEvery ?? 100;
  const batchSize = options.batchSize ?? 32;
  const engine = options.engine ?? createDifferentialEngine(seed);
  const random = new SeededRandom(seed);
  const gen = new Gen(random);
  const entries = Object.entries(family.commands).filter(([name]) => isPseudoCommand(name) || engine.has(name));
  const totalWeight = entries.reduce((sum, [, entry]) => sum + entry.weight, 0);
  const history: string[] = [];

  await expectOk(redis, ["FLUSHALL"]);
  const mutationRate = options.mutationRate ?? 0.04;
  const pick = (): Step => {
    let draw = random.next() * totalWeight;
    let chosen = entries[entries.length - 1]![1];
    for (const [, entry] of entries) {
      draw -= entry.weight;
      if (draw < 0) {
        chosen = entry;
        break;
      }
    }
    let argv = chosen.generate(gen);
    if (gen.chance(mutationRate)) {
      argv = gen.chance(0.6) ? argv.slice(0, gen.between(1, Math.max(1, argv.length - 1))) : [...argv, gen.pick(strayArguments)];
    }
    // compat: Upstash accepts UNLINK without keys (spec/redis-rest.md §0.9); Redis calls it an arity error.
    if (argv.length === 1 && argv[0]!.toUpperCase() === "UNLINK") argv = [...argv, gen.key()];
    return { argv, ...chosen.compare?.(argv) };
  };
  // `steps` counts drawn commands; their follow-ups run on top.
  const queued: Step[] = [];
  let drawn = 0;
  const more = () => drawn < steps || queued.length > 0;
  const nextStep = (): Step => {
    let step = queued.shift();
    if (step === undefined) {
      step = pick();
      drawn++;
    }
    for (const argv of step.followUps ?? []) queued.push({ argv });
    return step;
  };
  // `history[i]` is step i; the commands shown are those before `shownEnd` (exclusive).
  const describe = (step: number, what: string, redisReply: string, engineReply: string, shownEnd: number): string => {
    const first = Math.max(0, shownEnd - historyShown);
    const recent = history.slice(first, shownEnd).map((line, i) => `  #${first + i} ${line}`);
    return (
      `differential mismatch in ${family.name}, seed ${seed}, step ${step}: ${what}\n` +
      `  redis:  ${redisReply}\n  engine: ${engineReply}\n` +
      `commands before it (oldest first):\n${recent.join("\n") || "  (none)"}`
    );
  };
  const mismatch = (step: number, what: string, redisReply: string, engineReply: string): void => {
    const report = describe(step, what, redisReply, engineReply, step);
    if (options.collectMismatches === undefined) throw new Error(report);
    options.collectMismatches.push(report);
  };

  let step = 0;
  let nextKeyspaceCheck = keyspaceEvery;
  // A scan step runs alone, after the batch before it, so it sees that batch's effects.
  let heldScan: Step | undefined;
  while (more() || heldScan !== undefined) {
    const batch: Step[] = [];
    if (heldScan !== undefined) {
      batch.push(heldScan);
      heldScan = undefined;
    }
    const batchEnd = Math.min(nextKeyspaceCheck, step + batchSize);
    while (batch[0]?.scan === undefined && step + batch.length < batchEnd && more()) {
      const next = nextStep();
      if (next.scan !== undefined && batch.length > 0) {
        heldScan = next;
        break;
      }
      batch.push(next);
    }
    if (batch[0]!.scan !== undefined) {
      const scanStep = batch[0]!;
      history.push(`${formatArgv(scanStep.argv)}  (iterated to cursor 0)`);
      const fromRedis = await iterate(scanStep, (argv) => redis.send(argv));
      const fromEngine = await iterate(scanStep, async (argv) => engine.run(argv));
      options.observe?.(scanStep.argv, fromRedis, fromEngine);
      if (!sameReply(fromRedis, fromEngine)) mismatch(step, formatArgv(scanStep.argv), formatReply(fromRedis), formatReply(fromEngine));
      step++;
    } else {
      const redisReplies = redis.pipeline(batch.map((s) => s.argv));
      const engineReplies = batch.map((s) => engine.run(s.argv));
      const fromRedis = await redisReplies;
      for (let i = 0; i < batch.length; i++) {
        const current = batch[i]!;
        history.push(formatArgv(current.argv));
        options.observe?.(current.argv, fromRedis[i]!, engineReplies[i]!);
        if (!repliesMatch(current, fromRedis[i]!, engineReplies[i]!)) {
          mismatch(step, formatArgv(current.argv), formatReply(fromRedis[i]!), formatReply(engineReplies[i]!));
        }
        step++;
      }
    }
    if (step >= nextKeyspaceCheck || (!more() && heldScan === undefined)) {
      nextKeyspaceCheck += keyspaceEvery;
      const fromRedis = await redisKeyspace(redis);
      const fromEngine = engineKeyspace(engine);
      const difference = keyspaceDifference(fromRedis, fromEngine);
      if (difference !== undefined) {
        throw new Error(describe(step - 1, `keyspace differs after this step: ${difference.what}`, difference.redis, difference.engine, step));
      }
    }
  }
  return { commands: history };
}

const strayArguments = ["junk", "NX", "0", "", "EX", "10"];

async function expectOk(redis: RespClient, argv: string[]): Promise<void> {
  const reply = await redis.send(argv);
  if (!(reply instanceof StatusReply && reply.status === "OK")) throw new Error(`${argv.join(" ")} answered ${formatReply(reply)}`);
}

// ---- comparing replies ----

export function repliesMatch(step: Step, fromRedis: Reply, fromEngine: Reply): boolean {
  const a = step.normalize === undefined || fromRedis instanceof ErrorReply ? fromRedis : step.normalize(fromRedis);
  const b = step.normalize === undefined || fromEngine instanceof ErrorReply ? fromEngine : step.normalize(fromEngine);
  if (step.tolerance !== undefined && typeof a === "number" && typeof b === "number" && a >= 0 && b >= 0) {
    return Math.abs(a - b) <= step.tolerance;
  }
  return sameReply(a, b);
}

/** Exact equality of two replies: kinds must agree too (status vs bulk, number vs bigint). */
export function sameReply(a: Reply, b: Reply): boolean {
  if (a === b) return true;
  if (a instanceof StatusReply) return b instanceof StatusReply && a.status === b.status;
  if (a instanceof ErrorReply) return b instanceof ErrorReply && a.message === b.message;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameReply(item, b[i]!));
  }
  return false;
}

// Sorting keys for normalised replies: by the formatted form, which is total over all replies.
const byFormat = (a: Reply, b: Reply) => compareBinary(formatReply(a), formatReply(b));

export function compareBinary(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An array reply compared as a set (KEYS, HKEYS, HVALS, SMEMBERS...). */
export function unordered(reply: Reply): Reply {
  return Array.isArray(reply) ? [...reply].sort(byFormat) : reply;
}

/** A flat [field, value, field, value...] reply compared as a set of pairs (HGETALL). */
export function unorderedPairs(reply: Reply): Reply {
  if (!Array.isArray(reply)) return reply;
  const pairs: Reply[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([reply[i]!, reply[i + 1]!]);
  return pairs.sort(byFormat);
}

// ---- SCAN-family steps ----

const scanCallsMax = 10_000;

/**
 * Calls a SCAN-family command from its first cursor until the cursor is 0 again and returns the
 * union of what it saw, sorted (pairs for HSCAN). A first reply that is not a scan page (an error)
 * is returned as it is, so error texts still compare.
 */
async function iterate(step: Step, send: (argv: string[]) => Promise<Reply>): Promise<Reply> {
  const argv = [...step.argv];
  const { cursorIndex, pairs } = step.scan!;
  const seen = new Map<string, Reply>();
  for (let call = 0; call < scanCallsMax; call++) {
    const reply = await send(argv);
    if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== "string" || !Array.isArray(reply[1])) {
      return call === 0 ? reply : new ErrorReply(`<not a scan page on call ${call}> ${formatReply(reply)}`);
    }
    const items = reply[1];
    if (pairs) {
      for (let i = 0; i + 1 < items.length; i += 2) seen.set(formatReply(items[i]!), [items[i]!, items[i + 1]!]);
    } else {
      for (const item of items) seen.set(formatReply(item), item);
    }
    if (reply[0] === "0") return [...seen.values()].sort(byFormat);
    argv[cursorIndex] = reply[0];
  }
  return new ErrorReply(`<scan did not finish within ${scanCallsMax} calls>`);
}

// ---- whole-keyspace comparison ----

interface KeyState {
  type: string;
  /** -1 when persistent. */
  ttlMs: number;
  value: Reply;
  /** OBJECT ENCODING of a string (int, embstr or raw): each write command decides it. */
  encoding?: Reply;
}

async function redisKeyspace(redis: RespClient): Promise<Map<string, KeyState>> {
  const keys = await redis.send(["KEYS", "*"]);
  if (!Array.isArray(keys)) throw new Error(`KEYS * answered ${formatReply(keys)}`);
  const names = keys as string[];
  const types = await redis.pipeline(names.map((key) => ["TYPE", key]));
  const ttls = await redis.pipeline(names.map((key) => ["PTTL", key]));
  const values = await redis.pipeline(names.map((key, i) => valueCommand(key, statusText(types[i]!))));
  const encodings = await redis.pipeline(names.map((key) => ["OBJECT", "ENCODING", key]));
  const out = new Map<string, KeyState>();
  names.forEach((key, i) => {
    const type = statusText(types[i]!);
    const state: KeyState = { type, ttlMs: Number(ttls[i] as number | bigint), value: normalizeValue(type, values[i]!) };
    if (type === "string") state.encoding = encodings[i]!;
    out.set(key, state);
  });
  return out;
}

function engineKeyspace(engine: DifferentialEngine): Map<string, KeyState> {
  const keyspace = engine.database.keyspace;
  const out = new Map<string, KeyState>();
  const nowMs = systemClock.nowMs();
  for (const key of [...keyspace.keys()]) {
    const entry = keyspace.get(key);
    if (entry === undefined) continue;
    let value: Reply;
    if (entry.type === "string") value = entry.value as string;
    else {
      // Structured values are opaque here; read them through their own command when it exists.
      const argv = valueCommand(key, entry.type);
      value = argv[0] === "TYPE" || !engine.has(argv[0]!.toLowerCase()) ? `<${entry.type}: not compared>` : engine.run(argv);
    }
    const state: KeyState = { type: entry.type, ttlMs: entry.expiresAtMs === 0 ? -1 : entry.expiresAtMs - nowMs, value: normalizeValue(entry.type, value) };
    if (entry.type === "string") state.encoding = engine.run(["OBJECT", "ENCODING", key]);
    out.set(key, state);
  }
  return out;
}

function valueCommand(key: string, type: string): string[] {
  switch (type) {
    case "string":
      return ["GET", key];
    case "hash":
      return ["HGETALL", key];
    case "list":
      return ["LRANGE", key, "0", "-1"];
    case "set":
      return ["SMEMBERS", key];
    case "zset":
      return ["ZRANGE", key, "0", "-1", "WITHSCORES"];
    default:
      return ["TYPE", key];
  }
}

function normalizeValue(type: string, value: Reply): Reply {
  if (type === "hash") return unorderedPairs(value);
  if (type === "set") return unordered(value);
  return value;
}

const statusText = (reply: Reply) => (reply instanceof StatusReply ? reply.status : formatReply(reply));

// TTLs are read at two instants a few ms apart: a second of slack, as for TTL replies.
const keyspaceTtlSlackMs = 1000;

function keyspaceDifference(
  fromRedis: Map<string, KeyState>,
  fromEngine: Map<string, KeyState>,
): { what: string; redis: string; engine: string } | undefined {
  const redisKeys = [...fromRedis.keys()].sort(compareBinary);
  const engineKeys = [...fromEngine.keys()].sort(compareBinary);
  if (redisKeys.join("\u0100") !== engineKeys.join("\u0100")) {
    return { what: "KEYS *", redis: formatReply(redisKeys), engine: formatReply(engineKeys) };
  }
  for (const key of redisKeys) {
    const a = fromRedis.get(key)!;
    const b = fromEngine.get(key)!;
    const ttlsMatch = a.ttlMs < 0 || b.ttlMs < 0 ? a.ttlMs === b.ttlMs : Math.abs(a.ttlMs - b.ttlMs) <= keyspaceTtlSlackMs;
    const valuesMatch = typeof b.value === "string" && b.value.endsWith(": not compared>") ? true : sameReply(a.value, b.value);
    const encodingsMatch = a.encoding === undefined || b.encoding === undefined || sameReply(a.encoding, b.encoding);
    if (a.type !== b.type || !ttlsMatch || !valuesMatch || !encodingsMatch) {
      const show = (s: KeyState) =>
        `type ${s.type}, pttl ${s.ttlMs}, value ${formatReply(s.value)}${s.encoding === undefined ? "" : `, encoding ${formatReply(s.encoding)}`}`;
      return { what: `key ${formatBinary(key)}`, redis: show(a), engine: show(b) };
    }
  }
  return undefined;
}

// ---- formatting for failure messages ----

/** A binary string quoted the way redis-cli shows it: printable ASCII, escapes for the rest. */
export function formatBinary(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i]!;
    if (char === '"' || char === "\\") out += "\\" + char;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xff) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += `\\u{${code.toString(16)}}<not a byte!>`;
  }
  return out + '"';
}

export function formatArgv(argv: string[]): string {
  return argv.map(formatBinary).join(" ");
}

export function formatReply(reply: Reply): string {
  if (reply === null) return "(nil)";
  if (typeof reply === "string") return formatBinary(reply);
  if (typeof reply === "number") return `(integer) ${reply}`;
  if (typeof reply === "bigint") return `(integer, bigint) ${reply}`;
  if (reply instanceof StatusReply) return `+${formatBinary(reply.status)}`;
  if (reply instanceof ErrorReply) return `(error) ${formatBinary(reply.message)}`;
  return `[${reply.map(formatReply).join(", ")}]`;
}

// ---- the generator's vocabulary ----

/** Seeded choices over small alphabets, so commands collide on keys, fields and types. */
export class Gen {
  constructor(readonly random: Random) {}

  int(n: number): number {
    return randomInt(this.random, n);
  }

  /** An integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  chance(probability: number): boolean {
    return this.random.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** `count` draws of `draw`. */
  times<T>(count: number, draw: () => T): T[] {
    return Array.from({ length: count }, draw);
  }

  /** Mostly the common spelling, sometimes lower or mixed case: names and options are case-insensitive. */
  word(text: string): string {
    const roll = this.int(10);
    if (roll < 7) return text;
    if (roll < 9) return text.toLowerCase();
    return [...text].map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c.toUpperCase())).join("");
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  key(): string {
    return this.chance(0.85) ? this.pick(commonKeys) : this.pick(rareKeys);
  }

  keys(min: number, max: number): string[] {
    return this.times(this.between(min, max), () => this.key());
  }

  field(): string {
    return this.chance(0.85) ? this.pick(commonFields) : this.pick(rareFields);
  }

  value(): string {
    const roll = this.int(10);
    if (roll < 4) return this.pick(textValues);
    if (roll < 7) return this.pick(integerTexts);
    if (roll < 8) return this.pick(floatTexts);
    return this.pick(oddValues);
  }

  integerText(): string {
    return this.chance(0.6) ? String(this.between(-20, 20)) : this.pick(integerTexts);
  }

  floatText(): string {
    return this.chance(0.3) ? String(this.between(-20, 20)) : this.pick(floatTexts);
  }

  /** A relative TTL in seconds: long enough never to lapse during a run, sometimes invalid or zero. */
  ttlSeconds(): string {
    const roll = this.int(20);
    if (roll < 12) return String(this.between(100, 1_000_000));
    if (roll < 15) return String(this.between(2_000_000_000, 3_000_000_000)); // near the absolute instants below
    return this.pick(badRelativeSeconds);
  }

  ttlMs(): string {
    const roll = this.int(20);
    if (roll < 12) return String(this.between(100_000, 1_000_000_000));
    if (roll < 15) return String(this.between(2_000_000, 3_000_000) * 1_000_000 + this.int(1_000_000));
    return this.pick(badRelativeMs);
  }

  /** An absolute unix time in seconds: far future (fixed, so runs repeat), past, or invalid. */
  unixSeconds(): string {
    const roll = this.int(20);
    if (roll < 13) return String(farFutureSeconds + this.int(1_000_000_000));
    if (roll < 16) return this.pick(pastSeconds);
    return this.pick(badAbsoluteSeconds);
  }

  unixMs(): string {
    const roll = this.int(20);
    if (roll < 13) return String(farFutureSeconds * 1000 + this.int(1_000_000_000) * 1000 + this.int(1000));
    if (roll < 16) return this.pick(pastSeconds);
    return this.pick(badAbsoluteMs);
  }

  globPattern(): string {
    return this.pick(globPatterns);
  }
}

/** A binary string of the UTF-8 bytes of `text`. */
export function utf8(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

const commonKeys = ["k1", "k2", "k3", "k4", "{t}a", "{t}b"];
const rareKeys = ["", "\x00\xff\r\n", utf8("ключ"), "k*", "K1", "a b"];
const commonFields = ["f1", "f2", "f3", "f4", "f5"];
const rareFields = ["", "\x00\xfe", utf8("поле✓"), "9223372036854775807", "F1", "f1 "];

const textValues = ["", "hello", "world", "abcab", "bacba", "xyzzy", "ohmytext", "mynewtext", utf8("héllo ✓"), "aaa", "AbCdEf"];
export const integerTexts = [
  "0", "1", "-1", "7", "-13", "100", "-0", "+1", "01", " 1", "1 ", "1.0", "0x1", "1e3", "",
  "9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807",
  "9223372036854775808", "-9223372036854775809", "4611686018427387904", "9007199254740993", "-9007199254740993",
  "abc",
];
export const floatTexts = [
  "0.1", "-0.1", "1.5", "-2.25", "3.0", "1e3", "1E-3", "-2.5e-5", "1e20", "5e400", "1e-400", ".5", "1.", ".", "+2",
  "inf", "-inf", "+inf", "nan", "Infinity", "0x10", " 1", "1 ", "1,5", "abc", "", "0.30000000000000004", "10.5",
  "1e308", "-1.7976931348623157e308", "4.9e-324", "123456789012345678901234567890", "0.333333333333333333", "-0", "1e-5",
  "3.14159265358979323846", "0.1e1", "-0.0",
];
// 100 bytes is past Redis's listpack value limit (64), so hashes also run in hashtable encoding.
const oddValues = ["\x00", "\xff\xfe", "\r\n", "a\x00b", "x".repeat(40), "\x80\x81\x82", utf8("日本語"), "*3\r\n$1\r\n", "ab".repeat(50)];

// Absolute instants from 2100-01-01 on: in the future for any real run, yet fixed, so a seed
// always produces the same argv. Relative TTLs of 2e9..3e9 s land among them (GT/LT races need
// ties within a few ms, which random values make negligible).
const farFutureSeconds = 4_102_444_800;
const pastSeconds = ["1", "1000000000", "1600000000", "0"];
// Out of range in Redis (or not integers): each is a deterministic error, or an immediate delete
// for negative amounts. Valid instants beyond 2^53 ms (PEXPIRE 9223372036854775) are left out: the
// engine keeps instants as JS numbers, so their TTLs cannot read back exactly (see the report).
const badRelativeSeconds = ["0", "-1", "-100", "abc", "1.5", "", "9223372036854775807", "9223372036854775", "-9223372036854775808", "9223372036854776"];
const badRelativeMs = ["0", "-1", "-100", "abc", "1.5", "", "9223372036854775807", "-9223372036854775808", "9223372036854775808"];
const badAbsoluteSeconds = ["-5", "abc", "9223372036854775807", "9223372036854775808", "1e10", "-9223372036854775808", "9223372036854776"];
const badAbsoluteMs = ["-5", "abc", "9223372036854775808", "1e10", "-9223372036854775808", ""];

const globPatterns = [
  "*", "k*", "k?", "k[12]", "k[^1]", "k[1-3]", "{t}*", "*a*", "\\*", "k\\*", "", "k[", "[", "?", "??", "*\\", "K*",
  "\x00*", "*\xff*", "[a-z]?", "k[!1]", "[]]*", "k[1-", "k[3-1]", "[\\]*", "*[", "k\\", "[^]*", "k[-]", "?[\x00-\xff]*",
  "**1", "{t}[ab]",
];
