// The HTTP/1.1 front end, on Bun.listen instead of Bun.serve. Why: on the Redis REST hot path,
// where every command is one small POST, Bun.serve capped the server at about 0.6× redis-benchmark,
// and reading the request body cost a third of that (BENCHMARKS.md "Where the REST time goes").
// Here the head is parsed with indexOf over the bytes (http1-head.ts), and the routes the SDKs call
// on every command (fast-route.ts) get the whole body and answer with plain data: no Request, no
// Response.
// Every other request goes to the Hono app's fetch, its body streamed in as it arrives (routes
// bound their own reads), its answer streamed out chunked when it is a stream (SSE pub/sub).
// One request per connection is in flight at a time; pipelined requests wait, answered in order.
// Not here: TLS and HTTP/2. Run downstash behind a proxy (nginx, Caddy, fly.io's edge) for those.

import type { Socket, TCPSocketListener } from "bun";
import type { Logger } from "../util/log.ts";
import type { FastRoute, FastRoutes, RawResponse } from "./fast-route.ts";
import { HEAD_BYTES_MAX, HeadParser, parseChunkSize, ProtocolError, RequestHead } from "./http1-head.ts";
import { TurnEndQueue, type PausableSocket } from "./turn-end.ts";

export interface Http1Options {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Everything the fast routes do not take. `server.requestIP(request)` works on `request`. */
  fetch(request: Request, server: Http1Server): Response | Promise<Response>;
  fastRoute?: FastRoutes;
  /** The largest body streamed to fetch: a last backstop, set above what any route accepts. */
  maxBodyBytes: number;
  /** A connection waiting for its next request this long is closed. */
  idleTimeoutSeconds: number;
  log?: Logger;
}

/** The same shape as Bun's `server.requestIP`. */
export interface SocketAddress {
  address: string;
  family: "IPv4" | "IPv6";
  port: number;
}

export interface Http1Server {
  readonly port: number;
  readonly hostname: string;
  /** The peer of the connection a fetch-routed request came on; null for any other Request. */
  requestIP(request: Request): SocketAddress | null;
  /**
   * Stops accepting, lets requests already started finish (their answers close the connection),
   * closes idle connections, and resolves once every connection is closed. With
   * `closeActiveConnections`, cuts every connection at once.
   */
  stop(closeActiveConnections?: boolean): Promise<void>;
}

/** A chunk-size line with its extensions. */
const CHUNK_LINE_BYTES_MAX = 4 * 1024;
/** Body bytes a fetch route has not read yet, and pipelined bytes waiting, before reading pauses. */
const QUEUED_INPUT_BYTES_MAX = 1024 * 1024;
/**
 * After the last answer, how long a closing connection still reads and drops what the client
 * sends: closing a socket with unread input makes the kernel reset it, and the client may lose
 * the answer. Bun's socket timeouts tick every 4 s, so this is 4 to 8 s.
 */
const LINGER_SECONDS = 4;

const CR = 13;
const LF = 10;
const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
const EMPTY = Buffer.alloc(0);
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";
const LAST_CHUNK = "0\r\n\r\n";
const INTERNAL_ERROR_BODY = '{"error":"ERR internal error"}';

export function serveHttp1(options: Http1Options): Http1Server {
  return new Http1Listener(options);
}

class Http1Listener implements Http1Server {
  readonly fetch: Http1Options["fetch"];
  readonly fastRoute: FastRoutes | undefined;
  readonly maxBodyBytes: number;
  readonly idleTimeoutSeconds: number;
  readonly log: Logger | undefined;
  /** `host:port` for requests that name no Host. */
  readonly defaultHost: string;
  readonly connections = new Set<Connection>();
  readonly requestSockets = new WeakMap<Request, Connection>();
  stopping = false;
  private readonly listener: TCPSocketListener<Connection>;
  private stopped: Promise<void> | undefined;
  private resolveStopped: (() => void) | undefined;
  /** Connections whose answers wait for the end of this event-loop turn (uncorkAtTurnEnd). */
  private readonly corkedConnections = new TurnEndQueue<Connection>((connection) => connection.uncork());

