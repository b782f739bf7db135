// Scripting and functions (Redis eval.c, functions.c; spec/redis-rest.md §8): EVAL, EVALSHA and
// their _RO forms, SCRIPT *, FUNCTION *, FCALL and FCALL_RO. The handlers parse and check; the
// runner (src/redis/scripting/runner.ts) owns the VM, the caches and the time limit. Scripts are
// never journaled: each write they make is journaled by the dispatcher as it happens. Function
// libraries are journaled as FUNCTION LOAD REPLACE / DELETE / FLUSH, so replay restores them.

import { keysAfterNumkeys, type CommandContext, type CommandFlag, type CommandSpec } from "../engine/command.ts";
import { errors, RedisError } from "../engine/errors.ts";
import { parseSafeInteger } from "../engine/args.ts";
import { OK, status, type Reply } from "../engine/reply.ts";
import { helpReply } from "./help.ts";
import { decodeFunctionDump, encodeFunctionDump } from "../scripting/function-dump.ts";
import { invoke, killRunning, runScript, scriptingOf, type Library } from "../scripting/runner.ts";

const group = "scripting";

/** The keys and arguments after a numkeys argument at argv[at]. */
function splitKeys(argv: string[], at: number, notInteger: () => Error): { keys: string[]; args: string[] } {
  const count = parseSafeInteger(argv[at]!);
  if (count === null) throw notInteger();
  if (count < 0) throw errors.negativeNumKeys();
  if (count > argv.length - at - 1) throw errors.tooManyNumKeys();
  // An int32 for slice: parseSafeInteger's result is a double once it has read a timestamp, and
  // the JIT's slice, given a double, leaves optimized code in a way it never learns from: this
  // function was recompiled and thrown away again every few thousand calls under a ratelimit load.
  const keysEnd = (at + 1 + count) | 0;
  return { keys: argv.slice(at + 1, keysEnd), args: argv.slice(keysEnd) };
}

function evalGeneric(ctx: CommandContext, argv: string[], bySha: boolean, readOnly: boolean): Reply {
  const { keys, args } = splitKeys(argv, 2, errors.notInteger);
  const state = scriptingOf(ctx.db);
  // Clients send SCRIPT LOAD's lower-case hex: looked up as sent first, which spares a toLowerCase call.
  const script = bySha ? (state.lookup(argv[1]!) ?? state.lookup(argv[1]!.toLowerCase())) : state.remember(argv[1]!, false);
  if (script === undefined) throw errors.noScript();
  return runScript(ctx, script, keys, args, readOnly || script.flags.noWrites);
}

// EVAL script numkeys [key [key ...]] [arg [arg ...]]
function evalCommand(ctx: CommandContext, argv: string[]): Reply {
  return evalGeneric(ctx, argv, false, false);
}

// EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]
function evalReadOnlyCommand(ctx: CommandContext, argv: string[]): Reply {
  return evalGeneric(ctx, argv, false, true);
}

// EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]
function evalshaCommand(ctx: CommandContext, argv: string[]): Reply {
  return evalGeneric(ctx, argv, true, false);
}

// EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]
function evalshaReadOnlyCommand(ctx: CommandContext, argv: string[]): Reply {
  return evalGeneric(ctx, argv, true, true);
}

// SCRIPT LOAD script
function scriptLoadCommand(ctx: CommandContext, argv: string[]): Reply {
  const state = scriptingOf(ctx.db);
  const script = state.remember(argv[2]!, true);
  state.checkCompiles(script);
  return script.sha;
}

// SCRIPT EXISTS sha1 [sha1 ...]
function scriptExistsCommand(ctx: CommandContext, argv: string[]): Reply {
  const state = scriptingOf(ctx.db);
  return argv.slice(2).map((sha) => (state.exists(sha) ? 1 : 0));
}

function flushMode(argv: string[], fail: () => Error): void {
  if (argv.length > 3) throw fail();
  if (argv.length === 3) {
    const mode = argv[2]!.toUpperCase();
    if (mode !== "SYNC" && mode !== "ASYNC") throw fail();
  }
}

