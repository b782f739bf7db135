// One codec per Redis type: how a value is written into a snapshot and read back exactly
// (values, member TTLs as absolute instants). Every type the engine holds must have a row here;
// codecs.test.ts fails for a type without one. Key-level TTLs are stored beside the value by the
// snapshot itself, not by the codec.

import type { RedisType } from "../redis/engine/keyspace.ts";
import { HashValue } from "../redis/types/hash.ts";
import { BinaryReader, BinaryWriter } from "./binary.ts";

export interface TypeCodec {
  encode(value: any): Uint8Array;
  /** Throws CorruptRecordError on bytes that encode() could not have produced. */
  decode(bytes: Uint8Array): unknown;
}

const stringCodec: TypeCodec = {
  encode: (value: string) => new BinaryWriter().bytes(value).finish(),
  decode(bytes) {
    const reader = new BinaryReader(bytes);
    const value = reader.bytes();
    reader.end();
    return value;
  },
};

// field count, then per field: field, value, expiry instant (0 = none)
const hashCodec: TypeCodec = {
  encode(hash: HashValue) {
    const writer = new BinaryWriter().u32(hash.size);
    for (const [field, value] of hash.pairs()) writer.bytes(field).bytes(value).f64(hash.expiryOf(field) ?? 0);
    return writer.finish();
  },
  decode(bytes) {
    const reader = new BinaryReader(bytes);
    const hash = new HashValue();
    for (let count = reader.u32(); count > 0; count--) {
      const field = reader.bytes();
      hash.set(field, reader.bytes());
      const expiresAtMs = reader.f64();
      if (expiresAtMs !== 0) hash.setExpiry(field, expiresAtMs);
    }
    reader.end();
    return hash;
  },
};

export const codecs: Record<RedisType, TypeCodec> = {
  string: stringCodec,
  hash: hashCodec,
};
