// The Kafka REST API (spec/kafka.md §1–§2) as `@upstash/kafka` 1.3.x calls it, plus the documented
// GET forms, /produce/{topic}[/{message}] and /webhook: a Hono sub-app behind HTTP Basic auth.
// It claims only its own first path segments and routes them itself, so trailing slashes are
// tolerated; bodies are JSON whatever the Content-Type, an empty body is no body, and every
// answer, error or not, is JSON (errors as {"error", "status"}), since the client parses them all.

import { Hono, type Context } from "hono";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import type { ConsumedRecord, ConsumerGroups, InstanceOptions, OffsetReset } from "./consumer-groups.ts";
import { badRequest, KafkaError, unauthorized } from "./errors.ts";
import type { KafkaLog, PartitionLog } from "./log.ts";
import type { StickyPartitioner } from "./partitioner.ts";
import { prepareProduce } from "./produce.ts";
import type { RecordRow } from "./store.ts";
import { canSee, requireConsume, requireConsumer, type KafkaUser, type KafkaUsers } from "./users.ts";

export interface KafkaRoutesDeps {
  log: KafkaLog;
  groups: ConsumerGroups;
  users: KafkaUsers;
  partitioner: StickyPartitioner;
  clock: Clock;
  logger: Logger;
  maxRequestBytes: number;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  consumerIdleMs: number;
  fetchRecordsMax: number;
  fetchPartitionBytesMax: number;
}

const FIRST_SEGMENTS = new Set(["produce", "fetch", "consume", "commit", "committed", "offsets", "topics", "consumers", "delete-consumer", "webhook"]);
const TIMEOUT_DEFAULT_MS = 1000;
/** Longest long poll: a bound on every waiting request. */
const TIMEOUT_MAX_MS = 60_000;
const SESSION_TIMEOUT_MIN_MS = 1000;
const SESSION_TIMEOUT_MAX_MS = 3_600_000;
/** Group and instance ids travel unencoded in paths (spec §1), so they are kept URL-safe. */
const ID = /^[A-Za-z0-9._~:@+=-]{1,255}$/;
const SUCCESS = '{"result":"Success","status":200}';

/** Request headers that are HTTP's own, never turned into Kafka headers by /webhook. */
const WEBHOOK_SKIPPED_HEADERS = /^(authorization|content-length|content-type|host|connection|keep-alive|user-agent|accept.*|transfer-encoding|te|trailer|upgrade|expect|cookie|origin|referer|x-forwarded-.*|x-real-ip|forwarded|via|proxy-.*|cache-control|pragma|sec-.*)$/i;

export function createKafkaRoutes(deps: KafkaRoutesDeps): Hono {
  const app = new Hono();
  app.use("*", async (c, next) => {
    // Every request of every surface passes here: others leave before a URL is parsed.
    if (!FIRST_SEGMENTS.has(firstSegment(c.req.url))) return next();
    const url = new URL(c.req.url);
    const segments = url.pathname.split("/").slice(1);
    while (segments.length > 0 && segments.at(-1) === "") segments.pop();
    if (segments.length === 0 || !FIRST_SEGMENTS.has(segments[0]!)) return next();
    try {
      return await handle(deps, c, url, segments);
    } catch (error) {
      if (error instanceof KafkaError) return json(JSON.stringify({ error: error.message, status: error.status }), error.status);
      deps.logger.log("error", "kafka_request_failed", { path: segments[0], error: String((error as Error)?.stack ?? error) });
      return json('{"error":"Internal server error","status":500}', 500);
    }
  });
  return app;
}

/** The first path segment of a serialized URL, as it stands there (not percent-decoded). */
function firstSegment(url: string): string {
  const path = url.indexOf("/", url.indexOf("//") + 2);
  if (path === -1) return "";
  let end = path + 1;
  while (end < url.length) {
    const char = url[end];
    if (char === "/" || char === "?" || char === "#") break;
    end++;
  }
  return url.slice(path + 1, end);
}

