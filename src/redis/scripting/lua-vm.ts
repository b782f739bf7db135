// The Lua bridge: the only module that knows which Lua VM runs scripts (wasmoon: Lua 5.4 compiled
// to WebAssembly, chosen over fengari by measurement, see BENCHMARKS.md "Lua"). It drives the
// raw C API, never wasmoon's JS object layer: that layer is several times slower on the
// ratelimit scripts and decodes strings as UTF-8 (keys and values are bytes: strings cross here
// as binary strings through WASM memory). Everything Redis-specific that must live next to the stack —
// Redis↔Lua conversions, error objects, the `redis`/`cjson`/`struct`/`cmsgpack` C functions, the
// count hook that yields or kills — is here; the rest (sandbox text, scheduling, commands) is not.
// One LuaVm is one lua_State with its own memory cap; a script runs as a coroutine so the hook
// can suspend it between time slices (see runner.ts for why).

import { LuaFactory } from "wasmoon";
import wasmPath from "wasmoon/dist/glue.wasm" with { type: "file" };
import { latin1Slice } from "../../util/bytes.ts";
import { ErrorReply, StatusReply, type Reply } from "../engine/reply.ts";
import { decodeJson, NEGATIVE_NAN, type JsonValue } from "./cjson-decode.ts";
import { encodeMsgpack, unpackMsgpack, type PlainValue } from "./cmsgpack.ts";
import { formatGeneral, formatNumberArgument, formatLuaNumber, luaNumberToInteger } from "./conversions.ts";
import { sandboxPrelude } from "./sandbox.ts";
import { ArgumentError, C_STACK_SLOTS_MAX, checkInteger, checkString, optInteger, PositionedError, VmError, type LuaArgument } from "./lua-arguments.ts";
import { configureJson, defaultJsonConfig, jsonSettingNames, type JsonConfig, type JsonSetting, type JsonSettingName } from "./cjson-config.ts";
import { Rand48 } from "./rand48.ts";
import { structPack, structSize, structUnpack } from "./struct.ts";
import { bitFunctions } from "./bitop.ts";
import { cStringToUnsigned } from "./strtod.ts";
import { patchCode } from "./wasm-code-patch.ts";
import { lua51CodePatches } from "./lua51-code-patches.ts";

// --- The WebAssembly module, shared by every VM (instantiated once, before the first script).
// Its code is patched first where Lua 5.1's behaviour lives in an instruction (lua51-code-patches.ts).
// wasmoon's build wraps every export in an assertion wrapper (`fn.apply(null, arguments)`),
// which costs more than the call itself on the hot path; the instance's own exports are taken
// while wasmoon instantiates it, and used directly when found.
let instanceExports: Record<string, unknown> | undefined;
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = (async (source: unknown, imports?: Parameters<typeof instantiate>[1]) => {
  if (!(source instanceof Uint8Array)) throw new Error("wasmoon no longer hands its module over as bytes: see lua-vm.ts");
  const patched = patchCode(source, lua51CodePatches);
  const result = (await instantiate(patched, imports)) as unknown as WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource;
  instanceExports ??= ("instance" in result ? result.instance : result).exports as Record<string, unknown>;
  return result;
}) as typeof instantiate;
let luaWasm: Awaited<ReturnType<LuaFactory["getLuaModule"]>>;
try {
  luaWasm = await new LuaFactory(wasmPath).getLuaModule();
} finally {
  WebAssembly.instantiate = instantiate;
}
// The exports as `_lua_*` plus emscripten's runtime helpers (HEAPU8, addFunction ...), which the
// prototype supplies; wasmoon's typings cover only its own wrappers.
const wasm = Object.create(luaWasm.module) as any;
if (instanceExports !== undefined) {
  for (const [name, value] of Object.entries(instanceExports)) {
    if (typeof value === "function" && /^(lua|luaL|malloc|free|realloc)/.test(name)) wasm[`_${name}`] = value;
  }
}

/**
 * compat: where Lua 5.4's C code differs from Lua 5.1 (which Redis runs) by a string constant,
 * that constant is changed once in the module's memory (its data is copied there at
 * instantiation), so no call pays for a Lua wrapper:
 * - tostringbuff (lobject.c) appends ".0" to a float that looks like an integer, one that
 *   strspn(buff, "-0123456789") spans: 5.4 writes 10/2 as "5.0", 5.1 "5", so `"k:" .. n / 2`
 *   named another key than Redis's. With the set emptied, strspn returns 0 and nothing is
 *   appended. (This serves lua_pushfstring's copy of tostringbuff, under tostring; luaO_tostring's,
 *   under `..`, is replaced by a code patch, lua51-code-patches.ts numbersAsDoubles.)
 * - l_str2d (lobject.c) refuses a numeral holding an 'n' (strpbrk(s, ".xXnN")), so tonumber("inf")
 *   and "nan" + 0 failed where 5.1 takes what C's strtod reads. Cut to ".xX".
 * - matchbalance (lstrlib.c) words a `%b` without its two characters as 5.1 did not, and
 *   luaG_forerror (ldebug.c) a `for` whose bounds are not numbers ("bad 'for' limit (number
 *   expected, got string)" where 5.1 said "'for' limit must be a number"; the format's second
 *   argument, the type, is then left unread); getobjname (ldebug.c) names a value read as
 *   `t[1]` "field 'integer index'" in error messages, 5.1 "field '?'".
 * - luaX_tokens (llex.c) makes "goto" a reserved word, which 5.1 did not have (`local goto = 1`):
 *   the list holds a word no name can spell instead (with lua51-code-patches.ts lua51Syntax).
 * - undefgoto (lparser.c) words a break outside any loop, which breakNeedsALoop now refuses
 *   earlier: its text becomes 5.1's, which that patch raises.
 * No other code of the module refers to these strings or to the tails changed (its i32.const
 * addresses, checked with wasmoon 1.16).
 */
function rewriteCString(text: string, replacement: string): void {
  if (replacement.length > text.length) throw new Error(`"${replacement}" does not fit where "${text}" is`);
  const heap: Uint8Array = wasm.HEAPU8;
  const at = Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength).indexOf(`\0${text}\0`, 0, "latin1");
  if (at === -1) throw new Error(`the Lua module holds no string "${text}": wasmoon changed, see rewriteCString`);
  heap.set(Buffer.from(`${replacement}\0`, "latin1"), at + 1);
}
rewriteCString("-0123456789", "");
rewriteCString(".xXnN", ".xX");
rewriteCString("malformed pattern (missing arguments to '%%b')", "unbalanced pattern");
rewriteCString("bad 'for' %s (number expected, got %s)", "'for' %s must be a number");
rewriteCString("integer index", "?");
rewriteCString("goto", "go\x7fo");
rewriteCString("break outside loop at line %d", "no loop to break");

const LUA_REGISTRYINDEX = -1001000;
const ASSERTION_FAILED = "assertion failed!";
const LUA_RIDX_GLOBALS = 2n;
const LUA_OK = 0;
const LUA_YIELD = 1;
const LUA_ERRMEM = 4;
const LUA_MASKCOUNT = 8;
const LUA_OPUNM = 12;
const LUA_MULTRET = -1;
/** lua_typename's names, by type number (LUA_TLIGHTUSERDATA, 2, is a "userdata" too). */
const LUA_TYPE_NAMES = ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"];
const T_NIL = 0;
const T_BOOLEAN = 1;
const T_LIGHTUSERDATA = 2;
const T_NUMBER = 3;
const T_STRING = 4;
const T_TABLE = 5;
const T_FUNCTION = 6;
const T_USERDATA = 7;
/** Instructions between two calls of the count hook: about 10–50 µs of Lua. */
const HOOK_INSTRUCTIONS = 10_000;
/**
 * How deep in a script's result a value can be and still be converted: Redis 7.0 asks Lua 5.1
 * for 4 stack slots more at each value (luaReplyToRedisReply), one level of nesting holding one,
 * and its C stack has 8000; a value past that converts to this error in place.
 */
const NESTING_MAX = 7995;

// --- Memory: a scratch buffer for strings going in, a cell for lengths coming out.
let scratchPointer = wasm._malloc(4096);
let scratchBytes = 4096;
const lengthCell = wasm._malloc(8);
const cStrings = new Map<string, number>();
/** Strings up to this length are copied in by a loop; longer ones by Buffer's native latin1 write. */
const SHORT_STRING_BYTES = 32;

/** A NUL-terminated copy of an ASCII name in WASM memory, made once and kept. */
function cString(text: string): number {
  let pointer = cStrings.get(text);
  if (pointer === undefined) {
    pointer = wasm.stringToNewUTF8(text) as number;
    cStrings.set(text, pointer);
  }
  return pointer;
}

// The WASM memory as a Buffer, for its native latin1 codec (several times faster than building
// strings from char codes). Growing WASM memory replaces its ArrayBuffer, so the view is re-taken then.
let heapViewOf: Uint8Array | undefined;
let heapView: Buffer = Buffer.alloc(0);
function heapBuffer(): Buffer {
  const heap: Uint8Array = wasm.HEAPU8;
  // Emscripten makes a new HEAPU8 when memory grows: comparing it is cheaper than reading `.buffer`.
  if (heap !== heapViewOf) {
    heapView = Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength);
    heapViewOf = heap;
  }
  return heapView;
}

// i64 arguments cross as BigInt; the small ones (table indexes, counters) are made once.
const smallIntegers = Array.from({ length: 1024 }, (_, i) => BigInt(i));
const int64 = (n: number): bigint => (n >= 0 && n < 1024 ? smallIntegers[n]! : BigInt(n));

function pushBinary(L: number, binary: string): void {
  const length = binary.length;
  if (length > scratchBytes) {
    wasm._free(scratchPointer);
    scratchBytes = Math.max(length, scratchBytes * 2);
    scratchPointer = wasm._malloc(scratchBytes);
    if (scratchPointer === 0) throw new Error("lua bridge: out of memory for a string");
  }
  if (length <= SHORT_STRING_BYTES) {
    const heap: Uint8Array = wasm.HEAPU8;
    for (let i = 0; i < length; i++) heap[scratchPointer + i] = binary.charCodeAt(i);
  } else heapBuffer().write(binary, scratchPointer, "latin1");
  wasm._lua_pushlstring(L, scratchPointer, length);
}

// Short strings read back recently, by their address in WASM memory. Lua interns short strings,
// so command names and KEYS come back at the same address call after call; a hit is checked
// byte by byte (the address may hold another string since), which is cheaper than decoding.
const RECENT_STRINGS = 256;
const RECENT_STRING_BYTES_MAX = 40;
const recentPointers = new Int32Array(RECENT_STRINGS);
const recentStrings: string[] = new Array<string>(RECENT_STRINGS).fill("");

