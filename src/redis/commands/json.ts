// JSON commands: RedisJSON 2.x (the ReJSON-RL type) as Upstash serves it, the 23 JSON.* commands
// of @upstash/redis 1.39. Paths come in two dialects (json-path.ts): JSONPath (`$...`) replies
// per match (arrays, null for a match of the wrong type), legacy paths (`.a`, `a[0]`) reply with
// one value and turn "no match" into an error. Texts, argument order of checks and reply shapes
// follow RedisJSON; where a RedisJSON command could fail half-way through its matches, every
// match is checked first so an error never leaves a half-done write. Every command is
// deterministic, so each write is journaled as sent.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { parseInt64 } from "../engine/args.ts";
import { errors } from "../engine/errors.ts";
import { formatScore } from "./double-format.ts";
import { OK, status, type Reply } from "../engine/reply.ts";
import {
  cloneJson,
  decodeUtf8,
  encodeUtf8,
  formatJsonFloat,
  isJsonArray,
  isJsonObject,
  JsonDocument,
  jsonStrictEquals,
  JsonSyntaxError,
  jsonTypeName,
  mergePatch,
  parseJson,
  serializeJson,
  utf8Length,
  type JsonFormat,
  type JsonObject,
  type JsonValue,
} from "../types/json.ts";
import { JsonPath, JsonPathSyntaxError, normalizePath, type PathMatch, type PathSegment } from "../types/json-path.ts";

const group = "json";
const JSON_TYPE = "ReJSON-RL";
const firstKey = { first: 1, last: 1, step: 1 };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** JSON.GET reads an argument longer than its longest keyword (NOESCAPE) as a path, unchecked. */
const GET_KEYWORD_LENGTH_MAX = 8;

// --- arguments --------------------------------------------------------------------------------

/** An argument as text; RedisJSON refuses arguments that are not UTF-8. */
function textArgument(binary: string): string {
  const text = decodeUtf8(binary);
  if (text === null) throw errors.jsonNotUtf8();
  return text;
}

interface PathArgument {
  /** As the client sent it (legacy error texts quote this). */
  original: string;
  /** As JSONPath: legacy paths rewritten (`.a` → `$.a`). */
  text: string;
  isLegacy: boolean;
}

function pathArgument(binary: string): PathArgument {
  const original = textArgument(binary);
  return { original, ...normalizePath(original) };
}

/** The legacy root `.`, the default path of most commands. */
const LEGACY_ROOT: PathArgument = { original: ".", text: "$", isLegacy: true };

function compilePath(text: string): JsonPath {
  try {
    return JsonPath.compile(text);
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) throw errors.jsonPathSyntax(error.message);
    throw error;
  }
}

/** Parses a JSON argument; serde_json's error text is the reply. */
function jsonArgument(binary: string): JsonValue {
  textArgument(binary);
  try {
    return parseJson(binary);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw errors.jsonSyntax(error.message);
    throw error;
  }
}

/** RedisJSON reads integer arguments with Redis's string2ll, but words the error its own way. */
function integerArgument(text: string): bigint {
  const value = parseInt64(text);
  if (value === null) throw errors.jsonNotInteger();
  return value;
}

// --- documents --------------------------------------------------------------------------------

/** The document at key, undefined when there is none; WRONGTYPE for another type. */
function readDocument(ctx: CommandContext, key: string): JsonDocument | undefined {
  return ctx.keyspace.getTyped(key, JSON_TYPE)?.value;
}

/** The document at key; commands that change a document refuse a missing key. */
function existingDocument(ctx: CommandContext, key: string): JsonDocument {
  const document = readDocument(ctx, key);
  if (document === undefined) throw errors.jsonNoSuchKey();
  return document;
}

function matchesOf(document: JsonDocument, path: PathArgument): PathMatch[] {
  return compilePath(path.text).evaluate(document.root);
}

/** RedisJSON's get_first: a legacy path's first match, or "Path ... does not exist". */
function firstMatch(document: JsonDocument, path: PathArgument, quoted = path.text): PathMatch {
  const match = matchesOf(document, path)[0];
  if (match === undefined) throw errors.jsonPathMissing(quoted);
  return match;
}

/** Puts a new value where a match was (strings and numbers are immutable, so edits replace). */
function replaceMatch(document: JsonDocument, match: PathMatch, value: JsonValue): void {
  if (match.parent === undefined) document.root = value;
  else if (Array.isArray(match.parent)) match.parent[match.key as number] = value;
  else match.parent.set(match.key as string, value);
}