async function handle(deps: KafkaRoutesDeps, c: Context, url: URL, rawSegments: string[]): Promise<Response> {
  const method = c.req.method;
  const [route, ...rest] = rawSegments.map(decodeSegment);
  const allowed = route === "delete-consumer" ? ["GET", "POST", "DELETE"] : ["GET", "POST"];
  if (!allowed.includes(method)) throw new KafkaError(405, `Method ${method} is not allowed on /${route}`);
  const user = authenticate(deps, c, url, route === "webhook");

  switch (route) {
    case "produce": {
      if (rest.length > 2) throw notFoundRoute(url);
      const topic = rest[0];
      if (rest.length === 2) {
        // GET /produce/{topic}/{message}?key=: the message from the path; one object answers.
        const key = url.searchParams.get("key");
        const [result] = await produce(deps, user, { value: rest[1], ...(key === null ? {} : { key }) }, topic);
        return json(JSON.stringify(result), 200);
      }
      return json(JSON.stringify(await produce(deps, user, await readJson(c, deps.maxRequestBytes), topic)), 200);
    }
    case "webhook": {
      if (rest.length > 0) throw notFoundRoute(url);
      const topic = url.searchParams.get("topic");
      if (topic === null) throw badRequest("webhook needs ?topic=");
      const headers: { key: string; value: string }[] = [];
      c.req.raw.headers.forEach((value, name) => {
        if (!WEBHOOK_SKIPPED_HEADERS.test(name)) headers.push({ key: name, value });
      });
      const body = await readText(c, deps.maxRequestBytes);
      const [result] = await produce(deps, user, { value: body, headers }, topic);
      return json(JSON.stringify(result), 200);
    }
    case "fetch": {
      if (rest.length > 0) throw notFoundRoute(url);
      return json(renderRecords(await fetchRecords(deps, user, await readJson(c, deps.maxRequestBytes))), 200);
    }
    case "consume": {
      if (rest.length < 2 || rest.length > 3) throw notFoundRoute(url);
      const [group, instance] = ids(rest);
      const body = (await readJson(c, deps.maxRequestBytes)) ?? {};
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("consume body must be {topic} or {topics}, with an optional timeout");
      const fields = body as Record<string, unknown>;
      const topics: unknown[] = [];
      if (rest[2] !== undefined) topics.push(rest[2]);
      if (fields.topic !== undefined) topics.push(fields.topic);
      if (fields.topics !== undefined) {
        if (!Array.isArray(fields.topics)) throw badRequest("topics must be an array of topic names");
        topics.push(...fields.topics);
      }
      if (topics.length === 0) throw badRequest("consume needs a topic or topics");
      for (const topic of topics) {
        if (typeof topic !== "string") throw badRequest("topic names must be strings");
        requireConsume(user, topic);
      }
      const timeoutMs = timeoutOf(fields.timeout ?? url.searchParams.get("timeout") ?? undefined, TIMEOUT_DEFAULT_MS);
      const options = instanceOptions(c, deps.consumerIdleMs);
      const records = await deps.groups.consume(group, instance, topics as string[], options, timeoutMs);
      return json(renderRecords(records), 200);
    }
    case "commit": {
      if (rest.length !== 2) throw notFoundRoute(url);
      const [group, instance] = ids(rest);
      requireConsumer(user);
      const body = await readJson(c, deps.maxRequestBytes);
      const list = body === undefined || (Array.isArray(body) && body.length === 0) ? undefined : (Array.isArray(body) ? body : [body]).map(offsetEntry);
      for (const entry of list ?? []) requireConsume(user, entry.topic);
      await deps.groups.commit(group, instance, list);
      return json(SUCCESS, 200);
    }
    case "committed": {
      if (rest.length !== 2) throw notFoundRoute(url);
      const [group, instance] = ids(rest);
      const partitions = partitionList(await readJson(c, deps.maxRequestBytes));
      for (const entry of partitions) requireConsume(user, entry.topic);
      return json(JSON.stringify(deps.groups.committed(group, instance, partitions)), 200);
    }
    case "offsets": {
      if (rest.length !== 1) throw notFoundRoute(url);
      const at = timestampOf(rest[0]!);
      const partitions = partitionList(await readJson(c, deps.maxRequestBytes));
      const answer = partitions.map(({ topic, partition }) => {
        requireConsume(user, topic);
        const log = deps.log.partition(topic, partition);
        const offset = at === "earliest" ? log.logStartOffset : at === "latest" ? log.highWatermark : deps.log.offsetForTimestamp(log, at);
        return { topic, partition, offset };
      });
      return json(JSON.stringify(answer), 200);
    }
    case "topics": {
      if (rest.length > 0) throw notFoundRoute(url);
      // fromEntries makes every name a key of its own: `__proto__` is a valid topic name.
      const topics = Object.fromEntries(
        [...deps.log.topics.values()]
          .filter((topic) => canSee(user, topic.name))
          .sort((a, b) => (a.name < b.name ? -1 : 1))
          .map((topic) => [topic.name, topic.partitions.length]),
      );
      return json(JSON.stringify(topics), 200);
    }
    case "consumers": {
      if (rest.length > 0) throw notFoundRoute(url);
      requireConsumer(user);
      const groups = deps.groups
        .list()
        .map((group) => ({
          ...group,
          instances: group.instances.map((instance) => ({ ...instance, topics: instance.topics.filter((entry) => canSee(user, entry.topic)) })),
        }))
        .filter((group) => group.instances.some((instance) => instance.topics.length > 0));
      return json(JSON.stringify(groups), 200);
    }
    case "delete-consumer": {
      if (rest.length !== 2) throw notFoundRoute(url);
      const [group, instance] = ids(rest);
      requireConsumer(user);
      await deps.groups.deleteInstance(group, instance);
      return json(SUCCESS, 200);
    }
    default:
      throw notFoundRoute(url);
  }
}

