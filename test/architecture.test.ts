// Proves the structural rules of DESIGN §3–§4 hold for the whole tree: the import boundaries
// between layers, that only config.ts reads the environment, and that every row of the command
// table is sane and has its own `describe` block in a unit test.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { allCommandSpecs } from "../src/redis/commands/index.ts";
import { hasFlag } from "../src/redis/engine/command.ts";

const root = join(import.meta.dir, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

const production = sourceFiles("src").filter((file) => !file.endsWith(".test.ts"));
const importsOf = (file: string) =>
  [...readFileSync(join(root, file), "utf8").matchAll(/^\s*(?:import|export)[^'"]*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]!);

describe("layering", () => {
  test("data types import nothing from the engine, commands or server", () => {
    const offending = production
      .filter((file) => file.startsWith("src/redis/types/"))
      .flatMap((file) => importsOf(file).filter((spec) => /engine|commands|server|hono/.test(spec)).map((spec) => `${file} -> ${spec}`));
    expect(offending).toEqual([]);
  });

  test("engine and commands never import Hono or bun:sqlite", () => {
    const offending = production
      .filter((file) => file.startsWith("src/redis/engine/") || file.startsWith("src/redis/commands/"))
      .flatMap((file) => importsOf(file).filter((spec) => spec.startsWith("hono") || spec === "bun:sqlite").map((spec) => `${file} -> ${spec}`));
    expect(offending).toEqual([]);
  });

  test("only config.ts reads process.env", () => {
    const readers = production.filter((file) => file !== "src/config.ts" && /process\.env\b/.test(readFileSync(join(root, file), "utf8")));
    expect(readers).toEqual([]);
  });
});

describe("command table", () => {
  const testText = sourceFiles("src/redis/commands")
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => readFileSync(join(root, file), "utf8"))
    .join("\n");
  const rows = allCommandSpecs.flatMap((spec) => (spec.subcommands ? spec.subcommands : [spec]));

  test("no row is both write and readonly, and every row has a handler", () => {
    expect(rows.filter((spec) => hasFlag(spec, "write") && hasFlag(spec, "readonly")).map((s) => s.name)).toEqual([]);
    expect(rows.filter((spec) => spec.run === undefined).map((s) => s.name)).toEqual([]);
  });

  test("every write names the keys it changes (a range or movable keys), so a running snapshot copies them first", () => {
    const keyless = rows.filter((spec) => hasFlag(spec, "write") && !(spec.keys !== undefined && spec.keys.first > 0) && spec.movableKeys === undefined);
    // These change no key: they drop the whole keyspace (copying it first) or manage functions.
    expect(keyless.map((spec) => spec.name).sort()).toEqual(["flushall", "flushdb", "function|delete", "function|flush", "function|load", "function|restore"]);
  });

  test("every command has a describe block named after it in a unit test", () => {
    const untested = rows
      .map((spec) => spec.name.replace("|", " ").toUpperCase())
      .filter((name) => !testText.includes(`describe("${name}"`));
    expect(untested).toEqual([]);
  });
});
