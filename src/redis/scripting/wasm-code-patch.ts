// Byte patches of a WebAssembly module's code, applied to its binary before it is compiled. A
// patch gives the exact instruction bytes to find in the code section, which must hold them
// exactly once (or as many times as the patch says), each time inside one function's body, and the
// bytes to write instead. A replacement of another length re-measures its function's body and the
// code section: no instruction addresses another by its offset (branches name enclosing blocks),
// so nothing else has to move. A module that no longer holds the bytes (a new build of the
// dependency) is refused with the patch's description instead of running unpatched.

/** Instruction bytes to find in the code section, and their replacement. */
export interface CodePatch {
  /** Which source function the bytes come from, for the error when they are not found. */
  where: string;
  find: Uint8Array;
  replace: Uint8Array;
  /** How many times the code holds the bytes (a function inlined at places compiled alike); 1 by default. */
  occurrences?: number;
}

const SECTION_CODE = 10;

/** Bytes written as hex pairs, with whitespace and `;;` comments (to the end of a line) ignored. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/;;.*$/gm, "").replace(/\s+/g, ""), "hex"));
}

/** `length` nop instructions: the filler of a replacement shorter than the code it replaces. */
export function nops(length: number): Uint8Array {
  return new Uint8Array(length).fill(NOP);
}
const NOP = 0x01;

/** Where the code section starts (its id byte) and where its content starts and ends. */
function codeSection(binary: Uint8Array): { header: number; start: number; end: number } {
  let at = 8; // past the magic number and the version
  while (at < binary.length) {
    const header = at;
    const id = binary[at++]!;
    const size = readLeb(binary, at);
    at = size.next;
    if (id === SECTION_CODE) return { header, start: at, end: at + size.value };
    at += size.value;
  }
  throw new Error("the module has no code section");
}

/** An unsigned LEB128 number, and the offset past it. */
function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { value, next: at };
  }
}

function leb(value: number): number[] {
  const bytes: number[] = [];
  do {
    const low = value % 128;
    value = Math.floor(value / 128);
    bytes.push(value > 0 ? low | 0x80 : low);
  } while (value > 0);
  return bytes;
}

/** Where each function body (its locals and instructions) starts and ends in the code section's content. */
function functionBodies(content: Uint8Array): { start: number; end: number }[] {
  const count = readLeb(content, 0);
  const bodies: { start: number; end: number }[] = [];
  for (let i = 0, at = count.next; i < count.value; i++) {
    const size = readLeb(content, at);
    bodies.push({ start: size.next, end: size.next + size.value });
    at = size.next + size.value;
  }
  return bodies;
}

/** The body holding the bytes at..at+length, by binary search over the bodies in order. */
function bodyHolding(bodies: { start: number; end: number }[], at: number, length: number): number {
  let low = 0;
  let high = bodies.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (bodies[middle]!.start <= at) low = middle;
    else high = middle - 1;
  }
  return bodies[low]!.start <= at && at + length <= bodies[low]!.end ? low : -1;
}

/** A copy of the binary with each patch applied, or an error naming the patch that does not fit. */
export function patchCode(binary: Uint8Array, patches: CodePatch[]): Uint8Array {
  const section = codeSection(binary);
  const content = binary.subarray(section.start, section.end);
  const bodies = functionBodies(content);
  // Each body's replacements, applied once every patch has found its bytes in the original code.
  const edits = new Map<number, { at: number; length: number; replace: Uint8Array }[]>();
  for (const { where, find, replace, occurrences = 1 } of patches) {
    const code = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    const places: number[] = [];
    for (let at = code.indexOf(find); at !== -1; at = code.indexOf(find, at + find.length)) places.push(at);
    const inBodies = places.map((at) => bodyHolding(bodies, at, find.length));
    if (places.length !== occurrences || inBodies.includes(-1)) {
      throw new Error(`the module's code does not hold the instructions of ${where} exactly ${occurrences === 1 ? "once" : `${occurrences} times`}: the module changed`);
    }
    places.forEach((at, i) => {
      const body = inBodies[i]!;
      edits.set(body, [...(edits.get(body) ?? []), { at, length: find.length, replace }]);
    });
  }
  const parts: Uint8Array[] = [Buffer.from(leb(bodies.length))];
  bodies.forEach(({ start, end }, body) => {
    const code: Uint8Array[] = [];
    let from = start;
    for (const edit of (edits.get(body) ?? []).sort((a, b) => a.at - b.at)) {
      code.push(content.subarray(from, edit.at), edit.replace);
      from = edit.at + edit.length;
    }
    code.push(content.subarray(from, end));
    parts.push(Buffer.from(leb(code.reduce((size, bytes) => size + bytes.length, 0))), ...code);
  });
  const rebuilt = Buffer.concat(parts);
  return Buffer.concat([binary.subarray(0, section.header), Buffer.from([SECTION_CODE, ...leb(rebuilt.length)]), rebuilt, binary.subarray(section.end)]);
}