  constructor(options: Http1Options) {
    this.fetch = options.fetch;
    this.fastRoute = options.fastRoute;
    this.maxBodyBytes = options.maxBodyBytes;
    this.idleTimeoutSeconds = options.idleTimeoutSeconds;
    this.log = options.log;
    const server = this;
    this.listener = Bun.listen<Connection>({
      hostname: options.hostname,
      port: options.port,
      // A client may half-close after its request and still wait for the answer.
      allowHalfOpen: true,
      socket: {
        open(socket) {
          socket.data = new Connection(socket, server);
        },
        data(socket, chunk) {
          socket.data.onData(chunk);
        },
        drain(socket) {
          socket.data.onDrain();
        },
        end(socket) {
          socket.data.onPeerEnd();
        },
        timeout(socket) {
          socket.data.onTimeout();
        },
        close(socket) {
          socket.data?.onClose();
        },
        error(socket, error) {
          server.log?.log("warn", "http_socket_error", { error: String(error) });
        },
      },
    });
    const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
    this.defaultHost = `${host}:${this.listener.port}`;
  }

  get port(): number {
    return this.listener.port;
  }

  get hostname(): string {
    return this.listener.hostname;
  }

  requestIP(request: Request): SocketAddress | null {
    const connection = this.requestSockets.get(request);
    if (connection === undefined) return null;
    const { socket } = connection;
    return { address: socket.remoteAddress, family: socket.remoteFamily, port: socket.remotePort };
  }

  stop(closeActiveConnections = false): Promise<void> {
    if (this.stopped === undefined) {
      this.stopping = true;
      this.listener.stop(false);
      this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
      for (const connection of this.connections) connection.stop();
      this.connectionClosed();
    }
    if (closeActiveConnections) for (const connection of this.connections) connection.socket.terminate();
    return this.stopped;
  }

  connectionClosed(): void {
    if (this.stopping && this.connections.size === 0) this.resolveStopped?.();
  }

  /** Uncorks a connection at the end of this event-loop turn, with the others ready in it (turn-end.ts). */
  uncorkAtTurnEnd(connection: Connection): void {
    this.corkedConnections.add(connection);
  }
}

const enum ChunkStep {
  Size,
  Data,
  DataEnd,
  Trailer,
}

/** One client connection: parses its requests one at a time and writes their answers in order. */
class Connection {
  /** Unparsed input from `inputStart` on. */
  private input: Buffer = EMPTY;
  private inputStart = 0;
  /** Where the search for the end of a head split over packets resumes. */
  private headScanFrom = 0;

  /** From its head being parsed until its answer is written. */
  private request: RequestHead | null = null;
  private route: FastRoute | undefined;
  private isDispatched = false;
  /** Body bytes are still to come for `request`. */
  private isReadingBody = false;
  private bodyRemaining = 0;
  private chunkStep = ChunkStep.Size;
  private chunkRemaining = 0;
  private trailerBytes = 0;
  private bodyBytes = 0;
  private bodyLimit = 0;
  private bodyChunks: Buffer[] = [];
  /** Set when the body streams into a fetch route. */
  private bodyStream: ReadableStreamDefaultController<Uint8Array> | null = null;
  private abort: AbortController | null = null;
  private responseStream: ReadableStreamDefaultReader<Uint8Array> | null = null;

  /** Writes wait in `corked` while > 0, and go out as one. */
  private corkDepth = 0;
  private corked: (string | Uint8Array)[] = [];
  private corkedBytes = 0;
  /** What the socket did not take yet; sent on drain, in order. */
  private backlog: Uint8Array[] = [];
  private readonly heads = new HeadParser();
  private drainWaiter: (() => void) | null = null;

  private isPumping = false;
  private isPaused = false;
  private closeAfterResponse = false;
  /** No more requests are read: the connection ends once its last answer is out. */
  private isClosing = false;
  private hasShutDown = false;
  private peerEnded = false;
  private isClosed = false;

  constructor(
    readonly socket: Socket<Connection>,
    private readonly server: Http1Listener,
  ) {
    server.connections.add(this);
    socket.timeout(server.idleTimeoutSeconds);
    if (server.stopping) this.stop();
  }

