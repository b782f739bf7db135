// JSONPath for JSON documents, RedisJSON's dialect as Upstash evaluates it: the compiler (RedisJSON's
// grammar: `$`, `.key`, `['key','k2']`, `[0,-1]`, `[start:end:step]`, `*`, `..`, filters
// `[?(@.a > 1 && @.b == "x")]` with == != < <= > >= =~ && || and parentheses), the legacy-path
// rule (`.a.b`, `a[0]`, `.` are RedisJSON 1 paths and change reply shapes), and the evaluator.
//
// Evaluation walks the document once per match set and returns, for each match, the value, its
// container and its key or index (so commands can change it in place) and its path from the root.
// Order is the one Upstash returns, which differs from RedisJSON's for recursive descent: `..`
// visits a node's children (each fully, recursively) before the node itself, so `$..a` on
// {a:2,nested:{a:4}} gives [4,2] (RedisJSON gives [2,4]). Everything else is document order.
// Cost: O(nodes visited); `..` visits the whole subtree once per `..` in the path.

import { compareCodePoints, jsonNumericEquals, type JsonObject, type JsonValue } from "./json.ts";

export type PathSegment = string | number;

/** One value a path selects, with where it lives (parent undefined for the root). */
export interface PathMatch {
  value: JsonValue;
  parent: JsonValue[] | JsonObject | undefined;
  key: PathSegment | undefined;
  /** Keys and indexes from the root to the value. */
  path: PathSegment[];
}

type Step =
  | { kind: "keys"; names: string[] } // .name, ['a','b']
  | { kind: "all" } // .*, [*]
  | { kind: "indexes"; indexes: number[] } // [0,-1]
  | { kind: "range"; start: number | undefined; end: number | undefined; step: number } // [1:5:2]
  | { kind: "filter"; filter: Filter } // [?(...)]
  | { kind: "scan" }; // .. (always followed by the step it applies to)

type Term =
  | { kind: "current" | "root"; steps: Step[] }
  | { kind: "integer"; value: bigint }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" };

type Operator = "==" | "!=" | "<" | "<=" | ">" | ">=" | "=~";

type Filter =
  | { kind: "or"; operands: Filter[] }
  | { kind: "and"; operands: Filter[] }
  | { kind: "compare"; left: Term; operator: Operator; right: Term }
  | { kind: "test"; term: Term };

export class JsonPathSyntaxError extends Error {}

/** A compiled JSONPath. */
export class JsonPath {
  private constructor(
    readonly text: string,
    private readonly steps: Step[],
  ) {}

  static compile(text: string): JsonPath {
    return new JsonPath(text, new PathParser(text).parseQuery());
  }

  /** `$` alone: the whole document. */
  get isRoot(): boolean {
    return this.steps.length === 0;
  }

  /**
   * A path that can select at most one value: only single keys and single indexes. JSON.SET may
   * create a missing last key only on such a path (RedisJSON's rule).
   */
  get isStatic(): boolean {
    return this.steps.every((step) => (step.kind === "keys" && step.names.length === 1) || (step.kind === "indexes" && step.indexes.length === 1));
  }

  /** For a static, non-root path: the path of its parent and its last key or index. */
  splitLast(): { parent: JsonPath; last: PathSegment } {
    const last = this.steps[this.steps.length - 1]!;
    const segment = last.kind === "keys" ? last.names[0]! : (last as { indexes: number[] }).indexes[0]!;
    return { parent: new JsonPath(this.text, this.steps.slice(0, -1)), last: segment };
  }

  /** Every match, in Upstash's order. */
  evaluate(root: JsonValue): PathMatch[] {
    const matches: PathMatch[] = [];
    walk(this.steps, 0, { value: root, parent: undefined, key: undefined, up: undefined }, root, (location) => {
      matches.push({ value: location.value, parent: location.parent, key: location.key, path: pathOf(location) });
    });
    return matches;
  }
}

/**
 * RedisJSON's Path::new: a path that starts with `$` followed by nothing, `.` or `[` is JSONPath;
 * anything else is a legacy (RedisJSON 1) path, rewritten as JSONPath: `.` is `$`, `.a` is `$.a`,
 * `a.b` is `$.a.b`. Legacy paths change reply shapes: one value instead of an array, errors
 * instead of empty results.
 */
