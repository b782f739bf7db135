// Proves the REST surface of spec/redis-rest.md §1–§5 in process (Hono's app.request, no socket):
// every endpoint and request form, auth, envelopes, sync token, CORS, RESP2, and that each kind
// of bad input gets its status and JSON error while the keyspace and the journal stay untouched.
// The last block calls the transport-free endpoints directly, as the fast routes do.

import { describe, expect, test } from "bun:test";
import { createTestEngine, TickingClock } from "../../test/harness/engine.ts";
import { Databases } from "../platform/databases.ts";
import { createApp } from "../server/app.ts";
import { ManualClock } from "../util/clock.ts";
import { silentLogger } from "../util/log.ts";
import { SeededRandom } from "../util/random.ts";
import { createCommandTable } from "./commands/index.ts";
import { RecordingSink } from "./engine/change-log.ts";
import { Database } from "./engine/database.ts";
import { Dispatcher } from "./engine/dispatcher.ts";
import { errors } from "./engine/errors.ts";
import { createRestEndpoints, type RestAnswer } from "./rest.ts";
import { configureScripting } from "./scripting/runner.ts";

const token = "rest-test-token-read-write";
const readOnlyToken = "rest-test-token-read-only";
const maxRequestBytes = 4096;

/** An app wired the way src/node.ts wires it, on a manual clock with a recorded journal. */
function createTestApp(options: { ready?: boolean; clock?: ManualClock } = {}) {
  const clock = options.clock ?? new ManualClock();
  const journal = new RecordingSink();
  const database = new Database("default", clock, new SeededRandom(1), journal);
  const databases = new Databases();
  databases.add(database, { token, readOnlyToken });
  const app = createApp({
    redis: { dispatcher: new Dispatcher(createCommandTable()), authenticate: (t) => databases.authenticate(t), maxRequestBytes },
    isReady: () => options.ready ?? true,
    log: silentLogger,
  });
  const request = (path: string, init: RequestInit & { auth?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const auth = init.auth === undefined ? token : init.auth;
    if (auth !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${auth}`);
    return app.request(path, { ...init, headers });
  };
  /** POSTs a JSON body (a string is sent as is) and returns status, parsed body and sync token. */
  const post = async (path: string, body: unknown, init: RequestInit & { auth?: string | null } = {}) => {
    const response = await request(path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), ...init });
    return { status: response.status, body: await response.json(), syncToken: response.headers.get("upstash-sync-token") };
  };
  const get = async (path: string, init: RequestInit & { auth?: string | null } = {}) => {
    const response = await request(path, init);
    return { status: response.status, body: await response.json(), syncToken: response.headers.get("upstash-sync-token") };
  };
  return { app, clock, journal, database, request, post, get };
}

type TestApp = ReturnType<typeof createTestApp>;

/** The journal with command names uppercased: how a command spells its propagated name is its own business. */
function journaled(t: TestApp): string[][] {
  return t.journal.argvs().map(([name, ...args]) => [name!.toUpperCase(), ...args]);
}

/** The value at key, read back over REST (base64: the exact bytes, as the SDK reads them). */
async function valueOf(t: TestApp, key: string, encoding: "json" | "base64" = "json"): Promise<unknown> {
  const { body } = await t.post("/", ["get", key], { headers: encoding === "base64" ? { "upstash-encoding": "base64" } : {} });
  return (body as { result: unknown }).result;
}

describe("POST / (one command)", () => {
  test("runs the command and answers {result}, nil included", async () => {
    const t = createTestApp();
    expect(await t.post("/", ["SET", "k", "v"])).toEqual({ status: 200, body: { result: "OK" }, syncToken: "1" });
    expect(await t.post("/", ["get", "k"])).toEqual({ status: 200, body: { result: "v" }, syncToken: "1" });
    expect(await t.post("/", ["get", "missing"])).toEqual({ status: 200, body: { result: null }, syncToken: "1" });
  });

  test("JSON numbers and booleans are stored as their text, strings as UTF-8 bytes", async () => {
    const t = createTestApp();
    await t.post("/", ["set", "n", 10]);
    await t.post("/", ["set", "f", 1.5]);
    await t.post("/", ["set", "b", false]);
    await t.post("/", ["set", "u", "é€"]);
    expect(journaled(t)).toEqual([
      ["SET", "n", "10"],
      ["SET", "f", "1.5"],
      ["SET", "b", "false"],
      ["SET", "u", "\xc3\xa9\xe2\x82\xac"],
    ]);
    expect((await t.post("/", ["get", "u"])).body).toEqual({ result: "é€" });
    expect((await t.post("/", ["get", "b"])).body).toEqual({ result: "false" });
  });

  test("a failing command is a 400 with the Redis error text", async () => {
    const t = createTestApp();
    expect(await t.post("/", ["set", "k", "v", "EX", "0"])).toEqual({
      status: 400,
      body: { error: "ERR invalid expire time in 'set' command" },
      syncToken: "0",
    });
  });

  test("command names are case-insensitive", async () => {
    const t = createTestApp();
    expect((await t.post("/", ["sEt", "k", "v", "nX"])).body).toEqual({ result: "OK" });
  });
});

describe("bad input", () => {
  // Each case: the request, then the status and error it must get. After all of them the key
  // still holds its value, the journal is empty, and the server still answers.
  const cases: [string, string, unknown, number, string][] = [
    ["body not JSON", "/", "[set, k, x]", 400, "ERR failed to parse request body: invalid JSON"],
    ["empty body", "/", "", 400, "ERR failed to parse request body: invalid JSON"],
    ["body not an array", "/", { command: "set" }, 400, "ERR failed to parse command: the body must be a JSON array of arguments"],
    ["body a bare string", "/", "\"set\"", 400, "ERR failed to parse command: the body must be a JSON array of arguments"],
    ["empty array", "/", [], 400, "ERR empty command"],
    ["nested object argument", "/", ["set", "k", { a: 1 }], 400, "ERR nested arrays and objects are not valid command arguments"],
    ["nested array argument", "/", ["set", "k", ["x"]], 400, "ERR nested arrays and objects are not valid command arguments"],
    ["number beyond 2^53", "/", '["set","k",12345678901234567890]', 400, "ERR numeric argument beyond 2^53 is not exact; send it as a string"],
    ["null argument", "/", ["set", "k", null], 400, "ERR null is not a valid command argument"],
    ["null command name", "/", [null, "k"], 400, "ERR null is not a valid command argument"],
    ["unknown command", "/", ["sett", "k", "x"], 400, "ERR unknown command 'sett', with args beginning with: 'k' 'x' "],
    ["wrong arity", "/", ["set", "k"], 400, "ERR wrong number of arguments for 'set' command"],
    ["pipeline not an array", "/pipeline", { a: 1 }, 400, "ERR failed to parse pipeline request: the body must be a JSON array of commands"],
    ["pipeline of scalars", "/pipeline", ["set", "k", "x"], 400, "ERR failed to parse pipeline request: the body must be a JSON array of commands"],
    ["empty pipeline", "/pipeline", [], 400, "ERR empty pipeline request"],
    ["pipeline not JSON", "/pipeline", "[[", 400, "ERR failed to parse request body: invalid JSON"],
    ["transaction not an array", "/multi-exec", "{}", 400, "ERR failed to parse pipeline request: the body must be a JSON array of commands"],
    ["empty transaction", "/multi-exec", [], 400, "ERR empty pipeline request"],
    ["transaction with a null argument", "/multi-exec", [["set", "k", "x"], ["set", "k", null]], 400, "ERR null is not a valid command argument"],
  ];
  for (const [label, path, body, status, error] of cases) {
    test(`${label}: ${status} and nothing changes`, async () => {
      const t = createTestApp();
      await t.post("/", ["set", "k", "before"]);
      const lsnBefore = t.database.lsn;
      const response = await t.post(path, body);
      expect(response).toEqual({ status, body: { error }, syncToken: String(lsnBefore) });
      expect(t.database.lsn).toBe(lsnBefore);
      expect(await valueOf(t, "k")).toBe("before");
    });
  }

  test("a body over the limit by Content-Length is refused before it is read", async () => {
    const t = createTestApp();
    const value = "x".repeat(maxRequestBytes);
    const body = JSON.stringify(["set", "k", value]);
    const response = await t.request("/", { method: "POST", body, headers: { "content-length": String(body.length) } });
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 400, body: { error: "ERR max request size exceeded" } });
    expect(journaled(t)).toEqual([]);
    expect(await valueOf(t, "k")).toBeNull();
  });

  test("a chunked body over the limit is cut off as it streams in", async () => {
    const t = createTestApp();
    let chunksPulled = 0;
    const chunk = new TextEncoder().encode("x".repeat(1024));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('["set","k","'));
      },
      pull(controller) {
        // An endless value: the server must stop reading, not wait for the end.
        chunksPulled++;
        controller.enqueue(chunk);
      },
    });
    const response = await t.request("/pipeline", { method: "POST", body, duplex: "half" } as RequestInit);
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 400, body: { error: "ERR max request size exceeded" } });
    expect(chunksPulled).toBeLessThan(10);
    expect(journaled(t)).toEqual([]);
  });

  test("a chunked body within the limit is read whole", async () => {
    const t = createTestApp();
    const parts = ['[["set","k",', '"chunked"]]'];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift();
        if (part === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(part));
      },
    });
    const response = await t.request("/pipeline", { method: "POST", body, duplex: "half" } as RequestInit);
    expect(await response.json()).toEqual([{ result: "OK" }]);
    expect(await valueOf(t, "k")).toBe("chunked");
  });

  test("the path form refuses a body over the limit too", async () => {
    const t = createTestApp();
    const body = "x".repeat(maxRequestBytes + 1);
    const response = await t.request("/set/k", { method: "POST", body, headers: { "content-length": String(body.length) } });
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 400, body: { error: "ERR max request size exceeded" } });
    expect(journaled(t)).toEqual([]);
  });

  test("a body exactly at the limit is accepted", async () => {
    const t = createTestApp();
    const body = "y".repeat(maxRequestBytes);
    const response = await t.request("/set/k", { method: "POST", body, headers: { "content-length": String(body.length) } });
    expect(response.status).toBe(200);
    expect(journaled(t)).toEqual([["SET", "k", body]]);
  });
});

describe("authentication", () => {
  test("Bearer with any case of the scheme, or ?_token=, opens the database", async () => {
    const t = createTestApp();
    expect((await t.post("/", ["set", "k", "1"], { auth: null, headers: { authorization: `bearer ${token}` } })).status).toBe(200);
    expect((await t.post(`/?_token=${token}`, ["get", "k"], { auth: null })).body).toEqual({ result: "1" });
    expect((await t.get(`/get/k?_token=${token}`, { auth: null })).body).toEqual({ result: "1" });
  });

  test("a missing, wrong or non-Bearer credential is a JSON 401 and runs nothing", async () => {
    const t = createTestApp();
    const unauthorized = { status: 401, body: { error: "WRONGPASS invalid or missing auth token" }, syncToken: null };
    expect(await t.post("/", ["set", "k", "1"], { auth: null })).toEqual(unauthorized);
    expect(await t.post("/", ["set", "k", "1"], { auth: "not-the-token-at-all" })).toEqual(unauthorized);
    expect(await t.post("/pipeline", [["set", "k", "1"]], { auth: null, headers: { authorization: `Basic ${token}` } })).toEqual(unauthorized);
    expect(await t.post("/pipeline", [["set", "k", "1"]], { auth: null, headers: { authorization: "Bearer " } })).toEqual(unauthorized);
    expect(await t.get("/set/k/1?_token=wrong-token-wrong-token", { auth: null })).toEqual(unauthorized);
    expect(journaled(t)).toEqual([]);
  });

  test("the read-only token reads but every write is NOPERM, alone, in a pipeline and in a transaction", async () => {
    const t = createTestApp();
    await t.post("/", ["set", "k", "v"]);
    const nopermSet = "NOPERM this user has no permissions to run the 'set' command or its subcommand";
    expect(await t.post("/", ["get", "k"], { auth: readOnlyToken })).toEqual({ status: 200, body: { result: "v" }, syncToken: "1" });
    expect(await t.post("/", ["set", "k", "w"], { auth: readOnlyToken })).toEqual({ status: 400, body: { error: nopermSet }, syncToken: "1" });
    expect((await t.get("/del/k", { auth: readOnlyToken })).body).toEqual({
      error: "NOPERM this user has no permissions to run the 'del' command or its subcommand",
    });
    expect((await t.post("/pipeline", [["get", "k"], ["set", "k", "w"], ["exists", "k"]], { auth: readOnlyToken })).body).toEqual([
      { result: "v" },
      { error: nopermSet },
      { result: 1 },
    ]);
    expect(await t.post("/multi-exec", [["get", "k"], ["set", "k", "w"]], { auth: readOnlyToken })).toEqual({
      status: 400,
      body: { error: nopermSet },
      syncToken: "1",
    });
    expect(journaled(t)).toEqual([["SET", "k", "v"]]);
  });

  test("the read-only token may not run SCAN or KEYS, which Upstash restricts", async () => {
    const t = createTestApp();
    expect((await t.post("/pipeline", [["scan", "0"], ["keys", "*"], ["dbsize"]], { auth: readOnlyToken })).body).toEqual([
      { error: "NOPERM this user has no permissions to run the 'scan' command or its subcommand" },
      { error: "NOPERM this user has no permissions to run the 'keys' command or its subcommand" },
      { result: 0 },
    ]);
  });

  test("health and readiness need no token", async () => {
    expect(await createTestApp().get("/healthz", { auth: null })).toEqual({ status: 200, body: { status: "ok" }, syncToken: null });
    expect(await createTestApp().get("/readyz", { auth: null })).toEqual({ status: 200, body: { status: "ready" }, syncToken: null });
    expect(await createTestApp({ ready: false }).get("/readyz", { auth: null })).toEqual({
      status: 503,
      body: { status: "loading" },
      syncToken: null,
    });
  });
});

describe("POST /pipeline", () => {
  test("each entry journals its own effect: neither a propagated form nor a change count carries over", async () => {
    const t = createTestApp();
    const nowMs = t.clock.nowMs();
    await t.post("/pipeline", [
      ["set", "a", "1", "EX", "100"],
      ["set", "b", "2"],
      ["incr", "b", "extra"],
      ["get", "a"],
      ["set", "c", "3"],
    ]);
    expect(journaled(t)).toEqual([
      ["SET", "a", "1", "PXAT", String(nowMs + 100_000)],
      ["SET", "b", "2"],
      ["SET", "c", "3"],
    ]);
  });

  test("runs every entry in order; a failing entry fails alone and the request is still 200", async () => {
    const t = createTestApp();
    const response = await t.post("/pipeline", [
      ["set", "a", "1"],
      ["set", "a"],
      ["nosuch"],
      ["set", "b", { x: 1 }],
      [],
      ["set", "b", "2", "NX"],
      ["get", "a"],
      ["get", "b"],
    ]);
    expect(response).toEqual({
      status: 200,
      body: [
        { result: "OK" },
        { error: "ERR wrong number of arguments for 'set' command" },
        { error: "ERR unknown command 'nosuch', with args beginning with: " },
        { error: "ERR nested arrays and objects are not valid command arguments" },
        { error: "ERR empty command" },
        { result: "OK" },
        { result: "1" },
        { result: "2" },
      ],
      syncToken: "2",
    });
  });

  test("entries have exactly one key: result (even for nil) or error", async () => {
    const t = createTestApp();
    const response = await t.request("/pipeline", { method: "POST", body: JSON.stringify([["get", "none"], ["get"]]) });
    expect(await response.text()).toBe('[{"result":null},{"error":"ERR wrong number of arguments for \'get\' command"}]');
  });

  test("base64 applies to each entry's result, never to errors", async () => {
    const t = createTestApp();
    const response = await t.post("/pipeline", [["set", "k", "v"], ["get", "k"], ["ping"], ["echo", "OK"], ["get"]], {
      headers: { "upstash-encoding": "base64" },
    });
    expect(response.body).toEqual([
      { result: "OK" },
      { result: "dg==" },
      { result: "UE9ORw==" },
      { result: "T0s=" },
      { error: "ERR wrong number of arguments for 'get' command" },
    ]);
  });
});

describe("POST /multi-exec", () => {
  test("keys expire by the transaction's start time until it ends, as in Redis", async () => {
    const clock = new TickingClock();
    const t = createTestApp({ clock });
    const exists = Array.from({ length: 10 }, () => ["exists", "k"]);
    const response = await t.post("/multi-exec", [["set", "k", "v", "px", "3"], ...exists]);
    expect(response.body).toEqual([{ result: "OK" }, ...exists.map(() => ({ result: 1 }))]);
    clock.advance(3);
    expect((await t.post("/", ["exists", "k"])).body).toEqual({ result: 0 });
  });

  test("runs all commands as one unit and answers per entry", async () => {
    const t = createTestApp();
    const response = await t.post("/multi-exec", [
      ["set", "a", "1"],
      ["get", "a"],
      ["set", "b", "2"],
    ]);
    expect(response).toEqual({ status: 200, body: [{ result: "OK" }, { result: "1" }, { result: "OK" }], syncToken: "2" });
    expect(journaled(t)).toEqual([
      ["SET", "a", "1"],
      ["SET", "b", "2"],
    ]);
  });

  test("a runtime error fails only its entry; the commands around it still run", async () => {
    const t = createTestApp();
    const response = await t.post("/multi-exec", [
      ["set", "a", "1"],
      ["set", "a", "2", "EX", "-5"],
      ["set", "b", "2"],
    ]);
    expect(response.body).toEqual([{ result: "OK" }, { error: "ERR invalid expire time in 'set' command" }, { result: "OK" }]);
    expect(journaled(t)).toEqual([
      ["SET", "a", "1"],
      ["SET", "b", "2"],
    ]);
  });

  for (const [label, bad, error] of [
    ["an unknown command", ["nosuch", "x"], "ERR unknown command 'nosuch', with args beginning with: 'x' "],
    ["a wrong arity", ["get"], "ERR wrong number of arguments for 'get' command"],
    ["a nested argument", ["set", "c", ["x"]], "ERR nested arrays and objects are not valid command arguments"],
    ["an empty command", [], "ERR empty command"],
  ] as const) {
    test(`${label} anywhere discards the whole transaction before anything runs`, async () => {
      const t = createTestApp();
      const response = await t.post("/multi-exec", [["set", "a", "1"], ["set", "b", "2"], bad]);
      expect(response).toEqual({ status: 400, body: { error }, syncToken: "0" });
      expect(journaled(t)).toEqual([]);
      expect(await valueOf(t, "a")).toBeNull();
    });
  }

  test("answers JSON even when RESP2 is asked for, and honours base64", async () => {
    const t = createTestApp();
    const response = await t.request("/multi-exec", {
      method: "POST",
      body: JSON.stringify([["set", "a", "1"], ["get", "a"]]),
      headers: { "upstash-response-format": "resp2", "upstash-encoding": "base64" },
    });
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual([{ result: "OK" }, { result: "MQ==" }]);
  });
});

describe("path form", () => {
  test("GET /cmd/arg/... runs the command; names and options in any case", async () => {
    const t = createTestApp();
    expect(await t.get("/set/foo/bar")).toEqual({ status: 200, body: { result: "OK" }, syncToken: "1" });
    expect(await t.get("/GET/foo")).toEqual({ status: 200, body: { result: "bar" }, syncToken: "1" });
    expect((await t.get("/set/foo/baz/nx")).body).toEqual({ result: null });
  });

  test("POST and PUT append the raw body, byte for byte, as the last argument", async () => {
    const t = createTestApp();
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0x00, 0x0a]);
    expect((await t.request("/set/raw", { method: "POST", body: bytes })).status).toBe(200);
    expect((await t.request("/set/json", { method: "PUT", body: '{"a":1}' })).status).toBe(200);
    expect(journaled(t)).toEqual([
      ["SET", "raw", '{"\xff\x00\n'],
      ["SET", "json", '{"a":1}'],
    ]);
  });

  test("query pairs come after the body as two arguments each; _token is not one of them", async () => {
    const t = createTestApp();
    const response = await t.request(`/set/k?_token=${token}&EX=100`, { method: "POST", body: "value", auth: null });
    expect(response.status).toBe(200);
    expect(journaled(t)).toEqual([["SET", "k", "value", "PXAT", String(t.clock.nowMs() + 100_000)]]);
    t.clock.advance(99_999);
    expect(await valueOf(t, "k")).toBe("value");
    t.clock.advance(2);
    expect(await valueOf(t, "k")).toBeNull();
  });

  test("a bare query key is one argument", async () => {
    const t = createTestApp();
    await t.get("/set/k/v");
    expect((await t.get("/set/k/w?NX")).body).toEqual({ result: null });
    expect((await t.get("/set/k/w?XX&GET")).body).toEqual({ result: "v" });
  });

  test("segments are percent-decoded to bytes, whether or not they are UTF-8", async () => {
    const t = createTestApp();
    await t.get("/set/a%20b/%E2%82%AC%2F");
    await t.get("/set/bin/%FF%00%fe");
    expect(journaled(t)).toEqual([
      ["SET", "a b", "\xe2\x82\xac/"],
      ["SET", "bin", "\xff\x00\xfe"],
    ]);
    expect(await valueOf(t, "bin", "base64")).toBe(btoa("\xff\x00\xfe"));
    // Without base64 the invalid UTF-8 comes back as U+FFFD, as Upstash documents.
    expect(await valueOf(t, "bin")).toBe("\ufffd\u0000\ufffd");
  });

  test("`+` is literal in the path and a space in the query (form encoding)", async () => {
    const t = createTestApp();
    expect((await t.get("/echo/a+b")).body).toEqual({ result: "a+b" });
    expect((await t.get("/echo?a+b%2B")).body).toEqual({ result: "a b+" });
  });

  test("text outside ASCII in the URL arrives as its UTF-8 bytes", async () => {
    const t = createTestApp();
    await t.get("/set/clé/ü");
    expect(journaled(t)).toEqual([["SET", "cl\xc3\xa9", "\xc3\xbc"]]);
  });

  for (const path of ["/set/k/%zz", "/set/k/%4", "/set/k/a%", "/set/k%G1/v", "/set/k/v?EX=%1"]) {
    test(`malformed percent-escape ${path} is a 400 and runs nothing`, async () => {
      const t = createTestApp();
      expect(await t.get(path)).toEqual({ status: 400, body: { error: "ERR invalid percent-encoding in request path" }, syncToken: "0" });
      expect(journaled(t)).toEqual([]);
    });
  }

  test("one trailing slash is ignored, an empty inner segment is an empty argument", async () => {
    const t = createTestApp();
    await t.get("/set/k/v/");
    await t.get("/set/e//");
    expect(journaled(t)).toEqual([
      ["SET", "k", "v"],
      ["SET", "e", ""],
    ]);
  });

  test("GET / names no command", async () => {
    const t = createTestApp();
    expect(await t.get("/")).toEqual({ status: 400, body: { error: "ERR empty command" }, syncToken: "0" });
  });

  test("a failing command is a 400 with its error", async () => {
    const t = createTestApp();
    expect(await t.get("/get")).toEqual({ status: 400, body: { error: "ERR wrong number of arguments for 'get' command" }, syncToken: "0" });
  });

  test("HEAD runs like GET and answers without a body", async () => {
    const t = createTestApp();
    await t.get("/set/k/v");
    const response = await t.request("/get/k", { method: "HEAD" });
    expect({ status: response.status, body: await response.text(), syncToken: response.headers.get("upstash-sync-token") }).toEqual({
      status: 200,
      body: "",
      syncToken: "1",
    });
  });
});

describe("upstash-sync-token", () => {
  test("moves after every write, alone, in a pipeline and in a transaction, and not after reads", async () => {
    const t = createTestApp();
    const tokens: (string | null)[] = [];
    tokens.push((await t.post("/", ["get", "k"])).syncToken);
    tokens.push((await t.post("/", ["set", "k", "1"])).syncToken);
    tokens.push((await t.post("/pipeline", [["get", "k"]])).syncToken);
    tokens.push((await t.post("/pipeline", [["set", "k", "2"], ["set", "j", "3"]])).syncToken);
    tokens.push((await t.post("/multi-exec", [["set", "k", "4"]])).syncToken);
    tokens.push((await t.get("/set/k/5")).syncToken);
    expect(tokens).toEqual(["0", "1", "1", "3", "4", "5"]);
  });

  test("any value the client sends is accepted", async () => {
    const t = createTestApp();
    for (const value of ["", "my-new-sync-token", "12", "-1", "x".repeat(200)]) {
      expect((await t.post("/pipeline", [["set", "k", value]], { headers: { "upstash-sync-token": value } })).status).toBe(200);
    }
    expect(t.database.lsn).toBe(5);
  });
});

describe("RESP2 responses", () => {
  const resp2 = { "upstash-response-format": "resp2" };

  test("one command answers raw RESP2 as application/octet-stream", async () => {
    const t = createTestApp();
    await t.post("/", ["set", "k", "b\xffr"]);
    const response = await t.request("/get/k", { headers: resp2 });
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("upstash-sync-token")).toBe("1");
    expect(Buffer.from(await response.arrayBuffer()).toString("latin1")).toBe("$4\r\nb\xc3\xbfr\r\n");
    const set = await t.request("/", { method: "POST", body: '["set","k","v"]', headers: resp2 });
    expect(await set.text()).toBe("+OK\r\n");
  });

  test("a failing command is a 400 with a RESP2 error line", async () => {
    const t = createTestApp();
    const response = await t.request("/", { method: "POST", body: '["get"]', headers: { "Upstash-Response-Format": "RESP2" } });
    expect({ status: response.status, body: await response.text() }).toEqual({
      status: 400,
      body: "-ERR wrong number of arguments for 'get' command\r\n",
    });
  });

  test("a pipeline answers the replies back to back, as a TCP client would read them", async () => {
    const t = createTestApp();
    const response = await t.request("/pipeline", { method: "POST", body: '[["set","k","v"],["get","k"],["get"],["exists","k","k"]]', headers: resp2 });
    expect({ status: response.status, body: await response.text() }).toEqual({
      status: 200,
      body: "+OK\r\n$1\r\nv\r\n-ERR wrong number of arguments for 'get' command\r\n:2\r\n",
    });
  });

  test("json is the explicit default; any other value, or resp2 with base64, is a JSON 400 that runs nothing", async () => {
    const t = createTestApp();
    expect((await t.post("/", ["set", "k", "v"], { headers: { "upstash-response-format": "JSON" } })).body).toEqual({ result: "OK" });
    expect(await t.post("/", ["set", "k", "w"], { headers: { "upstash-response-format": "resp3" } })).toEqual({
      status: 400,
      body: { error: "ERR invalid Upstash-Response-Format header, expected json or resp2" },
      syncToken: "1",
    });
    expect(await t.post("/pipeline", [["set", "k", "w"]], { headers: { ...resp2, "upstash-encoding": "base64" } })).toEqual({
      status: 400,
      body: { error: "ERR Upstash-Encoding base64 is not allowed with Upstash-Response-Format resp2" },
      syncToken: "1",
    });
    expect(journaled(t)).toEqual([["SET", "k", "v"]]);
  });
});

describe("HTTP methods and CORS", () => {
  test("a preflight is a 204 naming the methods and headers the SDKs send, without a token", async () => {
    const t = createTestApp();
    const response = await t.request("/pipeline", {
      method: "OPTIONS",
      auth: null,
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(response.status).toBe(204);
    const allowHeaders = response.headers.get("access-control-allow-headers")!.toLowerCase().split(", ");
    expect({
      origin: response.headers.get("access-control-allow-origin"),
      methods: response.headers.get("access-control-allow-methods"),
      expose: response.headers.get("access-control-expose-headers"),
      sdkHeadersAllowed: ["authorization", "content-type", "upstash-encoding", "upstash-sync-token", "upstash-response-format", "upstash-telemetry-sdk"].every(
        (name) => allowHeaders.includes(name),
      ),
    }).toEqual({ origin: "*", methods: "HEAD, GET, POST, PUT, OPTIONS", expose: "upstash-sync-token", sdkHeadersAllowed: true });
  });

  test("a preflight naming its headers gets exactly those allowed", async () => {
    const t = createTestApp();
    const response = await t.request("/", {
      method: "OPTIONS",
      auth: null,
      headers: { origin: "https://app.example", "access-control-request-headers": "authorization,x-custom" },
    });
    expect([response.status, response.headers.get("access-control-allow-headers")]).toEqual([204, "authorization,x-custom"]);
  });

  test("every answer lets a browser script read it and its sync token", async () => {
    const t = createTestApp();
    for (const response of [await t.request("/", { method: "POST", body: '["ping"]' }), await t.request("/", { method: "POST", body: "[", auth: null })]) {
      expect([response.headers.get("access-control-allow-origin"), response.headers.get("access-control-expose-headers")]).toEqual([
        "*",
        "upstash-sync-token",
      ]);
    }
  });

  for (const method of ["DELETE", "PATCH"]) {
    test(`${method} is a JSON 405 and runs nothing`, async () => {
      const t = createTestApp();
      const response = await t.request("/set/k/v", { method });
      expect({ status: response.status, allow: response.headers.get("allow"), body: await response.json() }).toEqual({
        status: 405,
        allow: "HEAD, GET, POST, PUT",
        body: { error: "ERR Only HEAD, GET, POST and PUT methods are allowed" },
      });
      expect(journaled(t)).toEqual([]);
    });
  }

  test("/pipeline and /multi-exec take only POST", async () => {
    const t = createTestApp();
    expect((await t.get("/pipeline")).status).toBe(405);
    expect((await t.request("/multi-exec", { method: "PUT", body: "[]" })).status).toBe(405);
  });
});

describe("transport-free endpoints (createRestEndpoints)", () => {
  const noHeaders = () => undefined;
  const endpointsOn = (engine: ReturnType<typeof createTestEngine>) => ({
    endpoints: createRestEndpoints(engine.dispatcher),
    access: { database: engine.database, readOnly: false },
  });
  /** An engine whose clock moves 1 ms each time it is read: a looping script runs in slices until its 200 ms limit. */
  const engineWithScripts = () => {
    const engine = createTestEngine();
    const read = engine.clock.nowMs.bind(engine.clock);
    engine.clock.nowMs = () => {
      engine.clock.advance(1);
      return read();
    };
    configureScripting(engine.database, { timeLimitMs: 200 });
    return engine;
  };

  test("answer plain data: status, content type, body and sync token, synchronously when nothing waits", () => {
    const engine = createTestEngine();
    const { endpoints, access } = endpointsOn(engine);
    expect(endpoints.command(access, noHeaders, '["SET","k","v"]')).toEqual({ status: 200, contentType: "application/json", body: '{"result":"OK"}', syncToken: "1" });
    expect(endpoints.pipeline(access, noHeaders, '[["GET","k"],["INCR","k"]]')).toEqual({
      status: 200,
      contentType: "application/json",
      body: '[{"result":"v"},{"error":"ERR value is not an integer or out of range"}]',
      syncToken: "1",
    });
    expect(endpoints.multiExec(access, (name) => (name === "upstash-encoding" ? "base64" : null), '[["GET","k"]]')).toEqual({
      status: 200,
      contentType: "application/json",
      body: '[{"result":"dg=="}]',
      syncToken: "1",
    });
    const resp2 = endpoints.pipeline(access, (name) => (name === "upstash-response-format" ? "resp2" : undefined), '[["GET","k"]]') as RestAnswer;
    expect({ ...resp2, body: Buffer.from(resp2.body).toString("latin1") }).toEqual({ status: 200, contentType: "application/octet-stream", body: "$1\r\nv\r\n", syncToken: "1" });
  });

  test("a body the transport could not read is the request's 400 and runs nothing; a bad format header is named first", () => {
    const engine = createTestEngine();
    const { endpoints, access } = endpointsOn(engine);
    for (const endpoint of [endpoints.command, endpoints.pipeline, endpoints.multiExec]) {
      expect(endpoint(access, noHeaders, errors.maxRequestSize())).toEqual({
        status: 400,
        contentType: "application/json",
        body: '{"error":"ERR max request size exceeded"}',
        syncToken: "0",
      });
    }
    const xml = (name: string) => (name === "upstash-response-format" ? "xml" : undefined);
    expect((endpoints.command(access, xml, errors.maxRequestSize()) as RestAnswer).body).toBe('{"error":"ERR invalid Upstash-Response-Format header, expected json or resp2"}');
    expect(engine.journal.argvs()).toEqual([]);
  });

  test("while a script holds the database every endpoint answers later, after it, with every entry in order", async () => {
    const engine = engineWithScripts();
    const { endpoints, access } = endpointsOn(engine);
    const script = endpoints.command(access, noHeaders, JSON.stringify(["EVAL", "redis.call('SET', 'k', '1') while true do end", "0"]));
    expect(script).toBeInstanceOf(Promise);
    const command = endpoints.command(access, noHeaders, '["GET","k"]');
    const pipeline = endpoints.pipeline(access, noHeaders, '[["INCR","k"],["GET","k"],["NOSUCH"]]');
    const transaction = endpoints.multiExec(access, noHeaders, '[["INCR","k"],["GET","k"]]');
    for (const answer of [command, pipeline, transaction]) expect(answer).toBeInstanceOf(Promise);
    expect(((await script).body as string).startsWith('{"error":"ERR Script killed by timeout')).toBe(true);
    expect((await command).body).toBe('{"result":"1"}');
    expect((await pipeline).body).toBe(`[{"result":2},{"result":"2"},{"error":"ERR unknown command 'NOSUCH', with args beginning with: "}]`);
    expect(await transaction).toEqual({ status: 200, contentType: "application/json", body: '[{"result":3},{"result":"3"}]', syncToken: "3" });
  });

  test("a transaction found invalid only once a script let go of the database is the request's 400, and runs nothing", async () => {
    const engine = engineWithScripts();
    const { endpoints, access } = endpointsOn(engine);
    const script = endpoints.command(access, noHeaders, JSON.stringify(["EVAL", "while true do end", "0"]));
    // The commands are checked (name, arity) when the transaction runs, after the script.
    const transaction = endpoints.multiExec(access, noHeaders, '[["SET","k","1"],["NOSUCH"]]');
    expect(transaction).toBeInstanceOf(Promise);
    await script;
    expect(await transaction).toEqual({
      status: 400,
      contentType: "application/json",
      body: `{"error":"ERR unknown command 'NOSUCH', with args beginning with: "}`,
      syncToken: "0",
    });
    expect(engine.journal.argvs()).toEqual([]);
  });
});
