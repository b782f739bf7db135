// Proves spawnListening waits for the listening line and returns the lines before it, keeps
// draining stdout afterwards, and fails with the child's output when it exits or stalls first.
// The children are `bun -e` scripts that print what a server would.

import { describe, expect, test } from "bun:test";
import { spawnListening } from "./spawn-listening.ts";
import { waitFor } from "./wait.ts";

const bun = (script: string) => [process.execPath, "-e", script];
const base = { cwd: import.meta.dir, timeoutMs: 10_000, stderr: "pipe" as const };

describe("spawnListening", () => {
  test("returns the url, the RESP port and the lines up to the listening line", async () => {
    const script = `
      console.log("starting");
      console.log("{not json");
      console.log(JSON.stringify({ event: "recovered", durationMs: 12 }));
      console.log(JSON.stringify({ event: "listening", url: "http://127.0.0.1:1234", respPort: 6380 }));
      console.log(JSON.stringify({ event: "after" }));
      setTimeout(() => {}, 60_000);`;
    const server = await spawnListening({ ...base, command: bun(script) });
    try {
      expect({ url: server.url, respPort: server.respPort, lines: server.lines }).toEqual({
        url: "http://127.0.0.1:1234",
        respPort: 6380,
        lines: ["starting", "{not json", '{"event":"recovered","durationMs":12}', '{"event":"listening","url":"http://127.0.0.1:1234","respPort":6380}'],
      });
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  test("passes the given environment and keeps draining stdout after the line", async () => {
    // 4 MiB after the line: far over a pipe's buffer, so the child exits only if stdout is read.
    const script = `
      console.log(JSON.stringify({ event: "listening", url: process.env.URL }));
      process.stdout.write("x".repeat(4 << 20) + "\\n");`;
    const server = await spawnListening({ ...base, command: bun(script), env: { URL: "http://from-env" } });
    expect(server.url).toBe("http://from-env");
    expect(server.respPort).toBeUndefined();
    expect(await server.child.exited).toBe(0);
  });

  test("with keepLines, keeps the lines logged after the listening line, in order", async () => {
    const script = `
      console.log(JSON.stringify({ event: "listening", url: "http://127.0.0.1:1" }));
      console.log("same chunk");
      setTimeout(() => console.log("later"), 50);`;
    const server = await spawnListening({ ...base, command: bun(script), keepLines: true });
    expect(await server.child.exited).toBe(0);
    await waitFor(() => server.lines.includes("later"), "the later line");
    expect(server.lines).toEqual(['{"event":"listening","url":"http://127.0.0.1:1"}', "same chunk", "later"]);
  });

  test("fails with the output and stderr when the child exits before listening", async () => {
    const script = `console.log("booting"); console.error("no such data dir"); process.exit(3);`;
    const start = spawnListening({ ...base, command: bun(script) });
    await expect(start).rejects.toThrow(/exited with 3 before logging "listening":\nbooting\n[^]*no such data dir/);
  });

  test("kills the child and fails when the line does not come in time", async () => {
    const script = `console.log("slow"); setTimeout(() => {}, 60_000);`;
    const start = spawnListening({ ...base, command: bun(script), timeoutMs: 300 });
    await expect(start).rejects.toThrow(/did not log "listening" within 300 ms:\nslow/);
  });
});
