// Token authentication for the Redis REST surface: `Authorization: Bearer <token>` or
// `?_token=<token>` (spec/redis-rest.md §1.3). Sets `c.var.access`; anything else is a JSON 401,
// because the SDK parses every error body as JSON. Runs on every request: no regex, no query
// parsing unless the query names `_token`. The fast routes (redis/rest.ts) check tokens through
// the same `accessOf`, so both ways in accept and refuse the same requests.

import type { MiddlewareHandler } from "hono";
import type { Access } from "../platform/databases.ts";
import { errors } from "../redis/engine/errors.ts";
import { encodeError, jsonErrorResponse, responseHeaderLines } from "../redis/rest-codec.ts";
import type { RawResponse } from "./fast-route.ts";

export type AuthVariables = { access: Access };

export function tokenAuth(options: { authenticate: (token: string) => Access | undefined }): MiddlewareHandler<{ Variables: AuthVariables }> {
  if (typeof options.authenticate !== "function") throw new Error("tokenAuth needs an authenticate function");
  const { authenticate } = options;
  return async (c, next) => {
    const request = c.req.raw;
    const access = accessOf(authenticate, request.headers.get("authorization"), request.url);
    if (access === undefined) return unauthorized();
    c.set("access", access);
    await next();
  };
}

/** The access a request's credential opens: the Bearer header's token, else `_token` in the URL or request target. */
export function accessOf(authenticate: (token: string) => Access | undefined, authorization: string | null | undefined, url: string): Access | undefined {
  const token = bearerToken(authorization ?? null) ?? queryToken(url);
  return token === undefined ? undefined : authenticate(token);
}

export function unauthorized(): Response {
  return jsonErrorResponse(errors.unauthorized().message, 401);
}

/** `unauthorized()` for a fast route: the same status, headers and body. */
export function unauthorizedRaw(): RawResponse {
  return { status: 401, headerLines: responseHeaderLines("application/json"), body: encodeError(errors.unauthorized().message) };
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any. */
export function bearerToken(header: string | null): string | undefined {
  if (header === null || header.length <= 7) return undefined;
  // "Bearer " as the SDKs write it is checked without lower-casing a copy (about 50 ns a request).
  if (!header.startsWith("Bearer ") && header.slice(0, 7).toLowerCase() !== "bearer ") return undefined;
  const token = header.slice(7).trim();
  return token === "" ? undefined : token;
}

/** `_token` of the query, decoded as URLSearchParams does; a `#fragment` is not part of the query. */
function queryToken(url: string): string | undefined {
  const query = url.indexOf("?");
  if (query === -1 || url.indexOf("_token=", query) === -1) return undefined;
  const fragment = url.indexOf("#", query);
  return new URLSearchParams(url.slice(query + 1, fragment === -1 ? undefined : fragment)).get("_token") ?? undefined;
}
