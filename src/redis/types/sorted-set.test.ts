// Proves the skip list against a naive model (a sorted array) under seeded random operations —
// inserts, score moves, deletes, ranks, score and lex ranges, range deletes, walks, rank ranges, scans that
// race with writes — including its worst cases (ascending, descending and all-equal inserts),
// and that every operation stays logarithmic on a 1,000,000-member set, counted in node visits.

import { describe, expect, test } from "bun:test";
import { SeededRandom, randomInt, type Random } from "../../util/random.ts";
import { codecs } from "../../storage/codecs.ts";
import {
  type LexBound,
  type LexRange,
  type ScoreRange,
  SortedSet,
  lexAtLeastMin,
  lexAtMostMax,
  scoreAtLeastMin,
  scoreAtMostMax,
} from "./sorted-set.ts";

type Pair = [string, number];

/** The model: entries sorted by score, then member bytes. */
function modelOrder(model: Map<string, number>): Pair[] {
  return [...model].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const pairsOf = (set: SortedSet): Pair[] => [...set.entries()].map((entry) => [entry.member, entry.score]);

const scorePool = [0, 1, 1, 2, 2.5, -3, 7, 1e300, -Infinity, Infinity, 0.1, 42];

function randomScoreRange(random: Random): ScoreRange {
  const pick = () => scorePool[randomInt(random, scorePool.length)]!;
  return { min: pick(), max: pick(), minExclusive: random.next() < 0.3, maxExclusive: random.next() < 0.3 };
}

function randomLexBound(random: Random, members: string[]): LexBound {
  const roll = random.next();
  if (roll < 0.1) return { kind: "-" };
  if (roll < 0.2) return { kind: "+" };
  return { kind: "member", member: members[randomInt(random, members.length)]!, exclusive: random.next() < 0.5 };
}

describe("SortedSet against a sorted-array model", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`seed ${seed}: 4000 random operations keep order, ranks, ranges and scans exact`, () => {
      const random = new SeededRandom(seed);
      const set = new SortedSet();
      const model = new Map<string, number>();
      // Enough members to cross the 128-entry listpack limit, so both encodings are exercised.
      const members = Array.from({ length: 200 }, (_, i) => (i % 17 === 0 ? `m${i}\x00\xff` : `m${i}`));
      for (let step = 0; step < 4000; step++) {
        const roll = randomInt(random, 100);
        const member = members[randomInt(random, members.length)]!;
        if (roll < 45) {
          const score = scorePool[randomInt(random, scorePool.length)]!;
          expect(set.set(member, score)).toBe(!model.has(member));
          if (!model.has(member) || model.get(member) !== score) model.set(member, score);
        } else if (roll < 60) {
          expect(set.delete(member)).toBe(model.delete(member));
        } else if (roll < 63) {
          const order = modelOrder(model);
          const start = randomInt(random, order.length + 2);
          const end = start + randomInt(random, 5);
          const removed = order.slice(start, end + 1);
          expect(set.deleteRankRange(start, end)).toBe(removed.length);
          for (const [gone] of removed) model.delete(gone);
        } else if (roll < 66) {
          const range = randomScoreRange(random);
          const order = modelOrder(model);
          const first = order.findIndex(([, score]) => scoreAtLeastMin(score, range));
          let count = 0;
          if (first >= 0) while (first + count < order.length && scoreAtMostMax(order[first + count]![1], range)) count++;
          const start = set.firstInScoreRange(range);
          expect(start).toBe(count > 0 ? first : -1);
          if (start >= 0) expect(set.deleteFromWhile(start, (entry) => scoreAtMostMax(entry.score, range))).toBe(count);
          for (const [gone] of order.slice(first, first + count)) model.delete(gone);
        } else {
          const order = modelOrder(model);
          const probe = members[randomInt(random, members.length)]!;
          const expectedRank = order.findIndex(([name]) => name === probe);
          expect(set.rank(probe) ?? -1).toBe(expectedRank);
          const rank = randomInt(random, order.length + 1);
          expect(set.at(rank)?.member).toBe(order[rank]?.[0]);
          const count = randomInt(random, 12);
          const names = order.map(([name]) => name);
          expect(set.rangeByRank(rank, count).map((entry) => entry.member)).toEqual(names.slice(rank, rank + count));
          const fromTop = names.slice(0, rank + 1).reverse().slice(0, count);
          expect(set.rangeByRank(rank, count, true).map((entry) => entry.member)).toEqual(rank < names.length ? fromTop : []);
          const range = randomScoreRange(random);
          const inRange = order.filter(([, score]) => scoreAtLeastMin(score, range) && scoreAtMostMax(score, range));
          expect(set.countInScoreRange(range)).toBe(inRange.length);
          const first = set.firstInScoreRange(range);
          const last = set.lastInScoreRange(range);
          expect(first >= 0 ? order[first]![0] : undefined).toBe(inRange[0]?.[0]);
          expect(last >= 0 ? order[last]![0] : undefined).toBe(inRange.at(-1)?.[0]);
        }
        expect(set.size).toBe(model.size);
      }
      expect(pairsOf(set)).toEqual(modelOrder(model));
      expect([...set.walk(set.size - 1, true)].map((entry) => entry.member)).toEqual(modelOrder(model).map(([name]) => name).reverse());
    });
  }

  test("lex ranges over equal scores agree with a filter of the model, in both encodings", () => {
    for (const size of [50, 300]) {
      const random = new SeededRandom(size);
      const set = new SortedSet();
      const members = Array.from({ length: size }, (_, i) => `k${(i * 7919) % size}`);
      for (const member of members) set.set(member, 5);
      expect(set.encoding()).toBe(size > 128 ? "skiplist" : "listpack");
      const sorted = [...members].sort();
      for (let i = 0; i < 500; i++) {
        const range: LexRange = { min: randomLexBound(random, members), max: randomLexBound(random, members) };
        const inRange = sorted.filter((member) => lexAtLeastMin(member, range) && lexAtMostMax(member, range));
        expect(set.countInLexRange(range)).toBe(inRange.length);
        const first = set.firstInLexRange(range);
        const last = set.lastInLexRange(range);
        expect(first >= 0 ? sorted[first] : undefined).toBe(inRange[0]);
        expect(last >= 0 ? sorted[last] : undefined).toBe(inRange.at(-1));
      }
    }
  });

  test("a scan racing with inserts and deletes sees every member present throughout, once", () => {
    const random = new SeededRandom(9);
    const set = new SortedSet();
    for (let i = 0; i < 500; i++) set.set(`stable${i}`, randomInt(random, 50));
    const seen = new Map<string, number>();
    let cursor = 0;
    let churn = 0;
    do {
      cursor = set.scan(cursor, 7, (entry) => seen.set(entry.member, (seen.get(entry.member) ?? 0) + 1));
      // Between calls: new members, deleted members, and stable members moving to new scores.
      for (let i = 0; i < 5; i++) set.set(`churn${churn++}`, randomInt(random, 50));
      set.delete(`churn${randomInt(random, churn)}`);
      set.set(`stable${randomInt(random, 500)}`, randomInt(random, 50));
    } while (cursor !== 0);
    for (let i = 0; i < 500; i++) expect(seen.get(`stable${i}`)).toBe(1);
  });

  test("random entries reach every member", () => {
    const random = new SeededRandom(5);
    const set = new SortedSet();
    for (let i = 0; i < 20; i++) set.set(`m${i}`, i % 3);
    const drawn = new Set<string>();
    for (let i = 0; i < 500; i++) drawn.add(set.randomEntry((n) => randomInt(random, n))!.member);
    expect(drawn.size).toBe(20);
    expect(new SortedSet().randomEntry(() => 0)).toBeUndefined();
  });
});

