// Proves the list structure on its own: seeded random operations at both ends and in the middle
// agree with a plain array at every step (growth and shrinking of a small list, and lists of many
// chunks gaining and losing chunks at both ends), end operations stay O(1) on a long list,
// listpack entry sizes match Redis's encoding, and clones share nothing.

import { describe, expect, test } from "bun:test";
import { SeededRandom, randomInt } from "../../util/random.ts";
import { LISTPACK_BYTES_MAX, ListValue, listpackEntryBytes } from "./list.ts";

const values = ["a", "b", "", "\x00\xff", "1", "-4096", "127", "x".repeat(70), "12345678901", "c"];

/** Applies one random operation to both the list and the model. */
function randomStep(list: ListValue, model: string[], draw: (n: number) => number, pushBias: number): void {
  const value = values[draw(values.length)]!;
  const roll = draw(100);
  if (roll < pushBias / 2) {
    list.pushFront([value, value + "!"]);
    model.unshift(value + "!", value);
  } else if (roll < pushBias) {
    list.pushBack([value]);
    model.push(value);
  } else if (roll < pushBias + 15) {
    expect(list.popFront()).toBe(model.shift());
  } else if (roll < pushBias + 30) {
    expect(list.popBack()).toBe(model.pop());
  } else if (roll < pushBias + 38) {
    const index = draw(model.length + 1);
    list.insertAt(index, value);
    model.splice(index, 0, value);
  } else if (roll < pushBias + 46 && model.length > 0) {
    const index = draw(model.length);
    expect(list.removeAt(index)).toBe(model.splice(index, 1)[0]!);
  } else if (roll < pushBias + 52 && model.length > 0) {
    const index = draw(model.length);
    list.setAt(index, value);
    model[index] = value;
  } else if (roll < pushBias + 55) {
    const limit = draw(3);
    const fromHead = draw(2) === 0;
    let removed = 0;
    const kept: string[] = [];
    const order = fromHead ? model : [...model].reverse();
    for (const element of order) {
      if (element === value && (limit === 0 || removed < limit)) removed++;
      else kept.push(element);
    }
    if (!fromHead) kept.reverse();
    expect(list.removeEqual(value, limit, fromHead)).toBe(removed);
    model.splice(0, model.length, ...kept);
  } else if (roll < pushBias + 57) {
    const start = draw(model.length + 2) - 1;
    const end = draw(model.length + 2) - 1;
    list.trim(start, end);
    const kept = start > end || start >= model.length || end < 0 ? [] : model.slice(Math.max(start, 0), end + 1);
    model.splice(0, model.length, ...kept);
  }
}

function expectSame(list: ListValue, model: string[]): void {
  expect(list.length).toBe(model.length);
  expect([...list.values()]).toEqual(model);
  expect([...list.valuesFromTail()]).toEqual([...model].reverse());
  if (model.length > 0) {
    expect(list.at(0)).toBe(model[0]);
    expect(list.at(model.length - 1)).toBe(model[model.length - 1]);
    expect(list.range(0, model.length - 1)).toEqual(model);
  }
  expect(list.at(model.length)).toBeUndefined();
  expect(list.at(-1)).toBeUndefined();
}

describe("ListValue against an array model", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`seed ${seed}: 3000 random operations agree step by step`, () => {
      const random = new SeededRandom(seed);
      const draw = (n: number) => randomInt(random, n);
      const list = new ListValue();
      const model: string[] = [];
      for (let step = 0; step < 3000; step++) {
        // Phases that grow, then drain, so the buffer doubles and halves and wraps around.
        const pushBias = Math.floor(step / 500) % 2 === 0 ? 45 : 20;
        randomStep(list, model, draw, pushBias);
        if (step % 50 === 0) expectSame(list, model);
      }
      expectSame(list, model);
    });
  }

  for (const seed of [6, 7]) {
    test(`seed ${seed}: lists of several 1,024-slot chunks agree step by step while they grow and drain`, () => {
      const random = new SeededRandom(seed);
      const draw = (n: number) => randomInt(random, n);
      const list = new ListValue();
      const model: string[] = [];
      for (let step = 0; step < 24_000; step++) {
        // Grow to a few thousand elements, drain to nothing, grow again.
        const pushBias = step < 8000 || step >= 16_000 ? 50 : 10;
        randomStep(list, model, draw, pushBias);
        if (step % 1000 === 0) expectSame(list, model);
      }
      expect(model.length).toBeGreaterThan(2000);
      expectSame(list, model);
      const copy = list.clone();
      while (list.length > 0) list.popFront();
      expectSame(copy, model);
    });
  }

  test("pushing at one end and popping at the other crosses chunk edges without losing order", () => {
    for (const [push, pop] of [
      ["front", "back"],
      ["back", "front"],
    ] as const) {
      const list = new ListValue();
      const model: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        if (push === "front") {
          list.pushFront([String(i)]);
          model.unshift(String(i));
        } else {
          list.pushBack([String(i)]);
          model.push(String(i));
        }
        if (i % 3 === 0) expect(pop === "front" ? list.popFront() : list.popBack()).toBe(pop === "front" ? model.shift() : model.pop());
      }
      expectSame(list, model);
    }
  });

  test("pushing at the tail while popping the head keeps order", () => {
    const list = new ListValue();
    const model: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      list.pushBack([String(i)]);
      model.push(String(i));
      if (i % 3 === 0) expect(list.popFront()).toBe(model.shift());
    }
    expectSame(list, model);
  });

  test("draining to empty and refilling works from any head position", () => {
    const list = new ListValue();
    for (let round = 0; round < 5; round++) {
      list.pushFront(Array.from({ length: 100 + round }, (_, i) => `v${i}`));
      while (list.length > 0) list.popBack();
      expect([...list.values()]).toEqual([]);
    }
  });
});

