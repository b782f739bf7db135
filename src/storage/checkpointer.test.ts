// Proves the checkpointer's connection, on its own thread, shares the change log with the
// writer's under the unix-excl VFS: its checkpoints copy every frame the writer committed, and the
// WAL index lives in memory (no -shm file beside the log).

import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { removeDir, temporaryDir } from "../../test/durability/support.ts";
import { waitFor } from "../../test/harness/wait.ts";
import { silentLogger } from "../util/log.ts";
import { Checkpointer } from "./checkpointer.ts";
import { closeFully, openChangeLogFile } from "./sqlite.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

test("a checkpoint on the checkpointer's thread copies every frame the writer committed, with no -shm file", async () => {
  const dir = temporaryDir();
  dirs.push(dir);
  const path = join(dir, "changes.sqlite");
  const sqlite = openChangeLogFile(path, "everysec");
  const checkpointer = new Checkpointer(path, "everysec", silentLogger);
  try {
    sqlite.exec("CREATE TABLE rows (data BLOB)");
    const insert = sqlite.prepare("INSERT INTO rows (data) VALUES (?)");
    for (let i = 0; i < 20; i++) insert.run(new Uint8Array(3000).fill(i));
    insert.finalize();
    await waitFor(() => checkpointer.checkpoint(), "the checkpointer's connection to open");
    await waitFor(() => checkpointer.completed === 1, "the checkpoint");
    expect(checkpointer.lastCheckpoint!.frames).toBeGreaterThanOrEqual(20);
    expect(checkpointer.lastCheckpoint!.copied).toBe(checkpointer.lastCheckpoint!.frames);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(existsSync(`${path}-shm`)).toBe(false);
  } finally {
    checkpointer.close();
    closeFully(sqlite);
  }
});
