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
  if (text.length < 16) return integerPattern.test(text) ? Number(text) : null;
  const value = parseInt64(text);
  if (value === null) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

// C strtod also reads hexadecimal floats: 0x10, 0x1.8p3.
const hexFloatPattern = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$/i;

function parseHexFloat(text: string): number | null {
  const match = hexFloatPattern.exec(text);
  if (match === null) return null;
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  if (whole === "" && fraction === "") return null;
  const mantissa = parseInt(whole + fraction || "0", 16);
  const value = mantissa * 2 ** (Number(exponent) - 4 * fraction.length);
  return sign === "-" ? -value : value;
}

/** Redis string2d: a finite-or-infinite double, never NaN, no leading space, no overflow. */
export function parseDouble(text: string): number | null {
  if (!floatPattern.test(text)) {
    const hex = parseHexFloat(text);
    return hex !== null && Number.isFinite(hex) ? hex : null;
  }
  const lower = text.toLowerCase();
  if (lower.endsWith("inf") || lower.endsWith("infinity")) return lower.startsWith("-") ? -Infinity : Infinity;
  const value = Number(text);
  if (!Number.isFinite(value)) return null; // strtod overflow sets ERANGE
  return value;
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
