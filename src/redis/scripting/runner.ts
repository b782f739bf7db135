// Running scripts and functions against one database: the script cache, the function
// libraries, and the scheduling that keeps a script atomic while the server stays responsive.
//
// Why scripts run on the main thread, in slices. Each `redis.call` must reach the dispatcher
// synchronously, and the ratelimit scripts make 3–5 calls in a few microseconds, so a Worker
// with a round trip per call would cost more than the script itself (BENCHMARKS.md "Lua").
// Instead the VM's count hook asks `checkpoint()` every ~10k instructions:
// - a script that ends within its first slice (`SLICE_MS`, nearly all of them) never yields:
//   no promise, no timer, the reply is returned synchronously like any command's;
// - past the slice, when the caller can wait (REST), the coroutine yields to the event loop and
//   the command answers with a PendingReply. While it is suspended the database is *held*:
//   `dispatchWhenFree` queues every other command for that database until the script ends, so
//   nothing interleaves with it (atomicity), while other databases, health checks and
//   subscribers keep being served. Its writes stay uncommitted until it ends
//   (Persistence.deferCommitsAfter), so a crash keeps all of it or none. SCRIPT KILL and
//   FUNCTION KILL pass the hold;
// - past `timeLimitMs` (`--lua-time-limit-ms`) the hook raises an error the script cannot catch
//   (pcall re-raises it) and the caller gets Redis's "Script killed" text. Writes made before
//   stay (they are journaled as they happen, like Redis), nothing runs after.
// Callers that cannot wait (MULTI, unit tests, replay) run the script to its end or its limit
// without yielding. Memory is capped per database VM by the Lua allocator (lua-vm.ts).
// A script's writes go through `dispatcher.run` one by one, so each is journaled in its
// replay-safe form; EVAL itself is never journaled and replay never runs Lua. FUNCTION LOAD,
// DELETE and FLUSH are journaled so libraries survive a restart.
// The scripts @upstash/ratelimit sends have native twins (native-scripts.ts) that make the same
// redis.calls without the VM; a twin hands anything it cannot be sure of to Lua (`runScript`).

import type { CommandContext, CommandSpec, Session } from "../engine/command.ts";
import { hasFlag } from "../engine/command.ts";
import type { Database } from "../engine/database.ts";
import { CommandTable, Dispatcher } from "../engine/dispatcher.ts";
import { RedisError, errors as redisErrors } from "../engine/errors.ts";
import { ErrorReply, type Reply } from "../engine/reply.ts";
import { globMatch } from "../engine/glob.ts";
import { secondsAsMilliseconds } from "../engine/long-double.ts";
import { lmpopArguments } from "../commands/list.ts";
import { zmpopArguments } from "../commands/zset.ts";
import { existingBrokerOf } from "../pubsub.ts";
import { defaultStateSettings, LuaVm, type CallOutcome, type ScriptHost } from "./lua-vm.ts";
import { nativeScriptFor, type NativeScript } from "./native-scripts.ts";
import { invalidNameText, isValidName, parseLibrary, parseScript, type ScriptFlags } from "./shebang.ts";

export interface ScriptingOptions {
  /** A script running longer is stopped (`--lua-time-limit-ms`). */
  timeLimitMs: number;
  /** Cap on the Lua heap of one database's VM. */
  memoryBytesMax: number;
  /** Scripts with a native twin (native-scripts.ts) run it; off only to compare the two runs. */
  nativeScripts: boolean;
}

const DEFAULT_OPTIONS: ScriptingOptions = { timeLimitMs: 5000, memoryBytesMax: 128 * 1024 * 1024, nativeScripts: true };
/** How long a script runs before it gives the event loop a turn (when its caller can wait). */
const SLICE_MS = 10;
/** FUNCTION LOAD runs library code under this limit, as Redis does. */
const LIBRARY_LOAD_TIME_LIMIT_MS = 500;
/** Scripts cached by EVAL beyond this count are evicted, least recently used first. */
const EVAL_SCRIPTS_MAX = 1000;
/** Scripts loaded explicitly (SCRIPT LOAD) stay until SCRIPT FLUSH, up to this many. */
const LOADED_SCRIPTS_MAX = 10_000;

export interface CachedScript {
  sha: string;
  body: string;
  flags: ScriptFlags;
  /** The script's logic in JS, for the scripts @upstash/ratelimit sends. */
  native: NativeScript | undefined;
  /** Compiled function in the database's VM, made on first run. */
  ref: number | undefined;
  /** Loaded by SCRIPT LOAD: never evicted. */
  pinned: boolean;
  /** The cache's move count when this script last moved to the recent end. */
  movedAt: number;
}

