// Proves the REST surface over real HTTP against a spawned server: request forms, headers,
// CORS, RESP2, and every kind of bad input — each gets its status and JSON error, the data and
// the sync token stay as they were, and the same server keeps answering afterwards.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { startServer, type TestServer } from "../harness/server.ts";

const maxRequestBytes = 2048;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ args: ["--max-request-bytes", String(maxRequestBytes)] });
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

let keySerial = 0;
const uniqueKey = (name: string) => `http:${name}:${++keySerial}`;

interface Answer {
  status: number;
  body: unknown;
  syncToken: string | null;
}

async function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Answer> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? server.token : init.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  const response = await fetch(server.url + path, { ...init, headers });
  const text = await response.text();
  return { status: response.status, body: text === "" ? "" : JSON.parse(text), syncToken: response.headers.get("upstash-sync-token") };
}

const post = (path: string, body: unknown, init: RequestInit & { token?: string | null } = {}) =>
  call(path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), ...init });

/** Sends raw bytes on a fresh connection and returns the raw response (the server closes it). */
function rawExchange(request: Uint8Array | string): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.write(typeof request === "string" ? Buffer.from(request, "latin1") : request);
  });
}

/** Status line and JSON body of a raw HTTP/1.1 response. */
function parseRaw(raw: string): { status: number; body: unknown } {
  const headerEnd = raw.indexOf("\r\n\r\n");
  return { status: Number(raw.slice(9, 12)), body: JSON.parse(Buffer.from(raw.slice(headerEnd + 4), "latin1").toString("utf8")) };
}

