// The count argument of HRANDFIELD, SRANDMEMBER and ZRANDMEMBER, read and served as Redis does
// (t_hash.c hrandfieldWithCountCommand and its t_set.c / t_zset.c siblings): one place for the
// range errors in Redis's order and for the choice between Redis's cases — a negative count is
// that many independent draws, a count covering the collection is all of it, a count close to it
// shuffles a copy, and a small share is drawn until enough distinct members came up.

import { parseInt64 } from "../engine/args.ts";
import { errors } from "../engine/errors.ts";

const LONG_MAX = 9223372036854775807n;

export interface RandomCount {
  count: bigint;
  /** WITHVALUES / WITHSCORES was given: the reply holds two entries per member. */
  withPairs: boolean;
}

/**
 * Reads argv[2] as the count, and argv[3] as `pairsWord` when the command takes one (SRANDMEMBER
 * takes none: any argument past the count is a syntax error, reported first).
 */
export function parseRandomCount(argv: string[], pairsWord?: string): RandomCount {
  if (pairsWord === undefined && argv.length > 3) throw errors.syntax();
  const count = parseInt64(argv[2]!);
  if (count === null) throw errors.notInteger();
  if (count < -LONG_MAX) throw errors.valueOutOfRange(`value must between ${-LONG_MAX} and ${LONG_MAX}`);
  if (pairsWord === undefined) return { count, withPairs: false };
  if (argv.length > 4 || (argv.length === 4 && argv[3]!.toUpperCase() !== pairsWord)) throw errors.syntax();
  const withPairs = argv.length === 4;
  // Redis refuses counts whose reply length (two entries each) would overflow a long.
  if (withPairs && (count < -LONG_MAX / 2n || count > LONG_MAX / 2n)) throw errors.plainValueOutOfRange();
  return { count, withPairs };
}

/** Which of Redis's cases serves a non-zero count over a collection of `size` members. */
export type RandomPick =
  | { kind: "draws"; draws: number }
  | { kind: "all" }
  /** `mostOfIt`: the wanted share is over a third, where drawing until distinct would repeat a lot. */
  | { kind: "distinct"; wanted: number; mostOfIt: boolean };

export function planRandomPick(count: bigint, size: number): RandomPick {
  if (count < 0n) return { kind: "draws", draws: Number(-count) };
  if (count >= BigInt(size)) return { kind: "all" };
  const wanted = Number(count);
  return { kind: "distinct", wanted, mostOfIt: wanted * 3 > size };
}

/** How a collection offers its members to `randomSample`; `keyOf` tells members apart. */
export interface SampleSource<T> {
  random(): T;
  all(): T[];
  keyOf(item: T): string;
}

/**
 * The members HRANDFIELD and SRANDMEMBER reply with for a plan: independent draws; everything in
 * the collection's order; the first places of a partial Fisher–Yates shuffle of a copy; or draws
 * until enough distinct members came up, in the order they first came. `draw(n)` is in [0, n).
 */
export function randomSample<T>(pick: RandomPick, source: SampleSource<T>, draw: (n: number) => number): T[] {
  if (pick.kind === "draws") {
    const out: T[] = [];
    for (let remaining = pick.draws; remaining > 0; remaining--) out.push(source.random());
    return out;
  }
  if (pick.kind === "all") return source.all();
  const wanted = pick.wanted;
  if (pick.mostOfIt) {
    const items = source.all();
    for (let i = 0; i < wanted; i++) {
      const j = i + draw(items.length - i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items.slice(0, wanted);
  }
  const seen = new Map<string, T>();
  while (seen.size < wanted) {
    const item = source.random();
    const key = source.keyOf(item);
    if (!seen.has(key)) seen.set(key, item);
  }
  return [...seen.values()];
}
