// Number formatting at the Redis↔Lua border (spec/redis-rest.md §8.3). Redis 7 turns a Lua
// number passed to redis.call into text with C's "%.17g" (so 0.1 becomes 0.10000000000000001,
// and integral values carry no ".0"); cjson and Lua 5.1's tostring use "%.14g". The other rules
// (nil → false, true → 1, float replies truncated, {ok=…}/{err=…}) live with the stack code in
// lua-vm.ts; these are pure and tested on their own.

/** C printf "%.<precision>g" of a double. */
export function formatGeneral(value: number, precision: number): string {
  if (Number.isNaN(value)) return value < 0 ? "-nan" : "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  let exponential = value.toExponential(precision - 1);
  let e = exponential.indexOf("e");
  let exponent = Number(exponential.slice(e + 1));
  const evenTie = tieToEven(value, precision - 1, exponent);
  if (evenTie !== undefined) {
    exponential = evenTie;
    e = exponential.indexOf("e");
    exponent = Number(exponential.slice(e + 1));
  }
  if (exponent < -4 || exponent >= precision) {
    const mantissa = trimZeros(exponential.slice(0, e));
    const sign = exponent < 0 ? "-" : "+";
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${mantissa}e${sign}${digits}`;
  }
  if (evenTie === undefined) return trimZeros(value.toFixed(Math.max(0, precision - 1 - exponent)));
  // toFixed would round the tie up again: the same digits, the point moved by hand.
  const negative = value < 0 ? "-" : "";
  const digits = exponential.slice(negative.length, e).replace(".", "");
  if (exponent < 0) return trimZeros(`${negative}0.${"0".repeat(-exponent - 1)}${digits}`);
  const point = exponent + 1;
  return trimZeros(point >= digits.length ? negative + digits : `${negative}${digits.slice(0, point)}.${digits.slice(point)}`);
}

/**
 * value.toExponential(fractionDigits) as glibc's printf writes it, where that differs: a value
 * exactly halfway between two outputs goes to the even one, where JS goes away from zero (2^-21 =
 * 4.76837158203125e-07 is 4.7683715820312e-07 in "%.14g", not ...13e-07). Undefined otherwise.
 * `exponent` is the decimal exponent JS wrote.
 */
function tieToEven(value: number, fractionDigits: number, exponent: number): string | undefined {
  // A tie has fractionDigits + 2 significant digits. A double m * 2^q (m odd, q < 0) has exactly
  // -q digits after the point, so at least -q + exponent of them: most fractions have far more.
  const q = oddMantissaExponent(value);
  if (q < 0 && -q + exponent > fractionDigits + 2) return undefined;
  // The tie shows as a 5 one digit further, with nothing after it (the exact expansion says).
  const longer = value.toExponential(fractionDigits + 1);
  const e = longer.indexOf("e");
  if (longer.charCodeAt(e - 1) !== 53 /* 5 */ || Number(longer) !== value || !isExactDecimal(value, longer)) return undefined;
  // JS rounded the tie up; C does too when the last kept digit is odd, and otherwise cuts the 5.
  const lastKept = longer.charCodeAt(e - 2) === 46 /* . */ ? e - 3 : e - 2;
  if ((longer.charCodeAt(lastKept) - 48) % 2 === 1) return undefined;
  const kept = longer.slice(0, e - 1);
  return (kept.endsWith(".") ? kept.slice(0, -1) : kept) + longer.slice(e);
}

const view = new DataView(new ArrayBuffer(8));

/** q of a finite nonzero value written m * 2^q with m odd. */
function oddMantissaExponent(value: number): number {
  view.setFloat64(0, value);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  const fractionHigh = (high & 0xfffff) | (biased === 0 ? 0 : 0x100000);
  const trailingZeros = low !== 0 ? 31 - Math.clz32(low & -low) : 63 - Math.clz32(fractionHigh & -fractionHigh);
  return (biased === 0 ? 1 : biased) - 1075 + trailingZeros;
}

/** Whether decimal ("[-]d.ddde±x") is exactly value, compared as integers: |value| = m * 2^q, decimal = d * 10^k. */
function isExactDecimal(value: number, decimal: string): boolean {
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  let left = biased === 0 ? fraction : fraction | (1n << 52n);
  const q = (biased === 0 ? 1 : biased) - 1075;
  const e = decimal.indexOf("e");
  const point = decimal.indexOf(".");
  let right = BigInt(decimal.slice(decimal.startsWith("-") ? 1 : 0, e).replace(".", ""));
  const k = Number(decimal.slice(e + 1)) - (point === -1 ? 0 : e - point - 1);
  if (q > 0) left <<= BigInt(q);
  else right <<= BigInt(-q);
  if (k > 0) right *= 10n ** BigInt(k);
  else left *= 10n ** BigInt(-k);
  return left === right;
}

function trimZeros(text: string): string {
  if (text.indexOf(".") === -1) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (text.charCodeAt(end - 1) === 46 /* . */) end--;
  return text.slice(0, end);
}

/**
 * compat: a Lua number as Redis makes it an integer reply, C's (long long) cast: toward zero, and
 * INT64_MIN for NaN, infinities and values out of range (as x86-64 and arm64 builds give it).
 */
export function luaNumberToInteger(value: number): number | bigint {
  if (!Number.isFinite(value)) return -9223372036854775808n;
  const truncated = Math.trunc(value);
  if (Number.isSafeInteger(truncated)) return truncated === 0 ? 0 : truncated;
  if (truncated >= 9223372036854775807 || truncated < -9223372036854775808) return -9223372036854775808n;
  return BigInt(truncated);
}

/** A float argument of redis.call as Redis 7 writes it ("%.17g"). */
export function formatNumberArgument(value: number): string {
  // Past 2^53 String() gives the shortest text that reads back (2^56 = 72057594037927940), not every digit.
  if (Number.isSafeInteger(value)) return Object.is(value, -0) ? "-0" : String(value);
  // compat: a NaN Lua arithmetic makes on x86 (0/0, inf - inf) has its sign set, which Redis's
  // printf writes "-nan"; a NaN's sign does not survive into JS.
  if (Number.isNaN(value)) return "-nan";
  return formatGeneral(value, 17);
}

/** A number as Lua 5.1 and cjson print it ("%.14g"). */
export function formatLuaNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e14) return Object.is(value, -0) ? "-0" : String(value);
  return formatGeneral(value, 14);
}
