// Proves the connection and server commands (PING, TIME, INFO, COMMAND, MEMORY, OBJECT, CLIENT):
// reply shapes and error texts as redis-server 7.0 gives them, and that COMMAND reads the live
// command table. In process, on a manual clock.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain } from "../../../test/harness/engine.ts";

const error = (message: string) => ({ error: message });
const statuses = (...lines: string[]) => lines.map((status) => ({ status }));


describe("PING", () => {
  test("answers PONG, or echoes its message", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("PING"))).toEqual({ status: "PONG" });
    expect(engine.run("PING", "hello")).toBe("hello");
  });

  test("takes at most one message", () => {
    expect(plain(createTestEngine().run("PING", "a", "b"))).toEqual(error("ERR wrong number of arguments for 'ping' command"));
  });
});

describe("ECHO", () => {
  test("returns its argument byte for byte", () => {
    const engine = createTestEngine();
    expect(engine.run("ECHO", "\xff\x00é")).toBe("\xff\x00é");
    expect(plain(engine.run("ECHO"))).toEqual(error("ERR wrong number of arguments for 'echo' command"));
  });
});

describe("TIME", () => {
  test("returns seconds and microseconds as strings, from the clock", () => {
    const engine = createTestEngine();
    engine.clock.set(1_700_000_000_123);
    expect(engine.run("TIME")).toEqual(["1700000000", "123000"]);
  });
});

describe("INFO", () => {
  const sectionTitles = (text: string) => [...text.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]);

  test("the default reply has every section in Redis's order and format", () => {
    const text = createTestEngine().run("INFO") as string;
    expect(sectionTitles(text)).toEqual(["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Cluster", "Keyspace"]);
    // "# Title" then "name:value" lines, all CRLF-terminated, sections separated by one empty line
    const section = String.raw`# \w+\r\n([a-z0-9_]+:[^\r\n]*\r\n)*`;
    expect(text).toMatch(new RegExp(`^${section}(\r\n${section})*$`));
    expect(text).toContain("redis_version:7.2.0\r\n");
    expect(text).toContain("maxmemory_policy:noeviction\r\n");
  });

  test("all, everything and default mean every section", () => {
    const engine = createTestEngine();
    const titles = sectionTitles(engine.run("INFO") as string);
    for (const name of ["all", "EVERYTHING", "default"]) expect(sectionTitles(engine.run("INFO", name) as string)).toEqual(titles);
  });

  test("keyspace lists db0 with key and expiry counts once it holds keys", () => {
    const engine = createTestEngine();
    expect(engine.run("INFO", "keyspace")).toBe("# Keyspace\r\n");
    engine.run("SET", "a", "1", "EX", 10);
    engine.run("SET", "b", "1");
    expect(engine.run("INFO", "KEYSPACE")).toBe("# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n");
  });

  test("several sections come in the fixed order; unknown ones are ignored", () => {
    const engine = createTestEngine();
    expect(sectionTitles(engine.run("INFO", "keyspace", "nosuch", "server") as string)).toEqual(["Server", "Keyspace"]);
    expect(engine.run("INFO", "nosuch")).toBe("");
  });

  test("replication reports the change-log position", () => {
    const engine = createTestEngine();
    engine.run("SET", "a", "1");
    engine.run("SET", "b", "1");
    expect(engine.run("INFO", "replication")).toBe("# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:2\r\n");
  });
});

describe("COMMAND", () => {
  test("describes every top-level command", () => {
    const engine = createTestEngine();
    const all = engine.run("COMMAND") as unknown[][];
    expect(all.length).toBe(engine.run("COMMAND", "COUNT") as number);
    expect(all.map((info) => info[0])).toContain("get");
  });

  test("an unknown subcommand points to COMMAND HELP", () => {
    expect(plain(createTestEngine().run("COMMAND", "foo"))).toEqual(error("ERR unknown subcommand 'foo'. Try COMMAND HELP."));
  });
});

