// The comparison point for the benchmark: a REST proxy in front of a real redis-server, shaped like
// serverless-redis-http (`POST /` with one command, `POST /pipeline`, Upstash JSON envelopes,
// Bearer token). Each command is forwarded with Bun's built-in RedisClient (one auto-pipelined
// connection), so it adds no dependency. Not a product: it exists so BENCHMARKS.md can show what
// "HTTP + JSON + a network hop" costs. Run: `bun scripts/bench-proxy.ts --port 0 --redis-url
// redis://127.0.0.1:6379 --token T`; it prints `{"event":"listening","url":…}` on stdout.

import { RedisClient } from "bun";
import { Hono, type Context } from "hono";

export interface ProxyOptions {
  port: number;
  redisUrl: string;
  token: string;
}

type Envelope = { result: unknown } | { error: string };

export function createProxyApp(redis: RedisClient, token: string): Hono {
  const app = new Hono();
  const expectedAuthorization = `Bearer ${token}`;

  app.use("*", async (c, next) => {
    if (c.req.header("authorization") !== expectedAuthorization) return c.json({ error: "Unauthorized" }, 401);
    await next();
  });

  app.post("/", async (c) => {
    const body = await readJson(c);
    if (!isCommand(body)) return c.json({ error: "ERR command must be a non-empty JSON array" }, 400);
    const envelope = await forward(redis, body);
    return c.json(envelope, "error" in envelope ? 400 : 200);
  });

  app.post("/pipeline", async (c) => {
    const body = await readJson(c);
    if (!Array.isArray(body) || body.length === 0 || !body.every(isCommand)) {
      return c.json({ error: "ERR pipeline must be a non-empty JSON array of commands" }, 400);
    }
    // Every send is issued before the first await, so the client's auto-pipelining writes the whole
    // batch to redis-server at once, as serverless-redis-http's pipeline does.
    return c.json(await Promise.all(body.map((command) => forward(redis, command))));
  });

  return app;
}

async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return undefined;
  }
}

function isCommand(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0 && typeof value[0] === "string";
}

async function forward(redis: RedisClient, command: unknown[]): Promise<Envelope> {
  const [name, ...args] = command;
  try {
    const reply = await redis.send(String(name), args.map(String));
    return { result: toJson(reply) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** RESP3 maps arrive as objects; Upstash sends them as flat [field, value, ...] arrays. */
function toJson(reply: unknown): unknown {
  if (Array.isArray(reply)) return reply.map(toJson);
  if (reply !== null && typeof reply === "object" && !(reply instanceof Uint8Array)) {
    return Object.entries(reply).flatMap(([field, value]) => [field, toJson(value)]);
  }
  return reply;
}

export async function startProxy(options: ProxyOptions): Promise<{ url: string; stop(): Promise<void> }> {
  const redis = new RedisClient(options.redisUrl);
  await redis.connect();
  const server = Bun.serve({ port: options.port, hostname: "127.0.0.1", fetch: createProxyApp(redis, options.token).fetch });
  return {
    url: `http://127.0.0.1:${server.port}`,
    async stop() {
      await server.stop(false);
      redis.close();
    },
  };
}

function parseArguments(argv: string[]): ProxyOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (!flag.startsWith("--") || value === undefined) throw new Error(`bench-proxy: bad argument ${flag}`);
    values.set(flag.slice(2), value);
  }
  const token = values.get("token") ?? process.env.UPSTASH_REDIS_REST_TOKEN;
  if (token === undefined || token === "") throw new Error("bench-proxy: --token (or UPSTASH_REDIS_REST_TOKEN) is required");
  const port = Number(values.get("port") ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error("bench-proxy: --port must be 0..65535");
  return { port, redisUrl: values.get("redis-url") ?? "redis://127.0.0.1:6379", token };
}

if (import.meta.main) {
  const proxy = await startProxy(parseArguments(process.argv.slice(2)));
  console.log(JSON.stringify({ event: "listening", url: proxy.url }));
  const shutdown = () => proxy.stop().then(() => process.exit(0));
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}
