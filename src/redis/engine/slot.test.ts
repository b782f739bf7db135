// Proves key slots are Redis Cluster's (CRC16 XMODEM mod 16384, hash tags as the cluster spec
// defines them), for keys of every length the four-bytes-at-a-time CRC splits differently,
// including when lookups alternate between keys, which the memo must never answer with the
// previous key's slot.

import { describe, expect, test } from "bun:test";
import { keySlot } from "./slot.ts";

// Slots as CLUSTER KEYSLOT reports them; the tag cases are the cluster spec's own examples.
const knownSlots: [string, number][] = [
  ["foo", 12182],
  ["bar", 5061],
  ["user1000", 3443],
  ["{user1000}.following", 3443],
  ["{user1000}.followers", 3443],
  ["foo{}{bar}", 8363], // an empty tag: the whole key is hashed
  ["foo{{bar}}zap", 4015], // the tag is "{bar"
  ["a{b", 13340], // no closing brace: the whole key
  ["123456789", 12739], // the CRC16 XMODEM check value 0x31c3
  ["", 0],
];

/** CRC16 XMODEM bit by bit, as the cluster spec's reference code computes it. */
function referenceCrc16(bytes: string): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes.charCodeAt(i) << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

describe("keySlot", () => {
  test("gives Redis Cluster's slots, honouring hash tags", () => {
    for (const [key, slot] of knownSlots) expect(keySlot(key)).toBe(slot);
  });

  test("is the reference CRC16 of keys of every length from 0 to 70 bytes, any byte values", () => {
    let seed = 11;
    const nextByte = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return (seed >> 8) & 0xff;
    };
    for (let length = 0; length <= 70; length++) {
      for (let sample = 0; sample < 20; sample++) {
        // No braces, so the whole key is hashed.
        const key = String.fromCharCode(...Array.from({ length }, () => nextByte())).replace(/[{}]/g, "x");
        expect(keySlot(key)).toBe(referenceCrc16(key) & 16383);
      }
    }
  });

  test("gives each key its own slot when lookups repeat and alternate", () => {
    const keys = [...knownSlots, ...knownSlots.toReversed()];
    for (const [key, slot] of keys) {
      expect(keySlot(key)).toBe(slot);
      expect(keySlot(key.slice())).toBe(slot);
      expect(keySlot(`${key}`)).toBe(slot);
    }
  });
});
