// The QStash service: what the routes call, and the loop that moves messages through their
// states. Messages not yet finished live in memory (indexed by due time, queue and flow-control
// key) and in the store; every state change is staged to the store in the same turn, and a
// publish answers only after its commit. `tick()` does everything due at the clock's now (due
// messages, schedule firings, retention) and `pump()` starts attempts within the limits, so
// unit tests drive the whole machine with a ManualClock and a fake transport. In production,
// real timers call tick() when the next thing is due.

import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import { ApiError, BadRequestError, notFound, payloadTooLarge } from "./api-error.ts";
import type { DeliveryJob, DeliveryTransport } from "./delivery.ts";
import { parseDestinationUrl, type DestinationPolicy } from "./destinations.ts";
import { DlqIds, dlqMessage, dlqRow, dlqView, type LastResponse } from "./dlq.ts";
import { DueHeap } from "./due-heap.ts";
import { eventRow, eventView, headerMapOf } from "./events.ts";
import { FlowControlRegistry, type FlowControlConfig, type FlowControlKey } from "./flow-control.ts";
import { isFinished, messageView, transition, type Message, type MessageKind } from "./messages.ts";
import { classify, isSuccess, type AttemptResult, type Outcome } from "./outcome.ts";
import {
  classifyDestination,
  parseMessageSettings,
  type HeaderList,
  type MessageSettings,
} from "./publish-request.ts";
import { PARALLELISM_MAX, QUEUE_NAME_PATTERN, QueueRegistry, type Queue, type QueueSettings } from "./queues.ts";
import { parseRetryDelay, type RetryDelayExpression } from "./retry.ts";
import {
  dueSchedules,
  nextDueAtMs,
  nextRunAtMs,
  parseCron,
  SCHEDULE_ID_PATTERN,
  ScheduleRegistry,
  scheduleView,
  type CronSpec,
  type Schedule,
} from "./schedules.ts";
import { randomBase58, rotateSigningKeys, timeOrderedId, type SigningKeys } from "./signing.ts";
import type { QStashStore, RowFilter } from "./store.ts";
import { URL_GROUP_NAME_PATTERN, UrlGroupRegistry, urlGroupView, type Endpoint, type UrlGroup } from "./url-groups.ts";

export interface QStashLimits {
  maxMessageBytes: number;
  /** Attempts in flight at once, across all workers. */
  concurrency: number;
  /** Longest an attempt may take; `Upstash-Timeout` can only shorten it. */
  attemptTimeoutMs: number;
  eventRetentionMs: number;
  dlqRetentionMs: number;
  dedupWindowMs: number;
  /** How long a finished message stays readable through `GET /v2/messages/{id}`. */
  finishedGraceMs: number;
}

export const defaultLimits: QStashLimits = {
  maxMessageBytes: 1024 * 1024,
  concurrency: 256,
  attemptTimeoutMs: 300_000,
  eventRetentionMs: 7 * 86_400_000,
  dlqRetentionMs: 7 * 86_400_000,
  dedupWindowMs: 10 * 60_000,
  finishedGraceMs: 60_000,
};

export interface QStashServiceDeps {
  store: QStashStore;
  transport: DeliveryTransport;
  clock: Clock;
  log: Logger;
  policy: DestinationPolicy;
  limits: QStashLimits;
  /** The signing keys from the configuration (or the dev server's fixed ones). */
  configuredKeys: SigningKeys;
  /** Real timers call tick(); unit tests leave them off and call tick() themselves. */
  autoTick: boolean;
  /** Told the outcome of every classified attempt (metrics). */
  onOutcome?: (kind: Outcome["kind"]) => void;
}

export interface PublishInput {
  destination: string;
  headers: HeaderList;
  body: Uint8Array;
  callerIp: string;
  queueName?: string;
}

export interface PublishResult {
  status: number;
  body: unknown;
}

interface Target {
  url: string;
  topicName?: string;
  endpointName?: string;
}

interface NewMessage {
  url: string;
  settings: MessageSettings;
  requestHeaders: HeaderList;
  body: Uint8Array;
  callerIp: string;
  kind: MessageKind;
  topicName?: string;
  endpointName?: string;
  queueName?: string;
  scheduleId?: string;
  parentMessageId?: string;
}

const PURGE_INTERVAL_MS = 60_000;
/** Timers re-check at least this often, so a clock jump never strands due work for long. */
const TIMER_MAX_MS = 30_000;
const RESPONSE_ONLY_HEADERS = new Set(["upstash-cron", "upstash-schedule-id", "upstash-queue-name", "upstash-deduplication-id", "upstash-content-based-deduplication"]);

export class QStashService {
  private readonly store: QStashStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  readonly limits: QStashLimits;

  private readonly pending = new Map<string, Message>();
  private readonly due = new DueHeap<Message>();
  private runnable: Message[] = [];
  private runnableHead = 0;
  private readonly attempts = new Map<number, Message>();
  private nextJobId = 1;
  private inFlight = 0;
  private seq = 0;

  private readonly queues = new QueueRegistry();
  private readonly queuesWithWaiting = new Set<Queue>();
  private readonly flowControls = new FlowControlRegistry();
  private readonly keysWithWaitlist = new Set<FlowControlKey>();
  private readonly urlGroups = new UrlGroupRegistry();
  private readonly schedules = new ScheduleRegistry();
  private readonly cronSpecs = new Map<string, CronSpec>();
  private readonly retryDelays = new Map<string, RetryDelayExpression>();
  private readonly dedup = new Map<string, { messageId: string; expiresAtMs: number }>();
  /** Queue messages that finished while their callbacks run: they keep their slot until those finish. */
  private readonly callbacksPending = new Map<string, { parent: Message; count: number }>();
  private readonly dlqIds = new DlqIds();
  private keys: SigningKeys;

  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAtMs = Infinity;
  private nextPurgeAtMs = 0;
  private stopping = false;

  constructor(private readonly deps: QStashServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.log = deps.log;
    this.limits = deps.limits;
    this.keys = deps.configuredKeys;
    deps.transport.setResultHandler((jobId, result) => this.onAttemptResult(jobId, result));
    this.store.onFlushError = (error) => this.log.log("error", "qstash_commit_failed", { error: String((error as Error)?.message ?? error) });
  }

