// An in-process QStash service for unit tests: an in-memory store, a ManualClock, and a fake
// transport that records each attempt so a test answers it with any status, headers or error.

import { ManualClock } from "../../src/util/clock.ts";
import { silentLogger } from "../../src/util/log.ts";
import type { DeliveryJob, DeliveryTransport, ResultHandler } from "../../src/qstash/delivery.ts";
import { DestinationPolicy } from "../../src/qstash/destinations.ts";
import type { AttemptResult } from "../../src/qstash/outcome.ts";
import type { HeaderList } from "../../src/qstash/publish-request.ts";
import { defaultLimits, QStashService, type QStashLimits } from "../../src/qstash/service.ts";
import { QStashStore } from "../../src/qstash/store.ts";

export class FakeTransport implements DeliveryTransport {
  readonly sent: DeliveryJob[] = [];
  private handler: ResultHandler = () => {};
  private readonly open = new Map<number, DeliveryJob>();

  setResultHandler(handler: ResultHandler): void {
    this.handler = handler;
  }
  send(job: DeliveryJob): void {
    this.sent.push(job);
    this.open.set(job.jobId, job);
  }
  async close(): Promise<void> {}

  /** Attempts sent and not yet answered, oldest first. */
  inFlight(): DeliveryJob[] {
    return [...this.open.values()];
  }
  answer(job: DeliveryJob, result: Partial<AttemptResult> & { status: number }): void {
    this.open.delete(job.jobId);
    this.handler(job.jobId, { headers: [], body: new Uint8Array(), durationMs: 1, ...result });
  }
  /** Answers the only attempt in flight (fails the test when there is not exactly one). */
  answerOnly(result: Partial<AttemptResult> & { status: number }): DeliveryJob {
    const open = this.inFlight();
    if (open.length !== 1) throw new Error(`expected one attempt in flight, got ${open.length}`);
    this.answer(open[0]!, result);
    return open[0]!;
  }
}

export interface TestService {
  service: QStashService;
  clock: ManualClock;
  transport: FakeTransport;
  store: QStashStore;
}

export function createTestService(options: { limits?: Partial<QStashLimits>; store?: QStashStore; clock?: ManualClock; policy?: DestinationPolicy } = {}): TestService {
  const clock = options.clock ?? new ManualClock(1_700_000_000_000);
  const transport = new FakeTransport();
  const store = options.store ?? QStashStore.open(":memory:");
  const service = new QStashService({
    store,
    transport,
    clock,
    log: silentLogger,
    policy: options.policy ?? DestinationPolicy.allowAll(),
    limits: { ...defaultLimits, ...options.limits },
    configuredKeys: { current: "sig_current_key_for_tests", next: "sig_next_key_for_tests_00" },
    autoTick: false,
  });
  service.start();
  return { service, clock, transport, store };
}

/** Lower-case header list, as routes pass them. */
export function headers(record: Record<string, string> = {}): HeaderList {
  return Object.entries(record).map(([name, value]) => [name.toLowerCase(), value]);
}

export const body = (text: string) => new TextEncoder().encode(text);

export function jobHeader(job: DeliveryJob, name: string): string | undefined {
  return job.headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/** The states the event log holds for a message, oldest first. */
export function statesOf(service: QStashService, messageId: string): string[] {
  return service
    .listEvents({ messageId: [messageId] }, undefined, 1000)
    .events.map((event) => (event as { state: string }).state)
    .reverse();
}
