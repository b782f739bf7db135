// The HTTP composition: CORS, allowed methods, health, and each product's sub-app. Routes live
// with their product (redis/rest.ts, later qstash/ and kafka/); this file only mounts them and
// owns the one error path, so every failure is a JSON body the SDKs can parse. It also composes
// the fast routes the HTTP/1.1 front end serves without fetch objects (`createFastRoutes`), with
// the same access log and error path around them.

import { Hono, type MiddlewareHandler } from "hono";
import { timingSafeEqual } from "node:crypto";
import type { Logger } from "../util/log.ts";
import { createPubSubRoutes } from "../redis/pubsub-routes.ts";
import { createRedisFastRoutes, createRedisRoutes, methodNotAllowed, type RedisRoutesDeps } from "../redis/rest.ts";
import { encodeError, httpResponse, jsonErrorResponse, responseHeaderLines } from "../redis/rest-codec.ts";
import { accessLog, createRequestLog, surfaceOf, type RequestLog } from "./access-log.ts";
import { bearerToken, unauthorized } from "./auth.ts";
import type { FastRoute, FastRoutes, RawRequest, RawResponse } from "./fast-route.ts";
import { EXPOSITION_CONTENT_TYPE, type NodeMetrics } from "./metrics.ts";

export interface AppDeps {
  redis: RedisRoutesDeps;
  /** QStash's /v2 sub-app (qstash/routes.ts), with its own auth; mounted before the Redis path form. */
  qstash?: Hono;
  /** Kafka's REST paths and /admin/kafka (kafka/kafka.ts), with their own auth; before the Redis path form. */
  kafka?: Hono;
  isReady: () => boolean;
  log: Logger;
  /** Served on GET /metrics and fed by the access log; without it, /metrics is not mounted. */
  metrics?: NodeMetrics;
  /** When set, GET /metrics wants `Authorization: Bearer <it>`. */
  metricsToken?: string;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use("*", accessLog({ log: deps.log, metrics: deps.metrics }));
  app.use("*", corsAndMethods());

  app.get("/healthz", () => httpResponse('{"status":"ok"}', 200, "application/json"));
  app.get("/readyz", () =>
    deps.isReady() ? httpResponse('{"status":"ready"}', 200, "application/json") : httpResponse('{"status":"loading"}', 503, "application/json"),
  );
  const metrics = deps.metrics;
  if (metrics !== undefined) {
    const metricsToken = deps.metricsToken;
    app.get("/metrics", (c) => {
      if (metricsToken !== undefined && !bearerMatches(c.req.header("authorization"), metricsToken)) {
        return unauthorized();
      }
      return httpResponse(metrics.registry.expose(), 200, EXPOSITION_CONTENT_TYPE);
    });
  }

  if (deps.qstash !== undefined) app.route("/", deps.qstash);
  if (deps.kafka !== undefined) app.route("/", deps.kafka);
  // SSE pub/sub and MONITOR first: the Redis sub-app's path form would take /subscribe/... as a command.
  app.route("/", createPubSubRoutes({ authenticate: deps.redis.authenticate, log: deps.log }));
  app.route("/", createRedisRoutes(deps.redis));

  app.notFound(() => jsonErrorResponse("ERR not found", 404));
  app.onError((error) => {
    logFailure(deps.log, error);
    return jsonErrorResponse(INTERNAL_ERROR, 500);
  });
  return app;
}

const INTERNAL_ERROR = "ERR internal error";

function logFailure(log: Logger, error: unknown): void {
  log.log("error", "request_failed", { error: String((error as Error)?.stack ?? error) });
}

/**
 * The routes the HTTP/1.1 front end (server/http1.ts) serves without fetch objects: `POST /`,
 * `/pipeline` and `/multi-exec`. Each gets what `createApp` puts around its Hono twin: the access
 * log and request metrics, `x-request-id`, and the JSON 500 of `onError`. Anything else is
 * undefined, for the Hono app.
 */
