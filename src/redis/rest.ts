// The Redis REST facade (spec/redis-rest.md §1–§5): `POST /` with one command, `/pipeline`,
// `/multi-exec`, and the path form `/{cmd}/{arg}...`. It turns HTTP into argv, calls the one
// dispatcher, and turns replies into Upstash's JSON envelopes (or RESP2 on request). Every
// authenticated response carries the database's LSN as `upstash-sync-token`.
// `POST /pipeline` with one command is what the SDK sends for nearly every call: keep it lean.
// A response leaves only once the change-log entries it may depend on are committed (DESIGN §5):
// `afterCommit` costs nothing when nothing is pending and shares one promise per commit otherwise.

import { Hono } from "hono";
import type { Access } from "../platform/databases.ts";
import { tokenAuth, type AuthVariables } from "../server/auth.ts";
import { bytesToBinary, textToBinary } from "../util/bytes.ts";
import type { Session } from "./engine/command.ts";
import type { Dispatcher } from "./engine/dispatcher.ts";
import { RedisError, errors } from "./engine/errors.ts";
import { ErrorReply, type Reply } from "./engine/reply.ts";
import { encodeEnvelope, encodeError, httpResponse, jsonErrorResponse, parseJson, toBatch, toCommand } from "./rest-codec.ts";
import { encodeResp, respBytes } from "./resp-codec.ts";
import { dispatchWhenFree, whenFree } from "./scripting/runner.ts";

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

export function createRedisRoutes(deps: RedisRoutesDeps): Hono<Env> {
  const { dispatcher, maxRequestBytes } = deps;
  const app = new Hono<Env>();
  app.use("*", tokenAuth({ authenticate: deps.authenticate }));

  // POST / with ["CMD", arg, ...]: one command; a failing command is a 400 with its error text.
  app.post("/", async (c) => {
    const access = c.var.access;
    try {
      const format = responseFormat(c.req.raw.headers);
      const argv = toCommand(parseJson(await readText(c.req.raw, maxRequestBytes)));
      const lsnBefore = access.database.lsn;
      let reply = dispatchWhenFree(dispatcher, access.database, argv, sessionOf(access, false));
      if (reply instanceof Promise) reply = await reply;
      return afterCommit(access, lsnBefore, commandResponse(access, reply, format));
    } catch (error) {
      return requestFailed(access, error);
    }
  });

  // Not atomic: each entry runs on its own and fails on its own (HTTP 200 regardless). Only a
  // malformed request as a whole (not JSON, not an array of arrays, too large) is a 400.
  app.post("/pipeline", async (c) => {
    const access = c.var.access;
    try {
      const format = responseFormat(c.req.raw.headers);
      const batch = toBatch(parseJson(await readText(c.req.raw, maxRequestBytes)));
      const session = sessionOf(access, false);
      const lsnBefore = access.database.lsn;
      if (format === "resp2") {
        let out = "";
        for (let i = 0; i < batch.length; i++) {
          let reply = runPipelineEntry(dispatcher, access, batch[i]!, session);
          if (reply instanceof Promise) reply = await reply;
          out += encodeResp(reply);
        }
        return afterCommit(access, lsnBefore, respResponse(access, out, 200));
      }
      const base64 = format === "base64";
      let out = "[";
      for (let i = 0; i < batch.length; i++) {
        let reply = runPipelineEntry(dispatcher, access, batch[i]!, session);
        if (reply instanceof Promise) reply = await reply;
        out += (i === 0 ? "" : ",") + encodeEnvelope(reply, base64);
      }
      return afterCommit(access, lsnBefore, jsonResponse(access, out + "]", 200));
    } catch (error) {
      return requestFailed(access, error);
    }
  });

  // Atomic: every command is converted and checked (name, arity, access) before the first runs,
  // so a bad one discards the whole request with a 400 and changes nothing; the run itself is
  // synchronous, so nothing interleaves. Runtime errors (WRONGTYPE ...) fail only their entry,
  // as in a Redis transaction. Always JSON: spec §2.4 excludes it from RESP2 output.
  app.post("/multi-exec", async (c) => {
    const access = c.var.access;
    try {
      const base64 = isBase64(c.req.raw.headers.get("upstash-encoding"));
      const batch = toBatch(parseJson(await readText(c.req.raw, maxRequestBytes)));
      const session = sessionOf(access, true);
      const commands = batch.map(toCommand);
      // A script suspended between time slices holds the database: start after it ends.
      const free = whenFree(access.database);
      if (free !== undefined) await free;
      const specs = commands.map((argv) => dispatcher.resolve(argv, session));
      const db = access.database;
      const lsnBefore = db.lsn;
      let out = "[";
      for (let i = 0; i < commands.length; i++) {
        let reply: Reply;
        try {
          reply = dispatcher.run(db, specs[i]!, commands[i]!, session);
        } catch (error) {
          reply = dispatcher.errorReply(error, commands[i]!);
        }
        out += (i === 0 ? "" : ",") + encodeEnvelope(reply, base64);
      }
      return afterCommit(access, lsnBefore, jsonResponse(access, out + "]", 200));
    } catch (error) {
      return requestFailed(access, error);
    }
  });

  app.all("/pipeline", () => methodNotAllowed());
  app.all("/multi-exec", () => methodNotAllowed());

  // Path form (spec §1.2): /set/foo/bar; a POST/PUT body is one more raw argument; query pairs
  // come after it (`?EX=100` adds "EX", "100"); `_token` is the credential, not an argument.
  app.on(["GET", "POST", "PUT"], "/*", async (c) => {
    const access = c.var.access;
    try {
      const request = c.req.raw;
      const format = responseFormat(request.headers);
      const argv = pathArguments(request.url);
      if (request.method !== "GET" && request.method !== "HEAD") {
        const body = await readBytes(request, maxRequestBytes);
        if (body.byteLength > 0) argv.push(bytesToBinary(body));
      }
      appendQueryArguments(request.url, argv);
      if (argv.length === 0) throw errors.emptyCommand();
      const lsnBefore = access.database.lsn;
      let reply = dispatchWhenFree(dispatcher, access.database, argv, sessionOf(access, false));
      if (reply instanceof Promise) reply = await reply;
      return afterCommit(access, lsnBefore, commandResponse(access, reply, format));
    } catch (error) {
      return requestFailed(access, error);
    }
  });

  return app;
}