export function normalizePath(original: string): { text: string; isLegacy: boolean } {
  if (original.startsWith("$") && (original.length === 1 || original[1] === "." || original[1] === "[")) {
    return { text: original, isLegacy: false };
  }
  if (original === ".") return { text: "$", isLegacy: true };
  if (original.startsWith(".")) return { text: `$${original}`, isLegacy: true };
  return { text: `$.${original}`, isLegacy: true };
}

// --- evaluation -------------------------------------------------------------------------------

interface Location {
  value: JsonValue;
  parent: JsonValue[] | JsonObject | undefined;
  key: PathSegment | undefined;
  /** The location of the parent: paths are built only for matches. */
  up: Location | undefined;
}

function pathOf(location: Location): PathSegment[] {
  const path: PathSegment[] = [];
  for (let at: Location | undefined = location; at?.key !== undefined; at = at.up) path.push(at.key);
  return path.reverse();
}

const child = (location: Location, key: PathSegment, value: JsonValue): Location => ({
  value,
  parent: location.value as JsonValue[] | JsonObject,
  key,
  up: location,
});

/** The children of a container in document order, with their keys or indexes. */
function* children(location: Location): Generator<Location> {
  const value = location.value;
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield child(location, i, value[i]!);
  else if (value instanceof Map) for (const [key, item] of value) yield child(location, key, item);
}

/** RedisJSON's index normalization: past the end selects nothing, before the start clamps to 0. */
function absoluteIndex(index: number, length: number): number {
  return index >= 0 ? Math.min(index, length) : Math.max(0, index + length);
}

function walk(steps: Step[], at: number, location: Location, root: JsonValue, emit: (location: Location) => void): void {
  if (at === steps.length) {
    emit(location);
    return;
  }
  const step = steps[at]!;
  const value = location.value;
  switch (step.kind) {
    case "keys":
      if (value instanceof Map) {
        for (const name of step.names) {
          const item = value.get(name);
          if (item !== undefined) walk(steps, at + 1, child(location, name, item), root, emit);
        }
      }
      return;
    case "all":
      for (const next of children(location)) walk(steps, at + 1, next, root, emit);
      return;
    case "indexes":
      if (Array.isArray(value)) {
        for (const index of step.indexes) {
          const i = absoluteIndex(index, value.length);
          if (i < value.length) walk(steps, at + 1, child(location, i, value[i]!), root, emit);
        }
      }
      return;
    case "range":
      if (Array.isArray(value)) {
        const start = step.start === undefined ? 0 : absoluteIndex(step.start, value.length);
        const end = step.end === undefined ? value.length : absoluteIndex(step.end, value.length);
        for (let i = start; i < end; i += step.step) walk(steps, at + 1, child(location, i, value[i]!), root, emit);
      }
      return;
    case "filter":
      // Most JSONPath engines (and RedisJSON) filter a container's members, a scalar itself.
      if (Array.isArray(value) || value instanceof Map) {
        for (const next of children(location)) if (testFilter(step.filter, next.value, root)) walk(steps, at + 1, next, root, emit);
      } else if (testFilter(step.filter, value, root)) walk(steps, at + 1, location, root, emit);
      return;
    case "scan":
      // compat: Upstash's recursive-descent order — each child's subtree first, then the node itself.
      for (const next of children(location)) walk(steps, at, next, root, emit);
      walk(steps, at + 1, location, root, emit);
      return;
  }
}

// --- filters ----------------------------------------------------------------------------------

/** A filter operand after evaluation, as RedisJSON's TermEvaluationResult. */
type Operand =
  | { kind: "integer"; value: bigint }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "value"; value: JsonValue } // an array or object from the document
  | { kind: "invalid" }; // a path term that did not select exactly one value

