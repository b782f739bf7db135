// The scan order that hash.ts, set.ts and sorted-set.ts keep beside their lookup structure: an
// array of entries by a sequence number handed out at insertion (strictly increasing along the
// array, never reused), removed entries left in it as tombstones until a compaction. A scan
// cursor is the next sequence to visit, so a scan never skips an entry present throughout it,
// and cursors stay valid across compactions. The per-entry loops stay in each structure, where
// the entry's shape is the only one seen.

/** An entry of such an array. */
export interface Sequenced {
  readonly sequence: number;
  readonly removed: boolean;
}

// Compaction runs once tombstones outnumber live entries (and there are enough to matter), so past
// that floor the array stays within twice the live size (a random pick expects at most 2 draws)
// and each removal costs O(1) amortised.
const TOMBSTONES_BEFORE_COMPACTION_MIN = 32;

/** Whether an array with these counts is due for `withoutTombstones`. */
export function isDueForCompaction(tombstones: number, live: number): boolean {
  return tombstones > TOMBSTONES_BEFORE_COMPACTION_MIN && tombstones > live;
}

const isLive = (entry: Sequenced) => !entry.removed;

/** The live entries, in order; their sequences are kept, so cursors handed out before stay valid. */
export function withoutTombstones<T extends Sequenced>(order: readonly T[]): T[] {
  return order.filter(isLive);
}

/** Index in `order` of the first entry (live or not) with sequence >= `sequence`: where a scan at that cursor starts. */
export function firstIndexAtOrAfter(order: readonly Sequenced[], sequence: number): number {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (order[middle]!.sequence < sequence) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The cursor for a scan that stopped before `index`: the next live entry's sequence, 0 when none is left. */
export function cursorFrom(order: readonly Sequenced[], index: number): number {
  while (index < order.length && order[index]!.removed) index++;
  return index < order.length ? order[index]!.sequence : 0;
}
