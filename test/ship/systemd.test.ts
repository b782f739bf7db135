// Proves the systemd integration against real sockets and processes: a test binds a unix datagram
// socket (a path, and an abstract name), starts downstash with NOTIFY_SOCKET pointing at it and
// receives READY=1 once it listens, WATCHDOG=1 keep-alives when asked, and STOPPING=1 on SIGTERM;
// log lines carry `<N>` journald prefixes (no timestamp) only when stdout is JOURNAL_STREAM's file.

import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notificationText, socketAddress, watchdogIntervalMs } from "../../src/platform/systemd.ts";
import { createLogger, isJournalStream } from "../../src/util/log.ts";
import { startServer } from "../harness/server.ts";
import { NotifySocket } from "./notify-socket.ts";

const repoRoot = join(import.meta.dir, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "downstash-systemd-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("sd_notify messages", () => {
  test("a path socket's address holds the path and its NUL; an abstract one swaps @ for NUL and has no terminator", () => {
    const path = socketAddress("/run/systemd/notify");
    expect(path.length).toBe(2 + "/run/systemd/notify".length + 1);
    expect([...path.address.subarray(0, 3)]).toEqual([1, 0, 0x2f]);
    const abstract = socketAddress("@downstash/notify");
    expect(abstract.length).toBe(2 + "@downstash/notify".length);
    expect([...abstract.address.subarray(0, 4)]).toEqual([1, 0, 0, "d".charCodeAt(0)]);
    expect(() => socketAddress("relative/path")).toThrow("absolute path");
    expect(() => socketAddress(`/${"x".repeat(200)}`)).toThrow("1 to 107 bytes");
  });

  test("assignments become KEY=value lines, newlines in values flattened", () => {
    expect(notificationText({ READY: 1, STATUS: "serving\non port 1" })).toBe("READY=1\nSTATUS=serving on port 1");
  });

  test("the watchdog interval is half of WATCHDOG_USEC, and only for the process WATCHDOG_PID names", () => {
    expect(watchdogIntervalMs({ watchdogUsec: "30000000" }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ watchdogUsec: "30000000", watchdogPid: "42" }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ watchdogUsec: "30000000", watchdogPid: "7" }, 42)).toBeUndefined();
    expect(watchdogIntervalMs({ watchdogUsec: "zero" }, 42)).toBeUndefined();
    expect(watchdogIntervalMs({}, 42)).toBeUndefined();
    expect(watchdogIntervalMs(undefined, 42)).toBeUndefined();
  });
});

describe("Type=notify with a real datagram socket", () => {
  test("READY=1 once listening (with STATUS and MAINPID), STOPPING=1 on SIGTERM, then exit 0", async () => {
    await using socket = NotifySocket.bind(join(scratch, "notify.sock"));
    await using server = await startServer({ env: { NOTIFY_SOCKET: socket.address } });
    const ready = await socket.waitFor((message) => message.includes("READY=1"));
    expect(ready.split("\n")).toEqual(["READY=1", `STATUS=serving on ${server.url}`, `MAINPID=${server.process.pid}`]);
    // Ready means ready: the server answers at once.
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    server.process.kill("SIGTERM");
    const stopping = await socket.waitFor((message) => message.includes("STOPPING=1"));
    expect(stopping).toBe("STOPPING=1\nSTATUS=stopping on SIGTERM");
    expect(await server.process.exited).toBe(0);
    expect(socket.messages).toEqual([ready, stopping]);
  });

  test("an abstract socket (@name) gets READY=1 too", async () => {
    await using socket = NotifySocket.bind(`@downstash-test-${process.pid}-${Date.now()}`);
    await using server = await startServer({ env: { NOTIFY_SOCKET: socket.address } });
    expect(await socket.waitFor((message) => message.startsWith("READY=1"))).toContain(`MAINPID=${server.process.pid}`);
  });

  test("with WATCHDOG_USEC the server sends WATCHDOG=1 keep-alives after READY=1", async () => {
    await using socket = NotifySocket.bind(join(scratch, "watchdog.sock"));
    await using server = await startServer({ env: { NOTIFY_SOCKET: socket.address, WATCHDOG_USEC: "200000" } });
    await socket.waitFor((message) => message === "WATCHDOG=1");
    expect(socket.messages[0]).toStartWith("READY=1");
    expect(server.process.exitCode).toBeNull();
  });
});