// --- auth and input -----------------------------------------------------------------------------

function authenticate(deps: KafkaRoutesDeps, c: Context, url: URL, allowQuery: boolean): KafkaUser {
  let user = deps.users.authenticate(c.req.header("authorization"));
  // /webhook also takes ?user=&pass= for senders that cannot set headers (spec §2.8).
  if (user === undefined && allowQuery && url.searchParams.has("user")) {
    const basic = Buffer.from(`${url.searchParams.get("user")}:${url.searchParams.get("pass") ?? ""}`, "latin1").toString("base64");
    user = deps.users.authenticate(`Basic ${basic}`);
  }
  if (user === undefined) throw unauthorized();
  return user;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`Malformed percent-encoding in path segment ${JSON.stringify(segment)}`);
  }
}

function ids(rest: string[]): [string, string] {
  const [group, instance] = rest as [string, string];
  if (!ID.test(group)) throw badRequest(`Invalid consumer group id ${JSON.stringify(group)}: use 1 to 255 of A-Z a-z 0-9 . _ - ~ : @ + =`);
  if (!ID.test(instance)) throw badRequest(`Invalid consumer instance id ${JSON.stringify(instance)}: use 1 to 255 of A-Z a-z 0-9 . _ - ~ : @ + =`);
  return [group, instance];
}

function notFoundRoute(url: URL): KafkaError {
  return new KafkaError(404, `Not found: ${url.pathname}`);
}

async function readText(c: Context, maxBytes: number): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) throw new KafkaError(413, `Request body is larger than ${maxBytes} bytes`);
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw new KafkaError(413, `Request body is larger than ${maxBytes} bytes`);
  return new TextDecoder().decode(bytes);
}

