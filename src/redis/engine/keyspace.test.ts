// Proves a key read right after its binding changed finds the new state: the keyspace remembers
// the last key it found, and every set, load, delete, expiry and clear must make it forget.

import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../util/clock.ts";
import { Keyspace } from "./keyspace.ts";

// Each key as a fresh string, as a request's parsed JSON gives them.
const fresh = (key: string) => [...key].join("");

describe("Keyspace lookups after a key changes", () => {
  test("a replaced key reads as its new entry", () => {
    const keyspace = new Keyspace(new ManualClock());
    keyspace.set("k", "string", "old");
    expect(keyspace.get(fresh("k"))?.value).toBe("old");
    keyspace.set("k", "list", "new");
    expect(keyspace.get(fresh("k"))).toMatchObject({ type: "list", value: "new" });
    keyspace.load("k", "set", "loaded", 0);
    expect(keyspace.get(fresh("k"))).toMatchObject({ type: "set", value: "loaded" });
  });

  test("a deleted, expired or cleared key reads as missing", () => {
    const clock = new ManualClock();
    const keyspace = new Keyspace(clock);
    keyspace.set("k", "string", "v");
    expect(keyspace.get("k")).toBeDefined();
    keyspace.delete(fresh("k"));
    expect(keyspace.get("k")).toBeUndefined();

    keyspace.set("t", "string", "v", clock.nowMs() + 10);
    expect(keyspace.get("t")).toBeDefined();
    clock.advance(11);
    expect(keyspace.get(fresh("t"))).toBeUndefined();
    expect(keyspace.size).toBe(0);

    keyspace.set("c", "string", "v");
    expect(keyspace.get("c")).toBeDefined();
    keyspace.clear();
    expect(keyspace.get(fresh("c"))).toBeUndefined();
  });

  test("alternating keys each read as their own entry, the empty key included", () => {
    const keyspace = new Keyspace(new ManualClock());
    expect(keyspace.get("")).toBeUndefined();
    keyspace.set("", "string", "empty");
    keyspace.set("a", "string", "A");
    for (let i = 0; i < 3; i++) {
      expect(keyspace.get(fresh("a"))?.value).toBe("A");
      expect(keyspace.get(fresh(""))?.value).toBe("empty");
      expect(keyspace.get(fresh("b"))).toBeUndefined();
    }
  });
});

describe("TTL bookkeeping when a key is replaced", () => {
  const memberExpiryCount = (keyspace: Keyspace) => keyspace.memberExpiryKeys.reduce((sum, shard) => sum + shard.size, 0);

  test("a key is counted as volatile exactly while its entry has a TTL, however often it is replaced", () => {
    const clock = new ManualClock();
    const keyspace = new Keyspace(clock);
    const at = clock.nowMs() + 60_000;
    const steps: [number, number][] = [
      [0, 0], // a new key without TTL
      [at, 1], // given one by its replacement
      [at, 1], // replaced keeping it, as INCR does
      [at + 1, 1], // replaced with another
      [0, 0], // replaced without one
      [at, 1],
    ];
    for (const [expiresAtMs, volatile] of steps) {
      keyspace.set(fresh("k"), "string", "v", expiresAtMs);
      expect(keyspace.volatileCount).toBe(volatile);
    }
    keyspace.delete("k");
    expect(keyspace.volatileCount).toBe(0);
  });

  test("a key is counted as volatile exactly while setExpiry leaves it a TTL, however often the TTL moves", () => {
    const clock = new ManualClock();
    const keyspace = new Keyspace(clock);
    const entry = keyspace.set("k", "string", "v");
    const at = clock.nowMs() + 60_000;
    for (const [expiresAtMs, volatile] of [[at, 1], [at + 1, 1], [at + 2, 1], [0, 0], [0, 0], [at, 1]] as const) {
      keyspace.setExpiry("k", entry, expiresAtMs);
      expect([entry.expiresAtMs, keyspace.volatileCount]).toEqual([expiresAtMs, volatile]);
    }
    clock.advance(60_001);
    expect(keyspace.get("k")).toBeUndefined();
    expect([keyspace.size, keyspace.volatileCount]).toEqual([0, 0]);
  });

  test("a hash tracked for expiring fields stops being tracked when any value replaces it", () => {
    const keyspace = new Keyspace(new ManualClock());
    for (const replacement of ["string", "hash"] as const) {
      keyspace.set("h", "hash", {});
      keyspace.trackMemberExpiry("h");
      expect(memberExpiryCount(keyspace)).toBe(1);
      keyspace.set(fresh("h"), replacement, replacement === "string" ? "v" : {});
      expect(memberExpiryCount(keyspace)).toBe(0);
    }
  });
});

describe("Keyspace string rewrites", () => {
  test("a string written over a string takes the new value, TTL and encoding, and is tracked for expiry as its TTL says", () => {
    const clock = new ManualClock();
    const keyspace = new Keyspace(clock);
    const first = keyspace.set("k", "string", "old");
    first.stringEncoding = "raw";
    const volatile = () => keyspace.volatileKeys.some((keys) => keys.has("k"));

    keyspace.set(fresh("k"), "string", "new", clock.nowMs() + 10);
    expect(keyspace.get(fresh("k"))).toMatchObject({ type: "string", value: "new", expiresAtMs: clock.nowMs() + 10 });
    expect(keyspace.get("k")!.stringEncoding).toBeUndefined();
    expect([keyspace.size, keyspace.volatileCount, volatile()]).toEqual([1, 1, true]);

    keyspace.set(fresh("k"), "string", "persistent");
    expect([keyspace.get("k")!.value, keyspace.get("k")!.expiresAtMs, keyspace.volatileCount, volatile()]).toEqual(["persistent", 0, 0, false]);

    keyspace.set(fresh("k"), "string", "short-lived", clock.nowMs() + 5);
    clock.advance(6);
    expect(keyspace.get(fresh("k"))).toBeUndefined();
    expect([keyspace.size, keyspace.volatileCount]).toEqual([0, 0]);
  });
});
