// Parsing an HTTP/1.1 request head for the front end (server/http1.ts): the request line and
// header fields, read from the bytes as latin1 with indexOf, and the framing they set (body length,
// chunked, keep-alive, 100-continue). Anything RFC 9112 says to refuse is a ProtocolError with its
// status; in particular both Content-Length and Transfer-Encoding, the way requests get smuggled.

import { latin1Slice } from "../util/bytes.ts";
import type { RawRequest } from "./fast-route.ts";

/** Request line plus header fields (and, separately, trailer fields); past it, 431. */
export const HEAD_BYTES_MAX = 64 * 1024;

export type BodyKind = "none" | "length" | "chunked";

const NO_BODY = Buffer.alloc(0);

/** A parsed request head; the fast routes see it, with its body, as their RawRequest. */
export class RequestHead implements RawRequest {
  /** The body is `bodySource[bodyStart, bodyEnd)`: often a range of the packet it came in. */
  private bodySource: Buffer = NO_BODY;
  private bodyStart = 0;
  private bodyEnd = 0;
  private bodyView: Uint8Array | undefined;

  constructor(
    readonly method: string,
    readonly target: string,
    readonly path: string,
    /** True for `http://host/path` targets (sent to proxies): the URL as given. */
    readonly isAbsolute: boolean,
    readonly isHttp10: boolean,
    /** Lower-case names, values as sent (latin1), in order. */
    readonly headers: [string, string][],
    readonly host: string | undefined,
    readonly bodyKind: BodyKind,
    readonly contentLength: number,
    readonly keepAlive: boolean,
    readonly expectsContinue: boolean,
  ) {}

  /** Sets the body to `source[start, end)` without copying it. */
  setBody(source: Buffer, start = 0, end = source.length): void {
    this.bodySource = source;
    this.bodyStart = start;
    this.bodyEnd = end;
    this.bodyView = undefined;
  }

  get body(): Uint8Array {
    return (this.bodyView ??= this.bodySource.subarray(this.bodyStart, this.bodyEnd));
  }

  bodyText(): string {
    return this.bodySource.toString("utf8", this.bodyStart, this.bodyEnd);
  }

  header(name: string): string | undefined {
    const headers = this.headers;
    for (let i = 0; i < headers.length; i++) if (headers[i]![0] === name) return headers[i]![1];
    return undefined;
  }

  /** The same head for another request: what was parsed is shared, the body is its own. */
  again(): RequestHead {
    return new RequestHead(
      this.method,
      this.target,
      this.path,
      this.isAbsolute,
      this.isHttp10,
      this.headers,
      this.host,
      this.bodyKind,
      this.contentLength,
      this.keepAlive,
      this.expectsContinue,
    );
  }
}

/**
 * One connection's head parser. A client on a kept-alive connection mostly sends the same head
 * again (its headers, and the same Content-Length for the same command), and comparing the bytes
 * with the last head costs a small part of parsing them (about 0.1 of 0.7 us): parseHead is a
 * function of the bytes alone, so equal bytes get the same head.
 */
export class HeadParser {
  private lastBytes: Buffer = NO_BODY;
  private last: RequestHead | undefined;

  parse(input: Buffer, start: number, end: number): RequestHead {
    const length = end - start;
    if (this.last !== undefined && length === this.lastBytes.length && input.compare(this.lastBytes, 0, length, start, end) === 0) return this.last.again();
    const head = parseHead(input, start, end);
    this.lastBytes = Buffer.from(input.subarray(start, end));
    this.last = head;
    return head;
  }
}

/** A request the front end refuses itself, before any route sees it. */
export class ProtocolError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** tchar of RFC 9110 §5.6.2: what a method or a header name may hold. */
const TOKEN = new Uint8Array(128);
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[ch.charCodeAt(0)] = 1;

/** A control character other than a tab, or a CR or LF that is not part of a CR LF pair. */
const MISPLACED_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/;

function isToken(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || TOKEN[code] === 0) return false;
  }
  return true;
}

