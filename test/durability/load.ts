// Load for the fault tests: concurrent writers using the official @upstash/redis client, each
// owning its own keys and sending one command at a time, so every key has one acknowledged state
// and at most one state still in flight when the server dies. `verify` reads every key back and
// reports each one whose state is neither: a write acknowledged and then lost, or a wrong value
// or TTL. Writes: SET (plain, EX relative, PXAT absolute, PX short enough to expire while the
// server is down), HSET, INCR, DEL and PEXPIREAT. One more writer runs a script that sets a pair
// of keys to one value, spinning past its first time slice in between (the server suspends it
// there): `verify` also reports a pair whose keys differ, a script that is there only in part.

import { Redis } from "@upstash/redis";
import { randomInt, SeededRandom, type Random } from "../../src/util/random.ts";

/** A key's state as read back: what TYPE, GET/HGETALL and PEXPIRETIME say. */
export interface KeyState {
  value: string | Record<string, string> | null;
  expiresAtMs: number;
}

/** What a key may hold: `expiresAtMs` is exact, or a range when the TTL was relative (EX). */
interface Expected {
  value: string | Record<string, string> | null;
  expiresAtMs: number | [number, number];
}

interface KeyRecord {
  acknowledged: Expected;
  /** The state if the command in flight when the server died was applied. */
  inFlight?: Expected;
}

const LONG_TTL_MS = 3_600_000;
/** Short enough to pass while the server is down: restarting takes longer. */
const SHORT_TTL_MS = 50;

const PAIR_KEYS = ["script:first", "script:second"] as const;
/** Past the server's 10 ms time slice; between scripts the writer rests, so other writers go on. */
const SCRIPT_SPIN_MS = 15;
const SCRIPT_REST_MS = 20;
const pairScript =
  "redis.call('SET', KEYS[1], ARGV[1]) local t = redis.call('TIME') " +
  "repeat local n = redis.call('TIME') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > tonumber(ARGV[2]) * 1000 " +
  "redis.call('SET', KEYS[2], ARGV[1]) return 1";

export interface LoadOptions {
  url: string;
  token: string;
  writers: number;
  keysPerWriter: number;
  seed: number;
}

export class Load {
  private readonly records = new Map<string, KeyRecord>();
  private stopped = false;
  acknowledged = 0;
  failed = 0;
  /** When the script writer sent the script now in flight. */
  private scriptSentAtMs: number | undefined;
  private readonly done: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  start(): void {
    for (let writer = 0; writer < this.options.writers; writer++) {
      const random = new SeededRandom(this.options.seed * 1000 + writer);
      this.done.push(this.runWriter(writer, random));
    }
    this.done.push(this.runScriptWriter());
  }

  /** Stops the writers after their current command and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.done);
  }

  /** Resolves once `count` writes were acknowledged in all (or the load stopped). */
  async waitForAcknowledged(count: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (this.acknowledged < count && !this.stopped && this.failed === 0) {
      if (Date.now() > deadline) throw new Error(`only ${this.acknowledged} of ${count} writes acknowledged`);
      await Bun.sleep(2);
    }
  }

  keys(): string[] {
    return [...this.records.keys()];
  }

  private client(): Redis {
    return new Redis({ url: this.options.url, token: this.options.token, enableTelemetry: false, automaticDeserialization: false, retry: { retries: 0 } });
  }

  private async runWriter(writer: number, random: Random): Promise<void> {
    const redis = this.client();
    const keys = Array.from({ length: this.options.keysPerWriter }, (_, i) => `w${writer}:k${i}`);
    const hashKey = `w${writer}:hash`;
    const counterKey = `w${writer}:counter`;
    // Keys set with a short TTL get no other command: a PEXPIREAT racing their expiry would keep them.
    const shortKeys = Array.from({ length: 3 }, (_, i) => `w${writer}:short${i}`);
    for (const key of [...keys, ...shortKeys, hashKey, counterKey]) this.records.set(key, { acknowledged: { value: null, expiresAtMs: -2 } });
    let sequence = 0;
    while (!this.stopped) {
      const choice = randomInt(random, 100);
      const key = keys[randomInt(random, keys.length)]!;
      const value = `v${writer}.${sequence++}`;
      const record = (name: string) => this.records.get(name)!;
      const current = (name: string) => record(name).acknowledged;
      try {
        if (choice < 35) {
          await this.apply(record(key), { value, expiresAtMs: -1 }, () => redis.set(key, value));
        } else if (choice < 50) {
          const sentAtMs = Date.now();
          await this.apply(record(key), { value, expiresAtMs: [sentAtMs + LONG_TTL_MS, Infinity] }, async () => {
            await redis.set(key, value, { ex: LONG_TTL_MS / 1000 });
            // The absolute expiry is fixed on the server between sending and the reply.
            record(key).inFlight = { value, expiresAtMs: [sentAtMs + LONG_TTL_MS, Date.now() + LONG_TTL_MS] };
          });
        } else if (choice < 60) {
          const atMs = Date.now() + LONG_TTL_MS + randomInt(random, 1000);
          await this.apply(record(key), { value, expiresAtMs: atMs }, () => redis.set(key, value, { pxat: atMs }));
        } else if (choice < 65) {
          const shortKey = shortKeys[randomInt(random, shortKeys.length)]!;
          await this.apply(record(shortKey), { value: null, expiresAtMs: -2 }, () => redis.set(shortKey, value, { px: SHORT_TTL_MS }));
        } else if (choice < 80) {
          const field = `f${randomInt(random, 5)}`;
          const before = current(hashKey).value;
          const fields = { ...(typeof before === "object" && before !== null ? before : {}), [field]: value };
          await this.apply(record(hashKey), { value: fields, expiresAtMs: persistentOrKept(current(hashKey)) }, () => redis.hset(hashKey, { [field]: value }));
        } else if (choice < 90) {
          const before = current(counterKey).value;
          await this.apply(record(counterKey), { value: String(Number(before ?? 0) + 1), expiresAtMs: persistentOrKept(current(counterKey)) }, () => redis.incr(counterKey));
        } else if (choice < 95) {
          await this.apply(record(key), { value: null, expiresAtMs: -2 }, () => redis.del(key));
        } else {
          const existing = current(key);
          const atMs = Date.now() + LONG_TTL_MS;
          const after: Expected = existing.value === null ? existing : { value: existing.value, expiresAtMs: atMs };
          await this.apply(record(key), after, () => redis.pexpireat(key, atMs));
        }
      } catch {
        // The server is gone: this writer's command in flight may or may not have been applied.
        this.failed++;
        return;
      }
    }
  }

