// The Redis REST facade (spec/redis-rest.md §1–§5): `POST /` with one command, `/pipeline`,
// `/multi-exec`, and the path form `/{cmd}/{arg}...`. It turns HTTP into argv, calls the one
// dispatcher, and turns replies into Upstash's JSON envelopes (or RESP2 on request). Every
// authenticated response carries the database's LSN as `upstash-sync-token`.
// `POST /pipeline` with one command is what the SDK sends for nearly every call: keep it lean.
// The three body routes are transport-free endpoints (`createRestEndpoints`) that both the Hono
// routes and the HTTP/1.1 front end's fast routes (`createRedisFastRoutes`) call, so the two ways
// in cannot answer differently.
// A response leaves only once the change-log entries it may depend on are committed (DESIGN §5):
// `afterCommit` costs nothing when nothing is pending and shares one promise per commit otherwise.

import { Hono, type Context } from "hono";
import type { Access } from "../platform/databases.ts";
import { accessOf, tokenAuth, unauthorizedRaw, type AuthVariables } from "../server/auth.ts";
import type { FastRoute, RawResponse } from "../server/fast-route.ts";
import { bytesToBinary, concatBytes, textToBinary } from "../util/bytes.ts";
import { integerText } from "../util/integer-text.ts";
import type { Session } from "./engine/command.ts";
import type { Dispatcher } from "./engine/dispatcher.ts";
import { RedisError, errors } from "./engine/errors.ts";
import { ErrorReply, type Reply } from "./engine/reply.ts";
import { encodeEnvelope, encodeError, httpResponse, jsonErrorResponse, jsonHoldsBinaryStrings, parseJson, responseHeaderLines, toBatch, toCommand } from "./rest-codec.ts";
import { encodeResp, respBytes } from "./resp-codec.ts";
import { dispatchWhenFree, runMonitoredTransaction, showToMonitors, whenFree } from "./scripting/runner.ts";

export interface RedisRoutesDeps {
  dispatcher: Dispatcher;
  authenticate: (token: string) => Access | undefined;
  /** Largest request body accepted; larger ones get Upstash's "ERR max request size exceeded". */
  maxRequestBytes: number;
}

/** How replies go back: JSON text, JSON with base64 strings, or raw RESP2 (spec §2.3, §2.4). */
type ResponseFormat = "json" | "base64" | "resp2";

// canWait: a script running past its first time slice answers later (scripting/runner.ts).
const readWrite: Session = { readOnly: false, inTransaction: false, canWait: true };
const readOnly: Session = { readOnly: true, inTransaction: false, canWait: true };
const readWriteTransaction: Session = { readOnly: false, inTransaction: true };
const readOnlyTransaction: Session = { readOnly: true, inTransaction: true };

type Env = { Variables: AuthVariables };

/** What a REST request answers, before a transport makes it a Response or a fast route's RawResponse. */
export interface RestAnswer {
  status: number;
  contentType: string;
  body: string | Uint8Array;
  /** The database's LSN once the request is done: every authenticated answer carries it (spec §3). */
  syncToken: string;
}

/** A request header by lower-case name; absent is undefined or null, whichever the transport says. */
export type HeaderOf = (name: string) => string | null | undefined;

/**
 * One body route without its transport: the caller authenticated the request and read its body,
 * handing over the text or the RedisError that stopped the read (too large). Synchronous unless
 * a command waits (a paused script) or the answer waits for its commit.
 */
export type RestEndpoint = (access: Access, header: HeaderOf, body: string | RedisError) => RestAnswer | Promise<RestAnswer>;

export interface RestEndpoints {
  /** `POST /`: one command. */
  command: RestEndpoint;
  /** `POST /pipeline`. */
  pipeline: RestEndpoint;
  /** `POST /multi-exec`. */
  multiExec: RestEndpoint;
}

