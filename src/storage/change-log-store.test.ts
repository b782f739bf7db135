// Proves the change-log store: entries of one turn commit as one row behind one shared promise
// (a very large turn as several rows in one transaction), nothing waits when nothing is pending, a
// failed commit (SQLITE_FULL forced with max_page_count) refuses acknowledgement and is retried,
// damaged rows cut the log at the last whole entry, a row straddling a snapshot's LSN replays only
// what follows it, truncation drops exactly what a snapshot covers, a suspended script's entries
// wait until it ends (and close drops them), arguments that repeat or share their beginning with
// the previous entry's are stored short and read back exactly, and files of older layouts are
// converted and read. Real SQLite in a temp dir.

import { Database as SqliteDatabase } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { recordingLogger, removeDir, temporaryDir, writeOneRowPerEntryLog } from "../../test/durability/support.ts";
import { BinaryWriter } from "./binary.ts";
import { ChangeLogStore, decodeEntries } from "./change-log-store.ts";
import { openChangeLogFile, StorageError } from "./sqlite.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

/** Where a change log goes in a fresh temp dir (removed after the test). */
function newLogPath(): string {
  const dir = temporaryDir();
  dirs.push(dir);
  return join(dir, "changes.sqlite");
}

function openStore(): { store: ChangeLogStore; sqlite: SqliteDatabase; log: ReturnType<typeof recordingLogger>; path: string } {
  const path = newLogPath();
  const sqlite = openChangeLogFile(path, "everysec");
  const log = recordingLogger();
  return { store: new ChangeLogStore(sqlite, log), sqlite, log, path };
}

