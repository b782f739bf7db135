// Proves the wiring that keeps the API responsive while deliveries run flat out: in the real
// server, every delivery worker thread and the store's writer thread run at a lower OS priority
// (a higher nice value) than the main thread, which serves the API and keeps the priority it started with. Read from /proc, so
// Linux only.

import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, getPriority } from "node:os";
import { DELIVERY_WORKERS_MAX } from "../../src/qstash/qstash.ts";
import { BACKGROUND_NICENESS } from "../../src/qstash/thread-priority.ts";
import { startServer } from "../harness/server.ts";
import { waitFor } from "../harness/wait.ts";

/** Nice value of each thread of a process, by thread id (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceness(pid: number): Map<number, number> {
  const niceness = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // Fields after the command name (which may hold spaces) start at field 3.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      niceness.set(Number(tid), Number(fields[19 - 3]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return niceness;
}

test.skipIf(process.platform !== "linux")("delivery workers and the store writer run below the main thread's priority; the main thread keeps its own", async () => {
  await using server = await startServer();
  const pid = server.process.pid;
  const started = getPriority(); // the server inherits this test's nice value
  const workerNice = Math.max(started, BACKGROUND_NICENESS);
  // The delivery workers, plus the store's writer thread.
  const lowered = Math.max(1, Math.min(DELIVERY_WORKERS_MAX, availableParallelism())) + 1;
  await waitFor(() => [...threadNiceness(pid).values()].filter((nice) => nice === workerNice).length >= lowered, `${lowered} threads at nice ${workerNice}`);
  expect(threadNiceness(pid).get(pid)).toBe(started);
});
