// Reading command arguments the way Redis does. Number parsing is strict (no spaces, no '+' on
// integers, no leading zeros) because clients and the differential tests depend on the exact
// errors. An ArgReader walks the option tail of a command.

import { errors } from "./errors.ts";

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const integerPattern = /^(0|-?[1-9][0-9]{0,19})$/;
// C strtod syntax without leading whitespace, as Redis's string2d/string2ld accept it.
const floatPattern = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?)$/i;

/** Redis string2ll: an int64 as bigint, or null when the text is not exactly one. */
export function parseInt64(text: string): bigint | null {
  if (!integerPattern.test(text)) return null;
  if (text.length < 16) return BigInt(text);
  const value = BigInt(text);
  return value > INT64_MAX || value < INT64_MIN ? null : value;
}

/** An int64 that fits a JS number exactly, or null. Options like EX, COUNT, LIMIT use this. */
export function parseSafeInteger(text: string): number | null {
  // Up to 15 characters, every integer has at most 15 digits: shortIntegerOf decides alone.
  if (text.length <= SHORT_INTEGER_DIGITS_MAX) return shortIntegerOf(text) ?? null;
  const value = parseInt64(text);
  if (value === null) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

const SHORT_INTEGER_DIGITS_MAX = 15;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * The integer a canonical decimal text of at most 15 digits (`0|-?[1-9][0-9]{0,14}`) stands for,
 * exact as a double; undefined for any other text. Read by hand: the pattern and Number() took
 * twice as long, and integer arguments are read on every rate-limit call and counter update.
 */
export function shortIntegerOf(text: string): number | undefined {
  const negative = text.length > 1 && text.charCodeAt(0) === MINUS;
  const start = negative ? 1 : 0;
  const digits = text.length - start;
  if (digits < 1 || digits > SHORT_INTEGER_DIGITS_MAX) return undefined;
  if (text.charCodeAt(start) === ZERO) return digits === 1 && !negative ? 0 : undefined;
  let value = 0;
  for (let i = start; i < text.length; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

// C strtod also reads hexadecimal floats: 0x10, 0x1.8p3.
const hexFloatPattern = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$/i;

// Binary exponents of a double: the largest finite value is below 2^1024, the smallest
// subnormal is 2^-1074, and normal values keep 53 significant bits.
const DOUBLE_TOP_BIT_MAX = 1023;
const DOUBLE_NORMAL_TOP_BIT_MIN = -1022;
const DOUBLE_LOWEST_BIT = -1074;
const DOUBLE_PRECISION_BITS = 53;

/** What C strtod makes of a text: the value, and whether it set ERANGE (overflow to ±inf, underflow to 0). */
export interface StrtodResult {
  value: number;
  outOfRange: boolean;
  /**
   * A subnormal result that had to be rounded: glibc sets ERANGE for it too. Redis's string2d
   * accepts it; SORT, which refuses any ERANGE, does not. A decimal subnormal always counts as
   * rounded (an exact one takes hundreds of digits).
   */
  roundedSubnormal: boolean;
}

const SMALLEST_NORMAL = 2.2250738585072014e-308;
const isSubnormal = (value: number) => value !== 0 && Math.abs(value) < SMALLEST_NORMAL;

/** C strtod of a whole text with no leading whitespace; null when any of it is no number, or NaN. */
export function strtodWhole(text: string): StrtodResult | null {
  if (!floatPattern.test(text)) return strtodHex(text);
  const lower = text.toLowerCase();
  if (lower.endsWith("inf") || lower.endsWith("infinity")) return { value: lower.startsWith("-") ? -Infinity : Infinity, outOfRange: false, roundedSubnormal: false };
  // Number() rounds decimal text correctly, as glibc's strtod does.
  const value = Number(text);
  return { value, outOfRange: !Number.isFinite(value) || (value === 0 && hasNonZeroDigit(text)), roundedSubnormal: isSubnormal(value) };
}

/** Whether a decimal text has a non-zero digit before its exponent: zero only by underflow. */
function hasNonZeroDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 101 || code === 69) return false; // "e" or "E"
    if (code >= 49 && code <= 57) return true; // "1".."9"
  }
  return false;
}

