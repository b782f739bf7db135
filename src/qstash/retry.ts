// When the next delivery attempt happens (spec/qstash.md §4.3): the default exponential backoff,
// the user's `Upstash-Retry-Delay` expression (a small safe parser, never eval), and the
// `Retry-After` / rate-limit headers of a failed response. Also the duration formats of §3
// (`1d10h30m`, Go's `6m5s`). Pure functions: the caller passes the attempt number and now.

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;
/** Docs: a Retry-After (or reset) above one day falls back to the normal backoff. */
const RETRY_AFTER_MAX_MS = DAY_MS;
const EXPRESSION_LENGTH_MAX = 512;

/**
 * Docs' default backoff: before retry n (n = 1, 2, ...) wait min(86400, e^(2.5·n)) seconds,
 * i.e. 12 s, 2m28s, 30m8s, 6h7m6s, then a day.
 */
export function defaultBackoffMs(retryNumber: number): number {
  return Math.round(Math.min(86_400, Math.exp(2.5 * retryNumber)) * SECOND_MS);
}

// --- Upstash-Retry-Delay expressions --------------------------------------------------------

type Expression =
  | { kind: "number"; value: number }
  | { kind: "retried" }
  | { kind: "negate"; operand: Expression }
  | { kind: "binary"; operator: "+" | "-" | "*" | "/"; left: Expression; right: Expression }
  | { kind: "call"; name: FunctionName; args: Expression[] };

const functions = {
  pow: { arity: 2, apply: (a: number[]) => Math.pow(a[0]!, a[1]!) },
  sqrt: { arity: 1, apply: (a: number[]) => Math.sqrt(a[0]!) },
  abs: { arity: 1, apply: (a: number[]) => Math.abs(a[0]!) },
  exp: { arity: 1, apply: (a: number[]) => Math.exp(a[0]!) },
  floor: { arity: 1, apply: (a: number[]) => Math.floor(a[0]!) },
  ceil: { arity: 1, apply: (a: number[]) => Math.ceil(a[0]!) },
  round: { arity: 1, apply: (a: number[]) => Math.round(a[0]!) },
  min: { arity: 2, apply: (a: number[]) => Math.min(a[0]!, a[1]!) },
  max: { arity: 2, apply: (a: number[]) => Math.max(a[0]!, a[1]!) },
} as const;
type FunctionName = keyof typeof functions;

export class RetryDelayError extends Error {}

/** A parsed `Upstash-Retry-Delay`: evaluate with `retried` = 0 for the first retry; result in ms. */
export interface RetryDelayExpression {
  source: string;
  delayMs(retried: number): number;
}

