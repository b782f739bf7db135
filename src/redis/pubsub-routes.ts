// Pub/Sub and MONITOR over HTTP as Server-Sent Events (spec/redis-rest.md §6): one stream per
// `/subscribe/<channel>` or `/psubscribe/<pattern>` (what the SDK opens), and `/monitor`. Lines
// are `data: <event>\n\n`; payloads go out raw (never base64), as the SDK expects. A comment
// line every `heartbeatMs` keeps idle streams alive through proxies. A stream's backlog is
// bounded: a subscriber that falls `backlogBytesMax` behind is disconnected and logged. A closed
// connection drops its subscription at once (request abort or stream cancel, whichever first).

import { Hono } from "hono";
import type { Access } from "../platform/databases.ts";
import { tokenAuth, type AuthVariables } from "../server/auth.ts";
import type { Logger } from "../util/log.ts";
import { errors } from "./engine/errors.ts";
import { brokerOf, type PubSubBroker, type Subscriber } from "./pubsub.ts";
import { encodeError } from "./rest-codec.ts";

export interface PubSubRoutesDeps {
  authenticate: (token: string) => Access | undefined;
  log: Logger;
  /** Interval of the keep-alive comment line. */
  heartbeatMs?: number;
  /** Bytes a stream may have queued and unsent before it is dropped. */
  backlogBytesMax?: number;
}

const HEARTBEAT_MS = 15_000;
const BACKLOG_BYTES_MAX = 8 * 1024 * 1024;

type Env = { Variables: AuthVariables };

const sseHeaders = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "upstash-sync-token",
};

export function createPubSubRoutes(deps: PubSubRoutesDeps): Hono<Env> {
  const app = new Hono<Env>();
  const auth = tokenAuth({ authenticate: deps.authenticate });
  const heartbeatMs = deps.heartbeatMs ?? HEARTBEAT_MS;
  const backlogBytesMax = deps.backlogBytesMax ?? BACKLOG_BYTES_MAX;
  const open = (request: Request, access: Access, kind: StreamKind, name: string) =>
    openStream(request, brokerOf(access.database), kind, name, { log: deps.log, heartbeatMs, backlogBytesMax });

  for (const kind of ["subscribe", "psubscribe"] as const) {
    app.on(["GET", "POST"], `/${kind}/*`, auth, (c) => {
      let name: string;
      try {
        name = nameAfter(c.req.raw.url, `/${kind}/`);
      } catch (error) {
        return badRequest((error as Error).message);
      }
      return open(c.req.raw, c.var.access, kind, name);
    });
  }
  // MONITOR shows every command with its values: not for the read-only (browser-side) token.
  app.on(["GET", "POST"], "/monitor", auth, (c) =>
    c.var.access.readOnly ? badRequest(errors.noPermission("monitor").message) : open(c.req.raw, c.var.access, "monitor", ""),
  );
  return app;
}

type StreamKind = "subscribe" | "psubscribe" | "monitor";

function badRequest(message: string): Response {
  return new Response(encodeError(message), { status: 400, headers: { "content-type": "application/json", "access-control-allow-origin": "*" } });
}

/** Everything after the prefix, percent-decoded to a binary string; `/` stays in the name. */
function nameAfter(url: string, prefix: string): string {
  const start = url.indexOf(prefix, url.indexOf("//") + 2);
  let end = url.indexOf("?", start);
  if (end === -1) end = url.length;
  const hash = url.indexOf("#", start);
  if (hash !== -1 && hash < end) end = hash;
  const raw = url.slice(start + prefix.length, end);
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "%") {
      const byte = parseInt(raw.slice(i + 1, i + 3), 16);
      if (!/^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) throw errors.invalidPath();
      out += String.fromCharCode(byte);
      i += 2;
    } else out += ch.charCodeAt(0) < 0x80 ? ch : Buffer.from(ch, "utf8").toString("latin1");
  }
  return out;
}

interface StreamOptions {
  log: Logger;
  heartbeatMs: number;
  backlogBytesMax: number;
}

const heartbeatLine = new TextEncoder().encode(": ping\n\n");

/** Binary string to the bytes it stands for. */
const lineBytes = (line: string) => Buffer.from(`data: ${line}\n\n`, "latin1");

function openStream(request: Request, broker: PubSubBroker, kind: StreamKind, name: string, options: StreamOptions): Response {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const subscriber: Subscriber = {
    deliver(line) {
      if (closed) return false;
      controller.enqueue(lineBytes(line));
      // desiredSize goes negative once more than backlogBytesMax waits unsent.
      return (controller.desiredSize ?? 0) >= 0;
    },
    drop(reason) {
      options.log.log("warn", "subscriber_dropped", { kind, reason });
      close();
      try {
        controller.close();
      } catch {
        // already closed by the client
      }
    },
  };

  const unsubscribe = () => {
    if (kind === "subscribe") broker.unsubscribe(name, subscriber);
    else if (kind === "psubscribe") broker.punsubscribe(name, subscriber);
    else broker.removeMonitor(subscriber);
  };

  function close(): void {
    if (closed) return;
    closed = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    unsubscribe();
    request.signal.removeEventListener("abort", close);
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
        if (kind === "monitor") {
          controller.enqueue(lineBytes('"OK"'));
          broker.addMonitor(subscriber);
        } else {
          controller.enqueue(lineBytes(`${kind},${name},1`));
          if (kind === "subscribe") broker.subscribe(name, subscriber);
          else broker.psubscribe(name, subscriber);
        }
        heartbeat = setInterval(() => {
          if (closed) return;
          controller.enqueue(heartbeatLine);
          if ((controller.desiredSize ?? 0) < 0) subscriber.drop("backlog_full");
        }, options.heartbeatMs);
      },
      cancel() {
        close();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: options.backlogBytesMax }),
  );
  if (request.signal.aborted) close();
  else request.signal.addEventListener("abort", close);
  return new Response(stream, { status: 200, headers: sseHeaders });
}
