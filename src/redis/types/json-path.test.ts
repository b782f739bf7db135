// Proves the JSONPath engine against a naive model: seeded random documents and random paths
// (written as text, so the compiler is exercised too) select the same values at the same paths,
// in Upstash's order; plus the grammar's corners, filter semantics, legacy paths and worst cases.

import { describe, expect, test } from "bun:test";
import { randomInt, SeededRandom, type Random } from "../../util/random.ts";
import { encodeUtf8, parseJson, serializeJson, type JsonObject, type JsonValue } from "./json.ts";
import { JsonPath, JsonPathSyntaxError, normalizePath, type PathSegment } from "./json-path.ts";

const KEYS = ["a", "b", "c"];

function randomDocument(random: Random, depth = 0): JsonValue {
  const kind = randomInt(random, depth >= 4 ? 3 : 6);
  if (kind === 0) return BigInt(randomInt(random, 5));
  if (kind === 1) return ["a", "b", null, true][randomInt(random, 4)]!;
  if (kind === 2) return randomInt(random, 8) / 2; // floats, some equal to integers
  if (kind === 3) return Array.from({ length: randomInt(random, 4) }, () => randomDocument(random, depth + 1));
  const object: JsonObject = new Map();
  for (const key of KEYS) if (random.next() < 0.6) object.set(key, randomDocument(random, depth + 1));
  return object;
}

// --- the model: paths as step lists, evaluated by brute force over node lists --------------------

type ModelStep =
  | { kind: "key"; name: string }
  | { kind: "keys"; names: string[] }
  | { kind: "all" }
  | { kind: "indexes"; indexes: number[] }
  | { kind: "slice"; start?: number; end?: number; step?: number }
  | { kind: "scan"; then: ModelStep }
  | { kind: "filter"; field?: string; operator: "==" | "!=" | "<" | ">=" ; literal: bigint | string };

interface Node {
  path: PathSegment[];
  value: JsonValue;
}

function childrenOf(node: Node): Node[] {
  const { value, path } = node;
  if (Array.isArray(value)) return value.map((item, i) => ({ path: [...path, i], value: item }));
  if (value instanceof Map) return [...value].map(([key, item]) => ({ path: [...path, key], value: item }));
  return [];
}

/** Every node of a subtree, each node after all of its descendants (Upstash's `..` order). */
function postOrder(node: Node): Node[] {
  return [...childrenOf(node).flatMap(postOrder), node];
}

function modelFilter(step: Extract<ModelStep, { kind: "filter" }>, value: JsonValue): boolean {
  let operand: JsonValue | undefined = value;
  if (step.field !== undefined) operand = value instanceof Map ? value.get(step.field) : undefined;
  const literal = step.literal;
  if (typeof literal === "string") {
    const equal = operand === literal;
    return step.operator === "==" ? equal : step.operator === "!=" ? !equal : false;
  }
  if (typeof operand !== "bigint" && typeof operand !== "number") return step.operator === "!=";
  const x = Number(operand);
  const y = Number(literal);
  return { "==": x === y, "!=": x !== y, "<": x < y, ">=": x >= y }[step.operator];
}

function modelStep(step: ModelStep, node: Node): Node[] {
  const value = node.value;
  switch (step.kind) {
    case "key":
      return value instanceof Map && value.has(step.name) ? [{ path: [...node.path, step.name], value: value.get(step.name)! }] : [];
    case "keys":
      return step.names.flatMap((name) => modelStep({ kind: "key", name }, node));
    case "all":
      return childrenOf(node);
    case "indexes":
      if (!Array.isArray(value)) return [];
      return step.indexes.flatMap((index) => {
        const i = index >= 0 ? index : Math.max(0, value.length + index);
        return i < value.length ? [{ path: [...node.path, i], value: value[i]! }] : [];
      });
    case "slice": {
      if (!Array.isArray(value)) return [];
      const clamp = (i: number) => (i >= 0 ? Math.min(i, value.length) : Math.max(0, value.length + i));
      const out: Node[] = [];
      for (let i = clamp(step.start ?? 0); i < clamp(step.end ?? value.length); i += step.step ?? 1) out.push({ path: [...node.path, i], value: value[i]! });
      return out;
    }
    case "scan":
      return postOrder(node).flatMap((each) => modelStep(step.then, each));
    case "filter":
      if (Array.isArray(value) || value instanceof Map) return childrenOf(node).filter((child) => modelFilter(step, child.value));
      return modelFilter(step, value) ? [node] : [];
  }
}

