// cjson's settings as Redis 7.0 embeds lua-cjson 2.1.0 (lua_cjson.c, json_cfg_*):
// cjson.encode_max_depth(), encode_sparse_array(), encode_number_precision() ... Each takes
// optional new values, checks them as lua_cjson.c checks them (a bad one is refused after those
// before it were set, as the C sets them one by one) and returns the settings as they stand.
// Redis keeps one set per Lua state, so what a script sets holds for the scripts after it.

import { ArgumentError, checkInteger, checkString, type LuaArgument } from "./lua-arguments.ts";

export interface JsonConfig {
  /** A too sparse array becomes an object (else an error). */
  encodeSparseConvert: boolean;
  /** An array is too sparse when its largest index is over this many times its items (0: never)... */
  encodeSparseRatio: number;
  /** ... and over this. */
  encodeSparseSafe: number;
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  /** NaN and infinities: refused (0), written as C's printf writes them (1), or as null (2). */
  encodeInvalidNumbers: 0 | 1 | 2;
  /** Hex numbers, leading zeros, '+', inf and nan are read (else refused). */
  decodeInvalidNumbers: boolean;
  /** No visible effect: lua-cjson reuses its encode buffer. */
  encodeKeepBuffer: boolean;
  /** Significant digits a number is written with ("%.14g"). */
  encodeNumberPrecision: number;
}

export function defaultJsonConfig(): JsonConfig {
  return {
    encodeSparseConvert: false,
    encodeSparseRatio: 2,
    encodeSparseSafe: 10,
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    encodeInvalidNumbers: 0,
    decodeInvalidNumbers: true,
    encodeKeepBuffer: true,
    encodeNumberPrecision: 14,
  };
}

/** What a settings function returns: booleans for on/off, an option's name, integers. */
export type JsonSetting = boolean | string | number;

/** The settings functions cjson has, by their names there. */
export const jsonSettingNames = [
  "encode_sparse_array",
  "encode_max_depth",
  "decode_max_depth",
  "encode_number_precision",
  "encode_keep_buffer",
  "encode_invalid_numbers",
  "decode_invalid_numbers",
] as const;
export type JsonSettingName = (typeof jsonSettingNames)[number];

const INT_MAX = 2147483647;
const ON_OFF = ["off", "on"];
const INVALID_NUMBER_MODES = ["off", "on", "null"];

/**
 * One settings function called with `args`; `booleanAt(n)` is the n-th argument's truth when it
 * is a boolean. Returns the values it answers with.
 */
export function configureJson(config: JsonConfig, name: JsonSettingName, args: LuaArgument[], booleanAt: (n: number) => boolean): JsonSetting[] {
  const option = new Options(args, booleanAt);
  switch (name) {
    case "encode_sparse_array":
      option.expectAtMost(3);
      config.encodeSparseConvert = option.onOff(1, config.encodeSparseConvert);
      config.encodeSparseRatio = option.integer(2, config.encodeSparseRatio, 0, INT_MAX);
      config.encodeSparseSafe = option.integer(3, config.encodeSparseSafe, 0, INT_MAX);
      return [config.encodeSparseConvert, config.encodeSparseRatio, config.encodeSparseSafe];
    case "encode_max_depth":
      option.expectAtMost(1);
      return [(config.encodeMaxDepth = option.integer(1, config.encodeMaxDepth, 1, INT_MAX))];
    case "decode_max_depth":
      option.expectAtMost(1);
      return [(config.decodeMaxDepth = option.integer(1, config.decodeMaxDepth, 1, INT_MAX))];
    case "encode_number_precision":
      option.expectAtMost(1);
      return [(config.encodeNumberPrecision = option.integer(1, config.encodeNumberPrecision, 1, 14))];
    case "encode_keep_buffer":
      option.expectAtMost(1);
      return [(config.encodeKeepBuffer = option.onOff(1, config.encodeKeepBuffer))];
    case "decode_invalid_numbers":
      option.expectAtMost(1);
      return [(config.decodeInvalidNumbers = option.onOff(1, config.decodeInvalidNumbers))];
    case "encode_invalid_numbers": {
      option.expectAtMost(1);
      const mode = (config.encodeInvalidNumbers = option.choice(1, config.encodeInvalidNumbers, INVALID_NUMBER_MODES) as 0 | 1 | 2);
      // json_enum_option: the two boolean settings as booleans, the others by name.
      return [mode === 2 ? INVALID_NUMBER_MODES[mode]! : mode === 1];
    }
  }
}

/** lua_cjson.c's json_arg_init, json_integer_option and json_enum_option over one call's arguments. */
class Options {
  constructor(
    private readonly args: LuaArgument[],
    private readonly booleanAt: (n: number) => boolean,
  ) {}

  /** json_arg_init: more arguments than the function takes are refused at the first extra one. */
  expectAtMost(count: number): void {
    if (this.args.length > count) throw new ArgumentError(count + 1, "found too many arguments");
  }

  private isNil(n: number): boolean {
    const type = this.args[n - 1]?.type;
    return type === undefined || type === "nil" || type === "no value";
  }

  /** json_integer_option: kept as a C int; out of range is refused naming argument 1 whichever it is, as the C does. */
  integer(n: number, current: number, min: number, max: number): number {
    if (this.isNil(n)) return current;
    const value = checkInteger(this.args, n) | 0;
    if (!(min <= value && value <= max)) throw new ArgumentError(1, `expected integer between ${min} and ${max}`);
    return value;
  }

  onOff(n: number, current: boolean): boolean {
    return this.choice(n, current ? 1 : 0, ON_OFF) === 1;
  }

  /** json_enum_option: a boolean sets off or on; else luaL_checkoption's name among `options`. */
  choice(n: number, current: number, options: string[]): number {
    if (this.isNil(n)) return current;
    if (this.args[n - 1]!.type === "boolean") return this.booleanAt(n) ? 1 : 0;
    const name = checkString(this.args, n);
    const index = options.indexOf(name);
    if (index === -1) throw new ArgumentError(n, `invalid option '${name}'`);
    return index;
  }
}
