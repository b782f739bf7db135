// Proves the active expiry cycle removes keys and hash fields that nobody reads, journals each
// removal, and that generic commands never see a hash whose fields have all expired.

import { describe, expect, test } from "bun:test";
import { createTestEngine } from "../../../test/harness/engine.ts";

describe("active expiry", () => {
  test("removes expired keys without any read and journals each as DEL", () => {
    const engine = createTestEngine();
    for (let i = 0; i < 100; i++) engine.run("SET", `k${i}`, "v", "PX", i < 60 ? 10 : 100_000);
    engine.journal.entries.length = 0;
    engine.clock.advance(11);
    let removed = 0;
    for (let cycle = 0; cycle < 10; cycle++) removed += engine.database.activeExpiry.cycle(25);
    expect(removed).toBe(60);
    expect(engine.database.keyspace.size).toBe(40);
    expect(engine.journal.argvs().every((argv) => argv[0] === "DEL")).toBe(true);
    expect(engine.journal.entries.length).toBe(60);
  });

  test("a cycle samples twenty keys when few have expired, as Redis's does for a database, and a pass of cycles finds them all", () => {
    const engine = createTestEngine();
    for (let i = 0; i < 1000; i++) engine.run("SET", `k${i}`, "v", "PX", i % 200 === 0 ? 10 : 100_000);
    const keyspace = engine.database.keyspace;
    const get = keyspace.get.bind(keyspace);
    let reads = 0;
    keyspace.get = (key) => {
      reads++;
      return get(key);
    };
    engine.database.activeExpiry.cycle(25);
    expect(reads).toBe(20);
    engine.clock.advance(11);
    let removed = 0;
    for (let cycle = 0; cycle < 50; cycle++) removed += engine.database.activeExpiry.cycle(25);
    expect([removed, keyspace.size]).toEqual([5, 995]);
  });

  test("removes expired hash fields, and the key with its last field, without any read", () => {
    const engine = createTestEngine();
    engine.run("HSET", "partly", "a", "1", "b", "2");
    engine.run("HPEXPIRE", "partly", 10, "FIELDS", 1, "a");
    engine.run("HSET", "wholly", "a", "1");
    engine.run("HPEXPIRE", "wholly", 10, "FIELDS", 1, "a");
    engine.journal.entries.length = 0;
    engine.clock.advance(11);
    engine.database.activeExpiry.cycle(25);
    expect(engine.database.keyspace.size).toBe(1);
    expect(engine.journal.argvs().sort()).toEqual([
      ["HDEL", "partly", "a"],
      ["HDEL", "wholly", "a"],
    ]);
    expect(engine.database.keyspace.memberExpiryKeys.every((keys) => keys.size === 0)).toBe(true);
  });

  test("a hash whose fields all expired is gone for EXISTS, TYPE and KEYS", () => {
    const engine = createTestEngine();
    engine.run("HSET", "h", "a", "1");
    engine.run("HPEXPIRE", "h", 10, "FIELDS", 1, "a");
    engine.clock.advance(11);
    expect([engine.run("EXISTS", "h"), engine.run("KEYS", "*")]).toEqual([0, []]);
  });
});
