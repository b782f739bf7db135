// Proves each scripting and function command's replies, errors and journal on the in-process
// engine: scripts journal only their writes (never EVAL), libraries journal as replayable
// FUNCTION commands, read-only forms refuse writes with Redis's text, the script cache answers
// NOSCRIPT until EVAL or SCRIPT LOAD fills it, and keys expire by the script's start time while
// it runs.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain, TickingClock } from "../../../test/harness/engine.ts";
import { brokerOf } from "../pubsub.ts";
import { scriptingOf } from "../scripting/runner.ts";

const sha = (body: string) => new Bun.CryptoHasher("sha1").update(body).digest("hex");
const library = (name: string, extra = "") =>
  `#!lua name=${name}\nredis.register_function('${name}_echo', function(keys, args) return args[1] end)\n` +
  `redis.register_function{function_name='${name}_set', callback=function(keys, args) return redis.call('SET', keys[1], args[1]) end, description='sets', flags={'no-writes'}}\n${extra}`;

describe("EVAL", () => {
  test("runs with KEYS and ARGV as strings and journals each write it makes, not itself", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("EVAL", "redis.call('SET', KEYS[1], ARGV[1]) return {KEYS[1], ARGV[1], #ARGV}", 1, "k", 5))).toEqual(["k", "5", 1]);
    expect(engine.run("GET", "k")).toBe("5");
    expect(engine.journal.argvs()).toEqual([["SET", "k", "5"]]);
  });

  test("journals the replay-safe form of relative-TTL writes", () => {
    const engine = createTestEngine();
    engine.run("EVAL", "redis.call('SET', KEYS[1], 'v') return redis.call('PEXPIRE', KEYS[1], 1000)", 1, "k");
    const at = engine.clock.nowMs() + 1000;
    expect(engine.journal.argvs()).toEqual([["SET", "k", "v"], ["PEXPIREAT", "k", String(at)]]);
  });

  test("moves the sync token (LSN) only when the script writes", () => {
    const engine = createTestEngine();
    const before = engine.database.lsn;
    engine.run("EVAL", "return redis.call('GET', 'x')", 0);
    expect(engine.database.lsn).toBe(before);
    engine.run("EVAL", "redis.call('SET', 'a', '1') redis.call('SET', 'b', '2') return 1", 0);
    expect(engine.database.lsn).toBe(before + 2);
  });

  test("caches the script so EVALSHA of its SHA-1 hits afterwards", () => {
    const engine = createTestEngine();
    const body = "#!lua flags=allow-key-locking\nreturn ARGV[1]";
    expect(plain(engine.run("EVALSHA", sha(body), 0, "x"))).toEqual({ error: "NOSCRIPT No matching script. Please use EVAL." });
    expect(engine.run("EVAL", body, 0, "x")).toBe("x");
    expect(engine.run("EVALSHA", sha(body), 0, "y")).toBe("y");
  });

  test("checks numkeys like Redis", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("EVAL", "return 1", -1))).toEqual({ error: "ERR Number of keys can't be negative" });
    expect(plain(engine.run("EVAL", "return 1", 2, "a"))).toEqual({ error: "ERR Number of keys can't be greater than number of args" });
    expect(plain(engine.run("EVAL", "return 1", "x"))).toEqual({ error: "ERR value is not an integer or out of range" });
    expect(plain(engine.run("EVAL", "return 1"))).toEqual({ error: "ERR wrong number of arguments for 'eval' command" });
  });

  test("reports compile errors, shebang errors and runtime errors with Redis's texts", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("EVAL", "return (", 0))).toEqual({ error: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'" });
    expect(plain(engine.run("EVAL", "#!lua name=x\nreturn 1", 0))).toEqual({ error: "ERR Unknown lua shebang option: name=x" });
    expect(plain(engine.run("EVAL", "#!luax\nreturn 1", 0))).toEqual({ error: "ERR Unexpected engine in script shebang: #!luax" });
    expect(plain(engine.run("EVAL", "error('boom')", 0))).toEqual({ error: `ERR user_script:1: boom script: ${sha("error('boom')")}, on @user_script:1.` });
  });

  test("accepts Upstash's allow-key-locking flag and ignores unknown flags", () => {
    const engine = createTestEngine();
    expect(engine.run("EVAL", "#!lua flags=allow-key-locking,no-cluster,something-new\nreturn 7", 0)).toBe(7);
  });

  test("an error raised by redis.call carries the script's sha and line", () => {
    const engine = createTestEngine();
    engine.run("HSET", "h", "f", "v");
    const body = "local x = 1\nreturn redis.call('GET', 'h')";
    expect(plain(engine.run("EVAL", body, 0))).toEqual({
      error: `WRONGTYPE Operation against a key holding the wrong kind of value script: ${sha(body)}, on @user_script:2.`,
    });
  });

  test("refuses commands Redis keeps out of scripts", () => {
    const engine = createTestEngine();
    const body = "return redis.call('EVAL', 'return 1', 0)";
    expect(plain(engine.run("EVAL", body, 0))).toEqual({ error: `ERR This Redis command is not allowed from script script: ${sha(body)}, on @user_script:1.` });
  });

  test("Redis commands this server has no row for but Redis keeps out of scripts get Redis's texts", () => {
    // Checked against redis-server 7.0 with redis.pcall: arity first, then "not allowed".
    const engine = createTestEngine();
    const refusal = (...argv: string[]) => plain(engine.run("EVAL", `return redis.pcall(${argv.map((a) => `'${a}'`).join(", ")})`, 0));
    const notAllowed = { error: "ERR This Redis command is not allowed from script" };
    const wrongArity = { error: "ERR Wrong number of args calling Redis command from script" };
    expect([refusal("multi"), refusal("EXEC"), refusal("unwatch"), refusal("watch", "k"), refusal("subscribe", "c"), refusal("hello"), refusal("quit")]).toEqual(
      Array(7).fill(notAllowed),
    );
    expect([refusal("watch"), refusal("subscribe"), refusal("auth"), refusal("multi", "x"), refusal("psync")]).toEqual(Array(5).fill(wrongArity));
    expect(refusal("nosuchcmd")).toEqual({ error: "ERR Unknown Redis command called from script" });
  });

  test("a no-writes script refuses writes", () => {
    const engine = createTestEngine();
    const body = "#!lua flags=no-writes\nreturn redis.call('SET', 'a', '1')";
    expect(plain(engine.run("EVAL", body, 0))).toEqual({
      error: `ERR Write commands are not allowed from read-only scripts. script: ${sha(body)}, on @user_script:2.`,
    });
    expect(engine.journal.argvs()).toEqual([]);
  });

  test("MONITOR shows the commands a script runs as [0 lua], not those refused before they ran", () => {
    // As redis-server 7.0's MONITOR showed this script: BLMPOP with a bad timeout or numkeys and a
    // WRONGTYPE LPUSH are shown, a wrong arity and a write in a no-writes script are not.
    const engine = createTestEngine();
    const lines: string[] = [];
    brokerOf(engine.database).addMonitor({ deliver: (line) => lines.push(line) > 0, drop() {} });
    engine.run(
      "EVAL",
      "redis.pcall('BLMPOP', 'x', '1', 'l', 'LEFT') redis.pcall('BLMPOP', '0', '0', 'l', 'LEFT') redis.call('SET', 'str', 'v') " +
        "redis.pcall('LPUSH', 'str', 'x') redis.pcall('BLMPOP', '0', '1', 'l') redis.pcall('GET') return 1",
      0,
    );
    engine.run("EVAL", "#!lua flags=no-writes\nredis.pcall('SET', 'a', 'b') return redis.call('GET', 'a')", 0);
    expect(lines.map((line) => line.replace(/^\d+\.\d{6} /, ""))).toEqual([
      '[0 lua] "BLMPOP" "x" "1" "l" "LEFT"',
      '[0 lua] "BLMPOP" "0" "0" "l" "LEFT"',
      '[0 lua] "SET" "str" "v"',
      '[0 lua] "LPUSH" "str" "x"',
      '[0 lua] "GET" "a"',
    ]);
  });

  test("a read-only token may not run EVAL (Upstash answers NOPERM)", () => {
    const engine = createTestEngine();
    expect(plain(engine.runReadOnly("EVAL", "return 1", 0))).toEqual({ error: "NOPERM this user has no permissions to run the 'eval' command or its subcommand" });
  });
});

