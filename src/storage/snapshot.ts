// Point-in-time snapshots of one database's keyspace, written to their own SQLite file.
//
// Consistency (DESIGN §5, copy-before-write at key granularity): a snapshot at LSN L walks the
// 16384 slots in order, a few at a time between requests. While it runs it is the keyspace's
// observer: before any key in a slot it has not written yet changes (a command naming the key,
// a whole-key set/delete/expiry change, FLUSHALL), the key's current entry — its state at L —
// goes into the file's current chunk at once (records may come in any order; while a large value
// is being written in parts, below, it is kept until the walk reaches its slot) and the entry is
// marked with the snapshot's epoch, which an entry replacing it inherits; a key found missing is
// noted. The walk skips marked and noted keys. So every key is written once, as it was at L,
// however long the walk takes, and a key changed many times costs one comparison after the first:
// no per-key copies or sets to allocate (under a write load those cost about as much as the walk).
//
// A large value (a list or stream of millions of entries) would hold the event loop while it is encoded,
// at the walk or when a write comes first. Its codec writes it in parts instead (codecs.ts): the
// first part is the key's record, each later part a CONTINUATION record of the same key, and a
// step may end between two parts. Meanwhile a command about to change the value hands the part
// writer a copy of it first (copying references is far cheaper than encoding), and keys of the
// slot already written are left alone; a large value kept before the walk gets there is kept as
// such a copy and written in parts the same way. Lazy expiry
// and hash-field expiry that happen meanwhile are journaled as DEL/HDEL after L, and replaying
// them over the snapshot is a no-op if it already misses what they remove.
//
// File: `snapshot-<lsn>.sqlite`, written as `.tmp` and renamed only once complete and fsynced,
// so a crashed snapshotter leaves a `.tmp` that recovery deletes. Records (key, type name or "+"
// for a continuation, absolute expiry, the type codec's bytes) are packed into CRC-checked chunks;
// a meta row counts chunks and keys and chains the chunk CRCs, so any damage is found and the file
// refused whole.
// Values go through the codec table (codecs.ts) only: a new type needs nothing here.

import type { Database as SqliteDatabase, Statement } from "bun:sqlite";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { KeyChangeObserver, ObservedKeyspace } from "../redis/engine/database.ts";
import { redisTypes, type Entry, type RedisType } from "../redis/engine/keyspace.ts";
import { SLOT_COUNT, keySlot } from "../redis/engine/slot.ts";
import type { ExpiringMembers, StructuredValue } from "../redis/types/value.ts";
import { BinaryReader, BinaryWriter, CorruptRecordError } from "./binary.ts";
import { codecs, type PartWriter, type TypeCodec } from "./codecs.ts";
import { closeFully, openSnapshotForReading, openSnapshotForWriting } from "./sqlite.ts";

// Format 2 adds CONTINUATION records (values written in parts); format 3 writes stream ids as
// text; format 4 writes stream nodes in a compact layout (codecs.ts). Files of formats 1-3 load
// as before; an older downstash refuses a format-4 file rather than misreading it.
const FORMAT_VERSION = 4;
// A chunk is one SQLite insert on the event loop: at 256 KiB one took 0.7 ms (up to 5 ms) of a
// snapshot step; at 64 KiB, 0.25 ms.
const CHUNK_BYTES_TARGET = 64 * 1024;
const PART_BYTES_TARGET = 128 * 1024;
/** A record takes at least this many bytes: its key's and its type's lengths (4 each) and its expiry (8). */
const RECORD_BYTES_MIN = 16;
/** The type name of a record that continues the previous record's value (same key). */
const CONTINUATION = "+";
const recordTypes = [...redisTypes, CONTINUATION] as const;
const SNAPSHOT_FILE = /^snapshot-(\d+)\.sqlite$/;
const TEMPORARY_FILE = /^snapshot-\d+\.sqlite\.tmp$/;

export const snapshotFileName = (lsn: number) => `snapshot-${lsn}.sqlite`;

/** A snapshot that cannot be loaded as written: it is refused whole, never loaded in part. */
export class SnapshotCorruptError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(
      `snapshot ${path} is corrupt (${reason}); refusing to load it. Restore it from a backup, or move it out of the data dir to start from the change log alone (losing the keys only the snapshot held)`,
    );
  }
}