// SCRIPT FLUSH [ASYNC | SYNC]
function scriptFlushCommand(ctx: CommandContext, argv: string[]): Reply {
  flushMode(argv, errors.scriptFlushMode);
  scriptingOf(ctx.db).flushScripts();
  return OK;
}

// SCRIPT DEBUG YES|SYNC|NO
function scriptDebugCommand(_ctx: CommandContext, argv: string[]): Reply {
  const mode = argv[2]!.toUpperCase();
  if (mode === "NO") return OK;
  if (mode !== "YES" && mode !== "SYNC") throw new RedisError("ERR Use SCRIPT DEBUG YES/SYNC/NO");
  // compat: Redis's Lua debugger (LDB) holds a RESP connection in a conversation; REST has none.
  throw new RedisError("ERR SCRIPT DEBUG YES and SYNC are not supported: downstash has no Lua debugger");
}

// SCRIPT KILL
function scriptKillCommand(ctx: CommandContext, _argv: string[]): Reply {
  killRunning(ctx.db);
  return OK;
}


// SCRIPT HELP
function scriptHelpCommand(_ctx: CommandContext, _argv: string[]): Reply {
  return helpReply("SCRIPT", [
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
  ]);
}

// FUNCTION LOAD [REPLACE] function-code
function functionLoadCommand(ctx: CommandContext, argv: string[]): Reply {
  let replace = false;
  for (let i = 2; i < argv.length - 1; i++) {
    if (argv[i]!.toUpperCase() === "REPLACE") replace = true;
    else throw errors.unknownFunctionOption(argv[i]!);
  }
  const code = argv[argv.length - 1]!;
  const name = scriptingOf(ctx.db).loadLibrary(code, replace, ctx.clock);
  ctx.dirty++;
  // The journaled form replaces: replay over a database that already has the library must not fail.
  ctx.propagate(["FUNCTION", "LOAD", "REPLACE", code]);
  return name;
}

// FUNCTION DELETE library-name
function functionDeleteCommand(ctx: CommandContext, argv: string[]): Reply {
  if (!scriptingOf(ctx.db).deleteLibrary(argv[2]!)) throw errors.libraryNotFound();
  ctx.dirty++;
  return OK;
}

// FUNCTION FLUSH [ASYNC | SYNC]
function functionFlushCommand(ctx: CommandContext, argv: string[]): Reply {
  // SCRIPT FLUSH refuses too many arguments with its mode error, FUNCTION FLUSH as a subcommand's.
  if (argv.length > 3) throw errors.subcommandSyntax(argv[1]!, argv[0]!);
  flushMode(argv, errors.functionFlushMode);
  scriptingOf(ctx.db).flushLibraries();
  ctx.dirty++;
  return OK;
}

function libraryReply(library: Library, withCode: boolean): Reply {
  const functions: Reply = [...library.functions.values()].map((fn) => ["name", fn.name, "description", fn.description, "flags", fn.flags.map(status)]);
  const reply: Reply[] = ["library_name", library.name, "engine", "LUA", "functions", functions];
  if (withCode) reply.push("library_code", library.code);
  return reply;
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
function functionListCommand(ctx: CommandContext, argv: string[]): Reply {
  let withCode = false;
  let pattern: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === "WITHCODE" && !withCode) withCode = true;
    else if (option === "LIBRARYNAME" && pattern === undefined) {
      if (i + 1 >= argv.length) throw errors.libraryNameMissing();
      pattern = argv[++i]!;
    } else throw errors.unknownListArgument(argv[i]!);
  }
  return scriptingOf(ctx.db)
    .librariesMatching(pattern)
    .map((library) => libraryReply(library, withCode));
}

// FUNCTION STATS
function functionStatsCommand(ctx: CommandContext, _argv: string[]): Reply {
  const state = scriptingOf(ctx.db);
  const running = state.running;
  const runningReply: Reply = running === undefined ? null : ["name", running.name, "command", [], "duration_ms", ctx.clock.nowMs() - running.startedAtMs];
  return ["running_script", runningReply, "engines", ["LUA", ["libraries_count", state.libraries.size, "functions_count", state.functionCount]]];
}

// FUNCTION KILL
function functionKillCommand(ctx: CommandContext, _argv: string[]): Reply {
  killRunning(ctx.db);
  return OK;
}

