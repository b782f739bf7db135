// The access log and the request metrics: one `request` log line per HTTP request (request id,
// method, route pattern, surface, status, duration) and one count and latency observation by
// surface and status. It logs the route *pattern* (`/*`, `/v2/messages/:messageId`), never the raw
// path, because the Redis path form puts keys and values in the path; no header, query or body is
// read, so tokens never reach a log line. Installed first in server/app.ts, so it sees every answer.
// `createRequestLog` is the part both ways in share: the Hono middleware below, and the fast
// routes of the HTTP/1.1 front end (server/app.ts createFastRoutes), which know their pattern.

import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes, routePath } from "hono/route";
import { integerText } from "../util/integer-text.ts";
import { RenderedFields, type Logger } from "../util/log.ts";
import type { RequestMetrics, Surface } from "./metrics.ts";

export interface AccessLogOptions {
  log: Logger;
  metrics?: RequestMetrics;
  /** Id for a request that brought none; default: a per-process prefix and a counter. */
  nextRequestId?: () => string;
}

// An incoming id is echoed into the log only when it looks like one (a proxy's or client's
// correlation id), so a header cannot smuggle arbitrary text or a token-sized secret into logs.
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const REQUEST_ID_HEADERS = ["x-request-id", "fly-request-id"];
const METHOD_LENGTH_MAX = 16;

export interface RequestLog {
  /** The request's id: the incoming one (header by lower-case name) when it looks like one, else a new one. */
  idOf(request: { header(name: string): string | null | undefined }): string;
  /** Counts and times the request, and logs its line. */
  finished(id: string, method: string, route: string, surface: Surface, status: number, startedAtMs: number): void;
}

export function createRequestLog(options: AccessLogOptions): RequestLog {
  const { log, metrics } = options;
  const nextRequestId = options.nextRequestId ?? counterIds();
  const describe = requestDescriber();
  return {
    idOf(request) {
      for (const name of REQUEST_ID_HEADERS) {
        const value = request.header(name);
        if (value != null && REQUEST_ID_PATTERN.test(value)) return value;
      }
      return nextRequestId();
    },
    finished(id, method, route, surface, status, startedAtMs) {
      const durationMs = performance.now() - startedAtMs;
      metrics?.requestFinished(surface, status, durationMs);
      // Ids are [A-Za-z0-9._:-] (REQUEST_ID_PATTERN, or made here).
      const fields = `"id":"${id}",${describe(method, route, surface, status)},"durationMs":${millisecondsText(durationMs)}`;
      log.log("info", "request", new RenderedFields(fields));
    },
  };
}

/**
 * The method, route, surface and status fields of a request's line. A server answers mostly one
 * kind of request in a row: the last one's fields are reused when they are the same.
 */
function requestDescriber(): (method: string, route: string, surface: Surface, status: number) => string {
  let lastMethod = "";
  let lastRoute = "";
  let lastSurface = "";
  let lastStatus = 0;
  let lastDescription = "";
  return (method, route, surface, status) => {
    if (method !== lastMethod || route !== lastRoute || surface !== lastSurface || status !== lastStatus) {
      lastMethod = method;
      lastRoute = route;
      lastSurface = surface;
      lastStatus = status;
      // Surfaces are fixed words.
      lastDescription =
        `"method":${jsonText(method.length > METHOD_LENGTH_MAX ? method.slice(0, METHOD_LENGTH_MAX) : method)},` +
        `"route":${jsonText(route)},"surface":"${surface}","status":${status}`;
    }
    return lastDescription;
  };
}

// Thousandths as JSON writes Math.round(ms * 1000) / 1000 ("0.5", "12.034", "3"), from tables:
// turning a fraction into text costs about 100 ns a request in the server's request path.
const THOUSANDTHS = Array.from({ length: 1000 }, (_, n) => (n === 0 ? "" : `.${String(n).padStart(3, "0").replace(/0+$/, "")}`));

export function millisecondsText(ms: number): string {
  const microseconds = Math.round(ms * 1000);
  if (!(microseconds >= 0 && microseconds < Number.MAX_SAFE_INTEGER)) return String(microseconds / 1000);
  return integerText(Math.floor(microseconds / 1000)) + THOUSANDTHS[microseconds % 1000]!;
}

export function accessLog(options: AccessLogOptions): MiddlewareHandler {
  const requests = createRequestLog(options);
  return async (c, next) => {
    const startedAtMs = performance.now();
    const id = requests.idOf(c.req);
    await next();
    requests.finished(id, c.req.method, routePattern(c), surfaceOf(c.req.path), c.res.status, startedAtMs);
    try {
      c.res.headers.set("x-request-id", id);
    } catch {
      // A response with immutable headers (one passed through from fetch) keeps its own.
    }
  };
}

// Methods and route patterns are few (the front end bounds a method's length), so each is
// written as JSON text once; the bound only guards against a client sending endless methods.
const jsonTexts = new Map<string, string>();
const JSON_TEXTS_MAX = 1024;

function jsonText(text: string): string {
  let json = jsonTexts.get(text);
  if (json === undefined) {
    json = JSON.stringify(text);
    if (jsonTexts.size < JSON_TEXTS_MAX) jsonTexts.set(text, json);
  }
  return json;
}

/** `<random prefix>-<n>`: unique within the process and, by the prefix, across restarts. */
function counterIds(): () => string {
  const prefix = Array.from(crypto.getRandomValues(new Uint8Array(4)), (byte) => byte.toString(16).padStart(2, "0")).join("") + "-";
  let n = 0;
  return () => prefix + integerText(++n);
}

/**
 * The pattern of the request's route (`/pipeline`, `/*`, `/v2/queues/:name`): the first matching
 * route registered for this method — so a 401 from the auth middleware in front of `POST /` still
 * reads `/` — else the pattern of whatever answered (`/*` for middleware such as a preflight).
 */
function routePattern(c: Context): string {
  for (const route of matchedRoutes(c)) if (route.method !== "ALL") return route.path;
  return routePath(c) || "*";
}

// First path segments of each surface (DESIGN §1); anything else is the Redis path form.
const surfaceBySegment = new Map<string, Surface>([
  ["v2", "qstash"],
  ["healthz", "ops"],
  ["readyz", "ops"],
  ["metrics", "ops"],
  ["admin", "admin"],
  ["console", "admin"],
  ["replication", "replication"],
  ...["produce", "fetch", "consume", "commit", "committed", "offsets", "topics", "consumers", "delete-consumer", "webhook"].map(
    (segment) => [segment, "kafka"] as [string, Surface],
  ),
]);

/** The surface a path belongs to, from its first segment: a bounded label, never the path. */
export function surfaceOf(path: string): Surface {
  const end = path.indexOf("/", 1);
  const segment = path.slice(1, end === -1 ? undefined : end);
  return surfaceBySegment.get(segment) ?? "redis";
}
