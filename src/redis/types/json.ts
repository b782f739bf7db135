// JSON documents, RedisJSON's ReJSON-RL type as Upstash serves it: the value model, a parser that
// words its errors as serde_json does (RedisJSON replies with them verbatim), a serializer with
// RedisJSON's INDENT/NEWLINE/SPACE formatter and float printing, RFC 7386 merge, and the document
// holder the keyspace stores. Knows nothing about commands, paths or replies.
//
// Design: a document is a tree of plain JS values, so reads need no decoding and a JSONPath walk
// is a recursive descent over native arrays and Maps. Integers and floats stay distinct as
// RedisJSON keeps them (NUMINCRBY on an integer stays an integer, `1.0` prints as `1.0`):
//   null | boolean | bigint (an integer in [-2^63, 2^64-1], as serde_json reads one)
//   | number (a finite float) | string (UTF-16 text) | JsonValue[] | Map<string, JsonValue>.
// Objects keep insertion order (a Map); replacing a key keeps its place, a new key goes last.
// Strings are text, not bytes: STRLEN and STRAPPEND count their UTF-8 bytes as RedisJSON does.

import type { StructuredValue } from "./value.ts";

export type JsonObject = Map<string, JsonValue>;
export type JsonValue = null | boolean | bigint | number | string | JsonValue[] | JsonObject;

/** RedisJSON's type names (JSON.TYPE), "integer" and "number" told apart. */
export type JsonTypeName = "null" | "boolean" | "integer" | "number" | "string" | "array" | "object";

const UINT64_MAX = 18446744073709551615n;
const INT64_MIN = -9223372036854775808n;
/** serde_json's default recursion limit: a document nests at most 127 containers deep. */
export const JSON_DEPTH_MAX = 128;

export const isJsonObject = (value: JsonValue): value is JsonObject => value instanceof Map;
export const isJsonArray = (value: JsonValue): value is JsonValue[] => Array.isArray(value);

export function jsonTypeName(value: JsonValue): JsonTypeName {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "bigint":
      return "integer";
    case "number":
      return "number";
    case "string":
      return "string";
  }
  return Array.isArray(value) ? "array" : "object";
}

// --- text and bytes ---------------------------------------------------------------------------

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A binary string (one char per byte) as text, or null when its bytes are not valid UTF-8. */
export function decodeUtf8(binary: string): string | null {
  // ASCII is its own UTF-8: the common case needs no decoder.
  if (!/[\x80-\xff]/.test(binary)) return binary;
  try {
    return strictUtf8.decode(Buffer.from(binary, "latin1"));
  } catch {
    return null;
  }
}

/** Text as its UTF-8 bytes in a binary string. */
export function encodeUtf8(text: string): string {
  if (!/[^\x00-\x7f]/.test(text)) return text;
  return Buffer.from(text, "utf8").toString("latin1");
}

/** The UTF-8 byte length of text (RedisJSON's string lengths are Rust `str::len`). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code < 0xd800 || code > 0xdbff) bytes += 2;
    else {
      bytes += 2; // a surrogate pair: 4 bytes for its 2 code units
      i++;
    }
  }
  return bytes;
}

/** Orders strings by code point, which is UTF-8 byte order (Rust's `str` order), not UTF-16 order. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800-0xDFFF) encode code points above every BMP char, so they sort last.
    const xHigh = x >= 0xd800 && x <= 0xdfff;
    const yHigh = y >= 0xd800 && y <= 0xdfff;
    if (xHigh !== yHigh) return xHigh ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

// --- parsing ----------------------------------------------------------------------------------

/** A JSON text serde_json would refuse; the message is serde_json's, "... at line L column C". */
export class JsonSyntaxError extends Error {}

const WHITESPACE = new Set([0x20, 0x0a, 0x09, 0x0d]);
const isDigit = (code: number) => code >= 0x30 && code <= 0x39;
const isHex = (code: number) => isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * Parses JSON text given as its UTF-8 bytes (a binary string). Follows serde_json: leading and
 * trailing whitespace allowed, integers in [-2^63, 2^64-1] stay integers and larger ones become
 * floats, a float that overflows is "number out of range", nesting deeper than 127 is refused.
 * The caller checks the bytes are UTF-8 first; strings are decoded to text here.
 */
export function parseJson(bytes: string, depthMax = JSON_DEPTH_MAX): JsonValue {
  return new JsonParser(bytes, depthMax).parseDocument();
}

class JsonParser {
  private index = 0;
  private remainingDepth: number;

  constructor(
    private readonly input: string,
    depthMax: number,
  ) {
    this.remainingDepth = depthMax;
  }

  parseDocument(): JsonValue {
    const value = this.parseValue();
    if (this.skipWhitespace() !== undefined) throw this.peekError("trailing characters");
    return value;
  }

