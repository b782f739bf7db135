// Proves the official @upstash/redis client talks to a spawned downstash unmodified: defaults
// (auto-pipelining, base64, read-your-writes) and each switched off.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { startServer } from "../harness/server.ts";

describe("@upstash/redis against a spawned server", () => {
  for (const [label, options] of [
    ["defaults", {}],
    ["auto-pipelining off", { enableAutoPipelining: false }],
    ["base64 off", { responseEncoding: false }],
    ["read-your-writes off", { readYourWrites: false }],
  ] as const) {
    test(`set with ex then get round-trips an object (${label})`, async () => {
      await using server = await startServer();
      const redis = new Redis({ url: server.url, token: server.token, enableTelemetry: false, ...options });
      expect(await redis.set("user:1", { name: "Ada" }, { ex: 60 })).toBe("OK");
      const [user, missing] = await Promise.all([redis.get("user:1"), redis.get("nope")]);
      expect(user).toEqual({ name: "Ada" });
      expect(missing).toBeNull();
      expect(await redis.del("user:1", "nope")).toBe(1);
    });
  }
});