/**
 * A key's state kept for the snapshot before it changed, where it cannot be written at once (see
 * takeBeforeChange). Values are kept encoded, except one written in parts (a large list or
 * stream): that is kept as a copy, far cheaper to take than its encoding, and written a part at a
 * time like a live value.
 */
type KeptRecord = { type: RedisType; expiresAtMs: number } & ({ encoded: Uint8Array } | { copy: unknown });

/** The slot the walk is in, kept across steps when a step ends inside it (in a large value). */
interface SlotWalk {
  slot: number;
  /**
   * The slot's keys when the walk reached it, listed only once a large value is met (a step may
   * then end inside the slot); until then the walk reads the slot's map straight through.
   */
  keys: string[] | undefined;
  next: number;
  /** The slot's kept records, taken once its listed keys are written. */
  kept: [string, KeptRecord][] | undefined;
  nextKept: number;
  /** Set when a step ends inside the slot: the listed keys it has written (their later changes are not its business). */
  written: Set<string> | undefined;
}

/** A large value being written a part at a time (see TypeCodec.parts). */
interface ValueInParts {
  key: string;
  type: RedisType;
  expiresAtMs: number;
  writer: PartWriter;
  /** False while it reads the live value: a command about to change it gives it a copy first. */
  readsCopy: boolean;
  isFirstPart: boolean;
}

export interface SnapshotResult {
  path: string;
  lsn: number;
  keys: number;
  bytes: number;
}

/** A key's entry as the snapshot keeps it before it changes. */
function kept(entry: Entry): KeptRecord {
  const { type, expiresAtMs, value } = entry;
  const codec: TypeCodec = codecs[type];
  if (codec.immutable) return { type, expiresAtMs, copy: value };
  if (codec.parts?.start(value) !== undefined) return { type, expiresAtMs, copy: (value as StructuredValue).clone() };
  return { type, expiresAtMs, encoded: codec.encode(value) };
}

/** The last snapshot's number: each marks the entries it has taken with its own (Entry.snapshotEpoch). */
let lastEpoch = 0;

/** Writes one snapshot. Start it, call step() between requests until it returns true, then finish. */
export class SnapshotWriter implements KeyChangeObserver {
  private readonly epoch = ++lastEpoch;
  private nextSlot = 0;
  private walk: SlotWalk | undefined;
  private parts: ValueInParts | undefined;
  private readonly kept = new Map<number, Map<string, KeptRecord>>();
  /**
   * By slot not yet written, keys a change found missing: they did not exist at the LSN, or their
   * state was taken before a delete. An entry made for one since is not the snapshot's to write.
   */
  private readonly absent = new Map<number, Set<string>>();
  private readonly chunk = new BinaryWriter();
  private chunkRecords = 0;
  private chunkCount = 0;
  private chainedCrc = 0;
  private bytes = 0;
  private readonly sqlite: SqliteDatabase;
  private readonly insertChunk: Statement;
  readonly temporaryPath: string;
  readonly path: string;
  keys = 0;

  constructor(
    private readonly keyspace: ObservedKeyspace,
    dir: string,
    readonly lsn: number,
    readonly createdAtMs: number,
  ) {
    this.path = join(dir, snapshotFileName(lsn));
    this.temporaryPath = `${this.path}.tmp`;
    rmSync(this.temporaryPath, { force: true });
    this.sqlite = openSnapshotForWriting(this.temporaryPath);
    this.sqlite.exec("CREATE TABLE chunks (seq INTEGER PRIMARY KEY, records INTEGER NOT NULL, crc INTEGER NOT NULL, data BLOB NOT NULL)");
    this.sqlite.exec(
      "CREATE TABLE meta (format INTEGER NOT NULL, lsn INTEGER NOT NULL, keys INTEGER NOT NULL, chunks INTEGER NOT NULL, crc INTEGER NOT NULL, created_at_ms INTEGER NOT NULL)",
    );
    this.insertChunk = this.sqlite.prepare("INSERT INTO chunks (seq, records, crc, data) VALUES (?, ?, ?, ?)");
    keyspace.observer = this;
  }

  get isWalkDone(): boolean {
    return this.nextSlot >= SLOT_COUNT;
  }

