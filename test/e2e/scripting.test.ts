// Proves scripting through the official @upstash/redis client against a spawned server:
// createScript (EVALSHA with EVAL fallback, read-only scripts), eval/evalsha and their _ro forms,
// scriptLoad/scriptExists/scriptFlush, the functions API, the sync token moving on a script's
// writes, libraries surviving a restart, and the sandbox over HTTP: a forbidden library fails
// cleanly, and an infinite loop is stopped while the server keeps answering, during and after.

import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { startServer, startServerForFile, type TestServer } from "../harness/server.ts";

const server = startServerForFile({ args: ["--lua-time-limit-ms", "1500"] });
const client = (token = server().token, target: TestServer = server()) => new Redis({ url: target.url, token, enableTelemetry: false });
let serial = 0;
const key = (name: string) => `script-test:${name}:${++serial}`;

describe("createScript", () => {
  test("exec sends EVALSHA, falls back to EVAL on NOSCRIPT, and hits the cache afterwards", async () => {
    const redis = client();
    const script = redis.createScript<string>(`return ARGV[1] .. ":${++serial}"`);
    await expect(script.evalsha([], ["x"])).rejects.toThrow("NOSCRIPT No matching script. Please use EVAL.");
    expect(await script.exec([], ["a"])).toBe(`a:${serial}`);
    expect(await script.evalsha([], ["b"])).toBe(`b:${serial}`);
    expect(await script.eval([], ["c"])).toBe(`c:${serial}`);
  });

  test("a read-only script reads and refuses writes", async () => {
    const redis = client();
    const k = key("ro");
    await redis.set(k, "value");
    const read = redis.createScript<string, true>("return redis.call('GET', KEYS[1])", { readonly: true });
    expect(await read.exec([k], [])).toBe("value");
    const write = redis.createScript("return redis.call('DEL', KEYS[1])", { readonly: true });
    await expect(write.exec([k], [])).rejects.toThrow("commands are not allowed from read-only");
    expect(await redis.get(k)).toBe("value");
  });
});

describe("eval and evalsha", () => {
  test("KEYS and ARGV arrive as strings, replies convert as in Redis", async () => {
    const redis = client();
    expect(await redis.eval("return {ARGV[1], 'literal', 3.9, true, false}", [], [42])).toEqual([42, "literal", 3, 1, null]);
    expect(await redis.eval("return type(ARGV[1])", [], [1])).toBe("string");
  });

  test("eval_ro and evalsha_ro refuse writes with Redis's text", async () => {
    const redis = client();
    await expect(redis.evalRo("return redis.call('SET', KEYS[1], 'x')", [key("evalro")], [])).rejects.toThrow(
      "ERR Write commands are not allowed from read-only scripts.",
    );
    const sha = await redis.scriptLoad("return redis.call('SET', KEYS[1], 'x')");
    await expect(redis.evalshaRo(sha, [key("evalsharo")], [])).rejects.toThrow("commands are not allowed from read-only");
  });

  test("binary-safe values round-trip through a script", async () => {
    const redis = client();
    const k = key("binary");
    const value = "wörld ✓ \u0000 end";
    await redis.eval("return redis.call('SET', KEYS[1], ARGV[1])", [k], [value]);
    expect(await redis.eval("return redis.call('GET', KEYS[1])", [k], [])).toBe(value);
    expect(await redis.eval("return string.len(ARGV[1])", [], [value])).toBe(Buffer.byteLength(value));
  });

  test("a script's writes move the sync token", async () => {
    const redis = client();
    await redis.set(key("sync"), "1");
    const before = redis.readYourWritesSyncToken;
    await redis.eval("redis.call('SET', KEYS[1], 'a') return redis.call('SET', KEYS[2], 'b')", [key("sync"), key("sync")], []);
    expect(redis.readYourWritesSyncToken).not.toBe(before);
    const afterWrite = redis.readYourWritesSyncToken;
    await redis.eval("return redis.call('GET', KEYS[1])", [key("sync")], []);
    expect(redis.readYourWritesSyncToken).toBe(afterWrite);
  });

  test("the read-only token may not EVAL but may EVAL_RO", async () => {
    const readOnly = client(server().readonlyToken);
    await expect(readOnly.eval("return 1", [], [])).rejects.toThrow("NOPERM");
    expect(await readOnly.evalRo("return 1", [], [])).toBe(1);
  });
});

describe("script cache commands", () => {
  test("scriptLoad returns the SHA-1, scriptExists answers per sha, scriptFlush empties", async () => {
    const redis = client();
    expect(await redis.scriptLoad("return ARGV[1]")).toBe("098e0f0d1448c0a81dafe820f66d460eb09263da");
    expect(await redis.evalsha("098e0f0d1448c0a81dafe820f66d460eb09263da", [], ["hit"])).toBe("hit");
    expect(await redis.scriptExists("098e0f0d1448c0a81dafe820f66d460eb09263da", "0000000000000000000000000000000000000000")).toEqual([1, 0]);
    expect(await redis.scriptFlush()).toBe("OK");
    expect(await redis.scriptExists("098e0f0d1448c0a81dafe820f66d460eb09263da")).toEqual([0]);
    expect(await redis.scriptLoad("")).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  });
});

