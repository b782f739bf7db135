// Proves the fast routes (createFastRoutes) answer exactly as the Hono app does: two identical
// servers in process, one driven through app.request and one through the fast routes with the
// same requests, must give the same status, headers and body bytes — success, command errors,
// bad bodies, 401s, read-only refusals, oversize bodies, RESP2, base64, a throwing route's 500 —
// and the same access log and metrics. A durable server proves writes are answered only once
// their entry is committed.

import { afterEach, describe, expect, test } from "bun:test";
import { openDurableEngine, removeDir, temporaryDir, type DurableEngine } from "../../test/durability/support.ts";
import { Databases, type Access } from "../platform/databases.ts";
import { createCommandTable } from "../redis/commands/index.ts";
import { RecordingSink } from "../redis/engine/change-log.ts";
import { Database } from "../redis/engine/database.ts";
import { Dispatcher } from "../redis/engine/dispatcher.ts";
import { ManualClock } from "../util/clock.ts";
import { createLogger } from "../util/log.ts";
import { SeededRandom } from "../util/random.ts";
import { createApp, createFastRoutes } from "./app.ts";
import type { RawRequest, RawResponse } from "./fast-route.ts";
import { createNodeMetrics } from "./metrics.ts";

const token = "fast-routes-token-read-write";
const readOnlyToken = "fast-routes-token-read-only";
const maxRequestBytes = 1024;
const GENERATED_ID = /^[0-9a-f]{8}-[0-9a-z]+$/;

/** A server wired as src/node.ts wires one, answering through Hono or through its fast routes. */
function createServer(
  database = new Database("default", new ManualClock(), new SeededRandom(1), new RecordingSink()),
  options: { authenticate?: (token: string) => Access | undefined } = {},
) {
  const databases = new Databases();
  databases.add(database, { token, readOnlyToken });
  const dispatcher = new Dispatcher(createCommandTable());
  const metrics = createNodeMetrics({ databases: () => databases.all(), clock: database.clock });
  const lines: string[] = [];
  const deps = {
    redis: { dispatcher, authenticate: options.authenticate ?? ((t: string) => databases.authenticate(t)), maxRequestBytes },
    isReady: () => true,
    log: createLogger({ journald: false, write: (line) => lines.push(line) }),
    metrics,
  };
  const requests = () => lines.map((line) => JSON.parse(line)).filter((event) => event.event === "request");
  return { database, app: createApp(deps), fast: createFastRoutes(deps), lines, requests, metrics };
}

interface TestRequest {
  target: string;
  headers?: Record<string, string>;
  body: string;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function throughHono(server: ReturnType<typeof createServer>, request: TestRequest): Promise<Answer> {
  const response = await server.app.request(request.target, { method: "POST", headers: request.headers, body: request.body });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()).toString("latin1") };
}

/** A RawRequest as the front end makes it, from a head and the body's bytes. */
function withBody(head: Omit<RawRequest, "body" | "bodyText">, body: Uint8Array): RawRequest {
  return { ...head, body, bodyText: () => new TextDecoder().decode(body) };
}

