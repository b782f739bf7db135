// cjson.decode as Redis 7.0 embeds it (deps/lua/src/lua_cjson.c): JSON text, a binary string, to
// plain values whose strings are binary strings (\u escapes become UTF-8, other bytes pass as
// they are). This is lua-cjson's own tokenizer, not JSON's grammar: a number is whatever C's
// strtod reads there (0x10, nan, inf, 01, +1, 1.), raw control characters may sit in strings, the
// text ends at its first NUL, and a refusal names the token found and its 1-based character.
// lua-vm.ts pushes the value and raises the PositionedError thrown here after the script's line.

import { PositionedError } from "./lua-arguments.ts";
import { hexValue, isDigit, scanStrtod, startsWithIgnoringCase, strtodValue } from "./strtod.ts";

/**
 * compat: strtod's "-nan", a NaN with its sign bit set, which Lua prints as "-nan" (and which
 * `cjson.decode(0/0)` reads, x86's 0/0 being one). A JS number cannot carry a NaN's sign.
 */
export const NEGATIVE_NAN: unique symbol = Symbol("-nan");

export type JsonValue = null | boolean | number | typeof NEGATIVE_NAN | string | JsonValue[] | JsonObject;

/**
 * An object's members in text order, a key given twice included: set into a table in this order,
 * the last value stays, as lua_cjson.c's lua_rawset leaves it. (Two arrays build faster than a Map.)
 */
export class JsonObject {
  readonly keys: string[] = [];
  readonly values: JsonValue[] = [];
}

/** lua-cjson's decode_max_depth default: objects and arrays nested deeper are refused. */
export const JSON_DECODE_DEPTH_MAX = 1000;

// json_token_type_t, in its order: the names appear in error texts.
const T_OBJ_BEGIN = 0;
const T_OBJ_END = 1;
const T_ARR_BEGIN = 2;
const T_ARR_END = 3;
const T_STRING = 4;
const T_NUMBER = 5;
const T_BOOLEAN = 6;
const T_NULL = 7;
const T_COLON = 8;
const T_COMMA = 9;
const T_END = 10;
const T_WHITESPACE = 11;
const T_ERROR = 12;
const T_UNKNOWN = 13;
const TOKEN_NAMES = ["T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"];

/** cfg->ch2token: what a token's first byte makes it; T_UNKNOWN needs a closer look. */
const charTokens = new Uint8Array(256).fill(T_ERROR);
for (const [ch, token] of [
  ["{", T_OBJ_BEGIN],
  ["}", T_OBJ_END],
  ["[", T_ARR_BEGIN],
  ["]", T_ARR_END],
  [",", T_COMMA],
  [":", T_COLON],
  [" ", T_WHITESPACE],
  ["\t", T_WHITESPACE],
  ["\n", T_WHITESPACE],
  ["\r", T_WHITESPACE],
] as const) {
  charTokens[ch.charCodeAt(0)] = token;
}
for (const ch of 'fiInNt"+-0123456789') charTokens[ch.charCodeAt(0)] = T_UNKNOWN;

/** cfg->escape2char for the one-character escapes (\u is handled apart). */
const escapes: Record<number, string> = { 0x22: '"', 0x5c: "\\", 0x2f: "/", 0x62: "\b", 0x74: "\t", 0x6e: "\n", 0x66: "\f", 0x72: "\r" };

/**
 * JSON text (a binary string) as cjson.decode returns it; refusals throw PositionedError with
 * lua-cjson's text. `maxDepth` and `invalidNumbers` are its decode_max_depth and
 * decode_invalid_numbers settings.
 */
export function decodeJson(text: string, maxDepth = JSON_DECODE_DEPTH_MAX, invalidNumbers = true): JsonValue {
  // compat: lua-cjson's guess at UTF-16/32 input: a NUL among the first two bytes.
  if (text.length >= 2 && (text.charCodeAt(0) === 0 || text.charCodeAt(1) === 0)) {
    throw new PositionedError("JSON parser does not support UTF-16 or UTF-32");
  }
  // compat: the C reads a NUL-terminated copy, so the text ends at its first NUL.
  const nul = text.indexOf("\0");
  return new Decoder(text, nul === -1 ? text.length : nul, maxDepth, invalidNumbers).decode();
}

/**
 * lua_cjson.c's recursive descent over its tokens. Every look past `end` reads the NUL (or
 * nothing) there, which no test below accepts, so the scanners need no bounds checks of their own.
 */