  // serde_json reports `error` at the last consumed byte and `peek_error` at the next one.
  private failAt(index: number, message: string): JsonSyntaxError {
    let line = 1;
    let column = 0;
    for (let i = 0; i < index; i++) {
      if (this.input.charCodeAt(i) === 0x0a) {
        line++;
        column = 0;
      } else column++;
    }
    return new JsonSyntaxError(`${message} at line ${line} column ${column}`);
  }

  private error(message: string): JsonSyntaxError {
    return this.failAt(this.index, message);
  }

  private peekError(message: string): JsonSyntaxError {
    return this.failAt(Math.min(this.input.length, this.index + 1), message);
  }

  private peek(): number | undefined {
    return this.index < this.input.length ? this.input.charCodeAt(this.index) : undefined;
  }

  private skipWhitespace(): number | undefined {
    while (this.index < this.input.length && WHITESPACE.has(this.input.charCodeAt(this.index))) this.index++;
    return this.peek();
  }

  private parseValue(): JsonValue {
    const next = this.skipWhitespace();
    if (next === undefined) throw this.peekError("EOF while parsing a value");
    switch (next) {
      case 0x6e: // n
        this.index++;
        this.parseIdent("ull");
        return null;
      case 0x74: // t
        this.index++;
        this.parseIdent("rue");
        return true;
      case 0x66: // f
        this.index++;
        this.parseIdent("alse");
        return false;
      case 0x2d: // -
        this.index++;
        return this.parseNumber(false);
      case 0x22: // "
        this.index++;
        return this.parseString();
      case 0x5b: // [
        return this.nested(() => this.parseArray());
      case 0x7b: // {
        return this.nested(() => this.parseObject());
    }
    if (isDigit(next)) return this.parseNumber(true);
    throw this.peekError("expected value");
  }

  private nested<T>(parse: () => T): T {
    if (--this.remainingDepth === 0) throw this.peekError("recursion limit exceeded");
    this.index++;
    const value = parse();
    this.remainingDepth++;
    return value;
  }

  private parseIdent(rest: string): void {
    for (const expected of rest) {
      if (this.index >= this.input.length) throw this.error("EOF while parsing a value");
      if (this.input[this.index++] !== expected) throw this.error("expected ident");
    }
  }

  private parseNumber(positive: boolean): bigint | number {
    const start = positive ? this.index : this.index - 1;
    const first = this.peek();
    if (first === undefined) throw this.error("EOF while parsing a value");
    this.index++;
    if (first === 0x30) {
      if (isDigit(this.peek() ?? 0)) throw this.peekError("invalid number");
    } else if (isDigit(first)) {
      while (isDigit(this.peek() ?? 0)) this.index++;
    } else throw this.error("invalid number");
    let isFloat = false;
    if (this.peek() === 0x2e) {
      this.index++;
      if (!isDigit(this.peek() ?? 0)) throw this.peekError(this.peek() === undefined ? "EOF while parsing a value" : "invalid number");
      while (isDigit(this.peek() ?? 0)) this.index++;
      isFloat = true;
    }
    const exponent = this.peek();
    if (exponent === 0x65 || exponent === 0x45) {
      this.index++;
      const sign = this.peek();
      if (sign === 0x2b || sign === 0x2d) this.index++;
      const digit = this.peek();
      if (digit === undefined) throw this.error("EOF while parsing a value");
      this.index++;
      if (!isDigit(digit)) throw this.error("invalid number");
      while (isDigit(this.peek() ?? 0)) this.index++;
      isFloat = true;
    }
    const text = this.input.slice(start, this.index);
    if (!isFloat) {
      const integer = BigInt(text);
      if (integer <= UINT64_MAX && integer >= INT64_MIN) return integer;
    }
    const float = Number(text);
    if (!Number.isFinite(float)) throw this.error("number out of range");
    return float;
  }

  private parseString(): string {
    const parts: string[] = [];
    let runStart = this.index;
    const flushRun = (end: number) => {
      if (end > runStart) parts.push(Buffer.from(this.input.slice(runStart, end), "latin1").toString("utf8"));
    };
    for (;;) {
      if (this.index >= this.input.length) throw this.error("EOF while parsing a string");
      const code = this.input.charCodeAt(this.index);
      if (code === 0x22) {
        flushRun(this.index);
        this.index++;
        return parts.join("");
      }
      if (code === 0x5c) {
        flushRun(this.index);
        this.index++;
        parts.push(this.parseEscape());
        runStart = this.index;
        continue;
      }
      if (code < 0x20) {
        this.index++;
        throw this.error("control character (\\u0000-\\u001F) found while parsing a string");
      }
      this.index++;
    }
  }