describe("COMMAND COUNT", () => {
  test("counts the rows of the command table", () => {
    const engine = createTestEngine();
    expect(engine.run("COMMAND", "COUNT")).toBe(engine.dispatcher.table.all().length);
    expect(plain(engine.run("COMMAND", "COUNT", "x"))).toEqual(error("ERR wrong number of arguments for 'command|count' command"));
  });
});

describe("COMMAND INFO", () => {
  test("gives Redis 7's ten-field description, identical to redis-server's for GET", () => {
    expect(plain(createTestEngine().run("COMMAND", "INFO", "get"))).toEqual([
      [
        "get",
        2,
        statuses("readonly", "fast"),
        1,
        1,
        1,
        statuses("@read", "@string", "@fast"),
        [],
        [["flags", statuses("RO"), "begin_search", ["type", "index", "spec", ["index", 1]], "find_keys", ["type", "range", "spec", ["lastkey", 0, "keystep", 1, "limit", 0]]]],
        [],
      ],
    ]);
  });

  test("answers nil for unknown names and finds subcommands by full name", () => {
    const reply = plain(createTestEngine().run("COMMAND", "INFO", "nosuch", "OBJECT|ENCODING")) as unknown[][];
    expect(reply[0]).toBeNull();
    expect(reply[1]!.slice(0, 6)).toEqual(["object|encoding", 3, statuses("readonly"), 2, 2, 1]);
  });

  test("a container lists its subcommands; the Upstash-only restricted flag is not shown", () => {
    const engine = createTestEngine();
    const [object] = plain(engine.run("COMMAND", "INFO", "object")) as unknown[][];
    expect((object![9] as unknown[][]).map((sub) => sub[0])).toContain("object|encoding");
    const [scan] = plain(engine.run("COMMAND", "INFO", "scan")) as unknown[][];
    expect(scan![2]).toEqual(statuses("readonly"));
  });

  test("without names describes every command", () => {
    const engine = createTestEngine();
    expect((engine.run("COMMAND", "INFO") as unknown[]).length).toBe(engine.run("COMMAND", "COUNT") as number);
  });
});

describe("COMMAND DOCS", () => {
  test("maps names to summary, since and group from the table", () => {
    expect(createTestEngine().run("COMMAND", "DOCS", "ttl", "nosuch")).toEqual([
      "ttl",
      ["summary", "Returns the expiration time in seconds of a key.", "since", "1.0.0", "group", "generic"],
    ]);
  });

  test("a container's docs nest its subcommands'", () => {
    const [name, docs] = createTestEngine().run("COMMAND", "DOCS", "memory") as [string, unknown[]];
    expect(name).toBe("memory");
    const subcommands = docs[docs.indexOf("subcommands") + 1] as unknown[];
    expect(subcommands.slice(0, 2)).toEqual([
      "memory|usage",
      ["summary", "Estimates the memory usage of a key.", "since", "4.0.0", "group", "server"],
    ]);
  });

  test("without names documents every command", () => {
    const engine = createTestEngine();
    expect((engine.run("COMMAND", "DOCS") as unknown[]).length).toBe(2 * (engine.run("COMMAND", "COUNT") as number));
  });
});

describe("COMMAND LIST", () => {
  test("names every command and subcommand", () => {
    const names = createTestEngine().run("COMMAND", "LIST") as string[];
    expect(names).toContain("get");
    expect(names).toContain("object");
    expect(names).toContain("object|encoding");
  });

  test("FILTERBY PATTERN, ACLCAT and MODULE narrow the list", () => {
    const engine = createTestEngine();
    expect(engine.run("COMMAND", "LIST", "FILTERBY", "PATTERN", "OBJECT|E*")).toEqual(["object|encoding"]);
    expect(engine.run("COMMAND", "LIST", "filterby", "aclcat", "keyspace")).toContain("expire");
    expect(engine.run("COMMAND", "LIST", "FILTERBY", "ACLCAT", "keyspace")).not.toContain("get");
    expect(engine.run("COMMAND", "LIST", "FILTERBY", "MODULE", "search")).toEqual([]);
  });

  test("anything else is a syntax error", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("COMMAND", "LIST", "foo"))).toEqual(error("ERR syntax error"));
    expect(plain(engine.run("COMMAND", "LIST", "FILTERBY", "foo", "x"))).toEqual(error("ERR syntax error"));
  });
});

