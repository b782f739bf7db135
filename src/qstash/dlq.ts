// The dead-letter queue (spec/qstash.md §2.4): a message whose retries ran out (or that got a
// non-retryable 489) lands here with the status, headers and body of its last response. Entries
// are kept for the configured retention; a retry publishes a new message with the same body,
// headers and settings (request headers override them) and removes the entry. Ids look like
// Redis stream ids (`1725323658779-0`), as the service's do.

import { bodyFields, messageView, type Message } from "./messages.ts";
import { headerMapOf, messageColumns } from "./events.ts";
import type { HeaderMap } from "./publish-request.ts";
import type { DlqRow, StoredDlq, StoredMessageData } from "./store.ts";

/** What the DLQ keeps of a message: its stored data plus the last response's headers. */
interface DlqData {
  message: StoredMessageData & { messageId: string };
  responseHeader: HeaderMap;
}

export interface LastResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** Makes DLQ ids: `<ms>-<n>`, n counting up within one millisecond. */
export class DlqIds {
  private lastMs = -1;
  private counter = 0;
  next(nowMs: number): string {
    if (nowMs === this.lastMs) this.counter++;
    else {
      this.lastMs = nowMs;
      this.counter = 0;
    }
    return `${nowMs}-${this.counter}`;
  }
}

export function dlqRow(dlqId: string, message: Message, response: LastResponse, nowMs: number): DlqRow {
  const { seq: _seq, body: _body, state: _state, retried: _retried, nextAttemptAtMs: _next, finishedAtMs: _finished, started: _started, cancelRequested: _cancel, ...data } = message;
  const stored: DlqData = { message: data, responseHeader: headerMapOf(response.headers) };
  return {
    dlqId,
    createdAtMs: nowMs,
    ...messageColumns(message),
    responseStatus: response.status,
    data: JSON.stringify(stored),
    body: message.body,
    responseBody: response.body,
  };
}

/** The message a DLQ entry holds, as it was when it failed. */
export function dlqMessage(entry: StoredDlq): Message {
  const data = JSON.parse(entry.data) as DlqData;
  return {
    ...data.message,
    seq: 0,
    body: entry.body,
    state: "FAILED",
    retried: 0,
    nextAttemptAtMs: 0,
    started: true,
    cancelRequested: false,
  };
}

/** A DlqMessage of `GET /v2/dlq`: the Message object plus the DLQ and response fields. */
export function dlqView(entry: StoredDlq): Record<string, unknown> {
  const data = JSON.parse(entry.data) as DlqData;
  return {
    ...messageView(dlqMessage(entry)),
    dlqId: entry.dlqId,
    responseStatus: entry.responseStatus,
    responseHeader: data.responseHeader,
    ...bodyFields(entry.responseBody, "responseBody"),
  };
}
