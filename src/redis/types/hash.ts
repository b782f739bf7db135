// The hash structure: binary-string fields and values, each field optionally with its own
// absolute expiry instant (Redis 7.4 hash-field expiration). Knows nothing about commands or
// replies; callers pass the current time and decide what an expired field means.
//
// Design: `order` lists the entries by a sequence number handed out at insertion, which is the
// insertion order Redis's small (listpack) hashes show to clients; it gives HSCAN a stable
// cursor (the next sequence number) that never skips a field present for the whole scan, and
// HRANDFIELD O(1) random access. A hash of more than a few fields also indexes its live entries
// in a Map for O(1) lookup, and leaves removed entries in `order` as tombstones until a
// compaction; a small one is searched along `order` and removes entries from it at once. Most
// hashes are small, and a Map costs more to make and to hold than such a scan costs.

import { cursorFrom, firstIndexAtOrAfter, isDueForCompaction, withoutTombstones } from "./insertion-order.ts";
import type { StructuredValue } from "./value.ts";

/** Redis's defaults for hash-max-listpack-entries / hash-max-listpack-value. */
export const LISTPACK_ENTRIES_MAX = 128;
export const LISTPACK_VALUE_BYTES_MAX = 64;

// Rough per-field overheads for MEMORY USAGE: a listpack entry header versus a dict entry,
// its key and value objects and the bucket pointer.
const LISTPACK_FIELD_OVERHEAD_BYTES = 4;
const HASHTABLE_FIELD_OVERHEAD_BYTES = 56;
const BASE_OVERHEAD_BYTES = 48;

/** Hashes with more fields than this are indexed by a Map; smaller ones are searched in order. */
const SCANNED_FIELDS_MAX = 8;

interface FieldEntry {
  readonly field: string;
  value: string;
  /** Absolute expiry instant in ms, 0 for a field without TTL. */
  expiresAtMs: number;
  /** Position in `order`; strictly increasing with insertion, never reused. */
  readonly sequence: number;
  removed: boolean;
}

export class HashValue implements StructuredValue {
  /** The live entries by field, once the hash outgrew SCANNED_FIELDS_MAX (then kept for good). */
  private index: Map<string, FieldEntry> | undefined;
  private live = 0;
  private order: FieldEntry[] = [];
  private tombstones = 0;
  private nextSequence = 1;
  /** Fields that carry a TTL; made when the first one does (most hashes never have one). */
  private volatile: Set<FieldEntry> | undefined;
  /** A lower bound of the earliest field expiry (Infinity when none): lets most reads skip the expiry sweep. */
  private earliestExpiryAtMs = Infinity;
  /** Redis never converts a hashtable back to a listpack, so once big, always reported big. */
  private isHashtable = false;

  get size(): number {
    return this.live;
  }

  has(field: string): boolean {
    return this.find(field) !== undefined;
  }

  get(field: string): string | undefined {
    return this.find(field)?.value;
  }

  /**
   * Sets a field's value; returns true when the field is new. An existing field loses its TTL
   * unless `keepTtl` (HSET clears it, HINCRBY and HSETEX KEEPTTL keep it).
   */
  set(field: string, value: string, keepTtl = false): boolean {
    this.noteSizes(field, value);
    const existing = this.find(field);
    if (existing !== undefined) {
      existing.value = value;
      if (!keepTtl) this.clearExpiry(existing);
      return false;
    }
    const entry: FieldEntry = { field, value, expiresAtMs: 0, sequence: this.nextSequence++, removed: false };
    this.order.push(entry);
    this.live++;
    // A small hash's order holds only live entries, so it is the index's content as it stands.
    if (this.index !== undefined) this.index.set(field, entry);
    else if (this.live > SCANNED_FIELDS_MAX) this.index = new Map(this.order.map((live) => [live.field, live]));
    if (this.live > LISTPACK_ENTRIES_MAX) this.isHashtable = true;
    return true;
  }

  delete(field: string): boolean {
    const entry = this.find(field);
    if (entry === undefined) return false;
    this.live--;
    this.clearExpiry(entry);
    entry.removed = true;
    if (this.index === undefined) {
      // A small hash keeps no tombstones: taking the entry out of a few costs less than skipping it.
      this.order.splice(this.order.indexOf(entry), 1);
      return true;
    }
    this.index.delete(field);
    this.tombstones++;
    if (isDueForCompaction(this.tombstones, this.live)) {
      this.order = withoutTombstones(this.order);
      this.tombstones = 0;
    }
    return true;
  }

  /** The field's absolute expiry in ms: 0 when it has none, undefined when there is no such field. */
  expiryOf(field: string): number | undefined {
    return this.find(field)?.expiresAtMs;
  }