describe("COMMAND GETKEYS", () => {
  test("extracts keys from a full command, subcommands included", () => {
    const engine = createTestEngine();
    expect(engine.run("COMMAND", "GETKEYS", "RENAME", "a", "b")).toEqual(["a", "b"]);
    expect(engine.run("COMMAND", "GETKEYS", "del", "a", "b", "c")).toEqual(["a", "b", "c"]);
    expect(engine.run("COMMAND", "GETKEYS", "object", "encoding", "k")).toEqual(["k"]);
  });

  test("finds movable keys after numkeys and STREAMS, as Redis 7.0 does", () => {
    const engine = createTestEngine();
    const keys = (...argv: string[]) => plain(engine.run("COMMAND", "GETKEYS", ...argv));
    expect(keys("LMPOP", "2", "a", "b", "LEFT")).toEqual(["a", "b"]);
    expect(keys("ZMPOP", "2", "a", "b", "MIN")).toEqual(["a", "b"]);
    expect(keys("SINTERCARD", "2", "a", "b")).toEqual(["a", "b"]);
    expect(keys("ZINTER", "2", "a", "b")).toEqual(["a", "b"]);
    expect(keys("ZUNIONSTORE", "d", "2", "a", "b")).toEqual(["d", "a", "b"]);
    expect(keys("EVAL", "return 1", "2", "k1", "k2", "a")).toEqual(["k1", "k2"]);
    expect(keys("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", "s2", "0", "0")).toEqual(["s1", "s2"]);
    expect(keys("XREAD", "COUNT", "1", "STREAMS", "s1", "0")).toEqual(["s1"]);
    expect(keys("XREAD", "STREAMS", "s1", "0", "0")).toEqual(["s1"]);
    const invalid = error("ERR Invalid arguments specified for command");
    expect(keys("LMPOP", "0", "a", "LEFT")).toEqual(invalid);
    expect(keys("LMPOP", "5", "a", "LEFT")).toEqual(invalid);
    expect(keys("LMPOP", "abc", "a", "LEFT")).toEqual(invalid);
    expect(keys("ZUNIONSTORE", "d", "0", "a")).toEqual(invalid);
    expect(keys("EVAL", "return 1", "0")).toEqual(invalid);
    expect(keys("XREAD", "COUNT", "1", "STREAMS")).toEqual(invalid);
  });

  test("COMMAND INFO marks commands with movable keys", () => {
    const flags = (name: string) => (plain(createTestEngine().run("COMMAND", "INFO", name)) as unknown[][])[0]![2];
    expect(flags("lmpop")).toEqual(statuses("write", "movablekeys"));
    expect(flags("zunionstore")).toEqual(statuses("write", "denyoom", "movablekeys"));
    expect(flags("lpush")).not.toContainEqual({ status: "movablekeys" });
  });

  test("explains why it cannot, in Redis's words", () => {
    const engine = createTestEngine();
    expect([
      engine.run("COMMAND", "GETKEYS", "nosuch", "x"),
      engine.run("COMMAND", "GETKEYS", "ping", "x"),
      engine.run("COMMAND", "GETKEYS", "get", "a", "b"),
      engine.run("COMMAND", "GETKEYS", "get"),
    ].map(plain)).toEqual([
      error("ERR Invalid command specified"),
      error("ERR The command has no key arguments"),
      error("ERR Invalid number of arguments specified for command"),
      error("ERR wrong number of arguments for 'command|getkeys' command"),
    ]);
  });
});