describe("EVAL_RO", () => {
  test("reads, and refuses writes with the read-only script text", () => {
    const engine = createTestEngine();
    engine.run("SET", "k", "v");
    expect(engine.run("EVAL_RO", "return redis.call('GET', KEYS[1])", 1, "k")).toBe("v");
    const body = "return redis.call('DEL', KEYS[1])";
    const reply = plain(engine.run("EVAL_RO", body, 1, "k")) as { error: string };
    expect(reply.error).toContain("commands are not allowed from read-only");
    expect(engine.run("GET", "k")).toBe("v");
  });

  test("runs for a read-only token", () => {
    const engine = createTestEngine();
    expect(engine.runReadOnly("EVAL_RO", "return 'ok'", 0)).toBe("ok");
  });
});

describe("EVALSHA", () => {
  test("NOSCRIPT for an unknown or malformed sha; the sha matches case-insensitively", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("EVALSHA", "nope", 0))).toEqual({ error: "NOSCRIPT No matching script. Please use EVAL." });
    const loaded = engine.run("SCRIPT", "LOAD", "return 42") as string;
    expect(engine.run("EVALSHA", loaded.toUpperCase(), 0)).toBe(42);
  });
});

describe("EVALSHA_RO", () => {
  test("runs a cached script read-only", () => {
    const engine = createTestEngine();
    const loaded = engine.run("SCRIPT", "LOAD", "return redis.call('SET', 'a', 'b')") as string;
    expect((plain(engine.run("EVALSHA_RO", loaded, 0)) as { error: string }).error).toStartWith("ERR Write commands are not allowed from read-only scripts.");
    expect(plain(engine.run("EVALSHA", loaded, 0))).toEqual({ status: "OK" });
  });
});

