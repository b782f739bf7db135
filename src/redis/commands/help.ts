// The HELP subcommand of container commands (SCRIPT, FUNCTION, PUBSUB, XINFO, OBJECT ...),
// worded like Redis's addReplyHelp: a title, the container's lines, then its own HELP entry.

import { StatusReply, type Reply } from "../engine/reply.ts";

export function helpReply(container: string, lines: string[]): Reply {
  return [`${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, "HELP", "    Prints this help."].map((line) => new StatusReply(line));
}
