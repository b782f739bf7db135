// One codec per Redis type: how a value is written into a snapshot and read back exactly
// (values, member TTLs as absolute instants). Every type the engine holds must have a row here;
// codecs.test.ts fails for a type without one. Key-level TTLs are stored beside the value by the
// snapshot itself, not by the codec.

import type { RedisType } from "../redis/engine/keyspace.ts";
import { HashValue } from "../redis/types/hash.ts";
import { decodeUtf8, encodeUtf8, JsonDocument, type JsonObject, type JsonValue } from "../redis/types/json.ts";
import { ListValue } from "../redis/types/list.ts";
import { SetValue, type SetEncoding } from "../redis/types/set.ts";
import { SortedSet } from "../redis/types/sorted-set.ts";
import {
  Consumer,
  ConsumerGroup,
  formatStreamId,
  StreamEntry,
  StreamId,
  StreamValue,
  streamIdFromBigInt,
  streamIdMsText,
  u64,
  U64_MAX,
  type StreamNode,
  type U64,
} from "../redis/types/stream.ts";
import { BinaryReader, BinaryWriter, CorruptRecordError, decimalLength, RecentStrings } from "./binary.ts";

export interface TypeCodec {
  encode(value: any): Uint8Array;
  /** Throws CorruptRecordError on bytes that encode() could not have produced. */
  decode(bytes: Uint8Array): unknown;
  /**
   * Optional: writes exactly what encode() returns into a writer, without the intermediate
   * array. Snapshots use it when present (a million keys means a million fewer allocations).
   */
  write?(writer: BinaryWriter, value: any): void;
  /**
   * Optional: reads exactly what write() writes from a reader positioned at it, and leaves the
   * reader after it. Snapshot loading reads records in place with it (no view, no reader per value).
   */
  read?(reader: BinaryReader): unknown;
  /**
   * Optional, for types whose values grow huge (a queue or an event log of millions of entries):
   * writes a large value as several records, so a snapshot writes it a part at a time between
   * requests and never holds the event loop for the whole of it (snapshot.ts).
   */
  parts?: ValueParts;
  /**
   * True for types whose values never change in place (a string is a JS string): a snapshot keeps
   * such a value, about to be replaced, as itself instead of encoding a copy.
   */
  immutable?: boolean;
}

/** How a type writes a large value in parts: the first part decodes as a whole value would, later ones add to it. */
export interface ValueParts {
  /** A writer of the value's parts, or undefined when the value is small enough to write whole. */
  start(value: any): PartWriter | undefined;
  /** Adds one later part, read from `reader`, to the value the first part made. */
  readPart(reader: BinaryReader, value: any): void;
}

export interface PartWriter {
  /** Writes the next part, about `bytesMax` bytes at most (never less than one element); true once it wrote the last. */
  writePart(writer: BinaryWriter, bytesMax: number): boolean;
  /** Reads the rest from `copy` instead: the value as it is now, taken just before a command changes it. */
  switchTo(copy: any): void;
}

/**
 * A PartWriter over a value's items by index (list elements, stream nodes): each part takes the
 * next items whose sizes reach about `bytesMax` (one at least) and `write` writes them, with
 * whatever the part around them holds. A copy handed over keeps the indexes, so the next part
 * goes on where the last one stopped.
 */
function indexedParts<V>(
  value: V,
  count: (source: V) => number,
  itemBytes: (source: V, index: number) => number,
  write: (writer: BinaryWriter, source: V, from: number, to: number) => void,
): PartWriter {
  let source = value;
  let next = 0;
  return {
    switchTo(copy: V) {
      source = copy;
    },
    writePart(writer, bytesMax) {
      const total = count(source);
      let end = next;
      for (let bytes = 0; end < total && (end === next || bytes < bytesMax); end++) bytes += itemBytes(source, end);
      write(writer, source, next, end);
      next = end;
      return next === total;
    },
  };
}