/** A bulk string holding JSON text (UTF-8 bytes). */
const jsonReply = (value: JsonValue, format?: JsonFormat): string => encodeUtf8(serializeJson(value, format));

// --- JSON.SET / JSON.MSET / JSON.MERGE ------------------------------------------------------------

type SetCondition = "NX" | "XX" | undefined;

type SetPlan =
  | { kind: "replace"; matches: PathMatch[] }
  | { kind: "add"; parents: PathMatch[]; key: string }
  | { kind: "none" };

/**
 * RedisJSON's find_paths: existing matches are replaced (unless NX); with none (and not XX) a
 * static path may add its last key to the objects its parent path selects.
 */
function planSet(root: JsonValue, path: JsonPath, condition: SetCondition): SetPlan {
  if (condition !== "NX") {
    const matches = path.evaluate(root);
    if (matches.length > 0) return { kind: "replace", matches };
    if (condition === "XX") return { kind: "none" };
  }
  if (!path.isStatic) throw errors.jsonWrongStaticPath();
  const { parent, last } = path.splitLast();
  if (typeof last === "number") {
    // An index is never created: out of range it is an error, present (NX) it is a no-op.
    if (path.evaluate(root).length === 0) throw errors.jsonArrayIndexOutOfRange();
    return { kind: "none" };
  }
  return { kind: "add", parents: parent.evaluate(root), key: last };
}

/** Applies a plan; each place gets its own copy of the value. True when anything changed. */
function applySet(document: JsonDocument, plan: SetPlan, value: JsonValue, merge = false): boolean {
  let changed = false;
  let copies = 0;
  const copy = () => (copies++ === 0 ? value : cloneJson(value));
  if (plan.kind === "replace") {
    for (const match of plan.matches) {
      // compat: RedisJSON merges at a path as RFC 7386 applied to the value there (a null patch sets null).
      replaceMatch(document, match, merge ? mergePatch(match.value, copy()) : copy());
      changed = true;
    }
  } else if (plan.kind === "add") {
    for (const parent of plan.parents) {
      if (isJsonObject(parent.value) && !parent.value.has(plan.key)) {
        parent.value.set(plan.key, copy());
        changed = true;
      }
    }
  }
  return changed;
}

/** FORMAT's argument for JSON.SET / JSON.MERGE: only JSON text is read. */
function checkFormat(ctx: CommandContext, argv: string[], at: number): void {
  if (at >= argv.length) throw errors.wrongArity(ctx.spec.name);
  if (argv[at] !== "JSON") throw errors.jsonWrongFormat();
}

// JSON.SET key path value [NX | XX] [FORMAT format]
function jsonSetCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const path = pathArgument(argv[2]!);
  textArgument(argv[3]!);
  let condition: SetCondition;
  for (let i = 4; i < argv.length; i++) {
    const word = argv[i]!.toUpperCase();
    if ((word === "NX" || word === "XX") && condition === undefined) condition = word;
    else if (word === "FORMAT") checkFormat(ctx, argv, ++i);
    else throw errors.syntax();
  }
  const document = readDocument(ctx, key);
  const value = jsonArgument(argv[3]!);
  if (document === undefined) {
    if (condition === "XX") return null;
    if (path.text !== "$") throw errors.jsonNewObjectsAtRoot();
    ctx.keyspace.set(key, JSON_TYPE, new JsonDocument(value));
    ctx.dirty++;
    return OK;
  }
  if (path.text === "$") {
    if (condition === "NX") return null;
    document.root = value; // in place: the key keeps its TTL, as in RedisJSON
    ctx.dirty++;
    return OK;
  }
  if (!applySet(document, planSet(document.root, compilePath(path.text), condition), value)) return null;
  ctx.dirty++;
  return OK;
}

