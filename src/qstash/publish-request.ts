// Reads the `Upstash-*` headers of a publish, enqueue, batch item, schedule or DLQ retry
// (spec/qstash.md §3) into checked message settings, and rebuilds destinations from raw paths
// (§1.2). Every header is validated here, before anything is stored, so a bad one is a 400 and
// nothing is half-created. Callback and failure-callback settings are the same header set one
// prefix deeper (`Upstash-Callback-Retries` configures the callback as `Upstash-Retries` would),
// kept as header lists and read by this same parser when the callback message is made.

import { BadRequestError } from "./api-error.ts";
import { parseDurationMs, parseRetryDelay, RetryDelayError } from "./retry.ts";

export { BadRequestError };

/** Header name (Go canonical form) → values, as messages, logs and the DLQ show them. */
export type HeaderMap = Record<string, string[]>;

/**
 * An empty HeaderMap without a prototype: header names are the sender's, and `__proto__` is a
 * valid one, which on a plain object would reach Object.prototype instead of a key of its own.
 */
export function emptyHeaderMap(): HeaderMap {
  return Object.create(null) as HeaderMap;
}

/** Lower-case header names and values, as received. */
export type HeaderList = [string, string][];

export interface FlowControlSettings {
  key: string;
  parallelism?: number;
  rate?: number;
  periodS?: number;
}

export interface Redaction {
  body: boolean;
  allHeaders: boolean;
  /** Canonical names of headers to hide. */
  headers: string[];
}

export interface MessageSettings {
  method: string;
  /** Forwarded headers (prefix removed) and Content-Type. */
  header: HeaderMap;
  delayMs: number;
  /** `Upstash-Not-Before` in ms; wins over the delay. */
  notBeforeMs?: number;
  maxRetries: number;
  retryDelayExpression?: string;
  timeoutMs?: number;
  callback?: string;
  callbackHeaders: HeaderList;
  failureCallback?: string;
  failureCallbackHeaders: HeaderList;
  deduplicationId?: string;
  contentBasedDeduplication: boolean;
  flowControl?: FlowControlSettings;
  labels: string[];
  redact?: Redaction;
  /** Workflow protocol headers (`Upstash-Workflow-*`, `Upstash-Feature-Set`), kept for spec §8. */
  workflowHeaders: HeaderList;
}

export const DEFAULT_RETRIES = 3;
export const RETRIES_MAX = 100;
const DELAY_MAX_MS = 365 * 86_400_000;
const methods = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
const callbackPrefix = "upstash-callback-";
const failureCallbackPrefix = "upstash-failure-callback-";
const forwardPrefix = "upstash-forward-";

/** `content-type` → `Content-Type`, `x-custom-header` → `X-Custom-Header` (Go's canonical form). */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * Parses the settings of one message from its request headers. `defaults` supplies what the
 * headers leave out (a callback's retries default to its source message's).
 */
