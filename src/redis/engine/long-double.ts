// Redis's INCRBYFLOAT/HINCRBYFLOAT arithmetic, byte for byte: Redis parses with strtold, adds in
// x87 80-bit `long double` (64-bit significand, 15-bit exponent, subnormals) and prints with
// "%.17Lf" minus trailing zeros. JS doubles give different digits (0.1+0.2, 1e17+1), so this
// module emulates that format exactly with BigInt: correctly rounded parsing, one
// round-half-even addition, exact decimal printing with glibc's ties-to-even.
// Callers: commands/string.ts (INCRBYFLOAT), commands/hash.ts (HINCRBYFLOAT) and the timeouts of
// the blocking commands scripts may call (scripting/runner.ts).

import { errors } from "./errors.ts";

/** A finite long double: (-1)^negative × significand × 2^exponent. Zero has significand 0n. */
export interface LongDouble {
  negative: boolean;
  significand: bigint;
  exponent: number;
}

const SIGNIFICAND_BITS = 64;
const SIGNIFICAND_MIN = 1n << 63n; // normal numbers carry an explicit integer bit
const SIGNIFICAND_LIMIT = 1n << 64n;
// The unit exponent of the smallest subnormal (2^-16382 × 2^-63) and of the top binade.
const EXPONENT_MIN = -16382 - 63;
const EXPONENT_MAX = 16383 - 63;
// Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses texts of 5 KiB or more.
const TEXT_LENGTH_MAX = 5 * 1024 - 1;
// Decimal magnitudes beyond these surely overflow (max ≈ 1.19e4932) or round to zero (half the
// smallest subnormal ≈ 1.8e-4951), so huge written exponents never build huge BigInts.
const DECIMAL_EXPONENT_OVER = 4933;
const DECIMAL_EXPONENT_UNDER = -4952;
const BINARY_EXPONENT_OVER = 16384;
const BINARY_EXPONENT_UNDER = -16447;

const decimalPattern = /^([+-]?)(?:([0-9]+)\.?([0-9]*)|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?$/;
const hexPattern = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?$/;
const infinityPattern = /^([+-]?)(?:inf|infinity)$/i;

type Parsed = LongDouble | "+inf" | "-inf";

/**
 * Redis string2ld: the whole text must be one strtold number — no leading space, no trailing
 * bytes, not NaN, shorter than 5 KiB, and not out of range (a finite text that overflows to
 * infinity or underflows to zero is refused; the word "inf" is accepted).
 */
export function isLongDoubleText(text: string): boolean {
  return parseText(text) !== null;
}

/**
 * current + increment as Redis prints it. Both texts must already satisfy isLongDoubleText (the
 * caller owns the "not a valid float" error, which differs between INCRBYFLOAT and HINCRBYFLOAT);
 * a NaN or infinite sum throws Redis's "increment would produce NaN or Infinity".
 */
export function longDoubleAdd(currentText: string, incrementText: string): string {
  const current = parseText(currentText);
  const increment = parseText(incrementText);
  if (current === null || increment === null) throw errors.notFloat();
  // Any infinite operand makes the sum infinite or NaN: both are refused.
  if (typeof current === "string" || typeof increment === "string") throw errors.nanOrInfinity();
  const sum = add(current, increment);
  if (sum === null) throw errors.nanOrInfinity();
  return formatLongDouble(sum);
}

/** A long double text as strtold reads it, or null when Redis's string2ld would refuse it. */
export function parseLongDouble(text: string): LongDouble | null {
  const parsed = parseText(text);
  return parsed === null || typeof parsed === "string" ? null : parsed;
}

/**
 * A timeout in seconds as Redis 7.0 turns it into milliseconds, `(long long) ceill(ftval * 1000.0)`:
 * the text as string2ld reads it, times 1000 rounded to a long double, rounded up to a whole number.
 * A result past long long's range (infinities too) becomes what x86's conversion makes of it,
 * LLONG_MIN. null when string2ld refuses the text.
 */
export function secondsAsMilliseconds(text: string): bigint | null {
  const parsed = parseText(text);
  if (parsed === null) return null;
  if (typeof parsed === "string") return LLONG_MIN;
  if (parsed.significand === 0n) return 0n;
  const product = roundToLongDouble(parsed.negative, parsed.significand * 1000n, 1n, parsed.exponent);
  if (product === null) return LLONG_MIN;
  const { significand, exponent } = product;
  const whole = exponent >= 0 ? significand << BigInt(exponent) : significand >> BigInt(-exponent);
  const hasFraction = exponent < 0 && whole << BigInt(-exponent) !== significand;
  const ceiling = product.negative ? -whole : hasFraction ? whole + 1n : whole;
  return ceiling < LLONG_MIN || ceiling > LLONG_MAX ? LLONG_MIN : ceiling;
}

const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);