function modelEvaluate(steps: ModelStep[], root: JsonValue): Node[] {
  let nodes: Node[] = [{ path: [], value: root }];
  for (const step of steps) nodes = nodes.flatMap((node) => modelStep(step, node));
  return nodes;
}

// --- random paths, written as text in the grammar's various spellings ----------------------------

const pick = <T>(random: Random, items: T[]): T => items[randomInt(random, items.length)]!;
const spaces = (random: Random) => (random.next() < 0.2 ? " " : "");

function randomStep(random: Random, allowScan = true): ModelStep {
  switch (randomInt(random, allowScan ? 8 : 7)) {
    case 0:
    case 1:
      return { kind: "key", name: pick(random, KEYS) };
    case 2:
      return { kind: "keys", names: Array.from({ length: 1 + randomInt(random, 2) }, () => pick(random, KEYS)) };
    case 3:
      return { kind: "all" };
    case 4:
      return { kind: "indexes", indexes: Array.from({ length: 1 + randomInt(random, 2) }, () => randomInt(random, 9) - 4) };
    case 5: {
      const part = () => (random.next() < 0.4 ? undefined : randomInt(random, 9) - 4);
      return { kind: "slice", start: part(), end: part(), step: random.next() < 0.5 ? undefined : 1 + randomInt(random, 3) };
    }
    case 6:
      return random.next() < 0.5
        ? { kind: "filter", field: random.next() < 0.7 ? pick(random, KEYS) : undefined, operator: pick(random, ["==", "!=", "<", ">="] as const), literal: BigInt(randomInt(random, 4)) }
        : { kind: "filter", field: pick(random, KEYS), operator: pick(random, ["==", "!="] as const), literal: pick(random, ["a", "b"]) };
    default:
      return { kind: "scan", then: randomStep(random, false) };
  }
}

function bracketText(random: Random, step: ModelStep): string {
  const s = () => spaces(random);
  switch (step.kind) {
    case "key":
    case "keys": {
      const names = step.kind === "key" ? [step.name] : step.names;
      return `[${names.map((name) => `${s()}${random.next() < 0.5 ? `'${name}'` : `"${name}"`}${s()}`).join(",")}]`;
    }
    case "all":
      return "[*]";
    case "indexes":
      return `[${step.indexes.map((i) => `${s()}${i}${s()}`).join(",")}]`;
    case "slice":
      return `[${step.start ?? ""}:${step.end ?? ""}${step.step === undefined ? "" : `:${step.step}`}]`;
    case "filter": {
      const literal = typeof step.literal === "string" ? `"${step.literal}"` : step.literal.toString();
      const operand = step.field === undefined ? "@" : `@.${step.field}`;
      const expression = `${operand}${s()}${step.operator}${s()}${literal}`;
      return random.next() < 0.5 ? `[?(${expression})]` : `[?${expression}]`;
    }
    case "scan":
      throw new Error("a scan is written by stepText");
  }
}

function stepText(random: Random, step: ModelStep): string {
  if (step.kind === "scan") {
    const then = step.then;
    if (then.kind === "key" && random.next() < 0.6) return `..${then.name}`;
    if (then.kind === "all" && random.next() < 0.6) return "..*";
    return `..${bracketText(random, then)}`;
  }
  if (step.kind === "key" && random.next() < 0.6) return `.${step.name}`;
  if (step.kind === "all" && random.next() < 0.5) return ".*";
  return `${random.next() < 0.3 ? "." : ""}${bracketText(random, step)}`;
}

const json = (text: string) => parseJson(encodeUtf8(text));
const select = (text: string, path: string) => serializeJson(JsonPath.compile(path).evaluate(json(text)).map((match) => match.value));

