// Every command family's rows, assembled into the one table the dispatcher reads.

import { CommandTable } from "../engine/dispatcher.ts";
import { bitmapCommands } from "./bitmap.ts";
import { genericCommands } from "./generic.ts";
import { geoCommands } from "./geo.ts";
import { hashCommands } from "./hash.ts";
import { jsonCommands } from "./json.ts";
import { hyperloglogCommands } from "./hyperloglog.ts";
import { listCommands } from "./list.ts";
import { persistenceCommands } from "./persistence.ts";
import { pubsubCommands } from "./pubsub.ts";
import { scriptingCommands } from "./scripting.ts";
import { serverCommands } from "./server.ts";
import { setCommands } from "./set.ts";
import { sortCommands } from "./sort.ts";
import { streamCommands } from "./stream.ts";
import { stringCommands } from "./string.ts";
import { zsetCommands } from "./zset.ts";

export const allCommandSpecs = [...stringCommands, ...hashCommands, ...genericCommands, ...serverCommands, ...bitmapCommands, ...hyperloglogCommands, ...persistenceCommands, ...listCommands, ...setCommands, ...sortCommands, ...jsonCommands, ...streamCommands, ...zsetCommands, ...geoCommands, ...scriptingCommands, ...pubsubCommands];

export function createCommandTable(): CommandTable {
  return new CommandTable(allCommandSpecs);
}
