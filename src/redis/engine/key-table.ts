// The keyspace's index: a hash table from keys (binary strings) to entries, laid out so finding a
// key among millions touches few cache lines. With a JavaScript Map per slot, finding a fresh key
// string among 1 million took ~1.3 µs in a loop on our machine: the slot's map, its table, the
// stored key's string cell and its characters, then the entry, each a likely cache miss. Here a
// key's hash, length and (up to 20) bytes sit together in one 32-byte record of a typed array, so a
// lookup reads that record, one element of the entries array and the entry (~0.55 µs).
//
// Layout:
// - 256 open-addressing tables, each for 64 consecutive slots: few enough that their headers stay
//   in cache; a snapshot, written slot by slot, loads into one table at a time; growing one
//   rehashes a small part of the keyspace; and the garbage collector, which rescans a whole array
//   once any element of it changes, rescans one table's arrays after a write (one Map of 1 million
//   keys was slower than per-slot maps). Keys sharing a {hash tag} share a table.
// - A record is 8 words: hash (never 0: 0 marks a free record, all zeros), id, length word, then
//   the key's bytes (zeros after its end) when it has at most 20. Linear probing; a deletion shifts
//   the records after it back (no tombstones). A table doubles when 3/4 full, halves below 1/8.
// - A record's id indexes its table's `keys` and `entries` arrays; freed ids are reused, and once
//   no more than a quarter of a table's ids hold a key, its ids are numbered again densely.
// - A longer key, or one with a character above 0xff (keys are binary strings, so only a caller's
//   bug makes one), is confirmed by comparing the stored key string once hash and length match;
//   its length word is negative, so it never matches a short key's record.
// - Each slot lists its keys in insertion order (a doubly linked list of ids in its table's
//   typed arrays: a slot's keys all live in its table), for SCAN's slot cursors and the
//   snapshot's walk by slot.
// - A table is made when its first key comes, so an empty database costs an array of 256 places.
// The hash is MurmurHash3's (x86, 32-bit) over 4-byte words, from a random seed: a step per four
// bytes, where FNV-1a took a dependent multiply per byte (rate-limit keys are ~40 bytes); the
// seed keeps crafted keys from piling into one probe run.

import type { Entry } from "./keyspace.ts";
import { SLOT_COUNT } from "./slot.ts";

const TABLE_COUNT = 256;
const RECORD_WORDS = 8;
const ID = 1;
const LENGTH = 2;
const BYTES = 3;
const INLINE_BYTES = 20;
const CAPACITY_MIN = 8;
const SLOTS_PER_TABLE = SLOT_COUNT / TABLE_COUNT;
const NONE = -1;

const seed = crypto.getRandomValues(new Int32Array(1))[0]!;

// The last key hashed (none yet): a command reads then writes its key, each a lookup.
let lastKey: string | undefined;
let lastHash = 0;
let lastLengthWord = 0;

/** Hashes a key into lastHash and lastLengthWord. */
function hashKey(key: string): void {
  if (key === lastKey) return;
  const length = key.length;
  let hash = seed;
  let bits = 0;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const c0 = key.charCodeAt(i);
    const c1 = key.charCodeAt(i + 1);
    const c2 = key.charCodeAt(i + 2);
    const c3 = key.charCodeAt(i + 3);
    bits |= c0 | c1 | c2 | c3;
    hash = mixWord(hash, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  if (i < length) {
    let tail = 0;
    for (let j = length - 1; j >= i; j--) {
      const code = key.charCodeAt(j);
      bits |= code;
      tail = (tail << 8) | code;
    }
    hash = mixWord(hash, tail);
  }
  hash ^= length;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash ^= hash >>> 16;
  lastKey = key;
  lastHash = hash === 0 ? 1 : hash;
  lastLengthWord = length <= INLINE_BYTES && bits <= 0xff ? length : -1 - length;
}

/** One 4-byte step of MurmurHash3 (x86, 32-bit). */
function mixWord(hash: number, word: number): number {
  let mixed = Math.imul(word, 0xcc9e2d51);
  mixed = Math.imul((mixed << 15) | (mixed >>> 17), 0x1b873593);
  hash ^= mixed;
  hash = (hash << 13) | (hash >>> 19);
  return (Math.imul(hash, 5) + 0xe6546b64) | 0;
}

/**
 * Four bytes of a key from `i`, little-endian, 0 past the key's end. Never reads past the end:
 * charCodeAt out of range leaves the compiled code for a slow call (it made inserts ~40% slower).
 */
function keyWord(key: string, i: number): number {
  if (i + 4 <= key.length) return key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8) | (key.charCodeAt(i + 2) << 16) | (key.charCodeAt(i + 3) << 24);
  let word = 0;
  for (let j = key.length - 1; j >= i; j--) word = (word << 8) | key.charCodeAt(j);
  return word;
}