describe("JsonPath.evaluate", () => {
  test("selects what the naive model selects, in the same order, for 6,000 random documents and paths", () => {
    const random = new SeededRandom(21);
    for (let i = 0; i < 6000; i++) {
      const root = randomDocument(random);
      const steps = Array.from({ length: 1 + randomInt(random, 3) }, () => randomStep(random));
      const text = "$" + steps.map((step) => stepText(random, step)).join("");
      const expected = modelEvaluate(steps, root);
      const actual = JsonPath.compile(text).evaluate(root);
      expect({ text, paths: actual.map((match) => match.path) }).toEqual({ text, paths: expected.map((node) => node.path) });
      for (let j = 0; j < actual.length; j++) expect(actual[j]!.value).toBe(expected[j]!.value);
    }
  });

  test("each match knows its container and key, so commands can change it in place", () => {
    const root = json('{"a":[{"b":1}],"c":{"b":2}}');
    for (const match of JsonPath.compile("$..b").evaluate(root)) {
      const parent = match.parent as JsonObject;
      expect(parent.get(match.key as string)).toBe(match.value);
    }
    const [rootMatch] = JsonPath.compile("$").evaluate(root);
    expect(rootMatch).toEqual({ value: root, parent: undefined, key: undefined, path: [] });
  });

  test("recursive descent lists a node's subtree before the node (Upstash), unlike RedisJSON", () => {
    expect(select('{"a":2,"b":3,"nested":{"a":4,"b":null}}', "$..a")).toBe("[4,2]");
    expect(select('{"a":2,"b":3,"nested":{"a":4,"b":null}}', "$..b")).toBe("[null,3]");
    expect(select('{"a":{"a":{"a":1}}}', "$..a")).toBe('[1,{"a":1},{"a":{"a":1}}]');
    expect(select("[[1,[2]],3]", "$..[0]")).toBe("[2,1,[1,[2]]]");
    expect(select('{"x":[1,{"y":2}]}', "$..*")).toBe('[2,1,{"y":2},[1,{"y":2}]]');
  });

  test("filters: && binds tighter than ||, parentheses, `!=` across types, regex, root references", () => {
    const doc = '[{"a":1,"b":"x"},{"a":2,"b":"x"},{"a":3,"b":"y"},{"a":"2"},{"c":1}]';
    expect(select(doc, '$[?(@.a > 1 && @.b == "x")].a')).toBe("[2]");
    expect(select(doc, '$[?(@.a == 1 || @.a == 3 && @.b == "y")].a')).toBe("[1,3]");
    expect(select(doc, '$[?((@.a == 1 || @.a == 3) && @.b == "x")].a')).toBe("[1]");
    expect(select(doc, "$[?(@.a != 2)]")).toBe('[{"a":1,"b":"x"},{"a":3,"b":"y"},{"a":"2"},{"c":1}]');
    expect(select(doc, "$[?(@.a)].a")).toBe('[1,2,3,"2"]');
    expect(select(doc, "$[?(@.a <= 2.0)].a")).toBe("[1,2]");
    expect(select(doc, '$[?(@.b =~ "^[x]")].a')).toBe("[1,2]");
    expect(select(doc, '$[?(@.b =~ "(?i)Y")].a')).toBe("[3]");
    expect(select(doc, '$[?(@.b =~ "(")].a')).toBe("[]");
    expect(select('{"limit":2,"items":[1,2,3]}', "$.items[?(@ >= $.limit)]")).toBe("[2,3]");
    expect(select('{"o":{"x":1,"y":5}}', "$.o[?(@ > 2)]")).toBe("[5]");
    expect(select("5", "$[?(@ > 2)]")).toBe("[5]");
    expect(select('[true,false,null,"b","a",[1]]', "$[?(@ == false)]")).toBe("[false]");
    expect(select('[true,false,null,"b","a",[1]]', "$[?(@ == null)]")).toBe("[null]");
    expect(select('[true,false,null,"b","a",[1]]', '$[?(@ > "a")]')).toBe('["b"]');
    expect(select('[[1],[2]]', "$[?(@[0] == 2)]")).toBe("[[2]]");
  });

  test("indexes before the start clamp to the first element, past the end select nothing", () => {
    expect(select("[1,2,3]", "$[-1]")).toBe("[3]");
    expect(select("[1,2,3]", "$[-10]")).toBe("[1]");
    expect(select("[1,2,3]", "$[3]")).toBe("[]");
    expect(select("[1,2,3]", "$[-0]")).toBe("[1]");
    expect(select("[0,1,2,3,4,5]", "$[1:-1:2]")).toBe("[1,3]");
    expect(select("[0,1,2,3,4,5]", "$[:]")).toBe("[0,1,2,3,4,5]");
    expect(select("[0,1,2,3,4,5]", "$[4:2]")).toBe("[]");
  });
});

