// Proves the hash structure on its own: field TTL bookkeeping and sweeping, scan cursors that
// survive deletions and compaction, random access, OBJECT ENCODING names and deep clones.

import { describe, expect, test } from "bun:test";
import { randomInt, SeededRandom } from "../../util/random.ts";
import { HashValue, LISTPACK_ENTRIES_MAX, LISTPACK_VALUE_BYTES_MAX } from "./hash.ts";

function hashOf(count: number): HashValue {
  const hash = new HashValue();
  for (let i = 0; i < count; i++) hash.set(`f${i}`, `v${i}`);
  return hash;
}

function scanAll(hash: HashValue, count: number, between?: (round: number) => void): string[] {
  const seen: string[] = [];
  let cursor = 0;
  let round = 0;
  do {
    cursor = hash.scan(cursor, count, (field) => seen.push(field));
    between?.(round++);
  } while (cursor !== 0);
  return seen;
}

describe("HashValue fields", () => {
  test("set reports creation, keeps insertion order and overwrites in place", () => {
    const hash = new HashValue();
    expect(hash.set("a", "1")).toBe(true);
    expect(hash.set("b", "2")).toBe(true);
    expect(hash.set("a", "3")).toBe(false);
    expect([...hash.pairs()]).toEqual([
      ["a", "3"],
      ["b", "2"],
    ]);
    expect(hash.size).toBe(2);
  });

  test("delete removes a field once", () => {
    const hash = hashOf(2);
    expect(hash.delete("f0")).toBe(true);
    expect(hash.delete("f0")).toBe(false);
    expect(hash.has("f0")).toBe(false);
    expect(hash.size).toBe(1);
  });
});

describe("HashValue field expiry", () => {
  test("expiryOf is undefined for a missing field, 0 without TTL, else the instant", () => {
    const hash = hashOf(1);
    expect(hash.expiryOf("nope")).toBeUndefined();
    expect(hash.expiryOf("f0")).toBe(0);
    expect(hash.setExpiry("f0", 5_000)).toBe(true);
    expect(hash.expiryOf("f0")).toBe(5_000);
    expect(hash.setExpiry("nope", 5_000)).toBe(false);
  });

  test("set clears the TTL unless asked to keep it", () => {
    const hash = hashOf(2);
    hash.setExpiry("f0", 5_000);
    hash.setExpiry("f1", 5_000);
    hash.set("f0", "x");
    hash.set("f1", "y", true);
    expect(hash.expiryOf("f0")).toBe(0);
    expect(hash.expiryOf("f1")).toBe(5_000);
  });

  test("removeExpired deletes fields strictly before now, in field order", () => {
    const hash = hashOf(4);
    hash.setExpiry("f2", 100);
    hash.setExpiry("f0", 200);
    hash.setExpiry("f3", 300);
    expect(hash.removeExpired(200)).toEqual(["f2"]); // f0 lives through its own millisecond
    expect(hash.removeExpired(301)).toEqual(["f0", "f3"]);
    expect([...hash.pairs()]).toEqual([["f1", "v1"]]);
    expect(hash.hasVolatileFields()).toBe(false);
  });

  test("persist and deletion drop a TTL so it never expires the field", () => {
    const hash = hashOf(2);
    hash.setExpiry("f0", 100);
    hash.setExpiry("f1", 100);
    expect(hash.persist("f0")).toBe(true);
    expect(hash.persist("f0")).toBe(false);
    hash.delete("f1");
    hash.set("f1", "again");
    expect(hash.removeExpired(1_000)).toEqual([]);
    expect(hash.size).toBe(2);
  });

  test("nextExpiryAtMs is a lower bound of the earliest TTL", () => {
    const hash = hashOf(2);
    expect(hash.nextExpiryAtMs()).toBe(Infinity);
    hash.setExpiry("f0", 300);
    hash.setExpiry("f1", 200);
    expect(hash.nextExpiryAtMs()).toBe(200);
    hash.removeExpired(250);
    expect(hash.nextExpiryAtMs()).toBe(300);
  });
});