  beforeKeyChange(key: string): void {
    const slot = keySlot(key);
    if (slot < this.nextSlot) return;
    const walk = this.walk;
    if (walk !== undefined && slot === walk.slot) {
      const parts = this.parts;
      if (parts !== undefined && parts.key === key) {
        // Part of the live value is written: the rest comes from a copy of it as it is now.
        if (!parts.readsCopy) {
          parts.writer.switchTo((this.keyspace.peek(key, slot)!.value as StructuredValue).clone());
          parts.readsCopy = true;
        }
        return;
      }
      if (walk.written?.has(key)) return;
    }
    const entry = this.keyspace.peek(key, slot);
    if (entry !== undefined && entry.snapshotEpoch === this.epoch) return;
    const slotAbsent = this.absent.get(slot);
    if (slotAbsent?.has(key)) return;
    if (entry === undefined) {
      if (slotAbsent === undefined) this.absent.set(slot, new Set([key]));
      else slotAbsent.add(key);
      return;
    }
    entry.snapshotEpoch = this.epoch;
    this.takeBeforeChange(key, slot, entry);
  }

  /**
   * Takes a key's state at the LSN before it changes: written as a record at once, unless a large
   * value is being written in parts (nothing may come between its parts) or this value is itself
   * large; then it is kept, and written when the walk reaches its slot.
   */
  private takeBeforeChange(key: string, slot: number, entry: Entry): void {
    if (this.parts === undefined && codecs[entry.type].parts?.start(entry.value) === undefined) {
      this.writeValue(key, entry.type, entry.expiresAtMs, entry.value, false);
      return;
    }
    let slotKept = this.kept.get(slot);
    if (slotKept === undefined) this.kept.set(slot, (slotKept = new Map()));
    slotKept.set(key, kept(entry));
  }

  /** Whether the walk leaves this key alone: its state at the LSN was taken already, or it had none. */
  private isTaken(key: string, entry: Entry, slotAbsent: Set<string> | undefined): boolean {
    return entry.snapshotEpoch === this.epoch || (slotAbsent !== undefined && slotAbsent.has(key));
  }

  beforeClear(): void {
    this.step(Infinity);
  }

  /**
   * Writes slots until `budgetMs` is spent, whole ones except where a large value is written in
   * parts: then the step may end inside the slot, and the next one goes on from there. True once
   * every slot is written.
   */
  step(budgetMs: number): boolean {
    const deadline = performance.now() + budgetMs;
    while (this.nextSlot < SLOT_COUNT) {
      const walk = (this.walk ??= this.startSlot(this.nextSlot));
      if (!this.writeSlot(walk, deadline)) {
        walk.written = new Set(walk.keys!.slice(0, walk.next));
        return false;
      }
      this.walk = undefined;
      this.nextSlot++;
      if (performance.now() >= deadline) break;
    }
    if (this.nextSlot >= SLOT_COUNT) {
      this.flushChunk();
      if (this.keyspace.observer === this) this.keyspace.observer = undefined;
      return true;
    }
    return false;
  }

  private startSlot(slot: number): SlotWalk {
    return { slot, keys: undefined, next: 0, kept: undefined, nextKept: 0, written: undefined };
  }

  /** Writes the slot's keys, then its kept records; false when the time ran out inside a large value. */
  private writeSlot(walk: SlotWalk, deadline: number): boolean {
    if (walk.keys === undefined) this.writeSlotEntries(walk);
    for (;;) {
      this.flushIfFull();
      if (this.parts !== undefined && !this.writeParts(this.parts, deadline)) return false;
      if (walk.next < walk.keys!.length) {
        const key = walk.keys![walk.next++]!;
        // Any listed key that changed since the snapshot started was taken then, so this is its entry at the LSN.
        const entry = this.keyspace.peek(key, walk.slot);
        if (entry !== undefined && !this.isTaken(key, entry, this.absent.get(walk.slot))) this.writeValue(key, entry.type, entry.expiresAtMs, entry.value, false);
        continue;
      }
      walk.kept ??= [...(this.kept.get(walk.slot) ?? [])];
      if (walk.nextKept < walk.kept.length) {
        const [key, record] = walk.kept[walk.nextKept++]!;
        if ("encoded" in record) this.writeRecord(key, record.type, record.expiresAtMs, record.encoded);
        else this.writeValue(key, record.type, record.expiresAtMs, record.copy, true);
        continue;
      }
      this.kept.delete(walk.slot);
      this.absent.delete(walk.slot);
      return true;
    }
  }

