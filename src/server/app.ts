// The HTTP composition: CORS, allowed methods, health, and each product's sub-app. Routes live
// with their product (redis/rest.ts, later qstash/ and kafka/); this file only mounts them and
// owns the one error path, so every failure is a JSON body the SDKs can parse.

import { Hono, type MiddlewareHandler } from "hono";
import type { Logger } from "../util/log.ts";
import { createRedisRoutes, methodNotAllowed, type RedisRoutesDeps } from "../redis/rest.ts";
import { httpResponse, jsonErrorResponse } from "../redis/rest-codec.ts";

export interface AppDeps {
  redis: RedisRoutesDeps;
  isReady: () => boolean;
  log: Logger;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use("*", corsAndMethods());

  app.get("/healthz", () => httpResponse('{"status":"ok"}', 200, "application/json"));
  app.get("/readyz", () =>
    deps.isReady() ? httpResponse('{"status":"ready"}', 200, "application/json") : httpResponse('{"status":"loading"}', 503, "application/json"),
  );

  app.route("/", createRedisRoutes(deps.redis));

  app.notFound(() => jsonErrorResponse("ERR not found", 404));
  app.onError((error) => {
    deps.log.log("error", "request_failed", { error: String(error?.stack ?? error) });
    return jsonErrorResponse("ERR internal error", 500);
  });
  return app;
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
    if (!allowedMethods.has(method)) return methodNotAllowed();
    await next();
  };
}