/** What the HTTP/1.1 front end does: route by method and path, read at most maxBodyBytes. */
async function throughFastRoute(server: ReturnType<typeof createServer>, request: TestRequest): Promise<Answer> {
  const query = request.target.indexOf("?");
  const path = query === -1 ? request.target : request.target.slice(0, query);
  const route = server.fast("POST", path);
  if (route === undefined) throw new Error(`no fast route for ${path}`);
  const headers = new Map(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const body = new TextEncoder().encode(request.body);
  const head = { method: "POST", path, target: request.target, header: (name: string) => headers.get(name) };
  const response: RawResponse = body.byteLength > route.maxBodyBytes ? route.tooLarge(withBody(head, new Uint8Array(0))) : await route.handle(withBody(head, body));
  const text = typeof response.body === "string" ? response.body : Buffer.from(response.body).toString("latin1");
  // The front end sends a string UTF-8 encoded; compare bytes as Hono's Response holds them.
  return { status: response.status, headers: headersOf(response.headerLines), body: typeof response.body === "string" ? Buffer.from(text).toString("latin1") : text };
}

/** Header lines back into names and values, as Hono's Response holds them. */
function headersOf(lines: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines.split("\r\n").filter((line) => line !== "")) {
    const colon = line.indexOf(": ");
    headers[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return headers;
}

const auth = { authorization: `Bearer ${token}` };
const readOnlyAuth = { authorization: `Bearer ${readOnlyToken}` };
const json = (value: unknown) => JSON.stringify(value);

// Each case runs in order on both servers, so state (and sync tokens) evolve alike.
const cases: [string, TestRequest][] = [
  ["one command", { target: "/", headers: auth, body: json(["SET", "k", "v"]) }],
  ["a read", { target: "/", headers: auth, body: json(["GET", "k"]) }],
  ["a failing command", { target: "/", headers: auth, body: json(["INCR", "k"]) }],
  ["an unknown command", { target: "/", headers: auth, body: json(["NOSUCH", "k"]) }],
  ["a pipeline with a failing entry", { target: "/pipeline", headers: auth, body: json([["SET", "a", "1"], ["INCR", "k"], ["GET", "a"], ["SET", "a", null]]) }],
  ["a transaction", { target: "/multi-exec", headers: auth, body: json([["INCR", "a"], ["GET", "a"]]) }],
  ["a transaction with a bad command", { target: "/multi-exec", headers: auth, body: json([["INCR", "a"], ["SET", "a"]]) }],
  ["a body that is not JSON", { target: "/pipeline", headers: auth, body: "[[set" }],
  ["an empty body", { target: "/", headers: auth, body: "" }],
  ["an empty pipeline", { target: "/pipeline", headers: auth, body: "[]" }],
  ["a transaction that is not an array", { target: "/multi-exec", headers: auth, body: "{}" }],
  ["no credential", { target: "/", body: json(["SET", "k", "x"]) }],
  ["a wrong token", { target: "/pipeline", headers: { authorization: "Bearer not-the-token" }, body: json([["SET", "k", "x"]]) }],
  ["a Basic credential", { target: "/multi-exec", headers: { authorization: `Basic ${token}` }, body: json([["SET", "k", "x"]]) }],
  ["the token in the query", { target: `/pipeline?_token=${token}`, body: json([["GET", "k"]]) }],
  ["a wrong token in the query", { target: "/?_token=wrong", body: json(["GET", "k"]) }],
  ["bearer in lower case", { target: "/", headers: { authorization: `bearer ${token}` }, body: json(["GET", "k"]) }],
  ["a read-only read", { target: "/", headers: readOnlyAuth, body: json(["GET", "k"]) }],
  ["a read-only write", { target: "/", headers: readOnlyAuth, body: json(["SET", "k", "w"]) }],
  ["a read-only pipeline", { target: "/pipeline", headers: readOnlyAuth, body: json([["GET", "k"], ["DEL", "k"]]) }],
  ["a read-only transaction", { target: "/multi-exec", headers: readOnlyAuth, body: json([["GET", "k"], ["DEL", "k"]]) }],
  ["a body over the limit", { target: "/", headers: auth, body: json(["SET", "big", "x".repeat(maxRequestBytes)]) }],
  ["a pipeline over the limit", { target: "/pipeline", headers: auth, body: json([["SET", "big", "x".repeat(maxRequestBytes)]]) }],
  ["a body over the limit without a token", { target: "/multi-exec", body: json([["SET", "big", "x".repeat(maxRequestBytes)]]) }],
  ["a body over the limit with a bad format", { target: "/", headers: { ...auth, "upstash-response-format": "xml" }, body: "x".repeat(maxRequestBytes + 1) }],
  ["a body exactly at the limit", { target: "/", headers: auth, body: json(["SET", "k", "y".repeat(maxRequestBytes - 14)]) }],
  ["RESP2", { target: "/", headers: { ...auth, "upstash-response-format": "resp2" }, body: json(["GET", "a"]) }],
  ["a RESP2 error", { target: "/", headers: { ...auth, "upstash-response-format": "RESP2" }, body: json(["INCR", "k"]) }],
  ["a RESP2 pipeline", { target: "/pipeline", headers: { ...auth, "upstash-response-format": "resp2" }, body: json([["SET", "b", "\u00e9\u0000"], ["GET", "b"], ["NOSUCH"]]) }],
  ["RESP2 with base64", { target: "/", headers: { ...auth, "upstash-response-format": "resp2", "upstash-encoding": "base64" }, body: json(["GET", "a"]) }],
  ["an unknown format", { target: "/pipeline", headers: { ...auth, "upstash-response-format": "xml" }, body: json([["GET", "a"]]) }],
  ["a transaction asking for RESP2", { target: "/multi-exec", headers: { ...auth, "upstash-response-format": "resp2" }, body: json([["GET", "a"]]) }],
  ["base64", { target: "/", headers: { ...auth, "upstash-encoding": "base64" }, body: json(["GET", "b"]) }],
  ["a base64 pipeline", { target: "/pipeline", headers: { ...auth, "upstash-encoding": "BASE64" }, body: json([["SET", "c", "OK"], ["GET", "c"], ["INCR", "c"]]) }],
  ["a base64 transaction", { target: "/multi-exec", headers: { ...auth, "upstash-encoding": "base64" }, body: json([["GET", "b"], ["SET", "c", "x"]]) }],
  ["a non-ASCII value", { target: "/", headers: auth, body: json(["SET", "d", "é€\u{1F600}"]) }],
  ["reading it back", { target: "/pipeline", headers: auth, body: json([["GET", "d"], ["STRLEN", "d"]]) }],
  ["a long ASCII pipeline with escapes", { target: "/pipeline", headers: auth, body: json([["SET", "e", `q"uote\\back\n${"x".repeat(300)}`], ["GET", "e"], ["STRLEN", "e"]]) }],
  ["a long pipeline naming characters by \\u escape", { target: "/pipeline", headers: auth, body: `[["SET","f","${"x".repeat(300)}\\u00e9\\ud83d\\ude00"],["GET","f"],["STRLEN","f"]]` }],
  ["a long transaction naming characters by \\u escape", { target: "/multi-exec", headers: auth, body: `[["SET","f","${"y".repeat(300)}\\u20ac"],["STRLEN","f"]]` }],
  ["a long command in raw UTF-8", { target: "/", headers: auth, body: json(["SET", "g", "é€".repeat(100)]) }],
  ["its length in bytes", { target: "/", headers: auth, body: json(["STRLEN", "g"]) }],
  ["an incoming request id", { target: "/", headers: { ...auth, "x-request-id": "req-abc.123" }, body: json(["PING"]) }],
  ["fly's request id", { target: "/", headers: { ...auth, "fly-request-id": "01HZY-fly-iad" }, body: json(["PING"]) }],
  ["a malformed request id", { target: "/", headers: { ...auth, "x-request-id": "has spaces" }, body: json(["PING"]) }],
];

describe("fast routes answer as the Hono app does", () => {
  const hono = createServer();
  const fast = createServer();
  for (const [label, request] of cases) {
    test(label, async () => {
      const expected = await throughHono(hono, request);
      const actual = await throughFastRoute(fast, request);
      const generatedId = (answer: Answer) => GENERATED_ID.test(answer.headers["x-request-id"] ?? "");
      // Ids made up by each server differ by their random prefix; an incoming one is echoed by both.
      if (generatedId(expected)) {
        expect(generatedId(actual)).toBe(true);
        actual.headers["x-request-id"] = expected.headers["x-request-id"]!;
      }
      expect(actual).toEqual(expected);
    });
  }

  test("and leave the same access log lines and request metrics", () => {
    const fields = (server: ReturnType<typeof createServer>) => server.requests().map(({ id, durationMs, ...rest }) => ({ ...rest, hasId: id !== "" }));
    expect(fields(fast)).toEqual(fields(hono));
    expect(fast.requests().map((event) => Object.keys(event).sort())).toEqual(hono.requests().map((event) => Object.keys(event).sort()));
    const samples = (server: ReturnType<typeof createServer>) => server.metrics.registry.expose().split("\n").filter((line) => line.startsWith("downstash_http_requests_total"));
    expect(samples(fast)).toEqual(samples(hono));
    expect(samples(fast).length).toBeGreaterThan(2);
  });

  test("and leave the same keyspace and sync token", () => {
    expect(fast.database.lsn).toBe(hono.database.lsn);
    expect([...fast.database.keyspace.keys()].sort()).toEqual([...hono.database.keyspace.keys()].sort());
  });
});

describe("failures", () => {
  test("a route that throws answers the JSON 500 of onError and logs request_failed, on both ways in", async () => {
    const broken = () => {
      throw new Error("token store unavailable");
    };
    const hono = createServer(undefined, { authenticate: broken });
    const fast = createServer(undefined, { authenticate: broken });
    const request = { target: "/pipeline", headers: { ...auth, "x-request-id": "req-1" }, body: json([["GET", "k"]]) };
    const expected = await throughHono(hono, request);
    expect(expected.status).toBe(500);
    expect(await throughFastRoute(fast, request)).toEqual(expected);
    const events = (server: ReturnType<typeof createServer>) => server.lines.map((line) => JSON.parse(line)).map(({ event, status }) => ({ event, status }));
    expect(events(fast)).toEqual([{ event: "request_failed", status: undefined }, { event: "request", status: 500 }]);
    expect(events(fast)).toEqual(events(hono));
  });
});

describe("fast route table", () => {
  test("only POST /, /pipeline and /multi-exec are fast; everything else goes to the Hono app", () => {
    const { fast } = createServer();
    expect(["/", "/pipeline", "/multi-exec"].map((path) => fast("POST", path)?.maxBodyBytes)).toEqual([maxRequestBytes, maxRequestBytes, maxRequestBytes]);
    const others: [string, string][] = [
      ["GET", "/"],
      ["PUT", "/pipeline"],
      ["OPTIONS", "/"],
      ["HEAD", "/"],
      ["post", "/"],
      ["POST", "/pipeline/"],
      ["POST", "/set/k/v"],
      ["POST", "/healthz"],
      ["POST", "/v2/publish/x"],
      ["POST", "/produce/t/v"],
    ];
    for (const [method, path] of others) expect(fast(method, path)).toBeUndefined();
  });
});

describe("durable writes", () => {
  const dirs: string[] = [];
  const engines: DurableEngine[] = [];
  afterEach(() => {
    for (const engine of engines.splice(0)) engine.close();
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  test("a write through a fast route is answered only once its change-log entry is committed", async () => {
    const dir = temporaryDir();
    dirs.push(dir);
    const engine = openDurableEngine(dir);
    engines.push(engine);
    const { fast } = createServer(engine.database);
    const route = fast("POST", "/pipeline")!;
    const body = new TextEncoder().encode(json([["SET", "k", "v"], ["GET", "k"]]));
    const answer = route.handle(withBody({ method: "POST", path: "/pipeline", target: "/pipeline", header: (name) => (name === "authorization" ? auth.authorization : undefined) }, body));
    expect(answer).toBeInstanceOf(Promise);
    expect(engine.persistence.store.pendingCount).toBe(1);
    const response = await answer;
    expect(engine.persistence.store.pendingCount).toBe(0);
    expect(engine.persistence.store.lastLsn()).toBe(1);
    expect({ status: response.status, body: response.body, syncToken: headersOf(response.headerLines)["upstash-sync-token"] }).toEqual({
      status: 200,
      body: '[{"result":"OK"},{"result":"v"}]',
      syncToken: "1",
    });
  });

  test("a read with nothing pending is answered synchronously", () => {
    const dir = temporaryDir();
    dirs.push(dir);
    const engine = openDurableEngine(dir);
    engines.push(engine);
    const { fast } = createServer(engine.database);
    const body = new TextEncoder().encode(json(["GET", "k"]));
    const answer = fast("POST", "/")!.handle(withBody({ method: "POST", path: "/", target: "/", header: (name) => (name === "authorization" ? auth.authorization : undefined) }, body));
    expect(answer).not.toBeInstanceOf(Promise);
    expect((answer as RawResponse).body).toBe('{"result":null}');
  });
});