  // Bound once per connection, so a promise's answer needs no closure per request.
  private readonly onRawResponse = (response: RawResponse): void => {
    this.corkDepth++;
    this.writeRaw(response);
    this.uncork();
  };
  private readonly onFetchResponse = (response: Response): void => {
    this.writeResponse(response).catch(this.onWriteFailed);
  };
  private readonly onHandlerFailed = (error: unknown): void => {
    this.server.log?.log("error", "request_failed", { error: String((error as Error)?.stack ?? error) });
    if (this.isClosed) return;
    this.corkDepth++;
    this.writeError(500, INTERNAL_ERROR_BODY);
    this.uncork();
  };
  /** A body stream that failed after its head went out: the client sees the answer cut short. */
  private readonly onWriteFailed = (error: unknown): void => {
    this.server.log?.log("error", "response_failed", { error: String((error as Error)?.stack ?? error) });
    this.socket.terminate();
  };

  onData(chunk: Buffer): void {
    if (this.isClosing) return;
    if (this.inputStart >= this.input.length) {
      this.input = chunk;
      this.inputStart = 0;
      this.headScanFrom = 0;
    } else {
      const rest = this.input.subarray(this.inputStart);
      this.headScanFrom -= this.inputStart;
      this.input = Buffer.concat([rest, chunk]);
      this.inputStart = 0;
    }
    this.corkDepth++;
    this.pump();
    this.server.uncorkAtTurnEnd(this);
  }

  onDrain(): void {
    const backlog = this.backlog;
    while (backlog.length > 0) {
      const bytes = backlog[0]!;
      const written = this.socket.write(bytes);
      if (written < bytes.byteLength) {
        backlog[0] = bytes.subarray(Math.max(written, 0));
        return;
      }
      backlog.shift();
    }
    const waiter = this.drainWaiter;
    this.drainWaiter = null;
    waiter?.();
    this.endIfDone();
  }

  onPeerEnd(): void {
    this.peerEnded = true;
    // Both directions are done; or a stream (SSE) is being sent to a client that left, the usual
    // way to unsubscribe, so the stream is cancelled at once (onClose).
    if (this.hasShutDown || this.responseStream !== null) {
      this.socket.end();
      return;
    }
    // Requests already here are still answered; nothing more can come.
    this.corkDepth++;
    if (this.isReadingBody) this.bodyFailed(400, "the connection ended within the body");
    else if (this.request === null) this.close();
    this.uncork();
  }

  onTimeout(): void {
    // Lingering, a client gone quiet mid-request, or one not reading its answer: cut it.
    if (this.isClosing || this.request !== null || this.backlog.length > 0) this.socket.terminate();
    else this.close();
  }

  onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.isClosing = true;
    this.abort?.abort();
    this.responseStream?.cancel().catch(() => {});
    this.responseStream = null;
    if (this.bodyStream !== null) {
      try {
        this.bodyStream.error(new Error("the client closed the connection"));
      } catch {
        // already closed or errored
      }
      this.bodyStream = null;
    }
    const waiter = this.drainWaiter;
    this.drainWaiter = null;
    waiter?.();
    this.server.connections.delete(this);
    this.server.connectionClosed();
  }

  /** The server is stopping: an idle connection closes now, a busy one after its answer. */
  stop(): void {
    if (this.request === null) this.close();
  }

  /** Parses and serves requests from the input until one is in flight or the input runs out. */
  private pump(): void {
    if (this.isPumping) return;
    this.isPumping = true;
    for (;;) {
      if (this.isClosing) break;
      if (this.isReadingBody) {
        this.readBody();
        if (this.isReadingBody || this.isClosing) break;
        if (!this.isDispatched) this.dispatch();
        continue;
      }
      if (this.request !== null) {
        // Answer pending: pipelined input waits, within bounds.
        if (this.input.length - this.inputStart > QUEUED_INPUT_BYTES_MAX) this.pause();
        break;
      }
      if (!this.startRequest()) {
        if (this.peerEnded) this.close();
        break;
      }
    }
    this.isPumping = false;
  }

  /** Parses the next head, if whole, and starts its request. False when there is none yet. */
  private startRequest(): boolean {
    const input = this.input;
    let start = this.inputStart;
    // RFC 9112 §2.2: ignore empty lines before a request line.
    while (start < input.length && (input[start] === CR || input[start] === LF)) start++;
    this.inputStart = start;
    if (start >= input.length) {
      this.input = EMPTY;
      this.inputStart = 0;
      this.headScanFrom = 0;
      return false;
    }
    const end = input.indexOf(HEAD_END, Math.max(start, this.headScanFrom));
    if (end === -1 || end - start > HEAD_BYTES_MAX) {
      if (input.length - start > HEAD_BYTES_MAX) {
        this.refuse(431, "request header fields too large");
      } else {
        this.headScanFrom = input.length - 3;
      }
      return false;
    }
    let head: RequestHead;
    try {
      head = this.heads.parse(input, start, end);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.refuse(error.status, error.message);
      return false;
    }
    this.inputStart = end + 4;
    this.headScanFrom = 0;
    this.request = head;
    const route = this.server.fastRoute?.(head.method, head.path);
    this.route = route;
    this.bodyLimit = route === undefined ? this.server.maxBodyBytes : route.maxBodyBytes;
    if (head.contentLength > this.bodyLimit) {
      this.answerTooLarge();
      return true;
    }
    if (head.bodyKind === "none") {
      this.dispatch();
      return true;
    }
    this.isReadingBody = true;
    this.bodyRemaining = head.contentLength;
    this.chunkStep = ChunkStep.Size;
    this.bodyBytes = 0;
    this.trailerBytes = 0;
    this.readBody();
    if (this.isClosing) return true;
    if (!this.isReadingBody) {
      this.dispatch();
      return true;
    }
    // The idle clock runs while the client owes the rest of the body.
    this.socket.timeout(this.server.idleTimeoutSeconds);
    if (head.expectsContinue && !head.isHttp10) this.send(CONTINUE);
    // A fetch route sees its request now and reads the body as it comes, so it can refuse an
    // oversize one before it has arrived.
    if (route === undefined) this.dispatch();
    return true;
  }

  /** Moves body bytes from the input to the body (chunks or stream), as far as they have come. */
  private readBody(): void {
    const input = this.input;
    if (this.request!.bodyKind === "length") {
      const available = input.length - this.inputStart;
      if (available === 0) return;
      const taken = available < this.bodyRemaining ? available : this.bodyRemaining;
      this.inputStart += taken;
      this.bodyRemaining -= taken;
      if (this.route !== undefined && this.bodyRemaining === 0 && this.bodyChunks.length === 0) {
        // A fast route's whole body in one packet, the common case: it stays a range of the packet
        // (a Buffer view of a packet costs more than decoding a short body; see RawRequest.bodyText).
        this.request!.setBody(input, this.inputStart - taken, this.inputStart);
        this.bodyBytes = taken;
      } else this.takeBody(input.subarray(this.inputStart - taken, this.inputStart));
      if (this.bodyRemaining === 0 && this.isReadingBody) this.endBody();
      return;
    }
    while (this.isReadingBody && !this.isClosing) {
      const start = this.inputStart;
      if (this.chunkStep === ChunkStep.Data) {
        const available = input.length - start;
        if (available === 0) return;
        const taken = available < this.chunkRemaining ? available : this.chunkRemaining;
        this.inputStart += taken;
        this.chunkRemaining -= taken;
        if (this.chunkRemaining === 0) this.chunkStep = ChunkStep.DataEnd;
        this.takeBody(input.subarray(start, start + taken));
      } else if (this.chunkStep === ChunkStep.DataEnd) {
        if (input.length - start < 2) return;
        if (input[start] !== CR || input[start + 1] !== LF) return this.bodyFailed(400, "malformed chunked body");
        this.inputStart += 2;
        this.chunkStep = ChunkStep.Size;
      } else {
        const eol = input.indexOf(CRLF, start);
        if (eol === -1) {
          const lineBytesMax = this.chunkStep === ChunkStep.Size ? CHUNK_LINE_BYTES_MAX : HEAD_BYTES_MAX - this.trailerBytes;
          if (input.length - start > lineBytesMax) this.bodyFailed(400, "malformed chunked body");
          return;
        }
        this.inputStart = eol + 2;
        if (this.chunkStep === ChunkStep.Trailer) {
          // Trailer fields are read past and dropped: no route here reads them.
          if (eol === start) return this.endBody();
          this.trailerBytes += eol - start + 2;
          if (this.trailerBytes > HEAD_BYTES_MAX) return this.bodyFailed(431, "request trailer fields too large");
          continue;
        }
        const size = parseChunkSize(input, start, eol);
        if (size < 0) return this.bodyFailed(400, "malformed chunk size");
        if (size === 0) this.chunkStep = ChunkStep.Trailer;
        else {
          this.chunkRemaining = size;
          this.chunkStep = ChunkStep.Data;
        }
      }
    }
  }

  private takeBody(bytes: Buffer): void {
    if (bytes.byteLength === 0) return;
    this.bodyBytes += bytes.byteLength;
    // Only a chunked body gets here over the limit: a Content-Length over it was refused.
    if (this.bodyBytes > this.bodyLimit) {
      if (this.bodyStream === null) return this.answerTooLarge();
      return this.bodyFailed(413, "request body too large");
    }
    const stream = this.bodyStream;
    if (stream === null) {
      // Dispatched without a stream: a GET or HEAD, whose body no route reads.
      if (!this.isDispatched) this.bodyChunks.push(bytes);
      return;
    }
    stream.enqueue(bytes);
    if ((stream.desiredSize ?? 1) <= 0) this.pause();
  }

  private endBody(): void {
    this.isReadingBody = false;
    if (this.bodyStream !== null) {
      this.bodyStream.close();
      this.bodyStream = null;
    }
    if (this.isDispatched) this.socket.timeout(0);
  }

  /** A body that breaks the protocol: refused outright, or, once a route reads it, errored. */
  private bodyFailed(status: number, message: string): void {
    this.isReadingBody = false;
    const stream = this.bodyStream;
    if (stream === null) return this.refuse(status, message);
    this.bodyStream = null;
    stream.error(new ProtocolError(status, message));
    // The route answers (likely with an error); the connection cannot carry another request.
    this.stopReading();
  }

  /** Hands the request to its route: a fast route with its whole body, else fetch. */
  private dispatch(): void {
    this.isDispatched = true;
    if (!this.isReadingBody) this.socket.timeout(0);
    const request = this.request!;
    const route = this.route;
    if (route !== undefined) {
      if (this.bodyChunks.length > 0) request.setBody(concatChunks(this.bodyChunks, this.bodyBytes));
      this.bodyChunks = [];
      let response: RawResponse | Promise<RawResponse>;
      try {
        response = route.handle(request);
      } catch (error) {
        return this.onHandlerFailed(error);
      }
      if (response instanceof Promise) response.then(this.onRawResponse, this.onHandlerFailed);
      else this.writeRaw(response);
      return;
    }
    this.callFetch(request);
  }

  private callFetch(head: RequestHead): void {
    const server = this.server;
    const url = head.isAbsolute ? head.target : `http://${head.host ?? server.defaultHost}${head.target}`;
    const abort = new AbortController();
    const init: RequestInit = { method: head.method, headers: head.headers, signal: abort.signal };
    const hasBody = head.bodyKind !== "none" && head.method !== "GET" && head.method !== "HEAD";
    if (hasBody) {
      if (this.isReadingBody) {
        init.body = this.openBodyStream();
        (init as { duplex?: string }).duplex = "half";
      } else init.body = concatChunks(this.bodyChunks, this.bodyBytes);
    }
    this.bodyChunks = [];
    let request: Request;
    try {
      request = new Request(url, init);
    } catch {
      return this.refuse(400, "malformed request target or Host");
    }
    this.abort = abort;
    server.requestSockets.set(request, this);
    let response: Response | Promise<Response>;
    try {
      response = server.fetch(request, server);
    } catch (error) {
      return this.onHandlerFailed(error);
    }
    if (response instanceof Promise) response.then(this.onFetchResponse, this.onHandlerFailed);
    else this.onFetchResponse(response);
  }

  /** The rest of the body as a stream fed from the socket, pausing it while the route lags. */
  private openBodyStream(): ReadableStream<Uint8Array> {
    const chunks = this.bodyChunks;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          for (const chunk of chunks) controller.enqueue(chunk);
          this.bodyStream = controller;
        },
        pull: () => this.resume(),
        cancel: () => {
          // The route stopped reading: what is left cannot be told from the next request.
          this.bodyStream = null;
          this.stopReading();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: QUEUED_INPUT_BYTES_MAX }),
    );
  }

  private writeRaw(response: RawResponse): void {
    if (this.isClosed) return;
    const request = this.request!;
    const body = response.body;
    const isTextBody = typeof body === "string";
    const bodyBytes = isTextBody ? Buffer.byteLength(body) : body.byteLength;
    const head = statusLine(response.status) + response.headerLines + "content-length: " + bodyBytes + "\r\n" + dateLine() + this.connectionLine(request);
    // Fast-route header values are ASCII (fast-route.ts), so the head and a text body go as one string.
    if (request.method === "HEAD") this.send(head);
    else if (isTextBody) this.send(head + body, head.length + bodyBytes);
    else {
      this.send(head);
      this.send(body);
    }
    this.responseDone();
  }

  private async writeResponse(response: Response): Promise<void> {
    if (this.isClosed) {
      response.body?.cancel().catch(() => {});
      return;
    }
    if (!(response instanceof Response)) return this.onHandlerFailed(new TypeError("fetch did not return a Response"));
    const request = this.request!;
    const status = response.status;
    let head = statusLine(status);
    let declaredLength: string | null = null;
    let isEventStream = false;
    for (const [name, value] of response.headers) {
      if (name === "content-length") declaredLength = value;
      else if (name !== "transfer-encoding" && name !== "connection" && name !== "keep-alive" && name !== "date") {
        if (name === "content-type" && value.startsWith("text/event-stream")) isEventStream = true;
        head += name + ": " + value + "\r\n";
      }
    }
    head += dateLine();
    const body = response.body;
    const isHead = request.method === "HEAD";
    if (body === null || status === 204 || status === 304) {
      if (body !== null) body.cancel().catch(() => {});
      // A HEAD answer from Hono has no body left, but may say the length the GET would have.
      if (isHead && declaredLength !== null) head += "content-length: " + declaredLength + "\r\n";
      else if (!isHead && status !== 204 && status !== 304) head += "content-length: 0\r\n";
      this.sendHead(head + this.connectionLine(request));
      return this.responseDone();
    }
    // A body that is all there at once goes with its length; one that is still coming (a read that
    // does not settle within a microtask, as an SSE stream's does not) is sent chunked as it comes.
    const reader = body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const chunks: Uint8Array[] = [];
    let length = 0;
    let next: Promise<ReadResult> | null = reader.read();
    try {
      while (!isEventStream) {
        const step = await Promise.race([next, PENDING]);
        if (step === PENDING_MARK) break;
        if (step.done) {
          next = null;
          break;
        }
        chunks.push(step.value);
        length += step.value.byteLength;
        next = reader.read();
      }
    } catch (error) {
      return this.onHandlerFailed(error);
    }
    if (this.isClosed) {
      reader.cancel().catch(() => {});
      return;
    }
    if (next === null) {
      head += "content-length: " + length + "\r\n" + this.connectionLine(request);
      if (isHead) this.sendHead(head);
      else {
        // Head and body in one buffer, one write.
        const message = Buffer.allocUnsafe(head.length + length);
        message.write(head, 0, "latin1");
        let offset = head.length;
        for (const chunk of chunks) {
          message.set(chunk, offset);
          offset += chunk.byteLength;
        }
        this.send(message);
      }
      return this.responseDone();
    }
    if (isHead) {
      reader.cancel().catch(() => {});
      this.sendHead(head + (request.isHttp10 ? "" : "transfer-encoding: chunked\r\n") + this.connectionLine(request));
      return this.responseDone();
    }
    await this.streamBody(head, request, reader, chunks, next);
  }

  /** Writes a body as it comes, chunked (close-delimited for HTTP/1.0), waiting for drain. */
  private async streamBody(
    head: string,
    request: RequestHead,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    chunks: Uint8Array[],
    next: Promise<ReadResult>,
  ): Promise<void> {
    const isChunked = !request.isHttp10;
    if (!isChunked) this.closeAfterResponse = true;
    this.responseStream = reader;
    this.corkDepth++;
    this.sendHead(head + (isChunked ? "transfer-encoding: chunked\r\n" : "") + this.connectionLine(request));
    for (const chunk of chunks) this.sendChunk(chunk, isChunked);
    this.uncork();
    for (;;) {
      if (this.backlog.length > 0) {
        // A client that stops reading for the idle timeout is cut (onTimeout).
        this.socket.timeout(this.server.idleTimeoutSeconds);
        await new Promise<void>((resolve) => (this.drainWaiter = resolve));
        if (this.isClosed) return;
        this.socket.timeout(0);
      }
      const step = await next;
      if (this.isClosed) return;
      if (step.done) break;
      this.sendChunk(step.value, isChunked);
      next = reader.read();
    }
    this.responseStream = null;
    if (isChunked) this.send(LAST_CHUNK);
    this.responseDone();
  }

  private sendChunk(chunk: Uint8Array, isChunked: boolean): void {
    if (chunk.byteLength === 0) return;
    if (!isChunked) return this.send(chunk);
    const size = chunk.byteLength.toString(16);
    const frame = Buffer.allocUnsafe(size.length + chunk.byteLength + 4);
    frame.write(size + "\r\n", 0, "latin1");
    frame.set(chunk, size.length + 2);
    frame[frame.length - 2] = CR;
    frame[frame.length - 1] = LF;
    this.send(frame);
  }

  /** A head built from a Response: its header values are bytes as latin1 characters. */
  private sendHead(head: string): void {
    this.send(Buffer.from(head, "latin1"));
  }

  /** The `connection` line, deciding whether the connection closes after this answer. */
  private connectionLine(request: RequestHead): string {
    // A body not read to its end leaves no way to find where the next request starts.
    if (!request.keepAlive || this.isReadingBody || this.server.stopping) this.closeAfterResponse = true;
    if (this.closeAfterResponse) return "connection: close\r\n\r\n";
    return request.isHttp10 ? "connection: keep-alive\r\n\r\n" : "\r\n";
  }

  /** The answer is out: close, or wait for (or go on with) the next request. */
  private responseDone(): void {
    this.request = null;
    this.route = undefined;
    this.isDispatched = false;
    this.abort = null;
    this.bodyChunks = [];
    if (this.isClosed) return;
    if (this.closeAfterResponse || this.isReadingBody) return this.close();
    this.socket.timeout(this.server.idleTimeoutSeconds);
    this.resume();
    if (this.isPumping) return;
    this.corkDepth++;
    this.pump();
    this.uncork();
  }

  /** A Content-Length or chunked body over the route's limit: refused without reading on. */
  private answerTooLarge(): void {
    this.isReadingBody = false;
    this.closeAfterResponse = true;
    this.stopReading();
    const route = this.route;
    if (route === undefined) return this.writeError(413, '{"error":"ERR request body too large"}');
    this.request!.setBody(EMPTY);
    this.writeRaw(route.tooLarge(this.request!));
  }

  /** Answers a request the front end cannot take, and closes. */
  private refuse(status: number, message: string): void {
    this.server.log?.log("debug", "http_request_refused", { status, reason: message });
    if (this.request === null) this.request = REFUSED_REQUEST;
    this.isReadingBody = false;
    this.closeAfterResponse = true;
    this.stopReading();
    this.writeError(status, JSON.stringify({ error: `ERR ${message}` }));
  }

  private writeError(status: number, body: string): void {
    const request = this.request!;
    this.send(
      statusLine(status) +
        "content-type: application/json\r\naccess-control-allow-origin: *\r\ncontent-length: " +
        body.length +
        "\r\n" +
        dateLine() +
        this.connectionLine(request) +
        (request.method === "HEAD" ? "" : body),
    );
    this.responseDone();
  }

  /** No more requests are read from this connection; input from now on is dropped. */
  private stopReading(): void {
    this.isClosing = true;
    this.input = EMPTY;
    this.inputStart = 0;
    const stream = this.bodyStream;
    if (stream !== null) {
      this.bodyStream = null;
      stream.error(new Error("the connection closes before the body was read"));
    }
    this.resume();
  }

  /** Ends the connection once everything written is out; reads and drops input until then. */
  private close(): void {
    this.stopReading();
    this.closeAfterResponse = true;
    this.endIfDone();
  }

  private endIfDone(): void {
    if (!this.isClosing || this.hasShutDown || this.isClosed) return;
    if (this.request !== null || this.corkDepth > 0 || this.corked.length > 0 || this.backlog.length > 0) return;
    this.hasShutDown = true;
    if (this.peerEnded) {
      this.socket.end();
      return;
    }
    this.socket.shutdown();
    this.socket.timeout(LINGER_SECONDS);
  }

  /**
   * Queues (corked) or writes `data`. Text is sent UTF-8 encoded; its byte length is its length
   * unless the caller says otherwise (only a fast route's text body can reach beyond ASCII).
   */
  private send(data: string | Uint8Array, byteLength = typeof data === "string" ? data.length : data.byteLength): void {
    if (this.isClosed) return;
    if (this.corkDepth === 0) return this.write(data, byteLength);
    this.corked.push(data);
    this.corkedBytes += byteLength;
  }

  /** Ends one cork: the last one writes what was queued (the server calls it at a turn's end). */
  uncork(): void {
    if (--this.corkDepth > 0) return;
    const pieces = this.corked;
    if (pieces.length > 0) {
      const byteLength = this.corkedBytes;
      this.corked = [];
      this.corkedBytes = 0;
      if (pieces.length === 1) this.write(pieces[0]!, byteLength);
      else if (pieces.every(isText)) this.write(pieces.join(""), byteLength);
      else this.write(Buffer.concat(pieces.map(toBytes)), byteLength);
    }
    this.endIfDone();
  }

  /** Writes now; what the socket does not take waits in the backlog for drain. */
  private write(data: string | Uint8Array, byteLength: number): void {
    if (this.isClosed) return;
    if (this.backlog.length > 0) {
      this.backlog.push(toBytes(data));
      return;
    }
    const written = this.socket.write(data);
    if (written < byteLength) this.backlog.push(toBytes(data).subarray(Math.max(written, 0)));
  }

  private pause(): void {
    if (this.isPaused) return;
    this.isPaused = true;
    (this.socket as unknown as PausableSocket).pause();
  }

  private resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    (this.socket as unknown as PausableSocket).resume();
  }
}

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

