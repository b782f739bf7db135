// The `#!lua` first line of scripts and function libraries (Redis 7 "script flags", spec
// §8.3). EVAL accepts `#!lua flags=a,b`; FUNCTION LOAD requires `#!lua name=<library>`.
// compat: unknown flags are ignored rather than refused (Upstash's `allow-key-locking` must
// pass, spec §8.3). The shebang line is blanked, not removed, so Lua's line numbers in error
// texts count it, as Redis's do.

import { RedisError } from "../engine/errors.ts";

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

/** The shebang's options after `#!lua`; `unexpectedEngine` words the refusal of any other engine. */
function engineAndOptions(line: string, unexpectedEngine: (engine: string) => string): string[] {
  const parts = line.split(" ").filter((part) => part !== "");
  if (parts[0] !== "#!lua") throw fail(unexpectedEngine(parts[0] ?? line));
  return parts.slice(1);
}

function parseFlagList(list: string): ScriptFlags {
  const flags: ScriptFlags = { noWrites: false, hasShebang: true };
  for (const flag of list.split(",")) if (flag === "no-writes") flags.noWrites = true;
  return flags;
}

/** An EVAL body: its flags and the code to compile. */
export function parseScript(body: string): ParsedScript {
  const shebang = splitShebang(body, "ERR Invalid script shebang");
  if (shebang === undefined) return { flags: { noWrites: false, hasShebang: false }, code: body };
  let flags: ScriptFlags = { noWrites: false, hasShebang: true };
  for (const option of engineAndOptions(shebang.line, (engine) => `ERR Unexpected engine in script shebang: ${engine}`)) {
    if (option.startsWith("flags=")) flags = parseFlagList(option.slice("flags=".length));
    else throw fail(`ERR Unknown lua shebang option: ${option}`);
  }
  return { flags, code: shebang.rest };
}

const libraryNamePattern = /^[A-Za-z0-9_]+$/;

/** A FUNCTION LOAD body: the library name and the code to compile. */
export function parseLibrary(body: string): { name: string; code: string } {
  const shebang = splitShebang(body, "ERR Invalid library metadata");
  if (shebang === undefined) throw fail("ERR Missing library metadata");
  let name: string | undefined;
  for (const option of engineAndOptions(shebang.line, (engine) => `ERR Engine '${engine.slice("#!".length)}' not found`)) {
    if (option.startsWith("name=")) name = option.slice("name=".length);
    else throw fail(`ERR Invalid metadata value given: ${option}`);
  }
  if (name === undefined) throw fail("ERR Library name was not given");
  if (!isValidName(name)) throw fail(invalidNameText);
  return { name, code: shebang.rest };
}

export const isValidName = (name: string) => libraryNamePattern.test(name);
// compat: Redis 7.0 uses this text for function names too.
export const invalidNameText = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
