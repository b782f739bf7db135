// The Kafka admin API under /admin/kafka/** (behind the admin token): what Upstash's console and
// Developer API did — create, list, describe, reconfigure and delete topics, manage users — plus
// an on-demand clean (retention and compaction now). `downstash kafka ...` (cli/kafka.ts) calls it.

import { Hono, type Context } from "hono";
import { timingSafeEqual } from "node:crypto";
import type { Cleaner } from "./cleaner.ts";
import type { ConsumerGroups } from "./consumer-groups.ts";
import { badRequest, KafkaError } from "./errors.ts";
import type { KafkaLog, Topic } from "./log.ts";
import type { StickyPartitioner } from "./partitioner.ts";
import { applyTopicConfig, checkPartitionCount, checkTopicName, defaultTopicConfig } from "./topics.ts";
import type { KafkaUsers } from "./users.ts";

export interface KafkaAdminDeps {
  log: KafkaLog;
  groups: ConsumerGroups;
  users: KafkaUsers;
  cleaner: Cleaner;
  partitioner: StickyPartitioner;
  adminToken: string;
  defaultPartitions: number;
}

/** A topic as the admin API shows it: its settings and each partition's offsets and size. */
export function describeTopic(topic: Topic) {
  return {
    name: topic.name,
    partitions: topic.partitions.length,
    createdAtMs: topic.createdAtMs,
    config: topic.config,
    partitionDetails: topic.partitions.map((log) => ({
      partition: log.partition,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.highWatermark,
      sizeBytes: log.segments.reduce((total, segment) => total + segment.sizeBytes, 0),
      segments: log.segments.length,
      cleanOffset: log.cleanOffset,
    })),
  };
}

export function createKafkaAdminRoutes(deps: KafkaAdminDeps): Hono {
  const app = new Hono();
  const expected = Buffer.from(deps.adminToken);

  app.use("/admin/kafka/*", async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = Buffer.from(header.startsWith("Bearer ") ? header.slice(7) : "");
    if (token.length !== expected.length || !timingSafeEqual(token, expected)) return reply(c, { error: "Unauthorized", status: 401 }, 401);
    await next();
  });

  app.get("/admin/kafka/topics", guarded((c) => reply(c, [...deps.log.topics.values()].map(describeTopic))));

  app.post("/admin/kafka/topics", guarded(async (c) => {
    const body = await jsonBody(c);
    const name = checkTopicName(body.name);
    const partitions = checkPartitionCount(body.partitions ?? deps.defaultPartitions);
    const config = applyTopicConfig(defaultTopicConfig, configObject(body.config));
    return reply(c, describeTopic(deps.log.createTopic(name, partitions, config)), 201);
  }));

  app.get("/admin/kafka/topics/:name", guarded((c) => reply(c, describeTopic(deps.log.topic(c.req.param("name")!)))));

  app.delete("/admin/kafka/topics/:name", guarded((c) => {
    const name = c.req.param("name")!;
    const topic = deps.log.topic(name);
    deps.log.deleteTopic(name);
    deps.partitioner.forget(name);
    deps.groups.topicChanged(topic);
    return reply(c, { result: "Success", status: 200 });
  }));

  const alter = async (c: Context) => {
    const topic = deps.log.topic(c.req.param("name")!);
    const body = await jsonBody(c);
    const config = applyTopicConfig(topic.config, configObject(body.config));
    const partitions = body.partitions === undefined ? topic.partitions.length : checkPartitionCount(body.partitions);
    const before = topic.partitions.length;
    deps.log.alterTopic(topic.name, config, partitions);
    if (partitions !== before) deps.groups.topicChanged(topic);
    return reply(c, describeTopic(topic));
  };
  app.post("/admin/kafka/topics/:name/config", guarded(alter));
  app.patch("/admin/kafka/topics/:name/config", guarded(alter));

  app.post("/admin/kafka/topics/:name/clean", guarded(async (c) => {
    const topic = deps.log.topic(c.req.param("name")!);
    const result = await deps.cleaner.cleanTopic(topic);
    return reply(c, { ...result, topic: describeTopic(topic) });
  }));

  app.get("/admin/kafka/consumers", guarded((c) => reply(c, deps.groups.list())));

  app.get("/admin/kafka/users", guarded((c) => reply(c, deps.users.list())));
  app.post("/admin/kafka/users", guarded(async (c) => {
    const body = await jsonBody(c);
    return reply(c, deps.users.put(body.name, body.password, body.permissions ?? "ALL", body.topicPattern ?? "*"), 201);
  }));
  app.delete("/admin/kafka/users/:name", guarded((c) => {
    deps.users.delete(c.req.param("name")!);
    return reply(c, { result: "Success", status: 200 });
  }));

  app.all("/admin/kafka/*", (c) => reply(c, { error: `Not found: ${c.req.method} ${new URL(c.req.url).pathname}`, status: 404 }, 404));
  return app;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badRequest(`Malformed JSON body: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("body must be a JSON object");
  return body as Record<string, unknown>;
}

function configObject(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw badRequest('config must be an object such as {"retention.ms": 60000}');
  return raw as Record<string, unknown>;
}

/** Hono hands a handler's throw to the parent app's onError: answer KafkaErrors here instead. */
function guarded(handler: (c: Context) => Response | Promise<Response>): (c: Context) => Promise<Response> {
  return async (c) => {
    try {
      return await handler(c);
    } catch (error) {
      if (error instanceof KafkaError) return reply(c, { error: error.message, status: error.status }, error.status);
      throw error;
    }
  };
}

function reply(c: Context, body: unknown, status = 200): Response {
  return c.json(body as object, status as 200);
}
