// A bug hunt beyond the fixed seeds: `bun test/differential/explore.ts <family> [fromSeed] [toSeed]
// [steps]` runs many seeds against a fresh redis-server, collects reply mismatches instead of
// stopping at the first, and prints one example per command and redis reply, oldest seed first.
// Add a seed that shows a new mismatch to the family's test once it is reported.

import { startRedisOracle } from "../harness/redis-oracle.ts";
import { runDifferential } from "./differential.ts";
import { families } from "./families.ts";

const [familyName = "", fromText = "1", toText = "50", stepsText = "5000"] = process.argv.slice(2);
const family = families[familyName];
if (family === undefined) {
  console.error(`usage: bun test/differential/explore.ts <${Object.keys(families).join("|")}> [fromSeed] [toSeed] [steps]`);
  process.exit(2);
}

const oracle = await startRedisOracle();
const examples = new Map<string, string>();
try {
  for (let seed = Number(fromText); seed <= Number(toText); seed++) {
    const found: string[] = [];
    try {
      await runDifferential(oracle.client, family, { seed, steps: Number(stepsText), collectMismatches: found });
    } catch (error) {
      found.push((error as Error).message);
    }
    for (const report of found) {
      const [headline = "", redisLine = ""] = report.split("\n");
      // One example per kind of redis reply (per command for non-errors): a bug recurs under many seeds.
      const command = headline.replace(/^.*?step \d+: /, "").split(" ")[0]!.toLowerCase();
      const signature = redisLine.includes("(error)") ? redisLine.slice(0, 50) : `${command} ${redisLine.slice(0, 20)}`;
      if (!examples.has(signature)) examples.set(signature, report);
    }
  }
} finally {
  await oracle.stop();
}
for (const report of examples.values()) console.log(`${report}\n`);
console.log(`${examples.size} distinct mismatches`);
process.exit(examples.size === 0 ? 0 : 1);
