// One Redis database: its keyspace, its change-log position and the sink that receives its
// writes. A node hosts many; the token on a request picks one. The LSN is the
// `upstash-sync-token` (spec/redis-rest.md §5.3): it moves after every write, never backwards.

import type { Clock } from "../../util/clock.ts";
import type { Random } from "../../util/random.ts";
import { ActiveExpiry } from "./active-expiry.ts";
import type { ChangeSink } from "./change-log.ts";
import { Keyspace } from "./keyspace.ts";

export class Database {
  readonly keyspace: Keyspace;
  readonly activeExpiry: ActiveExpiry;
  /** LSN of the last journaled write. */
  lsn = 0;

  constructor(
    readonly name: string,
    readonly clock: Clock,
    readonly random: Random,
    private readonly sink: ChangeSink,
  ) {
    // An expired key is deleted where it is found, and the deletion is journaled like a DEL,
    // as Redis propagates expiries, so replay never depends on the clock.
    this.keyspace = new Keyspace(
      clock,
      (key) => this.journal(["DEL", key]),
      (command) => this.journal(command),
    );
    this.activeExpiry = new ActiveExpiry(this.keyspace, clock);
  }

  journal(argv: string[]): number {
    this.lsn++;
    this.sink.append({ database: this.name, lsn: this.lsn, argv });
    return this.lsn;
  }
}