const entry = (lsn: number, ...argv: string[]) => ({ database: "default", lsn, argv });
/** An entry in format 1, as rows were written before formats existed. */
const lengthPrefixed = (argv: string[]) => new BinaryWriter().strings(argv).finish();
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("group commit", () => {
  test("entries appended in one turn commit together as one row and share one promise", async () => {
    const { store, sqlite } = openStore();
    expect(store.pendingCommit(false)).toBeUndefined();
    store.append(entry(1, "SET", "a", "1"));
    store.append(entry(2, "SET", "b", "\x00\xff"));
    const first = store.pendingCommit(true);
    expect(store.pendingCommit(false)).toBe(first!);
    expect(sqlite.query("SELECT count(*) AS n FROM batches").get()).toEqual({ n: 0 });
    await first;
    expect(rows(sqlite)).toEqual([{ first_lsn: 1, last_lsn: 2, entries: 2 }]);
    expect(store.pendingCount).toBe(0);
    expect(store.pendingCommit(true)).toBeUndefined();
  });

  test("stored entries read back byte for byte, in LSN order", async () => {
    const { store } = openStore();
    store.append(entry(1, "SET", "k\x00\xff", "é\x80"));
    store.append(entry(2, "DEL", "k"));
    await turn();
    expect(store.readAfter(0).entries.map((e) => [e.lsn, e.argv])).toEqual([
      [1, ["SET", "k\x00\xff", "é\x80"]],
      [2, ["DEL", "k"]],
    ]);
    expect(store.readAfter(1).entries.map((e) => e.lsn)).toEqual([2]);
    expect(store.lastLsn()).toBe(2);
  });

  test("replay reads command names back right while more distinct names come than it remembers", async () => {
    const { store } = openStore();
    // Names of equal length that differ in one byte, cycling through more than the 8 remembered.
    const names = Array.from({ length: 20 }, (_, i) => `CMD${String.fromCharCode(0x41 + i)}\xff`);
    const written = Array.from({ length: 200 }, (_, i) => [names[(i * 7) % names.length]!, `k${i}`]);
    written.forEach((argv, i) => store.append(entry(i + 1, ...argv)));
    await turn();
    const replayed: string[][] = [];
    store.scanAfter(0, (stored) => replayed.push(stored.argv));
    expect(replayed).toEqual(written);
  });

  test("an argument equal to the previous entry's at the same place is stored as one byte and read back", async () => {
    const { store, sqlite } = openStore();
    for (let i = 0; i < 100; i++) store.append(entry(i + 1, "LPUSH", "mylist", `v${String(i).padStart(2, "0")}`));
    await turn();
    // The first entry whole (count, then each length + 1 and bytes: 1 + 6 + 7 + 4), then per entry
    // the count, two repeats and the new value (1 + 1 + 1 + 4).
    const stored = sqlite.query("SELECT data FROM batches").get() as { data: Uint8Array };
    expect(stored.data.length).toBe(18 + 99 * 7);
    expect(store.readAfter(0).entries.map((e) => e.argv)).toEqual(Array.from({ length: 100 }, (_, i) => ["LPUSH", "mylist", `v${String(i).padStart(2, "0")}`]));
  });

  test("entries of different shapes in one row read back exactly: repeats only where an argument is equal", async () => {
    const { store } = openStore();
    const written = [
      ["SET", "k", ""],
      ["SET", "k", "", "PX", "5"],
      ["SET", "k"],
      ["DEL", "k", "\x00\xff", "k"],
      ["DEL", "k", "\x00\xff", "k", "k"],
      ["SET", "x".repeat(200), "\x80".repeat(300)],
      ["SET", "x".repeat(200), "\x80".repeat(300)],
      ["INCR", "x".repeat(199) + "y"],
    ];
    written.forEach((argv, i) => store.append(entry(i + 1, ...argv)));
    await turn();
    expect(store.readAfter(0).entries.map((e) => e.argv)).toEqual(written);
  });

  test("an argument sharing its first 8 or more bytes with the previous entry's at the same place is stored as that count and the rest", async () => {
    const { store, sqlite } = openStore();
    store.append(entry(1, "SET", "abcdefg1", "v"));
    store.append(entry(2, "SET", "abcdefg2", "v"));
    await turn();
    store.append(entry(3, "SET", "abcdefgh1", "v"));
    store.append(entry(4, "SET", "abcdefgh2", "v"));
    await turn();
    const [short, shared] = sqlite.query("SELECT data FROM batches ORDER BY last_lsn").all() as { data: Uint8Array }[];
    // 7 bytes in common are too few: the second entry is the count, a repeat, the key whole (1 + 8)
    // and a repeat, after the first (1 + 4 + 9 + 2).
    expect(short!.data.length).toBe(16 + 12);
    // 8 in common: the count, a repeat, then the key as its header, the 8 shared and the 1 new byte.
    expect(shared!.data.length).toBe(17 + 6);
    expect(store.readAfter(0).entries.map((e) => e.argv)).toEqual([
      ["SET", "abcdefg1", "v"],
      ["SET", "abcdefg2", "v"],
      ["SET", "abcdefgh1", "v"],
      ["SET", "abcdefgh2", "v"],
    ]);
  });

  test("a turn of rate-limit writes to keys of one namespace takes under half the bytes of the keys", async () => {
    const { store, sqlite } = openStore();
    const written = Array.from({ length: 50 }, (_, i) => ["INCRBY", `@upstash/ratelimit:user-${(i * 37) % 1000}:29577123`, "1"]);
    written.forEach((argv, i) => store.append(entry(i + 1, ...argv)));
    await turn();
    const stored = sqlite.query("SELECT data FROM batches").get() as { data: Uint8Array };
    const keyBytes = written.reduce((sum, argv) => sum + argv[1]!.length, 0);
    expect(stored.data.length).toBeLessThan(keyBytes / 2);
    expect(store.readAfter(0).entries.map((e) => e.argv)).toEqual(written);
  });

  test("interleaved commands write their arguments against the last entry of the same command", async () => {
    const { store, sqlite } = openStore();
    const written = [1, 2].flatMap((user) => [
      ["HSET", `bucket:user:${user}`, "refilledAt", "1700000000000", "tokens", "9"],
      ["PEXPIREAT", `bucket:user:${user}`, "1700000060000"],
    ]);
    written.forEach((argv, i) => store.append(entry(i + 1, ...argv)));
    await turn();
    const stored = sqlite.query("SELECT data FROM batches").get() as { data: Uint8Array };
    // user:1's HSET whole (1 + 5 + 14 + 11 + 14 + 7 + 2), its PEXPIREAT against it (1 + 10, the
    // key repeated, the time whole: 1 + 14); user:2's HSET against user:1's (1 + 5, the key as 3
    // bytes, four repeats) and its PEXPIREAT against user:1's (1 + 10 + 3 + 1). Against the entry
    // just before, the second pair would take 43 + 26.
    expect(stored.data.length).toBe(54 + 26 + 13 + 15);
    expect(store.readAfter(0).entries.map((e) => e.argv)).toEqual(written);
  });

  test("arguments sharing beginnings of any length, binary or empty, read back exactly", async () => {
    const { store } = openStore();
    // Seeded: arguments from a few stems and endings, so beginnings are shared by 0 to all bytes,
    // an argument may be the previous one's beginning or extend it, and entries vary in length.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const stems = ["", "abcdefgh", "abcdefghij", "\x00\xff\x80\x7f\x01\x02\x03\x04\x05", "prefix:namespace:", "x".repeat(300)];
    const endings = ["", "1", "12", "\xff", "\x00\x00", ":29577123", "y".repeat(130)];
    // Command names from a few, so arguments are written against the last entry of the same name.
    const names = ["SET", "HSET", "abcdefgh:1", "abcdefgh:2"];
    const written = Array.from({ length: 2000 }, () => [
      names[next(names.length)]!,
      ...Array.from({ length: next(5) }, () => stems[next(stems.length)]! + endings[next(endings.length)]!),
    ]);
    written.forEach((argv, i) => store.append(entry(i + 1, ...argv)));
    await turn();
    const replayed: string[][] = [];
    store.scanAfter(0, (stored) => replayed.push(stored.argv));
    expect(replayed).toEqual(written);
  });

  test("a turn larger than one row holds is stored as several rows, all in one commit", async () => {
    const { store, sqlite } = openStore();
    const big = (lsn: number) => String(lsn).repeat(700_000);
    for (let lsn = 1; lsn <= 4; lsn++) store.append(entry(lsn, "SET", `k${lsn}`, big(lsn)));
    await store.pendingCommit(true);
    expect(rows(sqlite)).toEqual([
      { first_lsn: 1, last_lsn: 2, entries: 2 },
      { first_lsn: 3, last_lsn: 4, entries: 2 },
    ]);
    expect(store.readAfter(0).entries.map((e) => [e.lsn, e.argv[1], e.argv[2]!.length])).toEqual([1, 2, 3, 4].map((lsn) => [lsn, `k${lsn}`, 700_000]));
  });

  test("while appends are replayed they are not stored again", async () => {
    const { store } = openStore();
    store.isReplaying = true;
    store.append(entry(1, "SET", "a", "1"));
    store.isReplaying = false;
    await turn();
    expect(store.lastLsn()).toBe(0);
  });
});

