// Proves a connection's head parser answers a repeated head exactly as parsing it would, with a
// body of its own, and parses any head that differs, by a byte, anywhere in the input.

import { describe, expect, test } from "bun:test";
import { HeadParser, ProtocolError, parseHead, type RequestHead } from "./http1-head.ts";

const head = (contentLength: number, extra = "") =>
  `POST /pipeline HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer token\r\nContent-Length: ${contentLength}${extra}`;

/** What a parse yields, the body aside. */
const parsed = (h: RequestHead) => ({ ...h, body: h.bodyText() });

/** The parser's answer for `text` placed at an offset inside a larger buffer, as pipelined input is. */
function parseAt(parser: HeadParser, text: string, padding = 3): RequestHead {
  const input = Buffer.from(`${"\r\n".repeat(padding)}${text}\r\n\r\nbody`);
  return parser.parse(input, padding * 2, padding * 2 + text.length);
}

describe("HeadParser", () => {
  test("a repeated head is the head parsing would give, with its own body", () => {
    const parser = new HeadParser();
    const first = parseAt(parser, head(5), 0);
    const again = parseAt(parser, head(5), 7);
    expect(again).not.toBe(first);
    const fresh = parseHead(Buffer.from(head(5)), 0, head(5).length);
    expect(parsed(again)).toEqual(parsed(fresh));
    first.setBody(Buffer.from("first"));
    again.setBody(Buffer.from("again"));
    expect([first.bodyText(), again.bodyText()]).toEqual(["first", "again"]);
  });

  test("a head differing by one byte, or in length, is parsed anew", () => {
    const parser = new HeadParser();
    parseAt(parser, head(5));
    expect(parseAt(parser, head(6)).contentLength).toBe(6);
    expect(parseAt(parser, head(6, "\r\nConnection: close")).keepAlive).toBe(false);
    expect(parseAt(parser, head(6).replace("/pipeline", "/pipelinf")).path).toBe("/pipelinf");
    expect(parseAt(parser, head(6)).keepAlive).toBe(true);
  });

  test("a malformed head after a good one is refused, and the good one still is not", () => {
    const parser = new HeadParser();
    parseAt(parser, head(5));
    expect(() => parseAt(parser, head(5).replace("Host", "Ho st"))).toThrow(ProtocolError);
    expect(parseAt(parser, head(5)).contentLength).toBe(5);
  });
});