  /** Gives an existing field an absolute expiry instant (> 0); false when there is no such field. */
  setExpiry(field: string, expiresAtMs: number): boolean {
    const entry = this.find(field);
    if (entry === undefined) return false;
    entry.expiresAtMs = expiresAtMs;
    (this.volatile ??= new Set()).add(entry);
    if (expiresAtMs < this.earliestExpiryAtMs) this.earliestExpiryAtMs = expiresAtMs;
    return true;
  }

  /** Removes a field's TTL; false when the field does not exist or had none. */
  persist(field: string): boolean {
    const entry = this.find(field);
    if (entry === undefined || entry.expiresAtMs === 0) return false;
    this.clearExpiry(entry);
    return true;
  }

  /** Whether any field carries a TTL. */
  hasVolatileFields(): boolean {
    return this.volatileCount > 0;
  }

  /** A lower bound of the earliest field expiry instant, Infinity when no field has a TTL (for an active sweep). */
  nextExpiryAtMs(): number {
    return this.volatileCount === 0 ? Infinity : this.earliestExpiryAtMs;
  }

  /**
   * Deletes every field whose expiry instant is before `nowMs` (a field is alive through its
   * expiry millisecond, as a key is) and returns their names in field order.
   */
  removeExpired(nowMs: number): string[] {
    if (this.volatileCount === 0 || this.earliestExpiryAtMs >= nowMs) return [];
    const expired: FieldEntry[] = [];
    let earliest = Infinity;
    for (const entry of this.volatile!) {
      if (entry.expiresAtMs < nowMs) expired.push(entry);
      else if (entry.expiresAtMs < earliest) earliest = entry.expiresAtMs;
    }
    expired.sort((a, b) => a.sequence - b.sequence);
    for (const entry of expired) this.delete(entry.field);
    this.earliestExpiryAtMs = earliest;
    return expired.map((entry) => entry.field);
  }

  /** Live [field, value] pairs in insertion order. */
  *pairs(): Generator<[string, string]> {
    for (const entry of this.order) if (!entry.removed) yield [entry.field, entry.value];
  }

  /**
   * Visits live fields whose sequence is at least `cursor`, in order, until `count` were
   * visited; returns the cursor to continue from, 0 when the walk is complete. Cursor 0 starts.
   */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    let index = firstIndexAtOrAfter(this.order, cursor);
    let visited = 0;
    while (index < this.order.length && visited < count) {
      const entry = this.order[index++]!;
      if (entry.removed) continue;
      visit(entry.field, entry.value);
      visited++;
    }
    return cursorFrom(this.order, index);
  }

  /** A uniformly random live [field, value], or undefined when empty. `draw(n)` returns an integer in [0, n). */
  randomPair(draw: (n: number) => number): [string, string] | undefined {
    if (this.live === 0) return undefined;
    // Tombstones are at most half of `order` (see insertion-order.ts), so this expects ≤ 2 draws.
    for (;;) {
      const entry = this.order[draw(this.order.length)]!;
      if (!entry.removed) return [entry.field, entry.value];
    }
  }

  clone(): HashValue {
    const copy = new HashValue();
    for (const entry of this.order) {
      if (entry.removed) continue;
      copy.set(entry.field, entry.value);
      if (entry.expiresAtMs !== 0) copy.setExpiry(entry.field, entry.expiresAtMs);
    }
    copy.isHashtable = this.isHashtable;
    return copy;
  }

  approxBytes(): number {
    const perField = this.isHashtable ? HASHTABLE_FIELD_OVERHEAD_BYTES : LISTPACK_FIELD_OVERHEAD_BYTES;
    let bytes = BASE_OVERHEAD_BYTES;
    for (const entry of this.order) if (!entry.removed) bytes += entry.field.length + entry.value.length + perField;
    return bytes + this.volatileCount * 8;
  }

  encoding(): string {
    if (this.isHashtable) return "hashtable";
    return this.volatileCount > 0 ? "listpackex" : "listpack";
  }

  private get volatileCount(): number {
    return this.volatile?.size ?? 0;
  }

  /** The live entry of `field`: looked up in the index, or searched along `order` in a small hash. */
  private find(field: string): FieldEntry | undefined {
    if (this.index !== undefined) return this.index.get(field);
    for (const entry of this.order) if (entry.field === field) return entry;
    return undefined;
  }

  private noteSizes(field: string, value: string): void {
    if (field.length > LISTPACK_VALUE_BYTES_MAX || value.length > LISTPACK_VALUE_BYTES_MAX) this.isHashtable = true;
  }

  private clearExpiry(entry: FieldEntry): void {
    if (entry.expiresAtMs === 0) return;
    entry.expiresAtMs = 0;
    this.volatile!.delete(entry);
    // earliestExpiryAtMs stays a valid lower bound; the next sweep tightens it.
  }
}