// JSON.MSET key path value [key path value ...]
function jsonMsetCommand(ctx: CommandContext, argv: string[]): Reply {
  if ((argv.length - 1) % 3 !== 0) throw errors.wrongArity(ctx.spec.name);
  // Every triple is checked against the keyspace as it is before the first write, as RedisJSON does.
  const triples: { key: string; path: PathArgument; value: JsonValue }[] = [];
  for (let i = 1; i < argv.length; i += 3) {
    const key = argv[i]!;
    const document = readDocument(ctx, key);
    const path = pathArgument(argv[i + 1]!);
    if (path.text !== "$") {
      if (document === undefined) throw errors.jsonNewObjectsAtRoot();
      planSet(document.root, compilePath(path.text), undefined);
    }
    triples.push({ key, path, value: jsonArgument(argv[i + 2]!) });
  }
  for (const { key, path, value } of triples) {
    const document = readDocument(ctx, key);
    if (path.text === "$") {
      if (document === undefined) ctx.keyspace.set(key, JSON_TYPE, new JsonDocument(value));
      else document.root = value;
      ctx.dirty++;
    } else if (document !== undefined) {
      let plan: SetPlan;
      try {
        plan = planSet(document.root, compilePath(path.text), undefined);
      } catch {
        continue; // an earlier triple of this command changed the document under this path
      }
      if (applySet(document, plan, value)) ctx.dirty++;
    }
  }
  return OK;
}

// JSON.MERGE key path value [FORMAT format]
function jsonMergeCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const path = pathArgument(argv[2]!);
  textArgument(argv[3]!);
  for (let i = 4; i < argv.length; i++) {
    if (argv[i]!.toUpperCase() === "FORMAT") checkFormat(ctx, argv, ++i);
    else throw errors.syntax();
  }
  const document = readDocument(ctx, key);
  const patch = jsonArgument(argv[3]!);
  if (document === undefined) {
    if (path.text !== "$") throw errors.jsonNewObjectsAtRoot();
    // compat: RedisJSON stores the patch of a new document as it is, nulls included.
    ctx.keyspace.set(key, JSON_TYPE, new JsonDocument(patch));
    ctx.dirty++;
    return OK;
  }
  if (path.text === "$") {
    document.root = mergePatch(document.root, patch);
    ctx.dirty++;
    return OK;
  }
  if (!applySet(document, planSet(document.root, compilePath(path.text), undefined), patch, true)) return null;
  ctx.dirty++;
  return OK;
}

// --- JSON.GET / JSON.MGET / JSON.RESP / JSON.TYPE -------------------------------------------------

// JSON.GET key [INDENT indent] [NEWLINE newline] [SPACE space] [path [path ...]]
function jsonGetCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const format: JsonFormat = {};
  const paths: PathArgument[] = [];
  for (let i = 2; i < argv.length; i++) {
    const text = textArgument(argv[i]!);
    const word = text.length > GET_KEYWORD_LENGTH_MAX ? "" : text.toUpperCase();
    const option = () => {
      if (++i >= argv.length) throw errors.wrongArity(ctx.spec.name);
      return textArgument(argv[i]!);
    };
    if (word === "INDENT") format.indent = option();
    else if (word === "NEWLINE") format.newline = option();
    else if (word === "SPACE") format.space = option();
    else if (word === "NOESCAPE") continue; // accepted and ignored, as RedisJSON does for ReJSON 1 clients
    else if (word === "FORMAT") throw errors.jsonFormatOnResp2();
    else paths.push({ original: text, ...normalizePath(text) });
  }
  const document = readDocument(ctx, key);
  if (document === undefined) return null;
  if (paths.length === 0) return jsonReply(document.root, format);
  const isLegacy = paths.every((path) => path.isLegacy);
  if (paths.length === 1) {
    const path = paths[0]!;
    if (isLegacy) return jsonReply(firstMatch(document, path).value, format);
    return jsonReply(matchesOf(document, path).map((match) => match.value), format);
  }
  // Several paths: an object keyed by each path as sent, in argument order.
  const result: JsonObject = new Map();
  let missing: string | undefined;
  for (const path of paths) {
    let compiled: JsonPath;
    try {
      compiled = JsonPath.compile(path.text);
    } catch {
      continue; // compat: RedisJSON leaves a path that does not compile out of the object
    }
    const values = compiled.evaluate(document.root).map((match) => match.value);
    if (!isLegacy) result.set(path.original, values);
    else if (values.length > 0) result.set(path.original, values[0]!);
    else missing ??= path.original;
  }
  if (missing !== undefined) throw errors.jsonPathMissing(missing);
  return jsonReply(result, format);
}

