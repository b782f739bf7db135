// Redis's active expiry cycle: a key (or hash field) with a TTL that nobody reads must still
// disappear. Each cycle walks the shards' volatile-key sets and member-expiry sets from where the
// previous cycle stopped; reading a key through the keyspace removes what has expired. A cycle
// stops when its time budget is spent (Redis: 25% of a 100 ms tick).

import type { Clock } from "../../util/clock.ts";
import { Keyspace, SHARD_COUNT } from "./keyspace.ts";

const KEYS_PER_CHECK = 20;

/** One family of per-shard key sets to sweep, with where each shard's walk stopped. */
interface Sweep {
  sets: Set<string>[];
  cursors: (Iterator<string> | undefined)[];
}

export class ActiveExpiry {
  private readonly sweeps: Sweep[];
  private nextShard = 0;

  constructor(
    private readonly keyspace: Keyspace,
    private readonly clock: Clock,
  ) {
    this.sweeps = [keyspace.volatileKeys, keyspace.memberExpiryKeys].map((sets) => ({ sets, cursors: new Array(SHARD_COUNT) }));
  }

  /** Runs one cycle; returns how many keys or members it found expired. `budgetMs` bounds the time spent. */
  cycle(budgetMs: number): number {
    const deadlineMs = this.clock.nowMs() + budgetMs;
    let expired = 0;
    for (let visitedShards = 0; visitedShards < SHARD_COUNT; visitedShards++) {
      const shard = this.nextShard;
      this.nextShard = (this.nextShard + 1) % SHARD_COUNT;
      for (const sweep of this.sweeps) expired += this.sweepShard(sweep, shard, deadlineMs);
      if (this.clock.nowMs() >= deadlineMs) break;
    }
    return expired;
  }

  private sweepShard(sweep: Sweep, shard: number, deadlineMs: number): number {
    const keys = sweep.sets[shard]!;
    let expired = 0;
    // Like Redis: keep sampling a shard while more than a quarter of a sample had expired.
    while (keys.size > 0) {
      let cursor = sweep.cursors[shard] ?? keys.values();
      let checked = 0;
      let found = 0;
      let wrapped = false;
      while (checked < KEYS_PER_CHECK) {
        const step = cursor.next();
        if (step.done) {
          cursor = keys.values();
          wrapped = true;
          break;
        }
        checked++;
        const changesBefore = this.keyspace.expiryCount;
        this.keyspace.get(step.value);
        if (this.keyspace.expiryCount !== changesBefore) found++;
      }
      sweep.cursors[shard] = cursor;
      expired += found;
      if (wrapped || found * 4 <= checked || this.clock.nowMs() >= deadlineMs) break;
    }
    return expired;
  }
}