/** A hex float correctly rounded (to nearest, ties to even), subnormal results included. */
function strtodHex(text: string): StrtodResult | null {
  const match = hexFloatPattern.exec(text);
  if (match === null) return null;
  const [, sign, whole = "", fraction = "", exponentText = "0"] = match;
  if (whole === "" && fraction === "") return null;
  const negative = sign === "-";
  const digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return { value: negative ? -0 : 0, outOfRange: false, roundedSubnormal: false };
  const mantissa = BigInt(`0x${digits}`);
  const mantissaBits = mantissa.toString(2).length;
  // Far beyond these bounds every value overflows or underflows; clamping keeps the sums exact.
  const writtenExponent = Math.max(-1e6, Math.min(1e6, Number(exponentText)));
  const lowBit = writtenExponent - 4 * fraction.length;
  const magnitude = roundedBinary(mantissa, mantissaBits, lowBit);
  return {
    value: negative ? -magnitude : magnitude,
    outOfRange: magnitude === 0 || magnitude === Infinity,
    roundedSubnormal: isSubnormal(magnitude) && !isExactly(magnitude, mantissa, lowBit),
  };
}

/** Whether a subnormal double equals mantissa × 2^lowBit exactly. */
function isExactly(subnormal: number, mantissa: bigint, lowBit: number): boolean {
  // A subnormal is units × 2^DOUBLE_LOWEST_BIT, units < 2^52; two exact scalings (2^1074 is no double).
  const units = BigInt(subnormal * 2 ** 537 * 2 ** 537);
  const shift = lowBit - DOUBLE_LOWEST_BIT;
  return shift >= 0 ? mantissa << BigInt(shift) === units : mantissa === units << BigInt(-shift);
}

/** mantissa × 2^lowBit rounded to the bits a double keeps at its magnitude: Infinity or 0 when out of range. */
function roundedBinary(mantissa: bigint, mantissaBits: number, lowBit: number): number {
  const topBit = mantissaBits - 1 + lowBit;
  if (topBit > DOUBLE_TOP_BIT_MAX) return Infinity;
  if (topBit < DOUBLE_LOWEST_BIT - 1) return 0;
  const keptBits = topBit >= DOUBLE_NORMAL_TOP_BIT_MIN ? DOUBLE_PRECISION_BITS : topBit - DOUBLE_LOWEST_BIT + 1;
  const dropped = mantissaBits - keptBits;
  let kept = mantissa;
  let exponent = lowBit;
  if (dropped > 0) {
    kept = mantissa >> BigInt(dropped);
    const remainder = mantissa - (kept << BigInt(dropped));
    const half = 1n << BigInt(dropped - 1);
    if (remainder > half || (remainder === half && (kept & 1n) === 1n)) kept++;
    exponent += dropped;
  }
  // Two exact scalings: 2^exponent alone may not be a double, the rounded result is (or overflows).
  const firstHalf = Math.trunc(exponent / 2);
  return Number(kept) * 2 ** firstHalf * 2 ** (exponent - firstHalf);
}

/**
 * Redis string2d (getDoubleFromObject), for scores, weights, coordinates and radii: the whole
 * text is one strtod number, with no leading space, not NaN, and not out of range — ERANGE
 * refuses a finite text that overflows to ±inf or underflows to zero ("1e-400"), while subnormal
 * results ("4.9e-324") and the word "inf" are accepted.
 */
export function parseDouble(text: string): number | null {
  const result = strtodWhole(text);
  return result === null || result.outOfRange ? null : result.value;
}

const isCSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);

/**
 * A score-range bound as Redis zslParseRange reads it: plain strtod on a C string, so reading
 * stops at the first NUL byte, leading whitespace is skipped, an empty text reads as 0, and an
 * out-of-range text is its ±inf or 0 (no ERANGE check); NaN and trailing bytes are refused.
 */
export function parseRangeDouble(text: string): number | null {
  const nul = text.indexOf("\0");
  const cText = nul === -1 ? text : text.slice(0, nul);
  let start = 0;
  while (start < cText.length && isCSpace(cText.charCodeAt(start))) start++;
  // No number at all leaves strtod's end at the very start: fine only when that is the C string's end.
  if (start === cText.length) return cText === "" ? 0 : null;
  return strtodWhole(cText.slice(start))?.value ?? null;
}