// JSON.MGET key [key ...] path
function jsonMgetCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = pathArgument(argv[argv.length - 1]!);
  let compiled: JsonPath | undefined;
  try {
    compiled = JsonPath.compile(path.text);
  } catch {
    compiled = undefined; // every key then answers nil, as in RedisJSON
  }
  const replies: Reply[] = [];
  for (const key of argv.slice(1, -1)) {
    // A missing key, another type and a path that selects nothing all read as nil here.
    const entry = ctx.keyspace.get(key);
    if (entry === undefined || entry.type !== JSON_TYPE || compiled === undefined) {
      replies.push(null);
      continue;
    }
    const values = compiled.evaluate((entry.value as JsonDocument).root).map((match) => match.value);
    if (!path.isLegacy) replies.push(jsonReply(values));
    else replies.push(values.length > 0 ? jsonReply(values[0]!) : null);
  }
  return replies;
}

/** JSON.RESP's mapping of a JSON value onto RESP: "[" and "{" head arrays, keys interleave. */
function respOf(value: JsonValue): Reply {
  if (value === null) return null;
  switch (typeof value) {
    case "boolean":
      return status(value ? "true" : "false");
    case "bigint":
      return Number.isSafeInteger(Number(value)) ? Number(value) : value;
    case "number":
      return formatScore(value); // a double reply, as Redis 7.2+ prints one in RESP2
    case "string":
      return encodeUtf8(value);
  }
  if (Array.isArray(value)) return [status("["), ...value.map(respOf)];
  const out: Reply[] = [status("{")];
  for (const [key, item] of value as JsonObject) out.push(encodeUtf8(key), respOf(item));
  return out;
}

// JSON.RESP key [path]
function jsonRespCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = argv.length > 2 ? pathArgument(argv[2]!) : LEGACY_ROOT;
  const document = readDocument(ctx, argv[1]!);
  if (document === undefined) return null;
  if (path.isLegacy) return respOf(firstMatch(document, path).value);
  return matchesOf(document, path).map((match) => respOf(match.value));
}

// JSON.TYPE key [path]
function jsonTypeCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = argv.length > 2 ? pathArgument(argv[2]!) : LEGACY_ROOT;
  const document = readDocument(ctx, argv[1]!);
  if (document === undefined) return null;
  if (!path.isLegacy) return matchesOf(document, path).map((match) => jsonTypeName(match.value));
  try {
    return jsonTypeName(firstMatch(document, path).value);
  } catch {
    return null; // a legacy path that does not exist (or compile) has no type
  }
}

// --- JSON.DEL / JSON.FORGET / JSON.CLEAR -----------------------------------------------------------

/** RedisJSON's deletion order: within one array, higher indexes first; keys before indexes. */
function compareForDeletion(a: PathSegment[], b: PathSegment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return y - x;
    } else if (typeof x === "string" && typeof y === "string") {
      if (x !== y) return x < y ? -1 : 1;
    } else return typeof x === "string" ? -1 : 1;
  }
  return b.length - a.length; // longer paths first
}

// JSON.DEL key [path]
function jsonDelCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const path = argv.length > 2 ? pathArgument(argv[2]!) : LEGACY_ROOT;
  const document = readDocument(ctx, key);
  if (document === undefined) return 0;
  if (path.text === "$") {
    ctx.keyspace.delete(key);
    ctx.dirty++;
    return 1;
  }
  // The root itself is never deleted this way; a value inside another deleted value goes with it,
  // and a value selected twice is deleted once.
  const matches = matchesOf(document, path).filter((match) => match.parent !== undefined);
  const selected = new Set(matches.map((match) => JSON.stringify(match.path)));
  const seen = new Set<string>();
  const targets = matches
    .filter((match) => {
      const id = JSON.stringify(match.path);
      if (seen.has(id)) return false;
      seen.add(id);
      for (let length = 1; length < match.path.length; length++) if (selected.has(JSON.stringify(match.path.slice(0, length)))) return false;
      return true;
    })
    .sort((a, b) => compareForDeletion(a.path, b.path));
  for (const target of targets) {
    if (Array.isArray(target.parent)) target.parent.splice(target.key as number, 1);
    else (target.parent as JsonObject).delete(target.key as string);
  }
  ctx.dirty += targets.length;
  return targets.length;
}

// JSON.CLEAR key [path]
function jsonClearCommand(ctx: CommandContext, argv: string[]): Reply {
  // RedisJSON reads only the first path.
  const paths = argv.slice(2).map(pathArgument);
  const path = paths[0] ?? { original: "$", text: "$", isLegacy: false };
  const document = existingDocument(ctx, argv[1]!);
  let cleared = 0;
  for (const match of matchesOf(document, path)) {
    const value = match.value;
    if (isJsonArray(value) && value.length > 0) value.length = 0;
    else if (isJsonObject(value) && value.size > 0) value.clear();
    else if ((typeof value === "bigint" && value !== 0n) || (typeof value === "number" && value !== 0)) replaceMatch(document, match, 0n);
    else continue; // strings, booleans, null, and what is already empty or zero
    cleared++;
  }
  ctx.dirty += cleared;
  return cleared;
}

