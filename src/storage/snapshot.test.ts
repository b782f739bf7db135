// Proves snapshots: a snapshot taken while writes keep coming holds every key exactly as it was
// at its LSN (copy-before-write for SET, DEL, in-place HSET and RPUSH, EXPIRE, RENAME and FLUSHALL
// on keys not yet written; large lists written a part at a time while they change), every type and its TTLs (key and hash-field) round-trip through the
// codec table, keys expired by load time are left out, and damaged files are refused whole (records
// forged with valid checksums too: an unknown type, a key twice, a value overrunning its length).
// In process, on a manual clock, real SQLite files.

import { Database as SqliteDatabase } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createTestEngine, plain } from "../../test/harness/engine.ts";
import { dumpKeyspace, removeDir, temporaryDir } from "../../test/durability/support.ts";
import { ObservedKeyspace } from "../redis/engine/database.ts";
import { redisTypes } from "../redis/engine/keyspace.ts";
import type { ListValue } from "../redis/types/list.ts";
import { keySlot } from "../redis/engine/slot.ts";
import { ManualClock } from "../util/clock.ts";
import { SeededRandom } from "../util/random.ts";
import { BinaryWriter } from "./binary.ts";
import { listSnapshotFiles, loadSnapshot, SnapshotCorruptError, SnapshotWriter } from "./snapshot.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});
function dir(): string {
  const made = temporaryDir();
  dirs.push(made);
  return made;
}

/** An engine holding strings, hashes with field TTLs, and keys with TTLs spread over many slots. */
function populatedEngine(keys = 300) {
  const engine = createTestEngine();
  for (let i = 0; i < keys; i++) {
    engine.run("SET", `s:${i}`, `value \x00\xff ${i}`);
    if (i % 3 === 0) engine.run("PEXPIRE", `s:${i}`, 60_000 + i);
    if (i % 10 === 5) engine.run("RPUSH", `l:${i}`, "a", "b");
    if (i % 10 === 0) {
      engine.run("HSET", `h:${i}`, "a", "1", "b", "\xff", "c", String(i));
      engine.run("HPEXPIRE", `h:${i}`, 90_000, "FIELDS", 1, "b");
    }
  }
  return engine;
}

/** A loaded snapshot's list, head to tail. */
function plainList(path: string, key: string): string[] {
  return [...(loadInto(path, 0).get(key)!.value as ListValue).values()];
}

function loadInto(path: string, nowMs: number): ObservedKeyspace {
  const keyspace = new ObservedKeyspace(new ManualClock(nowMs));
  loadSnapshot(path, keyspace, nowMs);
  return keyspace;
}

describe("snapshot round trip", () => {
  test("every key, value, key TTL and field TTL comes back exactly", () => {
    const engine = populatedEngine();
    const result = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs()).finishSync();
    expect(result.keys).toBe(engine.database.keyspace.size);
    const loaded = new ObservedKeyspace(new ManualClock(engine.clock.nowMs()));
    expect(loadSnapshot(result.path, loaded, engine.clock.nowMs())).toMatchObject({ keys: result.keys, bytes: result.bytes, lsn: result.lsn });
    expect(dumpKeyspace(loaded)).toEqual(dumpKeyspace(engine.database.keyspace));
    expect(loaded.volatileCount).toBe(engine.database.keyspace.volatileCount);
  });

  test("every type the engine holds goes through a snapshot and back, through the codec table", () => {
    const engine = createTestEngine();
    engine.run("SET", "string", "\x00\xff");
    engine.run("HSET", "hash", "f", "v");
    engine.run("RPUSH", "list", "a", "\xff");
    engine.run("SADD", "set", "x", "y");
    engine.run("ZADD", "zset", "1.5", "m", "-2", "n");
    engine.run("XADD", "stream", "1-1", "f", "v");
    engine.run("XGROUP", "CREATE", "stream", "group", "0");
    engine.run("JSON.SET", "json", "$", '{"a":[1,"x",null]}');
    engine.run("PEXPIRE", "list", 60_000);
    // A type added later fails here until this test writes one of it.
    const held = [...engine.database.keyspace.keys()].map((key) => engine.database.keyspace.get(key)!.type);
    expect(redisTypes.filter((type) => !held.includes(type))).toEqual([]);
    const result = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs()).finishSync();
    expect(dumpKeyspace(loadInto(result.path, engine.clock.nowMs()))).toEqual(dumpKeyspace(engine.database.keyspace));
  });

  test("keys whose expiry passed by load time are left out; hash fields keep their own TTLs", () => {
    const engine = createTestEngine();
    engine.run("SET", "short", "1", "PX", 1000);
    engine.run("SET", "long", "1", "PX", 100_000);
    engine.run("HSET", "h", "f", "1", "g", "2");
    engine.run("HPEXPIRE", "h", 5000, "FIELDS", 1, "f");
    const result = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs()).finishSync();
    const loaded = loadInto(result.path, engine.clock.nowMs() + 2000);
    expect([...loaded.keys()].sort()).toEqual(["h", "long"]);
    expect(loaded.memberExpiryKeys.some((shard) => shard.has("h"))).toBe(true);
  });
});