/** The body as JSON whatever its Content-Type; an empty body is undefined. */
async function readJson(c: Context, maxBytes: number): Promise<unknown> {
  const text = await readText(c, maxBytes);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`Malformed JSON body: ${(error as Error).message}`);
  }
}

function integerField(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value)) throw badRequest(`${name} must be an integer`);
  return value as number;
}

function topicField(value: unknown): string {
  if (typeof value !== "string" || value === "") throw badRequest("topic must be a topic name");
  return value;
}

function offsetEntry(raw: unknown): { topic: string; partition: number; offset: number } {
  const entry = (raw ?? {}) as Record<string, unknown>;
  if (typeof raw !== "object" || raw === null) throw badRequest("each offset must be {topic, partition, offset}");
  const offset = integerField(entry.offset, "offset");
  const partition = integerField(entry.partition, "partition");
  if (offset < 0) throw badRequest("offset must not be negative");
  if (partition < 0) throw badRequest("partition must not be negative");
  return { topic: topicField(entry.topic), partition, offset };
}

function partitionList(body: unknown): { topic: string; partition: number }[] {
  if (body === undefined) throw badRequest("body must be {topic, partition} or an array of them");
  return (Array.isArray(body) ? body : [body]).map((raw) => {
    if (typeof raw !== "object" || raw === null) throw badRequest("each entry must be {topic, partition}");
    const entry = raw as Record<string, unknown>;
    const partition = integerField(entry.partition, "partition");
    if (partition < 0) throw badRequest("partition must not be negative");
    return { topic: topicField(entry.topic), partition };
  });
}

function timeoutOf(raw: unknown, fallbackMs: number): number {
  if (raw === undefined || raw === null) return fallbackMs;
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (!Number.isSafeInteger(n) || (n as number) < 0) throw badRequest("timeout must be a non-negative integer (ms)");
  return Math.min(n as number, TIMEOUT_MAX_MS);
}

function timestampOf(raw: string): number | "earliest" | "latest" {
  if (raw === "earliest" || raw === "-2") return "earliest";
  if (raw === "latest" || raw === "-1") return "latest";
  if (!/^\d{1,16}$/.test(raw)) throw badRequest(`Invalid timestamp ${JSON.stringify(raw)}: use ms since the epoch, earliest or latest`);
  return Number(raw);
}

/** The Kafka-* headers of a consume; they shape the instance only when this request creates it. */
function instanceOptions(c: Context, sessionTimeoutMs: number): InstanceOptions {
  const options: InstanceOptions = { autoCommit: true, autoCommitIntervalMs: 5000, autoOffsetReset: "latest", sessionTimeoutMs };
  const autoCommit = c.req.header("kafka-enable-auto-commit");
  if (autoCommit !== undefined) {
    if (autoCommit !== "true" && autoCommit !== "false") throw badRequest(`Invalid Kafka-Enable-Auto-Commit ${JSON.stringify(autoCommit)}: use true or false`);
    options.autoCommit = autoCommit === "true";
  }
  const interval = c.req.header("kafka-auto-commit-interval");
  if (interval !== undefined) {
    if (!/^\d{1,10}$/.test(interval)) throw badRequest(`Invalid Kafka-Auto-Commit-Interval ${JSON.stringify(interval)}: use ms`);
    options.autoCommitIntervalMs = Number(interval);
  }
  const reset = c.req.header("kafka-auto-offset-reset");
  if (reset !== undefined) {
    if (reset !== "earliest" && reset !== "latest" && reset !== "none") {
      throw badRequest(`Invalid Kafka-Auto-Offset-Reset ${JSON.stringify(reset)}: use earliest, latest or none`);
    }
    options.autoOffsetReset = reset as OffsetReset;
  }
  const session = c.req.header("kafka-session-timeout-ms");
  if (session !== undefined) {
    const n = /^\d{1,10}$/.test(session) ? Number(session) : NaN;
    if (!(n >= SESSION_TIMEOUT_MIN_MS && n <= SESSION_TIMEOUT_MAX_MS)) {
      throw badRequest(`Invalid Kafka-Session-Timeout-Ms ${JSON.stringify(session)}: use ${SESSION_TIMEOUT_MIN_MS} to ${SESSION_TIMEOUT_MAX_MS}`);
    }
    options.sessionTimeoutMs = n;
  }
  return options;
}

