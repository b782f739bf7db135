// Pins the exact error texts clients match on, and how Redis quotes arguments in them.

import { describe, expect, test } from "bun:test";
import { errors } from "./errors.ts";

describe("error texts", () => {
  test("the common Redis errors read exactly as Redis 7 writes them", () => {
    expect(
      [errors.syntax(), errors.wrongType(), errors.notInteger(), errors.notFloat(), errors.wrongArity("GET"), errors.noPermission("set")].map(
        (e) => e.message,
      ),
    ).toEqual([
      "ERR syntax error",
      "WRONGTYPE Operation against a key holding the wrong kind of value",
      "ERR value is not an integer or out of range",
      "ERR value is not a valid float",
      "ERR wrong number of arguments for 'get' command",
      "NOPERM this user has no permissions to run the 'set' command or its subcommand",
    ]);
  });

  test("unknown commands quote their first arguments up to 128 bytes, stopping at NUL and flattening newlines", () => {
    expect(errors.unknownCommand("nosuch", ["a", "b\nc"]).message).toBe("ERR unknown command 'nosuch', with args beginning with: 'a' 'b c' ");
    expect(errors.unknownCommand("nosuch", ["a\x00b"]).message).toBe("ERR unknown command 'nosuch', with args beginning with: 'a' ");
    expect(errors.unknownCommand("\x00\xff", []).message).toBe("ERR unknown command '', with args beginning with: ");
    expect(errors.unknownCommand("x", ["y".repeat(200), "z"]).message).toBe(`ERR unknown command 'x', with args beginning with: '${"y".repeat(128)}' `);
  });

  test("unknown subcommands name the container in upper case", () => {
    expect(errors.unknownSubcommand("nope", "memory").message).toBe("ERR unknown subcommand 'nope'. Try MEMORY HELP.");
  });

  test("Upstash's REST texts", () => {
    expect([errors.unauthorized(), errors.maxRequestSize(), errors.emptyPipeline()].map((e) => e.message)).toEqual([
      "WRONGPASS invalid or missing auth token",
      "ERR max request size exceeded",
      "ERR empty pipeline request",
    ]);
  });
});