describe("COMMAND HELP", () => {
  test("lists the subcommands as status lines", () => {
    const lines = plain(createTestEngine().run("COMMAND", "HELP")) as { status: string }[];
    expect(lines[0]).toEqual({ status: "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" });
    expect(lines.slice(-2)).toEqual(statuses("HELP", "    Prints this help."));
  });
});

describe("MEMORY USAGE", () => {
  test("estimates small strings exactly as redis-server 7.0 does", () => {
    const engine = createTestEngine();
    engine.run("SET", "i", "123");
    engine.run("SET", "e", "hello");
    engine.run("SET", "r", "x".repeat(45));
    expect([engine.run("MEMORY", "USAGE", "i"), engine.run("MEMORY", "USAGE", "e"), engine.run("MEMORY", "USAGE", "r")]).toEqual([48, 64, 112]);
  });

  test("sizes structures by their own estimate; a missing key is nil", () => {
    const engine = createTestEngine();
    for (let i = 0; i < 100; i++) engine.run("HSET", "h", `field:${i}`, "x".repeat(20));
    expect(engine.run("MEMORY", "USAGE", "h")).toBeGreaterThan(100 * 20);
    expect(engine.run("MEMORY", "USAGE", "missing", "SAMPLES", 0)).toBeNull();
  });

  test("SAMPLES takes a non-negative integer; anything else is refused", () => {
    const engine = createTestEngine();
    engine.run("SET", "i", "1");
    expect(engine.run("MEMORY", "USAGE", "i", "samples", 5)).toBe(48);
    expect([
      engine.run("MEMORY", "USAGE", "i", "SAMPLES"),
      engine.run("MEMORY", "USAGE", "i", "SAMPLES", -1),
      engine.run("MEMORY", "USAGE", "i", "SAMPLES", "x"),
      engine.run("MEMORY", "USAGE", "i", "foo"),
      engine.run("MEMORY", "USAGE"),
      engine.run("MEMORY"),
    ].map(plain)).toEqual([
      error("ERR syntax error"),
      error("ERR syntax error"),
      error("ERR value is not an integer or out of range"),
      error("ERR syntax error"),
      error("ERR wrong number of arguments for 'memory|usage' command"),
      error("ERR wrong number of arguments for 'memory' command"),
    ]);
  });

  test("is allowed to read-only tokens", () => {
    const engine = createTestEngine();
    engine.run("SET", "i", "1");
    expect(engine.runReadOnly("MEMORY", "USAGE", "i")).toBe(48);
  });
});

describe("MEMORY PURGE", () => {
  test("answers OK and leaves the keyspace as it was; read-only tokens may not ask", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(plain(engine.run("MEMORY", "PURGE"))).toEqual({ status: "OK" });
    expect(engine.run("GET", "k")).toBe("v");
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v"]]);
    expect(plain(engine.runReadOnly("MEMORY", "PURGE"))).toEqual(error("NOPERM this user has no permissions to run the 'memory' command or its subcommand"));
  });
});

describe("MEMORY HELP", () => {
  test("lists PURGE, USAGE and HELP", () => {
    expect(plain(createTestEngine().run("MEMORY", "HELP"))).toEqual(
      statuses(
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
      ),
    );
  });
});

describe("OBJECT ENCODING", () => {
  test("names string encodings as SET would choose them, structures by their own", () => {
    const engine = createTestEngine();
    const values: Record<string, string> = { int: "-123", leadingZero: "0123", embstr: "y".repeat(44), raw: "z".repeat(45) };
    for (const [key, value] of Object.entries(values)) engine.run("SET", key, value);
    engine.run("HSET", "h", "f", "v");
    expect(["int", "leadingZero", "embstr", "raw", "h", "missing"].map((key) => engine.run("OBJECT", "ENCODING", key))).toEqual([
      "int",
      "embstr",
      "embstr",
      "raw",
      "listpack",
      null,
    ]);
  });

  test("arity and unknown subcommands are reported like Redis", () => {
    const engine = createTestEngine();
    expect([engine.run("OBJECT", "encoding"), engine.run("OBJECT"), engine.run("OBJECT", "foo")].map(plain)).toEqual([
      error("ERR wrong number of arguments for 'object|encoding' command"),
      error("ERR wrong number of arguments for 'object' command"),
      error("ERR unknown subcommand 'foo'. Try OBJECT HELP."),
    ]);
  });
});

