// Token authentication for the Redis REST surface: `Authorization: Bearer <token>` or
// `?_token=<token>` (spec/redis-rest.md §1.3). Sets `c.var.access`; anything else is a JSON 401,
// because the SDK parses every error body as JSON.

import type { MiddlewareHandler } from "hono";
import type { Access } from "../platform/databases.ts";
import { errors } from "../redis/engine/errors.ts";
import { encodeError } from "../redis/rest-codec.ts";

export type AuthVariables = { access: Access };

export function tokenAuth(options: { authenticate: (token: string) => Access | undefined }): MiddlewareHandler<{ Variables: AuthVariables }> {
  if (typeof options.authenticate !== "function") throw new Error("tokenAuth needs an authenticate function");
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization")) ?? queryToken(c.req.url);
    const access = token === undefined ? undefined : options.authenticate(token);
    if (access === undefined) {
      return new Response(encodeError(errors.unauthorized().message), { status: 401, headers: { "content-type": "application/json" } });
    }
    c.set("access", access);
    await next();
  };
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function queryToken(url: string): string | undefined {
  const at = url.indexOf("_token=");
  if (at === -1) return undefined;
  return new URL(url).searchParams.get("_token") ?? undefined;
}
