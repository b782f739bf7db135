// Proves the HTTP/1.1 front end over real sockets: raw TCP clients for the protocol (requests split
// at every byte, pipelining, keep-alive and close, chunked bodies, 100-continue, HEAD, every refusal
// followed by the server still serving, body limits, streaming answers and their cancellation,
// graceful stop, idle timeout), and `fetch` for the ordinary path. Both kinds of route are served:
// a fast route (POST /fast, whole body, plain data) and a fetch handler for everything else.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { headerLines, type FastRoute, type FastRoutes, type RawRequest } from "./fast-route.ts";
import { serveHttp1, type Http1Options, type Http1Server } from "./http1.ts";
import { waitFor } from "../../test/harness/wait.ts";

const FAST_BODY_BYTES_MAX = 1024;
const BIG_BODY_BYTES = 8 * 1024 * 1024;
const WAIT_DEADLINE_MS = 15_000;

/** What the test routes let a test steer and observe. */
class Hooks {
  /** Controllers of open /stream answers, in order. */
  streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  streamsCancelled = 0;
  requestsAborted = 0;
  /** Resolved by the test to let /slow answer. */
  releaseSlow: () => void = () => {};
  slowStarted = false;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function fastRoutes(): FastRoutes {
  const json = { "content-type": "application/json" };
  const route: FastRoute = {
    maxBodyBytes: FAST_BODY_BYTES_MAX,
    handle(request: RawRequest) {
      // The text the front end decodes where the bytes arrived must be the bytes' text.
      if (request.bodyText() !== text(request.body)) throw new Error("bodyText differs from body");
      const answer = {
        status: 200,
        headerLines: headerLines(json),
        body: JSON.stringify({ fast: true, target: request.target, body: text(request.body), authorization: request.header("authorization") ?? null }),
      };
      return request.header("x-async") === undefined ? answer : Promise.resolve(answer);
    },
    tooLarge: () => ({ status: 400, headerLines: headerLines(json), body: '{"error":"fast body too large"}' }),
  };
  return (method, path) => (method === "POST" && path === "/fast" ? route : undefined);
}

function testFetch(hooks: Hooks): Http1Options["fetch"] {
  return async (request, server) => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/echo":
        return Response.json({
          method: request.method,
          url: request.url,
          body: await request.text(),
          contentType: request.headers.get("content-type"),
        });
      case "/hello":
        return new Response("hello", { headers: { "content-type": "text/plain" } });
      case "/throw":
        throw new Error("the handler failed");
      case "/cookies": {
        const headers = new Headers();
        headers.append("set-cookie", "a=1");
        headers.append("set-cookie", "b=2");
        return new Response("ok", { headers });
      }
      case "/ip":
        return Response.json(server.requestIP(request));
      case "/big":
        return new Response(new Uint8Array(BIG_BODY_BYTES).fill(120));
      case "/refuse-early":
        // Answers from the Content-Length alone, never reading the body.
        return new Response("refused", { status: 413 });
      case "/slow":
        hooks.slowStarted = true;
        await new Promise<void>((resolve) => (hooks.releaseSlow = resolve));
        return new Response("slow done");
      case "/stream": {
        request.signal.addEventListener("abort", () => hooks.requestsAborted++);
        const stream = new ReadableStream<Uint8Array>({
          start: (controller) => {
            hooks.streams.push(controller);
          },
          cancel: () => {
            hooks.streamsCancelled++;
          },
        });
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  };
}

function startFrontEnd(hooks: Hooks, options: Partial<Http1Options> = {}): Http1Server {
  return serveHttp1({
    hostname: "127.0.0.1",
    port: 0,
    fetch: testFetch(hooks),
    fastRoute: fastRoutes(),
    maxBodyBytes: 64 * 1024,
    idleTimeoutSeconds: 120,
    ...options,
  });
}

interface RawResponse {
  status: number;
  reason: string;
  /** Lower-case names; repeated fields keep every value. */
  headers: [string, string][];
  body: string;
}

const headerOf = (response: RawResponse, name: string) => response.headers.find(([n]) => n === name)?.[1];

/** Parses one response from the front of `bytes`; null while it is incomplete. */
function takeResponse(bytes: Buffer, isClosed: boolean, isHead: boolean): { response: RawResponse; rest: Buffer } | null {
  const headEnd = bytes.indexOf("\r\n\r\n");
  if (headEnd === -1) return null;
  const lines = bytes.toString("latin1", 0, headEnd).split("\r\n");
  const [, status, ...reason] = lines[0]!.split(" ");
  const headers = lines.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  const response: RawResponse = { status: Number(status), reason: reason.join(" "), headers, body: "" };
  let position = headEnd + 4;
  const length = headers.find(([name]) => name === "content-length")?.[1];
  if (isHead || response.status < 200 || response.status === 204 || response.status === 304) {
    return { response, rest: bytes.subarray(position) };
  }
  if (headers.some(([name, value]) => name === "transfer-encoding" && value === "chunked")) {
    const parts: Buffer[] = [];
    for (;;) {
      const eol = bytes.indexOf("\r\n", position);
      if (eol === -1) return null;
      const size = parseInt(bytes.toString("latin1", position, eol), 16);
      if (bytes.length < eol + 2 + size + 2) return null;
      parts.push(bytes.subarray(eol + 2, eol + 2 + size));
      position = eol + 2 + size + 2;
      if (size === 0) break;
    }
    response.body = Buffer.concat(parts).toString("utf8");
    return { response, rest: bytes.subarray(position) };
  }
  if (length !== undefined) {
    if (bytes.length < position + Number(length)) return null;
    response.body = bytes.toString("utf8", position, position + Number(length));
    return { response, rest: bytes.subarray(position + Number(length)) };
  }
  if (!isClosed) return null;
  response.body = bytes.toString("utf8", position);
  return { response, rest: Buffer.alloc(0) };
}

/** A raw TCP client: writes bytes as given, reads responses one at a time. */
class RawClient {
  private received: Buffer = Buffer.alloc(0);
  private wake: () => void = () => {};
  isClosed = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static async open(server: Http1Server): Promise<RawClient> {
    const socket = connect({ host: "127.0.0.1", port: server.port });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new RawClient(socket);
  }

