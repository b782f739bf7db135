// Proves two details of Redis 7.0 that random sequences seldom reach, against a real redis-server:
// the OBJECT ENCODING of a string after every string-writing command, from every encoding a string
// can start in ("int", "embstr", "raw" after an in-place edit, a float result, a sketch); and which
// float texts each float-reading command accepts (underflow, overflow, subnormals, infinities, NaN,
// hex floats, spaces). Also proves that a restart re-encodes strings by SET's rule, as Redis's own
// reload does (checked by hand with DEBUG RELOAD on redis-server 7.0.15, which the oracle disables).

import { describe, expect, test } from "bun:test";
import { startServer, type TestServer } from "../harness/server.ts";
import { describeAgainstRedis, testScripts, type Family } from "./differential.ts";

// No command compares but exactly: every reply of these sweeps is deterministic.
const exactReplies: Family = { name: "string encodings and float texts", commands: {} };

// An empty sparse sketch whose cached count is marked stale, stored by SET: "embstr" until edited.
const storedSketch = "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff";

/** Commands that leave "e" in each encoding a string can have before the next write. */
const startingStates: string[][][] = [
  [["DEL", "e"]],
  [["SET", "e", "abc"]],
  [["SET", "e", "12"]],
  [["SET", "e", "123456789"]],
  [["SET", "e", "x".repeat(50)]],
  [["SET", "e", "abc"], ["APPEND", "e", "d"]],
  [["SET", "e", "5"], ["SETRANGE", "e", "0", "7"]],
  [["DEL", "e"], ["INCRBYFLOAT", "e", "1"]],
  [["DEL", "e"], ["PFADD", "e", "a"]],
  [["SET", "e", storedSketch]],
];

const writes: string[][] = [
  ["SET", "e", "abc"], ["SET", "e", "7"], ["SET", "e", "7", "KEEPTTL"], ["SET", "e", "v", "NX"], ["SET", "e", "v", "XX", "GET"],
  ["SETNX", "e", "5"], ["SETEX", "e", "100", "42"], ["PSETEX", "e", "100000", "abc"], ["GETSET", "e", "12"], ["MSET", "e", "99"], ["MSETNX", "e", "z"],
  ["INCR", "e"], ["INCRBY", "e", "100000"], ["DECR", "e"], ["DECRBY", "e", "3"],
  ["INCRBYFLOAT", "e", "1"], ["INCRBYFLOAT", "e", "0.5"], ["INCRBYFLOAT", "e", "1e50"],
  ["APPEND", "e", ""], ["APPEND", "e", "x"], ["APPEND", "e", "5"],
  ["SETRANGE", "e", "0", ""], ["SETRANGE", "e", "0", "a"], ["SETRANGE", "e", "2", "9"],
  ["SETBIT", "e", "1", "0"], ["SETBIT", "e", "1", "1"], ["SETBIT", "e", "100", "1"], ["GETBIT", "e", "1"],
  ["BITFIELD", "e", "GET", "u8", "0"], ["BITFIELD", "e", "SET", "u8", "0", "97"], ["BITFIELD", "e", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "255"],
  ["BITFIELD_RO", "e", "GET", "u8", "0"], ["BITOP", "NOT", "e", "e"], ["BITOP", "AND", "e", "e", "other"],
  ["PFADD", "e"], ["PFADD", "e", "a"], ["PFCOUNT", "e"], ["PFCOUNT", "e", "other"], ["PFMERGE", "e"], ["PFMERGE", "other", "e"],
  ["GETEX", "e", "EX", "100"], ["GETEX", "e", "PERSIST"], ["EXPIRE", "e", "100"], ["PERSIST", "e"], ["GETRANGE", "e", "0", "1"], ["STRLEN", "e"],
  ["GETDEL", "e"],
];

/** Each write on each starting state, then the encoding and bytes of "e" (and of a renamed or copied "e"). */
function encodingSweep(): string[][] {
  const read = (key: string) => [["OBJECT", "ENCODING", key], ["GET", key]];
  const moves = [
    [["RENAME", "e", "moved"], ...read("moved")],
    [["DEL", "moved"], ["COPY", "e", "moved"], ...read("moved"), ...read("e")],
  ];
  return startingStates.flatMap((setup) => [
    ...writes.flatMap((write) => [["DEL", "other"], ...setup, ...read("e"), write, ...read("e")]),
    ...moves.flatMap((move) => [["DEL", "moved"], ...setup, ...move]),
  ]);
}

