// The "## Heading" sections of BENCHMARKS.md that bench-kafka.ts, bench-qstash.ts and bench-lua.ts own: a
// section runs from its heading to the next "## " heading, and rewriting one leaves every other
// section as it was. A file without the heading gets the section appended at its end.

import { readFileSync, writeFileSync } from "node:fs";

/** `text` with the section under `## ${heading}` replaced by `section` (or appended). */
export function replaceHeadingSection(text: string, heading: string, section: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start === -1) return `${text.trimEnd()}\n\n${section}`;
  const next = text.indexOf("\n## ", start + 1);
  return text.slice(0, start + 1) + section + (next === -1 ? "" : `\n${text.slice(next + 1)}`);
}

/** Rewrites the section under `## ${heading}` of the file at `path` (which must exist). */
export function writeHeadingSection(path: string, heading: string, section: string): void {
  writeFileSync(path, replaceHeadingSection(readFileSync(path, "utf8"), heading, section));
}