/** The string at idx as a binary string (numbers are converted in place, as lua_tolstring does). */
function readBinary(L: number, idx: number): string {
  const pointer: number = wasm._lua_tolstring(L, idx, lengthCell);
  if (pointer === 0) return "";
  const length: number = wasm.HEAPU32[lengthCell >> 2];
  if (length > RECENT_STRING_BYTES_MAX) return latin1Slice(heapBuffer(), pointer, pointer + length);
  const slot = (pointer >>> 3) & (RECENT_STRINGS - 1);
  const heap: Uint8Array = wasm.HEAPU8;
  if (recentPointers[slot] === pointer) {
    const cached = recentStrings[slot]!;
    if (cached.length === length) {
      let i = 0;
      while (i < length && heap[pointer + i] === cached.charCodeAt(i)) i++;
      if (i === length) return cached;
    }
  }
  // Char codes 0..255 are exactly the bytes: a binary string (util/bytes.ts).
  const text = latin1Slice(heapBuffer(), pointer, pointer + length);
  recentPointers[slot] = pointer;
  recentStrings[slot] = text;
  return text;
}

const pop = (L: number, n: number) => wasm._lua_settop(L, -n - 1);
const typeAt = (L: number, idx: number): number => wasm._lua_type(L, idx);

function pushGlobalsTable(L: number): void {
  wasm._lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
}

/** Raises a Lua error with the value on top of the stack: never returns (longjmp through JS). */
function raise(L: number): number {
  wasm._lua_error(L);
  return 0;
}

/** Like luaL_error: the message prefixed with the calling script line ("user_script:3: "). */
function raiseWithPosition(L: number, message: string): number {
  wasm._luaL_where(L, 1);
  const where = readBinary(L, -1);
  pop(L, 1);
  return raiseMessage(L, where + message);
}

function raiseMessage(L: number, message: string): number {
  pushBinary(L, message);
  return raise(L);
}

/** Redis's error object: a table {err = "<CODE> message"}. */
function pushErrorTable(L: number, message: string): void {
  wasm._lua_createtable(L, 0, 1);
  pushBinary(L, message);
  wasm._lua_setfield(L, -2, cString("err"));
}

/**
 * Raises Redis's error object, as its redis.* functions raise a refusal (luaPushError then
 * luaError): pcall hands a script the object's "ERR <message>", an error handler the table.
 */
function raiseErrorTable(L: number, message: string): number {
  pushErrorTable(L, `ERR ${message}`);
  return raise(L);
}

/** A C function's result: Redis's error object. */
function returnErrorTable(L: number, message: string): number {
  wasm._lua_settop(L, 0);
  pushErrorTable(L, message);
  return 1;
}

// --- Replies into Lua (redis.call results), RESP2 rules of spec §8.3.

function pushReply(L: number, reply: Reply, depth = 0): void {
  if (typeof reply === "string") pushBinary(L, reply);
  // compat: Lua 5.1 holds every number as a double (an integer past 2^53 rounds, as Redis's
  // lua_pushnumber rounds it); lua51-code-patches.ts numeralsAsDoubles.
  else if (typeof reply === "number") wasm._lua_pushnumber(L, reply);
  else if (reply === null) wasm._lua_pushboolean(L, 0);
  else if (typeof reply === "bigint") wasm._lua_pushnumber(L, Number(BigInt.asIntN(64, reply)));
  else if (Array.isArray(reply)) {
    wasm._lua_checkstack(L, 4);
    wasm._lua_createtable(L, reply.length, 0);
    for (let i = 0; i < reply.length; i++) {
      pushReply(L, reply[i]!, depth + 1);
      wasm._lua_rawseti(L, -2, int64(i + 1));
    }
  } else if (reply instanceof StatusReply) {
    wasm._lua_createtable(L, 0, 1);
    pushBinary(L, reply.status);
    wasm._lua_setfield(L, -2, cString("ok"));
  } else pushErrorTable(L, reply.message);
}

// --- Lua values out (script results), Redis's luaReplyToRedisReply.

function readReply(L: number, idx: number, depth: number): Reply {
  if (depth >= NESTING_MAX) return new ErrorReply("ERR reached lua stack limit");
  switch (typeAt(L, idx)) {
    case T_STRING:
      return readBinary(L, idx);
    case T_BOOLEAN:
      return wasm._lua_toboolean(L, idx) ? 1 : null;
    case T_NUMBER:
      return luaNumberToInteger(wasm._lua_tonumberx(L, idx, 0));
    case T_TABLE:
      return readTableReply(L, idx, depth);
    default:
      return null;
  }
}

/** The raw field `name` of the table at `table` pushed (no metamethods, as Redis reads replies); its type. */
function rawField(L: number, table: number, name: string): number {
  wasm._lua_pushstring(L, cString(name));
  return wasm._lua_rawget(L, table);
}

/** Whether the value at index 1 has a metatable with a __metatable field; the stack as it was. */
function hasProtectedMetatable(L: number): boolean {
  if (wasm._lua_getmetatable(L, 1) === 0) return false;
  const protectedField = rawField(L, wasm._lua_gettop(L), "__metatable") !== T_NIL;
  pop(L, 2);
  return protectedField;
}

function readTableReply(L: number, idx: number, depth: number): Reply {
  const table = wasm._lua_absindex(L, idx);
  wasm._lua_checkstack(L, 4);
  if (rawField(L, table, "err") === T_STRING) {
    const message = readBinary(L, -1);
    pop(L, 1);
    return new ErrorReply(message);
  }
  pop(L, 1);
  if (rawField(L, table, "ok") === T_STRING) {
    const status = readBinary(L, -1);
    pop(L, 1);
    return new StatusReply(status);
  }
  pop(L, 1);
  const out: Reply[] = [];
  for (let i = 1; ; i++) {
    if (wasm._lua_rawgeti(L, table, int64(i)) === T_NIL) {
      pop(L, 1);
      break;
    }
    out.push(readReply(L, -1, depth + 1));
    pop(L, 1);
  }
  return out;
}

// --- cjson: Lua values to JSON text here; JSON text to values in cjson-decode.ts.

const cjsonNullPointer = wasm._malloc(1);

/** A decoded JSON value onto the stack: null as cjson.null, numbers as floats (Lua 5.1 has no others). */
function pushJson(L: number, value: JsonValue): void {
  wasm._lua_checkstack(L, 4);
  if (value === null) wasm._lua_pushlightuserdata(L, cjsonNullPointer);
  else if (typeof value === "string") pushBinary(L, value);
  else if (typeof value === "number") wasm._lua_pushnumber(L, value);
  else if (typeof value === "boolean") wasm._lua_pushboolean(L, value ? 1 : 0);
  else if (value === NEGATIVE_NAN) {
    // The NaN JS hands over has its sign bit clear; Lua's unary minus sets it.
    wasm._lua_pushnumber(L, NaN);
    wasm._lua_arith(L, LUA_OPUNM);
  } else if (Array.isArray(value)) {
    wasm._lua_createtable(L, value.length, 0);
    for (let i = 0; i < value.length; i++) {
      pushJson(L, value[i]!);
      wasm._lua_rawseti(L, -2, int64(i + 1));
    }
  } else {
    const { keys, values } = value;
    // Empty at first, as lua_cjson.c's lua_newtable: grown key by key, its keys take Redis's places (pairs order).
    wasm._lua_createtable(L, 0, 0);
    for (let i = 0; i < keys.length; i++) {
      pushBinary(L, keys[i]!);
      pushJson(L, values[i]!);
      wasm._lua_rawset(L, -3);
    }
  }
}

/** lua_cmsgpack's LUACMSGPACK_MAX_NESTING. */
const MSGPACK_NESTING_MAX = 16;

/**
 * A Lua value as plain data, for cjson.encode (with its settings) and cmsgpack.pack (without);
 * which tables are arrays differs.
 */
function readPlain(L: number, idx: number, depth: number, json: JsonConfig | undefined): PlainValue {
  switch (typeAt(L, idx)) {
    case T_STRING:
      return readBinary(L, idx);
    case T_NUMBER:
      return wasm._lua_tonumberx(L, idx, 0) as number;
    case T_BOOLEAN:
      return wasm._lua_toboolean(L, idx) !== 0;
    case T_NIL:
      return null;
    case T_LIGHTUSERDATA:
      if (wasm._lua_touserdata(L, idx) === cjsonNullPointer) return null;
      break;
    case T_TABLE: {
      // Each stops a table nested in itself: cjson with an error past its encode_max_depth-th
      // table (1,000), cmsgpack by packing the 17th as nil.
      if (json !== undefined && depth >= json.encodeMaxDepth) throw new SerialiseError(`Cannot serialise, excessive nesting (${depth + 1})`);
      if (json === undefined && depth >= MSGPACK_NESTING_MAX) return null;
      const table = wasm._lua_absindex(L, idx);
      wasm._lua_checkstack(L, 6);
      const entries: [PlainValue, PlainValue][] = [];
      let isArray = true;
      let largestKey = 0;
      wasm._lua_pushnil(L);
      while (wasm._lua_next(L, table) !== 0) {
        // Copy the key before reading it: lua_tolstring on a number key would confuse lua_next.
        wasm._lua_pushvalue(L, -2);
        const key = readPlain(L, -1, depth + 1, json);
        pop(L, 1);
        const value = readPlain(L, -1, depth + 1, json);
        pop(L, 1);
        if (typeof key !== "number" || !Number.isInteger(key) || key < 1) isArray = false;
        else if (key > largestKey) largestKey = key;
        entries.push([key, value]);
      }
      // cmsgpack: an array when the keys are exactly 1..n (an empty table too). cjson: up to the
      // largest key, holes as null, unless that is over encode_sparse_array's safe index (10)
      // and over its ratio (2) times the keys: an error, or an object if it says convert; an
      // empty table is an object.
      if (isArray && (json !== undefined ? entries.length > 0 : largestKey === entries.length)) {
        if (json !== undefined && json.encodeSparseRatio > 0 && largestKey > entries.length * json.encodeSparseRatio && largestKey > json.encodeSparseSafe) {
          if (!json.encodeSparseConvert) throw new SerialiseError("Cannot serialise table: excessively sparse array");
          return new Map(entries);
        }
        const array: PlainValue[] = new Array(largestKey).fill(null);
        for (const [key, value] of entries) array[(key as number) - 1] = value;
        return array;
      }
      return new Map(entries);
    }
  }
  if (json !== undefined) throw new SerialiseError(`Cannot serialise ${LUA_TYPE_NAMES[typeAt(L, idx)] ?? "userdata"}: type not supported`);
  return null;
}

/**
 * Why a value cannot be encoded, thrown out of readPlain to the library function that raises it
 * in Lua: raising inside would unwind through the caller's catch.
 */
class SerialiseError extends Error {}

