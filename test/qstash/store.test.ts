// Proves the QStash store's writer thread keeps its promises: a resolved commit is in the file
// (read back through another connection), reads see their own writes, a failed commit rejects and
// changes nothing while later writes still commit, and close() leaves every write in the file.
// Real files in a temporary directory, a real writer thread.

import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message } from "../../src/qstash/messages.ts";
import { parseMessageSettings } from "../../src/qstash/publish-request.ts";
import { QStashStore } from "../../src/qstash/store.ts";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "qstash-store-"));
  path = join(dir, "qstash.sqlite");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function message(seq: number, messageId = `msg_${seq}`): Message {
  return {
    seq,
    messageId,
    kind: "message",
    url: "http://receiver.test/hook",
    settings: parseMessageSettings([]),
    requestHeaders: [],
    body: new TextEncoder().encode(`body ${seq}`),
    callerIp: "",
    createdAtMs: 1_000,
    notBeforeMs: 1_000,
    state: "CREATED",
    retried: 0,
    nextAttemptAtMs: 1_000,
    started: false,
    cancelRequested: false,
  };
}

/** What another process would find in the file. */
function messageIdsOnDisk(): string[] {
  const reader = new Database(path, { readonly: true });
  try {
    return reader.query<{ message_id: string }, []>("SELECT message_id FROM messages ORDER BY seq").all().map((row) => row.message_id);
  } finally {
    reader.close();
  }
}

test("a commit that resolves is in the file, written by the writer thread", async () => {
  const store = QStashStore.open(path);
  try {
    store.insertMessage(message(1));
    store.insertMessage(message(2));
    await store.commit();
    expect(messageIdsOnDisk()).toEqual(["msg_1", "msg_2"]);
  } finally {
    store.close();
  }
});

test("reads see the writes staged before them", () => {
  const store = QStashStore.open(path);
  try {
    store.insertMessage(message(1));
    store.insertEvent({ timeMs: 1_000, state: "CREATED", messageId: "msg_1", url: "http://receiver.test/hook", labels: ["a"], callerIp: "" });
    expect(store.getMessage("msg_1")?.messageId).toBe("msg_1");
    expect(store.listEvents({ label: ["a"] }, undefined, 10).map((event) => event.state)).toEqual(["CREATED"]);
  } finally {
    store.close();
  }
});

test("a failed commit rejects and changes nothing; the writes after it still commit", async () => {
  const store = QStashStore.open(path);
  const failures: unknown[] = [];
  store.onFlushError = (error) => failures.push(error);
  try {
    store.insertMessage(message(1));
    await store.commit();
    // A second row with the same message id breaks the UNIQUE constraint: the whole batch is undone.
    store.insertMessage(message(2));
    store.insertMessage(message(3, "msg_1"));
    // Awaited directly: bun's expect().rejects does not let the writer's reply in while it waits.
    const error = await store.commit().then(
      () => undefined,
      (reason: Error) => reason,
    );
    expect(error?.message).toContain("UNIQUE");
    expect(failures).toHaveLength(1);
    expect(messageIdsOnDisk()).toEqual(["msg_1"]);
    store.insertMessage(message(4));
    await store.commit();
    expect(messageIdsOnDisk()).toEqual(["msg_1", "msg_4"]);
  } finally {
    store.close();
  }
});

test("flush() throws when its commit fails", () => {
  const store = QStashStore.open(path);
  try {
    store.insertMessage(message(1));
    store.insertMessage(message(2, "msg_1"));
    expect(() => store.flush()).toThrow("UNIQUE");
    expect(messageIdsOnDisk()).toEqual([]);
  } finally {
    store.close();
  }
});

test("close() commits what is staged and answers every waiting commit; the file reopens with it", async () => {
  const store = QStashStore.open(path);
  store.insertMessage(message(1));
  const committed = store.commit();
  store.close();
  await committed;
  const reopened = QStashStore.open(path);
  try {
    expect(reopened.loadUnfinishedMessages().map((stored) => stored.messageId)).toEqual(["msg_1"]);
  } finally {
    reopened.close();
  }
});

test("purge reports what it removed once committed", async () => {
  const store = QStashStore.open(path);
  try {
    store.insertEvent({ timeMs: 1_000, state: "CREATED", messageId: "msg_1", url: "http://receiver.test/hook", labels: [], callerIp: "" });
    store.insertEvent({ timeMs: 5_000, state: "CREATED", messageId: "msg_2", url: "http://receiver.test/hook", labels: [], callerIp: "" });
    expect(await store.purge({ eventsBeforeMs: 2_000, dlqBeforeMs: 0, nowMs: 5_000 })).toEqual({ events: 1, messages: 0, dlq: 0 });
    expect(store.listEvents({}, undefined, 10).map((event) => event.messageId)).toEqual(["msg_2"]);
  } finally {
    store.close();
  }
});
