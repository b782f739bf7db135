// SORT and SORT_RO (Redis sort.c) over lists, sets and sorted sets: numeric or ALPHA order,
// BY a weight pattern (`w_*`, `h_*->field`, or one without '*' meaning "don't sort"), LIMIT,
// GET patterns (`#` is the element itself) and STORE into a list. Patterns are read as Redis
// reads them, as C strings: only the bytes before a NUL can hold the '*' or the "->".
// Sorting is stable and deterministic, so SORT ... STORE journals as sent: replay recomputes the
// same list from the same keyspace.

import { partialQuicksort } from "../../util/pqsort.ts";
import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { parseInt64, strtodWhole } from "../engine/args.ts";
import { errors } from "../engine/errors.ts";
import type { Reply } from "../engine/reply.ts";
import type { HashValue } from "../types/hash.ts";
import { ListValue } from "../types/list.ts";
import type { SetValue } from "../types/set.ts";
import type { SortedSet } from "../types/sorted-set.ts";

const group = "generic";
const oneKey = { first: 1, last: 1, step: 1 };

interface SortOptions {
  descending: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  /** The BY pattern as given (the last one wins), or undefined. */
  by: string | undefined;
  /** Set by any BY pattern without '*' (and never cleared by a later BY, as in Redis). */
  dontSort: boolean;
  store: string | undefined;
  gets: string[];
}

/** The part of a pattern C string functions see: up to its first NUL byte. */
const cString = (text: string) => {
  const nul = text.indexOf("\x00");
  return nul === -1 ? text : text.slice(0, nul);
};

/** A C long (getLongFromObjectOrReply) as a number; only compared with collection sizes. */
function longArgument(text: string): number {
  const value = parseInt64(text);
  if (value === null) throw errors.notInteger();
  return Number(value);
}

// Redis sortCommandGeneric's option loop: options in any order, repeats allowed (the last wins).
function parseOptions(argv: string[], readOnly: boolean): SortOptions {
  const options: SortOptions = { descending: false, alpha: false, limitStart: 0, limitCount: -1, by: undefined, dontSort: false, store: undefined, gets: [] };
  for (let j = 2; j < argv.length; j++) {
    const word = argv[j]!.toUpperCase();
    const left = argv.length - j - 1;
    if (word === "ASC") options.descending = false;
    else if (word === "DESC") options.descending = true;
    else if (word === "ALPHA") options.alpha = true;
    else if (word === "LIMIT" && left >= 2) {
      options.limitStart = longArgument(argv[j + 1]!);
      options.limitCount = longArgument(argv[j + 2]!);
      j += 2;
    } else if (word === "STORE" && !readOnly && left >= 1) {
      options.store = argv[++j]!;
    } else if (word === "BY" && left >= 1) {
      options.by = argv[++j]!;
      if (!cString(options.by).includes("*")) options.dontSort = true;
    } else if (word === "GET" && left >= 1) {
      options.gets.push(argv[++j]!);
    } else throw errors.syntax();
  }
  return options;
}

/**
 * Redis lookupKeyByPattern: `#` is the element itself; otherwise the first '*' takes the element
 * and the key is read as a string, or with `->field` after the '*' as that hash field. Anything
 * missing or of another type is undefined.
 */
function lookupByPattern(ctx: CommandContext, pattern: string, element: string): string | undefined {
  if (pattern[0] === "#" && (pattern.length === 1 || pattern[1] === "\x00")) return element;
  const visible = cString(pattern);
  const star = visible.indexOf("*");
  if (star === -1) return undefined;
  const arrow = visible.indexOf("->", star + 1);
  const hasField = arrow !== -1 && arrow + 2 < visible.length;
  const fieldLength = hasField ? pattern.length - arrow - 2 : 0;
  const postfixLength = pattern.length - (star + 1) - (hasField ? fieldLength + 2 : 0);
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, star + 1 + postfixLength);
  const entry = ctx.keyspace.get(key);
  if (entry === undefined) return undefined;
  if (hasField) return entry.type === "hash" ? (entry.value as HashValue).get(pattern.slice(arrow + 2)) : undefined;
  return entry.type === "string" ? (entry.value as string) : undefined;
}

