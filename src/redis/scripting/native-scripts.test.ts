// Proves the native twins of @upstash/ratelimit's scripts (native-scripts.ts) answer exactly as
// the scripts do in Lua: two engines from the same seed, one running the twins and one with
// them off, get the same seeded random sequence of stored values (counters, buckets, odd texts,
// keys of the wrong type, TTLs) and limit calls (ordinary arguments mostly, edge cases often),
// (some sent as a read-only token would send them) and must give the same replies and errors,
// journal the same writes and end with the same keys.

import { describe, expect, test } from "bun:test";
import { ratelimitScript } from "../../../scripts/ratelimit-scripts.ts";
import { createTestEngine, plain, type TestEngine } from "../../../test/harness/engine.ts";
import { SeededRandom } from "../../util/random.ts";
import { nativeScriptFor } from "./native-scripts.ts";
import { configureScripting, scriptingOf, sha1Hex } from "./runner.ts";

/** The limit scripts as the installed @upstash/ratelimit sends them, by their names in its source. */
function ratelimitScripts(): Record<"fixedWindow" | "slidingWindow" | "tokenBucket" | "cachedFixedWindow", string> {
  return {
    fixedWindow: ratelimitScript("fixedWindowLimitScript"),
    slidingWindow: ratelimitScript("slidingWindowLimitScript"),
    tokenBucket: ratelimitScript("tokenBucketLimitScript"),
    cachedFixedWindow: ratelimitScript("cachedFixedWindowLimitScript"),
  };
}

const scripts = ratelimitScripts();

describe("native twins", () => {
  test("each limit script of the installed @upstash/ratelimit has one", () => {
    for (const text of Object.values(scripts)) expect(nativeScriptFor(sha1Hex(text))).toBeDefined();
    expect(nativeScriptFor(sha1Hex(scripts.slidingWindow + " "))).toBeUndefined();
  });

  test("a limit call with ordinary arguments runs without compiling the script, and EVALSHA finds it after", () => {
    const engine = createTestEngine();
    const now = engine.clock.nowMs();
    expect(plain(engine.run("EVAL", scripts.slidingWindow, 2, "w:2", "w:1", 10, now, 60_000, 1))).toEqual([9, 10]);
    expect(plain(engine.run("EVALSHA", sha1Hex(scripts.slidingWindow), 2, "w:2", "w:1", 10, now, 60_000, 1))).toEqual([8, 10]);
    const state = scriptingOf(engine.database);
    expect(state.lookup(sha1Hex(scripts.slidingWindow))?.ref).toBeUndefined();
    expect(state.nativeRuns).toBe(2);
    expect(engine.journal.argvs()).toEqual([
      ["INCRBY", "w:2", "1"],
      ["PEXPIREAT", "w:2", String(now + 121_000)],
      ["INCRBY", "w:2", "1"],
    ]);
  });

  test("a read-only call runs in Lua, which refuses the write in Redis's words", () => {
    const engine = createTestEngine();
    const reply = plain(engine.run("EVAL_RO", scripts.fixedWindow, 1, "f", 10, 60_000, 1)) as { error: string };
    expect(reply.error).toStartWith("ERR Write commands are not allowed from read-only scripts.");
    expect(scriptingOf(engine.database).nativeRuns).toBe(0);
    expect(engine.journal.argvs()).toEqual([]);
  });
});

// --- the differential run

const KEYS = ["a", "b", "c", "limit"];
const ORDINARY = ["0", "1", "2", "3", "5", "10", "100", "1000", "60000"];
const ODD = ["-1", "-7", "1.5", "abc", "", "1e3", "007", " 5", "0x10", "-0", "999999999999999", "1000000000000000", "9007199254740993", "99999999999999999999"];

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(random.next() * items.length)]!;
}

/** A number argument: mostly ordinary, sometimes odd. */
function numberText(random: SeededRandom): string {
  return random.next() < 0.92 ? pick(random, ORDINARY) : pick(random, ODD);
}

/** A window or interval in milliseconds: mostly one a client uses, sometimes zero, negative or odd. */
function windowText(random: SeededRandom): string {
  return random.next() < 0.9 ? pick(random, ["1000", "60000"]) : pick(random, ["0", ...ODD]);
}

/** A timestamp argument near the engine's clock, sometimes odd. */
function nowText(random: SeededRandom, engine: TestEngine): string {
  return random.next() < 0.9 ? String(engine.clock.nowMs() - Math.floor(random.next() * 5000)) : pick(random, ODD);
}

