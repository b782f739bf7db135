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
