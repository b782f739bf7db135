// The list structure: a sequence of binary strings with O(1) push, pop and index at both ends.
// Knows nothing about commands or replies; callers normalise Redis's negative indexes first.
//
// Design: a ring buffer (a power-of-two array, a head index and a length). Pushing or popping at
// either end moves one slot, indexing is one mask, and growing or shrinking copies the contents
// once per doubling or halving, so every end operation is amortised O(1) — unlike Array.shift,
// which is O(n). Inserting or removing in the middle shifts the shorter side, O(min(i, n - i)).
//
// OBJECT ENCODING follows Redis 7.2+ with its default list-max-listpack-size -2 (8 KB): a list is
// a "listpack" while its listpack would stay within 8192 bytes, measured exactly as Redis encodes
// entries (integers compactly, strings with a length prefix, each with a back-length), and turns
// "quicklist" when a write would pass that. It turns back once a removal leaves it at half the
// limit; Redis also needs the quicklist to be down to one node, which is not modelled here.

import { parseCanonicalInt64 } from "./set.ts";
import type { StructuredValue } from "./value.ts";

/** Redis's list-max-listpack-size -2: one listpack node holds at most 8 KB. */
export const LISTPACK_BYTES_MAX = 8192;
/** A listpack's header (total bytes u32, count u16) and its end byte. */
const LISTPACK_HEADER_BYTES = 7;
// MEMORY USAGE: a quicklist adds a node (prev, next, entry pointer, sizes) per 8 KB listpack.
const QUICKLIST_BYTES = 40;
const QUICKLIST_NODE_BYTES = 32;
const CAPACITY_MIN = 8;

/** The bytes one element takes inside a listpack: encoding header and data, then its back-length. */
export function listpackEntryBytes(value: string): number {
  let encoded: number;
  const integer = value.length <= 20 ? parseCanonicalInt64(value) : null;
  if (integer !== null) {
    if (integer >= 0n && integer <= 127n) encoded = 1;
    else if (integer >= -4096n && integer <= 4095n) encoded = 2;
    else if (integer >= -32768n && integer <= 32767n) encoded = 3;
    else if (integer >= -8388608n && integer <= 8388607n) encoded = 4;
    else if (integer >= -2147483648n && integer <= 2147483647n) encoded = 5;
    else encoded = 9;
  } else {
    const length = value.length;
    encoded = length < 64 ? 1 + length : length < 4096 ? 2 + length : 5 + length;
  }
  const backLength = encoded <= 127 ? 1 : encoded < 16383 ? 2 : encoded < 2097151 ? 3 : encoded < 268435455 ? 4 : 5;
  return encoded + backLength;
}

export class ListValue implements StructuredValue {
  private slots: (string | undefined)[] = new Array(CAPACITY_MIN);
  private head = 0;
  private count = 0;
  /** What the same contents take as one listpack (header included). */
  private packedBytes = LISTPACK_HEADER_BYTES;
  private isQuicklist = false;

  /** A list holding `values` in order. */
  static of(values: Iterable<string>): ListValue {
    const list = new ListValue();
    list.pushBack([...values]);
    return list;
  }

  get length(): number {
    return this.count;
  }

