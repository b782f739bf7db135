// The QStash HTTP API under /v2 (spec/qstash.md §2), as `@upstash/qstash` 2.12 calls it: a Hono
// sub-app with its own auth (Bearer QStash token or `?qstash_token=`). It turns requests into
// service calls and service results into the JSON the SDK parses; destinations in paths are read
// from the raw URL (never decoded, `//` kept) as §1.2 requires. Every error is `{"error": "..."}`.

import type { Server } from "bun";
import { Hono, type Context } from "hono";
import { concatBytes } from "../util/bytes.ts";
import { ApiError, BadRequestError, payloadTooLarge } from "./api-error.ts";
import { expandStateFilter } from "./events.ts";
import { classifyDestination, destinationFromRawUrl, headerListOf, splitList } from "./publish-request.ts";
import type { QStashService } from "./service.ts";
import type { RowFilter } from "./store.ts";
import { parseEndpoints } from "./url-groups.ts";

export interface QStashRoutesDeps {
  service: QStashService;
  /** Accepted tokens (the configured one, or the dev server's). */
  tokens: readonly string[];
  /** Largest `/v2/batch` body: many messages, each up to the message size limit. */
  maxBatchBytes: number;
}

const EVENTS_COUNT_DEFAULT = 100;
const EVENTS_COUNT_MAX = 1000;
const DLQ_COUNT_DEFAULT = 100;
const DLQ_COUNT_MAX = 100;

