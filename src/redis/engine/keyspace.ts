// One database's keys. Keys live in a hash table (key-table.ts) that also lists each slot's keys
// (slot = CRC16 of the key, see slot.ts); slots group into shards, the unit of active expiry.
//
// Invariants:
// - a key is in the table once, listed under its slot; `size` counts them all;
// - `expiresAtMs` is 0 for a persistent key, else an absolute instant; every key with a TTL is
//   in its shard's `volatileKeys` set and no other key is;
// - a key is logically gone once `now > expiresAtMs` (Redis's rule). Reads delete such keys lazily
//   and report the deletion through `onExpired`, so the change log records it like Redis does;
// - members can expire too (hash fields): reads remove expired members the same way, report them
//   through `onMembersExpired` as the command that deletes them, and delete a key left empty.
//   Keys holding such members are in their shard's `memberExpiryKeys` for the active cycle.
// SCAN cursors are slot numbers: a call walks whole slots, so every key present for the whole
// scan is returned exactly once, whatever is added or removed meanwhile.

import type { Clock } from "../../util/clock.ts";
import type { ExpiringMembers } from "../types/value.ts";
import { errors } from "./errors.ts";
import { KeyTable } from "./key-table.ts";
import { SLOT_COUNT, keySlot } from "./slot.ts";

/**
 * The types the engine holds, named as TYPE reports them. A data type joins by adding its name
 * here and its codec to src/storage/codecs.ts (the compiler then insists on the codec).
 */
export const redisTypes = ["string", "hash", "list", "set", "zset", "ReJSON-RL", "stream"] as const;
export type RedisType = (typeof redisTypes)[number];

export interface Entry {
  type: RedisType;
  /** The type's own structure (a binary string for "string"); see src/redis/types. */
  value: any;
  expiresAtMs: number;
  /**
   * Strings only: the encoding Redis would report where it differs from what SET gives the same
   * bytes (see stringEncoding in commands/string.ts). Never persisted: a reload re-encodes.
   */
  stringEncoding?: "embstr" | "raw";
  /**
   * The snapshot that has already taken this key's state (storage/snapshot.ts), 0 for none: it
   * looks here first when the key is about to change. A fresh entry replacing a key's old one
   * keeps the mark, so a snapshot never takes a key twice. (A fourth field costs no memory: JSC
   * rounds an object of three up to the same size.)
   */
  snapshotEpoch: number;
}

export const SHARD_COUNT = 16;
const shardOf = (slot: number) => slot >> 10; // 16384 slots / 16 shards = 1024 slots each

/** Types whose members can expire, and the command that deletes members, for the change log. */
const memberDeleteCommand: Partial<Record<RedisType, string>> = { hash: "HDEL" };

export class Keyspace {
  private readonly table = new KeyTable();
  readonly volatileKeys: Set<string>[] = Array.from({ length: SHARD_COUNT }, () => new Set());
  readonly memberExpiryKeys: Set<string>[] = Array.from({ length: SHARD_COUNT }, () => new Set());
  /** How many lazy or active expiries (of keys or members) happened so far. */
  expiryCount = 0;
  // The last key found and its entry: a command reads then writes its key, and a pipeline or a
  // script repeats keys, so comparing a short string saves hashing the request's fresh one for a
  // table lookup. A set remembers the key's new entry; load, delete and clear forget it.
  private recentKey = "";
  private recentEntry: Entry | undefined;

  constructor(
    readonly clock: Clock,
    private readonly onExpired: (key: string) => void = () => {},
    private readonly onMembersExpired: (command: string[]) => void = () => {},
  ) {}

  get size(): number {
    return this.table.size;
  }

  /** Keys with a TTL, expired-but-not-yet-deleted ones included (INFO keyspace's `expires`). */
  get volatileCount(): number {
    let total = 0;
    for (const shard of this.volatileKeys) total += shard.size;
    return total;
  }