export function createFastRoutes(deps: AppDeps): FastRoutes {
  const requests = createRequestLog({ log: deps.log, metrics: deps.metrics });
  const routes = new Map<string, FastRoute>();
  for (const [path, route] of createRedisFastRoutes(deps.redis)) routes.set(path, withAccessLog(route, path, requests, deps.log));
  return (method, path) => (method === "POST" ? routes.get(path) : undefined);
}

function withAccessLog(route: FastRoute, pattern: string, requests: RequestLog, log: Logger): FastRoute {
  const surface = surfaceOf(pattern);
  const finish = (request: RawRequest, id: string, startedAtMs: number, response: RawResponse): RawResponse => {
    requests.finished(id, request.method, pattern, surface, response.status, startedAtMs);
    response.headerLines += "x-request-id: " + id + "\r\n";
    return response;
  };
  const failed = (error: unknown): RawResponse => {
    logFailure(log, error);
    return { status: 500, headerLines: responseHeaderLines("application/json"), body: encodeError(INTERNAL_ERROR) };
  };
  // Which of the route's two calls is a flag, not a closure: this runs for every request.
  const answer = (request: RawRequest, isTooLarge: boolean): RawResponse | Promise<RawResponse> => {
    const startedAtMs = performance.now();
    const id = requests.idOf(request);
    let response: RawResponse | Promise<RawResponse>;
    try {
      response = isTooLarge ? route.tooLarge(request) : route.handle(request);
    } catch (error) {
      response = failed(error);
    }
    if (response instanceof Promise) {
      return response.then(
        (settled) => finish(request, id, startedAtMs, settled),
        (error) => finish(request, id, startedAtMs, failed(error)),
      );
    }
    return finish(request, id, startedAtMs, response);
  };
  return {
    maxBodyBytes: route.maxBodyBytes,
    handle: (request) => answer(request, false),
    // Refusing a body runs nothing that could wait, so the answer is synchronous.
    tooLarge: (request) => answer(request, true) as RawResponse,
  };
}

const allowedMethods = new Set(["GET", "HEAD", "POST", "PUT"]);

// The read-only token is meant for browsers (spec §1.5), so preflights must pass. Every other
// response carries its CORS headers from birth (rest-codec.ts httpResponse).
const preflightHeaders = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "HEAD, GET, POST, PUT, OPTIONS",
  "access-control-allow-headers": [
    "Authorization",
    "Content-Type",
    "Upstash-Encoding",
    "Upstash-Response-Format",
    "upstash-sync-token",
    "Upstash-Telemetry-Runtime",
    "Upstash-Telemetry-Platform",
    "Upstash-Telemetry-Sdk",
    "Upstash-Telemetry-Retry",
    "Accept",
    "Cache-Control",
  ].join(", "),
  "access-control-expose-headers": "upstash-sync-token",
  "access-control-max-age": "86400",
};

/**
 * OPTIONS answers the CORS preflight (204, no auth); methods Upstash does not allow get a JSON
 * 405. A preflight naming its headers gets them all allowed: access rides on the token, never on
 * cookies, so no header needs keeping out, and a header the list above missed cannot break a browser.
 */
function corsAndMethods(): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    if (method === "OPTIONS") {
      const requested = c.req.header("access-control-request-headers");
      const headers = requested ? { ...preflightHeaders, "access-control-allow-headers": requested, vary: "Access-Control-Request-Headers" } : preflightHeaders;
      return new Response(null, { status: 204, headers });
    }
    // QStash's API also uses DELETE and PATCH; its sub-app answers unknown routes itself.
    // Kafka's /delete-consumer takes DELETE, and its admin API PATCH and DELETE (kafka/*.ts).
    const path = c.req.path;
    if (!allowedMethods.has(method) && !path.startsWith("/v2/") && !path.startsWith("/delete-consumer/") && !path.startsWith("/admin/kafka/")) return methodNotAllowed();
    await next();
  };
}

/** Constant-time check of a Bearer token against the one expected (SHA-256 first: equal lengths). */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = bearerToken(header ?? null);
  if (given === undefined) return false;
  const digest = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