function testFilter(filter: Filter, current: JsonValue, root: JsonValue): boolean {
  switch (filter.kind) {
    case "or":
      return filter.operands.some((operand) => testFilter(operand, current, root));
    case "and":
      return filter.operands.every((operand) => testFilter(operand, current, root));
    case "test":
      return evaluateTerm(filter.term, current, root).kind !== "invalid";
    case "compare":
      return compareOperands(evaluateTerm(filter.left, current, root), filter.operator, evaluateTerm(filter.right, current, root));
  }
}

function operandOf(value: JsonValue): Operand {
  if (value === null) return { kind: "null" };
  switch (typeof value) {
    case "boolean":
      return { kind: "boolean", value };
    case "bigint":
      return { kind: "integer", value };
    case "number":
      return { kind: "float", value };
    case "string":
      return { kind: "string", value };
  }
  return { kind: "value", value };
}

function evaluateTerm(term: Term, current: JsonValue, root: JsonValue): Operand {
  switch (term.kind) {
    case "current":
    case "root": {
      const start = term.kind === "current" ? current : root;
      const found: JsonValue[] = [];
      walk(term.steps, 0, { value: start, parent: undefined, key: undefined, up: undefined }, root, (location) => found.push(location.value));
      return found.length === 1 ? operandOf(found[0]!) : { kind: "invalid" };
    }
    case "null":
      return { kind: "null" };
    default:
      return term;
  }
}

/** -1, 0, 1, or undefined when the operands do not compare (different types, containers). */
function order(a: Operand, b: Operand): number | undefined {
  const sign = (x: number | bigint, y: number | bigint) => (x < y ? -1 : x > y ? 1 : 0);
  if (a.kind === "integer" && b.kind === "integer") return sign(a.value, b.value);
  if ((a.kind === "integer" || a.kind === "float") && (b.kind === "integer" || b.kind === "float")) {
    const x = Number(a.value);
    const y = Number(b.value);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : undefined;
  }
  if (a.kind === "string" && b.kind === "string") return Math.sign(compareCodePoints(a.value, b.value));
  if (a.kind === "boolean" && b.kind === "boolean") return sign(Number(a.value), Number(b.value));
  if (a.kind === "null" && b.kind === "null") return 0;
  return undefined;
}

function compareOperands(left: Operand, operator: Operator, right: Operand): boolean {
  if (operator === "=~") return matchesRegex(left, right);
  const equal = () =>
    left.kind === "value" && right.kind === "value" ? jsonNumericEquals(left.value, right.value) : order(left, right) === 0;
  switch (operator) {
    case "==":
      return equal();
    case "!=":
      // compat: RedisJSON's `!=` is "not equal", so operands of different types are unequal.
      return !equal();
    case "<":
      return order(left, right) === -1;
    case "<=":
      return (order(left, right) ?? 1) <= 0;
    case ">":
      return order(left, right) === 1;
    case ">=":
      return (order(left, right) ?? -1) >= 0;
  }
}

const regexCache = new Map<string, RegExp | null>();

