// Generic keyspace commands (Redis db.c, expire.c): existence, deletion, TTLs, renaming, scanning.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import type { Reply } from "../engine/reply.ts";

const group = "generic";
const allKeys = { first: 1, last: -1, step: 1 };

// DEL key [key ...]
function delCommand(ctx: CommandContext, argv: string[]): Reply {
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.keyspace.get(argv[i]!) !== undefined && ctx.keyspace.delete(argv[i]!)) deleted++;
  ctx.dirty += deleted;
  if (deleted > 0) ctx.propagate(["DEL", ...argv.slice(1)]);
  return deleted;
}

// EXISTS key [key ...]
function existsCommand(ctx: CommandContext, argv: string[]): Reply {
  let found = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.keyspace.get(argv[i]!) !== undefined) found++;
  return found;
}

export const genericCommands: CommandSpec[] = [
  { name: "del", arity: -2, flags: ["write"], keys: allKeys, group, summary: "Deletes one or more keys.", since: "1.0.0", run: delCommand },
  { name: "exists", arity: -2, flags: ["readonly", "fast"], keys: allKeys, group, summary: "Determines whether one or more keys exist.", since: "1.0.0", run: existsCommand },
];
