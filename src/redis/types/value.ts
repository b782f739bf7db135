// What every non-string value structure (hash, list, set, zset, stream, JSON) offers the
// generic commands: COPY clones it, MEMORY USAGE sizes it, OBJECT ENCODING names it. Strings
// are immutable binary strings and need none of this. Data types import nothing from the engine.

export interface StructuredValue {
  /** A deep copy that shares no mutable state (COPY, snapshots). */
  clone(): StructuredValue;
  /** Approximate bytes used, for MEMORY USAGE and INFO memory. */
  approxBytes(): number;
  /** The name Redis's OBJECT ENCODING would report for the same contents (e.g. listpack, hashtable). */
  encoding(): string;
}

/** A value whose members can expire on their own (hash fields with TTLs, Redis 7.4+). */
export interface ExpiringMembers {
  readonly size: number;
  /** A lower bound of the earliest member expiry instant; Infinity when no member has a TTL. */
  nextExpiryAtMs(): number;
  /** Deletes the members past their expiry (now > expiry) and returns their names. */
  removeExpired(nowMs: number): string[];
}
