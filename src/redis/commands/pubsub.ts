// Pub/Sub commands (Redis pubsub.c) over the database's broker (src/redis/pubsub.ts). Over REST
// a client subscribes through the SSE routes (pubsub-routes.ts), not with SUBSCRIBE, so only the
// commands that answer at once are here. Nothing here touches the keyspace or the change log.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import type { Reply } from "../engine/reply.ts";
import { helpReply } from "./help.ts";
import { brokerOf, existingBrokerOf } from "../pubsub.ts";

const group = "pubsub";

// PUBLISH channel message
function publishCommand(ctx: CommandContext, argv: string[]): Reply {
  return existingBrokerOf(ctx.db)?.publish(argv[1]!, argv[2]!) ?? 0;
}

// PUBSUB CHANNELS [pattern]
function pubsubChannelsCommand(ctx: CommandContext, argv: string[]): Reply {
  return brokerOf(ctx.db).activeChannels(argv[2]);
}

// PUBSUB NUMSUB [channel [channel ...]]
function pubsubNumsubCommand(ctx: CommandContext, argv: string[]): Reply {
  const broker = brokerOf(ctx.db);
  return argv.slice(2).flatMap((channel) => [channel, broker.subscriberCount(channel)]);
}

// PUBSUB NUMPAT
function pubsubNumpatCommand(ctx: CommandContext, _argv: string[]): Reply {
  return brokerOf(ctx.db).patternCount();
}

// PUBSUB SHARDCHANNELS [pattern]
function pubsubShardchannelsCommand(_ctx: CommandContext, _argv: string[]): Reply {
  // compat: sharded channels (SSUBSCRIBE) cannot be subscribed to over REST, so there are none.
  return [];
}

// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
function pubsubShardnumsubCommand(_ctx: CommandContext, argv: string[]): Reply {
  return argv.slice(2).flatMap((channel) => [channel, 0]);
}

// PUBSUB HELP
function pubsubHelpCommand(_ctx: CommandContext, _argv: string[]): Reply {
  return helpReply("PUBSUB", [
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
  ]);
}

const introspection: CommandSpec["flags"] = ["pubsub", "loading", "stale"];

export const pubsubCommands: CommandSpec[] = [
  // compat: refused to read-only tokens ("restricted"): a browser-side token may listen, not publish.
  { name: "publish", arity: 3, flags: ["pubsub", "loading", "stale", "fast", "restricted"], group, summary: "Posts a message to a channel.", since: "2.0.0", run: publishCommand },
  {
    name: "pubsub", arity: -2, flags: [], group, summary: "A container for Pub/Sub commands.", since: "2.8.0",
    subcommands: [
      { name: "pubsub|channels", arity: -2, flags: introspection, group, summary: "Returns the active channels.", since: "2.8.0", run: pubsubChannelsCommand },
      { name: "pubsub|numsub", arity: -2, flags: introspection, group, summary: "Returns a count of subscribers to channels.", since: "2.8.0", run: pubsubNumsubCommand },
      { name: "pubsub|numpat", arity: 2, flags: introspection, group, summary: "Returns a count of unique pattern subscriptions.", since: "2.8.0", run: pubsubNumpatCommand },
      { name: "pubsub|shardchannels", arity: -2, flags: introspection, group, summary: "Returns the active shard channels.", since: "7.0.0", run: pubsubShardchannelsCommand },
      { name: "pubsub|shardnumsub", arity: -2, flags: introspection, group, summary: "Returns the count of subscribers of shard channels.", since: "7.0.0", run: pubsubShardnumsubCommand },
      { name: "pubsub|help", arity: 2, flags: introspection, group, summary: "Returns helpful text about the different subcommands.", since: "6.2.0", run: pubsubHelpCommand },
    ],
  },
];
