// Proves the string commands answer exactly like a real redis-server 7.0: seeded random sequences
// of GET/SET (every option mix), INCR*/DECR*, ranges, LCS and friends over a few shared keys, with
// hashes mixed in for WRONGTYPE and garbage arguments, compared reply by reply; plus exhaustive
// sweeps of SET's and GETEX's option combinations on every kind of key.

import { getexOptionSweep, setOptionSweep, stringEntries } from "./commands.ts";
import { describeDifferential } from "./differential.ts";
import { stringsFamily } from "./families.ts";

describeDifferential({
  family: stringsFamily,
  own: stringEntries,
  seeds: [1, 2, 3, 4],
  steps: 5000,
  scripts: { "SET option combinations": setOptionSweep(), "GETEX option combinations": getexOptionSweep() },
});