describe("SortedSet worst cases", () => {
  const orders: [string, (i: number) => number][] = [
    ["ascending scores", (i) => i],
    ["descending scores", (i) => 0 - i],
    ["all scores equal (order by member bytes)", () => 1],
  ];
  for (const [name, scoreOf] of orders) {
    test(`${name}: order and ranks stay exact, then everything can be deleted`, () => {
      const set = new SortedSet();
      const model = new Map<string, number>();
      for (let i = 0; i < 2000; i++) {
        set.set(`m${i}`, scoreOf(i));
        model.set(`m${i}`, scoreOf(i));
      }
      const order = modelOrder(model);
      expect(pairsOf(set)).toEqual(order);
      for (let rank = 0; rank < order.length; rank += 97) expect(set.rank(order[rank]![0])).toBe(rank);
      for (let i = 0; i < 2000; i += 2) set.delete(`m${i}`);
      expect(set.deleteRankRange(0, set.size - 1)).toBe(1000);
      expect(set.size).toBe(0);
      expect(pairsOf(set)).toEqual([]);
    });
  }

  test("a member moved many times keeps one node and its rank", () => {
    const set = new SortedSet();
    for (let i = 0; i < 100; i++) set.set(`m${i}`, i);
    for (let score = 0; score < 1000; score++) set.set("mover", (score * 37) % 101);
    expect(set.size).toBe(101);
    expect(set.score("mover")).toBe((999 * 37) % 101);
    const order = pairsOf(set);
    expect(order).toEqual([...order].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  });

  test("0 and -0 are one score; a listpack stores -0 as 0", () => {
    const set = new SortedSet();
    set.set("a", -0);
    expect(Object.is(set.score("a"), 0)).toBe(true);
    set.set("a", 0);
    const big = new SortedSet(true);
    big.set("a", -0);
    expect(Object.is(big.score("a"), -0)).toBe(true);
  });
});

describe("SortedSet value interface", () => {
  test("clone shares nothing; encodings: listpack, then skiplist for good", () => {
    const set = new SortedSet();
    for (let i = 0; i < 128; i++) set.set(`m${i}`, i);
    expect(set.encoding()).toBe("listpack");
    const copy = set.clone();
    copy.set("extra", 1);
    expect(set.has("extra")).toBe(false);
    expect(copy.encoding()).toBe("skiplist");
    copy.deleteRankRange(0, 100);
    expect(copy.encoding()).toBe("skiplist");
    expect(set.approxBytes()).toBeLessThan(copy.clone().approxBytes() + 128 * 64);
    const result = new SortedSet(true);
    result.set("r", -0);
    result.fitEncodingToContents();
    expect([result.encoding(), Object.is(result.score("r"), 0)]).toEqual(["listpack", true]);
  });

  test("the snapshot codec round-trips entries, -0 in a skiplist, and the encoding", () => {
    const set = new SortedSet(true);
    set.set("neg-zero", -0);
    set.set("\x00\xff", -Infinity);
    set.set("b", 2.5);
    const decoded = codecs.zset.decode(codecs.zset.encode(set)) as SortedSet;
    expect(pairsOf(decoded)).toEqual(pairsOf(set));
    expect(Object.is(decoded.score("neg-zero"), -0)).toBe(true);
    expect(decoded.encoding()).toBe("skiplist");
  });
});

describe("SortedSet on 1,000,000 members", () => {
  test("inserts, deletes, score moves, ranks, rank lookups and range bounds each visit O(log n) nodes", () => {
    const size = 1_000_000;
    const set = new SortedSet();
    // 1000-way score ties, so members order by bytes inside each score.
    for (let i = 0; i < size; i++) set.set(`member:${i}`, Math.floor(i / 1000));
    const log2 = Math.log2(size);
    const buildAverage = set.nodeVisits / size;
    const random = new SeededRandom(77);
    const costs: Record<string, number[]> = { insert: [], delete: [], move: [], rank: [], at: [], range: [] };
    const measure = (kind: string, operation: () => void) => {
      const before = set.nodeVisits;
      operation();
      costs[kind]!.push(set.nodeVisits - before);
    };
    for (let i = 0; i < 2000; i++) {
      const member = `member:${randomInt(random, size)}`;
      measure("insert", () => set.set(`new:${i}`, randomInt(random, 1000) + 0.5));
      measure("move", () => set.set(member, randomInt(random, 1000)));
      measure("rank", () => set.rank(member));
      measure("at", () => set.at(randomInt(random, size)));
      measure("range", () => set.firstInScoreRange({ min: randomInt(random, 1000), max: 2000, minExclusive: false, maxExclusive: false }));
      measure("delete", () => set.delete(`member:${randomInt(random, size)}`));
    }
    const summary = Object.fromEntries(
      Object.entries(costs).map(([kind, visits]) => [kind, { average: visits.reduce((a, b) => a + b, 0) / visits.length, max: Math.max(...visits) }]),
    );
    // A p = 1/4 skip list expects about 2·log2(n) visits per search; a score move is two searches.
    expect(buildAverage).toBeLessThan(2 * log2);
    for (const [kind, { average, max }] of Object.entries(summary)) {
      const searches = kind === "move" ? 2 : 1;
      expect({ kind, withinAverage: average < 2.5 * log2 * searches, withinMax: max < 8 * log2 * searches }).toEqual({ kind, withinAverage: true, withinMax: true });
    }
  }, 30_000);
});