describe("a suspended script's writes", () => {
  test("wait for resumeCommits while the entries before them commit and answer their writers", async () => {
    const { store, sqlite } = openStore();
    store.append(entry(1, "SET", "before", "1"));
    const before = store.pendingCommit(true);
    store.deferCommitsAfter(1);
    store.append(entry(2, "SET", "script:a", "1"));
    await before;
    expect(rows(sqlite)).toEqual([{ first_lsn: 1, last_lsn: 1, entries: 1 }]);
    // Later turns commit nothing of the script.
    store.append(entry(3, "SET", "script:b", "2"));
    await turn();
    await turn();
    expect(store.pendingCount).toBe(2);
    expect(store.lastLsn()).toBe(1);
    store.resumeCommits();
    await store.pendingCommit(true);
    expect(rows(sqlite)).toEqual([
      { first_lsn: 1, last_lsn: 1, entries: 1 },
      { first_lsn: 2, last_lsn: 3, entries: 2 },
    ]);
  });

  test("are dropped by close, with a warning, as a crash would drop them", () => {
    const { store, log, path } = openStore();
    store.append(entry(1, "SET", "before", "1"));
    store.deferCommitsAfter(1);
    store.append(entry(2, "SET", "script:a", "1"));
    expect(store.close()).toBe(true);
    expect(log.lines).toContainEqual({ level: "warn", event: "change_log_unfinished_script_dropped", fields: { entries: 1 } });
    const reopened = new SqliteDatabase(path);
    expect(rows(reopened)).toEqual([{ first_lsn: 1, last_lsn: 1, entries: 1 }]);
    reopened.close();
  });
});

