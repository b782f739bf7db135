// Reads RESP requests from a TCP byte stream as redis-server does (networking.c): a multibulk
// `*<n>\r\n` of `$<len>\r\n<bytes>\r\n` arguments, or an inline line split like sdssplitargs
// (quotes and escapes, for telnet and `redis-cli` scripts). Bytes arrive in arbitrary pieces; the
// reader keeps what is incomplete and hands out each whole command's argv as binary strings
// (util/bytes.ts). A malformed request throws RespProtocolError with Redis's text: the server
// answers it and closes the connection, as Redis does, since nothing after it can be framed.
// Until a connection authenticates, a command may have at most 10 arguments of at most 16 KiB
// each (Redis's own limits), so a stranger cannot make the server buffer megabytes.

import { latin1Slice } from "../util/bytes.ts";
import { splitArgs } from "./split-args.ts";

/** Redis's PROTO_INLINE_MAX_SIZE: a line (inline request or length header) longer than this is refused. */
const LINE_BYTES_MAX = 64 * 1024;
const MULTIBULK_COUNT_MAX = 2 ** 31 - 1;
const UNAUTHENTICATED_COUNT_MAX = 10;
const UNAUTHENTICATED_BULK_BYTES_MAX = 16 * 1024;

const CR = 13;
const LF = 10;
/** Lines are looked through byte by byte up to this long, then by indexOf (lineEnd). */
const SHORT_LINE_BYTES = 24;
const EMPTY = Buffer.alloc(0);

export class RespProtocolError extends Error {
  constructor(reason: string) {
    super(`ERR Protocol error: ${reason}`);
  }
}

export class RespReader {
  private input: Buffer = EMPTY;
  private start = 0;
  // A multibulk read so far: its argument count and the arguments read (kept across pieces).
  private argv: string[] | undefined;
  private argc = 0;

  /**
   * @param bulkBytesMax the largest argument accepted (redis-server's proto-max-bulk-len); a
   * larger one is refused before its bytes arrive.
   */
  constructor(private readonly bulkBytesMax: number) {}

  /** Bytes received and not yet part of a whole command. */
  get buffered(): number {
    return this.input.length - this.start;
  }

  push(chunk: Buffer): void {
    if (this.start >= this.input.length) {
      this.input = chunk;
      this.start = 0;
    } else {
      this.input = Buffer.concat([this.input.subarray(this.start), chunk]);
      this.start = 0;
    }
  }

  /**
   * The next whole command, or undefined until more bytes arrive. Empty requests (a blank inline
   * line, `*0`) are skipped, as Redis skips them.
   */
  next(authenticated: boolean): string[] | undefined {
    for (;;) {
      if (this.start >= this.input.length) return undefined;
      if (this.argv === undefined && this.input[this.start] !== 0x2a /* * */) {
        const argv = this.readInline();
        if (argv === undefined) return undefined;
        if (argv.length > 0) return argv;
        continue;
      }
      const argv = this.readMultibulk(authenticated);
      if (argv === undefined) return undefined;
      if (argv.length > 0) return argv;
    }
  }

  private readMultibulk(authenticated: boolean): string[] | undefined {
    const input = this.input;
    if (this.argv === undefined) {
      const lineEnd = this.lineEnd("too big mbulk count string");
      if (lineEnd === -1) return undefined;
      const count = readInteger(input, this.start + 1, lineEnd);
      if (Number.isNaN(count) || count > MULTIBULK_COUNT_MAX) throw new RespProtocolError("invalid multibulk length");
      if (!authenticated && count > UNAUTHENTICATED_COUNT_MAX) throw new RespProtocolError("unauthenticated multibulk length");
      this.start = lineEnd + 2;
      if (count <= 0) return [];
      this.argv = [];
      this.argc = count;
    }
    const argv = this.argv;
    while (argv.length < this.argc) {
      if (this.start >= input.length) return undefined;
      if (input[this.start] !== 0x24 /* $ */) throw new RespProtocolError(`expected '$', got '${String.fromCharCode(input[this.start]!)}'`);
      const lineEnd = this.lineEnd("too big bulk count string");
      if (lineEnd === -1) return undefined;
      const length = readInteger(input, this.start + 1, lineEnd);
      if (Number.isNaN(length) || length < 0 || length > this.bulkBytesMax) throw new RespProtocolError("invalid bulk length");
      if (!authenticated && length > UNAUTHENTICATED_BULK_BYTES_MAX) throw new RespProtocolError("unauthenticated bulk length");
      const dataStart = lineEnd + 2;
      // Redis reads the two bytes after the data without checking that they are CRLF.
      if (input.length < dataStart + length + 2) return undefined;
      argv.push(latin1Slice(input, dataStart, dataStart + length));
      this.start = dataStart + length + 2;
    }
    this.argv = undefined;
    return argv;
  }

  /** One inline request, split into arguments; undefined until its line is whole. */
  private readInline(): string[] | undefined {
    const newline = this.input.indexOf(LF, this.start);
    if (newline === -1) {
      if (this.buffered > LINE_BYTES_MAX) throw new RespProtocolError("too big inline request");
      return undefined;
    }
    const end = newline > this.start && this.input[newline - 1] === CR ? newline - 1 : newline;
    const line = latin1Slice(this.input, this.start, end);
    this.start = newline + 1;
    const argv = splitArgs(line);
    if (argv === undefined) throw new RespProtocolError("unbalanced quotes in request");
    return argv;
  }

  /** Where the CRLF ending the line at `start` begins, or -1 while it has not arrived. */
  private lineEnd(tooLong: string): number {
    const input = this.input;
    // A length line (`*3`, `$16`) is a few bytes: looked at here, not through a native indexOf
    // call, which costs more than the scan (four such calls a SET).
    let cr = -1;
    const scanEnd = Math.min(input.length, this.start + SHORT_LINE_BYTES);
    for (let i = this.start; i < scanEnd; i++) {
      if (input[i] === CR) {
        cr = i;
        break;
      }
    }
    if (cr === -1 && scanEnd < input.length) cr = input.indexOf(CR, scanEnd);
    if (cr === -1 || cr + 1 >= input.length) {
      if (this.buffered > LINE_BYTES_MAX) throw new RespProtocolError(tooLong);
      return -1;
    }
    if (cr - this.start > LINE_BYTES_MAX) throw new RespProtocolError(tooLong);
    return cr;
  }
}

/** A decimal integer in bytes [from, to), as Redis's string2ll reads it; NaN when it is not one. */
function readInteger(bytes: Buffer, from: number, to: number): number {
  if (from >= to || to - from > 18) return NaN;
  let i = from;
  const negative = bytes[i] === 0x2d; /* - */
  if (negative) i++;
  if (i >= to) return NaN;
  // As string2ll: no sign but "-", and no leading zero unless the number is 0.
  if (bytes[i] === 0x30 && (to - from !== 1)) return NaN;
  let value = 0;
  for (; i < to; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

