// Proves the hash commands of Redis 7.0 answer exactly like a real redis-server: seeded random
// sequences over a few shared keys and fields (strings mixed in for WRONGTYPE), compared reply by
// reply; field order, HRANDFIELD's picks and HSCAN's paging are compared as sets and counts.

import { hashEntries } from "./commands.ts";
import { describeDifferential } from "./differential.ts";
import { hashesFamily } from "./families.ts";

describeDifferential({ family: hashesFamily, own: hashEntries, seeds: [11, 12, 13, 14], steps: 5000 });
