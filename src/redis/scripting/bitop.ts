// The `bit` library of Redis scripts (LuaBitOp 1.0.2, built for Lua 5.1): lua-vm.ts binds each
// function as a C function over the arguments it reads from the stack, as struct.ts's are bound.
// Operands and results are signed 32-bit integers. LuaBitOp turns any number into 32 bits by
// adding 2^52 + 2^51 to it as a double and taking the low word, which rounds to the nearest
// integer (halves to even) and wraps modulo 2^32: 1.5 is 2, 2.5 is 2, NaN is 0.

import { checkNumber, type LuaArgument } from "./lua-arguments.ts";

const double = new Float64Array(1);
// The double's low word on the little-endian machines Bun runs on.
const lowWord = new Int32Array(double.buffer, 0, 1);

/** barg: argument n as 32 bits; anything but a number or a numeric string is a type error. */
function bitArgument(args: LuaArgument[], n: number): number {
  double[0] = checkNumber(args, n) + 6755399441055744.0;
  return lowWord[0]!;
}

/** band, bor, bxor: LuaBitOp reads the first operand, then the others from the last. */
function fold(combine: (a: number, b: number) => number): (args: LuaArgument[]) => number {
  return (args) => {
    let result = bitArgument(args, 1);
    for (let n = args.length; n >= 2; n--) result = combine(result, bitArgument(args, n));
    return result;
  };
}

function shift(apply: (b: number, n: number) => number): (args: LuaArgument[]) => number {
  return (args) => {
    const b = bitArgument(args, 1);
    return apply(b, bitArgument(args, 2) & 31) | 0;
  };
}

const DIGITS = "0123456789abcdef";

export const bitFunctions: Record<string, (args: LuaArgument[]) => number | string> = {
  tobit: (args) => bitArgument(args, 1),
  bnot: (args) => ~bitArgument(args, 1),
  bswap: (args) => {
    const b = bitArgument(args, 1);
    return (b << 24) | ((b & 0xff00) << 8) | ((b >>> 8) & 0xff00) | (b >>> 24);
  },
  band: fold((a, b) => a & b),
  bor: fold((a, b) => a | b),
  bxor: fold((a, b) => a ^ b),
  lshift: shift((b, n) => b << n),
  rshift: shift((b, n) => b >>> n),
  arshift: shift((b, n) => b >> n),
  rol: shift((b, n) => (b << n) | (b >>> (32 - n))),
  ror: shift((b, n) => (b >>> n) | (b << (32 - n))),
  /** tohex(x [, n]): n hex digits (8 by default, at most 8), upper case when n is negative. */
  tohex: (args) => {
    let b = bitArgument(args, 1);
    let n = args.length < 2 ? 8 : bitArgument(args, 2);
    let digits = DIGITS;
    if (n < 0) [n, digits] = [-n, DIGITS.toUpperCase()];
    let text = "";
    for (let i = Math.min(n, 8); i > 0; i--, b >>>= 4) text = digits[b & 15] + text;
    return text;
  },
};
