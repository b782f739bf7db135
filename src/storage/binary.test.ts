// Proves the varints the change log's rows use (every size class round-trips, a value takes the
// bytes LEB128 says, and bytes that run out or run past 32 bits are refused, not misread), and
// the decimal digits snapshots write stream ids with.

import { describe, expect, test } from "bun:test";
import { BinaryReader, BinaryWriter, CorruptRecordError, decimalLength } from "./binary.ts";

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
