// Proves the varints the change log's rows use (every size class round-trips, a value takes the
// bytes LEB128 says, and bytes that run out or run past 32 bits are refused, not misread), and
// the decimal digits snapshots write stream ids with.

import { describe, expect, test } from "bun:test";
import { BinaryReader, BinaryWriter, CorruptRecordError, decimalLength } from "./binary.ts";

describe("u32", () => {
  test("every byte of a little-endian u32 counts, the top one too (no sign from bit 31)", () => {
    for (const value of [0, 1, 0xff, 0x100, 0xffff, 0x1_0000, 0xff_ffff, 0x100_0000, 2 ** 31 - 1, 2 ** 31, 0xdead_beef, 2 ** 32 - 1]) {
      const reader = new BinaryReader(new BinaryWriter().u32(value).finish());
      expect(reader.u32()).toBe(value);
      reader.end();
    }
  });

  test("three bytes left are refused, not read past", () => {
    expect(() => new BinaryReader(new Uint8Array([1, 2, 3])).u32()).toThrow(CorruptRecordError);
  });
});

describe("byte strings", () => {
  test("come back as binary strings, every byte one char, high bytes included", () => {
    const text = "key:\x00\x7f\x80\xc3\xa9\xff";
    const reader = new BinaryReader(new BinaryWriter().bytes(text).bytes("").finish());
    expect(reader.bytes()).toBe(text);
    expect(reader.bytes()).toBe("");
    reader.end();
  });

  test("written from an offset, only the bytes from there on are written", () => {
    const long = "\xff".repeat(40) + "tail";
    const longTail = "skip:" + "\xfe".repeat(30);
    const bytes = new BinaryWriter().latin1("key:\x80\x81", 4).latin1(long, 40).latin1("whole").latin1("gone", 4).latin1(longTail, 5).finish();
    expect(new BinaryReader(bytes).latin1(bytes.length)).toBe("\x80\x81tailwhole" + "\xfe".repeat(30));
  });
});

describe("uvarint", () => {
  test("values at each byte-count boundary round-trip in the LEB128 byte count", () => {
    const cases: [number, number][] = [
      [0, 1],
      [127, 1],
      [128, 2],
      [16_383, 2],
      [16_384, 3],
      [2 ** 21 - 1, 3],
      [2 ** 21, 4],
      [2 ** 28 - 1, 4],
      [2 ** 28, 5],
      [2 ** 32 - 1, 5],
    ];
    for (const [value, bytes] of cases) {
      const encoded = new BinaryWriter().uvarint(value).finish();
      expect([value, encoded.length]).toEqual([value, bytes]);
      const reader = new BinaryReader(encoded);
      expect(reader.uvarint()).toBe(value);
      reader.end();
    }
  });

  test("a varint cut short or longer than 32 bits is refused", () => {
    expect(() => new BinaryReader(new Uint8Array([0x80])).uvarint()).toThrow(CorruptRecordError);
    expect(() => new BinaryReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x10])).uvarint()).toThrow(CorruptRecordError);
    expect(() => new BinaryReader(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint()).toThrow(CorruptRecordError);
  });

  test("strings written after their own varint length read back byte for byte", () => {
    const values = ["", "SET", "\x00\xff\x80", "x".repeat(300)];
    const writer = new BinaryWriter();
    for (const value of values) writer.uvarint(value.length).latin1(value);
    const reader = new BinaryReader(writer.finish());
    expect(values.map(() => reader.latin1(reader.uvarint()))).toEqual(values);
    reader.end();
  });
});

describe("digits", () => {
  test("write the same ASCII as String() for integers of every length", () => {
    for (const value of [0, 9, 10, 99, 100, 1_234_567, 1_700_000_000_000, Number.MAX_SAFE_INTEGER]) {
      const bytes = new BinaryWriter().u8(0x2d).digits(value).finish();
      expect([value, Buffer.from(bytes).toString("latin1")]).toEqual([value, "-" + String(value)]);
      expect(decimalLength(value)).toBe(String(value).length);
    }
  });
});
