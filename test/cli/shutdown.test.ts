// Proves graceful shutdown of the real process: on SIGTERM/SIGINT it stops accepting, lets a
// request that is still uploading its body finish, then exits 0; a request that never finishes
// is cut off at --shutdown-timeout-ms (exit 1), and a second signal forces the exit at once.
// The slow request is a raw socket that sends half its body, so the test decides when it ends.

import { describe, expect, test } from "bun:test";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { startServer, type TestServer } from "../harness/server.ts";
import { waitFor } from "../harness/wait.ts";

// Lifecycle events only: access-log lines ("request") come whenever a request ends.
const events = (server: TestServer) =>
  server.output
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line).event)
    .filter((event) => event !== "request");
const waitForEvent = (server: TestServer, event: string) => waitFor(() => events(server).includes(event), `the ${event} event`);

interface SlowRequest {
  socket: Socket;
  /** Everything the server sent, once it closed the connection. */
  response: Promise<string>;
  /** Sends the rest of the body. */
  finish(): void;
}

/** A SET whose ~1 MiB body is sent only halfway; the server has read its head when this resolves. */
async function startSlowRequest(server: TestServer): Promise<SlowRequest> {
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  await once(socket, "connect");
  const body = JSON.stringify(["SET", "slow", "v".repeat(1 << 20)]);
  const half = body.length >> 1;
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const response = new Promise<string>((resolve) => socket.once("close", () => resolve(Buffer.concat(chunks).toString())));
  socket.write(
    `POST / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${server.token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`,
  );
  // Two full round trips on other connections: by their end the server's event loop has read
  // what was written before them, so the slow request is in flight, not merely queued.
  for (let i = 0; i < 2; i++) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  return { socket, response, finish: () => socket.write(body.slice(half)) };
}

describe("graceful shutdown", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal} while a slow request is in flight: it finishes, new connections are refused, exit 0`, async () => {
      await using server = await startServer();
      const slow = await startSlowRequest(server);

      server.process.kill(signal);
      await waitForEvent(server, "shutting_down");
      await expect(fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
      expect(server.process.exitCode).toBeNull();

      slow.finish();
      const response = await slow.response;
      expect(response).toStartWith("HTTP/1.1 200 OK\r\n");
      expect(response).toEndWith('{"result":"OK"}');
      expect(await server.process.exited).toBe(0);
      expect(events(server).slice(-2)).toEqual(["shutting_down", "stopped"]);
    });
  }

  test("idle keep-alive connections do not hold the exit back", async () => {
    await using server = await startServer();
    const response = await fetch(server.url, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}` },
      body: JSON.stringify(["SET", "k", "v"]),
    });
    expect(await response.json()).toEqual({ result: "OK" });
    // The client keeps that connection open in its pool; the server closes it and exits.
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  test("a request that never finishes is cut off at --shutdown-timeout-ms, exit 1", async () => {
    await using server = await startServer({ args: ["--shutdown-timeout-ms", "200"] });
    const slow = await startSlowRequest(server);
    server.process.kill("SIGTERM");
    expect(await server.process.exited).toBe(1);
    expect(events(server).slice(-2)).toEqual(["shutting_down", "shutdown_timed_out"]);
    await slow.response;
  });

  test("a second signal forces the exit at once, exit 1", async () => {
    await using server = await startServer();
    const slow = await startSlowRequest(server);
    server.process.kill("SIGTERM");
    await waitForEvent(server, "shutting_down");
    server.process.kill("SIGINT");
    expect(await server.process.exited).toBe(1);
    expect(events(server).slice(-2)).toEqual(["shutting_down", "shutdown_forced"]);
    await slow.response;
  });
});