const libraryCode = `#!lua name=mylib
redis.register_function('helloworld', function(keys, args) return 'Hello World!' end)
redis.register_function{function_name='set_value', callback=function(keys, args) return redis.call('SET', keys[1], args[1]) end}
redis.register_function{function_name='get_value', callback=function(keys, args) return redis.call('GET', keys[1]) end, description='reads', flags={'no-writes'}}`;

describe("functions", () => {
  test("load, list, call, callRo, stats, delete, flush", async () => {
    const redis = client();
    await redis.functions.flush();
    expect(await redis.functions.load({ code: libraryCode })).toBe("mylib");
    await expect(redis.functions.load({ code: libraryCode })).rejects.toThrow("ERR Library 'mylib' already exists");
    expect(await redis.functions.load({ code: libraryCode, replace: true })).toBe("mylib");
    expect(await redis.functions.list({ withCode: true })).toEqual([
      {
        libraryName: "mylib",
        engine: "LUA",
        functions: [
          { name: "helloworld", flags: [] },
          { name: "set_value", flags: [] },
          { name: "get_value", description: "reads", flags: ["no-writes"] },
        ],
        libraryCode,
      },
    ]);
    expect(await redis.functions.call("helloworld")).toBe("Hello World!");
    const k = key("fn");
    expect(await redis.functions.call("set_value", [k], ["v1"])).toBe("OK");
    expect(await redis.functions.callRo("get_value", [k])).toBe("v1");
    // Upstash: FCALL_RO runs a function without no-writes, and refuses its writes.
    await expect(redis.functions.callRo("set_value", [k], ["v2"])).rejects.toThrow("commands are not allowed from read-only");
    expect(await redis.functions.stats()).toEqual({ engines: { LUA: { librariesCount: 1, functionsCount: 3 } } });
    expect(await redis.functions.delete("mylib")).toBe("OK");
    await expect(redis.functions.call("helloworld")).rejects.toThrow("ERR Function not found");
    await redis.functions.load({ code: libraryCode });
    expect(await redis.functions.flush()).toBe("OK");
    expect(await redis.functions.list()).toEqual([]);
  });

  test("libraries survive a restart", async () => {
    await using first = await startServer({ keepDataDir: true });
    const redis = client(first.token, first);
    await redis.functions.load({ code: libraryCode });
    await redis.functions.load({ code: "#!lua name=gone\nredis.register_function('gone', function() return 1 end)" });
    await redis.functions.delete("gone");
    await first.stop("SIGTERM");
    await using restarted = await startServer({ dataDir: first.dataDir });
    const again = client(restarted.token, restarted);
    expect(await again.functions.call("helloworld")).toBe("Hello World!");
    expect((await again.functions.list()).map((library) => library.libraryName)).toEqual(["mylib"]);
  });

  test("libraries survive a snapshot that drops the log holding their FUNCTION LOAD", async () => {
    await using first = await startServer({ keepDataDir: true });
    const redis = client(first.token, first);
    await redis.functions.load({ code: libraryCode });
    expect(await redis.exec(["SAVE"])).toBe("OK");
    await redis.set("after-save", "1");
    await first.stop("SIGKILL");
    await using restarted = await startServer({ dataDir: first.dataDir });
    const again = client(restarted.token, restarted);
    expect(await again.functions.call("helloworld")).toBe("Hello World!");
    expect(await again.get("after-save")).toBe(1);
  });
});

describe("sandbox over HTTP", () => {
  test("a forbidden library fails cleanly and the next script runs", async () => {
    const redis = client();
    await expect(redis.eval("return os.execute('id')", [], [])).rejects.toThrow("Script attempted to access nonexistent global variable 'os'");
    await expect(redis.eval("return io.open('/etc/passwd')", [], [])).rejects.toThrow("nonexistent global variable 'io'");
    await expect(redis.eval("return require('os')", [], [])).rejects.toThrow("nonexistent global variable 'require'");
    expect(await redis.eval("return 'alive'", [], [])).toBe("alive");
  });

  test("an infinite loop is stopped; the server answers other requests while and after it runs", async () => {
    const redis = client();
    const k = key("loop");
    await redis.set(k, "before");
    const startedAt = Date.now();
    const looping = redis.eval("while true do end", [], []).then(
      () => "finished",
      (error: Error) => error.message,
    );
    // While the script runs: health answers at once, and a command for the same database waits
    // for the script (atomicity) and then answers.
    const health = await fetch(`${server().url}/healthz`);
    expect(health.status).toBe(200);
    const healthAfterMs = Date.now() - startedAt;
    expect(healthAfterMs).toBeLessThan(1000);
    const sameDatabase = client().get(k);
    const outcome = await looping;
    expect(outcome).toContain("ERR Script killed by timeout: it ran longer than the lua-time-limit of 1500 ms.");
    expect(await sameDatabase).toBe("before");
    expect(await redis.eval("return 'after'", [], [])).toBe("after");
  });
});
