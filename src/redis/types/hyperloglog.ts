// HyperLogLog sketches in Redis's exact byte layout (hyperloglog.c), kept inside ordinary string
// values so GET/SET/APPEND see the same bytes a real Redis holds and TYPE says "string". Knows
// nothing about commands: callers pass binary strings (util/bytes.ts) and get counts back.
//
// Design: the value is the 16-byte header ("HYLL", encoding, 3 unused bytes, cached cardinality
// little endian with bit 63 meaning "stale") followed by 16384 six-bit registers, either dense
// (12288 packed bytes) or sparse (run-length opcodes ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy,
// VAL 1vvvvvxx). Every algorithm is a faithful port, because the bytes, not only the counts, must
// match: MurmurHash64A with seed 0xadc83b19 picks the register (low 14 bits) and the run of zeros;
// a sparse update splits one opcode in place and merges equal VAL neighbours over the same 5
// opcodes Redis scans; the sketch turns dense when a register exceeds 32 or the string would grow
// past hll-sparse-max-bytes (3000, header included). Counting uses Ertl's estimator (Redis 5+).
// Costs: a dense update is O(1), a sparse one O(sparse bytes) ≤ 3000; a count is O(16384).

import { binaryToBytes, bytesToBinary } from "../../util/bytes.ts";

export const HLL_REGISTERS = 16384;
const HLL_P = 14;
const HLL_Q = 64 - HLL_P;
const REGISTER_INDEX_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const REGISTER_MAX = 63;
export const HEADER_BYTES = 16;
export const DENSE_BYTES = HEADER_BYTES + Math.floor((HLL_REGISTERS * HLL_BITS + 7) / 8);
/** Redis's default hll-sparse-max-bytes: a sparse string never grows past it. */
export const SPARSE_BYTES_MAX = 3000;
const ENCODING_DENSE = 0;
const ENCODING_SPARSE = 1;
const ENCODING_OFFSET = 4;
const CARDINALITY_OFFSET = 8;
const STALE_FLAG_OFFSET = 15;

const SPARSE_VALUE_MAX = 32;
const SPARSE_VALUE_RUN_MAX = 4;
const SPARSE_ZERO_RUN_MAX = 64;
const SPARSE_XZERO_RUN_MAX = 16384;
/** 0.5 / ln(2), the estimator's constant for m → ∞. */
const ALPHA_INF = 0.72134752044448170368;
const MURMUR_SEED = 0xadc83b19;

// ---- opcodes ----

const isZero = (op: number) => (op & 0xc0) === 0;
const isXzero = (op: number) => (op & 0xc0) === 0x40;
const isVal = (op: number) => (op & 0x80) !== 0;
const zeroRun = (op: number) => (op & 0x3f) + 1;
const xzeroRun = (op: number, next: number) => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number) => ((op >> 2) & 0x1f) + 1;
const valRun = (op: number) => (op & 0x3) + 1;
const valOp = (value: number, run: number) => (((value - 1) << 2) | (run - 1) | 0x80) & 0xff;

// ---- MurmurHash64A on 32-bit halves (exact mod 2^64 without BigInt) ----

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

/** (aHi:aLo × bHi:bLo) mod 2^64 as [hi, lo], by 16-bit limbs so every partial sum is exact. */
function multiply64(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  const a0 = aLo & 0xffff, a1 = aLo >>> 16, a2 = aHi & 0xffff, a3 = aHi >>> 16;
  const b0 = bLo & 0xffff, b1 = bLo >>> 16, b2 = bHi & 0xffff, b3 = bHi >>> 16;
  const c0 = a0 * b0;
  const c1 = Math.floor(c0 / 65536) + a0 * b1 + a1 * b0;
  const c2 = Math.floor(c1 / 65536) + a0 * b2 + a1 * b1 + a2 * b0;
  const c3 = Math.floor(c2 / 65536) + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  return [(((c3 & 0xffff) << 16) | (c2 & 0xffff)) >>> 0, (((c1 & 0xffff) << 16) | (c0 & 0xffff)) >>> 0];
}