export function int64OrThrow(text: string): bigint {
  const value = parseInt64(text);
  if (value === null) throw errors.notInteger();
  return value;
}

export function integerOrThrow(text: string): number {
  const value = parseSafeInteger(text);
  if (value === null) throw errors.notInteger();
  return value;
}

export function doubleOrThrow(text: string): number {
  const value = parseDouble(text);
  if (value === null) throw errors.notFloat();
  return value;
}

export { INT64_MAX, INT64_MIN };

const UINT64_LIMIT = 1n << 64n;

/**
 * A *SCAN cursor as Redis 7.0's parseScanCursorOrReply (strtoul) reads it: optional sign, decimal
 * digits, nothing around them; "" is 0; past 2^64 - 1 is an invalid cursor.
 */
export function parseScanCursor(text: string): bigint {
  const match = /^([+-]?)([0-9]*)$/.exec(text);
  if (match === null || (match[2] === "" && match[1] !== "")) throw errors.invalidCursor();
  const magnitude = match[2] === "" ? 0n : BigInt(match[2]!);
  if (magnitude >= UINT64_LIMIT) throw errors.invalidCursor();
  // compat: strtoul negates a '-' number modulo 2^64, so "-1" is a valid (huge) cursor.
  return match[1] === "-" && magnitude !== 0n ? UINT64_LIMIT - magnitude : magnitude;
}

const SCAN_COUNT_DEFAULT = 10;

export interface ScanOptions {
  /** Undefined when every element matches: no MATCH, or MATCH "*". */
  pattern: string | undefined;
  count: number;
  /** False after HSCAN's NOVALUES. */
  withValues: boolean;
}

/**
 * The options of SSCAN, HSCAN and ZSCAN (argv[3] on) as Redis's scanGenericCommand reads them:
 * [MATCH pattern] [COUNT count], and NOVALUES where `acceptsNoValues` (HSCAN); anything else is a
 * syntax error, and so is a COUNT below 1.
 */
export function parseScanOptions(argv: string[], acceptsNoValues: boolean): ScanOptions {
  let pattern: string | undefined;
  let count = SCAN_COUNT_DEFAULT;
  let withValues = true;
  for (let i = 3; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    const hasArgument = i + 1 < argv.length;
    if (word === "MATCH" && hasArgument) {
      pattern = argv[++i]!;
    } else if (word === "COUNT" && hasArgument) {
      const parsed = int64OrThrow(argv[++i]!);
      if (parsed < 1n) throw errors.syntax();
      // A walk never visits 2^53 elements, so clamping changes no outcome.
      count = parsed > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(parsed);
    } else if (word === "NOVALUES" && acceptsNoValues) {
      withValues = false;
    } else throw errors.syntax();
  }
  // Redis skips matching altogether for "*" (its matcher would refuse an empty field).
  return { pattern: pattern === "*" ? undefined : pattern, count, withValues };
}

/** Walks argv from a start index; option names compare case-insensitively. */
export class ArgReader {
  constructor(
    readonly argv: string[],
    public index: number,
  ) {}

  get remaining(): number {
    return this.argv.length - this.index;
  }

  hasMore(): boolean {
    return this.index < this.argv.length;
  }

  /** The next argument upper-cased, without consuming it. */
  peekUpper(): string | undefined {
    return this.argv[this.index]?.toUpperCase();
  }

  /** Consumes the next argument when it equals `word` (case-insensitive). */
  accept(word: string): boolean {
    if (this.argv[this.index]?.toUpperCase() === word) {
      this.index++;
      return true;
    }
    return false;
  }

  /** The next argument; a missing one is a syntax error. */
  next(): string {
    if (this.index >= this.argv.length) throw errors.syntax();
    return this.argv[this.index++]!;
  }

  nextUpper(): string {
    return this.next().toUpperCase();
  }

  nextInteger(): number {
    return integerOrThrow(this.next());
  }

  nextDouble(): number {
    return doubleOrThrow(this.next());
  }

  rest(): string[] {
    const out = this.argv.slice(this.index);
    this.index = this.argv.length;
    return out;
  }
}