/** Lists and streams longer than these are written in parts. */
const LIST_PART_ELEMENTS = 4096;
const STREAM_PART_ENTRIES = 4096;
/** Distinct hash field names a reader keeps to hand out again (compared byte by byte on each read). */
const HASH_FIELD_NAMES_REMEMBERED = 8;

/** decode() from read(): the bytes must hold one value and nothing more. */
function decodeWith(read: (reader: BinaryReader) => unknown): (bytes: Uint8Array) => unknown {
  return (bytes) => {
    const reader = new BinaryReader(bytes);
    const value = read(reader);
    reader.end();
    return value;
  };
}

const readString = (reader: BinaryReader) => reader.bytes();
const stringCodec: TypeCodec = {
  immutable: true,
  encode: (value: string) => new BinaryWriter().bytes(value).finish(),
  write: (writer, value: string) => void writer.bytes(value),
  read: readString,
  decode: decodeWith(readString),
};

// field count, then per field: field, value, expiry instant (0 = none)
const hashCodec: TypeCodec = {
  encode(hash: HashValue) {
    const writer = new BinaryWriter();
    hashCodec.write!(writer, hash);
    return writer.finish();
  },
  write(writer, hash: HashValue) {
    writer.u32(hash.size);
    for (const [field, value] of hash.pairs()) writer.bytes(field).bytes(value).f64(hash.expiryOf(field) ?? 0);
  },
  read: readHash,
  decode: decodeWith(readHash),
};

// Hashes that hold records of one kind repeat the same field names from key to key: a snapshot
// load hands each one out as the same string instead of a million copies of it.
const recentFieldNames = new RecentStrings(HASH_FIELD_NAMES_REMEMBERED);

function readHash(reader: BinaryReader): HashValue {
  const hash = new HashValue();
  for (let count = reader.u32(); count > 0; count--) {
    const field = reader.recentBytes(recentFieldNames);
    hash.set(field, reader.bytes());
    const expiresAtMs = reader.f64();
    if (expiresAtMs !== 0) hash.setExpiry(field, expiresAtMs);
  }
  return hash;
}

// encoding flag (1 = quicklist), element count, then the elements head to tail; in parts, the
// first part is that with the first elements, each later part an element count and the next ones
const listCodec: TypeCodec = {
  encode(list: ListValue) {
    const writer = new BinaryWriter().u8(list.quicklist ? 1 : 0).u32(list.length);
    for (const value of list.values()) writer.bytes(value);
    return writer.finish();
  },
  parts: {
    start(list: ListValue) {
      if (list.length <= LIST_PART_ELEMENTS) return undefined;
      return indexedParts(
        list,
        (source) => source.length,
        (source, i) => 4 + source.at(i)!.length,
        (writer, source, from, to) => {
          if (from === 0) writer.u8(source.quicklist ? 1 : 0);
          writer.u32(to - from);
          for (let i = from; i < to; i++) writer.bytes(source.at(i)!);
        },
      );
    },
    readPart(reader, list: ListValue) {
      const quicklist = list.quicklist;
      list.pushBack(reader.strings());
      list.restoreEncoding(quicklist);
    },
  },
  decode(bytes) {
    const reader = new BinaryReader(bytes);
    const quicklist = reader.u8();
    if (quicklist > 1) throw new CorruptRecordError("bad list encoding flag");
    const values = reader.strings();
    reader.end();
    const list = ListValue.of(values);
    list.restoreEncoding(quicklist === 1);
    return list;
  },
};

// encoding (0 intset, 1 listpack, 2 hashtable), member count, then the members in iteration order
const setEncodings: SetEncoding[] = ["intset", "listpack", "hashtable"];
const setCodec: TypeCodec = {
  encode(set: SetValue) {
    return new BinaryWriter().u8(setEncodings.indexOf(set.encoding())).strings(set.members()).finish();
  },
  decode(bytes) {
    const reader = new BinaryReader(bytes);
    const encoding = setEncodings[reader.u8()];
    if (encoding === undefined) throw new CorruptRecordError("bad set encoding");
    const members = reader.strings();
    reader.end();
    return SetValue.restore(members, encoding);
  },
};

