// The typed reply union every command returns. Encoders (REST JSON, base64 JSON, later RESP and
// Lua) turn it into bytes; commands never format wire output themselves.
//
//   string            bulk string (binary string, see util/bytes.ts)
//   number | bigint   integer (bigint only where int64 exceeds 2^53)
//   null              nil bulk / nil array
//   Reply[]           array
//   StatusReply       simple string (+OK, +PONG, TYPE names)
//   ErrorReply        an error inside an array (EXEC / pipeline entries); top-level errors are thrown

export type Reply = string | number | bigint | null | StatusReply | ErrorReply | Reply[];

export class StatusReply {
  constructor(readonly status: string) {}
}

export class ErrorReply {
  constructor(readonly message: string) {}
}

export const OK = new StatusReply("OK");
export const PONG = new StatusReply("PONG");
export const QUEUED = new StatusReply("QUEUED");

export function status(text: string): StatusReply {
  return text === "OK" ? OK : new StatusReply(text);
}
