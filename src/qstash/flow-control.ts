// Flow control (spec/qstash.md §2.8): limits per key across URLs. `parallelism` caps attempts in
// flight, `rate` caps attempts started per `period`. Messages over a limit wait in the key's
// FIFO waitlist. The newest message's settings update the key unless the key is pinned; a paused
// key starts nothing (its waitlist keeps growing, its rate period keeps running). Pure in-memory
// bookkeeping with time passed in; the service persists settings and drives the waitlists.

import type { Message } from "./messages.ts";
import type { FlowControlSettings } from "./publish-request.ts";

export interface FlowControlConfig {
  key: string;
  /** Undefined: no limit. */
  parallelism?: number;
  rate?: number;
  periodS: number;
  paused: boolean;
  pinnedParallelism: boolean;
  pinnedRate: boolean;
}

const DEFAULT_PERIOD_S = 1;

export class FlowControlKey {
  inFlight = 0;
  rateCount = 0;
  ratePeriodStartMs = 0;
  private waitlist: Message[] = [];
  private waitlistHead = 0;

  constructor(public config: FlowControlConfig) {}

  /** Whether one more attempt may start now; rolls the rate period when it has ended. */
  canStart(nowMs: number): boolean {
    if (this.config.paused) return false;
    if (this.config.parallelism !== undefined && this.inFlight >= this.config.parallelism) return false;
    if (this.config.rate !== undefined) {
      if (nowMs - this.ratePeriodStartMs >= this.config.periodS * 1000) {
        this.ratePeriodStartMs = nowMs;
        this.rateCount = 0;
      }
      if (this.rateCount >= this.config.rate) return false;
    }
    return true;
  }

  start(): void {
    this.inFlight++;
    this.rateCount++;
  }

  finish(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** When a rate-blocked waitlist may move again; undefined when time will not unblock it. */
  wakeAtMs(): number | undefined {
    if (this.config.paused || this.waitlistSize() === 0 || this.config.rate === undefined) return undefined;
    if (this.rateCount < this.config.rate) return undefined;
    return this.ratePeriodStartMs + this.config.periodS * 1000;
  }

  wait(message: Message): void {
    this.waitlist.push(message);
  }

  /** The first waiting message that `isStartable` accepts (cancelled ones are dropped). */
  nextWaiting(isStartable: (message: Message) => boolean): Message | undefined {
    while (this.waitlistHead < this.waitlist.length) {
      const message = this.waitlist[this.waitlistHead]!;
      if (isStartable(message)) return message;
      this.waitlistHead++;
    }
    this.compact();
    return undefined;
  }

  /** Removes the message nextWaiting returned. */
  shiftWaiting(): void {
    this.waitlistHead++;
    this.compact();
  }

  waitlistSize(): number {
    return this.waitlist.length - this.waitlistHead;
  }

  private compact(): void {
    if (this.waitlistHead > 1024 && this.waitlistHead * 2 > this.waitlist.length) {
      this.waitlist = this.waitlist.slice(this.waitlistHead);
      this.waitlistHead = 0;
    }
    if (this.waitlistHead === this.waitlist.length) {
      this.waitlist = [];
      this.waitlistHead = 0;
    }
  }

  /** A message's settings update the key, except the pinned parts. Returns whether anything changed. */
  applyMessageSettings(settings: FlowControlSettings): boolean {
    const before = JSON.stringify(this.config);
    if (!this.config.pinnedParallelism) this.config.parallelism = settings.parallelism;
    if (!this.config.pinnedRate) {
      this.config.rate = settings.rate;
      this.config.periodS = settings.periodS ?? DEFAULT_PERIOD_S;
    }
    return JSON.stringify(this.config) !== before;
  }

  /** `POST .../pin`: fixes the given parts; pinning also resets the rate state. */
  pin(options: { parallelism?: number; rate?: number; periodS?: number }, nowMs: number): void {
    if (options.parallelism !== undefined) {
      this.config.parallelism = options.parallelism;
      this.config.pinnedParallelism = true;
    }
    if (options.rate !== undefined || options.periodS !== undefined) {
      if (options.rate !== undefined) this.config.rate = options.rate;
      if (options.periodS !== undefined) this.config.periodS = options.periodS;
      this.config.pinnedRate = true;
    }
    this.resetRate(nowMs);
  }

  unpin(options: { parallelism: boolean; rate: boolean }): void {
    if (options.parallelism) this.config.pinnedParallelism = false;
    if (options.rate) this.config.pinnedRate = false;
  }

  /** Ends the current rate period now: the count restarts at zero. */
  resetRate(nowMs: number): void {
    this.rateCount = 0;
    this.ratePeriodStartMs = nowMs;
  }

  view(nowMs: number): Record<string, unknown> {
    const periodMs = this.config.periodS * 1000;
    const periodOver = nowMs - this.ratePeriodStartMs >= periodMs;
    return {
      flowControlKey: this.config.key,
      waitListSize: this.waitlistSize(),
      parallelismMax: this.config.parallelism ?? 0,
      parallelismCount: this.inFlight,
      rateMax: this.config.rate ?? 0,
      rateCount: periodOver ? 0 : this.rateCount,
      ratePeriod: this.config.periodS,
      ratePeriodStart: Math.floor((periodOver ? nowMs : this.ratePeriodStartMs) / 1000),
      isPaused: this.config.paused,
      isPinnedParallelism: this.config.pinnedParallelism,
      isPinnedRate: this.config.pinnedRate,
    };
  }
}

export class FlowControlRegistry {
  private readonly keys = new Map<string, FlowControlKey>();

  get(key: string): FlowControlKey | undefined {
    return this.keys.get(key);
  }

  ensure(key: string): FlowControlKey {
    let entry = this.keys.get(key);
    if (entry === undefined) {
      entry = new FlowControlKey({ key, periodS: DEFAULT_PERIOD_S, paused: false, pinnedParallelism: false, pinnedRate: false });
      this.keys.set(key, entry);
    }
    return entry;
  }

  restore(config: FlowControlConfig): void {
    this.keys.set(config.key, new FlowControlKey(config));
  }

  all(): FlowControlKey[] {
    return [...this.keys.values()];
  }
}