describe("bad input against the spawned server", () => {
  const oversize = JSON.stringify(["set", "k", "x".repeat(maxRequestBytes)]);
  const cases: [string, string, RequestInit & { token?: string | null }, number, string][] = [
    ["body not JSON", "/", { method: "POST", body: "[set" }, 400, "ERR failed to parse request body: invalid JSON"],
    ["body not an array", "/", { method: "POST", body: '{"set":1}' }, 400, "ERR failed to parse command: the body must be a JSON array of arguments"],
    ["empty array", "/", { method: "POST", body: "[]" }, 400, "ERR empty command"],
    ["nested object argument", "/", { method: "POST", body: '["set","KEY",{"a":1}]' }, 400, "ERR nested arrays and objects are not valid command arguments"],
    ["nested array argument", "/", { method: "POST", body: '["set","KEY",[1]]' }, 400, "ERR nested arrays and objects are not valid command arguments"],
    ["number beyond 2^53", "/", { method: "POST", body: '["set","KEY",9007199254740993]' }, 400, "ERR numeric argument beyond 2^53 is not exact; send it as a string"],
    ["null argument", "/", { method: "POST", body: '["set","KEY",null]' }, 400, "ERR null is not a valid command argument"],
    ["unknown command", "/", { method: "POST", body: '["frobnicate","KEY"]' }, 400, "ERR unknown command 'frobnicate', with args beginning with: 'KEY' "],
    ["wrong arity", "/", { method: "POST", body: '["set","KEY"]' }, 400, "ERR wrong number of arguments for 'set' command"],
    ["pipeline not an array of arrays", "/pipeline", { method: "POST", body: '["set","KEY","x"]' }, 400, "ERR failed to parse pipeline request: the body must be a JSON array of commands"],
    ["empty pipeline", "/pipeline", { method: "POST", body: "[]" }, 400, "ERR empty pipeline request"],
    ["transaction with an unknown command", "/multi-exec", { method: "POST", body: '[["set","KEY","x"],["frobnicate"]]' }, 400, "ERR unknown command 'frobnicate', with args beginning with: "],
    ["%-garbage in the path form", "/set/KEY/%zz", {}, 400, "ERR invalid percent-encoding in request path"],
    ["truncated %-escape in the path form", "/set/KEY/x%2", {}, 400, "ERR invalid percent-encoding in request path"],
    ["oversize body by Content-Length", "/", { method: "POST", body: oversize }, 400, "ERR max request size exceeded"],
    ["read-only token writing", "/", { method: "POST", body: '["set","KEY","x"]', token: "READONLY" }, 400, "NOPERM this user has no permissions to run the 'set' command or its subcommand"],
    ["read-only token scanning", "/", { method: "POST", body: '["scan","0"]', token: "READONLY" }, 400, "NOPERM this user has no permissions to run the 'scan' command or its subcommand"],
    ["missing token", "/", { method: "POST", body: '["set","KEY","x"]', token: null }, 401, "WRONGPASS invalid or missing auth token"],
    ["wrong token", "/", { method: "POST", body: '["set","KEY","x"]', token: "wrong-token-wrong-token" }, 401, "WRONGPASS invalid or missing auth token"],
    ["DELETE", "/set/KEY/x", { method: "DELETE" }, 405, "ERR Only HEAD, GET, POST and PUT methods are allowed"],
    ["PATCH", "/set/KEY/x", { method: "PATCH", body: "x" }, 405, "ERR Only HEAD, GET, POST and PUT methods are allowed"],
  ];

  for (const [label, rawPath, rawInit, status, error] of cases) {
    test(`${label}: ${status}, JSON error, nothing changes, the server keeps serving`, async () => {
      const key = uniqueKey("bad");
      await post("/", ["set", key, "before"]);
      const { syncToken: tokenBefore } = await post("/", ["get", key]);
      const path = rawPath.replace("KEY", encodeURIComponent(key));
      const init = { ...rawInit, body: typeof rawInit.body === "string" ? rawInit.body.replaceAll("KEY", key) : rawInit.body };
      if (init.token === "READONLY") init.token = server.readonlyToken;
      const answer = await call(path, init);
      expect({ status: answer.status, body: answer.body }).toEqual({ status, body: { error: status === 400 ? error.replace("KEY", key) : error } });
      expect(await post("/", ["get", key])).toEqual({ status: 200, body: { result: "before" }, syncToken: tokenBefore });
    });
  }

  test("an oversize chunked body is refused while it streams, and the server keeps serving", async () => {
    const key = uniqueKey("chunked");
    let sent = 0;
    const chunk = new TextEncoder().encode("x".repeat(1024));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`["set","${key}","`));
      },
      pull(controller) {
        // Stop after 64 KiB either way, so a server that never stops reading fails the test, not the run.
        if (++sent > 64) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const answer = await call("/", { method: "POST", body, duplex: "half" } as RequestInit);
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 400, body: { error: "ERR max request size exceeded" } });
    expect((await post("/", ["exists", key])).body).toEqual({ result: 0 });
  });

  test("a Content-Length far beyond the limit gets the JSON error before any body is sent", async () => {
    const raw = await rawExchange(
      `POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nContent-Length: ${500 * 1024 * 1024}\r\nConnection: close\r\n\r\n`,
    );
    expect(parseRaw(raw)).toEqual({ status: 400, body: { error: "ERR max request size exceeded" } });
  });

  test("a chunked body within the limit is read whole", async () => {
    const key = uniqueKey("chunked-small");
    const raw = await rawExchange(
      `POST /pipeline HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        `5\r\n[["se\r\n` +
        `${(`t","${key}","v"]]`.length).toString(16)}\r\nt","${key}","v"]]\r\n0\r\n\r\n`,
    );
    expect(parseRaw(raw)).toEqual({ status: 200, body: [{ result: "OK" }] });
  });

  test("raw bytes that are not UTF-8 in the request line are replaced (U+FFFD) by the HTTP layer, and nothing breaks", async () => {
    const key = uniqueKey("raw-bytes");
    const head = `GET /set/${key}/a`;
    const request = Buffer.concat([
      Buffer.from(head, "latin1"),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nConnection: close\r\n\r\n`, "latin1"),
    ]);
    expect(parseRaw(await rawExchange(request))).toEqual({ status: 200, body: { result: "OK" } });
    expect((await post("/", ["get", key])).body).toEqual({ result: "a\ufffd\ufffd" });
  });

  test("invalid UTF-8 sent percent-encoded is stored byte for byte", async () => {
    const key = uniqueKey("percent-bytes");
    expect((await call(`/set/${key}/%FF%FEa`)).body).toEqual({ result: "OK" });
    expect({
      base64: (await post("/", ["get", key], { headers: { "upstash-encoding": "base64" } })).body,
      json: (await post("/", ["get", key])).body,
      strlen: (await post("/", ["strlen", key])).body,
    }).toEqual({ base64: { result: btoa("\xff\xfea") }, json: { result: "\ufffd\ufffda" }, strlen: { result: 3 } });
  });
});

