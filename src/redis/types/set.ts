// The set structure: distinct binary-string members with O(1) add, remove, membership and
// uniform random pick. Knows nothing about commands or replies.
//
// Design: a Map from member to its entry gives O(1) membership and keeps insertion order, which is
// the order Redis 7.2+ shows for small (listpack) sets. Beside it, `order` lists the entries by a
// sequence number handed out at insertion, removed ones left as tombstones until a compaction
// (when tombstones outnumber live entries), so a random pick is O(1) expected and SSCAN has a
// stable cursor (the next sequence number) that never skips a member present for the whole scan.
//
// OBJECT ENCODING follows Redis 7.2+ with default config: "intset" while every member is a
// canonical int64 and there are at most 512 (set-max-intset-entries), iterated in numeric order
// as an intset is; "listpack" for at most 128 members of at most 64 bytes (set-max-listpack-*),
// in insertion order; "hashtable" beyond. Conversions only go that way, as in Redis; when an
// intset converts, its members keep their numeric order ahead of the ones added after.
// (Redis 7.0, the differential oracle, has no listpack sets: it reports hashtable instead.)

import { cursorFrom, firstIndexAtOrAfter, isDueForCompaction, withoutTombstones } from "./insertion-order.ts";
import type { StructuredValue } from "./value.ts";

/** Redis's defaults for set-max-intset-entries, set-max-listpack-entries and set-max-listpack-value. */
export const INTSET_ENTRIES_MAX = 512;
export const LISTPACK_ENTRIES_MAX = 128;
export const LISTPACK_VALUE_BYTES_MAX = 64;

export type SetEncoding = "intset" | "listpack" | "hashtable";

// Rough per-member overheads for MEMORY USAGE: an intset slot, a listpack entry header, a dict
// entry with its sds key and bucket pointer.
const INTSET_MEMBER_BYTES = 8;
const LISTPACK_MEMBER_OVERHEAD_BYTES = 3;
const HASHTABLE_MEMBER_OVERHEAD_BYTES = 40;
const BASE_OVERHEAD_BYTES = 16;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const canonicalInteger = /^(0|-?[1-9][0-9]{0,18})$/;

/**
 * The int64 a member spells in canonical form (Redis string2ll: no sign on positives, no leading
 * zeros or spaces, no "-0"), or null. Only such members can live in an intset.
 */
export function parseCanonicalInt64(text: string): bigint | null {
  if (text.length > 20 || !canonicalInteger.test(text)) return null;
  const value = BigInt(text);
  return value > INT64_MAX || value < INT64_MIN ? null : value;
}

interface MemberEntry {
  readonly member: string;
  /** Position in `order`; strictly increasing with insertion, never reused. */
  readonly sequence: number;
  removed: boolean;
}

export class SetValue implements StructuredValue {
  private readonly entries = new Map<string, MemberEntry>();
  private order: MemberEntry[] = [];
  private tombstones = 0;
  private nextSequence = 1;
  private kind: SetEncoding = "intset";

  /**
   * An empty set ready for a write that will add `sizeHint` members, the first being `first`
   * (Redis setTypeCreate): an intset for an integer when the hint allows, a listpack for up to
   * 128, else a hashtable.
   */
  static create(first: string, sizeHint: number): SetValue {
    const set = new SetValue();
    if (parseCanonicalInt64(first) !== null && sizeHint <= INTSET_ENTRIES_MAX) set.kind = "intset";
    else if (sizeHint <= LISTPACK_ENTRIES_MAX) set.kind = "listpack";
    else set.kind = "hashtable";
    return set;
  }

  /** An empty set in its most compact encoding, for results built member by member (SINTERSTORE, SUNIONSTORE). */
  static empty(): SetValue {
    return new SetValue();
  }

  /** A set of `members` in the given order and encoding, as a snapshot recorded them. */
  static restore(members: Iterable<string>, encoding: SetEncoding): SetValue {
    const set = new SetValue();
    set.kind = encoding;
    for (const member of members) set.append(member);
    return set;
  }

  get size(): number {
    return this.entries.size;
  }

  has(member: string): boolean {
    return this.entries.has(member);
  }