export interface RegisteredFunction {
  name: string;
  library: string;
  ref: number;
  flags: string[];
  description: string | null;
}

export interface Library {
  name: string;
  code: string;
  functions: Map<string, RegisteredFunction>;
}

interface RunningScript {
  readonly name: string;
  readonly startedAtMs: number;
  /** Undefined for a native twin, which never yields, so is never there to kill. */
  readonly vm: LuaVm | undefined;
  /** False once the script changed the dataset (a lazy expiry's DEL included): SCRIPT KILL refuses then. */
  killable: boolean;
}

/** A command's reply that settles later (a script still running after its first slice). */
export class PendingReply extends ErrorReply {
  constructor(readonly settled: Promise<Reply>) {
    // Read as an error by anything that cannot wait; only callers that set `canWait` get one.
    super("ERR the script is still running");
  }
}

/** Everything scripting keeps for one database. */
export class DatabaseScripting {
  options: ScriptingOptions = { ...DEFAULT_OPTIONS };
  private vmInstance: LuaVm | undefined;
  /** sha1 → script; Map order is recency for eviction, to within EVAL_SCRIPTS_MAX / 2 (see lookup). */
  private readonly scripts = new Map<string, CachedScript>();
  /** Insertions and moves to the recent end of `scripts`, counted. */
  private moves = 0;
  readonly libraries = new Map<string, Library>();
  /** Every library's functions, by name without ASCII case: FCALL finds them so (Redis 7.0). */
  private readonly functions = new Map<string, RegisteredFunction>();
  running: RunningScript | undefined;
  /** Script calls a native twin answered (tests look). */
  nativeRuns = 0;
  /** Set while a script is suspended between slices: other commands wait for it. */
  hold: Promise<void> | undefined;
  /** True while recovery loads libraries the change log or a snapshot holds (see restoringLibraries). */
  private restoring = false;

  get vm(): LuaVm {
    if (this.vmInstance === undefined) this.vmInstance = new LuaVm(this.options.memoryBytesMax);
    return this.vmInstance;
  }

  // --- the script cache

  /**
   * Moving a script to the recent end costs a Map delete and insert, so one moved within the last
   * EVAL_SCRIPTS_MAX / 2 moves stays where it is: it is that close to the end, far from eviction.
   */
  lookup(sha: string): CachedScript | undefined {
    const script = this.scripts.get(sha);
    if (script !== undefined && !script.pinned && this.moves - script.movedAt > EVAL_SCRIPTS_MAX / 2) {
      this.scripts.delete(sha);
      this.scripts.set(sha, script);
      script.movedAt = ++this.moves;
    }
    return script;
  }

  /** Caches a script body (EVAL or SCRIPT LOAD); checks its shebang first. */
  remember(body: string, pinned: boolean, sha = sha1Hex(body)): CachedScript {
    const existing = this.lookup(sha);
    if (existing !== undefined) {
      if (pinned) existing.pinned = true;
      return existing;
    }
    const { flags } = parseScript(body);
    const script: CachedScript = { sha, body, flags, native: nativeScriptFor(sha), ref: undefined, pinned, movedAt: ++this.moves };
    this.scripts.set(sha, script);
    this.evict();
    return script;
  }

  /** Whether EVALSHA of `sha` (as sent) runs a native twin: a bounded run, unlike Lua's. */
  runsNatively(sha: string): boolean {
    return this.options.nativeScripts && this.scripts.get(sha)?.native !== undefined;
  }

  exists(sha: string): boolean {
    return this.scripts.has(sha.toLowerCase());
  }

  flushScripts(): void {
    for (const script of this.scripts.values()) if (script.ref !== undefined) this.vm.release(script.ref);
    this.scripts.clear();
    // Redis makes the scripts' Lua state anew, and with it cjson's and the collector's settings.
    if (this.vmInstance !== undefined) this.vmInstance.stateSettings.scripts = defaultStateSettings();
  }

  private evict(): void {
    let unpinned = 0;
    for (const script of this.scripts.values()) if (!script.pinned) unpinned++;
    if (unpinned <= EVAL_SCRIPTS_MAX && this.scripts.size <= LOADED_SCRIPTS_MAX + EVAL_SCRIPTS_MAX) return;
    for (const [sha, script] of this.scripts) {
      if (script.pinned) continue;
      this.scripts.delete(sha);
      if (script.ref !== undefined) this.vm.release(script.ref);
      if (--unpinned <= EVAL_SCRIPTS_MAX) break;
    }
  }

