// Proves scripts/bench.ts rewrites only its own section of BENCHMARKS.md: between its markers, or,
// in a file from before the markers, up to the first section another script owns.

import { describe, expect, test } from "bun:test";
import { replaceOwnSection } from "./bench.ts";

const START = "<!-- bench:start (scripts/bench.ts) -->";
const END = "<!-- bench:end -->";
const durability = "<!-- durability:start (scripts/bench-durability.ts) -->\n## Durability\n\nkept\n<!-- durability:end -->";

describe("replaceOwnSection", () => {
  test("replaces what lies between the markers and keeps everything around them", () => {
    const file = `${START}\n# Benchmarks\n\nold figures\n${END}\n\n${durability}\n\n## QStash\n\nalso kept\n`;
    expect(replaceOwnSection(file, "# Benchmarks\n\nnew figures\n")).toBe(
      `${START}\n# Benchmarks\n\nnew figures\n${END}\n\n${durability}\n\n## QStash\n\nalso kept\n`,
    );
  });

  test("in a file without markers, takes the top up to another script's block and puts markers around it", () => {
    const file = `# Benchmarks\n\n## Machine\n\n- old\n\n## Results\n\nold table\n\n${durability}\n`;
    expect(replaceOwnSection(file, "# Benchmarks\n\nnew")).toBe(`${START}\n# Benchmarks\n\nnew\n${END}\n\n${durability}\n`);
  });

  test("in a file without markers, stops at a heading it never writes", () => {
    const file = "# Benchmarks\n\n## Results\n\nold\n\n## QStash\n\nkept\n";
    expect(replaceOwnSection(file, "# Benchmarks\n\nnew")).toBe(`${START}\n# Benchmarks\n\nnew\n${END}\n\n## QStash\n\nkept\n`);
  });

  test("writes just its section into an empty or missing file", () => {
    expect(replaceOwnSection("", "# Benchmarks\n\nnew")).toBe(`${START}\n# Benchmarks\n\nnew\n${END}\n`);
  });
});
