// Redis's active expiry cycle: a key (or hash field) with a TTL that nobody reads must still
// disappear. Like Redis's activeExpireCycle for one database, each cycle samples KEYS_PER_CHECK
// keys with a TTL, and samples again while more than a tenth of a sample had expired, until its
// time budget is spent (Redis: 25% of a 100 ms tick). The keys are sampled along the shards'
// volatile-key sets (and member-expiry sets) from where the previous cycle stopped, skipping
// empty shards; reading a key through the keyspace removes what has expired.

import type { Clock } from "../../util/clock.ts";
import { Keyspace, SHARD_COUNT } from "./keyspace.ts";

const KEYS_PER_CHECK = 20;
/** Redis's ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE at the default effort: sample again above 10% expired. */
const ACCEPTABLE_STALE_PERCENT = 10;

/** One family of per-shard key sets to sweep, with the shard the walk is in and where it stopped in each. */
interface Sweep {
  sets: Set<string>[];
  shard: number;
  cursors: (Iterator<string> | undefined)[];
}

export class ActiveExpiry {
  private readonly sweeps: Sweep[];

  constructor(
    private readonly keyspace: Keyspace,
    private readonly clock: Clock,
  ) {
    this.sweeps = [keyspace.volatileKeys, keyspace.memberExpiryKeys].map((sets) => ({ sets, shard: 0, cursors: new Array(SHARD_COUNT) }));
  }

  /** Runs one cycle; returns how many keys or members it found expired. `budgetMs` bounds the time spent. */
  cycle(budgetMs: number): number {
    const deadlineMs = this.clock.nowMs() + budgetMs;
    let expired = 0;
    for (const sweep of this.sweeps) {
      for (;;) {
        const { checked, found } = this.sample(sweep);
        expired += found;
        if (found * 100 <= checked * ACCEPTABLE_STALE_PERCENT || this.clock.nowMs() >= deadlineMs) break;
      }
    }
    return expired;
  }

  /** Checks up to KEYS_PER_CHECK keys from where the sweep stopped, going on through the shards in turn (each at most once). */
  private sample(sweep: Sweep): { checked: number; found: number } {
    let checked = 0;
    let found = 0;
    for (let shardsLeft = SHARD_COUNT; checked < KEYS_PER_CHECK; ) {
      const keys = sweep.sets[sweep.shard]!;
      const cursor = sweep.cursors[sweep.shard] ?? keys.values();
      const step = cursor.next();
      if (step.done) {
        // This shard's walk is over: the next one's, unless every shard has been walked to its end now.
        sweep.cursors[sweep.shard] = undefined;
        sweep.shard = (sweep.shard + 1) % SHARD_COUNT;
        if (--shardsLeft === 0) break;
        continue;
      }
      sweep.cursors[sweep.shard] = cursor;
      checked++;
      const changesBefore = this.keyspace.expiryCount;
      this.keyspace.get(step.value);
      if (this.keyspace.expiryCount !== changesBefore) found++;
    }
    return { checked, found };
  }
}