describe("failed commits", () => {
  test("a full disk rejects waiting writers with MISCONF, spares readers, and a retry stores everything", async () => {
    const { store, sqlite, log } = openStore();
    store.append(entry(1, "SET", "a", "1"));
    store.commit();
    // Freeze the file at its current size: the next commit needs a page it cannot get.
    const pages = (sqlite.query("PRAGMA page_count").get() as { page_count: number }).page_count;
    sqlite.exec(`PRAGMA max_page_count = ${pages}`);
    store.append(entry(2, "SET", "b", "x".repeat(20_000)));
    const waiting = store.pendingCommit(true)!;
    expect(store.commit()).toBe(false);
    await expect(waiting).rejects.toThrow("MISCONF Errors writing to the AOF file: No space left on device");
    expect(store.failure).toBe("No space left on device");
    expect(store.pendingCommit(false)).toBeUndefined();
    await expect(store.pendingCommit(true)!).rejects.toThrow("MISCONF");
    expect(log.events()).toEqual(["change_log_write_failed"]);

    sqlite.exec("PRAGMA max_page_count = 1073741823");
    expect(store.commit()).toBe(true);
    expect(store.failure).toBeUndefined();
    expect(store.readAfter(0).entries.map((e) => e.lsn)).toEqual([1, 2]);
    expect(log.events()).toEqual(["change_log_write_failed", "change_log_write_recovered"]);
  });
});

