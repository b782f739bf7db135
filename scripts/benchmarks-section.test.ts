import { describe, expect, test } from "bun:test";
import { replaceHeadingSection } from "./benchmarks-section.ts";

describe("replaceHeadingSection", () => {
  const text = "# Benchmarks\n\n## Kafka\n\nold kafka\n\n## QStash\n\nold qstash\n";

  test("replaces a middle section up to the next heading and keeps the rest", () => {
    expect(replaceHeadingSection(text, "Kafka", "## Kafka\n\nnew kafka\n")).toBe("# Benchmarks\n\n## Kafka\n\nnew kafka\n\n## QStash\n\nold qstash\n");
  });

  test("replaces the last section to the end of the file", () => {
    expect(replaceHeadingSection(text, "QStash", "## QStash\n\nnew qstash\n")).toBe("# Benchmarks\n\n## Kafka\n\nold kafka\n\n## QStash\n\nnew qstash\n");
  });

  test("appends a section the file does not have yet", () => {
    expect(replaceHeadingSection(text, "Lua", "## Lua\n\nlua\n")).toBe(`${text.trimEnd()}\n\n## Lua\n\nlua\n`);
  });

  test("a heading that only starts like the asked one is not it", () => {
    expect(replaceHeadingSection("# B\n\n## Kafka consumers\n\nx\n", "Kafka", "## Kafka\n\ny\n")).toBe("# B\n\n## Kafka consumers\n\nx\n\n## Kafka\n\ny\n");
  });
});
