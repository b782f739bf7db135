// MessagePack for the `cmsgpack` library Redis embeds (lua-cmsgpack): pack takes Lua values,
// unpack returns every object in the buffer. Strings are binary strings both ways; a table
// with keys exactly 1..n packs as an array, any other as a map (lua-cmsgpack's rule).

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

function encodeNumber(value: number): string {
  if (Number.isInteger(value) && Number.isSafeInteger(value)) {
    if (value >= 0) {
      if (value < 128) return bytes(value);
      if (value < 0x100) return bytes(0xcc, value);
      if (value < 0x10000) return bytes(0xcd) + uint(value, 2);
      if (value < 0x100000000) return bytes(0xce) + uint(value, 4);
      return bytes(0xcf) + uint(value, 8);
    }
    if (value >= -32) return bytes(value & 0xff);
    if (value >= -128) return bytes(0xd0, value & 0xff);
    if (value >= -32768) return bytes(0xd1) + uint(value, 2);
    if (value >= -2147483648) return bytes(0xd2) + uint(value, 4);
    return bytes(0xd3) + uint(value, 8);
  }
  const view = new DataView(new ArrayBuffer(8));
  if (Math.fround(value) === value || !Number.isFinite(value)) {
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

export function decodeMsgpack(data: string): PlainValue[] {
  let position = 0;
  const need = (size: number) => {
    if (position + size > data.length) throw new Error("Missing bytes in input.");
  };
  const readUint = (size: number): number => {
    need(size);
    let n = 0n;
    for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(data.charCodeAt(position + i));
    position += size;
    return Number(n);
  };
  const readInt = (size: number): number => {
    need(size);
    let n = 0n;
    for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(data.charCodeAt(position + i));
    position += size;
    return Number(BigInt.asIntN(size * 8, n));
  };
  const readFloat = (size: number): number => {
    need(size);
    const view = new DataView(new ArrayBuffer(size));
    for (let i = 0; i < size; i++) view.setUint8(i, data.charCodeAt(position + i));
    position += size;
    return size === 4 ? view.getFloat32(0) : view.getFloat64(0);
  };
  const readString = (length: number): string => {
    need(length);
    const out = data.slice(position, position + length);
    position += length;
    return out;
  };
  const readArray = (length: number, depth: number): PlainValue[] => {
    const out: PlainValue[] = [];
    for (let i = 0; i < length; i++) out.push(read(depth + 1));
    return out;
  };
  const readMap = (length: number, depth: number): Map<PlainValue, PlainValue> => {
    const out = new Map<PlainValue, PlainValue>();
    for (let i = 0; i < length; i++) {
      const key = read(depth + 1);
      out.set(key, read(depth + 1));
    }
    return out;
  };
  const read = (depth: number): PlainValue => {
    if (depth > 1000) throw new Error("Too many nested data structures.");
    need(1);
    const code = data.charCodeAt(position++);
    if (code < 0x80) return code;
    if (code >= 0xe0) return code - 256;
    if ((code & 0xe0) === 0xa0) return readString(code & 0x1f);
    if ((code & 0xf0) === 0x90) return readArray(code & 0x0f, depth);
    if ((code & 0xf0) === 0x80) return readMap(code & 0x0f, depth);
    switch (code) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xca:
        return readFloat(4);
      case 0xcb:
        return readFloat(8);
      case 0xcc:
        return readUint(1);
      case 0xcd:
        return readUint(2);
      case 0xce:
        return readUint(4);
      case 0xcf:
        return readUint(8);
      case 0xd0:
        return readInt(1);
      case 0xd1:
        return readInt(2);
      case 0xd2:
        return readInt(4);
      case 0xd3:
        return readInt(8);
      case 0xc4:
      case 0xd9:
        return readString(readUint(1));
      case 0xc5:
      case 0xda:
        return readString(readUint(2));
      case 0xc6:
      case 0xdb:
        return readString(readUint(4));
      case 0xdc:
        return readArray(readUint(2), depth);
      case 0xdd:
        return readArray(readUint(4), depth);
      case 0xde:
        return readMap(readUint(2), depth);
      case 0xdf:
        return readMap(readUint(4), depth);
      default:
        throw new Error("Bad data format in input.");
    }
  };
  const values: PlainValue[] = [];
  while (position < data.length) values.push(read(0));
  return values;
}