  /** The compiled function of a cached script; compile errors as Redis words them. */
  compiled(script: CachedScript): number {
    if (script.ref !== undefined) return script.ref;
    const ref = this.vm.loadScript(parseScript(script.body).code);
    if (typeof ref === "string") {
      this.scripts.delete(script.sha);
      throw new RedisError(`ERR Error compiling script (new function): ${ref}`);
    }
    script.ref = ref;
    return ref;
  }

  /** SCRIPT LOAD refuses bodies that do not compile, as Redis does. */
  checkCompiles(script: CachedScript): void {
    this.compiled(script);
  }

  // --- function libraries

  /** Library codes, for snapshots: loading them again in order restores every function. */
  exportLibraries(): string[] {
    return [...this.libraries.values()].map((library) => library.code);
  }

  /** Loads libraries exportLibraries gave (replacing any of the same name), as they loaded before. */
  importLibraries(codes: string[], clock: { nowMs(): number }): void {
    this.restoringLibraries(() => {
      for (const code of codes) {
        try {
          this.loadLibrary(code, true, clock);
        } catch {
          // Kept as stored, without functions (see keptUnloaded); the others load on.
        }
      }
    });
  }

  /**
   * FUNCTION LOAD: compiles the library, runs its body to collect redis.register_function calls,
   * then swaps it in whole (REPLACE) or not at all. Returns the library name.
   */
  loadLibrary(body: string, replace: boolean, clock: { nowMs(): number }): string {
    const { name, code } = parseLibrary(body, this.restoring);
    const existing = this.libraries.get(name);
    if (existing !== undefined && !replace) throw new RedisError(`ERR Library '${name}' already exists`);
    const vm = this.vm;
    const ref = vm.loadLibrary(code);
    if (typeof ref === "string") throw this.keptUnloaded(name, body, `ERR Error compiling function: ${ref}`);
    const registered = new Map<string, RegisteredFunction>();
    const startedAtMs = clock.nowMs();
    const host: ScriptHost = {
      command: () => new ErrorReply("ERR redis.call is not available while loading a library"),
      registerFunction: (functionName, functionRef, flags, description) => {
        if (!isValidName(functionName)) return invalidNameText.slice("ERR ".length);
        if (registered.has(functionName)) return "Function already exists in the library";
        registered.set(functionName, { name: functionName, library: name, ref: functionRef, flags, description });
        return undefined;
      },
      knowsCommand: () => false,
      log: () => {},
      checkpoint: () =>
        clock.nowMs() - startedAtMs > LIBRARY_LOAD_TIME_LIMIT_MS ? { kill: "ERR FUNCTION LOAD timeout" } : "continue",
    };
    vm.setLoading(true, this.restoring);
    let outcome: CallOutcome;
    try {
      outcome = vm.start(ref, "library", [], [], host);
    } finally {
      vm.setLoading(false);
      vm.release(ref);
    }
    const releaseAll = () => {
      for (const fn of registered.values()) vm.release(fn.ref);
    };
    if (outcome.status !== "done") {
      releaseAll();
      const message = outcome.status === "error" ? outcome.message : "ERR library code yielded";
      throw this.keptUnloaded(name, body, `ERR Error registering functions: ${message}`);
    }
    if (registered.size === 0) throw new RedisError("ERR No functions registered");
    for (const functionName of registered.keys()) {
      const owner = this.functions.get(caseless(functionName));
      if (owner !== undefined && owner.library !== name) {
        releaseAll();
        throw new RedisError(`ERR Function ${functionName} already exists`);
      }
    }
    if (existing !== undefined) this.dropLibrary(existing);
    this.libraries.set(name, { name, code: body, functions: registered });
    // compat: a library may hold names that differ in case only; FCALL finds the first.
    for (const fn of registered.values()) if (!this.functions.has(caseless(fn.name))) this.functions.set(caseless(fn.name), fn);
    return name;
  }

