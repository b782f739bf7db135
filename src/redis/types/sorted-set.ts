// The sorted-set structure: members (binary strings) with double scores, ordered by score and,
// between equal scores, by member bytes (memcmp order, which is JS's order for binary strings).
// Knows nothing about commands; commands/zset.ts and commands/geo.ts translate, SORT reads
// `entries()`, `walk()` and `rangeByRank()`. Benchmarks can drive it directly (`set`, `rank`, `at`, ranges) and
// read `nodeVisits`.
//
// Design: Redis's own layout, so ranks and ranges behave exactly as Redis's do. A Map from member
// to node gives O(1) score lookup; a skip list with spans (Pugh's list plus, per link, the number
// of nodes it jumps) keeps the order and gives O(log n) expected insert, delete, rank, and
// node-by-rank, with a backward link at level 0 for reverse walks. Levels are drawn with
// p = 1/4 up to 32 from a generator private to each set, seeded constantly: the levels never
// show in any reply, so they need no injected Random, and runs repeat exactly.
// Redis answers lexicographic ranges over small (listpack) sets by a linear scan and over big
// ones by a skip-list descent; the two differ only when scores differ inside the set (an
// undefined case Redis does not promise anything for), and this structure does the same per
// encoding so small sets match Redis even there.
// ZSCAN needs a cursor that survives changes between calls: each node also has a sequence number
// from its insertion, `order` lists nodes by it (removed ones as tombstones until a compaction),
// and a cursor is the next sequence to visit — every member present for the whole scan is seen.

import { cursorFrom, firstIndexAtOrAfter, isDueForCompaction, withoutTombstones } from "./insertion-order.ts";
import type { StructuredValue } from "./value.ts";

/** Redis's defaults for zset-max-listpack-entries / zset-max-listpack-value. */
export const LISTPACK_ENTRIES_MAX = 128;
export const LISTPACK_VALUE_BYTES_MAX = 64;

const LEVEL_MAX = 32;
const LEVEL_UP_THRESHOLD = 0x4000_0000; // P = 1/4 of the 32-bit range

// MEMORY USAGE estimates: a listpack entry pair versus a skip-list node, its level arrays and
// the dict entry that maps member to score.
const BASE_OVERHEAD_BYTES = 48;
const LISTPACK_ENTRY_OVERHEAD_BYTES = 12;
const SKIPLIST_NODE_OVERHEAD_BYTES = 72;
const SKIPLIST_LEVEL_BYTES = 16;

/** A score interval; either end may be open. Infinite ends are allowed; NaN is not. */
export interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

/** One end of a lexicographic range: "-" (below everything), "+" (above everything) or a member. */
export type LexBound = { kind: "-" } | { kind: "+" } | { kind: "member"; member: string; exclusive: boolean };

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

export interface SortedEntry {
  readonly member: string;
  readonly score: number;
}

const scratchUpdate = new Array<SkipNode>(LEVEL_MAX);
const scratchRank = new Array<number>(LEVEL_MAX).fill(0);

class SkipNode implements SortedEntry {
  readonly forward: (SkipNode | null)[];
  readonly span: number[];
  backward: SkipNode | null = null;
  removed = false;

