// Proves the set structure on its own: seeded random adds and removes agree with a JS Set, iteration
// follows Redis's order (numeric for an intset, insertion for the rest), encodings convert only one
// way at Redis's limits, random picks are uniform and never return a removed member, and a scan
// sees every member present for the whole walk exactly once, whatever changes in between.

import { describe, expect, test } from "bun:test";
import { SeededRandom, randomInt } from "../../util/random.ts";
import { INTSET_ENTRIES_MAX, LISTPACK_ENTRIES_MAX, SetValue, compareIntegerTexts, parseCanonicalInt64 } from "./set.ts";

const pool = [...Array.from({ length: 40 }, (_, i) => String(i - 20)), ...Array.from({ length: 60 }, (_, i) => `m${i}`), "", "\x00", "x".repeat(70)];

function scanAll(set: SetValue, count: number, between?: (round: number) => void): string[] {
  const seen: string[] = [];
  let cursor = 0;
  let round = 0;
  do {
    cursor = set.scan(cursor, count, (member) => seen.push(member));
    between?.(round++);
  } while (cursor !== 0);
  return seen;
}

describe("SetValue against a Set model", () => {
  for (const seed of [1, 2, 3, 4]) {
    test(`seed ${seed}: 5000 random adds and deletes agree, in Redis's iteration order`, () => {
      const random = new SeededRandom(seed);
      const draw = (n: number) => randomInt(random, n);
      const set = SetValue.empty();
      const model = new Set<string>();
      for (let step = 0; step < 5000; step++) {
        // Integers only at first, so the set spends a while as an intset.
        const member = step < 300 ? pool[draw(40)]! : pool[draw(pool.length)]!;
        if (draw(100) < 60) expect(set.add(member)).toBe(!model.has(member) && (model.add(member), true));
        else expect(set.delete(member)).toBe(model.delete(member));
        if (step % 97 === 0) {
          expect(set.size).toBe(model.size);
          const members = set.members();
          if (set.encoding() === "intset") expect(members).toEqual([...model].sort(compareIntegerTexts));
          else expect(new Set(members)).toEqual(model);
          for (const candidate of pool.slice(0, 10)) expect(set.has(candidate)).toBe(model.has(candidate));
        }
      }
    });
  }

  test("a listpack keeps insertion order through deletes and re-adds", () => {
    const set = SetValue.create("a", 3);
    for (const member of ["a", "b", "c", "d"]) set.add(member);
    set.delete("b");
    set.add("b");
    expect(set.members()).toEqual(["a", "c", "d", "b"]);
  });
});

describe("SetValue encodings", () => {
  test("create picks the most compact encoding the first member and the size hint allow", () => {
    expect(SetValue.create("1", 1).encoding()).toBe("intset");
    expect(SetValue.create("1", INTSET_ENTRIES_MAX + 1).encoding()).toBe("hashtable");
    expect(SetValue.create("a", LISTPACK_ENTRIES_MAX).encoding()).toBe("listpack");
    expect(SetValue.create("a", LISTPACK_ENTRIES_MAX + 1).encoding()).toBe("hashtable");
    expect(SetValue.create("1", 200).encoding()).toBe("intset");
  });

  test("an intset converts to a listpack for a string while small, to a hashtable when big", () => {
    const small = SetValue.empty();
    for (const member of ["5", "-1", "3"]) small.add(member);
    small.add("a");
    expect(small.encoding()).toBe("listpack");
    expect(small.members()).toEqual(["-1", "3", "5", "a"]);

    const big = SetValue.empty();
    for (let i = 0; i < LISTPACK_ENTRIES_MAX; i++) big.add(String(i));
    big.add("a");
    expect(big.encoding()).toBe("hashtable");

    const long = SetValue.empty();
    long.add("1");
    long.add("y".repeat(65));
    expect(long.encoding()).toBe("hashtable");
  });

  test("prepareFor converts ahead of a big write only past the current encoding's limit", () => {
    const set = SetValue.create("a", 1);
    set.prepareFor(LISTPACK_ENTRIES_MAX);
    expect(set.encoding()).toBe("listpack");
    set.prepareFor(LISTPACK_ENTRIES_MAX + 1);
    expect(set.encoding()).toBe("hashtable");
  });

  test("canonical int64 texts only", () => {
    expect(parseCanonicalInt64("-9223372036854775808")).toBe(-9223372036854775808n);
    expect(parseCanonicalInt64("9223372036854775807")).toBe(9223372036854775807n);
    for (const text of ["9223372036854775808", "-0", "01", "+1", " 1", "1 ", "", "1.0", "0x1"]) expect(parseCanonicalInt64(text)).toBeNull();
  });

  test("integer texts order numerically, exactly beyond 2^53", () => {
    const texts = ["9007199254740993", "9007199254740992", "-9007199254740993", "-9007199254740992", "0", "-1", "10", "9"];
    expect([...texts].sort(compareIntegerTexts)).toEqual(["-9007199254740993", "-9007199254740992", "-1", "0", "9", "10", "9007199254740992", "9007199254740993"]);
  });
});

describe("SetValue random picks", () => {
  test("uniform over live members, never a removed one, through compactions", () => {
    const random = new SeededRandom(9);
    const draw = (n: number) => randomInt(random, n);
    const set = SetValue.create("m0", 1000);
    for (let i = 0; i < 1000; i++) set.add(`m${i}`);
    for (let i = 0; i < 1000; i += 2) set.delete(`m${i}`);
    const counts = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      const member = set.randomMember(draw)!;
      expect(set.has(member)).toBe(true);
      counts.set(member, (counts.get(member) ?? 0) + 1);
    }
    expect(counts.size).toBe(500);
    // 100 expected per member; a fair draw stays well inside these bounds.
    expect(Math.min(...counts.values())).toBeGreaterThan(50);
    expect(Math.max(...counts.values())).toBeLessThan(160);
    expect(SetValue.empty().randomMember(draw)).toBeUndefined();
  });
});

describe("SetValue.scan", () => {
  test("visits each member once across pages", () => {
    const set = SetValue.create("m0", 1000);
    for (let i = 0; i < 300; i++) set.add(`m${i}`);
    const seen = scanAll(set, 7);
    expect(seen.length).toBe(300);
    expect(new Set(seen).size).toBe(300);
  });

  test("members present throughout are seen once even with deletes, compactions and adds in between", () => {
    const set = SetValue.create("m0", 1000);
    for (let i = 0; i < 300; i++) set.add(`m${i}`);
    const stable = Array.from({ length: 300 }, (_, i) => `m${i}`).filter((_, i) => i % 3 === 0);
    const seen = scanAll(set, 10, (round) => {
      for (let i = 0; i < 300; i++) if (i % 3 !== 0 && i % 7 === round % 7) set.delete(`m${i}`);
      set.add(`new${round}`);
    });
    for (const member of stable) expect(seen.filter((m) => m === member).length).toBe(1);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe("SetValue.clone", () => {
  test("a clone shares nothing and keeps order and encoding", () => {
    const set = SetValue.empty();
    for (const member of ["3", "1", "b", "a"]) set.add(member);
    const copy = set.clone();
    copy.add("z");
    set.delete("b");
    expect(set.members()).toEqual(["1", "3", "a"]);
    expect(copy.members()).toEqual(["1", "3", "b", "a", "z"]);
    expect(copy.encoding()).toBe("listpack");
  });
});
