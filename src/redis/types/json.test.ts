// Proves the JSON value model against naive models on seeded random inputs: parse ∘ serialize is
// the identity, parsing agrees with JSON.parse, floats print as Rust's ryu and read back exactly,
// merge is RFC 7386, byte lengths and ordering are UTF-8's; plus serde_json's error texts and limits.

import { describe, expect, test } from "bun:test";
import { randomInt, SeededRandom, type Random } from "../../util/random.ts";
import {
  approxJsonBytes,
  cloneJson,
  compareCodePoints,
  decodeUtf8,
  encodeUtf8,
  formatJsonFloat,
  JsonDocument,
  jsonStrictEquals,
  JsonSyntaxError,
  mergePatch,
  parseJson,
  serializeJson,
  utf8Length,
  type JsonObject,
  type JsonValue,
} from "./json.ts";

const ALPHABET = ["a", "b", "é", "€", "😀", '"', "\\", "\n", "\u0001", " ", "/", "\u2028"];

function randomText(random: Random, lengthMax = 6): string {
  let text = "";
  for (let i = randomInt(random, lengthMax + 1); i > 0; i--) text += ALPHABET[randomInt(random, ALPHABET.length)];
  return text;
}

function randomFloat(random: Random): number {
  switch (randomInt(random, 5)) {
    case 0:
      return (random.next() - 0.5) * 10 ** randomInt(random, 40);
    case 1:
      return randomInt(random, 1000) / 8;
    case 2:
      return (random.next() - 0.5) * 10 ** -randomInt(random, 30);
    case 3:
      return [0, -0, 1e16, 1e15, 1e-5, 1e-4, 123456789012345680000, Number.MAX_VALUE, Number.MIN_VALUE][randomInt(random, 9)]!;
    default:
      return random.next();
  }
}

function randomJson(random: Random, depth = 0): JsonValue {
  const kind = randomInt(random, depth > 3 ? 6 : 8);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.next() < 0.5;
    case 2:
      return BigInt(randomInt(random, 2001) - 1000) * (random.next() < 0.2 ? 10n ** 15n : 1n);
    case 3:
      return randomFloat(random);
    case 4:
    case 5:
      return randomText(random);
    case 6:
      return Array.from({ length: randomInt(random, 4) }, () => randomJson(random, depth + 1));
    default: {
      const object: JsonObject = new Map();
      for (let i = randomInt(random, 4); i > 0; i--) object.set(randomText(random, 2), randomJson(random, depth + 1));
      return object;
    }
  }
}

const parseText = (text: string) => parseJson(encodeUtf8(text));
const parseError = (text: string) => {
  try {
    parseText(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error.message;
    throw error;
  }
  return "no error";
};

/** A JSON value as plain JS (numbers as numbers, objects as records), what JSON.parse gives. */
function asPlain(value: JsonValue): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(asPlain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([key, item]) => [key, asPlain(item)]));
  return value;
}

