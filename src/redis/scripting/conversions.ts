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
  const exponential = value.toExponential(precision - 1);
  const e = exponential.indexOf("e");
  const exponent = Number(exponential.slice(e + 1));
  if (exponent < -4 || exponent >= precision) {
    const mantissa = trimZeros(exponential.slice(0, e));
    const sign = exponent < 0 ? "-" : "+";
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${mantissa}e${sign}${digits}`;
  }
  return trimZeros(value.toFixed(Math.max(0, precision - 1 - exponent)));
}

function trimZeros(text: string): string {
  if (text.indexOf(".") === -1) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (text.charCodeAt(end - 1) === 46 /* . */) end--;
  return text.slice(0, end);
}

/** A float argument of redis.call as Redis 7 writes it ("%.17g"). */
export function formatNumberArgument(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e17) return Object.is(value, -0) ? "-0" : String(value);
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
