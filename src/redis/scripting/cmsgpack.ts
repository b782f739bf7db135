// MessagePack for the `cmsgpack` library Redis 7.0 embeds (deps/lua/src/lua_cmsgpack.c, which
// runs on Lua 5.1's doubles): pack takes Lua values, unpack returns the objects in the buffer.
// Strings are binary strings both ways; a table with keys exactly 1..n packs as an array, any
// other as a map (lua-cmsgpack's rule). Unpacking follows the C's order of checks and its Lua
// stack limit, so refusals come where Redis's do (lua-arguments.ts says how they are raised).

import { asCInt, checkStack, PositionedError, VmError } from "./lua-arguments.ts";

export type PlainValue = null | boolean | number | string | PlainValue[] | Map<PlainValue, PlainValue>;

const bytes = (...values: number[]) => String.fromCharCode(...values);

function uint(value: number | bigint, size: number): string {
  let n = BigInt.asUintN(size * 8, BigInt(value));
  let out = "";
  for (let i = 0; i < size; i++) {
    out = String.fromCharCode(Number(n & 0xffn)) + out;
    n >>= 8n;
  }
  return out;
}

/** compat: x86's default NaN (sign set), which 0/0 makes in Redis; a NaN's sign does not survive into JS. */
const NAN_DOUBLE = bytes(0xcb, 0xff, 0xf8, 0, 0, 0, 0, 0, 0);

/**
 * A Lua 5.1 number: an integer encoding when an int64 holds it exactly (2^60 too, not only safe
 * integers), else a float when float32 holds it exactly, else a double.
 */
function encodeNumber(value: number): string {
  if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
    if (value >= 0) {
      if (value < 128) return bytes(value);
      if (value < 0x100) return bytes(0xcc, value);
      if (value < 0x10000) return bytes(0xcd) + uint(value, 2);
      if (value < 0x100000000) return bytes(0xce) + uint(value, 4);
      return bytes(0xcf) + uint(BigInt(value), 8);
    }
    if (value >= -32) return bytes(value & 0xff);
    if (value >= -128) return bytes(0xd0, value & 0xff);
    if (value >= -32768) return bytes(0xd1) + uint(value, 2);
    if (value >= -2147483648) return bytes(0xd2) + uint(value, 4);
    return bytes(0xd3) + uint(BigInt(value), 8);
  }
  if (Number.isNaN(value)) return NAN_DOUBLE;
  const view = new DataView(new ArrayBuffer(8));
  if (Math.fround(value) === value) {
    view.setFloat32(0, value);
    return bytes(0xca, ...new Uint8Array(view.buffer, 0, 4));
  }
  view.setFloat64(0, value);
  return bytes(0xcb, ...new Uint8Array(view.buffer));
}

function lengthHeader(length: number, fix: number, fixMax: number, codes: [number | undefined, number, number]): string {
  if (length <= fixMax) return bytes(fix | length);
  if (codes[0] !== undefined && length < 0x100) return bytes(codes[0], length);
  if (length < 0x10000) return bytes(codes[1]) + uint(length, 2);
  return bytes(codes[2]) + uint(length, 4);
}

export function encodeMsgpack(value: PlainValue): string {
  if (value === null) return bytes(0xc0);
  if (value === true) return bytes(0xc3);
  if (value === false) return bytes(0xc2);
  if (typeof value === "number") return encodeNumber(value);
  if (typeof value === "string") return lengthHeader(value.length, 0xa0, 31, [0xd9, 0xda, 0xdb]) + value;
  if (Array.isArray(value)) return lengthHeader(value.length, 0x90, 15, [undefined, 0xdc, 0xdd]) + value.map(encodeMsgpack).join("");
  let out = lengthHeader(value.size, 0x80, 15, [undefined, 0xde, 0xdf]);
  for (const [key, item] of value) out += encodeMsgpack(key) + encodeMsgpack(item);
  return out;
}

const TOO_MANY_VALUES = "too many return values at once; use unpack_one or unpack_limit instead.";

/**
 * mp_unpack_full: decodes up to `limit` objects from byte `offset` (both 0: every object, and no
 * next offset). `stackSlots` is what the C function holds on the Lua stack before its first
 * result, for Lua 5.1's stack limit. `next` is the offset to continue from, -1 at the end.
 */
