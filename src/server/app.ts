// The HTTP composition: CORS, health, and each product's sub-app. Routes live with their
// product (redis/rest.ts, later qstash/ and kafka/); this file only mounts them and owns the one
// error path, so every failure is a JSON body the SDKs can parse.

import { Hono } from "hono";
import { cors } from "hono/cors";
import type { Logger } from "../util/log.ts";
import { createRedisRoutes, methodNotAllowed, type RedisRoutesDeps } from "../redis/rest.ts";
import { encodeError } from "../redis/rest-codec.ts";

export interface AppDeps {
  redis: RedisRoutesDeps;
  isReady: () => boolean;
  log: Logger;
}

const allowedMethods = ["HEAD", "GET", "POST", "PUT"];

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  // The read-only token is meant for browsers (spec §1.5), so preflights must pass.
  app.use(
    "*",
    cors({
      origin: "*",
      allowMethods: [...allowedMethods, "OPTIONS"],
      allowHeaders: [
        "Authorization",
        "Content-Type",
        "Upstash-Encoding",
        "upstash-sync-token",
        "Upstash-Response-Format",
        "Upstash-Telemetry-Runtime",
        "Upstash-Telemetry-Platform",
        "Upstash-Telemetry-Sdk",
        "Upstash-Telemetry-Retry",
      ],
      exposeHeaders: ["upstash-sync-token"],
      maxAge: 86400,
    }),
  );
  app.use("*", async (c, next) => {
    if (!allowedMethods.includes(c.req.method)) return methodNotAllowed();
    await next();
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => (deps.isReady() ? c.json({ status: "ready" }) : c.json({ status: "loading" }, 503)));

  app.route("/", createRedisRoutes(deps.redis));

  app.notFound(() => new Response(encodeError("ERR not found"), { status: 404, headers: { "content-type": "application/json" } }));
  app.onError((error) => {
    deps.log.log("error", "request_failed", { error: String(error?.stack ?? error) });
    return new Response(encodeError("ERR internal error"), { status: 500, headers: { "content-type": "application/json" } });
  });
  return app;
}
