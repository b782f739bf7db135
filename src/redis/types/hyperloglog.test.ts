// Proves the HyperLogLog sketch against naive models: the hash against a BigInt transcription of
// MurmurHash64A, seeded random register updates against a plain array of 16384 registers (sparse
// and dense must always decode to it and count alike), the sparse size limit and its worst
// cases, corrupt bodies, the estimator's extremes, and the error bounds Redis's self-test uses.

import { describe, expect, test } from "bun:test";
import { SeededRandom, randomInt } from "../../util/random.ts";
import {
  DENSE_BYTES,
  HEADER_BYTES,
  HLL_REGISTERS,
  HyperLogLog,
  SPARSE_BYTES_MAX,
  estimateFromHistogram,
  estimateRaw,
  isHyperLogLog,
  murmurHash64A,
  registerPattern,
} from "./hyperloglog.ts";

/** MurmurHash64A as written in hyperloglog.c, on BigInts. */
function referenceMurmur(data: string, seed: bigint): bigint {
  const m = 0xc6a4a7935bd1e995n;
  const mask = (1n << 64n) - 1n;
  let h = (seed ^ (BigInt(data.length) * m)) & mask;
  const blocksEnd = data.length - (data.length & 7);
  for (let i = 0; i < blocksEnd; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data.charCodeAt(i + j));
    k = (k * m) & mask;
    k ^= k >> 47n;
    k = (k * m) & mask;
    h ^= k;
    h = (h * m) & mask;
  }
  const tail = data.length & 7;
  if (tail > 0) {
    for (let j = tail - 1; j >= 0; j--) h ^= BigInt(data.charCodeAt(blocksEnd + j)) << BigInt(8 * j);
    h = (h * m) & mask;
  }
  h ^= h >> 47n;
  h = (h * m) & mask;
  h ^= h >> 47n;
  return h;
}

function randomBinary(random: SeededRandom, maxLength: number): string {
  let out = "";
  const length = randomInt(random, maxLength + 1);
  for (let i = 0; i < length; i++) out += String.fromCharCode(randomInt(random, 256));
  return out;
}

/** Every register of a sketch, decoded through mergeInto (a corrupt body decodes to undefined). */
function registersOf(sketch: HyperLogLog): Uint8Array | undefined {
  const registers = new Uint8Array(HLL_REGISTERS);
  return sketch.mergeInto(registers) ? registers : undefined;
}

const bytesOf = (value: string) => Uint8Array.from(value, (char) => char.charCodeAt(0));

describe("MurmurHash64A", () => {
  test("equals the BigInt transcription for 2000 random binary strings of every tail length", () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const data = randomBinary(random, 40);
      const [hi, lo] = murmurHash64A(data);
      expect((BigInt(hi) << 32n) | BigInt(lo)).toBe(referenceMurmur(data, 0xadc83b19n));
    }
  });

  test("the register pattern takes the low 14 bits as index and counts the zeros above them", () => {
    const random = new SeededRandom(8);
    for (let i = 0; i < 500; i++) {
      const data = randomBinary(random, 20);
      const hash = referenceMurmur(data, 0xadc83b19n);
      let rest = (hash >> 14n) | (1n << 50n);
      let count = 1;
      while ((rest & 1n) === 0n) {
        count++;
        rest >>= 1n;
      }
      expect(registerPattern(data)).toEqual({ index: Number(hash & 0x3fffn), count });
    }
  });
});

describe("HyperLogLog registers", () => {
  test("seeded random updates always decode to the naive register array, sparse or dense", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = new SeededRandom(seed);
      const sketch = HyperLogLog.empty();
      const model = new Uint8Array(HLL_REGISTERS);
      // Clustered indexes and small values keep it sparse for long; a rare big value promotes.
      for (let step = 0; step < 4000; step++) {
        const index = random.next() < 0.7 ? randomInt(random, 64) * 256 + randomInt(random, 8) : randomInt(random, HLL_REGISTERS);
        const count = random.next() < 0.995 ? 1 + randomInt(random, 8) : 1 + randomInt(random, 51);
        const expected = count > model[index]! ? 1 : 0;
        expect(sketch.setRegister(index, count)).toBe(expected);
        if (expected) model[index] = count;
        if (step % 97 === 0) expect(registersOf(sketch)).toEqual(model);
      }
      expect(registersOf(sketch)).toEqual(model);
      expect(sketch.count()).toBe(estimateRaw(model));
    }
  });

  test("sparse and dense forms of the same registers give the same count", () => {
    const random = new SeededRandom(9);
    for (const elements of [0, 1, 10, 100, 1000]) {
      const sketch = HyperLogLog.empty();
      for (let i = 0; i < elements; i++) sketch.add(`${i}:${random.next()}`);
      expect(sketch.isDense).toBe(false);
      const sparseCount = sketch.count();
      expect(sketch.toDense()).toBe(true);
      expect(sketch.isDense).toBe(true);
      expect(sketch.count()).toBe(sparseCount!);
      expect(sketch.toBinary().length).toBe(DENSE_BYTES);
    }
  });

  test("a sparse body never outgrows 3000 bytes: the update that would turns it dense", () => {
    // Worst case for the sparse form: every other register set, alternating values, so no two
    // VAL opcodes merge and each update splits a run into three opcodes.
    const sketch = HyperLogLog.empty();
    let previousLength = sketch.toBinary().length;
    let promotedAt = -1;
    for (let index = 0; index < HLL_REGISTERS && promotedAt === -1; index += 2) {
      sketch.setRegister(index, 1 + ((index / 2) % 2));
      const length = sketch.toBinary().length;
      if (sketch.isDense) promotedAt = index;
      else {
        expect(length).toBeLessThanOrEqual(SPARSE_BYTES_MAX);
        previousLength = length;
      }
    }
    expect(promotedAt).toBeGreaterThan(0);
    // The split that was refused would have added 2 bytes (ZERO → ZERO VAL XZERO, XZERO shrinking).
    expect(previousLength).toBeGreaterThan(SPARSE_BYTES_MAX - 3);
  });

  test("a register above 32 cannot be sparse: the sketch turns dense at once", () => {
    const sketch = HyperLogLog.empty();
    expect(sketch.setRegister(5, 32)).toBe(1);
    expect(sketch.isDense).toBe(false);
    expect(sketch.setRegister(6, 33)).toBe(1);
    expect(sketch.isDense).toBe(true);
    const registers = registersOf(sketch)!;
    expect([registers[5], registers[6], registers[7]]).toEqual([32, 33, 0]);
  });

  test("equal neighbours merge into one VAL opcode of up to 4 registers, as Redis's step 4 does", () => {
    const sketch = HyperLogLog.empty();
    for (const index of [10, 12, 11, 13, 14]) sketch.setRegister(index, 3);
    // ZERO 10, VAL 3 ×4, VAL 3 ×1 (a fifth would not fit), XZERO 16369
    expect([...bytesOf(sketch.toBinary().slice(HEADER_BYTES))]).toEqual([0x09, 0x8b, 0x88, 0x7f, 0xf0]);
  });

  test("the empty sketch is Redis's: header, sparse encoding, one XZERO of 16384", () => {
    expect(bytesOf(HyperLogLog.empty().toBinary())).toEqual(
      Uint8Array.from([0x48, 0x59, 0x4c, 0x4c, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff]),
    );
    expect(HyperLogLog.empty().count()).toBe(0n);
  });
});

