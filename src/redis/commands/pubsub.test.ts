// Proves PUBLISH counts the subscribers that received a message (channel and pattern ones) and
// the PUBSUB introspection replies, on the in-process engine with sinks standing in for streams.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain } from "../../../test/harness/engine.ts";
import { brokerOf, type Subscriber } from "../pubsub.ts";

function sink(): Subscriber & { lines: string[] } {
  const lines: string[] = [];
  return { lines, deliver: (line) => (lines.push(line), true), drop() {} };
}

describe("PUBLISH", () => {
  test("returns the receivers and delivers to channel and matching pattern subscribers", () => {
    const engine = createTestEngine();
    expect(engine.run("PUBLISH", "news", "nobody")).toBe(0);
    const direct = sink();
    const pattern = sink();
    brokerOf(engine.database).subscribe("news", direct);
    brokerOf(engine.database).psubscribe("n*", pattern);
    expect(engine.run("PUBLISH", "news", "hello, world")).toBe(2);
    expect(direct.lines).toEqual(["message,news,hello, world"]);
    expect(pattern.lines).toEqual(["pmessage,n*,news,hello, world"]);
    expect(engine.journal.argvs()).toEqual([]);
  });

  test("is refused to a read-only token", () => {
    const engine = createTestEngine();
    expect(plain(engine.runReadOnly("PUBLISH", "c", "m"))).toEqual({ error: "NOPERM this user has no permissions to run the 'publish' command or its subcommand" });
  });
});

describe("PUBSUB CHANNELS", () => {
  test("lists channels with subscribers, optionally by glob", () => {
    const engine = createTestEngine();
    brokerOf(engine.database).subscribe("news.tech", sink());
    brokerOf(engine.database).subscribe("sport", sink());
    expect((plain(engine.run("PUBSUB", "CHANNELS")) as string[]).sort()).toEqual(["news.tech", "sport"]);
    expect(plain(engine.run("PUBSUB", "CHANNELS", "news.*"))).toEqual(["news.tech"]);
  });
});

describe("PUBSUB NUMSUB", () => {
  test("counts channel subscribers, not pattern ones", () => {
    const engine = createTestEngine();
    brokerOf(engine.database).subscribe("a", sink());
    brokerOf(engine.database).subscribe("a", sink());
    brokerOf(engine.database).psubscribe("a*", sink());
    expect(plain(engine.run("PUBSUB", "NUMSUB", "a", "b"))).toEqual(["a", 2, "b", 0]);
    expect(plain(engine.run("PUBSUB", "NUMSUB"))).toEqual([]);
  });
});

describe("PUBSUB NUMPAT", () => {
  test("counts distinct patterns", () => {
    const engine = createTestEngine();
    brokerOf(engine.database).psubscribe("a*", sink());
    brokerOf(engine.database).psubscribe("a*", sink());
    brokerOf(engine.database).psubscribe("b?", sink());
    expect(engine.run("PUBSUB", "NUMPAT")).toBe(2);
  });
});

describe("PUBSUB SHARDCHANNELS", () => {
  test("is empty: shard channels cannot be subscribed to over REST", () => {
    expect(plain(createTestEngine().run("PUBSUB", "SHARDCHANNELS"))).toEqual([]);
  });
});

describe("PUBSUB SHARDNUMSUB", () => {
  test("counts zero for every shard channel", () => {
    expect(plain(createTestEngine().run("PUBSUB", "SHARDNUMSUB", "x"))).toEqual(["x", 0]);
  });
});

describe("PUBSUB HELP", () => {
  test("lists the subcommands", () => {
    const lines = (plain(createTestEngine().run("PUBSUB", "HELP")) as { status: string }[]).map((line) => line.status);
    expect(lines).toContain("NUMPAT");
  });
});
