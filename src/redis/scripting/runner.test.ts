// Proves the runner's limits and scheduling without sleeping: a clock that moves 1 ms each time
// it is read drives the time limit and the slices. A runaway script is stopped with an error and
// changes nothing further; a caller that can wait gets a PendingReply while the database is held
// (other commands queue, other databases do not), SCRIPT KILL passes the hold, and a script that
// allocates without bound is stopped by the memory cap while the VM stays usable.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain } from "../../../test/harness/engine.ts";
import type { Session } from "../engine/command.ts";
import { ErrorReply } from "../engine/reply.ts";
import { configureScripting, dispatchWhenFree, PendingReply, whenFree } from "./runner.ts";

const waiting: Session = { readOnly: false, inTransaction: false, canWait: true };

/** An engine whose clock advances 1 ms on every read, and a short time limit. */
function tickingEngine(timeLimitMs = 200, memoryBytesMax?: number) {
  const engine = createTestEngine();
  const read = engine.clock.nowMs.bind(engine.clock);
  engine.clock.nowMs = () => {
    engine.clock.advance(1);
    return read();
  };
  configureScripting(engine.database, { timeLimitMs, ...(memoryBytesMax === undefined ? {} : { memoryBytesMax }) });
  return engine;
}

const loop = "redis.call('SET', 'before', '1') local x = 0 while true do x = x + 1 end";

describe("time limit", () => {
  test("a runaway script is stopped with the timeout text; writes before stay, nothing runs after", () => {
    const engine = tickingEngine();
    const reply = plain(engine.run("EVAL", loop, 0)) as { error: string };
    expect(reply.error).toStartWith("ERR Script killed by timeout: it ran longer than the lua-time-limit of 200 ms. script: ");
    expect(reply.error).toEndWith(", on @user_script:1.");
    expect(engine.run("GET", "before")).toBe("1");
    expect(engine.journal.argvs()).toEqual([["SET", "before", "1"]]);
    expect(engine.run("EVAL", "return 'next'", 0)).toBe("next");
  });

  test("pcall, xpcall, coroutines and library callbacks cannot swallow the stop", () => {
    const engine = tickingEngine();
    for (const script of [
      "while true do pcall(function() while true do end end) end",
      "while true do xpcall(function() while true do end end, function(e) return e end) end",
      "while true do coroutine.resume(coroutine.create(function() while true do end end)) end",
      "table.foreach({1}, function() while true do end end)",
      "return bit.band(1, (function() while true do end end)())",
    ]) {
      expect((plain(engine.run("EVAL", script, 0)) as { error: string }).error).toContain("Script killed by timeout");
    }
  });

  // A session that cannot wait (this engine's, a transaction's) never resumes a script: a yield
  // the script made itself left the VM running it, and every later script failed.
  test("a script that yields its own coroutine gets an error, and the VM serves the next", () => {
    const engine = tickingEngine();
    for (const script of ["coroutine.yield() return 1", "return {pcall(coroutine.yield)}"]) {
      expect(JSON.stringify(plain(engine.run("EVAL", script, 0)))).toContain("attempt to yield across metamethod/C-call boundary");
      expect(engine.run("EVAL", "return 'next'", 0)).toBe("next");
    }
  });

  test("a function is stopped the same way", () => {
    const engine = tickingEngine();
    engine.run("FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('spin', function() while true do end end)");
    expect((plain(engine.run("FCALL", "spin", 0)) as { error: string }).error).toStartWith("ERR Script killed by timeout");
  });

  test("FUNCTION LOAD stops library code that runs too long", () => {
    const engine = tickingEngine(100_000);
    expect(plain(engine.run("FUNCTION", "LOAD", "#!lua name=l\nwhile true do end"))).toEqual({
      error: "ERR Error registering functions: ERR FUNCTION LOAD timeout",
    });
  });
});

