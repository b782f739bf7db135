// The list structure: a sequence of binary strings with O(1) push, pop and index at both ends.
// Knows nothing about commands or replies; callers normalise Redis's negative indexes first.
//
// Design: the elements live in chunks of CHUNK_SLOTS slots, in order; element i is in slot
// `first + i` counted across the chunks, so indexing is a shift and a mask. Pushing or popping at
// either end moves one slot, and adds or drops a chunk at that end once per CHUNK_SLOTS, so every
// end operation is O(1) (amortised) — unlike Array.shift, which is O(n). Inserting or removing in
// the middle shifts the shorter side, O(min(i, n - i)). A list that fits one chunk keeps a single
// array sized to it (doubling and halving, its elements centred), so a small list stays small.
// Why chunks rather than one array: a list of millions grown in one array is copied whole at every
// doubling, and a garbage collection revisits the whole array after every write to it; with
// chunks, a write touches one small array (in process, LPUSH x100 growing one list for 8 s spent
// 3.6 s in collection pauses with one array, 0.5 s with chunks).
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
/** Slots per chunk: 8 KB of references, as Redis's quicklist nodes are 8 KB listpacks. */
const CHUNK_SHIFT = 10;
const CHUNK_SLOTS = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SLOTS - 1;

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
  /** The chunks, head to tail: all CHUNK_SLOTS long, or one array of any power-of-two length. */
  private chunks: (string | undefined)[][] = [new Array(CAPACITY_MIN)];
  /** The slot of element 0. */
  private first = CAPACITY_MIN / 2;
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
    const slot = this.first + index;
    return this.chunks[slot >>> CHUNK_SHIFT]![slot & CHUNK_MASK];
  }

  /** Replaces the element at `index`, which must be in [0, length). */
  setAt(index: number, value: string): void {
    this.checkIndex(index, this.count);
    this.noteIncoming(value.length);
    this.packedBytes += listpackEntryBytes(value) - listpackEntryBytes(this.at(index)!);
    this.put(index, value);
    this.noteShrunk();
  }

  /**
   * Pushes each of `values[from..]` at the head in turn, so the last one given ends up first
   * (LPUSH). `from` lets a command push its argv's tail without copying it.
   */
  pushFront(values: readonly string[], from = 0): void {
    this.noteIncoming(totalLength(values, from));
    for (let i = from; i < values.length; i++) {
      const value = values[i]!;
      this.storeFront(value);
      this.packedBytes += listpackEntryBytes(value);
    }
  }

  /** Appends `values[from..]` at the tail, in order (RPUSH). */
  pushBack(values: readonly string[], from = 0): void {
    this.noteIncoming(totalLength(values, from));
    for (let i = from; i < values.length; i++) {
      const value = values[i]!;
      this.storeBack(value);
      this.packedBytes += listpackEntryBytes(value);
    }
  }

  /** Removes and returns the head element, undefined when empty. */
  popFront(): string | undefined {
    if (this.count === 0) return undefined;
    const value = this.takeFront();
    this.removed(value);
    return value;
  }

  /** Removes and returns the tail element, undefined when empty. */
  popBack(): string | undefined {
    if (this.count === 0) return undefined;
    const value = this.takeBack();
    this.removed(value);
    return value;
  }

  /** Inserts `value` so that it ends up at `index` (0 = new head, length = new tail). */
  insertAt(index: number, value: string): void {
    this.checkIndex(index, this.count + 1);
    if (index === 0) return this.pushFront([value]);
    if (index === this.count) return this.pushBack([value]);
    this.noteIncoming(value.length);
    if (index < this.count - index) {
      // Shift the front part one slot towards the head.
      this.storeFront(this.at(0)!);
      for (let i = 1; i < index; i++) this.put(i, this.at(i + 1)!);
    } else {
      this.storeBack(this.at(this.count - 1)!);
      for (let i = this.count - 2; i > index; i--) this.put(i, this.at(i - 1)!);
    }
    this.put(index, value);
    this.packedBytes += listpackEntryBytes(value);
  }

  /** Removes and returns the element at `index`, which must be in [0, length). */
  removeAt(index: number): string {
    this.checkIndex(index, this.count);
    const value = this.at(index)!;
    if (index < this.count - index) {
      for (let i = index; i > 0; i--) this.put(i, this.at(i - 1)!);
      this.takeFront();
    } else {
      for (let i = index; i < this.count - 1; i++) this.put(i, this.at(i + 1)!);
      this.takeBack();
    }
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
    for (let i = start; i <= end; i++) out.push(this.at(i)!);
    return out;
  }

  /** Head to tail. */
  *values(): Generator<string> {
    for (let i = 0; i < this.count; i++) yield this.at(i)!;
  }

  /** Tail to head. */
  *valuesFromTail(): Generator<string> {
    for (let i = this.count - 1; i >= 0; i--) yield this.at(i)!;
  }

  /** Copies references only (no per-element work beyond that): snapshots clone lists of millions. */
  clone(): ListValue {
    const copy = new ListValue();
    copy.chunks = this.chunks.map((chunk) => chunk.slice());
    copy.first = this.first;
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
    this.noteShrunk();
  }

  private replaceContents(values: string[]): void {
    this.clear();
    for (const value of values) this.storeBack(value);
    this.packedBytes = LISTPACK_HEADER_BYTES;
    for (const value of values) this.packedBytes += listpackEntryBytes(value);
    this.noteShrunk();
  }

  // Storage: slots and chunks only; the callers above keep packedBytes.

  private put(index: number, value: string): void {
    const slot = this.first + index;
    this.chunks[slot >>> CHUNK_SHIFT]![slot & CHUNK_MASK] = value;
  }

  private storeFront(value: string): void {
    if (this.first === 0) {
      const only = this.chunks.length === 1 ? this.chunks[0]!.length : CHUNK_SLOTS;
      if (only < CHUNK_SLOTS) this.regrow(this.count < only / 2 ? only : only * 2);
      else {
        this.chunks.unshift(new Array(CHUNK_SLOTS));
        this.first = CHUNK_SLOTS;
      }
    }
    this.first--;
    this.chunks[0]![this.first] = value;
    this.count++;
  }

  private storeBack(value: string): void {
    const chunks = this.chunks;
    const capacity = chunks.length === 1 ? chunks[0]!.length : chunks.length * CHUNK_SLOTS;
    if (this.first + this.count === capacity) {
      if (capacity < CHUNK_SLOTS) this.regrow(this.count < capacity / 2 ? capacity : capacity * 2);
      else chunks.push(new Array(CHUNK_SLOTS));
    }
    this.put(this.count, value);
    this.count++;
  }

  private takeFront(): string {
    const chunk = this.chunks[0]!;
    const value = chunk[this.first]!;
    chunk[this.first] = undefined;
    this.first++;
    this.count--;
    if (this.first === CHUNK_SLOTS && this.chunks.length > 1) {
      this.chunks.shift();
      this.first = 0;
    }
    this.shrinkIfSparse();
    return value;
  }

  private takeBack(): string {
    const slot = this.first + this.count - 1;
    const chunk = this.chunks[slot >>> CHUNK_SHIFT]!;
    const value = chunk[slot & CHUNK_MASK]!;
    chunk[slot & CHUNK_MASK] = undefined;
    this.count--;
    if ((slot & CHUNK_MASK) === 0 && this.chunks.length > 1) this.chunks.pop();
    this.shrinkIfSparse();
    return value;
  }

  /** A list down to one chunk a quarter full or less moves to an array half the size. */
  private shrinkIfSparse(): void {
    if (this.chunks.length > 1) return;
    const capacity = this.chunks[0]!.length;
    if (capacity > CAPACITY_MIN && this.count <= capacity / 4) this.regrow(capacity / 2);
  }

  /** Moves a list that fits one chunk into one array of `capacity` slots, centred, so both ends have room. */
  private regrow(capacity: number): void {
    const next: (string | undefined)[] = new Array(capacity);
    const start = (capacity - this.count) >>> 1;
    for (let i = 0; i < this.count; i++) next[start + i] = this.at(i);
    this.chunks = [next];
    this.first = start;
  }

  private clear(): void {
    this.chunks = [new Array(CAPACITY_MIN)];
    this.first = CAPACITY_MIN / 2;
    this.count = 0;
  }

  private checkIndex(index: number, limit: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= limit) throw new RangeError(`list index ${index} outside [0, ${limit})`);
  }
}

function totalLength(values: readonly string[], from: number): number {
  let total = 0;
  for (let i = from; i < values.length; i++) total += values[i]!.length;
  return total;
}
