// Persistence commands: SAVE, BGSAVE and LASTSAVE, over the database's durable store (the
// `Persistence` of database.ts, src/storage/persistence.ts). A database without one (unit-test
// engines) holds nothing on disk: SAVE succeeds at once and LASTSAVE reports the current time.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { errors } from "../engine/errors.ts";
import { OK, status, type Reply } from "../engine/reply.ts";

const group = "server";

// SAVE
function saveCommand(ctx: CommandContext, _argv: string[]): Reply {
  ctx.db.persistence?.save();
  return OK;
}

// BGSAVE [SCHEDULE]
function bgsaveCommand(ctx: CommandContext, argv: string[]): Reply {
  if (argv.length > 2 || (argv.length === 2 && argv[1]!.toUpperCase() !== "SCHEDULE")) throw errors.syntax();
  const outcome = ctx.db.persistence?.backgroundSave(argv.length === 2) ?? "started";
  return status(outcome === "started" ? "Background saving started" : "Background saving scheduled");
}

// LASTSAVE
function lastsaveCommand(ctx: CommandContext, _argv: string[]): Reply {
  return Math.floor((ctx.db.persistence?.lastSaveAtMs() ?? ctx.clock.nowMs()) / 1000);
}

// compat: SAVE and BGSAVE are refused to read-only tokens ("restricted"): a browser-side token
// must not be able to make the server write whole snapshots on demand.
export const persistenceCommands: CommandSpec[] = [
  { name: "save", arity: 1, flags: ["admin", "noscript", "no-multi", "restricted"], group, summary: "Synchronously saves the database(s) to disk.", since: "1.0.0", run: saveCommand },
  { name: "bgsave", arity: -1, flags: ["admin", "noscript", "restricted"], group, summary: "Asynchronously saves the database(s) to disk.", since: "1.0.0", run: bgsaveCommand },
  { name: "lastsave", arity: 1, flags: ["loading", "stale", "fast"], group, summary: "Returns the Unix timestamp of the last successful save to disk.", since: "1.0.0", run: lastsaveCommand },
];
