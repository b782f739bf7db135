// A QStash message and its state machine (spec/qstash.md §2.3): CREATED → ACTIVE → DELIVERED, or
// ACTIVE → ERROR → RETRY → ACTIVE ... → ERROR → FAILED, and CANCEL_REQUESTED → CANCELLED.
// `transition` is the one place a state changes, so an impossible step (a delivered message
// going back to ACTIVE) is a bug caught at once. Also the JSON shape of a message in
// `GET /v2/messages/{id}`, with redaction applied.

import type { HeaderList, HeaderMap, MessageSettings, Redaction } from "./publish-request.ts";
import { emptyHeaderMap } from "./publish-request.ts";

export type MessageState = "CREATED" | "ACTIVE" | "ERROR" | "RETRY" | "DELIVERED" | "FAILED" | "CANCEL_REQUESTED" | "CANCELLED";

/** What made the message: a publish, or a (failure) callback of another message. */
export type MessageKind = "message" | "callback" | "failure-callback";

const nextStates: Record<MessageState, readonly MessageState[]> = {
  CREATED: ["ACTIVE", "CANCEL_REQUESTED"],
  ACTIVE: ["DELIVERED", "ERROR", "CANCEL_REQUESTED"],
  ERROR: ["RETRY", "FAILED"],
  RETRY: ["ACTIVE", "CANCEL_REQUESTED"],
  // A cancel that arrives during an attempt lets the attempt finish: it may still deliver.
  CANCEL_REQUESTED: ["CANCELLED", "DELIVERED"],
  DELIVERED: [],
  FAILED: [],
  CANCELLED: [],
};

export const finishedStates: ReadonlySet<MessageState> = new Set(["DELIVERED", "FAILED", "CANCELLED"]);

export class IllegalTransitionError extends Error {}

export interface Message {
  /** Insertion order (the store's row id): FIFO order within a queue. */
  seq: number;
  messageId: string;
  kind: MessageKind;
  /** The message whose (failure) callback this is. */
  parentMessageId?: string;
  url: string;
  settings: MessageSettings;
  /** The `Upstash-*` headers it was published with: DLQ retries re-read them with overrides. */
  requestHeaders: HeaderList;
  body: Uint8Array;
  topicName?: string;
  endpointName?: string;
  queueName?: string;
  scheduleId?: string;
  callerIp: string;
  createdAtMs: number;
  /** Earliest first delivery. */
  notBeforeMs: number;
  state: MessageState;
  /** Attempts made so far; the next attempt carries it as `Upstash-Retried`. */
  retried: number;
  /** When the next attempt is due (meaningful while CREATED or RETRY). */
  nextAttemptAtMs: number;
  /** Has had an attempt: in a queue it then holds one of the queue's parallel slots. */
  started: boolean;
  cancelRequested: boolean;
  finishedAtMs?: number;
}

/** Moves a message to `to`, or throws when the state machine has no such step. */
export function transition(message: Message, to: MessageState): void {
  if (!nextStates[message.state].includes(to)) {
    throw new IllegalTransitionError(`message ${message.messageId}: ${message.state} → ${to} is not a valid transition`);
  }
  message.state = to;
}

export function isFinished(message: Message): boolean {
  return finishedStates.has(message.state);
}

/** Body as the API shows it: `body` when it is UTF-8 text, else `bodyBase64`. */
export function bodyFields(body: Uint8Array, bodyKey = "body"): Record<string, string> {
  if (body.length === 0) return {};
  try {
    return { [bodyKey]: new TextDecoder("utf-8", { fatal: true }).decode(body) };
  } catch {
    return { [`${bodyKey}Base64`]: Buffer.from(body).toString("base64") };
  }
}

/** `REDACTED:<sha256 hex>`: hides a value yet lets equal values be recognised (docs' placeholder). */
export function redacted(value: string | Uint8Array): string {
  return `REDACTED:${new Bun.CryptoHasher("sha256").update(value).digest("hex")}`;
}

export function redactHeaders(header: HeaderMap, redact: Redaction | undefined): HeaderMap {
  if (redact === undefined || (!redact.allHeaders && redact.headers.length === 0)) return header;
  const out = emptyHeaderMap();
  for (const [name, values] of Object.entries(header)) {
    out[name] = redact.allHeaders || redact.headers.includes(name) ? values.map(redacted) : values;
  }
  return out;
}

export function redactBody(body: Uint8Array, redact: Redaction | undefined): Uint8Array {
  return redact?.body && body.length > 0 ? new TextEncoder().encode(redacted(body)) : body;
}

/** The settings fields every message-like object (message, DLQ entry, log) shares. */
export function settingsFields(settings: MessageSettings): Record<string, unknown> {
  const flowControl = settings.flowControl;
  return {
    method: settings.method,
    maxRetries: settings.maxRetries,
    ...(settings.retryDelayExpression === undefined ? {} : { retryDelayExpression: settings.retryDelayExpression }),
    ...(settings.callback === undefined ? {} : { callback: settings.callback }),
    ...(settings.failureCallback === undefined ? {} : { failureCallback: settings.failureCallback }),
    ...(flowControl === undefined
      ? {}
      : {
          flowControlKey: flowControl.key,
          ...(flowControl.parallelism === undefined ? {} : { parallelism: flowControl.parallelism }),
          ...(flowControl.rate === undefined ? {} : { rate: flowControl.rate }),
          ...(flowControl.rate === undefined && flowControl.periodS === undefined ? {} : { period: flowControl.periodS ?? 1 }),
        }),
    ...(settings.labels.length === 0 ? {} : { label: settings.labels[0], labels: settings.labels }),
  };
}

/** `GET /v2/messages/{id}`: the Message object of spec §2.2. */
export function messageView(message: Message): Record<string, unknown> {
  const redact = message.settings.redact;
  return {
    messageId: message.messageId,
    url: message.url,
    ...(message.topicName === undefined ? {} : { topicName: message.topicName }),
    ...(message.endpointName === undefined ? {} : { endpointName: message.endpointName }),
    ...(message.queueName === undefined ? {} : { queueName: message.queueName }),
    ...(message.scheduleId === undefined ? {} : { scheduleId: message.scheduleId }),
    header: redactHeaders(message.settings.header, redact),
    ...bodyFields(redactBody(message.body, redact)),
    ...settingsFields(message.settings),
    notBefore: message.notBeforeMs,
    createdAt: message.createdAtMs,
    callerIP: message.callerIp,
    callerIp: message.callerIp,
  };
}