export function createRestEndpoints(dispatcher: Dispatcher): RestEndpoints {
  return {
    // ["CMD", arg, ...]: one command; a failing command is a 400 with its error text.
    command: (access, header, body) =>
      answered(access, () => {
        const format = responseFormat(header);
        const text = bodyText(body);
        const argv = toCommand(parseJson(text), jsonHoldsBinaryStrings(text));
        const lsnBefore = access.database.lsn;
        return settleAnswer(access, dispatchWhenFree(dispatcher, access.database, argv, sessionOf(access, false)), (reply) =>
          afterCommit(access, lsnBefore, commandAnswer(access, reply, format)),
        );
      }),

    // Not atomic: each entry runs on its own and fails on its own (HTTP 200 regardless). Only a
    // malformed request as a whole (not JSON, not an array of arrays, too large) is a 400.
    pipeline: (access, header, body) =>
      answered(access, () => {
        const format = responseFormat(header);
        const text = bodyText(body);
        const batch = toBatch(parseJson(text));
        const stringsAreBinary = jsonHoldsBinaryStrings(text);
        const session = sessionOf(access, false);
        const lsnBefore = access.database.lsn;
        const run = (i: number) => runPipelineEntry(dispatcher, access, batch[i]!, session, stringsAreBinary);
        if (format === "resp2") {
          return settleAnswer(access, runEntries(batch.length, run, encodeResp, 0, []), (out) => afterCommit(access, lsnBefore, respAnswer(access, out.join(""), 200)));
        }
        const base64 = format === "base64";
        const encode = (reply: Reply) => encodeEnvelope(reply, base64);
        return settleAnswer(access, runEntries(batch.length, run, encode, 0, []), (out) => afterCommit(access, lsnBefore, jsonAnswer(access, "[" + out.join(",") + "]", 200)));
      }),

    // Atomic: every command is converted and checked (name, arity, access) before the first runs,
    // so a bad one discards the whole request with a 400 and changes nothing; the run itself is
    // synchronous, so nothing interleaves. Runtime errors (WRONGTYPE ...) fail only their entry,
    // as in a Redis transaction. Always JSON: spec §2.4 excludes it from RESP2 output.
    multiExec: (access, header, body) =>
      answered(access, () => {
        const base64 = isBase64(header("upstash-encoding"));
        const text = bodyText(body);
        const batch = toBatch(parseJson(text));
        const stringsAreBinary = jsonHoldsBinaryStrings(text);
        const session = sessionOf(access, true);
        const commands = batch.map((entry) => toCommand(entry, stringsAreBinary));
        // A script suspended between time slices holds the database: start after it ends.
        const free = whenFree(access.database);
        if (free !== undefined) return settleAnswer(access, free, () => runTransaction(dispatcher, access, commands, session, base64));
        return runTransaction(dispatcher, access, commands, session, base64);
      }),
  };
}

export function createRedisRoutes(deps: RedisRoutesDeps): Hono<Env> {
  const { dispatcher, maxRequestBytes } = deps;
  const endpoints = createRestEndpoints(dispatcher);
  const app = new Hono<Env>();
  app.use("*", tokenAuth({ authenticate: deps.authenticate }));

  const bodyRoute = (endpoint: RestEndpoint) => async (c: Context<Env>) => {
    const request = c.req.raw;
    let body: string | RedisError;
    try {
      body = await readText(request, maxRequestBytes);
    } catch (error) {
      if (!(error instanceof RedisError)) throw error;
      body = error;
    }
    return toResponse(await endpoint(c.var.access, (name) => request.headers.get(name), body));
  };
  app.post("/", bodyRoute(endpoints.command));
  app.post("/pipeline", bodyRoute(endpoints.pipeline));
  app.post("/multi-exec", bodyRoute(endpoints.multiExec));

  app.all("/pipeline", () => methodNotAllowed());
  app.all("/multi-exec", () => methodNotAllowed());

  // Path form (spec §1.2): /set/foo/bar; a POST/PUT body is one more raw argument; query pairs
  // come after it (`?EX=100` adds "EX", "100"); `_token` is the credential, not an argument.
  app.on(["GET", "POST", "PUT"], "/*", async (c) => {
    const access = c.var.access;
    const request = c.req.raw;
    const answer = guarded(access, async () => {
      const format = responseFormat((name) => request.headers.get(name));
      const argv = pathArguments(request.url);
      if (request.method !== "GET" && request.method !== "HEAD") {
        const body = await readBytes(request, maxRequestBytes);
        if (body.byteLength > 0) argv.push(bytesToBinary(body));
      }
      appendQueryArguments(request.url, argv);
      if (argv.length === 0) throw errors.emptyCommand();
      const lsnBefore = access.database.lsn;
      const reply = await dispatchWhenFree(dispatcher, access.database, argv, sessionOf(access, false));
      return afterCommit(access, lsnBefore, commandAnswer(access, reply, format));
    });
    return toResponse(await answer);
  });

  return app;
}

