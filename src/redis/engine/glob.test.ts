// Proves the glob matcher agrees with Redis's stringmatchlen on its documented forms and quirks.

import { describe, expect, test } from "bun:test";
import { globMatch } from "./glob.ts";

describe("globMatch", () => {
  test.each([
    ["h?llo", "hello", true],
    ["h?llo", "hllo", false],
    ["h*llo", "heeeello", true],
    ["h[ae]llo", "hallo", true],
    ["h[ae]llo", "hillo", false],
    ["h[^e]llo", "hallo", true],
    ["h[^e]llo", "hello", false],
    ["h[a-b]llo", "hbllo", true],
    ["h[b-a]llo", "hallo", true],
    ["h\\*llo", "h*llo", true],
    ["h\\*llo", "hello", false],
    ["a*", "a", true],
    ["*", "", false],
    ["", "", true],
    ["a**b", "ab", true],
    ["[abc", "a", true],
    ["user:*:name", "user:42:name", true],
  ])("%p against %p is %p", (pattern, subject, expected) => {
    expect(globMatch(pattern, subject)).toBe(expected);
  });

  test("bracket ranges compare bytes as signed chars, as Redis on x86 does", () => {
    expect(globMatch("[a-\xff]*", "k1")).toBe(false);
    expect(globMatch("[a-\xff]*", "a")).toBe(true);
    expect(globMatch("[a-\xff]*", "\xff")).toBe(true);
    expect(globMatch("?[\x00-\xff]*", "k\x80")).toBe(false);
    expect(globMatch("?[\x00-\xff]*", "k\xff")).toBe(true);
  });

  test("nocase folds letters but not escaped characters", () => {
    expect(globMatch("HELLO", "hello", true)).toBe(true);
    expect(globMatch("[A-C]x", "bx", true)).toBe(true);
    expect(globMatch("HELLO", "hello")).toBe(false);
  });
});
