// Redis's active expiry cycle: a key with a TTL that nobody reads must still disappear. Each
// cycle walks the shards' volatile-key sets from where the previous cycle stopped, removing
// expired keys, and stops when its time budget is spent (Redis: 25% of a 100 ms tick).

import type { Clock } from "../../util/clock.ts";
import { Keyspace, SHARD_COUNT } from "./keyspace.ts";

const KEYS_PER_CHECK = 20;

export class ActiveExpiry {
  private readonly cursors: (Iterator<string> | undefined)[] = new Array(SHARD_COUNT);
  private nextShard = 0;

  constructor(
    private readonly keyspace: Keyspace,
    private readonly clock: Clock,
  ) {}

  /** Runs one cycle; returns how many keys it expired. `budgetMs` bounds the time spent. */
  cycle(budgetMs: number): number {
    const deadlineMs = this.clock.nowMs() + budgetMs;
    let expired = 0;
    for (let visitedShards = 0; visitedShards < SHARD_COUNT; visitedShards++) {
      const shard = this.nextShard;
      this.nextShard = (this.nextShard + 1) % SHARD_COUNT;
      const keys = this.keyspace.volatileKeys[shard]!;
      if (keys.size === 0) continue;
      // Like Redis: keep sampling a shard while more than a quarter of a sample had expired.
      for (;;) {
        let cursor = this.cursors[shard] ?? keys.values();
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
          // Every key in a volatile set exists, so a miss means `get` just expired it.
          if (this.keyspace.get(step.value) === undefined) found++;
        }
        this.cursors[shard] = cursor;
        expired += found;
        if (wrapped || found * 4 <= checked || this.clock.nowMs() >= deadlineMs) break;
      }
      if (this.clock.nowMs() >= deadlineMs) break;
    }
    return expired;
  }
}
