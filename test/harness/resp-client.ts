// A minimal RESP2 client for tests: sends argv (binary strings, util/bytes.ts) over one TCP
// connection and parses each reply into the engine's typed Reply, so a real redis-server's
// answers compare directly with the engine's. Requests pipeline: every `send` writes at once and
// its promise resolves in order as replies arrive. Bytes travel as latin1, one char per byte.

import { Socket, connect } from "node:net";
import { ErrorReply, StatusReply, type Reply } from "../../src/redis/engine/reply.ts";

const CRLF = "\r\n";

interface Pending {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

export class RespClient {
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.failAll(error));
    socket.on("close", () => this.failAll(new Error("connection closed")));
  }

  /** Connects to host:port; rejects when the connection is refused or not made within `timeoutMs`. */
  static connect(port: number, host = "127.0.0.1", timeoutMs = 2000): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new RespClient(socket));
      });
    });
  }

  /** Sends one command; the promise resolves with its reply (a server error is an ErrorReply, not a rejection). */
  send(argv: string[]): Promise<Reply> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    let frame = `*${argv.length}${CRLF}`;
    for (const arg of argv) frame += `$${arg.length}${CRLF}${arg}${CRLF}`;
    const promise = new Promise<Reply>((resolve, reject) => this.pending.push({ resolve, reject }));
    this.socket.write(Buffer.from(frame, "latin1"));
    return promise;
  }

  /** Sends every command before awaiting any reply; replies come back in the same order. */
  pipeline(commands: string[][]): Promise<Reply[]> {
    return Promise.all(commands.map((argv) => this.send(argv)));
  }

  close(): void {
    this.socket.destroy();
    this.failAll(new Error("client closed"));
  }

  private failAll(error: Error): void {
    this.closedError ??= error;
    for (const waiting of this.pending.splice(0)) waiting.reject(error);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      let parsed: Parsed | undefined;
      try {
        parsed = parseReply(this.buffer, offset);
      } catch (error) {
        this.socket.destroy();
        this.failAll(error as Error);
        return;
      }
      if (parsed === undefined) break;
      offset = parsed.end;
      const waiting = this.pending.shift();
      if (waiting === undefined) {
        this.failAll(new Error("reply received with no command waiting for it"));
        return;
      }
      waiting.resolve(parsed.reply);
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
  }
}

interface Parsed {
  reply: Reply;
  end: number;
}

/** Parses one reply starting at `start`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buffer: Buffer, start: number): Parsed | undefined {
  const lineEnd = buffer.indexOf(CRLF, start, "latin1");
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString("latin1", start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return { reply: new StatusReply(line), end: next };
    case "-":
      return { reply: new ErrorReply(line), end: next };
    case ":":
      return { reply: integerReply(line), end: next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString("latin1", next, next + length), end: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: Reply[] = [];
      let offset = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, offset);
        if (item === undefined) return undefined;
        items.push(item.reply);
        offset = item.end;
      }
      return { reply: items, end: offset };
    }
    default:
      throw new Error(`unexpected RESP2 type byte ${JSON.stringify(type)} in ${JSON.stringify(line.slice(0, 80))}`);
  }
}

// The engine's convention: a number when exact, a bigint only beyond 2^53.
function integerReply(text: string): number | bigint {
  const value = BigInt(text);
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value;
}