  /** Resolves once a script has been in flight for `ms`: past its first time slice, so suspended. */
  async waitForScriptInFlight(ms: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (this.scriptSentAtMs === undefined || performance.now() - this.scriptSentAtMs < ms) {
      if (Date.now() > deadline) throw new Error("no script stayed in flight");
      await Bun.sleep(1);
    }
  }

  private async runScriptWriter(): Promise<void> {
    const redis = this.client();
    const pair = PAIR_KEYS.map((key) => {
      const record: KeyRecord = { acknowledged: { value: null, expiresAtMs: -2 } };
      this.records.set(key, record);
      return record;
    });
    let sequence = 0;
    while (!this.stopped) {
      const value = `s.${sequence++}`;
      try {
        this.scriptSentAtMs = performance.now();
        await this.apply(pair, { value, expiresAtMs: -1 }, () => redis.eval(pairScript, [...PAIR_KEYS], [value, String(SCRIPT_SPIN_MS)]));
      } catch {
        this.failed++;
        return;
      }
      this.scriptSentAtMs = undefined;
      await Bun.sleep(SCRIPT_REST_MS);
    }
  }

  /** Runs one command; its keys' state is `after` once acknowledged, and may be `after` if not. */
  private async apply(records: KeyRecord | KeyRecord[], after: Expected, send: () => Promise<unknown>): Promise<void> {
    const all = Array.isArray(records) ? records : [records];
    for (const record of all) record.inFlight = after;
    await send();
    for (const record of all) {
      record.acknowledged = record.inFlight!;
      record.inFlight = undefined;
    }
    this.acknowledged++;
  }

  /** Every key whose state after the restart is neither acknowledged nor in flight, with why. */
  async verify(url: string, token: string): Promise<string[]> {
    const keys = this.keys();
    const states = await readStates(url, token, keys);
    const problems: string[] = [];
    const nowMs = Date.now();
    for (const key of keys) {
      const record = this.records.get(key)!;
      const actual = states.get(key)!;
      const candidates = [record.acknowledged, ...(record.inFlight === undefined ? [] : [record.inFlight])];
      if (!candidates.some((expected) => matches(expected, actual, nowMs))) {
        problems.push(`${key}: holds ${JSON.stringify(actual)}, expected ${candidates.map((c) => JSON.stringify(c)).join(" or ")}`);
      }
    }
    const [first, second] = PAIR_KEYS.map((key) => states.get(key)!.value);
    if (canonical(first!) !== canonical(second!)) problems.push(`${PAIR_KEYS.join(" and ")} hold ${JSON.stringify(first)} and ${JSON.stringify(second)}: a script is there in part`);
    return problems;
  }
}

/** HSET and INCR keep an existing key's TTL; a key they create has none (-1). */
function persistentOrKept(state: Expected): Expected["expiresAtMs"] {
  return state.value === null ? -1 : state.expiresAtMs;
}

function matches(expected: Expected, actual: KeyState, nowMs: number): boolean {
  // A key written with a short TTL before the crash must be gone: it expired while the server was down.
  if (expected.value === null) return actual.value === null;
  if (canonical(expected.value) !== canonical(actual.value)) return false;
  const ttl = expected.expiresAtMs;
  if (typeof ttl === "number") return ttl === actual.expiresAtMs;
  return actual.expiresAtMs >= ttl[0] && actual.expiresAtMs <= Math.min(ttl[1], nowMs + LONG_TTL_MS);
}

function canonical(value: KeyState["value"]): string {
  if (value === null || typeof value === "string") return JSON.stringify(value);
  return JSON.stringify(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Reads every key's value and absolute expiry with two pipelines (raw REST, no SDK decoding). */
export async function readStates(url: string, token: string, keys: string[]): Promise<Map<string, KeyState>> {
  const pipeline = async (commands: string[][]) => {
    const response = await fetch(`${url}/pipeline`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(commands) });
    if (!response.ok) throw new Error(`pipeline failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { result?: unknown; error?: string }[]).map((entry) => {
      if (entry.error !== undefined) throw new Error(entry.error);
      return entry.result;
    });
  };
  const types = (await pipeline(keys.map((key) => ["TYPE", key]))) as string[];
  const reads = await pipeline(keys.flatMap((key, i) => [types[i] === "hash" ? ["HGETALL", key] : ["GET", key], ["PEXPIRETIME", key]]));
  const states = new Map<string, KeyState>();
  keys.forEach((key, i) => {
    const raw = reads[2 * i];
    let value: KeyState["value"] = raw as string | null;
    if (types[i] === "hash") {
      const pairs = raw as string[];
      const fields: Record<string, string> = {};
      for (let j = 0; j < pairs.length; j += 2) fields[pairs[j]!] = pairs[j + 1]!;
      value = fields;
    }
    states.set(key, { value, expiresAtMs: reads[2 * i + 1] as number });
  });
  return states;
}