  /**
   * Converts to a hashtable ahead of a write that adds `sizeHint` members, when the hint alone
   * passes the compact encoding's limit (Redis setTypeMaybeConvert).
   */
  prepareFor(sizeHint: number): void {
    if ((this.kind === "listpack" && sizeHint > LISTPACK_ENTRIES_MAX) || (this.kind === "intset" && sizeHint > INTSET_ENTRIES_MAX)) {
      this.convert("hashtable");
    }
  }

  /** Adds a member; returns false when it was already there. Converts the encoding as Redis's setTypeAdd does. */
  add(member: string): boolean {
    if (this.entries.has(member)) return false;
    if (this.kind === "intset") {
      if (parseCanonicalInt64(member) !== null) {
        this.append(member);
        if (this.entries.size > INTSET_ENTRIES_MAX) this.convert("hashtable");
        return true;
      }
      const fitsListpack = this.entries.size < LISTPACK_ENTRIES_MAX && member.length <= LISTPACK_VALUE_BYTES_MAX;
      this.convert(fitsListpack ? "listpack" : "hashtable");
    } else if (this.kind === "listpack") {
      if (this.entries.size >= LISTPACK_ENTRIES_MAX || member.length > LISTPACK_VALUE_BYTES_MAX) this.convert("hashtable");
    }
    this.append(member);
    return true;
  }

  delete(member: string): boolean {
    const entry = this.entries.get(member);
    if (entry === undefined) return false;
    this.entries.delete(member);
    entry.removed = true;
    this.tombstones++;
    if (isDueForCompaction(this.tombstones, this.entries.size)) {
      this.order = withoutTombstones(this.order);
      this.tombstones = 0;
    }
    return true;
  }

  /** Every member in the order Redis would iterate it: numeric for an intset, else insertion order. */
  members(): string[] {
    const out = [...this.entries.keys()];
    return this.kind === "intset" ? out.sort(compareIntegerTexts) : out;
  }

  /** A uniformly random member, or undefined when empty. `draw(n)` returns an integer in [0, n). */
  randomMember(draw: (n: number) => number): string | undefined {
    if (this.entries.size === 0) return undefined;
    // Tombstones are at most half of `order` past a small floor, so this expects few draws.
    for (;;) {
      const entry = this.order[draw(this.order.length)]!;
      if (!entry.removed) return entry.member;
    }
  }

  /**
   * Visits live members whose sequence is at least `cursor`, in insertion order, until `count`
   * were visited; returns the cursor to continue from, 0 when the walk is complete. Cursor 0 starts.
   */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    let index = firstIndexAtOrAfter(this.order, cursor);
    let visited = 0;
    while (index < this.order.length && visited < count) {
      const entry = this.order[index++]!;
      if (entry.removed) continue;
      visit(entry.member);
      visited++;
    }
    return cursorFrom(this.order, index);
  }

  clone(): SetValue {
    return SetValue.restore(this.members(), this.kind);
  }

  approxBytes(): number {
    if (this.kind === "intset") return BASE_OVERHEAD_BYTES + this.entries.size * INTSET_MEMBER_BYTES;
    const overhead = this.kind === "listpack" ? LISTPACK_MEMBER_OVERHEAD_BYTES : HASHTABLE_MEMBER_OVERHEAD_BYTES;
    let bytes = BASE_OVERHEAD_BYTES;
    for (const member of this.entries.keys()) bytes += member.length + overhead;
    return bytes;
  }

  encoding(): SetEncoding {
    return this.kind;
  }

  private append(member: string): void {
    const entry: MemberEntry = { member, sequence: this.nextSequence++, removed: false };
    this.entries.set(member, entry);
    this.order.push(entry);
  }

  // Leaving an intset, the members are laid out in the intset's numeric order, as Redis's
  // conversion copies them; later members follow in insertion order.
  private convert(kind: SetEncoding): void {
    if (this.kind === "intset") {
      const sorted = this.members();
      this.entries.clear();
      this.order = [];
      this.tombstones = 0;
      // Compact encodings never hand out scan cursors, so numbering can restart.
      this.nextSequence = 1;
      for (const member of sorted) this.append(member);
    }
    this.kind = kind;
  }
}

/** Numeric order of canonical int64 texts, without converting to floats (exact beyond 2^53). */
export function compareIntegerTexts(a: string, b: string): number {
  const negativeA = a.startsWith("-");
  const negativeB = b.startsWith("-");
  if (negativeA !== negativeB) return negativeA ? -1 : 1;
  const magnitude = a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  return negativeA ? -magnitude : magnitude;
}