class Decoder {
  private pos = 0;
  private depth = 0;
  // The current token, as json_token_t: its type, where it starts (0-based; for T_ERROR where
  // the error is), and its value (for T_ERROR the error's text).
  private type = T_END;
  private index = 0;
  private value: string | number | boolean | typeof NEGATIVE_NAN = "";

  constructor(
    private readonly text: string,
    private readonly end: number,
    private readonly maxDepth: number,
    private readonly invalidNumbers: boolean,
  ) {}

  decode(): JsonValue {
    this.next();
    const value = this.processValue();
    this.next();
    if (this.type !== T_END) this.expected("the end");
    return value;
  }

  private processValue(): JsonValue {
    switch (this.type) {
      case T_STRING:
      case T_NUMBER:
      case T_BOOLEAN:
        return this.value;
      case T_NULL:
        return null;
      case T_OBJ_BEGIN:
        return this.object();
      case T_ARR_BEGIN:
        return this.array();
      default:
        return this.expected("value");
    }
  }

  private object(): JsonObject {
    this.descend();
    const out = new JsonObject();
    this.next();
    if (this.type === T_OBJ_END) {
      this.depth--;
      return out;
    }
    for (;;) {
      this.expect(T_STRING, "object key string");
      out.keys.push(this.value as string);
      this.next();
      this.expect(T_COLON, "colon");
      this.next();
      out.values.push(this.processValue());
      this.next();
      if (this.type === T_OBJ_END) {
        this.depth--;
        return out;
      }
      if (this.type !== T_COMMA) this.expected("comma or object end");
      this.next();
    }
  }

