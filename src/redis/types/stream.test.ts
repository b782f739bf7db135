// Proves the stream structure against naive models: seeded random appends, deletes, trims and range
// reads give what a sorted array gives, the node layout keeps Redis's invariants (at most 100
// entries, ids ordered, live counts right), and the PEL map agrees with a Map plus sorting —
// including worst cases: tombstone-heavy nodes, one-entry nodes, ids across 2^53 (where an id
// half turns from a number into a bigint) and at the 2^64 edges, and PEL inserts in random order
// that split chunks. The models hold ids as 128-bit bigints (ms << 64 | seq), a representation
// independent of the structure's own.

import { describe, expect, test } from "bun:test";
import { SeededRandom, randomInt } from "../../util/random.ts";
import {
  IdMap,
  NODE_ENTRIES_MAX,
  STREAM_ID_MAX,
  STREAM_ID_MIN,
  StreamId,
  StreamValue,
  U64_MAX,
  compareIds,
  formatStreamId,
  idAfter,
  idBefore,
  streamIdFromBigInt,
  streamIdToBigInt,
} from "./stream.ts";

const id = streamIdFromBigInt;
const big = streamIdToBigInt;
const streamId = (ms: bigint, seq: bigint) => id((ms << 64n) | seq);

interface ModelEntry {
  id: bigint;
  fields: string[];
}