  // --- lifecycle ------------------------------------------------------------------------------

  /** Loads the stored state and resumes every message that was not finished. */
  start(): void {
    const nowMs = this.clock.nowMs();
    this.keys = this.restoreKeys(this.deps.configuredKeys);
    for (const { value } of this.store.loadDocuments<QueueSettings>("queues")) this.queues.restore(value);
    for (const { value } of this.store.loadDocuments<UrlGroup>("url_groups")) this.urlGroups.restore(value);
    for (const { value } of this.store.loadDocuments<FlowControlConfig>("flow_controls")) this.flowControls.restore(value);
    for (const { value, body } of this.store.loadDocuments<Omit<Schedule, "body">>("schedules")) this.schedules.put({ ...value, body: body ?? new Uint8Array() });
    for (const entry of this.store.loadDedup(nowMs)) this.dedup.set(entry.key, { messageId: entry.messageId, expiresAtMs: entry.expiresAtMs });
    this.seq = this.store.lastMessageSeq();

    let resumed = 0;
    for (const message of this.store.loadUnfinishedMessages()) {
      this.pending.set(message.messageId, message);
      if (message.queueName !== undefined) {
        const { queue } = this.queues.ensure(message.queueName, nowMs);
        queue.lag++;
        if (message.started) queue.activeCount++;
      }
      if (message.state === "CANCEL_REQUESTED") {
        transition(message, "CANCELLED");
        this.recordEvent(message, "CANCELLED", nowMs);
        this.finish(message, nowMs);
        continue;
      }
      if (message.state === "ACTIVE") {
        // The attempt was cut off by a crash: its outcome is unknown, so it is made again.
        transition(message, "ERROR");
        this.recordEvent(message, "ERROR", nowMs, { error: "attempt interrupted by a server restart", nextDeliveryTime: nowMs });
        transition(message, "RETRY");
        this.recordEvent(message, "RETRY", nowMs, { nextDeliveryTime: nowMs });
        message.nextAttemptAtMs = nowMs;
        this.store.updateMessage(message);
      }
      this.schedule(message, nowMs);
      resumed++;
    }
    this.store.flush();
    if (resumed > 0) this.log.log("info", "qstash_resumed", { messages: resumed });
    this.tick();
  }

  /** Starts no new attempt, lets those in flight finish (up to graceMs), commits, closes. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.deps.transport.close(graceMs);
    this.store.close();
  }

  // --- the delivery loop ----------------------------------------------------------------------

  /** Does everything due at the clock's now, then starts what may start. */
  tick(): void {
    if (this.stopping) return;
    const nowMs = this.clock.nowMs();
    for (let entry = this.due.popDue(nowMs); entry !== undefined; entry = this.due.popDue(nowMs)) {
      const message = entry.item;
      if (this.isWaiting(message) && message.nextAttemptAtMs === entry.atMs) this.makeDue(message);
    }
    for (const schedule of dueSchedules(this.schedules.values(), nowMs)) this.fireSchedule(schedule, nowMs);
    if (nowMs >= this.nextPurgeAtMs) {
      this.nextPurgeAtMs = nowMs + PURGE_INTERVAL_MS;
      this.purge(nowMs);
    }
    this.pump();
  }

  private isWaiting(message: Message): boolean {
    return (message.state === "CREATED" || message.state === "RETRY") && !message.cancelRequested;
  }

  /** Puts a message in line: at once when due, else in the due-time heap. */
  private schedule(message: Message, nowMs: number): void {
    if (message.nextAttemptAtMs <= nowMs) this.makeDue(message);
    else this.due.push(message.nextAttemptAtMs, message);
  }

  private makeDue(message: Message): void {
    if (message.queueName !== undefined && !message.started) {
      const queue = this.queues.ensure(message.queueName, message.createdAtMs).queue;
      queue.addDue(message);
      this.queuesWithWaiting.add(queue);
    } else {
      this.runnable.push(message);
    }
  }

  /** Starts attempts while there is capacity: queue heads first, then flow-control waitlists, then the rest. */
  pump(): void {
    if (this.stopping) return;
    const nowMs = this.clock.nowMs();
    const startable = (message: Message) => this.isWaiting(message);
    for (const queue of this.queuesWithWaiting) {
      for (let message = queue.takeNext(startable); message !== undefined; message = queue.takeNext(startable)) {
        message.started = true;
        this.runnable.push(message);
      }
      if (!queue.hasWaiting()) this.queuesWithWaiting.delete(queue);
    }
    for (const key of this.keysWithWaitlist) {
      while (this.inFlight < this.limits.concurrency && key.canStart(nowMs)) {
        const message = key.nextWaiting(startable);
        if (message === undefined) break;
        key.shiftWaiting();
        key.start();
        this.startAttempt(message, nowMs);
      }
      if (key.waitlistSize() === 0) this.keysWithWaitlist.delete(key);
    }
    while (this.inFlight < this.limits.concurrency && this.runnableHead < this.runnable.length) {
      const message = this.runnable[this.runnableHead++]!;
      if (!startable(message)) continue;
      const flowControl = message.settings.flowControl;
      if (flowControl !== undefined) {
        const key = this.flowControls.ensure(flowControl.key);
        if (key.waitlistSize() > 0 || !key.canStart(nowMs)) {
          key.wait(message);
          this.keysWithWaitlist.add(key);
          continue;
        }
        key.start();
      }
      this.startAttempt(message, nowMs);
    }
    if (this.runnableHead === this.runnable.length) {
      this.runnable = [];
      this.runnableHead = 0;
    } else if (this.runnableHead > 4096) {
      this.runnable = this.runnable.slice(this.runnableHead);
      this.runnableHead = 0;
    }
    this.armTimer(nowMs);
  }

  private startAttempt(message: Message, nowMs: number): void {
    transition(message, "ACTIVE");
    message.started = true;
    this.inFlight++;
    const jobId = this.nextJobId++;
    this.attempts.set(jobId, message);
    this.store.updateMessage(message);
    this.recordEvent(message, "ACTIVE", nowMs);
    this.deps.transport.send(this.job(message, jobId, nowMs));
  }