  /**
   * The refusal of a library's code. While recovery loads the change log or a snapshot, the
   * library was accepted once, and its code now uses what FUNCTION LOAD refuses (Lua 5.4's syntax,
   * say): it is kept as it was stored, with no functions, so that it is not lost: FUNCTION LIST,
   * DUMP and snapshots keep it, FUNCTION DELETE or LOAD REPLACE of a fixed code replace it. A
   * change log entry's refusal is logged as its replay's failure; a snapshot's loads on silently.
   */
  private keptUnloaded(name: string, body: string, message: string): RedisError {
    if (this.restoring) {
      const existing = this.libraries.get(name);
      if (existing !== undefined) this.dropLibrary(existing);
      this.libraries.set(name, { name, code: body, functions: new Map() });
    }
    return new RedisError(message);
  }

  /**
   * Runs `recover` with the libraries it loads seeing every global while they load, as they did
   * when they were journaled (sandbox.ts): a library accepted once is never lost on restart.
   */
  restoringLibraries<T>(recover: () => T): T {
    this.restoring = true;
    try {
      return recover();
    } finally {
      this.restoring = false;
    }
  }

  /** Throws when loading this code without REPLACE would fail on its name (FUNCTION RESTORE APPEND). */
  loadLibraryCheck(body: string): void {
    const { name } = parseLibrary(body);
    if (this.libraries.has(name)) throw new RedisError(`ERR Library '${name}' already exists`);
  }

  deleteLibrary(name: string): boolean {
    const library = this.libraries.get(name);
    if (library === undefined) return false;
    this.dropLibrary(library);
    return true;
  }

  flushLibraries(): void {
    for (const library of [...this.libraries.values()]) this.dropLibrary(library);
  }

  private dropLibrary(library: Library): void {
    for (const fn of library.functions.values()) {
      if (this.functions.get(caseless(fn.name)) === fn) this.functions.delete(caseless(fn.name));
      this.vm.release(fn.ref);
    }
    this.libraries.delete(library.name);
  }

  /** The function FCALL names, in any ASCII case. */
  functionNamed(name: string): RegisteredFunction | undefined {
    return this.functions.get(caseless(name));
  }

  get functionCount(): number {
    return this.functions.size;
  }

  /** FUNCTION LIST LIBRARYNAME: the pattern matches without case, as Redis 7.0's does. */
  librariesMatching(pattern: string | undefined): Library[] {
    const all = [...this.libraries.values()];
    return pattern === undefined ? all : all.filter((library) => globMatch(pattern, library.name, true));
  }
}

const states = new WeakMap<Database, DatabaseScripting>();

export function scriptingOf(db: Database): DatabaseScripting {
  let state = states.get(db);
  if (state === undefined) {
    const created = new DatabaseScripting();
    states.set(db, created);
    // Libraries are journaled as FUNCTION LOAD; re-journal them past each snapshot's LSN so the
    // log truncation that follows a snapshot never loses them.
    db.snapshotStartHooks.push(() => {
      for (const code of created.exportLibraries()) db.journal(["FUNCTION", "LOAD", "REPLACE", code]);
    });
    state = created;
  }
  return state;
}

/** Sets a database's script limits (node.ts, from --lua-time-limit-ms). */
/** A name with its ASCII letters in lower case (Redis compares function names with strcasecmp). */
function caseless(name: string): string {
  return /[A-Z]/.test(name) ? name.replace(/[A-Z]/g, (letter) => letter.toLowerCase()) : name;
}

export function configureScripting(db: Database, options: Partial<ScriptingOptions>): void {
  Object.assign(scriptingOf(db).options, options);
}

export function sha1Hex(body: string): string {
  return new Bun.CryptoHasher("sha1").update(Buffer.from(body, "latin1")).digest("hex");
}

// --- Waiting for a held database (the REST facade calls this instead of dispatch).

const passesHold = (argv: string[]) => {
  if (argv.length < 2) return false;
  const name = argv[0]!.toLowerCase();
  return (name === "script" || name === "function") && argv[1]!.toLowerCase() === "kill";
};

/**
 * The REST facade's way into the engine: dispatches a command once no suspended script holds
 * its database, settles a PendingReply, and feeds MONITOR streams. Synchronous (no promise) in
 * the common case: nothing held, nothing pending.
 */
export function dispatchWhenFree(dispatcher: Dispatcher, db: Database, argv: string[], session: Session): Reply | Promise<Reply> {
  const hold = states.get(db)?.hold;
  if (hold !== undefined && !passesHold(argv)) return hold.then(() => dispatchWhenFree(dispatcher, db, argv, session));
  const reply = existingBrokerOf(db)?.hasMonitors ? dispatchShown(dispatcher, db, argv, session) : dispatcher.dispatch(db, argv, session);
  return reply instanceof PendingReply ? reply.settled : reply;
}

