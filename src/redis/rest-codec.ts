// The REST wire format of spec/redis-rest.md §1.4, §2 and §5.2: JSON command arrays in, JSON
// envelopes and the common response headers out. Arguments become binary strings
// (util/bytes.ts); replies become JSON text, with every string base64-encoded in
// `Upstash-Encoding: base64` mode except a top-level OK (the JS SDK decodes array elements
// unconditionally, so "OK" inside an array is encoded too).

import { headerLines } from "../server/fast-route.ts";
import { binaryToText, isAscii, textToBinary } from "../util/bytes.ts";
import { integerText } from "../util/integer-text.ts";
import { errors } from "./engine/errors.ts";
import { ErrorReply, OK, StatusReply, type Reply } from "./engine/reply.ts";

/**
 * One JSON array element to a command argument, or a RedisError explaining why it cannot be one.
 * `isBinary`: the string is a binary string as parsed (see jsonHoldsBinaryStrings).
 */
export function toArgument(value: unknown, isBinary = false): string {
  switch (typeof value) {
    case "string":
      return isBinary ? value : textToBinary(value);
    case "number":
      // compat: the SDK sends numbers as JSON numbers; beyond 2^53 the digits are already lost.
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw errors.unsafeNumber();
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    default:
      throw value === null ? errors.nullArgument() : errors.nestedArgument();
  }
}

/** A parsed JSON value that should be one command: a non-empty array of scalars. */
export function toCommand(value: unknown, stringsAreBinary = false): string[] {
  if (!Array.isArray(value)) throw errors.notCommandArray();
  if (value.length === 0) throw errors.emptyCommand();
  // JSON.parse made this array for this request alone: when it holds binary strings only, it is
  // the argv as it stands (no copy per command).
  if (stringsAreBinary && isStringArray(value)) return value;
  const argv = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    const arg = value[i];
    argv[i] = typeof arg === "number" ? numberArgument(arg, i) : toArgument(arg, stringsAreBinary);
  }
  return argv;
}

// A pipeline repeats the shape of its commands (a rate limiter's EVALSHAs carry the same limit,
// window and increment in the same places), and making a number's text is a native call that
// costs more than a comparison: the last number at each of the first few places, and its text.
const RECENT_NUMBER_PLACES = 16;
const recentNumbers = new Float64Array(RECENT_NUMBER_PLACES).fill(Number.NaN);
const recentNumberTexts = new Array<string>(RECENT_NUMBER_PLACES).fill("");

/** toArgument of a number that is argument `place` of its command. */
function numberArgument(value: number, place: number): string {
  if (place >= RECENT_NUMBER_PLACES) return toArgument(value);
  // 0 and -0 compare equal here, and their texts are the same "0".
  if (recentNumbers[place] === value) return recentNumberTexts[place]!;
  const text = toArgument(value);
  recentNumbers[place] = value;
  recentNumberTexts[place] = text;
  return text;
}

function isStringArray(values: unknown[]): values is string[] {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== "string") return false;
  return true;
}

const UNICODE_ESCAPE = "\\u";

/**
 * Whether every string JSON.parse makes of this text is already a binary string (one byte per
 * char): true when the text is ASCII (its UTF-8 length is its length) and holds no `\u` escape,
 * the only way ASCII JSON can name a character beyond ASCII. What the SDKs send nearly always is,
 * and then no argument needs converting (about 25 ns a command; the check costs about 30 ns for a
 * short body, 200 ns for 4 KiB).
 */
export function jsonHoldsBinaryStrings(text: string): boolean {
  return isAscii(text) && !text.includes(UNICODE_ESCAPE);
}

/**
 * The entries of a `/pipeline` or `/multi-exec` body: a non-empty array of arrays. The entries'
 * arguments are not converted here: a bad argument fails only its own pipeline entry.
 */
export function toBatch(value: unknown): unknown[][] {
  if (!Array.isArray(value)) throw errors.notPipelineArray();
  if (value.length === 0) throw errors.emptyPipeline();
  for (let i = 0; i < value.length; i++) if (!Array.isArray(value[i])) throw errors.notPipelineArray();
  return value as unknown[][];
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw errors.invalidJson();
  }
}

/** The JSON text of a reply as the `result` of an envelope. */
export function encodeResult(reply: Reply, base64: boolean): string {
  if (base64 && reply instanceof StatusReply && reply.status === "OK") return '"OK"';
  return encodeValue(reply, base64);
}