/**
 * The response once the database's pending change-log entries are committed; a request that
 * wrote gets the commit's error instead when the entries cannot be stored (not acknowledged).
 */
function afterCommit(access: Access, lsnBefore: number, response: Response): Response | Promise<Response> {
  const commit = access.database.pendingCommit(access.database.lsn !== lsnBefore);
  if (commit === undefined) return response;
  return commit.then(
    () => response,
    (error) => requestFailed(access, error),
  );
}

/** One pipeline entry to its reply; an entry that is not a valid command fails alone. */
function runPipelineEntry(dispatcher: Dispatcher, access: Access, entry: unknown[], session: Session): Reply | Promise<Reply> {
  let argv: string[];
  try {
    argv = toCommand(entry);
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

function jsonResponse(access: Access, body: string, status: number): Response {
  return httpResponse(body, status, "application/json", String(access.database.lsn));
}

function respResponse(access: Access, binary: string, status: number): Response {
  return httpResponse(respBytes(binary), status, "application/octet-stream", String(access.database.lsn));
}

/** One command's reply: 200 with the result, or 400 with its error (spec §2.1, §4). */
function commandResponse(access: Access, reply: Reply, format: ResponseFormat): Response {
  const status = reply instanceof ErrorReply ? 400 : 200;
  if (format === "resp2") return respResponse(access, encodeResp(reply), status);
  return jsonResponse(access, encodeEnvelope(reply, format === "base64"), status);
}

/** A request that could not run at all: a JSON 400 whatever the response format. */
function requestFailed(access: Access, error: unknown): Response {
  if (!(error instanceof RedisError)) throw error;
  return jsonResponse(access, encodeError(error.message), 400);
}

function sessionOf(access: Access, transaction: boolean): Session {
  if (transaction) return access.readOnly ? readOnlyTransaction : readWriteTransaction;
  return access.readOnly ? readOnly : readWrite;
}

function isBase64(encoding: string | null): boolean {
  return encoding !== null && (encoding === "base64" || encoding.toLowerCase() === "base64");
}

function responseFormat(headers: Headers): ResponseFormat {
  const base64 = isBase64(headers.get("upstash-encoding"));
  const format = headers.get("upstash-response-format");
  if (format === null) return base64 ? "base64" : "json";
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
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
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
