// Token authentication for the Redis REST surface: `Authorization: Bearer <token>` or
// `?_token=<token>` (spec/redis-rest.md §1.3). Sets `c.var.access`; anything else is a JSON 401,
// because the SDK parses every error body as JSON. Runs on every request: no regex, no URL
// parsing unless the query names `_token`.

import type { MiddlewareHandler } from "hono";
import type { Access } from "../platform/databases.ts";
import { errors } from "../redis/engine/errors.ts";
import { jsonErrorResponse } from "../redis/rest-codec.ts";

export type AuthVariables = { access: Access };

export function tokenAuth(options: { authenticate: (token: string) => Access | undefined }): MiddlewareHandler<{ Variables: AuthVariables }> {
  if (typeof options.authenticate !== "function") throw new Error("tokenAuth needs an authenticate function");
  const { authenticate } = options;
  return async (c, next) => {
    const request = c.req.raw;
    const token = bearerToken(request.headers.get("authorization")) ?? queryToken(request.url);
    const access = token === undefined ? undefined : authenticate(token);
    if (access === undefined) return unauthorized();
    c.set("access", access);
    await next();
  };
}

export function unauthorized(): Response {
  return jsonErrorResponse(errors.unauthorized().message, 401);
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any. */
export function bearerToken(header: string | null): string | undefined {
  if (header === null || header.length <= 7) return undefined;
  if (header.slice(0, 7).toLowerCase() !== "bearer ") return undefined;
  const token = header.slice(7).trim();
  return token === "" ? undefined : token;
}

function queryToken(url: string): string | undefined {
  const query = url.indexOf("?");
  if (query === -1 || url.indexOf("_token=", query) === -1) return undefined;
  return new URL(url).searchParams.get("_token") ?? undefined;
}
