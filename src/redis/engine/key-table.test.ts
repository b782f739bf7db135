import { describe, expect, test } from "bun:test";
import { KeyTable } from "./key-table.ts";
import type { Entry } from "./keyspace.ts";
import { SLOT_COUNT, keySlot } from "./slot.ts";

const entry = (value: string): Entry => ({ type: "string", value, expiresAtMs: 0, snapshotEpoch: 0 });

/** Keys of every shape the records treat differently: empty, inline, exactly 20 bytes, longer, wide. */
function keyOf(n: number): string {
  switch (n % 6) {
    case 0: return n === 0 ? "" : `k${n}`;
    case 1: return `key:${String(n).padStart(16, "0")}`; // exactly 20 bytes
    case 2: return `a longer key of more than twenty bytes: ${n}`;
    case 3: return `bin\x00\xff${n}`;
    case 4: return `wide\u0141${n}`; // never made by the engine, but must still be exact
    default: return `{tag}${n}`;
  }
}

/** A seeded LCG, so the random walk is the same every run. */
function lcg(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
}

describe("KeyTable", () => {
  test("agrees with a Map through random inserts, replacements and deletions, across growing and shrinking", () => {
    const table = new KeyTable();
    const model = new Map<string, Entry>();
    const draw = lcg(7);
    for (let step = 0; step < 60_000; step++) {
      // Grow to ~8,000 keys, then mostly delete, so tables both double and halve.
      const key = keyOf(draw(12_000));
      const deleting = step < 30_000 ? draw(4) === 0 : draw(4) !== 0;
      if (deleting) {
        expect(table.delete(key, keySlot(key))).toBe(model.get(key));
        model.delete(key);
      } else {
        const fresh = entry(`v${step}`);
        expect(table.set(key, keySlot(key), fresh)).toBe(model.get(key));
        model.set(key, fresh);
      }
      if (step % 5_000 === 0) for (let n = 0; n < 12_000; n++) expect(table.get(keyOf(n), keySlot(keyOf(n)))).toBe(model.get(keyOf(n)));
    }
    expect(table.size).toBe(model.size);
    for (let n = 0; n < 12_000; n++) expect(table.get(keyOf(n), keySlot(keyOf(n)))).toBe(model.get(keyOf(n)));
  });

  test("lists each slot's keys and entries in the order the keys were added", () => {
    const table = new KeyTable();
    const bySlot = new Map<number, string[]>();
    for (let n = 0; n < 3_000; n++) {
      const key = keyOf(n);
      table.set(key, keySlot(key), entry(key));
      bySlot.set(keySlot(key), [...(bySlot.get(keySlot(key)) ?? []), key]);
    }
    for (let n = 0; n < 3_000; n += 3) {
      const key = keyOf(n);
      table.delete(key, keySlot(key));
      bySlot.set(keySlot(key), bySlot.get(keySlot(key))!.filter((listed) => listed !== key));
    }
    // Replacing an entry keeps the key's place.
    table.set(keyOf(1), keySlot(keyOf(1)), entry("replaced"));
    let listed = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const keys = bySlot.get(slot) ?? [];
      expect(table.slotKeys(slot)).toEqual(keys);
      expect(table.slotSize(slot)).toBe(keys.length);
      expect(table.slotEntries(slot).map(([key, slotEntry]) => [key, slotEntry.value])).toEqual(keys.map((key) => [key, key === keyOf(1) ? "replaced" : key]));
      listed += keys.length;
    }
    expect(listed).toBe(table.size);
  });

  test("tells keys apart that share a prefix, a length or everything but their last byte", () => {
    const table = new KeyTable();
    const keys = ["", "a", "a\x00", "ab", "abcd", "abce", "x".repeat(20), "x".repeat(19) + "y", "x".repeat(21), "x".repeat(20) + "y", "\u0100", "\x00\x01"];
    keys.forEach((key, n) => table.set(key, keySlot(key), entry(String(n))));
    keys.forEach((key, n) => expect(table.get(key, keySlot(key))?.value).toBe(String(n)));
    expect(table.get("abc", keySlot("abc"))).toBeUndefined();
    expect(table.get("x".repeat(22), keySlot("x".repeat(22)))).toBeUndefined();
  });

  test("after mass deletions the ids are numbered again: their places shrink, keys and slot order stay", () => {
    const table = new KeyTable();
    const model = new Map<string, Entry>();
    for (let n = 0; n < 20_000; n++) {
      const fresh = entry(`v${n}`);
      table.set(keyOf(n), keySlot(keyOf(n)), fresh);
      model.set(keyOf(n), fresh);
    }
    const slotOrderBefore = Array.from({ length: SLOT_COUNT }, (_, slot) => table.slotKeys(slot));
    expect(table.idPlaces).toBeGreaterThanOrEqual(20_000);
    for (let n = 0; n < 20_000; n++) {
      if (n % 10 === 0) continue;
      table.delete(keyOf(n), keySlot(keyOf(n)));
      model.delete(keyOf(n));
    }
    expect(table.size).toBe(2_000);
    // Each table keeps at most four places a key (and 8 at least): far below the 20,000 it held.
    expect(table.idPlaces).toBeLessThanOrEqual(4 * 2_000 + 8 * 256);
    for (let n = 0; n < 20_000; n++) expect(table.get(keyOf(n), keySlot(keyOf(n)))).toBe(model.get(keyOf(n)));
    for (let slot = 0; slot < SLOT_COUNT; slot++) expect(table.slotKeys(slot)).toEqual(slotOrderBefore[slot]!.filter((key) => model.has(key)));
    // New keys go after the survivors of their slot, and deleting again still finds each key.
    for (let n = 20_000; n < 23_000; n++) table.set(keyOf(n), keySlot(keyOf(n)), entry(`v${n}`));
    expect(table.slotKeys(keySlot(keyOf(22_999))).at(-1)).toBe(keyOf(22_999));
    for (let n = 0; n < 23_000; n += 10) expect(table.delete(keyOf(n), keySlot(keyOf(n)))).toBeDefined();
    expect(table.size).toBe(2_000 + 3_000 - 2_300);
  });

  test("keyAt counts through the slots' lists in slot order", () => {
    const table = new KeyTable();
    for (let n = 0; n < 3_000; n++) table.set(keyOf(n), keySlot(keyOf(n)), entry("v"));
    for (let n = 0; n < 3_000; n += 4) table.delete(keyOf(n), keySlot(keyOf(n)));
    const inSlotOrder = Array.from({ length: SLOT_COUNT }, (_, slot) => table.slotKeys(slot)).flat();
    expect(inSlotOrder.length).toBe(table.size);
    for (let index = 0; index < table.size; index++) expect(table.keyAt(index)).toBe(inSlotOrder[index]!);
    expect(() => table.keyAt(table.size)).toThrow(RangeError);
  });

  test("clear empties every table and slot", () => {
    const table = new KeyTable();
    for (let n = 0; n < 500; n++) table.set(keyOf(n), keySlot(keyOf(n)), entry("v"));
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get(keyOf(1), keySlot(keyOf(1)))).toBeUndefined();
    for (let n = 0; n < 500; n++) expect(table.slotSize(keySlot(keyOf(n)))).toBe(0);
  });
});