describe("parseJson and serializeJson", () => {
  test("parse(serialize(v)) is v for 5,000 random documents, and serializing again gives the same text", () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < 5000; i++) {
      const value = randomJson(random);
      const text = serializeJson(value);
      const parsed = parseJson(encodeUtf8(text));
      expect(jsonStrictEquals(parsed, value)).toBe(true);
      expect(serializeJson(parsed)).toBe(text);
    }
  });

  test("agrees with JSON.parse on 2,000 random texts with random whitespace", () => {
    const random = new SeededRandom(11);
    for (let i = 0; i < 2000; i++) {
      const value = asPlain(randomJson(random));
      const text = JSON.stringify(value, null, [" ", "\t", "\n", ""][randomInt(random, 4)]);
      expect(asPlain(parseText(`${" \r\n\t".slice(randomInt(random, 4))}${text} `))).toEqual(JSON.parse(text));
    }
  });

  test("formatted output is the compact text with RedisJSON's layout around it", () => {
    const random = new SeededRandom(5);
    for (let i = 0; i < 500; i++) {
      const value = randomJson(random);
      const pretty = serializeJson(value, { indent: "\t", newline: "\n", space: " " });
      expect(serializeJson(parseText(pretty))).toBe(serializeJson(value));
    }
    expect(serializeJson(parseText('{"a":[1,[],{}],"b":{"c":null}}'), { indent: "__", newline: "|", space: "." })).toBe(
      '{|__"a":.[|____1,|____[],|____{}|__],|__"b":.{|____"c":.null|__}|}',
    );
    expect(serializeJson(parseText("[]"), { indent: "  " })).toBe("[]");
  });

  test("integers in [-2^63, 2^64-1] stay integers, others become floats, as serde_json reads them", () => {
    expect(parseText("18446744073709551615")).toBe(18446744073709551615n);
    expect(parseText("-9223372036854775808")).toBe(-9223372036854775808n);
    expect(parseText("18446744073709551616")).toBe(18446744073709551616);
    expect(parseText("-9223372036854775809")).toBe(-9223372036854775808);
    expect(parseText("-0")).toBe(0n);
    expect(Object.is(parseText("-0.0"), -0)).toBe(true);
    expect(parseText("1E+2")).toBe(100);
    expect(parseText("1e-400")).toBe(0);
  });

  test("errors are serde_json's words and positions", () => {
    const cases: [string, string][] = [
      ["", "EOF while parsing a value at line 1 column 0"],
      ["   ", "EOF while parsing a value at line 1 column 3"],
      ["x", "expected value at line 1 column 1"],
      ["{", "EOF while parsing an object at line 1 column 1"],
      ["[", "EOF while parsing a list at line 1 column 1"],
      ["[1,", "EOF while parsing a value at line 1 column 3"],
      ["[1 2]", "expected `,` or `]` at line 1 column 4"],
      ["[1,]", "trailing comma at line 1 column 4"],
      ['{"a":1,}', "trailing comma at line 1 column 8"],
      ['{"a" 1}', "expected `:` at line 1 column 6"],
      ['{"a":1 "b":2}', "expected `,` or `}` at line 1 column 8"],
      ["{a:1}", "key must be a string at line 1 column 2"],
      ["1 2", "trailing characters at line 1 column 3"],
      ["tru", "EOF while parsing a value at line 1 column 3"],
      ["trux", "expected ident at line 1 column 4"],
      ["nul", "EOF while parsing a value at line 1 column 3"],
      ["01", "invalid number at line 1 column 2"],
      ["-", "EOF while parsing a value at line 1 column 1"],
      ["-a", "invalid number at line 1 column 2"],
      ["1.", "EOF while parsing a value at line 1 column 2"],
      ["1.e", "invalid number at line 1 column 3"],
      ["1e", "EOF while parsing a value at line 1 column 2"],
      ["1e+x", "invalid number at line 1 column 4"],
      ["1e400", "number out of range at line 1 column 5"],
      ['"abc', "EOF while parsing a string at line 1 column 4"],
      ['"a\\x"', "invalid escape at line 1 column 4"],
      ['"\\u12g4"', "invalid escape at line 1 column 6"],
      ['"\\udc00"', "lone leading surrogate in hex escape at line 1 column 7"],
      ['"\\ud800"', "unexpected end of hex escape at line 1 column 7"],
      ['"\\ud800\\u0041"', "lone leading surrogate in hex escape at line 1 column 13"],
      ['"a\tb"', "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3"],
      ["[\n1,\n]", "trailing comma at line 3 column 1"],
    ];
    for (const [text, message] of cases) expect([text, parseError(text)]).toEqual([text, message]);
  });

  test("nesting: 127 levels parse, the 128th is refused as serde_json's recursion limit", () => {
    expect(parseText("[".repeat(127) + "]".repeat(127))).toBeArray();
    expect(parseError("[".repeat(128) + "]".repeat(128))).toBe("recursion limit exceeded at line 1 column 128");
    expect(parseError('{"a":'.repeat(128) + "1" + "}".repeat(128))).toBe("recursion limit exceeded at line 1 column 636");
  });

  test("a big document parses and prints in linear time", () => {
    const big = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ["x", "y"], price: i / 3 })));
    const started = performance.now();
    const value = parseText(big);
    expect(serializeJson(value).length).toBeGreaterThan(big.length / 2);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("formatJsonFloat", () => {
  test("prints Rust ryu's text for known values", () => {
    const cases: [number, string][] = [
      [0, "0.0"],
      [-0, "-0.0"],
      [1, "1.0"],
      [-2.5, "-2.5"],
      [0.1, "0.1"],
      [0.30000000000000004, "0.30000000000000004"],
      [100, "100.0"],
      [1e15, "1000000000000000.0"],
      [1e16, "1e16"],
      [1.5e16, "1.5e16"],
      [123456789012345680000, "1.2345678901234568e20"],
      [0.0001, "0.0001"],
      [0.00001, "0.00001"],
      [0.000001, "1e-6"],
      [1.5e-7, "1.5e-7"],
      [Number.MAX_VALUE, "1.7976931348623157e308"],
      [Number.MIN_VALUE, "5e-324"],
    ];
    for (const [value, text] of cases) expect([value, formatJsonFloat(value)]).toEqual([value, text]);
  });

  test("reads back exactly and always shows it is a float, for 20,000 random doubles", () => {
    const random = new SeededRandom(3);
    const bits = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 20_000; i++) {
      bits.setUint32(0, randomInt(random, 2 ** 32));
      bits.setUint32(4, randomInt(random, 2 ** 32));
      const value = i % 2 === 0 ? bits.getFloat64(0) : randomFloat(random);
      if (!Number.isFinite(value)) continue;
      const text = formatJsonFloat(value);
      expect(Number(text)).toBe(value);
      expect(/[.e]/.test(text)).toBe(true);
      expect(parseText(text)).toBe(value);
    }
  });
});