export function createQStashRoutes(deps: QStashRoutesDeps): Hono {
  const { service } = deps;
  const app = new Hono();
  const tokens = deps.tokens.map((token) => new TextEncoder().encode(token));

  app.use("/v2/*", async (c, next) => {
    const request = c.req.raw;
    const token = bearer(request.headers.get("authorization")) ?? queryToken(request.url);
    if (token === undefined || !tokens.some((accepted) => constantTimeEqual(accepted, new TextEncoder().encode(token)))) {
      return json({ error: "Unauthorized" }, 401);
    }
    await next();
  });

  // --- publish, enqueue, batch ----------------------------------------------------------------

  app.post("/v2/publish/*", async (c) => {
    const destination = destinationFromRawUrl(c.req.url, "/v2/publish/");
    const headers = headerListOf(c.req.raw.headers);
    const body = await readBody(c.req.raw, service.limits.maxMessageBytes);
    // compat: the legacy form, `Upstash-Cron` on a publish, creates a schedule.
    if (headers.some(([name]) => name === "upstash-cron")) {
      return json(await service.createSchedule({ destination, headers, body, callerIp: callerIp(c) }), 200);
    }
    const result = await service.publish({ destination, headers, body, callerIp: callerIp(c) });
    return json(result.body, result.status);
  });

  app.post("/v2/enqueue/*", async (c) => {
    const rest = destinationFromRawUrl(c.req.url, "/v2/enqueue/");
    const slash = rest.indexOf("/");
    if (slash <= 0) throw new BadRequestError("enqueue needs /v2/enqueue/<queue>/<destination>");
    const queueName = decodedSegment(rest.slice(0, slash), "queue name");
    const result = await service.publish({
      destination: rest.slice(slash + 1),
      headers: headerListOf(c.req.raw.headers),
      body: await readBody(c.req.raw, service.limits.maxMessageBytes),
      callerIp: callerIp(c),
      queueName,
    });
    return json(result.body, result.status);
  });

  app.post("/v2/batch", async (c) => {
    const text = new TextDecoder().decode(await readBody(c.req.raw, deps.maxBatchBytes));
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch {
      throw new BadRequestError("batch body must be a JSON array of messages");
    }
    return json(await service.batch(items, callerIp(c)), 200);
  });

  // --- messages -------------------------------------------------------------------------------

  app.get("/v2/messages/:messageId", (c) => json(service.getMessage(c.req.param("messageId")), 200));
  app.delete("/v2/messages/:messageId", (c) => json(service.cancelMessage(c.req.param("messageId")), 200));
  app.delete("/v2/messages", (c) => {
    const query = queryOf(c);
    const ids = multi(query, "messageIds");
    const filter = ids.length > 0 ? { messageId: ids } : rowFilter(query, { hostAndPath: true });
    return json(service.cancelMessages(filter), 200);
  });

  // --- logs -----------------------------------------------------------------------------------

  const listEvents = (c: Context, key: "events" | "logs") => {
    const query = queryOf(c);
    const ids = multi(query, "messageIds");
    const filter = rowFilter(query, { hostAndPath: true, state: true });
    if (ids.length > 0) filter.messageId = ids;
    const page = service.listEvents(filter, query.get("cursor") ?? undefined, count(query, EVENTS_COUNT_DEFAULT, EVENTS_COUNT_MAX));
    return json({ ...(page.cursor === undefined ? {} : { cursor: page.cursor }), [key]: page.events }, 200);
  };
  app.get("/v2/events", (c) => listEvents(c, "events"));
  app.get("/v2/logs", (c) => listEvents(c, "logs"));

  // --- DLQ ------------------------------------------------------------------------------------

  const dlqFilter = (query: URLSearchParams): RowFilter => {
    if (query.has("host") || query.has("path")) throw new BadRequestError("the DLQ cannot be filtered by host or path");
    const ids = multi(query, "dlqIds");
    return ids.length > 0 ? { dlqId: ids } : rowFilter(query, { responseStatus: true });
  };
  app.get("/v2/dlq", (c) => {
    const query = queryOf(c);
    return json(service.listDlq(dlqFilter(query), query.get("cursor") ?? undefined, count(query, DLQ_COUNT_DEFAULT, DLQ_COUNT_MAX)), 200);
  });
  app.delete("/v2/dlq", (c) => {
    const query = queryOf(c);
    return json(service.deleteDlqMany(dlqFilter(query), query.get("cursor") ?? undefined, count(query, DLQ_COUNT_DEFAULT, DLQ_COUNT_MAX)), 200);
  });
  app.post("/v2/dlq/retry", async (c) => {
    const query = queryOf(c);
    const result = await service.retryDlq(
      dlqFilter(query),
      query.get("cursor") ?? undefined,
      count(query, DLQ_COUNT_DEFAULT, DLQ_COUNT_MAX),
      headerListOf(c.req.raw.headers),
      callerIp(c),
    );
    return json(result, 201);
  });
  app.post("/v2/dlq/retry/:dlqId", async (c) => {
    const dlqId = c.req.param("dlqId");
    service.getDlq(dlqId);
    const result = await service.retryDlq({ dlqId: [dlqId] }, undefined, 1, headerListOf(c.req.raw.headers), callerIp(c));
    return json(result.responses[0], 201);
  });
  app.get("/v2/dlq/:dlqId", (c) => json(service.getDlq(c.req.param("dlqId")), 200));
  app.delete("/v2/dlq/:dlqId", (c) => {
    service.deleteDlq(c.req.param("dlqId"));
    return json({}, 200);
  });

  // --- schedules ------------------------------------------------------------------------------

  app.get("/v2/schedules", () => json(service.listSchedules(), 200));
  app.get("/v2/schedules/:scheduleId", (c) => json(service.getSchedule(c.req.param("scheduleId")), 200));
  app.delete("/v2/schedules/:scheduleId", (c) => {
    service.deleteSchedule(c.req.param("scheduleId"));
    return json({}, 200);
  });
  // The SDK pauses and resumes with PATCH, the docs with POST: both are served.
  app.patch("/v2/schedules/:scheduleId/:action{pause|resume}", (c) => {
    service.setSchedulePaused(c.req.param("scheduleId"), c.req.param("action") === "pause");
    return json({}, 200);
  });
  app.post("/v2/schedules/*", async (c) => {
    const rest = destinationFromRawUrl(c.req.url, "/v2/schedules/");
    const action = /^([^/:]+)\/(pause|resume)$/.exec(rest);
    if (action !== null && classifyDestination(rest).kind === "group") {
      service.setSchedulePaused(decodedSegment(action[1]!, "schedule id"), action[2] === "pause");
      return json({}, 200);
    }
    const result = await service.createSchedule({
      destination: rest,
      headers: headerListOf(c.req.raw.headers),
      body: await readBody(c.req.raw, service.limits.maxMessageBytes),
      callerIp: callerIp(c),
    });
    return json(result, 200);
  });

  // --- URL groups ("topics") ------------------------------------------------------------------

  app.get("/v2/topics", () => json(service.listUrlGroups(), 200));
  app.get("/v2/topics/:name", (c) => json(service.getUrlGroup(c.req.param("name")), 200));
  app.delete("/v2/topics/:name", (c) => {
    service.deleteUrlGroup(c.req.param("name"));
    return json({}, 200);
  });
  app.post("/v2/topics/:name/endpoints", async (c) => {
    service.addEndpoints(c.req.param("name"), parseEndpoints(await readJson(c.req.raw), true));
    return json({}, 200);
  });
  app.delete("/v2/topics/:name/endpoints", async (c) => {
    service.removeEndpoints(c.req.param("name"), parseEndpoints(await readJson(c.req.raw), false));
    return json({}, 200);
  });

  // --- queues ---------------------------------------------------------------------------------

  app.get("/v2/queues", () => json(service.listQueues(), 200));
  app.post("/v2/queues", async (c) => {
    service.upsertQueue(await readJson(c.req.raw));
    return json({}, 200);
  });
  app.get("/v2/queues/:name", (c) => json(service.getQueue(c.req.param("name")), 200));
  app.delete("/v2/queues/:name", (c) => {
    service.deleteQueue(c.req.param("name"));
    return json({}, 200);
  });
  app.post("/v2/queues/:name/:action{pause|resume}", (c) => {
    service.setQueuePaused(c.req.param("name"), c.req.param("action") === "pause");
    return json({}, 200);
  });

  // --- flow control ---------------------------------------------------------------------------

  app.get("/v2/flowControl", () => json(service.listFlowControls(), 200));
  app.get("/v2/flowControl/:key", (c) => json(service.getFlowControl(c.req.param("key")), 200));
  app.post("/v2/flowControl/:key/:action{pause|resume|pin|unpin|resetRate}", (c) => {
    const query = queryOf(c);
    const action = c.req.param("action");
    const positive = (name: string) => {
      const value = query.get(name);
      if (value === null || value === "") return undefined;
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new BadRequestError(`${name} must be a positive integer`);
      return Number(value);
    };
    const flag = (name: string) => query.get(name) === "true";
    const pin = action === "pin" ? { parallelism: positive("parallelism"), rate: positive("rate"), periodS: positive("period") } : undefined;
    service.updateFlowControl(c.req.param("key"), (entry, nowMs) => {
      if (action === "pause") entry.config.paused = true;
      else if (action === "resume") entry.config.paused = false;
      else if (action === "pin") entry.pin(pin!, nowMs);
      else if (action === "unpin") entry.unpin({ parallelism: flag("parallelism"), rate: flag("rate") });
      else entry.resetRate(nowMs);
    });
    return json({}, 200);
  });
  app.get("/v2/globalParallelism", () => json(service.globalParallelism(), 200));

  // --- signing keys ---------------------------------------------------------------------------

  app.get("/v2/keys", () => json(service.signingKeys(), 200));
  app.post("/v2/keys/rotate", async () => json(await service.rotateSigningKeys(), 200));

  app.all("/v2/*", () => json({ error: "not found" }, 404));
  app.onError((error) => {
    if (error instanceof ApiError) return json({ error: error.message }, error.status);
    throw error;
  });
  return app;
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function bearer(header: string | null): string | undefined {
  if (header === null || header.length <= 7 || header.slice(0, 7).toLowerCase() !== "bearer ") return undefined;
  const token = header.slice(7).trim();
  return token === "" ? undefined : token;
}

function queryToken(url: string): string | undefined {
  if (!url.includes("qstash_token=")) return undefined;
  return new URL(url).searchParams.get("qstash_token") ?? undefined;
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** The publisher's address, as Bun's server saw it (IPv4-mapped IPv6 shown as IPv4). */
function callerIp(c: Context): string {
  const server = c.env as Server<undefined> | undefined;
  const address = server?.requestIP?.(c.req.raw)?.address ?? "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

function queryOf(c: Context): URLSearchParams {
  return new URL(c.req.url).searchParams;
}

/** Repeated keys (`a=1&a=2`) and comma lists (`a=1,2`) both give several values. */
function multi(query: URLSearchParams, ...names: string[]): string[] {
  return names.flatMap((name) => query.getAll(name).flatMap(splitList));
}

function count(query: URLSearchParams, fallback: number, max: number): number {
  const value = query.get("count");
  if (value === null || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new BadRequestError(`count must be a positive integer, got ${value}`);
  return Math.min(Number(value), max);
}

function dateMs(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^\d+$/.test(value)) throw new BadRequestError(`${name} must be a unix time in milliseconds, got ${value}`);
  return Number(value);
}

/** The filters shared by logs, DLQ and bulk cancel (spec §1.3: values OR-ed, filters AND-ed). */
function rowFilter(query: URLSearchParams, options: { hostAndPath?: boolean; state?: boolean; responseStatus?: boolean }): RowFilter {
  const filter: RowFilter = {
    messageId: multi(query, "messageId"),
    url: query.getAll("url"),
    topicName: multi(query, "topicName", "urlGroup"),
    queueName: multi(query, "queueName"),
    scheduleId: multi(query, "scheduleId"),
    label: multi(query, "label"),
    flowControlKey: multi(query, "flowControlKey"),
    callerIp: multi(query, "callerIp", "callerIP"),
    fromMs: dateMs(query, "fromDate"),
    toMs: dateMs(query, "toDate"),
  };
  if (options.hostAndPath) {
    filter.host = multi(query, "host");
    filter.path = query.getAll("path");
  }
  if (options.state) filter.state = expandStateFilter(multi(query, "state"));
  if (options.responseStatus) {
    const statuses = multi(query, "responseStatus");
    if (statuses.some((status) => !/^\d+$/.test(status))) throw new BadRequestError("responseStatus must be an HTTP status code");
    filter.responseStatus = statuses.map(Number);
  }
  return filter;
}

/** Reads a request body, refusing one larger than `limitBytes` with the size error. */
async function readBody(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limitBytes) throw payloadTooLarge(limitBytes);
  if (request.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    total += chunk.byteLength;
    if (total > limitBytes) throw payloadTooLarge(limitBytes);
    chunks.push(chunk);
  }
  return concatBytes(chunks, total);
}

async function readJson(request: Request): Promise<unknown> {
  const text = new TextDecoder().decode(await readBody(request, 1024 * 1024));
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError("request body must be JSON");
  }
}

/** A percent-encoded path segment, decoded; malformed encoding (`%ZZ`) is the sender's error. */
function decodedSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequestError(`malformed percent-encoding in the ${what} ${JSON.stringify(segment)}`);
  }
}
