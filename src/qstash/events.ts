// The event log (spec/qstash.md §2.3): one row per state a message enters, kept for the
// configured retention and served newest first by `GET /v2/events` (and the docs' `/v2/logs`).
// Rows carry the columns the filters read; the message's content (headers, body, settings) is
// joined from its stored row when listed, so a message's body is stored once, not per event.

import type { Message, MessageState } from "./messages.ts";
import { redactBody, redactHeaders, settingsFields } from "./messages.ts";
import type { HeaderList, HeaderMap } from "./publish-request.ts";
import { canonicalHeaderName, emptyHeaderMap } from "./publish-request.ts";
import type { EventRow, MessageColumns, StoredEvent, StoredMessageData } from "./store.ts";

/** An event row for `message` entering `state`. */
export function eventRow(message: Message, state: MessageState, timeMs: number, detail?: Record<string, unknown>): EventRow {
  return { timeMs, state, ...messageColumns(message), detail };
}

/** The columns the filters read, which event rows and DLQ entries both carry. */
export function messageColumns(message: Message): MessageColumns {
  return {
    messageId: message.messageId,
    url: message.url,
    topicName: message.topicName,
    queueName: message.queueName,
    scheduleId: message.scheduleId,
    labels: message.settings.labels,
    flowControlKey: message.settings.flowControl?.key,
    callerIp: message.callerIp,
  };
}

/** A response's headers as the API shows them: `{Name: [values]}`. */
export function headerMapOf(headers: readonly [string, string][]): HeaderMap {
  const map = emptyHeaderMap();
  for (const [name, value] of headers) (map[canonicalHeaderName(name)] ??= []).push(value);
  return map;
}

/** Callback settings as header maps: the callback's own `Upstash-*` headers. */
function callbackHeaderMap(list: HeaderList): HeaderMap | undefined {
  return list.length === 0 ? undefined : headerMapOf(list);
}

/** A LogEntry of `GET /v2/events`. Bodies are base64 here, unlike in messages. */
export function eventView(event: StoredEvent): Record<string, unknown> {
  const data = event.messageData === undefined ? undefined : (JSON.parse(event.messageData) as StoredMessageData);
  const settings = data?.settings;
  const redact = settings?.redact;
  const body = event.messageBody === undefined ? undefined : redactBody(event.messageBody, redact);
  const callbackHeaders = settings === undefined ? undefined : callbackHeaderMap(settings.callbackHeaders);
  const failureCallbackHeaders = settings === undefined ? undefined : callbackHeaderMap(settings.failureCallbackHeaders);
  return {
    time: event.timeMs,
    state: event.state,
    messageId: event.messageId,
    url: event.url,
    ...(event.topicName === undefined ? {} : { topicName: event.topicName }),
    ...(data?.endpointName === undefined ? {} : { endpointName: data.endpointName }),
    ...(event.scheduleId === undefined ? {} : { scheduleId: event.scheduleId }),
    ...(event.queueName === undefined ? {} : { queueName: event.queueName }),
    ...(settings === undefined ? {} : { header: redactHeaders(settings.header, redact) }),
    ...(body === undefined || body.length === 0 ? {} : { body: Buffer.from(body).toString("base64") }),
    ...(event.detail ?? {}),
    ...(settings === undefined ? {} : settingsFields(settings)),
    ...(settings?.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs }),
    ...(callbackHeaders === undefined ? {} : { callbackHeaders }),
    ...(failureCallbackHeaders === undefined ? {} : { failureCallbackHeaders }),
    ...(event.flowControlKey === undefined ? {} : { flowControlKey: event.flowControlKey }),
    callerIp: event.callerIp,
  };
}

/** `state` filter values: `IN_PROGRESS` means any of ACTIVE, RETRY, ERROR; `CANCELED` is accepted. */
export function expandStateFilter(states: readonly string[]): string[] {
  const out = new Set<string>();
  for (const state of states.map((s) => s.toUpperCase())) {
    if (state === "IN_PROGRESS") ["ACTIVE", "RETRY", "ERROR"].forEach((s) => out.add(s));
    else if (state === "CANCELED") out.add("CANCELLED");
    else out.add(state);
  }
  return [...out];
}
