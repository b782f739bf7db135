// A small binary writer/reader for snapshot records: little-endian numbers and length-prefixed
// byte strings (binary strings, see util/bytes.ts). Readers check every bound, so a corrupt
// record throws a CorruptRecordError instead of producing a half-decoded value.

export class CorruptRecordError extends Error {}

export class BinaryWriter {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
    return this;
  }

  f64(value: number): this {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
    return this;
  }

  /** A binary string: u32 byte length, then its bytes. */
  bytes(binary: string): this {
    this.u32(binary.length);
    this.reserve(binary.length);
    for (let i = 0; i < binary.length; i++) this.buffer[this.length++] = binary.charCodeAt(i);
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export class BinaryReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly buffer: Uint8Array) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) throw new CorruptRecordError("record ends early");
  }

  u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }

  bytes(): string {
    const length = this.u32();
    this.need(length);
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).toString("latin1");
  }

  /** Throws unless every byte was consumed: trailing bytes mean the record is not what we wrote. */
  end(): void {
    if (this.offset !== this.buffer.length) throw new CorruptRecordError("record has trailing bytes");
  }
}
