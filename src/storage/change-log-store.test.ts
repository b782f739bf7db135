// Proves the change-log store: entries of one turn commit in one transaction behind one shared
// promise, nothing waits when nothing is pending, a failed commit (SQLITE_FULL forced with
// max_page_count) refuses acknowledgement and is retried, damaged entries cut the log at the last
// whole one, and truncation drops exactly what a snapshot covers. Real SQLite in a temp dir.

import { Database as SqliteDatabase } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { recordingLogger, removeDir, temporaryDir } from "../../test/durability/support.ts";
import { BinaryWriter } from "./binary.ts";
import { ChangeLogStore, decodeArgv, encodeArgv } from "./change-log-store.ts";
import { openChangeLogFile } from "./sqlite.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function openStore(): { store: ChangeLogStore; sqlite: SqliteDatabase; log: ReturnType<typeof recordingLogger>; path: string } {
  const dir = temporaryDir();
  dirs.push(dir);
  const path = join(dir, "changes.sqlite");
  const sqlite = openChangeLogFile(path, "everysec");
  const log = recordingLogger();
  return { store: new ChangeLogStore(sqlite, log), sqlite, log, path };
}

const entry = (lsn: number, ...argv: string[]) => ({ database: "default", lsn, argv });
const encoded = (argv: string[]) => {
  const writer = new BinaryWriter();
  encodeArgv(writer, argv);
  return writer.finish();
};
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("group commit", () => {
  test("entries appended in one turn commit together and share one promise", async () => {
    const { store, sqlite } = openStore();
    expect(store.pendingCommit(false)).toBeUndefined();
    store.append(entry(1, "SET", "a", "1"));
    store.append(entry(2, "SET", "b", "\x00\xff"));
    const first = store.pendingCommit(true);
    expect(store.pendingCommit(false)).toBe(first!);
    expect(sqlite.query("SELECT count(*) AS n FROM log").get()).toEqual({ n: 0 });
    await first;
    expect(sqlite.query("SELECT lsn FROM log ORDER BY lsn").all()).toEqual([{ lsn: 1 }, { lsn: 2 }]);
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

  test("while appends are replayed they are not stored again", async () => {
    const { store } = openStore();
    store.isReplaying = true;
    store.append(entry(1, "SET", "a", "1"));
    store.isReplaying = false;
    await turn();
    expect(store.lastLsn()).toBe(0);
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
  async function storeWithEntries(count: number) {
    const opened = openStore();
    for (let lsn = 1; lsn <= count; lsn++) opened.store.append(entry(lsn, "SET", `k${lsn}`, "v"));
    await turn();
    return opened;
  }

  test("an entry failing its checksum cuts the log there: earlier entries stay, it and later ones go", async () => {
    const { store, sqlite } = await storeWithEntries(5);
    sqlite.query("UPDATE log SET argv = ? WHERE lsn = 3").run(encoded(["SET", "k3", "tampered"]));
    const read = store.readAfter(0);
    expect(read.entries.map((e) => e.lsn)).toEqual([1, 2]);
    expect(read.cut).toEqual({ atLsn: 3, reason: "checksum mismatch", droppedEntries: 3 });
    expect(store.lastLsn()).toBe(2);
  });

  test("a hole in the LSNs cuts the log at the hole", async () => {
    const { store, sqlite } = await storeWithEntries(5);
    sqlite.exec("DELETE FROM log WHERE lsn = 4");
    const read = store.readAfter(0);
    expect(read.entries.map((e) => e.lsn)).toEqual([1, 2, 3]);
    expect(read.cut).toEqual({ atLsn: 4, reason: "missing entries", droppedEntries: 1 });
  });

  test("an entry that is not a command array cuts the log", async () => {
    const { store, sqlite } = await storeWithEntries(2);
    const bytes = new Uint8Array([0, 0, 0, 0]); // zero arguments
    sqlite.query("UPDATE log SET argv = ?, crc = ? WHERE lsn = 2").run(bytes, Bun.hash.crc32(bytes));
    expect(store.readAfter(0).cut).toEqual({ atLsn: 2, reason: "not a command", droppedEntries: 1 });
  });

  test("a log starting after the expected LSN is replayed from its start and reported", async () => {
    const { store, sqlite } = await storeWithEntries(4);
    sqlite.exec("DELETE FROM log WHERE lsn <= 2");
    const read = store.readAfter(0);
    expect(read.entries.map((e) => e.lsn)).toEqual([3, 4]);
    expect(read.missingBefore).toEqual({ fromLsn: 1, toLsn: 2 });
    expect(read.cut).toBeUndefined();
  });
});

describe("truncation", () => {
  test("drops entries up to the snapshot's LSN and keeps the rest", async () => {
    const { store } = openStore();
    for (let lsn = 1; lsn <= 50_000; lsn++) store.append(entry(lsn, "INCR", "n"));
    await turn();
    await store.truncateThrough(45_000);
    expect(store.readAfter(45_000).entries.length).toBe(5000);
    expect(store.readAfter(0).missingBefore).toEqual({ fromLsn: 1, toLsn: 45_000 });
  });

  test("close makes the final commit of what is still buffered", () => {
    const { store, path } = openStore();
    store.append(entry(1, "SET", "a", "1"));
    expect(store.close()).toBe(true);
    const reopened = new SqliteDatabase(path);
    const rows = reopened.query("SELECT lsn, argv FROM log").all() as { lsn: number; argv: Uint8Array }[];
    expect(rows.map((row) => [row.lsn, decodeArgv(row.argv)])).toEqual([[1, ["SET", "a", "1"]]]);
    reopened.close();
  });
});
