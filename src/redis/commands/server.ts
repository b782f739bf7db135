// Connection and server commands: PING, ECHO, TIME, DBSIZE, FLUSHDB, INFO, COMMAND, MEMORY, OBJECT.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { PONG, type Reply } from "../engine/reply.ts";

const group = "connection";

// PING [message]
function pingCommand(_ctx: CommandContext, argv: string[]): Reply {
  return argv.length > 1 ? argv[1]! : PONG;
}

// ECHO message
function echoCommand(_ctx: CommandContext, argv: string[]): Reply {
  return argv[1]!;
}

export const serverCommands: CommandSpec[] = [
  { name: "ping", arity: -1, flags: ["fast"], group, summary: "Returns the server's liveliness response.", since: "1.0.0", run: pingCommand },
  { name: "echo", arity: 2, flags: ["fast"], group, summary: "Returns the given string.", since: "1.0.0", run: echoCommand },
];