describe("SCRIPT LOAD", () => {
  test("returns the lowercase hex SHA-1 of the exact body and refuses bodies that do not compile", () => {
    const engine = createTestEngine();
    expect(engine.run("SCRIPT", "LOAD", "return ARGV[1]")).toBe("098e0f0d1448c0a81dafe820f66d460eb09263da");
    expect(engine.run("SCRIPT", "LOAD", "")).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(plain(engine.run("SCRIPT", "LOAD", "return ("))).toEqual({ error: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'" });
    expect(plain(engine.run("SCRIPT", "EXISTS", sha("return (")))).toEqual([0]);
  });
});

describe("SCRIPT EXISTS", () => {
  test("answers 1 or 0 per sha", () => {
    const engine = createTestEngine();
    const loaded = engine.run("SCRIPT", "LOAD", "return 1") as string;
    expect(plain(engine.run("SCRIPT", "EXISTS", loaded, "0000", loaded.toUpperCase()))).toEqual([1, 0, 1]);
  });
});

describe("SCRIPT FLUSH", () => {
  test("empties the cache; only SYNC or ASYNC are accepted", () => {
    const engine = createTestEngine();
    const loaded = engine.run("SCRIPT", "LOAD", "return 1") as string;
    expect(plain(engine.run("SCRIPT", "FLUSH", "bogus"))).toEqual({ error: "ERR SCRIPT FLUSH only support SYNC|ASYNC option" });
    expect(plain(engine.run("SCRIPT", "FLUSH", "ASYNC"))).toEqual({ status: "OK" });
    expect(plain(engine.run("SCRIPT", "EXISTS", loaded))).toEqual([0]);
  });
});

describe("SCRIPT KILL", () => {
  test("NOTBUSY when no script runs", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("SCRIPT", "KILL"))).toEqual({ error: "NOTBUSY No scripts in execution right now." });
  });
});

describe("SCRIPT HELP", () => {
  test("lists the subcommands", () => {
    const engine = createTestEngine();
    const lines = plain(engine.run("SCRIPT", "HELP")) as { status: string }[];
    expect(lines[0]).toEqual({ status: "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" });
    expect(lines.map((line) => line.status)).toContain("LOAD <script>");
  });
});