  private job(message: Message, jobId: number, nowMs: number): DeliveryJob {
    const headers: [string, string][] = [];
    let hasUserAgent = false;
    for (const [name, values] of Object.entries(message.settings.header)) {
      if (name === "User-Agent") hasUserAgent = true;
      for (const value of values) headers.push([name, value]);
    }
    if (!hasUserAgent) headers.push(["User-Agent", "Upstash-QStash"]);
    headers.push(["Upstash-Message-Id", message.messageId], ["Upstash-Retried", String(message.retried)]);
    if (message.topicName !== undefined) headers.push(["Upstash-Topic-Name", message.topicName]);
    if (message.scheduleId !== undefined) headers.push(["Upstash-Schedule-Id", message.scheduleId]);
    if (message.callerIp !== "") headers.push(["Upstash-Caller-Ip", message.callerIp]);
    const method = message.settings.method;
    const timeoutMs = Math.min(this.limits.attemptTimeoutMs, message.settings.timeoutMs ?? Infinity);
    return {
      jobId,
      url: message.url,
      method,
      headers,
      body: method === "GET" || method === "HEAD" ? null : message.body,
      timeoutMs,
      signingKey: this.keys.current,
      signedAtMs: nowMs,
      responseBytesMax: this.limits.maxMessageBytes,
    };
  }

  private onAttemptResult(jobId: number, result: AttemptResult): void {
    const message = this.attempts.get(jobId);
    if (message === undefined) return;
    this.attempts.delete(jobId);
    this.inFlight--;
    const flowControl = message.settings.flowControl;
    if (flowControl !== undefined) {
      const key = this.flowControls.ensure(flowControl.key);
      key.finish();
      if (key.waitlistSize() > 0) this.keysWithWaitlist.add(key);
    }
    const nowMs = this.clock.nowMs();
    const response: LastResponse = { status: result.status, headers: result.headers, body: result.body };

    if (message.cancelRequested) {
      // A cancel arrived during the attempt: it stands unless the attempt delivered.
      const delivered = result.error === undefined && isSuccess(result.status);
      transition(message, delivered ? "DELIVERED" : "CANCELLED");
      this.recordEvent(message, message.state, nowMs, delivered ? { responseStatus: result.status } : undefined);
      this.finish(message, nowMs);
      this.pump();
      return;
    }

    const outcome = classify(result, this.retryPolicy(message), message.retried, nowMs);
    this.deps.onOutcome?.(outcome.kind);
    // Docs: the callback fires after every attempt, failed ones too.
    if (message.settings.callback !== undefined) this.createCallback(message, "callback", result, nowMs);
    if (outcome.kind === "delivered") {
      transition(message, "DELIVERED");
      this.recordEvent(message, "DELIVERED", nowMs, { responseStatus: result.status });
      this.finish(message, nowMs);
    } else {
      transition(message, "ERROR");
      const failure = {
        error: outcome.error,
        responseStatus: result.status,
        responseHeaders: headerMapOf(result.headers),
        responseBody: Buffer.from(result.body).toString("base64"),
      };
      if (outcome.kind === "retry") {
        this.recordEvent(message, "ERROR", nowMs, { ...failure, nextDeliveryTime: outcome.atMs });
        transition(message, "RETRY");
        this.recordEvent(message, "RETRY", nowMs, { nextDeliveryTime: outcome.atMs });
        message.retried++;
        message.nextAttemptAtMs = outcome.atMs;
        this.store.updateMessage(message);
        this.schedule(message, nowMs);
      } else {
        this.recordEvent(message, "ERROR", nowMs, failure);
        transition(message, "FAILED");
        const dlqId = this.dlqIds.next(nowMs);
        this.recordEvent(message, "FAILED", nowMs, { ...failure, dlqId });
        this.store.insertDlq(dlqRow(dlqId, message, response, nowMs));
        if (message.settings.failureCallback !== undefined) this.createCallback(message, "failure-callback", result, nowMs, dlqId);
        this.finish(message, nowMs);
      }
    }
    this.pump();
  }

  private retryPolicy(message: Message) {
    const source = message.settings.retryDelayExpression;
    let retryDelay: RetryDelayExpression | undefined;
    if (source !== undefined) {
      retryDelay = this.retryDelays.get(source);
      if (retryDelay === undefined) {
        retryDelay = parseRetryDelay(source);
        if (this.retryDelays.size > 1000) this.retryDelays.clear();
        this.retryDelays.set(source, retryDelay);
      }
    }
    return { maxRetries: message.settings.maxRetries, retryDelay };
  }

  /** A message reached DELIVERED, FAILED or CANCELLED: record it and free what it held. */
  private finish(message: Message, nowMs: number): void {
    message.finishedAtMs = nowMs;
    this.pending.delete(message.messageId);
    this.store.updateMessage(message);
    if (message.queueName !== undefined) {
      const queue = this.queues.get(message.queueName);
      if (queue !== undefined) {
        queue.lag = Math.max(0, queue.lag - 1);
        if (!message.started) queue.removeDue(message);
        else if (!this.callbacksPending.has(message.messageId)) this.releaseQueueSlot(queue);
      }
    }
    if (message.parentMessageId !== undefined) {
      const holder = this.callbacksPending.get(message.parentMessageId);
      if (holder !== undefined && --holder.count === 0) {
        this.callbacksPending.delete(message.parentMessageId);
        if (isFinished(holder.parent)) {
          const queue = this.queues.get(holder.parent.queueName!);
          if (queue !== undefined) this.releaseQueueSlot(queue);
        }
      }
    }
    if (message.scheduleId !== undefined) {
      const schedule = this.schedules.get(message.scheduleId);
      if (schedule !== undefined && message.messageId in schedule.lastScheduleStates) {
        schedule.lastScheduleStates[message.messageId] = message.state === "DELIVERED" ? "SUCCESS" : "FAIL";
        this.persistSchedule(schedule);
      }
    }
  }

  private releaseQueueSlot(queue: Queue): void {
    queue.activeCount = Math.max(0, queue.activeCount - 1);
    if (queue.hasWaiting()) this.queuesWithWaiting.add(queue);
  }

