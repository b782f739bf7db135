// The stream structure (Redis 5+ streams): entries keyed by 128-bit ids, consumer groups, and
// their pending-entries lists. Knows nothing about commands or replies; callers pass the time.
//
// Design: entries live in nodes of at most 100 entries kept in a sorted array, exactly as Redis
// cuts its radix tree of listpacks: a node closes when it holds 100 entries (tombstones included)
// or its emulated listpack size plus the new entry's bytes reaches 4096. Mirroring the node
// boundaries byte for byte is what makes approximate trimming (`MAXLEN ~`, `MINID ~`, LIMIT) and
// XINFO's radix-tree counters answer like Redis. Seeking an id is a binary search over nodes then
// inside one node (O(log n)); appending touches only the last node (O(1)). Deleted entries stay
// in their node as tombstones, as in Redis, until the whole node goes.
// Ids are two unsigned 64-bit halves (ms, seq), each a plain number up to 2^53 - 1 and a bigint
// only above (see U64): real ids are milliseconds and small sequences, so ordering, formatting
// and listpack sizing stay in number arithmetic, while Redis's whole range stays exact.
// PELs are ordered id maps made of sorted chunks (O(log n) insert, delete and seek). Ties cannot
// happen: ids are unique.

import type { StructuredValue } from "./value.ts";

/**
 * An unsigned 64-bit integer in canonical form: a number when at most Number.MAX_SAFE_INTEGER,
 * else a bigint. One form per value, so `===` compares values; `<` and `>` are exact across forms.
 */
export type U64 = number | bigint;