describe("request forms and headers", () => {
  test("path form with _token, a raw POST body and query arguments after it", async () => {
    const key = uniqueKey("path");
    const set = await call(`/set/${key}?_token=${server.token}&EX=100`, { method: "POST", body: '{"raw":"body"}', token: null });
    expect({ set: set.body, get: (await call(`/get/${key}`)).body, ttl: (await call(`/ttl/${key}`)).body }).toEqual({
      set: { result: "OK" },
      get: { result: '{"raw":"body"}' },
      ttl: { result: 100 },
    });
  });

  test("the sync token is on every database response and moves with each write", async () => {
    const key = uniqueKey("sync");
    const first = await post("/pipeline", [["set", key, "1"]], { headers: { "upstash-sync-token": "my-new-sync-token" } });
    const read = await post("/pipeline", [["get", key]], { headers: { "upstash-sync-token": first.syncToken! } });
    const transaction = await post("/multi-exec", [["incr", key], ["incr", key]]);
    const failed = await post("/", ["incr"]);
    expect({
      firstNumeric: /^\d+$/.test(first.syncToken!),
      readSame: read.syncToken === first.syncToken,
      transactionMoved: Number(transaction.syncToken) - Number(first.syncToken),
      failedSame: failed.syncToken === transaction.syncToken,
    }).toEqual({ firstNumeric: true, readSame: true, transactionMoved: 2, failedSame: true });
  });

  test("a CORS preflight gets a 204 without a token", async () => {
    const response = await fetch(`${server.url}/pipeline`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,upstash-encoding" },
    });
    expect({
      status: response.status,
      origin: response.headers.get("access-control-allow-origin"),
      methods: response.headers.get("access-control-allow-methods"),
      headers: response.headers.get("access-control-allow-headers"),
      expose: response.headers.get("access-control-expose-headers"),
    }).toEqual({
      status: 204,
      origin: "*",
      methods: "HEAD, GET, POST, PUT, OPTIONS",
      headers: "authorization,upstash-encoding",
      expose: "upstash-sync-token",
    });
  });

  test("health and readiness answer without a token", async () => {
    expect([await call("/healthz", { token: null }), await call("/readyz", { token: null })]).toEqual([
      { status: 200, body: { status: "ok" }, syncToken: null },
      { status: 200, body: { status: "ready" }, syncToken: null },
    ]);
  });

  test("Upstash-Response-Format: resp2 answers raw RESP2; with base64 or an unknown format it is a 400", async () => {
    const key = uniqueKey("resp2");
    await post("/", ["set", key, "bar"]);
    const resp2 = await fetch(`${server.url}/get/${key}`, { headers: { authorization: `Bearer ${server.token}`, "upstash-response-format": "resp2" } });
    const pipeline = await fetch(`${server.url}/pipeline`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "upstash-response-format": "resp2" },
      body: JSON.stringify([["get", key], ["incr", key], ["exists", key]]),
    });
    expect({
      single: [resp2.status, resp2.headers.get("content-type"), await resp2.text()],
      pipeline: [pipeline.status, await pipeline.text()],
      withBase64: await post("/", ["get", key], { headers: { "upstash-response-format": "resp2", "upstash-encoding": "base64" } }).then((a) => a.body),
      unknown: await post("/", ["get", key], { headers: { "upstash-response-format": "xml" } }).then((a) => a.body),
    }).toEqual({
      single: [200, "application/octet-stream", "$3\r\nbar\r\n"],
      pipeline: [200, "$3\r\nbar\r\n-ERR value is not an integer or out of range\r\n:1\r\n"],
      withBase64: { error: "ERR Upstash-Encoding base64 is not allowed with Upstash-Response-Format resp2" },
      unknown: { error: "ERR invalid Upstash-Response-Format header, expected json or resp2" },
    });
  });

  test("many requests on one kept-alive connection after errors", async () => {
    const key = uniqueKey("keepalive");
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push((await post("/pipeline", i % 2 === 0 ? [["incr", key]] : "not json")).status);
    expect({ answers, value: (await post("/", ["get", key])).body }).toEqual({
      answers: Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 200 : 400)),
      value: { result: "10" },
    });
  });
});