  private parseEscape(): string {
    if (this.index >= this.input.length) throw this.error("EOF while parsing a string");
    const escape = this.input[this.index++]!;
    const simple = SIMPLE_ESCAPES[escape];
    if (simple !== undefined) return simple;
    if (escape !== "u") throw this.error("invalid escape");
    const unit = this.hexEscape();
    if (unit >= 0xdc00 && unit <= 0xdfff) throw this.error("lone leading surrogate in hex escape");
    if (unit < 0xd800 || unit > 0xdbff) return String.fromCharCode(unit);
    if (this.input[this.index] !== "\\") throw this.error("unexpected end of hex escape");
    this.index++;
    if (this.input[this.index] !== "u") throw this.error("unexpected end of hex escape");
    this.index++;
    const low = this.hexEscape();
    if (low < 0xdc00 || low > 0xdfff) throw this.error("lone leading surrogate in hex escape");
    return String.fromCharCode(unit, low);
  }

  private hexEscape(): number {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      if (this.index >= this.input.length) throw this.error("EOF while parsing a string");
      const code = this.input.charCodeAt(this.index++);
      if (!isHex(code)) throw this.error("invalid escape");
      value = value * 16 + parseInt(String.fromCharCode(code), 16);
    }
    return value;
  }

  private parseArray(): JsonValue[] {
    const items: JsonValue[] = [];
    for (let first = true; ; first = false) {
      let next = this.skipWhitespace();
      if (next === 0x5d) {
        this.index++;
        return items;
      }
      if (next === undefined) throw this.peekError("EOF while parsing a list");
      if (!first) {
        if (next !== 0x2c) throw this.peekError("expected `,` or `]`");
        this.index++;
        next = this.skipWhitespace();
        if (next === 0x5d) throw this.peekError("trailing comma");
        if (next === undefined) throw this.peekError("EOF while parsing a value");
      }
      items.push(this.parseValue());
    }
  }

  private parseObject(): JsonObject {
    const object: JsonObject = new Map();
    for (let first = true; ; first = false) {
      let next = this.skipWhitespace();
      if (next === 0x7d) {
        this.index++;
        return object;
      }
      if (next === undefined) throw this.peekError("EOF while parsing an object");
      if (!first) {
        if (next !== 0x2c) throw this.peekError("expected `,` or `}`");
        this.index++;
        next = this.skipWhitespace();
      }
      if (next === 0x7d) throw this.peekError("trailing comma");
      if (next === undefined) throw this.peekError("EOF while parsing a value");
      if (next !== 0x22) throw this.peekError("key must be a string");
      this.index++;
      const key = this.parseString();
      const colon = this.skipWhitespace();
      if (colon === undefined) throw this.peekError("EOF while parsing an object");
      if (colon !== 0x3a) throw this.peekError("expected `:`");
      this.index++;
      object.set(key, this.parseValue());
    }
  }
}

// --- serializing ------------------------------------------------------------------------------

/** JSON.GET's INDENT / NEWLINE / SPACE strings (text); absent ones print nothing. */
export interface JsonFormat {
  indent?: string;
  newline?: string;
  space?: string;
}

/**
 * A float as RedisJSON prints it (serde_json, i.e. Rust's ryu): the shortest digits that read
 * back exactly, always with a fraction or an exponent — 3.0, 0.1, 1e16, 1.5e-7, -0.0.
 */
