// Proves the logger's lines and how they reach stdout: the JSON shape with and without fields and
// under journald; that lines of many turns go out in one write once the batch delay ends, or at
// once past the backlog limit; and, in child processes reading the real pipe, that a line arrives
// while the process runs (not at exit), that a turn past 64 KiB writes without waiting for its
// end, and that a clean exit right after logging loses nothing, even when stdout is non-blocking
// and full.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLogger, LineBatcher } from "./log.ts";

const logModule = join(import.meta.dir, "log.ts");

/** Runs `code` in a child Bun with `log` (a stdout logger) in scope; stdout is a pipe read here. */
function spawnLogging(code: string) {
  const script = `import { createLogger } from ${JSON.stringify(logModule)};\nconst log = createLogger({ journald: false });\n${code}`;
  return Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
}

/** Reads stdout until `count` lines came, or the stream ends, or the deadline passes. */
async function readLines(stream: ReadableStream<Uint8Array>, count: number, deadlineMs = 10_000): Promise<string[]> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + deadlineMs;
  const timeout = new Promise<{ done: true; value: undefined }>((resolve) => setTimeout(() => resolve({ done: true, value: undefined }), deadlineMs));
  while (text.split("\n").length - 1 < count && Date.now() < deadline) {
    const { done, value } = await Promise.race([reader.read(), timeout]);
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text.split("\n").slice(0, -1);
}

describe("line format", () => {
  test("event and level first, then the fields; no fields closes the object; journald puts its priority first", () => {
    const lines: string[] = [];
    const plain = createLogger({ journald: false, write: (line) => lines.push(line) });
    plain.log("info", "request", { id: "a-1", status: 200, quoted: 'say "hi"\n' });
    plain.log("warn", "bare");
    plain.log("error", "empty", {});
    const journald = createLogger({ journald: true, write: (line) => lines.push(line) });
    journald.log("info", "request", { id: "a-1" });
    journald.log("debug", "bare");
    createLogger({ journald: false, quiet: true, write: (line) => lines.push(line) }).log("debug", "dropped");
    expect(lines).toEqual([
      '{"event":"request","level":"info","id":"a-1","status":200,"quoted":"say \\"hi\\"\\n"}',
      '{"event":"bare","level":"warn"}',
      '{"event":"empty","level":"error"}',
      '<6>{"event":"request","id":"a-1"}',
      '<7>{"event":"bare"}',
    ]);
    for (const line of lines) JSON.parse(line.replace(/^<\d>/, ""));
  });
});

/** What an output call got, copied: the batcher writes over its buffer afterwards. */
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("batching", () => {
  test("lines of many event-loop turns go out in one write when the delay ends", async () => {
    const outputs: string[] = [];
    // A delay far longer than the turns below take, so the check cannot race the timer.
    const batcher = new LineBatcher((bytes) => outputs.push(textOf(bytes)), 1_000, 64 * 1024);
    for (let turn = 0; turn < 5; turn++) {
      batcher.add(`line ${turn}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(outputs).toEqual([]);
    await Bun.sleep(1_200);
    expect(outputs).toEqual(["line 0\nline 1\nline 2\nline 3\nline 4\n"]);
    batcher.add("next");
    batcher.flush();
    expect(outputs).toEqual(["line 0\nline 1\nline 2\nline 3\nline 4\n", "next\n"]);
  });

  test("a backlog past its limit goes out at once, without waiting for the delay", () => {
    const outputs: string[] = [];
    const batcher = new LineBatcher((bytes) => outputs.push(textOf(bytes)), 60_000, 20);
    batcher.add("0123456789");
    expect(outputs).toEqual([]);
    batcher.add("abcdefghij");
    expect(outputs).toEqual(["0123456789\nabcdefghij\n"]);
  });

  test("lines go out as UTF-8, in order, a line too long for the buffer after the backlog before it", () => {
    const outputs: string[] = [];
    const batcher = new LineBatcher((bytes) => outputs.push(textOf(bytes)), 60_000, 64);
    batcher.add("é€ \u{1F600}");
    const long = "x".repeat(20_000);
    batcher.add(long);
    batcher.add("after");
    batcher.flush();
    expect(outputs).toEqual(["é€ \u{1F600}\n", `${long}\n`, "after\n"]);
  });

  test("the buffer is reused: each output holds only its own lines", () => {
    const outputs: string[] = [];
    const batcher = new LineBatcher((bytes) => outputs.push(textOf(bytes)), 60_000, 1024);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) batcher.add(`round ${round} line ${i}`);
      batcher.flush();
    }
    expect(outputs).toEqual([0, 1, 2].map((round) => [0, 1, 2, 3, 4].map((i) => `round ${round} line ${i}\n`).join("")));
  });
});

describe("stdout", () => {
  test("a line reaches stdout while the process keeps running", async () => {
    const child = spawnLogging(`log.log("info", "first", { n: 1 }); setTimeout(() => {}, 60_000);`);
    try {
      expect(await readLines(child.stdout, 1)).toEqual(['{"event":"first","level":"info","n":1}']);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("a turn that logs past 64 KiB writes without waiting for the turn to end", async () => {
    // The turn then blocks for a minute: only the 64 KiB rule can have written the lines.
    const child = spawnLogging(`for (let i = 0; i < 1000; i++) log.log("info", "line", { i, pad: "x".repeat(100) });
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);`);
    try {
      const lines = await readLines(child.stdout, 400);
      expect(lines.length).toBeGreaterThanOrEqual(400);
      expect(lines.slice(0, 400).map((line) => JSON.parse(line).i)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("a clean exit right after logging writes every line in order, though stdout is non-blocking and full", async () => {
    // Touching process.stdout makes Bun set the pipe non-blocking; 3 MB do not fit in it.
    const child = spawnLogging(`process.stdout.write("");
for (let i = 0; i < 20_000; i++) log.log("info", "line", { i, pad: "x".repeat(140) });
process.exit(0);`);
    // A reader that comes late, so the pipe is full while the child exits.
    await Bun.sleep(300);
    const lines = await readLines(child.stdout, 20_001, 30_000);
    expect(await child.exited).toBe(0);
    expect(lines.length).toBe(20_000);
    expect(lines.every((line, i) => JSON.parse(line).i === i)).toBe(true);
  });
});