const isSpace = (code: number) => code === 0x20 || (code >= 0x09 && code <= 0x0d);
const decimalPrefix = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
const specialPrefix = /^[+-]?(?:infinity|inf|nan(?:\([0-9A-Za-z_]*\))?)/i;
const hexPrefix = /^[+-]?0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?[0-9]+)?/i;

/**
 * A sort weight as Redis reads it: C strtod, which skips leading spaces and parses the longest
 * prefix it can; anything left after it (other than a NUL byte), an out-of-range value or NaN
 * makes the element unsortable. An empty string reads as 0, as strtod leaves it.
 */
function sortScore(text: string): number | undefined {
  let offset = 0;
  while (offset < text.length && isSpace(text.charCodeAt(offset))) offset++;
  const rest = text.slice(offset);
  let value: number;
  let consumed: number;
  const special = specialPrefix.exec(rest);
  if (special !== null) {
    const lower = special[0].toLowerCase();
    if (lower.includes("nan")) return undefined;
    value = lower.startsWith("-") ? -Infinity : Infinity;
    consumed = special[0].length;
  } else {
    const number = hexPrefix.exec(rest) ?? decimalPrefix.exec(rest);
    // No number at all: strtod points back at the very start, spaces included.
    if (number === null) return text.length === 0 || text.charCodeAt(0) === 0 ? 0 : undefined;
    // Correctly rounded; overflow, underflow and a rounded subnormal set ERANGE, as in glibc.
    const parsed = strtodWhole(number[0]);
    if (parsed === null || parsed.outOfRange || parsed.roundedSubnormal) return undefined;
    value = parsed.value;
    consumed = number[0].length;
  }
  const after = offset + consumed;
  if (after < text.length && text.charCodeAt(after) !== 0) return undefined;
  return value;
}

/** Byte order, shorter first on a common prefix (Redis compareStringObjects, binary). */
const compareBinary = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** strcoll in the C locale: strcmp, which stops at the first NUL byte. */
const compareCollated = (a: string, b: string) => compareBinary(cString(a), cString(b));

interface SortItem {
  element: string;
  score: number;
  /** The BY value for ALPHA sorts by pattern (undefined when the weight key is missing). */
  compareWith: string | undefined;
}

/** The elements to sort, already cut to the LIMIT range where Redis does that before sorting. */
interface Loaded {
  items: SortItem[];
  start: number;
  end: number;
}

function item(element: string): SortItem {
  return { element, score: 0, compareWith: undefined };
}

// Redis's LIMIT arithmetic, clamped to the collection size before any overflow can happen.
function limitRange(options: SortOptions, size: number): { start: number; end: number } {
  let start = Math.min(Math.max(options.limitStart, 0), size);
  const count = Math.min(Math.max(options.limitCount, -1), size);
  let end = count < 0 ? size - 1 : start + count - 1;
  if (start >= size) {
    start = size - 1;
    end = size - 2;
  }
  if (end >= size) end = size - 1;
  return { start, end };
}

