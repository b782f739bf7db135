// Redis values are byte strings. Inside the engine a byte string is a JS string whose every
// char code is one byte (0..255), a "binary string": length is the byte count, slicing is byte
// slicing, comparison is byte order, and Map keys hash natively. These helpers convert at the edges,
// and join the chunks of a request body read as a stream (Redis REST and QStash both do).

/**
 * Whether every char is below 0x80, for any JS string (its UTF-8 length equals its length only
 * then). The native byte count is about 4x faster than a regular expression over the same text.
 */
export function isAscii(text: string): boolean {
  return Buffer.byteLength(text) === text.length;
}

/** UTF-16 text (from JSON) to its UTF-8 bytes as a binary string. */
export function textToBinary(text: string): string {
  if (isAscii(text)) return text;
  return Buffer.from(text, "utf8").toString("latin1");
}

const highBytes = /[\x80-\xff]/;

/** A binary string to UTF-8 text; invalid sequences become U+FFFD, as Upstash documents. */
export function binaryToText(binary: string): string {
  if (!highBytes.test(binary)) return binary;
  return Buffer.from(binary, "latin1").toString("utf8");
}

export function bytesToBinary(bytes: Uint8Array): string {
  return latin1Slice(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength);
}

type Latin1Slicing = Buffer & { latin1Slice(start: number, end: number): string };

/**
 * `buffer[start, end)` as a binary string: Buffer's own latin1Slice (Node's, kept by Bun), which
 * toString("latin1", start, end) calls after looking the encoding up by name. For short strings
 * that lookup is most of the cost: a 17-byte string took ~70 ns instead of ~125 ns, and a
 * 1-million-key snapshot, a few million such strings, loaded ~10% faster.
 */
export function latin1Slice(buffer: Buffer, start: number, end: number): string {
  return (buffer as Latin1Slicing).latin1Slice(start, end);
}

export function binaryToBytes(binary: string): Uint8Array {
  return Buffer.from(binary, "latin1");
}

/** Base64 of the bytes a binary string holds. */
export function binaryToBase64(binary: string): string {
  return btoa(binary);
}

/** `chunks` (`totalBytes` long together) as one array; a lone chunk is returned as it is, uncopied. */
export function concatBytes(chunks: readonly Uint8Array[], totalBytes: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
