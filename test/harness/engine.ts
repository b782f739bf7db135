// An in-process engine for unit tests: one database on a manual clock and a seeded random
// source, every journaled write recorded. `run("SET", "k", "v")` returns the typed reply
// (errors as ErrorReply), exactly what the dispatcher would hand to REST.

import { createCommandTable } from "../../src/redis/commands/index.ts";
import { RecordingSink } from "../../src/redis/engine/change-log.ts";
import type { Session } from "../../src/redis/engine/command.ts";
import { Database } from "../../src/redis/engine/database.ts";
import { Dispatcher } from "../../src/redis/engine/dispatcher.ts";
import { ErrorReply, StatusReply, type Reply } from "../../src/redis/engine/reply.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { SeededRandom } from "../../src/util/random.ts";

export interface TestEngine {
  clock: ManualClock;
  database: Database;
  dispatcher: Dispatcher;
  journal: RecordingSink;
  /** Runs one command (numbers are stringified) and returns its reply. */
  run(...argv: (string | number)[]): Reply;
  /** Like run, but as a read-only token would. */
  runReadOnly(...argv: (string | number)[]): Reply;
}

const readWrite: Session = { readOnly: false, inTransaction: false };
const readOnly: Session = { readOnly: true, inTransaction: false };

/** A clock a millisecond later at every read: time passes inside a script or transaction as it runs. */
export class TickingClock extends ManualClock {
  override nowMs(): number {
    const nowMs = super.nowMs();
    this.advance(1);
    return nowMs;
  }
}

export function createTestEngine(seed = 1, clock = new ManualClock()): TestEngine {
  const journal = new RecordingSink();
  const database = new Database("test", clock, new SeededRandom(seed), journal);
  const dispatcher = new Dispatcher(createCommandTable());
  const toArgv = (argv: (string | number)[]) => argv.map(String);
  return {
    clock,
    database,
    dispatcher,
    journal,
    run: (...argv) => dispatcher.dispatch(database, toArgv(argv), readWrite),
    runReadOnly: (...argv) => dispatcher.dispatch(database, toArgv(argv), readOnly),
  };
}

/** A reply as plain data for toEqual: status replies become {status}, errors become {error}. */
export function plain(reply: Reply): unknown {
  if (reply instanceof StatusReply) return { status: reply.status };
  if (reply instanceof ErrorReply) return { error: reply.message };
  if (Array.isArray(reply)) return reply.map(plain);
  return reply;
}

/**
 * A test engine whose `run` returns plain replies (see `plain`), with the journal as argvs and a
 * way to forget it so a test asserts only what follows.
 */
export function createPlainTestEngine(seed = 1) {
  const engine = createTestEngine(seed);
  const run = (...argv: (string | number)[]) => plain(engine.run(...argv));
  const journal = () => engine.journal.argvs();
  const clearJournal = () => engine.journal.entries.splice(0);
  return { engine, run, journal, clearJournal };
}