describe("FUNCTION LOAD", () => {
  test("registers both register_function forms, returns the library name, journals a replaying LOAD REPLACE", () => {
    const engine = createTestEngine();
    expect(engine.run("FUNCTION", "LOAD", library("lib"))).toBe("lib");
    expect(engine.journal.argvs()).toEqual([["FUNCTION", "LOAD", "REPLACE", library("lib")]]);
    expect(engine.run("FCALL", "lib_echo", 0, "hello")).toBe("hello");
  });

  test("refuses an existing library without REPLACE, replaces it with REPLACE", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", library("lib"));
    expect(plain(engine.run("FUNCTION", "LOAD", library("lib")))).toEqual({ error: "ERR Library 'lib' already exists" });
    const replaced = "#!lua name=lib\nredis.register_function('other', function() return 2 end)";
    expect(engine.run("FUNCTION", "LOAD", "REPLACE", replaced)).toBe("lib");
    expect(plain(engine.run("FCALL", "lib_echo", 0))).toEqual({ error: "ERR Function not found" });
    expect(engine.run("FCALL", "other", 0)).toBe(2);
  });

  test("Redis's errors for bad metadata, code and registrations", () => {
    const engine = createTestEngine();
    const load = (code: string) => plain(engine.run("FUNCTION", "LOAD", code));
    expect(load("return 1")).toEqual({ error: "ERR Missing library metadata" });
    expect(load("#!lua\nreturn 1")).toEqual({ error: "ERR Library name was not given" });
    expect(load("#!lua name=a foo=bar\nreturn 1")).toEqual({ error: "ERR Invalid metadata value given: foo=bar" });
    expect(load("#!lua name=bad-name\nreturn 1")).toEqual({
      error: "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
    });
    expect(load("#!lua name=a\nreturn 1")).toEqual({ error: "ERR No functions registered" });
    expect(load("#!lua name=a\nlocal x =")).toEqual({ error: "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'" });
    expect(load("#!lua name=a\nredis.call('PING')")).toEqual({
      error: "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'",
    });
    expect(load("#!lua name=a\nredis.register_function('f', function() end)\nredis.register_function('f', function() end)")).toEqual({
      error: "ERR Error registering functions: ERR Function already exists in the library",
    });
    expect(load("#!lua name=a\nredis.register_function{function_name='f', callback=function() end, flags={'bogus'}}")).toEqual({
      error: "ERR Error registering functions: ERR unknown flag given",
    });
    engine.run("FUNCTION", "LOAD", library("lib"));
    expect(load("#!lua name=b\nredis.register_function('lib_echo', function() end)")).toEqual({ error: "ERR Function lib_echo already exists" });
    expect(plain(engine.run("FUNCTION", "LIST"))).toHaveLength(1);
  });
});

describe("FUNCTION DELETE", () => {
  test("drops a library and its functions; journals itself", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", library("lib"));
    expect(plain(engine.run("FUNCTION", "DELETE", "lib"))).toEqual({ status: "OK" });
    expect(plain(engine.run("FUNCTION", "DELETE", "lib"))).toEqual({ error: "ERR Library not found" });
    expect(plain(engine.run("FCALL", "lib_echo", 0))).toEqual({ error: "ERR Function not found" });
    expect(engine.journal.argvs().at(-1)).toEqual(["FUNCTION", "DELETE", "lib"]);
  });
});

describe("FUNCTION FLUSH", () => {
  test("drops every library", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", library("one"));
    engine.run("FUNCTION", "LOAD", library("two"));
    expect(plain(engine.run("FUNCTION", "FLUSH", "nope"))).toEqual({ error: "ERR FUNCTION FLUSH only supports SYNC|ASYNC option" });
    expect(plain(engine.run("FUNCTION", "FLUSH", "SYNC"))).toEqual({ status: "OK" });
    expect(plain(engine.run("FUNCTION", "LIST"))).toEqual([]);
    expect(engine.journal.argvs().at(-1)).toEqual(["FUNCTION", "FLUSH", "SYNC"]);
  });
});