/** Dispatcher.dispatch, shown to MONITOR unless refused before it runs (unknown, arity, access), as Redis shows it. */
function dispatchShown(dispatcher: Dispatcher, db: Database, argv: string[], session: Session): Reply {
  try {
    const spec = dispatcher.resolve(argv, session);
    showCommand(db, spec, argv);
    return dispatcher.run(db, spec, argv, session);
  } catch (error) {
    return dispatcher.errorReply(error, argv);
  }
}

/** Shows a command to the database's MONITOR streams, if it has any: `source` is "lua" for a script's own. */
export function showToMonitors(db: Database, argv: string[], source?: string): void {
  const broker = existingBrokerOf(db);
  if (broker?.hasMonitors) broker.feedMonitors(argv, db.clock.nowMs(), source);
}

/** A command about to run, shown to MONITOR unless it is an admin command (SAVE, BGSAVE), which Redis keeps out. */
function showCommand(db: Database, spec: CommandSpec, argv: string[], source?: string): void {
  if (!hasFlag(spec, "admin")) showToMonitors(db, argv, source);
}

/**
 * Runs a checked transaction (/multi-exec, RESP's EXEC) as Dispatcher.runTransaction does, each
 * command shown to MONITOR as it runs (a script's own after it); the caller shows MULTI and EXEC.
 */
export function runMonitoredTransaction(dispatcher: Dispatcher, db: Database, commands: string[][], specs: CommandSpec[], session: Session): Reply[] {
  if (existingBrokerOf(db)?.hasMonitors !== true) return dispatcher.runTransaction(db, commands, specs, session);
  return dispatcher.runTransaction(db, commands, specs, session, (argv, spec) => showCommand(db, spec, argv));
}

/** Resolves once no script holds the database (for /multi-exec, which resolves before it runs). */
export function whenFree(db: Database): Promise<void> | undefined {
  const hold = states.get(db)?.hold;
  return hold === undefined ? undefined : hold.then(() => whenFree(db));
}

// --- Running a script or a function.

const scriptDispatchers = new WeakMap<object, Dispatcher>();

function dispatcherFor(ctx: CommandContext): Dispatcher {
  let dispatcher = scriptDispatchers.get(ctx.commands);
  if (dispatcher === undefined) {
    // ctx.commands is the dispatcher's own CommandTable; only its get/all are used.
    dispatcher = new Dispatcher(ctx.commands as CommandTable);
    scriptDispatchers.set(ctx.commands, dispatcher);
  }
  return dispatcher;
}

export interface Invocation {
  /** "script: <name>" in error texts: the sha of a script, the name of a function. */
  name: string;
  ref: number;
  kind: "script" | "function";
  keys: string[];
  args: string[];
  /** EVAL_RO, FCALL_RO, or a `no-writes` script: write commands are refused. */
  readOnly: boolean;
}

const errors = {
  unknownCommand: "ERR Unknown Redis command called from script",
  wrongArity: "ERR Wrong number of args calling Redis command from script",
  readOnlyScript: "ERR Write commands are not allowed from read-only scripts.",
  notAllowed: "ERR This Redis command is not allowed from script",
  timeoutNotFloat: "ERR timeout is not a float or out of range",
  timeoutNegative: "ERR timeout is negative",
};

/**
 * Blocking commands Redis 7.0 lets scripts call (they lack its `noscript` flag), by the command
 * each runs as: a script never blocks, so once the timeout is read they pop what is there now.
 * This server has no row for them, as Upstash serves no blocking command, so only scripts reach them.
 */
const nonBlockingForms = new Map<string, NonBlockingForm>([
  ["blmpop", { name: "LMPOP", checkArguments: lmpopArguments }],
  ["bzmpop", { name: "ZMPOP", checkArguments: zmpopArguments }],
]);

interface NonBlockingForm {
  name: string;
  /** Throws Redis's error for arguments it refuses, which Redis checks before the timeout. */
  checkArguments(argv: string[]): unknown;
}

/**
 * Redis commands this server has no row for (REST has /multi-exec, pub/sub its SSE routes,
 * connection, replication and administration commands mean nothing over HTTP, and Upstash has no
 * blocking commands) but that Redis knows and keeps out of scripts: a script calling one gets
 * Redis's texts (arity first, then "not allowed"), not "Unknown Redis command". Their Redis 7
 * arities.
 */