describe("HyperLogLog validation and corruption", () => {
  const header = (encoding: number) => "HYLL" + String.fromCharCode(encoding) + "\0".repeat(11);

  test("a value is a sketch only with the magic, a known encoding and an exact dense length", () => {
    expect(isHyperLogLog(header(1) + "\x7f\xff")).toBe(true);
    expect(isHyperLogLog(header(1))).toBe(true); // a sparse body is checked only when walked
    expect(isHyperLogLog(header(0) + "\0".repeat(DENSE_BYTES - HEADER_BYTES))).toBe(true);
    expect(isHyperLogLog(header(0) + "\0".repeat(100))).toBe(false);
    expect(isHyperLogLog(header(2) + "\x7f\xff")).toBe(false);
    expect(isHyperLogLog("HYLX" + header(1).slice(4) + "\x7f\xff")).toBe(false);
    expect(isHyperLogLog("HYLL")).toBe(false);
  });

  test("a sparse body covering fewer registers fails where it runs out, and cannot count or merge", () => {
    const sketch = HyperLogLog.fromBinary(header(1) + "\x7f\x00"); // XZERO 16129
    expect(sketch.setRegister(16128, 1)).toBe(1);
    expect(sketch.setRegister(16129, 1)).toBe(-1);
    expect(sketch.count()).toBeUndefined();
    expect(registersOf(sketch)).toBeUndefined();
    expect(sketch.toDense()).toBe(false);
  });

  test("a sparse body covering too many registers cannot count or turn dense", () => {
    const sketch = HyperLogLog.fromBinary(header(1) + "\x7f\xff\x80");
    expect(sketch.count()).toBeUndefined();
    expect(sketch.toDense()).toBe(false);
    expect(sketch.setRegister(0, 40)).toBe(-1);
    expect(HyperLogLog.fromBinary(header(1)).setRegister(0, 1)).toBe(-1);
  });
});

describe("HyperLogLog estimator", () => {
  test("stays within Redis's self-test bounds from 1 to 100000 distinct elements", () => {
    const relativeError = 1.04 / Math.sqrt(HLL_REGISTERS);
    const sketch = HyperLogLog.empty();
    let added = 0;
    for (const checkpoint of [1, 10, 100, 1000, 10000, 100000]) {
      for (; added < checkpoint; added++) sketch.add(`element:${added}`);
      const maxError = checkpoint === 10 ? 1 : Math.ceil(relativeError * 6 * checkpoint);
      expect(Math.abs(Number(sketch.count()!) - checkpoint)).toBeLessThanOrEqual(maxError);
    }
  });

  test("extreme histograms: all zero is 0; registers no element can produce give 2^63 as Redis does", () => {
    const histogram = new Array<number>(64).fill(0);
    histogram[0] = HLL_REGISTERS;
    expect(estimateFromHistogram(histogram)).toBe(0n);
    histogram[0] = 0;
    histogram[51] = HLL_REGISTERS;
    expect(estimateFromHistogram(histogram)).toBe(1n << 63n);
    histogram[51] = 0;
    histogram[32] = HLL_REGISTERS;
    expect(estimateFromHistogram(histogram)).toBe(50760319129350n); // redis-server 7.0's PFCOUNT
  });

  test("the cached cardinality is read only while bit 63 is clear", () => {
    const sketch = HyperLogLog.empty();
    expect(sketch.cachedCardinality()).toBe(0n);
    sketch.invalidateCache();
    expect(sketch.cachedCardinality()).toBeUndefined();
    sketch.storeCardinality(1234n);
    expect(sketch.cachedCardinality()).toBe(1234n);
    sketch.storeCardinality(1n << 63n);
    expect(sketch.cachedCardinality()).toBeUndefined();
  });
});
