// Proves the sandbox: every forbidden library and escape route fails cleanly with an error reply
// (and the VM keeps working), globals cannot be written or leak from one script to the next,
// bytecode cannot be loaded, and library tables cannot be changed under other scripts.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain } from "../../../test/harness/engine.ts";

function evalError(engine: ReturnType<typeof createTestEngine>, script: string): string {
  const reply = plain(engine.run("EVAL", script, 0)) as { error?: string };
  expect(reply.error).toBeString();
  return reply.error!;
}

describe("forbidden libraries", () => {
  for (const name of ["os", "io", "require", "package", "loadfile", "dofile", "debug", "print", "module", "setfenv", "getfenv", "newproxy"]) {
    test(`${name} does not exist`, () => {
      const engine = createTestEngine();
      expect(evalError(engine, `return ${name}`)).toStartWith(`ERR user_script:1: Script attempted to access nonexistent global variable '${name}'`);
      expect(engine.run("EVAL", "return 'still fine'", 0)).toBe("still fine");
    });
  }

  test("calling os.execute fails before reaching anything", () => {
    const engine = createTestEngine();
    expect(evalError(engine, "return os.execute('true')")).toContain("nonexistent global variable 'os'");
  });
});

describe("bytecode", () => {
  test("loadstring and load compile text but refuse a binary chunk", () => {
    const engine = createTestEngine();
    expect(engine.run("EVAL", "return loadstring('return 5')()", 0)).toBe(5);
    // Lua 5.1's load reads its chunk from a function only.
    expect(engine.run("EVAL", "local text = 'return 6' return load(function() local piece = text text = nil return piece end)()", 0)).toBe(6);
    expect(evalError(engine, "return load('return 6')")).toStartWith("ERR user_script:1: bad argument #1 to 'load' (function expected, got string)");
    expect(engine.run("EVAL", "local f, e = loadstring(string.dump(function() return 1 end)) return {tostring(f), e}", 0)).toEqual([
      "nil",
      "attempt to load a binary chunk (mode is 't')",
    ]);
    expect(engine.run("EVAL", "local chunk = string.dump(function() return 1 end) local f = load(function() local piece = chunk chunk = nil return piece end) return tostring(f)", 0)).toBe("nil");
  });
});

describe("globals", () => {
  test("writing a global is an error, and nothing leaks to the next script", () => {
    const engine = createTestEngine();
    expect(evalError(engine, "x = 1")).toStartWith("ERR user_script:1: Attempt to modify a readonly table");
    // As Redis words it: rawset's refusal is raised in C, with no position.
    expect(evalError(engine, "rawset(_G, 'x', 1)")).toStartWith("ERR Attempt to modify a readonly table");
    expect(evalError(engine, "_G.x = 1")).toStartWith("ERR user_script:1: Attempt to modify a readonly table");
    expect(evalError(engine, "setmetatable(_G, nil)")).toStartWith("ERR Attempt to modify a readonly table");
    expect(evalError(engine, "return x")).toContain("nonexistent global variable 'x'");
  });

  test("globals that exist cannot be replaced either, so no script changes them for the next", () => {
    const engine = createTestEngine();
    for (const script of ["tostring = nil", "redis = {call = function() return 'hijacked' end}", "_G.pcall = error", "KEYS = {'x'}", "__redis__err__handler = nil"]) {
      expect(evalError(engine, script)).toStartWith("ERR user_script:1: Attempt to modify a readonly table");
    }
    const script = "return {type(tostring), redis.call('PING'), type(pcall), KEYS[1], type(__redis__err__handler)}";
    expect(plain(engine.run("EVAL", script, 1, "k"))).toEqual(["function", { status: "PONG" }, "function", "k", "function"]);
  });

  test("library tables cannot be changed under other scripts", () => {
    const engine = createTestEngine();
    expect(evalError(engine, "string.rep = nil")).toContain("Attempt to modify a readonly table");
    expect(evalError(engine, "redis.call = function() return 'hijacked' end")).toContain("Attempt to modify a readonly table");
    expect(evalError(engine, "rawset(string, 'rep', nil)")).toContain("Attempt to modify a readonly table");
    expect(evalError(engine, "cjson.encode = nil")).toContain("Attempt to modify a readonly table");
    // Redis 7.0 hands out the string metatable ([] as a reply); here it is a read-only copy.
    expect(engine.run("EVAL", "return getmetatable('')", 0)).toEqual([]);
    expect(engine.run("EVAL", "return getmetatable('').__index == string", 0)).toBe(1);
    expect(evalError(engine, "getmetatable('').__index = {}")).toContain("Attempt to modify a readonly table");
    expect(engine.run("EVAL", "return string.rep('a', 2) .. ('b'):rep(2)", 0)).toBe("aabb");
  });

  test("KEYS and ARGV are the current script's", () => {
    const engine = createTestEngine();
    engine.run("EVAL", "return 1", 2, "a", "b", "c");
    expect(engine.run("EVAL", "return #KEYS + #ARGV", 0)).toBe(0);
  });

  test("locals, coroutines and collectgarbage work", () => {
    const engine = createTestEngine();
    const script = "local co = coroutine.wrap(function() coroutine.yield(1) coroutine.yield(2) end) local a = co() local b = co() collectgarbage() return a + b";
    expect(engine.run("EVAL", script, 0)).toBe(3);
  });
});

describe("redis API edges", () => {
  test("a script has no register_function, and one kept from FUNCTION LOAD refuses to run later", () => {
    const engine = createTestEngine();
    expect(evalError(engine, "redis.register_function('f', function() end)")).toContain("attempt to call field 'register_function' (a nil value)");
    engine.run("FUNCTION", "LOAD", "#!lua name=x\nlocal reg = redis.register_function\nreg('f', function() return reg('g', function() end) end)");
    expect(plain(engine.run("FCALL", "f", "0"))).toEqual({ error: expect.stringContaining("redis.register_function can only be called on FUNCTION LOAD command") });
  });

  test("arguments of redis.call must be strings or numbers", () => {
    const engine = createTestEngine();
    expect(evalError(engine, "return redis.call('SET', 'k', {})")).toStartWith("ERR Lua redis lib command arguments must be strings or integers");
  });

  test("math.random goes on from one script to the next, and randomseed starts it again", () => {
    const engine = createTestEngine();
    const draw = "return {math.random(1000000), math.random(1000000)}";
    const first = plain(engine.run("EVAL", draw, 0));
    expect(plain(engine.run("EVAL", draw, 0))).not.toEqual(first);
    const seeded = `math.randomseed(9) ${draw}`;
    expect(plain(engine.run("EVAL", seeded, 0))).toEqual(plain(engine.run("EVAL", seeded, 0)));
  });
});
