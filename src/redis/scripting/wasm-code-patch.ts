// Byte patches of a WebAssembly module's code, applied to its binary before it is compiled. A
// patch gives the exact instruction bytes to find in the code section, which must hold them
// exactly once (or as many times as the patch says), and the bytes to write instead, of the same
// length, so nothing else in the module moves. A module that no longer holds them (a new build of
// the dependency) is refused with the patch's description instead of running unpatched.

/** Instruction bytes to find in the code section, and their same-length replacement. */
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

/** Where the code section's content starts and ends. */
function codeSection(binary: Uint8Array): { start: number; end: number } {
  let at = 8; // past the magic number and the version
  while (at < binary.length) {
    const id = binary[at++]!;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = binary[at++]!;
      size += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    if (id === SECTION_CODE) return { start: at, end: at + size };
    at += size;
  }
  throw new Error("the module has no code section");
}

/** A copy of the binary with each patch applied, or an error naming the patch that does not fit. */
export function patchCode(binary: Uint8Array, patches: CodePatch[]): Uint8Array {
  const patched = new Uint8Array(binary);
  const { start, end } = codeSection(patched);
  const code = Buffer.from(patched.buffer, patched.byteOffset + start, end - start);
  for (const { where, find, replace, occurrences = 1 } of patches) {
    if (find.length !== replace.length) throw new Error(`the patch of ${where} changes the code's length`);
    const places: number[] = [];
    for (let at = code.indexOf(find); at !== -1; at = code.indexOf(find, at + 1)) places.push(at);
    if (places.length !== occurrences) {
      throw new Error(`the module's code does not hold the instructions of ${where} exactly ${occurrences === 1 ? "once" : `${occurrences} times`}: the module changed`);
    }
    for (const at of places) code.set(replace, at);
  }
  return patched;
}
