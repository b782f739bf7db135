// The Redis REST facade (spec/redis-rest.md §1–§5): `POST /` with one command, `/pipeline`,
// `/multi-exec`, and the path form `/{cmd}/{arg}...`. It turns HTTP into argv, calls the one
// dispatcher, and turns replies into Upstash's JSON envelopes. Every response carries the
// database's LSN as `upstash-sync-token`.

import { Hono, type Context } from "hono";
import type { Access } from "../platform/databases.ts";
import { tokenAuth, type AuthVariables } from "../server/auth.ts";
import { bytesToBinary, textToBinary } from "../util/bytes.ts";
import type { Session } from "./engine/command.ts";
import type { Dispatcher } from "./engine/dispatcher.ts";
import { RedisError, errors } from "./engine/errors.ts";
import { ErrorReply, type Reply } from "./engine/reply.ts";
import { encodeEnvelope, encodeError, parseJson, toCommand } from "./rest-codec.ts";

export interface RedisRoutesDeps {
  dispatcher: Dispatcher;
  authenticate: (token: string) => Access | undefined;
  maxRequestBytes: number;
}

const readWrite: Session = { readOnly: false, inTransaction: false };
const readOnly: Session = { readOnly: true, inTransaction: false };
const readWriteTransaction: Session = { readOnly: false, inTransaction: true };
const readOnlyTransaction: Session = { readOnly: true, inTransaction: true };

type Env = { Variables: AuthVariables };

export function createRedisRoutes(deps: RedisRoutesDeps): Hono<Env> {
  const { dispatcher, maxRequestBytes } = deps;
  const app = new Hono<Env>();
  app.use("*", tokenAuth({ authenticate: deps.authenticate }));

  const respond = (access: Access, body: string, status = 200) =>
    new Response(body, {
      status,
      headers: { "content-type": "application/json", "upstash-sync-token": String(access.database.lsn) },
    });

  /** Runs `handle` on the parsed JSON body; request-level failures become a 400 envelope. */
  const withJsonBody = async (c: Context<Env>, handle: (body: unknown, access: Access, base64: boolean) => string) => {
    const access = c.var.access;
    try {
      const body = parseJson(await readBody(c, maxRequestBytes));
      return respond(access, handle(body, access, isBase64(c)));
    } catch (error) {
      if (!(error instanceof RedisError)) throw error;
      return respond(access, encodeError(error.message), 400);
    }
  };

  const single = (c: Context<Env>) =>
    withJsonBody(c, (body, access, base64) => {
      const reply = dispatcher.dispatch(access.database, toCommand(body), sessionOf(access, false));
      if (reply instanceof ErrorReply) throw new RedisError(reply.message);
      return encodeEnvelope(reply, base64);
    });

  app.post("/", single);

  app.post("/pipeline", (c) =>
    withJsonBody(c, (body, access, base64) => {
      if (!Array.isArray(body)) throw errors.notPipelineArray();
      if (body.length === 0) throw errors.emptyPipeline();
      const session = sessionOf(access, false);
      let out = "[";
      for (let i = 0; i < body.length; i++) {
        let reply: Reply;
        try {
          reply = dispatcher.dispatch(access.database, toCommand(body[i]), session);
        } catch (error) {
          reply = dispatcher.errorReply(error, []);
        }
        out += (i === 0 ? "" : ",") + encodeEnvelope(reply, base64);
      }
      return out + "]";
    }),
  );

  // Atomic: every command is converted and checked (name, arity, access) before the first runs,
  // and the run is synchronous, so nothing interleaves. Runtime errors fail only their entry.
  app.post("/multi-exec", (c) =>
    withJsonBody(c, (body, access, base64) => {
      if (!Array.isArray(body)) throw errors.notPipelineArray();
      if (body.length === 0) throw errors.emptyPipeline();
      const session = sessionOf(access, true);
      const commands = body.map(toCommand);
      const specs = commands.map((argv) => dispatcher.resolve(argv, session));
      const replies = commands.map((argv, i) => {
        try {
          return dispatcher.run(access.database, specs[i]!, argv, session);
        } catch (error) {
          return dispatcher.errorReply(error, argv);
        }
      });
      return "[" + replies.map((reply) => encodeEnvelope(reply, base64)).join(",") + "]";
    }),
  );

  for (const path of ["/pipeline", "/multi-exec"]) app.all(path, () => methodNotAllowed());

  // Path form: /set/foo/bar, POST body as the last argument, query pairs after it.
  app.on(["GET", "POST", "PUT"], "/*", async (c) => {
    const access = c.var.access;
    try {
      const argv = pathArguments(c.req.url);
      if (c.req.method !== "GET") {
        const body = await readBytes(c, maxRequestBytes);
        if (body.byteLength > 0) argv.push(bytesToBinary(body));
      }
      argv.push(...queryArguments(c.req.url));
      if (argv.length === 0) throw errors.emptyCommand();
      const reply = dispatcher.dispatch(access.database, argv, sessionOf(access, false));
      if (reply instanceof ErrorReply) return respond(access, encodeError(reply.message), 400);
      return respond(access, encodeEnvelope(reply, isBase64(c)));
    } catch (error) {
      if (!(error instanceof RedisError)) throw error;
      return respond(access, encodeError(error.message), 400);
    }
  });

  return app;
}

export function methodNotAllowed(): Response {
  return new Response(encodeError("ERR Only HEAD, GET, POST and PUT methods are allowed"), {
    status: 405,
    headers: { "content-type": "application/json", allow: "HEAD, GET, POST, PUT" },
  });
}

function sessionOf(access: Access, transaction: boolean): Session {
  if (transaction) return access.readOnly ? readOnlyTransaction : readWriteTransaction;
  return access.readOnly ? readOnly : readWrite;
}

function isBase64(c: Context): boolean {
  return c.req.header("upstash-encoding")?.toLowerCase() === "base64";
}

async function readBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > maxBytes) throw errors.maxRequestSize();
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.byteLength > maxBytes) throw errors.maxRequestSize();
  return body;
}

const utf8 = new TextDecoder();

async function readBody(c: Context, maxBytes: number): Promise<string> {
  return utf8.decode(await readBytes(c, maxBytes));
}

/** The raw (still percent-encoded) path of a URL string, without query or fragment. */
function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  let end = url.length;
  for (const stop of ["?", "#"]) {
    const at = url.indexOf(stop, start);
    if (at !== -1 && at < end) end = at;
  }
  return url.slice(start, end);
}

function pathArguments(url: string): string[] {
  const segments = rawPath(url).slice(1).split("/");
  if (segments[segments.length - 1] === "") segments.pop();
  return segments.map((segment) => percentDecode(segment, false));
}

function queryArguments(url: string): string[] {
  const start = url.indexOf("?");
  if (start === -1) return [];
  const end = url.indexOf("#", start);
  const out: string[] = [];
  for (const pair of url.slice(start + 1, end === -1 ? undefined : end).split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = percentDecode(eq === -1 ? pair : pair.slice(0, eq), true);
    if (name === "_token") continue;
    out.push(name);
    if (eq !== -1) out.push(percentDecode(pair.slice(eq + 1), true));
  }
  return out;
}

/** Percent-decodes to a binary string (bytes, not text); a malformed escape is an error. */
function percentDecode(text: string, plusIsSpace: boolean): string {
  if (text.indexOf("%") === -1 && !(plusIsSpace && text.includes("+"))) return textToBinary(text);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw errors.invalidPath();
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else out += plusIsSpace && ch === "+" ? " " : textToBinary(ch);
  }
  return out;
}
