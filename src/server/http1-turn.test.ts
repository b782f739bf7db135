// Proves answers made while the sockets ready in one event-loop turn are read go out together at
// the end of the turn, each on its own connection and in order, rather than one write per answer
// as each socket is read. The sockets are stand-ins handed to the front end's handlers, so the
// test sees exactly when each write happens.

import { afterEach, describe, expect, test } from "bun:test";
import { headerLines, type FastRoute } from "./fast-route.ts";
import { serveHttp1 } from "./http1.ts";

type Handlers = {
  open(socket: FakeSocket): void;
  data(socket: FakeSocket, chunk: Buffer): void;
};

class FakeSocket {
  data: unknown;
  readonly remoteAddress = "127.0.0.1";
  readonly remoteFamily = "IPv4";
  readonly remotePort = 40000;
  readonly writes: string[] = [];
  write(data: string | Uint8Array): number {
    const text = typeof data === "string" ? data : Buffer.from(data).toString("latin1");
    this.writes.push(text);
    return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
  }
  timeout(): void {}
  pause(): void {}
  resume(): void {}
  end(): void {}
  shutdown(): void {}
  terminate(): void {}
}

const realListen = Bun.listen;
afterEach(() => {
  (Bun as { listen: unknown }).listen = realListen;
});

/** A front end whose listener is a stand-in: returns the socket handlers it registered. */
function serveWithoutListening(): Handlers {
  let handlers: Handlers | undefined;
  (Bun as { listen: unknown }).listen = (options: { socket: Handlers }) => {
    handlers = options.socket;
    return { port: 1, hostname: "127.0.0.1", stop() {} };
  };
  const route: FastRoute = {
    maxBodyBytes: 1024,
    handle: (request) => ({ status: 200, headerLines: headerLines({ "content-type": "text/plain" }), body: `answer to ${request.bodyText()}` }),
    tooLarge: () => ({ status: 400, headerLines: "", body: "" }),
  };
  serveHttp1({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response("not here", { status: 404 }),
    fastRoute: () => route,
    maxBodyBytes: 1024,
    idleTimeoutSeconds: 60,
  });
  return handlers!;
}

const request = (body: string) => Buffer.from(`POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("answers at the end of the event-loop turn", () => {
  test("sockets read in one turn get their answers together once all were read, in order", async () => {
    const handlers = serveWithoutListening();
    const first = new FakeSocket();
    const second = new FakeSocket();
    handlers.open(first);
    handlers.open(second);

    handlers.data(first, Buffer.concat([request("a"), request("b")]));
    handlers.data(second, request("c"));
    expect([first.writes, second.writes]).toEqual([[], []]);

    await nextTurn();
    expect(first.writes).toHaveLength(1);
    expect(second.writes).toHaveLength(1);
    expect(first.writes[0]).toMatch(/^HTTP\/1\.1 200 [^]*answer to a[^]*HTTP\/1\.1 200 [^]*answer to b$/);
    expect(second.writes[0]).toMatch(/^HTTP\/1\.1 200 [^]*answer to c$/);

    // The next turn's answers go out at its own end.
    handlers.data(second, request("d"));
    expect(second.writes).toHaveLength(1);
    await nextTurn();
    expect(second.writes[1]).toMatch(/answer to d$/);
  });
});