describe("JsonPath.compile", () => {
  test("accepts the grammar's spellings", () => {
    const doc = '{"a b":{"$x":[10,20]},"k-1":{"~":true}}';
    expect(select(doc, "$['a b'].$x[1]")).toBe("[20]");
    expect(select(doc, '$["a b"]["$x"][0]')).toBe("[10]");
    expect(select(doc, "$.k-1.~")).toBe("[true]");
    expect(select(doc, "$ . k-1 [ '~' ]")).toBe("[true]");
    expect(select(doc, "$*")).toBe('[{"$x":[10,20]},{"~":true}]');
    expect(select('{"q\'s":1,"d\\"q":2}', "$['q\\'s']")).toBe("[1]");
    expect(select('{"q\'s":1,"d\\"q":2}', '$["d\\"q"]')).toBe("[2]");
  });

  test("refuses what the grammar refuses, with the position", () => {
    const error = (path: string) => {
      try {
        JsonPath.compile(path);
      } catch (caught) {
        if (caught instanceof JsonPathSyntaxError) return caught.message;
        throw caught;
      }
      return "compiled";
    };
    expect(error("$.")).toBe(`Error occurred on position 2, "$. <<<<----", expected one of the following: <string>, '*'.`);
    expect(error("$.a]")).toBe(`Error occurred on position 3, "$.a ---->>>> ]", expected one of the following: '.', '..', '['.`);
    for (const path of ["", "a", "$[", "$[01]", "$[::0]", "$['a'", "$[?(@.a >)]", "$[?(@.a > 1]", "$...a", "$.é", "$[1,'a']"]) {
      expect([path, error(path).startsWith("Error occurred on position")]).toEqual([path, true]);
    }
  });

  test("static paths: single keys and single indexes only", () => {
    expect(["$.a.b", "$['a'][0]", "$[-1]"].map((path) => JsonPath.compile(path).isStatic)).toEqual([true, true, true]);
    expect(["$.*", "$..a", "$['a','b']", "$[0,1]", "$[0:1]", "$[?(@)]"].map((path) => JsonPath.compile(path).isStatic)).toEqual([
      false, false, false, false, false, false,
    ]);
    const { parent, last } = JsonPath.compile("$.a[2]").splitLast();
    expect(last).toBe(2);
    expect(serializeJson(parent.evaluate(json('{"a":[1]}')).map((match) => match.value))).toBe("[[1]]");
  });
});

describe("normalizePath", () => {
  test("tells JSONPath from legacy paths as RedisJSON's Path::new does", () => {
    expect(normalizePath("$")).toEqual({ text: "$", isLegacy: false });
    expect(normalizePath("$.a")).toEqual({ text: "$.a", isLegacy: false });
    expect(normalizePath("$[0]")).toEqual({ text: "$[0]", isLegacy: false });
    expect(normalizePath(".")).toEqual({ text: "$", isLegacy: true });
    expect(normalizePath(".a.b")).toEqual({ text: "$.a.b", isLegacy: true });
    expect(normalizePath("a[0]")).toEqual({ text: "$.a[0]", isLegacy: true });
    expect(normalizePath("$a")).toEqual({ text: "$.$a", isLegacy: true });
    expect(normalizePath("..a")).toEqual({ text: "$..a", isLegacy: true });
  });
});

describe("worst cases", () => {
  test("deep nesting: `$..a..a` on 120 nested objects stays fast", () => {
    const deep = '{"a":'.repeat(120) + "1" + "}".repeat(120);
    const root = json(deep);
    const started = performance.now();
    expect(JsonPath.compile("$..a").evaluate(root)).toHaveLength(120);
    expect(JsonPath.compile("$..a..a").evaluate(root)).toHaveLength((119 * 120) / 2);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("wide documents: a filter over 100,000 elements and `$..*` over 60,000 nodes", () => {
    const wide = json(`[${Array.from({ length: 100_000 }, (_, i) => i % 10).join(",")}]`);
    const objects = json(JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ id: i, tags: ["t"] }))));
    const started = performance.now();
    expect(JsonPath.compile("$[?(@ > 7)]").evaluate(wide)).toHaveLength(20_000);
    expect(JsonPath.compile("$..*").evaluate(objects)).toHaveLength(80_000);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