class Table {
  records = new Int32Array(CAPACITY_MIN * RECORD_WORDS);
  mask = CAPACITY_MIN - 1;
  size = 0;
  keys: (string | undefined)[] = [];
  entries: (Entry | undefined)[] = [];
  /** The neighbours of each id in its slot's list. */
  next = new Int32Array(CAPACITY_MIN);
  previous = new Int32Array(CAPACITY_MIN);
  private freeIds: number[] = [];
  /** Each of the table's slots' first and last id and key count, by the slot's place in the table. */
  private slotHead = new Int32Array(SLOTS_PER_TABLE).fill(NONE);
  private slotTail = new Int32Array(SLOTS_PER_TABLE).fill(NONE);
  readonly slotSizes = new Int32Array(SLOTS_PER_TABLE);

  /** find for a key not hashed yet: hashes it into lastHash and lastLengthWord, which an insert then uses. */
  locate(key: string): number {
    hashKey(key);
    return this.find(key, lastHash, lastLengthWord);
  }

  /** The offset of the key's record, or -1 - the offset of the free record its probe ended at. */
  find(key: string, hash: number, lengthWord: number): number {
    const records = this.records;
    for (let position = hash & this.mask; ; position = (position + 1) & this.mask) {
      const at = position * RECORD_WORDS;
      const recordHash = records[at]!;
      if (recordHash === 0) return -1 - at;
      if (recordHash === hash && records[at + LENGTH] === lengthWord && this.matches(at, key, lengthWord)) return at;
    }
  }

  private matches(at: number, key: string, lengthWord: number): boolean {
    const records = this.records;
    if (lengthWord < 0) return this.keys[records[at + ID]!] === key;
    for (let i = 0; i < key.length; i += 4) if (records[at + BYTES + (i >> 2)] !== keyWord(key, i)) return false;
    return true;
  }

