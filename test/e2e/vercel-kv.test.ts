// Proves @vercel/kv's createClient({url, token}) works unmodified against a spawned server: the
// issue's example, its scan iterators, pipelines, transactions and the read-only token.

import { describe, expect, test } from "bun:test";
import { createClient } from "@vercel/kv";
import { startServerForFile } from "../harness/server.ts";

const server = startServerForFile();

let keySerial = 0;
const uniqueKey = (name: string) => `kv:${name}:${++keySerial}`;

describe("@vercel/kv createClient", () => {
  test("the issue's example: set with ex, hset, then get and hgetall together", async () => {
    const kv = createClient({ url: server().url, token: server().token });
    const key = uniqueKey("example");
    const hashKey = uniqueKey("example-hash");
    const written = [await kv.set(key, { user: "ada" }, { ex: 60 }), await kv.hset(hashKey, { a: 1, b: true })];
    const [value, hash] = await Promise.all([kv.get(key), kv.hgetall(hashKey)]);
    expect({ written, value, hash }).toEqual({ written: ["OK", 2], value: { user: "ada" }, hash: { a: 1, b: true } });
  });

  test("scanIterator and hscanIterator walk every matching key and field", async () => {
    const kv = createClient({ url: server().url, token: server().token });
    const prefix = uniqueKey("iter");
    const keys = Array.from({ length: 25 }, (_, i) => `${prefix}:${i}`);
    await kv.mset(Object.fromEntries(keys.map((key) => [key, "v"])));
    const hashKey = `${prefix}:hash`;
    await kv.hset(hashKey, { f1: "a", f2: "b" });
    const seen: string[] = [];
    for await (const key of kv.scanIterator({ match: `${prefix}:*`, count: 5 })) seen.push(key);
    const fields: unknown[] = [];
    for await (const item of kv.hscanIterator(hashKey)) fields.push(item);
    expect({ seen: seen.sort(), fields }).toEqual({ seen: [...keys, hashKey].sort(), fields: ["f1", "a", "f2", "b"] });
  });

  test("pipeline and multi", async () => {
    const kv = createClient({ url: server().url, token: server().token });
    const key = uniqueKey("batch");
    expect({
      pipeline: await kv.pipeline().set(key, 1).incr(key).exec(),
      multi: await kv.multi().incrby(key, 10).get(key).exec(),
    }).toEqual({ pipeline: ["OK", 2], multi: [12, 12] });
  });

  test("the read-only token reads and is refused writes", async () => {
    const key = uniqueKey("readonly");
    await createClient({ url: server().url, token: server().token }).set(key, "v");
    const readOnly = createClient({ url: server().url, token: server().readonlyToken });
    expect({
      get: await readOnly.get(key),
      set: await readOnly.set(key, "w").then(
        () => "allowed",
        (error: Error) => error.message,
      ),
    }).toEqual({ get: "v", set: "Command failed: NOPERM this user has no permissions to run the 'set' command or its subcommand" });
  });
});
