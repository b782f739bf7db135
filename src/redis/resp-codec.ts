// RESP2 output: the typed Reply (engine/reply.ts) as the bytes a TCP Redis server would send.
// Used by `Upstash-Response-Format: resp2` on the REST surface (spec/redis-rest.md §2.4) and
// meant for a TCP listener later. Output is a binary string (util/bytes.ts): one char per byte,
// so a bulk string's `$<len>` is its JS length.

import { ErrorReply, StatusReply, type Reply } from "./engine/reply.ts";

/** The RESP2 encoding of one reply, as a binary string. */
export function encodeResp(reply: Reply): string {
  if (typeof reply === "string") return `$${reply.length}\r\n${reply}\r\n`;
  if (typeof reply === "number") return `:${Number.isInteger(reply) ? reply : Math.trunc(reply)}\r\n`;
  if (reply === null) return "$-1\r\n";
  if (typeof reply === "bigint") return `:${reply}\r\n`;
  if (Array.isArray(reply)) {
    let out = `*${reply.length}\r\n`;
    for (let i = 0; i < reply.length; i++) out += encodeResp(reply[i]!);
    return out;
  }
  if (reply instanceof StatusReply) return `+${oneLine(reply.status)}\r\n`;
  return `-${oneLine((reply as ErrorReply).message)}\r\n`;
}

/** Several replies back to back, as a TCP client reading a pipeline would receive them. */
export function encodeRespSequence(replies: readonly Reply[]): string {
  let out = "";
  for (let i = 0; i < replies.length; i++) out += encodeResp(replies[i]!);
  return out;
}

/** A binary string as the bytes to put on the wire. */
export function respBytes(binary: string): Uint8Array {
  return Buffer.from(binary, "latin1");
}

// Simple strings and errors end at the first CRLF, so they must not contain CR or LF; Redis
// replaces both with spaces (addReplyErrorLength).
function oneLine(text: string): string {
  return text.indexOf("\r") === -1 && text.indexOf("\n") === -1 ? text : text.replace(/[\r\n]/g, " ");
}
