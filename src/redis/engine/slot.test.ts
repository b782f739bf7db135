// Proves key slots are Redis Cluster's (CRC16 XMODEM mod 16384, hash tags as the cluster spec
// defines them), including when lookups alternate between keys, which the one-entry memo must
// never answer with the previous key's slot.

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
  ["", 0],
];

describe("keySlot", () => {
  test("gives Redis Cluster's slots, honouring hash tags", () => {
    for (const [key, slot] of knownSlots) expect(keySlot(key)).toBe(slot);
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
