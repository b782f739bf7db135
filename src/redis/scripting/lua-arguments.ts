// Lua 5.1's argument rules, as the C libraries Redis embeds (struct, cmsgpack) apply them through
// lauxlib's luaL_check* functions: a string argument may be a number (written "%.14g"), a number
// argument may be a string that C's strtod reads ("0x10", " 1e2 ", "inf"), and a refusal names
// the type as Lua 5.1 names it. lua-vm.ts reads the stack into LuaArgument values and raises the
// errors thrown here; struct.ts and cmsgpack.ts stay free of the VM.

import { formatLuaNumber } from "./conversions.ts";
import { cStringToNumber } from "./strtod.ts";

/** One argument of a C function call, by Lua 5.1's type names ("no value" past the last one). */
export type LuaArgument =
  | { type: "number"; value: number }
  | { type: "string"; value: string }
  | { type: "nil" | "boolean" | "table" | "function" | "userdata" | "thread" | "no value" };

const NO_VALUE: LuaArgument = { type: "no value" };
export const NIL: LuaArgument = { type: "nil" };

/** luaL_argerror: raised as "bad argument #<argument> to '<function>' (<message>)" after the script position. */
export class ArgumentError extends Error {
  constructor(
    readonly argument: number,
    message: string,
  ) {
    super(message);
  }
}

/** luaL_error: raised after the calling script's position ("user_script:1: "). */
export class PositionedError extends Error {}

/** An error the VM raises inside the C function itself ("table index is nil"): no position. */
export class VmError extends Error {}

/**
 * LUAI_MAXCSTACK: the most stack slots a C function may hold in Lua 5.1. Redis's struct and
 * cmsgpack ask for room as they push results, so a call returning thousands of values fails
 * where Redis's does (Lua 5.4 allows a million).
 */
export const C_STACK_SLOTS_MAX = 8000;

/** luaL_checkstack: `slots` are in use and `extra` more are wanted. */
export function checkStack(slots: number, extra: number, what: string): void {
  if (slots + extra > C_STACK_SLOTS_MAX) throw new PositionedError(`stack overflow (${what})`);
}

const argumentAt = (args: LuaArgument[], n: number): LuaArgument => args[n - 1] ?? NO_VALUE;

function typeError(n: number, expected: string, arg: LuaArgument): never {
  throw new ArgumentError(n, `${expected} expected, got ${arg.type}`);
}

/** lua_tonumber (and lua_isnumber when not undefined). */
export function toNumber(arg: LuaArgument): number | undefined {
  if (arg.type === "number") return arg.value;
  if (arg.type === "string") return cStringToNumber(arg.value);
  return undefined;
}

/** lua_tointeger: C's (ptrdiff_t) cast, which gives INT64_MIN for NaN and out-of-range values on x86-64. */
function toInteger(value: number): number {
  const truncated = Math.trunc(value);
  if (!(truncated >= -(2 ** 63) && truncated < 2 ** 63)) return -(2 ** 63);
  return truncated === 0 ? 0 : truncated;
}

export function checkNumber(args: LuaArgument[], n: number): number {
  const arg = argumentAt(args, n);
  const value = toNumber(arg);
  if (value === undefined) typeError(n, "number", arg);
  return value;
}

export function checkInteger(args: LuaArgument[], n: number): number {
  return toInteger(checkNumber(args, n));
}

/** luaL_optinteger: the fallback for nil or no value. */
export function optInteger(args: LuaArgument[], n: number, fallback: number): number {
  const arg = argumentAt(args, n);
  return arg.type === "nil" || arg.type === "no value" ? fallback : checkInteger(args, n);
}

/** luaL_checklstring: a string, or a number written as Lua 5.1 writes it. */
export function checkString(args: LuaArgument[], n: number): string {
  const arg = argumentAt(args, n);
  if (arg.type === "string") return arg.value;
  if (arg.type === "number") return formatLuaNumber(arg.value);
  return typeError(n, "string", arg);
}

/** C's `%d` of a 64-bit value: its low 32 bits, signed. */
export const asCInt = (value: number): number => Number(BigInt.asIntN(32, BigInt(value)));