const scriptForbiddenArity: Record<string, number> = {
  multi: 1, exec: 1, discard: 1, watch: -2, unwatch: 1,
  subscribe: -2, psubscribe: -2, ssubscribe: -2, unsubscribe: -1, punsubscribe: -1, sunsubscribe: -1,
  auth: -2, hello: -1, reset: 1, quit: -1, monitor: 1, shutdown: -1, sync: 1, psync: -3, replconf: -1, debug: -2,
  blpop: -3, brpop: -3, blmove: 6, brpoplpush: 4, bzpopmin: -3, bzpopmax: -3, wait: 3,
  client: -2, config: -2, acl: -2, replicaof: 3, slaveof: 3, failover: -1,
};
/** The subcommands of the containers among them, with their Redis 7.0 arities. */
const scriptForbiddenSubcommandArity: Record<string, Record<string, number>> = {
  config: { get: -3, set: -4, resetstat: 2, rewrite: 2, help: 2 },
  client: {
    caching: 3, getname: 2, getredir: 2, help: 2, id: 2, info: 2, kill: -3, list: -2, "no-evict": 3, pause: -3,
    reply: 3, setname: 3, tracking: -3, trackinginfo: 2, unblock: -3, unpause: 2,
  },
  acl: {
    cat: -2, deluser: -3, dryrun: -4, genpass: -2, getuser: 3, help: 2, list: 2, load: 2, log: -2, save: 2,
    setuser: -3, users: 2, whoami: 2,
  },
};

/** The arity of a command or subcommand scripts may not call; undefined when Redis has no such command. */
function forbiddenArity(argv: string[]): number | undefined {
  const name = argv[0]?.toLowerCase();
  if (name === undefined) return undefined;
  const subcommands = ownEntry(scriptForbiddenSubcommandArity, name);
  if (subcommands === undefined || argv.length < 2) return ownEntry(scriptForbiddenArity, name);
  return ownEntry(subcommands, argv[1]!.toLowerCase());
}

/** The command BLMPOP or BZMPOP runs as in a script; undefined for any other command. */
function nonBlockingFormOf(argv: string[]): NonBlockingForm | undefined {
  return argv.length === 0 ? undefined : nonBlockingForms.get(argv[0]!.toLowerCase());
}

/** record[key] when the record holds key itself: a script's `constructor` names no command. */
function ownEntry<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

// The session a script's commands run in, one for each access: nothing changes a session.
const SCRIPT_SESSION: Session = { readOnly: false, inTransaction: false, inScript: true };
const READ_ONLY_SCRIPT_SESSION: Session = { readOnly: true, inTransaction: false, inScript: true };

/**
 * One running script: what the VM calls back into (redis.call, the hook's checkpoint), and what
 * SCRIPT KILL and FUNCTION STATS see of it. A class, so a call allocates one object and its
 * methods live on the prototype: the ratelimit scripts run in a few microseconds, where a closure
 * or an object more per call shows up.
 */
class ScriptRun implements ScriptHost, RunningScript {
  readonly session: Session;
  readonly canYield: boolean;
  readonly startedAtMs: number;
  sliceStartedAtMs: number;
  killable = true;
  /** A JS exception from a command: never unwound through the VM, rethrown once the script ends. */
  internalError: unknown = undefined;
  /** A write command ran (a lazy expiry's DEL, which a read may journal, is not one). */
  ranWrite = false;

  constructor(
    private readonly ctx: CommandContext,
    private readonly dispatcher: Dispatcher,
    /** The script's SHA-1 or the function's name. */
    readonly name: string,
    /** EVAL_RO, FCALL_RO or a no-writes script: a write is refused. */
    private readonly readOnly: boolean,
    private readonly timeLimitMs: number,
    readonly vm: LuaVm | undefined,
    /** What freezing the expiry clock for the script returned: the clock is read once a script. */
    startedAtMs: number,
  ) {
    const outer = ctx.session;
    this.session = outer.readOnly ? READ_ONLY_SCRIPT_SESSION : SCRIPT_SESSION;
    this.canYield = outer.canWait === true && !outer.inTransaction;
    this.startedAtMs = this.sliceStartedAtMs = startedAtMs;
  }

