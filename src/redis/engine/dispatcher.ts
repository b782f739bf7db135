// The one way into the engine. REST, pipelines, transactions, and later RESP, Lua and replica
// apply all call `dispatch`, which applies the table-driven checks in a fixed order — lookup,
// arity, access — then runs the handler and journals the write. Handlers never repeat these checks.

import type { Clock } from "../../util/clock.ts";
import type { Random } from "../../util/random.ts";
import type { CommandContext, CommandSpec, Session } from "./command.ts";
import { flagBits, hasFlag } from "./command.ts";
import type { Database } from "./database.ts";
import { RedisError, errors } from "./errors.ts";
import type { Keyspace } from "./keyspace.ts";
import { ErrorReply, type Reply } from "./reply.ts";

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();
  /** Names as callers spell them ("INCRBY" from a script, "get" from the SDK): no lowercasing per call. */
  private readonly bySpelling = new Map<string, CommandSpec>();
  // A pipeline or a script mostly repeats one command: comparing its name with the last one found
  // is cheaper than hashing the request's fresh string for a map lookup.
  private lastSpelling = "";
  private lastFound: CommandSpec | undefined;

  constructor(specs: CommandSpec[]) {
    for (const spec of specs) {
      if (this.byName.has(spec.name)) throw new Error(`command ${spec.name} is declared twice`);
      setFlagBits(spec);
      if (hasFlag(spec, "write") && hasFlag(spec, "readonly")) throw new Error(`${spec.name} is both write and readonly`);
      this.byName.set(spec.name, spec);
    }
  }

  get(name: string): CommandSpec | undefined {
    return this.byName.get(name);
  }

  /** The row for a command name in any letter case. */
  find(spelling: string): CommandSpec | undefined {
    if (spelling === this.lastSpelling) return this.lastFound;
    let spec = this.bySpelling.get(spelling);
    if (spec === undefined) {
      spec = this.byName.get(spelling.toLowerCase());
      if (spec === undefined) return undefined;
      // Bounded: spellings are few (upper, lower), but a client could send endless mixed-case ones.
      if (this.bySpelling.size < SPELLINGS_MAX) this.bySpelling.set(spelling, spec);
    }
    this.lastSpelling = spelling;
    this.lastFound = spec;
    return spec;
  }

  all(): CommandSpec[] {
    return [...this.byName.values()];
  }
}

const SPELLINGS_MAX = 4096;

function setFlagBits(spec: CommandSpec): void {
  spec.flagBits = flagBits(spec.flags);
  for (const sub of spec.subcommands ?? []) setFlagBits(sub);
}

export type InternalErrorHandler = (error: unknown, command: string) => void;

/**
 * Told after every command a handler ran (metrics): its row, whether it failed, and how long it
 * ran when this run was timed: every run of most commands, a random one in
 * FAST_COMMAND_TIMING_SAMPLE of those flagged `fast`.
 */
export interface CommandObserver {
  commandRan(spec: CommandSpec, durationMs: number | undefined, failed: boolean): void;
}

/**
 * Timing a run takes two clock reads, about 55 ns here: as long as a fast command's handler
 * itself (SADD through the dispatcher with metrics: 114 ns timed every run, 82 sampled). A
 * command flagged `fast` (O(1) or O(log n)) or marked `constantTime` is timed on a random sample
 * of its runs, which keeps its latency distribution; every other command, the kind that can run
 * long, on every run.
 */
export const FAST_COMMAND_TIMING_SAMPLE = 8;

/** Enough for a command and the commands it calls (a script's), however many run in a row. */
const SPARE_CONTEXTS_MAX = 4;

export class Dispatcher {
  /** Optional; set once recovery is done, so replayed commands are not counted as traffic. */
  observer: CommandObserver | undefined;
  /** xorshift32 state choosing which fast commands are timed: not the database's Random, whose draws commands own. */
  private timingDraw = 0x9e3779b9;
  /**
   * Contexts of commands that finished, for the next ones: a command called from within a handler
   * (a script's redis.call) takes another than its caller's. Handlers are called through one
   * megamorphic call site, so the JIT cannot drop a fresh context per command (SADD ×100 after
   * other commands had run: 5–8% of the request in process).
   */
  private readonly spareContexts: DispatchContext[] = [];

  constructor(
    readonly table: CommandTable,
    readonly onInternalError: InternalErrorHandler = (error) => {
      throw error;
    },
  ) {}

