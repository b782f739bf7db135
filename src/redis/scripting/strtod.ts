// glibc's strtod over binary strings, for the libraries that read numbers as Redis's C does:
// lua-cjson's number tokens (cjson-decode.ts) and Lua 5.1's string-to-number conversion of
// library arguments (lua-arguments.ts). Hex floats, "inf"/"infinity" and "nan[(...)]" included,
// rounded as glibc rounds them. Also strtoul, for 5.1's tonumber with a base.

export const startsWithIgnoringCase = (text: string, pos: number, lower: string) => text.slice(pos, pos + lower.length).toLowerCase() === lower;

export const isDigit = (ch: number) => ch >= 0x30 && ch <= 0x39;

/** A hex digit's value, or -1 (for anything else, NaN past the text included). */
export function hexValue(ch: number): number {
  if (ch >= 0x30 && ch <= 0x39) return ch - 0x30;
  const lower = ch | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** The value scanStrtod read, kept here so that the hot path allocates no result object. */
const scanned = { number: 0 };

/** The number the last scanStrtod read. */
export const strtodValue = (): number => scanned.number;

/**
 * Lua 5.1's luaO_str2d as glibc runs it: strtod over the text up to its first NUL, leading and
 * trailing spaces allowed, nothing else; undefined when the text is no number.
 */
export function cStringToNumber(text: string): number | undefined {
  const zero = text.indexOf("\0");
  const cText = zero === -1 ? text : text.slice(0, zero);
  let start = 0;
  while (isSpace(cText.charCodeAt(start))) start++;
  const end = scanStrtod(cText, start);
  if (end === start) return undefined;
  for (let i = end; i < cText.length; i++) if (!isSpace(cText.charCodeAt(i))) return undefined;
  return scanned.number;
}

/** C's isspace in the C locale. */
/**
 * Lua 5.1's tonumber(text, base) for a base other than 10: C's strtoul on x86-64 over the text up
 * to its first NUL (spaces, a sign, "0x" in base 16, digits as an unsigned 64-bit integer that
 * stops at 2^64 - 1, a minus sign negating it modulo 2^64), then only spaces, made a double;
 * undefined when that does not read the whole text.
 */
export function cStringToUnsigned(text: string, base: number): number | undefined {
  const zero = text.indexOf("\0");
  const cText = zero === -1 ? text : text.slice(0, zero);
  let at = 0;
  while (isSpace(cText.charCodeAt(at))) at++;
  const sign = cText[at];
  if (sign === "-" || sign === "+") at++;
  if (base === 16 && cText[at] === "0" && (cText[at + 1] === "x" || cText[at + 1] === "X") && hexValue(cText.charCodeAt(at + 2)) !== -1) at += 2;
  const first = at;
  let value = 0n;
  const bigBase = BigInt(base);
  for (let digit = digitValue(cText.charCodeAt(at)); digit !== -1 && digit < base; digit = digitValue(cText.charCodeAt(++at))) {
    value = value * bigBase + BigInt(digit);
  }
  if (at === first) return undefined;
  while (isSpace(cText.charCodeAt(at))) at++;
  if (at < cText.length) return undefined;
  if (value > ULONG_MAX) return Number(ULONG_MAX);
  return Number(sign === "-" ? BigInt.asUintN(64, -value) : value);
}
const ULONG_MAX = 2n ** 64n - 1n;

/** A digit's value in bases up to 36 (0-9, then a-z or A-Z), or -1. */
function digitValue(ch: number): number {
  if (ch >= 0x30 && ch <= 0x39) return ch - 0x30;
  const lower = ch | 0x20;
  if (lower >= 0x61 && lower <= 0x7a) return lower - 0x61 + 10;
  return -1;
}

const isSpace = (ch: number) => ch === 0x20 || (ch >= 0x09 && ch <= 0x0d);

/**
 * glibc's strtod over text from `start` (no leading spaces: callers skip them): where the
 * number ends (`start` if there is none), its value in strtodValue(). Decimals go through JS's Number, which rounds as correctly as glibc does.
 */
export function scanStrtod(text: string, start: number): number {
  let pos = start;
  let ch = text.charCodeAt(pos);
  const negative = ch === 0x2d;
  if (ch === 0x2b || ch === 0x2d) ch = text.charCodeAt(++pos);
  const sign = negative ? -1 : 1;
  if ((ch | 0x20) === 0x69) {
    if (!startsWithIgnoringCase(text, pos, "inf")) return start;
    scanned.number = sign * Infinity;
    return pos + (startsWithIgnoringCase(text, pos + 3, "inity") ? 8 : 3);
  }
  if ((ch | 0x20) === 0x6e) {
    if (!startsWithIgnoringCase(text, pos, "nan")) return start;
    scanned.number = NaN;
    pos += 3;
    // "nan(n-char-sequence)": letters, digits and '_' up to a ')', else only "nan" is read.
    if (text.charCodeAt(pos) === 0x28) {
      let close = pos + 1;
      for (let c = text.charCodeAt(close); isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x5f; c = text.charCodeAt(++close));
      if (text.charCodeAt(close) === 0x29) pos = close + 1;
    }
    return pos;
  }
  if (ch === 0x30 && (text.charCodeAt(pos + 1) | 0x20) === 0x78) {
    const stop = scanHexFloat(text, pos + 2, sign);
    // "0x" with no hex digits after it reads as the "0" alone.
    if (stop !== -1) return stop;
  }
  let digits = 0;
  // An integer of up to 15 digits is exact as it is summed: no text to parse for it.
  let integer = 0;
  while (isDigit(ch)) {
    digits++;
    integer = integer * 10 + (ch - 0x30);
    ch = text.charCodeAt(++pos);
  }
  if (digits > 0 && digits <= 15 && ch !== 0x2e && (ch | 0x20) !== 0x65) {
    scanned.number = sign * integer;
    return pos;
  }
  if (ch === 0x2e) {
    ch = text.charCodeAt(++pos);
    while (isDigit(ch)) {
      digits++;
      ch = text.charCodeAt(++pos);
    }
  }
  if (digits === 0) return start;
  if ((ch | 0x20) === 0x65) {
    let exponentEnd = pos + 1;
    let c = text.charCodeAt(exponentEnd);
    if (c === 0x2b || c === 0x2d) c = text.charCodeAt(++exponentEnd);
    if (isDigit(c)) {
      while (isDigit(c)) c = text.charCodeAt(++exponentEnd);
      pos = exponentEnd;
    }
  }
  scanned.number = Number(text.slice(start, pos));
  return pos;
}

/** A hex float after its "0x": [digits][.digits][p[+-]digits], at least one digit; -1 if none. */
function scanHexFloat(text: string, start: number, sign: number): number {
  let pos = start;
  let ch = text.charCodeAt(pos);
  if (hexValue(ch) < 0 && !(ch === 0x2e && hexValue(text.charCodeAt(pos + 1)) >= 0)) return -1;
  while (hexValue(ch) >= 0) ch = text.charCodeAt(++pos);
  let digits = text.slice(start, pos);
  let fractionDigits = 0;
  if (ch === 0x2e) {
    const fractionStart = ++pos;
    ch = text.charCodeAt(pos);
    while (hexValue(ch) >= 0) ch = text.charCodeAt(++pos);
    fractionDigits = pos - fractionStart;
    digits += text.slice(fractionStart, pos);
  }
  let exponent = 0;
  if ((ch | 0x20) === 0x70) {
    let exponentEnd = pos + 1;
    let c = text.charCodeAt(exponentEnd);
    const exponentSign = c === 0x2d ? -1 : 1;
    if (c === 0x2b || c === 0x2d) c = text.charCodeAt(++exponentEnd);
    if (isDigit(c)) {
      // Past a billion the result is 0 or infinite whatever the digits: stop counting there.
      for (; isDigit(c); c = text.charCodeAt(++exponentEnd)) if (exponent < 1e9) exponent = exponent * 10 + (c - 0x30);
      exponent *= exponentSign;
      pos = exponentEnd;
    }
  }
  scanned.number = sign * scaleBinary(BigInt(`0x${digits}`), exponent - 4 * fractionDigits);
  return pos;
}

/** mantissa * 2^exponent as a double, rounded to nearest, ties to even (subnormals included). */
function scaleBinary(mantissa: bigint, exponent: number): number {
  if (mantissa === 0n) return 0;
  const hex = mantissa.toString(16);
  const bits = (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
  const top = bits - 1 + exponent; // the value is in [2^top, 2^(top+1))
  if (top > 1023) return Infinity;
  if (top < -1075) return 0;
  // A normal double keeps 53 bits; a subnormal those down to 2^-1074.
  const keep = top >= -1022 ? 53 : top + 1075;
  const shift = bits - keep;
  if (shift <= 0) return timesPowerOfTwo(Number(mantissa), exponent);
  const dropped = BigInt(shift);
  let kept = mantissa >> dropped;
  const rest = mantissa - (kept << dropped);
  const half = 1n << (dropped - 1n);
  if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n;
  return timesPowerOfTwo(Number(kept), exponent + shift);
}

/** x * 2^exponent for an exact result (or an overflow to Infinity), in steps 2^n can hold. */
function timesPowerOfTwo(x: number, exponent: number): number {
  while (exponent > 1000) {
    x *= 2 ** 1000;
    exponent -= 1000;
  }
  while (exponent < -1000) {
    x *= 2 ** -1000;
    exponent += 1000;
  }
  return x * 2 ** exponent;
}
