import { describe, expect, test } from "bun:test";
import { bytesToBinary, concatBytes, isAscii, latin1Slice, textToBinary } from "./bytes.ts";

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

describe("latin1Slice and bytesToBinary", () => {
  test("give the bytes in range as a binary string, one char per byte", () => {
    const bytes = Buffer.from([0x61, 0x00, 0x7f, 0x80, 0xe9, 0xff, 0x62]);
    expect(latin1Slice(bytes, 0, bytes.length)).toBe("a\x00\x7f\x80\xe9\xffb");
    expect(latin1Slice(bytes, 3, 6)).toBe("\x80\xe9\xff");
    expect(latin1Slice(bytes, 2, 2)).toBe("");
    expect(bytesToBinary(bytes.subarray(4))).toBe("\xe9\xffb");
  });
});

describe("concatBytes", () => {
  test("joins chunks in order and hands a lone chunk back uncopied", () => {
    const one = new Uint8Array([1, 2]);
    expect(concatBytes([one], 2)).toBe(one);
    expect([...concatBytes([one, new Uint8Array([]), new Uint8Array([3, 4, 5])], 5)]).toEqual([1, 2, 3, 4, 5]);
    expect(concatBytes([], 0).byteLength).toBe(0);
  });
});