  write(data: string | Uint8Array): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Sends every byte in a packet of its own. */
  async writeByteByByte(data: string): Promise<void> {
    for (let i = 0; i < data.length; i++) {
      this.socket.write(Buffer.from(data[i]!, "latin1"));
      await Bun.sleep(1);
    }
  }

  async read(options: { isHead?: boolean } = {}): Promise<RawResponse> {
    const deadline = Date.now() + WAIT_DEADLINE_MS;
    for (;;) {
      const taken = takeResponse(this.received, this.isClosed, options.isHead ?? false);
      if (taken !== null) {
        this.received = taken.rest;
        return taken.response;
      }
      if (this.isClosed) throw new Error(`closed before a whole response: ${JSON.stringify(this.received.toString("latin1"))}`);
      if (Date.now() > deadline) throw new Error("timed out waiting for a response");
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** Whatever arrives until the server closes the connection. */
  async readToClose(): Promise<string> {
    await this.closed;
    return this.received.toString("latin1");
  }

  close(): void {
    this.socket.destroy();
  }
}

const hooks = new Hooks();
let server: Http1Server;
let base: string;

beforeAll(() => {
  server = startFrontEnd(hooks);
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.stop(true);
});

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: test.local\r\n${extra}\r\n`;
const post = (path: string, body: string, extra = "") =>
  `POST ${path} HTTP/1.1\r\nHost: test.local\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe("the ordinary path, with fetch", () => {
  test("a GET and a POST reach the fetch handler with URL, method, headers and body", async () => {
    const getAnswer = await (await fetch(`${base}/echo?x=1`)).json();
    const postAnswer = await (await fetch(`${base}/echo`, { method: "POST", body: "payload", headers: { "content-type": "text/plain" } })).json();
    expect([getAnswer, postAnswer]).toEqual([
      { method: "GET", url: `${base}/echo?x=1`, body: "", contentType: null },
      { method: "POST", url: `${base}/echo`, body: "payload", contentType: "text/plain" },
    ]);
  });

  test("POST /fast is answered by the fast route with the whole body", async () => {
    const response = await fetch(`${base}/fast?q=1`, { method: "POST", body: "fast body", headers: { authorization: "Bearer t" } });
    expect({ status: response.status, body: await response.json(), type: response.headers.get("content-type") }).toEqual({
      status: 200,
      body: { fast: true, target: "/fast?q=1", body: "fast body", authorization: "Bearer t" },
      type: "application/json",
    });
  });

  test("a streamed (chunked) request body from fetch reaches both kinds of route whole", async () => {
    const streamOf = (parts: string[]) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
          controller.close();
        },
      });
    const init = (parts: string[]) => ({ method: "POST", body: streamOf(parts), duplex: "half" }) as RequestInit;
    const viaFetch = (await (await fetch(`${base}/echo`, init(["one ", "two ", "three"]))).json()) as { body: string };
    const viaFast = (await (await fetch(`${base}/fast`, init(["four ", "five"]))).json()) as { body: string };
    expect([viaFetch.body, viaFast.body]).toEqual(["one two three", "four five"]);
  });

