// Proves the broker's bookkeeping: unsubscribing forgets empty channels, a subscriber over its
// backlog is dropped (and no longer counted) on the next delivery, and MONITOR lines carry
// Redis's timestamp and quoting.

import { describe, expect, test } from "bun:test";
import { PubSubBroker, quoteArgument, type Subscriber } from "./pubsub.ts";

describe("PubSubBroker", () => {
  test("unsubscribe removes the channel once empty", () => {
    const broker = new PubSubBroker();
    const subscriber: Subscriber = { deliver: () => true, drop() {} };
    broker.subscribe("c", subscriber);
    broker.unsubscribe("c", subscriber);
    expect(broker.activeChannels(undefined)).toEqual([]);
    expect(broker.publish("c", "m")).toBe(0);
  });

  test("a subscriber that refuses a delivery is dropped with a reason", () => {
    const broker = new PubSubBroker();
    const reasons: string[] = [];
    const slow: Subscriber = { deliver: () => false, drop: (reason) => reasons.push(reason) };
    broker.subscribe("c", slow);
    broker.psubscribe("*", slow);
    expect(broker.publish("c", "m")).toBe(2);
    expect(reasons).toEqual(["backlog_full", "backlog_full"]);
    expect(broker.publish("c", "m")).toBe(0);
    expect(broker.patternCount()).toBe(0);
  });

  test("MONITOR lines: seconds.micros, client, quoted arguments", () => {
    const broker = new PubSubBroker();
    const lines: string[] = [];
    broker.addMonitor({ deliver: (line) => (lines.push(line), true), drop() {} });
    broker.feedMonitors(["SET", "k", 'say "hi"\n\x01'], 1_721_284_005_242);
    expect(lines).toEqual(['1721284005.242000 [0 0.0.0.0:0] "SET" "k" "say \\"hi\\"\\n\\x01"']);
    expect(quoteArgument("\\")).toBe('"\\\\"');
  });
});