describe("FUNCTION LIST", () => {
  test("key/value arrays per library, filtered by a glob, with code on request", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", library("mylib"));
    engine.run("FUNCTION", "LOAD", library("other"));
    expect(plain(engine.run("FUNCTION", "LIST", "LIBRARYNAME", "my*", "WITHCODE"))).toEqual([
      [
        "library_name", "mylib", "engine", "LUA", "functions",
        [
          ["name", "mylib_echo", "description", null, "flags", []],
          ["name", "mylib_set", "description", "sets", "flags", [{ status: "no-writes" }]],
        ],
        "library_code", library("mylib"),
      ],
    ]);
    expect(plain(engine.run("FUNCTION", "LIST", "LIBRARYNAME", "my"))).toEqual([]);
    expect(plain(engine.run("FUNCTION", "LIST", "bogus"))).toEqual({ error: "ERR Unknown argument bogus" });
    expect(plain(engine.run("FUNCTION", "LIST", "LIBRARYNAME"))).toEqual({ error: "ERR library name argument was not given" });
  });
});

describe("FUNCTION STATS", () => {
  test("counts libraries and functions; no running script", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", library("lib"));
    expect(plain(engine.run("FUNCTION", "STATS"))).toEqual(["running_script", null, "engines", ["LUA", ["libraries_count", 1, "functions_count", 2]]]);
  });
});

describe("FUNCTION KILL", () => {
  test("NOTBUSY when nothing runs", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("FUNCTION", "KILL"))).toEqual({ error: "NOTBUSY No scripts in execution right now." });
  });
});

describe("SCRIPT DEBUG", () => {
  test("NO is accepted; YES and SYNC are refused, there being no Lua debugger over REST", () => {
    const engine = createTestEngine();
    expect(plain(engine.run("SCRIPT", "DEBUG", "NO"))).toEqual({ status: "OK" });
    for (const mode of ["YES", "sync"]) {
      expect(plain(engine.run("SCRIPT", "DEBUG", mode))).toEqual({ error: "ERR SCRIPT DEBUG YES and SYNC are not supported: downstash has no Lua debugger" });
    }
    expect(engine.run("EVAL", "return 1", 0)).toBe(1);
  });
});

describe("FUNCTION DUMP", () => {
  test("a payload that FUNCTION RESTORE turns back into the same libraries", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", library("lib"));
    const payload = engine.run("FUNCTION", "DUMP") as string;
    engine.run("FUNCTION", "FLUSH");
    expect(plain(engine.run("FUNCTION", "RESTORE", payload))).toEqual({ status: "OK" });
    expect(engine.run("FCALL", "lib_echo", 0, "back")).toBe("back");
  });

  test("a payload of downstash's earlier format still restores (a change log may hold one)", () => {
    const engine = createTestEngine();
    const legacy = `downstash-functions-v1\n${JSON.stringify([library("lib")])}`;
    expect(plain(engine.run("FUNCTION", "RESTORE", legacy))).toEqual({ status: "OK" });
    expect(engine.run("FCALL", "lib_echo", 0, "back")).toBe("back");
  });
});

describe("FUNCTION RESTORE", () => {
  test("APPEND refuses existing names and changes nothing; REPLACE and FLUSH policies; bad payloads", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", library("lib"));
    const payload = engine.run("FUNCTION", "DUMP") as string;
    expect(plain(engine.run("FUNCTION", "RESTORE", payload))).toEqual({ error: "ERR Library 'lib' already exists" });
    expect(plain(engine.run("FUNCTION", "RESTORE", payload, "REPLACE"))).toEqual({ status: "OK" });
    engine.run("FUNCTION", "LOAD", library("extra"));
    expect(plain(engine.run("FUNCTION", "RESTORE", payload, "FLUSH"))).toEqual({ status: "OK" });
    expect((plain(engine.run("FUNCTION", "LIST")) as unknown[]).length).toBe(1);
    expect(plain(engine.run("FUNCTION", "RESTORE", "garbage"))).toEqual({ error: "ERR DUMP payload version or checksum are wrong" });
    expect(plain(engine.run("FUNCTION", "RESTORE", payload, "MERGE"))).toEqual({
      error: "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
    });
  });
});

describe("FUNCTION HELP", () => {
  test("lists the subcommands", () => {
    const engine = createTestEngine();
    const lines = (plain(engine.run("FUNCTION", "HELP")) as { status: string }[]).map((line) => line.status);
    expect(lines).toContain("LOAD [REPLACE] <FUNCTION CODE>");
  });
});

