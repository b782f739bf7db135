// Proves that a code patch changes only its bytes, in the code section, that a replacement of
// another length leaves a module that runs it, and that a module which no longer holds the bytes
// exactly once is refused rather than run unpatched.

import { describe, expect, test } from "bun:test";
import { hex, patchCode } from "./wasm-code-patch.ts";

/** A module of one function `() -> i32` whose body returns `41 <n>` (i32.const n), with a data section holding the same bytes. */
const module = (constants: number[]) =>
  hex(`
    0061736d 01000000                     ;; magic, version 1
    01 05 01 60 00 01 7f                  ;; type section: () -> i32
    03 02 01 00                           ;; function section: one function of type 0
    05 03 01 00 01                        ;; memory section: one page
    07 05 01 01 66 00 00                  ;; export section: the function as "f"
    0a ${(constants.length * 2 + 4).toString(16).padStart(2, "0")} 01 ${(constants.length * 2 + 2).toString(16).padStart(2, "0")} 00
    ${constants.map((n) => `41 ${n.toString(16).padStart(2, "0")}`).join(" ")} 0b
    0b 08 01 00 41 00 0b 02 41 07          ;; data section: the bytes 41 07 at address 0
  `);

const returnsSeven = { where: "the test's function", find: hex("41 07"), replace: hex("41 09") };

describe("patchCode", () => {
  test("the found instructions are replaced in the code section only, in a copy", async () => {
    const original = module([0x07]);
    const patched = patchCode(original, [returnsSeven]);
    const changed = [...patched.keys()].filter((i) => patched[i] !== original[i]);
    expect(changed).toHaveLength(1);
    expect(original[changed[0]!]).toBe(0x07);
    expect(patched[changed[0]!]).toBe(0x09);
    // The data section's copy of the same bytes, at the end, is untouched.
    expect([...patched.slice(-2)]).toEqual([0x41, 0x07]);
    expect(await WebAssembly.validate(patched)).toBe(true);
  });

  test("a module without the instructions, or holding them twice, is refused with the patch's place", () => {
    expect(() => patchCode(module([0x05]), [returnsSeven])).toThrow("the test's function exactly once");
    expect(() => patchCode(module([0x07, 0x07]), [returnsSeven])).toThrow("the test's function exactly once");
  });

  test("a patch of instructions compiled alike at several places changes each, and only when it finds them that often", () => {
    const twice = { ...returnsSeven, occurrences: 2 };
    const patched = patchCode(module([0x07, 0x07]), [twice]);
    const changed = [...patched.keys()].filter((i) => patched[i] !== module([0x07, 0x07])[i]);
    expect(changed.map((i) => patched[i])).toEqual([0x09, 0x09]);
    expect(() => patchCode(module([0x07]), [twice])).toThrow("the test's function exactly 2 times");
  });

  test("a replacement of another length re-measures its function and the code section, and the module runs it", async () => {
    // i32.const 7 becomes i32.const 7; drop; i32.const 300 (two bytes as a LEB).
    const patched = patchCode(module([0x07]), [{ ...returnsSeven, replace: hex("41 07 1a 41 ac 02") }]);
    const { instance } = await WebAssembly.instantiate(patched);
    expect((instance.exports.f as () => number)()).toBe(300);
    // The data section after it is intact.
    expect([...patched.slice(-2)]).toEqual([0x41, 0x07]);
  });

  test("instructions must lie inside one function's body: bytes that take in its size are not found", () => {
    // The code section's content: the count (01), the body's size (04), then the body (00 41 07 0b).
    expect(() => patchCode(module([0x07]), [{ where: "the body with its size", find: hex("04 00 41 07"), replace: hex("04 00 41 09") }])).toThrow("exactly once");
  });

  test("hex reads pairs, skipping spaces and ;; comments", () => {
    expect([...hex("0a 0B ;; a comment 99\n ff")]).toEqual([0x0a, 0x0b, 0xff]);
  });
});
