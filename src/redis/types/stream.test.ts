// Proves the stream structure against naive models: seeded random appends, deletes, trims and range
// reads give what a sorted array gives, the node layout keeps Redis's invariants (at most 100
// entries, ids ordered, live counts right), and the PEL map agrees with a Map plus sorting —
// including worst cases: tombstone-heavy nodes, one-entry nodes, ids at the 2^64 edges, and
// PEL inserts in random order that split chunks.

import { describe, expect, test } from "bun:test";
import { SeededRandom, randomInt } from "../../util/random.ts";
import { IdMap, NODE_ENTRIES_MAX, STREAM_ID_MAX, StreamValue, formatStreamId, streamId, type StreamId } from "./stream.ts";

interface ModelEntry {
  id: StreamId;
  fields: string[];
}

/** Checks the node layout invariants and that the live entries are exactly the model's. */
function checkAgainstModel(stream: StreamValue, model: ModelEntry[]): void {
  let previous = -1n;
  let live = 0;
  for (const node of stream.nodes) {
    expect(node.entries.length).toBeGreaterThan(0);
    expect(node.entries.length).toBeLessThanOrEqual(NODE_ENTRIES_MAX);
    expect(node.masterId).toBe(node.entries[0]!.id);
    expect(node.live).toBe(node.entries.filter((entry) => !entry.deleted).length);
    for (const entry of node.entries) {
      expect(entry.id > previous).toBe(true);
      previous = entry.id;
    }
    live += node.live;
  }
  expect(live).toBe(stream.length);
  expect(stream.length).toBe(model.length);
  expect([...stream.range(0n, STREAM_ID_MAX)].map((entry) => [entry.id, entry.fields])).toEqual(model.map((entry) => [entry.id, entry.fields]));
  if (model.length > 0) expect(stream.firstId).toBe(model[0]!.id);
}

function randomFields(random: SeededRandom): string[] {
  const pairs = 1 + randomInt(random, 3);
  const out: string[] = [];
  for (let i = 0; i < pairs; i++) {
    out.push(randomInt(random, 4) === 0 ? `field${randomInt(random, 3)}` : "f");
    const roll = randomInt(random, 20);
    out.push(roll === 0 ? "x".repeat(1000 + randomInt(random, 3000)) : roll < 4 ? String(randomInt(random, 100_000) - 50_000) : `v${randomInt(random, 1000)}`);
  }
  return out;
}

