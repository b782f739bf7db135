// Roberto Ierusalimschy's `struct` library as Redis 7.0 embeds it (deps/lua/src/lua_struct.c, on
// x86-64): pack, unpack and size over binary strings. Options: `<` `>` endianness (little by
// default), `!n` alignment, `x` pad, `b B h H l L T i[n] I[n]` integers (i/I up to 32 bytes), `f d`
// floats, `c[n]` and `s` strings; the format ends at its first NUL. Each function walks the format
// as the C does, so arguments are checked and errors thrown in its order (lua-arguments.ts).

import { ArgumentError, checkNumber, checkStack, checkString, NIL, optInteger, PositionedError, toNumber, type LuaArgument } from "./lua-arguments.ts";

/** MAXINTSIZE. */
const INTEGER_BYTES_MAX = 32;
/** MAXALIGN on x86-64: what `!` without a number sets. */
const ALIGN_DEFAULT = 8;
const INT_MAX = 2 ** 31 - 1;
const MASK64 = (1n << 64n) - 1n;
const INT64_MIN_BITS = 1n << 63n;

class Format {
  private index = 0;
  private readonly text: string;

  constructor(format: string) {
    // C reads the format as a C string.
    const end = format.indexOf("\0");
    this.text = end === -1 ? format : format.slice(0, end);
  }

  next(): string | undefined {
    return this.index < this.text.length ? this.text[this.index++] : undefined;
  }

  /** getnum: the digits at this point as an int, or the fallback when there are none. */
  number(fallback: number): number {
    if (!isDigit(this.text[this.index])) return fallback;
    let value = 0;
    do {
      const digit = this.text.charCodeAt(this.index) - 48;
      if (value > Math.floor(INT_MAX / 10) || value * 10 > INT_MAX - digit) throw new PositionedError("integral size overflow");
      value = value * 10 + digit;
      this.index++;
    } while (isDigit(this.text[this.index]));
    return value;
  }
}

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= "0" && ch <= "9";
const isAlphanumeric = (ch: string) => /^[0-9A-Za-z]$/.test(ch);
const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

interface Header {
  littleEndian: boolean;
  align: number;
}

/** The integer options (lower case signed), which pack and unpack treat alike whatever their size. */
const isIntegerOption = (option: string) => "bBhHlLTiI".includes(option);

/** optsize: the bytes an option takes (0 for the control options and `s`). */
function optionSize(option: string, format: Format): number {
  switch (option) {
    case "B":
    case "b":
    case "x":
      return 1;
    case "H":
    case "h":
      return 2;
    case "L":
    case "l":
    case "T":
    case "d":
      return 8;
    case "f":
      return 4;
    case "c":
      return format.number(1);
    case "i":
    case "I": {
      const size = format.number(4);
      if (size > INTEGER_BYTES_MAX) throw new PositionedError(`integral size ${size} is larger than limit of ${INTEGER_BYTES_MAX}`);
      return size;
    }
    default:
      return 0;
  }
}

/**
 * gettoalign: padding before an item of `size` bytes at `position`. compat: sizes that are not
 * powers of two (i3, i6) align by C's mask arithmetic, as Redis's do.
 */
function padding(position: number, header: Header, option: string, size: number): number {
  if (size === 0 || option === "c") return 0;
  const unit = Math.min(size, header.align);
  return (unit - (position & (unit - 1))) & (unit - 1);
}

/** controloptions: endianness, alignment and spaces; any other option is refused. */
function controlOption(option: string, format: Format, header: Header): void {
  switch (option) {
    case " ":
      return;
    case ">":
      header.littleEndian = false;
      return;
    case "<":
      header.littleEndian = true;
      return;
    case "!": {
      const align = format.number(ALIGN_DEFAULT);
      if (!isPowerOfTwo(align)) throw new PositionedError(`alignment ${align} is not a power of 2`);
      header.align = align;
      return;
    }
    default:
      throw new ArgumentError(1, `invalid format option '${option}'`);
  }
}

/**
 * compat: a double into an unsigned 64-bit integer as gcc's x86-64 code converts it: negative
 * values through a signed cast, NaN and values past the signed range to 1 << 63 (cvttsd2si's
 * "invalid" answer), and values from 2^64 up to 0.
 */
function doubleToUint64(value: number): bigint {
  if (value < 0) return value >= -(2 ** 63) ? BigInt.asUintN(64, BigInt(Math.trunc(value))) : INT64_MIN_BITS;
  if (Number.isNaN(value)) return INT64_MIN_BITS;
  if (value < 2 ** 63) return BigInt(Math.trunc(value));
  return value < 2 ** 64 ? BigInt(value) : 0n;
}

/** putinteger: the low bytes of the value; sizes past 8 bytes are zero-filled (no sign extension). */
function integerBytes(value: number, size: number, littleEndian: boolean): string {
  let bits = doubleToUint64(value);
  const bytes = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    bytes[littleEndian ? i : size - 1 - i] = Number(bits & 0xffn);
    bits >>= 8n;
  }
  return String.fromCharCode(...bytes);
}

/** getinteger: the last 8 bytes read count; the sign mask shifts by (size*8-1) mod 64, as x86 does. */
function readInteger(data: string, position: number, size: number, littleEndian: boolean, signed: boolean): number {
  let bits = 0n;
  for (let i = 0; i < size; i++) {
    const byte = data.charCodeAt(littleEndian ? position + size - 1 - i : position + i);
    bits = ((bits << 8n) | BigInt(byte)) & MASK64;
  }
  if (!signed) return Number(bits);
  const mask = (MASK64 << BigInt((size * 8 - 1) & 63)) & MASK64;
  if ((bits & mask) !== 0n) bits |= mask;
  return Number(BigInt.asIntN(64, bits));
}