  constructor(
    readonly member: string,
    public score: number,
    level: number,
    readonly sequence: number,
  ) {
    this.forward = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

// ---- range predicates (Redis zslValueGteMin/LteMax and their lex twins) ----------------------

export const scoreAtLeastMin = (score: number, range: ScoreRange) => (range.minExclusive ? score > range.min : score >= range.min);
export const scoreAtMostMax = (score: number, range: ScoreRange) => (range.maxExclusive ? score < range.max : score <= range.max);

/** Redis sdscmplex: "-" below and "+" above every member (and equal to themselves). */
function compareLex(member: string, bound: LexBound): number {
  if (bound.kind === "-") return 1;
  if (bound.kind === "+") return -1;
  return member < bound.member ? -1 : member > bound.member ? 1 : 0;
}

export function lexAtLeastMin(member: string, range: LexRange): boolean {
  const cmp = compareLex(member, range.min);
  return range.min.kind === "member" && range.min.exclusive ? cmp > 0 : cmp >= 0;
}

export function lexAtMostMax(member: string, range: LexRange): boolean {
  const cmp = compareLex(member, range.max);
  return range.max.kind === "member" && range.max.exclusive ? cmp < 0 : cmp <= 0;
}

/** Ranges that can hold nothing whatever the set holds (Redis's first test in zslIsInRange). */
function isEmptyScoreRange(range: ScoreRange): boolean {
  return range.min > range.max || (range.min === range.max && (range.minExclusive || range.maxExclusive));
}

function isEmptyLexRange(range: LexRange): boolean {
  const rank = (bound: LexBound) => (bound.kind === "-" ? -1 : bound.kind === "+" ? 1 : 0);
  const byKind = rank(range.min) - rank(range.max);
  let cmp: number;
  if (byKind !== 0 || range.min.kind !== "member" || range.max.kind !== "member") cmp = byKind;
  else cmp = range.min.member < range.max.member ? -1 : range.min.member > range.max.member ? 1 : 0;
  const exclusive = (range.min.kind !== "member" || range.min.exclusive) || (range.max.kind !== "member" || range.max.exclusive);
  return cmp > 0 || (cmp === 0 && exclusive);
}

export class SortedSet implements StructuredValue {
  // State lives in #private fields: two sets holding the same entries compare equal in tests
  // (toEqual) whatever their history, and nothing outside can unbalance the list.
  readonly #nodes = new Map<string, SkipNode>();
  readonly #header = new SkipNode("", 0, LEVEL_MAX, 0);
  #tail: SkipNode | null = null;
  #level = 1;
  /** Nodes linked into the list right now (a moving node is briefly out of it but still in #nodes). */
  #linked = 0;
  #levelState = 0x2545f491;
  #order: SkipNode[] = [];
  #tombstones = 0;
  #nextSequence = 1;
  /** Redis never converts a skiplist back to a listpack, so once big, always reported big. */
  #isSkiplist = false;
  #nodeVisits = 0;

  /**
   * `skiplist` starts the set in Redis's big encoding: results built by commands start so and
   * call fitEncodingToContents() at the end, as Redis builds them.
   */
  constructor(skiplist = false) {
    this.#isSkiplist = skiplist;
  }

  /** Nodes stepped over by descents and walks since creation: lets tests check costs stay logarithmic. */
  get nodeVisits(): number {
    return this.#nodeVisits;
  }

  get size(): number {
    return this.#nodes.size;
  }

  has(member: string): boolean {
    return this.#nodes.has(member);
  }

  score(member: string): number | undefined {
    return this.#nodes.get(member)?.score;
  }

  /**
   * Sets a member's score, inserting it when new; returns true when the member is new. The
   * caller has already decided (NX/XX/GT/LT). An existing member keeps its place when its new
   * score does not move it past a neighbour, as in Redis's zslUpdateScore.
   */
  set(member: string, score: number): boolean {
    const existing = this.#nodes.get(member);
    if (existing !== undefined) {
      // compat: like Redis (score != curscore), 0 and -0 count as the same score: no change.
      if (existing.score !== score) this.updateScore(existing, this.stored(score));
      return false;
    }
    if (this.#nodes.size + 1 > LISTPACK_ENTRIES_MAX || member.length > LISTPACK_VALUE_BYTES_MAX) this.#isSkiplist = true;
    const node = new SkipNode(member, this.stored(score), this.randomLevel(), this.#nextSequence++);
    this.link(node);
    this.#nodes.set(member, node);
    this.#order.push(node);
    return true;
  }

  delete(member: string): boolean {
    const node = this.#nodes.get(member);
    if (node === undefined) return false;
    this.unlink(node, this.pathTo(node.score, member));
    this.forget(node);
    return true;
  }

  /** The 0-based rank of a member in ascending order, or undefined. */
  rank(member: string): number | undefined {
    const node = this.#nodes.get(member);
    if (node === undefined) return undefined;
    let x = this.#header;
    let rank = 0;
    for (let i = this.#level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next !== null && next !== undefined && (next.score < node.score || (next.score === node.score && next.member <= member))) {
        this.#nodeVisits++;
        rank += x.span[i]!;
        x = next;
        next = x.forward[i];
      }
      if (x === node) return rank - 1;
    }
    return undefined;
  }

  /** The entry at a 0-based ascending rank, or undefined when out of range. */
  at(rank: number): SortedEntry | undefined {
    return this.nodeAt(rank) ?? undefined;
  }

  /** Entries from `rank` on, ascending, or descending (towards rank 0) when `reverse`. */
  *walk(rank: number, reverse = false): Generator<SortedEntry> {
    let node = this.nodeAt(rank);
    while (node !== null) {
      yield node;
      this.#nodeVisits++;
      node = reverse ? node.backward : node.forward[0]!;
    }
  }

  /**
   * Up to `count` entries from `rank` on, ascending, or descending when `reverse`: `walk` as an
   * array, without a generator step per entry (ZRANGE by rank, the common read).
   */
  rangeByRank(rank: number, count: number, reverse = false): SortedEntry[] {
    const out: SortedEntry[] = [];
    let node = count > 0 ? this.nodeAt(rank) : null;
    while (node !== null) {
      out.push(node);
      if (out.length === count) break;
      node = reverse ? node.backward : node.forward[0]!;
    }
    this.#nodeVisits += out.length;
    return out;
  }

  /** Every entry in ascending order (score, then member bytes). */
  entries(): Generator<SortedEntry> {
    return this.walk(0);
  }

  /** Rank of the first entry inside the score range, or -1 (Redis zslNthInRange(range, 0)). */
  firstInScoreRange(range: ScoreRange): number {
    if (!this.mayHoldScores(range)) return -1;
    const { rank, next: first } = this.descend((node) => !scoreAtLeastMin(node.score, range));
    return first !== null && scoreAtMostMax(first.score, range) ? rank : -1;
  }

  /** Rank of the last entry inside the score range, or -1 (Redis zslNthInRange(range, -1)). */
  lastInScoreRange(range: ScoreRange): number {
    if (!this.mayHoldScores(range)) return -1;
    const { rank, last } = this.descend((node) => scoreAtMostMax(node.score, range));
    return last !== null && scoreAtLeastMin(last.score, range) ? rank - 1 : -1;
  }

  /** How many entries lie inside the score range. */
  countInScoreRange(range: ScoreRange): number {
    const first = this.firstInScoreRange(range);
    return first < 0 ? 0 : this.lastInScoreRange(range) - first + 1;
  }

  /**
   * Rank where an ascending walk of the lex range starts, or -1: the first entry at or above
   * min, which must also be at or below max. A listpack-sized set is scanned from the front,
   * a skiplist one is descended, each as Redis does it (they agree when all scores are equal).
   */
  firstInLexRange(range: LexRange): number {
    if (!this.mayHoldMembers(range)) return -1;
    let rank: number;
    if (this.#isSkiplist) rank = this.descend((node) => !lexAtLeastMin(node.member, range)).rank;
    else {
      rank = 0;
      for (const entry of this.walk(0)) {
        if (lexAtLeastMin(entry.member, range)) break;
        rank++;
      }
    }
    const first = this.nodeAt(rank);
    return first !== null && lexAtMostMax(first.member, range) ? rank : -1;
  }

  /** Rank where a descending walk of the lex range starts, or -1 (mirror of firstInLexRange). */
  lastInLexRange(range: LexRange): number {
    if (!this.mayHoldMembers(range)) return -1;
    let rank: number;
    if (this.#isSkiplist) rank = this.descend((node) => lexAtMostMax(node.member, range)).rank - 1;
    else {
      rank = this.size - 1;
      for (const entry of this.walk(this.size - 1, true)) {
        if (lexAtMostMax(entry.member, range)) break;
        rank--;
      }
    }
    const last = this.nodeAt(rank);
    return last !== null && lexAtLeastMin(last.member, range) ? rank : -1;
  }

  /**
   * Counts the entries of a lex range: contiguously from the first one for a listpack-sized set,
   * by the ranks of the first and last for a skiplist (Redis ZLEXCOUNT per encoding).
   */
  countInLexRange(range: LexRange): number {
    const first = this.firstInLexRange(range);
    if (first < 0) return 0;
    if (this.#isSkiplist) {
      const last = this.lastInLexRange(range);
      return last < 0 ? 0 : last - first + 1;
    }
    let count = 0;
    for (const entry of this.walk(first)) {
      if (!lexAtMostMax(entry.member, range)) break;
      count++;
    }
    return count;
  }

  /** Deletes the entries with ranks in [start, end] (0-based, inclusive); returns their number. */
  deleteRankRange(start: number, end: number): number {
    if (start > end || start >= this.size) return 0;
    const update = this.pathToRank(start);
    let node = update[0]!.forward[0] ?? null;
    let removed = 0;
    for (let rank = start; node !== null && rank <= end; rank++) {
      const next = node.forward[0] ?? null;
      this.unlink(node, update);
      this.forget(node);
      removed++;
      node = next;
    }
    return removed;
  }

  /** Deletes the consecutive entries from rank `start` on while `inRange` holds; returns how many. */
  deleteFromWhile(start: number, inRange: (entry: SortedEntry) => boolean): number {
    let end = start - 1;
    for (const entry of this.walk(start)) {
      if (!inRange(entry)) break;
      end++;
    }
    return this.deleteRankRange(start, end);
  }

  /** A uniformly random entry; `draw(n)` returns an integer in [0, n). Undefined when empty. */
  randomEntry(draw: (n: number) => number): SortedEntry | undefined {
    return this.size === 0 ? undefined : this.at(draw(this.size));
  }

  /**
   * Visits live members whose sequence is at least `cursor`, in insertion order, until `count`
   * were visited; returns the cursor to continue from, 0 when the walk is complete.
   */
  scan(cursor: number, count: number, visit: (entry: SortedEntry) => void): number {
    let index = firstIndexAtOrAfter(this.#order, cursor);
    let visited = 0;
    while (index < this.#order.length && visited < count) {
      const node = this.#order[index++]!;
      if (node.removed) continue;
      visit(node);
      visited++;
    }
    return cursorFrom(this.#order, index);
  }

  // compat: a listpack keeps an integral score as an integer (Redis double2ll), so -0 reads back as 0.
  private stored(score: number): number {
    return !this.#isSkiplist && score === 0 ? 0 : score;
  }

  /** Whether the set is (or has been) too big for Redis's listpack encoding. */
  get isSkiplistEncoded(): boolean {
    return this.#isSkiplist;
  }

  /**
   * Redis zsetTypeCreate / zsetTypeMaybeConvert: a command about to add `count` members (the
   * first `memberBytes` long when the set is new) converts to a skiplist up front.
   */
  prepareForAdds(count: number, memberBytes = 0): void {
    if (count > LISTPACK_ENTRIES_MAX || memberBytes > LISTPACK_VALUE_BYTES_MAX) this.#isSkiplist = true;
  }

  /** Redis zsetConvertToListpackIfNeeded for a freshly built result: the encoding its contents need. */
  fitEncodingToContents(): void {
    let longest = 0;
    for (const member of this.#nodes.keys()) if (member.length > longest) longest = member.length;
    this.#isSkiplist = this.size > LISTPACK_ENTRIES_MAX || longest > LISTPACK_VALUE_BYTES_MAX;
    if (!this.#isSkiplist) for (const node of this.#nodes.values()) node.score = this.stored(node.score);
  }

  clone(): SortedSet {
    const copy = new SortedSet(this.#isSkiplist);
    // Inserting from the highest entry down makes every insertion stop at the head.
    for (let node = this.#tail; node !== null; node = node.backward) copy.set(node.member, node.score);
    return copy;
  }

  approxBytes(): number {
    let bytes = BASE_OVERHEAD_BYTES;
    for (const node of this.#nodes.values()) {
      bytes += node.member.length;
      bytes += this.#isSkiplist ? SKIPLIST_NODE_OVERHEAD_BYTES + node.forward.length * SKIPLIST_LEVEL_BYTES : LISTPACK_ENTRY_OVERHEAD_BYTES;
    }
    return bytes;
  }

  encoding(): string {
    return this.#isSkiplist ? "skiplist" : "listpack";
  }

  // ---- skip list internals (Redis zslInsert, zslDeleteNode, zslUpdateScore, zslGetElementByRank) ----

  private randomLevel(): number {
    let level = 1;
    for (;;) {
      // xorshift32
      let x = this.#levelState;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.#levelState = x >>> 0;
      if (this.#levelState >= LEVEL_UP_THRESHOLD || level >= LEVEL_MAX) return level;
      level++;
    }
  }

  /** For each level, the last node before (score, member), and in `rank` how many nodes precede it. */
  // The update/rank arrays are shared scratch space: no call re-enters before its caller is done.
  private pathTo(score: number, member: string, rank?: number[]): SkipNode[] {
    const update = scratchUpdate;
    let x = this.#header;
    let traversed = 0;
    let visits = 0;
    for (let i = this.#level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next && (next.score < score || (next.score === score && next.member < member))) {
        visits++;
        traversed += x.span[i]!;
        x = next;
        next = x.forward[i];
      }
      update[i] = x;
      if (rank !== undefined) rank[i] = traversed;
    }
    this.#nodeVisits += visits;
    return update;
  }

  /** For each level, the last node whose 1-based rank is below `start + 1`. */
  private pathToRank(start: number): SkipNode[] {
    const update = scratchUpdate;
    let x = this.#header;
    let traversed = 0;
    for (let i = this.#level - 1; i >= 0; i--) {
      while (x.forward[i] && traversed + x.span[i]! < start + 1) {
        this.#nodeVisits++;
        traversed += x.span[i]!;
        x = x.forward[i]!;
      }
      update[i] = x;
    }
    return update;
  }

  /** Links a node (new, or unlinked to move it) at the place its score and member give it. */
  private link(node: SkipNode): void {
    const rank = scratchRank;
    const update = this.pathTo(node.score, node.member, rank);
    const level = node.forward.length;
    if (level > this.#level) {
      for (let i = this.#level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.#header;
        this.#header.span[i] = this.#linked;
      }
      this.#level = level;
    }
    for (let i = 0; i < level; i++) {
      const previous = update[i]!;
      node.forward[i] = previous.forward[i] ?? null;
      previous.forward[i] = node;
      node.span[i] = previous.span[i]! - (rank[0]! - rank[i]!);
      previous.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.#level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.#header ? null : update[0]!;
    const after = node.forward[0];
    if (after) after.backward = node;
    else this.#tail = node;
    this.#linked++;
  }

  private unlink(node: SkipNode, update: SkipNode[]): void {
    for (let i = 0; i < this.#level; i++) {
      const previous = update[i]!;
      if (previous.forward[i] === node) {
        previous.span[i]! += node.span[i]! - 1;
        previous.forward[i] = node.forward[i] ?? null;
      } else {
        previous.span[i]!--;
      }
    }
    const after = node.forward[0];
    if (after) after.backward = node.backward;
    else this.#tail = node.backward;
    while (this.#level > 1 && !this.#header.forward[this.#level - 1]) this.#level--;
    this.#linked--;
  }

  private updateScore(node: SkipNode, score: number): void {
    const after = node.forward[0];
    // Still between its neighbours: no need to move (Redis zslUpdateScore's fast path).
    if ((node.backward === null || node.backward.score < score) && (!after || after.score > score)) {
      node.score = score;
      return;
    }
    // Moved as the same node (its level kept), so its place in the scan order stays valid.
    this.unlink(node, this.pathTo(node.score, node.member));
    node.score = score;
    this.link(node);
  }

  private forget(node: SkipNode): void {
    this.#nodes.delete(node.member);
    node.removed = true;
    this.#tombstones++;
    if (isDueForCompaction(this.#tombstones, this.#nodes.size)) {
      this.#order = withoutTombstones(this.#order);
      this.#tombstones = 0;
    }
  }

  /** The node at a 0-based rank, or null. */
  private nodeAt(rank: number): SkipNode | null {
    if (rank < 0 || rank >= this.#nodes.size) return null;
    const target = rank + 1;
    let x = this.#header;
    let traversed = 0;
    for (let i = this.#level - 1; i >= 0; i--) {
      while (x.forward[i] && traversed + x.span[i]! <= target) {
        this.#nodeVisits++;
        traversed += x.span[i]!;
        x = x.forward[i]!;
      }
      if (traversed === target) return x;
    }
    return null;
  }

  /** Descends while `isBefore` holds for the next node; returns how many nodes were passed. */
  private descend(isBefore: (node: SkipNode) => boolean): { rank: number; last: SkipNode | null; next: SkipNode | null } {
    let x = this.#header;
    let rank = 0;
    for (let i = this.#level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next && isBefore(next)) {
        this.#nodeVisits++;
        rank += x.span[i]!;
        x = next;
        next = x.forward[i];
      }
    }
    return { rank, last: x === this.#header ? null : x, next: x.forward[0] ?? null };
  }

  // Redis zslIsInRange: a quick no when the range lies wholly outside [first, last].
  private mayHoldScores(range: ScoreRange): boolean {
    if (isEmptyScoreRange(range) || this.#tail === null) return false;
    return scoreAtLeastMin(this.#tail.score, range) && scoreAtMostMax(this.#header.forward[0]!.score, range);
  }

  private mayHoldMembers(range: LexRange): boolean {
    if (isEmptyLexRange(range) || this.#tail === null) return false;
    return lexAtLeastMin(this.#tail.member, range) && lexAtMostMax(this.#header.forward[0]!.member, range);
  }
}
