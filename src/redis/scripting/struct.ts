// Roberto Ierusalimschy's `struct` library as Redis embeds it: struct.pack, struct.unpack and
// struct.size over binary strings. Format: `<` `>` `=` endianness, `!n` alignment, `x` pad byte,
// `b B h H l L T i[n] I[n]` integers (l/L/T are 8 bytes, i/I default 4), `f` `d` floats,
// `c[n]` fixed string (c0 takes the length from the previous value), `s` zero-terminated string.

interface Item {
  code: string;
  size: number;
}

function* items(format: string): Generator<Item | { endian: "little" | "big" } | { align: number }> {
  for (let i = 0; i < format.length; i++) {
    const code = format[i]!;
    const readNumber = (fallback: number): number => {
      let digits = "";
      while (i + 1 < format.length && format[i + 1]! >= "0" && format[i + 1]! <= "9") digits += format[++i];
      return digits === "" ? fallback : Number(digits);
    };
    switch (code) {
      case " ":
        break;
      case "<":
      case "=":
        yield { endian: "little" };
        break;
      case ">":
        yield { endian: "big" };
        break;
      case "!":
        yield { align: readNumber(8) };
        break;
      case "x":
      case "b":
      case "B":
        yield { code, size: 1 };
        break;
      case "h":
      case "H":
        yield { code, size: 2 };
        break;
      case "l":
      case "L":
      case "T":
        yield { code, size: 8 };
        break;
      case "i":
      case "I": {
        const size = readNumber(4);
        if (size < 1 || size > 8) throw new Error(`integral size ${size} is larger than limit of 8`);
        yield { code, size };
        break;
      }
      case "f":
        yield { code, size: 4 };
        break;
      case "d":
        yield { code, size: 8 };
        break;
      case "c":
        yield { code, size: readNumber(1) };
        break;
      case "s":
        yield { code, size: 0 };
        break;
      default:
        throw new Error(`invalid format option '${code}'`);
    }
  }
}

const isItem = (item: object): item is Item => "code" in item;

function padding(position: number, size: number, align: number): number {
  const alignment = Math.min(size, align);
  if (alignment <= 1 || (alignment & (alignment - 1)) !== 0) return 0;
  return (alignment - (position & (alignment - 1))) & (alignment - 1);
}

function integerBytes(value: number, size: number, littleEndian: boolean): string {
  let n = BigInt.asUintN(size * 8, BigInt(Math.trunc(value)));
  const bytes: number[] = [];
  for (let i = 0; i < size; i++) {
    bytes.push(Number(n & 0xffn));
    n >>= 8n;
  }
  if (!littleEndian) bytes.reverse();
  return String.fromCharCode(...bytes);
}

export function structPack(format: string, values: (string | number)[]): string {
  let out = "";
  let littleEndian = true;
  let align = 1;
  let next = 0;
  const take = (): string | number => {
    if (next >= values.length) throw new Error(`bad argument #${next + 2} to 'pack' (no value)`);
    return values[next++]!;
  };
  const number = (): number => {
    const value = take();
    const n = typeof value === "number" ? value : Number(value);
    if (Number.isNaN(n)) throw new Error(`bad argument #${next + 1} to 'pack' (number expected, got string)`);
    return n;
  };
  for (const item of items(format)) {
    if (!isItem(item)) {
      if ("endian" in item) littleEndian = item.endian === "little";
      else align = item.align;
      continue;
    }
    out += "\x00".repeat(padding(out.length, item.size, align));
    switch (item.code) {
      case "x":
        out += "\x00";
        break;
      case "f":
      case "d": {
        const view = new DataView(new ArrayBuffer(item.size));
        if (item.size === 4) view.setFloat32(0, number(), littleEndian);
        else view.setFloat64(0, number(), littleEndian);
        out += String.fromCharCode(...new Uint8Array(view.buffer));
        break;
      }
      case "c": {
        const text = String(take());
        const size = item.size === 0 ? text.length : item.size;
        if (text.length < size) throw new Error("bad argument to 'pack' (string too short)");
        out += text.slice(0, size);
        break;
      }
      case "s": {
        const text = String(take());
        if (text.includes("\x00")) throw new Error("bad argument to 'pack' (string contains zeros)");
        out += text + "\x00";
        break;
      }
      default:
        out += integerBytes(number(), item.size, littleEndian);
    }
  }
  return out;
}

export function structUnpack(format: string, data: string, start: number): { values: (string | number)[]; next: number } {
  const values: (string | number)[] = [];
  let position = start - 1;
  if (position < 0 || position > data.length) throw new Error("bad argument #3 to 'unpack' (offset must be 1 or greater)");
  let littleEndian = true;
  let align = 1;
  const need = (size: number) => {
    if (position + size > data.length) throw new Error("bad argument #2 to 'unpack' (data string too short)");
  };
  for (const item of items(format)) {
    if (!isItem(item)) {
      if ("endian" in item) littleEndian = item.endian === "little";
      else align = item.align;
      continue;
    }
    position += padding(position, item.size, align);
    switch (item.code) {
      case "x":
        need(1);
        position += 1;
        break;
      case "f":
      case "d": {
        need(item.size);
        const view = new DataView(new ArrayBuffer(item.size));
        for (let i = 0; i < item.size; i++) view.setUint8(i, data.charCodeAt(position + i));
        values.push(item.size === 4 ? view.getFloat32(0, littleEndian) : view.getFloat64(0, littleEndian));
        position += item.size;
        break;
      }
      case "c": {
        let size = item.size;
        if (size === 0) {
          const previous = values.pop();
          if (typeof previous !== "number") throw new Error("bad argument to 'unpack' (format 'c0' needs a previous size)");
          size = previous;
        }
        need(size);
        values.push(data.slice(position, position + size));
        position += size;
        break;
      }
      case "s": {
        const end = data.indexOf("\x00", position);
        if (end === -1) throw new Error("bad argument #2 to 'unpack' (unfinished string in data)");
        values.push(data.slice(position, end));
        position = end + 1;
        break;
      }
      default: {
        need(item.size);
        let n = 0n;
        for (let i = 0; i < item.size; i++) {
          const byte = data.charCodeAt(littleEndian ? position + item.size - 1 - i : position + i);
          n = (n << 8n) | BigInt(byte);
        }
        const signed = item.code === "b" || item.code === "h" || item.code === "l" || item.code === "i";
        values.push(Number(signed ? BigInt.asIntN(item.size * 8, n) : n));
        position += item.size;
      }
    }
  }
  return { values, next: position + 1 };
}

export function structSize(format: string): number {
  let size = 0;
  let align = 1;
  for (const item of items(format)) {
    if (!isItem(item)) {
      if ("align" in item) align = item.align;
      continue;
    }
    if (item.code === "s" || (item.code === "c" && item.size === 0)) throw new Error("options 'c0' - 's' have undefined sizes");
    size += padding(size, item.size, align) + item.size;
  }
  return size;
}