/**
 * The fast routes (server/fast-route.ts) for the body routes: the same token check as `tokenAuth`
 * and the same endpoint as the Hono route, on a body the front end has read and bounded itself.
 * Keyed by exact path; every one is POST.
 */
export function createRedisFastRoutes(deps: RedisRoutesDeps): ReadonlyMap<string, FastRoute> {
  const endpoints = createRestEndpoints(deps.dispatcher);
  const { authenticate, maxRequestBytes } = deps;
  const fastRoute = (endpoint: RestEndpoint): FastRoute => ({
    maxBodyBytes: maxRequestBytes,
    handle(request) {
      const header = (name: string) => request.header(name);
      const access = accessOf(authenticate, header("authorization"), request.target);
      if (access === undefined) return unauthorizedRaw();
      return settle(endpoint(access, header, request.bodyText()), toRawResponse);
    },
    tooLarge(request) {
      const header = (name: string) => request.header(name);
      const access = accessOf(authenticate, header("authorization"), request.target);
      if (access === undefined) return unauthorizedRaw();
      // A body that could not be read fails before anything runs, so the answer is never a Promise.
      return toRawResponse(endpoint(access, header, errors.maxRequestSize()) as RestAnswer);
    },
  });
  return new Map([
    ["/", fastRoute(endpoints.command)],
    ["/pipeline", fastRoute(endpoints.pipeline)],
    ["/multi-exec", fastRoute(endpoints.multiExec)],
  ]);
}

/** `then(value)` now, or once `value` settles: the synchronous path allocates no Promise. */
function settle<T, U>(value: T | Promise<T>, then: (value: T) => U | Promise<U>): U | Promise<U> {
  return value instanceof Promise ? value.then(then) : then(value);
}

/**
 * Runs `attempt`, turning a RedisError it throws into the request's 400; what it waits for goes
 * through settleAnswer or afterCommit, which answer a rejection the same way. A write's answer is
 * thus one promise hop after its commit, not two.
 */
function answered(access: Access, attempt: () => RestAnswer | Promise<RestAnswer>): RestAnswer | Promise<RestAnswer> {
  try {
    return attempt();
  } catch (error) {
    return requestFailed(access, error);
  }
}

/** settle for answers: a RedisError thrown or rejected once `value` settles becomes the request's 400. */
function settleAnswer<T>(access: Access, value: T | Promise<T>, then: (value: T) => RestAnswer | Promise<RestAnswer>): RestAnswer | Promise<RestAnswer> {
  return value instanceof Promise ? value.then(then).catch((error) => requestFailed(access, error)) : then(value);
}

/** answered for an attempt that may reject anywhere (the path form awaits its body): a rejection is its 400 too. */
function guarded(access: Access, attempt: () => RestAnswer | Promise<RestAnswer>): RestAnswer | Promise<RestAnswer> {
  const answer = answered(access, attempt);
  return answer instanceof Promise ? answer.catch((error) => requestFailed(access, error)) : answer;
}

function bodyText(body: string | RedisError): string {
  if (typeof body === "string") return body;
  throw body;
}