// encoding flag (1 = skiplist), entry count, then member and score per entry in ascending order
const zsetCodec: TypeCodec = {
  encode(set: SortedSet) {
    const writer = new BinaryWriter().u8(set.isSkiplistEncoded ? 1 : 0).u32(set.size);
    for (const entry of set.entries()) writer.bytes(entry.member).f64(entry.score);
    return writer.finish();
  },
  decode(bytes) {
    const reader = new BinaryReader(bytes);
    const skiplist = reader.u8();
    if (skiplist > 1) throw new CorruptRecordError("bad sorted set encoding flag");
    const set = new SortedSet(skiplist === 1);
    for (let count = reader.u32(); count > 0; count--) {
      const member = reader.bytes();
      const score = reader.f64();
      if (Number.isNaN(score) || set.has(member)) throw new CorruptRecordError("bad sorted set entry");
      set.set(member, score);
    }
    reader.end();
    return set;
  },
};

// A JSON document as a tagged tree: a tag byte per node, then integers as decimal text, floats
// as f64, strings and keys as UTF-8, containers as a count and their members.
const enum JsonTag {
  Null,
  False,
  True,
  Integer,
  Float,
  String,
  Array,
  Object,
}

function writeJson(writer: BinaryWriter, value: JsonValue): void {
  if (value === null) writer.u8(JsonTag.Null);
  else if (typeof value === "boolean") writer.u8(value ? JsonTag.True : JsonTag.False);
  else if (typeof value === "bigint") writer.u8(JsonTag.Integer).bytes(value.toString());
  else if (typeof value === "number") writer.u8(JsonTag.Float).f64(value);
  else if (typeof value === "string") writer.u8(JsonTag.String).bytes(encodeUtf8(value));
  else if (Array.isArray(value)) {
    writer.u8(JsonTag.Array).u32(value.length);
    for (const item of value) writeJson(writer, item);
  } else {
    writer.u8(JsonTag.Object).u32(value.size);
    for (const [key, item] of value) writeJson(writer.bytes(encodeUtf8(key)), item);
  }
}

function readJsonText(reader: BinaryReader): string {
  const text = decodeUtf8(reader.bytes());
  if (text === null) throw new CorruptRecordError("JSON text is not UTF-8");
  return text;
}

function readJson(reader: BinaryReader, depth: number): JsonValue {
  if (depth > 128) throw new CorruptRecordError("JSON nests too deep");
  const tag = reader.u8();
  switch (tag) {
    case JsonTag.Null:
      return null;
    case JsonTag.False:
      return false;
    case JsonTag.True:
      return true;
    case JsonTag.Integer: {
      const text = reader.bytes();
      if (!/^-?(0|[1-9][0-9]{0,19})$/.test(text)) throw new CorruptRecordError("bad JSON integer");
      return BigInt(text);
    }
    case JsonTag.Float: {
      const value = reader.f64();
      if (!Number.isFinite(value)) throw new CorruptRecordError("bad JSON float");
      return value;
    }
    case JsonTag.String:
      return readJsonText(reader);
    case JsonTag.Array: {
      const items: JsonValue[] = [];
      for (let count = reader.u32(); count > 0; count--) items.push(readJson(reader, depth + 1));
      return items;
    }
    case JsonTag.Object: {
      const object: JsonObject = new Map();
      for (let count = reader.u32(); count > 0; count--) {
        const key = readJsonText(reader);
        object.set(key, readJson(reader, depth + 1));
      }
      return object;
    }
  }
  throw new CorruptRecordError(`unknown JSON tag ${tag}`);
}

const jsonCodec: TypeCodec = {
  encode(document: JsonDocument) {
    const writer = new BinaryWriter();
    writeJson(writer, document.root);
    return writer.finish();
  },
  decode(bytes) {
    const reader = new BinaryReader(bytes);
    const document = new JsonDocument(readJson(reader, 0));
    reader.end();
    return document;
  },
};