  /** Writes a new key's record at the free record `at` (from find) and returns its id. */
  insert(at: number, key: string, hash: number, lengthWord: number, entry: Entry): number {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) {
      this.resize((this.mask + 1) * 2);
      at = -1 - this.find(key, hash, lengthWord);
    }
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.keys.length;
    if (id >= this.next.length) this.growLinks(id + 1);
    const records = this.records;
    records[at] = hash;
    records[at + ID] = id;
    records[at + LENGTH] = lengthWord;
    // A free record is all zeros, so the words past a short key's end are 0 already.
    if (lengthWord >= 0) for (let i = 0; i < key.length; i += 4) records[at + BYTES + (i >> 2)] = keyWord(key, i);
    this.keys[id] = key;
    this.entries[id] = entry;
    this.size++;
    return id;
  }

  /** Removes the record at `at`; the caller has unlinked its id from its slot's list. */
  remove(at: number): void {
    const records = this.records;
    const mask = this.mask;
    const id = records[at + ID]!;
    // Backward shift: each record after the hole that may live there (its home is not between
    // the hole and itself) moves into it, so every probe still reaches its key.
    let hole = at / RECORD_WORDS;
    for (let position = (hole + 1) & mask; records[position * RECORD_WORDS] !== 0; position = (position + 1) & mask) {
      const home = records[position * RECORD_WORDS]! & mask;
      if (((position - home) & mask) >= ((position - hole) & mask)) {
        records.copyWithin(hole * RECORD_WORDS, position * RECORD_WORDS, (position + 1) * RECORD_WORDS);
        hole = position;
      }
    }
    records.fill(0, hole * RECORD_WORDS, (hole + 1) * RECORD_WORDS);
    this.keys[id] = undefined;
    this.entries[id] = undefined;
    this.freeIds.push(id);
    this.size--;
    if (this.size * 8 < this.mask + 1 && this.mask + 1 > CAPACITY_MIN) this.resize((this.mask + 1) / 2);
    if (this.size * 4 < this.keys.length && this.keys.length > CAPACITY_MIN) this.compactIds();
  }

  /**
   * Numbers the ids 0 to size - 1 again, in slot order, and sizes the arrays they index to fit.
   * Freed ids are reused by later keys, but after mass deletions most of them would only hold
   * their places in the arrays (24 bytes each). Runs once no more than a quarter of the places
   * hold a key, so each run is paid for by the deletions since the last.
   */
  private compactIds(): void {
    const oldNext = this.next;
    const renumbered = new Int32Array(this.keys.length);
    const keys: (string | undefined)[] = [];
    const entries: (Entry | undefined)[] = [];
    this.next = new Int32Array(linkCapacity(this.size));
    this.previous = new Int32Array(this.next.length);
    for (let place = 0; place < SLOTS_PER_TABLE; place++) {
      const first = keys.length;
      for (let old = this.slotHead[place]!; old !== NONE; old = oldNext[old]!) {
        const id = keys.length;
        renumbered[old] = id;
        keys.push(this.keys[old]);
        entries.push(this.entries[old]);
        this.previous[id] = id === first ? NONE : id - 1;
        this.next[id] = id + 1;
      }
      if (keys.length === first) continue;
      this.next[keys.length - 1] = NONE;
      this.slotHead[place] = first;
      this.slotTail[place] = keys.length - 1;
    }
    const records = this.records;
    for (let at = 0; at < records.length; at += RECORD_WORDS) if (records[at] !== 0) records[at + ID] = renumbered[records[at + ID]!]!;
    this.keys = keys;
    this.entries = entries;
    this.freeIds = [];
  }

  /** Grows the table, if it must, to hold `size` records without growing again. */
  reserve(size: number): void {
    let capacity = this.mask + 1;
    while (size * 4 > capacity * 3) capacity *= 2;
    if (capacity > this.mask + 1) this.resize(capacity);
    this.growLinks(size);
  }

  private resize(capacity: number): void {
    const old = this.records;
    const records = (this.records = new Int32Array(capacity * RECORD_WORDS));
    const mask = (this.mask = capacity - 1);
    for (let from = 0; from < old.length; from += RECORD_WORDS) {
      const hash = old[from]!;
      if (hash === 0) continue;
      let position = hash & mask;
      while (records[position * RECORD_WORDS] !== 0) position = (position + 1) & mask;
      const to = position * RECORD_WORDS;
      for (let word = 0; word < RECORD_WORDS; word++) records[to + word] = old[from + word]!;
    }
  }

  /** Appends an id to its slot's list. */
  link(id: number, place: number): void {
    const tail = this.slotTail[place]!;
    this.previous[id] = tail;
    this.next[id] = NONE;
    if (tail === NONE) this.slotHead[place] = id;
    else this.next[tail] = id;
    this.slotTail[place] = id;
    this.slotSizes[place]!++;
  }

  unlink(id: number, place: number): void {
    const previous = this.previous[id]!;
    const next = this.next[id]!;
    if (previous === NONE) this.slotHead[place] = next;
    else this.next[previous] = next;
    if (next === NONE) this.slotTail[place] = previous;
    else this.previous[next] = previous;
    this.slotSizes[place]!--;
  }

  /** The key at `index` of the table's slots' lists one after another. */
  keyAt(index: number): string {
    let place = 0;
    while (index >= this.slotSizes[place]!) index -= this.slotSizes[place++]!;
    let id = this.slotHead[place]!;
    while (index-- > 0) id = this.next[id]!;
    return this.keys[id]!;
  }

  slotKeys(place: number): string[] {
    const keys: string[] = [];
    for (let id = this.slotHead[place]!; id !== NONE; id = this.next[id]!) keys.push(this.keys[id]!);
    return keys;
  }

  slotEntries(place: number): [string, Entry][] {
    const pairs: [string, Entry][] = [];
    for (let id = this.slotHead[place]!; id !== NONE; id = this.next[id]!) pairs.push([this.keys[id]!, this.entries[id]!]);
    return pairs;
  }

  /** Makes the link arrays hold at least `ids` ids. */
  private growLinks(ids: number): void {
    if (ids <= this.next.length) return;
    const length = linkCapacity(ids);
    const next = new Int32Array(length);
    next.set(this.next);
    this.next = next;
    const previous = new Int32Array(length);
    previous.set(this.previous);
    this.previous = previous;
  }
}