  private array(): JsonValue[] {
    this.descend();
    const out: JsonValue[] = [];
    this.next();
    if (this.type === T_ARR_END) {
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.processValue());
      this.next();
      if (this.type === T_ARR_END) {
        this.depth--;
        return out;
      }
      if (this.type !== T_COMMA) this.expected("comma or array end");
      this.next();
    }
  }

  /** json_decode_descend: the position is just past the opening bracket (0-based, unlike tokens'). */
  private descend(): void {
    if (++this.depth > this.maxDepth) throw new PositionedError(`Found too many nested data structures (${this.depth}) at character ${this.pos}`);
  }

  private expect(type: number, what: string): void {
    if (this.type !== type) this.expected(what);
  }

  /** json_throw_parse_error. */
  private expected(what: string): never {
    const found = this.type === T_ERROR ? (this.value as string) : TOKEN_NAMES[this.type];
    throw new PositionedError(`Expected ${what} but found ${found} at character ${this.index + 1}`);
  }

  /** json_set_token_error: the error sits at the current position, which stays there. */
  private fail(message: string): void {
    this.type = T_ERROR;
    this.index = this.pos;
    this.value = message;
  }

  /** json_next_token. */
  private next(): void {
    const text = this.text;
    let pos = this.pos;
    let type: number = T_END;
    let ch = 0;
    while (pos < this.end) {
      ch = text.charCodeAt(pos);
      type = charTokens[ch] ?? T_ERROR;
      if (type !== T_WHITESPACE) break;
      pos++;
    }
    if (pos >= this.end) type = T_END;
    this.pos = pos;
    this.index = pos;
    if (type === T_ERROR) return this.fail("invalid token");
    if (type !== T_UNKNOWN) {
      this.type = type;
      if (type !== T_END) this.pos = pos + 1;
      return;
    }
    if (ch === 0x22) return this.readString();
    if (ch === 0x2d || (ch >= 0x30 && ch <= 0x39)) {
      if (!this.invalidNumbers && isInvalidNumber(text, pos)) return this.fail("invalid number");
      return this.readNumber();
    }
    if (text.startsWith("true", pos)) return this.literal(T_BOOLEAN, true, 4);
    if (text.startsWith("false", pos)) return this.literal(T_BOOLEAN, false, 5);
    if (text.startsWith("null", pos)) return this.literal(T_NULL, "", 4);
    // With decode_invalid_numbers on (the default), a leading '+', "inf" and "nan" (any case)
    // go to strtod too.
    if (this.invalidNumbers && isInvalidNumber(text, pos)) return this.readNumber();
    this.fail("invalid token");
  }

  private literal(type: number, value: string | boolean, length: number): void {
    this.type = type;
    this.value = value;
    this.pos += length;
  }

  /** json_next_number_token: what strtod reads, or "invalid number" if it reads nothing. */
  private readNumber(): void {
    const stop = scanStrtod(this.text, this.pos);
    if (stop === this.pos) return this.fail("invalid number");
    this.type = T_NUMBER;
    // Only "nan" reads as NaN: its sign is the text's.
    const value = strtodValue();
    this.value = Number.isNaN(value) && this.text.charCodeAt(this.pos) === 0x2d ? NEGATIVE_NAN : value;
    this.pos = stop;
  }

  /** json_next_string_token: any byte but '"' and '\' stands for itself, control characters too. */
  private readString(): void {
    const text = this.text;
    const end = this.end;
    let pos = this.pos + 1;
    let runStart = pos;
    let out = "";
    for (;;) {
      let ch = 0;
      while (pos < end && (ch = text.charCodeAt(pos)) !== 0x22 && ch !== 0x5c) pos++;
      if (pos >= end) {
        this.pos = pos;
        return this.fail("unexpected end of string");
      }
      if (ch === 0x22) break;
      out += text.slice(runStart, pos);
      const code = text.charCodeAt(pos + 1);
      if (code === 0x75) {
        const escapeLength = this.appendUnicodeEscape(pos);
        if (escapeLength === 0) {
          this.pos = pos;
          return this.fail("invalid unicode escape code");
        }
        out += unicodeScratch;
        pos += escapeLength;
      } else {
        const escaped = escapes[code];
        if (escaped === undefined) {
          this.pos = pos;
          return this.fail("invalid escape code");
        }
        out += escaped;
        pos += 2;
      }
      runStart = pos;
    }
    this.type = T_STRING;
    this.value = out + text.slice(runStart, pos);
    this.pos = pos + 1;
  }

  /**
   * json_append_unicode_escape for the \u at `pos`: its UTF-8 bytes into unicodeScratch, and the
   * escape's length (12 for a surrogate pair), or 0 when refused (a bad hex digit, a low surrogate
   * first, a high one without its low one).
   */
  private appendUnicodeEscape(pos: number): number {
    const text = this.text;
    let codepoint = hex4(text, pos + 2);
    if (codepoint < 0) return 0;
    let length = 6;
    if ((codepoint & 0xf800) === 0xd800) {
      if (codepoint & 0x400) return 0;
      if (text.charCodeAt(pos + 6) !== 0x5c || text.charCodeAt(pos + 7) !== 0x75) return 0;
      const low = hex4(text, pos + 8);
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return 0;
      codepoint = (((codepoint & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
      length = 12;
    }
    unicodeScratch = utf8(codepoint);
    return length;
  }
}

let unicodeScratch = "";

/**
 * json_is_invalid_number: a number JSON does not allow but strtod reads: a leading '+', a hex
 * number, leading zeros, inf or nan (after an optional '-').
 */
function isInvalidNumber(text: string, pos: number): boolean {
  if (text.charCodeAt(pos) === 0x2b) return true;
  if (text.charCodeAt(pos) === 0x2d) pos++;
  const ch = text.charCodeAt(pos);
  if (ch === 0x30) {
    const next = text.charCodeAt(pos + 1);
    return (next | 0x20) === 0x78 || isDigit(next);
  }
  if (!(ch > 0x39)) return false;
  return startsWithIgnoringCase(text, pos, "inf") || startsWithIgnoringCase(text, pos, "nan");
}

/** decode_hex4: four hex digits' value, or -1. */
function hex4(text: string, pos: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const digit = hexValue(text.charCodeAt(pos + i));
    if (digit < 0) return -1;
    value = (value << 4) | digit;
  }
  return value;
}

/** codepoint_to_utf8, as a binary string (every codepoint here is at most 0x10FFFF). */
function utf8(codepoint: number): string {
  if (codepoint <= 0x7f) return String.fromCharCode(codepoint);
  if (codepoint <= 0x7ff) return String.fromCharCode(0xc0 | (codepoint >> 6), 0x80 | (codepoint & 0x3f));
  if (codepoint <= 0xffff) return String.fromCharCode(0xe0 | (codepoint >> 12), 0x80 | ((codepoint >> 6) & 0x3f), 0x80 | (codepoint & 0x3f));
  return String.fromCharCode(0xf0 | (codepoint >> 18), 0x80 | ((codepoint >> 12) & 0x3f), 0x80 | ((codepoint >> 6) & 0x3f), 0x80 | (codepoint & 0x3f));
}