// Stream counters are bigints, written as decimal text. Ids are written as XADD prints them,
// `<ms>-<seq>`; files of snapshot formats 1 and 2 hold each id as one 128-bit decimal integer
// (ms << 64 | seq), which still loads.
function readBigint(reader: BinaryReader): bigint {
  const text = reader.bytes();
  if (!/^-?[0-9]{1,40}$/.test(text)) throw new CorruptRecordError("bad stream integer");
  return BigInt(text);
}

const ID_LIMIT = 1n << 128n;
const ID_TEXT = /^(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})$/;

function readId(reader: BinaryReader): StreamId {
  return idFromText(reader.bytes());
}

function idFromText(text: string): StreamId {
  const parts = ID_TEXT.exec(text);
  if (parts !== null) return new StreamId(readU64(parts[1]!), readU64(parts[2]!));
  if (!/^[0-9]{1,39}$/.test(text)) throw new CorruptRecordError("bad stream id");
  const value = BigInt(text);
  if (value >= ID_LIMIT) throw new CorruptRecordError("bad stream id");
  return streamIdFromBigInt(value);
}

/** One half of an id: decimal digits without leading zeros, at most 20 of them. */
function readU64(digits: string): U64 {
  if (digits.length <= 15) return Number(digits);
  const value = BigInt(digits);
  if (value > U64_MAX) throw new CorruptRecordError("bad stream id");
  return u64(value);
}

// nodes as Redis keeps them (master id, master fields, entries with tombstones), the stream's
// counters, then groups: name, last id, entries read, consumers (name, seen, active time) and
// the PEL (id, owner, delivery time, delivery count). In parts: the first part is that with the
// first nodes only (its length counts their live entries), each later part a node count and the
// next nodes, whose live entries add to the length.
const streamCodec: TypeCodec = {
  encode(stream: StreamValue) {
    const writer = new BinaryWriter().u32(stream.nodes.length);
    let live = 0;
    for (const node of stream.nodes) live += writeStreamNode(writer, node);
    writeStreamTrailer(writer, stream, live);
    return writer.finish();
  },
  decode(bytes) {
    const reader = new BinaryReader(bytes);
    const stream = new StreamValue();
    let live = 0;
    for (let nodes = reader.u32(); nodes > 0; nodes--) live += readStreamNode(reader, stream);
    stream.length = reader.u32();
    if (stream.length !== live) throw new CorruptRecordError("stream length disagrees with its entries");
    stream.lastId = readId(reader);
    stream.firstId = readId(reader);
    stream.maxDeletedId = readId(reader);
    stream.entriesAdded = readBigint(reader);
    for (let groups = reader.u32(); groups > 0; groups--) {
      const group = new ConsumerGroup(reader.bytes(), readId(reader), readBigint(reader));
      for (let count = reader.u32(); count > 0; count--) {
        const consumer = new Consumer(reader.bytes(), reader.f64());
        consumer.activeTimeMs = reader.f64();
        group.consumers.set(consumer.name, consumer);
      }
      for (let count = reader.u32(); count > 0; count--) {
        const id = readId(reader);
        const owner = group.consumers.get(reader.bytes());
        if (owner === undefined) throw new CorruptRecordError("pending entry of an unknown consumer");
        const pending = { id, consumer: owner.name, deliveryTimeMs: reader.f64(), deliveryCount: readBigint(reader) };
        group.pending.set(id, pending);
        owner.pending.set(id, pending);
      }
      stream.groups.set(group.name, group);
    }
    reader.end();
    return stream;
  },
  parts: {
    start(stream: StreamValue) {
      if (stream.length <= STREAM_PART_ENTRIES) return undefined;
      return indexedParts(
        stream,
        (source) => source.nodes.length,
        (source, i) => source.nodes[i]!.bytes,
        (writer, source, from, to) => {
          writer.u32(to - from);
          let live = 0;
          for (let i = from; i < to; i++) live += writeStreamNode(writer, source.nodes[i]!);
          if (from === 0) writeStreamTrailer(writer, source, live);
        },
      );
    },
    readPart(reader, stream: StreamValue) {
      for (let nodes = reader.u32(); nodes > 0; nodes--) stream.length += readStreamNode(reader, stream);
    },
  },
};