  /**
   * Writes the slot's keys straight from its entries, the common case. At a large value it stops and
   * lists the slot's keys in the walk, positioned after that value's key: writeSlot goes on from
   * there between parts, and the keys before it count as written.
   */
  private writeSlotEntries(walk: SlotWalk): void {
    walk.keys = [];
    const entries = this.keyspace.slotEntries(walk.slot);
    const slotAbsent = this.absent.get(walk.slot);
    for (const [key, entry] of entries) {
      if (this.isTaken(key, entry, slotAbsent)) continue;
      this.writeValue(key, entry.type, entry.expiresAtMs, entry.value, false);
      this.flushIfFull();
      if (this.parts !== undefined) {
        walk.keys = entries.map(([slotKey]) => slotKey);
        walk.next = walk.keys.indexOf(key) + 1;
        return;
      }
    }
  }

  /** Writes one value as a record, or starts writing it in parts (done by writeParts). */
  private writeValue(key: string, type: RedisType, expiresAtMs: number, value: unknown, isCopy: boolean): void {
    const codec: TypeCodec = codecs[type];
    const parts = codec.parts?.start(value);
    if (parts !== undefined) {
      this.parts = { key, type, expiresAtMs, writer: parts, readsCopy: isCopy, isFirstPart: true };
      return;
    }
    if (codec.write === undefined) {
      this.writeRecord(key, type, expiresAtMs, codec.encode(value));
      return;
    }
    const write = codec.write;
    this.chunk
      .bytes(key)
      .bytes(type)
      .f64(expiresAtMs)
      .sized(write, value);
    this.recordWritten(true);
  }

  /**
   * Writes parts of a large value until its last (true) or until the step's time is up (false).
   * The first part is the key's record; each later one a CONTINUATION record of the same key.
   */
  private writeParts(parts: ValueInParts, deadline: number): boolean {
    for (;;) {
      let isLast = false;
      const isFirst = parts.isFirstPart;
      this.chunk
        .bytes(parts.key)
        .bytes(isFirst ? parts.type : CONTINUATION)
        .f64(isFirst ? parts.expiresAtMs : 0)
        .sized((writer) => (isLast = parts.writer.writePart(writer, PART_BYTES_TARGET)));
      parts.isFirstPart = false;
      this.recordWritten(isFirst);
      this.flushIfFull();
      if (isLast) {
        this.parts = undefined;
        return true;
      }
      if (performance.now() >= deadline) return false;
    }
  }

  private writeRecord(key: string, type: RedisType, expiresAtMs: number, value: Uint8Array): void {
    this.chunk.bytes(key).bytes(type).f64(expiresAtMs).blob(value);
    this.recordWritten(true);
  }

  /** Counts a record (and its key, unless it continues one). */
  private recordWritten(isKey: boolean): void {
    this.chunkRecords++;
    if (isKey) this.keys++;
  }

  /**
   * Inserts the chunk once it is full. Only the walk does: a record taken before a change waits in
   * the chunk, so an insert that fails (a full disk) fails the snapshot's step, not the command.
   */
  private flushIfFull(): void {
    if (this.chunk.size >= CHUNK_BYTES_TARGET) this.flushChunk();
  }

  private flushChunk(): void {
    if (this.chunkRecords === 0) return;
    const data = this.chunk.finish();
    const crc = Bun.hash.crc32(data);
    this.insertChunk.run(this.chunkCount, this.chunkRecords, crc, data);
    this.chainedCrc = Bun.hash.crc32(new Uint32Array([crc]), this.chainedCrc);
    this.chunkCount++;
    this.bytes += data.length;
    this.chunk.reset();
    this.chunkRecords = 0;
  }

  private writeMeta(): void {
    if (!this.isWalkDone) throw new Error("snapshot finished before its walk");
    this.sqlite
      .query("INSERT INTO meta (format, lsn, keys, chunks, crc, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)")
      .run(FORMAT_VERSION, this.lsn, this.keys, this.chunkCount, this.chainedCrc, this.createdAtMs);
    this.closeFile();
  }