  /** A (failure) callback: a new signed message to the callback URL whose body describes the attempt. */
  private createCallback(source: Message, kind: "callback" | "failure-callback", result: AttemptResult, nowMs: number, dlqId?: string): void {
    const url = kind === "callback" ? source.settings.callback! : source.settings.failureCallback!;
    const requestHeaders = kind === "callback" ? source.settings.callbackHeaders : source.settings.failureCallbackHeaders;
    let settings: MessageSettings;
    try {
      settings = parseMessageSettings(requestHeaders, { maxRetries: source.settings.maxRetries });
    } catch (error) {
      this.log.log("warn", "qstash_callback_skipped", { messageId: source.messageId, error: String((error as Error).message) });
      return;
    }
    if (settings.header["Content-Type"] === undefined) settings.header["Content-Type"] = ["application/json"];
    const payload = {
      status: result.status,
      header: headerMapOf(result.headers),
      // compat: with no response (refused, timed out), status is 0 and the body carries the error text.
      body: Buffer.from(result.error === undefined ? result.body : new TextEncoder().encode(result.error)).toString("base64"),
      retried: source.retried,
      maxRetries: source.settings.maxRetries,
      sourceMessageId: source.messageId,
      ...(source.topicName === undefined ? {} : { topicName: source.topicName }),
      ...(source.endpointName === undefined ? {} : { endpointName: source.endpointName }),
      url: source.url,
      method: source.settings.method,
      sourceHeader: source.settings.header,
      sourceBody: Buffer.from(source.body).toString("base64"),
      notBefore: source.notBeforeMs,
      createdAt: source.createdAtMs,
      ...(source.scheduleId === undefined ? {} : { scheduleId: source.scheduleId }),
      callerIP: source.callerIp,
      ...(dlqId === undefined ? {} : { dlqId }),
    };
    const callback = this.createMessage(
      {
        url,
        settings,
        requestHeaders,
        body: new TextEncoder().encode(JSON.stringify(payload)),
        callerIp: source.callerIp,
        kind,
        parentMessageId: source.messageId,
      },
      nowMs,
    );
    // In a queue, the next message waits for this one's callbacks too (docs: FIFO includes them).
    if (source.queueName !== undefined) {
      const holder = this.callbacksPending.get(source.messageId) ?? { parent: source, count: 0 };
      holder.count++;
      this.callbacksPending.set(source.messageId, holder);
    }
    this.pending.set(callback.messageId, callback);
    this.schedule(callback, nowMs);
  }

  /** Builds a message and stages it (row + CREATED event); the caller puts it in line. */
  private createMessage(spec: NewMessage, nowMs: number): Message {
    const notBeforeMs = spec.settings.notBeforeMs ?? nowMs + spec.settings.delayMs;
    const message: Message = {
      seq: ++this.seq,
      messageId: timeOrderedId("msg_", nowMs, 24),
      kind: spec.kind,
      ...(spec.parentMessageId === undefined ? {} : { parentMessageId: spec.parentMessageId }),
      url: spec.url,
      settings: spec.settings,
      requestHeaders: spec.requestHeaders,
      body: spec.body,
      ...(spec.topicName === undefined ? {} : { topicName: spec.topicName }),
      ...(spec.endpointName === undefined ? {} : { endpointName: spec.endpointName }),
      ...(spec.queueName === undefined ? {} : { queueName: spec.queueName }),
      ...(spec.scheduleId === undefined ? {} : { scheduleId: spec.scheduleId }),
      callerIp: spec.callerIp,
      createdAtMs: nowMs,
      notBeforeMs,
      state: "CREATED",
      retried: 0,
      nextAttemptAtMs: notBeforeMs,
      started: false,
      cancelRequested: false,
    };
    this.store.insertMessage(message);
    this.recordEvent(message, "CREATED", nowMs, notBeforeMs > nowMs ? { nextDeliveryTime: notBeforeMs } : undefined);
    if (spec.queueName !== undefined) this.queues.ensure(spec.queueName, nowMs).queue.lag++;
    return message;
  }

  private recordEvent(message: Message, state: Message["state"], nowMs: number, detail?: Record<string, unknown>): void {
    this.store.insertEvent(eventRow(message, state, nowMs, detail));
  }

