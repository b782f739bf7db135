// Proves a database's durable store in process: a reopened store rebuilds the same keyspace from
// log alone, from snapshot plus log tail, and after SAVE/BGSAVE; the LSN continues; keys that
// expired while closed are gone; snapshots drop the log they cover and start on schedule or log
// size, or once a suspended script ends; leftovers of a crashed snapshotter are discarded; a corrupt snapshot stops the start; a
// snapshot taken between the writes of one turn replays only what followed it; a data dir whose
// change log has the older one-row-per-entry layout starts with the same keys; a library the
// change log holds loads again though FUNCTION LOAD would refuse it now, or, when its code no
// longer compiles, is kept without functions.

import { Database as SqliteDatabase } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dumpKeyspace, openDurableEngine, removeDir, temporaryDir, writeOneRowPerEntryLog, type DurableEngine } from "../../test/durability/support.ts";
import { plain } from "../../test/harness/engine.ts";
import { encodeFunctionDump } from "../redis/scripting/function-dump.ts";
import { ManualClock } from "../util/clock.ts";
import { StorageError } from "./sqlite.ts";

const dirs: string[] = [];
const open: DurableEngine[] = [];
afterEach(() => {
  for (const engine of open.splice(0)) engine.close();
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function freshDir(): string {
  const dir = temporaryDir();
  dirs.push(dir);
  return dir;
}

function engineAt(dir: string, options: Parameters<typeof openDurableEngine>[1] = {}): DurableEngine {
  const engine = openDurableEngine(dir, options);
  open.push(engine);
  return engine;
}

/** Closes like a clean shutdown and opens again on the same directory and clock. */
function reopen(engine: DurableEngine, options: Parameters<typeof openDurableEngine>[1] = {}): DurableEngine {
  engine.close();
  open.splice(open.indexOf(engine), 1);
  return engineAt(engine.dir, { clock: engine.clock, ...options });
}

function writeSample(engine: DurableEngine): void {
  engine.run("SET", "plain", "\x00\xff bytes");
  engine.run("SET", "ttl", "1", "EX", 100);
  engine.run("INCRBYFLOAT", "float", "1.5");
  engine.run("HSET", "hash", "a", "1", "b", "2");
  engine.run("HPEXPIRE", "hash", 50_000, "FIELDS", 1, "a");
  engine.run("DEL", "nothing");
  engine.commit();
}

const snapshotFiles = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("snapshot-"));

describe("recovery", () => {
  test("from the change log alone: same keys, values, TTLs and LSN", () => {
    const engine = engineAt(freshDir());
    writeSample(engine);
    const state = dumpKeyspace(engine.database.keyspace);
    const lsn = engine.database.lsn;
    const reopened = reopen(engine);
    expect(dumpKeyspace(reopened.database.keyspace)).toEqual(state);
    expect(reopened.database.lsn).toBe(lsn);
    expect(reopened.report).toMatchObject({ lsn, snapshotLsn: 0, replayedEntries: lsn });
  });

  test("from a snapshot plus the log after it; the LSN keeps increasing across restarts", () => {
    const engine = engineAt(freshDir());
    writeSample(engine);
    engine.run("SAVE");
    engine.run("SET", "after", "snapshot");
    engine.run("HSET", "hash", "c", "3");
    engine.commit();
    const state = dumpKeyspace(engine.database.keyspace);
    const lsn = engine.database.lsn;
    const reopened = reopen(engine);
    expect(dumpKeyspace(reopened.database.keyspace)).toEqual(state);
    expect(reopened.report.replayedEntries).toBe(2);
    expect(reopened.database.lsn).toBe(lsn);
    reopened.run("SET", "next", "1");
    expect(reopened.database.lsn).toBe(lsn + 1);
  });

  test("keys whose absolute expiry passed while closed are gone, in the snapshot and in the log", () => {
    const engine = engineAt(freshDir());
    engine.run("SET", "snap-short", "1", "PX", 1000);
    engine.run("SET", "snap-long", "1", "PX", 100_000);
    engine.run("SAVE");
    engine.run("SET", "log-short", "1", "PX", 1000);
    engine.run("SET", "log-long", "1", "PX", 100_000);
    engine.commit();
    engine.clock.advance(5000);
    const reopened = reopen(engine);
    expect([...reopened.database.keyspace.keys()].sort()).toEqual(["log-long", "snap-long"]);
  });

  test("a snapshot taken between the writes of one turn: replay applies only the writes after it", async () => {
    const engine = engineAt(freshDir());
    engine.run("INCR", "n");
    engine.run("INCR", "n");
    engine.run("SAVE");
    engine.run("INCR", "n");
    engine.commit();
    await engine.persistence.snapshotsSettled();
    const reopened = reopen(engine);
    expect(reopened.run("GET", "n")).toBe("3");
    expect(reopened.report).toMatchObject({ snapshotLsn: 2, replayedEntries: 1, lsn: 3 });
  });

  test("a database reopened right after it closed opens every time, though its checkpointer's connection may still be closing", () => {
    // The checkpointer closes its connection on its own thread, checkpointing the WAL under an
    // exclusive lock as the last connection: an open that did not wait for it failed about once
    // in 40 reopens, so 200 make a regression all but certain to show.
    let engine = engineAt(freshDir());
    for (let i = 0; i < 200; i++) {
      engine.run("SET", `k${i}`, "v");
      engine.commit();
      engine = reopen(engine);
    }
    expect(engine.run("DBSIZE")).toBe(200);
    expect(engine.report).toMatchObject({ lsn: 200 });
  });

  test("a data dir whose change log has one row per entry (the older layout) starts with the same keys and goes on", () => {
    const dir = freshDir();
    writeOneRowPerEntryLog(join(dir, "changes.sqlite"), [
      [1, ["SET", "plain", "\x00\xff bytes"]],
      [2, ["HSET", "hash", "a", "1", "b", "2"]],
      [3, ["PEXPIREAT", "plain", "4000000000000"]],
      [4, ["RPUSH", "list", "x", "y"]],
      [5, ["DEL", "list"]],
    ]);
    const engine = engineAt(dir);
    expect(engine.report).toMatchObject({ lsn: 5, replayedEntries: 5, keys: 2 });
    expect(engine.run("HGET", "hash", "b")).toBe("2");
    expect(engine.run("PEXPIRETIME", "plain")).toBe(4_000_000_000_000);
    engine.run("SET", "new", "1");
    engine.commit();
    expect(engine.database.lsn).toBe(6);
    const state = dumpKeyspace(engine.database.keyspace);
    const reopened = reopen(engine);
    expect(dumpKeyspace(reopened.database.keyspace)).toEqual(state);
    expect(reopened.report).toMatchObject({ lsn: 6, replayedEntries: 6 });
  });

  test("a library with globals at its top level, journaled before FUNCTION LOAD refused that, loads again from the log and from a snapshot", () => {
    const engine = engineAt(freshDir());
    const code = "#!lua name=old\nlocal upper = string.upper\nredis.register_function('shout', function(keys, args) return upper(args[1]) end)";
    expect(plain(engine.run("FUNCTION", "LOAD", code))).toEqual({ error: expect.stringContaining("nonexistent global variable 'string'") });
    engine.database.journal(["FUNCTION", "LOAD", "REPLACE", code]);
    engine.commit();
    const fromLog = reopen(engine);
    expect(plain(fromLog.run("FCALL", "shout", "0", "hi"))).toBe("HI");
    expect(plain(fromLog.run("FUNCTION", "LOAD", "REPLACE", code))).toEqual({ error: expect.stringContaining("nonexistent global variable 'string'") });
    // A restore that fails puts the libraries back as they were.
    expect(plain(fromLog.run("FUNCTION", "RESTORE", encodeFunctionDump(["#!lua name=bad\nlocal t = table"]), "FLUSH"))).toEqual({ error: expect.stringContaining("nonexistent global variable 'table'") });
    expect(plain(fromLog.run("FCALL", "shout", "0", "hi"))).toBe("HI");
    fromLog.run("SAVE");
    const fromSnapshot = reopen(fromLog);
    expect(plain(fromSnapshot.run("FCALL", "shout", "0", "hi"))).toBe("HI");
  });

  test("a library the log holds that no longer compiles (Lua 5.4's syntax) is kept, without functions, and the failure logged", () => {
    const engine = engineAt(freshDir());
    const code = "#!lua name=halves\nredis.register_function('half', function(keys, args) return args[1] // 2 end)";
    expect(plain(engine.run("FUNCTION", "LOAD", code))).toEqual({ error: expect.stringContaining("unexpected symbol near '/'") });
    engine.run("SET", "before", "1");
    engine.database.journal(["FUNCTION", "LOAD", "REPLACE", code]);
    engine.run("SET", "after", "1");
    engine.commit();
    const fromLog = reopen(engine);
    expect(fromLog.log.lines.find((line) => line.event === "change_log_replay_errors")).toMatchObject({ level: "warn", fields: { entries: 1, first: { lsn: 2, command: "FUNCTION" } } });
    expect(plain(fromLog.run("MGET", "before", "after"))).toEqual(["1", "1"]);
    expect(plain(fromLog.run("FUNCTION", "LIST"))).toEqual([["library_name", "halves", "engine", "LUA", "functions", []]]);
    expect(plain(fromLog.run("FCALL", "half", "0", "9"))).toEqual({ error: "ERR Function not found" });
    expect(plain(fromLog.run("FUNCTION", "LOAD", code))).toEqual({ error: "ERR Library 'halves' already exists" });
    fromLog.run("SAVE");
    const fromSnapshot = reopen(fromLog);
    expect(plain(fromSnapshot.run("FUNCTION", "LIST"))).toEqual([["library_name", "halves", "engine", "LUA", "functions", []]]);
    expect(plain(fromSnapshot.run("FUNCTION", "DUMP"))).toBe(plain(fromLog.run("FUNCTION", "DUMP")));
    const fixed = "#!lua name=halves\nredis.register_function('half', function(keys, args) return math.floor(args[1] / 2) end)";
    expect(plain(fromSnapshot.run("FUNCTION", "LOAD", "REPLACE", fixed))).toBe("halves");
    expect(plain(fromSnapshot.run("FCALL", "half", "0", "9"))).toBe(4);
  });

  test("a library the log holds that names itself twice, which FUNCTION LOAD now refuses, loads again under its last name", () => {
    const engine = engineAt(freshDir());
    const code = "#!lua name=first name=second\nredis.register_function('twice', function() return 2 end)";
    expect(plain(engine.run("FUNCTION", "LOAD", code))).toEqual({ error: "ERR Invalid metadata value, name argument was given multiple times" });
    engine.database.journal(["FUNCTION", "LOAD", code]);
    engine.commit();
    const fromLog = reopen(engine);
    expect(plain(fromLog.run("FCALL", "twice", "0"))).toBe(2);
    expect(plain(fromLog.run("FUNCTION", "LIST"))).toEqual([["library_name", "second", "engine", "LUA", "functions", [["name", "twice", "description", null, "flags", []]]]]);
    fromLog.run("SAVE");
    const fromSnapshot = reopen(fromLog);
    expect(plain(fromSnapshot.run("FCALL", "twice", "0"))).toBe(2);
  });

  test("the leftover of a snapshot that never finished is discarded with a warning", () => {
    const engine = engineAt(freshDir());
    writeSample(engine);
    writeFileSync(join(engine.dir, "snapshot-99.sqlite.tmp"), "half written");
    const reopened = reopen(engine);
    expect(snapshotFiles(engine.dir)).toEqual([]);
    expect(reopened.log.lines.find((line) => line.event === "snapshot_discarded")).toMatchObject({ level: "warn" });
    expect(reopened.database.keyspace.size).toBe(4);
  });

  test("a second store on the same directory is refused while the first is open", () => {
    const engine = engineAt(freshDir());
    expect(() => engineAt(engine.dir)).toThrow(/lock\.sqlite: the data dir is in use by another process/);
    engine.run("SET", "still", "works");
    engine.commit();
    expect(reopen(engine).run("GET", "still")).toBe("works");
  });

  test("a corrupt snapshot stops the start with a clear error and is left in place", () => {
    const engine = engineAt(freshDir());
    writeSample(engine);
    engine.run("SAVE");
    engine.close();
    open.splice(open.indexOf(engine), 1);
    const [name] = snapshotFiles(engine.dir);
    const sqlite = new SqliteDatabase(join(engine.dir, name!));
    sqlite.exec("UPDATE chunks SET crc = crc + 1 WHERE seq = 0");
    sqlite.close();
    expect(() => engineAt(engine.dir)).toThrow(StorageError);
    expect(() => engineAt(engine.dir)).toThrow(/snapshot .*snapshot-\d+\.sqlite is corrupt \(chunk 0 fails its checksum\); refusing to load it/);
    expect(snapshotFiles(engine.dir)).toEqual([name!]);
  });
});

describe("snapshots", () => {
  test("SAVE writes a snapshot, drops the log it covers and older snapshots", async () => {
    const engine = engineAt(freshDir());
    writeSample(engine);
    engine.run("SAVE");
    engine.run("SET", "x", "1");
    engine.commit();
    engine.run("SAVE");
    await engine.persistence.snapshotsSettled();
    await Bun.sleep(0);
    expect(snapshotFiles(engine.dir)).toEqual([`snapshot-${engine.database.lsn}.sqlite`]);
    expect(engine.persistence.store.readAfter(0).entries).toEqual([]);
    expect(info(engine)).toMatchObject({ rdb_changes_since_last_save: "0", rdb_saves: "2", downstash_snapshot_lsn: String(engine.database.lsn) });
  });

  test("BGSAVE runs in the background; a second one is refused or scheduled", async () => {
    const engine = engineAt(freshDir());
    writeSample(engine);
    expect(plain(engine.run("BGSAVE"))).toEqual({ status: "Background saving started" });
    expect(plain(engine.run("BGSAVE"))).toEqual({ error: "ERR Background save already in progress" });
    expect(plain(engine.run("SAVE"))).toEqual({ error: "ERR Background save already in progress" });
    expect(plain(engine.run("BGSAVE", "SCHEDULE"))).toEqual({ status: "Background saving scheduled" });
    expect(info(engine).rdb_bgsave_in_progress).toBe("1");
    await engine.persistence.snapshotsSettled();
    expect(engine.log.events().filter((event) => event === "snapshot_saved").length).toBe(2);
    expect(info(engine)).toMatchObject({ rdb_bgsave_in_progress: "0", rdb_last_bgsave_status: "ok" });
  });

  test("a snapshot due while a script is suspended starts as it ends, at the LSN after all of its writes", async () => {
    const engine = engineAt(freshDir());
    writeSample(engine);
    const lsnAtStart = engine.database.lsn;
    engine.database.deferCommitsAfter(lsnAtStart);
    engine.run("SET", "script:a", "1");
    expect(plain(engine.run("BGSAVE"))).toEqual({ status: "Background saving started" });
    expect(info(engine).rdb_bgsave_in_progress).toBe("0");
    engine.run("SET", "script:b", "2");
    engine.database.resumeCommits();
    expect(info(engine).rdb_bgsave_in_progress).toBe("1");
    await engine.persistence.snapshotsSettled();
    expect(engine.persistence.info()).toContainEqual(["downstash_snapshot_lsn", lsnAtStart + 2]);
  });

  test("LASTSAVE reports the last snapshot's time", () => {
    const clock = new ManualClock(1_800_000_000_000);
    const engine = engineAt(freshDir(), { clock });
    clock.advance(5000);
    engine.run("SET", "a", "1");
    engine.run("SAVE");
    expect(engine.run("LASTSAVE")).toBe(1_800_000_005);
    const reopened = reopen(engine);
    expect(reopened.run("LASTSAVE")).toBe(1_800_000_005);
  });

  test("a snapshot starts by itself once the change log passes its size limit", async () => {
    const engine = engineAt(freshDir(), { snapshotLogBytesMax: 10_000 });
    // Values differ from each other: the log stores a value equal to the one before it as one byte.
    for (let i = 0; i < 50; i++) engine.run("SET", `k${i}`, `${i}:`.padEnd(200, "x"));
    engine.commit();
    expect(engine.persistence.isSnapshotRunning).toBe(true);
    await engine.persistence.snapshotsSettled();
    expect(snapshotFiles(engine.dir)).toEqual(["snapshot-50.sqlite"]);
    expect(Number(info(engine).downstash_change_log_bytes)).toBeLessThan(10_000);
  });

  test("the size limit grows to the newest snapshot's size, so a large keyspace is not rewritten for every few writes", async () => {
    const engine = engineAt(freshDir(), { snapshotLogBytesMax: 10_000 });
    for (let i = 0; i < 50; i++) engine.run("SET", `k${i}`, `${i}:`.padEnd(2000, "x"));
    engine.commit();
    await engine.persistence.snapshotsSettled();
    const snapshotBytes = Bun.file(join(engine.dir, snapshotFiles(engine.dir)[0]!)).size;
    expect(snapshotBytes).toBeGreaterThan(30_000);
    // Past the limit but short of the snapshot's size: no snapshot yet.
    for (let i = 0; i < 10; i++) engine.run("SET", `k${i}`, `${i}:`.padEnd(2000, "y"));
    engine.commit();
    const logBytes = () => Number(info(engine).downstash_change_log_bytes);
    expect(logBytes()).toBeGreaterThan(10_000);
    expect(logBytes()).toBeLessThan(snapshotBytes);
    expect(engine.persistence.isSnapshotRunning).toBe(false);
    // Past the snapshot's size: one is taken.
    for (let i = 0; logBytes() < snapshotBytes; i++) {
      engine.run("SET", `k${i % 50}`, "z".repeat(2000));
      engine.commit();
    }
    expect(engine.persistence.isSnapshotRunning).toBe(true);
    await engine.persistence.snapshotsSettled();
  });

  test("writes made while a background snapshot runs are all there after a restart", async () => {
    const engine = engineAt(freshDir());
    for (let i = 0; i < 5000; i++) engine.run("SET", `k${i}`, String(i));
    engine.commit();
    engine.run("BGSAVE");
    for (let i = 0; i < 5000; i += 7) {
      engine.run("SET", `k${i}`, "changed");
      engine.run("DEL", `k${i + 1}`);
      if (i % 70 === 0) await Bun.sleep(0);
    }
    engine.commit();
    await engine.persistence.snapshotsSettled();
    const state = dumpKeyspace(engine.database.keyspace);
    const reopened = reopen(engine);
    expect(dumpKeyspace(reopened.database.keyspace)).toEqual(state);
  });
});

describe("INFO persistence", () => {
  test("reports the change log and snapshot state", () => {
    const engine = engineAt(freshDir());
    writeSample(engine);
    expect(info(engine)).toMatchObject({
      loading: "0",
      aof_enabled: "1",
      aof_last_write_status: "ok",
      rdb_bgsave_in_progress: "0",
      rdb_changes_since_last_save: String(engine.database.lsn),
      downstash_fsync: "everysec",
      downstash_change_log_pending: "0",
      downstash_lsn: String(engine.database.lsn),
    });
  });
});

function info(engine: DurableEngine): Record<string, string> {
  const text = engine.run("INFO", "persistence") as string;
  return Object.fromEntries(
    text
      .split("\r\n")
      .filter((line) => line.includes(":"))
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]),
  );
}