const PENDING_MARK = Symbol("pending");
const PENDING = Promise.resolve(PENDING_MARK);

/** Stands in for the request when the head itself was refused. */
const REFUSED_REQUEST = new RequestHead("GET", "/", "/", false, false, [], undefined, "none", 0, false, false);

const isText = (piece: string | Uint8Array): piece is string => typeof piece === "string";
const toBytes = (piece: string | Uint8Array): Uint8Array => (typeof piece === "string" ? Buffer.from(piece) : piece);

function concatChunks(chunks: Buffer[], length: number): Buffer {
  if (chunks.length === 0) return EMPTY;
  if (chunks.length === 1) return chunks[0]!;
  return Buffer.concat(chunks, length);
}

const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  422: "Unprocessable Content",
  425: "Too Early",
  426: "Upgrade Required",
  428: "Precondition Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

const statusLines: string[] = [];

function statusLine(status: number): string {
  const line = statusLines[status];
  if (line !== undefined) return line;
  const made = `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\n`;
  if (status >= 100 && status < 600) statusLines[status] = made;
  return made;
}

let dateSecond = -1;
let dateText = "";

/** The `date` line, made once a second. */
function dateLine(): string {
  const nowMs = Date.now();
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = `date: ${new Date(nowMs).toUTCString()}\r\n`;
  }
  return dateText;
}
