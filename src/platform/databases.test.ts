// Proves a token opens exactly its database with its access, that wrong or partial tokens open
// nothing (also after the verified-token cache is warm), and that tokens are refused when weak.

import { describe, expect, test } from "bun:test";
import { Database } from "../redis/engine/database.ts";
import { discardChanges } from "../redis/engine/change-log.ts";
import { ManualClock } from "../util/clock.ts";
import { SeededRandom } from "../util/random.ts";
import { Databases } from "./databases.ts";

const database = (name: string) => new Database(name, new ManualClock(), new SeededRandom(1), discardChanges);

describe("Databases.authenticate", () => {
  test("each token opens its own database with its own access, repeatedly", () => {
    const databases = new Databases();
    const a = database("a");
    const b = database("b");
    databases.add(a, { token: "a-read-write-token-0123", readOnlyToken: "a-read-only-token-0123" });
    databases.add(b, { token: "b-read-write-token-0123" });
    for (let round = 0; round < 2; round++) {
      expect(databases.authenticate("a-read-write-token-0123")).toEqual({ database: a, readOnly: false });
      expect(databases.authenticate("a-read-only-token-0123")).toEqual({ database: a, readOnly: true });
      expect(databases.authenticate("b-read-write-token-0123")).toEqual({ database: b, readOnly: false });
    }
  });

  test("wrong, partial and extended tokens open nothing", () => {
    const databases = new Databases();
    databases.add(database("a"), { token: "a-read-write-token-0123" });
    databases.authenticate("a-read-write-token-0123");
    for (const guess of ["", "a-read-write-token-012", "a-read-write-token-01234", "A-READ-WRITE-TOKEN-0123"]) {
      expect(databases.authenticate(guess)).toBeUndefined();
    }
  });

  test("short tokens and a token reused for two databases are refused", () => {
    const databases = new Databases();
    expect(() => databases.add(database("a"), { token: "short" })).toThrow("at least 16 characters");
    databases.add(database("a"), { token: "shared-token-0123456" });
    expect(() => databases.add(database("b"), { token: "shared-token-0123456" })).toThrow("only one database");
  });
});
