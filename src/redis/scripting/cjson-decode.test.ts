// Proves the cjson.decode parser on its own, with no VM: the values it hands lua-vm.ts (objects as
// members in text order, the NaN sign kept), its refusals as PositionedError, and strtod's reach.
// conversions.test.ts proves the same behaviour end to end against redis-server.

import { describe, expect, test } from "bun:test";
import { decodeJson, JSON_DECODE_DEPTH_MAX, JsonObject, NEGATIVE_NAN } from "./cjson-decode.ts";
import { scanStrtod } from "./strtod.ts";
import { PositionedError } from "./lua-arguments.ts";

const refusal = (text: string): string => {
  try {
    decodeJson(text);
  } catch (error) {
    expect(error).toBeInstanceOf(PositionedError);
    return (error as Error).message;
  }
  throw new Error(`decoded: ${text}`);
};

describe("decodeJson", () => {
  test("values: null, booleans, numbers, binary strings, arrays", () => {
    expect(decodeJson('[null,true,false,1.5,"x",[]]')).toEqual([null, true, false, 1.5, "x", []]);
    expect(decodeJson('"\\u00e9\\ud83d\\ude00"')).toBe("\xc3\xa9\xf0\x9f\x98\x80");
    expect(decodeJson('"\xff\x01\t"')).toBe("\xff\x01\t");
  });

  test("an object keeps its members in text order, a repeated key included", () => {
    const object = decodeJson('{"a":1,"b":{},"a":null}') as JsonObject;
    expect(object).toBeInstanceOf(JsonObject);
    expect(object.keys).toEqual(["a", "b", "a"]);
    expect(object.values).toEqual([1, new JsonObject(), null]);
  });

  test("a NaN keeps the sign of its text", () => {
    expect(decodeJson("-nan")).toBe(NEGATIVE_NAN);
    expect(decodeJson("nan")).toBeNaN();
    expect(decodeJson("+nan")).toBeNaN();
  });

  test("refusals in lua-cjson's words", () => {
    expect(refusal("[1 2]")).toBe("Expected comma or array end but found T_NUMBER at character 4");
    expect(refusal('{"a":1,}')).toBe("Expected object key string but found T_OBJ_END at character 8");
    expect(refusal('"\\ud83d"')).toBe("Expected value but found invalid unicode escape code at character 2");
    expect(refusal("\0[1]")).toBe("JSON parser does not support UTF-16 or UTF-32");
    expect(refusal("  \0 1")).toBe("Expected value but found T_END at character 3");
  });

  test("nesting stops past the limit, counted where the bracket opened", () => {
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    expect(() => decodeJson(deep(JSON_DECODE_DEPTH_MAX))).not.toThrow();
    expect(refusal(deep(JSON_DECODE_DEPTH_MAX + 1))).toBe("Found too many nested data structures (1001) at character 1001");
  });

  test("long strings and many escapes take linear time", () => {
    const text = `"${"ab\\n".repeat(200_000)}"`;
    expect((decodeJson(text) as string).length).toBe(600_000);
    const many = `[${'"x",'.repeat(200_000)}"y"]`;
    expect((decodeJson(many) as string[]).length).toBe(200_001);
  });
});

describe("scanStrtod", () => {
  // Where glibc's strtod stops in each text, as lua-cjson sees it.
  const ends: [string, number][] = [
    ["1.5e3x", 5],
    ["1e", 1],
    ["1e+", 1],
    ["1.", 2],
    ["-.5", 3],
    ["-.", 0],
    ["+", 0],
    ["0x", 1],
    ["0x.", 1],
    ["0x.8", 4],
    ["0x1p", 3],
    ["0x1p-2", 6],
    ["infinit", 3],
    ["-Infinity", 9],
    ["nan(ab_1)", 9],
    ["nan(a-b)", 3],
    ["nan(", 3],
  ];
  for (const [text, end] of ends) test(`${text} reads ${end} characters`, () => expect(scanStrtod(text, 0)).toBe(end));
});
