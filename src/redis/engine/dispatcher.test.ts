// Proves the command table finds a command's row in any letter case, and that remembering the
// last name it found never answers another name, a known one or an unknown one, with that row.

import { describe, expect, test } from "bun:test";
import { createCommandTable } from "../commands/index.ts";

describe("CommandTable.find", () => {
  test("each spelling, repeated or alternating, finds its own row or none", () => {
    const table = createCommandTable();
    const spellings: [string, string | undefined][] = [
      ["GET", "get"],
      ["get", "get"],
      ["Set", "set"],
      ["nosuchcommand", undefined],
      ["", undefined],
      ["LPUSH", "lpush"],
      ["LPUSH", "lpush"],
      ["lpushx", "lpushx"],
    ];
    for (const [spelling, name] of [...spellings, ...spellings.toReversed(), ...spellings]) {
      expect(table.find([...spelling].join(""))?.name).toBe(name);
    }
  });
});