// --- numbers, booleans, strings --------------------------------------------------------------------

type NumberOperation = "incr" | "mult";

/** NUMINCRBY / NUMMULTBY on one number: integers stay integers (wrapping as RedisJSON's i64 does). */
function applyNumber(current: bigint | number, operand: bigint | number, operation: NumberOperation): bigint | number {
  if (typeof current === "bigint" && current >= INT64_MIN && current <= INT64_MAX && typeof operand === "bigint" && operand >= INT64_MIN && operand <= INT64_MAX) {
    // compat: RedisJSON computes in an i64 and wraps on overflow.
    return BigInt.asIntN(64, operation === "incr" ? current + operand : current * operand);
  }
  const result = operation === "incr" ? Number(current) + Number(operand) : Number(current) * Number(operand);
  if (!Number.isFinite(result)) throw errors.jsonResultNotNumber();
  return result;
}

const numberText = (value: bigint | number) => (typeof value === "bigint" ? value.toString() : formatJsonFloat(value));

function numberCommand(operation: NumberOperation) {
  // JSON.NUMINCRBY key path value  |  JSON.NUMMULTBY key path value
  return (ctx: CommandContext, argv: string[]): Reply => {
    const path = pathArgument(argv[2]!);
    textArgument(argv[3]!);
    const document = existingDocument(ctx, argv[1]!);
    const matches = matchesOf(document, path);
    const numeric = matches.filter((match) => typeof match.value === "bigint" || typeof match.value === "number");
    if (path.isLegacy && numeric.length === 0) throw errors.jsonPathMissingOr(path.text, "does not contains a number");
    if (numeric.length === 0) return jsonReply(matches.map(() => null));
    // RedisJSON reads the operand only once it has a number to apply it to.
    const operand = jsonArgument(argv[3]!);
    if (typeof operand !== "bigint" && typeof operand !== "number") throw errors.jsonBadNumber();
    const results = new Map<PathMatch, bigint | number>();
    for (const match of numeric) results.set(match, applyNumber(match.value as bigint | number, operand, operation));
    for (const [match, result] of results) replaceMatch(document, match, result);
    ctx.dirty += numeric.length;
    if (path.isLegacy) return numberText(results.get(numeric[numeric.length - 1]!)!);
    return jsonReply(matches.map((match) => results.get(match) ?? null));
  };
}

// JSON.TOGGLE key path
function jsonToggleCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = pathArgument(argv[2]!);
  const document = existingDocument(ctx, argv[1]!);
  const matches = matchesOf(document, path);
  const booleans = matches.filter((match) => typeof match.value === "boolean");
  if (path.isLegacy && booleans.length === 0) throw errors.jsonPathMissingOr(path.text, "not a bool");
  for (const match of booleans) replaceMatch(document, match, !match.value);
  ctx.dirty += booleans.length;
  if (path.isLegacy) return booleans[booleans.length - 1]!.value ? "false" : "true";
  return matches.map((match) => (typeof match.value === "boolean" ? (match.value ? 0 : 1) : null));
}

// JSON.STRAPPEND key [path] value
function jsonStrappendCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = argv.length > 3 ? pathArgument(argv[2]!) : LEGACY_ROOT;
  const valueArgument = argv.length > 3 ? argv[3]! : argv[2]!;
  textArgument(valueArgument);
  const document = existingDocument(ctx, argv[1]!);
  const matches = matchesOf(document, path);
  const strings = matches.filter((match) => typeof match.value === "string");
  if (path.isLegacy && strings.length === 0) throw errors.jsonPathMissingOr(path.text, "not a string");
  const lengths = new Map<PathMatch, number>();
  if (strings.length > 0) {
    const suffix = jsonArgument(valueArgument);
    if (typeof suffix !== "string") throw errors.jsonWrongPathType("string", textArgument(valueArgument));
    for (const match of strings) {
      const appended = (match.value as string) + suffix;
      replaceMatch(document, match, appended);
      lengths.set(match, utf8Length(appended));
    }
    ctx.dirty += strings.length;
  }
  if (path.isLegacy) return lengths.get(strings[strings.length - 1]!)!;
  return matches.map((match) => lengths.get(match) ?? null);
}