export function unpackMsgpack(data: string, limit: number, offset: number, stackSlots: number): { values: PlainValue[]; next?: number } {
  const decodeAll = limit === 0 && offset === 0;
  // compat: the C prints the input length where the limit belongs.
  if (offset < 0 || limit < 0) throw new PositionedError(`Invalid request to unpack with offset of ${asCInt(offset)} and limit of ${asCInt(data.length)}.`);
  if (offset > data.length) throw new PositionedError(`Start offset ${asCInt(offset)} greater than input length ${asCInt(data.length)}.`);
  const reader = new MsgpackReader(data, offset, stackSlots);
  const values: PlainValue[] = [];
  for (let count = 0; reader.position < data.length && (decodeAll || count < limit); count++) {
    values.push(reader.read());
    reader.slots++;
  }
  if (decodeAll) return { values };
  checkStack(reader.slots, 1, "in function mp_unpack_full");
  return { values, next: reader.position === data.length ? -1 : reader.position };
}

/** One pass over the buffer; `slots` follows the Lua stack the C decoder would be using. */
class MsgpackReader {
  constructor(
    private readonly data: string,
    public position: number,
    public slots: number,
  ) {}

  private need(size: number): void {
    if (this.position + size > this.data.length) throw new PositionedError("Missing bytes in input.");
  }

  private uint(size: number): bigint {
    this.need(size);
    let n = 0n;
    for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(this.data.charCodeAt(this.position + i));
    this.position += size;
    return n;
  }

  /** A size or count: the C reads these as unsigned. */
  private length(size: number): number {
    return Number(this.uint(size));
  }

  /** compat: uint 64 too is read as signed (lua_pushunsigned is lua_pushinteger in Lua 5.1). */
  private int(size: number): number {
    return Number(BigInt.asIntN(size * 8, this.uint(size)));
  }

  private float(size: 4 | 8): number {
    this.need(size);
    const view = new DataView(new ArrayBuffer(size));
    for (let i = 0; i < size; i++) view.setUint8(i, this.data.charCodeAt(this.position + i));
    this.position += size;
    return size === 4 ? view.getFloat32(0) : view.getFloat64(0);
  }

  private string(length: number): string {
    this.need(length);
    const out = this.data.slice(this.position, this.position + length);
    this.position += length;
    return out;
  }

  private array(length: number): PlainValue[] {
    this.slots++;
    checkStack(this.slots, 1, "in function mp_decode_to_lua_array");
    const out: PlainValue[] = [];
    for (let i = 0; i < length; i++) {
      this.slots++; // the index
      out.push(this.read());
      this.slots--;
    }
    this.slots--;
    return out;
  }

  private map(length: number): Map<PlainValue, PlainValue> {
    this.slots++;
    const out = new Map<PlainValue, PlainValue>();
    for (let i = 0; i < length; i++) {
      const key = this.read();
      this.slots++;
      const value = this.read();
      this.slots--;
      // Lua's settable refuses these keys; the error carries no position (it is the VM's).
      if (key === null) throw new VmError("table index is nil");
      if (typeof key === "number" && Number.isNaN(key)) throw new VmError("table index is NaN");
      out.set(key, value);
    }
    this.slots--;
    return out;
  }

  /** mp_decode_to_lua_type: one object; its value is left for the caller to count on the stack. */
  read(): PlainValue {
    this.need(1);
    checkStack(this.slots, 1, TOO_MANY_VALUES);
    const code = this.data.charCodeAt(this.position++);
    if (code < 0x80) return code;
    if (code >= 0xe0) return code - 256;
    if ((code & 0xe0) === 0xa0) return this.string(code & 0x1f);
    if ((code & 0xf0) === 0x90) return this.array(code & 0x0f);
    if ((code & 0xf0) === 0x80) return this.map(code & 0x0f);
    switch (code) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xca:
        return this.float(4);
      case 0xcb:
        return this.float(8);
      case 0xcc:
        return this.length(1);
      case 0xcd:
        return this.length(2);
      case 0xce:
        return this.length(4);
      case 0xcf:
      case 0xd3:
        return this.int(8);
      case 0xd0:
        return this.int(1);
      case 0xd1:
        return this.int(2);
      case 0xd2:
        return this.int(4);
      case 0xd9:
        return this.string(this.length(1));
      case 0xda:
        return this.string(this.length(2));
      case 0xdb:
        return this.string(this.length(4));
      case 0xdc:
        return this.array(this.length(2));
      case 0xdd:
        return this.array(this.length(4));
      case 0xde:
        return this.map(this.length(2));
      case 0xdf:
        return this.map(this.length(4));
      default:
        // compat: bin 8/16/32 and the ext types are not read: Redis's decoder predates them.
        throw new PositionedError("Bad data format in input.");
    }
  }
}
