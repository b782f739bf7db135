// Proves recovery from the faults a real process meets, each with real kills and real files:
// SIGKILL during a snapshot and during replay, a torn change-log tail (the WAL file cut short),
// the leftover of a crashed snapshotter, a corrupt snapshot (refused with a clear error, the
// server does not start), a read-only data dir (the start fails with a clear error) and a disk
// that fills up while serving (tmpfs mounts): the server answers writes with MISCONF instead of
// acknowledging what it cannot store, keeps serving reads, accepts writes again once there is
// room, and loses no acknowledged write. Also SIGTERM under
// load: exit 0 after the final commit, every acknowledged write there after the restart.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestServer } from "../harness/server.ts";
import { waitFor } from "../harness/wait.ts";
import { Load } from "./load.ts";
import { command, freshDataDir, logLines, runToExit, spawnUntil } from "./process.ts";
import { startServer, stopAllServers } from "./servers.ts";

const dirs: string[] = [];
afterAll(async () => {
  await stopAllServers();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = freshDataDir();
  dirs.push(dir);
  return dir;
}

const storeDir = (dir: string) => join(dir, "redis", "default");
const tokens = { UPSTASH_REDIS_REST_TOKEN: "fault-test-token-read-write", UPSTASH_REDIS_REST_READONLY_TOKEN: "fault-test-token-read-only", DOWNSTASH_ADMIN_TOKEN: "fault-test-token-admin" };

const hasEvent = (server: TestServer, event: string) => logLines(server).some((line) => line.event === event);

async function pipeline(server: { url: string; token: string }, commands: (string | number)[][]): Promise<unknown[]> {
  const response = await fetch(`${server.url}/pipeline`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}` },
    body: JSON.stringify(commands.map((argv) => argv.map(String))),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { result: unknown }[]).map((entry) => entry.result);
}

/** `count` keys `key:<i>` = `value:<i>`, written with MSET in pipelines of 100 commands of 100 keys. */
async function fill(server: TestServer, count: number): Promise<void> {
  for (let start = 0; start < count; start += 10_000) {
    const commands: string[][] = [];
    for (let batch = start; batch < Math.min(count, start + 10_000); batch += 100) {
      const argv = ["MSET"];
      for (let i = batch; i < Math.min(count, batch + 100); i++) argv.push(`key:${i}`, `value:${i}`);
      commands.push(argv);
    }
    await pipeline(server, commands);
  }
}

async function expectFilled(server: TestServer, count: number): Promise<void> {
  expect((await command(server, "DBSIZE")).body.result).toBeGreaterThanOrEqual(count);
  const sample = Array.from({ length: 50 }, (_, i) => Math.floor((i * count) / 50));
  expect(await pipeline(server, [["MGET", ...sample.map((i) => `key:${i}`)]])).toEqual([sample.map((i) => `value:${i}`)]);
}

describe("kills at awkward moments", () => {
  test("SIGKILL during a snapshot: acknowledged writes survive, the unfinished file is discarded", async () => {
    const dir = dataDir();
    let server = await startServer({ dataDir: dir, args: ["--snapshot-every-ms", "0", "--snapshot-log-bytes-max", "0"] });
    await fill(server, 200_000);
    expect((await command(server, "BGSAVE")).body.result).toBe("Background saving started");
    await waitFor(() => hasEvent(server, "snapshot_started"), "the snapshot to start", 20_000);
    // Writes acknowledged while the snapshot runs, then the kill (most likely mid-snapshot).
    for (let i = 0; i < 20; i++) expect((await command(server, "SET", `during:${i}`, i)).status).toBe(200);
    await server.stop("SIGKILL");
    // A crashed snapshotter from an earlier life leaves its temporary file too.
    writeFileSync(join(storeDir(dir), "snapshot-5.sqlite.tmp"), "half a snapshot");

    server = await startServer({ dataDir: dir });
    try {
      await expectFilled(server, 200_000);
      expect(await pipeline(server, [["MGET", ...Array.from({ length: 20 }, (_, i) => `during:${i}`)]])).toEqual([
        Array.from({ length: 20 }, (_, i) => String(i)),
      ]);
      expect(readdirSync(storeDir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
      expect(logLines(server).filter((line) => line.event === "snapshot_discarded").length).toBeGreaterThanOrEqual(1);
    } finally {
      await server.stop("SIGKILL");
    }
  });

  test("SIGKILL during replay: the next start replays the whole log again", async () => {
    const dir = dataDir();
    const args = ["--snapshot-every-ms", "0", "--snapshot-log-bytes-max", "0"];
    let server = await startServer({ dataDir: dir, args });
    await fill(server, 100_000);
    for (let i = 0; i < 2000; i++) await pipeline(server, [["INCR", "counter"]]).then(() => undefined);
    await server.stop("SIGKILL");

    const replaying = await spawnUntil(["--port", "0", "--data-dir", dir, "--log-level", "debug", ...args], tokens, (line) => line.event === "change_log_replaying");
    replaying.child.kill("SIGKILL");
    await replaying.child.exited;

    server = await startServer({ dataDir: dir, args });
    try {
      await expectFilled(server, 100_000);
      expect((await command(server, "GET", "counter")).body.result).toBe("2000");
    } finally {
      await server.stop("SIGKILL");
    }
  });

  test("SIGKILL while a script is suspended between time slices: none of its writes survive; a script that ended is there whole", async () => {
    const dir = dataDir();
    // A snapshot comes due every 100 ms: none may catch a script half done either.
    const args = ["--snapshot-every-ms", "100"];
    let server = await startServer({ dataDir: dir, args });
    // Writes, spins for `ms` (past its first time slice, so it is suspended between slices), writes again.
    const script = (ms: number) =>
      `redis.call('SET', KEYS[1], 'first') local t = redis.call('TIME') repeat local n = redis.call('TIME') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > ${ms * 1000} redis.call('SET', KEYS[2], 'last') return 'done'`;
    expect((await command(server, "SET", "before", "1")).status).toBe(200);
    expect((await command(server, "EVAL", script(300), 2, "whole:a", "whole:b")).body.result).toBe("done");
    const interrupted = command(server, "EVAL", script(5000), 2, "half:a", "half:b").catch(() => undefined);
    await Bun.sleep(800);
    await server.stop("SIGKILL");
    await interrupted;

    server = await startServer({ dataDir: dir, args });
    try {
      expect((await pipeline(server, [["MGET", "before", "whole:a", "whole:b", "half:a", "half:b"]]))[0]).toEqual(["1", "first", "last", null, null]);
    } finally {
      await server.stop("SIGKILL");
    }
  });

  test("a torn change-log tail is cut at the last whole entry with a warning; the LSN continues from there", async () => {
    const dir = dataDir();
    // fsync no: nothing is checkpointed, every entry is in the WAL file that gets cut.
    let server = await startServer({ dataDir: dir, args: ["--fsync", "no"] });
    const written = 200;
    for (let i = 1; i <= written; i++) expect((await command(server, "SET", `seq:${i}`, i)).syncToken).toBe(i);
    await server.stop("SIGKILL");
    const wal = join(storeDir(dir), "changes.sqlite-wal");
    truncateSync(wal, statSync(wal).size - 100);

    server = await startServer({ dataDir: dir });
    try {
      const warning = logLines(server).find((line) => line.event === "change_log_torn_tail");
      expect(warning).toMatchObject({ level: "warn", bytesCut: expect.any(Number) });
      const values = (await pipeline(server, [["MGET", ...Array.from({ length: written }, (_, i) => `seq:${i + 1}`)]]))[0] as (string | null)[];
      const present = values.filter((value) => value !== null).length;
      // A prefix survives: seq:1..seq:present, and the cut took at least the last write.
      expect(present).toBeLessThan(written);
      expect(values).toEqual(Array.from({ length: written }, (_, i) => (i < present ? String(i + 1) : null)));
      expect((await command(server, "SET", "after", "1")).syncToken).toBe(present + 1);
    } finally {
      await server.stop("SIGKILL");
    }
  });
});

describe("damaged snapshots", () => {
  test("a corrupt snapshot stops the start with a clear error and exit 1", async () => {
    const dir = dataDir();
    const server = await startServer({ dataDir: dir });
    await fill(server, 20_000);
    expect((await command(server, "SAVE")).body.result).toBe("OK");
    expect(await server.stop("SIGTERM")).toBe(0);
    const [name] = readdirSync(storeDir(dir)).filter((file) => file.startsWith("snapshot-"));
    const path = join(storeDir(dir), name!);
    const bytes = readFileSync(path);
    for (let i = 0; i < 64; i++) bytes[(bytes.length >> 1) + i] ^= 0x5a;
    writeFileSync(path, bytes);

    const result = await runToExit(["--port", "0", "--data-dir", dir], tokens);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^downstash: snapshot .*snapshot-\d+\.sqlite is corrupt \(.+\); refusing to load it/);
    expect(result.stdout).not.toContain('"listening"');
  });
});

/** A tmpfs mounted for one test; unmounted after it. */
async function withTmpfs<T>(sizeBytes: number, use: (mountPoint: string) => Promise<T>): Promise<T> {
  const mountPoint = dataDir();
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", mountPoint]);
  if (!mount.success) throw new Error(`these tests need to mount a tmpfs (run as root): ${mount.stderr.toString()}`);
  try {
    return await use(mountPoint);
  } finally {
    Bun.spawnSync(["umount", "-l", mountPoint]);
  }
}

// A tmpfs cannot turn read-only while the server holds files open for writing (EBUSY), so the
// read-only case is a data dir that is read-only at start.
const remount = (mountPoint: string, mode: "ro" | "rw") => {
  const result = Bun.spawnSync(["mount", "-o", `remount,${mode}`, mountPoint]);
  if (!result.success) throw new Error(`remount ${mode} failed: ${result.stderr.toString()}`);
};

describe("read-only and full disks", () => {
  test("a data dir on a read-only file system stops the start with a clear error", async () => {
    await withTmpfs(8 << 20, async (mountPoint) => {
      mkdirSync(join(mountPoint, "data"));
      remount(mountPoint, "ro");
      const result = await runToExit(["--port", "0", "--data-dir", join(mountPoint, "data")], tokens);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^downstash: cannot use .*(Read-only file system|EROFS)/);
    });
  });

  test("a full disk: writes are refused with MISCONF, reads go on, freed space brings writes back, nothing acknowledged is lost", async () => {
    await withTmpfs(8 << 20, async (mountPoint) => {
      const dir = join(mountPoint, "data");
      // Room the test gives back once the disk is full: more than the log holds by then, since
      // the checkpoint needs that much again in the main file before the WAL can be reused.
      const filler = join(mountPoint, "filler");
      writeFileSync(filler, new Uint8Array(5 << 20));
      let server = await startServer({ dataDir: dir });
      try {
        for (let i = 0; i < 50; i++) expect((await command(server, "SET", `small:${i}`, i)).status).toBe(200);
        const big = "x".repeat(256 * 1024);
        const acknowledged: number[] = [];
        let refusal: string | undefined;
        for (let i = 0; i < 40 && refusal === undefined; i++) {
          const reply = await command(server, "SET", `big:${i}`, big);
          if (reply.status === 200) acknowledged.push(i);
          else refusal = reply.body.error;
        }
        expect(refusal).toBe("MISCONF Errors writing to the AOF file: No space left on device");
        expect((await command(server, "SET", "later", "1")).body.error).toBe(refusal!);
        expect((await command(server, "GET", "small:3")).body.result).toBe("3");
        expect((await command(server, "INFO", "persistence")).body.result).toContain("aof_last_write_status:err");

        // Space again: the buffered entries are retried (once a second) and writes are accepted again.
        rmSync(filler);
        const deadline = Date.now() + 10_000;
        while ((await command(server, "SET", "after", "1")).status !== 200) {
          if (Date.now() > deadline) throw new Error("writes were not accepted again");
          await Bun.sleep(50);
        }
        await server.stop("SIGKILL");

        server = await startServer({ dataDir: dir });
        const small = await pipeline(server, [["MGET", ...Array.from({ length: 50 }, (_, i) => `small:${i}`)]]);
        expect(small).toEqual([Array.from({ length: 50 }, (_, i) => String(i))]);
        const bigs = await pipeline(server, acknowledged.map((i) => ["STRLEN", `big:${i}`]));
        expect(bigs).toEqual(acknowledged.map(() => big.length));
        expect((await command(server, "GET", "after")).body.result).toBe("1");
      } finally {
        await server.stop("SIGKILL");
      }
    });
  });
});

describe("graceful shutdown", () => {
  test("SIGTERM under load exits 0 and every acknowledged write is there after the restart", async () => {
    const dir = dataDir();
    let server = await startServer({ dataDir: dir });
    const load = new Load({ url: server.url, token: server.token, writers: 16, keysPerWriter: 6, seed: 99 });
    load.start();
    await load.waitForAcknowledged(600);
    expect(await server.stop("SIGTERM")).toBe(0);
    await load.stop();
    expect(existsSync(join(storeDir(dir), "changes.sqlite"))).toBe(true);

    server = await startServer({ dataDir: dir });
    try {
      expect(await load.verify(server.url, server.token)).toEqual([]);
    } finally {
      await server.stop("SIGKILL");
    }
  });
});