// JSON.STRLEN key [path]
function jsonStrlenCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = argv.length > 2 ? pathArgument(argv[2]!) : LEGACY_ROOT;
  const document = readDocument(ctx, argv[1]!);
  if (path.isLegacy) {
    if (document === undefined) return null;
    const value = firstMatch(document, path).value;
    if (typeof value !== "string") throw errors.jsonWrongPathType("string", jsonTypeName(value));
    return utf8Length(value);
  }
  if (document === undefined) throw errors.jsonNoSuchKey();
  return matchesOf(document, path).map((match) => (typeof match.value === "string" ? utf8Length(match.value) : null));
}

// --- arrays ---------------------------------------------------------------------------------------

/** The arrays a path selects; a legacy path must select at least one. */
function arraysFor(document: JsonDocument, path: PathArgument, quoted = path.text): { matches: PathMatch[]; arrays: PathMatch[] } {
  const matches = matchesOf(document, path);
  const arrays = matches.filter((match) => isJsonArray(match.value));
  if (path.isLegacy && arrays.length === 0) throw errors.jsonPathMissingOr(quoted, "not an array");
  return { matches, arrays };
}

/** A $-path reply: one entry per match, null where the match is not an array. */
function perArray<T extends Reply>(matches: PathMatch[], results: Map<PathMatch, T>): Reply[] {
  return matches.map((match) => results.get(match) ?? null);
}

// JSON.ARRAPPEND key path value [value ...]
function jsonArrappendCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = pathArgument(argv[2]!);
  const values = argv.slice(3).map(jsonArgument);
  const document = existingDocument(ctx, argv[1]!);
  const { matches, arrays } = arraysFor(document, path, path.original);
  const lengths = new Map<PathMatch, number>();
  for (const match of arrays) {
    const array = match.value as JsonValue[];
    for (const value of values) array.push(lengths.size === 0 && arrays.length === 1 ? value : cloneJson(value));
    lengths.set(match, array.length);
  }
  ctx.dirty += arrays.length;
  if (path.isLegacy) return lengths.get(arrays[arrays.length - 1]!)!;
  return perArray(matches, lengths);
}

// JSON.ARRINDEX key path value [start [stop]]
function jsonArrindexCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = pathArgument(argv[2]!);
  textArgument(argv[3]!);
  const start = argv.length > 4 ? integerArgument(argv[4]!) : 0n;
  const stop = argv.length > 5 ? integerArgument(argv[5]!) : 0n;
  if (argv.length > 6) throw errors.wrongArity(ctx.spec.name);
  const document = readDocument(ctx, argv[1]!);
  const needle = jsonArgument(argv[3]!);
  if (document === undefined) throw errors.jsonPathMissing(path.original);
  const search = (array: JsonValue[]): number => {
    const length = BigInt(array.length);
    if (length === 0n) return -1;
    // RedisJSON's normalize_arr_indices: a start past the end clamps to the last element, stop 0 means the end.
    const from = start < 0n ? (length + start > 0n ? length + start : 0n) : start < length - 1n ? start : length - 1n;
    const to = stop === 0n ? length : stop < 0n ? (length + stop > 0n ? length + stop : 0n) : stop < length ? stop : length;
    for (let i = Number(from); i < Number(to); i++) if (jsonStrictEquals(array[i]!, needle)) return i;
    return -1;
  };
  if (path.isLegacy) {
    const value = firstMatch(document, path).value;
    if (!isJsonArray(value)) throw errors.jsonWrongPathType("array", jsonTypeName(value));
    return search(value);
  }
  return matchesOf(document, path).map((match) => (isJsonArray(match.value) ? search(match.value) : null));
}

// JSON.ARRINSERT key path index value [value ...]
function jsonArrinsertCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = pathArgument(argv[2]!);
  const index = integerArgument(argv[3]!);
  const values = argv.slice(4).map(jsonArgument);
  const document = existingDocument(ctx, argv[1]!);
  const { matches, arrays } = arraysFor(document, path);
  // Every array is checked before the first insert, so a bad index changes nothing.
  const positions = arrays.map((match) => {
    const length = BigInt((match.value as JsonValue[]).length);
    const position = index < 0n ? length + index : index;
    if (position < 0n || position > length) throw errors.jsonIndexOutOfBounds();
    return Number(position);
  });
  const lengths = new Map<PathMatch, number>();
  arrays.forEach((match, i) => {
    const array = match.value as JsonValue[];
    array.splice(positions[i]!, 0, ...values.map((value) => (i === 0 ? value : cloneJson(value))));
    lengths.set(match, array.length);
  });
  ctx.dirty += arrays.length;
  if (path.isLegacy) return lengths.get(arrays[arrays.length - 1]!)!;
  return perArray(matches, lengths);
}