/** Parses the head in `input[start, end)` (without its final CRLF CRLF). */
export function parseHead(input: Buffer, start: number, end: number): RequestHead {
  const text = latin1Slice(input, start, end);
  // Control characters only in CR LF line ends (and tabs): a bare CR or LF, or a NUL, is refused.
  if (MISPLACED_CONTROL.test(text)) throw new ProtocolError(400, "malformed request head");
  let lineEnd = text.indexOf("\r\n");
  if (lineEnd === -1) lineEnd = text.length;
  // method SP request-target SP HTTP-version; a third space makes the version malformed.
  const space1 = text.indexOf(" ");
  const space2 = space1 === -1 ? -1 : text.indexOf(" ", space1 + 1);
  if (space1 <= 0 || space2 === -1 || space2 >= lineEnd || !isToken(text, 0, space1)) throw new ProtocolError(400, "malformed request line");
  const method = text.slice(0, space1);
  const version = text.slice(space2 + 1, lineEnd);
  let isHttp10 = false;
  if (version !== "HTTP/1.1") {
    if (version === "HTTP/1.0") isHttp10 = true;
    else if (version.length === 8 && version.startsWith("HTTP/") && version[6] === "." && isDigit(version, 5) && isDigit(version, 7)) {
      throw new ProtocolError(505, "HTTP version not supported");
    } else throw new ProtocolError(400, "malformed request line");
  }
  let target = text.slice(space1 + 1, space2);
  for (let i = 0; i < target.length; i++) {
    // Raw bytes beyond ASCII in the target are read as UTF-8 (bad sequences become U+FFFD).
    if (target.charCodeAt(i) >= 128) {
      target = input.toString("utf8", start + space1 + 1, start + space2);
      break;
    }
  }
  let path: string;
  let isAbsolute = false;
  if (target.charCodeAt(0) === 47 /* / */) {
    const query = target.indexOf("?");
    path = query === -1 ? target : target.slice(0, query);
  } else {
    const scheme = target.slice(0, 8).toLowerCase();
    const authority = scheme.startsWith("http://") ? 7 : scheme === "https://" ? 8 : -1;
    if (authority === -1) throw new ProtocolError(400, "malformed request target");
    isAbsolute = true;
    const slash = target.indexOf("/", authority);
    const query = target.indexOf("?", authority);
    path = slash === -1 || (query !== -1 && query < slash) ? "/" : target.slice(slash, query === -1 ? target.length : query);
  }

  const headers: [string, string][] = [];
  let host: string | undefined;
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection: string | undefined;
  let expect: string | undefined;
  let position = lineEnd + 2;
  while (position < text.length) {
    let eol = text.indexOf("\r\n", position);
    if (eol === -1) eol = text.length;
    const colon = text.indexOf(":", position);
    // No colon, or whitespace before it (also an obsolete folded line): refused, RFC 9112 §5.
    const name = colon === -1 || colon > eol ? undefined : headerName(text, position, colon);
    if (name === undefined) throw new ProtocolError(400, "malformed header field");
    let valueStart = colon + 1;
    let valueEnd = eol;
    while (valueStart < valueEnd && isBlank(text.charCodeAt(valueStart))) valueStart++;
    while (valueEnd > valueStart && isBlank(text.charCodeAt(valueEnd - 1))) valueEnd--;
    const value = text.slice(valueStart, valueEnd);
    headers.push([name, value]);
    position = eol + 2;
    switch (name) {
      case "host":
        if (host !== undefined) throw new ProtocolError(400, "more than one Host");
        host = value;
        break;
      case "content-length": {
        const length = parseContentLength(value);
        if (length < 0 || (contentLength !== -1 && length !== contentLength)) throw new ProtocolError(400, "malformed Content-Length");
        contentLength = length;
        break;
      }
      case "transfer-encoding":
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        break;
      case "connection":
        connection = connection === undefined ? value : `${connection}, ${value}`;
        break;
      case "expect":
        expect = value;
        break;
    }
  }

  let bodyKind: BodyKind = contentLength > 0 ? "length" : "none";
  if (transferEncoding !== undefined) {
    // Both framings at once is how requests are smuggled past proxies (RFC 9112 §6.3).
    if (contentLength !== -1) throw new ProtocolError(400, "both Content-Length and Transfer-Encoding");
    if (isHttp10) throw new ProtocolError(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (transferEncoding.toLowerCase() !== "chunked") throw new ProtocolError(501, "unsupported Transfer-Encoding");
    bodyKind = "chunked";
  }
  let expectsContinue = false;
  if (expect !== undefined) {
    if (expect.toLowerCase() !== "100-continue") throw new ProtocolError(417, "unsupported Expect");
    expectsContinue = true;
  }
  let keepAlive = !isHttp10;
  if (connection !== undefined) {
    const options = connection.toLowerCase();
    if (hasToken(options, "close")) keepAlive = false;
    else if (isHttp10 && hasToken(options, "keep-alive")) keepAlive = true;
  }
  return new RequestHead(method, target, path, isAbsolute, isHttp10, headers, host, bodyKind, contentLength, keepAlive, expectsContinue);
}

// Header names as clients commonly capitalize them (curl, wrk, browsers), by length: a match
// costs one startsWith where slice and toLowerCase would cost about 40 ns per header.
const capitalizedNames: [string, string][][] = [];
for (const name of ["Host", "Authorization", "Content-Type", "Content-Length", "User-Agent", "Accept", "Accept-Encoding", "Connection", "Upstash-Encoding", "Upstash-Response-Format", "Upstash-Sync-Token", "X-Request-Id"]) {
  (capitalizedNames[name.length] ??= []).push([name, name.toLowerCase()]);
}

/** The lower-case header name in `text[start, end)`, or undefined when it is not a token. */
function headerName(text: string, start: number, end: number): string | undefined {
  if (start >= end) return undefined;
  let hasUpperCase = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || TOKEN[code] === 0) return undefined;
    if (code >= 65 && code <= 90) hasUpperCase = true;
  }
  if (!hasUpperCase) return text.slice(start, end);
  const candidates = capitalizedNames[end - start];
  if (candidates !== undefined) for (const [spelling, lower] of candidates) if (text.startsWith(spelling, start)) return lower;
  return text.slice(start, end).toLowerCase();
}

const isBlank = (code: number) => code === 32 || code === 9;

function isDigit(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 48 && code <= 57;
}

/** Digits only, at most 15 of them (exact as a double); -1 otherwise. */
function parseContentLength(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 48 || code > 57) return -1;
    length = length * 10 + (code - 48);
  }
  return length;
}

/** Whether a comma-separated, lower-case list holds `token`. */
function hasToken(list: string, token: string): boolean {
  for (const part of list.split(",")) if (part.trim() === token) return true;
  return false;
}

/** The hex size at the start of a chunk-size line `input[start, eol)`, before any `;extension`; -1 if malformed. */
export function parseChunkSize(input: Buffer, start: number, eol: number): number {
  let size = 0;
  let i = start;
  for (; i < eol; i++) {
    const code = input[i]!;
    const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : code >= 65 && code <= 70 ? code - 55 : -1;
    if (digit === -1) break;
    size = size * 16 + digit;
    // 2^52: far beyond any body limit, and still exact.
    if (size > 2 ** 52) return -1;
  }
  if (i === start) return -1;
  while (i < eol && isBlank(input[i]!)) i++;
  if (i < eol && input[i] !== 59 /* ; */) return -1;
  return size;
}
