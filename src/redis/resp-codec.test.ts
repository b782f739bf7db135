// Proves the RESP2 encoder writes what a real redis-server writes: each reply kind against its
// literal bytes, then the engine's replies byte for byte against redis-server 7 for the same commands.

import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { startRedisOracle } from "../../test/harness/redis-oracle.ts";
import { parseReply } from "../../test/harness/resp-client.ts";
import { createTestEngine } from "../../test/harness/engine.ts";
import { ErrorReply, OK, status } from "./engine/reply.ts";
import { encodeResp, encodeRespSequence, respBytes } from "./resp-codec.ts";

describe("encodeResp", () => {
  test("each reply kind has its RESP2 form", () => {
    expect([
      encodeResp(OK),
      encodeResp(status("string")),
      encodeResp(new ErrorReply("ERR syntax error")),
      encodeResp(0),
      encodeResp(-42),
      encodeResp(9223372036854775807n),
      encodeResp("bar"),
      encodeResp(""),
      encodeResp(null),
      encodeResp([]),
      encodeResp(["a", 1, null, ["b"]]),
    ]).toEqual([
      "+OK\r\n",
      "+string\r\n",
      "-ERR syntax error\r\n",
      ":0\r\n",
      ":-42\r\n",
      ":9223372036854775807\r\n",
      "$3\r\nbar\r\n",
      "$0\r\n\r\n",
      "$-1\r\n",
      "*0\r\n",
      "*4\r\n$1\r\na\r\n:1\r\n$-1\r\n*1\r\n$1\r\nb\r\n",
    ]);
  });

  test("bulk lengths count bytes, and bulk strings may hold CR, LF and any byte", () => {
    const value = "\xc3\xa9\r\n\x00\xff";
    expect(encodeResp(value)).toBe("$6\r\n\xc3\xa9\r\n\x00\xff\r\n");
    expect([...respBytes(encodeResp(value))]).toEqual([0x24, 0x36, 13, 10, 0xc3, 0xa9, 13, 10, 0, 0xff, 13, 10]);
  });

  test("status and error lines never break: CR and LF become spaces", () => {
    expect(encodeResp(new ErrorReply("ERR a\r\nb"))).toBe("-ERR a  b\r\n");
    expect(encodeResp(status("x\ny"))).toBe("+x y\r\n");
  });

  test("a sequence is the replies back to back", () => {
    expect(encodeRespSequence([OK, 1, null])).toBe("+OK\r\n:1\r\n$-1\r\n");
  });
});

describe("against redis-server", () => {
  test("the engine's replies encode to the bytes redis-server sends for the same commands", async () => {
    await using oracle = await startRedisOracle();
    const socket = connect({ port: oracle.port, host: "127.0.0.1" });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    let buffered = Buffer.alloc(0);
    let waiting: (() => void) | undefined;
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      waiting?.();
    });
    // The raw bytes of the one reply to argv, cut where the parser says the reply ends.
    const rawReply = async (argv: string[]): Promise<string> => {
      socket.write(respBytes(encodeResp(argv)));
      for (;;) {
        const parsed = parseReply(buffered, 0);
        if (parsed !== undefined) {
          const raw = buffered.toString("latin1", 0, parsed.end);
          buffered = buffered.subarray(parsed.end);
          return raw;
        }
        await new Promise<void>((resolve) => (waiting = resolve));
      }
    };

    const engine = createTestEngine();
    const commands = [
      ["SET", "resp:k", "v\xff\r\n"],
      ["GET", "resp:k"],
      ["GET", "resp:missing"],
      ["SET", "resp:k", "new", "GET"],
      ["SET", "resp:k", "v", "NX"],
      ["EXISTS", "resp:k", "resp:missing", "resp:k"],
      ["DEL", "resp:k", "resp:missing"],
      ["PING"],
      ["PING", "hello\x00"],
      ["ECHO", ""],
      ["GET"],
      ["SET", "resp:k", "v", "EX", "0"],
      ["SET", "resp:k", "v", "NX", "XX"],
      ["NOSUCHCOMMAND", "a", "b"],
    ];
    const ours: string[] = [];
    const theirs: string[] = [];
    for (const argv of commands) {
      ours.push(encodeResp(engine.run(...argv)));
      theirs.push(await rawReply(argv));
    }
    socket.destroy();
    expect(ours).toEqual(theirs);
  });
});
