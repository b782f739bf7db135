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
  engine.run("XADD", "stream", "1700000000000-1234567", "f", "y");
  engine.run("XADD", "stream", "1700000000001-10", "f", "z");
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

  // Written by the codec of snapshot formats 1 and 2, which stored each stream id as one 128-bit
  // decimal integer (ms << 64 | seq), for the stream `olderStream` builds.
  const OLDER_STREAM_BYTES =
    "AQAAABQAAAAxODQ0Njc0NDA3MzcwOTU1MTYxNwEAAAABAAAAZgMAAAAUAAAAMTg0NDY3NDQwNzM3MDk1NTE2MTcAAgAAAAEAAABmAQAAAHYnAAAAMzQwMjgyMzY2OTIwOTM4NDYzNDQ0OTI3ODYzMzU4MDU4NjU5ODQ1AQQAAAABAAAAZgEAAAB3AQAAAG4BAAAAMScAAAAzNDAyODIzNjY5MjA5Mzg0NjM0NDQ5Mjc4NjMzNTgwNTg2NTk4NDYAAgAAAAEAAABmAQAAAHgCAAAAJwAAADM0MDI4MjM2NjkyMDkzODQ2MzQ0NDkyNzg2MzM1ODA1ODY1OTg0NhQAAAAxODQ0Njc0NDA3MzcwOTU1MTYxNycAAAAzNDAyODIzNjY5MjA5Mzg0NjM0NDQ5Mjc4NjMzNTgwNTg2NTk4NDUBAAAAMwEAAAABAAAAZxQAAAAxODQ0Njc0NDA3MzcwOTU1MTYxNwIAAAAtMQEAAAAFAAAAYWxpY2UAAIBW/rx4QgAAgFb+vHhCAQAAABQAAAAxODQ0Njc0NDA3MzcwOTU1MTYxNwUAAABhbGljZQAAgFb+vHhCAQAAADE=";
  function olderStream(): unknown {
    const engine = createTestEngine();
    engine.run("XADD", "s", "1-1", "f", "v");
    engine.run("XADD", "s", "18446744073709551615-5", "f", "w", "n", "1");
    engine.run("XADD", "s", "18446744073709551615-6", "f", "x");
    engine.run("XDEL", "s", "18446744073709551615-5");
    engine.run("XGROUP", "CREATE", "s", "g", "0");
    engine.run("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">");
    return engine.database.keyspace.get("s")!.value;
  }

  test("hashes whose field names repeat, differ in one byte or outnumber the remembered names round-trip", () => {
    // Field names are handed out again from the last few read; 20 names of one length and
    // one-byte differences make a wrong match show as a wrong field.
    const engine = createTestEngine();
    for (let i = 0; i < 200; i++) {
      engine.run("HSET", `h${i}`, `field${i % 20}`.padEnd(8, "_"), `${i}`, "same", "x", `field${(i * 7) % 20}`.padEnd(8, "_"), "y");
    }
    for (let i = 0; i < 200; i++) {
      const hash = engine.database.keyspace.get(`h${i}`)!.value;
      expect(codecs.hash.decode(codecs.hash.encode(hash))).toEqual(hash);
    }
  });

  test("a stream from an older snapshot, ids as 128-bit integers, decodes to the same value", () => {
    const decoded = codecs.stream.decode(Buffer.from(OLDER_STREAM_BYTES, "base64"));
    expect(decoded).toEqual(olderStream());
    expect(codecs.stream.encode(decoded)).toEqual(codecs.stream.encode(olderStream()));
  });

  /** A stream as XADD * builds it: ids a few per millisecond, one field name, some deleted, a few other shapes. */
  function xaddStream(entries: number): unknown {
    const engine = createTestEngine();
    for (let i = 0; i < entries; i++) {
      if (i % 3 === 0) engine.clock.advance(1);
      if (i % 97 === 5) engine.run("XADD", "s", "*", "other", "\x00\xff", "second", String(i));
      else engine.run("XADD", "s", "*", "myfield", `value ${i}`);
    }
    engine.run("XDEL", "s", "1700000000001-1", "1700000000010-0");
    engine.run("XADD", "s", "1800000000000-4294967296", "myfield", "past 2^32");
    engine.run("XADD", "s", "9007199254740993-1", "myfield", "past 2^53");
    return engine.database.keyspace.get("s")!.value;
  }

  test("XADD's ids are written about 8 bytes an entry, and such a stream round-trips exactly", () => {
    const stream = xaddStream(1_000);
    const bytes = codecs.stream.encode(stream);
    const decoded = codecs.stream.decode(bytes);
    expect(decoded).toEqual(stream);
    expect(codecs.stream.encode(decoded)).toEqual(bytes);
    // 1,000 entries with values of 7-9 bytes: one flag byte, two varints and the value's length.
    expect(bytes.length).toBeLessThan(1_000 * 16);
  });

  test("a compact stream refuses truncated and padded bytes, and entry flags no writer wrote", () => {
    const bytes = codecs.stream.encode(xaddStream(300));
    for (let cut = 1; cut < bytes.length; cut += 37) expect(() => codecs.stream.decode(bytes.subarray(0, bytes.length - cut))).toThrow(CorruptRecordError);
    expect(() => codecs.stream.decode(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(CorruptRecordError);

    const engine = createTestEngine();
    engine.run("XADD", "s", "5-1", "f", "v");
    const one = Buffer.from(codecs.stream.encode(engine.database.keyspace.get("s")!.value));
    // nodes (u32), COMPACT_NODE (u32), master id "5-1" (u32 + 3), field names (u32 + u32 + 1), entries (u32), flags
    const flagsAt = 4 + 4 + 7 + 9 + 4;
    expect(one[flagsAt]).toBe(2);
    one[flagsAt] = 4;
    expect(() => codecs.stream.decode(one)).toThrow(CorruptRecordError);
  });

  test("stream ids that no writer wrote are refused", () => {
    const bytes = codecs.stream.encode(olderStream());
    const text = Buffer.from(bytes).toString("latin1");
    const withFirstId = (id: string) => {
      const first = "18446744073709551615-5";
      const at = text.indexOf(first);
      const replaced = Buffer.from(text.slice(0, at - 4), "latin1");
      const length = Buffer.alloc(4);
      length.writeUInt32LE(id.length);
      return Buffer.concat([replaced, length, Buffer.from(id, "latin1"), Buffer.from(text.slice(at + first.length), "latin1")]);
    };
    expect(codecs.stream.decode(withFirstId("18446744073709551615-5"))).toEqual(olderStream());
    for (const bad of ["18446744073709551616-5", "01-5", "1-05", "1-", "-5", "1--5", "1-5-", "", "x", "340282366920938463463374607431768211456"]) {
      expect(() => codecs.stream.decode(withFirstId(bad)), bad).toThrow(CorruptRecordError);
    }
  });
});