// A node in one of two layouts. The first (every node of formats 1-3, and still any node with an
// id beyond 2^53 or an entry past its master by 2^32 ms or more): master id, master fields, then
// each entry's id, tombstone flag and fields in full, ~45 bytes for a one-field entry. The compact
// layout (format 4), for the ids XADD makes, stores each entry as Redis's listpack does: its id as
// the millisecond's distance from the master id and the sequence number (varints), a flag byte,
// and only the values when the entry has the node's field names: ~8 bytes. A node's first u32
// tells them apart: the master id's length in the first layout (at most 41), COMPACT_NODE here.
const COMPACT_NODE = 0xffffffff;
const TOMBSTONE = 1;
const MASTER_FIELD_NAMES = 2;
const VARINT_LIMIT = 2 ** 32;

/** One node; returns its live entries. */
function writeStreamNode(writer: BinaryWriter, node: StreamNode): number {
  if (!fitsCompactLayout(node)) return writeFullNode(writer, node);
  const masterMs = node.masterId.ms as number;
  writer.u32(COMPACT_NODE);
  writeStreamId(writer, node.masterId);
  writer.strings(node.masterFields).u32(node.entries.length);
  let live = 0;
  for (const entry of node.entries) {
    // An entry keeps the node's field names exactly when it has them (StreamEntry.of).
    const named = entry.names !== null;
    writer.u8((entry.deleted ? TOMBSTONE : 0) | (named ? MASTER_FIELD_NAMES : 0));
    writer.uvarint((entry.id.ms as number) - masterMs).uvarint(entry.id.seq as number);
    if (named) {
      for (let i = 0; i < entry.fieldCount; i++) writeShortBytes(writer, entry.valueAt(i));
    } else {
      const fields = entry.fields;
      writer.uvarint(fields.length);
      for (const field of fields) writeShortBytes(writer, field);
    }
    if (!entry.deleted) live++;
  }
  return live;
}

/** Bytes with a varint length: a stream value is usually a few bytes, where a u32 length is four. */
function writeShortBytes(writer: BinaryWriter, binary: string): void {
  writer.uvarint(binary.length).latin1(binary);
}

/** Whether every id is a number and each entry's varints fit 32 bits. */
function fitsCompactLayout(node: StreamNode): boolean {
  const { ms: masterMs, seq: masterSeq } = node.masterId;
  if (typeof masterMs !== "number" || typeof masterSeq !== "number") return false;
  for (const { id } of node.entries) {
    if (typeof id.ms !== "number" || typeof id.seq !== "number") return false;
    if (id.ms - masterMs < 0 || id.ms - masterMs >= VARINT_LIMIT || id.seq >= VARINT_LIMIT) return false;
  }
  return true;
}

function writeFullNode(writer: BinaryWriter, node: StreamNode): number {
  writeStreamId(writer, node.masterId);
  writer.strings(node.masterFields).u32(node.entries.length);
  let live = 0;
  for (const entry of node.entries) {
    writeStreamId(writer, entry.id);
    writer.u8(entry.deleted ? 1 : 0).strings(entry.fields);
    if (!entry.deleted) live++;
  }
  return live;
}

// An entry's id as bytes(formatStreamId(id)) writes it, without making that string: a snapshot
// writes millions of ids, and the string (then reading its characters back) was most of an
// entry's cost.
function writeStreamId(writer: BinaryWriter, id: StreamId): void {
  const { ms, seq } = id;
  if (typeof ms !== "number" || typeof seq !== "number") {
    writer.bytes(formatStreamId(id));
    return;
  }
  const msText = streamIdMsText(ms);
  writer.u32(msText.length + 1 + decimalLength(seq)).latin1(msText).u8(DASH).digits(seq);
}

const DASH = "-".charCodeAt(0);

