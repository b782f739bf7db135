// Proves the differential harness itself can be trusted: the RESP client is binary safe, pipelines
// in order and types every reply as the engine does; the runner catches a wrong reply and a
// silently different keyspace, and says enough to replay them; normalisers only forgive order.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ErrorReply, OK, StatusReply } from "../../src/redis/engine/reply.ts";
import { startRedisOracle, type RedisOracle } from "../harness/redis-oracle.ts";
import { parseReply } from "../harness/resp-client.ts";
import {
  createDifferentialEngine,
  formatArgv,
  repliesMatch,
  runDifferential,
  unordered,
  unorderedPairs,
  type DifferentialEngine,
  type Family,
} from "./differential.ts";

let oracle: RedisOracle;
beforeAll(async () => {
  oracle = await startRedisOracle();
});
afterAll(async () => {
  await oracle?.stop();
});

const allBytes = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");

describe("RespClient against redis-server", () => {
  test("every byte value survives a round trip in keys and values", async () => {
    const client = oracle.client;
    expect(await client.send(["SET", `bin:${allBytes}`, allBytes])).toEqual(OK);
    expect(await client.send(["GET", `bin:${allBytes}`])).toBe(allBytes);
    expect(await client.send(["STRLEN", `bin:${allBytes}`])).toBe(256);
  });

  test("a megabyte value arriving in many TCP chunks parses whole", async () => {
    const big = "\r\n$-1\r\n".repeat(150_000);
    await oracle.client.send(["SET", "big", big]);
    expect(await oracle.client.send(["GET", "big"])).toBe(big);
  });

  test("pipelined commands resolve in order", async () => {
    const commands = Array.from({ length: 1000 }, (_, i) => ["ECHO", `m${i}`]);
    const replies = await oracle.client.pipeline(commands);
    expect(replies).toEqual(commands.map(([, message]) => message!));
  });

  test("replies are typed like the engine's: status, error, integer, bigint beyond 2^53, nil, nested arrays", async () => {
    const client = oracle.client;
    await client.send(["DEL", "counter", "nested"]);
    expect(await client.send(["PING"])).toEqual(new StatusReply("PONG"));
    expect(await client.send(["INCRBY", "counter", "9007199254740991"])).toBe(9007199254740991);
    expect(await client.send(["INCR", "counter"])).toBe(9007199254740992n);
    expect(await client.send(["INCRBY", "counter", "-9007199254740992"])).toBe(0);
    expect(await client.send(["GET", "missing"])).toBeNull();
    expect(await client.send(["GET", "counter", "extra"])).toEqual(new ErrorReply("ERR wrong number of arguments for 'get' command"));
    await client.send(["MSET", "a1", "ohmytext", "a2", "mynewtext"]);
    expect(await client.send(["LCS", "a1", "a2", "IDX"])).toEqual(["matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], "len", 6]);
  });

  test("a partial frame is left for the next chunk", () => {
    const frame = Buffer.from("*2\r\n$3\r\nabc\r\n:12\r\n", "latin1");
    for (let cut = 0; cut < frame.length; cut++) expect(parseReply(frame.subarray(0, cut), 0)).toBeUndefined();
    expect(parseReply(frame, 0)).toEqual({ reply: ["abc", 12], end: frame.length });
  });
});

describe("the differential runner", () => {
  const setOnly: Family = {
    name: "set-only",
    commands: { "<set>": { weight: 1, generate: (g) => ["SET", g.key(), g.value()] } },
  };

  test("a wrong reply fails with the seed, the step, both replies and the commands before it", async () => {
    const real = createDifferentialEngine(7);
    let calls = 0;
    const faulty: DifferentialEngine = { ...real, run: (argv) => (++calls === 40 ? new StatusReply("KO") : real.run(argv)) };
    const message = await runDifferential(oracle.client, setOnly, { seed: 7, steps: 100, engine: faulty }).then(
      () => "resolved",
      (error: Error) => error.message,
    );
    expect(message).toMatch(/^differential mismatch in set-only, seed 7, step 39: "SET" "[^\n]*"\n/);
    expect(message).toContain('\n  redis:  +"OK"\n  engine: +"KO"\ncommands before it (oldest first):\n  #19 "SET"');
    expect(message).toMatch(/#38 "SET" [^\n]*$/);
    expect(message).not.toContain("#18 ");
  });

  test("a keyspace that differs silently is caught at the next comparison", async () => {
    const real = createDifferentialEngine(8);
    const sneaky: DifferentialEngine = {
      ...real,
      run(argv) {
        const reply = real.run(argv);
        real.database.keyspace.set("stray", "string", "x");
        return reply;
      },
    };
    const run = runDifferential(oracle.client, setOnly, { seed: 8, steps: 30, keyspaceEvery: 10, engine: sneaky });
    await expect(run).rejects.toThrow(/step 9: keyspace differs after this step: KEYS \*/);
  });

  test("the same seed draws the same commands", async () => {
    const first = await runDifferential(oracle.client, setOnly, { seed: 9, steps: 50 });
    const second = await runDifferential(oracle.client, setOnly, { seed: 9, steps: 50 });
    expect(second.commands).toEqual(first.commands);
    expect(first.commands[0]).toStartWith('"SET"');
  });
});

describe("normalisation forgives only order and clock skew", () => {
  test("sets and pair lists compare regardless of order, never of content", () => {
    expect(repliesMatch({ argv: ["KEYS", "*"], normalize: unordered }, ["b", "a"], ["a", "b"])).toBe(true);
    expect(repliesMatch({ argv: ["KEYS", "*"], normalize: unordered }, ["b", "a"], ["a", "a"])).toBe(false);
    const pairs = { argv: ["HGETALL", "h"], normalize: unorderedPairs };
    expect(repliesMatch(pairs, ["f1", "1", "f2", "2"], ["f2", "2", "f1", "1"])).toBe(true);
    expect(repliesMatch(pairs, ["f1", "1", "f2", "2"], ["f1", "2", "f2", "1"])).toBe(false);
  });

  test("a TTL tolerance applies to remaining times, not to -1 and -2", () => {
    const ttl = { argv: ["TTL", "k"], tolerance: 1 };
    expect(repliesMatch(ttl, 100, 99)).toBe(true);
    expect(repliesMatch(ttl, 100, 98)).toBe(false);
    expect(repliesMatch(ttl, -1, -2)).toBe(false);
    expect(repliesMatch(ttl, 0, -2)).toBe(false);
  });

  test("kinds must agree: a bulk is no status, a bigint no number, an error only its exact text", () => {
    const plain = { argv: ["GET", "k"] };
    expect(repliesMatch(plain, "OK", OK)).toBe(false);
    expect(repliesMatch(plain, 5, 5n)).toBe(false);
    expect(repliesMatch(plain, new ErrorReply("ERR syntax error"), new ErrorReply("ERR syntax error "))).toBe(false);
  });

  test("failure messages show bytes the way redis-cli does", () => {
    expect(formatArgv(["SET", "\x00\xff", 'a"b\r\n'])).toBe('"SET" "\\x00\\xff" "a\\"b\\r\\n"');
  });
});