describe("text helpers", () => {
  test("utf8Length and compareCodePoints agree with UTF-8 bytes on random strings", () => {
    const random = new SeededRandom(9);
    for (let i = 0; i < 3000; i++) {
      const a = randomText(random, 8);
      const b = randomText(random, 8);
      expect(utf8Length(a)).toBe(Buffer.byteLength(a, "utf8"));
      expect(compareCodePoints(a, b)).toBe(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
      expect(decodeUtf8(encodeUtf8(a))).toBe(a);
    }
    expect(compareCodePoints("\uffff", "😀")).toBe(-1); // UTF-16 order would say the opposite
    expect(decodeUtf8("\xc3")).toBeNull();
    expect(decodeUtf8("\xed\xa0\x80")).toBeNull(); // an encoded surrogate is not UTF-8
  });
});

/** RFC 7386's reference algorithm over plain JS values, the model for mergePatch. */
function naiveMerge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = naiveMerge(result[key], value);
  }
  return result;
}

describe("mergePatch", () => {
  test("matches RFC 7386's algorithm on 3,000 random target/patch pairs", () => {
    const random = new SeededRandom(13);
    for (let i = 0; i < 3000; i++) {
      const target = randomJson(random);
      const patch = randomJson(random);
      const expected = naiveMerge(asPlain(target), asPlain(patch));
      expect(asPlain(mergePatch(cloneJson(target), patch))).toEqual(expected as never);
    }
  });

  test("RFC 7386 appendix examples", () => {
    const merge = (target: string, patch: string) => serializeJson(mergePatch(parseText(target), parseText(patch)));
    expect(merge('{"a":"b"}', '{"a":"c"}')).toBe('{"a":"c"}');
    expect(merge('{"a":"b"}', '{"b":"c"}')).toBe('{"a":"b","b":"c"}');
    expect(merge('{"a":"b"}', '{"a":null}')).toBe("{}");
    expect(merge('{"a":[{"b":"c"}]}', '{"a":[1]}')).toBe('{"a":[1]}');
    expect(merge('["a","b"]', '["c","d"]')).toBe('["c","d"]');
    expect(merge('{"a":"foo"}', "null")).toBe("null");
    expect(merge("[1,2]", '{"a":"b","c":null}')).toBe('{"a":"b"}');
    expect(merge("{}", '{"a":{"bb":{"ccc":null}}}')).toBe('{"a":{"bb":{}}}');
  });
});

describe("JsonDocument", () => {
  test("clone shares nothing, encoding is raw, size grows with content", () => {
    const document = new JsonDocument(parseText('{"a":[1,{"b":"text"}]}'));
    const copy = document.clone();
    ((copy.root as JsonObject).get("a") as JsonValue[]).push(2n);
    expect(serializeJson(document.root)).toBe('{"a":[1,{"b":"text"}]}');
    expect(document.encoding()).toBe("raw");
    expect(approxJsonBytes("x".repeat(1000))).toBeGreaterThan(1000);
    expect(copy.approxBytes()).toBeGreaterThan(document.approxBytes());
  });
});