export function parseMessageSettings(headers: HeaderList, defaults: { maxRetries?: number } = {}): MessageSettings {
  const header = emptyHeaderMap();
  const callbackHeaders: HeaderList = [];
  const failureCallbackHeaders: HeaderList = [];
  const workflowHeaders: HeaderList = [];
  const values = new Map<string, string>();
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name.startsWith(callbackPrefix)) callbackHeaders.push([`upstash-${name.slice(callbackPrefix.length)}`, value]);
    else if (name.startsWith(failureCallbackPrefix)) failureCallbackHeaders.push([`upstash-${name.slice(failureCallbackPrefix.length)}`, value]);
    else if (name.startsWith(forwardPrefix)) {
      const forwarded = canonicalHeaderName(name.slice(forwardPrefix.length));
      if (forwarded !== "") (header[forwarded] ??= []).push(value);
    } else if (name === "content-type") (header["Content-Type"] ??= []).push(value);
    else if (name.startsWith("upstash-workflow-") || name === "upstash-feature-set") workflowHeaders.push([name, value]);
    else if (name.startsWith("upstash-")) values.set(name, value);
  }

  const method = (values.get("upstash-method") ?? "POST").trim().toUpperCase();
  if (!methods.has(method)) throw new BadRequestError(`invalid Upstash-Method: ${values.get("upstash-method")}`);

  let delayMs = 0;
  const delay = values.get("upstash-delay");
  if (delay !== undefined && delay.trim() !== "") {
    const parsed = parseDurationMs(delay);
    if (parsed === undefined) throw new BadRequestError(`invalid Upstash-Delay: ${delay}: use a duration such as 10s, 5m, 2h or 1d10h30m`);
    if (parsed > DELAY_MAX_MS) throw new BadRequestError(`Upstash-Delay ${delay} is longer than the maximum of 365d`);
    delayMs = parsed;
  }

  let notBeforeMs: number | undefined;
  const notBefore = values.get("upstash-not-before");
  if (notBefore !== undefined && notBefore.trim() !== "") {
    if (!/^\d+$/.test(notBefore.trim())) throw new BadRequestError(`invalid Upstash-Not-Before: ${notBefore}: use a unix timestamp in seconds`);
    notBeforeMs = Number(notBefore.trim()) * 1000;
  }

  let maxRetries = defaults.maxRetries ?? DEFAULT_RETRIES;
  const retries = values.get("upstash-retries");
  if (retries !== undefined && retries.trim() !== "") {
    if (!/^\d+$/.test(retries.trim()) || Number(retries) > RETRIES_MAX) {
      throw new BadRequestError(`invalid Upstash-Retries: ${retries}: use an integer between 0 and ${RETRIES_MAX}`);
    }
    maxRetries = Number(retries);
  }

  let retryDelayExpression: string | undefined;
  const retryDelay = values.get("upstash-retry-delay");
  if (retryDelay !== undefined && retryDelay.trim() !== "") {
    try {
      retryDelayExpression = parseRetryDelay(retryDelay.trim()).source;
    } catch (error) {
      if (error instanceof RetryDelayError) throw new BadRequestError(`invalid Upstash-Retry-Delay: ${error.message}`);
      throw error;
    }
  }

  let timeoutMs: number | undefined;
  const timeout = values.get("upstash-timeout");
  if (timeout !== undefined && timeout.trim() !== "") {
    const parsed = parseDurationMs(timeout);
    if (parsed === undefined || parsed === 0) throw new BadRequestError(`invalid Upstash-Timeout: ${timeout}: use a duration such as 10s or 2m`);
    timeoutMs = parsed;
  }

  const callback = urlHeader(values, "upstash-callback", "Upstash-Callback");
  const failureCallback = urlHeader(values, "upstash-failure-callback", "Upstash-Failure-Callback");
  // A callback's own settings are checked now, so a bad one fails the publish, not a later attempt.
  if (callback !== undefined) parseMessageSettings(callbackHeaders);
  if (failureCallback !== undefined) parseMessageSettings(failureCallbackHeaders);

  const deduplicationId = values.get("upstash-deduplication-id")?.trim() || undefined;
  const contentBasedDeduplication = values.get("upstash-content-based-deduplication")?.trim().toLowerCase() === "true";

  let flowControl: FlowControlSettings | undefined;
  const flowControlKey = values.get("upstash-flow-control-key")?.trim();
  if (flowControlKey !== undefined && flowControlKey !== "") {
    flowControl = { key: flowControlKey, ...parseFlowControlValue(values.get("upstash-flow-control-value") ?? "") };
  }

  const labels = splitList(values.get("upstash-label") ?? "");
  const redactFields = values.get("upstash-redact-fields");
  const redact = redactFields === undefined ? undefined : parseRedaction(redactFields);

  return {
    method,
    header,
    delayMs,
    notBeforeMs,
    maxRetries,
    retryDelayExpression,
    timeoutMs,
    callback,
    callbackHeaders,
    failureCallback,
    failureCallbackHeaders,
    deduplicationId,
    contentBasedDeduplication,
    flowControl,
    labels,
    redact,
    workflowHeaders,
  };
}