/** Checks the node layout invariants and that the live entries are exactly the model's. */
function checkAgainstModel(stream: StreamValue, model: ModelEntry[]): void {
  let previous = -1n;
  let live = 0;
  for (const node of stream.nodes) {
    expect(node.entries.length).toBeGreaterThan(0);
    expect(node.entries.length).toBeLessThanOrEqual(NODE_ENTRIES_MAX);
    expect(node.masterId).toEqual(node.entries[0]!.id);
    expect(node.live).toBe(node.entries.filter((entry) => !entry.deleted).length);
    for (const entry of node.entries) {
      expect(big(entry.id) > previous).toBe(true);
      previous = big(entry.id);
    }
    live += node.live;
  }
  expect(live).toBe(stream.length);
  expect(stream.length).toBe(model.length);
  expect([...stream.range(STREAM_ID_MIN, STREAM_ID_MAX)].map((entry) => [big(entry.id), entry.fields])).toEqual(model.map((entry) => [entry.id, entry.fields]));
  if (model.length > 0) expect(big(stream.firstId)).toBe(model[0]!.id);
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
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`seed ${seed}: appends, deletes, trims and range reads agree; a clone taken midway keeps its state`, () => {
      const random = new SeededRandom(seed);
      const stream = new StreamValue();
      let model: ModelEntry[] = [];
      let midway: { clone: StreamValue; model: ModelEntry[] } | undefined;
      let ms = seed === 5 ? (1n << 64n) - 1_000_000n : seed === 6 ? (1n << 53n) - 2_000n : 1_000n;
      let seq = seed === 4 ? (1n << 64n) - 50n : seed === 6 ? (1n << 53n) - 100n : 0n;
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
          const key = (ms << 64n) | seq;
          const fields = randomFields(random);
          stream.append(id(key), fields);
          model.push({ id: key, fields });
        } else if (roll < 75) {
          const target = model.length > 0 && randomInt(random, 4) > 0 ? model[randomInt(random, model.length)]!.id : (ms << 64n) | BigInt(randomInt(random, 100));
          const present = model.some((entry) => entry.id === target);
          expect(stream.delete(id(target))).toBe(present);
          model = model.filter((entry) => entry.id !== target);
        } else if (roll < 80) {
          const byLength = randomInt(random, 2) === 0;
          const approximate = randomInt(random, 2) === 0;
          const maxLength = BigInt(randomInt(random, model.length + 20));
          const minId = model.length > 0 ? model[randomInt(random, model.length)]!.id : 0n;
          const before = model.length;
          const removed = stream.trim({ strategy: byLength ? "maxlen" : "minid", maxLength, minId: id(minId), approximate, limit: 0n, policy: "KEEPREF" });
          const exactKeep = byLength ? model.slice(Math.max(0, model.length - Number(maxLength))) : model.filter((entry) => entry.id >= minId);
          if (!approximate) expect(removed).toBe(before - exactKeep.length);
          // Approximate trimming removes a prefix, never more than exact trimming would.
          expect(removed).toBeLessThanOrEqual(before - exactKeep.length);
          model = model.slice(removed);
        } else {
          const a = model.length > 0 ? model[randomInt(random, model.length)]!.id - BigInt(randomInt(random, 2)) : 0n;
          const idMax = big(STREAM_ID_MAX);
          const b = model.length > 0 ? model[randomInt(random, model.length)]!.id + BigInt(randomInt(random, 2)) : idMax;
          const reverse = randomInt(random, 2) === 0;
          const expected = model.filter((entry) => entry.id >= a && entry.id <= b).map((entry) => entry.id);
          if (reverse) expected.reverse();
          expect([...stream.range(id(a), id(b > idMax ? idMax : b), reverse)].map((entry) => big(entry.id))).toEqual(expected);
          const probe = model.length > 0 ? model[randomInt(random, model.length)]!.id : 1n;
          expect(stream.get(id(probe))?.fields).toEqual(model.find((entry) => entry.id === probe)?.fields);
        }
        if (step % 250 === 0) checkAgainstModel(stream, model);
        if (step === 1500) midway = { clone: stream.clone(), model: [...model] };
      }
      checkAgainstModel(stream, model);
      checkAgainstModel(midway!.clone, midway!.model);
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

  test("an entry with its node's field names keeps only its values, and reads back whole", () => {
    const stream = new StreamValue();
    stream.append(streamId(1n, 1n), ["a", "1", "b", "2"]);
    stream.append(streamId(1n, 2n), ["a", "3", "b", "4"]);
    stream.append(streamId(1n, 3n), ["b", "5", "a", "6"]);
    stream.append(streamId(1n, 4n), ["a", "7"]);
    const node = stream.nodes[0]!;
    expect(node.entries.map((entry) => entry.names)).toEqual([node.masterFields, node.masterFields, null, null]);
    expect(node.entries[1]!.names).toBe(node.masterFields);
    expect(node.entries.map((entry) => entry.fields)).toEqual([["a", "1", "b", "2"], ["a", "3", "b", "4"], ["b", "5", "a", "6"], ["a", "7"]]);
    expect(node.entries.map((entry) => entry.fieldCount)).toEqual([2, 2, 2, 1]);
    expect(node.entries.map((entry) => entry.valueAt(0))).toEqual(["1", "3", "5", "7"]);
    stream.delete(streamId(1n, 2n));
    expect(node.entries[1]).toMatchObject({ deleted: true, names: node.masterFields, fields: ["a", "3", "b", "4"] });
  });

  test("tombstones keep their node until its last live entry goes; a whole deleted node disappears", () => {
    const stream = new StreamValue();
    for (let i = 1; i <= 200; i++) stream.append(streamId(1n, BigInt(i)), ["f", "v"]);
    for (let i = 1; i <= 99; i++) stream.delete(streamId(1n, BigInt(i)));
    expect(stream.nodes.length).toBe(2);
    expect(stream.nodes[0]!.entries.length).toBe(100);
    stream.delete(streamId(1n, 100n));
    expect(stream.nodes.length).toBe(1);
    expect(stream.firstId).toEqual(streamId(1n, 101n));
    expect(stream.maxDeletedId).toEqual(streamId(1n, 100n));
  });

  test("formats ids at the 64-bit edges exactly", () => {
    expect(formatStreamId(STREAM_ID_MAX)).toBe("18446744073709551615-18446744073709551615");
    expect(formatStreamId(streamId(9007199254740993n, 0n))).toBe("9007199254740993-0");
  });

  test("id halves cross 2^53 and 2^64 exactly, in one canonical form per value", () => {
    const safeMax = BigInt(Number.MAX_SAFE_INTEGER);
    const pastSafe = idAfter(streamId(5n, safeMax));
    expect(pastSafe).toEqual(new StreamId(5, safeMax + 1n));
    expect(formatStreamId(pastSafe)).toBe("5-9007199254740992");
    expect(idBefore(pastSafe)).toEqual(new StreamId(5, Number.MAX_SAFE_INTEGER));
    expect(idAfter(streamId(safeMax, U64_MAX))).toEqual(new StreamId(safeMax + 1n, 0));
    expect(idBefore(streamId(safeMax + 1n, 0n))).toEqual(new StreamId(Number.MAX_SAFE_INTEGER, U64_MAX));
    expect(idAfter(streamId(7n, U64_MAX - 1n))).toEqual(new StreamId(7, U64_MAX));
    const edges = [0n, 1n, safeMax - 1n, safeMax, safeMax + 1n, U64_MAX - 1n, U64_MAX];
    const ids = edges.flatMap((ms) => edges.map((seq) => (ms << 64n) | seq));
    for (const a of ids) {
      expect(big(id(a))).toBe(a);
      for (const b of ids) expect(Math.sign(compareIds(id(a), id(b)))).toBe(a < b ? -1 : a > b ? 1 : 0);
    }
  });

  test("10 000 entries with every other one deleted still seek by id", () => {
    const stream = new StreamValue();
    for (let i = 1; i <= 10_000; i++) stream.append(streamId(BigInt(i), 0n), ["f", String(i)]);
    for (let i = 2; i <= 10_000; i += 2) stream.delete(streamId(BigInt(i), 0n));
    expect(stream.length).toBe(5000);
    expect([...stream.range(streamId(5000n, 0n), streamId(5006n, 0n))].map((entry) => entry.fields[1])).toEqual(["5001", "5003", "5005"]);
    expect([...stream.range(STREAM_ID_MIN, STREAM_ID_MAX, true)][0]!.fields[1]).toBe("9999");
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
        const key = BigInt(randomInt(random, 2000)) * (seed === 9 ? 1n << 70n : 1n);
        const roll = randomInt(random, 10);
        if (roll < 6) {
          expect(map.set(id(key), step)).toBe(!model.has(key));
          model.set(key, step);
        } else if (roll < 9) {
          expect(map.delete(id(key))).toBe(model.get(key));
          model.delete(key);
        } else {
          const sorted = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          const next = sorted.find((candidate) => candidate >= key);
          const ceiling = map.ceiling(id(key))?.[0];
          expect(ceiling === undefined ? undefined : big(ceiling)).toBe(next);
          expect([...map.from(id(key))].map(([found]) => big(found))).toEqual(sorted.filter((candidate) => candidate >= key));
        }
        expect(map.size).toBe(model.size);
      }
      const sorted = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect([...map.from()].map(([key, value]) => [big(key), value])).toEqual(sorted.map((key) => [key, model.get(key)!]));
      expect(big(map.first()![0])).toBe(sorted[0]!);
      expect(big(map.last()![0])).toBe(sorted[sorted.length - 1]!);
    });
  }
});
