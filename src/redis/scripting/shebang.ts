// The `#!lua` first line of scripts and function libraries (Redis 7 "script flags", spec
// §8.3). EVAL accepts `#!lua flags=a,b`; FUNCTION LOAD requires `#!lua name=<library>`. The line
// is split as Redis splits it (sdssplitargs: a CR before the newline is a blank, quotes group).
// compat: unknown flags are ignored rather than refused (Upstash's `allow-key-locking` must
// pass, spec §8.3). The shebang line is blanked, not removed, so Lua's line numbers in error
// texts count it, as Redis's do.

import { RedisError } from "../engine/errors.ts";
import { splitArgs } from "../split-args.ts";

export interface ScriptFlags {
  /** The script or function declared `no-writes`. */
  noWrites: boolean;
  /** The script has a shebang at all (Redis 7 treats flag-less legacy scripts differently). */
  hasShebang: boolean;
}

export interface ParsedScript {
  flags: ScriptFlags;
  /** The body with its shebang line emptied. */
  code: string;
}

const fail = (message: string) => new RedisError(message);

function splitShebang(body: string, unterminated: string): { line: string; rest: string } | undefined {
  if (!body.startsWith("#!")) return undefined;
  const newline = body.indexOf("\n");
  // compat: Redis refuses a shebang line with no code line after it.
  if (newline === -1) throw fail(unterminated);
  return { line: body.slice(0, newline), rest: body.slice(newline) };
}

function parseFlagList(list: string, flags: ScriptFlags): void {
  for (const flag of list.split(",")) if (flag === "no-writes") flags.noWrites = true;
}

/** An EVAL body: its flags and the code to compile. */
export function parseScript(body: string): ParsedScript {
  const shebang = splitShebang(body, "ERR Invalid script shebang");
  if (shebang === undefined) return { flags: { noWrites: false, hasShebang: false }, code: body };
  // As evalExtractShebangFlags reads it: split as sdssplitargs splits (a CR before the newline is
  // a blank), the engine and the option compared with case.
  const parts = splitArgs(shebang.line);
  if (parts === undefined || parts.length === 0) throw fail("ERR Invalid engine in script shebang");
  if (parts[0] !== "#!lua") throw fail(`ERR Unexpected engine in script shebang: ${parts[0]}`);
  const flags: ScriptFlags = { noWrites: false, hasShebang: true };
  for (const option of parts.slice(1)) {
    // Each flags= option adds its flags to the others'.
    if (option.startsWith("flags=")) parseFlagList(option.slice("flags=".length), flags);
    else throw fail(`ERR Unknown lua shebang option: ${option}`);
  }
  return { flags, code: shebang.rest };
}

const libraryNamePattern = /^[A-Za-z0-9_]+$/;

/**
 * A FUNCTION LOAD body: the library name and the code to compile. A library restored from the
 * change log or a snapshot (`restoring`) may name itself twice, the last name counting, as
 * versions before this check accepted it: what was stored must load again.
 */
export function parseLibrary(body: string, restoring = false): { name: string; code: string } {
  const shebang = splitShebang(body, "ERR Invalid library metadata");
  if (shebang === undefined) throw fail("ERR Missing library metadata");
  // As functionExtractLibMetaData reads it: split as sdssplitargs splits, name= in any case and
  // once; then the name is checked, and only then the engine, whose name has no case.
  const parts = splitArgs(shebang.line);
  if (parts === undefined || parts.length === 0) throw fail("ERR Invalid library metadata");
  let name: string | undefined;
  for (const option of parts.slice(1)) {
    if (option.slice(0, "name=".length).toLowerCase() !== "name=") throw fail(`ERR Invalid metadata value given: ${option}`);
    if (name !== undefined && !restoring) throw fail("ERR Invalid metadata value, name argument was given multiple times");
    name = option.slice("name=".length);
  }
  if (name === undefined) throw fail("ERR Library name was not given");
  if (!isValidName(name)) throw fail(invalidNameText);
  const engine = parts[0]!.slice("#!".length);
  if (engine.toLowerCase() !== "lua") throw fail(`ERR Engine '${engine}' not found`);
  return { name, code: shebang.rest };
}

export const isValidName = (name: string) => libraryNamePattern.test(name);
// compat: Redis 7.0 uses this text for function names too.
export const invalidNameText = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