function load(value: unknown, type: string, options: SortOptions): Loaded {
  if (type === "list") {
    const list = value as ListValue;
    const { start, end } = limitRange(options, list.length);
    if (!options.dontSort) return { items: [...list.values()].map(item), start, end };
    // Unsorted: the range straight from the list, walked backwards for DESC.
    if (end < start) return { items: [], start, end };
    const items: SortItem[] = [];
    for (let i = 0; i <= end - start; i++) items.push(item(list.at(options.descending ? list.length - start - 1 - i : start + i)!));
    return { items, start: 0, end: end - start };
  }
  if (type === "set") {
    const members = (value as SetValue).members();
    return { items: members.map(item), ...limitRange(options, members.length) };
  }
  const sortedSet = value as SortedSet;
  const { start, end } = limitRange(options, sortedSet.size);
  if (!options.dontSort) return { items: [...sortedSet.entries()].map((entry) => item(entry.member)), start, end };
  if (end < start) return { items: [], start, end };
  const items: SortItem[] = [];
  const firstRank = options.descending ? sortedSet.size - 1 - start : start;
  for (const entry of sortedSet.walk(firstRank, options.descending)) {
    if (items.length > end - start) break;
    items.push(item(entry.member));
  }
  return { items, start: 0, end: end - start };
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]
//   [STORE destination]
// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]
function sortGeneric(readOnly: boolean) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    const options = parseOptions(argv, readOnly);
    const entry = ctx.keyspace.get(argv[1]!);
    const type: string = entry?.type ?? "list";
    if (type !== "list" && type !== "set" && type !== "zset") throw errors.wrongType();
    // A set has no order of its own: stored results are sorted anyway, to replay identically.
    if (options.dontSort && type === "set" && options.store !== undefined) {
      options.dontSort = false;
      options.alpha = true;
      options.by = undefined;
    }
    const { items, start, end } = entry === undefined ? { items: [], ...limitRange(options, 0) } : load(entry.value, type, options);

    if (!options.dontSort) {
      let unsortable = false;
      for (const sortItem of items) {
        const weight = options.by === undefined ? sortItem.element : lookupByPattern(ctx, options.by, sortItem.element);
        if (weight === undefined) continue;
        if (options.alpha) {
          if (options.by !== undefined) sortItem.compareWith = weight;
        } else {
          const score = sortScore(weight);
          if (score === undefined) unsortable = true;
          else sortItem.score = score;
        }
      }
      if (unsortable) throw errors.sortNotDouble();
      const compareText = options.store !== undefined ? compareBinary : compareCollated;
      const compare = (a: SortItem, b: SortItem): number => {
        if (!options.alpha) return a.score > b.score ? 1 : a.score < b.score ? -1 : compareBinary(a.element, b.element);
        if (options.by === undefined) return compareText(a.element, b.element);
        if (a.compareWith === undefined || b.compareWith === undefined) {
          return a.compareWith === b.compareWith ? 0 : a.compareWith === undefined ? -1 : 1;
        }
        return compareText(a.compareWith, b.compareWith);
      };
      const ordered = options.descending ? (a: SortItem, b: SortItem) => -compare(a, b) : compare;
      // compat: with a BY pattern and a LIMIT that cuts, Redis sorts only as much as the range
      // needs with its own quicksort, which orders ties its own way; elsewhere its qsort is stable.
      if (options.by !== undefined && (start !== 0 || end !== items.length - 1)) partialQuicksort(items, ordered, start, end);
      else items.sort(ordered);
    }

    const selected = start <= end ? items.slice(start, end + 1) : [];
    const out: (string | null)[] = [];
    for (const { element } of selected) {
      if (options.gets.length === 0) out.push(element);
      for (const pattern of options.gets) {
        const value = lookupByPattern(ctx, pattern, element);
        // A stored list cannot hold nil: missing values are stored as empty strings.
        out.push(value ?? (options.store !== undefined ? "" : null));
      }
    }
    if (options.store === undefined) return out;
    if (out.length > 0) {
      ctx.keyspace.set(options.store, "list", ListValue.of(out as string[]));
      ctx.dirty += out.length;
    } else if (ctx.keyspace.delete(options.store)) {
      ctx.dirty++;
    }
    return out.length;
  };
}

export const sortCommands: CommandSpec[] = [
  { name: "sort", arity: -2, flags: ["write", "denyoom"], keys: oneKey, group, summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.", since: "1.0.0", run: sortGeneric(false) },
  { name: "sort_ro", arity: -2, flags: ["readonly"], keys: oneKey, group, summary: "Returns the sorted elements of a list, a set, or a sorted set.", since: "7.0.0", run: sortGeneric(true) },
];
