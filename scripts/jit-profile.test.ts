import { describe, expect, test } from "bun:test";
import { JitIndex, functionOf, parsePerfScript, readJitDump, summarize } from "./jit-profile.ts";

/** A JITDump file as JavaScriptCore writes it: a 40-byte header, then records. */
function jitDump(loads: { start: number; size: number; name: string }[], trailing: Uint8Array = new Uint8Array()): Uint8Array {
  const header = new Uint8Array(40);
  new DataView(header.buffer).setUint32(8, 40, true);
  const records = loads.map(({ start, size, name }, index) => {
    const nameBytes = new TextEncoder().encode(`${name}\0`);
    const record = new Uint8Array(16 + 40 + nameBytes.length + size);
    const view = new DataView(record.buffer);
    view.setUint32(0, 0, true); // JIT_CODE_LOAD
    view.setUint32(4, record.length, true);
    view.setBigUint64(16 + 16, BigInt(start), true);
    view.setBigUint64(16 + 24, BigInt(size), true);
    view.setBigUint64(16 + 32, BigInt(index), true);
    record.set(nameBytes, 56);
    return record;
  });
  return Buffer.concat([header, ...records, trailing]);
}

describe("readJitDump", () => {
  test("reads each code load's address range and name, and stops at a record cut short", () => {
    const cut = new Uint8Array(16);
    new DataView(cut.buffer).setUint32(4, 500, true); // claims more bytes than the file has left
    const codes = readJitDump(jitDump([{ start: 0x7000, size: 64, name: "JSC-FTL: get#AAAAAA" }, { start: 0x8000, size: 32, name: "JSC-DFG: run#BBBBBB" }], cut));
    expect(codes).toEqual([
      { start: 0x7000n, size: 64n, name: "JSC-FTL: get#AAAAAA" },
      { start: 0x8000n, size: 32n, name: "JSC-DFG: run#BBBBBB" },
    ]);
  });
});

describe("JitIndex", () => {
  test("finds the code covering an address, the latest load where code was reused, and nothing past a code's end", () => {
    const index = new JitIndex([
      { start: 0x1000n, size: 0x100n, name: "JSC-Baseline: old#A" },
      { start: 0x1000n, size: 0x80n, name: "JSC-FTL: new#B" },
      { start: 0x2000n, size: 0x10n, name: "JSC-DFG: other#C" },
    ]);
    expect(index.find(0x1040n)?.name).toBe("JSC-FTL: new#B");
    expect(index.find(0x2008n)?.name).toBe("JSC-DFG: other#C");
    expect(index.find(0x2010n)).toBeUndefined();
    expect(index.find(0xfffn)).toBeUndefined();
  });
});

describe("functionOf", () => {
  test("drops the tier, and names code without a function", () => {
    expect(functionOf("JSC-FTL: get#CNkJW8")).toBe("get#CNkJW8");
    expect(functionOf("JSC-DFG: ")).toBe("(anonymous)");
  });
});

describe("summarize", () => {
  const script = [
    "4242 ",
    "\t    7000000010 [unknown] (/tmp/perf-4242.map)",
    "\t    7000000110 [unknown] ([unknown])",
    "",
    "4242 ",
    "\tffffffff81000130 entry_SYSCALL_64 ([kernel.kallsyms])",
    "\t         1a2b3c [unknown] (/opt/bun/bun.exe)",
    "\t    7000000110 [unknown] ([unknown])",
    "",
    "4243 ",
    "\t         1a2b3c [unknown] (/opt/bun/bun.exe)",
    "",
  ].join("\n");
  const jit = new JitIndex([
    { start: 0x7000000000n, size: 0x100n, name: "JSC-FTL: get#A" },
    { start: 0x7000000100n, size: 0x100n, name: "JSC-FTL: run#B" },
  ]);

  test("parses each sample's thread and stack, leaf first", () => {
    const samples = parsePerfScript(script);
    expect(samples.map((sample) => [sample.thread, sample.frames.length])).toEqual([
      [4242, 2],
      [4242, 3],
      [4243, 1],
    ]);
    expect(samples[1]!.frames[0]).toEqual({ address: 0xffffffff81000130n, symbol: "entry_SYSCALL_64", dso: "[kernel.kallsyms]" });
  });

  test("charges JIT samples to their function and others to the nearest function on their stack", () => {
    const summary = summarize(parsePerfScript(script), jit);
    expect(summary.samples).toBe(3);
    expect(Object.fromEntries(summary.self)).toEqual({ "get#A": 1, "kernel under run#B": 1, "native under (no JavaScript on the stack)": 1 });
    expect(Object.fromEntries(summary.inclusive)).toEqual({ "get#A": 1, "run#B": 2 });
  });
});