// Printable ASCII without `"` or `\`: already valid JSON string content, the common case.
const plainJsonText = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Bulk strings and nils only: what JSON.stringify writes as encodeValue would. */
function holdsBulkStringsAndNils(replies: Reply[]): boolean {
  for (const reply of replies) if (typeof reply !== "string" && reply !== null) return false;
  return true;
}

function holdsSafeIntegers(replies: Reply[]): boolean {
  for (const reply of replies) if (!Number.isSafeInteger(reply)) return false;
  return replies.length > 0;
}

function encodeValue(reply: Reply, base64: boolean): string {
  if (typeof reply === "string") {
    if (base64) return `"${btoa(reply)}"`;
    return plainJsonText.test(reply) ? `"${reply}"` : JSON.stringify(binaryToText(reply));
  }
  if (typeof reply === "number") return Number.isFinite(reply) ? integerText(reply) : "null";
  if (reply === null) return "null";
  if (typeof reply === "bigint") return reply.toString();
  if (Array.isArray(reply)) {
    // The common array of bulk strings (LRANGE, ZRANGE, HGETALL, MGET) in one native call; its
    // text holds as it is when all ASCII, while a byte above 0x7f must be decoded from UTF-8 first.
    if (!base64 && holdsBulkStringsAndNils(reply)) {
      const json = JSON.stringify(reply);
      if (isAscii(json)) return json;
    }
    // An array of integers (a rate limiter's answer) likewise: JSON writes a safe integer's digits.
    if (holdsSafeIntegers(reply)) return JSON.stringify(reply);
    let out = "[";
    for (let i = 0; i < reply.length; i++) out += (i === 0 ? "" : ",") + encodeValue(reply[i]!, base64);
    return out + "]";
  }
  if (reply instanceof StatusReply) return encodeValue(reply.status, base64);
  // An error nested in an array (a script returning {err=...}) travels as its text.
  return encodeValue((reply as ErrorReply).message, base64);
}

// The envelopes most write replies are, made once: OK (SET, ...), and small counts (SADD, HSET,
// ZADD, DEL ... answer 0 or 1). The same text in base64 mode, which leaves OK and numbers as they are.
const OK_ENVELOPE = '{"result":"OK"}';
const SMALL_COUNTS = 64;
const SMALL_COUNT_ENVELOPES = Array.from({ length: SMALL_COUNTS }, (_, n) => `{"result":${n}}`);

/** `{"result":…}` or `{"error":…}`: never both keys (the SDK checks `error === undefined`). */
export function encodeEnvelope(reply: Reply, base64: boolean): string {
  if (reply === OK) return OK_ENVELOPE;
  if (typeof reply === "number" && reply >= 0 && reply < SMALL_COUNTS && Number.isInteger(reply)) return SMALL_COUNT_ENVELOPES[reply]!;
  if (reply instanceof ErrorReply) return encodeError(reply.message);
  return `{"result":${encodeResult(reply, base64)}}`;
}

export function encodeError(message: string): string {
  return `{"error":${JSON.stringify(binaryToText(message))}}`;
}

/**
 * An HTTP response with the headers every response of this server carries: the read-only token
 * is meant for browsers (spec §1.5), so scripts of any origin may read the body and the sync
 * token. Built in one go: headers added to a finished Response cost a copy.
 */
export function httpResponse(body: string | Uint8Array | null, status: number, contentType: string, syncToken?: string): Response {
  return new Response(body, { status, headers: responseHeaders(contentType, syncToken) });
}

/** The headers of `httpResponse`. */
export function responseHeaders(contentType: string, syncToken?: string): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": contentType,
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "upstash-sync-token",
  };
  if (syncToken !== undefined) headers["upstash-sync-token"] = syncToken;
  return headers;
}

// Per content type: the lines every answer of that type shares, rendered once.
const sharedHeaderLines = new Map<string, string>();

/** The headers of `httpResponse` as header lines, for a fast route (server/fast-route.ts) that builds no Response. */
export function responseHeaderLines(contentType: string, syncToken?: string): string {
  let lines = sharedHeaderLines.get(contentType);
  if (lines === undefined) {
    lines = headerLines(responseHeaders(contentType));
    sharedHeaderLines.set(contentType, lines);
  }
  return syncToken === undefined ? lines : lines + "upstash-sync-token: " + syncToken + "\r\n";
}

export function jsonErrorResponse(message: string, status: number): Response {
  return httpResponse(encodeError(message), status, "application/json");
}
