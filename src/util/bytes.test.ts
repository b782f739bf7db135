import { describe, expect, test } from "bun:test";
import { isAscii, textToBinary } from "./bytes.ts";

describe("isAscii", () => {
  test("holds only when every char is below 0x80", () => {
    expect(isAscii("")).toBe(true);
    expect(isAscii("plain \x00\x7f text")).toBe(true);
    for (const text of ["\x80", "a\xffb", "é", "€", "😀", "\ud800", "x\udfff"]) expect(isAscii(text)).toBe(false);
  });
});

describe("textToBinary", () => {
  test("keeps ASCII as it is and turns anything else into its UTF-8 bytes", () => {
    expect(textToBinary("abc")).toBe("abc");
    expect(textToBinary("é€")).toBe("\xc3\xa9\xe2\x82\xac");
    expect(textToBinary("\ud800")).toBe("\xef\xbf\xbd");
  });
});
