// Checkpoints the change log on a worker thread with its own SQLite connection: copying the WAL
// into the main file and fsyncing both takes milliseconds that would otherwise stop every request.
// A PASSIVE checkpoint never blocks the writer on the main thread (WAL allows both at once); once
// it has copied everything, the writer's next commit starts the WAL over. Under `everysec` this
// is the once-a-second fsync (DESIGN §5); under `no` its connection does not fsync at all.
// The worker's code is inlined as a blob so it runs the same from source and from the compiled
// binary (which only embeds the entry point's import graph).

import type { Logger } from "../util/log.ts";
import { CHANGE_LOG_OPEN_FLAGS, changeLogUri, type FsyncPolicy } from "./sqlite.ts";

const workerSource = `
import { Database } from "bun:sqlite";
let sqlite;
self.onmessage = (event) => {
  const message = event.data;
  try {
    if (message.type === "open") {
      sqlite = new Database(message.uri, message.flags);
      sqlite.exec("PRAGMA busy_timeout = 1000");
      sqlite.exec("PRAGMA synchronous = " + message.synchronous);
      postMessage({ type: "opened" });
    } else if (message.type === "checkpoint") {
      const startedAtMs = performance.now();
      const result = sqlite.query("PRAGMA wal_checkpoint(PASSIVE)").get();
      postMessage({ type: "checkpointed", busy: result.busy, frames: result.log, copied: result.checkpointed, durationMs: performance.now() - startedAtMs });
    } else if (message.type === "close") {
      sqlite?.close();
      postMessage({ type: "closed" });
    }
  } catch (error) {
    postMessage({ type: "failed", code: String(error?.code ?? ""), message: String(error?.message ?? error) });
  }
};
`;

type WorkerReply =
  | { type: "opened" | "closed" }
  | { type: "checkpointed"; busy: number; frames: number; copied: number; durationMs: number }
  | { type: "failed"; code: string; message: string };

export class Checkpointer {
  private readonly worker: Worker;
  private isBusy = false;
  private isClosed = false;
  /** Checkpoints completed (tests and INFO look). */
  completed = 0;
  /** The last completed checkpoint's WAL frames and how many of them it copied into the main file. */
  lastCheckpoint: { frames: number; copied: number } | undefined;

  constructor(
    path: string,
    fsync: FsyncPolicy,
    private readonly log: Logger,
  ) {
    this.worker = new Worker(URL.createObjectURL(new Blob([workerSource], { type: "application/javascript" })));
    this.worker.onmessage = (event: MessageEvent<WorkerReply>) => this.onReply(event.data);
    this.worker.unref();
    // The checkpointer's connection decides whether a checkpoint syncs: `no` leaves it to the OS.
    this.worker.postMessage({ type: "open", uri: changeLogUri(path), flags: CHANGE_LOG_OPEN_FLAGS, synchronous: fsync === "no" ? "OFF" : fsync === "always" ? "FULL" : "NORMAL" });
    this.isBusy = true; // until opened
  }

  /** Starts a checkpoint unless one is still running; returns whether one was started. */
  checkpoint(): boolean {
    if (this.isBusy || this.isClosed) return false;
    this.isBusy = true;
    this.worker.postMessage({ type: "checkpoint" });
    return true;
  }

  private onReply(reply: WorkerReply): void {
    this.isBusy = false;
    if (reply.type === "closed") this.worker.terminate();
    if (reply.type === "checkpointed") {
      this.completed++;
      this.lastCheckpoint = { frames: reply.frames, copied: reply.copied };
    } else if (reply.type === "failed") this.log.log("warn", "change_log_checkpoint_failed", { code: reply.code, reason: reply.message });
  }

  /** Closes the thread's connection, then the thread; the final checkpoint is the main connection's. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.worker.postMessage({ type: "close" });
  }
}
