// Proves every type the engine holds has a codec, that each round-trips exactly (including hash
// field TTLs), and that corrupt bytes are refused rather than half-decoded.

import { describe, expect, test } from "bun:test";
import { createTestEngine } from "../../test/harness/engine.ts";
import { redisTypes } from "../redis/engine/keyspace.ts";
import { CorruptRecordError } from "./binary.ts";
import { codecs } from "./codecs.ts";

/** One sample value per type, built through real commands so the codec sees what the engine stores. */
function sampleValues(): Map<string, unknown> {
  const engine = createTestEngine();
  engine.run("SET", "string", "bytes \x00\xff and text");
  engine.run("HSET", "hash", "a", "1", "b", "\x00\xff", "c", "3");
  engine.run("HPEXPIRE", "hash", 60_000, "FIELDS", 1, "b");
  engine.run("RPUSH", "list", "a", "\x00\xff", "12345", "a");
  engine.run("SADD", "set", "7", "-3", "\x00member\xff");
  engine.run("ZADD", "zset", "1.5", "a", "-inf", "\x00\xff", "2", "b", "2", "a\x00");
  engine.run("JSON.SET", "json", "$", '{"i":-9223372036854775808,"u":18446744073709551615,"f":1.0,"s":"\\u00e9\\ud83d\\ude00","a":[null,true,false,[],{}],"o":{"k":0.1}}');
  engine.run("XADD", "stream", "1-1", "f", "\x00\xff", "n", "12");
  engine.run("XADD", "stream", "18446744073709551615-5", "other", "v");
  engine.run("XADD", "stream", "18446744073709551615-6", "f", "x", "n", "-1");
  engine.run("XDEL", "stream", "18446744073709551615-5");
  engine.run("XGROUP", "CREATE", "stream", "g\x00", "0", "ENTRIESREAD", "0");
  engine.run("XREADGROUP", "GROUP", "g\x00", "alice", "COUNT", "1", "STREAMS", "stream", ">");
  engine.run("XGROUP", "CREATECONSUMER", "stream", "g\x00", "bob");
  engine.run("XCLAIM", "stream", "g\x00", "bob", "0", "18446744073709551615-6", "FORCE", "RETRYCOUNT", "9223372036854775807");
  const samples = new Map<string, unknown>();
  for (const key of engine.database.keyspace.keys()) {
    const entry = engine.database.keyspace.get(key)!;
    samples.set(entry.type, entry.value);
  }
  return samples;
}

describe("codecs", () => {
  const samples = sampleValues();

  test("every type the engine holds has a codec and a sample in this test", () => {
    expect(redisTypes.filter((type) => codecs[type] === undefined)).toEqual([]);
    expect(redisTypes.filter((type) => !samples.has(type))).toEqual([]);
  });

  for (const type of redisTypes) {
    test(`${type} round-trips exactly`, () => {
      const value = samples.get(type);
      const decoded = codecs[type].decode(codecs[type].encode(value));
      expect(decoded).toEqual(value);
      expect(codecs[type].encode(decoded)).toEqual(codecs[type].encode(value));
    });

    test(`${type} refuses truncated and padded bytes`, () => {
      const bytes = codecs[type].encode(samples.get(type));
      expect(() => codecs[type].decode(bytes.subarray(0, bytes.length - 1))).toThrow(CorruptRecordError);
      const padded = new Uint8Array(bytes.length + 1);
      padded.set(bytes);
      expect(() => codecs[type].decode(padded)).toThrow(CorruptRecordError);
    });
  }
});
