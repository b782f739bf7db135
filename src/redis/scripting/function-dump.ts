// FUNCTION DUMP's payload as Redis 7.0 writes it, so libraries move between redis-server and
// downstash both ways: each library's code as an RDB string after the FUNCTION2 opcode, then the
// RDB version (2 bytes, little-endian) and a CRC-64 (Jones, reflected; 8 bytes, little-endian) of
// everything before it. Payloads are binary strings (one char per byte).
//
// Codes are written verbatim, as Redis writes those LZF cannot shorten by 4 bytes or more; Redis
// compresses the others, which RESTORE here reads too.

import { RedisError } from "../engine/errors.ts";

const RDB_OPCODE_FUNCTION2 = 245;
const RDB_OPCODE_FUNCTION_PRE_GA = 246;
/** The RDB version Redis 7.0 writes and reads: a payload from a later version is refused, as there. */
const RDB_VERSION = 10;
const RDB_ENC_LZF = 0xc3;

const crcTable = (() => {
  const table = new Array<bigint>(256);
  for (let i = 0; i < 256; i++) {
    let crc = BigInt(i);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
    table[i] = crc;
  }
  return table;
})();

/** Redis's crc64 (crc64.c): check value of "123456789" is 0xe9c6d914c4b8d9ca. */
function crc64(data: string): bigint {
  let crc = 0n;
  for (let i = 0; i < data.length; i++) crc = crcTable[Number((crc ^ BigInt(data.charCodeAt(i))) & 0xffn)]! ^ (crc >> 8n);
  return crc;
}

const bytesLE = (value: bigint, size: number): string => {
  let out = "";
  for (let i = 0; i < size; i++) out += String.fromCharCode(Number((value >> BigInt(8 * i)) & 0xffn));
  return out;
};

/** rdbSaveLen. */
function rdbLength(length: number): string {
  if (length < 64) return String.fromCharCode(length);
  if (length < 16384) return String.fromCharCode(0x40 | (length >> 8), length & 0xff);
  return String.fromCharCode(0x80, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

export function encodeFunctionDump(codes: string[]): string {
  let body = "";
  for (const code of codes) body += String.fromCharCode(RDB_OPCODE_FUNCTION2) + rdbLength(code.length) + code;
  return withFooter(body);
}

/** A payload's body with the RDB version and checksum after it (createDumpPayload's footer). */
export function withFooter(body: string): string {
  const versioned = body + bytesLE(BigInt(RDB_VERSION), 2);
  return versioned + bytesLE(crc64(versioned), 8);
}

const BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong";
/** A string that does not read, past a right checksum: only a crafted payload has one. */
const BAD_LIBRARY = "ERR Failed loading library payload";

class Reader {
  position = 0;
  constructor(readonly data: string) {}

  byte(): number {
    if (this.position >= this.data.length) throw new RedisError(BAD_LIBRARY);
    return this.data.charCodeAt(this.position++);
  }

  take(length: number): string {
    if (this.position + length > this.data.length) throw new RedisError(BAD_LIBRARY);
    const out = this.data.slice(this.position, this.position + length);
    this.position += length;
    return out;
  }

  /** rdbLoadLen; encoded tells a special encoding (its number in the low 6 bits). */
  length(): { value: number; encoded: boolean } {
    const first = this.byte();
    const kind = first >> 6;
    if (kind === 0) return { value: first & 0x3f, encoded: false };
    if (kind === 1) return { value: ((first & 0x3f) << 8) | this.byte(), encoded: false };
    if (kind === 3) return { value: first & 0x3f, encoded: true };
    if (first === 0x80) return { value: [0, 0, 0, 0].reduce((n) => n * 256 + this.byte(), 0), encoded: false };
    if (first === 0x81) return { value: Array.from({ length: 8 }).reduce<number>((n) => n * 256 + this.byte(), 0), encoded: false };
    throw new RedisError(BAD_LIBRARY);
  }

  /** rdbGenericLoadStringObject: verbatim, an integer, or LZF-compressed. */
  string(): string {
    const { value, encoded } = this.length();
    if (!encoded) return this.take(value);
    if (value === 0) return String((this.byte() << 24) >> 24);
    if (value === 1) return String(((this.byte() | (this.byte() << 8)) << 16) >> 16);
    if (value === 2) return String(this.byte() | (this.byte() << 8) | (this.byte() << 16) | (this.byte() << 24));
    if ((RDB_ENC_LZF & 0x3f) === value) {
      const compressedLength = this.length().value;
      const length = this.length().value;
      return lzfDecompress(this.take(compressedLength), length);
    }
    throw new RedisError(BAD_LIBRARY);
  }
}

/** lzf_decompress (liblzf, as Redis embeds it): literal runs and back references. */
function lzfDecompress(input: string, length: number): string {
  const out = new Uint8Array(length);
  let i = 0;
  let o = 0;
  while (i < input.length) {
    let control = input.charCodeAt(i++);
    if (control < 32) {
      control++;
      if (o + control > length || i + control > input.length) throw new RedisError(BAD_LIBRARY);
      for (; control > 0; control--) out[o++] = input.charCodeAt(i++);
    } else {
      let run = control >> 5;
      let reference = o - ((control & 0x1f) << 8) - 1;
      if (run === 7) run += input.charCodeAt(i++);
      reference -= input.charCodeAt(i++);
      run += 2;
      if (o + run > length || reference < 0 || i > input.length) throw new RedisError(BAD_LIBRARY);
      for (; run > 0; run--) out[o++] = out[reference++]!;
    }
  }
  if (o !== length) throw new RedisError(BAD_LIBRARY);
  return Buffer.from(out).toString("latin1");
}

/** The library codes of a payload FUNCTION DUMP wrote (here or in Redis 7.0), as functionRestoreCommand checks it. */
export function decodeFunctionDump(payload: string): string[] {
  // verifyDumpPayload: version and checksum first.
  if (payload.length < 10) throw new RedisError(BAD_PAYLOAD);
  const footer = payload.length - 10;
  const version = payload.charCodeAt(footer) | (payload.charCodeAt(footer + 1) << 8);
  let checksum = 0n;
  for (let i = 7; i >= 0; i--) checksum = (checksum << 8n) | BigInt(payload.charCodeAt(payload.length - 8 + i));
  if (version > RDB_VERSION || crc64(payload.slice(0, payload.length - 8)) !== checksum) {
    throw new RedisError(BAD_PAYLOAD);
  }
  const reader = new Reader(payload.slice(0, footer));
  const codes: string[] = [];
  while (reader.position < footer) {
    const type = reader.byte();
    // compat: Redis 7.0 still reads its release candidates' format; 7.2 refuses it in these words.
    if (type === RDB_OPCODE_FUNCTION_PRE_GA) throw new RedisError("ERR Pre-GA function format not supported");
    if (type !== RDB_OPCODE_FUNCTION2) throw new RedisError("ERR given type is not a function");
    codes.push(reader.string());
  }
  return codes;
}
