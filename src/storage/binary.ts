// A small binary writer/reader for snapshot records: little-endian numbers and length-prefixed
// byte strings (binary strings, see util/bytes.ts). Readers check every bound, so a corrupt
// record throws a CorruptRecordError instead of producing a half-decoded value.
// Snapshots encode and decode one record per key, millions at a time: both classes avoid
// allocating per call (no subarray or DataView per string; Buffer's latin1 paths for long ones).

import { latin1Slice } from "../util/bytes.ts";

export class CorruptRecordError extends Error {}

const INITIAL_CAPACITY_BYTES = 64;
// Below this, a JS loop writing char codes beats the native call's fixed cost.
const SHORT_STRING_BYTES = 24;

// Byte stores: cheaper than Buffer#writeUInt32LE for the many short strings a log or snapshot writes.
function putU32(buffer: Buffer, offset: number, value: number): void {
  buffer[offset] = value;
  buffer[offset + 1] = value >>> 8;
  buffer[offset + 2] = value >>> 16;
  buffer[offset + 3] = value >>> 24;
}

/**
 * Stores `binary`'s bytes from `start` on. A short tail is copied from the string itself: a slice
 * of it would be a substring JavaScriptCore allocates and flattens before the first charCodeAt.
 */
function putLatin1(buffer: Buffer, offset: number, binary: string, start = 0): void {
  const length = binary.length - start;
  if (length <= SHORT_STRING_BYTES) {
    for (let i = 0; i < length; i++) buffer[offset + i] = binary.charCodeAt(start + i);
  } else {
    buffer.write(start === 0 ? binary : binary.slice(start), offset, length, "latin1");
  }
}

/** How many decimal digits a non-negative safe integer has. */
export function decimalLength(value: number): number {
  let length = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) length++;
  return length;
}