/** Redis ld2string(LD_STR_HUMAN): "%.17Lf", trailing zeros and '.' removed, "-0" as "0". */
export function formatLongDouble(value: LongDouble): string {
  const scaled = roundedScaledBy1e17(value);
  let digits = scaled.toString().padStart(18, "0");
  digits = `${digits.slice(0, -17)}.${digits.slice(-17)}`.replace(/\.?0+$/, "");
  if (value.negative && digits !== "0") return `-${digits}`;
  return digits;
}

function parseText(text: string): Parsed | null {
  if (text.length === 0 || text.length > TEXT_LENGTH_MAX) return null;
  let match = decimalPattern.exec(text);
  if (match !== null) {
    const [, sign, intDigits, fracDigits, onlyFracDigits, exponentText] = match;
    const fraction = onlyFracDigits ?? fracDigits ?? "";
    return fromDecimal(sign === "-", (intDigits ?? "") + fraction, exponentText, fraction.length);
  }
  match = hexPattern.exec(text);
  if (match !== null) {
    const [, sign, intDigits, fracDigits, onlyFracDigits, exponentText] = match;
    const fraction = onlyFracDigits ?? fracDigits ?? "";
    return fromHex(sign === "-", (intDigits ?? "") + fraction, exponentText, fraction.length);
  }
  match = infinityPattern.exec(text);
  if (match !== null) return match[1] === "-" ? "-inf" : "+inf";
  return null;
}

// An exponent as written, clamped: anything that far out overflows or underflows anyway.
function writtenExponent(text: string | undefined): number {
  if (text === undefined) return 0;
  const value = BigInt(text);
  const bound = 1_000_000_000n;
  return Number(value > bound ? bound : value < -bound ? -bound : value);
}

// digits × 10^(exponent − fractionDigits), correctly rounded (strtold in round-to-nearest).
function fromDecimal(negative: boolean, digitText: string, exponentText: string | undefined, fractionDigits: number): LongDouble | null {
  const trimmed = digitText.replace(/^0+/, "");
  if (trimmed === "") return { negative, significand: 0n, exponent: EXPONENT_MIN };
  const scale = writtenExponent(exponentText) - fractionDigits;
  const magnitude = trimmed.length - 1 + scale; // value lies in [10^magnitude, 10^(magnitude+1))
  if (magnitude >= DECIMAL_EXPONENT_OVER) return null; // overflow: ERANGE and HUGE_VAL
  if (magnitude < DECIMAL_EXPONENT_UNDER) return null; // underflow to zero: ERANGE and FP_ZERO
  const digits = BigInt(trimmed);
  const rounded =
    scale >= 0 ? roundToLongDouble(negative, digits * 10n ** BigInt(scale), 1n, 0) : roundToLongDouble(negative, digits, 10n ** BigInt(-scale), 0);
  return rangeChecked(rounded);
}