describe("ListValue worst cases", () => {
  test("200,000 pushes and pops at the head stay fast (no O(n) shifting)", () => {
    const list = new ListValue();
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) list.pushFront([String(i)]);
    for (let i = 0; i < 200_000; i++) list.popFront();
    // A deliberately loose bound: an O(n) shift per pop would take minutes here.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(list.length).toBe(0);
  });

  test("index access is direct on a long list", () => {
    const list = ListValue.of(Array.from({ length: 100_000 }, (_, i) => String(i)));
    list.popFront();
    list.pushFront(["head"]);
    expect(list.at(0)).toBe("head");
    expect(list.at(50_000)).toBe("50000");
    expect(list.at(99_999)).toBe("99999");
  });

  test("out-of-range positions are refused, not silently clamped", () => {
    const list = ListValue.of(["a"]);
    expect(() => list.setAt(1, "x")).toThrow(RangeError);
    expect(() => list.removeAt(-1)).toThrow(RangeError);
    expect(() => list.insertAt(2, "x")).toThrow(RangeError);
  });
});

describe("listpack sizes and OBJECT ENCODING", () => {
  test("entry sizes follow Redis's listpack encoding", () => {
    expect(listpackEntryBytes("0")).toBe(2); // 7-bit uint + backlen
    expect(listpackEntryBytes("127")).toBe(2);
    expect(listpackEntryBytes("128")).toBe(3); // 13-bit int
    expect(listpackEntryBytes("-4096")).toBe(3);
    expect(listpackEntryBytes("4096")).toBe(4); // 16-bit
    expect(listpackEntryBytes("-8388608")).toBe(5); // 24-bit
    expect(listpackEntryBytes("2147483647")).toBe(6); // 32-bit
    expect(listpackEntryBytes("9223372036854775807")).toBe(10); // 64-bit
    expect(listpackEntryBytes("01")).toBe(4); // not canonical: a 2-byte string
    expect(listpackEntryBytes("")).toBe(2);
    expect(listpackEntryBytes("x".repeat(63))).toBe(65);
    expect(listpackEntryBytes("x".repeat(64))).toBe(67); // 12-bit length header
    expect(listpackEntryBytes("x".repeat(125))).toBe(128); // entry of 127 bytes: 1-byte backlen
    expect(listpackEntryBytes("x".repeat(126))).toBe(130); // entry of 128 bytes: 2-byte backlen
    expect(listpackEntryBytes("x".repeat(4096))).toBe(4103); // 32-bit length header
  });

  test("a listpack becomes a quicklist past 8 KB and comes back at 4 KB", () => {
    const list = ListValue.of(["x".repeat(4000), "y".repeat(4000)]);
    expect(list.encoding()).toBe("listpack");
    list.pushBack(["z".repeat(LISTPACK_BYTES_MAX - 8000)]);
    expect(list.encoding()).toBe("quicklist");
    list.popBack();
    expect(list.encoding()).toBe("quicklist");
    list.popBack();
    expect(list.encoding()).toBe("listpack");
    expect(list.approxBytes()).toBeGreaterThan(4000);
  });
});

describe("ListValue.clone", () => {
  test("a clone shares nothing and keeps the encoding", () => {
    const list = ListValue.of(["a", "x".repeat(9000)]);
    const copy = list.clone();
    copy.pushBack(["b"]);
    list.setAt(0, "A");
    expect([...list.values()]).toEqual(["A", "x".repeat(9000)]);
    expect([...copy.values()]).toEqual(["a", "x".repeat(9000), "b"]);
    expect(copy.encoding()).toBe("quicklist");
  });
});