describe("StreamValue against a sorted-array model", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`seed ${seed}: appends, deletes, trims and range reads agree`, () => {
      const random = new SeededRandom(seed);
      const stream = new StreamValue();
      let model: ModelEntry[] = [];
      let ms = seed === 5 ? (1n << 64n) - 1_000_000n : 1_000n;
      let seq = seed === 4 ? (1n << 64n) - 50n : 0n;
      for (let step = 0; step < 3000; step++) {
        const roll = randomInt(random, 100);
        if (roll < 55) {
          if (randomInt(random, 10) === 0) {
            ms += BigInt(1 + randomInt(random, 1000));
            seq = 0n;
          } else if (seq === (1n << 64n) - 1n) {
            ms += 1n;
            seq = 0n;
          } else seq += 1n;
          const id = streamId(ms, seq);
          const fields = randomFields(random);
          stream.append(id, fields);
          model.push({ id, fields });
        } else if (roll < 75) {
          const target = model.length > 0 && randomInt(random, 4) > 0 ? model[randomInt(random, model.length)]!.id : streamId(ms, BigInt(randomInt(random, 100)));
          const present = model.some((entry) => entry.id === target);
          expect(stream.delete(target)).toBe(present);
          model = model.filter((entry) => entry.id !== target);
        } else if (roll < 80) {
          const byLength = randomInt(random, 2) === 0;
          const approximate = randomInt(random, 2) === 0;
          const maxLength = BigInt(randomInt(random, model.length + 20));
          const minId = model.length > 0 ? model[randomInt(random, model.length)]!.id : 0n;
          const before = model.length;
          const removed = stream.trim({ strategy: byLength ? "maxlen" : "minid", maxLength, minId, approximate, limit: 0n, policy: "KEEPREF" });
          const exactKeep = byLength ? model.slice(Math.max(0, model.length - Number(maxLength))) : model.filter((entry) => entry.id >= minId);
          if (!approximate) expect(removed).toBe(before - exactKeep.length);
          // Approximate trimming removes a prefix, never more than exact trimming would.
          expect(removed).toBeLessThanOrEqual(before - exactKeep.length);
          model = model.slice(removed);
        } else {
          const a = model.length > 0 ? model[randomInt(random, model.length)]!.id - BigInt(randomInt(random, 2)) : 0n;
          const b = model.length > 0 ? model[randomInt(random, model.length)]!.id + BigInt(randomInt(random, 2)) : STREAM_ID_MAX;
          const reverse = randomInt(random, 2) === 0;
          const expected = model.filter((entry) => entry.id >= a && entry.id <= b).map((entry) => entry.id);
          if (reverse) expected.reverse();
          expect([...stream.range(a, b, reverse)].map((entry) => entry.id)).toEqual(expected);
          const probe = model.length > 0 ? model[randomInt(random, model.length)]!.id : 1n;
          expect(stream.get(probe)?.fields).toEqual(model.find((entry) => entry.id === probe)?.fields);
        }
        if (step % 250 === 0) checkAgainstModel(stream, model);
      }
      checkAgainstModel(stream, model);
      expect(stream.clone()).toEqual(stream);
    });
  }

  test("nodes close at 100 entries, or when the listpack would reach 4096 bytes", () => {
    const stream = new StreamValue();
    for (let i = 1; i <= 250; i++) stream.append(streamId(1n, BigInt(i)), ["f", "v"]);
    expect(stream.nodes.map((node) => node.entries.length)).toEqual([100, 100, 50]);
    const big = new StreamValue();
    for (let i = 1; i <= 5; i++) big.append(streamId(1n, BigInt(i)), ["f", "x".repeat(3000)]);
    expect(big.nodes.map((node) => node.entries.length)).toEqual([1, 1, 1, 1, 1]);
  });

  test("tombstones keep their node until its last live entry goes; a whole deleted node disappears", () => {
    const stream = new StreamValue();
    for (let i = 1; i <= 200; i++) stream.append(streamId(1n, BigInt(i)), ["f", "v"]);
    for (let i = 1; i <= 99; i++) stream.delete(streamId(1n, BigInt(i)));
    expect(stream.nodes.length).toBe(2);
    expect(stream.nodes[0]!.entries.length).toBe(100);
    stream.delete(streamId(1n, 100n));
    expect(stream.nodes.length).toBe(1);
    expect(stream.firstId).toBe(streamId(1n, 101n));
    expect(stream.maxDeletedId).toBe(streamId(1n, 100n));
  });

  test("formats ids at the 64-bit edges exactly", () => {
    expect(formatStreamId(STREAM_ID_MAX)).toBe("18446744073709551615-18446744073709551615");
    expect(formatStreamId(streamId(9007199254740993n, 0n))).toBe("9007199254740993-0");
  });

  test("10 000 entries with every other one deleted still seek by id", () => {
    const stream = new StreamValue();
    for (let i = 1; i <= 10_000; i++) stream.append(streamId(BigInt(i), 0n), ["f", String(i)]);
    for (let i = 2; i <= 10_000; i += 2) stream.delete(streamId(BigInt(i), 0n));
    expect(stream.length).toBe(5000);
    expect([...stream.range(streamId(5000n, 0n), streamId(5006n, 0n))].map((entry) => entry.fields[1])).toEqual(["5001", "5003", "5005"]);
    expect([...stream.range(0n, STREAM_ID_MAX, true)][0]!.fields[1]).toBe("9999");
    expect(stream.get(streamId(7777n, 0n))?.fields).toEqual(["f", "7777"]);
    expect(stream.get(streamId(7778n, 0n))).toBeUndefined();
  });
});

describe("IdMap against a Map", () => {
  for (const seed of [7, 8, 9]) {
    test(`seed ${seed}: random inserts, deletes, ceilings and ordered walks agree`, () => {
      const random = new SeededRandom(seed);
      const map = new IdMap<number>();
      const model = new Map<bigint, number>();
      for (let step = 0; step < 5000; step++) {
        const id = BigInt(randomInt(random, 2000)) * (seed === 9 ? 1n << 70n : 1n);
        const roll = randomInt(random, 10);
        if (roll < 6) {
          expect(map.set(id, step)).toBe(!model.has(id));
          model.set(id, step);
        } else if (roll < 9) {
          expect(map.delete(id)).toBe(model.get(id));
          model.delete(id);
        } else {
          const sorted = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          const next = sorted.find((key) => key >= id);
          expect(map.ceiling(id)?.[0]).toBe(next);
          expect([...map.from(id)].map(([key]) => key)).toEqual(sorted.filter((key) => key >= id));
        }
        expect(map.size).toBe(model.size);
      }
      const sorted = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect([...map.from()].map(([key, value]) => [key, value])).toEqual(sorted.map((key) => [key, model.get(key)!]));
      expect(map.first()?.[0]).toBe(sorted[0]);
      expect(map.last()?.[0]).toBe(sorted[sorted.length - 1]);
    });
  }
});
