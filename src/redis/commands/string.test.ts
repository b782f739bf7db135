// Proves the string commands' replies, errors and journaled (replay-safe) forms, in process on
// a manual clock.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain } from "../../../test/harness/engine.ts";

describe("SET", () => {
  test("stores a value and GET returns it", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("SET", "k", "v"))).toEqual({ status: "OK" });
    expect(engine.run("GET", "k")).toBe("v");
  });

  test("EX is journaled as an absolute PXAT instant", () => {
    const engine = createTestEngine();
    const now = engine.clock.nowMs();
    engine.run("SET", "k", "v", "EX", 10);
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v", "PXAT", String(now + 10_000)]]);
    engine.clock.advance(10_001);
    expect(engine.run("GET", "k")).toBeNull();
  });

  test("NX and XX together is a syntax error and changes nothing", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("SET", "k", "v", "NX", "XX"))).toEqual({ error: "ERR syntax error" });
    expect(engine.run("GET", "k")).toBeNull();
    expect(engine.journal.entries).toEqual([]);
  });

  test("a read-only session is refused with NOPERM", () => {
    const engine = createTestEngine();
    expect(plain(engine.runReadOnly("SET", "k", "v"))).toEqual({
      error: "NOPERM this user has no permissions to run the 'set' command or its subcommand",
    });
  });
});