describe("damaged logs", () => {
  /** One row per turn, of the sizes given: [1, 3] stores LSN 1, then LSNs 2..4. */
  async function storeWithRows(...sizes: number[]) {
    const opened = openStore();
    let lsn = 0;
    for (const size of sizes) {
      for (let i = 0; i < size; i++) opened.store.append(entry(++lsn, "SET", `k${lsn}`, "v"));
      await turn();
    }
    return opened;
  }

  test("a row failing its checksum cuts the log there: earlier rows stay, it and later ones go", async () => {
    const { store, sqlite } = await storeWithRows(1, 1, 1, 1, 1);
    sqlite.query("UPDATE batches SET data = ? WHERE last_lsn = 3").run(lengthPrefixed(["SET", "k3", "tampered"]));
    const read = store.readAfter(0);
    expect(read.entries.map((e) => e.lsn)).toEqual([1, 2]);
    expect(read.cut).toEqual({ atLsn: 3, reason: "checksum mismatch", droppedEntries: 3 });
    expect(store.lastLsn()).toBe(2);
  });

  test("a damaged row is dropped whole: none of its entries replay", async () => {
    const { store, sqlite } = await storeWithRows(2, 3, 1);
    const row = sqlite.query("SELECT data FROM batches WHERE last_lsn = 5").get() as { data: Uint8Array };
    row.data[row.data.length - 1]! ^= 0xff;
    sqlite.query("UPDATE batches SET data = ? WHERE last_lsn = 5").run(row.data);
    const read = store.readAfter(0);
    expect(read.entries.map((e) => e.lsn)).toEqual([1, 2]);
    expect(read.cut).toEqual({ atLsn: 3, reason: "checksum mismatch", droppedEntries: 4 });
  });

  test("a hole in the LSNs cuts the log at the hole", async () => {
    const { store, sqlite } = await storeWithRows(1, 1, 1, 1, 1);
    sqlite.exec("DELETE FROM batches WHERE last_lsn = 4");
    const read = store.readAfter(0);
    expect(read.entries.map((e) => e.lsn)).toEqual([1, 2, 3]);
    expect(read.cut).toEqual({ atLsn: 4, reason: "missing entries", droppedEntries: 1 });
  });

  test("a row that does not hold commands cuts the log", async () => {
    const { store, sqlite } = await storeWithRows(1, 1);
    const bytes = new Uint8Array([0, 0, 0, 0]); // zero arguments
    sqlite.query("UPDATE batches SET data = ?, crc = ? WHERE last_lsn = 2").run(bytes, Bun.hash.crc32(bytes));
    expect(store.readAfter(0).cut).toEqual({ atLsn: 2, reason: "not a command", droppedEntries: 1 });
  });

  test("a row whose first entry repeats an argument cuts the log: it has no previous entry", async () => {
    const { store, sqlite } = await storeWithRows(1, 1);
    const bytes = new Uint8Array([1, 0]); // one argument, "the same as before"
    sqlite.query("UPDATE batches SET data = ?, crc = ? WHERE last_lsn = 2").run(bytes, Bun.hash.crc32(bytes));
    expect(store.readAfter(0).cut).toEqual({ atLsn: 2, reason: "not a command", droppedEntries: 1 });
  });

  test("a row whose entry shares a beginning its previous entry lacks cuts the log", async () => {
    const key = [...Buffer.from("abcdefgh")];
    // Two entries of one argument: "abcdefgh" (header 2 × 8 + 1), then one that is n = 0 new
    // bytes after a shared beginning (header 2 × 0 + 2) of the length given last.
    const damaged = [
      [1, 17, ...key, 1, 2, 9], // longer than the previous argument
      [1, 2, 8, 1, 17, ...key], // in the row's first entry: no previous argument
      [1, 17, ...key, 1, 2, 7], // shorter than any the format shares
    ];
    for (const bytes of damaged.map((row) => new Uint8Array(row))) {
      const { store, sqlite } = await storeWithRows(1, 2);
      sqlite.query("UPDATE batches SET data = ?, crc = ? WHERE last_lsn = 3").run(bytes, Bun.hash.crc32(bytes));
      expect(store.readAfter(0).cut).toEqual({ atLsn: 2, reason: "not a command", droppedEntries: 2 });
    }
  });

  test("a row of a format this version does not know cuts the log", async () => {
    const { store, sqlite } = await storeWithRows(1, 1);
    sqlite.exec("UPDATE batches SET format = 7 WHERE last_lsn = 2");
    expect(store.readAfter(0).cut).toEqual({ atLsn: 2, reason: "not a command", droppedEntries: 1 });
  });

  test("a row holding fewer entries than its LSN range says cuts the log", async () => {
    const { store, sqlite } = await storeWithRows(1, 2);
    sqlite.exec("UPDATE batches SET first_lsn = 1, entries = 3 WHERE last_lsn = 3");
    const read = store.readAfter(0);
    expect(read.entries.map((e) => e.lsn)).toEqual([1]);
    expect(read.cut).toEqual({ atLsn: 2, reason: "not a command", droppedEntries: 2 });
  });

  test("a log starting after the expected LSN is replayed from its start and reported", async () => {
    const { store, sqlite } = await storeWithRows(1, 1, 1, 1);
    sqlite.exec("DELETE FROM batches WHERE last_lsn <= 2");
    const read = store.readAfter(0);
    expect(read.entries.map((e) => e.lsn)).toEqual([3, 4]);
    expect(read.missingBefore).toEqual({ fromLsn: 1, toLsn: 2 });
    expect(read.cut).toBeUndefined();
  });
});

describe("rows straddling a snapshot's LSN", () => {
  test("only the entries after the LSN are read from a row that holds both sides", async () => {
    const { store } = openStore();
    for (let lsn = 1; lsn <= 5; lsn++) store.append(entry(lsn, "INCR", "n"));
    store.append(entry(6, "DEL", "n"));
    await turn();
    const read = store.readAfter(3);
    expect(read.entries.map((e) => [e.lsn, e.argv[0]])).toEqual([
      [4, "INCR"],
      [5, "INCR"],
      [6, "DEL"],
    ]);
    expect(read.missingBefore).toBeUndefined();
    expect(store.scanAfter(3, () => {}).count).toBe(3);
  });
});

