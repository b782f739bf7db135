// The Lua texts the installed @upstash/ratelimit sends, read from its bundle, so the benchmarks
// and the tests of the native twins run exactly what the client does.

import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The bundle of the installed package. */
export const ratelimitSource = readFileSync(join(import.meta.dir, "../node_modules/@upstash/ratelimit/dist/index.mjs"), "utf8");

/** One script by its variable name in the bundle, e.g. `slidingWindowLimitScript`. */
export function ratelimitScript(name: string): string {
  const match = new RegExp(`var ${name} = \`([\\s\\S]*?)\`;`).exec(ratelimitSource);
  if (match === null) throw new Error(`${name} not found in @upstash/ratelimit`);
  return match[1]!;
}
