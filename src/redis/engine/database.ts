// One Redis database: its keyspace, its change-log position and the sink that receives its
// writes. A node hosts many; the token on a request picks one. The LSN is the
// `upstash-sync-token` (spec/redis-rest.md §5.3): it moves after every write, never backwards,
// and continues across restarts (persistence sets it from the stored log).
// Persistence plugs in through two hooks here: `persistence` (refuse writes it cannot store,
// hold replies until their entries are committed, SAVE/INFO) and `keyspace.observer`, told
// before any key changes while a snapshot runs (copy-before-write, src/storage/snapshot.ts).

import { CommandClock, type Clock } from "../../util/clock.ts";
import type { Random } from "../../util/random.ts";
import { ActiveExpiry } from "./active-expiry.ts";
import type { ChangeSink } from "./change-log.ts";
import { commandKeys, type CommandSpec } from "./command.ts";
import { Keyspace, type Entry, type RedisType } from "./keyspace.ts";

/** What the engine asks of the durable store of a database (implemented in src/storage). */
export interface Persistence {
  /** Throws the MISCONF error while the change log cannot be written: writes are refused. */
  checkWritable(): void;
  /**
   * Settles once the change-log entries journaled so far are committed; undefined when nothing
   * waits. `wrote` says whether the caller's own request journaled something.
   */
  pendingCommit(wrote: boolean): Promise<void> | undefined;
  /**
   * A script suspended between time slices wrote the entries after `lsn`: they stay uncommitted,
   * and no snapshot starts, until `resumeCommits`. A crash then keeps all of the script or none
   * of it, as Redis, which writes a script's effects to its AOF once the script has ended.
   */
  deferCommitsAfter(lsn: number): void;
  resumeCommits(): void;
  /** SAVE: a snapshot taken now, synchronously. */
  save(): void;
  /** BGSAVE: starts a background snapshot; "scheduled" when one runs and `schedule` was asked. */
  backgroundSave(schedule: boolean): "started" | "scheduled";
  /** Instant of the last successful snapshot (or of the start, before any), for LASTSAVE. */
  lastSaveAtMs(): number;
  /** The fields of INFO persistence. */
  info(): [string, string | number][];
}

/**
 * Told before a key changes, while a snapshot runs: the snapshot takes the key's state first
 * unless it has written or taken it already.
 */
export interface KeyChangeObserver {
  beforeKeyChange(key: string): void;
  /** Every key is about to go (FLUSHALL): the snapshot must take everything first. */
  beforeClear(): void;
}

/**
 * The keyspace as persistence needs it: every whole-key change (set, delete, expiry change,
 * clear) is announced to the observer first, whatever command or expiry caused it; and the
 * snapshot reads slots raw, without lazy expiry (which would journal deletions).
 */
export class ObservedKeyspace extends Keyspace {
  observer: KeyChangeObserver | undefined;

  override set(key: string, type: RedisType, value: unknown, expiresAtMs = 0): Entry {
    this.observer?.beforeKeyChange(key);
    return super.set(key, type, value, expiresAtMs);
  }

  override delete(key: string): boolean {
    this.observer?.beforeKeyChange(key);
    return super.delete(key);
  }

  override setExpiry(key: string, entry: Entry, expiresAtMs: number): void {
    this.observer?.beforeKeyChange(key);
    super.setExpiry(key, entry, expiresAtMs);
  }

  override clear(): void {
    this.observer?.beforeClear();
    super.clear();
  }

  /** The raw keys and entries of one slot (expired ones included). */
  slotEntries(slot: number): readonly [string, Entry][] {
    // Bracket access reads Keyspace's private table: the one reader that must not expire keys.
    return this["table"].slotEntries(slot);
  }

  /** A key's raw entry, expired or not, without side effects. */
  peek(key: string, slot: number): Entry | undefined {
    return this["table"].get(key, slot);
  }
}

export class Database {
  readonly keyspace: ObservedKeyspace;
  readonly activeExpiry: ActiveExpiry;
  /** LSN of the last journaled write. */
  lsn = 0;
  /** Set once the database's durable store is attached (never in unit-test engines). */
  persistence: Persistence | undefined;
  /**
   * State kept outside the keyspace (function libraries) lives in the change log alone. A
   * snapshot at LSN L lets the log up to L be dropped, so when one starts these hooks journal that
   * state again, after L, where the truncation cannot reach it.
   */
  readonly snapshotStartHooks: (() => void)[] = [];

  /** The keyspace's time: frozen while a script or transaction runs (scripting, /multi-exec). */
  readonly expiryClock: CommandClock;

  constructor(
    readonly name: string,
    readonly clock: Clock,
    readonly random: Random,
    private readonly sink: ChangeSink,
  ) {
    this.expiryClock = new CommandClock(clock);
    // An expired key is deleted where it is found, and the deletion is journaled like a DEL,
    // as Redis propagates expiries, so replay never depends on the clock.
    this.keyspace = new ObservedKeyspace(
      this.expiryClock,
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

  /** True when writes must pass through beforeWrite: a durable store or a running snapshot. */
  get guardsWrites(): boolean {
    return this.persistence !== undefined || this.keyspace.observer !== undefined;
  }

  /**
   * Called by the dispatcher before a write command runs (when guardsWrites):
   * refuses it when the change log cannot be written, and lets a running snapshot take the keys
   * the command names before they change. Values changed in place (HSET on an existing hash) are
   * only seen here, which is why the keyspace-level observer alone is not enough.
   */
  beforeWrite(spec: CommandSpec, argv: string[]): void {
    this.persistence?.checkWritable();
    const observer = this.keyspace.observer;
    if (observer !== undefined) for (const key of commandKeys(spec, argv)) observer.beforeKeyChange(key);
  }

  /** See Persistence.pendingCommit; undefined without persistence. */
  pendingCommit(wrote: boolean): Promise<void> | undefined {
    return this.persistence?.pendingCommit(wrote);
  }

  /** See Persistence.deferCommitsAfter. */
  deferCommitsAfter(lsn: number): void {
    this.persistence?.deferCommitsAfter(lsn);
  }

  resumeCommits(): void {
    this.persistence?.resumeCommits();
  }
}