describe("copy-before-write", () => {
  test("writes during a snapshot do not leak into it: it holds the state at its LSN", () => {
    const engine = populatedEngine();
    const before = dumpKeyspace(engine.database.keyspace);
    const writer = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs());
    // Step through the slots a few at a time, changing keys on both sides of the walk.
    for (let round = 0; round < 40 && !writer.isWalkDone; round++) {
      for (let i = 0; i < 200; i++) writer.step(0);
      engine.run("SET", `s:${round}`, "changed");
      engine.run("DEL", `s:${round + 50}`);
      engine.run("HSET", `h:${round * 10}`, "a", "changed", "new", "field");
      engine.run("RPUSH", `l:${round * 10 + 5}`, "pushed");
      engine.run("PEXPIRE", `s:${round + 100}`, 5);
      engine.run("SET", `created:${round}`, "new key");
      engine.run("RENAME", `s:${round + 200}`, `renamed:${round}`);
    }
    const result = writer.finishSync();
    expect(dumpKeyspace(loadInto(result.path, engine.clock.nowMs()))).toEqual(before);
  });

  test("seeded random writes during back-to-back snapshots, large lists among them: each snapshot holds the state at its own LSN", () => {
    // Enough elements for a list to be written in parts, one part a step.
    const manyElements = Array.from({ length: 4500 }, (_, i) => `element ${i} ${"x".repeat(40)}`);
    for (const seed of [1, 2, 3]) {
      const random = new SeededRandom(seed);
      const pick = <T,>(items: readonly T[]): T => items[Math.floor(random.next() * items.length)]!;
      // Three slots, so keys change beside (and inside) a large value while its parts are written.
      const keys = Array.from({ length: 24 }, (_, i) => `{${"abc"[i % 3]}}k:${i}`);
      // Deletes, re-creations, type changes, renames both ways and repeated changes of one key.
      const commands: (() => (string | number)[])[] = [
        () => ["SET", pick(keys), `v${random.next()}`],
        () => ["DEL", pick(keys)],
        () => ["HSET", pick(keys), "f", `h${random.next()}`],
        () => ["RPUSH", pick(keys), "x"],
        () => ["LPOP", pick(keys)],
        () => ["RENAME", pick(keys), pick(keys)],
        () => ["PEXPIRE", pick(keys), 60_000],
        () => ["INCR", pick(keys)],
      ];
      const engine = createTestEngine(seed);
      const change = () => engine.run(...(random.next() < 0.05 ? ["RPUSH", pick(keys), ...manyElements] : pick(commands)()));
      for (const key of keys) engine.run(...(random.next() < 0.3 ? ["RPUSH", key, ...manyElements] : ["SET", key, "initial"]));
      for (let snapshot = 0; snapshot < 3; snapshot++) {
        const before = dumpKeyspace(engine.database.keyspace);
        const writer = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs());
        // Rare changes until the walk is inside a large value, then one between every two of its
        // parts: most keys are still the walk's to write when it gets there.
        while (!writer.isWalkDone) {
          writer.step(0);
          const isInLargeValue = (writer as unknown as { parts: unknown }).parts !== undefined;
          if (isInLargeValue || random.next() < 0.001) change();
        }
        const result = writer.finishSync();
        expect(dumpKeyspace(loadInto(result.path, engine.clock.nowMs()))).toEqual(before);
      }
    }
  });

  test("keys named after numkeys or STREAMS are copied before they change in place (LMPOP, ZMPOP, XREADGROUP)", () => {
    const engine = createTestEngine();
    for (let i = 0; i < 200; i++) {
      engine.run("RPUSH", `list:${i}`, "a", "b", "c");
      engine.run("ZADD", `zset:${i}`, "1", "a", "2", "b", "3", "c");
      engine.run("XADD", `stream:${i}`, "1-1", "f", "v");
      engine.run("XGROUP", "CREATE", `stream:${i}`, "group", "0");
    }
    const before = dumpKeyspace(engine.database.keyspace);
    const writer = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs());
    for (let round = 0; round < 200 && !writer.isWalkDone; round++) {
      writer.step(0);
      // Two keys each: one the walk may have passed, one it has not reached; none is emptied.
      const [early, late] = [round, 199 - round];
      engine.run("LMPOP", 2, `list:${early}`, `list:${late}`, "LEFT");
      engine.run("ZMPOP", 2, `zset:${late}`, `zset:${early}`, "MAX");
      engine.run("XREADGROUP", "GROUP", "group", "reader", "STREAMS", `stream:${late}`, `stream:${early}`, ">", ">");
    }
    expect(dumpKeyspace(loadInto(writer.finishSync().path, engine.clock.nowMs()))).toEqual(before);
  });

  test("a large list is written a part at a time, and writes to it or beside it meanwhile stay out", () => {
    // Each scenario changes keys between steps while the walk writes "{q}big" in parts: the list
    // itself (the writer switches to a copy), keys of its slot already written or not yet, another
    // large list of the slot (kept as a copy, then written in parts), a key in a later slot.
    const varied = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}\xff`.repeat(1 + (i % 5)));
    const scenarios: ((engine: ReturnType<typeof createTestEngine>, round: number) => void)[] = [
      (engine, round) => engine.run(round % 2 ? "LPOP" : "RPOP", "{q}big"),
      (engine, round) => {
        engine.run("RPUSH", "{q}big", `pushed ${round}`);
        engine.run("LSET", "{q}big", 5000, "set");
        engine.run("LINSERT", "{q}big", "BEFORE", "e7\xff\xff\xff", "inserted");
      },
      (engine, round) => engine.run("LTRIM", "{q}big", 1, -2 - round),
      (engine, round) => {
        if (round === 3) engine.run("RENAME", "{q}big", "{q}moved");
        if (round === 5) engine.run("DEL", "{q}moved");
      },
      (engine, round) => {
        engine.run("SET", "{q}before", `changed ${round}`);
        engine.run("SET", "{q}after", `changed ${round}`);
        engine.run("LPOP", "{q}other");
        engine.run("SET", `{q}new ${round}`, "created");
        engine.run("RPUSH", "later", "more");
        engine.run("EXPIRE", "{q}big", 100);
      },
    ];
    for (const [index, change] of scenarios.entries()) {
      const engine = createTestEngine();
      engine.run("SET", "{q}before", "1");
      engine.run("RPUSH", "{q}big", ...varied("e", 30_000));
      engine.run("SET", "{q}after", "2");
      engine.run("RPUSH", "{q}other", ...varied("o", 20_000));
      engine.run("RPUSH", "later", "a", "b");
      const before = dumpKeyspace(engine.database.keyspace);
      const writer = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs());
      // A step with no time writes one slot, or one part of a large value: walk up to "{q}"'s slot,
      // then change keys after every step until the walk is done.
      for (let slot = 0; slot < keySlot("{q}"); slot++) writer.step(0);
      let rounds = 0;
      while (!writer.step(0)) change(engine, rounds++);
      expect(rounds).toBeGreaterThan(5); // it did pause inside the large values
      const result = writer.finishSync();
      expect({ scenario: index, keys: dumpKeyspace(loadInto(result.path, engine.clock.nowMs())) }).toEqual({ scenario: index, keys: before });
    }
  });

  test("a large stream is written a part at a time, and stream commands meanwhile stay out", () => {
    const scenarios: ((engine: ReturnType<typeof createTestEngine>, round: number) => void)[] = [
      (engine, round) => engine.run("XADD", "{q}log", "*", "f", `added ${round}`),
      (engine, round) => engine.run("XDEL", "{q}log", `1-${round * 7 + 1}`, `1-${20_000 - round}`),
      (engine, round) => engine.run("XTRIM", "{q}log", "MAXLEN", String(19_000 - round * 500)),
      (engine, round) => {
        engine.run("XREADGROUP", "GROUP", "g", "reader", "COUNT", 10, "STREAMS", "{q}log", ">");
        engine.run("XACK", "{q}log", "g", `1-${round + 1}`);
        engine.run("XGROUP", "CREATE", "{q}log", `new ${round}`, "$");
      },
      (engine, round) => {
        if (round === 2) engine.run("DEL", "{q}log");
        engine.run("SET", "{q}before", `changed ${round}`);
      },
    ];
    for (const [index, change] of scenarios.entries()) {
      const engine = createTestEngine();
      engine.run("SET", "{q}before", "1");
      for (let i = 1; i <= 20_000; i++) engine.run("XADD", "{q}log", `1-${i}`, "f", `v${i}`, ...(i % 3 === 0 ? ["extra", "\xff"] : []));
      engine.run("XGROUP", "CREATE", "{q}log", "g", "0");
      engine.run("XREADGROUP", "GROUP", "g", "first", "COUNT", 50, "STREAMS", "{q}log", ">");
      engine.run("SET", "{q}after", "2");
      const before = dumpKeyspace(engine.database.keyspace);
      const writer = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs());
      for (let slot = 0; slot < keySlot("{q}"); slot++) writer.step(0);
      let rounds = 0;
      while (!writer.step(0)) change(engine, rounds++);
      expect(rounds).toBeGreaterThan(3); // it did pause inside the stream
      const result = writer.finishSync();
      expect({ scenario: index, keys: dumpKeyspace(loadInto(result.path, engine.clock.nowMs())) }).toEqual({ scenario: index, keys: before });
    }
  });

  test("a large list kept as a copy before the walk reaches it is written in parts from the copy", () => {
    const engine = createTestEngine();
    engine.run("RPUSH", "queue", ...Array.from({ length: 50_000 }, (_, i) => String(i)));
    const before = dumpKeyspace(engine.database.keyspace);
    const writer = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs());
    for (let i = 0; i < 1000; i++) engine.run("LPOP", "queue");
    engine.run("RPUSH", "queue", "late");
    const result = writer.finishSync();
    expect(dumpKeyspace(loadInto(result.path, engine.clock.nowMs()))).toEqual(before);
    const sqlite = new SqliteDatabase(result.path, { readonly: true });
    const records = sqlite.query<{ records: number }, []>("SELECT SUM(records) AS records FROM chunks").get()!.records;
    sqlite.close();
    expect(records).toBeGreaterThan(result.keys); // its parts are records of their own
  });

  test("FLUSHALL during a snapshot first completes it", () => {
    const engine = populatedEngine();
    const before = dumpKeyspace(engine.database.keyspace);
    const writer = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs());
    writer.step(0);
    engine.run("FLUSHALL");
    expect(writer.isWalkDone).toBe(true);
    expect(engine.database.keyspace.observer).toBeUndefined();
    expect(dumpKeyspace(loadInto(writer.finishSync().path, engine.clock.nowMs()))).toEqual(before);
  });

  test("a snapshot file that cannot be written fails the snapshot's step, never the writes that changed keys meanwhile", () => {
    const engine = populatedEngine(3000);
    const writer = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs());
    // Every insert into the file fails from now on, as on a full disk.
    (writer as unknown as { insertChunk: { run: () => never } }).insertChunk.run = () => {
      throw new Error("database or disk is full");
    };
    // Far more than a chunk's worth of records taken before changes, on keys the walk has not reached.
    for (let i = 0; i < 3000; i++) expect(plain(engine.run("SET", `s:${i}`, "changed".repeat(10)))).toEqual({ status: "OK" });
    expect(() => writer.step(Infinity)).toThrow("database or disk is full");
    writer.abort();
  });

  test("the observer is detached once the walk is done", () => {
    const engine = populatedEngine(10);
    const writer = new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs());
    expect(engine.database.keyspace.observer).toBe(writer);
    writer.finishSync();
    expect(engine.database.keyspace.observer).toBeUndefined();
  });
});

describe("damaged snapshots", () => {
  function savedSnapshot() {
    const engine = populatedEngine(2000);
    return new SnapshotWriter(engine.database.keyspace, dir(), engine.database.lsn, engine.clock.nowMs()).finishSync();
  }

  function expectRefused(path: string, reason: string) {
    const keyspace = new ObservedKeyspace(new ManualClock());
    expect(() => loadSnapshot(path, keyspace, 0)).toThrow(SnapshotCorruptError);
    expect(() => loadSnapshot(path, keyspace, 0)).toThrow(reason);
    expect(keyspace.size).toBe(0);
  }

  test("a flipped byte in a chunk fails its checksum and nothing is loaded", () => {
    const { path } = savedSnapshot();
    const sqlite = new SqliteDatabase(path);
    const row = sqlite.query("SELECT data FROM chunks WHERE seq = 0").get() as { data: Uint8Array };
    row.data[100] ^= 0xff;
    sqlite.query("UPDATE chunks SET data = ? WHERE seq = 0").run(row.data);
    sqlite.close();
    expectRefused(path, "chunk 0 fails its checksum");
  });

  test("a missing chunk, a missing completion record and a file that is not SQLite are refused", () => {
    const first = savedSnapshot();
    let sqlite = new SqliteDatabase(first.path);
    sqlite.exec("DELETE FROM chunks WHERE seq = (SELECT max(seq) FROM chunks)");
    sqlite.close();
    expectRefused(first.path, "chunks are missing");

    const second = savedSnapshot();
    sqlite = new SqliteDatabase(second.path);
    sqlite.exec("DELETE FROM meta");
    sqlite.close();
    expectRefused(second.path, "no completion record");

    const third = savedSnapshot();
    Bun.write(third.path, "not a database at all, just text".repeat(200));
    expectRefused(third.path, "is corrupt");
  });

  /** A one-chunk snapshot file holding exactly the records written by `fill`, with valid checksums. */
  function forgedSnapshot(records: number, fill: (writer: BinaryWriter) => void, keys = records): string {
    const path = join(dir(), "snapshot-1.sqlite");
    const writer = new BinaryWriter();
    fill(writer);
    const data = writer.finish();
    const crc = Bun.hash.crc32(data);
    const sqlite = new SqliteDatabase(path);
    sqlite.exec("CREATE TABLE chunks (seq INTEGER PRIMARY KEY, records INTEGER NOT NULL, crc INTEGER NOT NULL, data BLOB NOT NULL)");
    sqlite.exec("CREATE TABLE meta (format INTEGER NOT NULL, lsn INTEGER NOT NULL, keys INTEGER NOT NULL, chunks INTEGER NOT NULL, crc INTEGER NOT NULL, created_at_ms INTEGER NOT NULL)");
    sqlite.query("INSERT INTO chunks VALUES (0, ?, ?, ?)").run(records, crc, data);
    sqlite.query("INSERT INTO meta VALUES (2, 1, ?, 1, ?, 0)").run(keys, Bun.hash.crc32(new Uint32Array([crc]), 0));
    sqlite.close();
    return path;
  }
  const stringRecord = (writer: BinaryWriter, key: string, type = "string") => writer.bytes(key).bytes(type).f64(0).sized((value) => value.bytes("v"));

  test("records that pass their checksums but cannot be what a writer wrote are refused", () => {
    expect(loadInto(forgedSnapshot(1, (writer) => stringRecord(writer, "a")), 0).size).toBe(1);
    expectRefused(
      forgedSnapshot(1, (writer) => stringRecord(writer, "a", "bitmap")),
      "chunk 0 holds a record of an unknown type",
    );
    expectRefused(
      forgedSnapshot(2, (writer) => stringRecord(stringRecord(writer, "a"), "a")),
      "key seen twice (chunk 0)",
    );
    expectRefused(
      forgedSnapshot(1, (writer) => writer.bytes("a").bytes("string").f64(0).u32(9).bytes("v").u32(0)),
      "value length disagrees with its bytes",
    );
    const listPart = (writer: BinaryWriter, key: string, type: string) =>
      writer.bytes(key).bytes(type).f64(0).sized((value) => (type === "list" ? value.u8(1) : value).u32(1).bytes("x"));
    expect(plainList(forgedSnapshot(2, (writer) => listPart(listPart(writer, "l", "list"), "l", "+"), 1), "l")).toEqual(["x", "x"]);
    expectRefused(forgedSnapshot(1, (writer) => listPart(writer, "l", "+")), "chunk 0 continues a value no record started");
    expectRefused(
      forgedSnapshot(2, (writer) => listPart(listPart(writer, "l", "list"), "other", "+")),
      "chunk 0 continues a value no record started",
    );
    expectRefused(
      forgedSnapshot(2, (writer) => listPart(stringRecord(writer, "s"), "s", "+")),
      "chunk 0 continues a value no record started",
    );
  });

  test("an unfinished snapshot is a temporary file, never listed as complete", () => {
    const engine = populatedEngine(10);
    const target = dir();
    const writer = new SnapshotWriter(engine.database.keyspace, target, 7, 0);
    writer.step(0);
    const files = listSnapshotFiles(target, readdirSync(target));
    expect(files.complete).toEqual([]);
    expect(files.temporary.length).toBe(1);
    writer.abort();
  });
});