describe("truncation", () => {
  test("drops the rows a snapshot covers whole, keeps the one straddling its LSN and the rest", async () => {
    const { store } = openStore();
    // Turns of 7 entries: the row holding LSN 45,000 holds 44,997..45,003.
    for (let lsn = 1; lsn <= 50_001; lsn++) {
      store.append(entry(lsn, "INCR", "n"));
      if (lsn % 7 === 0) store.commit();
    }
    store.commit();
    await store.truncateThrough(45_000);
    expect(store.readAfter(45_000).entries.length).toBe(5001);
    expect(store.readAfter(0).missingBefore).toEqual({ fromLsn: 1, toLsn: 44_996 });
  });

  test("close makes the final commit of what is still buffered", () => {
    const { store, path } = openStore();
    store.append(entry(1, "SET", "a", "1"));
    expect(store.close()).toBe(true);
    const reopened = new SqliteDatabase(path);
    const stored = reopened.query("SELECT last_lsn, data FROM batches").all() as { last_lsn: number; data: Uint8Array }[];
    expect(stored.map((row) => [row.last_lsn, decodeEntries(row.data, 1)[0]])).toEqual([[1, ["SET", "a", "1"]]]);
    reopened.close();
  });
});

describe("files of older layouts", () => {
  function oldLayoutFile(entries: [number, string[]][]): string {
    const path = newLogPath();
    writeOneRowPerEntryLog(path, entries);
    return path;
  }

  test("are converted when opened: the same entries read back, and new commits follow them", async () => {
    const path = oldLayoutFile([
      [1, ["SET", "a", "\x00\xff"]],
      [2, ["HSET", "h", "f", "v"]],
      [3, ["DEL", "a"]],
    ]);
    const sqlite = openChangeLogFile(path, "everysec");
    const log = recordingLogger();
    const store = new ChangeLogStore(sqlite, log);
    expect(log.lines).toEqual([{ level: "info", event: "change_log_converted", fields: { entries: 3, layout: 3 } }]);
    expect(sqlite.query("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: "batches" }]);
    store.append(entry(4, "SET", "b", "1"));
    store.append(entry(5, "SET", "c", "2"));
    await turn();
    expect(store.readAfter(0).entries.map((e) => [e.lsn, e.argv])).toEqual([
      [1, ["SET", "a", "\x00\xff"]],
      [2, ["HSET", "h", "f", "v"]],
      [3, ["DEL", "a"]],
      [4, ["SET", "b", "1"]],
      [5, ["SET", "c", "2"]],
    ]);
    expect(store.close()).toBe(true);
    const reopened = new ChangeLogStore(openChangeLogFile(path, "everysec"), log);
    expect(log.events()).toEqual(["change_log_converted"]);
    expect(reopened.lastLsn()).toBe(5);
    reopened.close();
  });

  test("an old row that was damaged before the conversion still fails its checksum and cuts the log", () => {
    const path = oldLayoutFile([
      [1, ["SET", "a", "1"]],
      [2, ["SET", "b", "2"]],
      [3, ["SET", "c", "3"]],
    ]);
    const tamper = new SqliteDatabase(path);
    tamper.query("UPDATE log SET argv = ? WHERE lsn = 2").run(lengthPrefixed(["SET", "b", "tampered"]));
    tamper.close();
    const store = new ChangeLogStore(openChangeLogFile(path, "everysec"), recordingLogger());
    const read = store.readAfter(0);
    expect(read.entries.map((e) => e.lsn)).toEqual([1]);
    expect(read.cut).toEqual({ atLsn: 2, reason: "checksum mismatch", droppedEntries: 2 });
    store.close();
  });

  test("a change log of whole-commit rows without formats (layout 1) reads its rows as format 1, then new ones follow", async () => {
    const path = newLogPath();
    const old = openChangeLogFile(path, "everysec");
    old.exec("CREATE TABLE batches (last_lsn INTEGER PRIMARY KEY, first_lsn INTEGER NOT NULL, entries INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL)");
    const oldRows: [number, string[][]][] = [
      [2, [["SET", "a", "\x00\xff"], ["SET", "a", "2"]]],
      [3, [["DEL", "a"]]],
    ];
    for (const [lastLsn, argvs] of oldRows) {
      const writer = new BinaryWriter();
      for (const argv of argvs) writer.strings(argv);
      const data = writer.finish();
      old.query("INSERT INTO batches VALUES (?, ?, ?, ?, ?)").run(lastLsn, lastLsn - argvs.length + 1, argvs.length, data, Bun.hash.crc32(data));
    }
    old.exec("PRAGMA user_version = 1");
    old.close();

    const log = recordingLogger();
    const store = new ChangeLogStore(openChangeLogFile(path, "everysec"), log);
    expect(log.lines).toEqual([{ level: "info", event: "change_log_converted", fields: { entries: 3, layout: 3 } }]);
    store.append(entry(4, "SET", "a", "4"));
    store.append(entry(5, "SET", "a", "5"));
    await turn();
    expect(store.readAfter(0).entries.map((e) => [e.lsn, e.argv])).toEqual([
      [1, ["SET", "a", "\x00\xff"]],
      [2, ["SET", "a", "2"]],
      [3, ["DEL", "a"]],
      [4, ["SET", "a", "4"]],
      [5, ["SET", "a", "5"]],
    ]);
    store.close();
  });

  test("a change log of layout 2 reads its format-2 rows, and new rows follow in format 3", async () => {
    const path = newLogPath();
    const old = openChangeLogFile(path, "everysec");
    old.exec("CREATE TABLE batches (last_lsn INTEGER PRIMARY KEY, first_lsn INTEGER NOT NULL, entries INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL, format INTEGER NOT NULL)");
    // Format 2: each argument as its length + 1 and its bytes, or 0 for the previous entry's.
    // Read as format 3, the header 4 of "SET" would say a shared beginning.
    const data = new Uint8Array([3, 4, ...Buffer.from("SET"), 2, ...Buffer.from("a"), 2, ...Buffer.from("1"), 3, 0, 3, ...Buffer.from("bb"), 0]);
    old.query("INSERT INTO batches VALUES (2, 1, 2, ?, ?, 2)").run(data, Bun.hash.crc32(data));
    old.exec("PRAGMA user_version = 2");
    old.close();

    const log = recordingLogger();
    const sqlite = openChangeLogFile(path, "everysec");
    const store = new ChangeLogStore(sqlite, log);
    expect(log.lines).toEqual([]);
    expect(sqlite.query("PRAGMA user_version").get()).toEqual({ user_version: 3 });
    store.append(entry(3, "SET", "prefix:namespace:1", "1"));
    store.append(entry(4, "SET", "prefix:namespace:2", "1"));
    await turn();
    expect(sqlite.query("SELECT last_lsn, format FROM batches ORDER BY last_lsn").all()).toEqual([
      { last_lsn: 2, format: 2 },
      { last_lsn: 4, format: 3 },
    ]);
    expect(store.readAfter(0).entries.map((e) => [e.lsn, e.argv])).toEqual([
      [1, ["SET", "a", "1"]],
      [2, ["SET", "bb", "1"]],
      [3, ["SET", "prefix:namespace:1", "1"]],
      [4, ["SET", "prefix:namespace:2", "1"]],
    ]);
    store.close();
  });

  test("a change log of a newer layout than this version reads is refused with a clear error", () => {
    const { store, path } = openStore();
    store.close();
    const sqlite = new SqliteDatabase(path);
    sqlite.exec("PRAGMA user_version = 9");
    sqlite.close();
    const reopened = openChangeLogFile(path, "everysec");
    expect(() => new ChangeLogStore(reopened, recordingLogger())).toThrow(StorageError);
    expect(() => new ChangeLogStore(reopened, recordingLogger())).toThrow("the change log has layout 9, newer than this downstash reads (3); run a newer version");
    reopened.close();
  });
});

function rows(sqlite: SqliteDatabase) {
  return sqlite.query("SELECT first_lsn, last_lsn, entries FROM batches ORDER BY last_lsn").all();
}
