// Helpers for the storage tests: a database wired to a real durable store in a temporary
// directory (as node.ts wires it), a plain-data dump of a keyspace for whole-state comparison, and
// a writer of change logs in the older one-row-per-entry layout.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCommandTable } from "../../src/redis/commands/index.ts";
import type { Session } from "../../src/redis/engine/command.ts";
import { Database } from "../../src/redis/engine/database.ts";
import { Dispatcher } from "../../src/redis/engine/dispatcher.ts";
import type { Keyspace } from "../../src/redis/engine/keyspace.ts";
import type { Reply } from "../../src/redis/engine/reply.ts";
import { scriptingOf } from "../../src/redis/scripting/runner.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { fieldsObject, type Logger } from "../../src/util/log.ts";
import { SeededRandom } from "../../src/util/random.ts";
import { BinaryWriter } from "../../src/storage/binary.ts";
import { codecs } from "../../src/storage/codecs.ts";
import { DatabasePersistence, type PersistenceOptions, type RecoveryReport } from "../../src/storage/persistence.ts";
import { openChangeLogFile } from "../../src/storage/sqlite.ts";

const session: Session = { readOnly: false, inTransaction: false };
const dispatcher = new Dispatcher(createCommandTable());

export interface LogLine {
  level: string;
  event: string;
  fields: Record<string, unknown>;
}

export function recordingLogger(): Logger & { lines: LogLine[]; events(): string[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    log: (level, event, fields) => void lines.push({ level, event, fields: fieldsObject(fields) }),
    events: () => lines.map((line) => line.event),
  };
}

export interface DurableEngine {
  dir: string;
  clock: ManualClock;
  database: Database;
  persistence: DatabasePersistence;
  log: ReturnType<typeof recordingLogger>;
  report: RecoveryReport;
  run(...argv: (string | number)[]): Reply;
  /** Commits what is buffered, as the end of an event-loop turn would. */
  commit(): void;
  close(): void;
}

export function temporaryDir(): string {
  return mkdtempSync(join(tmpdir(), "downstash-storage-"));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Opens (and recovers) the database stored in `dir`. */
export function openDurableEngine(dir: string, options: Partial<PersistenceOptions> & { clock?: ManualClock } = {}): DurableEngine {
  const clock = options.clock ?? new ManualClock();
  const log = recordingLogger();
  const persistence = DatabasePersistence.open({ dir, fsync: "everysec", snapshotEveryMs: 0, snapshotLogBytesMax: 0, log, ...options, clock });
  const database = new Database("default", clock, new SeededRandom(1), persistence.store);
  let report: RecoveryReport;
  try {
    // As node.ts recovers: libraries load as they did when they were journaled.
    report = scriptingOf(database).restoringLibraries(() => persistence.recover(database, (argv) => void dispatcher.run(database, dispatcher.resolve(argv, session), argv, session)));
  } catch (error) {
    persistence.close();
    throw error;
  }
  return {
    dir,
    clock,
    database,
    persistence,
    log,
    report,
    run: (...argv) => dispatcher.dispatch(database, argv.map(String), session),
    commit: () => void persistence.store.commit(),
    close: () => void persistence.close(),
  };
}

/** Every key as [key, type, expiresAtMs, codec bytes], sorted: equal dumps mean equal keyspaces. */
export function dumpKeyspace(keyspace: Keyspace): [string, string, number, number[]][] {
  const rows: [string, string, number, number[]][] = [];
  for (const key of keyspace.keys()) {
    const entry = keyspace.get(key)!;
    rows.push([key, entry.type, entry.expiresAtMs, [...codecs[entry.type].encode(entry.value)]]);
  }
  return rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Writes a change log as releases before whole-commit rows did (table `log`, one row per entry:
 * its LSN, its argv bytes, their CRC32; user_version 0), for the tests that prove such a data dir
 * still starts.
 */
export function writeOneRowPerEntryLog(path: string, entries: [lsn: number, argv: string[]][]): void {
  const sqlite = openChangeLogFile(path, "everysec");
  sqlite.exec("CREATE TABLE log (lsn INTEGER PRIMARY KEY, argv BLOB NOT NULL, crc INTEGER NOT NULL)");
  const insert = sqlite.query("INSERT INTO log (lsn, argv, crc) VALUES (?, ?, ?)");
  for (const [lsn, argv] of entries) {
    const bytes = new BinaryWriter().strings(argv).finish(); // format 1: u32 count, u32-prefixed arguments
    insert.run(lsn, bytes, Bun.hash.crc32(bytes));
  }
  sqlite.close();
}