  /** The element at `index` (0 = head), undefined outside [0, length). */
  at(index: number): string | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.slots[(this.head + index) & (this.slots.length - 1)];
  }

  /** Replaces the element at `index`, which must be in [0, length). */
  setAt(index: number, value: string): void {
    this.checkIndex(index, this.count);
    this.noteIncoming(value.length);
    const slot = (this.head + index) & (this.slots.length - 1);
    this.packedBytes += listpackEntryBytes(value) - listpackEntryBytes(this.slots[slot]!);
    this.slots[slot] = value;
    this.noteShrunk();
  }

  /** Pushes each value at the head in turn, so the last one given ends up first (LPUSH). */
  pushFront(values: string[]): void {
    this.noteIncoming(totalLength(values));
    for (const value of values) {
      if (this.count === this.slots.length) this.resize(this.slots.length * 2);
      this.head = (this.head - 1) & (this.slots.length - 1);
      this.slots[this.head] = value;
      this.count++;
      this.packedBytes += listpackEntryBytes(value);
    }
  }

  /** Appends the values at the tail, in order (RPUSH). */
  pushBack(values: string[]): void {
    this.noteIncoming(totalLength(values));
    for (const value of values) {
      if (this.count === this.slots.length) this.resize(this.slots.length * 2);
      this.slots[(this.head + this.count) & (this.slots.length - 1)] = value;
      this.count++;
      this.packedBytes += listpackEntryBytes(value);
    }
  }

  /** Removes and returns the head element, undefined when empty. */
  popFront(): string | undefined {
    if (this.count === 0) return undefined;
    const value = this.slots[this.head]!;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count--;
    this.removed(value);
    return value;
  }

  /** Removes and returns the tail element, undefined when empty. */
  popBack(): string | undefined {
    if (this.count === 0) return undefined;
    const slot = (this.head + this.count - 1) & (this.slots.length - 1);
    const value = this.slots[slot]!;
    this.slots[slot] = undefined;
    this.count--;
    this.removed(value);
    return value;
  }

  /** Inserts `value` so that it ends up at `index` (0 = new head, length = new tail). */
  insertAt(index: number, value: string): void {
    this.checkIndex(index, this.count + 1);
    if (index === 0) return this.pushFront([value]);
    if (index === this.count) return this.pushBack([value]);
    this.noteIncoming(value.length);
    if (this.count === this.slots.length) this.resize(this.slots.length * 2);
    const mask = this.slots.length - 1;
    if (index < this.count - index) {
      // Shift the front part one slot towards the head.
      this.head = (this.head - 1) & mask;
      for (let i = 0; i < index; i++) this.slots[(this.head + i) & mask] = this.slots[(this.head + i + 1) & mask];
    } else {
      for (let i = this.count; i > index; i--) this.slots[(this.head + i) & mask] = this.slots[(this.head + i - 1) & mask];
    }
    this.slots[(this.head + index) & mask] = value;
    this.count++;
    this.packedBytes += listpackEntryBytes(value);
  }

  /** Removes and returns the element at `index`, which must be in [0, length). */
  removeAt(index: number): string {
    this.checkIndex(index, this.count);
    if (index === 0) return this.popFront()!;
    if (index === this.count - 1) return this.popBack()!;
    const mask = this.slots.length - 1;
    const value = this.slots[(this.head + index) & mask]!;
    if (index < this.count - index) {
      for (let i = index; i > 0; i--) this.slots[(this.head + i) & mask] = this.slots[(this.head + i - 1) & mask];
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) & mask;
    } else {
      for (let i = index; i < this.count - 1; i++) this.slots[(this.head + i) & mask] = this.slots[(this.head + i + 1) & mask];
      this.slots[(this.head + this.count - 1) & mask] = undefined;
    }
    this.count--;
    this.removed(value);
    return value;
  }

  /**
   * Removes elements equal to `value` (LREM): the first `limit` from the head when `fromHead`,
   * else the last `limit` from the tail; limit 0 removes them all. Returns how many went. O(n).
   */
  removeEqual(value: string, limit: number, fromHead: boolean): number {
    const kept: string[] = [];
    let removed = 0;
    const matches = (element: string) => element === value && (limit === 0 || removed < limit);
    if (fromHead) {
      for (const element of this.values()) {
        if (matches(element)) removed++;
        else kept.push(element);
      }
    } else {
      for (const element of this.valuesFromTail()) {
        if (matches(element)) removed++;
        else kept.push(element);
      }
      kept.reverse();
    }
    if (removed > 0) this.replaceContents(kept);
    return removed;
  }

  /** Keeps only the elements in [start, end] (LTRIM); an empty range empties the list. */
  trim(start: number, end: number): void {
    if (start > end || start >= this.count || end < 0) {
      this.replaceContents([]);
      return;
    }
    const dropBack = this.count - 1 - Math.min(end, this.count - 1);
    for (let i = 0; i < Math.max(start, 0); i++) this.popFront();
    for (let i = 0; i < dropBack; i++) this.popBack();
  }

  /** The elements in [start, end], both already clamped into [0, length). */
  range(start: number, end: number): string[] {
    const out: string[] = [];
    const mask = this.slots.length - 1;
    for (let i = start; i <= end; i++) out.push(this.slots[(this.head + i) & mask]!);
    return out;
  }

  /** Head to tail. */
  *values(): Generator<string> {
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.count; i++) yield this.slots[(this.head + i) & mask]!;
  }

  /** Tail to head. */
  *valuesFromTail(): Generator<string> {
    const mask = this.slots.length - 1;
    for (let i = this.count - 1; i >= 0; i--) yield this.slots[(this.head + i) & mask]!;
  }

  /** Copies references only (no per-element work beyond that): snapshots clone lists of millions. */
  clone(): ListValue {
    const copy = new ListValue();
    copy.resizeFrom(this, this.slots.length);
    copy.count = this.count;
    copy.packedBytes = this.packedBytes;
    copy.isQuicklist = this.isQuicklist;
    return copy;
  }

  approxBytes(): number {
    if (!this.isQuicklist) return this.packedBytes;
    const nodes = Math.ceil(this.packedBytes / LISTPACK_BYTES_MAX);
    return QUICKLIST_BYTES + nodes * (QUICKLIST_NODE_BYTES + LISTPACK_HEADER_BYTES) + this.packedBytes;
  }

  encoding(): string {
    return this.isQuicklist ? "quicklist" : "listpack";
  }

  /** Whether OBJECT ENCODING says quicklist (snapshots keep it, as Redis's RDB does). */
  get quicklist(): boolean {
    return this.isQuicklist;
  }

  /** Restores the encoding a snapshot recorded. */
  restoreEncoding(quicklist: boolean): void {
    this.isQuicklist = quicklist;
  }

  // Redis listTypeTryConvertListpack: the current listpack plus the raw byte lengths of what is
  // about to be added must fit one 8 KB node, else the list becomes a quicklist for good.
  private noteIncoming(rawBytes: number): void {
    if (!this.isQuicklist && this.packedBytes + rawBytes > LISTPACK_BYTES_MAX) this.isQuicklist = true;
  }

  // Redis listTypeTryConvertQuicklist when shrinking: back to a listpack at half the node limit.
  private noteShrunk(): void {
    if (this.isQuicklist && this.packedBytes <= LISTPACK_BYTES_MAX / 2) this.isQuicklist = false;
  }

  private removed(value: string): void {
    this.packedBytes -= listpackEntryBytes(value);
    const capacity = this.slots.length;
    if (capacity > CAPACITY_MIN && this.count <= capacity / 4) this.resize(capacity / 2);
    this.noteShrunk();
  }

  private replaceContents(values: string[]): void {
    let capacity = CAPACITY_MIN;
    while (capacity < values.length) capacity *= 2;
    this.slots = new Array(capacity);
    for (let i = 0; i < values.length; i++) this.slots[i] = values[i];
    this.head = 0;
    this.count = values.length;
    this.packedBytes = LISTPACK_HEADER_BYTES;
    for (const value of values) this.packedBytes += listpackEntryBytes(value);
    this.noteShrunk();
  }

  private resize(capacity: number): void {
    this.resizeFrom(this, capacity);
  }

  /** Makes this list's ring `capacity` slots holding `source`'s elements from index 0. */
  private resizeFrom(source: ListValue, capacity: number): void {
    const next: (string | undefined)[] = new Array(capacity);
    const slots = source.slots;
    const mask = slots.length - 1;
    for (let i = 0; i < source.count; i++) next[i] = slots[(source.head + i) & mask];
    this.slots = next;
    this.head = 0;
  }

  private checkIndex(index: number, limit: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= limit) throw new RangeError(`list index ${index} outside [0, ${limit})`);
  }
}

function totalLength(values: string[]): number {
  let total = 0;
  for (const value of values) total += value.length;
  return total;
}
