// Pub/Sub for one database: channel and pattern subscriptions, PUBLISH fan-out, and MONITOR
// feeds. Subscribers are transport-neutral sinks (the SSE routes in pubsub-routes.ts make them);
// each has a bounded backlog, and a subscriber that cannot keep up is dropped with a reason
// rather than let a slow reader grow server memory. Patterns match with Redis's glob (glob.ts).
// A database's broker lives beside it (brokerOf), so PUBLISH and the routes share it.

import type { Database } from "./engine/database.ts";
import { globMatch } from "./engine/glob.ts";

/** One receiving end. `deliver` returns false when the receiver is gone or over its backlog. */
export interface Subscriber {
  deliver(line: string): boolean;
  /** Called when the broker drops the subscriber (its deliver said false). */
  drop(reason: string): void;
}

export class PubSubBroker {
  private readonly channels = new Map<string, Set<Subscriber>>();
  private readonly patterns = new Map<string, Set<Subscriber>>();
  private readonly monitors = new Set<Subscriber>();

  subscribe(channel: string, subscriber: Subscriber): void {
    add(this.channels, channel, subscriber);
  }

  unsubscribe(channel: string, subscriber: Subscriber): void {
    remove(this.channels, channel, subscriber);
  }

  psubscribe(pattern: string, subscriber: Subscriber): void {
    add(this.patterns, pattern, subscriber);
  }

  punsubscribe(pattern: string, subscriber: Subscriber): void {
    remove(this.patterns, pattern, subscriber);
  }

  /** Delivers to channel subscribers, then pattern subscribers; returns how many received it. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const failed: [Subscriber, () => void][] = [];
    const direct = this.channels.get(channel);
    if (direct !== undefined) {
      const line = `message,${channel},${message}`;
      for (const subscriber of direct) {
        receivers++;
        if (!subscriber.deliver(line)) failed.push([subscriber, () => this.unsubscribe(channel, subscriber)]);
      }
    }
    for (const [pattern, subscribers] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      const line = `pmessage,${pattern},${channel},${message}`;
      for (const subscriber of subscribers) {
        receivers++;
        if (!subscriber.deliver(line)) failed.push([subscriber, () => this.punsubscribe(pattern, subscriber)]);
      }
    }
    for (const [subscriber, forget] of failed) {
      forget();
      subscriber.drop("backlog_full");
    }
    return receivers;
  }

  /** PUBSUB CHANNELS: channels with at least one subscriber, optionally matching a pattern. */
  activeChannels(pattern: string | undefined): string[] {
    const names = [...this.channels.keys()];
    return pattern === undefined ? names : names.filter((name) => globMatch(pattern, name));
  }

  subscriberCount(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  /** PUBSUB NUMPAT: distinct patterns subscribed to. */
  patternCount(): number {
    return this.patterns.size;
  }

  addMonitor(subscriber: Subscriber): void {
    this.monitors.add(subscriber);
  }

  removeMonitor(subscriber: Subscriber): void {
    this.monitors.delete(subscriber);
  }

  get hasMonitors(): boolean {
    return this.monitors.size > 0;
  }

  /** One MONITOR line per command, as Redis formats it: `<s>.<us> [0 <client>] "CMD" "arg"`. */
  feedMonitors(argv: string[], atMs: number, source = "0.0.0.0:0"): void {
    if (this.monitors.size === 0) return;
    const seconds = Math.floor(atMs / 1000);
    const micros = String((atMs % 1000) * 1000).padStart(6, "0");
    const line = `${seconds}.${micros} [0 ${source}] ${argv.map(quoteArgument).join(" ")}`;
    for (const monitor of [...this.monitors]) {
      if (!monitor.deliver(line)) {
        this.monitors.delete(monitor);
        monitor.drop("backlog_full");
      }
    }
  }
}

function add(map: Map<string, Set<Subscriber>>, name: string, subscriber: Subscriber): void {
  let set = map.get(name);
  if (set === undefined) {
    set = new Set();
    map.set(name, set);
  }
  set.add(subscriber);
}

function remove(map: Map<string, Set<Subscriber>>, name: string, subscriber: Subscriber): void {
  const set = map.get(name);
  if (set === undefined) return;
  set.delete(subscriber);
  if (set.size === 0) map.delete(name);
}

/** Redis sdscatrepr: a quoted argument with C escapes, non-printable bytes as \xHH. */
export function quoteArgument(argument: string): string {
  let out = '"';
  for (let i = 0; i < argument.length; i++) {
    const code = argument.charCodeAt(i);
    const ch = argument[i]!;
    if (ch === "\\" || ch === '"') out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code === 7) out += "\\a";
    else if (code === 8) out += "\\b";
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else out += "\\x" + code.toString(16).padStart(2, "0");
  }
  return out + '"';
}

const brokers = new WeakMap<Database, PubSubBroker>();

export function brokerOf(db: Database): PubSubBroker {
  let broker = brokers.get(db);
  if (broker === undefined) {
    broker = new PubSubBroker();
    brokers.set(db, broker);
  }
  return broker;
}

/** The broker of a database if one was ever made (no allocation on the command hot path). */
export function existingBrokerOf(db: Database): PubSubBroker | undefined {
  return brokers.get(db);
}