  private armTimer(nowMs: number): void {
    if (!this.deps.autoTick || this.stopping) return;
    let atMs = Math.min(this.due.peekAtMs() ?? Infinity, nextDueAtMs(this.schedules.values()) ?? Infinity, this.nextPurgeAtMs);
    for (const key of this.keysWithWaitlist) atMs = Math.min(atMs, key.wakeAtMs() ?? Infinity);
    atMs = Math.min(atMs, nowMs + TIMER_MAX_MS);
    if (this.timer !== undefined && this.timerAtMs <= atMs) return;
    clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAtMs = Infinity;
        try {
          this.tick();
        } catch (error) {
          this.log.log("error", "qstash_tick_failed", { error: String((error as Error)?.stack ?? error) });
        }
      },
      Math.max(0, atMs - nowMs),
    );
  }

  private purge(nowMs: number): void {
    for (const [key, entry] of this.dedup) if (entry.expiresAtMs <= nowMs) this.dedup.delete(key);
    this.store.purge({ eventsBeforeMs: nowMs - this.limits.eventRetentionMs, dlqBeforeMs: nowMs - this.limits.dlqRetentionMs, nowMs }).then(
      (counts) => {
        if (counts.events + counts.messages + counts.dlq > 0) this.log.log("info", "qstash_purged", { ...counts });
      },
      () => {}, // reported by the store's onFlushError
    );
  }

  // --- publish --------------------------------------------------------------------------------

  /** `POST /v2/publish/{destination}` and `/v2/enqueue/{queue}/{destination}`. */
  async publish(input: PublishInput): Promise<PublishResult> {
    const prepared = this.preparePublish(input, this.clock.nowMs());
    await this.store.commit();
    this.activate(prepared.created);
    return prepared.result;
  }

  /** `POST /v2/batch`: each item succeeds or fails on its own; one commit covers them all. */
  async batch(items: unknown, callerIp: string): Promise<unknown[]> {
    if (!Array.isArray(items)) throw new BadRequestError("batch body must be a JSON array of messages");
    const nowMs = this.clock.nowMs();
    const created: Message[] = [];
    const results = items.map((item: unknown) => {
      try {
        const input = batchItem(item, callerIp);
        const prepared = this.preparePublish(input, nowMs);
        created.push(...prepared.created);
        return prepared.result.body;
      } catch (error) {
        if (error instanceof ApiError) return { error: error.message };
        throw error;
      }
    });
    await this.store.commit();
    this.activate(created);
    return results;
  }

  private activate(messages: readonly Message[]): void {
    const nowMs = this.clock.nowMs();
    for (const message of messages) {
      if (!this.isWaiting(message)) continue;
      this.pending.set(message.messageId, message);
      this.schedule(message, nowMs);
    }
    this.pump();
  }

  /** Checks everything, then stages the messages; nothing is staged when a check fails. */
  private preparePublish(input: PublishInput, nowMs: number, scheduleId?: string): { created: Message[]; result: PublishResult } {
    const settings = parseMessageSettings(input.headers);
    if (input.body.length > this.limits.maxMessageBytes) throw payloadTooLarge(this.limits.maxMessageBytes);
    const targets = this.resolveTargets(input.destination);
    if (input.queueName !== undefined) checkName(input.queueName, QUEUE_NAME_PATTERN, "queue name");
    if (input.queueName !== undefined) {
      const { queue, created } = this.queues.ensure(input.queueName, nowMs);
      if (created) this.persistQueue(queue);
    }
    if (settings.flowControl !== undefined) {
      const key = this.flowControls.ensure(settings.flowControl.key);
      if (key.applyMessageSettings(settings.flowControl)) this.persistFlowControl(key);
    }
    const requestHeaders = storedRequestHeaders(input.headers);
    const created: Message[] = [];
    const responses = targets.map((target) => {
      const dedupKey = deduplicationKey(settings, target.url, input.body);
      const existing = dedupKey === undefined ? undefined : this.dedup.get(dedupKey);
      if (existing !== undefined && existing.expiresAtMs > nowMs) return { messageId: existing.messageId, url: target.url, deduplicated: true };
      const message = this.createMessage(
        { ...target, settings, requestHeaders, body: input.body, callerIp: input.callerIp, kind: "message", queueName: input.queueName, scheduleId },
        nowMs,
      );
      if (dedupKey !== undefined) {
        const expiresAtMs = nowMs + this.limits.dedupWindowMs;
        this.dedup.set(dedupKey, { messageId: message.messageId, expiresAtMs });
        this.store.putDedup(dedupKey, message.messageId, expiresAtMs);
      }
      created.push(message);
      return { messageId: message.messageId, url: target.url };
    });
    const allDeduplicated = responses.every((response) => "deduplicated" in response);
    const isGroup = classifyDestination(input.destination).kind === "group";
    return { created, result: { status: allDeduplicated ? 202 : 200, body: isGroup ? responses : responses[0] } };
  }

  private resolveTargets(destination: string): Target[] {
    if (destination === "") throw new BadRequestError("destination is missing: publish to /v2/publish/<url or url group>");
    const kind = classifyDestination(destination);
    if (kind.kind === "url") return [{ url: this.checkUrl(kind.url) }];
    if (kind.name === "api/llm") throw new BadRequestError("the LLM API is not available on this server");
    if (!URL_GROUP_NAME_PATTERN.test(kind.name)) throw new BadRequestError(`invalid destination ${JSON.stringify(destination)}: use an http(s) URL or a URL group name`);
    const group = this.urlGroups.get(kind.name);
    if (group === undefined) throw notFound(`url group ${kind.name} not found`);
    return group.endpoints.map((endpoint) => ({ url: endpoint.url, topicName: group.name, ...(endpoint.name === undefined ? {} : { endpointName: endpoint.name }) }));
  }

  private checkUrl(text: string): string {
    const url = parseDestinationUrl(text);
    if (typeof url === "string") throw new BadRequestError(url);
    const refusal = this.deps.policy.refusal(url.hostname, []);
    if (refusal !== undefined) throw new BadRequestError(refusal);
    return text;
  }

  // --- messages -------------------------------------------------------------------------------

  getMessage(messageId: string): Record<string, unknown> {
    const pending = this.pending.get(messageId);
    if (pending !== undefined) return messageView(pending);
    const stored = this.store.getMessage(messageId);
    if (stored?.finishedAtMs !== undefined && this.clock.nowMs() - stored.finishedAtMs <= this.limits.finishedGraceMs) return messageView(stored);
    throw notFound(`message ${messageId} not found`);
  }

  cancelMessage(messageId: string): { cancelled: number } {
    const message = this.pending.get(messageId);
    if (message === undefined || message.cancelRequested) throw notFound(`message ${messageId} not found`);
    this.cancel(message, this.clock.nowMs());
    this.pump();
    return { cancelled: 1 };
  }

  /** Bulk cancel by ids or filter (every match: the SDK documents `count` as ignored). */
  cancelMessages(filter: RowFilter): { cancelled: number } {
    const nowMs = this.clock.nowMs();
    let cancelled = 0;
    for (const message of [...this.pending.values()]) {
      if (message.cancelRequested || message.kind !== "message" || !matchesFilter(message, filter)) continue;
      this.cancel(message, nowMs);
      cancelled++;
    }
    this.pump();
    return { cancelled };
  }

  private cancel(message: Message, nowMs: number): void {
    const inAttempt = message.state === "ACTIVE";
    transition(message, "CANCEL_REQUESTED");
    message.cancelRequested = true;
    this.recordEvent(message, "CANCEL_REQUESTED", nowMs);
    if (inAttempt) {
      this.store.updateMessage(message);
      return;
    }
    transition(message, "CANCELLED");
    this.recordEvent(message, "CANCELLED", nowMs);
    this.finish(message, nowMs);
  }

  // --- logs -----------------------------------------------------------------------------------

  listEvents(filter: RowFilter, cursor: string | undefined, count: number): { cursor?: string; events: unknown[] } {
    const beforeId = parseCursor(cursor);
    const rows = this.store.listEvents(filter, beforeId, count + 1);
    const page = rows.slice(0, count);
    const more = rows.length > count;
    return { ...(more ? { cursor: String(page[page.length - 1]!.id) } : {}), events: page.map(eventView) };
  }

  // --- DLQ ------------------------------------------------------------------------------------

  listDlq(filter: RowFilter, cursor: string | undefined, count: number): { messages: unknown[]; cursor?: string } {
    const rows = this.store.listDlq(filter, parseCursor(cursor), count + 1);
    const page = rows.slice(0, count);
    return { messages: page.map(dlqView), ...(rows.length > count ? { cursor: String(page[page.length - 1]!.seq) } : {}) };
  }

  getDlq(dlqId: string): Record<string, unknown> {
    const entry = this.store.listDlq({ dlqId: [dlqId] }, undefined, 1)[0];
    if (entry === undefined) throw notFound(`dlq message ${dlqId} not found`);
    return dlqView(entry);
  }

  deleteDlq(dlqId: string): void {
    if (this.store.listDlq({ dlqId: [dlqId] }, undefined, 1).length === 0) throw notFound(`dlq message ${dlqId} not found`);
    this.store.deleteDlq([dlqId]);
    this.store.flush();
  }

  deleteDlqMany(filter: RowFilter, cursor: string | undefined, count: number): { deleted: number; cursor?: string } {
    const rows = this.store.listDlq(filter, parseCursor(cursor), count + 1);
    const page = rows.slice(0, count);
    this.store.deleteDlq(page.map((row) => row.dlqId));
    this.store.flush();
    return { deleted: page.length, ...(rows.length > count ? { cursor: String(page[page.length - 1]!.seq) } : {}) };
  }

  /**
   * Republishes DLQ entries as new messages with the same body, headers and settings; headers on
   * the retry request override the stored ones. The entries are removed in the same commit.
   */
  async retryDlq(filter: RowFilter, cursor: string | undefined, count: number, overrides: HeaderList, callerIp: string): Promise<{ responses: { messageId: string }[]; cursor?: string }> {
    const nowMs = this.clock.nowMs();
    const rows = this.store.listDlq(filter, parseCursor(cursor), count + 1);
    const page = rows.slice(0, count);
    const overrideHeaders = storedRequestHeaders(overrides).filter(([name]) => name.startsWith("upstash-"));
    const overridden = new Set(overrideHeaders.map(([name]) => name));
    // Stage every check first: a bad override header fails the request with nothing changed.
    const specs = page.map((row) => {
      const failed = dlqMessage(row);
      const kept = failed.requestHeaders.filter(([name]) => !overridden.has(name) && name !== "upstash-delay" && name !== "upstash-not-before");
      const requestHeaders = [...kept, ...overrideHeaders];
      return { failed, requestHeaders, settings: parseMessageSettings(requestHeaders) };
    });
    const created = specs.map(({ failed, requestHeaders, settings }) =>
      this.createMessage(
        {
          url: failed.url,
          settings,
          requestHeaders,
          body: failed.body,
          callerIp,
          kind: "message",
          topicName: failed.topicName,
          endpointName: failed.endpointName,
          queueName: failed.queueName,
          scheduleId: failed.scheduleId,
        },
        nowMs,
      ),
    );
    this.store.deleteDlq(page.map((row) => row.dlqId));
    await this.store.commit();
    this.activate(created);
    return { responses: created.map((message) => ({ messageId: message.messageId })), ...(rows.length > count ? { cursor: String(page[page.length - 1]!.seq) } : {}) };
  }

  // --- schedules ------------------------------------------------------------------------------

  async createSchedule(input: { destination: string; headers: HeaderList; body: Uint8Array; callerIp: string }): Promise<{ scheduleId: string }> {
    const nowMs = this.clock.nowMs();
    const value = (name: string) => input.headers.find(([key]) => key === name)?.[1]?.trim();
    const cronText = value("upstash-cron");
    if (cronText === undefined || cronText === "") throw new BadRequestError("Upstash-Cron header is required to create a schedule");
    const cron = parseCron(cronText);
    parseMessageSettings(input.headers);
    if (input.body.length > this.limits.maxMessageBytes) throw payloadTooLarge(this.limits.maxMessageBytes);
    this.resolveTargets(input.destination);
    const scheduleId = value("upstash-schedule-id") || `scd_${randomBase58(28)}`;
    checkName(scheduleId, SCHEDULE_ID_PATTERN, "schedule id");
    const queueName = value("upstash-queue-name") || undefined;
    if (queueName !== undefined) checkName(queueName, QUEUE_NAME_PATTERN, "queue name");
    const existing = this.schedules.get(scheduleId);
    const schedule: Schedule = {
      scheduleId,
      cron: cron.cron,
      destination: input.destination,
      requestHeaders: storedRequestHeaders(input.headers),
      body: input.body,
      createdAtMs: existing?.createdAtMs ?? nowMs,
      isPaused: false,
      callerIp: input.callerIp,
      ...(queueName === undefined ? {} : { queueName }),
      nextScheduleTimeMs: nextRunAtMs(cron, nowMs),
      lastScheduleTimeMs: existing?.lastScheduleTimeMs,
      lastScheduleStates: existing?.lastScheduleStates ?? {},
    };
    this.cronSpecs.set(schedule.cron, cron);
    this.schedules.put(schedule);
    this.persistSchedule(schedule);
    await this.store.commit();
    this.armTimer(nowMs);
    return { scheduleId };
  }

  /** One firing: a normal publish to the destination (enqueued when the schedule names a queue). */
  private fireSchedule(schedule: Schedule, nowMs: number): void {
    const cron = this.cronSpec(schedule.cron);
    let created: Message[] = [];
    try {
      created = this.preparePublish(
        { destination: schedule.destination, headers: schedule.requestHeaders, body: schedule.body, callerIp: schedule.callerIp, queueName: schedule.queueName },
        nowMs,
        schedule.scheduleId,
      ).created;
    } catch (error) {
      this.log.log("warn", "qstash_schedule_fire_failed", { scheduleId: schedule.scheduleId, error: String((error as Error).message) });
    }
    schedule.lastScheduleTimeMs = nowMs;
    schedule.nextScheduleTimeMs = nextRunAtMs(cron, nowMs);
    schedule.lastScheduleStates = Object.fromEntries(created.map((message) => [message.messageId, "IN_PROGRESS" as const]));
    this.persistSchedule(schedule);
    // The firing and the schedule's next time commit together, so a restart neither repeats nor skips it.
    for (const message of created) {
      this.pending.set(message.messageId, message);
      this.schedule(message, nowMs);
    }
  }

  private cronSpec(cron: string): CronSpec {
    let spec = this.cronSpecs.get(cron);
    if (spec === undefined) {
      spec = parseCron(cron);
      this.cronSpecs.set(cron, spec);
    }
    return spec;
  }

  getSchedule(scheduleId: string): Record<string, unknown> {
    const schedule = this.schedules.get(scheduleId);
    if (schedule === undefined) throw notFound(`schedule ${scheduleId} not found`);
    return scheduleView(schedule);
  }

  listSchedules(): Record<string, unknown>[] {
    return this.schedules.all().map(scheduleView);
  }

  deleteSchedule(scheduleId: string): void {
    if (!this.schedules.delete(scheduleId)) throw notFound(`schedule ${scheduleId} not found`);
    this.store.deleteDocument("schedules", scheduleId);
    this.store.flush();
  }

  setSchedulePaused(scheduleId: string, paused: boolean): void {
    const schedule = this.schedules.get(scheduleId);
    if (schedule === undefined) throw notFound(`schedule ${scheduleId} not found`);
    if (schedule.isPaused === paused) return;
    schedule.isPaused = paused;
    // Resuming never fires the firings missed while paused: it continues from now.
    if (!paused) schedule.nextScheduleTimeMs = nextRunAtMs(this.cronSpec(schedule.cron), this.clock.nowMs());
    this.persistSchedule(schedule);
    this.store.flush();
    this.armTimer(this.clock.nowMs());
  }

  private persistSchedule(schedule: Schedule): void {
    const { body, ...document } = schedule;
    this.store.putDocument("schedules", schedule.scheduleId, document, body);
  }

  // --- URL groups -----------------------------------------------------------------------------

  addEndpoints(name: string, endpoints: Endpoint[]): void {
    checkName(name, URL_GROUP_NAME_PATTERN, "url group name");
    for (const endpoint of endpoints) this.checkUrl(endpoint.url);
    const group = this.urlGroups.addEndpoints(name, endpoints, this.clock.nowMs());
    this.store.putDocument("url_groups", name, group);
    this.store.flush();
  }

  removeEndpoints(name: string, endpoints: Endpoint[]): void {
    if (this.urlGroups.get(name) === undefined) throw notFound(`url group ${name} not found`);
    const group = this.urlGroups.removeEndpoints(name, endpoints, this.clock.nowMs());
    if (group === undefined) this.store.deleteDocument("url_groups", name);
    else this.store.putDocument("url_groups", name, group);
    this.store.flush();
  }

  getUrlGroup(name: string): Record<string, unknown> {
    const group = this.urlGroups.get(name);
    if (group === undefined) throw notFound(`url group ${name} not found`);
    return urlGroupView(group);
  }

  listUrlGroups(): Record<string, unknown>[] {
    return this.urlGroups.all().map(urlGroupView);
  }

  deleteUrlGroup(name: string): void {
    if (!this.urlGroups.delete(name)) throw notFound(`url group ${name} not found`);
    this.store.deleteDocument("url_groups", name);
    this.store.flush();
  }

  // --- queues ---------------------------------------------------------------------------------

  upsertQueue(body: unknown): void {
    const { queueName, parallelism, paused } = (body ?? {}) as { queueName?: unknown; parallelism?: unknown; paused?: unknown };
    if (typeof queueName !== "string") throw new BadRequestError("queueName is required");
    checkName(queueName, QUEUE_NAME_PATTERN, "queue name");
    if (parallelism !== undefined && (!Number.isInteger(parallelism) || (parallelism as number) < 1 || (parallelism as number) > PARALLELISM_MAX)) {
      throw new BadRequestError(`parallelism must be an integer between 1 and ${PARALLELISM_MAX}`);
    }
    if (paused !== undefined && typeof paused !== "boolean") throw new BadRequestError("paused must be true or false");
    const nowMs = this.clock.nowMs();
    const { queue } = this.queues.ensure(queueName, nowMs);
    queue.settings = { ...queue.settings, parallelism: (parallelism as number | undefined) ?? 1, paused: (paused as boolean | undefined) ?? false, updatedAtMs: nowMs };
    this.persistQueue(queue);
    this.store.flush();
    if (queue.hasWaiting()) this.queuesWithWaiting.add(queue);
    this.pump();
  }

  getQueue(name: string): Record<string, unknown> {
    const queue = this.queues.get(name);
    if (queue === undefined) throw notFound(`queue ${name} not found`);
    return queue.view();
  }

  listQueues(): Record<string, unknown>[] {
    return this.queues.all().map((queue) => queue.view());
  }

  /** Deleting a queue cancels the messages still waiting in it. */
  deleteQueue(name: string): void {
    if (this.queues.get(name) === undefined) throw notFound(`queue ${name} not found`);
    this.cancelMessages({ queueName: [name] });
    this.queues.delete(name);
    this.queuesWithWaiting.forEach((queue) => queue.settings.name === name && this.queuesWithWaiting.delete(queue));
    this.store.deleteDocument("queues", name);
    this.store.flush();
  }

  setQueuePaused(name: string, paused: boolean): void {
    const queue = this.queues.get(name);
    if (queue === undefined) throw notFound(`queue ${name} not found`);
    queue.settings = { ...queue.settings, paused, updatedAtMs: this.clock.nowMs() };
    this.persistQueue(queue);
    this.store.flush();
    if (queue.hasWaiting()) this.queuesWithWaiting.add(queue);
    this.pump();
  }

  private persistQueue(queue: Queue): void {
    this.store.putDocument("queues", queue.settings.name, queue.settings);
  }

  // --- flow control ---------------------------------------------------------------------------

  getFlowControl(key: string): Record<string, unknown> {
    const entry = this.flowControls.get(key);
    if (entry === undefined) throw notFound(`flow control key ${key} not found`);
    return entry.view(this.clock.nowMs());
  }

  listFlowControls(): Record<string, unknown>[] {
    const nowMs = this.clock.nowMs();
    return this.flowControls.all().map((entry) => entry.view(nowMs));
  }

  /** pause, resume, pin, unpin or resetRate of one key; a key named before any message is created. */
  updateFlowControl(key: string, change: (entry: FlowControlKey, nowMs: number) => void): void {
    const entry = this.flowControls.ensure(key);
    change(entry, this.clock.nowMs());
    this.persistFlowControl(entry);
    this.store.flush();
    if (entry.waitlistSize() > 0) this.keysWithWaitlist.add(entry);
    this.pump();
  }

  private persistFlowControl(entry: FlowControlKey): void {
    this.store.putDocument("flow_controls", entry.config.key, entry.config);
  }

  globalParallelism(): { parallelismMax: number; parallelismCount: number } {
    return { parallelismMax: this.limits.concurrency, parallelismCount: this.inFlight };
  }

  // --- signing keys ---------------------------------------------------------------------------

  signingKeys(): SigningKeys {
    return { ...this.keys };
  }

  async rotateSigningKeys(): Promise<SigningKeys> {
    const { configured } = this.storedKeys() ?? { configured: this.deps.configuredKeys };
    this.keys = rotateSigningKeys(this.keys);
    this.store.putMeta("signing_keys", JSON.stringify({ configured, keys: this.keys }));
    await this.store.commit();
    this.log.log("info", "qstash_signing_keys_rotated");
    return this.signingKeys();
  }

  private storedKeys(): { configured: SigningKeys; keys: SigningKeys } | undefined {
    const stored = this.store.getMeta("signing_keys");
    return stored === undefined ? undefined : JSON.parse(stored);
  }

  /**
   * The keys in effect: rotations are kept in the store and survive restarts, as long as the
   * configuration still gives the keys they started from; new configured keys win.
   */
  private restoreKeys(configured: SigningKeys): SigningKeys {
    const stored = this.storedKeys();
    if (stored !== undefined && stored.configured.current === configured.current && stored.configured.next === configured.next) return stored.keys;
    return configured;
  }

  // --- introspection for tests and metrics ----------------------------------------------------

  stats(): { pending: number; inFlight: number; waiting: number } {
    return { pending: this.pending.size, inFlight: this.inFlight, waiting: this.due.size };
  }
}