  command(argv: string[]): Reply {
    let spec: CommandSpec;
    try {
      spec = this.dispatcher.resolve(argv, this.session);
    } catch (error) {
      const nonBlocking = nonBlockingFormOf(argv);
      return nonBlocking === undefined ? this.refusal(argv, error) : this.commandWithTimeout(argv, nonBlocking);
    }
    if (this.readOnly && hasFlag(spec, "write")) return new ErrorReply(errors.readOnlyScript);
    // MONITOR shows what a script runs as `[0 lua]`, once no check has refused it outright.
    showCommand(this.ctx.db, spec, argv, "lua");
    return this.run(spec, argv);
  }

  /**
   * BLMPOP or BZMPOP: checked in Redis's order (arity, the command's access, a read-only script,
   * the other arguments, then the timeout), then run as the non-blocking form.
   */
  private commandWithTimeout(argv: string[], nonBlocking: NonBlockingForm): Reply {
    if (argv.length < 5) return new ErrorReply(errors.wrongArity);
    const withoutTimeout = [nonBlocking.name, ...argv.slice(2)];
    let spec: CommandSpec;
    try {
      spec = this.dispatcher.resolve(withoutTimeout, this.session);
    } catch (error) {
      return this.refusal(withoutTimeout, error);
    }
    if (this.readOnly) return new ErrorReply(errors.readOnlyScript);
    showCommand(this.ctx.db, spec, argv, "lua");
    try {
      nonBlocking.checkArguments(withoutTimeout);
    } catch (error) {
      if (error instanceof RedisError) return new ErrorReply(error.message);
      throw error;
    }
    const timeoutMs = secondsAsMilliseconds(argv[1]!);
    if (timeoutMs === null) return new ErrorReply(errors.timeoutNotFloat);
    if (timeoutMs < 0n) return new ErrorReply(errors.timeoutNegative);
    return this.run(spec, withoutTimeout);
  }

  private run(spec: CommandSpec, argv: string[]): Reply {
    const { dispatcher, session } = this;
    const db = this.ctx.db;
    const lsnBefore = db.lsn;
    try {
      const reply = dispatcher.run(db, spec, argv, session);
      if (hasFlag(spec, "write")) this.ranWrite = true;
      return reply;
    } catch (error) {
      if (error instanceof RedisError) return new ErrorReply(error.message);
      this.internalError ??= error;
      return new ErrorReply("ERR internal error");
    } finally {
      if (db.lsn !== lsnBefore) this.killable = false;
    }
  }

  /**
   * Why the dispatcher refused a command, in the words Redis uses inside scripts: a command or
   * subcommand it does not know, or a wrong argument count, get the script texts; other refusals
   * (access, noscript) keep the dispatcher's.
   */
  private refusal(argv: string[], error: unknown): ErrorReply {
    const spec = this.specOf(argv);
    const arity = spec?.arity ?? forbiddenArity(argv);
    if (arity === undefined) return new ErrorReply(errors.unknownCommand);
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return new ErrorReply(errors.wrongArity);
    if (spec === undefined) return new ErrorReply(errors.notAllowed);
    return this.dispatcher.errorReply(error, argv);
  }

  /** The command or subcommand argv names, as the table knows it (arguments unchecked). */
  private specOf(argv: string[]): CommandSpec | undefined {
    let spec = argv.length === 0 ? undefined : this.dispatcher.table.find(argv[0]!);
    if (spec?.subcommands !== undefined && argv.length >= 2) {
      const name = `${spec.name}|${argv[1]!.toLowerCase()}`;
      spec = spec.subcommands.find((sub) => sub.name === name);
    }
    return spec;
  }

  knowsCommand(argv: string[]): boolean {
    // Commands scripts may not call are still commands Redis knows.
    return this.specOf(argv) !== undefined || forbiddenArity(argv) !== undefined || nonBlockingFormOf(argv) !== undefined;
  }

  log(): void {
    // compat: Redis writes redis.log lines to its own log; user text stays out of ours (STYLE.md).
  }

  checkpoint(): "continue" | "yield" | { kill: string } {
    const now = this.ctx.clock.nowMs();
    if (now - this.startedAtMs > this.timeLimitMs) {
      return { kill: `ERR Script killed by timeout: it ran longer than the lua-time-limit of ${this.timeLimitMs} ms.` };
    }
    if (this.canYield && now - this.sliceStartedAtMs >= SLICE_MS) return "yield";
    return "continue";
  }

  /** The command's reply for a script that ended: its result, or its error as Redis words it. */
  finish(outcome: CallOutcome & { status: "done" | "error" }): Reply {
    if (this.internalError !== undefined) throw this.internalError;
    if (outcome.status === "done") {
      if (outcome.reply instanceof ErrorReply) throw new RedisError(outcome.reply.message);
      return outcome.reply;
    }
    const where = outcome.where === undefined ? "" : `, on @${outcome.where}`;
    throw new RedisError(`${outcome.message} script: ${this.name}${where}.`);
  }
}