// hexdigits × 2^(exponent − 4 × fractionDigits), correctly rounded.
function fromHex(negative: boolean, digitText: string, exponentText: string | undefined, fractionDigits: number): LongDouble | null {
  const trimmed = digitText.replace(/^0+/, "");
  if (trimmed === "") return { negative, significand: 0n, exponent: EXPONENT_MIN };
  const exponent = writtenExponent(exponentText) - 4 * fractionDigits;
  const topBit = trimmed.length * 4 + exponent;
  if (topBit > BINARY_EXPONENT_OVER + 4) return null;
  if (topBit < BINARY_EXPONENT_UNDER - 4) return null;
  return rangeChecked(roundToLongDouble(negative, BigInt(`0x${trimmed}`), 1n, exponent));
}

// strtold sets ERANGE on overflow (HUGE_VAL) and on underflow to zero; string2ld refuses both.
function rangeChecked(value: LongDouble | null): LongDouble | null {
  if (value === null || value.significand === 0n) return null;
  return value;
}

function add(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.significand === 0n) return b;
  if (b.significand === 0n) return a;
  const exponent = Math.min(a.exponent, b.exponent);
  const signedA = (a.negative ? -a.significand : a.significand) << BigInt(a.exponent - exponent);
  const signedB = (b.negative ? -b.significand : b.significand) << BigInt(b.exponent - exponent);
  const sum = signedA + signedB;
  // x87 round-to-nearest gives +0 for an exact zero sum of opposite signs.
  if (sum === 0n) return { negative: false, significand: 0n, exponent: EXPONENT_MIN };
  return roundToLongDouble(sum < 0n, sum < 0n ? -sum : sum, 1n, exponent);
}

const bitLength = (n: bigint) => n.toString(2).length;

/**
 * The long double nearest numerator / denominator × 2^exponent (both positive), ties to even;
 * null on overflow. A result below the smallest subnormal rounds to zero (significand 0n).
 */
function roundToLongDouble(negative: boolean, numerator: bigint, denominator: bigint, exponent: number): LongDouble | null {
  // Pick the unit exponent so the quotient has exactly 64 bits, or fewer for subnormals.
  let unit = exponent + bitLength(numerator) - bitLength(denominator) - SIGNIFICAND_BITS;
  let quotient = scaledQuotient(numerator, denominator, exponent - unit);
  if (quotient.value >= SIGNIFICAND_LIMIT) {
    unit++;
    quotient = scaledQuotient(numerator, denominator, exponent - unit);
  } else if (quotient.value < SIGNIFICAND_MIN) {
    unit--;
    quotient = scaledQuotient(numerator, denominator, exponent - unit);
  }
  if (unit < EXPONENT_MIN) {
    unit = EXPONENT_MIN;
    quotient = scaledQuotient(numerator, denominator, exponent - unit);
  }
  let significand = quotient.value;
  const twiceRemainder = quotient.remainder * 2n;
  if (twiceRemainder > quotient.divisor || (twiceRemainder === quotient.divisor && (significand & 1n) === 1n)) {
    significand++;
    if (significand === SIGNIFICAND_LIMIT) {
      significand >>= 1n;
      unit++;
    }
  }
  if (unit > EXPONENT_MAX) return null;
  return { negative, significand, exponent: unit };
}

// floor(numerator × 2^shift / denominator), with the remainder over its divisor.
function scaledQuotient(numerator: bigint, denominator: bigint, shift: number) {
  const dividend = shift >= 0 ? numerator << BigInt(shift) : numerator;
  const divisor = shift >= 0 ? denominator : denominator << BigInt(-shift);
  return { value: dividend / divisor, remainder: dividend % divisor, divisor };
}

// round(|value| × 10^17) as glibc's printf rounds: to nearest, ties to even.
function roundedScaledBy1e17(value: LongDouble): bigint {
  const scaled = value.significand * 10n ** 17n;
  if (value.exponent >= 0) return scaled << BigInt(value.exponent);
  const shift = BigInt(-value.exponent);
  const quotient = scaled >> shift;
  const remainder = scaled - (quotient << shift);
  const half = 1n << (shift - 1n);
  if (remainder > half || (remainder === half && (quotient & 1n) === 1n)) return quotient + 1n;
  return quotient;
}