const jsonEscapes: Record<string, string> = { '"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** cjson's string escaping, on bytes: bytes from 0x80 pass through unchanged, '/' is escaped. */
function jsonString(binary: string): string {
  return `"${binary.replace(/["\\/\x00-\x1f\x7f]/g, (ch) => jsonEscapes[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

function jsonText(value: PlainValue, config: JsonConfig): string {
  if (value === null) return "null";
  if (typeof value === "string") return jsonString(value);
  if (typeof value === "number") return jsonNumber(value, config);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map((item) => jsonText(item, config)).join(",")}]`;
  if (value instanceof Map) {
    // compat: cjson encodes an empty table as an object.
    const parts: string[] = [];
    for (const [key, item] of value) {
      if (typeof key !== "string" && typeof key !== "number") throw new Error("Cannot serialise table: table key must be a number or string");
      parts.push(`${jsonString(typeof key === "number" ? jsonNumber(key, config) : key)}:${jsonText(item, config)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return "null";
}

/** json_append_number: "%.<encode_number_precision>g"; NaN and infinities as encode_invalid_numbers says. */
function jsonNumber(value: number, config: JsonConfig): string {
  if (!Number.isFinite(value)) {
    if (config.encodeInvalidNumbers === 0) throw new Error("Cannot serialise number: must not be NaN or Inf");
    if (config.encodeInvalidNumbers === 2) return "null";
    if (Number.isNaN(value)) return "nan";
  }
  return config.encodeNumberPrecision === 14 ? formatLuaNumber(value) : formatGeneral(value, config.encodeNumberPrecision);
}

// --- The C functions scripts call. They reach the running script through `current`.

/** What a running script may ask of the engine (runner.ts implements it). */
export interface ScriptHost {
  /** One command through the dispatcher: its reply, errors as ErrorReply (never thrown). */
  command(argv: string[]): Reply;
  /** Whether argv names a command (or a subcommand) Redis has: redis.acl_check_cmd. */
  knowsCommand(argv: string[]): boolean;
  /** redis.register_function during FUNCTION LOAD; returns an error text or undefined. */
  registerFunction?(name: string, functionRef: number, flags: string[], description: string | null): string | undefined;
  log(level: number, message: string): void;
  /**
   * Asked every few thousand instructions: go on, give the event loop a turn (only when the
   * script runs as a resumable coroutine), or stop the script with the given error text.
   */
  checkpoint(): "continue" | "yield" | { kill: string };
}

interface Execution {
  vm: LuaVm;
  host: ScriptHost;
  thread: number;
  /** Set once the host said kill: the hook raises it again until the script ends. */
  killMessage: string | undefined;
  /** True while redis.call runs a command: a nested script call must not yield or re-enter. */
  inCommand: boolean;
  /** The VM's heap may grow to this while the script runs: the least it held since the start, plus the limit. */
  memoryLimitBytes: number;
  /** The settings of this kind of code's Lua state (LuaVm.stateSettings). */
  settings: LuaStateSettings;
  /** What runs: an EVAL script, a function (FCALL) or a library's body (FUNCTION LOAD). */
  kind: "script" | "function" | "library";
}

/**
 * What Redis keeps in each of its two Lua states, the scripts' and the functions', from one run to
 * the next; SCRIPT FLUSH makes the scripts' state anew. Here both kinds of code share one VM.
 */
export interface LuaStateSettings {
  /** cjson's settings. */
  json: JsonConfig;
  /**
   * collectgarbage's setpause and setstepmul, which answer the value they replace. They are kept,
   * not passed on: 5.4 reads them in other units, and one script must not slow the collector of
   * the VM the database's later scripts share.
   */
  collector: { setpause: number; setstepmul: number };
}

/** A new state's settings: cjson's defaults, and 5.1's collector defaults. */
export function defaultStateSettings(): LuaStateSettings {
  return { json: defaultJsonConfig(), collector: { setpause: 200, setstepmul: 200 } };
}

let current: Execution | undefined;

function activeExecution(L: number): Execution {
  if (current === undefined) {
    raiseMessage(L, "ERR this function can only be called from a running script");
    throw new Error("unreachable");
  }
  return current;
}

/** Reads redis.call's arguments: strings and numbers only, numbers formatted as Redis does. */
function commandArguments(L: number): string[] | undefined {
  const count: number = wasm._lua_gettop(L);
  const argv = new Array<string>(count);
  for (let i = 1; i <= count; i++) {
    const type = typeAt(L, i);
    if (type === T_STRING) argv[i - 1] = readBinary(L, i);
    else if (type === T_NUMBER) argv[i - 1] = formatNumberArgument(wasm._lua_tonumberx(L, i, 0));
    else return undefined;
  }
  return argv;
}

/** Why a redis lib call's arguments make no command, or undefined when they make one. */
function argumentsProblem(argv: string[] | undefined): string | undefined {
  if (argv === undefined) return "ERR Lua redis lib command arguments must be strings or integers";
  if (argv.length === 0) return "ERR Please specify at least one argument for this redis lib call";
  return undefined;
}

function redisCommand(L: number, raiseErrors: boolean): number {
  const execution = activeExecution(L);
  const argv = commandArguments(L);
  const problem = argumentsProblem(argv);
  if (problem !== undefined) {
    pushErrorTable(L, problem);
    return raiseErrors ? raise(L) : 1;
  }
  execution.inCommand = true;
  let reply: Reply;
  try {
    reply = execution.host.command(argv!);
  } finally {
    execution.inCommand = false;
  }
  wasm._lua_settop(L, 0);
  if (reply instanceof ErrorReply && raiseErrors) {
    pushErrorTable(L, reply.message);
    return raise(L);
  }
  pushReply(L, reply);
  return 1;
}

const cFunctions: Record<string, (L: number) => number> = {
  call: (L) => redisCommand(L, true),
  pcall: (L) => redisCommand(L, false),
  sha1hex: (L) => {
    if (wasm._lua_gettop(L) !== 1) return raiseErrorTable(L, "wrong number of arguments");
    pushBinary(L, new Bun.CryptoHasher("sha1").update(Buffer.from(readBinary(L, 1), "latin1")).digest("hex"));
    return 1;
  },
  // compat: with a wrong argument these two return an error table instead of raising (Redis 7.0 does).
  error_reply: (L) => {
    if (wasm._lua_gettop(L) !== 1 || typeAt(L, 1) !== T_STRING) return returnErrorTable(L, "ERR wrong number or type of arguments");
    pushErrorTable(L, errorReplyText(readBinary(L, 1)));
    return 1;
  },
  status_reply: (L) => {
    if (wasm._lua_gettop(L) !== 1 || typeAt(L, 1) !== T_STRING) return returnErrorTable(L, "ERR wrong number or type of arguments");
    wasm._lua_createtable(L, 0, 1);
    pushBinary(L, readBinary(L, 1));
    wasm._lua_setfield(L, -2, cString("ok"));
    return 1;
  },
  log: (L) => {
    const count: number = wasm._lua_gettop(L);
    if (count < 2) return raiseErrorTable(L, "redis.log() requires two arguments or more.");
    if (wasm._lua_isnumber(L, 1) === 0) return raiseErrorTable(L, "First argument must be a number (log level).");
    const level = Math.trunc(Number(wasm._lua_tonumberx(L, 1, 0)));
    if (!(level >= 0 && level <= 3)) return raiseErrorTable(L, "Invalid debug level.");
    const parts: string[] = [];
    for (let i = 2; i <= count; i++) if (typeAt(L, i) === T_STRING || typeAt(L, i) === T_NUMBER) parts.push(readBinary(L, i));
    activeExecution(L).host.log(level, parts.join(" "));
    return 0;
  },
  setresp: (L) => {
    if (wasm._lua_gettop(L) !== 1) return raiseErrorTable(L, "redis.setresp() requires one argument.");
    const version = Number(wasm._lua_tonumberx(L, 1, 0));
    if (version !== 2 && version !== 3) return raiseErrorTable(L, "RESP version must be 2 or 3.");
    // compat: replies are always converted with RESP2 rules (spec §8.3 allows RESP2 only).
    return 0;
  },
  /**
   * redis_math_random: a draw from the VM's lrand48 (rand48.ts), then the arguments read as 5.1's
   * luaL_checkint reads them (`| 0` is its cast to a C int).
   */
  random: (L) => {
    const r = activeExecution(L).vm.random.fraction();
    if (wasm._lua_gettop(L) === 0) {
      wasm._lua_pushnumber(L, r);
      return 1;
    }
    const args = readArguments(L);
    if (args.length > 2) return raiseWithPosition(L, "wrong number of arguments");
    let low: number;
    let high: number;
    try {
      low = args.length === 2 ? checkInteger(args, 1) | 0 : 1;
      high = checkInteger(args, args.length) | 0;
    } catch (error) {
      return raiseLibraryError(L, error);
    }
    if (!(low <= high)) return raiseLibraryError(L, new ArgumentError(args.length, "interval is empty"));
    wasm._lua_pushnumber(L, Math.floor(r * (high - low + 1)) + low);
    return 1;
  },
  /**
   * Lua 5.1's math.min and math.max: every argument a number or a numeric string (luaL_checknumber,
   * first to last), the result a double. 5.4's compare the values as they are, so a string ARGV
   * compared with a number was an error, and two strings compared as text.
   */
  min: (L) => pushExtremum(L, -1),
  max: (L) => pushExtremum(L, 1),
  randomseed: (L) => {
    try {
      activeExecution(L).vm.random.seed(checkInteger(readArguments(L), 1) | 0);
    } catch (error) {
      return raiseLibraryError(L, error);
    }
    return 0;
  },
  /**
   * Lua 5.1's error: a position for numbers too (which makes them strings), counted as the
   * sandbox's Lua functions were C functions in 5.1, so they add none.
   */
  error: (L) => {
    let level = 1;
    if (wasm._lua_gettop(L) >= 2 && typeAt(L, 2) !== T_NIL) {
      if (wasm._lua_isnumber(L, 2) === 0) return raiseWithPosition(L, `bad argument #2 to 'error' (number expected, got ${LUA_TYPE_NAMES[typeAt(L, 2)]})`);
      level = Math.trunc(Number(wasm._lua_tonumberx(L, 2, 0)));
    }
    wasm._lua_settop(L, 1);
    const type = typeAt(L, 1);
    if (level > 0 && (type === T_STRING || type === T_NUMBER)) {
      const where = lua51Where(L, level);
      const text = type === T_NUMBER ? formatLuaNumber(Number(wasm._lua_tonumberx(L, 1, 0))) : readBinary(L, 1);
      wasm._lua_settop(L, 0);
      pushBinary(L, where + text);
    }
    return raise(L);
  },
  /**
   * Lua 5.1's tostring (luaB_tostring), a C function as 5.1's was: a script's `return tostring()`
   * keeps the script's frame, so its argument error names the script's line. A __tostring
   * metamethod's first result is returned whatever it is, and a table's __name means nothing (5.4
   * insists on a string and names the table by it); a number is written as `..` writes it ("%.14g").
   */
  tostring: (L) => {
    const type = typeAt(L, 1);
    wasm._luaL_checkany(L, 1);
    wasm._lua_settop(L, 1);
    if (type === T_STRING) return 1;
    if (type === T_NUMBER) {
      // As `..` writes it (lua51-code-patches.ts numbersAsDoubles).
      wasm._lua_pushstring(L, cString(""));
      wasm._lua_concat(L, 2);
      return 1;
    }
    if ((type === T_TABLE || type === T_USERDATA) && wasm._lua_getmetatable(L, 1) !== 0) {
      if (rawField(L, 2, "__tostring") !== T_NIL) {
        wasm._lua_pushvalue(L, 1);
        wasm._lua_callk(L, 1, 1, 0, 0);
        return 1;
      }
      if (rawField(L, 2, "__name") !== T_NIL) {
        pushBinary(L, `${LUA_TYPE_NAMES[type]}: 0x${(wasm._lua_topointer(L, 1) >>> 0).toString(16)}`);
        return 1;
      }
      wasm._lua_settop(L, 1);
    }
    wasm._luaL_tolstring(L, 1, 0);
    return 1;
  },
  /**
   * tonumber without a base (or a nil one): a number as it is, a string as 5.4's tonumber reads
   * it (the numerals patched as 5.1's, lua51-code-patches.ts), anything else nil. A base goes to
   * the Lua function in upvalue 1 (lua51.ts tonumber51).
   */
  tonumber: (L) => {
    if (typeAt(L, 2) > T_NIL) return callFallback(L);
    const type = typeAt(L, 1);
    wasm._luaL_checkany(L, 1);
    if (type === T_NUMBER) {
      wasm._lua_settop(L, 1);
      return 1;
    }
    if (type === T_STRING) {
      // lengthCell as lua_tonumberx's isnum.
      const value: number = wasm._lua_tonumberx(L, 1, lengthCell);
      if (wasm.HEAP32[lengthCell >> 2] !== 0) {
        // JS has one NaN: a NaN read again in the VM keeps the sign the text gave it ("-nan").
        if (value !== value) wasm._lua_stringtonumber(L, wasm._lua_tolstring(L, 1, 0));
        else wasm._lua_pushnumber(L, value);
        return 1;
      }
    }
    wasm._lua_pushnil(L);
    return 1;
  },
  /**
   * table.getn: a table's length as `#` gives it (lua_len, which ignores __len as 5.1's luaL_getn
   * did: lua51-code-patches.ts lengthWithoutMetamethod). Anything but a table goes to the Lua
   * function in upvalue 1 (lua51.ts getn51), which refuses it in 5.1's words.
   */
  getn: (L) => {
    if (typeAt(L, 1) !== T_TABLE) return callFallback(L);
    wasm._lua_len(L, 1);
    return 1;
  },
  /**
   * rawget, rawset, next, getmetatable and setmetatable as 5.1's, seeing through the sandbox's read-only
   * proxies to the tables they guard (sandbox.ts, sealing), as Redis's read-only tables are the
   * tables themselves. Calls on a table without a protected metatable are done here; one with a
   * __metatable field (every proxy's metatable has one), and every call 5.1 would refuse, go to the
   * Lua function in upvalue 1, which knows the proxies and words the refusals.
   */
  rawget: (L) => {
    if (typeAt(L, 1) !== T_TABLE || wasm._lua_gettop(L) < 2 || hasProtectedMetatable(L)) return callFallback(L);
    wasm._lua_settop(L, 2);
    wasm._lua_rawget(L, 1);
    return 1;
  },
  rawset: (L) => {
    if (typeAt(L, 1) !== T_TABLE || wasm._lua_gettop(L) < 3 || hasProtectedMetatable(L)) return callFallback(L);
    wasm._lua_settop(L, 3);
    wasm._lua_rawset(L, 1);
    return 1;
  },
  next: (L) => {
    if (typeAt(L, 1) !== T_TABLE || hasProtectedMetatable(L)) return callFallback(L);
    wasm._lua_settop(L, 2);
    if (wasm._lua_next(L, 1) !== 0) return 2;
    wasm._lua_pushnil(L);
    return 1;
  },
  getmetatable: (L) => {
    wasm._luaL_checkany(L, 1);
    wasm._lua_settop(L, 1);
    if (hasProtectedMetatable(L)) return callFallback(L);
    if (wasm._lua_getmetatable(L, 1) === 0) wasm._lua_pushnil(L);
    return 1;
  },
  setmetatable: (L) => {
    const metatableType = typeAt(L, 2);
    if (typeAt(L, 1) !== T_TABLE || (metatableType !== T_NIL && metatableType !== T_TABLE) || hasProtectedMetatable(L)) return callFallback(L);
    wasm._lua_settop(L, 2);
    wasm._lua_setmetatable(L, 1);
    return 1;
  },
  /**
   * string.format as 5.1's, a C function as 5.1's was (a script's `return string.format(...)`
   * keeps its frame for error positions). Formats of plain %s and %d over strings and numbers,
   * which most are, are written here; any other call goes to the Lua function in upvalue 1
   * (lua51.ts format51), which knows every option and error.
   */
  format: (L) => {
    const count: number = wasm._lua_gettop(L);
    const plan = typeAt(L, 1) === T_STRING ? plainFormatOf(readBinary(L, 1)) : undefined;
    if (plan === undefined || plan.conversions.length >= count) return callFallback(L);
    const conversions = plan.conversions;
    // Every argument checked before any is read: reading a number as a string converts it in place.
    for (let k = 0; k < conversions.length; k++) if (!writesPlainly(L, k + 2, conversions[k]!)) return callFallback(L);
    let text = plan.literals[0]!;
    for (let k = 0; k < conversions.length; k++) {
      // %d: C's cast of the double, toward zero; %s: a number as 5.1 writes it, a string of under
      // 100 bytes up to a zero byte (sprintf's %s), a longer one whole.
      if (conversions[k] === "d") text += String(Math.trunc(wasm._lua_tonumberx(L, k + 2, 0)));
      else {
        const value = readBinary(L, k + 2);
        const zero = value.length < 100 ? value.indexOf("\0") : -1;
        text += zero === -1 ? value : value.slice(0, zero);
      }
      text += plan.literals[k + 1]!;
    }
    pushBinary(L, text);
    return 1;
  },
  /**
   * table.concat as 5.1's (tconcat), a C function as 5.1's was (a script's `return
   * table.concat(...)` keeps its frame for error positions): 5.4's concat (upvalue 2), which
   * words its refusals of elements as Redis's 5.1 does, joins a table without a metatable (5.1
   * reads it raw, 5.4 would call __index), with i and j cut to C ints as 5.1 cut them; anything
   * else, and any refusal, goes to the Lua function in upvalue 1 (lua51.ts concat51).
   */
  concat: (L) => {
    const separatorType = typeAt(L, 2);
    const firstType = typeAt(L, 3);
    const lastType = typeAt(L, 4);
    if (
      typeAt(L, 1) !== T_TABLE ||
      !(separatorType <= T_NIL || separatorType === T_STRING || separatorType === T_NUMBER) ||
      !(firstType <= T_NIL || firstType === T_NUMBER) ||
      !(lastType <= T_NIL || lastType === T_NUMBER)
    ) {
      return callFallback(L);
    }
    if (wasm._lua_getmetatable(L, 1) !== 0) {
      pop(L, 1);
      return callFallback(L);
    }
    const count: number = wasm._lua_gettop(L);
    wasm._lua_pushvalue(L, LUA_REGISTRYINDEX - 2);
    wasm._lua_pushvalue(L, 1);
    if (separatorType <= T_NIL) wasm._lua_pushstring(L, cString(""));
    else wasm._lua_pushvalue(L, 2);
    wasm._lua_pushnumber(L, firstType === T_NUMBER ? cInt(wasm._lua_tonumberx(L, 3, 0)) : 1);
    wasm._lua_pushnumber(L, lastType === T_NUMBER ? cInt(wasm._lua_tonumberx(L, 4, 0)) : cInt(Number(wasm._lua_rawlen(L, 1))));
    if (wasm._lua_pcallk(L, 4, 1, 0, 0, 0) === LUA_OK) return 1;
    wasm._lua_settop(L, count);
    return callFallback(L);
  },
  /**
   * `name`'s C function as a closure over the values given after the name: the first is the Lua
   * function it hands the cases it leaves (callFallback).
   */
  with_fallback: (L) => {
    const pointer = cFunctionPointers.get(readBinary(L, 1));
    if (pointer === undefined) return raiseMessage(L, "with_fallback: no such C function");
    wasm._lua_rotate(L, 1, -1);
    pop(L, 1);
    wasm._lua_pushcclosure(L, pointer, wasm._lua_gettop(L));
    return 1;
  },
  /**
   * Lua 5.1's assert: a failure is an error with the caller's position whose message is the
   * second argument read as luaL_optstring reads it (a number becomes its text, anything but a
   * string refused, C's %s ending it at a zero byte). 5.4's raises the message as it is.
   */
  assert: (L) => {
    if (wasm._lua_toboolean(L, 1)) return wasm._lua_gettop(L);
    wasm._luaL_checkany(L, 1);
    wasm._luaL_optlstring(L, 2, cString(ASSERTION_FAILED), 0);
    const message = typeAt(L, 2) === T_STRING ? readBinary(L, 2) : ASSERTION_FAILED;
    const zero = message.indexOf("\0");
    return raiseWithPosition(L, zero === -1 ? message : message.slice(0, zero));
  },
  /** strtoul(text, base) for 5.1's tonumber with a base (lua51.ts checks both arguments first). */
  strtoul: (L) => {
    const value = cStringToUnsigned(readBinary(L, 1), Number(wasm._lua_tonumberx(L, 2, 0)));
    if (value === undefined) wasm._lua_pushnil(L);
    else wasm._lua_pushnumber(L, value);
    return 1;
  },
  /**
   * A C function for a Lua function of the sandbox that calls the script's functions back (xpcall,
   * table.foreach): a script's tail call to it keeps the script's frame for error positions, as
   * the wasm-level hop does (callUpvaluePointer), and what runs under it can still yield.
   */
  call_upvalue: (L) => callFallback(L),
  /** A new table sized for `records` fields, as lua_createtable(L, 0, records) sizes it. */
  sized_table: (L) => {
    wasm._lua_createtable(L, 0, Number(wasm._lua_tonumberx(L, 1, 0)));
    return 1;
  },
  /**
   * coroutine.yield: a coroutine the script made yields, unless it would yield across what 5.1
   * could not: a C function that calls back (pcall, xpcall, table.foreach, string.gsub's
   * replacement function, table.sort's comparison) or a metamethod; 5.4 yields across most of
   * them. The script's own coroutine, which only the runner yields (time slices), refuses as
   * 5.1's main thread refused. Refusals are in 5.1's words.
   */
  yield: (L) => {
    if ((current !== undefined && L === current.thread) || wasm._lua_isyieldable(L) === 0 || underYieldBarrier(L)) {
      return raiseMessage(L, "attempt to yield across metamethod/C-call boundary");
    }
    return wasm._lua_yieldk(L, wasm._lua_gettop(L), 0, 0);
  },
  /** Keeps the table given (its keys: the sandbox's functions that stand for 5.1's C functions that call back) for yield. */
  yield_barriers: (L) => {
    wasm._lua_settop(L, 1);
    wasm._lua_setfield(L, LUA_REGISTRYINDEX, cString(YIELD_BARRIERS));
    return 0;
  },
  /** collectgarbage(option, value) for setpause and setstepmul, the value checked (lua51.ts): the value it replaces. */
  collector_setting: (L) => {
    const settings = activeExecution(L).settings.collector;
    const option = readBinary(L, 1) === "setpause" ? "setpause" : "setstepmul";
    wasm._lua_pushnumber(L, settings[option]);
    settings[option] = Number(wasm._lua_tonumberx(L, 2, 0));
    return 1;
  },
  /** Whether function code runs (FCALL, FUNCTION LOAD), whose globals are not a script's. */
  in_function: (L) => {
    wasm._lua_pushboolean(L, current !== undefined && current.kind !== "script" ? 1 : 0);
    return 1;
  },
  /** Whether the caller runs in the script's own coroutine, not one the script made. */
  script_thread: (L) => {
    wasm._lua_pushboolean(L, current !== undefined && L === current.thread ? 1 : 0);
    return 1;
  },
  /** The message handler of the sandbox's pcall: a run-time error's text as Lua 5.1 words it. */
  lua51_error: (L) => {
    if (typeAt(L, 1) !== T_STRING) return 1;
    const message = asLua51RuntimeError(readBinary(L, 1), errorPosition(L));
    wasm._lua_settop(L, 0);
    pushBinary(L, message);
    return 1;
  },
  /** A C function that calls the Lua function given: see callUpvaluePointer. */
  cfunction: (L) => {
    wasm._lua_settop(L, 1);
    wasm._lua_pushcclosure(L, callUpvaluePointer, 1);
    return 1;
  },
  acl_check_cmd: (L) => {
    const argv = commandArguments(L);
    const problem = argumentsProblem(argv);
    if (problem !== undefined) {
      pushErrorTable(L, problem);
      return raise(L);
    }
    if (!activeExecution(L).host.knowsCommand(argv!)) return raiseErrorTable(L, "Invalid command passed to redis.acl_check_cmd()");
    // A token reaches every command or none (no ACL users), so a known command is allowed.
    wasm._lua_pushboolean(L, 1);
    return 1;
  },
  register_function: (L) => registerFunction(L),
  json_encode: (L) => {
    if (wasm._lua_gettop(L) !== 1) return raiseLibraryError(L, new ArgumentError(1, "expected 1 argument"));
    const config = jsonConfigOf(L);
    let text: string;
    try {
      text = jsonText(readPlain(L, 1, 0, config), config);
    } catch (error) {
      return raiseWithPosition(L, (error as Error).message);
    }
    pushBinary(L, text);
    return 1;
  },
  /**
   * cjson.new(): a module table of its own, whose functions share settings of their own (the
   * defaults), as lua_cjson.c's lua_cjson_new makes one. Its functions are the same C functions
   * with a userdata as their upvalue, holding the settings' id (jsonConfigOf); its __gc drops them.
   */
  json_new: (L) => {
    const id = nextJsonInstanceId++;
    jsonInstanceConfigs.set(id, defaultJsonConfig());
    wasm._lua_settop(L, 0);
    wasm._lua_createtable(L, 0, 13);
    const handle: number = wasm._lua_newuserdatauv(L, 4, 0);
    wasm.HEAP32[handle >> 2] = id;
    wasm._lua_createtable(L, 0, 1);
    wasm._lua_pushcclosure(L, cFunctionPointers.get("json_free"), 0);
    wasm._lua_setfield(L, -2, cString("__gc"));
    wasm._lua_setmetatable(L, 2);
    for (const name of ["encode", "decode", ...jsonSettingNames]) {
      wasm._lua_pushvalue(L, 2);
      wasm._lua_pushcclosure(L, cFunctionPointers.get(`json_${name}`), 1);
      wasm._lua_setfield(L, 1, cString(name));
    }
    wasm._lua_pushcclosure(L, cFunctionPointers.get("json_new"), 0);
    wasm._lua_setfield(L, 1, cString("new"));
    wasm._lua_pushlightuserdata(L, cjsonNullPointer);
    wasm._lua_setfield(L, 1, cString("null"));
    pushBinary(L, "cjson");
    wasm._lua_setfield(L, 1, cString("_NAME"));
    pushBinary(L, "2.1.0");
    wasm._lua_setfield(L, 1, cString("_VERSION"));
    wasm._lua_settop(L, 1);
    return 1;
  },
  json_free: (L) => {
    jsonInstanceConfigs.delete(wasm.HEAP32[wasm._lua_touserdata(L, 1) >> 2]);
    return 0;
  },
  json_decode: (L) => {
    const { decodeMaxDepth, decodeInvalidNumbers } = jsonConfigOf(L);
    let value: JsonValue;
    try {
      // lua_cjson.c checks the count before the type. A number reads as Lua 5.1 writes it
      // ("%.14g"); for a NaN that is Lua 5.4's text too, the only one that keeps its sign.
      if (wasm._lua_gettop(L) !== 1) throw new ArgumentError(1, "expected 1 argument");
      const isText = typeAt(L, 1) === T_STRING || (typeAt(L, 1) === T_NUMBER && Number.isNaN(wasm._lua_tonumberx(L, 1, 0)));
      value = decodeJson(isText ? readBinary(L, 1) : checkString(readArguments(L), 1), decodeMaxDepth, decodeInvalidNumbers);
    } catch (error) {
      return raiseLibraryError(L, error);
    }
    pushJson(L, value);
    return 1;
  },
  msgpack_pack: (L) => {
    const count: number = wasm._lua_gettop(L);
    if (count === 0) return raiseLibraryError(L, new ArgumentError(0, "MessagePack pack needs input."));
    // compat: Lua 5.1's C stack limit: the arguments and one packed copy of each must fit.
    if (count * 2 > C_STACK_SLOTS_MAX) return raiseLibraryError(L, new ArgumentError(0, "Too many arguments for MessagePack pack."));
    let out = "";
    for (let i = 1; i <= count; i++) out += encodeMsgpack(readPlain(L, i, 0, undefined));
    pushBinary(L, out);
    return 1;
  },
  msgpack_unpack: (L) => msgpackUnpack(L, "all"),
  msgpack_unpack_one: (L) => msgpackUnpack(L, "one"),
  msgpack_unpack_limit: (L) => msgpackUnpack(L, "limit"),
  struct_pack: (L) => {
    let out: string;
    try {
      out = structPack(readArguments(L));
    } catch (error) {
      return raiseLibraryError(L, error);
    }
    pushBinary(L, out);
    return 1;
  },
  struct_unpack: (L) => {
    let result: { values: (string | number)[]; next: number };
    try {
      result = structUnpack(readArguments(L));
    } catch (error) {
      return raiseLibraryError(L, error);
    }
    wasm._lua_settop(L, 0);
    wasm._lua_checkstack(L, result.values.length + 4);
    for (const value of result.values) {
      if (typeof value === "number") wasm._lua_pushnumber(L, value);
      else pushBinary(L, value);
    }
    wasm._lua_pushnumber(L, result.next);
    return result.values.length + 1;
  },
  struct_size: (L) => {
    let size: number;
    try {
      size = structSize(readArguments(L));
    } catch (error) {
      return raiseLibraryError(L, error);
    }
    wasm._lua_pushnumber(L, size);
    return 1;
  },
  /** Used by the sandbox's pcall wrapper: true once the running script is being killed. */
  killed: (L) => {
    wasm._lua_pushboolean(L, current?.killMessage !== undefined ? 1 : 0);
    return 1;
  },
};

function pushMsgpackValue(L: number, value: PlainValue): void {
  wasm._lua_checkstack(L, 4);
  if (value === null) wasm._lua_pushnil(L);
  else if (typeof value === "string") pushBinary(L, value);
  else if (typeof value === "number") wasm._lua_pushnumber(L, value);
  else if (typeof value === "boolean") wasm._lua_pushboolean(L, value ? 1 : 0);
  else if (Array.isArray(value)) {
    wasm._lua_createtable(L, value.length, 0);
    for (let i = 0; i < value.length; i++) {
      pushMsgpackValue(L, value[i]!);
      wasm._lua_rawseti(L, -2, int64(i + 1));
    }
  } else {
    // Keys are never nil or NaN here: the decoder refuses them as Lua 5.1's settable does. Empty at
    // first, as lua_cmsgpack.c's lua_newtable: grown key by key, its keys take Redis's places.
    wasm._lua_createtable(L, 0, 0);
    for (const [key, item] of value) {
      pushMsgpackValue(L, key);
      pushMsgpackValue(L, item);
      wasm._lua_rawset(L, -3);
    }
  }
}

/** The least (direction -1) or greatest (1) of the arguments as numbers, pushed: math.min and math.max. */
function pushExtremum(L: number, direction: -1 | 1): number {
  const count: number = wasm._lua_gettop(L);
  let extremum: number = wasm._luaL_checknumber(L, 1);
  for (let i = 2; i <= count; i++) {
    const value: number = wasm._luaL_checknumber(L, i);
    if (direction < 0 ? value < extremum : value > extremum) extremum = value;
  }
  // Only a NaN first stays the extremum (it compares false); pushed from the stack, it keeps its
  // sign, which JavaScript's NaN does not (0/0 is -nan on x86).
  if (extremum !== extremum && typeAt(L, 1) === T_NUMBER) wasm._lua_pushvalue(L, 1);
  else wasm._lua_pushnumber(L, extremum);
  return 1;
}

/** C's (int) of a lua_Integer made from a double (5.1's luaL_checkint): toward zero, then its low 32 bits; 0 from out of range. */
function cInt(value: number): number {
  const integer = Math.trunc(value);
  return Math.abs(integer) < 2 ** 63 ? integer | 0 : 0;
}

/**
 * Hands a call, all its arguments, to the Lua function in upvalue 1 (with_fallback); returns its
 * results. With a continuation, so the Lua function (or a callback of the script's it calls) may
 * yield, for the runner's time slices: the continuation returns the results in its place.
 */
function callFallback(L: number): number {
  wasm._lua_pushvalue(L, LUA_REGISTRYINDEX - 1);
  wasm._lua_rotate(L, 1, 1);
  wasm._lua_callk(L, wasm._lua_gettop(L) - 1, LUA_MULTRET, 0, resultsContinuation);
  return wasm._lua_gettop(L);
}

/** A lua_KFunction returning every value on the stack, which are the results of the call that yielded. */
const resultsContinuation: number = wasm.addFunction((L: number) => wasm._lua_gettop(L), "iiii");

/** A format of literal text, %% and plain %s and %d conversions: the texts around its conversions. */
interface PlainFormat {
  literals: string[];
  conversions: string;
}
const plainFormats = new Map<string, PlainFormat | undefined>();
const PLAIN_FORMATS_MAX = 256;

/**
 * Whether string.format's JS path writes the argument at `index` for a plain conversion: %d a
 * number whose truncation is a safe integer, %s a string or a number (numeric strings for %d,
 * and the refusals, are the Lua path's).
 */
function writesPlainly(L: number, index: number, conversion: string): boolean {
  const type = typeAt(L, index);
  if (conversion === "s") return type === T_STRING || type === T_NUMBER;
  return type === T_NUMBER && Number.isSafeInteger(Math.trunc(wasm._lua_tonumberx(L, index, 0)));
}

/** The plan of a plain format (most are literals, so they are kept), undefined for any other. */
function plainFormatOf(format: string): PlainFormat | undefined {
  let plan = plainFormats.get(format);
  if (plan !== undefined || plainFormats.has(format)) return plan;
  plan = { literals: [], conversions: "" };
  let literal = "";
  for (let i = 0; i < format.length; i++) {
    const char = format[i]!;
    if (char !== "%") {
      literal += char;
      continue;
    }
    const conversion = format[++i];
    if (conversion === "%") literal += "%";
    else if (conversion === "s" || conversion === "d") {
      plan.literals.push(literal);
      plan.conversions += conversion;
      literal = "";
    } else {
      plan = undefined;
      break;
    }
  }
  plan?.literals.push(literal);
  if (plainFormats.size >= PLAIN_FORMATS_MAX) plainFormats.clear();
  plainFormats.set(format, plan);
  return plan;
}

/**
 * The arguments of a struct or cmsgpack call as lua-arguments.ts reads them. compat: Lua 5.1
 * names a light userdata (cjson.null) "userdata".
 */
function readArguments(L: number): LuaArgument[] {
  const count: number = wasm._lua_gettop(L);
  const args = new Array<LuaArgument>(count);
  for (let i = 1; i <= count; i++) {
    const type = typeAt(L, i);
    if (type === T_NUMBER) args[i - 1] = { type: "number", value: wasm._lua_tonumberx(L, i, 0) as number };
    else if (type === T_STRING) args[i - 1] = { type: "string", value: readBinary(L, i) };
    else args[i - 1] = { type: (LUA_TYPE_NAMES[type] ?? "userdata") as Exclude<LuaArgument["type"], "number" | "string"> };
  }
  return args;
}

/**
 * Raises an error thrown by struct.ts, cmsgpack.ts or lua-arguments.ts the way lauxlib would:
 * luaL_argerror names the function as the script called it ("bad argument #2 to 'pack'").
 */
function raiseLibraryError(L: number, error: unknown): number {
  if (error instanceof ArgumentError) {
    pushBinary(L, error.message);
    return wasm._luaL_argerror(L, error.argument, wasm._lua_tolstring(L, -1, 0));
  }
  if (error instanceof PositionedError) return raiseWithPosition(L, error.message);
  if (error instanceof VmError) return raiseMessage(L, error.message);
  throw error;
}

/** cmsgpack.unpack(s), unpack_one(s [, offset]), unpack_limit(s, limit [, offset]): lua_cmsgpack.c's argument order. */
function msgpackUnpack(L: number, mode: "all" | "one" | "limit"): number {
  let result: { values: PlainValue[]; next?: number };
  try {
    const args = readArguments(L);
    let limit = 0;
    let offset = 0;
    // unpack keeps its arguments on the stack; the other two keep the string only.
    let stackSlots = args.length;
    if (mode === "one") {
      offset = optInteger(args, 2, 0);
      limit = 1;
      stackSlots = 1;
    } else if (mode === "limit") {
      limit = checkInteger(args, 2);
      offset = optInteger(args, 3, 0);
      stackSlots = 1;
    }
    result = unpackMsgpack(checkString(args, 1), limit, offset, stackSlots);
  } catch (error) {
    return raiseLibraryError(L, error);
  }
  wasm._lua_settop(L, 0);
  wasm._lua_checkstack(L, result.values.length + 5);
  if (result.next !== undefined) wasm._lua_pushnumber(L, result.next);
  for (const value of result.values) pushMsgpackValue(L, value);
  return result.values.length + (result.next !== undefined ? 1 : 0);
}

/**
 * compat: redis.error_reply("X") is the error "ERR X" and ("CODE msg") keeps its code, as
 * Redis 7 derives an error code from the first word only when there is a space after it.
 */
export function errorReplyText(message: string): string {
  const text = message.startsWith("-") ? message.slice(1) : message;
  return text.includes(" ") ? text : `ERR ${text}`;
}

/** lua_isstring: a string, or a number (which reads as one). */
const isStringOrNumber = (L: number, idx: number) => typeAt(L, idx) === T_STRING || typeAt(L, idx) === T_NUMBER;

/** redis.register_function(name, callback) or redis.register_function{function_name=..., ...}. */
function registerFunction(L: number): number {
  const execution = activeExecution(L);
  const register = execution.host.registerFunction;
  if (register === undefined) return raiseMessage(L, "redis.register_function can only be called on FUNCTION LOAD command");
  // Redis 7.0's checks and texts, in its order; names may be numbers (lua_isstring), named
  // arguments' keys are matched regardless of case.
  const count: number = wasm._lua_gettop(L);
  if (count < 1 || count > 2) return raiseMessage(L, "wrong number of arguments to redis.register_function");
  let name: string | undefined;
  let flags: string[] = [];
  let description: string | null = null;
  if (count === 2) {
    if (!isStringOrNumber(L, 1)) return raiseMessage(L, "first argument to redis.register_function must be a string");
    name = readBinary(L, 1);
    if (wasm._lua_type(L, 2) !== T_FUNCTION) return raiseMessage(L, "second argument to redis.register_function must be a function");
    wasm._lua_pushvalue(L, 2);
  } else {
    if (typeAt(L, 1) !== T_TABLE) {
      return raiseMessage(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
    }
    let callbackKey: string | undefined;
    wasm._lua_pushnil(L);
    while (wasm._lua_next(L, 1) !== 0) {
      if (!isStringOrNumber(L, -2)) return raiseMessage(L, "named argument key given to redis.register_function is not a string");
      // A number key names no argument (and reading it as text would confuse lua_next).
      const key = typeAt(L, -2) === T_STRING ? readBinary(L, -2).toLowerCase() : "";
      if (key === "function_name") {
        if (!isStringOrNumber(L, -1)) return raiseMessage(L, "function_name argument given to redis.register_function must be a string");
        name = readBinary(L, -1);
      } else if (key === "description") {
        if (!isStringOrNumber(L, -1)) return raiseMessage(L, "description argument given to redis.register_function must be a string");
        description = readBinary(L, -1);
      } else if (key === "callback") {
        if (wasm._lua_type(L, -1) !== T_FUNCTION) return raiseMessage(L, "callback argument given to redis.register_function must be a function");
        callbackKey = readBinary(L, -2);
      } else if (key === "flags") {
        if (typeAt(L, -1) !== T_TABLE) return raiseMessage(L, "flags argument to redis.register_function must be a table representing function flags");
        const parsed = readFlagTable(L, wasm._lua_absindex(L, -1));
        if (parsed === undefined) return raiseMessage(L, "unknown flag given");
        flags = parsed;
      } else return raiseMessage(L, "unknown argument given to redis.register_function");
      pop(L, 1);
    }
    if (name === undefined) return raiseMessage(L, "redis.register_function must get a function name argument");
    if (callbackKey === undefined) return raiseMessage(L, "redis.register_function must get a callback argument");
    wasm._lua_getfield(L, 1, cString(callbackKey));
  }
  const functionRef: number = wasm._luaL_ref(L, LUA_REGISTRYINDEX);
  const error = register(name, functionRef, flags, description);
  if (error !== undefined) {
    wasm._luaL_unref(L, LUA_REGISTRYINDEX, functionRef);
    return raiseMessage(L, error);
  }
  return 0;
}

const knownFunctionFlags = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]);

function readFlagTable(L: number, table: number): string[] | undefined {
  const flags: string[] = [];
  for (let i = 1; ; i++) {
    const type = wasm._lua_rawgeti(L, table, int64(i));
    if (type === T_NIL) {
      pop(L, 1);
      return flags;
    }
    const flag = type === T_STRING ? readBinary(L, -1) : "";
    pop(L, 1);
    if (!knownFunctionFlags.has(flag)) return undefined;
    flags.push(flag);
  }
}

/**
 * A C function that calls its upvalue with its arguments and returns what it returns
 * (lua51-code-patches.ts callsItsUpvalue, in luaB_print's place; read from the first state's
 * `print`). The sandbox's Lua functions that stand in for Lua 5.1's C functions are called through
 * it, so that they are C functions to the VM too: a script's `return tonumber(x, 16)` then keeps
 * the script's frame, as a tail call to a C function does, and an error raised inside still has
 * the script's line to name. Code it runs cannot yield (no continuation): the library functions it
 * wraps are short; those that call the script back go through call_upvalue, which can.
 */
let callUpvaluePointer = 0;

/** The settings of each cjson.new() instance, by the id its functions' userdata holds. */
const jsonInstanceConfigs = new Map<number, JsonConfig>();
let nextJsonInstanceId = 1;

/** The settings a cjson function works with: its instance's (a userdata upvalue) or the state's. */
function jsonConfigOf(L: number): JsonConfig {
  if (wasm._lua_type(L, LUA_REGISTRYINDEX - 1) === T_USERDATA) {
    const config = jsonInstanceConfigs.get(wasm.HEAP32[wasm._lua_touserdata(L, LUA_REGISTRYINDEX - 1) >> 2]);
    if (config !== undefined) return config;
  }
  return activeExecution(L).settings.json;
}

/** cjson's settings functions (cjson-config.ts): the values they answer with, pushed. */
function jsonSettings(L: number, name: JsonSettingName): number {
  let values: JsonSetting[];
  try {
    values = configureJson(jsonConfigOf(L), name, readArguments(L), (n) => wasm._lua_toboolean(L, n) !== 0);
  } catch (error) {
    return raiseLibraryError(L, error);
  }
  wasm._lua_settop(L, 0);
  for (const value of values) {
    if (typeof value === "boolean") wasm._lua_pushboolean(L, value ? 1 : 0);
    else if (typeof value === "number") wasm._lua_pushnumber(L, value);
    else pushBinary(L, value);
  }
  return values.length;
}
for (const name of jsonSettingNames) cFunctions[`json_${name}`] = (L) => jsonSettings(L, name);
for (const [name, apply] of Object.entries(bitFunctions)) {
  cFunctions[`bit_${name}`] = (L) => {
    let result: number | string;
    try {
      result = apply(readArguments(L));
    } catch (error) {
      return raiseLibraryError(L, error);
    }
    if (typeof result === "number") wasm._lua_pushnumber(L, result);
    else pushBinary(L, result);
    return 1;
  };
}

// Every C function is one entry of the WASM function table, made once for all VMs.
const cFunctionPointers = new Map<string, number>();
for (const [name, fn] of Object.entries(cFunctions)) {
  cFunctionPointers.set(
    name,
    wasm.addFunction(fn, "ii"),
  );
}

const hookPointer: number = wasm.addFunction((L: number, _debug: number) => {
  const execution = current;
  if (execution === undefined || execution.inCommand) return;
  if (execution.killMessage !== undefined) {
    pushErrorTable(L, execution.killMessage);
    raise(L);
    return;
  }
  const verdict = execution.host.checkpoint();
  if (verdict === "continue") return;
  if (verdict === "yield") {
    // Only the script's own coroutine yields to the runner; a coroutine the script made must not.
    if (L === execution.thread && wasm._lua_isyieldable(L)) wasm._lua_yieldk(L, 0, 0, 0);
    return;
  }
  execution.killMessage = verdict.kill;
  pushErrorTable(L, verdict.kill);
  raise(L);
}, "vii");

// --- Memory accounting: one allocator for all VMs, the `ud` argument says which.

const vmsById = new Map<number, LuaVm>();
let nextVmId = 1;

/**
 * compat: Lua 5.4 hashes strings from a seed it draws for each state (luai_makeseed: the clock
 * and addresses); Lua 5.1 had none, so its seed is 0 in effect: both hash every byte of a string
 * the same way from its length (Redis's 5.1 hashes every byte, where stock 5.1 skipped some of
 * a long string's). With the seed 0, a table's string keys fall
 * in the same places as in Redis, so pairs() and next() visit them in Redis's order and cjson or
 * cmsgpack write an object's keys in Redis's order (in tables that grow too, with the rehash
 * order of lua51-code-patches.ts; 5.4 hashes integer keys outside the array part otherwise). The
 * seed is drawn in lua_newstate before any string exists; the state's second allocation comes
 * after it and before the first string, so that allocation writes 0 over it. (A fixed seed lets
 * crafted keys collide; only a script's own tables hold them, and Redis's Lua has none either.)
 */
interface StateBeingCreated {
  ud: number;
  /** The first allocation: the main thread and global_State (LG, lstate.c). */
  block: number;
  blockBytes: number;
  seedCleared: boolean;
}
let stateBeingCreated: StateBeingCreated | undefined;
/** Where global_State.seed lies, in words from global_State's start (Lua 5.4.6 in wasm32). */
const SEED_WORD = 18;

/**
 * Finds global_State in the LG block by the fields lua_newstate has set before the seed
 * (frealloc, ud, totalbytes), checks those that follow it, and clears the seed.
 */
function clearSeed(state: StateBeingCreated): void {
  const words = new Uint32Array(wasm.HEAPU8.buffer, state.block, state.blockBytes >> 2);
  const g = words.findIndex((word, i) => word === allocatorPointer && words[i + 1] === state.ud && words[i + 2] === state.blockBytes);
  // The string table empty (hash, nuse, size), nilvalue still the integer 0 that says the state
  // is not built, and currentwhite WHITE0 with gcstate GCSpause right after the seed.
  const laidOutAsExpected = g !== -1 && words[g + 6] === 0 && words[g + 7] === 0 && words[g + 8] === 0 && (words[g + 16]! & 0xff) === 3 && (words[g + SEED_WORD + 1]! & 0xffff) === 0x0808;
  if (!laidOutAsExpected) return;
  words[g + SEED_WORD] = 0;
  state.seedCleared = true;
}

const allocatorPointer: number = wasm.addFunction((ud: number, pointer: number, oldBytes: number, newBytes: number) => {
  const creating = stateBeingCreated;
  if (creating !== undefined && creating.ud === ud && creating.block !== 0) {
    stateBeingCreated = undefined;
    clearSeed(creating);
  }
  const vm = vmsById.get(ud);
  if (newBytes === 0) {
    if (pointer !== 0) {
      if (vm !== undefined) vm.freed(oldBytes);
      wasm._free(pointer);
    }
    return 0;
  }
  // With a null pointer, oldBytes is the kind of object, not a size.
  const delta = pointer !== 0 ? newBytes - oldBytes : newBytes;
  if (vm !== undefined && delta > 0 && vm.memoryBytes + delta > vm.memoryLimitBytes) return 0;
  const moved: number = wasm._realloc(pointer, newBytes);
  if (creating !== undefined && creating.ud === ud && creating.block === 0) {
    creating.block = moved;
    creating.blockBytes = newBytes;
  }
  if (moved !== 0 && vm !== undefined) {
    if (delta < 0) vm.freed(-delta);
    else vm.memoryBytes += delta;
  }
  return moved;
}, "iiiii");

/** How a call ended. Errors carry Redis's text and where in the script they happened. */
export type CallOutcome =
  | { status: "done"; reply: Reply }
  | { status: "yielded" }
  | { status: "error"; message: string; where: string | undefined; outOfMemory: boolean; killed: boolean };

export type ChunkKind = "user_script" | "user_function";

/**
 * A compile error as Lua 5.1 (Redis's) words it: 5.4 leaves the token classes unquoted ("near
 * <eof>", "<name> expected") and tells where an unfinished long string started.
 */
function asLua51SyntaxError(message: string): string {
  return message.replace(/(?<!')<(eof|name|string|number|integer)>(?!')/g, "'<$1>'").replace(/^(.*unfinished long (?:string|comment)) \(starting at line \d+\)/, "$1");
}

/**
 * A run-time error as Lua 5.1 (Redis's) words it. 5.4 names the culprit after the fact ("attempt
 * to index a nil value (local 'x')"), 5.1 before ("attempt to index local 'x' (a nil value)");
 * 5.4's string arithmetic names both operands where 5.1 names the one that is not a number; a
 * bad capture index has no number in 5.1; char's range error is "invalid value", gsub's
 * replacement error names no type, resume and status want a "coroutine"; a generic for's
 * iterator is not named; a string and a thread compare as "two string values". The function a
 * bad argument went to is named as the call named it, or '?' (lua51-code-patches.ts
 * unnamedArgumentErrors). An error a sandbox function raised from one of its own lines is moved
 * to the script's line `where`.
 */
export function asLua51RuntimeError(message: string, where: string | undefined): string {
  return message
    .replace(/^sandbox:\d+: /, where === undefined ? "" : `${where}: `)
    .replace(/attempt to ([a-z ]+?) a (\w+) value \((global|local|field|upvalue|method) '([^']*)'\)/, "attempt to $1 $3 '$4' (a $2 value)")
    // 5.1 names no constant (5.4's getobjname does, for a value loaded by OP_LOADK).
    .replace(/(attempt to [a-z ]+? a \w+ value) \(constant '[^']*'\)/, "$1")
    .replace(/invalid capture index %\d+(?: in (?:pattern|replacement string))?/, "invalid capture index")
    .replace(/ \(for iterator '[^']*'\)/, "")
    // 5.1's luaG_ordererror tells two types apart by their names' third letters: string and thread look alike.
    .replace(/attempt to compare (\w+) with (\w+)/, (text, first: string, second: string) => (first[2] === second[2] ? `attempt to compare two ${first} values` : text))
    .replace(/(bad argument #\d+ to '(?:char|\?)') \(value out of range\)/, "$1 (invalid value)")
    .replace(/(bad argument #3 to '(?:gsub|\?)' \(string\/function\/table expected), got [\w ]+\)/, "$1)")
    .replace(/(bad argument #1 to '(?:resume|status|\?)') \(thread expected, got [\w ]+\)/, "$1 (coroutine expected)");
}

export class LuaVm {
  readonly id = nextVmId++;
  memoryBytes = 0;
  /**
   * How far the heap may grow: a running script's limit, else unbounded. The limit counts from
   * what the VM held when the script started (cached scripts, its arguments) or, once garbage is
   * collected, from the least since, so no script is refused for what others left. The runner's own allocations
   * (arguments, compiled scripts, reading an error after a script used all its memory) must
   * not fail: one failing outside a protected call makes Lua panic and the WebAssembly module
   * abort, for every database.
   */
  memoryLimitBytes = Infinity;

  /**
   * Counts memory given back. While a script runs, its limit follows the heap down: garbage
   * others left, collected now, does not become room for the script.
   */
  freed(bytes: number): void {
    this.memoryBytes -= bytes;
    if (this.memoryLimitBytes !== Infinity) this.memoryLimitBytes = Math.min(this.memoryLimitBytes, this.memoryBytes + this.memoryBytesMax);
  }
  private readonly L: number;
  private execution: Execution | undefined;
  private thread = 0;
  private threadRef = 0;
  private libraryEnvRef = 0;
  private setLoadingRef = 0;
  private globalsRef = 0;
  private scriptEnvRef = 0;
  /** The settings Redis keeps in its scripts' and its functions' Lua state. */
  readonly stateSettings: { scripts: LuaStateSettings; functions: LuaStateSettings } = { scripts: defaultStateSettings(), functions: defaultStateSettings() };
  /** math.random's generator, one per database as Redis has one per server. */
  readonly random = new Rand48();

  constructor(readonly memoryBytesMax: number) {
    vmsById.set(this.id, this);
    const creating: StateBeingCreated = { ud: this.id, block: 0, blockBytes: 0, seedCleared: false };
    stateBeingCreated = creating;
    const L: number = wasm._lua_newstate(allocatorPointer, this.id);
    stateBeingCreated = undefined;
    if (L === 0) throw new Error("lua: cannot create a state");
    if (!creating.seedCleared) throw new Error("lua: the state's string hash seed was not where Lua 5.4.6 keeps it: wasmoon changed, see clearSeed");
    this.L = L;
    wasm._luaL_openlibs(L);
    if (callUpvaluePointer === 0) {
      wasm._lua_getglobal(L, cString("print"));
      callUpvaluePointer = wasm._lua_tocfunction(L, -1);
      wasm._lua_settop(L, 0);
    }
    // The C functions the sandbox prelude wires into redis, cjson, struct, cmsgpack and math.
    wasm._lua_createtable(L, 0, cFunctionPointers.size);
    for (const [name, pointer] of cFunctionPointers) {
      wasm._lua_pushcclosure(L, pointer, 0);
      wasm._lua_setfield(L, -2, cString(name));
    }
    wasm._lua_pushlightuserdata(L, cjsonNullPointer);
    wasm._lua_setfield(L, -2, cString("json_null"));
    const status = this.loadChunk(sandboxPrelude, "=sandbox");
    if (typeof status === "string") throw new Error(`lua sandbox: ${status}`);
    // The prelude takes the native table, seals the globals and returns the library environment,
    // the function that switches it into FUNCTION LOAD mode, the table holding the globals and
    // the environment of scripts.
    wasm._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(status));
    wasm._lua_rotate(L, -2, 1);
    if (wasm._lua_pcallk(L, 1, 4, 0, 0, 0) !== LUA_OK) throw new Error(`lua sandbox: ${readBinary(L, -1)}`);
    this.scriptEnvRef = wasm._luaL_ref(L, LUA_REGISTRYINDEX);
    this.globalsRef = wasm._luaL_ref(L, LUA_REGISTRYINDEX);
    this.setLoadingRef = wasm._luaL_ref(L, LUA_REGISTRYINDEX);
    this.libraryEnvRef = wasm._luaL_ref(L, LUA_REGISTRYINDEX);
    wasm._luaL_unref(L, LUA_REGISTRYINDEX, status);
    wasm._lua_settop(L, 0);
    this.newThread();
  }

  private newThread(): void {
    if (this.threadRef !== 0) wasm._luaL_unref(this.L, LUA_REGISTRYINDEX, this.threadRef);
    this.thread = wasm._lua_newthread(this.L);
    this.threadRef = wasm._luaL_ref(this.L, LUA_REGISTRYINDEX);
    wasm._lua_sethook(this.thread, hookPointer, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
  }

  /**
   * Compiles source text (never bytecode) to a function kept in the registry; returns its
   * reference, or the compile error as Lua words it ("user_script:1: ... near ...").
   */
  private loadChunk(source: string, chunkName: string): number | string {
    const L = this.L;
    const bytes = Buffer.from(source, "latin1");
    const pointer: number = wasm._malloc(bytes.length + 1);
    if (pointer === 0) return "not enough memory";
    wasm.HEAPU8.set(bytes, pointer);
    const status: number = wasm._luaL_loadbufferx(L, pointer, bytes.length, cString(chunkName), cString("t"));
    wasm._free(pointer);
    if (status !== LUA_OK) {
      const message = typeAt(L, -1) === T_STRING ? readBinary(L, -1) : "not enough memory";
      pop(L, 1);
      return asLua51SyntaxError(message);
    }
    return wasm._luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** Compiles an EVAL script: its globals are the sealed script environment (sandbox.ts). */
  loadScript(source: string): number | string {
    return this.loadWithEnvironment(source, "@user_script", this.scriptEnvRef);
  }

  /** Compiles a function library (FUNCTION LOAD): its globals are the library environment. */
  loadLibrary(source: string): number | string {
    return this.loadWithEnvironment(source, "@user_function", this.libraryEnvRef);
  }

  private loadWithEnvironment(source: string, chunkName: string, environmentRef: number): number | string {
    const ref = this.loadChunk(source, chunkName);
    if (typeof ref === "string") return ref;
    const L = this.L;
    wasm._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref));
    wasm._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(environmentRef));
    wasm._lua_setupvalue(L, -2, 1); // upvalue 1 of a main chunk is _ENV
    pop(L, 1);
    return ref;
  }

  /**
   * While loading, library code sees the registration API as 'redis' and no other global
   * (FUNCTION LOAD); a restored library (sandbox.ts) sees the other globals too.
   */
  setLoading(loading: boolean, restoring = false): void {
    const L = this.L;
    wasm._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.setLoadingRef));
    wasm._lua_pushboolean(L, loading ? 1 : 0);
    wasm._lua_pushboolean(L, restoring ? 1 : 0);
    wasm._lua_pcallk(L, 2, 0, 0, 0, 0);
    wasm._lua_settop(L, 0);
  }

  release(ref: number): void {
    wasm._luaL_unref(this.L, LUA_REGISTRYINDEX, ref);
  }

  /**
   * Calls a registered function in the script coroutine. For EVAL scripts KEYS and ARGV are set
   * as globals; for functions (FCALL) they are the two arguments; a library body gets none.
   */
  start(ref: number, kind: "script" | "function" | "library", keys: string[], args: string[], host: ScriptHost): CallOutcome {
    if (this.execution !== undefined) throw new Error("lua: a script is already running in this VM");
    const L = this.L;
    const thread = this.thread;
    wasm._lua_settop(thread, 0);
    if (kind === "script") {
      // Raw sets: the sealed globals refuse every write made from Lua.
      wasm._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.globalsRef));
      wasm._lua_pushstring(L, cString("KEYS"));
      pushStringArray(L, keys);
      wasm._lua_rawset(L, -3);
      wasm._lua_pushstring(L, cString("ARGV"));
      pushStringArray(L, args);
      wasm._lua_rawset(L, -3);
      pop(L, 1);
    }
    wasm._lua_rawgeti(thread, LUA_REGISTRYINDEX, int64(ref));
    let argumentCount = 0;
    if (kind === "function") {
      pushStringArray(thread, keys);
      pushStringArray(thread, args);
      argumentCount = 2;
    }
    const settings = kind === "script" ? this.stateSettings.scripts : this.stateSettings.functions;
    this.execution = { vm: this, host, thread, killMessage: undefined, inCommand: false, memoryLimitBytes: this.memoryBytes + this.memoryBytesMax, settings, kind };
    return this.resumeWith(argumentCount);
  }

  /** Continues a script that yielded at a time-slice boundary. */
  resume(): CallOutcome {
    if (this.execution === undefined) throw new Error("lua: nothing to resume");
    return this.resumeWith(0);
  }

  /** Marks the running (suspended) script to be stopped with this error at its next instruction. */
  kill(message: string): void {
    if (this.execution !== undefined) this.execution.killMessage = message;
  }

  get running(): boolean {
    return this.execution !== undefined;
  }

  private resumeWith(argumentCount: number): CallOutcome {
    const execution = this.execution!;
    const thread = execution.thread;
    const previous = current;
    current = execution;
    let status: number;
    this.memoryLimitBytes = execution.memoryLimitBytes;
    try {
      status = wasm._lua_resume(thread, this.L, argumentCount, lengthCell);
    } finally {
      current = previous;
      execution.memoryLimitBytes = this.memoryLimitBytes;
      this.memoryLimitBytes = Infinity;
    }
    if (status === LUA_YIELD) return { status: "yielded" };
    this.execution = undefined;
    if (status === LUA_OK) {
      const results: number = wasm.HEAP32[lengthCell >> 2];
      const reply = results > 0 ? readReply(thread, -results, 0) : null;
      wasm._lua_settop(thread, 0);
      return { status: "done", reply };
    }
    const outcome = this.errorOutcome(thread, status, execution);
    // A coroutine that failed is dead; a fresh one runs the next script.
    this.newThread();
    if (outcome.outOfMemory) this.collectGarbage();
    return outcome;
  }

  private errorOutcome(thread: number, status: number, execution: Execution): CallOutcome & { status: "error" } {
    const killed = execution.killMessage !== undefined;
    const outOfMemory = status === LUA_ERRMEM;
    const where = errorPosition(thread);
    let message: string;
    if (killed) message = execution.killMessage!;
    else if (outOfMemory) message = `ERR Script exceeded the Lua memory limit of ${this.memoryBytesMax} bytes`;
    else if (typeAt(thread, -1) === T_TABLE) {
      wasm._lua_getfield(thread, -1, cString("err"));
      message = typeAt(thread, -1) === T_STRING ? readBinary(thread, -1) : "ERR unknown error";
      pop(thread, 1);
    } else if (typeAt(thread, -1) === T_STRING || typeAt(thread, -1) === T_NUMBER) {
      return { status: "error", message: `ERR ${asLua51RuntimeError(readBinary(thread, -1), where)}`, where, outOfMemory, killed };
    } else {
      // error(nil), error(true): Redis writes the value as tostring would.
      wasm._luaL_tolstring(thread, -1, 0);
      message = `ERR ${readBinary(thread, -1)}`;
      pop(thread, 1);
    }
    return { status: "error", message, where, outOfMemory, killed };
  }

  private collectGarbage(): void {
    const L = this.L;
    pushGlobalsTable(L);
    wasm._lua_getfield(L, -1, cString("collectgarbage"));
    wasm._lua_pcallk(L, 0, 0, 0, 0, 0);
    wasm._lua_settop(L, 0);
  }

  close(): void {
    wasm._lua_close(this.L);
    vmsById.delete(this.id);
  }
}

function pushStringArray(L: number, values: string[]): void {
  wasm._lua_createtable(L, values.length, 0);
  for (let i = 0; i < values.length; i++) {
    pushBinary(L, values[i]!);
    wasm._lua_rawseti(L, -2, int64(i + 1));
  }
}

/**
 * luaL_where(L, level) with levels counted as 5.1 counted them: a sandbox function stands for the
 * 5.1 C function it replaces (so it has no position), and a C function next to one (the hop that
 * calls it, rawxpcall under pcall) is part of it, no level of its own. So `pcall(error, "x", 2)`
 * names the script's line, as in Redis.
 */
function lua51Where(L: number, level: number): string {
  const frames: string[] = [];
  eachPosition(L, 1, (where) => frames.push(where) <= level + 32);
  const inSandbox = (where: string | undefined) => where !== undefined && where.startsWith("sandbox:");
  const levels = frames.filter((where, i) => where !== "" || !(inSandbox(frames[i - 1]) || inSandbox(frames[i + 1])));
  const where = levels[level - 1] ?? "";
  return inSandbox(where) ? "" : where;
}

/** The registry field of the sandbox's yield barriers (native.yield_barriers). */
const YIELD_BARRIERS = "downstash.yieldBarriers";
const METAMETHOD = Array.from(Buffer.from("metamethod\0", "latin1"));

/** Whether a frame of L's stack below the caller is a yield barrier's or a metamethod's. */
function underYieldBarrier(L: number): boolean {
  wasm._lua_getfield(L, LUA_REGISTRYINDEX, cString(YIELD_BARRIERS));
  const barriers: number = wasm._lua_gettop(L);
  let found = false;
  for (let level = 1; !found && wasm._lua_getstack(L, level, debugRecord) !== 0; level++) {
    wasm._lua_getinfo(L, cString("nf"), debugRecord);
    found = wasm._lua_rawget(L, barriers) !== T_NIL || cStringEquals(wasm.HEAPU32[(debugRecord + DEBUG_NAMEWHAT) >> 2], METAMETHOD);
    pop(L, 1);
  }
  pop(L, 1);
  return found;
}

/** lua_Debug's namewhat: a pointer, after the int event and the name pointer (wasm32). */
const DEBUG_NAMEWHAT = 8;

function cStringEquals(pointer: number, bytes: number[]): boolean {
  if (pointer === 0) return false;
  for (let i = 0; i < bytes.length; i++) if (wasm.HEAPU8[pointer + i] !== bytes[i]) return false;
  return true;
}

/**
 * "user_script:3" for the innermost frame of user code in a failed coroutine (its stack is not
 * unwound after an error) or below a message handler, looking at 16 levels at most; frames of C
 * functions and of the sandbox are skipped.
 */
function errorPosition(thread: number): string | undefined {
  let position: string | undefined;
  let levels = 0;
  eachPosition(thread, 0, (where) => {
    const trimmed = where.trimEnd();
    if (trimmed.startsWith("user_script:") || trimmed.startsWith("user_function:")) position = trimmed.endsWith(":") ? trimmed.slice(0, -1) : trimmed;
    return position === undefined && ++levels < 16;
  });
  return position;
}

/** luaL_where of each level of L's stack from `first` up, while `next` returns true and the stack lasts. */
function eachPosition(L: number, first: number, next: (where: string) => boolean): void {
  for (let at = first; wasm._lua_getstack(L, at, debugRecord) !== 0; at++) {
    wasm._luaL_where(L, at);
    const where = readBinary(L, -1);
    pop(L, 1);
    if (!next(where)) return;
  }
}
const debugRecord: number = wasm._malloc(256); // a lua_Debug, which lua_getstack fills