// JSON.ARRLEN key [path]
function jsonArrlenCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = argv.length > 2 ? pathArgument(argv[2]!) : LEGACY_ROOT;
  const document = readDocument(ctx, argv[1]!);
  if (document === undefined) {
    if (path.isLegacy) return null;
    throw errors.jsonNoSuchKey();
  }
  const matches = matchesOf(document, path);
  if (!path.isLegacy) return matches.map((match) => (isJsonArray(match.value) ? match.value.length : null));
  const first = matches[0];
  if (first === undefined) throw errors.jsonPathMissing(path.original);
  if (!isJsonArray(first.value)) throw errors.jsonPathMissingOr(path.original, "not an array");
  return first.value.length;
}

// JSON.ARRPOP key [path [index]]
function jsonArrpopCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = argv.length > 2 ? pathArgument(argv[2]!) : LEGACY_ROOT;
  // compat: RedisJSON pops the last element when no path is given, and reads an index that is
  // not an integer as -1 (the last element) rather than failing.
  let index = argv.length > 2 ? -1n : INT64_MAX;
  if (argv.length > 3) index = parseInt64(argv[3]!) ?? -1n;
  const document = existingDocument(ctx, argv[1]!);
  const { matches, arrays } = arraysFor(document, path);
  const popped = new Map<PathMatch, string | null>();
  for (const match of arrays) {
    const array = match.value as JsonValue[];
    if (array.length === 0) {
      popped.set(match, null);
      continue;
    }
    const length = BigInt(array.length);
    const at = index < 0n ? (length + index > 0n ? length + index : 0n) : index < length - 1n ? index : length - 1n;
    const [value] = array.splice(Number(at), 1);
    popped.set(match, jsonReply(value!));
    ctx.dirty++;
  }
  if (path.isLegacy) return popped.get(arrays[arrays.length - 1]!)!;
  return perArray(matches, popped);
}

// JSON.ARRTRIM key path start stop
function jsonArrtrimCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = pathArgument(argv[2]!);
  const start = integerArgument(argv[3]!);
  const stop = integerArgument(argv[4]!);
  const document = existingDocument(ctx, argv[1]!);
  const { matches, arrays } = arraysFor(document, path);
  const lengths = new Map<PathMatch, number>();
  for (const match of arrays) {
    const array = match.value as JsonValue[];
    const length = BigInt(array.length);
    // RedisJSON's ArrayIndex::normalize: negative counts from the end (clamped at 0), positive clamps to the last index.
    const normalize = (i: bigint) => (i < 0n ? (length + i > 0n ? length + i : 0n) : length > 0n ? (i < length - 1n ? i : length - 1n) : 0n);
    const last = normalize(stop);
    const first = start < 0n || start < length ? normalize(start) : last + 1n;
    const kept = first > last || length === 0n ? [] : array.slice(Number(first), Number(last) + 1);
    array.splice(0, array.length, ...kept);
    lengths.set(match, array.length);
  }
  ctx.dirty += arrays.length;
  if (path.isLegacy) return lengths.get(arrays[arrays.length - 1]!)!;
  return perArray(matches, lengths);
}

// --- objects --------------------------------------------------------------------------------------

// JSON.OBJKEYS key [path]
function jsonObjkeysCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = argv.length > 2 ? pathArgument(argv[2]!) : LEGACY_ROOT;
  const document = readDocument(ctx, argv[1]!);
  const keysOf = (object: JsonObject) => [...object.keys()].map(encodeUtf8);
  if (!path.isLegacy) {
    if (document === undefined) throw errors.jsonNoSuchKey();
    return matchesOf(document, path).map((match) => (isJsonObject(match.value) ? keysOf(match.value) : null));
  }
  if (document === undefined) return null;
  let value: JsonValue;
  try {
    value = firstMatch(document, path).value;
  } catch {
    return null; // a legacy path that selects nothing (or does not compile) has no keys
  }
  if (!isJsonObject(value)) throw errors.jsonPathMissingOr(path.text, "not an object");
  return keysOf(value);
}