/** Redis's MurmurHash64A of a binary string, as [hi, lo] 32-bit halves. */
export function murmurHash64A(data: string, seed: number = MURMUR_SEED): [number, number] {
  const length = data.length;
  // h = seed ^ (len * m)
  let [hHi, hLo] = multiply64(0, length >>> 0, M_HI, M_LO);
  hLo = (hLo ^ seed) >>> 0;
  const blocksEnd = length - (length & 7);
  for (let i = 0; i < blocksEnd; i += 8) {
    let kLo = (data.charCodeAt(i) | (data.charCodeAt(i + 1) << 8) | (data.charCodeAt(i + 2) << 16) | (data.charCodeAt(i + 3) << 24)) >>> 0;
    let kHi = (data.charCodeAt(i + 4) | (data.charCodeAt(i + 5) << 8) | (data.charCodeAt(i + 6) << 16) | (data.charCodeAt(i + 7) << 24)) >>> 0;
    [kHi, kLo] = multiply64(kHi, kLo, M_HI, M_LO);
    kLo = (kLo ^ (kHi >>> 15)) >>> 0; // k ^= k >> 47
    [kHi, kLo] = multiply64(kHi, kLo, M_HI, M_LO);
    hHi = (hHi ^ kHi) >>> 0;
    hLo = (hLo ^ kLo) >>> 0;
    [hHi, hLo] = multiply64(hHi, hLo, M_HI, M_LO);
  }
  const tail = length & 7;
  if (tail > 0) {
    for (let j = tail - 1; j >= 0; j--) {
      const byte = data.charCodeAt(blocksEnd + j);
      if (j >= 4) hHi = (hHi ^ (byte << (8 * (j - 4)))) >>> 0;
      else hLo = (hLo ^ (byte << (8 * j))) >>> 0;
    }
    [hHi, hLo] = multiply64(hHi, hLo, M_HI, M_LO);
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  [hHi, hLo] = multiply64(hHi, hLo, M_HI, M_LO);
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  return [hHi, hLo];
}

const trailingZeros32 = (x: number) => 31 - Math.clz32(x & -x);

/**
 * Redis hllPatLen: the register an element lands in (low 14 bits of its hash) and the length of
 * the 000..1 pattern in the remaining 50 bits (1..51).
 */
export function registerPattern(element: string): { index: number; count: number } {
  const [hi, lo] = murmurHash64A(element);
  const index = lo & REGISTER_INDEX_MASK;
  const restLo = ((lo >>> HLL_P) | (hi << (32 - HLL_P))) >>> 0;
  const restHi = ((hi >>> HLL_P) | (1 << (HLL_Q - 32))) >>> 0; // bit Q set: the loop ends by Q+1
  const count = restLo !== 0 ? trailingZeros32(restLo) + 1 : 32 + trailingZeros32(restHi) + 1;
  return { index, count };
}

// ---- the estimator ----

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1.0;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    const gap = 1 - x;
    z -= gap * gap * y; // pow(1 - x, 2) is exactly the rounded square
  } while (previous !== z);
  return z / 3;
}

const UINT64_HIGH_BIT = 1n << 63n;

/**
 * Ertl's improved estimator over a histogram of register values, as Redis's hllCount computes
 * it, as the uint64 Redis stores. compat: an estimate llroundl cannot represent (infinite, from
 * registers no real element produces) comes out as 2^63, as x86-64 Redis returns it.
 */
export function estimateFromHistogram(histogram: ArrayLike<number>): bigint {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histogram[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histogram[j]!;
    z *= 0.5;
  }
  z += m * sigma(histogram[0]! / m);
  // llroundl: halves away from zero, and the value is never negative.
  const estimate = Math.round((ALPHA_INF * m * m) / z);
  return estimate < 2 ** 63 ? BigInt(estimate) : UINT64_HIGH_BIT;
}

/** The estimate for registers held one per byte (PFCOUNT of several keys). */
export function estimateRaw(registers: Uint8Array): bigint {
  const histogram = new Array<number>(64).fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histogram[registers[i]!]!++;
  return estimateFromHistogram(histogram);
}