// FUNCTION DUMP
function functionDumpCommand(ctx: CommandContext, _argv: string[]): Reply {
  return encodeFunctionDump(scriptingOf(ctx.db).exportLibraries());
}

// The payload downstash's FUNCTION DUMP wrote before it wrote Redis's: a change log may hold a
// FUNCTION RESTORE of one, which replay must still read.
const LEGACY_DUMP_PREFIX = "downstash-functions-v1\n";

/** The library codes of a FUNCTION RESTORE payload. */
function restoredCodes(payload: string): string[] {
  if (payload.startsWith(LEGACY_DUMP_PREFIX)) {
    let codes: unknown;
    try {
      codes = JSON.parse(payload.slice(LEGACY_DUMP_PREFIX.length));
    } catch {
      codes = undefined;
    }
    if (!Array.isArray(codes) || !codes.every((code) => typeof code === "string")) throw errors.badDumpPayload();
    return codes;
  }
  return decodeFunctionDump(payload);
}

// FUNCTION RESTORE serialized-value [FLUSH | APPEND | REPLACE]
function functionRestoreCommand(ctx: CommandContext, argv: string[]): Reply {
  let policy = "APPEND";
  if (argv.length > 4) throw errors.syntax();
  if (argv.length === 4) {
    policy = argv[3]!.toUpperCase();
    if (policy !== "FLUSH" && policy !== "APPEND" && policy !== "REPLACE") throw errors.restorePolicy();
  }
  const codes = restoredCodes(argv[2]!);
  const state = scriptingOf(ctx.db);
  // Check every library before changing anything: APPEND refuses a name that exists.
  if (policy === "APPEND") for (const code of codes) state.loadLibraryCheck(code);
  const previous = state.exportLibraries();
  if (policy === "FLUSH") state.flushLibraries();
  try {
    for (const code of codes) state.loadLibrary(code, policy !== "APPEND", ctx.clock);
  } catch (error) {
    // Put back what was there: a restore is all or nothing.
    state.flushLibraries();
    state.importLibraries(previous, ctx.clock);
    throw error;
  }
  ctx.dirty++;
  return OK;
}

// FUNCTION HELP
function functionHelpCommand(_ctx: CommandContext, _argv: string[]): Reply {
  return helpReply("FUNCTION", [
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
  ]);
}

function fcallGeneric(ctx: CommandContext, argv: string[], readOnly: boolean): Reply {
  const fn = scriptingOf(ctx.db).functionNamed(argv[1]!);
  if (fn === undefined) throw errors.functionNotFound();
  const { keys, args } = splitKeys(argv, 2, errors.badNumKeys);
  // compat: Upstash lets FCALL_RO run a function without `no-writes` and refuses its writes
  // when they happen (spec §8.2); Redis refuses the call up front.
  return invoke(ctx, { name: fn.name, ref: fn.ref, kind: "function", keys, args, readOnly: readOnly || fn.flags.includes("no-writes") });
}

// FCALL function numkeys [key [key ...]] [arg [arg ...]]
function fcallCommand(ctx: CommandContext, argv: string[]): Reply {
  return fcallGeneric(ctx, argv, false);
}

// FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]
function fcallReadOnlyCommand(ctx: CommandContext, argv: string[]): Reply {
  return fcallGeneric(ctx, argv, true);
}

// compat: EVAL, EVALSHA and FCALL are refused to read-only tokens ("restricted"), as Upstash
// answers NOPERM for them; the _RO forms run, and refuse writes inside the script.
const runFlags: CommandFlag[] = ["noscript", "stale", "restricted"];
const runReadOnlyFlags: CommandFlag[] = ["readonly", "noscript", "stale"];

