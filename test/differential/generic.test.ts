// Proves the generic keyspace commands answer exactly like a real redis-server 7.0: existence,
// deletion, every EXPIRE flavour with NX/XX/GT/LT (randomly and as an exhaustive sweep), TTL reads
// (within a second: the servers read the clock at different instants), RENAME/COPY across types,
// KEYS, a complete SCAN, the unknown-command error with its quoted arguments, and the HELP
// texts served in full.

import { expireOptionSweep, genericEntries } from "./commands.ts";
import { describeDifferential } from "./differential.ts";
import { genericFamily } from "./families.ts";

describeDifferential({
  family: genericFamily,
  own: genericEntries,
  seeds: [21, 22, 23, 24],
  steps: 5000,
  scripts: { "EXPIRE flag combinations": expireOptionSweep(), "OBJECT and XINFO HELP": [["OBJECT", "HELP"], ["XINFO", "HELP"]] },
});