/**
 * Runs a cached script for EVAL and EVALSHA: through its native twin when it has one that takes
 * the call (a read-only run always goes to Lua, which refuses writes in Redis's words).
 */
export function runScript(ctx: CommandContext, script: CachedScript, keys: string[], args: string[], readOnly: boolean): Reply {
  const state = scriptingOf(ctx.db);
  if (script.native !== undefined && !readOnly && state.options.nativeScripts) {
    const reply = runNative(ctx, state.options.timeLimitMs, script.native, script.sha, keys, args);
    if (reply !== undefined) {
      state.nativeRuns++;
      return reply;
    }
  }
  return invoke(ctx, { name: script.sha, ref: state.compiled(script), kind: "script", keys, args, readOnly });
}

/**
 * A native twin's run: its redis.calls take the script's path; undefined hands the script to Lua.
 * The clock is frozen by hand, not through frozenDuring: a closure per call shows up here.
 */
function runNative(ctx: CommandContext, timeLimitMs: number, native: NativeScript, sha: string, keys: string[], args: string[]): Reply | undefined {
  const clock = ctx.db.expiryClock;
  const run = new ScriptRun(ctx, dispatcherFor(ctx), sha, false, timeLimitMs, undefined, clock.freeze());
  let reply: Reply | undefined;
  try {
    reply = native(run, keys, args);
  } finally {
    clock.thaw();
  }
  if (run.internalError !== undefined) throw run.internalError;
  if (reply === undefined && run.ranWrite) throw new Error(`the native twin of script ${sha} gave up after writing`);
  return reply;
}

/** Runs a script or function for a command; the reply, or a PendingReply when it yields. */
export function invoke(ctx: CommandContext, invocation: Invocation): Reply {
  const state = scriptingOf(ctx.db);
  const vm = state.vm;
  // Keys expire by the script's start time until it ends, time slices included: other requests
  // wait for it meanwhile, as they would for Redis's one command.
  const expiryClock = ctx.db.expiryClock;
  const lsnAtStart = ctx.db.lsn;
  const run = new ScriptRun(ctx, dispatcherFor(ctx), invocation.name, invocation.readOnly, state.options.timeLimitMs, vm, expiryClock.freeze());
  state.running = run;
  let outcome: CallOutcome;
  try {
    outcome = vm.start(invocation.ref, invocation.kind, invocation.keys, invocation.args, run);
  } catch (error) {
    state.running = undefined;
    expiryClock.thaw();
    throw error;
  }
  if (outcome.status !== "yielded") {
    state.running = undefined;
    expiryClock.thaw();
    return run.finish(outcome);
  }

  // Suspended: hold the database and continue in later turns of the event loop. Its writes are
  // committed together once it ends, as one command's would be (a crash keeps all or none).
  let release!: () => void;
  state.hold = new Promise<void>((resolve) => (release = resolve));
  ctx.db.deferCommitsAfter(lsnAtStart);
  const settled = new Promise<Reply>((resolve, reject) => {
    const step = () => {
      run.sliceStartedAtMs = ctx.clock.nowMs();
      let next: CallOutcome;
      try {
        next = vm.resume();
      } catch (error) {
        next = { status: "error", message: "ERR internal error", where: undefined, outOfMemory: false, killed: false };
        run.internalError ??= error;
      }
      if (next.status === "yielded") {
        setImmediate(step);
        return;
      }
      state.running = undefined;
      state.hold = undefined;
      expiryClock.thaw();
      ctx.db.resumeCommits();
      release();
      try {
        resolve(run.finish(next));
      } catch (error) {
        // A Redis error is the command's reply; anything else is a bug for the caller to report.
        if (error instanceof RedisError) resolve(new ErrorReply(error.message));
        else reject(error);
      }
    };
    setImmediate(step);
  });
  return new PendingReply(settled);
}

/** SCRIPT KILL / FUNCTION KILL: stops the running script unless it already wrote. */
export function killRunning(db: Database): void {
  const state = states.get(db);
  const running = state?.running;
  if (running === undefined) throw redisErrors.notBusy();
  if (!running.killable) {
    throw new RedisError(
      "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
    );
  }
  running.vm?.kill("ERR Script killed by user with SCRIPT KILL...");
}
