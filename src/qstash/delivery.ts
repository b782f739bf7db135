// Delivery transport: a pool of worker threads that make the HTTP attempts, so the main thread
// keeps serving the API while thousands of requests are out. The main thread decides what to
// send (it owns the state machine; the store's writer thread records it); a worker signs, makes
// one fetch bounded by the attempt timeout, and posts the result back (delivery-worker.ts). Workers
// run below the main thread's OS priority, so the API comes first when CPUs are short. Jobs and
// results travel in per-turn batches, since each postMessage has a fixed cost. A worker that dies
// fails its outstanding attempts (they are retried like any failure) and is replaced; when
// workers cannot start at all (a build without the worker entry point), attempts are made on the
// main thread instead, so messages are still delivered.

import type { Logger } from "../util/log.ts";
import { attempt, Signers } from "./attempt.ts";
import { DestinationPolicy, type DestinationRules } from "./destinations.ts";
import type { AttemptResult } from "./outcome.ts";

export interface DeliveryJob {
  jobId: number;
  url: string;
  method: string;
  headers: [string, string][];
  body: Uint8Array | null;
  timeoutMs: number;
  signingKey: string;
  /** The instant the signature's iat/nbf state, from the service's clock. */
  signedAtMs: number;
  responseBytesMax: number;
}

export type ResultHandler = (jobId: number, result: AttemptResult) => void;

/** Where attempts go: the worker pool, or a fake in unit tests. */
export interface DeliveryTransport {
  setResultHandler(handler: ResultHandler): void;
  send(job: DeliveryJob): void;
  /** Waits up to graceMs for outstanding attempts, then stops. */
  close(graceMs: number): Promise<void>;
}

type WorkerMessage = { type: "ready" } | { type: "results"; results: { jobId: number; result: AttemptResult }[] };

interface PooledWorker {
  worker: Worker;
  ready: boolean;
  outstanding: Map<number, DeliveryJob>;
  batch: DeliveryJob[];
}

/** Where the worker entry point is: beside this file, or in a compiled binary's embedded files. */
function workerUrl(): string {
  // `bun build --compile` with src/qstash/delivery-worker.ts as a second entry point embeds it
  // under the entry points' common directory (src/).
  if (import.meta.url.includes("/$bunfs/")) return "/$bunfs/root/qstash/delivery-worker.ts";
  return new URL("./delivery-worker.ts", import.meta.url).href;
}

/** Replacements for crashed workers are capped, so a worker that crashes at once cannot spin. */
const RESPAWNS_MAX = 20;
const RESULTS_PER_TURN = 64;

export class WorkerPool implements DeliveryTransport {
  private workers: PooledWorker[] = [];
  private handler: ResultHandler = () => {};
  private closing = false;
  private respawns = 0;
  private idleWaiters: (() => void)[] = [];
  private postScheduled = false;
  private received: { jobId: number; result: AttemptResult }[] = [];
  private drainScheduled = false;
  /** Set when workers cannot run: attempts are then made on this thread. */
  private inProcess: { policy: DestinationPolicy; signers: Signers; outstanding: Set<number> } | undefined;

  constructor(
    size: number,
    private readonly rules: DestinationRules,
    private readonly log: Logger,
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  private spawn(): PooledWorker {
    const worker = new Worker(workerUrl());
    const pooled: PooledWorker = { worker, ready: false, outstanding: new Map(), batch: [] };
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      if (event.data.type === "ready") {
        pooled.ready = true;
        return;
      }
      for (const { jobId, result } of event.data.results) {
        if (pooled.outstanding.delete(jobId)) this.received.push({ jobId, result });
      }
      this.drainReceived();
    };
    worker.onerror = (event) => this.onWorkerError(pooled, String((event as ErrorEvent).message ?? event));
    worker.postMessage({ type: "init", rules: this.rules });
    // Idle workers must not keep the process alive on their own.
    worker.unref();
    return pooled;
  }

  private onWorkerError(pooled: PooledWorker, error: string): void {
    const index = this.workers.indexOf(pooled);
    if (index === -1) return;
    pooled.worker.terminate();
    this.workers.splice(index, 1);
    const unsent = [...pooled.outstanding.values()];
    pooled.outstanding.clear();
    pooled.batch = [];
    if (!pooled.ready) {
      // It never loaded, so no worker will: deliver on this thread rather than not at all. Its
      // jobs never went out, so they are simply made here.
      if (this.inProcess === undefined) this.log.log("error", "qstash_workers_unavailable", { error });
      this.inProcess ??= { policy: new DestinationPolicy(this.rules), signers: new Signers(), outstanding: new Set() };
      for (const job of unsent) this.sendInProcess(job);
      return;
    } else {
      this.log.log("error", "qstash_worker_failed", { error });
      if (!this.closing && this.respawns++ < RESPAWNS_MAX) this.workers.push(this.spawn());
      else if (this.workers.length === 0 && this.inProcess === undefined) {
        this.inProcess = { policy: new DestinationPolicy(this.rules), signers: new Signers(), outstanding: new Set() };
      }
    }
    for (const { jobId } of unsent) this.handler(jobId, { status: 0, headers: [], body: new Uint8Array(), error: `delivery worker failed: ${error}`, durationMs: 0 });
    this.notifyIfIdle();
  }

  /**
   * Results are handed over RESULTS_PER_TURN at a time, yielding between chunks, so a burst of
   * outcomes cannot hold the main thread away from the API requests waiting behind it.
   */
  private drainReceived(): void {
    if (this.drainScheduled) return;
    const chunk = this.received.splice(0, RESULTS_PER_TURN);
    for (const { jobId, result } of chunk) this.handler(jobId, result);
    if (this.received.length > 0) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.drainReceived();
      });
    } else this.notifyIfIdle();
  }

  setResultHandler(handler: ResultHandler): void {
    this.handler = handler;
  }

  send(job: DeliveryJob): void {
    if (this.workers.length === 0 || this.inProcess !== undefined) return this.sendInProcess(job);
    // The least busy worker: attempts differ wildly in duration.
    let chosen = this.workers[0]!;
    for (const pooled of this.workers) if (pooled.outstanding.size < chosen.outstanding.size) chosen = pooled;
    chosen.outstanding.set(job.jobId, job);
    chosen.batch.push(job);
    if (!this.postScheduled) {
      this.postScheduled = true;
      queueMicrotask(() => this.postBatches());
    }
  }

  private sendInProcess(job: DeliveryJob): void {
    const inProcess = (this.inProcess ??= { policy: new DestinationPolicy(this.rules), signers: new Signers(), outstanding: new Set() });
    inProcess.outstanding.add(job.jobId);
    void attempt(job, inProcess.policy, inProcess.signers).then((result) => {
      inProcess.outstanding.delete(job.jobId);
      this.handler(job.jobId, result);
      this.notifyIfIdle();
    });
  }

  private postBatches(): void {
    this.postScheduled = false;
    for (const pooled of this.workers) {
      if (pooled.batch.length === 0) continue;
      pooled.worker.postMessage({ type: "jobs", jobs: pooled.batch });
      pooled.batch = [];
    }
  }

  private outstandingCount(): number {
    let count = (this.inProcess?.outstanding.size ?? 0) + this.received.length;
    for (const pooled of this.workers) count += pooled.outstanding.size;
    return count;
  }

  private notifyIfIdle(): void {
    if (this.outstandingCount() > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async close(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.outstandingCount() > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    for (const pooled of this.workers) pooled.worker.terminate();
    this.workers = [];
  }
}