// JSON.OBJLEN key [path]
function jsonObjlenCommand(ctx: CommandContext, argv: string[]): Reply {
  const path = argv.length > 2 ? pathArgument(argv[2]!) : LEGACY_ROOT;
  const document = readDocument(ctx, argv[1]!);
  if (!path.isLegacy) {
    if (document === undefined) throw errors.jsonPathMissingOr(path.text, "not an object");
    return matchesOf(document, path).map((match) => (isJsonObject(match.value) ? match.value.size : null));
  }
  if (document === undefined) return null;
  let value: JsonValue;
  try {
    value = firstMatch(document, path).value;
  } catch {
    return null;
  }
  if (!isJsonObject(value)) throw errors.jsonWrongPathType("object", jsonTypeName(value));
  return value.size;
}

// --- the table ------------------------------------------------------------------------------------

type Access = "read" | "write" | "grow";

const row = (name: string, arity: number, access: Access, summary: string, since: string, run: CommandSpec["run"]): CommandSpec => ({
  name,
  arity,
  flags: access === "read" ? ["readonly"] : access === "write" ? ["write"] : ["write", "denyoom"],
  keys: firstKey,
  group,
  summary,
  since,
  run,
});

export const jsonCommands: CommandSpec[] = [
  row("json.arrappend", -4, "grow", "Append one or more JSON values into the array at path after the last element in it.", "1.0.0", jsonArrappendCommand),
  row("json.arrindex", -4, "read", "Returns the index of the first occurrence of a JSON scalar value in the array at path.", "1.0.0", jsonArrindexCommand),
  row("json.arrinsert", -5, "grow", "Inserts the JSON scalar(s) value at the specified index in the array at path.", "1.0.0", jsonArrinsertCommand),
  row("json.arrlen", -2, "read", "Returns the length of the array at path.", "1.0.0", jsonArrlenCommand),
  row("json.arrpop", -2, "write", "Removes and returns the element at the specified index in the array at path.", "1.0.0", jsonArrpopCommand),
  row("json.arrtrim", -5, "write", "Trims the array at path to contain only the specified inclusive range of indices from start to stop.", "1.0.0", jsonArrtrimCommand),
  row("json.clear", -2, "write", "Clears all values from an array or an object and sets numeric values to `0`.", "2.0.0", jsonClearCommand),
  row("json.del", -2, "write", "Deletes a value.", "1.0.0", jsonDelCommand),
  row("json.forget", -2, "write", "Deletes a value.", "1.0.0", jsonDelCommand),
  row("json.get", -2, "read", "Gets the value at one or more paths in JSON serialized form.", "1.0.0", jsonGetCommand),
  row("json.merge", -4, "grow", "Merges a given JSON value into matching paths.", "2.6.0", jsonMergeCommand),
  { ...row("json.mget", -3, "read", "Returns the values at a path from one or more keys.", "1.0.0", jsonMgetCommand), keys: { first: 1, last: -2, step: 1 } },
  { ...row("json.mset", -4, "grow", "Sets or updates the JSON value of one or more keys.", "2.6.0", jsonMsetCommand), keys: { first: 1, last: -1, step: 3 } },
  row("json.numincrby", -4, "grow", "Increments the numeric value at path by a value.", "1.0.0", numberCommand("incr")),
  row("json.nummultby", -4, "grow", "Multiplies the numeric value at path by a value.", "1.0.0", numberCommand("mult")),
  row("json.objkeys", -2, "read", "Returns the JSON keys of the object at path.", "1.0.0", jsonObjkeysCommand),
  row("json.objlen", -2, "read", "Returns the number of keys of the object at path.", "1.0.0", jsonObjlenCommand),
  row("json.resp", -2, "read", "Returns the JSON value at path in Redis Serialization Protocol (RESP).", "1.0.0", jsonRespCommand),
  row("json.set", -4, "grow", "Sets or updates the JSON value at a path.", "1.0.0", jsonSetCommand),
  row("json.strappend", -3, "grow", "Appends a string to a JSON string value at path.", "1.0.0", jsonStrappendCommand),
  row("json.strlen", -2, "read", "Returns the length of the JSON String at path in key.", "1.0.0", jsonStrlenCommand),
  row("json.toggle", -3, "grow", "Toggles a boolean value.", "2.0.0", jsonToggleCommand),
  row("json.type", -2, "read", "Returns the type of the JSON value at path.", "1.0.0", jsonTypeCommand),
];
