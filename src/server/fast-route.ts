// The contract between the HTTP/1.1 front end (server/http1.ts) and the routes it serves without
// building a fetch Request or Response: the Redis REST commands the SDKs send on every call
// (`POST /`, `/pipeline`, `/multi-exec`). Everything else goes to the Hono app's fetch. A fast route
// sees the whole body at once, already bounded by its own limit, and answers with plain data.

/** A request whose head is parsed and whose whole body has been read. */
export interface RawRequest {
  /** As sent, e.g. "POST". */
  readonly method: string;
  /** The request target up to `?`, e.g. "/pipeline". */
  readonly path: string;
  /** The whole request target, query included. */
  readonly target: string;
  /** The first value of a header, by lower-case name. */
  header(name: string): string | undefined;
  /** Empty when the request had none, and in `tooLarge`. */
  readonly body: Uint8Array;
  /**
   * The body as UTF-8 text (bad sequences as U+FFFD): what decoding `body` gives, for less. The
   * front end decodes it where the bytes arrived; making the view `body` costs more than decoding
   * a short body.
   */
  bodyText(): string;
}

/** An answer: the front end adds content-length, connection and date. */
export interface RawResponse {
  status: number;
  /**
   * The header lines as sent, each `name: value\r\n`, in ASCII: the head goes out in one string
   * with a text body, and a route renders the lines every answer shares once (`headerLines`).
   */
  headerLines: string;
  /** A string is sent UTF-8 encoded. */
  body: string | Uint8Array;
}

export interface FastRoute {
  /** The largest body the route reads; past it, `tooLarge` answers and the connection closes. */
  maxBodyBytes: number;
  handle(request: RawRequest): RawResponse | Promise<RawResponse>;
  tooLarge(request: RawRequest): RawResponse;
}

/** The fast route for a method and path, or undefined to hand the request to fetch. */
export type FastRoutes = (method: string, path: string) => FastRoute | undefined;

/** Header lines for RawResponse.headerLines; names and values must be ASCII. */
export function headerLines(headers: Record<string, string>): string {
  let lines = "";
  for (const name in headers) lines += name + ": " + headers[name] + "\r\n";
  return lines;
}