  /**
   * Finds the row for argv and checks arity and access, without running anything: /multi-exec
   * validates every command this way before the first one runs.
   */
  resolve(argv: string[], session: Session): CommandSpec {
    if (argv.length === 0) throw errors.emptyCommand();
    let spec = this.table.find(argv[0]!);
    if (spec === undefined) throw errors.unknownCommand(argv[0]!, argv.slice(1));
    if (spec.subcommands !== undefined && argv.length >= 2) {
      const sub = argv[1]!.toLowerCase();
      const found = spec.subcommands.find((s) => s.name === `${spec!.name}|${sub}`);
      if (found === undefined) throw errors.unknownSubcommand(argv[1]!, argv[0]!);
      spec = found;
    }
    const arity = spec.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) throw errors.wrongArity(spec.name);
    if (session.readOnly && (hasFlag(spec, "write") || hasFlag(spec, "restricted"))) {
      throw errors.noPermission(spec.name.split("|")[0]!);
    }
    if (session.inTransaction && hasFlag(spec, "no-multi")) throw errors.commandNotAllowedInTransaction(spec.name);
    if (session.inScript && hasFlag(spec, "noscript")) throw errors.notAllowedFromScript();
    return spec;
  }

  /** Runs one command to a reply; errors become ErrorReply values and never escape. */
  dispatch(db: Database, argv: string[], session: Session): Reply {
    try {
      return this.run(db, this.resolve(argv, session), argv, session);
    } catch (error) {
      return this.errorReply(error, argv);
    }
  }

  /**
   * A checked transaction (each argv `resolve`d to its spec first) run in one go, as EXEC runs
   * it: one command to Redis, so keys expire by its start time until it ends, and a runtime error
   * (WRONGTYPE ...) fails its own entry only. `beforeEach` sees each command just before it runs.
   */
  runTransaction(db: Database, commands: readonly string[][], specs: readonly CommandSpec[], session: Session, beforeEach?: (argv: string[], spec: CommandSpec) => void): Reply[] {
    return db.expiryClock.frozenDuring(() => {
      const replies: Reply[] = new Array(commands.length);
      for (let i = 0; i < commands.length; i++) {
        beforeEach?.(commands[i]!, specs[i]!);
        try {
          replies[i] = this.run(db, specs[i]!, commands[i]!, session);
        } catch (error) {
          replies[i] = this.errorReply(error, commands[i]!);
        }
      }
      return replies;
    });
  }

  /** A RedisError as its reply; anything else is a bug: reported, then answered generically. */
  errorReply(error: unknown, argv: string[]): ErrorReply {
    if (error instanceof RedisError) return new ErrorReply(error.message);
    this.onInternalError(error, argv[0] ?? "");
    return new ErrorReply("ERR internal error");
  }

  /** Runs a resolved command and journals its effect. Errors thrown by the handler propagate. */
  run(db: Database, spec: CommandSpec, argv: string[], session: Session): Reply {
    if (spec.run === undefined) throw errors.wrongArity(spec.name); // a container called without subcommand
    const ctx = this.spareContexts.pop() ?? new DispatchContext(this.table);
    ctx.begin(db, session, spec);
    // Persistence refuses writes it cannot store and copies keys a running snapshot still needs.
    if (db.guardsWrites && hasFlag(spec, "write")) db.beforeWrite(spec, argv);
    const observer = this.observer;
    const startedAtMs = observer !== undefined && this.timesRun(db, spec, argv) ? performance.now() : -1;
    let failed = true;
    try {
      const reply = spec.run(ctx, argv);
      failed = reply instanceof ErrorReply;
      return reply;
    } finally {
      // A handler validates before it changes anything, so a throw normally leaves dirty at 0;
      // anything it did change is still journaled, never silently dropped.
      if (ctx.dirty > 0) {
        if (ctx.propagated === undefined) db.journal(argv);
        else for (const command of ctx.propagated) db.journal(command);
      }
      observer?.commandRan(spec, startedAtMs === -1 ? undefined : performance.now() - startedAtMs, failed);
      // Nothing later reaches the context of a command that succeeded (a script that yields keeps
      // its context, and answers a PendingReply, which is an ErrorReply): the next may take it.
      if (!failed && this.spareContexts.length < SPARE_CONTEXTS_MAX) this.spareContexts.push(ctx);
    }
  }

  private timesRun(db: Database, spec: CommandSpec, argv: string[]): boolean {
    if (!hasFlag(spec, "fast") && !runsInConstantTime(db, spec, argv)) return true;
    let x = this.timingDraw;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.timingDraw = x;
    return (x >>> 0) % FAST_COMMAND_TIMING_SAMPLE === 0;
  }
}

/** Whether this run of `spec` runs in constant time here (CommandSpec.constantTime): metrics time a sample of such runs. */
function runsInConstantTime(db: Database, spec: CommandSpec, argv: string[]): boolean {
  const constantTime = spec.constantTime;
  return constantTime === true || (constantTime !== undefined && constantTime(db, argv));
}

/**
 * One command's context. A class, not an object literal, so `propagate` lives once on the
 * prototype instead of a closure per command: dispatch is the engine's hottest path. Reused for
 * the next command once its command finished (see Dispatcher.spareContexts).
 */
class DispatchContext implements CommandContext {
  db!: Database;
  keyspace!: Keyspace;
  clock!: Clock;
  random!: Random;
  session!: Session;
  spec!: CommandSpec;
  dirty = 0;
  propagated: string[][] | undefined = undefined;

  constructor(readonly commands: CommandTable) {}

  begin(db: Database, session: Session, spec: CommandSpec): void {
    this.db = db;
    this.keyspace = db.keyspace;
    this.clock = db.clock;
    this.random = db.random;
    this.session = session;
    this.spec = spec;
    this.dirty = 0;
    this.propagated = undefined;
  }

  propagate(...commands: string[][]): void {
    this.propagated = commands;
  }
}