  test("a large answer arrives whole, through socket backpressure", async () => {
    const body = new Uint8Array(await (await fetch(`${base}/big`)).arrayBuffer());
    expect({ length: body.byteLength, allX: body.every((byte) => byte === 120) }).toEqual({ length: BIG_BODY_BYTES, allX: true });
  });

  test("several Set-Cookie fields stay separate", async () => {
    const response = await fetch(`${base}/cookies`);
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
  });

  test("requestIP names the client's address for the request", async () => {
    const answer = (await (await fetch(`${base}/ip`)).json()) as { address: string; family: string; port: number };
    expect({ address: answer.address, family: answer.family, hasPort: answer.port > 0 }).toEqual({ address: "127.0.0.1", family: "IPv4", hasPort: true });
  });

  test("a thrown or rejected handler gets the JSON 500 and the connection keeps serving", async () => {
    const client = await RawClient.open(server);
    client.write(get("/throw"));
    const failed = await client.read();
    client.write(get("/hello"));
    const after = await client.read();
    client.close();
    expect([failed.status, failed.body, headerOf(failed, "content-type"), after.status, after.body]).toEqual([
      500,
      '{"error":"ERR internal error"}',
      "application/json",
      200,
      "hello",
    ]);
  });
});

describe("HTTP/1.1 on a raw connection", () => {
  test("a request sent one byte per packet is answered, on both kinds of route", async () => {
    const client = await RawClient.open(server);
    await client.writeByteByByte(post("/echo", "split body"));
    const viaFetch = await client.read();
    await client.writeByteByByte(post("/fast", "split fast"));
    const viaFast = await client.read();
    client.close();
    expect([JSON.parse(viaFetch.body).body, JSON.parse(viaFast.body).body]).toEqual(["split body", "split fast"]);
  });

  test("pipelined requests in one packet are answered in order", async () => {
    const client = await RawClient.open(server);
    client.write(get("/hello") + post("/fast", "first") + post("/fast", "second", "X-Async: 1\r\n") + post("/echo", "third") + get("/hello"));
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await client.read()).body);
    client.close();
    expect(answers.map((body) => (body.startsWith("{") ? JSON.parse(body).body : body))).toEqual(["hello", "first", "second", "third", "hello"]);
  });

  test("keep-alive is the default in HTTP/1.1; Connection: close closes after the answer", async () => {
    const client = await RawClient.open(server);
    client.write(get("/hello"));
    const first = await client.read();
    client.write(get("/hello", "Connection: close\r\n"));
    const second = await client.read();
    await client.closed;
    expect([first.status, headerOf(first, "connection"), second.status, headerOf(second, "connection")]).toEqual([200, undefined, 200, "close"]);
  });

  test("HTTP/1.0 closes after the answer unless it asks for keep-alive", async () => {
    const plain = await RawClient.open(server);
    plain.write("GET /hello HTTP/1.0\r\n\r\n");
    const closed = await plain.read();
    await plain.closed;
    const kept = await RawClient.open(server);
    kept.write("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const first = await kept.read();
    kept.write("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const second = await kept.read();
    kept.close();
    expect([closed.body, headerOf(closed, "connection"), first.body, headerOf(first, "connection"), second.body]).toEqual([
      "hello",
      "close",
      "hello",
      "keep-alive",
      "hello",
    ]);
  });

  for (const path of ["/echo", "/fast"]) {
    test(`Expect: 100-continue gets 100 Continue before the body is sent (${path})`, async () => {
      const client = await RawClient.open(server);
      const body = "after continue";
      client.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
      const interim = await client.read();
      client.write(body);
      const final = await client.read();
      client.close();
      expect([interim.status, interim.reason, final.status, JSON.parse(final.body).body]).toEqual([100, "Continue", 200, body]);
    });

    test(`a chunked body with extensions and trailers is read whole (${path})`, async () => {
      const client = await RawClient.open(server);
      client.write(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n` +
          `5;name=value\r\nhello\r\n1 \r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\nX-Other: too\r\n\r\n`,
      );
      const answer = await client.read();
      client.write(get("/hello"));
      const after = await client.read();
      client.close();
      expect([JSON.parse(answer.body).body, after.body]).toEqual(["hello 0123456789", "hello"]);
    });
  }

  test("HEAD gets the GET's headers and no body", async () => {
    const client = await RawClient.open(server);
    client.write(get("/hello"));
    const viaGet = await client.read();
    client.write(`HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n`);
    const viaHead = await client.read({ isHead: true });
    client.write(get("/hello"));
    const after = await client.read();
    client.close();
    const withoutDate = (response: RawResponse) => response.headers.filter(([name]) => name !== "date");
    expect({ headers: withoutDate(viaHead), after: after.body }).toEqual({ headers: withoutDate(viaGet), after: "hello" });
  });

  test("a target with raw bytes beyond ASCII is read as UTF-8, bad sequences as U+FFFD", async () => {
    const client = await RawClient.open(server);
    client.write(Buffer.concat([Buffer.from("GET /echo?k=\u00e9"), Buffer.from([0xff]), Buffer.from(" HTTP/1.1\r\nHost: x\r\n\r\n")]));
    const answer = JSON.parse((await client.read()).body);
    client.close();
    expect(decodeURIComponent(new URL(answer.url).search)).toEqual("?k=\u00e9\ufffd");
  });

  test("header names are matched in any letter case", async () => {
    const client = await RawClient.open(server);
    const answers = [];
    for (const [host, type, length] of [
      ["Host", "Content-Type", "Content-Length"],
      ["host", "content-type", "content-length"],
      ["HOST", "CONTENT-TYPE", "CONTENT-LENGTH"],
      ["hOsT", "cOnTeNt-TyPe", "cOnTeNt-LeNgTh"],
    ]) {
      client.write(`POST /echo HTTP/1.1\r\n${host}: example.test\r\n${type}: text/x-${host}\r\n${length}: 5\r\n\r\nhello`);
      const { url, body, contentType } = JSON.parse((await client.read()).body);
      answers.push({ url, body, contentType });
    }
    client.close();
    expect(answers).toEqual(["Host", "host", "HOST", "hOsT"].map((host) => ({ url: "http://example.test/echo", body: "hello", contentType: `text/x-${host}` })));
  });

  test("an absolute-form target (as sent to proxies) is served", async () => {
    const client = await RawClient.open(server);
    client.write(`GET http://elsewhere.example/echo?a=b HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n`);
    const answer = JSON.parse((await client.read()).body);
    client.close();
    expect(answer.url).toEqual("http://elsewhere.example/echo?a=b");
  });

  test("a client that half-closes after its request still gets the answer", async () => {
    const client = await RawClient.open(server);
    client.socket.end(Buffer.from(get("/hello")));
    expect((await client.read()).body).toEqual("hello");
    await client.closed;
  });
});

describe("refusals: a clear status, the connection closes, the server keeps serving", () => {
  const cases: [string, string, number][] = [
    ["malformed request line", "GET /hello\r\nHost: x\r\n\r\n", 400],
    ["a space inside the target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["a header without a colon", "GET /hello HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400],
    ["whitespace before a header's colon", "GET /hello HTTP/1.1\r\nHost : x\r\n\r\n", 400],
    ["an obsolete folded header line", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", 400],
    ["a bare LF inside a header", "GET /hello HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n", 400],
    ["a bare CR inside a header", "POST /fast HTTP/1.1\r\nHost: x\rX-A: 1\r\nContent-Length: 0\r\n\r\n", 400],
    ["a bare LF in the request line", "GET /hello\nHTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["a NUL in a header value", "POST /fast HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n", 400],
    ["a DEL in a header value", "POST /fast HTTP/1.1\r\nHost: x\r\nX-A: a\u007fb\r\nContent-Length: 0\r\n\r\n", 400],
    ["a malformed Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n", 400],
    ["two different Content-Lengths", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400],
    ["Content-Length with Transfer-Encoding", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400],
    ["a malformed chunk size", "POST /fast HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400],
    ["an unsupported transfer coding", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501],
    ["an unsupported Expect", "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417],
    ["HTTP/2.0 as text", "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 505],
    ["a header section over 64 KiB", `GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(70 * 1024)}\r\n\r\n`, 431],
    ["a header section over 64 KiB with no end in sight", `GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(70 * 1024)}`, 431],
  ];
  for (const [label, request, status] of cases) {
    test(`${label}: ${status}`, async () => {
      const client = await RawClient.open(server);
      client.write(request);
      const answer = await client.read();
      await client.closed;
      const after = await fetch(`${base}/hello`);
      expect({ status: answer.status, connection: headerOf(answer, "connection"), isJson: JSON.parse(answer.body).error.startsWith("ERR "), after: await after.text() }).toEqual({
        status,
        connection: "close",
        isJson: true,
        after: "hello",
      });
    });
  }
});

describe("body limits", () => {
  test("a fast route's Content-Length over its limit is refused before the body is sent, and the connection closes", async () => {
    const client = await RawClient.open(server);
    client.write(`POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: ${FAST_BODY_BYTES_MAX + 1}\r\n\r\n`);
    const answer = await client.read();
    await client.closed;
    expect([answer.status, answer.body, headerOf(answer, "connection")]).toEqual([400, '{"error":"fast body too large"}', "close"]);
  });

  test("a chunked body passing a fast route's limit is refused as it streams", async () => {
    const client = await RawClient.open(server);
    client.write(`POST /fast HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = `200\r\n${"c".repeat(0x200)}\r\n`;
    for (let i = 0; i < 3 && !client.isClosed; i++) {
      client.write(chunk);
      await Bun.sleep(5);
    }
    const answer = await client.read();
    await client.closed;
    expect([answer.status, answer.body]).toEqual([400, '{"error":"fast body too large"}']);
  });

  test("a fetch route may answer from the Content-Length before the body comes; the connection then closes", async () => {
    const client = await RawClient.open(server);
    client.write(`POST /refuse-early HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n`);
    const answer = await client.read();
    await client.closed;
    expect([answer.status, answer.body, headerOf(answer, "connection")]).toEqual([413, "refused", "close"]);
  });

  test("a fetch-routed Content-Length over the backstop gets a JSON 413", async () => {
    const client = await RawClient.open(server);
    client.write(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${64 * 1024 + 1}\r\n\r\n`);
    const answer = await client.read();
    await client.closed;
    expect([answer.status, answer.body]).toEqual([413, '{"error":"ERR request body too large"}']);
  });
});

describe("streaming answers", () => {
  test("a stream goes out chunked as it comes; the client closing cancels it and aborts the request at once", async () => {
    const client = await RawClient.open(server);
    const before = { streams: hooks.streams.length, cancelled: hooks.streamsCancelled, aborted: hooks.requestsAborted };
    client.write(get("/stream"));
    await waitFor(() => hooks.streams.length > before.streams, "the stream to open");
    const controller = hooks.streams.at(-1)!;
    controller.enqueue(new TextEncoder().encode("data: one\n\n"));
    await waitFor(() => client["received"].includes("data: one"), "the first event");
    controller.enqueue(new TextEncoder().encode("data: two\n\n"));
    await waitFor(() => client["received"].includes("data: two"), "the second event");
    const head = client["received"].toString("latin1");
    client.close();
    await waitFor(() => hooks.streamsCancelled > before.cancelled && hooks.requestsAborted > before.aborted, "the cancel and the abort");
    expect({ chunked: head.includes("transfer-encoding: chunked\r\n"), frames: head.includes("b\r\ndata: one\n\n\r\n") }).toEqual({ chunked: true, frames: true });
  });

  test("a stream that ends finishes the chunked body and the connection serves the next request", async () => {
    const client = await RawClient.open(server);
    const opened = hooks.streams.length;
    client.write(get("/stream"));
    await waitFor(() => hooks.streams.length > opened, "the stream to open");
    const controller = hooks.streams.at(-1)!;
    controller.enqueue(new TextEncoder().encode("data: only\n\n"));
    controller.close();
    const streamed = await client.read();
    client.write(get("/hello"));
    const after = await client.read();
    client.close();
    expect([streamed.body, after.body]).toEqual(["data: only\n\n", "hello"]);
  });
});

describe("stop and idle connections", () => {
  test("stop waits for an in-flight slow answer, refuses new connections, and closes idle ones", async () => {
    const own = new Hooks();
    const stopping = startFrontEnd(own);
    const idle = await RawClient.open(stopping);
    idle.write(get("/hello"));
    await idle.read();
    const slow = await RawClient.open(stopping);
    slow.write(get("/slow"));
    await waitFor(() => own.slowStarted, "the slow request to start");
    let isStopped = false;
    const stopped = stopping.stop().then(() => (isStopped = true));
    await idle.closed;
    const refused = await fetch(`http://127.0.0.1:${stopping.port}/hello`).then(
      () => false,
      () => true,
    );
    await Bun.sleep(20);
    const stoppedEarly = isStopped;
    own.releaseSlow();
    const answer = await slow.read();
    await stopped;
    expect({ refused, stoppedEarly, status: answer.status, body: answer.body, connection: headerOf(answer, "connection") }).toEqual({
      refused: true,
      stoppedEarly: false,
      status: 200,
      body: "slow done",
      connection: "close",
    });
  });

  test("after idleTimeoutSeconds, an idle keep-alive connection is closed and one not reading its answer is cut", async () => {
    const idleServer = startFrontEnd(new Hooks(), { idleTimeoutSeconds: 1 });
    const idle = await RawClient.open(idleServer);
    idle.write(get("/hello"));
    expect((await idle.read()).body).toEqual("hello");
    const stalled = await RawClient.open(idleServer);
    stalled.socket.pause();
    stalled.write(get("/big"));
    await Promise.all([idle.closed, stalled.closed]);
    await idleServer.stop();
  });
});