export const scriptingCommands: CommandSpec[] = [
  { name: "eval", arity: -3, flags: runFlags, movableKeys: keysAfterNumkeys(2), group, summary: "Executes a server-side Lua script.", since: "2.6.0", run: evalCommand },
  { name: "eval_ro", arity: -3, flags: runReadOnlyFlags, movableKeys: keysAfterNumkeys(2), group, summary: "Executes a read-only server-side Lua script.", since: "7.0.0", run: evalReadOnlyCommand },
  {
    name: "evalsha", arity: -3, flags: runFlags, movableKeys: keysAfterNumkeys(2), group, summary: "Executes a server-side Lua script by SHA1 digest.", since: "2.6.0", run: evalshaCommand,
    constantTime: (db, argv) => scriptingOf(db).runsNatively(argv[1]!),
  },
  { name: "evalsha_ro", arity: -3, flags: runReadOnlyFlags, movableKeys: keysAfterNumkeys(2), group, summary: "Executes a read-only server-side Lua script by SHA1 digest.", since: "7.0.0", run: evalshaReadOnlyCommand },
  {
    name: "script", arity: -2, flags: ["noscript"], group, summary: "A container for Lua scripts management commands.", since: "2.6.0",
    subcommands: [
      { name: "script|load", arity: 3, flags: ["noscript", "stale", "restricted"], group, summary: "Loads a server-side Lua script to the script cache.", since: "2.6.0", run: scriptLoadCommand },
      { name: "script|exists", arity: -3, flags: ["noscript", "stale"], group, summary: "Determines whether server-side Lua scripts exist in the script cache.", since: "2.6.0", run: scriptExistsCommand },
      { name: "script|flush", arity: -2, flags: ["noscript", "restricted"], group, summary: "Removes all server-side Lua scripts from the script cache.", since: "2.6.0", run: scriptFlushCommand },
      { name: "script|debug", arity: 3, flags: ["noscript"], group, summary: "Sets the debug mode of server-side Lua scripts.", since: "3.2.0", run: scriptDebugCommand },
      { name: "script|kill", arity: 2, flags: ["noscript", "restricted"], group, summary: "Terminates a server-side Lua script during execution.", since: "2.6.0", run: scriptKillCommand },
      { name: "script|help", arity: 2, flags: ["noscript", "stale"], group, summary: "Returns helpful text about the different subcommands.", since: "5.0.0", run: scriptHelpCommand },
    ],
  },
  {
    name: "function", arity: -2, flags: ["noscript"], group, summary: "A container for function commands.", since: "7.0.0",
    subcommands: [
      { name: "function|load", arity: -3, flags: ["write", "denyoom", "noscript"], group, summary: "Creates a library.", since: "7.0.0", run: functionLoadCommand },
      { name: "function|delete", arity: 3, flags: ["write", "noscript"], group, summary: "Deletes a library and its functions.", since: "7.0.0", run: functionDeleteCommand },
      { name: "function|flush", arity: -2, flags: ["write", "noscript"], group, summary: "Deletes all libraries and functions.", since: "7.0.0", run: functionFlushCommand },
      { name: "function|list", arity: -2, flags: ["noscript"], group, summary: "Returns information about all libraries.", since: "7.0.0", run: functionListCommand },
      { name: "function|stats", arity: 2, flags: ["noscript", "stale"], group, summary: "Returns information about a function during execution.", since: "7.0.0", run: functionStatsCommand },
      { name: "function|kill", arity: 2, flags: ["noscript", "restricted"], group, summary: "Terminates a function during execution.", since: "7.0.0", run: functionKillCommand },
      { name: "function|dump", arity: 2, flags: ["noscript"], group, summary: "Dumps all libraries into a serialized binary payload.", since: "7.0.0", run: functionDumpCommand },
      { name: "function|restore", arity: -3, flags: ["write", "denyoom", "noscript"], group, summary: "Restores all libraries from a payload.", since: "7.0.0", run: functionRestoreCommand },
      { name: "function|help", arity: 2, flags: ["noscript"], group, summary: "Returns helpful text about the different subcommands.", since: "7.0.0", run: functionHelpCommand },
    ],
  },
  { name: "fcall", arity: -3, flags: runFlags, movableKeys: keysAfterNumkeys(2), group, summary: "Invokes a function.", since: "7.0.0", run: fcallCommand },
  { name: "fcall_ro", arity: -3, flags: runReadOnlyFlags, movableKeys: keysAfterNumkeys(2), group, summary: "Invokes a read-only function.", since: "7.0.0", run: fcallReadOnlyCommand },
];