function urlHeader(values: Map<string, string>, name: string, shown: string): string | undefined {
  const value = values.get(name)?.trim();
  if (value === undefined || value === "") return undefined;
  if (!/^https?:\/\/[^/?#\s]+/i.test(value)) throw new BadRequestError(`invalid ${shown}: ${value}: use an http or https URL`);
  try {
    new URL(value);
  } catch {
    throw new BadRequestError(`invalid ${shown}: ${value}: use an http or https URL`);
  }
  return value;
}

/** `parallelism=2, rate=5, period=1m` (the SDK joins with ", ", the docs with ","). */
export function parseFlowControlValue(text: string): Omit<FlowControlSettings, "key"> {
  const settings: Omit<FlowControlSettings, "key"> = {};
  for (const part of text.split(",")) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    const equals = trimmed.indexOf("=");
    const name = equals === -1 ? "" : trimmed.slice(0, equals).trim().toLowerCase();
    const value = equals === -1 ? "" : trimmed.slice(equals + 1).trim();
    if (name === "parallelism" || name === "rate" || name === "ratepersecond") {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new BadRequestError(`invalid Upstash-Flow-Control-Value: ${name} must be a positive integer, got ${value}`);
      if (name === "parallelism") settings.parallelism = Number(value);
      else settings.rate = Number(value);
    } else if (name === "period") {
      const periodMs = parseDurationMs(value);
      if (periodMs === undefined || periodMs < 1000) throw new BadRequestError(`invalid Upstash-Flow-Control-Value: period must be a duration such as 1s, 1m or 1d, got ${value}`);
      settings.periodS = Math.floor(periodMs / 1000);
    } else {
      throw new BadRequestError(`invalid Upstash-Flow-Control-Value: ${trimmed}: use parallelism=<n>, rate=<n>, period=<duration>`);
    }
  }
  return settings;
}

export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function parseRedaction(text: string): Redaction {
  const redaction: Redaction = { body: false, allHeaders: false, headers: [] };
  for (const field of splitList(text)) {
    const lower = field.toLowerCase();
    if (lower === "body") redaction.body = true;
    else if (lower === "header" || lower === "headers") redaction.allHeaders = true;
    else if (/^headers?\[.+\]$/.test(lower)) redaction.headers.push(canonicalHeaderName(field.slice(field.indexOf("[") + 1, -1).trim()));
    else throw new BadRequestError(`invalid Upstash-Redact-Fields: ${field}: use body, header or header[Name]`);
  }
  return redaction;
}

/** A destination in a publish path: a URL, or the name of a URL group. */
export type Destination = { kind: "url"; url: string } | { kind: "group"; name: string };

/**
 * Rebuilds the destination of `/v2/publish/{destination}` from the raw request URL: everything
 * after the prefix, unencoded as the SDK sends it, plus the query minus `qstash_token` (which is
 * the server's). Slashes an intermediary collapsed (`http:/host`) are repaired.
 */
export function destinationFromRawUrl(rawUrl: string, prefix: string): string {
  const pathStart = rawUrl.indexOf("/", rawUrl.indexOf("//") + 2);
  const queryStart = rawUrl.indexOf("?", pathStart);
  const path = queryStart === -1 ? rawUrl.slice(pathStart) : rawUrl.slice(pathStart, queryStart);
  let destination = path.startsWith(prefix) ? path.slice(prefix.length) : "";
  destination = destination.replace(/^(https?):\/(?!\/)/i, "$1://");
  if (queryStart !== -1) {
    const kept = rawUrl
      .slice(queryStart + 1)
      .split("&")
      .filter((pair) => pair !== "" && !pair.startsWith("qstash_token="));
    if (kept.length > 0) destination += `?${kept.join("&")}`;
  }
  return destination;
}

export function classifyDestination(destination: string): Destination {
  if (/^https?:\/\//i.test(destination)) return { kind: "url", url: destination };
  return { kind: "group", name: decodeURIComponentSafe(destination) };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Header list of a Fetch `Headers`, names lower case. */
export function headerListOf(headers: Headers): HeaderList {
  const list: HeaderList = [];
  headers.forEach((value, name) => list.push([name.toLowerCase(), value]));
  return list;
}