function checkName(name: string, pattern: RegExp, what: string): void {
  if (!pattern.test(name)) throw new BadRequestError(`invalid ${what} ${JSON.stringify(name)}: use letters, digits, '-', '_' and '.'`);
}

function parseCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  if (!/^\d+$/.test(cursor)) throw new BadRequestError(`invalid cursor ${JSON.stringify(cursor)}`);
  return Number(cursor);
}

/** The headers worth keeping with a message: its settings, forwarded headers and Content-Type. */
function storedRequestHeaders(headers: HeaderList): HeaderList {
  return headers.filter(([name]) => (name.startsWith("upstash-") && !name.startsWith("upstash-telemetry-") && !RESPONSE_ONLY_HEADERS.has(name)) || name === "content-type");
}

function deduplicationKey(settings: MessageSettings, url: string, body: Uint8Array): string | undefined {
  if (settings.deduplicationId !== undefined) return `id\n${url}\n${settings.deduplicationId}`;
  if (!settings.contentBasedDeduplication) return undefined;
  const hasher = new Bun.CryptoHasher("sha256").update(url).update("\n").update(body);
  for (const name of Object.keys(settings.header).sort()) hasher.update(`\n${name}:${settings.header[name]!.join(",")}`);
  return `content\n${url}\n${hasher.digest("hex")}`;
}