/** The counters and groups, with `length` live entries in the nodes written before. */
function writeStreamTrailer(writer: BinaryWriter, stream: StreamValue, length: number): void {
  writer.u32(length).bytes(formatStreamId(stream.lastId)).bytes(formatStreamId(stream.firstId)).bytes(formatStreamId(stream.maxDeletedId)).bytes(String(stream.entriesAdded));
  const groups = stream.sortedGroups();
  writer.u32(groups.length);
  for (const group of groups) {
    writer.bytes(group.name).bytes(formatStreamId(group.lastId)).bytes(String(group.entriesRead));
    const consumers = group.sortedConsumers();
    writer.u32(consumers.length);
    for (const consumer of consumers) writer.bytes(consumer.name).f64(consumer.seenTimeMs).f64(consumer.activeTimeMs);
    writer.u32(group.pending.size);
    for (const [id, pending] of group.pending.from()) writer.bytes(formatStreamId(id)).bytes(pending.consumer).f64(pending.deliveryTimeMs).bytes(String(pending.deliveryCount));
  }
}

/** One node into `stream`, in either layout; returns its live entries. */
function readStreamNode(reader: BinaryReader, stream: StreamValue): number {
  const head = reader.u32();
  const entries: StreamEntry[] = [];
  const compact = head === COMPACT_NODE;
  const masterId = compact ? readId(reader) : idFromText(reader.latin1(head));
  const masterFields = reader.strings();
  const masterMs = masterId.ms;
  if (compact && (typeof masterMs !== "number" || typeof masterId.seq !== "number")) throw new CorruptRecordError("compact stream node with a large id");
  let live = 0;
  for (let count = reader.u32(); count > 0; count--) {
    const entry = compact ? readCompactEntry(reader, masterMs as number, masterFields) : readFullEntry(reader, masterFields);
    entries.push(entry);
    if (!entry.deleted) live++;
  }
  stream.restoreNode(masterId, masterFields, entries);
  return live;
}

function readFullEntry(reader: BinaryReader, masterFields: string[]): StreamEntry {
  const id = readId(reader);
  const deleted = reader.u8();
  if (deleted > 1) throw new CorruptRecordError("bad stream tombstone flag");
  const fields = reader.strings();
  if (fields.length % 2 !== 0) throw new CorruptRecordError("odd stream entry fields");
  return StreamEntry.of(id, fields, masterFields, deleted === 1);
}

function readCompactEntry(reader: BinaryReader, masterMs: number, masterFields: string[]): StreamEntry {
  const flags = reader.u8();
  if (flags > (TOMBSTONE | MASTER_FIELD_NAMES)) throw new CorruptRecordError("bad stream entry flags");
  const ms = masterMs + reader.uvarint();
  if (ms > Number.MAX_SAFE_INTEGER) throw new CorruptRecordError("bad stream id");
  const id = new StreamId(ms, reader.uvarint());
  const deleted = (flags & TOMBSTONE) !== 0;
  if ((flags & MASTER_FIELD_NAMES) !== 0) {
    // The values alone: the entry shares the node's field names, as in the listpack.
    const values = new Array<string>(masterFields.length);
    for (let i = 0; i < values.length; i++) values[i] = readShortBytes(reader);
    return StreamEntry.ofValues(id, masterFields, values, deleted);
  }
  const count = reader.uvarint();
  if (count % 2 !== 0) throw new CorruptRecordError("odd stream entry fields");
  const fields: string[] = [];
  for (let i = 0; i < count; i++) fields.push(readShortBytes(reader));
  return StreamEntry.of(id, fields, masterFields, deleted);
}

function readShortBytes(reader: BinaryReader): string {
  return reader.latin1(reader.uvarint());
}

export const codecs: Record<RedisType, TypeCodec> = {
  string: stringCodec,
  hash: hashCodec,
  list: listCodec,
  set: setCodec,
  zset: zsetCodec,
  "ReJSON-RL": jsonCodec,
  stream: streamCodec,
};
