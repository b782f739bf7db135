import { describe, expect, test } from "bun:test";
import { SeededRandom, randomInt } from "../util/random.ts";
import { RespProtocolError, RespReader } from "./resp-reader.ts";
import { splitArgs } from "./split-args.ts";

const BULK_MAX = 1024;

function frame(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join("");
}

/** Every command the reader yields from `text`, given in one piece. */
function readAll(text: string, authenticated = true): string[][] {
  const reader = new RespReader(BULK_MAX);
  reader.push(Buffer.from(text, "latin1"));
  const commands: string[][] = [];
  for (let argv = reader.next(authenticated); argv !== undefined; argv = reader.next(authenticated)) commands.push(argv);
  return commands;
}

function protocolError(text: string, authenticated = true): string {
  try {
    readAll(text, authenticated);
  } catch (error) {
    if (error instanceof RespProtocolError) return error.message;
    throw error;
  }
  throw new Error(`no protocol error for ${JSON.stringify(text)}`);
}

describe("multibulk requests", () => {
  test("yield each command's arguments as binary strings, empty and high bytes included", () => {
    const commands = [["SET", "k", "v"], ["SET", "", "\xff\x00\r\n"], ["PING"]];
    expect(readAll(commands.map(frame).join(""))).toEqual(commands);
  });

  test("arrive whole however the bytes are split", () => {
    const random = new SeededRandom(7);
    const commands = Array.from({ length: 50 }, (_, i) => ["SET", `key:${i}`, "x".repeat(randomInt(random, 300))]);
    const bytes = Buffer.from(commands.map(frame).join(""), "latin1");
    const reader = new RespReader(BULK_MAX);
    const read: string[][] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + randomInt(random, 40);
      reader.push(bytes.subarray(at, at + size));
      at += size;
      for (let argv = reader.next(true); argv !== undefined; argv = reader.next(true)) read.push(argv);
    }
    expect(read).toEqual(commands);
    expect(reader.buffered).toBe(0);
  });

  test("with no arguments (*0, *-1) are skipped, as Redis skips them", () => {
    expect(readAll("*0\r\n*-1\r\n" + frame(["PING"]))).toEqual([["PING"]]);
  });

  test("malformed ones fail with redis-server's protocol error texts", () => {
    expect(protocolError("*x\r\n")).toBe("ERR Protocol error: invalid multibulk length");
    expect(protocolError("*01\r\n")).toBe("ERR Protocol error: invalid multibulk length");
    expect(protocolError("*1\r\n+PING\r\n")).toBe("ERR Protocol error: expected '$', got '+'");
    expect(protocolError("*1\r\n$-1\r\n")).toBe("ERR Protocol error: invalid bulk length");
    expect(protocolError(`*1\r\n$${BULK_MAX + 1}\r\n`)).toBe("ERR Protocol error: invalid bulk length");
    // A length line past the reader's byte-by-byte look is still found whole, then refused for its value.
    expect(protocolError("*" + "0".repeat(40) + "1\r\n")).toBe("ERR Protocol error: invalid multibulk length");
    expect(protocolError("*" + "1".repeat(70_000))).toBe("ERR Protocol error: too big mbulk count string");
    expect(protocolError("*1\r\n$" + "1".repeat(70_000))).toBe("ERR Protocol error: too big bulk count string");
  });

  test("before authentication, more than 10 arguments or 16 KiB arguments are refused", () => {
    expect(protocolError(frame(Array(11).fill("a")), false)).toBe("ERR Protocol error: unauthenticated multibulk length");
    const reader = new RespReader(64 * 1024);
    reader.push(Buffer.from("*2\r\n$4\r\nAUTH\r\n$16385\r\n"));
    expect(() => reader.next(false)).toThrow("ERR Protocol error: unauthenticated bulk length");
    expect(readAll(frame(Array(11).fill("a")), true)).toHaveLength(1);
  });
});

describe("inline requests", () => {
  test("split on blanks, with CRLF or LF line ends, skipping empty lines", () => {
    expect(readAll("SET k v\r\n\r\n  GET   k\nPING\r\n")).toEqual([["SET", "k", "v"], ["GET", "k"], ["PING"]]);
  });

  test("take double-quoted escapes and single-quoted text as sdssplitargs does", () => {
    expect(splitArgs(`SET "a b\\x41\\n" 'it\\'s' "q\\""`)).toEqual(["SET", "a bA\n", "it's", 'q"']);
    expect(splitArgs(`SET "" ''`)).toEqual(["SET", "", ""]);
    expect(splitArgs(`SET "abc`)).toBeUndefined();
  });

  test("with unbalanced quotes or an overlong line fail with Redis's texts", () => {
    expect(protocolError(`SET "abc\r\n`)).toBe("ERR Protocol error: unbalanced quotes in request");
    expect(protocolError(`SET "abc"d\r\n`)).toBe("ERR Protocol error: unbalanced quotes in request");
    expect(protocolError("SET " + "a".repeat(70_000))).toBe("ERR Protocol error: too big inline request");
  });
});