  /** The live entry of a key, deleting it first if it has expired. */
  get(key: string): Entry | undefined {
    let entry = this.recentEntry;
    if (entry === undefined || key !== this.recentKey) {
      entry = this.table.get(key, keySlot(key));
      if (entry === undefined) return undefined;
      this.recentKey = key;
      this.recentEntry = entry;
    }
    if (entry.expiresAtMs !== 0 && this.clock.nowMs() > entry.expiresAtMs) {
      this.delete(key);
      this.expiryCount++;
      this.onExpired(key);
      return undefined;
    }
    if (memberDeleteCommand[entry.type] !== undefined) {
      // Infinity (no member has a TTL) is the common case: it needs no clock read.
      const nextExpiryAtMs = (entry.value as ExpiringMembers).nextExpiryAtMs();
      if (nextExpiryAtMs !== Infinity && nextExpiryAtMs < this.clock.nowMs()) return this.removeExpiredMembers(key, entry);
    }
    return entry;
  }

  /** Registers a key whose value now has members with TTLs, for the active expiry cycle. */
  trackMemberExpiry(key: string): void {
    this.memberExpiryKeys[shardOf(keySlot(key))]!.add(key);
  }

  private removeExpiredMembers(key: string, entry: Entry): Entry | undefined {
    const value = entry.value as ExpiringMembers;
    const removed = value.removeExpired(this.clock.nowMs());
    if (removed.length > 0) {
      this.expiryCount++;
      this.onMembersExpired([memberDeleteCommand[entry.type]!, key, ...removed]);
    }
    if (value.size === 0) {
      this.delete(key);
      return undefined;
    }
    if (value.nextExpiryAtMs() === Infinity) this.memberExpiryKeys[shardOf(keySlot(key))]!.delete(key);
    return entry;
  }