/** The length of link arrays for `ids` ids: a power of two, so growing one id at a time copies little. */
function linkCapacity(ids: number): number {
  let length = CAPACITY_MIN;
  while (length < ids) length *= 2;
  return length;
}

const NO_KEYS: readonly string[] = [];
const NO_ENTRIES: readonly [string, Entry][] = [];

const tableOfSlot = (slot: number) => slot >> 6; // SLOTS_PER_TABLE = 64
const placeOfSlot = (slot: number) => slot & (SLOTS_PER_TABLE - 1);

export class KeyTable {
  /** By slot / 64; made at the first key, so a database holding few keys costs little. */
  private tables = new Array<Table | undefined>(TABLE_COUNT).fill(undefined);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Places in the tables' arrays indexed by id, held by a key or free for the next: bounded by 4 × size a table, and a minimum. */
  get idPlaces(): number {
    let places = 0;
    for (const table of this.tables) places += table?.keys.length ?? 0;
    return places;
  }

  get(key: string, slot: number): Entry | undefined {
    const table = this.tables[tableOfSlot(slot)];
    if (table === undefined) return undefined;
    const at = table.locate(key);
    return at < 0 ? undefined : table.entries[table.records[at + ID]!];
  }

  /** Stores the key's entry; returns the entry it replaced, undefined for a new key. */
  set(key: string, slot: number, entry: Entry): Entry | undefined {
    const table = (this.tables[tableOfSlot(slot)] ??= new Table());
    const at = table.locate(key);
    if (at >= 0) {
      const id = table.records[at + ID]!;
      const old = table.entries[id];
      table.entries[id] = entry;
      return old;
    }
    table.link(table.insert(-1 - at, key, lastHash, lastLengthWord, entry), placeOfSlot(slot));
    this.count++;
    return undefined;
  }

  /** Removes the key; returns its entry, undefined when it was not there. */
  delete(key: string, slot: number): Entry | undefined {
    const table = this.tables[tableOfSlot(slot)];
    if (table === undefined) return undefined;
    const at = table.locate(key);
    if (at < 0) return undefined;
    const id = table.records[at + ID]!;
    const entry = table.entries[id];
    table.unlink(id, placeOfSlot(slot));
    table.remove(at);
    this.count--;
    return entry;
  }

  clear(): void {
    this.tables = new Array(TABLE_COUNT).fill(undefined);
    this.count = 0;
  }

  /**
   * Makes room for `count` keys in all, so loading them grows no table step by step (each step
   * rehashes the table into fresh memory; for 1 million keys, a fifth of the loading time).
   */
  reserve(count: number): void {
    if (count === 0) return;
    // Slots spread keys evenly over the tables; the 1/8 margin covers most tables' share exceeding the mean.
    for (let index = 0; index < TABLE_COUNT; index++) (this.tables[index] ??= new Table()).reserve(Math.ceil((count / TABLE_COUNT) * 1.125));
  }

  slotSize(slot: number): number {
    return this.tables[tableOfSlot(slot)]?.slotSizes[placeOfSlot(slot)] ?? 0;
  }

  /** The key at `index` (0 to size - 1) of all slots' lists one after another, slot by slot. */
  keyAt(index: number): string {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`no key at ${index} of ${this.count}`);
    for (const table of this.tables) {
      if (table === undefined) continue;
      if (index < table.size) return table.keyAt(index);
      index -= table.size;
    }
    throw new RangeError("the tables hold fewer keys than counted");
  }

  /** The slot's keys, in the order they were added. */
  slotKeys(slot: number): readonly string[] {
    // SCAN and KEYS ask every slot, most of them empty in a small keyspace.
    if (this.slotSize(slot) === 0) return NO_KEYS;
    return this.tables[tableOfSlot(slot)]!.slotKeys(placeOfSlot(slot));
  }

  /** The slot's keys and entries, in the order the keys were added. */
  slotEntries(slot: number): readonly [string, Entry][] {
    if (this.slotSize(slot) === 0) return NO_ENTRIES;
    return this.tables[tableOfSlot(slot)]!.slotEntries(placeOfSlot(slot));
  }
}