describe("OBJECT FREQ", () => {
  test("fails as Redis does without an LFU policy; nil for a missing key", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(engine.run("OBJECT", "FREQ", "missing")).toBeNull();
    expect(plain(engine.run("OBJECT", "FREQ", "k"))).toEqual(
      error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
      ),
    );
  });
});

describe("OBJECT IDLETIME", () => {
  test("reads 0 for an existing key (access times are not tracked), nil for a missing one", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    engine.clock.advance(60_000);
    expect([engine.run("OBJECT", "IDLETIME", "k"), engine.run("OBJECT", "IDLETIME", "missing")]).toEqual([0, null]);
  });
});

describe("OBJECT REFCOUNT", () => {
  test("reports Redis's shared integers 0..9999 as INT_MAX, everything else as 1", () => {
    const engine = createTestEngine();
    for (const [key, value] of [["small", "5"], ["limit", "9999"], ["large", "10000"], ["negative", "-1"], ["text", "abc"]]) {
      engine.run("SET", key!, value!);
    }
    expect(["small", "limit", "large", "negative", "text", "missing"].map((key) => engine.run("OBJECT", "REFCOUNT", key))).toEqual([
      2147483647,
      2147483647,
      1,
      1,
      1,
      null,
    ]);
  });
});

describe("OBJECT HELP", () => {
  // The text itself is compared with redis-server's in test/differential/generic.test.ts.
  test("lists each subcommand OBJECT serves with its arguments, then HELP", () => {
    const lines = (plain(createTestEngine().run("OBJECT", "HELP")) as { status: string }[]).map((line) => line.status);
    expect(lines[0]).toBe("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    for (const sub of ["ENCODING <key>", "FREQ <key>", "IDLETIME <key>", "REFCOUNT <key>"]) expect(lines).toContain(sub);
    expect(lines.slice(-2)).toEqual(["HELP", "    Prints this help."]);
  });
});

describe("CLIENT SETINFO", () => {
  test("accepts LIB-NAME and LIB-VER, as the SDK sends them", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("CLIENT", "SETINFO", "LIB-NAME", "upstash-redis"))).toEqual({ status: "OK" });
    expect(plain(engine.runReadOnly("client", "setinfo", "lib-ver", "1.39.0"))).toEqual({ status: "OK" });
  });

  test("rejects other attributes and values with spaces or control characters", () => {
    const engine = createTestEngine();
    expect([
      engine.run("CLIENT", "SETINFO", "LIB-COLOR", "x"),
      engine.run("CLIENT", "SETINFO", "lib-name", "my lib"),
      engine.run("CLIENT", "SETINFO", "LIB-NAME"),
      engine.run("CLIENT"),
      engine.run("CLIENT", "foo"),
    ].map(plain)).toEqual([
      error("ERR Unrecognized option 'LIB-COLOR'"),
      error("ERR lib-name cannot contain spaces, newlines or special characters."),
      error("ERR wrong number of arguments for 'client|setinfo' command"),
      error("ERR wrong number of arguments for 'client' command"),
      error("ERR unknown subcommand 'foo'. Try CLIENT HELP."),
    ]);
  });
});

describe("CLIENT HELP", () => {
  test("lists SETINFO and HELP", () => {
    const lines = plain(createTestEngine().run("CLIENT", "HELP")) as { status: string }[];
    expect(lines[0]).toEqual({ status: "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" });
    expect(lines[1]).toEqual({ status: "SETINFO <option> <value>" });
  });
});