/**
 * Runs entries `i` onward, adding each encoded reply to `out` as soon as it comes (a later
 * command may change what an earlier reply refers to). Stays synchronous until an entry waits.
 * The caller joins the parts: one flat string, where appending each would build a rope that the
 * answer's byte count then flattens.
 */
function runEntries(
  count: number,
  run: (i: number) => Reply | Promise<Reply>,
  encode: (reply: Reply) => string,
  i: number,
  out: string[],
): string[] | Promise<string[]> {
  for (; i < count; i++) {
    const reply = run(i);
    if (reply instanceof Promise) {
      const index = i;
      return reply.then((settled) => {
        out.push(encode(settled));
        return runEntries(count, run, encode, index + 1, out);
      });
    }
    out.push(encode(reply));
  }
  return out;
}

/** A checked transaction, run in one go (Dispatcher.runTransaction). */
function runTransaction(dispatcher: Dispatcher, access: Access, commands: string[][], session: Session, base64: boolean): RestAnswer | Promise<RestAnswer> {
  const specs = commands.map((argv) => dispatcher.resolve(argv, session));
  const lsnBefore = access.database.lsn;
  showToMonitors(access.database, ["MULTI"]);
  const replies = runMonitoredTransaction(dispatcher, access.database, commands, specs, session);
  showToMonitors(access.database, ["EXEC"]);
  let json = "[";
  for (let i = 0; i < replies.length; i++) json += (i === 0 ? "" : ",") + encodeEnvelope(replies[i]!, base64);
  return afterCommit(access, lsnBefore, jsonAnswer(access, json + "]", 200));
}

/**
 * The answer once the database's pending change-log entries are committed; a request that
 * wrote gets the commit's error instead when the entries cannot be stored (not acknowledged).
 */
function afterCommit(access: Access, lsnBefore: number, answer: RestAnswer): RestAnswer | Promise<RestAnswer> {
  const commit = access.database.pendingCommit(access.database.lsn !== lsnBefore);
  if (commit === undefined) return answer;
  return commit.then(
    () => answer,
    (error) => requestFailed(access, error),
  );
}

/** One pipeline entry to its reply; an entry that is not a valid command fails alone. */
function runPipelineEntry(dispatcher: Dispatcher, access: Access, entry: unknown[], session: Session, stringsAreBinary: boolean): Reply | Promise<Reply> {
  let argv: string[];
  try {
    argv = toCommand(entry, stringsAreBinary);
  } catch (error) {
    return dispatcher.errorReply(error, []);
  }
  return dispatchWhenFree(dispatcher, access.database, argv, session);
}

export function methodNotAllowed(): Response {
  const response = jsonErrorResponse("ERR Only HEAD, GET, POST and PUT methods are allowed", 405);
  response.headers.set("allow", "HEAD, GET, POST, PUT");
  return response;
}

function jsonAnswer(access: Access, body: string, status: number): RestAnswer {
  return { status, contentType: "application/json", body, syncToken: integerText(access.database.lsn) };
}

function respAnswer(access: Access, binary: string, status: number): RestAnswer {
  return { status, contentType: "application/octet-stream", body: respBytes(binary), syncToken: integerText(access.database.lsn) };
}

/** One command's reply: 200 with the result, or 400 with its error (spec §2.1, §4). */
function commandAnswer(access: Access, reply: Reply, format: ResponseFormat): RestAnswer {
  const status = reply instanceof ErrorReply ? 400 : 200;
  if (format === "resp2") return respAnswer(access, encodeResp(reply), status);
  return jsonAnswer(access, encodeEnvelope(reply, format === "base64"), status);
}

/** A request that could not run at all: a JSON 400 whatever the response format. */
function requestFailed(access: Access, error: unknown): RestAnswer {
  if (!(error instanceof RedisError)) throw error;
  return jsonAnswer(access, encodeError(error.message), 400);
}

function toResponse(answer: RestAnswer): Response {
  return httpResponse(answer.body, answer.status, answer.contentType, answer.syncToken);
}