// ---- the sketch ----


/**
 * Redis isHLLObjectOrReply for a string value: at least a header, the magic, a known encoding,
 * and a dense body of exactly the right length. A sparse body is checked only as it is walked.
 */
export function isHyperLogLog(value: string): boolean {
  if (value.length < HEADER_BYTES) return false;
  if (value.charCodeAt(0) !== 0x48 || value.charCodeAt(1) !== 0x59 || value.charCodeAt(2) !== 0x4c || value.charCodeAt(3) !== 0x4c) return false;
  const encoding = value.charCodeAt(ENCODING_OFFSET);
  if (encoding > ENCODING_SPARSE) return false;
  return encoding !== ENCODING_DENSE || value.length === DENSE_BYTES;
}

/**
 * A mutable sketch over a byte buffer. `bytes` always has room for one byte past `length` that
 * reads as zero, as Redis relies on the sds terminator when it reads the last register or a
 * truncated XZERO opcode. Operations that find a corrupt sparse body return -1 / false.
 */
export class HyperLogLog {
  private constructor(
    private bytes: Uint8Array,
    private length: number,
  ) {}

  /** An empty sketch as PFADD creates it: sparse, one XZERO run of 16384, cache valid at 0. */
  static empty(): HyperLogLog {
    const bytes = new Uint8Array(64);
    bytes.set([0x48, 0x59, 0x4c, 0x4c, ENCODING_SPARSE]);
    const run = SPARSE_XZERO_RUN_MAX - 1;
    bytes[HEADER_BYTES] = (run >> 8) | 0x40;
    bytes[HEADER_BYTES + 1] = run & 0xff;
    return new HyperLogLog(bytes, HEADER_BYTES + 2);
  }

  /** Wraps a string value that passed isHyperLogLog. */
  static fromBinary(value: string): HyperLogLog {
    const bytes = new Uint8Array(value.length + 1 + (value.length < DENSE_BYTES ? 64 : 0));
    bytes.set(binaryToBytes(value));
    return new HyperLogLog(bytes, value.length);
  }

  toBinary(): string {
    return bytesToBinary(this.bytes.subarray(0, this.length));
  }

  get isDense(): boolean {
    return this.bytes[ENCODING_OFFSET] === ENCODING_DENSE;
  }

  /** The cached cardinality when it is still valid (bit 63 clear), else undefined. */
  cachedCardinality(): bigint | undefined {
    if ((this.bytes[STALE_FLAG_OFFSET]! & 0x80) !== 0) return undefined;
    let value = 0n;
    for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(this.bytes[CARDINALITY_OFFSET + i]!);
    return value;
  }

