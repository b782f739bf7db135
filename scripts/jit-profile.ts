// Reading `perf record -g` samples of a Bun process by JavaScript function (profile-server.ts).
// JavaScriptCore, run with BUN_JSC_useJITDump=1, writes every piece of machine code it makes to a
// JITDump file (the format perf's own `perf inject --jit` reads: a header, then records, of which a
// code load names the code's address range). Bun's own native code has no symbols, so a sample in
// it is told by the nearest JavaScript function on its stack instead.

/** One piece of JIT code: its address range and JavaScriptCore's name for it, e.g. "JSC-FTL: get#CNkJW8". */
export interface JitCode {
  start: bigint;
  size: bigint;
  name: string;
}

const JIT_CODE_LOAD = 0;
const RECORD_HEADER_BYTES = 16; // id u32, total size u32, timestamp u64
const CODE_LOAD_FIELDS_BYTES = 40; // pid u32, tid u32, vma u64, code address u64, code size u64, index u64

/** The code loads of a JITDump file, in file order (a later load may reuse an earlier address). */
export function readJitDump(bytes: Uint8Array): JitCode[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const codes: JitCode[] = [];
  let offset = view.getUint32(8, true); // the header's own size
  while (offset + RECORD_HEADER_BYTES <= bytes.length) {
    const id = view.getUint32(offset, true);
    const size = view.getUint32(offset + 4, true);
    if (size < RECORD_HEADER_BYTES || offset + size > bytes.length) break; // cut short by a kill
    if (id === JIT_CODE_LOAD) {
      const fields = offset + RECORD_HEADER_BYTES;
      const nameStart = fields + CODE_LOAD_FIELDS_BYTES;
      const nameEnd = bytes.indexOf(0, nameStart);
      codes.push({
        start: view.getBigUint64(fields + 16, true),
        size: view.getBigUint64(fields + 24, true),
        name: new TextDecoder().decode(bytes.subarray(nameStart, nameEnd)),
      });
    }
    offset += size;
  }
  return codes;
}

/** The function a code name is for, without its tier: "JSC-FTL: get#CNkJW8" -> "get#CNkJW8". */
export function functionOf(codeName: string): string {
  const colon = codeName.indexOf(": ");
  const name = colon === -1 ? codeName : codeName.slice(colon + 2);
  return name === "" ? "(anonymous)" : name;
}

/** Finds the JIT code at an address; the latest load wins where freed code's addresses were reused. */
export class JitIndex {
  private readonly starts: bigint[];
  private readonly loads: { code: JitCode; order: number }[];

  constructor(codes: JitCode[]) {
    this.loads = codes.map((code, order) => ({ code, order })).sort((a, b) => (a.code.start < b.code.start ? -1 : a.code.start > b.code.start ? 1 : 0));
    this.starts = this.loads.map(({ code }) => code.start);
  }

  find(address: bigint): JitCode | undefined {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.starts[middle]! <= address) low = middle + 1;
      else high = middle;
    }
    // Every load starting at or before the address, nearest first; a few back is enough.
    let found: { code: JitCode; order: number } | undefined;
    for (let i = low - 1; i >= 0 && i >= low - 64; i--) {
      const load = this.loads[i]!;
      if (address < load.code.start + load.code.size && (found === undefined || load.order > found.order)) found = load;
    }
    return found?.code;
  }
}

export interface Frame {
  address: bigint;
  symbol: string;
  /** The file the address is in as perf names it: "[kernel.kallsyms]", ".../bun.exe"; JIT code has none of its own. */
  dso: string;
}

/** The samples of `perf script -F tid,ip,sym,dso` output of a `-g` recording: each its thread's id and its stack, leaf first. */
export function parsePerfScript(text: string): { thread: number; frames: Frame[] }[] {
  const samples: { thread: number; frames: Frame[] }[] = [];
  let current: { thread: number; frames: Frame[] } | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      current = undefined;
      continue;
    }
    if (current === undefined) {
      // The sample's head line: its thread's id (the callchain follows, one frame a line).
      current = { thread: Number(line.trim()), frames: [] };
      samples.push(current);
      continue;
    }
    const match = /^\s*([0-9a-f]+)\s+(.*?)\s+\(([^()]*)\)\s*$/.exec(line);
    if (match !== null) current.frames.push({ address: BigInt(`0x${match[1]}`), symbol: match[2]!, dso: match[3]! });
  }
  return samples;
}

export interface Summary {
  samples: number;
  /** Samples by where they landed: in JIT code (by function), or in native code or the kernel (by the nearest function on the stack). */
  self: Map<string, number>;
  /** Samples with the function anywhere on the stack. */
  inclusive: Map<string, number>;
}

/** Where the samples landed (a sample outside JIT code as "native", "kernel" or "libc" under the nearest function), and what ran them. */
export function summarize(samples: { frames: Frame[] }[], jit: JitIndex): Summary {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const { frames } of samples) {
    // perf names JIT code's file "[unknown]" or "/tmp/perf-<pid>.map"; its addresses are nobody else's.
    const names = frames.map((frame) => {
      const code = frame.dso.includes("kernel") ? undefined : jit.find(frame.address);
      return code === undefined ? undefined : functionOf(code.name);
    });
    const leaf = frames[0];
    if (leaf === undefined) continue;
    const nearest = names.find((name) => name !== undefined) ?? "(no JavaScript on the stack)";
    if (names[0] !== undefined) add(self, names[0]);
    else add(self, `${kindOf(leaf.dso)} under ${nearest}`);
    for (const name of new Set(names)) if (name !== undefined) add(inclusive, name);
  }
  return { samples: samples.length, self, inclusive };
}

function kindOf(dso: string): string {
  if (dso.includes("kernel")) return "kernel";
  if (dso.includes("libc") || dso.includes("ld-linux")) return "libc";
  return "native";
}
