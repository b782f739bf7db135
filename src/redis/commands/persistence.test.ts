// Proves SAVE, BGSAVE and LASTSAVE: their replies and error texts as redis-server 7.0 gives them,
// and that they hand the work to the database's durable store (a fake here; the real store is
// proven in src/storage/persistence.test.ts and test/durability). In process, on a manual clock.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain } from "../../../test/harness/engine.ts";
import type { Persistence } from "../engine/database.ts";
import { errors } from "../engine/errors.ts";

function fakePersistence(overrides: Partial<Persistence> = {}): Persistence & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    checkWritable: () => {},
    pendingCommit: () => undefined,
    deferCommitsAfter: () => {},
    resumeCommits: () => {},
    save: () => void calls.push("save"),
    backgroundSave: (schedule) => (calls.push(schedule ? "bgsave schedule" : "bgsave"), "started"),
    lastSaveAtMs: () => 1_700_000_123_456,
    info: () => [],
    ...overrides,
  };
}

describe("SAVE", () => {
  test("saves through the durable store and answers OK", () => {
    const engine = createTestEngine();
    const persistence = fakePersistence();
    engine.database.persistence = persistence;
    expect(plain(engine.run("SAVE"))).toEqual({ status: "OK" });
    expect(persistence.calls).toEqual(["save"]);
  });

  test("a database held only in memory has nothing to save: OK", () => {
    expect(plain(createTestEngine().run("SAVE"))).toEqual({ status: "OK" });
  });

  test("refused while a background save runs, and to read-only tokens", () => {
    const engine = createTestEngine();
    engine.database.persistence = fakePersistence({
      save: () => {
        throw errors.backgroundSaveInProgress();
      },
    });
    expect(plain(engine.run("SAVE"))).toEqual({ error: "ERR Background save already in progress" });
    expect(plain(engine.runReadOnly("SAVE"))).toEqual({ error: errors.noPermission("save").message });
    expect(plain(engine.runReadOnly("BGSAVE"))).toEqual({ error: errors.noPermission("bgsave").message });
    expect(plain(engine.run("SAVE", "x"))).toEqual({ error: "ERR wrong number of arguments for 'save' command" });
  });
});

describe("BGSAVE", () => {
  test("starts a background save, or schedules one with SCHEDULE", () => {
    const engine = createTestEngine();
    const persistence = fakePersistence({ backgroundSave: (schedule) => (schedule ? "scheduled" : "started") });
    engine.database.persistence = persistence;
    expect(plain(engine.run("BGSAVE"))).toEqual({ status: "Background saving started" });
    expect(plain(engine.run("BGSAVE", "schedule"))).toEqual({ status: "Background saving scheduled" });
  });

  test("any other argument is a syntax error", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("BGSAVE", "now"))).toEqual({ error: "ERR syntax error" });
    expect(plain(engine.run("BGSAVE", "SCHEDULE", "x"))).toEqual({ error: "ERR syntax error" });
  });
});

describe("LASTSAVE", () => {
  test("the last save's unix time in seconds", () => {
    const engine = createTestEngine();
    engine.database.persistence = fakePersistence();
    expect(engine.run("LASTSAVE")).toBe(1_700_000_123);
  });

  test("without a durable store, the current time", () => {
    const engine = createTestEngine();
    engine.clock.set(1_700_000_999_999);
    expect(engine.run("LASTSAVE")).toBe(1_700_000_999);
  });
});