// Texts for every float reader: string2d (scores, weights, coordinates, radii), strtold
// (INCRBYFLOAT, HINCRBYFLOAT), zslParseRange's plain strtod (score ranges) and SORT's strtod
// prefix with any ERANGE refused (BY weights).
const floatTexts = [
  "1.5", "-0", "0e-400", "1e-400", "-1e-400", "2e-324", "2.5e-324", "3e-324", "4.9e-324", "1e-320", "1e-310", "2.4e-308",
  "1e308", "1e309", "-1e309", "1E400", "1e4933", "1e5000", "1e-4950", "1e-5000",
  "inf", "-inf", "+inf", "Infinity", "-Infinity", "+Infinity", "infinit", "nan", "-nan", "NaN", "nan(1)",
  "0x10", "-0x10", "0X1P3", "0x1.8p1", "0x.8", "0x8.", "0x", "0x.p1", "0x1p", "0x1p+", "0x1p1024", "0x1fffffffffffffp971",
  "0x1.fffffffffffff8p1023", "0x1p-1074", "0x1p-1075", "0x1p-1080", "-0x1p-1080", "0x1.8p-1074", "0x100p-1080",
  "0x1.00000000000008p0", "0x1.000000000000080000001p0", "0x10000000000000000001p0", "0x1p2000", "0x1.0000000000001p-1070",
  "0x1.8p-1073", "0x20000000000001", "0x1fffffffffffff1", " 0x1p1", "0x1p1 ", "0x1p1\x00x", "1e1x",
  " 1", "1 ", "\t1", "\n1", "", "+1", "1e", "1e+", "00001", "1.", ".", ".5e1", "1_0", "1.5\x00",
];

function floatSweep(): string[][] {
  const reset = ["DEL", "z", "d", "g", "s", "h", "l", "w_a", "w_b"];
  const perText = (v: string): string[][] => [
    reset,
    ["ZADD", "z", v, "m"], ["ZSCORE", "z", "m"], ["ZADD", "z", "1", "n"], ["ZINCRBY", "z", v, "n"], ["ZADD", "z", "INCR", v, "n"],
    ["ZUNIONSTORE", "d", "1", "z", "WEIGHTS", v], ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
    ["GEOADD", "g", v, "0", "m"], ["GEOADD", "g", "0", v, "m2"], ["GEOADD", "g", "1", "1", "p"],
    ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", v, "m"], ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", v, "1", "m"],
    ["GEOSEARCH", "g", "FROMLONLAT", v, "0", "BYRADIUS", "1", "km"], ["GEORADIUS", "g", "0", "0", v, "km"],
    ["INCRBYFLOAT", "s", v], ["GET", "s"], ["SET", "s", v], ["INCRBYFLOAT", "s", "0"],
    ["HINCRBYFLOAT", "h", "f", v], ["HSET", "h", "g", v], ["HINCRBYFLOAT", "h", "g", "0"],
    // 2^53 against the weight: ties sort by element, so a weight off by one unit shows.
    ["RPUSH", "l", "b", "a"], ["SET", "w_a", v], ["SET", "w_b", "9007199254740992"], ["SORT", "l", "BY", "w_*"], ["SORT", "l", "BY", "w_*", "DESC"],
  ];
  const perBound = (v: string): string[][] => [
    reset,
    ["ZADD", "z", "0", "zero", "5e-324", "tiny", "1", "one", "1.0000000000000002", "next", "inf", "top"],
    ["ZRANGEBYSCORE", "z", v, "+inf"], ["ZRANGEBYSCORE", "z", `(${v}`, "+inf"], ["ZCOUNT", "z", "-inf", v], ["ZCOUNT", "z", "-inf", `(${v}`],
    ["ZRANGE", "z", v, "+inf", "BYSCORE"], ["ZREVRANGEBYSCORE", "z", v, "-inf"], ["ZREMRANGEBYSCORE", "z", v, v],
  ];
  return [...floatTexts.flatMap(perText), ...floatTexts.flatMap(perBound)];
}

describeAgainstRedis({ name: exactReplies.name, redis70Doubles: true }, (redis) => {
  testScripts(redis, exactReplies, {
    "OBJECT ENCODING after every string write, from every starting encoding": encodingSweep(),
    "float texts in every float-reading command": floatSweep(),
  });
});

async function send(server: TestServer, argv: string[]): Promise<unknown> {
  const response = await fetch(server.url, { method: "POST", headers: { authorization: `Bearer ${server.token}` }, body: JSON.stringify(argv) });
  return ((await response.json()) as { result?: unknown; error?: string }).result;
}

describe("string encodings across a restart", () => {
  const writes = [
    ["SET", "appended", "abc"], ["APPEND", "appended", "d"],
    ["SETRANGE", "patched", "0", "123"],
    ["INCRBYFLOAT", "float", "1"],
    ["PFADD", "sketch", "x", "y"],
    ["SET", "long", "x".repeat(50)], ["APPEND", "long", "y"],
  ];
  const keys = ["appended", "patched", "float", "sketch", "long"];
  const encodings = (server: TestServer) => Promise.all(keys.map((key) => send(server, ["OBJECT", "ENCODING", key])));

  test("keys loaded from a snapshot are re-encoded by SET's rule, as Redis's DEBUG RELOAD does", async () => {
    await using first = await startServer({ keepDataDir: true });
    for (const argv of writes) await send(first, argv);
    expect(await encodings(first)).toEqual(["raw", "raw", "embstr", "raw", "raw"]);
    expect(await send(first, ["SAVE"])).toBe("OK");
    await first.stop("SIGKILL");
    await using restarted = await startServer({ dataDir: first.dataDir });
    expect(await encodings(restarted)).toEqual(["embstr", "int", "int", "embstr", "raw"]);
  });
});
