// Every command family's rows, assembled into the one table the dispatcher reads.

import { CommandTable } from "../engine/dispatcher.ts";
import { bitmapCommands } from "./bitmap.ts";
import { genericCommands } from "./generic.ts";
import { hashCommands } from "./hash.ts";
import { hyperloglogCommands } from "./hyperloglog.ts";
import { serverCommands } from "./server.ts";
import { stringCommands } from "./string.ts";

export const allCommandSpecs = [...stringCommands, ...hashCommands, ...genericCommands, ...serverCommands, ...bitmapCommands, ...hyperloglogCommands];

export function createCommandTable(): CommandTable {
  return new CommandTable(allCommandSpecs);
}