describe("journald log lines", () => {
  /** Starts the source server with stdout on a file; returns its lines once READY=1 arrived. */
  async function linesWithStdoutOnFile(journalStream: (stdoutFd: number) => string): Promise<{ lines: string[]; stderr: string }> {
    const unique = Math.random().toString(36).slice(2);
    const logPath = join(scratch, `stdout-${unique}.log`);
    const stdoutFd = openSync(logPath, "w");
    await using socket = NotifySocket.bind(join(scratch, `journal-${unique}.sock`));
    const child = Bun.spawn([process.execPath, join(repoRoot, "src/cli/main.ts"), "serve", "--port", "0", "--data-dir", join(scratch, `data-${unique}`)], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NOTIFY_SOCKET: socket.address, JOURNAL_STREAM: journalStream(stdoutFd) },
      stdout: stdoutFd,
      stderr: "pipe",
    });
    let stderr: string;
    try {
      await socket.waitFor((message) => message.startsWith("READY=1"));
      child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
      stderr = await new Response(child.stderr).text();
    } finally {
      child.kill("SIGKILL");
      closeSync(stdoutFd);
    }
    return { lines: readFileSync(logPath, "utf8").trimEnd().split("\n"), stderr };
  }

  test("when stdout is the journal stream, lines start with <N> instead of a level, and the first start keeps tokens out", async () => {
    const { lines, stderr } = await linesWithStdoutOnFile((fd) => {
      const stat = fstatSync(fd, { bigint: true });
      return `${stat.dev}:${stat.ino}`;
    });
    const listening = lines.find((line) => line.includes('"listening"'))!;
    expect(listening).toMatch(/^<6>\{"event":"listening","url":"http:\/\/127\.0\.0\.1:\d+"\}$/);
    expect(lines.find((line) => line.includes('"shutting_down"'))).toStartWith('<6>{"event":"shutting_down"');
    expect(lines.every((line) => /^<[0-7]>\{/.test(line))).toBe(true);
    // The journal is kept and readable by its readers: the generated tokens are not printed there.
    expect(stderr).toStartWith("First start: credentials were generated in ");
    expect(stderr).toContain("print them with: downstash env --data-dir ");
    expect(stderr).not.toContain("TOKEN=");
  });

  test("when JOURNAL_STREAM names another file (a shell inherited it), lines stay plain JSON", async () => {
    const { lines, stderr } = await linesWithStdoutOnFile(() => "8:1234567");
    expect(stderr).toContain("UPSTASH_REDIS_REST_TOKEN=");
    const listening = JSON.parse(lines.find((line) => line.includes('"listening"'))!);
    expect(listening).toEqual({ event: "listening", level: "info", url: expect.stringMatching(/^http:/) });
  });

  test("createLogger writes priorities 7/6/4/3 under journald and the level otherwise", () => {
    const lines: string[] = [];
    const journald = createLogger({ journald: true, write: (line) => lines.push(line) });
    for (const level of ["debug", "info", "warn", "error"] as const) journald.log(level, "e", { n: 1 });
    createLogger({ journald: false, write: (line) => lines.push(line) }).log("warn", "e", { n: 1 });
    expect(lines).toEqual([
      '<7>{"event":"e","n":1}',
      '<6>{"event":"e","n":1}',
      '<4>{"event":"e","n":1}',
      '<3>{"event":"e","n":1}',
      '{"event":"e","level":"warn","n":1}',
    ]);
  });

  test("isJournalStream compares device and inode with the descriptor, and refuses malformed values", () => {
    const path = join(scratch, "journal-check");
    const fd = openSync(path, "w");
    try {
      const stat = fstatSync(fd, { bigint: true });
      expect(isJournalStream(`${stat.dev}:${stat.ino}`, fd)).toBe(true);
      expect(isJournalStream(`${stat.dev}:${stat.ino + 1n}`, fd)).toBe(false);
      expect(isJournalStream("garbage", fd)).toBe(false);
      expect(isJournalStream(undefined, fd)).toBe(false);
    } finally {
      closeSync(fd);
    }
  });
});