/** Parses a retry-delay expression, or throws RetryDelayError naming what is wrong. */
export function parseRetryDelay(source: string): RetryDelayExpression {
  if (source.length > EXPRESSION_LENGTH_MAX) throw new RetryDelayError(`retry delay expression is longer than ${EXPRESSION_LENGTH_MAX} characters`);
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const take = () => tokens[position++];
  const expect = (text: string) => {
    const token = take();
    if (token !== text) throw new RetryDelayError(`invalid retry delay expression ${JSON.stringify(source)}: expected ${text}`);
  };
  // Recursive descent over: sum := product (('+'|'-') product)*; product := unary (('*'|'/') unary)*;
  // unary := '-' unary | primary; primary := number | retried | name '(' args ')' | '(' sum ')'.
  const sum = (): Expression => {
    let left = product();
    while (peek() === "+" || peek() === "-") {
      const operator = take() as "+" | "-";
      left = { kind: "binary", operator, left, right: product() };
    }
    return left;
  };
  const product = (): Expression => {
    let left = unary();
    while (peek() === "*" || peek() === "/") {
      const operator = take() as "*" | "/";
      left = { kind: "binary", operator, left, right: unary() };
    }
    return left;
  };
  const unary = (): Expression => {
    if (peek() === "-") {
      take();
      return { kind: "negate", operand: unary() };
    }
    if (peek() === "+") take();
    return primary();
  };
  const primary = (): Expression => {
    const token = take();
    if (token === undefined) throw new RetryDelayError(`invalid retry delay expression ${JSON.stringify(source)}: unexpected end`);
    if (token === "(") {
      const inner = sum();
      expect(")");
      return inner;
    }
    if (/^[0-9.]/.test(token)) {
      const value = Number(token);
      if (!Number.isFinite(value)) throw new RetryDelayError(`invalid number ${token} in retry delay expression`);
      return { kind: "number", value };
    }
    if (token === "retried") return { kind: "retried" };
    if (Object.hasOwn(functions, token)) {
      const name = token as FunctionName;
      expect("(");
      const args: Expression[] = [];
      if (peek() !== ")") {
        args.push(sum());
        while (peek() === ",") {
          take();
          args.push(sum());
        }
      }
      expect(")");
      if (args.length !== functions[name].arity) {
        throw new RetryDelayError(`${name} takes ${functions[name].arity} argument(s) in retry delay expression`);
      }
      return { kind: "call", name, args };
    }
    throw new RetryDelayError(`invalid retry delay expression ${JSON.stringify(source)}: unexpected ${JSON.stringify(token)}`);
  };
  const tree = sum();
  if (position !== tokens.length) {
    throw new RetryDelayError(`invalid retry delay expression ${JSON.stringify(source)}: unexpected ${JSON.stringify(tokens[position])}`);
  }
  return {
    source,
    delayMs(retried) {
      const value = evaluate(tree, retried);
      // A NaN, negative or infinite result (sqrt(-1), 1/0) means "no wait", capped at a day.
      if (!Number.isFinite(value) || value <= 0) return Number.isNaN(value) || value <= 0 ? 0 : DAY_MS;
      return Math.min(Math.round(value), DAY_MS);
    },
  };
}

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_]+)|([-+*/(),]))/y;
  let index = 0;
  while (index < source.length) {
    if (/^\s*$/.test(source.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(source);
    if (match === null) throw new RetryDelayError(`invalid retry delay expression ${JSON.stringify(source)}`);
    tokens.push(match[1] ?? match[2] ?? match[3]!);
    index = pattern.lastIndex;
  }
  if (tokens.length === 0) throw new RetryDelayError("retry delay expression is empty");
  return tokens;
}

function evaluate(node: Expression, retried: number): number {
  switch (node.kind) {
    case "number":
      return node.value;
    case "retried":
      return retried;
    case "negate":
      return -evaluate(node.operand, retried);
    case "binary": {
      const left = evaluate(node.left, retried);
      const right = evaluate(node.right, retried);
      if (node.operator === "+") return left + right;
      if (node.operator === "-") return left - right;
      if (node.operator === "*") return left * right;
      return left / right;
    }
    case "call":
      return functions[node.name].apply(node.args.map((arg) => evaluate(arg, retried)));
  }
}

// --- Durations ------------------------------------------------------------------------------

const durationUnitsMs: Record<string, number> = { s: SECOND_MS, m: 60 * SECOND_MS, h: 3_600_000, d: DAY_MS };

/**
 * `Upstash-Delay` / `Upstash-Timeout` / flow-control periods: integer + s/m/h/d, combinable
 * (`1d10h30m`); a bare integer reads as seconds. Undefined when malformed.
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * SECOND_MS;
  if (!/^(\d+[smhd])+$/.test(trimmed)) return undefined;
  let totalMs = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) totalMs += Number(amount) * durationUnitsMs[unit!]!;
  return Number.isSafeInteger(totalMs) ? totalMs : undefined;
}

const goUnitsMs: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: SECOND_MS, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration forms (`6m5s`, `1.5h`, `300ms`); undefined when malformed. */
export function parseGoDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(trimmed)) return undefined;
  let totalMs = 0;
  for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) totalMs += Number(amount) * goUnitsMs[unit!]!;
  return totalMs;
}

/**
 * The wait a failed response asks for, from `Retry-After`, then `X-RateLimit-Reset`,
 * `X-RateLimit-Reset-Requests`, `X-RateLimit-Reset-Tokens`: seconds, an RFC 1123 date or a Go
 * duration. Undefined when none is usable or the wait is above a day (normal backoff then).
 */
export function responseRetryAfterMs(header: (name: string) => string | undefined, nowMs: number): number | undefined {
  for (const name of ["retry-after", "x-ratelimit-reset", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]) {
    const value = header(name)?.trim();
    if (value === undefined || value === "") continue;
    const waitMs = parseWaitMs(value, nowMs);
    if (waitMs === undefined) continue;
    return waitMs > RETRY_AFTER_MAX_MS ? undefined : waitMs;
  }
  return undefined;
}

function parseWaitMs(value: string, nowMs: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) {
    const seconds = Number(value);
    // compat: X-RateLimit-Reset is sometimes an absolute unix time in seconds; read a value
    // that lands within a day of now as one.
    const asInstantMs = seconds * SECOND_MS;
    if (seconds > 1_000_000_000 && Math.abs(asInstantMs - nowMs) <= RETRY_AFTER_MAX_MS) return Math.max(0, Math.round(asInstantMs - nowMs));
    return Math.round(seconds * SECOND_MS);
  }
  const goMs = parseGoDurationMs(value);
  if (goMs !== undefined) return Math.round(goMs);
  if (/[a-z]{3},? /i.test(value)) {
    const atMs = Date.parse(value);
    if (!Number.isNaN(atMs)) return Math.max(0, atMs - nowMs);
  }
  return undefined;
}

/** Everything a retry decision reads from a message. */
export interface RetryPolicy {
  maxRetries: number;
  retryDelay?: RetryDelayExpression;
}

/**
 * When attempt number `retried` + 1 runs, after attempt `retried` (0 = the first) failed at nowMs.
 * A response's Retry-After wins; then the user's expression; then the default backoff.
 */
export function nextAttemptAtMs(policy: RetryPolicy, retried: number, nowMs: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return nowMs + retryAfterMs;
  if (policy.retryDelay !== undefined) return nowMs + policy.retryDelay.delayMs(retried);
  return nowMs + defaultBackoffMs(retried + 1);
}
