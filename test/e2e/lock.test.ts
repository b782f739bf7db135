// Proves @upstash/lock 0.2.1 works unmodified against a spawned server: acquire, contention
// between holders, getStatus, extend (its EVAL of GET/TTL/EXPIRE), release only by the owner, and expiry
// of the lease freeing the lock for the next holder.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { Lock } from "@upstash/lock";
import { startServerForFile } from "../harness/server.ts";

const server = startServerForFile();
const redis = () => new Redis({ url: server().url, token: server().token, enableTelemetry: false });
let serial = 0;
const lockId = () => `lock-test:${++serial}`;
const noRetry = { attempts: 1, delay: 10 };

describe("@upstash/lock", () => {
  test("acquire, then a contender fails until release; getStatus tells who holds it", async () => {
    const id = lockId();
    const holder = new Lock({ id, redis: redis(), lease: 10_000, retry: noRetry });
    const contender = new Lock({ id, redis: redis(), lease: 10_000, retry: noRetry });
    expect(await holder.acquire()).toBe(true);
    expect(await contender.acquire()).toBe(false);
    expect([await holder.getStatus(), await contender.getStatus()]).toEqual(["ACQUIRED", "FREE"]);
    expect(await holder.release()).toBe(true);
    expect(await holder.getStatus()).toBe("FREE");
    expect(await contender.acquire()).toBe(true);
    expect(await contender.getStatus()).toBe("ACQUIRED");
  });

  test("only the owner can release; releasing twice is false", async () => {
    const id = lockId();
    const holder = new Lock({ id, redis: redis(), lease: 10_000, retry: noRetry });
    const other = new Lock({ id, redis: redis(), lease: 10_000, retry: noRetry });
    await holder.acquire();
    await other.acquire();
    expect(await other.release()).toBe(false);
    expect(await redis().exists(id)).toBe(1);
    expect(await holder.release()).toBe(true);
    expect(await holder.release()).toBe(false);
  });

  test("of many parallel contenders exactly one acquires", async () => {
    const id = lockId();
    const results = await Promise.all(Array.from({ length: 20 }, () => new Lock({ id, redis: redis(), lease: 10_000, retry: noRetry }).acquire()));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test("extend adds whole seconds to the TTL; a non-owner cannot extend", async () => {
    const id = lockId();
    const holder = new Lock({ id, redis: redis(), lease: 10_000, retry: noRetry });
    await holder.acquire();
    expect(await holder.extend(5_000)).toBe(true);
    const ttl = await redis().ttl(id);
    expect(ttl).toBeGreaterThan(10);
    expect(ttl).toBeLessThanOrEqual(15);
    const stranger = new Lock({ id, redis: redis(), lease: 10_000, retry: noRetry });
    expect(await stranger.extend(5_000)).toBe(false);
  });

  test("an expired lease frees the lock", async () => {
    const id = lockId();
    const holder = new Lock({ id, redis: redis(), lease: 150, retry: noRetry });
    const next = new Lock({ id, redis: redis(), lease: 10_000, retry: { attempts: 100, delay: 20 } });
    expect(await holder.acquire()).toBe(true);
    expect(await next.acquire()).toBe(true);
    expect(await holder.release()).toBe(false);
  });
});