  /**
   * Stores a freshly computed cardinality in the header (what PFCOUNT writes back). A value
   * with bit 63 set leaves the cache stale, as in Redis.
   */
  storeCardinality(cardinality: bigint): void {
    let rest = cardinality;
    for (let i = 0; i < 8; i++) {
      this.bytes[CARDINALITY_OFFSET + i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
  }

  /** Marks the cached cardinality stale; only bit 63 changes, the other bytes keep the old count. */
  invalidateCache(): void {
    this.bytes[STALE_FLAG_OFFSET]! |= 0x80;
  }

  /** Redis hllAdd: 1 when a register grew, 0 when none did, -1 for a corrupt sparse body. */
  add(element: string): 1 | 0 | -1 {
    const { index, count } = registerPattern(element);
    return this.setRegister(index, count);
  }

  /** Raises register `index` to `count` if it is lower (hllDenseSet / hllSparseSet). */
  setRegister(index: number, count: number): 1 | 0 | -1 {
    if (this.isDense) return denseSet(this.bytes, index, count) ? 1 : 0;
    return this.sparseSet(index, count);
  }

  /**
   * The estimate from the registers (the cache is neither read nor written), or undefined when a
   * sparse body does not describe exactly 16384 registers.
   */
  count(): bigint | undefined {
    const histogram = new Array<number>(64).fill(0);
    if (this.isDense) {
      for (let i = 0; i < HLL_REGISTERS; i++) histogram[denseGet(this.bytes, i)]!++;
    } else {
      let index = 0;
      let valid = true;
      this.walkSparse((value, run) => {
        if (index + run > HLL_REGISTERS) return (valid = false);
        index += run;
        histogram[value]! += run;
        return true;
      });
      if (!valid || index !== HLL_REGISTERS) return undefined;
    }
    return estimateFromHistogram(histogram);
  }

  /** Redis hllMerge: raises each `registers[i]` to this sketch's register i; false if corrupt. */
  mergeInto(registers: Uint8Array): boolean {
    if (this.isDense) {
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const value = denseGet(this.bytes, i);
        if (value > registers[i]!) registers[i] = value;
      }
      return true;
    }
    let index = 0;
    let valid = true;
    this.walkSparse((value, run) => {
      if (index + run > HLL_REGISTERS) return (valid = false);
      if (value === 0) index += run;
      else for (let end = index + run; index < end; index++) if (value > registers[index]!) registers[index] = value;
      return true;
    });
    return valid && index === HLL_REGISTERS;
  }

  /** Redis hllSparseToDense: the header is kept (cache included); false for a corrupt body. */
  toDense(): boolean {
    if (this.isDense) return true;
    const dense = new Uint8Array(DENSE_BYTES + 1);
    dense.set(this.bytes.subarray(0, HEADER_BYTES));
    dense[ENCODING_OFFSET] = ENCODING_DENSE;
    let index = 0;
    let valid = true;
    this.walkSparse((value, run) => {
      if (index + run > HLL_REGISTERS) return (valid = false);
      if (value === 0) index += run;
      else for (let end = index + run; index < end; index++) denseWrite(dense, index, value);
      return true;
    });
    if (!valid || index !== HLL_REGISTERS) return false;
    this.bytes = dense;
    this.length = DENSE_BYTES;
    return true;
  }

  /** Calls `visit(value, run)` per opcode until it returns false. */
  private walkSparse(visit: (value: number, run: number) => boolean): void {
    const b = this.bytes;
    let p = HEADER_BYTES;
    while (p < this.length) {
      const op = b[p]!;
      let keepGoing: boolean;
      if (isZero(op)) {
        keepGoing = visit(0, zeroRun(op));
        p++;
      } else if (isXzero(op)) {
        keepGoing = visit(0, xzeroRun(op, b[p + 1]!));
        p += 2;
      } else {
        keepGoing = visit(valValue(op), valRun(op));
        p++;
      }
      if (!keepGoing) return;
    }
  }

  private ensureCapacity(bytesNeeded: number): void {
    if (this.bytes.length >= bytesNeeded + 1) return;
    const grown = new Uint8Array(Math.max(bytesNeeded + 1, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Redis hllSparseSet, step for step, so the opcode sequence comes out byte-identical. */
  private sparseSet(index: number, count: number): 1 | 0 | -1 {
    if (count > SPARSE_VALUE_MAX) return this.promoteAndSet(index, count);
    // The worst split (XZERO → XZERO VAL XZERO) adds 3 bytes.
    this.ensureCapacity(this.length + 3);
    const b = this.bytes;
    let end = this.length;

    // Step 1: find the opcode covering `index`.
    let p = HEADER_BYTES;
    let first = 0;
    let previous = -1;
    let span = 0;
    while (p < end) {
      const op = b[p]!;
      let opLength = 1;
      if (isZero(op)) span = zeroRun(op);
      else if (isVal(op)) span = valRun(op);
      else {
        span = xzeroRun(op, b[p + 1]!);
        opLength = 2;
      }
      if (index <= first + span - 1) break;
      previous = p;
      p += opLength;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const op = b[p]!;
    const nextStart = isXzero(op) ? p + 2 : p + 1;
    const next = nextStart >= end ? -1 : nextStart;
    const opIsZero = isZero(op);
    const opIsXzero = !opIsZero && isXzero(op);
    const opIsVal = !opIsZero && !opIsXzero;
    const run = opIsZero ? zeroRun(op) : opIsXzero ? xzeroRun(op, b[p + 1]!) : valRun(op);

    // Step 2: the cheap cases, then the split of one opcode into up to three.
    let updatedInPlace = false;
    if (opIsVal) {
      if (valValue(op) >= count) return 0;
      if (run === 1) {
        b[p] = valOp(count, 1);
        updatedInPlace = true;
      }
    }
    if (!updatedInPlace && opIsZero && run === 1) {
      b[p] = valOp(count, 1);
      updatedInPlace = true;
    }
    if (!updatedInPlace) {
      const sequence: number[] = [];
      const last = first + span - 1;
      const zeros = (length: number) => {
        if (length > SPARSE_ZERO_RUN_MAX) sequence.push(((length - 1) >> 8) | 0x40, (length - 1) & 0xff);
        else sequence.push(length - 1);
      };
      if (opIsZero || opIsXzero) {
        if (index !== first) zeros(index - first);
        sequence.push(valOp(count, 1));
        if (index !== last) zeros(last - index);
      } else {
        const current = valValue(op);
        if (index !== first) sequence.push(valOp(current, index - first));
        sequence.push(valOp(count, 1));
        if (index !== last) sequence.push(valOp(current, last - index));
      }
      // Step 3: replace the old opcode, unless the string would outgrow the sparse limit.
      const delta = sequence.length - (opIsXzero ? 2 : 1);
      if (delta > 0 && this.length + delta > SPARSE_BYTES_MAX) return this.promoteAndSet(index, count);
      if (delta !== 0 && next !== -1) b.copyWithin(next + delta, next, end);
      this.length += delta;
      b[this.length] = 0;
      b.set(sequence, p);
      end += delta;
    }

    // Step 4: merge adjacent VAL opcodes of equal value, over at most 5 opcodes from the previous one.
    p = previous !== -1 ? previous : HEADER_BYTES;
    let scanLength = 5;
    while (p < end && scanLength-- > 0) {
      const current = b[p]!;
      if (isXzero(current)) {
        p += 2;
        continue;
      }
      if (isZero(current)) {
        p++;
        continue;
      }
      if (p + 1 < end && isVal(b[p + 1]!)) {
        const value = valValue(current);
        if (value === valValue(b[p + 1]!)) {
          const merged = valRun(current) + valRun(b[p + 1]!);
          if (merged <= SPARSE_VALUE_RUN_MAX) {
            b[p + 1] = valOp(value, merged);
            b.copyWithin(p, p + 1, end);
            end--;
            this.length--;
            b[this.length] = 0;
            continue;
          }
        }
      }
      p++;
    }
    this.invalidateCache();
    return 1;
  }

  private promoteAndSet(index: number, count: number): 1 | -1 {
    if (!this.toDense()) return -1;
    denseSet(this.bytes, index, count);
    return 1;
  }
}

// ---- dense registers (6 bits each, LSB first, after the header) ----

function denseGet(bytes: Uint8Array, index: number): number {
  const bit = index * HLL_BITS;
  const byte = HEADER_BYTES + (bit >> 3);
  const shift = bit & 7;
  return ((bytes[byte]! >> shift) | (bytes[byte + 1]! << (8 - shift))) & REGISTER_MAX;
}

function denseWrite(bytes: Uint8Array, index: number, value: number): void {
  const bit = index * HLL_BITS;
  const byte = HEADER_BYTES + (bit >> 3);
  const shift = bit & 7;
  bytes[byte] = (bytes[byte]! & ~(REGISTER_MAX << shift)) | (value << shift);
  bytes[byte + 1] = (bytes[byte + 1]! & ~(REGISTER_MAX >> (8 - shift))) | (value >> (8 - shift));
}

function denseSet(bytes: Uint8Array, index: number, count: number): boolean {
  if (count <= denseGet(bytes, index)) return false;
  denseWrite(bytes, index, count);
  return true;
}
