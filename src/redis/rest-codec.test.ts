// Proves the REST wire format of spec/redis-rest.md §1.4 and §2 on plain values: JSON arguments
// become binary strings or exact errors, replies become the envelopes and base64 shapes the SDKs decode.

import { describe, expect, test } from "bun:test";
import { RedisError } from "./engine/errors.ts";
import { ErrorReply, OK, PONG, status, type Reply } from "./engine/reply.ts";
import { encodeEnvelope, encodeError, encodeResult, httpResponse, jsonHoldsBinaryStrings, parseJson, toArgument, toBatch, toCommand } from "./rest-codec.ts";

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof RedisError) return error.message;
    throw error;
  }
  throw new Error("expected a RedisError");
}

describe("toArgument", () => {
  test("strings become their UTF-8 bytes as a binary string", () => {
    expect([toArgument("abc"), toArgument("é"), toArgument("€"), toArgument("😀"), toArgument("")]).toEqual([
      "abc",
      "\xc3\xa9",
      "\xe2\x82\xac",
      "\xf0\x9f\x98\x80",
      "",
    ]);
  });

  test("numbers become their shortest decimal text, booleans true/false", () => {
    expect([toArgument(10), toArgument(-3), toArgument(1.5), toArgument(0.1), toArgument(-0), toArgument(1e-7), toArgument(true), toArgument(false)]).toEqual([
      "10",
      "-3",
      "1.5",
      "0.1",
      "0",
      "1e-7",
      "true",
      "false",
    ]);
  });

  test("the largest exact integers pass; beyond 2^53 is refused rather than silently rounded", () => {
    expect(toArgument(9007199254740991)).toBe("9007199254740991");
    expect(toArgument(-9007199254740991)).toBe("-9007199254740991");
    expect(errorOf(() => toArgument(9007199254740992))).toBe("ERR numeric argument beyond 2^53 is not exact; send it as a string");
    expect(errorOf(() => toArgument(JSON.parse("12345678901234567890")))).toBe("ERR numeric argument beyond 2^53 is not exact; send it as a string");
  });

  test("null, objects and arrays are not arguments", () => {
    expect([errorOf(() => toArgument(null)), errorOf(() => toArgument({ a: 1 })), errorOf(() => toArgument(["x"]))]).toEqual([
      "ERR null is not a valid command argument",
      "ERR nested arrays and objects are not valid command arguments",
      "ERR nested arrays and objects are not valid command arguments",
    ]);
  });
});

describe("toCommand and toBatch", () => {
  test("a command is a non-empty array of scalars", () => {
    expect(toCommand(["SET", "k", 1, true])).toEqual(["SET", "k", "1", "true"]);
    expect(errorOf(() => toCommand({ cmd: "get" }))).toBe("ERR failed to parse command: the body must be a JSON array of arguments");
    expect(errorOf(() => toCommand("get"))).toBe("ERR failed to parse command: the body must be a JSON array of arguments");
    expect(errorOf(() => toCommand([]))).toBe("ERR empty command");
  });

  test("numbers become the same texts however often a place repeats or changes its number", () => {
    const numbers = [1000000, 1795963715814, 60000, 1, -0, 0, 1.5, 9007199254740000, -7];
    for (let round = 0; round < 3; round++) {
      for (const number of numbers) {
        const argv = toCommand(["EVALSHA", "sha", number, ...Array.from({ length: 20 }, (_, i) => number + i)]);
        expect(argv).toEqual(["EVALSHA", "sha", String(number), ...Array.from({ length: 20 }, (_, i) => String(number + i))]);
      }
    }
    toCommand(["SET", "k", 9007199254740991]);
    expect(errorOf(() => toCommand(["SET", "k", 9007199254740992]))).toBe("ERR numeric argument beyond 2^53 is not exact; send it as a string");
  });

  test("a batch is a non-empty array whose every entry is an array", () => {
    const batch = [["get", "a"], []];
    expect(toBatch(batch)).toBe(batch);
    const notBatch = "ERR failed to parse pipeline request: the body must be a JSON array of commands";
    expect([errorOf(() => toBatch({})), errorOf(() => toBatch(["get", "a"])), errorOf(() => toBatch([["get", "a"], null])), errorOf(() => toBatch([]))]).toEqual([
      notBatch,
      notBatch,
      notBatch,
      "ERR empty pipeline request",
    ]);
  });

  test("a body that is not JSON is refused with one error text", () => {
    expect(parseJson('["get","k"]')).toEqual(["get", "k"]);
    expect([errorOf(() => parseJson("")), errorOf(() => parseJson("[get]")), errorOf(() => parseJson('["get"'))]).toEqual([
      "ERR failed to parse request body: invalid JSON",
      "ERR failed to parse request body: invalid JSON",
      "ERR failed to parse request body: invalid JSON",
    ]);
  });
});