/** Changes a key the way other clients might: counters, buckets, odd texts, another type, TTLs. */
function disturbance(random: SeededRandom, engine: TestEngine, name: keyof typeof scripts): (string | number)[] {
  const key = pick(random, KEYS);
  switch (Math.floor(random.next() * 7)) {
    case 0:
      // A token bucket is a hash: its strings are mostly the dynamic limit.
      return ["SET", name === "tokenBucket" && random.next() < 0.8 ? "limit" : key, numberText(random)];
    case 1:
      return ["HSET", key, "refilledAt", random.next() < 0.8 ? String(engine.clock.nowMs() - Math.floor(random.next() * 100_000)) : pick(random, ODD), "tokens", numberText(random)];
    case 2:
      return ["HSET", key, "refilledAt", String(engine.clock.nowMs())];
    case 3:
      return ["RPUSH", key, "x"];
    case 4:
      return ["PEXPIRE", key, String(1 + Math.floor(random.next() * 3000))];
    default:
      return ["DEL", key];
  }
}

/** A limit call the client could send, with keys and arguments sometimes missing or odd. */
function limitCall(random: SeededRandom, engine: TestEngine, name: keyof typeof scripts, bySha: boolean): (string | number)[] {
  // The dynamic-limit key holds a string: mostly not a key the script counts in.
  const key = () => (random.next() < 0.9 ? pick(random, KEYS.slice(0, 3)) : "limit");
  const keys = [key(), key()];
  if (random.next() < 0.3) keys.push(random.next() < 0.2 ? "" : "limit");
  let args: string[];
  if (name === "fixedWindow") args = [numberText(random), windowText(random), numberText(random)];
  else if (name === "cachedFixedWindow") args = [windowText(random), numberText(random)];
  else if (name === "slidingWindow") args = [numberText(random), nowText(random, engine), windowText(random), numberText(random)];
  else args = [numberText(random), windowText(random), numberText(random), nowText(random, engine), numberText(random)];
  if (random.next() < 0.05) args.pop();
  const keyCount = name === "slidingWindow" ? Math.max(2, keys.length) : random.next() < 0.5 ? 1 : 2;
  const script = bySha ? sha1Hex(scripts[name]) : scripts[name];
  return [bySha ? "EVALSHA" : "EVAL", script, keyCount, ...keys.slice(0, keyCount), ...args];
}

/** Every key of the pool as plain data: type, value and TTL. */
function dump(engine: TestEngine): unknown[] {
  return KEYS.map((key) => {
    const type = plain(engine.run("TYPE", key));
    const value = type === "string" ? engine.run("GET", key) : type === "hash" ? engine.run("HGETALL", key) : type === "list" ? engine.run("LRANGE", key, 0, -1) : null;
    return [key, type, plain(value), engine.run("PTTL", key)];
  });
}

describe("native twins answer as Lua does", () => {
  for (const name of Object.keys(scripts) as (keyof typeof scripts)[]) {
    test(`${name}: replies, errors, journaled writes and keys match over a seeded random run`, () => {
      const native = createTestEngine(7);
      const lua = createTestEngine(7);
      configureScripting(lua.database, { nativeScripts: false });
      const random = new SeededRandom(name.length * 1000 + 17);
      let calls = 0;
      for (let step = 0; step < 3000; step++) {
        const advance = Math.floor(random.next() * 400);
        native.clock.advance(advance);
        lua.clock.advance(advance);
        const argv = random.next() < 0.3 ? disturbance(random, native, name) : limitCall(random, native, name, calls++ > 0);
        // Now and then as a read-only token sends it: the write inside is refused.
        const run = random.next() < 0.05 ? "runReadOnly" : "run";
        const expected = plain(lua[run](...argv));
        expect({ step, argv, run, reply: plain(native[run](...argv)) }).toEqual({ step, argv, run, reply: expected });
        if (step % 100 === 0) expect(dump(native)).toEqual(dump(lua));
      }
      expect(native.journal.argvs()).toEqual(lua.journal.argvs());
      expect(dump(native)).toEqual(dump(lua));
      // Both ways were taken often: the twin's answers and its hand-overs to Lua.
      const answered = scriptingOf(native.database).nativeRuns;
      expect(answered).toBeGreaterThan(calls / 5);
      expect(calls - answered).toBeGreaterThan(calls / 20);
      expect(scriptingOf(lua.database).nativeRuns).toBe(0);
    });
  }
});