describe("slices and the database hold", () => {
  test("a long script answers later; meanwhile its database waits and other databases do not", async () => {
    const engine = tickingEngine(500);
    const other = createTestEngine(2);
    const reply = engine.dispatcher.dispatch(engine.database, ["EVAL", loop, "0"], waiting);
    expect(reply).toBeInstanceOf(PendingReply);
    const queued = dispatchWhenFree(engine.dispatcher, engine.database, ["GET", "before"], waiting);
    expect(queued).toBeInstanceOf(Promise);
    expect(whenFree(engine.database)).toBeInstanceOf(Promise);
    expect(dispatchWhenFree(other.dispatcher, other.database, ["SET", "x", "1"], waiting)).toEqual(expect.anything());
    const settled = await (reply as PendingReply).settled;
    expect((settled as ErrorReply).message).toContain("Script killed by timeout");
    expect(await queued).toBe("1");
    expect(whenFree(engine.database)).toBeUndefined();
  });

  test("a long loop under pcall, xpcall or table.foreach still yields its slices", async () => {
    for (const call of [
      "pcall(function() local x = 0 while true do x = x + 1 end end)",
      "xpcall(function() local x = 0 while true do x = x + 1 end end, function(e) return e end)",
      "table.foreach({1}, function() local x = 0 while true do x = x + 1 end end)",
      "table.foreachi({1}, function() local x = 0 while true do x = x + 1 end end)",
    ]) {
      const engine = tickingEngine(500);
      for (const script of [call, `return ${call}`]) {
        const reply = engine.dispatcher.dispatch(engine.database, ["EVAL", script, "0"], waiting);
        expect(reply).toBeInstanceOf(PendingReply);
        expect(((await (reply as PendingReply).settled) as ErrorReply).message).toContain("Script killed by timeout");
      }
    }
  });

  test("a script that finishes in its first slice answers synchronously", () => {
    const engine = tickingEngine();
    expect(dispatchWhenFree(engine.dispatcher, engine.database, ["EVAL", "return 1", "0"], waiting)).toBe(1);
  });

  test("SCRIPT KILL passes the hold and stops a script that has not written", async () => {
    const engine = tickingEngine(100_000);
    const reply = engine.dispatcher.dispatch(engine.database, ["EVAL", "local x = 0 while true do x = x + 1 end", "0"], waiting) as PendingReply;
    const stats = plain(engine.run("FUNCTION", "STATS")) as unknown[];
    expect(stats.slice(0, 2)).toEqual(["running_script", ["name", expect.any(String), "command", [], "duration_ms", expect.any(Number)]]);
    expect(plain(await dispatchWhenFree(engine.dispatcher, engine.database, ["SCRIPT", "KILL"], waiting))).toEqual({ status: "OK" });
    const settled = (await reply.settled) as ErrorReply;
    expect(settled.message).toStartWith("ERR Script killed by user with SCRIPT KILL... script: ");
  });

  test("SCRIPT KILL refuses a script that already wrote", async () => {
    const engine = tickingEngine(2000);
    const reply = engine.dispatcher.dispatch(engine.database, ["EVAL", loop, "0"], waiting) as PendingReply;
    const kill = plain(await dispatchWhenFree(engine.dispatcher, engine.database, ["SCRIPT", "KILL"], waiting)) as { error: string };
    expect(kill.error).toStartWith("UNKILLABLE Sorry the script already executed write commands against the dataset.");
    expect(((await reply.settled) as ErrorReply).message).toContain("Script killed by timeout");
  });

  test("inside a transaction a script never yields", () => {
    const engine = tickingEngine();
    const reply = engine.dispatcher.dispatch(engine.database, ["EVAL", loop, "0"], { readOnly: false, inTransaction: true, canWait: true });
    expect(reply).not.toBeInstanceOf(PendingReply);
    expect((reply as ErrorReply).message).toContain("Script killed by timeout");
  });
});

describe("memory limit", () => {
  test("a script that allocates without bound is stopped; the VM keeps working", () => {
    const engine = tickingEngine(100_000_000, 16 * 1024 * 1024);
    const reply = plain(engine.run("EVAL", "local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('x', 100) .. i end", 0)) as { error: string };
    expect(reply.error).toStartWith(`ERR Script exceeded the Lua memory limit of ${16 * 1024 * 1024} bytes script: `);
    expect((plain(engine.run("EVAL", "return string.rep('x', 64 * 1024 * 1024)", 0)) as { error: string }).error).toContain("memory limit");
    expect(engine.run("EVAL", "local t = {} for i = 1, 1000 do t[i] = i end return #t", 0)).toBe(1000);
  });

  test("the limit counts what a script allocates, not the arguments or cached scripts it starts with", () => {
    const engine = tickingEngine(100_000_000, 4 * 1024 * 1024);
    const big = "x".repeat(5 * 1024 * 1024);
    expect(engine.run("EVAL", "return #ARGV[1] + #KEYS[1]", 1, big, big)).toBe(2 * big.length);
    expect(engine.run("EVAL", `local s = '${big}' return #s`, 0)).toBe(big.length);
    expect(engine.run("EVAL", "return 'next'", 0)).toBe("next");
    expect((plain(engine.run("EVAL", "return ARGV[1] .. ARGV[1]", 0, big)) as { error: string }).error).toContain("memory limit");
    expect(engine.run("EVAL", "return 'after'", 0)).toBe("after");
  });

  test("wherever the memory runs out, the error is read and the VM keeps working", () => {
    const engine = tickingEngine(100_000_000, 4 * 1024 * 1024);
    for (const size of [1, 7, 13, 50, 100, 333, 1000]) {
      const script = `local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('x', ${size}) .. i end`;
      expect((plain(engine.run("EVAL", script, 0)) as { error: string }).error).toContain("memory limit");
      expect(engine.run("EVAL", "return 'still here'", 0)).toBe("still here");
    }
  });
});