describe("HashValue scan", () => {
  test("a full walk in small steps returns every field once", () => {
    const hash = hashOf(100);
    const seen = scanAll(hash, 7);
    expect(seen).toHaveLength(100);
    expect(new Set(seen).size).toBe(100);
  });

  test("fields present for the whole walk are returned despite deletions and compaction", () => {
    const hash = hashOf(300);
    const survivors = new Set([...hash.pairs()].map(([field]) => field).filter((_, i) => i % 10 === 0));
    const doomed = [...hash.pairs()].map(([field]) => field).filter((field) => !survivors.has(field));
    const seen = scanAll(hash, 5, (round) => {
      // Delete many fields mid-walk (enough to force compactions) and add some.
      for (const field of doomed.splice(0, 40)) hash.delete(field);
      hash.set(`new${round}`, "x");
    });
    for (const field of survivors) expect(seen).toContain(field);
  });

  test("a cursor beyond the end completes at once", () => {
    const hash = hashOf(3);
    const seen: string[] = [];
    expect(hash.scan(Number.MAX_SAFE_INTEGER, 10, (field) => seen.push(field))).toBe(0);
    expect(seen).toEqual([]);
  });
});

describe("HashValue randomPair", () => {
  test("only ever returns live fields", () => {
    const hash = hashOf(50);
    for (let i = 0; i < 45; i++) hash.delete(`f${i}`);
    let state = 0;
    const draw = (n: number) => (state = (state * 31 + 7) % 1_000_003) % n;
    for (let i = 0; i < 200; i++) expect(Number(hash.randomPair(draw)![0].slice(1))).toBeGreaterThanOrEqual(45);
  });

  test("is undefined on an empty hash", () => {
    expect(new HashValue().randomPair(() => 0)).toBeUndefined();
  });
});

describe("HashValue encoding", () => {
  test("listpack while small, listpackex with a field TTL", () => {
    const hash = hashOf(3);
    expect(hash.encoding()).toBe("listpack");
    hash.setExpiry("f0", 100);
    expect(hash.encoding()).toBe("listpackex");
    hash.persist("f0");
    expect(hash.encoding()).toBe("listpack");
  });

  test("hashtable past the entry count or value size, and it stays so", () => {
    const many = hashOf(LISTPACK_ENTRIES_MAX);
    expect(many.encoding()).toBe("listpack");
    many.set("one-more", "x");
    expect(many.encoding()).toBe("hashtable");
    many.delete("one-more");
    expect(many.encoding()).toBe("hashtable");

    const long = hashOf(1);
    long.set("f", "x".repeat(LISTPACK_VALUE_BYTES_MAX));
    expect(long.encoding()).toBe("listpack");
    long.set("f", "x".repeat(LISTPACK_VALUE_BYTES_MAX + 1));
    expect(long.encoding()).toBe("hashtable");
  });
});

describe("HashValue clone and size", () => {
  test("a clone keeps values, TTLs and encoding but shares nothing", () => {
    const hash = hashOf(2);
    hash.setExpiry("f1", 500);
    const copy = hash.clone();
    copy.set("f0", "changed");
    copy.delete("f1");
    expect(hash.get("f0")).toBe("v0");
    expect(hash.expiryOf("f1")).toBe(500);
    expect(hash.clone().expiryOf("f1")).toBe(500);
    expect(hash.clone().encoding()).toBe("listpackex");
  });

  test("approxBytes grows with the contents", () => {
    const small = hashOf(1).approxBytes();
    expect(small).toBeGreaterThan(0);
    expect(hashOf(10).approxBytes()).toBeGreaterThan(small);
  });
});

describe("HashValue small and indexed", () => {
  // A hash of up to 8 fields is searched in order; past that it builds an index. Random edits on
  // a pool of 20 fields cross that size both ways; a Map (insertion-ordered) is the model.
  test("random sets and deletes across the indexed size agree with a Map, in order", () => {
    const random = new SeededRandom(7);
    for (let round = 0; round < 50; round++) {
      const hash = new HashValue();
      const model = new Map<string, string>();
      for (let step = 0; step < 400; step++) {
        const field = `f${randomInt(random, 20)}`;
        if (random.next() < 0.55) {
          const value = `v${step}`;
          expect(hash.set(field, value)).toBe(!model.has(field));
          model.set(field, value);
        } else {
          expect(hash.delete(field)).toBe(model.delete(field));
        }
        expect(hash.size).toBe(model.size);
        expect(hash.get(field)).toBe(model.get(field));
        expect([...hash.pairs()]).toEqual([...model.entries()]);
      }
      expect(scanAll(hash, 3).sort()).toEqual([...model.keys()].sort());
    }
  });

  test("a field deleted from a small hash and set again moves to the end", () => {
    const hash = hashOf(3);
    hash.delete("f0");
    hash.set("f0", "again");
    expect([...hash.pairs()].map(([field]) => field)).toEqual(["f1", "f2", "f0"]);
    expect(hash.get("f0")).toBe("again");
  });
});