// --- produce and fetch --------------------------------------------------------------------------

function produce(deps: KafkaRoutesDeps, user: KafkaUser, body: unknown, topicFromPath?: string) {
  const records = prepareProduce(
    {
      log: deps.log,
      partitioner: deps.partitioner,
      user,
      nowMs: deps.clock.nowMs(),
      autoCreateTopics: deps.autoCreateTopics,
      defaultPartitions: deps.defaultPartitions,
    },
    body,
    topicFromPath,
  );
  return deps.log.append(records);
}

interface FetchEntry {
  partition: PartitionLog;
  offset: number;
}

/** `/fetch`: {topic, partition, offset} and/or {topicPartitionOffsets: [...]}, with an optional timeout. */
async function fetchRecords(deps: KafkaRoutesDeps, user: KafkaUser, body: unknown): Promise<ConsumedRecord[]> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("fetch body must be {topic, partition, offset} and/or {topicPartitionOffsets}");
  const fields = body as Record<string, unknown>;
  const raw: unknown[] = [];
  if (fields.topicPartitionOffsets !== undefined) {
    if (!Array.isArray(fields.topicPartitionOffsets)) throw badRequest("topicPartitionOffsets must be an array of {topic, partition, offset}");
    raw.push(...fields.topicPartitionOffsets);
  }
  if (fields.topic !== undefined) raw.push({ topic: fields.topic, partition: fields.partition ?? 0, offset: fields.offset });
  if (raw.length === 0) throw badRequest("fetch needs topic, partition and offset, or topicPartitionOffsets");
  const entries: FetchEntry[] = raw.map((item) => {
    const { topic, partition, offset } = offsetEntry(item);
    requireConsume(user, topic);
    return { partition: deps.log.partition(topic, partition), offset };
  });
  const timeoutMs = timeoutOf(fields.timeout, TIMEOUT_DEFAULT_MS);
  const deadlineMs = performance.now() + timeoutMs;
  for (;;) {
    const records: ConsumedRecord[] = [];
    for (const entry of entries) {
      const left = deps.fetchRecordsMax - records.length;
      if (left <= 0) break;
      const topic = entry.partition.topic.name;
      for (const row of deps.log.read(entry.partition, entry.offset, left, deps.fetchPartitionBytesMax)) {
        records.push(withPartition(row, topic, entry.partition.partition));
      }
    }
    const leftMs = deadlineMs - performance.now();
    if (records.length > 0 || leftMs <= 0) return records;
    await deps.log.waitForData(
      entries.map((entry) => entry.partition),
      Math.ceil(leftMs),
    );
  }
}

function withPartition(row: RecordRow, topic: string, partition: number): ConsumedRecord {
  return { ...row, topic, partition };
}

/** Message objects, written out directly: key "" when absent, headers [] when none (spec §2.2). */
function renderRecords(records: readonly ConsumedRecord[]): string {
  const parts: string[] = new Array(records.length);
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    parts[index] =
      `{"topic":${JSON.stringify(record.topic)},"partition":${record.partition},"offset":${record.offset},"timestamp":${record.timestamp},` +
      `"key":${JSON.stringify(record.key ?? "")},"value":${record.value === null ? "null" : JSON.stringify(record.value)},"headers":${record.headers ?? "[]"}}`;
  }
  return `[${parts.join(",")}]`;
}

function json(body: string, status: number): Response {
  return new Response(body, { status, headers: { "content-type": "application/json", "access-control-allow-origin": "*" } });
}
