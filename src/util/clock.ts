// Time as an injected dependency, so expiry, cron and retry logic can be tested without sleeping.
// All instants are integer milliseconds since the Unix epoch.

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that only moves when told to: for tests of expiry and scheduling. */
export class ManualClock implements Clock {
  constructor(private currentMs = 1_700_000_000_000) {}
  nowMs(): number {
    return this.currentMs;
  }
  advance(ms: number): void {
    this.currentMs += ms;
  }
  set(ms: number): void {
    this.currentMs = ms;
  }
}

/**
 * The time expiry is judged by: `clock`'s, except while frozen, when it stays at the instant it
 * froze. Redis judges expiry by a snapshot of the time taken when a command starts, and a script
 * or transaction is one command: a key cannot expire between two of its commands.
 */
export class CommandClock implements Clock {
  private frozenAtMs: number | undefined;
  private depth = 0;

  constructor(private readonly clock: Clock) {}

  nowMs(): number {
    return this.frozenAtMs ?? this.clock.nowMs();
  }

  /**
   * Holds the time until the matching thaw(); a freeze inside another keeps the outer instant.
   * Returns the time now (the instant held, for the outermost freeze): one clock read serves both.
   */
  freeze(): number {
    if (this.depth++ === 0) return (this.frozenAtMs = this.clock.nowMs());
    return this.clock.nowMs();
  }

  thaw(): void {
    if (--this.depth === 0) this.frozenAtMs = undefined;
  }

  /** `run`'s result, with the time held while it runs (a synchronous script or transaction). */
  frozenDuring<T>(run: () => T): T {
    this.freeze();
    try {
      return run();
    } finally {
      this.thaw();
    }
  }
}