  /** The live entry when it has `type`; WRONGTYPE when another type holds the key. */
  getTyped(key: string, type: RedisType): Entry | undefined {
    const entry = this.get(key);
    if (entry !== undefined && entry.type !== type) throw errors.wrongType();
    return entry;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Stores a key's value, replacing any old one and its TTL unless one is given. A string over a
   * string is written into the key's entry (no caller keeps reading the old value through it): on a
   * large keyspace the entry is old to the garbage collector, and a changed small object is cheaper
   * for it to rescan than the table's entries array a fresh entry is stored into. Every other write
   * stores a fresh entry.
   */
  set(key: string, type: RedisType, value: unknown, expiresAtMs = 0): Entry {
    const slot = keySlot(key);
    const old = key === this.recentKey && this.recentEntry !== undefined ? this.recentEntry : this.table.get(key, slot);
    if (old !== undefined && old.type === "string" && type === "string") return this.rewriteString(key, slot, old, value, expiresAtMs);
    if (old !== undefined) {
      if (old.expiresAtMs !== 0 && expiresAtMs === 0) this.volatileKeys[shardOf(slot)]!.delete(key);
      // Only a type whose members can expire is ever tracked for it.
      if (memberDeleteCommand[old.type] !== undefined) this.memberExpiryKeys[shardOf(slot)]!.delete(key);
    }
    const entry: Entry = { type, value, expiresAtMs, snapshotEpoch: old === undefined ? 0 : old.snapshotEpoch };
    this.table.set(key, slot, entry);
    this.recentKey = key;
    this.recentEntry = entry;
    // A key that had a TTL is tracked already (an INCR keeps it, as each rate-limit call does).
    if (expiresAtMs !== 0 && (old === undefined || old.expiresAtMs === 0)) this.volatileKeys[shardOf(slot)]!.add(key);
    return entry;
  }

  private rewriteString(key: string, slot: number, entry: Entry, value: unknown, expiresAtMs: number): Entry {
    const wasVolatile = entry.expiresAtMs !== 0;
    entry.value = value;
    entry.expiresAtMs = expiresAtMs;
    // As a fresh entry has it: the encoding follows from the new value.
    if (entry.stringEncoding !== undefined) entry.stringEncoding = undefined;
    this.recentKey = key;
    this.recentEntry = entry;
    if (wasVolatile !== (expiresAtMs !== 0)) {
      const volatileKeys = this.volatileKeys[shardOf(slot)]!;
      if (wasVolatile) volatileKeys.delete(key);
      else volatileKeys.add(key);
    }
    return entry;
  }

  /** Makes room for `count` keys in all before recovery loads them (see KeyTable.reserve). */
  reserve(count: number): void {
    this.table.reserve(count);
  }

  /**
   * Recovery's insert (snapshot loading): adds a key with a fresh entry, without the bookkeeping
   * set() does for a key it replaces and without telling any observer. False, with the key
   * replaced, when the key was there already: a snapshot holds each key once.
   */
  load(key: string, type: RedisType, value: unknown, expiresAtMs: number): boolean {
    const slot = keySlot(key);
    const replaced = this.table.set(key, slot, { type, value, expiresAtMs, snapshotEpoch: 0 });
    this.recentEntry = undefined;
    if (expiresAtMs !== 0) this.volatileKeys[shardOf(slot)]!.add(key);
    return replaced === undefined;
  }

  delete(key: string): boolean {
    const slot = keySlot(key);
    const entry = this.table.delete(key, slot);
    if (entry === undefined) return false;
    this.recentEntry = undefined;
    if (entry.expiresAtMs !== 0) this.volatileKeys[shardOf(slot)]!.delete(key);
    this.memberExpiryKeys[shardOf(slot)]!.delete(key);
    return true;
  }

  /** Sets (or with 0 clears) the absolute expiry of an existing key. */
  setExpiry(key: string, entry: Entry, expiresAtMs: number): void {
    const wasVolatile = entry.expiresAtMs !== 0;
    entry.expiresAtMs = expiresAtMs;
    // A key whose TTL only moves is tracked already (a token bucket's PEXPIRE on every call).
    if (wasVolatile === (expiresAtMs !== 0)) return;
    const shard = this.volatileKeys[shardOf(keySlot(key))]!;
    if (expiresAtMs === 0) shard.delete(key);
    else shard.add(key);
  }

  clear(): void {
    this.table.clear();
    this.recentEntry = undefined;
    for (const shard of this.volatileKeys) shard.clear();
    for (const shard of this.memberExpiryKeys) shard.clear();
  }

  isExpired(entry: Entry): boolean {
    return entry.expiresAtMs !== 0 && this.clock.nowMs() > entry.expiresAtMs;
  }

  /** Every live key (KEYS). Expired keys found on the way are deleted. */
  *keys(): Generator<string> {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      for (const key of this.table.slotKeys(slot)) if (this.get(key) !== undefined) yield key;
    }
  }

  /**
   * Visits whole slots from `cursor` until at least `count` keys were offered; returns the next
   * cursor, 0 when the walk is complete.
   */
  scan(cursor: number, count: number, visit: (key: string, entry: Entry) => void): number {
    let offered = 0;
    let slot = cursor;
    while (slot < SLOT_COUNT && offered < count) {
      for (const key of this.table.slotKeys(slot++)) {
        const entry = this.get(key);
        if (entry === undefined) continue;
        visit(key, entry);
        offered++;
      }
    }
    return slot >= SLOT_COUNT ? 0 : slot;
  }

  /** A random live key, or null when the keyspace is empty. */
  randomKey(draw: (n: number) => number): string | null {
    // Bounded retries mirror Redis: a keyspace full of expired keys may yield nothing.
    for (let attempt = 0; attempt < 100 && this.size > 0; attempt++) {
      const key = this.table.keyAt(draw(this.size));
      if (this.get(key) !== undefined) return key;
    }
    return null;
  }
}