// compat: NaN is written as x86's default NaN (sign set), the one 0/0 makes in Redis: the sign
// of a NaN does not survive into JS.
const NAN_FLOAT_BYTES = [0x00, 0x00, 0xc0, 0xff];
const NAN_DOUBLE_BYTES = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0xff];

function floatBytes(value: number, size: 4 | 8, littleEndian: boolean): string {
  let bytes: number[];
  if (Number.isNaN(value)) bytes = size === 4 ? NAN_FLOAT_BYTES : NAN_DOUBLE_BYTES;
  else {
    const view = new DataView(new ArrayBuffer(size));
    if (size === 4) view.setFloat32(0, value, true);
    else view.setFloat64(0, value, true);
    bytes = [...new Uint8Array(view.buffer)];
  }
  return String.fromCharCode(...(littleEndian ? bytes : [...bytes].reverse()));
}

function readFloat(data: string, position: number, size: 4 | 8, littleEndian: boolean): number {
  const view = new DataView(new ArrayBuffer(size));
  for (let i = 0; i < size; i++) view.setUint8(i, data.charCodeAt(position + i));
  return size === 4 ? view.getFloat32(0, littleEndian) : view.getFloat64(0, littleEndian);
}

// struct.pack(format, ...)
export function structPack(args: LuaArgument[]): string {
  const format = new Format(checkString(args, 1));
  // compat: Redis pushes a nil after the arguments, so the first missing one is "got nil".
  const values = [...args, NIL];
  const header: Header = { littleEndian: true, align: 1 };
  let out = "";
  let n = 2;
  for (let option = format.next(); option !== undefined; option = format.next()) {
    let size = optionSize(option, format);
    out += "\0".repeat(padding(out.length, header, option, size));
    if (isIntegerOption(option)) {
      out += integerBytes(checkNumber(values, n++), size, header.littleEndian);
      continue;
    }
    switch (option) {
      case "x":
        out += "\0";
        break;
      case "f":
      case "d":
        out += floatBytes(checkNumber(values, n++), size as 4 | 8, header.littleEndian);
        break;
      case "c":
      case "s": {
        const text = checkString(values, n++);
        if (size === 0) size = text.length;
        // The argument number is one past the string's: Redis counts it after moving on.
        if (text.length < size) throw new ArgumentError(n, "string too short");
        out += text.slice(0, size);
        if (option === "s") out += "\0";
        break;
      }
      default:
        controlOption(option, format, header);
    }
  }
  return out;
}

// struct.unpack(format, data [, offset])
export function structUnpack(args: LuaArgument[]): { values: (string | number)[]; next: number } {
  const format = new Format(checkString(args, 1));
  const data = checkString(args, 2);
  const offset = optInteger(args, 3, 1);
  if (offset === 0) throw new ArgumentError(3, "offset must be 1 or greater");
  // A negative offset is a size_t past any data: only an empty format reads nothing from it.
  let position = offset - 1;
  const length = data.length;
  const fits = (size: number) => position >= 0 && size <= length && position <= length - size;
  const header: Header = { littleEndian: true, align: 1 };
  const values: (string | number)[] = [];
  for (let option = format.next(); option !== undefined; option = format.next()) {
    let size = optionSize(option, format);
    position += padding(position, header, option, size);
    if (!fits(size)) throw new ArgumentError(2, "data string too short");
    checkStack(args.length + values.length, 2, "too many results");
    if (isIntegerOption(option)) values.push(readInteger(data, position, size, header.littleEndian, option === option.toLowerCase()));
    else switch (option) {
      case "x":
        break;
      case "f":
      case "d":
        values.push(readFloat(data, position, size as 4 | 8, header.littleEndian));
        break;
      case "c": {
        if (size === 0) {
          const previous = values.length === 0 ? undefined : toNumber(valueArgument(values[values.length - 1]!));
          if (previous === undefined) throw new PositionedError("format 'c0' needs a previous size");
          values.pop();
          const wanted = doubleToUint64(previous);
          if (wanted > BigInt(length)) throw new ArgumentError(2, "data string too short");
          size = Number(wanted);
          if (!fits(size)) throw new ArgumentError(2, "data string too short");
        }
        values.push(data.slice(position, position + size));
        break;
      }
      case "s": {
        const end = data.indexOf("\0", position);
        if (end === -1) throw new PositionedError("unfinished string in data");
        size = end - position + 1;
        values.push(data.slice(position, end));
        break;
      }
      default:
        controlOption(option, format, header);
    }
    position += size;
  }
  return { values, next: position + 1 };
}

const valueArgument = (value: string | number): LuaArgument => (typeof value === "number" ? { type: "number", value } : { type: "string", value });

// struct.size(format)
export function structSize(args: LuaArgument[]): number {
  const format = new Format(checkString(args, 1));
  const header: Header = { littleEndian: true, align: 1 };
  let position = 0;
  for (let option = format.next(); option !== undefined; option = format.next()) {
    const size = optionSize(option, format);
    position += padding(position, header, option, size);
    if (option === "s") throw new ArgumentError(1, "option 's' has no fixed size");
    if (option === "c" && size === 0) throw new ArgumentError(1, "option 'c0' has no fixed size");
    // compat: letters and digits that are no option count as nothing here (pack refuses them).
    if (!isAlphanumeric(option)) controlOption(option, format, header);
    position += size;
  }
  return position;
}