export class BinaryWriter {
  private buffer = Buffer.allocUnsafe(INITIAL_CAPACITY_BYTES);
  private length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    putU32(this.buffer, this.length, value);
    this.length += 4;
    return this;
  }

  f64(value: number): this {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
    return this;
  }

  /** A binary string: u32 byte length, then its bytes. */
  bytes(binary: string): this {
    const length = binary.length;
    this.reserve(4 + length);
    const buffer = this.buffer;
    const offset = this.length + 4;
    putU32(buffer, this.length, length);
    putLatin1(buffer, offset, binary);
    this.length = offset + length;
    return this;
  }

  /** An unsigned LEB128 integer below 2^32: 7 bits a byte, low bits first; one byte below 128. */
  uvarint(value: number): this {
    this.reserve(5);
    const buffer = this.buffer;
    let at = this.length;
    let rest = value >>> 0;
    while (rest >= 0x80) {
      buffer[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buffer[at++] = rest;
    this.length = at;
    return this;
  }

  /** The decimal digits of a non-negative safe integer in ASCII, without a length: no string made. */
  digits(value: number): this {
    const length = decimalLength(value);
    this.reserve(length);
    const buffer = this.buffer;
    let at = this.length + length;
    let rest = value;
    do {
      buffer[--at] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
    this.length += length;
    return this;
  }

  /** A binary string's bytes from `start` on, alone: the reader must know their length from elsewhere. */
  latin1(binary: string, start = 0): this {
    const length = binary.length - start;
    this.reserve(length);
    putLatin1(this.buffer, this.length, binary, start);
    this.length += length;
    return this;
  }

  /** A u32 count, then each binary string as bytes() writes it. */
  strings(values: readonly string[]): this {
    this.u32(values.length);
    for (const value of values) this.bytes(value);
    return this;
  }

  /** Raw bytes (another codec's output): u32 byte length, then the bytes. */
  blob(bytes: Uint8Array): this {
    this.u32(bytes.length);
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /**
   * Writes a u32 length prefix, then whatever `fill` writes, and sets the prefix to that length:
   * the same bytes as blob(encoded) without building `encoded` first. `value` is handed to `fill`,
   * so a caller writing millions of records (a snapshot) passes a codec's write function as it is
   * instead of a closure per record: a 1-million-key walk took about 15% less time.
   */
  sized<T>(fill: (writer: this, value: T) => void, value?: T): this {
    this.u32(0);
    const start = this.length;
    fill(this, value as T);
    this.buffer.writeUInt32LE(this.length - start, start - 4);
    return this;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.length;
  }

  /** The bytes written, as a view: valid until the next write or reset. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    out.set(this.buffer.subarray(0, this.length));
    return out;
  }

  /** Starts over, keeping the buffer: one writer serves many chunks. */
  reset(): void {
    this.length = 0;
  }
}

export class BinaryReader {
  private offset: number;
  private readonly end_: number;
  private readonly buffer: Buffer;

  constructor(bytes: Uint8Array) {
    // A Buffer over the same memory: its latin1 decoding and number reads need no copies.
    this.buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = 0;
    this.end_ = bytes.byteLength;
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.end_) throw new CorruptRecordError("record ends early");
  }

  u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  u32(): number {
    this.need(4);
    // Byte by byte: readUInt32LE is a call the JIT kept out of line in a snapshot load's loop.
    const buffer = this.buffer;
    const offset = this.offset;
    this.offset = offset + 4;
    return (buffer[offset]! | (buffer[offset + 1]! << 8) | (buffer[offset + 2]! << 16)) + buffer[offset + 3]! * 0x1000000;
  }

  f64(): number {
    this.need(8);
    const value = this.buffer.readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }

  /** What BinaryWriter.uvarint writes; more than 32 bits is corrupt. */
  uvarint(): number {
    this.need(1);
    const first = this.buffer[this.offset++]!;
    if (first < 0x80) return first;
    let value = first & 0x7f;
    for (let shift = 7; ; shift += 7) {
      this.need(1);
      const byte = this.buffer[this.offset++]!;
      if (shift === 28 && byte > 0x0f) throw new CorruptRecordError("varint longer than 32 bits");
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  }

  bytes(): string {
    return this.latin1(this.u32());
  }

  /** `length` bytes as a binary string. */
  latin1(length: number): string {
    this.need(length);
    const start = this.offset;
    this.offset += length;
    // Native even for short strings: JS concatenation builds ropes that cost more later.
    return latin1Slice(this.buffer, start, start + length);
  }

  /**
   * A length-prefixed byte string that must be one of `names` (short ASCII words): returns the
   * matching name itself, so no string is made per record; undefined (bytes skipped) for none.
   */
  oneOf<T extends string>(names: readonly T[]): T | undefined {
    const length = this.u32();
    this.need(length);
    const start = this.offset;
    this.offset += length;
    return this.matching(names, start, length);
  }

  /** The one of `names` whose bytes are `buffer[start, start + length)`, if any. */
  private matching<T extends string>(names: readonly T[], start: number, length: number): T | undefined {
    const buffer = this.buffer;
    for (const name of names) {
      if (name.length !== length) continue;
      let i = 0;
      while (i < length && buffer[start + i] === name.charCodeAt(i)) i++;
      if (i === length) return name;
    }
    return undefined;
  }

  /**
   * A length-prefixed byte string that is handed out as the same string each time its bytes
   * match one of `recent` (for the few values that repeat by the million, like command names in
   * a change log), else read and remembered there.
   */
  recentBytes(recent: RecentStrings): string {
    return this.recentLatin1(this.u32(), recent);
  }

  /** recentBytes for `length` bytes whose length was read already. */
  recentLatin1(length: number, recent: RecentStrings): string {
    this.need(length);
    const start = this.offset;
    this.offset += length;
    const known = this.matching(recent.items, start, length);
    if (known !== undefined) return known;
    const text = latin1Slice(this.buffer, start, start + length);
    recent.remember(text);
    return text;
  }

  /** A u32 count, then that many byte strings (what BinaryWriter.strings writes). */
  strings(): string[] {
    const values: string[] = [];
    for (let count = this.u32(); count > 0; count--) values.push(this.bytes());
    return values;
  }

  /** A length-prefixed byte range, as a view (no copy) into the record. */
  blob(): Uint8Array {
    const length = this.u32();
    this.need(length);
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.offset;
  }

  /** True once every byte was consumed. */
  get done(): boolean {
    return this.offset === this.end_;
  }

  /** Throws unless every byte was consumed: trailing bytes mean the record is not what we wrote. */
  end(): void {
    if (this.offset !== this.end_) throw new CorruptRecordError("record has trailing bytes");
  }
}

/** The last few distinct strings a reader made with recentBytes, oldest replaced first. */
export class RecentStrings {
  readonly items: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  remember(text: string): void {
    if (this.items.length < this.capacity) this.items.push(text);
    else {
      this.items[this.next] = text;
      this.next = (this.next + 1) % this.capacity;
    }
  }
}