function matchesFilter(message: Message, filter: RowFilter): boolean {
  const oneOf = (values: readonly string[] | undefined, value: string | undefined) => values === undefined || values.length === 0 || (value !== undefined && values.includes(value));
  if (!oneOf(filter.messageId, message.messageId)) return false;
  if (!oneOf(filter.url, message.url)) return false;
  if (!oneOf(filter.topicName, message.topicName)) return false;
  if (!oneOf(filter.queueName, message.queueName)) return false;
  if (!oneOf(filter.scheduleId, message.scheduleId)) return false;
  if (!oneOf(filter.flowControlKey, message.settings.flowControl?.key)) return false;
  if (!oneOf(filter.callerIp, message.callerIp)) return false;
  if (filter.label !== undefined && filter.label.length > 0 && !filter.label.some((label) => message.settings.labels.includes(label))) return false;
  if ((filter.host?.length ?? 0) > 0 || (filter.path?.length ?? 0) > 0) {
    const url = new URL(message.url);
    if (!oneOf(filter.host, url.hostname) && !oneOf(filter.host, url.host)) return false;
    if (!oneOf(filter.path, url.pathname)) return false;
  }
  if (filter.fromMs !== undefined && message.createdAtMs < filter.fromMs) return false;
  if (filter.toMs !== undefined && message.createdAtMs > filter.toMs) return false;
  return true;
}

/** One element of a `/v2/batch` body: `{destination, headers, body?, queue?}`. */
function batchItem(item: unknown, callerIp: string): PublishInput {
  if (typeof item !== "object" || item === null) throw new BadRequestError("each batch item must be an object with a destination");
  const { destination, headers, body, queue } = item as { destination?: unknown; headers?: unknown; body?: unknown; queue?: unknown };
  if (typeof destination !== "string" || destination === "") throw new BadRequestError("each batch item needs a destination");
  if (headers !== undefined && (typeof headers !== "object" || headers === null)) throw new BadRequestError("batch item headers must be an object");
  if (body !== undefined && body !== null && typeof body !== "string") throw new BadRequestError("batch item body must be a string");
  if (queue !== undefined && queue !== null && typeof queue !== "string") throw new BadRequestError("batch item queue must be a string");
  const headerList: HeaderList = Object.entries((headers ?? {}) as Record<string, unknown>).map(([name, value]) => [name.toLowerCase(), String(value)]);
  return {
    destination,
    headers: headerList,
    body: typeof body === "string" ? new TextEncoder().encode(body) : new Uint8Array(),
    callerIp,
    ...(typeof queue === "string" && queue !== "" ? { queueName: queue } : {}),
  };
}