describe("FCALL", () => {
  test("passes keys and args as the callback's two tables; errors name the function", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('f', function(keys, args) return {keys[1], args[1], #keys, #args} end)\nredis.register_function('w', function(keys) return redis.call('INCR', keys[1]) end)\nredis.register_function('bad', function() local x = nil\nreturn x.y end)");
    expect(plain(engine.run("FCALL", "f", 1, "k", "a", "b"))).toEqual(["k", "a", 1, 2]);
    expect(engine.run("FCALL", "w", 1, "counter")).toBe(1);
    expect(engine.journal.argvs().at(-1)).toEqual(["INCR", "counter"]);
    expect(plain(engine.run("FCALL", "bad", 0))).toEqual({ error: "ERR user_function:5: attempt to index local 'x' (a nil value) script: bad, on @user_function:5." });
    expect(plain(engine.run("FCALL", "nosuch", 0))).toEqual({ error: "ERR Function not found" });
    expect(plain(engine.run("FCALL", "f", "x"))).toEqual({ error: "ERR Bad number of keys provided" });
  });

  test("functions cannot read the KEYS/ARGV globals of EVAL scripts", () => {
    const engine = createTestEngine();
    engine.run("EVAL", "return 1", 1, "secret");
    engine.run("FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('peek', function() return KEYS[1] end)");
    expect((plain(engine.run("FCALL", "peek", 0)) as { error: string }).error).toContain("nonexistent global variable 'KEYS'");
  });

  test("a no-writes function refuses writes even under FCALL", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", library("lib"));
    expect(plain(engine.run("FCALL", "lib_set", 1, "k", "v"))).toEqual({
      error: "ERR Write commands are not allowed from read-only scripts. script: lib_set, on @user_function:3.",
    });
  });
});

describe("FCALL_RO", () => {
  test("runs a function without no-writes as long as it does not write (Upstash)", () => {
    const engine = createTestEngine();
    engine.run("FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('get', function(keys) return redis.call('GET', keys[1]) end)\nredis.register_function('del', function(keys) return redis.call('DEL', keys[1]) end)");
    engine.run("SET", "k", "v");
    expect(engine.run("FCALL_RO", "get", 1, "k")).toBe("v");
    expect((plain(engine.run("FCALL_RO", "del", 1, "k")) as { error: string }).error).toContain("commands are not allowed from read-only");
    expect(engine.run("GET", "k")).toBe("v");
  });
});

describe("script cache bounds", () => {
  test("EVAL-cached scripts beyond the limit are evicted least recently used first; loaded ones stay", () => {
    const engine = createTestEngine();
    const pinned = engine.run("SCRIPT", "LOAD", "return 'pinned'") as string;
    const first = "return 0";
    engine.run("EVAL", first, 0);
    for (let i = 1; i <= 1000; i++) engine.run("EVAL", `return ${i}`, 0);
    expect(plain(engine.run("SCRIPT", "EXISTS", sha(first), sha("return 1000"), pinned))).toEqual([0, 1, 1]);
    expect(scriptingOf(engine.database).exists(pinned)).toBe(true);
  });

  test("a script that keeps running stays cached while thousands of newer EVAL scripts come and go", () => {
    const engine = createTestEngine();
    const hot = "return 'hot'";
    engine.run("EVAL", hot, 0);
    for (let i = 1; i <= 3000; i++) {
      engine.run("EVAL", `return ${i}`, 0);
      if (i % 100 === 0) expect(engine.run("EVALSHA", sha(hot), 0)).toBe("hot");
    }
    expect(plain(engine.run("SCRIPT", "EXISTS", sha(hot), sha("return 1"), sha("return 3000")))).toEqual([1, 0, 1]);
  });
});

describe("time in a script", () => {
  test("a key expiring while a script runs is there for all of it, as in Redis, and gone after", () => {
    const engine = createTestEngine(1, new TickingClock());
    engine.run("SET", "k", "v", "PX", 5);
    const script = "local seen = {} for i = 1, 20 do seen[i] = redis.call('EXISTS', KEYS[1]) end return seen";
    // Unfrozen, the key would expire at the script's fifth read of the clock.
    expect(plain(engine.run("EVAL", script, 1, "k"))).toEqual(Array(20).fill(1));
    engine.clock.advance(5);
    expect(engine.run("EXISTS", "k")).toBe(0);
  });
});