describe("jsonHoldsBinaryStrings", () => {
  // Bodies as the front end decodes them (UTF-8, bad bytes as U+FFFD).
  const decoded = (bytes: number[] | string) => Buffer.from(bytes as never).toString("utf8");
  const bodies: [string, string, boolean][] = [
    ["ASCII with escapes", '[["SET","k","q\\"uote\\\\back\\n\\t"],["GET","k"]]', true],
    ["numbers and booleans", '[["SETEX","k",10,true]]', true],
    ["a \\u escape beyond ASCII", '[["SET","k","caf\\u00e9"]]', false],
    ["a \\u escape within ASCII (refused to be safe)", '[["SET","k","\\u0041"]]', false],
    ["a surrogate pair by escape", '[["SET","k","\\ud83d\\ude00"]]', false],
    ["raw UTF-8", '[["SET","k","café €"]]', false],
    ["a bad byte, decoded as U+FFFD", decoded([...Buffer.from('[["SET","k","'), 0x80, ...Buffer.from('"]]')]), false],
  ];

  for (const [label, text, binary] of bodies) {
    test(`${label}: ${binary ? "taken as binary strings" : "converted"}, with the arguments conversion gives`, () => {
      expect(jsonHoldsBinaryStrings(text)).toBe(binary);
      const entries = toBatch(parseJson(text));
      expect(entries.map((entry) => toCommand(entry, jsonHoldsBinaryStrings(text)))).toEqual(entries.map((entry) => toCommand(entry)));
    });
  }
});

describe("encodeResult without base64", () => {
  const cases: [string, Reply, string][] = [
    ["bulk string", "bar", '"bar"'],
    ["UTF-8 bytes as text", "\xc3\xa9\xe2\x82\xac", '"é€"'],
    ["invalid UTF-8 as U+FFFD", "a\xff", '"a\ufffd"'],
    ["control characters escaped", 'q"\n\\', '"q\\"\\n\\\\"'],
    ["status", OK, '"OK"'],
    ["other status", status("string"), '"string"'],
    ["integer", 42, "42"],
    ["negative integer", -1, "-1"],
    ["bigint beyond 2^53", 9223372036854775807n, "9223372036854775807"],
    ["nil", null, "null"],
    ["empty array", [], "[]"],
    ["nested array with nil and status", ["a", [1, null, OK]], '["a",[1,null,"OK"]]'],
    ["array of strings and nils, escapes included", ["a", null, 'q"', "\\", "\x00\x1f\x7f", ""], '["a",null,"q\\"","\\\\","\\u0000\\u001f\x7f",""]'],
    ["array of strings with UTF-8 bytes", ["\xe9", "\xc3\xa9", "a\xff"], '["\ufffd","é","a\ufffd"]'],
    ["array of integers, a rate limiter's answer", [-1, 0, 1796000060123, Number.MAX_SAFE_INTEGER, -0], "[-1,0,1796000060123,9007199254740991,0]"],
    ["array of integers and a bigint", [1, 9223372036854775807n], "[1,9223372036854775807]"],
  ];
  for (const [label, reply, json] of cases) test(label, () => expect(encodeResult(reply, false)).toBe(json));
  test("OK and small counts come out as any other reply would", () => {
    expect(encodeEnvelope(OK, false)).toBe('{"result":"OK"}');
    expect(encodeEnvelope(OK, true)).toBe('{"result":"OK"}');
    for (const count of [0, 1, 63, 64, 1000, -1, 1.5]) expect(encodeEnvelope(count, false)).toBe(`{"result":${count}}`);
  });
});

describe("encodeResult with base64", () => {
  test("every string at every depth is base64, except a top-level OK", () => {
    expect(encodeResult(OK, true)).toBe('"OK"');
    expect(encodeResult("OK", true)).toBe('"T0s="');
    expect(encodeResult(PONG, true)).toBe('"UE9ORw=="');
    expect(encodeResult([OK, "OK", status("hash")], true)).toBe('["T0s=","T0s=","aGFzaA=="]');
    expect(encodeResult(["a", ["b", 1, null]], true)).toBe('["YQ==",["Yg==",1,null]]');
  });

  test("bytes travel exactly, empty strings stay empty, numbers and nil stay JSON", () => {
    expect(encodeResult("\xff\x00\xfe", true)).toBe('"/wD+"');
    expect(encodeResult("", true)).toBe('""');
    expect(encodeResult(7, true)).toBe("7");
    expect(encodeResult(null, true)).toBe("null");
  });
});

describe("envelopes", () => {
  test("success has only result (even for nil), failure has only error, never base64", () => {
    expect(encodeEnvelope(null, false)).toBe('{"result":null}');
    expect(encodeEnvelope("v", true)).toBe('{"result":"dg=="}');
    expect(encodeEnvelope(new ErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value"), true)).toBe(
      '{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"}',
    );
    expect(encodeError("ERR bad \"quote\"")).toBe('{"error":"ERR bad \\"quote\\""}');
  });

  test("an error inside an array (a script's {err=...}) travels as its text", () => {
    expect(encodeResult([1, new ErrorReply("ERR x")], false)).toBe('[1,"ERR x"]');
  });

  test("every response carries CORS headers and, when given, the sync token", async () => {
    const response = httpResponse('{"result":1}', 200, "application/json", "17");
    expect(Object.fromEntries(response.headers)).toEqual({
      "content-type": "application/json",
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "upstash-sync-token",
      "upstash-sync-token": "17",
    });
    expect(await response.text()).toBe('{"result":1}');
    expect(httpResponse(null, 204, "application/json").headers.has("upstash-sync-token")).toBe(false);
  });
});