export const U64_MAX = (1n << 64n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** The canonical U64 of a bigint in [0, 2^64). */
export const u64 = (value: bigint): U64 => (value <= SAFE_MAX ? Number(value) : value);

/** value + 1; the caller makes sure value < U64_MAX. */
export const u64Increment = (value: U64): U64 =>
  typeof value === "number" && value < Number.MAX_SAFE_INTEGER ? value + 1 : u64(BigInt(value) + 1n);

/** value - 1; the caller makes sure value > 0. */
export const u64Decrement = (value: U64): U64 => (typeof value === "number" ? value - 1 : u64(value - 1n));

/** A stream id; its halves are canonical U64s (build parsed values with `u64`). */
export class StreamId {
  constructor(
    readonly ms: U64,
    readonly seq: U64,
  ) {}
}

export const STREAM_ID_MIN = new StreamId(0, 0);
export const STREAM_ID_MAX = new StreamId(U64_MAX, U64_MAX);

/** Negative, zero or positive as a is before, equal to or after b. */
export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export const sameId = (a: StreamId, b: StreamId): boolean => a.ms === b.ms && a.seq === b.seq;
export const isMaxId = (id: StreamId): boolean => id.ms === U64_MAX && id.seq === U64_MAX;
export const isZeroId = (id: StreamId): boolean => id.ms === 0 && id.seq === 0;

/** The id right after `id`; the caller makes sure it is not the largest. */
export function idAfter(id: StreamId): StreamId {
  return id.seq === U64_MAX ? new StreamId(u64Increment(id.ms), 0) : new StreamId(id.ms, u64Increment(id.seq));
}

/** The id right before `id`; the caller makes sure it is not 0-0. */
export function idBefore(id: StreamId): StreamId {
  return id.seq === 0 ? new StreamId(u64Decrement(id.ms), U64_MAX) : new StreamId(id.ms, u64Decrement(id.seq));
}

// XADD formats the id of every entry it adds, and a snapshot writes every id, while thousands of
// ids share one millisecond: the millisecond's digits are made once.
let formattedMs: U64 = -1;
let formattedMsText = "";

/** The decimal digits of an id's millisecond part. */
export function streamIdMsText(ms: U64): string {
  if (ms !== formattedMs) {
    formattedMs = ms;
    formattedMsText = String(ms);
  }
  return formattedMsText;
}

export function formatStreamId(id: StreamId): string {
  return `${streamIdMsText(id.ms)}-${id.seq}`;
}

/** The id as one 128-bit integer, `ms << 64 | seq` (how snapshots store ids). */
export const streamIdToBigInt = (id: StreamId): bigint => (BigInt(id.ms) << 64n) | BigInt(id.seq);
export const streamIdFromBigInt = (value: bigint): StreamId => new StreamId(u64(value >> 64n), u64(value & U64_MAX));

/** Redis's defaults for stream-node-max-entries and stream-node-max-bytes. */
export const NODE_ENTRIES_MAX = 100;
export const NODE_BYTES_MAX = 4096;


// ---- listpack size emulation (listpack.c encodings) -----------------------------------------

const int64Pattern = /^(0|-?[1-9][0-9]{0,19})$/;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

// Sizes only: a value rounded beyond 2^53 lands in the same (9-byte) class as its exact self.
function integerEncodingBytes(value: number): number {
  if (value >= 0 && value <= 127) return 1;
  if (value >= -4096 && value <= 4095) return 2;
  if (value >= -32768 && value <= 32767) return 3;
  if (value >= -8388608 && value <= 8388607) return 4;
  if (value >= -2147483648 && value <= 2147483647) return 5;
  return 9;
}

// An element's encoding plus its back-length bytes.
function withBacklen(encodedBytes: number): number {
  const backlen = encodedBytes <= 127 ? 1 : encodedBytes < 16383 ? 2 : encodedBytes < 2097151 ? 3 : encodedBytes < 268435455 ? 4 : 5;
  return encodedBytes + backlen;
}

function integerElementBytes(value: number): number {
  return withBacklen(integerEncodingBytes(value));
}

/** Bytes a string takes in a listpack: strings that are canonical int64s are stored as integers. */
function stringElementBytes(text: string): number {
  if (text.length <= 20 && int64Pattern.test(text)) {
    const value = BigInt(text);
    if (value >= INT64_MIN && value <= INT64_MAX) return integerElementBytes(Number(value));
  }
  const header = text.length <= 63 ? 1 : text.length <= 4095 ? 2 : 5;
  return withBacklen(header + text.length);
}

// Ids inside a node are stored as int64 deltas from the node's master id (uint64 arithmetic,
// wrapping); two numbers below 2^53 cannot wrap, so only bigint halves need the exact path.
function deltaElementBytes(value: U64, base: U64): number {
  if (typeof value === "number" && typeof base === "number") return integerElementBytes(value - base);
  return integerElementBytes(Number(BigInt.asIntN(64, BigInt(value) - BigInt(base))));
}

// ---- entries and nodes --------------------------------------------------------------------

/**
 * A stream entry. Never changed once made (XDEL puts a tombstone in its place): copies of a
 * stream share them. An entry with its node's field names keeps only its values, a single value
 * as itself, as Redis's listpack stores such an entry: a stream of millions of entries is then the
 * id, the entry and the value strings, where a field array and the field-name strings were two more
 * objects an entry (XADD x100 growing a stream to 8 million entries, in process: 94 -> 82 us a
 * request, and a fifth less CPU for the garbage collector's threads).
 */
export class StreamEntry {
  private constructor(
    readonly id: StreamId,
    /** The node's field names when the entry has them (only the values are kept), else null. */
    readonly names: readonly string[] | null,
    /** With names: the value, or the values in order when there are several; else the flat fields. */
    private readonly data: string | readonly string[],
    readonly deleted: boolean,
  ) {}

  /** An entry of flat `fields` in a node whose field names are `masterFields`. */
  static of(id: StreamId, fields: readonly string[], masterFields: readonly string[], deleted = false): StreamEntry {
    if (!sameFieldNames(fields, masterFields)) return new StreamEntry(id, null, fields, deleted);
    if (fields.length === 2) return new StreamEntry(id, masterFields, fields[1]!, deleted);
    const values = new Array<string>(masterFields.length);
    for (let i = 0; i < values.length; i++) values[i] = fields[i * 2 + 1]!;
    return new StreamEntry(id, masterFields, values, deleted);
  }

  /** An entry with its node's field names `masterFields`, from its values (one for each name). */
  static ofValues(id: StreamId, masterFields: readonly string[], values: readonly string[], deleted: boolean): StreamEntry {
    return new StreamEntry(id, masterFields, values.length === 1 ? values[0]! : values, deleted);
  }

  /** Flat [field, value, field, value ...]. */
  get fields(): readonly string[] {
    const names = this.names;
    const data = this.data;
    if (names === null) return data as readonly string[];
    if (typeof data === "string") return [names[0]!, data];
    const fields = new Array<string>(names.length * 2);
    for (let i = 0; i < names.length; i++) {
      fields[i * 2] = names[i]!;
      fields[i * 2 + 1] = data[i]!;
    }
    return fields;
  }

  /** The value of the i-th field. */
  valueAt(index: number): string {
    const data = this.data;
    if (this.names === null) return data[index * 2 + 1]!;
    return typeof data === "string" ? data : data[index]!;
  }

  /** How many fields the entry has. */
  get fieldCount(): number {
    return this.names === null ? this.data.length / 2 : this.names.length;
  }

  /** The same entry as a tombstone. */
  tombstone(): StreamEntry {
    return new StreamEntry(this.id, this.names, this.data, true);
  }
}

/** One listpack of Redis's radix tree: entries in id order, tombstones included. */
export interface StreamNode {
  readonly masterId: StreamId;
  /** The field names of the node's first entry; entries with the same names are stored compressed. */
  readonly masterFields: readonly string[];
  readonly entries: StreamEntry[];
  /** Entries not deleted. */
  live: number;
  /** The emulated listpack size in bytes. */
  bytes: number;
}

/** Whether an entry has the node's field names, in order (Redis stores such an entry compressed). */
function sameFieldNames(fields: readonly string[], masterFields: readonly string[]): boolean {
  if (fields.length !== masterFields.length * 2) return false;
  for (let i = 0; i < masterFields.length; i++) if (fields[i * 2] !== masterFields[i]) return false;
  return true;
}

function newNode(id: StreamId, fields: string[]): StreamNode {
  const masterFields = fields.filter((_, i) => i % 2 === 0);
  let bytes = 7; // listpack header and terminator
  bytes += integerElementBytes(1) + integerElementBytes(0) + integerElementBytes(masterFields.length);
  for (const field of masterFields) bytes += stringElementBytes(field);
  bytes += integerElementBytes(0); // master entry terminator
  return { masterId: id, masterFields, entries: [], live: 0, bytes };
}

function entryBytes(node: StreamNode, entry: StreamEntry): number {
  const compressed = entry.names !== null;
  const pairs = entry.fieldCount;
  let bytes = integerElementBytes(compressed ? 2 : 0);
  bytes += deltaElementBytes(entry.id.ms, node.masterId.ms);
  bytes += deltaElementBytes(entry.id.seq, node.masterId.seq);
  if (compressed) {
    for (let i = 0; i < pairs; i++) bytes += stringElementBytes(entry.valueAt(i));
  } else {
    bytes += integerElementBytes(pairs);
    for (const text of entry.fields) bytes += stringElementBytes(text);
  }
  bytes += integerElementBytes(compressed ? pairs + 3 : pairs * 2 + 4);
  return bytes;
}

/** Leaves a tombstone in the entry's place (as Redis's listpack keeps a deleted flag). */
function markDeleted(node: StreamNode, position: number): void {
  const entry = node.entries[position]!;
  node.entries[position] = entry.tombstone();
  node.live--;
}

function pushEntry(node: StreamNode, entry: StreamEntry): void {
  node.bytes += entryBytes(node, entry);
  node.entries.push(entry);
  if (!entry.deleted) node.live++;
}

// First index in a sorted list whose key is >= target.
function lowerBound<T>(items: T[], target: StreamId, keyOf: (item: T) => StreamId): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compareIds(keyOf(items[mid]!), target) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

// First index in a sorted list whose key is > target.
function upperBound<T>(items: T[], target: StreamId, keyOf: (item: T) => StreamId): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compareIds(keyOf(items[mid]!), target) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

const entryKey = (entry: StreamEntry) => entry.id;
const nodeKey = (node: StreamNode) => node.masterId;
const itself = (id: StreamId) => id;

// ---- ordered id map (PELs) ----------------------------------------------------------------

const CHUNK_ENTRIES_MAX = 128;

interface IdChunk<V> {
  ids: StreamId[];
  values: V[];
}

/** A map from stream ids to values, iterated in id order: sorted chunks of at most 128 ids. */
export class IdMap<V> {
  private chunks: IdChunk<V>[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  // The chunk that holds `id` or would hold it.
  private chunkIndex(id: StreamId): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      const ids = this.chunks[mid]!.ids;
      if (compareIds(ids[ids.length - 1]!, id) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  get(id: StreamId): V | undefined {
    if (this.count === 0) return undefined;
    const chunk = this.chunks[this.chunkIndex(id)]!;
    const at = lowerBound(chunk.ids, id, itself);
    const found = chunk.ids[at];
    return found !== undefined && sameId(found, id) ? chunk.values[at] : undefined;
  }

  has(id: StreamId): boolean {
    return this.get(id) !== undefined;
  }

  /** Inserts or replaces; true when the id is new. */
  set(id: StreamId, value: V): boolean {
    if (this.count === 0) {
      this.chunks = [{ ids: [id], values: [value] }];
      this.count = 1;
      return true;
    }
    const index = this.chunkIndex(id);
    const chunk = this.chunks[index]!;
    const at = lowerBound(chunk.ids, id, itself);
    const found = chunk.ids[at];
    if (found !== undefined && sameId(found, id)) {
      chunk.values[at] = value;
      return false;
    }
    chunk.ids.splice(at, 0, id);
    chunk.values.splice(at, 0, value);
    this.count++;
    if (chunk.ids.length > CHUNK_ENTRIES_MAX) {
      const half = chunk.ids.length >> 1;
      this.chunks.splice(index + 1, 0, { ids: chunk.ids.splice(half), values: chunk.values.splice(half) });
    }
    return true;
  }

  delete(id: StreamId): V | undefined {
    if (this.count === 0) return undefined;
    const index = this.chunkIndex(id);
    const chunk = this.chunks[index]!;
    const at = lowerBound(chunk.ids, id, itself);
    const found = chunk.ids[at];
    if (found === undefined || !sameId(found, id)) return undefined;
    const value = chunk.values[at]!;
    chunk.ids.splice(at, 1);
    chunk.values.splice(at, 1);
    this.count--;
    if (chunk.ids.length === 0) this.chunks.splice(index, 1);
    return value;
  }

  first(): [StreamId, V] | undefined {
    const chunk = this.chunks[0];
    return chunk === undefined ? undefined : [chunk.ids[0]!, chunk.values[0]!];
  }

  last(): [StreamId, V] | undefined {
    const chunk = this.chunks[this.chunks.length - 1];
    return chunk === undefined ? undefined : [chunk.ids[chunk.ids.length - 1]!, chunk.values[chunk.values.length - 1]!];
  }

  /** The first entry whose id is >= `id`. */
  ceiling(id: StreamId): [StreamId, V] | undefined {
    if (this.count === 0) return undefined;
    let index = this.chunkIndex(id);
    let chunk = this.chunks[index]!;
    let at = lowerBound(chunk.ids, id, itself);
    if (at === chunk.ids.length) {
      chunk = this.chunks[++index]!;
      if (chunk === undefined) return undefined;
      at = 0;
    }
    return [chunk.ids[at]!, chunk.values[at]!];
  }

  /** Entries with id >= start, in id order. The map must not change while iterating. */
  *from(start: StreamId = STREAM_ID_MIN): Generator<[StreamId, V]> {
    if (this.count === 0) return;
    let index = this.chunkIndex(start);
    let at = lowerBound(this.chunks[index]!.ids, start, itself);
    for (; index < this.chunks.length; index++, at = 0) {
      const chunk = this.chunks[index]!;
      for (; at < chunk.ids.length; at++) yield [chunk.ids[at]!, chunk.values[at]!];
    }
  }
}

// ---- consumer groups ----------------------------------------------------------------------

/** One delivered, not yet acknowledged entry (Redis's streamNACK). */
export interface PendingEntry {
  readonly id: StreamId;
  /** The owning consumer's name. */
  consumer: string;
  deliveryTimeMs: number;
  /** uint64 in Redis, read back as int64: RETRYCOUNT can set any value. */
  deliveryCount: bigint;
}

export class Consumer {
  readonly pending = new IdMap<PendingEntry>();
  /** -1 until the consumer first reads or claims something. */
  activeTimeMs = -1;
  constructor(
    readonly name: string,
    public seenTimeMs: number,
  ) {}
}

/** Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const ENTRIES_READ_UNKNOWN = -1n;

export class ConsumerGroup {
  readonly pending = new IdMap<PendingEntry>();
  readonly consumers = new Map<string, Consumer>();
  constructor(
    readonly name: string,
    public lastId: StreamId,
    public entriesRead: bigint,
  ) {}

  /** Consumers in name (byte) order, as Redis's radix tree lists them. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => compareBytes(a.name, b.name));
  }

  /** Drops a pending entry from the group and its consumer. */
  removePending(id: StreamId): PendingEntry | undefined {
    const entry = this.pending.delete(id);
    if (entry !== undefined) this.consumers.get(entry.consumer)?.pending.delete(id);
    return entry;
  }
}

export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- the stream ---------------------------------------------------------------------------

export type TrimStrategy = "maxlen" | "minid";
/** Redis 8.2 reference policies for deletions: keep PEL references, delete them, or only delete acknowledged entries. */
export type ReferencePolicy = "KEEPREF" | "DELREF" | "ACKED";

export interface TrimOptions {
  strategy: TrimStrategy;
  /** For maxlen: entries to keep at most. */
  maxLength: bigint;
  /** For minid: the smallest id to keep. */
  minId: StreamId;
  /** Only whole nodes are removed (`~`). */
  approximate: boolean;
  /** Most entries to remove; 0 = no limit. */
  limit: bigint;
  policy: ReferencePolicy;
}

export class StreamValue implements StructuredValue {
  nodes: StreamNode[] = [];
  /** Live entries. */
  length = 0;
  lastId: StreamId = STREAM_ID_MIN;
  /** The first live entry's id when the stream is not empty, as XINFO's recorded-first-entry-id. */
  firstId: StreamId = STREAM_ID_MIN;
  maxDeletedId: StreamId = STREAM_ID_MIN;
  // Entries ever added, an int64 that XSETID can set: the last value set plus the appends since,
  // counted as a number so that XADD does not allocate a bigint.
  #entriesAddedWhenSet = 0n;
  #appendedSinceSet = 0;
  readonly groups = new Map<string, ConsumerGroup>();

  /** Entries ever added (int64: XSETID can set it). */
  get entriesAdded(): bigint {
    return this.#entriesAddedWhenSet + BigInt(this.#appendedSinceSet);
  }

  set entriesAdded(value: bigint) {
    this.#entriesAddedWhenSet = value;
    this.#appendedSinceSet = 0;
  }

  // ---- entries --------------------------------------------------------------------------

  /** Appends an entry; the caller has checked `id > lastId`. */
  append(id: StreamId, fields: string[]): void {
    let node: StreamNode | undefined = this.nodes[this.nodes.length - 1];
    if (node !== undefined) {
      let fieldBytes = 0;
      for (const text of fields) fieldBytes += text.length;
      if (node.bytes + fieldBytes >= NODE_BYTES_MAX || node.entries.length >= NODE_ENTRIES_MAX) node = undefined;
    }
    if (node === undefined) {
      node = newNode(id, fields);
      this.nodes.push(node);
    }
    pushEntry(node, StreamEntry.of(id, fields, node.masterFields));
    this.length++;
    this.#appendedSinceSet++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Appends a node as a snapshot recorded it (tombstones included); sizes are recomputed. */
  restoreNode(masterId: StreamId, masterFields: string[], entries: StreamEntry[]): void {
    const node: StreamNode = { masterId, masterFields, entries: [], live: 0, bytes: 0 };
    node.bytes = newNode(masterId, masterFields.flatMap((field) => [field, ""])).bytes;
    for (const entry of entries) pushEntry(node, entry);
    this.nodes.push(node);
  }

  // Index of the last node whose master id is <= id, or -1.
  private nodeAtOrBefore(id: StreamId): number {
    return upperBound(this.nodes, id, nodeKey) - 1;
  }

  /** The live entry with this id. */
  get(id: StreamId): StreamEntry | undefined {
    const index = this.nodeAtOrBefore(id);
    if (index < 0) return undefined;
    const entries = this.nodes[index]!.entries;
    const entry = entries[lowerBound(entries, id, entryKey)];
    return entry !== undefined && sameId(entry.id, id) && !entry.deleted ? entry : undefined;
  }

  has(id: StreamId): boolean {
    return this.get(id) !== undefined;
  }

  /** Live entries with start <= id <= end, ascending (or descending when `reverse`). */
  *range(start: StreamId, end: StreamId, reverse = false): Generator<StreamEntry> {
    if (compareIds(start, end) > 0) return;
    if (!reverse) {
      let nodeIndex = Math.max(0, this.nodeAtOrBefore(start));
      let at = nodeIndex < this.nodes.length ? lowerBound(this.nodes[nodeIndex]!.entries, start, entryKey) : 0;
      for (; nodeIndex < this.nodes.length; nodeIndex++, at = 0) {
        const entries = this.nodes[nodeIndex]!.entries;
        for (; at < entries.length; at++) {
          const entry = entries[at]!;
          if (compareIds(entry.id, end) > 0) return;
          if (!entry.deleted) yield entry;
        }
      }
    } else {
      let nodeIndex = this.nodeAtOrBefore(end);
      if (nodeIndex < 0) return;
      let at = upperBound(this.nodes[nodeIndex]!.entries, end, entryKey) - 1;
      for (; nodeIndex >= 0; nodeIndex--) {
        const entries = this.nodes[nodeIndex]!.entries;
        if (at === Infinity) at = entries.length - 1;
        for (; at >= 0; at--) {
          const entry = entries[at]!;
          if (compareIds(entry.id, start) < 0) return;
          if (!entry.deleted) yield entry;
        }
        at = Infinity;
      }
    }
  }

  firstLiveId(): StreamId | undefined {
    for (const entry of this.range(STREAM_ID_MIN, STREAM_ID_MAX)) return entry.id;
    return undefined;
  }

  lastLiveId(): StreamId | undefined {
    for (const entry of this.range(STREAM_ID_MIN, STREAM_ID_MAX, true)) return entry.id;
    return undefined;
  }

  /** The first entry's id, tombstones included (Redis's streamGetEdgeID without skipping); max id when there are no nodes. */
  firstIdWithTombstones(): StreamId {
    return this.nodes[0]?.entries[0]?.id ?? STREAM_ID_MAX;
  }

  /**
   * Marks an entry deleted; a node left without live entries goes. Updates length,
   * max-deleted-entry-id and first-entry-id as XDEL does.
   */
  delete(id: StreamId): boolean {
    const index = this.nodeAtOrBefore(id);
    if (index < 0) return false;
    const node = this.nodes[index]!;
    const position = lowerBound(node.entries, id, entryKey);
    const entry = node.entries[position];
    if (entry === undefined || !sameId(entry.id, id) || entry.deleted) return false;
    if (node.live === 1) this.nodes.splice(index, 1);
    else markDeleted(node, position);
    this.length--;
    if (compareIds(id, this.maxDeletedId) > 0) this.maxDeletedId = id;
    if (this.length === 0) this.firstId = STREAM_ID_MIN;
    else if (sameId(id, this.firstId)) this.firstId = this.firstLiveId()!;
    return true;
  }

  /**
   * Redis streamTrim: removes whole nodes from the head while the strategy allows, then (unless
   * approximate) marks entries deleted inside the next node. Under ACKED, entries still
   * referenced by a group stay and the scan goes on past them. Returns the number removed.
   */
  trim(options: TrimOptions): number {
    const { strategy, maxLength, minId, approximate, limit, policy } = options;
    let deleted = 0;
    let index = 0;
    const done = () => strategy === "maxlen" && BigInt(this.length) <= maxLength;
    while (index < this.nodes.length) {
      if (done()) break;
      const node = this.nodes[index]!;
      const entries = node.live;
      if (limit !== 0n && BigInt(deleted + entries) > limit) break;
      let removeNode =
        strategy === "maxlen" ? BigInt(this.length - entries) >= maxLength : compareIds(node.entries[node.entries.length - 1]!.id, minId) < 0;
      if (removeNode && policy === "ACKED") removeNode = node.entries.every((entry) => entry.deleted || !this.isReferenced(entry.id));
      if (removeNode) {
        if (policy === "DELREF") for (const entry of node.entries) if (!entry.deleted) this.removeReferences(entry.id);
        this.nodes.splice(index, 1);
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approximate) break;
      let stopped = false;
      for (let position = 0; position < node.entries.length; position++) {
        const entry = node.entries[position]!;
        stopped = strategy === "maxlen" ? BigInt(this.length) <= maxLength : compareIds(entry.id, minId) >= 0;
        if (stopped) break;
        if (entry.deleted) continue;
        if (policy === "ACKED" && this.isReferenced(entry.id)) continue;
        if (policy === "DELREF") this.removeReferences(entry.id);
        markDeleted(node, position);
        this.length--;
        deleted++;
      }
      // Redis finishes after one partial node; only ACKED, which skips entries, looks further.
      if (stopped || policy !== "ACKED") break;
      index++;
    }
    if (this.length === 0) this.firstId = STREAM_ID_MIN;
    else if (deleted > 0) this.firstId = this.firstLiveId()!;
    return deleted;
  }

  // ---- groups -----------------------------------------------------------------------------

  sortedGroups(): ConsumerGroup[] {
    return [...this.groups.values()].sort((a, b) => compareBytes(a.name, b.name));
  }

  /**
   * Redis 8.2 streamEntryIsReferenced: some group has not been delivered the entry yet, or
   * holds it in its PEL. A stream without groups references nothing.
   */
  isReferenced(id: StreamId): boolean {
    for (const group of this.groups.values()) if (compareIds(group.lastId, id) < 0 || group.pending.has(id)) return true;
    return false;
  }

  /** Drops the id from every group's PEL; true when some PEL held it. */
  removeReferences(id: StreamId): boolean {
    let removed = false;
    for (const group of this.groups.values()) if (group.removePending(id) !== undefined) removed = true;
    return removed;
  }

  // ---- Redis's bookkeeping for XINFO and lag ----------------------------------------------

  /** Redis streamRangeHasTombstones(start, end = max). */
  rangeHasTombstones(start: StreamId): boolean {
    if (this.length === 0 || isZeroId(this.maxDeletedId)) return false;
    return compareIds(start, this.maxDeletedId) <= 0;
  }

  /** Redis streamEstimateDistanceFromFirstEverEntry; -1 when unknown. */
  estimateDistanceFromFirstEverEntry(id: StreamId): bigint {
    if (this.entriesAdded === 0n) return 0n;
    if (this.length === 0 && compareIds(id, this.lastId) <= 0) return this.entriesAdded;
    if (!isZeroId(id) && compareIds(id, this.maxDeletedId) < 0) return ENTRIES_READ_UNKNOWN;
    if (sameId(id, this.lastId)) return this.entriesAdded;
    if (compareIds(id, this.lastId) > 0) return ENTRIES_READ_UNKNOWN;
    if (isZeroId(this.maxDeletedId) || compareIds(this.maxDeletedId, this.firstId) < 0) {
      if (compareIds(id, this.firstId) < 0) return this.entriesAdded - BigInt(this.length);
      if (sameId(id, this.firstId)) return this.entriesAdded - BigInt(this.length) + 1n;
    }
    return ENTRIES_READ_UNKNOWN;
  }

  /** Redis streamReplyWithCGLag: entries not yet delivered to the group, or null when unknown. */
  groupLag(group: ConsumerGroup): bigint | null {
    if (this.entriesAdded === 0n || this.length === 0) return 0n;
    if (compareIds(group.lastId, this.firstId) < 0 && compareIds(this.maxDeletedId, this.firstId) < 0) return BigInt(this.length);
    if (group.entriesRead !== ENTRIES_READ_UNKNOWN && !this.rangeHasTombstones(group.lastId)) return this.entriesAdded - group.entriesRead;
    const entriesRead = this.estimateDistanceFromFirstEverEntry(group.lastId);
    return entriesRead === ENTRIES_READ_UNKNOWN ? null : this.entriesAdded - entriesRead;
  }

  /** Redis's rax->numnodes for the node keys (16-byte big-endian master ids) of a compressed radix tree. */
  radixTreeNodes(): number {
    if (this.nodes.length === 0) return 1;
    const hex = (value: U64) => value.toString(16).padStart(16, "0");
    const keys = this.nodes.map((node) => hex(node.masterId.ms) + hex(node.masterId.seq));
    return countRadixNodes(keys, 0);
  }

  // ---- StructuredValue --------------------------------------------------------------------

  /** Copies nodes and their entry lists, not the entries, which never change (snapshots clone streams of millions). */
  clone(): StreamValue {
    const copy = new StreamValue();
    copy.nodes = this.nodes.map((node) => ({
      masterId: node.masterId,
      masterFields: node.masterFields,
      entries: node.entries.slice(),
      live: node.live,
      bytes: node.bytes,
    }));
    copy.length = this.length;
    copy.lastId = this.lastId;
    copy.firstId = this.firstId;
    copy.maxDeletedId = this.maxDeletedId;
    copy.#entriesAddedWhenSet = this.#entriesAddedWhenSet;
    copy.#appendedSinceSet = this.#appendedSinceSet;
    for (const group of this.sortedGroups()) {
      const groupCopy = new ConsumerGroup(group.name, group.lastId, group.entriesRead);
      for (const consumer of group.sortedConsumers()) {
        const consumerCopy = new Consumer(consumer.name, consumer.seenTimeMs);
        consumerCopy.activeTimeMs = consumer.activeTimeMs;
        groupCopy.consumers.set(consumer.name, consumerCopy);
      }
      for (const [id, pending] of group.pending.from()) {
        const pendingCopy = { ...pending };
        groupCopy.pending.set(id, pendingCopy);
        groupCopy.consumers.get(pending.consumer)!.pending.set(id, pendingCopy);
      }
      copy.groups.set(group.name, groupCopy);
    }
    return copy;
  }

  approxBytes(): number {
    let bytes = 64;
    for (const node of this.nodes) bytes += node.bytes + 32;
    for (const group of this.groups.values()) {
      bytes += 96 + group.name.length + group.pending.size * 56;
      for (const consumer of group.consumers.values()) bytes += 64 + consumer.name.length + consumer.pending.size * 24;
    }
    return bytes;
  }

  encoding(): string {
    return "stream";
  }
}

// Nodes of a compressed radix tree over equal-length hex keys (2 chars a byte), counted as Redis's
// rax builds them: one node per branching point, one per run of shared bytes, one per key.
function countRadixNodes(keys: string[], depth: number): number {
  const keyLength = keys[0]!.length;
  if (keys.length === 1) return (depth < keyLength ? 1 : 0) + 1;
  const first = keys[0]!;
  const last = keys[keys.length - 1]!;
  let shared = depth;
  while (shared < keyLength && first.slice(shared, shared + 2) === last.slice(shared, shared + 2)) shared += 2;
  let count = (shared > depth ? 1 : 0) + 1;
  let groupStart = 0;
  for (let i = 1; i <= keys.length; i++) {
    if (i === keys.length || keys[i]!.slice(shared, shared + 2) !== keys[groupStart]!.slice(shared, shared + 2)) {
      count += countRadixNodes(keys.slice(groupStart, i), shared + 2);
      groupStart = i;
    }
  }
  return count;
}