function toRawResponse(answer: RestAnswer): RawResponse {
  return { status: answer.status, headerLines: responseHeaderLines(answer.contentType, answer.syncToken), body: answer.body };
}

function sessionOf(access: Access, transaction: boolean): Session {
  if (transaction) return access.readOnly ? readOnlyTransaction : readWriteTransaction;
  return access.readOnly ? readOnly : readWrite;
}

function isBase64(encoding: string | null | undefined): boolean {
  return encoding != null && (encoding === "base64" || encoding.toLowerCase() === "base64");
}

function responseFormat(header: HeaderOf): ResponseFormat {
  const base64 = isBase64(header("upstash-encoding"));
  const format = header("upstash-response-format");
  if (format == null) return base64 ? "base64" : "json";
  const lower = format.toLowerCase();
  if (lower === "json") return base64 ? "base64" : "json";
  if (lower !== "resp2") throw errors.invalidResponseFormat();
  if (base64) throw errors.resp2WithBase64();
  return "resp2";
}

const emptyBody = new Uint8Array(0);

/**
 * The request body, at most `maxBytes`. With a Content-Length (what fetch sends) the size is
 * known before reading; a chunked body is counted as it arrives and abandoned past the limit.
 */
async function readBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > maxBytes) throw errors.maxRequestSize();
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > maxBytes) throw errors.maxRequestSize();
    return body;
  }
  if (request.body === null) return emptyBody;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      reader.cancel().catch(() => {});
      throw errors.maxRequestSize();
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}

const utf8 = new TextDecoder();

async function readText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) <= maxBytes) {
    const text = await request.text();
    // UTF-16 length never exceeds the UTF-8 byte count, so this only catches a lying header.
    if (text.length > maxBytes) throw errors.maxRequestSize();
    return text;
  }
  return utf8.decode(await readBytes(request, maxBytes));
}

/** The path segments of a URL, percent-decoded to binary strings. */
function pathArguments(url: string): string[] {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return [];
  let end = url.indexOf("?", start);
  if (end === -1) end = url.length;
  const hash = url.indexOf("#", start);
  if (hash !== -1 && hash < end) end = hash;
  if (end - start <= 1) return [];
  const segments = url.slice(start + 1, end).split("/");
  // One trailing slash is not an argument (`/get/foo/`); an empty segment inside is ("").
  if (segments[segments.length - 1] === "") segments.pop();
  for (let i = 0; i < segments.length; i++) segments[i] = percentDecode(segments[i]!, false);
  return segments;
}

/** Appends each `name=value` query pair as two arguments (a bare `name` as one), minus `_token`. */
function appendQueryArguments(url: string, argv: string[]): void {
  const start = url.indexOf("?");
  if (start === -1) return;
  let end = url.indexOf("#", start);
  if (end === -1) end = url.length;
  for (const pair of url.slice(start + 1, end).split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = percentDecode(eq === -1 ? pair : pair.slice(0, eq), true);
    if (name === "_token") continue;
    argv.push(name);
    if (eq !== -1) argv.push(percentDecode(pair.slice(eq + 1), true));
  }
}

/**
 * Percent-decodes to a binary string: `%FF` is the byte 0xFF whether or not the bytes form
 * UTF-8, since keys and values are bytes. A `%` not followed by two hex digits is an error.
 */
function percentDecode(text: string, plusIsSpace: boolean): string {
  if (text.indexOf("%") === -1 && !(plusIsSpace && text.indexOf("+") !== -1)) return textToBinary(text);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25 /* % */) {
      const high = hexValue(text.charCodeAt(i + 1));
      const low = hexValue(text.charCodeAt(i + 2));
      if (high < 0 || low < 0) throw errors.invalidPath();
      out += String.fromCharCode(high * 16 + low);
      i += 2;
    } else if (code === 0x2b /* + */ && plusIsSpace) out += " ";
    else out += code < 0x80 ? text[i]! : textToBinary(text[i]!);
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
