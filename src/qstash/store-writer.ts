// QStash's SQLite writer thread (see store.ts): the only connection that writes qstash.sqlite
// while the server runs. It applies each batch the main thread posts in one transaction, in the
// order posted, then says so twice: in the shared cells (a main thread blocked in flush() wakes
// at once) and by a message (commit() promises resolve). Commits and WAL checkpoints, the slow
// and disk-bound part of every delivery, so never hold up the main thread's API requests, and the
// thread runs below the main thread's OS priority (thread-priority.ts) so it does not compete with them for a CPU.

import type { Database } from "bun:sqlite";
import { BACKGROUND_NICENESS, lowerThreadPriority } from "./thread-priority.ts";
import { Cell, ERROR_TEXT_OFFSET, openConnection, ReadyState, WriteApplier, type WriterReply, type WriterRequest } from "./store-writes.ts";

declare const self: Worker;

let db: Database | undefined;
let applier: WriteApplier | undefined;
let cells: Int32Array;
let errorText: Uint8Array;

function reply(message: WriterReply): void {
  self.postMessage(message);
}

/** Publishes the outcome of batch `id` in the shared cells and wakes a blocked main thread. */
function markDone(id: number, error?: string): void {
  if (error !== undefined) {
    const { written } = new TextEncoder().encodeInto(error, errorText);
    Atomics.store(cells, Cell.errorBytes, written);
    Atomics.store(cells, Cell.failedId, id);
  }
  Atomics.store(cells, Cell.doneId, id);
  Atomics.notify(cells, Cell.doneId);
}

self.onmessage = (event: MessageEvent<WriterRequest>) => {
  const request = event.data;
  if (request.type === "open") {
    lowerThreadPriority(BACKGROUND_NICENESS);
    cells = new Int32Array(request.cells);
    errorText = new Uint8Array(request.cells, ERROR_TEXT_OFFSET);
    const opened = openConnection(request.path);
    // Too late when the main thread has given up waiting and writes itself: then this thread stays idle.
    if (Atomics.compareExchange(cells, Cell.ready, ReadyState.starting, ReadyState.ready) !== ReadyState.starting) {
      opened.close();
      return;
    }
    Atomics.notify(cells, Cell.ready);
    db = opened;
    applier = new WriteApplier(db);
  } else if (request.type === "batch" && applier !== undefined) {
    try {
      const purged = applier.apply(request.writes);
      markDone(request.id);
      reply({ type: "done", id: request.id, purged });
    } catch (error) {
      const message = String((error as Error)?.message ?? error);
      markDone(request.id, message);
      reply({ type: "failed", id: request.id, code: String((error as { code?: unknown })?.code ?? ""), message });
    }
  } else if (request.type === "close") {
    db?.close();
    db = undefined;
    Atomics.store(cells, Cell.closed, 1);
    Atomics.notify(cells, Cell.closed);
  }
};
