// The three differential families: each family's own commands, plus a few of the others' so keys
// change type under them (WRONGTYPE paths) and TTLs appear; only generic sends unknown commands.
// Shared by the test files and by explore.ts.

import { genericEntries, hashEntries, reweighted, stringEntries, unknownEntries } from "./commands.ts";
import type { Family } from "./differential.ts";

export const stringsFamily: Family = {
  name: "strings",
  commands: {
    ...stringEntries,
    ...reweighted(hashEntries, { hset: 2, hget: 1 }),
    ...reweighted(genericEntries, { del: 2, ttl: 2, pttl: 1, type: 1 }),
  },
};

export const hashesFamily: Family = {
  name: "hashes",
  commands: {
    ...hashEntries,
    ...reweighted(stringEntries, { set: 3, get: 1, append: 1 }),
    ...reweighted(genericEntries, { del: 2, type: 1, expire: 1, ttl: 1 }),
  },
};

export const genericFamily: Family = {
  name: "generic",
  commands: {
    ...genericEntries,
    ...reweighted(stringEntries, { set: 8, setex: 2, get: 2, append: 1 }),
    ...reweighted(hashEntries, { hset: 4, hgetall: 1 }),
    ...unknownEntries,
  },
};

export const families: Record<string, Family> = { strings: stringsFamily, hashes: hashesFamily, generic: genericFamily };