  private isFileClosed = false;

  private closeFile(): void {
    if (this.isFileClosed) return;
    this.isFileClosed = true;
    this.insertChunk.finalize();
    closeFully(this.sqlite);
  }

  private result(): SnapshotResult {
    return { path: this.path, lsn: this.lsn, keys: this.keys, bytes: this.bytes };
  }

  /** SAVE: completes, syncs and publishes the file now, blocking. */
  finishSync(): SnapshotResult {
    this.step(Infinity);
    this.writeMeta();
    const fd = openSync(this.temporaryPath, "r+");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(this.temporaryPath, this.path);
    syncDirectorySync(this.path);
    return this.result();
  }

  /** Completes a finished walk: the fsync and the rename run off the event loop. */
  async finish(): Promise<SnapshotResult> {
    this.writeMeta();
    const handle = await open(this.temporaryPath, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.temporaryPath, this.path);
    await syncDirectory(this.path);
    return this.result();
  }

  /** Stops a snapshot that will not complete (shutdown, a write failure) and removes its file. */
  abort(): void {
    if (this.keyspace.observer === this) this.keyspace.observer = undefined;
    this.closeFile();
    rm(this.temporaryPath, { force: true }).catch(() => {});
  }
}

/** A rename is durable only once its directory is synced. */
function syncDirectorySync(path: string): void {
  const fd = openSync(join(path, ".."), "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(join(path, ".."), "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface SnapshotFiles {
  /** Complete snapshots, newest (highest LSN) first. */
  complete: { path: string; lsn: number }[];
  /** Leftovers of snapshots that never completed. */
  temporary: string[];
}

export function listSnapshotFiles(dir: string, names: string[]): SnapshotFiles {
  const complete: SnapshotFiles["complete"] = [];
  const temporary: string[] = [];
  for (const name of names) {
    const match = SNAPSHOT_FILE.exec(name);
    if (match !== null) complete.push({ path: join(dir, name), lsn: Number(match[1]) });
    else if (TEMPORARY_FILE.test(name)) temporary.push(join(dir, name));
  }
  complete.sort((a, b) => b.lsn - a.lsn);
  return { complete, temporary };
}

export interface LoadedSnapshot {
  lsn: number;
  keys: number;
  /** Keys left out because their absolute expiry passed while the server was down. */
  expiredKeys: number;
  createdAtMs: number;
  /** Its chunks' bytes, as SnapshotResult counts them. */
  bytes: number;
}

/** A record's value: its u32 length, then the codec's bytes, read in place when the codec can. */
function readValue(reader: BinaryReader, codec: TypeCodec): unknown {
  if (codec.read === undefined) return codec.decode(reader.blob());
  return readSized(reader, codec.read);
}

/** Reads a u32 length, then exactly that many bytes through `read`. */
function readSized<T>(reader: BinaryReader, read: (reader: BinaryReader) => T): T {
  const length = reader.u32();
  const end = reader.position + length;
  const value = read(reader);
  if (reader.position !== end) throw new CorruptRecordError("value length disagrees with its bytes");
  return value;
}

interface MetaRow {
  format: number;
  lsn: number;
  keys: number;
  chunks: number;
  crc: number;
  created_at_ms: number;
}

/**
 * Loads a snapshot into an empty keyspace, skipping keys already expired at `nowMs`. Any damage
 * (unreadable file, missing meta, a chunk missing or failing its CRC, an undecodable record, a
 * count that does not add up) throws SnapshotCorruptError after clearing what was loaded.
 */
export function loadSnapshot(path: string, keyspace: ObservedKeyspace, nowMs: number): LoadedSnapshot {
  let sqlite: SqliteDatabase;
  try {
    sqlite = openSnapshotForReading(path);
  } catch (error) {
    throw new SnapshotCorruptError(path, `cannot open: ${(error as Error).message}`);
  }
  try {
    return loadFrom(sqlite, path, keyspace, nowMs);
  } catch (error) {
    keyspace.clear();
    if (error instanceof SnapshotCorruptError) throw error;
    const reason = error instanceof CorruptRecordError ? error.message : `unreadable: ${(error as Error)?.message ?? error}`;
    throw new SnapshotCorruptError(path, reason);
  } finally {
    closeFully(sqlite);
  }
}

function loadFrom(sqlite: SqliteDatabase, path: string, keyspace: ObservedKeyspace, nowMs: number): LoadedSnapshot {
  const metas = sqlite.query<MetaRow, []>("SELECT format, lsn, keys, chunks, crc, created_at_ms FROM meta").all();
  if (metas.length !== 1) throw new SnapshotCorruptError(path, "no completion record");
  const meta = metas[0]!;
  if (!Number.isInteger(meta.format) || meta.format < 1 || meta.format > FORMAT_VERSION) throw new SnapshotCorruptError(path, `unknown format ${meta.format}`);
  // Room for the keys the completion record counts, as many as the file can hold at most: a
  // corrupt count must not make the server reserve memory it never uses.
  if (Number.isSafeInteger(meta.keys)) keyspace.reserve(Math.min(meta.keys, statSync(path).size / RECORD_BYTES_MIN));
  let expectedSeq = 0;
  let chainedCrc = 0;
  let keys = 0;
  let expiredKeys = 0;
  let bytes = 0;
  // The last key's record, which a CONTINUATION record adds to (three variables, not an object
  // per record: a million short-lived objects cost a garbage collection or two while loading).
  let previousKey: string | undefined;
  let previousType: RedisType = "string";
  let previousValue: unknown;
  const chunks = sqlite.query<{ seq: number; records: number; crc: number; data: Uint8Array }, []>(
    "SELECT seq, records, crc, data FROM chunks ORDER BY seq",
  );
  for (const chunk of chunks.iterate()) {
    if (chunk.seq !== expectedSeq) throw new SnapshotCorruptError(path, `chunk ${expectedSeq} is missing`);
    if (!(chunk.data instanceof Uint8Array) || Bun.hash.crc32(chunk.data) !== chunk.crc) {
      throw new SnapshotCorruptError(path, `chunk ${chunk.seq} fails its checksum`);
    }
    chainedCrc = Bun.hash.crc32(new Uint32Array([chunk.crc]), chainedCrc);
    bytes += chunk.data.length;
    const reader = new BinaryReader(chunk.data);
    for (let record = 0; record < chunk.records; record++) {
      const key = reader.bytes();
      const type = reader.oneOf(recordTypes);
      if (type === undefined) throw new SnapshotCorruptError(path, `chunk ${chunk.seq} holds a record of an unknown type`);
      const expiresAtMs = reader.f64();
      if (type === CONTINUATION) {
        const parts = codecs[previousType].parts;
        if (previousKey !== key || parts === undefined || expiresAtMs !== 0) {
          throw new SnapshotCorruptError(path, `chunk ${chunk.seq} continues a value no record started`);
        }
        const value = previousValue;
        // An expired key's parts are read (and checked) all the same, then dropped with it.
        readSized(reader, (part) => parts.readPart(part, value));
        continue;
      }
      const value = readValue(reader, codecs[type]);
      previousKey = key;
      previousType = type;
      previousValue = value;
      keys++;
      if (expiresAtMs !== 0 && nowMs > expiresAtMs) {
        expiredKeys++;
        continue;
      }
      if (!keyspace.load(key, type, value, expiresAtMs)) throw new SnapshotCorruptError(path, `key seen twice (chunk ${chunk.seq})`);
      const members = value as Partial<ExpiringMembers>;
      if (typeof members.nextExpiryAtMs === "function" && members.nextExpiryAtMs() !== Infinity) keyspace.trackMemberExpiry(key);
    }
    reader.end();
    expectedSeq++;
  }
  if (expectedSeq !== meta.chunks) throw new SnapshotCorruptError(path, `${meta.chunks - expectedSeq} chunks are missing`);
  if (chainedCrc !== meta.crc) throw new SnapshotCorruptError(path, "chunk checksums do not match the completion record");
  if (keys !== meta.keys) throw new SnapshotCorruptError(path, `holds ${keys} keys, its completion record says ${meta.keys}`);
  return { lsn: meta.lsn, keys: keys - expiredKeys, expiredKeys, createdAtMs: meta.created_at_ms, bytes };
}