/** `=~`: a string value searched (not anchored) with a regex from a literal or another value. */
function matchesRegex(left: Operand, right: Operand): boolean {
  if (left.kind !== "string" || right.kind !== "string") return false;
  let regex = regexCache.get(right.value);
  if (regex === undefined) {
    // Rust's regex crate spells case-insensitivity as a leading (?i); JS needs the flag.
    const insensitive = right.value.startsWith("(?i)");
    try {
      regex = new RegExp(insensitive ? right.value.slice(4) : right.value, insensitive ? "iu" : "u");
    } catch {
      regex = null; // an invalid pattern matches nothing, as in RedisJSON
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(right.value, regex);
  }
  return regex !== null && regex.test(left.value);
}

// --- parsing ----------------------------------------------------------------------------------

const LITERAL_CHAR = /[a-zA-Z0-9\-_`~+#%$^/:]/;

/** A recursive-descent parser for RedisJSON's JSONPath grammar; spaces may separate tokens. */
class PathParser {
  private index = 0;

  constructor(private readonly text: string) {}

  // RedisJSON (pest) words compile errors this way; the expectation list is a best effort.
  private fail(expected: string): JsonPathSyntaxError {
    const at = this.index;
    const shown = at >= this.text.length ? `"${this.text} <<<<----"` : `"${this.text.slice(0, at)} ---->>>> ${this.text.slice(at)}"`;
    return new JsonPathSyntaxError(`Error occurred on position ${at}, ${shown}, expected one of the following: ${expected}.`);
  }

  private spaces(): void {
    while (this.text[this.index] === " ") this.index++;
  }

  private peek(): string | undefined {
    this.spaces();
    return this.text[this.index];
  }

  private accept(token: string): boolean {
    this.spaces();
    if (this.text.startsWith(token, this.index)) {
      this.index += token.length;
      return true;
    }
    return false;
  }

  private expect(token: string, expected = `'${token}'`): void {
    if (!this.accept(token)) throw this.fail(expected);
  }

  parseQuery(): Step[] {
    this.expect("$", "'$'");
    const steps: Step[] = [];
    this.spaces();
    // The first element may omit the dot: `$a`, `$*`.
    if (this.index < this.text.length && (LITERAL_CHAR.test(this.text[this.index]!) || this.text[this.index] === "*")) {
      steps.push(this.text[this.index] === "*" ? (this.index++, { kind: "all" }) : { kind: "keys", names: [this.literal()] });
    }
    for (;;) {
      this.spaces();
      if (this.index >= this.text.length) return steps;
      steps.push(...this.element());
    }
  }

  private element(): Step[] {
    if (this.accept("..")) {
      this.spaces();
      if (this.accept("*")) return [{ kind: "scan" }, { kind: "all" }];
      if (this.accept("[")) return [{ kind: "scan" }, this.bracket()];
      return [{ kind: "scan" }, { kind: "keys", names: [this.literal()] }];
    }
    if (this.accept(".")) {
      this.spaces();
      if (this.accept("*")) return [{ kind: "all" }];
      if (this.accept("[")) return [this.bracket()];
      return [{ kind: "keys", names: [this.literal()] }];
    }
    if (this.accept("[")) return [this.bracket()];
    throw this.fail("'.', '..', '['");
  }

  private literal(): string {
    this.spaces();
    const start = this.index;
    while (this.index < this.text.length && LITERAL_CHAR.test(this.text[this.index]!)) this.index++;
    if (this.index === start) throw this.fail("<string>, '*'");
    return this.text.slice(start, this.index);
  }

  /** After `[`: a range, an index list, a key list, `*` or a filter, then `]`. */
  private bracket(): Step {
    const step = this.bracketBody();
    this.expect("]");
    return step;
  }

  private bracketBody(): Step {
    const next = this.peek();
    if (next === "*") {
      this.index++;
      return { kind: "all" };
    }
    if (next === "?") {
      this.index++;
      return { kind: "filter", filter: this.filter() };
    }
    if (next === "'" || next === '"') {
      const names = [this.string()];
      while (this.accept(",")) names.push(this.string());
      return { kind: "keys", names };
    }
    if (next === ":") return this.range(undefined);
    if (next === "-" || (next !== undefined && next >= "0" && next <= "9")) {
      const first = this.number();
      if (this.peek() === ":") return this.range(first);
      const indexes = [first];
      while (this.accept(",")) indexes.push(this.number());
      return { kind: "indexes", indexes };
    }
    throw this.fail("['start:end:steps'], '<number>[,<number>,...]', '<string>[,<string>,...]', '*', '[?(filter_expression)]'");
  }

  /** `start:end:step` with every part optional, after `start` was read. */
  private range(start: number | undefined): Step {
    this.expect(":");
    let end: number | undefined;
    const next = this.peek();
    if (next === "-" || (next !== undefined && next >= "0" && next <= "9")) end = this.number();
    let step = 1;
    if (this.accept(":")) {
      const digit = this.peek();
      if (digit !== undefined && digit >= "1" && digit <= "9") {
        const from = this.index;
        while (this.index < this.text.length && /[0-9]/.test(this.text[this.index]!)) this.index++;
        step = Number(this.text.slice(from, this.index));
      }
    }
    return { kind: "range", start, end, step };
  }

  /** An integer without leading zeros (`-0` allowed), RedisJSON's `number`. */
  private number(): number {
    this.spaces();
    const match = /^-?(?:[1-9][0-9]*|[0-9])/.exec(this.text.slice(this.index));
    if (match === null) throw this.fail("'<number>'");
    this.index += match[0].length;
    return Number(match[0]); // beyond 2^53 it only has to stay out of range, which it does
  }

  /** A quoted key: '...' or "...", with \\ and an escaped quote of the same kind. */
  private string(): string {
    this.spaces();
    const quote = this.text[this.index];
    if (quote !== "'" && quote !== '"') throw this.fail("'<string>[,<string>,...]'");
    let out = "";
    for (let i = this.index + 1; i < this.text.length; i++) {
      const char = this.text[i]!;
      if (char === quote) {
        this.index = i + 1;
        return out;
      }
      if (char === "\\") {
        const escaped = this.text[i + 1];
        if (escaped !== quote && escaped !== "\\") break;
        out += escaped;
        i++;
      } else out += char;
    }
    throw this.fail("'<string>[,<string>,...]'");
  }

  // filter := operand (('&&' | '||') operand)*, where && binds tighter than ||
  private filter(): Filter {
    const alternatives: Filter[] = [];
    let conjunction: Filter[] = [this.filterOperand()];
    for (;;) {
      if (this.accept("&&")) conjunction.push(this.filterOperand());
      else if (this.accept("||")) {
        alternatives.push(conjunction.length === 1 ? conjunction[0]! : { kind: "and", operands: conjunction });
        conjunction = [this.filterOperand()];
      } else break;
    }
    alternatives.push(conjunction.length === 1 ? conjunction[0]! : { kind: "and", operands: conjunction });
    return alternatives.length === 1 ? alternatives[0]! : { kind: "or", operands: alternatives };
  }

  private filterOperand(): Filter {
    if (this.accept("(")) {
      const inner = this.filter();
      this.expect(")");
      return inner;
    }
    const left = this.term();
    const operator = this.operator();
    if (operator === undefined) return { kind: "test", term: left };
    return { kind: "compare", left, operator, right: this.term() };
  }

  private operator(): Operator | undefined {
    for (const candidate of [">=", ">", "<=", "<", "==", "!=", "=~"] as const) if (this.accept(candidate)) return candidate;
    return undefined;
  }

  private term(): Term {
    const next = this.peek();
    if (next === "@" || next === "$") {
      this.index++;
      return { kind: next === "@" ? "current" : "root", steps: this.relativeSteps() };
    }
    if (next === "'" || next === '"') return { kind: "string", value: this.string() };
    if (this.accept("true")) return { kind: "boolean", value: true };
    if (this.accept("false")) return { kind: "boolean", value: false };
    if (this.accept("null")) return { kind: "null" };
    const match = /^-?(?:[1-9][0-9]*|[0-9])(\.[0-9]+)?/.exec(this.text.slice(this.index));
    if (match !== null) {
      this.index += match[0].length;
      const integer = match[1] === undefined ? BigInt(match[0]) : undefined;
      // RedisJSON reads a decimal as i64 when it can, else as a float.
      if (integer !== undefined && integer >= -(2n ** 63n) && integer < 2n ** 63n) return { kind: "integer", value: integer };
      return { kind: "float", value: Number(match[0]) };
    }
    throw this.fail("'@', '$', <number>, <string>, 'true', 'false'");
  }

  /** The path after `@` or `$` inside a filter, up to the next operator or bracket end. */
  private relativeSteps(): Step[] {
    const steps: Step[] = [];
    const startsElement = () => {
      const char = this.text[this.index];
      return char === "." || char === "[";
    };
    // Unlike a top-level path, a term's path ends at a space: `@.a > 1`.
    if (this.index < this.text.length && (LITERAL_CHAR.test(this.text[this.index]!) || this.text[this.index] === "*")) {
      steps.push(this.text[this.index] === "*" ? (this.index++, { kind: "all" }) : { kind: "keys", names: [this.literal()] });
    }
    while (startsElement()) steps.push(...this.element());
    return steps;
  }
}