export function formatJsonFloat(value: number): string {
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const sign = value < 0 ? "-" : "";
  const [mantissa, exponentText] = Math.abs(value).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const length = digits.length;
  const pointAt = Number(exponentText) + 1; // value = 0.digits × 10^pointAt
  if (pointAt - length >= 0 && pointAt <= 16) return `${sign}${digits}${"0".repeat(pointAt - length)}.0`;
  if (pointAt > 0 && pointAt <= 16) return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  if (pointAt > -5 && pointAt <= 0) return `${sign}0.${"0".repeat(-pointAt)}${digits}`;
  const scientific = length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${scientific}e${pointAt - 1}`;
}

/** JSON text for a value: compact by default, laid out like RedisJSON's formatter otherwise. */
export function serializeJson(value: JsonValue, format: JsonFormat = {}): string {
  const out: string[] = [];
  const pretty = format.indent !== undefined || format.newline !== undefined || format.space !== undefined;
  if (pretty) writePretty(value, out, format, 0);
  else writeCompact(value, out);
  return out.join("");
}

function writeScalar(value: JsonValue, out: string[]): boolean {
  if (value === null) out.push("null");
  else if (typeof value === "boolean") out.push(value ? "true" : "false");
  else if (typeof value === "bigint") out.push(value.toString());
  else if (typeof value === "number") out.push(formatJsonFloat(value));
  else if (typeof value === "string") out.push(JSON.stringify(value)); // the same escapes as serde_json
  else return false;
  return true;
}

function writeCompact(value: JsonValue, out: string[]): void {
  if (writeScalar(value, out)) return;
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      writeCompact(value[i]!, out);
    }
    out.push("]");
    return;
  }
  out.push("{");
  let first = true;
  for (const [key, item] of value as JsonObject) {
    if (!first) out.push(",");
    first = false;
    out.push(JSON.stringify(key), ":");
    writeCompact(item, out);
  }
  out.push("}");
}

function writePretty(value: JsonValue, out: string[], format: JsonFormat, depth: number): void {
  if (writeScalar(value, out)) return;
  // RedisJSON's formatter: NEWLINE then INDENT × depth before every member and before the
  // closing bracket of a non-empty container; SPACE after each colon.
  const lineBreak = (level: number) => (format.newline ?? "") + (format.indent ?? "").repeat(level);
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      out.push(lineBreak(depth + 1));
      writePretty(value[i]!, out, format, depth + 1);
    }
    if (value.length > 0) out.push(lineBreak(depth));
    out.push("]");
    return;
  }
  const object = value as JsonObject;
  out.push("{");
  let first = true;
  for (const [key, item] of object) {
    if (!first) out.push(",");
    first = false;
    out.push(lineBreak(depth + 1), JSON.stringify(key), ":", format.space ?? "");
    writePretty(item, out, format, depth + 1);
  }
  if (object.size > 0) out.push(lineBreak(depth));
  out.push("}");
}

// --- values -----------------------------------------------------------------------------------

export function cloneJson(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (value instanceof Map) {
    const copy: JsonObject = new Map();
    for (const [key, item] of value) copy.set(key, cloneJson(item));
    return copy;
  }
  return value;
}

/**
 * RedisJSON's strict equality (JSON.ARRINDEX): same type and same value, so the integer 1 and
 * the float 1.0 differ; objects compare as key sets, whatever their order.
 */
export function jsonStrictEquals(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonStrictEquals(item, b[i]!));
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [key, item] of a) {
      const other = b.get(key);
      if (other === undefined || !jsonStrictEquals(item, other)) return false;
    }
    return true;
  }
  return false; // distinct scalars of one type (NaN cannot occur: floats are finite)
}

/**
 * Equality where numbers compare by value across integer and float (JSONPath filters compare
 * documents this way: `1 == 1.0`).
 */
export function jsonNumericEquals(a: JsonValue, b: JsonValue): boolean {
  const aNumber = typeof a === "bigint" || typeof a === "number";
  const bNumber = typeof b === "bigint" || typeof b === "number";
  if (aNumber && bNumber) return typeof a === typeof b ? a === b : Number(a) === Number(b);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonNumericEquals(item, b[i]!));
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [key, item] of a) {
      const other = b.get(key);
      if (other === undefined || !jsonNumericEquals(item, other)) return false;
    }
    return true;
  }
  return a === b;
}

/**
 * RFC 7386 JSON Merge Patch: an object patch merges member by member (null deletes a member,
 * missing targets start as {}), any other patch replaces the target.
 */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!(patch instanceof Map)) return cloneJson(patch);
  const result: JsonObject = target instanceof Map ? target : new Map();
  for (const [key, value] of patch) {
    if (value === null) result.delete(key);
    else result.set(key, mergePatch(result.get(key), value));
  }
  return result;
}

// Rough sizes for MEMORY USAGE, shaped like RedisJSON's (an 8-byte IValue per node, strings and
// keys by their bytes, a header per container and a slot per member).
const NODE_BYTES = 8;
const CONTAINER_HEADER_BYTES = 16;
const STRING_HEADER_BYTES = 16;

export function approxJsonBytes(value: JsonValue): number {
  if (typeof value === "string") return NODE_BYTES + STRING_HEADER_BYTES + utf8Length(value);
  if (Array.isArray(value)) {
    let total = NODE_BYTES + CONTAINER_HEADER_BYTES;
    for (const item of value) total += approxJsonBytes(item);
    return total;
  }
  if (value instanceof Map) {
    let total = NODE_BYTES + CONTAINER_HEADER_BYTES;
    for (const [key, item] of value) total += NODE_BYTES + utf8Length(key) + approxJsonBytes(item);
    return total;
  }
  return NODE_BYTES;
}

/** The value of a JSON key: one document whose root may be any JSON value. */
export class JsonDocument implements StructuredValue {
  constructor(public root: JsonValue) {}

  clone(): JsonDocument {
    return new JsonDocument(cloneJson(this.root));
  }

  approxBytes(): number {
    return approxJsonBytes(this.root);
  }

  /** Redis reports every module type's values as "raw". */
  encoding(): string {
    return "raw";
  }
}
