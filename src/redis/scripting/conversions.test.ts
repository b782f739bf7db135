// Proves the Redis↔Lua conversions and the scripting libraries against the real redis-server
// 7.0 as the oracle: each script runs on both and the replies must be equal, errors included.
// Also pins the number formatting helpers (%.17g for redis.call arguments, %.14g for cjson).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startRedisOracle, type RedisOracle } from "../../../test/harness/redis-oracle.ts";
import { createTestEngine, plain } from "../../../test/harness/engine.ts";
import { textToBinary } from "../../util/bytes.ts";
import { formatGeneral, formatLuaNumber, formatNumberArgument } from "./conversions.ts";
import { randomInt, SeededRandom } from "../../util/random.ts";
import { withFooter } from "./function-dump.ts";

let oracle: RedisOracle;
beforeAll(async () => {
  oracle = await startRedisOracle();
});
afterAll(async () => {
  await oracle?.stop();
});

/** Runs EVAL with the same arguments on both and expects equal replies. */
async function same(script: string, keys: string[] = [], args: string[] = []): Promise<void> {
  const engine = createTestEngine();
  // Arguments are bytes on both sides: UTF-8 text becomes a binary string, as REST makes it.
  const argv = ["EVAL", script, String(keys.length), ...keys, ...args].map(textToBinary);
  const expected = plain(await oracle.client.send(argv));
  await oracle.client.send(["FLUSHALL"]);
  expect({ script, reply: plain(engine.run(...argv)) }).toEqual({ script, reply: expected });
}

/** Runs each script on both, in order, as `same` does. */
async function sameEach(...scripts: string[]): Promise<void> {
  for (const script of scripts) await same(script);
}

/** A command's arguments as a Lua argument list of quoted strings: `'GET', 'k'`. */
const luaArguments = (argv: string[]) => argv.map((arg) => `'${arg}'`).join(", ");

/** Lua source as written: String.raw keeps Lua's own escapes ("\0", "\n") for Lua to read. */
const lua = String.raw;

/** Like `same`, with keys and arguments given as binary strings (one char per byte), sent as they are. */
async function sameBytes(script: string, keys: string[], args: string[]): Promise<void> {
  const engine = createTestEngine();
  const argv = ["EVAL", script, String(keys.length), ...keys, ...args];
  const expected = plain(await oracle.client.send(argv));
  await oracle.client.send(["FLUSHALL"]);
  expect({ script, reply: plain(engine.run(...argv)) }).toEqual({ script, reply: expected });
}

/** Runs the commands in order on both, with no function libraries at the start, and expects equal replies. */
async function sameReplies(commands: string[][]): Promise<void> {
  const engine = createTestEngine();
  await oracle.client.send(["FUNCTION", "FLUSH"]);
  for (const argv of commands) {
    const expected = plain(await oracle.client.send(argv));
    expect({ argv, reply: plain(engine.run(...argv)) }).toEqual({ argv, reply: expected });
  }
  await oracle.client.send(["FUNCTION", "FLUSH"]);
}

describe("Lua to Redis", () => {
  const scripts = [
    "return 1",
    "return 3.99",
    "return -2.7",
    "return 'text'",
    "return true",
    "return false",
    "return nil",
    "return {1, 2, 3, nil, 4}",
    "return {1, {2, {3, 'x'}}, true, false}",
    "return {ok = 'FINE'}",
    "return {err = 'My Error'}",
    "return {1, {err = 'nested error'}, {ok = 'nested status'}}",
    "return redis.status_reply('S')",
    "return redis.error_reply('E')",
    "return redis.error_reply('CODE with text')",
    "return redis.error_reply('-ERR x')",
    "return {}",
    "return {a = 1}",
    "return 2^53",
    "return 1e20",
    "return -0.5",
    "return KEYS",
    "return ARGV",
    "return {KEYS[1], ARGV[1], ARGV[2]}",
    "return 9007199254740991",
    "return -9007199254740991",
    "return {2^31, -2^31, 2^53 - 1, 1e15 + 0.5}",
    // compat: Redis reads a returned table's err/ok fields raw: a metatable cannot fake them.
    "return setmetatable({}, {__index = {err = 'faked'}})",
    "return setmetatable({}, {__index = function() return 'faked' end})",
    "return setmetatable({1}, {__index = {ok = 'faked', [2] = 'hidden'}})",
  ];
  for (const script of scripts) test(script, () => same(script, ["k1", "k2"], ["a", "10"]));

  // Redis converts a value while Lua 5.1's C stack has room for it: 7,994 tables deep, a value
  // one level deeper becomes the error in its place.
  const nested = (depth: number, leaf: string) => `local t = {} local c = t for i = 1, ${depth} do local x = {} c[1] = x c = x end c[1] = ${leaf} return t`;
  for (const depth of [100, 7993, 7994, 7995]) {
    test(`a result nested ${depth} tables deep converts as far as Redis converts it`, () => same(nested(depth, "'leaf'")));
  }
  test("an error table deep in a result converts as Redis converts it", () => same(nested(7994, "{err = 'deep'}")));
});

describe("bytes across the bridge", () => {
  const everyByte = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
  const roundTrip = "redis.call('SET', KEYS[1], ARGV[1]) return {redis.call('GET', KEYS[1]), KEYS[1], ARGV[1], #ARGV[1]}";

  test("every byte value, as key, argument, command argument and reply", () =>
    sameBytes(roundTrip, [`key\x00\xff${everyByte}`], [everyByte]));

  test("single high bytes stay single bytes", async () => {
    for (const byte of ["\x80", "\xc3", "\xe9", "\xff"]) await sameBytes(roundTrip, [byte], [byte + byte]);
  });

  test("strings around the short-copy and scratch-buffer sizes", async () => {
    for (const length of [31, 32, 33, 4095, 4096, 4097, 100_000]) {
      const value = everyByte.repeat(Math.ceil(length / 256)).slice(0, length);
      await sameBytes(roundTrip, ["k"], [value]);
    }
  });

  test("strings Lua builds, of every length class, reach commands and replies intact", () =>
    same(
      "local out = {} for _, n in ipairs({1, 32, 33, 5000, 300000}) do local v = string.rep('\\0\\255x', n) redis.call('SET', 'k' .. n, v) out[#out + 1] = redis.call('GET', 'k' .. n) == v out[#out + 1] = redis.call('STRLEN', 'k' .. n) end return out",
    ));

  test("strings at addresses Lua frees and reuses are read as they are now", () =>
    same(
      "for i = 1, 20000 do local v = string.format('%05d', i) redis.call('SET', 'k', v) if redis.call('GET', 'k') ~= v then return {'mismatch', i} end if i % 1000 == 0 then collectgarbage() end end return {redis.call('GET', 'k'), 'ok'}",
    ));

  test("a script that grows the WebAssembly memory still converts strings both ways", () => {
    const engine = createTestEngine();
    const script =
      "local big = string.rep('ab', tonumber(ARGV[1])) redis.call('SET', KEYS[1], big) redis.call('SET', KEYS[2], ARGV[2]) return {redis.call('STRLEN', KEYS[1]), redis.call('GET', KEYS[2]), ARGV[2]}";
    const marker = "after-growth-\xff\x00";
    expect(plain(engine.run("EVAL", script, 2, "big", "small", 16 * 1024 * 1024, marker))).toEqual([32 * 1024 * 1024, marker, marker]);
    expect((engine.run("GET", "big") as string).slice(0, 4)).toBe("abab");
  });
});

describe("numbers as command arguments", () => {
  // Every number is a double, as in Redis's Lua 5.1: integers within 2^53 exact, larger ones
  // rounded (the last test).
  const scripts = [
    "redis.call('SET', 'n', 0) return redis.call('GET', 'n')",
    "redis.call('SET', 'n', -1) return redis.call('GET', 'n')",
    "redis.call('SET', 'n', 1700000000000) return redis.call('GET', 'n')",
    "redis.call('SET', 'n', 9007199254740991) return redis.call('GET', 'n')",
    "redis.call('SET', 'n', -9007199254740991) return redis.call('GET', 'n')",
    "redis.call('SET', 'n', 2^53) return redis.call('GET', 'n')",
    "return redis.call('INCRBY', 'n', 1700000000000)",
    "return redis.call('HSET', 'h', 'refilledAt', 1700000000000, 'tokens', 99)",
    "redis.call('HSET', 'h', 'a', 7, 'b', 1.5) return redis.call('HMGET', 'h', 'a', 'b')",
    "redis.call('SET', 'n', ARGV[1] * 2) return redis.call('GET', 'n')",
  ];
  for (const script of scripts) test(script, () => same(script, [], ["10"]));

  test("integers past 2^53 are doubles, as Lua 5.1 held them", () =>
    sameEach(
      "redis.call('SET', 'a', 9007199254740993) redis.call('SET', 'b', -9223372036854775807 - 1) return {redis.call('GET', 'a'), redis.call('GET', 'b'), 9007199254740993}",
      "return redis.call('INCRBY', 'n', '9007199254740993')",
      "redis.call('SET', 'n', '9223372036854775806') return {redis.call('INCR', 'n'), tostring(redis.call('INCR', 'n'))}",
    ));
});

describe("Redis to Lua", () => {
  const scripts = [
    "redis.call('SET', 'k', 'v') return redis.call('GET', 'k')",
    "return redis.call('GET', 'missing')",
    "return redis.call('GET', 'missing') == false",
    "return type(redis.call('INCR', 'n'))",
    "return redis.call('SET', 'k', 'v')['ok']",
    "return redis.call('PING')",
    "return redis.pcall('INCR', 'x', 'y')['err']",
    "redis.call('SET', 's', 'v') return redis.pcall('HGET', 's', 'f')",
    "redis.call('HSET', 'h', 'a', '1', 'b', '2') return redis.call('HGETALL', 'h')",
    "return redis.call('HMGET', 'h', 'a', 'nope')[1] == false",
    "return #redis.call('HGETALL', 'none')",
    "return redis.call('SET', 'f', 0.1)",
    "redis.call('SET', 'f', 0.1) return redis.call('GET', 'f')",
    "redis.call('SET', 'f', 1e20) return redis.call('GET', 'f')",
    "redis.call('SET', 'f', 3) return redis.call('GET', 'f')",
    "redis.call('SET', 'f', -0.0) return redis.call('GET', 'f')",
    "redis.call('SET', 'f', 1/3) return redis.call('GET', 'f')",
    "return redis.call('INCRBY', 'n', 2^40)",
    "return redis.call('SET', 'k', {})",
    "return redis.call()",
    "return redis.call('nosuch')",
    "return redis.call('GET')",
    "return redis.pcall('nosuch')",
    "return redis.pcall('GET', 'a', 'b')",
    "return redis.pcall('OBJECT')",
    "return redis.pcall('OBJECT', 'NOSUCH', 'k')",
    "return redis.pcall('OBJECT', 'ENCODING')",
    "return redis.pcall('OBJECT', 'ENCODING', 'k', 'extra')",
    "return redis.pcall('SCRIPT', 'FLUSH')",
    "local ok, e = pcall(function() redis.call('nosuch') end) return {tostring(ok), e}",
    "local ok, e = pcall(error, {err = 'X'}) return type(e)",
  ];
  for (const script of scripts) test(script, () => same(script));
});

describe("Lua semantics scripts rely on", () => {
  const scripts = [
    "return ARGV[1] + 1",
    "return ARGV[1] % 7",
    "return math.floor(ARGV[1] / 3)",
    "return ARGV[1] == 10",
    "return tonumber(ARGV[1]) == 10",
    "return tostring(10 / 2)",
    "return tostring(0.1)",
    "return tostring(1e15)",
    "return tostring(-0.0)",
    "return tostring(123456789012345)",
    "return tostring(-2^63)",
    "return _VERSION",
    "return unpack({1, 2, 3})",
    "return {unpack({1, 2, 3})}",
    "return table.getn({1, 2})",
    "return string.format('%d-%s', 5, 'x')",
    "return string.rep('ab', 3)",
    "return ('x'):upper()",
    "return select('#', 1, 2, 3)",
    "return math.max(1, 5, 3)",
    "return #'héllo'",
  ];
  for (const script of scripts) test(script, () => same(script, [], ["10"]));
});

describe("libraries", () => {
  const scripts = [
    "return cjson.encode({1, 2, 'x'})",
    "return cjson.encode({a = {b = true}})",
    "return cjson.encode('quote\"d')",
    "return cjson.encode(0.5)",
    "return cjson.decode('{\"a\":[1,2,{\"b\":null}]}').a[2]",
    "return cjson.decode('[1,2,3]')[3]",
    "return cjson.decode('{\"x\":null}').x == cjson.null",
    "return cjson.decode('\"wörld\"')",
    "return cjson.encode({'a/b', 'x\\127y', 'tab\\there', 'bytes \\200\\255'})",
    "return cjson.decode('\"\\\\u00e9\"')",
    "return bit.band(6, 3)",
    "return bit.bor(1, 2, 4)",
    "return bit.bxor(5, 3)",
    "return bit.bnot(0)",
    "return bit.lshift(1, 31)",
    "return bit.rshift(-1, 28)",
    "return bit.arshift(-16, 2)",
    "return bit.tohex(255)",
    "return bit.tohex(-1, -4)",
    "return bit.tobit(2^32 + 5)",
    "return struct.pack('>I2', 258)",
    "return struct.pack('<i4', -2)",
    "return {struct.unpack('>I2', struct.pack('>I2', 258))}",
    "return struct.size('>I4i2')",
    "return struct.pack('c3s', 'abc', 'zz')",
    "return {struct.unpack('BBc0', struct.pack('BBc0', 1, 3, 'xyz'))}",
    "return cmsgpack.pack({1, 2, 'x'})",
    "return cmsgpack.pack({a = 1})",
    "return cmsgpack.pack(300, -5, 'abc', true)",
    "return cmsgpack.unpack(cmsgpack.pack({1, {2, 3}, 'x'}))[2]",
    "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', 3))}",
    "return redis.sha1hex('')",
    "return redis.sha1hex('abc')",
    "return redis.setresp(2)",
    "return redis.setresp(4)",
    "return redis.replicate_commands()",
    "return redis.log(redis.LOG_WARNING, 'logged')",
  ];
  for (const script of scripts) test(script, () => same(script));
});

describe("which tables cjson and cmsgpack write as arrays, and which they refuse", () => {
  const nested = (depth: number) => `local t = {} local c = t for i = 1, ${depth} do c[1] = {} c = c[1] end`;
  const scripts = [
    // cjson: positive integer keys make an array up to the largest, holes as null, unless over 10 and over twice the keys.
    "return cjson.encode({1, nil, 3})",
    "return cjson.encode({[2] = 1})",
    "return cjson.encode({[10] = 1})",
    "return cjson.encode({[1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [12] = 7})",
    "return cjson.encode({[11] = 1})",
    "return cjson.encode({[1] = 1, [20] = 2})",
    "return {pcall(cjson.encode, {[1] = 1, [20] = 2})}",
    "return cjson.encode({{}, {[3] = 1}})",
    "return cjson.encode({[1.5] = 1, [0] = 2, [-1] = 3})",
    "return cjson.encode({[1] = 1, x = 2})",
    "return cjson.encode({})",
    // cjson refuses what it cannot write, a table nested in itself included (past 1,000 tables).
    "return cjson.encode(function() end)",
    "return cjson.encode({a = function() end})",
    "return cjson.encode(0/0)",
    "return cjson.encode({[{}] = 1})",
    "local t = {} t[1] = t return cjson.encode(t)",
    `${nested(999)} return #cjson.encode(t)`,
    `${nested(1000)} return #cjson.encode(t)`,
    // cmsgpack: an array only for keys exactly 1..n (an empty table too); the 17th nested table packs as nil.
    "return cmsgpack.pack({1, nil, 3})",
    "return cmsgpack.pack({})",
    "return cmsgpack.pack({{}, {a = {}}})",
    "local t = {} t[1] = t return cmsgpack.pack(t)",
    `${nested(15)} return cmsgpack.pack(t)`,
    `${nested(20)} return cmsgpack.pack(t)`,
  ];
  for (const script of scripts) test(script, () => same(script));
});

describe("commands a script may not call, refused in Redis's words", () => {
  const calls = [
    ["BLPOP", "l", "1"],
    ["BLPOP", "l"],
    ["BRPOP", "l", "1"],
    ["BLMOVE", "a", "b", "LEFT", "LEFT", "1"],
    ["BRPOPLPUSH", "a", "b", "1"],
    ["BZPOPMIN", "z", "1"],
    ["BZPOPMAX", "z", "1"],
    ["WAIT", "0", "0"],
    ["CLIENT", "LIST"],
    ["CLIENT"],
    ["CONFIG", "GET", "x"],
    ["CONFIG", "GET"],
    ["CONFIG", "NOSUCH"],
    ["CLIENT", "KILL"],
    ["CLIENT", "nosuch"],
    ["ACL", "WHOAMI"],
    ["ACL", "WHOAMI", "x"],
    ["ACL", "NOSUCH"],
    ["REPLICAOF", "no", "one"],
    ["SLAVEOF", "no", "one"],
    ["FAILOVER"],
    // XREAD and XREADGROUP are allowed, but not to block; the option is refused as it is read.
    ["XREAD", "BLOCK", "1", "STREAMS", "s", "0"],
    ["xread", "block", "0", "STREAMS", "s", "0"],
    ["XREAD", "BLOCK", "abc", "STREAMS", "s", "0"],
    ["XREAD", "COUNT", "abc", "BLOCK", "1", "STREAMS", "s", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "1", "STREAMS", "s", ">"],
    ["XREAD", "COUNT", "1", "STREAMS", "s", "0"],
    // Names a JavaScript object inherits are no commands.
    ["constructor"],
    ["__proto__"],
    ["hasOwnProperty", "x"],
    ["CONFIG", "constructor"],
    ["CLIENT", "__proto__"],
  ];
  for (const call of calls) {
    const args = luaArguments(call);
    test(`redis.pcall and redis.acl_check_cmd of ${call.join(" ")}`, () => sameEach(`return redis.pcall(${args})`, `return redis.acl_check_cmd(${args})`));
  }
});

describe("BLMPOP and BZMPOP in a script, which Redis 7.0 runs as LMPOP and ZMPOP", () => {
  const popBoth = (timeout: string) => `return {redis.pcall('BLMPOP', '${timeout}', '1', 'l', 'LEFT'), redis.pcall('BZMPOP', '${timeout}', '1', 'z', 'MIN')}`;
  const stock = ["EVAL", "redis.call('RPUSH', 'l', 'a', 'b', 'c', 'd') redis.call('ZADD', 'z', 1, 'm1', 2, 'm2', 3, 'm3') return 1", "0"];
  test("pop what is there at once, whatever the timeout, and nil when nothing is", () =>
    sameReplies([
      ["FLUSHALL"],
      ["EVAL", popBoth("0"), "0"],
      stock,
      ["EVAL", popBoth("0"), "0"],
      ["EVAL", "return {redis.call('BLMPOP', '5', '2', 'none', 'l', 'RIGHT', 'COUNT', '2'), redis.call('BZMPOP', '0.5', '2', 'none', 'z', 'MAX', 'COUNT', '5')}", "0"],
      ["EVAL", "return {redis.call('LRANGE', 'l', 0, -1), redis.call('ZRANGE', 'z', 0, -1), redis.call('EXISTS', 'z')}", "0"],
    ]));

  // Redis reads the seconds as a long double and times them by 1000, rounded up to a whole number:
  // below 0 is refused, and so is past long long's range, which x86's conversion makes negative.
  const timeouts = ["1.5", "-1", "abc", "", " 1", "1 ", "nan", "inf", "-inf", "1e400", "1e5000", "1e-400", "-0", "-0.001", "-0.0009", "-0.002", "0x10", "-0x1p-10",
    "9223372036854775.807", "9223372036854775.808", "9223372036854775807", "1e16"];
  test("read the timeout as Redis 7.0 does, in its words", () => sameReplies([["FLUSHALL"], stock, ...timeouts.map((timeout) => ["EVAL", popBoth(timeout), "0"])]));

  test("are checked for arity, a read-only script and their other arguments before the timeout", () =>
    sameReplies([
      ["FLUSHALL"],
      stock,
      ...[["BLMPOP", "0", "1", "l"], ["BZMPOP", "x", "1"], ["blmpop"], ["BLMPOP", "x", "0", "l", "LEFT"], ["BZMPOP", "0", "1", "z", "NONE"], ["BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"]].map((call) => [
        "EVAL",
        `return redis.pcall(${luaArguments(call)})`,
        "0",
      ]),
      ["EVAL", "#!lua flags=no-writes\nreturn redis.pcall('BLMPOP', '-1', '1', 'l', 'LEFT')", "0"],
      ["EVAL_RO", "return redis.pcall('BZMPOP', 'x', '1', 'z', 'MIN')", "0"],
      ["EVAL", "return {redis.acl_check_cmd('BLMPOP', '0', '1', 'l', 'LEFT'), redis.acl_check_cmd('bzmpop')}", "0"],
      ["EVAL", "redis.call('SET', 's', 'v') return redis.pcall('BLMPOP', '0', '1', 's', 'LEFT')", "0"],
    ]));
});

describe("function and library names, as Redis 7.0 compares them", () => {
  const library = (name: string, ...functions: string[]) => `#!lua name=${name}\n${functions.map((fn) => `redis.register_function('${fn}', function() return '${name}.${fn}' end)`).join("\n")}`;

  test("FCALL finds a function in any case; another library cannot take its name in another case", () =>
    sameReplies([
      ["FUNCTION", "LOAD", library("lib", "f")],
      ["FCALL", "F", "0"],
      ["FUNCTION", "LOAD", library("lib2", "F")],
      ["FUNCTION", "LOAD", "REPLACE", library("lib", "F")],
      ["FCALL", "f", "0"],
    ]));

  test("library names keep their case; LIBRARYNAME patterns match without it", () =>
    sameReplies([
      ["FUNCTION", "LOAD", library("lib", "f")],
      ["FUNCTION", "LOAD", library("LIB", "g")],
      ["FUNCTION", "LOAD", library("libx", "h")],
      ["FUNCTION", "DELETE", "LIB"],
      ["FUNCTION", "DELETE", "Lib"],
      ["FUNCTION", "LIST", "LIBRARYNAME", "LIB"],
      ["FUNCTION", "LIST", "LIBRARYNAME", "LIBX"],
      ["FUNCTION", "STATS"],
    ]));
});

describe("what one script can change for the next, as Redis 7.0 allows it", () => {
  // Seeded random writes to the globals, the library tables and their metatables, each under
  // pcall (its refusal is part of the reply), then one script that looks at what the next script
  // would find; both on one engine and on a fresh Lua state of the oracle (SCRIPT FLUSH).
  const targets = ["_G", "string", "table", "math", "redis", "cjson", "bit", "struct", "cmsgpack", "coroutine", "getmetatable('')", "getmetatable(_G)", "KEYS"];
  const fields = ["format", "rep", "insert", "floor", "call", "encode", "band", "pack", "x", "__index", "__newindex", "__metatable", "tostring", "_G"];
  const values = ["nil", "1", "'s'", "{}", "error", "function() return 'hijacked' end", "string"];
  const observe =
    "local o = {} for _, n in ipairs({'format', 'rep', 'insert', 'call', 'encode', 'tostring', 'x'}) do o[#o+1] = n .. '=' .. type(rawget(_G, n)) end " +
    "o[#o+1] = type(string.format) .. type(table.insert) .. type(math.floor) .. type(redis.call) .. type(cjson.encode) .. type(bit.band) .. type(struct.pack) " +
    "o[#o+1] = tostring(#KEYS) .. tostring(getmetatable('').__index == string) .. type(getmetatable(_G)) .. tostring(pcall(function() return undefinedglobal end)) " +
    "o[#o+1] = redis.call('PING').ok .. tostring(('a'):rep(2)) return o";
  for (const seed of [1, 2]) {
    test(`seed ${seed}: 60 scripts of three random writes each, and what the next script sees`, async () => {
      const random = new SeededRandom(seed);
      const pick = <T,>(items: T[]) => items[randomInt(random, items.length)]!;
      const write = () => {
        const [target, field, value] = [pick(targets), pick(fields), pick(values)];
        return pick([
          `${target}['${field}'] = ${value}`,
          `rawset(${target}, '${field}', ${value})`,
          `setmetatable(${target}, ${pick(["nil", "{}", "{__index = function() return 9 end}"])})`,
          `getmetatable(${target}).${field} = ${value}`,
          `${field} = ${value}`,
          `table.insert(${target}, ${value})`,
        ]);
      };
      for (let i = 0; i < 60; i++) {
        const writes = [write(), write(), write()];
        const script = `return {${writes.map((w) => `(select(2, pcall(function() ${w} end)))`).join(", ")}}`;
        await sameReplies([["SCRIPT", "FLUSH"], ["EVAL", script, "1", "k"], ["EVAL", observe, "1", "k"]]);
      }
    });
  }
});

describe("what a library's code sees, as Redis 7.0 gives it", () => {
  const loading = (line: string) => ["FUNCTION", "LOAD", `#!lua name=x\n${line}\nredis.register_function('f', function() return 1 end)`];

  test("while it loads, 'redis' alone, with register_function, log, LOG_* and the version", () =>
    sameReplies([
      ...["string", "cjson", "type", "error", "tostring", "_G", "KEYS"].flatMap((name) => [loading(`local v = ${name}`), ["FUNCTION", "FLUSH"]]),
      ...["call", "setresp", "sha1hex", "error_reply"].flatMap((name) => [loading(`local v = redis.${name}`), ["FUNCTION", "FLUSH"]]),
      loading("local n = redis.REDIS_VERSION_NUM + 1 redis.log(redis.LOG_NOTICE, redis.REDIS_VERSION)"),
      ["FUNCTION", "LIST"],
      ["FUNCTION", "FLUSH"],
      loading("foo = 1"),
    ]));

  test("a registered function finds every global when it runs, but no register_function", () =>
    sameReplies([
      ["FUNCTION", "LOAD", "#!lua name=x\nlocal function up(s) return string.upper(s) end\nlocal reg = redis.register_function\nredis.register_function('f', function(keys, args) return {up(args[1]), type(cjson), type(redis.call), type(redis.register_function)} end)\nredis.register_function('g', function() return reg('h', function() end) end)"],
      ["FCALL", "f", "0", "abc"],
      ["FCALL", "g", "0"],
      ["EVAL", "return type(redis.register_function)", "0"],
      ["EVAL", "return redis.register_function('f', function() end)", "0"],
    ]));

  test("a function's globals are its own: no KEYS or ARGV of the last EVAL, through _G or loadstring either", () => {
    const functions = [
      "redis.register_function('keys', function() return {pcall(function() return loadstring('return type(KEYS)')() end)} end)",
      "redis.register_function('g', function() return {type(_G), tostring(rawget(_G, 'KEYS')), pcall(function() return _G.ARGV end)} end)",
      "redis.register_function('names', function() local o = {} for k in pairs(_G) do o[#o+1] = k end table.sort(o) return o end)",
      "redis.register_function('sealed', function() return {type(getmetatable(_G)), pcall(function() x = 1 end), pcall(function() tostring = nil end)} end)",
      "redis.register_function('raw', function() return {type(next(_G)), rawget(_G, '_G') == _G, type(rawget(_G, 'string'))} end)",
    ];
    return sameReplies([
      ["FUNCTION", "LOAD", `#!lua name=x\n${functions.join("\n")}`],
      ["EVAL", "return 1", "1", "a", "b"],
      ...["keys", "g", "names", "sealed", "raw"].map((name) => ["FCALL", name, "0"]),
    ]);
  });
});

describe("FUNCTION DUMP and RESTORE, in Redis 7.0's payload", () => {
  const small = "#!lua name=lib\nredis.register_function('f', function() return 1 end)";
  const large = `#!lua name=big\n${Array.from({ length: 40 }, (_, i) => `redis.register_function('f${i}', function() return ${i} end)`).join("\n")}`;
  // Redis lists libraries and their functions in its dicts' order: compared sorted by name.
  const sortedByName = (entries: unknown[][]) => entries.toSorted((a, b) => String(a[1]).localeCompare(String(b[1])));
  const byName = (libraries: unknown) => sortedByName((libraries as unknown[][]).map((library) => library.map((field, i) => (library[i - 1] === "functions" ? sortedByName(field as unknown[][]) : field))));

  test("a library's payload is byte for byte Redis's", () => sameReplies([["FUNCTION", "LOAD", small], ["FUNCTION", "DUMP"]]));

  test("a shebang line with no code after it is refused", () =>
    sameReplies([["FUNCTION", "LOAD", "#!lua"], ["FUNCTION", "LOAD", "#!lua name=a"], ["EVAL", "#!lua", "0"], ["EVAL", "#!lua flags=no-writes", "0"]]));

  test("payloads move between redis-server and downstash both ways, LZF-compressed ones too", async () => {
    await oracle.client.send(["FUNCTION", "FLUSH"]);
    await oracle.client.send(["FUNCTION", "LOAD", large]);
    const fromRedis = (await oracle.client.send(["FUNCTION", "DUMP"])) as string;
    expect(fromRedis.charCodeAt(1)).toBe(0xc3); // Redis compressed this one
    const engine = createTestEngine();
    expect(plain(engine.run("FUNCTION", "RESTORE", fromRedis))).toEqual({ status: "OK" });
    engine.run("FUNCTION", "LOAD", small);
    await oracle.client.send(["FUNCTION", "LOAD", small]);
    const listed = plain(await oracle.client.send(["FUNCTION", "LIST", "WITHCODE"]));
    expect(byName(plain(engine.run("FUNCTION", "LIST", "WITHCODE")))).toEqual(byName(listed));
    await oracle.client.send(["FUNCTION", "FLUSH"]);
    expect(plain(await oracle.client.send(["FUNCTION", "RESTORE", engine.run("FUNCTION", "DUMP") as string]))).toEqual({ status: "OK" });
    expect(byName(plain(await oracle.client.send(["FUNCTION", "LIST", "WITHCODE"])))).toEqual(byName(listed));
    await oracle.client.send(["FUNCTION", "FLUSH"]);
  });

  test("a payload with a wrong checksum, version or content is refused in Redis's words", () => {
    return sameReplies([
      ["FUNCTION", "RESTORE", "garbage"],
      ["FUNCTION", "RESTORE", "\xf5\x00"],
      ["FUNCTION", "RESTORE", withFooter("\x00abc")],
      ["FUNCTION", "RESTORE", withFooter("\xf5\x05#!lua")],
      ["FUNCTION", "RESTORE", withFooter("\xf5\x30abc")],
      ["FUNCTION", "RESTORE", withFooter(`\xf5${String.fromCharCode(small.length)}${small}\xf5${String.fromCharCode(small.length)}${small}`)],
      ["FUNCTION", "LIST"],
    ]);
  });
});

describe("HELP of the scripting and pub/sub containers, as Redis 7.0 words it", () => {
  test("SCRIPT HELP, FUNCTION HELP and PUBSUB HELP", () => sameReplies([["SCRIPT", "HELP"], ["FUNCTION", "HELP"], ["PUBSUB", "HELP"]]));

  test("SCRIPT FLUSH and FUNCTION FLUSH refuse a wrong mode or one argument too many in Redis's words", () =>
    sameReplies([["SCRIPT", "FLUSH", "x"], ["SCRIPT", "FLUSH", "SYNC", "x"], ["FUNCTION", "FLUSH", "x"], ["FUNCTION", "FLUSH", "SYNC", "x"], ["function", "flush", "async", "x"]]));

  test("SCRIPT DEBUG NO is served and a wrong mode refused as Redis refuses it", () =>
    sameReplies([["SCRIPT", "DEBUG", "no"], ["SCRIPT", "DEBUG", "x"], ["SCRIPT", "DEBUG"]]));
});

describe("compile errors and library refusals, in Lua 5.1's and Redis 7.0's words", () => {
  for (const script of ["return (", "return 'abc", "return [[abc", "local 1", "for", "if x then", "x = = 1"]) {
    test(`EVAL ${script}`, () => sameReplies([["EVAL", script, "0"]]));
  }
  // Lua 5.4's syntax is refused as 5.1 refuses it, and what 5.1 reads differently is read as 5.1 reads it.
  const syntax = [
    "return 7 // 2", "local a = 5 return a//2", "return 7 & 3", "return 7 | 3", "return 7 ~ 3", "return ~7", "return 1 << 2", "return 1 >> 2",
    "goto done ::done:: return 1", "do return 1 end ::x::", "local x <const> = 5 return x", "local x <close> = nil return 1",
    "local goto = 1 return goto", "x y", "local t = {} t.a b", "(1) b", "local a a b", "f() g",
    "local a = 1;; return a", "; return 1", "do ; end return 1", "return;;", "local a = 1; local b = 2; return a + b;",
    "local t = {1; 2; 3} return #t", "for i = 1, 3 do if i == 2 then break; end end return 1", "local function f() return; end return 1",
    "while true do break local y = 1 end return 1", "repeat break x = 1 until true return 1", "for i = 1, 3 do break; end return 1",
    "for i = 1, 3 do if i == 2 then break;; end end return 1", "for i = 1, 3 do if i == 2 then break; x = 1 end end return 1",
    "while true do\nbreak\nlocal y = 1\nend\nreturn 1", "for i = 1, 2 do if i then break else break end end return 3",
    "break", "do break end", "break return 1", "if true then break end", "for i = 1, 2 do local function f() break end end return 1",
    "for i = 1, 2 do do do break end end end return 5", "repeat do break end until false return 6",
  ];
  for (const script of syntax) test(`EVAL ${script}`, () => sameReplies([["EVAL", script, "0"]]));
  const library = (body: string) => `#!lua name=lib\n${body}`;
  const loads = [
    "#!js name=x\nreturn 1",
    "#! name=x\nreturn 1",
    library("local x = "),
    library("redis.register_function(1, function() return 1 end)"),
    library("redis.register_function({}, function() end)"),
    library("redis.register_function('f', 'not a function')"),
    library("redis.register_function('f')"),
    library("redis.register_function('f', function() end, 3)"),
    library("redis.register_function()"),
    library("redis.register_function{callback = function() end}"),
    library("redis.register_function{function_name = 'f'}"),
    library("redis.register_function{FUNCTION_NAME = 'f', Callback = function() end}"),
    library("redis.register_function{function_name = 'f', callback = function() end, flags = 'no-writes'}"),
    library("redis.register_function{function_name = 'f', callback = function() end, flags = {'no-writes', 'bogus'}}"),
    library("redis.register_function{function_name = 'f', callback = function() end, bogus = 1}"),
    library("redis.register_function{[1] = 'f'}"),
    // The shebang line, split as sdssplitargs splits it: name= in any case and once, the engine in any case.
    ...["#!lua NAME=x", "#!lua name=x name=y", "#!LUA name=x", "#!lua\tname=x", "#!lua name=x\r", "#!lua name=\"x\"", "#!lua name=\"x", "#!lua name=x foo=bar", "#!js name=x foo=bar", "#!js name=bad!", "#!lua name="].map(
      (line) => `${line}\nredis.register_function('f', function() return 1 end)`,
    ),
  ];
  for (const body of loads) test(`FUNCTION LOAD ${JSON.stringify(body)}`, () => sameReplies([["FUNCTION", "LOAD", body], ["FUNCTION", "LIST"]]));
  const shebangs = [
    "#!lua flags=no-writes flags=allow-oom", "#!lua flags=allow-oom flags=no-writes", "#!lua flags=no-writes\r", "#!lua\r", "#!lua\tflags=no-writes",
    "#!lua  flags=no-writes", "#!LUA", "#!lua FLAGS=no-writes", "#!lua flags=", "#!lua 'flags=no-writes'", "#!lua \"flags", "#!",
  ];
  for (const line of shebangs) test(`EVAL ${JSON.stringify(line)}`, () => sameReplies([["EVAL", `${line}\nreturn redis.call('SET', 'k', '1')`, "0"]]));
});

describe("the Lua 5.1 library, as Redis 7.0", () => {

  test("string.format writes numbers and quotes strings as 5.1 did", () =>
    sameEach(
      lua`return string.format("%s|%s|%s|%s", 1.0, 10/2, -0.0, 2^53)`,
      lua`return string.format("%d %i %d %d %x %c", 3.7, -3.7, 2^63, 0/0, 3.9, 65.9)`,
      lua`return string.format("%d", 123456789012345678)`,
      lua`return {string.format("%d|%d|%d", -3.7, 0/0, 1/0), ("k:%d:%d"):format(7/2, -0.5), string.format("%d %s", 2^63, 10/4)}`,
      lua`return string.format("%u %o %x %X", -1, 8, 2^64, -2^63)`,
      lua`return string.format("%5.1f|%-8.3e|%G|%e|%g", 3.14159, 1234.5, 0.00001, -0.0, 2^63)`,
      lua`return string.format("%-+ #0d|%#x|%05d|%+ d|%5c|%c|", 1, 255, 42, 5, 66, 0)`,
      lua`return string.format("%q", "a\nb\0c\r\t\"\\\1")`,
      lua`return string.format("%10q|%q|%q", "a", 12, 1/3)`,
      lua`return string.format("%s|%.3s|%10s|", "a\0b", string.rep("x", 150), "y")`,
      lua`return string.format("%s", string.rep("a", 120) .. "\0b")`,
      lua`return string.format("key:%s:%d:%%", "user", 42)`,
      lua`return string.format(2^53)`,
      lua`return {string.format("%c|%c|%c|%c|%c", 123456789012345678, 2^31, -2^31, 321, -191), string.format("%5.1f|%-5s|%5.1f", 1/3, "ab", 2/3)}`,
    ));

  test("string.format refuses what 5.1 refused, in 5.1's words", () =>
    sameEach(
      lua`local s = string.format("%a", 1) return s`,
      lua`local s = string.format("%y", 1) return s`,
      lua`local s = string.format("%-+ #00d", 1) return s`,
      lua`local s = string.format("%123d", 1) return s`,
      lua`local s = string.format("%1.123d", 1) return s`,
      lua`local s = string.format("%d") return s`,
      lua`local s = string.format("%s %d", "a") return s`,
      lua`local s = string.format("%s", {}) return s`,
      lua`local s = string.format("%q", true) return s`,
      lua`local s = string.format("%d", "x") return s`,
      lua`local s = string.format("%", 1) return s`,
      lua`local s = string.format({}) return s`,
      lua`return {pcall(string.format, "%s", nil)}`,
    ));

  test("tostring, string.format, table.concat, xpcall and table.foreach are C functions: an argument error in a tail call names the script's line", () =>
    sameEach(
      lua`return xpcall(function() return 1 end)`,
      lua`return table.foreach({})`,
      lua`return table.foreachi({1}, 5)`,
      lua`return table.foreach({a = 1}, function(k, v) return k .. v end)`,
      lua`return tostring()`,
      lua`return string.format("%d")`,
      lua`return string.format("%d", "x")`,
      lua`return ("%d"):format({})`,
      lua`return table.concat("x")`,
      lua`return table.concat({1, {}})`,
      lua`local function f() return table.concat({1, 2}, ",", 1, 3) end return f()`,
      lua`return {pcall(function() return tostring() end)}`,
      lua`return tostring(setmetatable({}, {__tostring = function() error("boom") end}))`,
      lua`return tostring(setmetatable({}, {__tostring = function() return 1 end}))`,
      lua`return {pcall(tostring)}`,
    ));

  test("tonumber without a base reads as 5.1's, and hands a base on", () =>
    sameEach(
      lua`return {tonumber("12"), tonumber(" 12 "), tonumber("0x10"), tonumber("1e2"), tonumber("abc"), tonumber(""), tonumber("1\0"), tonumber(nil), tonumber(true), tonumber({}), tonumber(5.5), tonumber("-0")}`,
      lua`return {tonumber("1e400"), tonumber(".5"), tonumber("5."), tonumber("0x"), tonumber("1 2"), tonumber("10", nil), tonumber("ff", 16), tonumber("10", 10)}`,
      lua`return tonumber()`,
      lua`return tonumber("10", 99)`,
    ));

  test("string.format of plain %s and %d takes what 5.1 takes and hands the rest on", () =>
    sameEach(
      lua`return {string.format("%s %d", "a", 1.7), string.format("%s %d", "a", -1.7), string.format("%d", -0.5), string.format("%d", 2^53)}`,
      lua`return {string.format("%s", 0/0), string.format("%s", 1/0), string.format("%s", -0), string.format("%s", 0.1), string.format("%s", 1e15)}`,
      lua`return {string.format("%s", string.rep("a", 99) .. "\0b"), string.format("%s", string.rep("a", 100) .. "\0b"), string.format("a\0b%s", "c")}`,
      lua`return {string.format("%%d %s%%", "x"), string.format("%s-%s", "a", "b", "c"), string.format("%d", "12"), string.format(12.5), string.format("")}`,
      lua`local s = string.format("%s-%s", "a") return s`,
      lua`local s = string.format("abc%") return s`,
    ));

  test("table.concat reads the table raw and cuts i and j to C ints, as 5.1's", () =>
    sameEach(
      lua`return table.concat(setmetatable({}, {__index = function() return "x" end}), ",", 1, 3)`,
      lua`local t = setmetatable({}, {__index = function() return "x" end}) for i = 1, 100 do rawset(t, i, i) end return #table.concat(t, ",")`,
      lua`local t = {} for i = 1, 100 do t[i] = i end t[50] = {} return table.concat(t, ",")`,
      lua`return {table.concat({"a"}, ",", 1, 2^53), table.concat({"a","b"}, ",", 2^32 + 1, 2^32 + 2), table.concat({"a","b"}, ",", 0/0)}`,
      lua`return {table.concat({"a","b"}, ",", "1", "2"), table.concat({"a","b"}, nil, nil, 1), table.concat({"a\0b","c"}, "\0")}`,
      lua`local s = table.concat({"a","b"}, ",", "x") return s`,
      lua`local s = table.concat({}, cjson.null) return s`,
      lua`return {tonumber("10", 2^32 + 16), math.ldexp(1, 2^32 + 3)}`,
    ));

  test("unpack, the table library's 5.1 names and coroutine.create check their arguments as 5.1's", () =>
    sameEach(
      lua`return unpack()`,
      lua`local x = unpack("abc") return x`,
      lua`return table.getn()`,
      lua`local x = table.getn("x") return x`,
      lua`local x = table.maxn(5) return x`,
      lua`local x = table.foreach({}) return x`,
      lua`local x = table.foreach({1}, 5) return x`,
      lua`local x = table.foreachi() return x`,
      lua`local x = table.foreachi({1}, 5) return x`,
      lua`return coroutine.create()`,
      lua`local x = coroutine.create(print) return x`,
      lua`local x = coroutine.wrap(tostring) return x`,
      lua`return {table.foreach({1, 2}, function(k, v) return k + v end), table.foreachi({5, 6}, function(k, v) if v == 6 then return "six" end end)}`,
      lua`return {table.maxn({1, 2, [10] = 3, x = 5, [2.5] = 1}), table.getn({1, 2, 3})}`,
      lua`return {table.getn({}), table.getn({1, nil, 3}), table.getn({n = 5}), table.getn(setmetatable({}, {__len = function() return 9 end})), table.getn({1, 2}, 3)}`,
      lua`return {pcall(table.getn)}`,
      lua`local t = setmetatable({1, 2}, {__index = function() return 9 end}) local o = {} table.foreachi(t, function(i, v) o[i] = v end) return o`,
    ));

  test("rawget, rawset, next, getmetatable and setmetatable treat the read-only library tables and globals as Redis's", () =>
    sameEach(
      lua`return {type(getmetatable(string)), type(getmetatable(redis)), tostring(getmetatable(cjson)), type(getmetatable(getmetatable("")))}`,
      lua`local mt = getmetatable(_G) return {type(mt), type(mt.__index), type(rawget(mt, "__index")), type(mt.__newindex), getmetatable(mt) == nil}`,
      lua`return {type(rawget(string, "format")), type(rawget(redis, "call")), type(rawget(math, "pi")), rawget(string, "nothing") == nil, type(rawget(_G, "string"))}`,
      lua`return {pcall(setmetatable, string, {})}`,
      lua`return {pcall(setmetatable, _G, {})}`,
      lua`return {pcall(setmetatable, getmetatable(_G), {})}`,
      lua`return {pcall(rawset, getmetatable(_G), "x", 1)}`,
      lua`return {pcall(function() getmetatable(_G).x = 1 end)}`,
      lua`return setmetatable(string, {})`,
      lua`return rawset(_G, "x", 1)`,
      lua`rawset(string, "x", 1)`,
      lua`return {pcall(setmetatable, setmetatable({}, {__metatable = 1}), {})}`,
      lua`return setmetatable(setmetatable({}, {__metatable = 1}), {})`,
      lua`local mt = {__metatable = "locked"} local t = setmetatable({}, mt) rawset(t, "a", 3) return {getmetatable(t), rawget(t, "a")}`,
      lua`local t = setmetatable({}, {__index = function() return 5 end}) return {t.x, rawget(t, "x") == nil}`,
      lua`local t, mt = {}, {} return {setmetatable(t, mt) == t, getmetatable(t) == mt, setmetatable(t, nil) == t, getmetatable(t) == nil}`,
      lua`return rawset()`,
      lua`return rawset(1, 2, 3)`,
      lua`return rawset({}, 1)`,
      lua`return rawget({})`,
      lua`return rawget(1, 2)`,
      lua`return getmetatable()`,
      lua`return setmetatable()`,
      lua`return setmetatable({})`,
      lua`return setmetatable({}, 1)`,
      lua`return {pcall(setmetatable, {}, 1)}`,
      lua`return {pcall(rawset, {}, nil, 1)}`,
      lua`return {type(next(string)), type(next(redis)), type(next(_G)), next(string, "upper"), type(next(getmetatable(_G)))}`,
      lua`local o = {} for k in next, math do o[#o+1] = k end return o`,
      lua`local t = {x = 1, y = 2, z = 3} local o = {} for k, v in next, t do o[#o+1] = k .. v end return o`,
      lua`return {next({}), pcall(next, {}, "nokey")}`,
      lua`return next()`,
      lua`return next(1)`,
    ));

  test("table.concat and tostring write numbers as 5.1 did", () =>
    sameEach(
      lua`return table.concat({1.5, 2, 10/2, 2^53, 1e15, 1e16, -0.0, 123456789012345678}, " ")`,
      lua`return table.concat({1, 2, 3}, ", ", 2, 3)`,
      lua`return table.concat({"v1.0", "a"}, 2.0)`,
      lua`local s = table.concat({1, {}, 3}, ",") return s`,
      lua`local s = table.concat({true}) return s`,
      lua`local s = table.concat({1, 2}, {}) return s`,
      lua`return {tostring(10/2), tostring(-0.0), tostring(123456789012345), tostring(1e100), tostring(nil)}`,
      lua`return {99999999999999 .. "", -99999999999999 .. "", 1e14 .. "", -1e14 .. "", 0 .. "", 2^31 .. "", -2^31 .. "", 7.0 .. "", tostring(-12)}`,
      lua`local o, n = {}, 1 for i = 1, 20 do o[#o + 1] = n .. "," .. -n .. "," .. 10^(i - 1) .. "," .. 10^(i - 1) - 1 n = n * 7 + i end return o`,
      lua`local s = tostring() return s`,
    ));


  test("a float holding an integer becomes text without '.0', so keys built with '..' are Redis's", () =>
    sameEach(
      lua`return {(10/2) .. "", "k:" .. 7/7, (-0.0) .. "", 123456789012.0 .. "", 1e13 .. "|" .. 1e14, (3 * 1.0) .. ""}`,
      lua`return {string.len(10/2), string.rep(4/2, 3), string.upper(5.0), string.sub(12.0, 1, 2), #(1.0 .. ""), ("%s"):format(8/4)}`,
      lua`return {math.floor(5.5) .. "|" .. math.abs(-2.0), math.max(1.0, 2.0) .. "", (0/0) .. "", (1/0) .. "|" .. (-1/0), 2^63 .. ""}`,
      lua`redis.call("SET", "k:" .. 4/2, 3.0 .. "") return {redis.call("GET", "k:2"), redis.call("EXISTS", "k:2.0")}`,
      lua`return {cmsgpack.unpack(cmsgpack.pack(123456789012345)) .. "", struct.unpack("i8", struct.pack("i8", 123456789012345)) .. ""}`,
      lua`return {cmsgpack.unpack(cmsgpack.pack(3)) .. "|" .. cmsgpack.unpack(cmsgpack.pack(-3.0)), cjson.decode("3.0") .. "|" .. cjson.decode("-0")}`,
    ));

  test("tonumber with a base: any number in base 10, strtoul's reading in the others", () =>
    sameEach(
      lua`return {tostring(tonumber(10, 10)), tostring(tonumber("1.5", 10)), tostring(tonumber("1e2", 10)), tostring(tonumber("0x10", 10)), tostring(tonumber({}, 10)), tostring(tonumber(nil, 10))}`,
      lua`return {tostring(tonumber("ff", 16)), tostring(tonumber(" -10 ", 16)), tostring(tonumber("0x1F", 16)), tostring(tonumber("0x", 16)), tostring(tonumber("0xg", 16)), tostring(tonumber("-0x10", 16))}`,
      lua`return {tostring(tonumber("Zz", 36)), tostring(tonumber("777", 8)), tostring(tonumber("102", 2)), tostring(tonumber(10, 16)), tostring(tonumber(1.5, 16)), tostring(tonumber("1\0z", 16))}`,
      lua`return {tostring(tonumber("", 16)), tostring(tonumber("+", 16)), tostring(tonumber("10", "16")), tostring(tonumber("10", 16.9)), tostring(tonumber("12", nil)), tostring(tonumber("ff", 16, 1))}`,
      lua`return {tostring(tonumber("ffffffffffffffff", 16)), tostring(tonumber("10000000000000000", 16)), tostring(tonumber("-10000000000000000", 16)), tostring(tonumber("-1", 16))}`,
      lua`return {tostring(tonumber("20000000000001", 16)), tostring(tonumber("fffffffffffff801", 16)), tostring(tonumber("3w5e11264sgsf", 36)), tostring(tonumber("3w5e11264sgsg", 36))}`,
      lua`return tonumber("10", "x")`,
      lua`return tonumber({}, 16)`,
      lua`return tonumber("10", 37)`,
      lua`return tonumber("10", 1)`,
      lua`return tonumber()`,
    ));

  test("string keys come in Redis's order from pairs, next, cjson and cmsgpack in tables laid out as 5.1 lays them", () =>
    sameEach(
      lua`local o = {} for k in pairs({x=1, y=2, z=3, w=4}) do o[#o+1] = k end return o`,
      lua`local o = {} for k in pairs({alpha=1, beta=2, gamma=3, delta=4, epsilon=5}) do o[#o+1] = k end return o`,
      lua`local t = {} for _, k in ipairs({"user", "id", "name", "email"}) do t[k] = 1 end local o = {} for k in pairs(t) do o[#o+1] = k end return o`,
      lua`return {next({q=1, r=2, s=3})}`,
      lua`return {cjson.encode({a=1, b=2, c=3}), cjson.encode({name="x", id=1, tags={"a"}}), cjson.encode({user={name="n", id=5}, meta={count=2, next=false}})}`,
      lua`return {cmsgpack.pack({a=1, b=2}), cmsgpack.pack({z=1, y=2, x=3, w=4})}`,
    ));

  test("pairs walks the library tables in Redis's order", () =>
    sameEach(
      ...["string", "table", "math", "coroutine", "redis", "cjson", "bit", "struct", "cmsgpack", 'getmetatable("")'].map(
        (library) => `local o = {} for k in pairs(${library}) do o[#o+1] = k end return o`,
      ),
      lua`local o = {} for k in pairs(_G) do o[#o+1] = k end table.sort(o) return o`,
    ));

  test("string keys come in Redis's order from tables grown key by key, emptied in part, decoded or filled from a hash", () =>
    sameEach(
      ...[5, 6, 8, 17, 33, 100].map((n) => `local t = {} for i = 1, ${n} do t["k" .. i] = i end local o = {} for k in pairs(t) do o[#o+1] = k end return o`),
      lua`local t = {} for i = 1, 50 do t["f" .. i] = i end for i = 1, 50, 2 do t["f" .. i] = nil end for i = 1, 30 do t["g" .. i] = i end local o = {} for k in pairs(t) do o[#o+1] = k end return o`,
      lua`local t = {} for i = 1, 9 do t[i] = i end for i = 1, 9 do t["s" .. i] = i end local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end return o`,
      lua`local t = cjson.decode('{"one":1,"two":2,"three":3,"four":4,"five":5}') local o = {} for k in pairs(t) do o[#o+1] = k end return o`,
      lua`return cjson.encode(cjson.decode('{"user":"x","id":5,"tags":["a","b"],"meta":{"z":1,"y":2,"x":3,"w":4,"v":5}}'))`,
      lua`local t = cmsgpack.unpack(cmsgpack.pack({one=1,two=2,three=3,four=4,five=5,six=6,seven=7})) local o = {} for k in pairs(t) do o[#o+1] = k end return o`,
      lua`redis.call('HSET', 'h', 'f1', 1, 'f2', 2, 'f3', 3, 'f4', 4, 'f5', 5, 'f6', 6) local r = redis.call('HGETALL', 'h') local t = {} for i = 1, #r, 2 do t[r[i]] = r[i+1] end return cjson.encode(t)`,
    ));

  test("table.insert and table.remove out of range, string.find and string.match past the end and string.rep with three arguments act as 5.1's", () =>
    sameEach(
      lua`local t = {1, 2} table.insert(t, 5, 0) return {t[5], #t}`,
      lua`local t = {1, 2, 3} table.insert(t, 0, "z") table.insert(t, -2, "y") return {t[-2], t[-1], t[0], t[1], t[2], t[3], t[4]}`,
      lua`local t = {1, 2, 3} table.insert(t, 4, "z") table.insert(t, 2, "y") return t`,
      lua`local t = {1, 2, 3} return {select("#", table.remove(t, 7)), select("#", table.remove(t, 4)), select("#", table.remove(t, 0)), #t}`,
      lua`local t = {[0] = "zero"} return {select("#", table.remove(t)), t[0], select("#", table.remove({}))}`,
      lua`local t = {1, 2, 3} return {table.remove(t), table.remove(t, 1), t[1], #t}`,
      lua`return {string.find("hello", "", 10), string.find("hello", "", 7), string.find("", "", 2), string.find("hello", "o", 6)}`,
      lua`return {string.find("hello", "l", -100), string.find("hello", "l", 0), string.find("hello", "l", 2^40), string.find("hello", "^h", 2)}`,
      lua`return {string.match("hello", "", 10), string.match("hello", "o$", 8), string.match("hello", "(h)", -10), string.find("hello", "lo", 4, true)}`,
      lua`return {string.rep("ab", 3, ","), string.rep("ab", 3, {}), string.rep("", 5, ","), ("z"):rep(4, "--")}`,
    ));

  test("an integer of 15 digits or more becomes text as 5.1's double did, wherever a number becomes text", () =>
    sameEach(
      lua`return {100000000000000 .. "", 123456789012345 .. "", 99999999999999 .. "", -123456789012345 .. "", 9007199254740993 .. ""}`,
      lua`return {(tonumber("1700000000") * 1000000 + tonumber("123456")) .. "", "k:" .. 5 .. ":" .. -7 .. ":" .. 0, math.floor(2^62) .. ""}`,
      lua`return {string.len(123456789012345), string.upper(123456789012345), string.rep(123456789012345, 2), #(123456789012345 .. "")}`,
      lua`local t = {} t[123456789012345 .. ""] = 1 return {next(t), tostring(123456789012345), string.format("%s", 123456789012345), table.concat({123456789012345, 5}, ",")}`,
      lua`return {redis.call("INCRBY", "k", "123456789012345") .. "", cjson.encode({123456789012345}), -9223372036854775807 - 1 .. ""}`,
    ));

  test("a backslash in a string literal keeps any character but a digit or a 5.1 escape letter, as 5.1's lexer", () =>
    sameEach(
      lua`return {"a\.b", "\x41", "\u{48}", "a\z   b", "\q", "\/", "\-", 'x\%y', "\{\}\[\]\(\)\|\~"}`,
      lua`return {string.gsub("a.b-c", "\.", "/"), string.find("1+1", "\+"), #"\z  ", "\65\066\0671", "\\x41", [[a\.b\x41]]}`,
      lua`return {"tab\there", "\a\b\f\v", #"\0\00\000", "a\"b", 'a\'b', "\é"}`,
    ));

  test("string.gsub and string.gmatch take an empty match where the last match ended, as 5.1's", () =>
    sameEach(
      lua`return {string.gsub("aaa", "(a*)", "<%0>"), string.gsub("a,b,,c,", "[^,]*", "<%0>"), string.gsub("hello", "l*", "L"), string.gsub("a1b22c333", "%d*", "#")}`,
      lua`return {string.gsub("abc", "", "-"), string.gsub("", "x*", "-"), string.gsub("abc", ".-", "-"), string.gsub("aaa", "^a*", "-"), string.gsub("hello", "", "-", 2)}`,
      lua`return {string.gsub("abc", "%w", {a = "1", b = true}), string.gsub("abc", "(%w)", "%1"), string.gsub("x=1&y=22", "(%w+)=(%w+)", "%2=%1")}`,
      lua`local o = {} for w in string.gmatch("a,b,,c", "[^,]*") do o[#o+1] = "<" .. w .. ">" end return o`,
      lua`local o = {} for w in string.gmatch("one two", "%a*") do o[#o+1] = "<" .. w .. ">" end for p in string.gmatch("abc", "()") do o[#o+1] = p end return o`,
      lua`local o = {} for a, b in string.gmatch("aXbXc", "(%w)(X*)") do o[#o+1] = a .. "|" .. b end for w in string.gmatch("", "") do o[#o+1] = "<" .. w .. ">" end return o`,
    ));

  test("errors name an integer-indexed field '?' and call a string and a thread two string values, as 5.1's", () =>
    sameEach(
      lua`local t = {} return t[1] + 1`,
      lua`local t = {} local ok, e = pcall(function() return t[1]() end) local ok2, e2 = pcall(function() return #t[2] end) return {e, e2}`,
      lua`local x = coroutine.create(function() end) local ok, e = pcall(function() return "s" < x end) local ok2, e2 = pcall(function() return x <= "s" end) return {e, e2}`,
      lua`local ok, e = pcall(function() return {} < 1 end) local ok2, e2 = pcall(function() return nil < true end) return {e, e2}`,
    ));

  test("assert fails with the caller's position and a string message, numbers made text, as 5.1's", () =>
    sameEach(
      lua`assert(false, "boom")`,
      lua`assert(nil, 42)`,
      lua`assert(false)`,
      lua`assert(false, {})`,
      lua`return assert(false, 1.5)`,
      lua`assert()`,
      lua`local ok, e = pcall(function() assert(false, "in f") end) local ok2, e2 = pcall(assert, false) return {e, e2}`,
      lua`return {assert(1, 2, 3), assert("x")}`,
    ));

  test("a for loop over bad bounds or a value that is no function fails in 5.1's words", () =>
    sameEach(
      lua`for i = 1, "x" do end`,
      lua`for i = "a", 2 do end`,
      lua`for i = 1, 2, {} do end`,
      lua`local t = {} for k, v in t do end`,
      lua`local ok, e = pcall(function() for k in 5 do end end) local ok2, e2 = pcall(function() for i = nil, 1 do end end) return {e, e2}`,
      lua`local n = 0 for i = "1", "2" do n = n + i end return n`,
    ));

  test("pairs and ipairs refuse anything but a table at once, as 5.1's", () =>
    sameEach(
      lua`return ipairs(nil)`,
      lua`local t = {} for k, v in pairs(t.missing) do end`,
      lua`for k, v in ipairs("x") do end`,
      lua`local o = {} for i, v in ipairs({1, 2, nil, 4}) do o[#o+1] = v end for k in pairs({a = 1}) do o[#o+1] = k end return o`,
      lua`local f, s, i = ipairs({7}) local g, u, k = pairs({8}) return {select("#", ipairs({})), select("#", pairs({})), f(s, i), g(u, k)}`,
    ));

  test("patterns: %g is the letter g, and %b without its characters is an unbalanced pattern, as 5.1's", () =>
    sameEach(
      lua`return {string.find("a g", "%g"), string.find("abc", "%g+"), string.match("hello", "%G"), string.find("a\0b", "%z")}`,
      lua`return {pcall(string.find, "abc", "%b"), pcall(string.find, "abc", "%b("), pcall(string.find, "abc", "%")}`,
    ));

  test("a % before anything but a digit in string.gsub's replacement writes that character, as 5.1's, a zero byte when it ends it", () =>
    sameEach(
      lua`return {string.gsub("hello", "l", "50% off"), string.gsub("hello", "l", "%a"), string.gsub("hello", "l", "%.")}`,
      lua`return {string.gsub("abc", "%w", "%"), string.gsub("x=1", "=", "y%"), string.gsub("a.b", "%p", "%a%")}`,
      lua`return {string.gsub("x", "x", "%a%b%c"), string.gsub("x", "x", "%%%a%1"), string.gsub("hello", "(l)(l)", "%2%.%1"), string.gsub("abc", "b", "%-%+%*")}`,
      lua`return {string.gsub("hello", "l", "%\0x"), string.gsub("hello", "l", "%2")}`,
    ));

  test("string keys of any length come in Redis's order from pairs, long ones and decoded ones too", () =>
    sameEach(
      lua`local t = {} for i = 1, 20 do t["user_session_last_activity_timestamp_" .. i] = i end local o = {} for k in pairs(t) do o[#o+1] = k end return o`,
      lua`local t = {} for i = 1, 30 do t[string.rep("ab", 40) .. i] = i end local o = {} for k, v in pairs(t) do o[#o+1] = v end return o`,
      lua`local t = {} for i = 1, 200 do t[string.format("%040d", i * 7919)] = i end local o = {} for k, v in pairs(t) do o[#o+1] = v end return table.concat(o, ",")`,
      lua`return cjson.encode(cjson.decode('{"a_very_long_field_name_number_one_here":1,"a_very_long_field_name_number_two_here":2,"short":4,"another_field_with_a_rather_long_name_x":5}'))`,
    ));

  test("integer and float keys outside the array part come in Redis's order from pairs, as 5.1 hashed them", () =>
    sameEach(
      lua`local t = {[1]=1, [2]=2, [10]=10, [100]=100, x=1} local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end return o`,
      lua`local t = {} for _, id in ipairs({1001, 1005, 1003, 77, 5, 123456}) do t[id] = true end local o = {} for k in pairs(t) do o[#o+1] = k end return o`,
      lua`local t = {} for i = -5, 5 do t[i] = i end t[2^40] = "big" local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end return o`,
      lua`local t = {[1.5]=1, [2.5]=2, [-1]=3, [0]=4} t[1/0] = 5 t[0.1] = 6 local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end return o`,
      lua`local t = {} for i = 1, 50 do t[i + 0.5] = i t["s" .. i] = i t[i * 3] = i end local n, s = 0, 0 for k, v in pairs(t) do n = n + 1 s = s + v end return {n, s, t[10.5], t["s7"], t[30], #t}`,
      lua`return cjson.encode({[1]=1, [3]=3, [10]=10})`,
    ));

  test("a table whose keys are set and removed at random keeps Redis's layout, nil assignments to absent keys included", () =>
    sameEach(
      lua`local t = {} t[5] = nil t[7] = 1 t[9] = nil t[11] = 2 t["x"] = nil t["y"] = 3 local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end return o`,
      ...["true", "r >= 4", "r < 4 or r >= 8"].map(
        (kinds) =>
          `local seed = 7 local function rnd(n) seed = (seed * 16807 + 12345) % 2147483647 return seed % n end local t = {} for i = 1, 3000 do local r = rnd(10) local k if r < 4 then k = rnd(64) elseif r < 6 then k = rnd(100000) - 50000 elseif r < 7 then k = rnd(2^31) + 2^31 - 1000 elseif r < 8 then k = (rnd(1000) - 500) * 4294967296 else k = rnd(40) + 0.5 end local del = rnd(3) == 0 if ${kinds} then if del then t[k] = nil else t[k] = rnd(1000) end end end local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end return table.concat(o, ",")`,
      ),
    ));

  test("numbers are doubles, as 5.1's: no wraparound, -0 and nan where 5.1 gave them, integers past 2^53 rounded", () =>
    sameEach(
      lua`return {tostring(9223372036854775807 + 1), tostring(2^62 * 4), tostring(-9223372036854775808 - 1)}`,
      lua`local x = 1 for i = 1, 70 do x = x * 2 end return tostring(x)`,
      lua`return {tostring(-0), tostring(0 * -1), tostring(tonumber("-0")), tostring(math.floor(-0.5)), tostring(math.ceil(-0.5))}`,
      lua`return {tostring(1 % 0), tostring(-1 % 0), tostring(#KEYS % 0)}`,
      // A NaN read from text keeps the text's sign, as glibc's strtod gives it.
      lua`return {tostring(tonumber("-nan")), tostring(tonumber("  -NAN  ")), tostring(tonumber("-nan(12)")), tostring(tonumber("nan")), tostring(tonumber("+nan"))}`,
      lua`return {tostring("-nan" + 0), tostring("nan" * 1), tostring(tonumber("-nan", 10)), tostring(-tonumber("nan")), tostring(tonumber("-inf"))}`,
      lua`return {9007199254740993, tostring(9007199254740993 - 9007199254740992), 9007199254740993 == 9007199254740992}`,
      lua`return {tostring(tonumber("9007199254740993") - 9007199254740992), tostring(tonumber("123") * tonumber("1e3"))}`,
      lua`return {tostring(math.floor(2^62) + math.floor(2^62)), tostring(math.floor(2^53 + 1) + 1)}`,
      lua`return {tostring(0xFFFFFFFFFFFFFFFF), tostring(tonumber("0xffffffffffffffff")), tostring(0x7fffffffffffffff + 1)}`,
      lua`return {123456789012 * 1000, tostring(123456789012 * 1000), 3 / 2}`,
      lua`local t = {} for i = 1, 5 do t[i] = i * i end t[2.0] = 0 return {#t, t[4], t[4.0]}`,
      lua`local t = {} t[0] = "z" t[-0] = "y" t[255] = "a" t[256] = "b" t[1.5] = "c" return {t[0], t[255], t[256], t[1.5], #t}`,
    ));

  test("-0.0 and 0 are one constant of a function, the first written, and zeros fold, as in 5.1's compiler", () =>
    sameEach(
      lua`local z = -0.0 return tostring(0)`,
      lua`local z = 0 return {tostring(-0.0), tostring(-0)}`,
      lua`local function f() return -0.0 end local function g() return 0 end return {tostring(f()), tostring(g()), tostring(-(0))}`,
      lua`return {tostring(1 - 1), tostring(-1 * 0), tostring(0/0), select("#", 1/0) <= ((123456789 ^ -1) ^ (3 / -0.0))}`,
    ));

  test("% is 5.1's a - floor(a/b)*b: where the division rounds and for an infinite divisor too", () =>
    sameEach(
      lua`return {tostring(1e17 % 3), tostring(3 % math.huge), tostring(-3 % math.huge), tostring(5.25 % -2), tostring(-5.25 % 2)}`,
      lua`local a, b = 1e17, 3 return {tostring(a % b), tostring(2^53 % 7), tostring(-2^60 % 13), tostring(a % 0)}`,
      lua`return {tostring(5 % -3), tostring(-5 % 3), tostring(5.5 % 2), math.fmod(-5, 3), tostring(math.fmod(1e17, 3))}`,
    ));

  test("math.ldexp takes its exponent as C's int and scales as C's ldexp, past 2^1023 and into subnormals", () =>
    sameEach(
      lua`return {tostring(math.ldexp(12.0, 1e15)), tostring(math.ldexp(-2.5, 0/0)), tostring(math.ldexp(3, 2^32 + 2)), tostring(math.ldexp(1, 2.9))}`,
      lua`return {tostring(math.ldexp(0.5, 1024)), tostring(math.ldexp(2^-1074, 2097)), tostring(math.ldexp(3, -1075)), tostring(math.ldexp(1.5, -1074))}`,
    ));

  test("a table's __len is not called by # or the table library, as in 5.1", () =>
    sameEach(
      lua`local t = setmetatable({1, 2}, {__len = function() return 7 end}) return {#t, table.getn(t)}`,
      lua`local t = setmetatable({1, 2}, {__len = function() return 7 end}) table.insert(t, 5) return {t[3], t[8] ~= nil}`,
      lua`local t = setmetatable({1, 2, 3}, {__len = function() return 1 end}) return {table.concat(t, ","), unpack(t)}`,
      lua`local t = setmetatable({3, 1, 2}, {__len = function() return 2 end}) table.sort(t) return t`,
    ));

  test("unpack refuses more values than 5.1's C stack held, and reads its range as C ints", () =>
    sameEach(
      lua`local t = {} for i = 1, 8000 do t[i] = i end return {pcall(unpack, t)}`,
      lua`local t = {} for i = 1, 7999 do t[i] = i end return #({unpack(t)})`,
      lua`local t = {} for i = 1, 7998 do t[i] = i end return {pcall(unpack, t, 1, 7998)}`,
      lua`local t = {} for i = 1, 7997 do t[i] = i end return #({unpack(t, 1, 7997)})`,
      lua`return {pcall(unpack, {}, 1, 2^31)}`,
      lua`return {unpack({1, 2, 3}, 2^32 + 1, 2^32 + 2)}`,
    ));

  test("arithmetic converts numeric strings and names the operand that is none, as 5.1's VM", () =>
    sameEach(
      lua`return {"10" + 1, "10" * "2", -"3", "7" % "4", "2" ^ "3", " 0x10 " + 0, "1e2" / 4}`,
      lua`local x = "abc" return {pcall(function() return x + 1 end)}`,
      lua`local x = "10" local t = {} return {pcall(function() return x + t end)}`,
      lua`local t = {f = "s", "s"} return {pcall(function() return t.f % 2 end), pcall(function() return -t[1] end)}`,
      lua`local up = "s" local function run() return up + 1 end return {pcall(run)}`,
      lua`return {pcall(function() return "abc" + 1 end), pcall(function() return ("x")() end)}`,
      lua`local t = setmetatable({}, {__add = function() return "added" end}) return {"10" + t, t + "10"}`,
    ));

  test("pairs(redis) comes in Redis's order", () =>
    same(lua`local keys = {} for k in pairs(redis) do keys[#keys + 1] = k end return keys`));

  test("next takes a key written as a float, as every key is now", () =>
    sameEach(
      lua`return {next({1, 2}, 1)}`,
      lua`return {next({[10] = 1, [20] = 2}, 10)}`,
      lua`local t = {10, 20, x = 1} local k = next(t, 2.0) return k`,
      lua`return {pcall(next, {1}, 1.5)}`,
      lua`return {pcall(next, {1}, 0/0)}`,
    ));

  test("string.sub and string.byte take a start of 2^32 or more as past the end", () =>
    sameEach(
      lua`return {string.byte("10", 2^53), string.byte("10", 2^32), string.sub("hello", 2^32 + 2), string.sub("hello", 2^32 - 1), string.sub("hello", 2^63)}`,
      lua`return {string.sub("hello", 2), string.sub("hello", -2), string.sub("hello", 0), string.sub("hello", -100), string.sub("hello", 3, 2), string.sub("", 0)}`,
      lua`return {string.byte("hello", -3, -1), string.byte("hello", 0), string.byte("hello", 6), string.byte("", 1), string.byte("hello", 1, -1)}`,
    ));

  test("an integer argument with a fraction is cut toward zero, and NaN or one out of range is C's INT64_MIN, as 5.1's cast", () =>
    sameEach(
      lua`return {string.sub("hello", 1, 2.5), string.sub("hello", -2.5), string.rep("ab", 2.9), string.byte("abc", 1.9), string.char(65.7), select(1.5, "a", "b")}`,
      lua`local t = {1, 2, 3} table.insert(t, 1.5, 9) return t`,
      lua`local t = {1, 2, 3} return {table.remove(t, 1.5), t[1]}`,
      lua`return {unpack({1, 2, 3}, 1, 2.5)}`,
      lua`return {table.concat({1, 2, 3}, ",", 1.5, 2.5), string.find("hello", "l", 3.7), string.gsub("hello", "l", "x", 1.7)}`,
      lua`return {string.sub("hello", "2.5"), string.sub("hello", 0/0), string.sub("hello", 1, 1e300), string.sub("hello", -1e300), string.rep("x", -1.5)}`,
      lua`local t = {} t[2.5] = "a" t[2] = "b" return {t[2.5], t[2], 2.5 == 2, ("x"):rep(3.99), string.byte("hello", -1.5, -0.5)}`,
    ));

  test("math.random after math.randomseed draws Redis's numbers, and both read their arguments as Redis does", () =>
    sameEach(
      lua`math.randomseed(7) return {math.random(100), math.random(5, 10), tostring(math.random())}`,
      lua`math.randomseed(-5) return {math.random(1000), math.random(1000)}`,
      lua`math.randomseed(2^40 + 3) return {math.random(1000), math.random(1000)}`,
      lua`math.randomseed("12") return {math.random(1000), math.random(2.9), math.random("7"), math.random(2^31 + 5)}`,
      lua`math.randomseed(42) return {math.random(10, 10), math.random(-5, 5), math.random(3)}`,
      lua`math.randomseed()`,
      lua`math.randomseed({})`,
      lua`return math.random(5, 1)`,
      lua`return math.random(1, 2, 3)`,
      lua`return math.random("x")`,
    ));

  test("tostring returns what __tostring returns, whatever it is, and pays no heed to __name", () =>
    sameEach(
      lua`return tostring(setmetatable({}, {__tostring = function() return 42 end}))`,
      lua`return tostring(setmetatable({}, {__tostring = function() return {1, 2} end}))`,
      lua`return type(tostring(setmetatable({}, {__tostring = function() return nil end})))`,
      lua`return string.sub(tostring(setmetatable({}, {__name = "MyType"})), 1, 7)`,
      lua`return tostring(setmetatable({}, {__metatable = "locked", __tostring = function() return "hidden" end}))`,
      lua`local ok, e = pcall(tostring, setmetatable({}, {__tostring = function() error("boom") end})) return e`,
    ));

  test("pairs() walks the read-only library tables, as Redis's", () =>
    sameEach(
      lua`local n = 0 for k in pairs(redis) do n = n + 1 end return n`,
      ...["string", "table", "math", "coroutine", "bit", "struct"].map((name) => `local keys = {} for k in pairs(${name}) do keys[#keys+1] = k end table.sort(keys) return keys`),
    ));

  test("a string is read as a number as C's strtod reads it: inf, nan and their spellings too", () =>
    sameEach(
      lua`return {tostring(tonumber("inf")), tostring(tonumber("-inf")), tostring(tonumber("  inf  ")), tostring(tonumber("infinity")), tostring(tonumber("INF"))}`,
      lua`return {tostring(tonumber("nan")), tostring(tonumber("NaN")), tostring(tonumber("nan(123)")), tostring(tonumber("+inf")), tostring(tonumber("1e400"))}`,
      lua`return {tostring("inf" + 1), tostring(("nan") * 1), tostring(math.floor("inf")), tostring(tonumber("infx")), tostring(tonumber("in")), tostring(tonumber("1n"))}`,
      lua`return {tostring(tonumber("0x10")), tostring(tonumber("0x1p4")), tostring(tonumber("0x")), tostring(tonumber("1e")), tostring(tonumber(" 12 ")), tostring(tonumber("5."))}`,
    ));
  test("error gives numbers a position, counts levels as 5.1 and writes any value", () =>
    sameEach(
      lua`return error(42)`,
      lua`error(1.5)`,
      lua`error(42, 0)`,
      lua`error("x", 2)`,
      lua`error("x", 1.5)`,
      lua`error("x", "y")`,
      lua`error(nil)`,
      lua`error()`,
      lua`error(true)`,
      lua`return {pcall(error, 42)}`,
      lua`return {pcall(function() error(42) end)}`,
      lua`local function f() error("deep", 2) end local function g() f() end g()`,
      lua`return {pcall(error, "msg", 2), pcall(error, "msg", 3)}`,
      lua`local function f() error("x", 2) end local function g() f() end return {pcall(g), pcall(f)}`,
      lua`local ok, e = pcall(function() table.foreach({1}, function() error("fe", 3) end) end) return e`,
      lua`local ok, e = pcall(function() return string.gsub("a", "a", function() error("gs", 3) end) end) return e`,
      "local function f()\n  error('x', 3)\nend\nlocal function g()\n  f()\nend\ng()",
    ));

  test("run-time errors are worded as Lua 5.1 words them, caught or not", () =>
    sameEach(
      lua`local x = nil; return x.y`,
      lua`local x = nil; return x()`,
      lua`local x = {}; return x.y.z`,
      lua`local t = {} return t.a.b`,
      lua`return {pcall(function() local a = nil; return a.b end)}`,
      lua`return {xpcall(function() local a = nil; return a.b end, function(e) return "handled: " .. e end)}`,
      // xpcall is Lua's own: what the handler returns comes back as it is, an error table too.
      lua`local ok, e = xpcall(function() redis.call("NOPE") end, function(e) return e end) return {tostring(ok), type(e), e.err}`,
      lua`local ok, e = xpcall(function() error({err = "x"}) end, function(e) return e end) return e`,
      lua`local ok, e = xpcall(function() error("plain") end, function(e) return {err = e} end) return e`,
      lua`local ok, e = pcall(function() redis.call("NOPE") end) return {tostring(ok), type(e), e}`,
      // The message handler Redis leaves in the globals.
      lua`local ok, e = xpcall(function() error("x") end, __redis__err__handler) return {tostring(ok), e.err, e.source, e.line}`,
      lua`local e = __redis__err__handler(12) return {e.err, e.source, e.line}`,
      lua`return "abc" + 1`,
      lua`local s = string.char(256) return s`,
      lua`local r = string.gsub("abc", "b", "%2") return r`,
      lua`local r = string.gsub("abc", "b", false) return r`,
    ));

  test("the script's own coroutine is Lua 5.1's main thread: it cannot yield, and running() is nil", () =>
    sameEach(
      lua`local x = coroutine.yield(1) return x`,
      lua`return {pcall(coroutine.yield, 1)}`,
      lua`return {type(coroutine.running()), select("#", coroutine.running())}`,
      lua`local s = coroutine.status(coroutine.running()) return s`,
      lua`local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co, 10) return {x, y, coroutine.status(co)}`,
      lua`return coroutine.wrap(function() return type(coroutine.running()) end)()`,
      lua`return coroutine.yield()`,
      lua`local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) return {co(), co(), co()}`,
      lua`local co = coroutine.create(coroutine.yield) return {coroutine.resume(co, 1, 2), coroutine.resume(co, 3)}`,
    ));

  test("a coroutine the script made cannot yield across what 5.1's could not: pcall, callbacks of C functions, metamethods", () =>
    sameEach(
      lua`local co = coroutine.create(function() pcall(coroutine.yield, 5) return "done" end) return {coroutine.resume(co), coroutine.resume(co)}`,
      lua`local co = coroutine.create(function() return {xpcall(function() coroutine.yield(1) end, function(e) return "h: " .. e end)} end) return {coroutine.resume(co)}`,
      lua`local co = coroutine.create(function() return table.foreach({1}, function() coroutine.yield(1) end) end) return {coroutine.resume(co)}`,
      lua`local co = coroutine.create(function() return string.gsub("a", "a", function() coroutine.yield(1) end) end) return {coroutine.resume(co)}`,
      lua`local co = coroutine.create(function() table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end) end) return {coroutine.resume(co)}`,
      lua`local co = coroutine.create(function() return setmetatable({}, {__index = function() coroutine.yield(7) return 1 end}).x end) return {coroutine.resume(co)}`,
      lua`local co = coroutine.create(function() for k in pairs({a = 1}) do coroutine.yield(k) end return "end" end) return {coroutine.resume(co), coroutine.resume(co)}`,
      lua`local co = coroutine.create(function() local f = coroutine.wrap(function() coroutine.yield(2) end) return f() end) return {coroutine.resume(co)}`,
    ));

  test("collectgarbage's setpause and setstepmul answer the value they replace, from 5.1's defaults", () =>
    sameReplies(
      [
        ["SCRIPT", "FLUSH"],
        ...[
          `return {collectgarbage("setstepmul", 300), collectgarbage("setstepmul", "150"), collectgarbage("setstepmul", 2.7)}`,
          `return {collectgarbage("setpause", 150), collectgarbage("setpause"), collectgarbage("setpause", -5), collectgarbage("setstepmul", nil)}`,
          `return {collectgarbage("setpause", 100), collectgarbage("setstepmul", 100)}`,
          `return collectgarbage("setstepmul", {})`,
          `return collectgarbage("setpause", "x")`,
        ].map((script) => ["EVAL", script, "0"]),
        // Functions run in a Lua state of their own; SCRIPT FLUSH makes the scripts' one anew.
        ["FUNCTION", "LOAD", "#!lua name=gc\nredis.register_function('gc', function() return collectgarbage('setstepmul', 50) end)"],
        ["FCALL", "gc", "0"],
        ["FCALL", "gc", "0"],
        ["EVAL", `return collectgarbage("setstepmul", 400)`, "0"],
        ["SCRIPT", "FLUSH"],
        ["EVAL", `return collectgarbage("setstepmul", 400)`, "0"],
        ["FCALL", "gc", "0"],
      ],
    ));

  test("xpcall, collectgarbage, math.max and math.min take their arguments as 5.1's", () =>
    sameEach(
      lua`local ok = xpcall(function() return 1 end) return ok`,
      lua`return {xpcall(function(...) return select("#", ...) end, print, 1, 2)}`,
      lua`return {xpcall(error, function(e) return tostring(e) .. "!" end, "boom")}`,
      lua`local x = collectgarbage("incremental") return x`,
      lua`local x = collectgarbage(1) return x`,
      lua`local x = collectgarbage({}) return x`,
      lua`return {collectgarbage("collect"), collectgarbage("count") > 0}`,
      lua`local x = math.max() return x`,
      lua`local x = math.min() return x`,
      lua`return {math.max("10", "9"), math.min("10", "9"), math.max(1, 2, 3), math.min(-1.5, 2), math.max(ARGV and "5" or 1, 3)}`,
      lua`return {tostring(math.max(2^53 + 1, 1)), tostring(math.min(0/0, 1)), tostring(math.min(1, 0/0)), math.max(1e308 * 10, 1), math.min(-1/0, 1)}`,
      lua`local t = {} t[math.max(1, 2)] = "x" return {t[2], pcall(math.max, 1, {}), pcall(math.min)}`,
      lua`local x = math.max(1, nil) return x`,
    ));

  test("math, load and the Lua 5.1 names are 5.1's; 5.4's additions are gone", () =>
    sameEach(
      lua`return {math.log(8, 2) * 1000, math.log10(1000), math.atan(1, 2) * 1000, math.atan2(1, 1) * 1000, tostring(math.fmod(7, 3)), tostring(math.fmod(7, 0))}`,
      lua`local x = math.log10() return x`,
      lua`local x = math.atan2(1) return x`,
      lua`return {math.pow("2", "10"), math.frexp("8"), math.ldexp("3", "2"), tostring(math.cosh(1)), tostring(math.sinh("1")), tostring(math.tanh(0.5)), math.fmod("7", 3)}`,
      lua`return {math.acos(1), math.acos(-1), math.asin("0.5") * 1000, math.log10(0.001), tostring(math.log10(0)), tostring(math.log10(-0.0))}`,
      // Out of their domain, glibc's functions answer C's NAN, whose sign bit is clear.
      lua`return {tostring(math.log10(-1)), tostring(math.log10(-math.huge)), tostring(math.acos(2)), tostring(math.asin(-2)), tostring(math.acos(math.huge)), tostring(math.log10(0/0))}`,
      lua`return {tostring(math.cosh(0/0)), tostring(math.cosh(-(0/0))), tostring(math.sinh(0/0)), tostring(math.sqrt(-1)), tostring(math.log(-1)), string.format("%.3f", math.acos(2))}`,
      ...["math.pow(2)", "math.pow({}, {})", "math.atan2({}, {})", "math.ldexp({}, {})", "math.fmod({}, {})", "math.fmod(1, 'x')", "math.frexp()", "math.cosh()", "math.sinh('x')", "math.tanh({})", "math.acos()", "math.asin('x')", "math.log10({})"].map(
        (call) => `local x = ${call} return x`,
      ),
      lua`return {type(math.maxinteger), type(math.mininteger), type(math.tointeger), type(math.type), type(math.ult)}`,
      lua`return {type(string.pack), type(string.unpack), type(string.packsize), type(string.dump)}`,
      lua`return {type(table.move), type(table.pack), type(table.unpack), type(table.setn), type(coroutine.isyieldable), type(coroutine.close)}`,
      lua`return rawlen`,
      lua`table.setn({}, 1)`,
      lua`local f = load("return 5") return f`,
      lua`local text = "return 6" return load(function() local piece = text text = nil return piece end)()`,
      lua`return {pcall(loadstring, nil), pcall(loadstring, {}), loadstring(12) ~= nil, loadstring("return ...", "name")(5)}`,
      lua`local f = loadstring(nil) return 1`,
      lua`local f = loadstring("return 7", {}) return f()`,
      lua`local f = loadstring("return 7", 12) local ok, e = pcall(f) return {f(), tostring(ok)}`,
      lua`return {getmetatable("").__index == string, #getmetatable("")}`,
    ));

  test("bit is LuaBitOp: rounding, wrapping and its argument errors", () =>
    sameEach(
      lua`return {bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit(2^32 + 5), bit.tobit(1e300), bit.tobit(0/0), bit.tobit("12"), bit.tobit("0x10")}`,
      lua`return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4)}`,
      lua`return {bit.rol(1, 33), bit.ror(1, 1), bit.bswap(0x12345678), bit.tohex(255), bit.tohex(-1, -4), bit.tohex(1, 2.5), bit.tohex(255, "4"), bit.tohex(-1, 0), bit.tohex(1, 9)}`,
      lua`return bit.tobit()`,
      lua`return bit.band(1, nil)`,
      lua`return bit.band(1, "x", {})`,
      lua`return bit.lshift(1)`,
      lua`return bit.tohex("x")`,
    ));

  test("numbers given to redis.call are written as Redis's printf writes them", () =>
    sameEach(
      lua`redis.call("SET", "k", 0/0) return redis.call("GET", "k")`,
      lua`redis.call("SET", "k", math.huge - math.huge) return redis.call("GET", "k")`,
      lua`return {redis.call("ECHO", 1/0), redis.call("ECHO", -1/0), redis.call("ECHO", 0.1), redis.call("ECHO", 1e100)}`,
    ));

  test("redis.error_reply and redis.status_reply return an error table for a wrong argument", () =>
    sameEach(
      lua`return redis.error_reply()`,
      lua`return redis.status_reply(1)`,
      lua`local x = redis.error_reply() return {type(x), x.err}`,
      lua`return {pcall(redis.error_reply)}`,
    ));

  test("redis.log, redis.set_repl and redis.acl_check_cmd check their arguments as Redis does", () =>
    sameEach(
      lua`return redis.log(99, "x")`,
      lua`return redis.log(-1, "x")`,
      lua`return redis.log("1", "x")`,
      lua`return redis.set_repl()`,
      lua`return redis.set_repl(-1)`,
      lua`return {redis.set_repl(redis.REPL_ALL), redis.set_repl("x"), redis.set_repl(1.5)}`,
      lua`return {redis.acl_check_cmd("get"), redis.acl_check_cmd("GET", "a", "b"), redis.acl_check_cmd("config")}`,
      lua`return redis.acl_check_cmd("nosuch")`,
      lua`return {redis.acl_check_cmd("config", "get"), redis.acl_check_cmd("CLIENT", "KILL"), redis.acl_check_cmd("acl")}`,
      lua`return redis.acl_check_cmd("config", "nosuch")`,
      lua`return redis.acl_check_cmd("acl", "nosuch")`,
      lua`return redis.acl_check_cmd()`,
      lua`return redis.acl_check_cmd({})`,
      lua`return {math.random(0)}`,
    ));

  test("a redis.* refusal is Redis's error table: pcall gives its ERR text, a handler the table", () =>
    sameEach(
      lua`return {pcall(redis.sha1hex)}`,
      lua`return {pcall(redis.log)}`,
      lua`return {pcall(redis.log, "x", "y")}`,
      lua`return {pcall(redis.log, 9, "y")}`,
      lua`return {pcall(redis.setresp)}`,
      lua`return {pcall(redis.setresp, 5)}`,
      lua`return {pcall(redis.set_repl)}`,
      lua`return {pcall(redis.set_repl, 8)}`,
      lua`return {pcall(redis.acl_check_cmd, "nope")}`,
      lua`return {xpcall(redis.sha1hex, function(e) return type(e) end)}`,
      lua`local ok, e = pcall(function() redis.sha1hex() end) return {type(e), e}`,
      lua`redis.setresp(7)`,
    ));

  test("a library function called by pcall has no name in its argument errors, as in 5.1", () =>
    sameEach(
      lua`return {pcall(pairs, "x"), pcall(ipairs, 5), pcall(setmetatable, 1), pcall(assert), pcall(tonumber), pcall(select, "x")}`,
      lua`return {string.rep(), ("x"):rep({})}`,
      lua`return {pcall(string.rep)}`,
      lua`return {pcall(math.floor)}`,
      lua`return {pcall(table.insert)}`,
      lua`return {pcall(string.format, "%d", "x")}`,
      lua`return {pcall(string.char, 256)}`,
      lua`return {pcall(string.gsub, "a", "a", true)}`,
      lua`return {pcall(string.gsub, "a", "a")}`,
      lua`return {pcall(math.max)}`,
      lua`return {pcall(coroutine.resume)}`,
      lua`return {pcall(coroutine.status, 1)}`,
      lua`return {pcall(cjson.encode, 1, 2)}`,
      lua`local ok, e = pcall(function() string.rep() end) return e`,
      lua`cjson.encode()`,
    ));
});

describe("cjson.decode, as Redis 7.0", () => {
  // A script returning what pcall(cjson.decode, text) gives for each text: a value as "%.17g" or
  // its type, or the error (raised from pcall, so with no script position).
  const decodeEach = (...texts: string[]) =>
    `local r = {} for _, text in ipairs({${texts.join(", ")}}) do ` +
    `local ok, v = pcall(cjson.decode, text) ` +
    `r[#r + 1] = not ok and v or type(v) == "number" and string.format("%.17g", v) or type(v) == "string" and v or type(v) ` +
    `end return r`;

  test("a number is whatever C's strtod reads: hex, nan, inf, leading zeros and signs", () =>
    sameEach(
      decodeEach(...["0x10", "-0x1p-2", "0X1F", "0x1.8p1", "NaN", "nan", "-nan", "nan(12)", "inf", "-Infinity", "INF", "+inf"].map((t) => `"${t}"`)),
      decodeEach(...["01", "+1", "1.", "-.5", "1.e5", "1E+2", "-0", "1e400", "-1e400", "1e-400", "123456789012345678901234567890", "9007199254740993"].map((t) => `"${t}"`)),
      // Rounding at the edges of hex floats: ties to even, subnormals, overflow.
      decodeEach(...["0x1fffffffffffff8", "0x1fffffffffffff7", "0x1.8p-1074", "0x2.8p-1074", "0x1p-1075", "0x1.0000001p-1075", "0x1.fffffffffffff8p1023", "0x1p99999999999"].map((t) => `"${t}"`)),
      lua`return string.format("%.17g", cjson.decode("[1.5e-3]")[1])`,
      lua`return cjson.decode("1.9")`,
    ));

  test("what strtod cannot read, or reads only the start of, is an invalid number or token", () =>
    sameEach(
      decodeEach(...[".5", "-", "+", "-x", "- 1", "--1", "+-1", "1e", "1e+", "0x", "0xp1", "0x1p", "infinit", "Nan", "nul", "tru", "True", "x"].map((t) => `"${t}"`)),
      lua`return cjson.decode("-")`,
      lua`return cjson.decode(".5")`,
    ));

  test("a syntax error names the token found and its character", () =>
    sameEach(
      lua`return cjson.decode("[1 2]")`,
      decodeEach(...['"[1,2] x"', '""', '"   "', '"["', '"]"', '"[1,]"', '"[,]"', '"[1}"', '"[:]"', '"@"']),
      decodeEach(...[`'{1:2}'`, `'{"a" 1}'`, `'{"a":1,}'`, `'{"a":1'`, `'{"a":}'`, `'{"a":1 "b":2}'`, `'{"a":1]'`, `'{'`, `'{,}'`, `'{"a"'`]),
      decodeEach(`" \\t\\r\\n[ 1 ,\\n 2 ]\\n "`, `"\\v1"`, `"\\f1"`, `"1 2"`, `"[1]]"`),
    ));

  test("string escapes: \\u as UTF-8, surrogate pairs joined, anything else refused where it starts", () =>
    sameEach(
      // Long brackets keep the JSON's backslashes from Lua.
      lua`return cjson.decode([=[["\u00e9\u20ac\uFFFF", "\ud83d\ude00", "\u0000", "\b\f\n\r\t\/\\\""]]=])`,
      decodeEach(...['"\\x"', '"\\u12"', '"\\uzzzz"', '"\\ud83d"', '"\\ude00\\ud83d"', '"\\ud83dx\\ude00"', '"\\ud83d\\u0041"', '"abc', '"\\', '"\\u', '{"a\\q":1}'].map((t) => `[=[${t}]=]`)),
    ));

  test("raw control characters and any other byte stand for themselves in a string", () =>
    sameEach(lua`return cjson.decode('"a\tb\nc\1\31\127"')`, lua`return cjson.decode('["\128\255", "w\195\182rld"]')`));

  test("the text ends at its first NUL, and one among the first two bytes is refused as UTF-16", () =>
    sameEach(
      lua`return cjson.decode("[1]\0garbage")`,
      lua`return cjson.decode("\0[1]")`,
      lua`return cjson.decode("1\0")`,
      decodeEach(lua`"\0"`, lua`" [\0"`, lua`"  \0  "`, lua`'"ab\0cd"'`, lua`"-\0"`),
    ));

  test("1,000 nested arrays or objects decode, the 1,001st is refused where it opens", () =>
    sameEach(
      lua`local t = cjson.decode(string.rep("[", 1000) .. '"deep"' .. string.rep("]", 1000)) local n = 0 while type(t) == "table" do n = n + 1 t = t[1] end return {n, t}`,
      lua`local t = cjson.decode(string.rep('{"a":', 1000) .. "1" .. string.rep("}", 1000)) local n = 0 while type(t) == "table" do n = n + 1 t = t.a end return {n, t}`,
      lua`return cjson.decode(string.rep("[", 1001) .. string.rep("]", 1001))`,
      lua`return cjson.decode(string.rep(" [", 1001))`,
      lua`return cjson.decode(string.rep('[{"a":', 501))`,
      lua`return cjson.decode(string.rep("[", 1000) .. "x")`,
    ));

  test("one argument, a string or a number (read as its %.14g text)", () =>
    sameEach(
      lua`return {cjson.decode(1), cjson.decode(-2.5), string.format("%.17g", cjson.decode(2^-21)), tostring(cjson.decode(0/0)), tostring(cjson.decode(-(0/0)))}`,
      lua`return cjson.decode()`,
      lua`return cjson.decode("[1]", 2)`,
      lua`return cjson.decode({})`,
      lua`return cjson.decode(nil)`,
      lua`return cjson.decode(cjson.null)`,
      lua`local d = cjson.decode return d(true)`,
      lua`return {pcall(cjson.decode)}`,
    ));

  test("null is cjson.null, objects and arrays are tables, a repeated key keeps its last value", () =>
    sameEach(
      lua`local t = cjson.decode('{"a":[1,2,{"b":null}],"c":true,"d":false,"e":"x"}') return {t.a[2], t.a[3].b == cjson.null, t.c, t.d, t.e, #t.a}`,
      lua`local t = cjson.decode('{"a":1,"a":null,"b":null,"b":2,"1":3}') return {t.a == cjson.null, t.b, t["1"], t[1] == nil}`,
      lua`local t = cjson.decode('[[],{}]') return {#t, next(t[1]) == nil, next(t[2]) == nil, type(cjson.null)}`,
      lua`return cjson.decode('[1,"two",null,[3]]')`,
      lua`return #cjson.decode("[" .. string.rep("1,", 100000) .. "1]")`,
    ));
});

describe("cjson's settings, as Redis 7.0", () => {

  test("cjson.new makes a module of its own, with its own settings, freed with it", () =>
    sameEach(
      lua`local j = cjson.new() local keys = {} for k in pairs(j) do keys[#keys + 1] = k end table.sort(keys) return keys`,
      lua`local j = cjson.new() return {j.encode({1, 2, {a = 1}}), j.decode('[1,2,"x"]')[3], j.null == cjson.null, j._NAME, j._VERSION}`,
      lua`local j = cjson.new() j.encode_number_precision(3) return {j.encode({1/3}), j.encode_number_precision(), j.new().encode_number_precision()}`,
      lua`local j = cjson.new() local k = j.new() j.encode_max_depth(2) return {pcall(j.encode, {{{1}}}), pcall(k.encode, {{{1}}})}`,
      lua`local j = cjson.new() j.x = 1 return {j.x, pcall(j.encode)}`,
      lua`for i = 1, 2000 do cjson.new().encode_max_depth(5) end collectgarbage() return 1`,
    ));
  // Redis keeps them from one script to the next: each script here puts the defaults back.
  test("each reads as it stands, and cjson and cmsgpack name themselves", () =>
    sameEach(
      lua`return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision(), cjson.encode_sparse_array()}`,
      lua`return {cjson.encode_invalid_numbers(), cjson.decode_invalid_numbers(), cjson.encode_keep_buffer()}`,
      lua`return {cjson._NAME, cjson._VERSION, cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}`,
    ));

  test("each changes what encode and decode do", () =>
    sameEach(
      lua`local a = cjson.encode_number_precision(3) local r = cjson.encode({1/3, 12345.678, 100, [0.5] = 1}) cjson.encode_number_precision(14) return {a, r}`,
      lua`local a = {cjson.encode_sparse_array(true)} local r = cjson.encode({[1]=1, [20]=2}) cjson.encode_sparse_array(false) return {a[1], a[2], a[3], r}`,
      lua`local a = {cjson.encode_sparse_array(nil, 0)} local r = cjson.encode({[1]=1, [20]=2}) cjson.encode_sparse_array(false, 2, 10) return {tostring(a[1]), a[2], a[3], r}`,
      lua`local a = {cjson.encode_sparse_array(false, 2, 30)} local r = cjson.encode({[1]=1, [20]=2}) cjson.encode_sparse_array(false, 2, 10) return {tostring(a[1]), a[2], a[3], r}`,
      lua`local a = cjson.encode_invalid_numbers("null") local r = cjson.encode({1/0, -1/0, 0/0, 1}) cjson.encode_invalid_numbers(false) return {a, r}`,
      lua`local a = cjson.encode_invalid_numbers(true) local r = cjson.encode({1/0, -1/0, 1}) cjson.encode_invalid_numbers(false) return {tostring(a), r}`,
      lua`local a = cjson.encode_max_depth(2) local ok, e = pcall(cjson.encode, {{{1}}}) local ok2, r = pcall(cjson.encode, {{1}}) cjson.encode_max_depth(1000) return {a, e, r}`,
      lua`local a = cjson.decode_max_depth(2) local ok, e = pcall(cjson.decode, "[[[1]]]") local r = cjson.decode("[[1]]") cjson.decode_max_depth(1000) return {a, e, #r}`,
      lua`local a = cjson.decode_invalid_numbers(false) local res = {} for _, t in ipairs({"0x10", "01", "+1", "inf", "nan", "-inf", "-01", "1.5", "-0", "[1, 0x2]"}) do local ok, e = pcall(cjson.decode, t) res[#res+1] = tostring(ok) .. ":" .. tostring(e) end cjson.decode_invalid_numbers(true) return {tostring(a), res}`,
      lua`local a = cjson.encode_keep_buffer(false) local b = cjson.encode_keep_buffer() cjson.encode_keep_buffer(true) return {tostring(a), tostring(b)}`,
    ));

  test("a wrong setting is refused in lua_cjson.c's words, after the ones before it were set", () =>
    sameEach(
      lua`return {pcall(cjson.encode_invalid_numbers, "maybe")}`,
      lua`return {pcall(cjson.encode_invalid_numbers, 1)}`,
      lua`return {pcall(cjson.encode_invalid_numbers, {})}`,
      lua`return {pcall(cjson.encode_invalid_numbers, "on", 2)}`,
      lua`return {pcall(cjson.encode_number_precision, 0)}`,
      lua`return {pcall(cjson.encode_number_precision, 15)}`,
      lua`return {pcall(cjson.encode_number_precision, "x")}`,
      lua`local a = cjson.encode_number_precision(3.9) cjson.encode_number_precision(14) return a`,
      lua`local ok, e = pcall(cjson.encode_sparse_array, true, -1) local now = {cjson.encode_sparse_array()} cjson.encode_sparse_array(false, 2, 10) return {e, now[1], now[2]}`,
      lua`local ok, e = pcall(cjson.encode_sparse_array, "yes") return e`,
      lua`local ok, e = pcall(cjson.encode_sparse_array, true, 2, 10, 1) return e`,
      lua`return {pcall(cjson.encode_max_depth, 0)}`,
      lua`cjson.decode_max_depth(0)`,
    ));

  test("they last from one script to the next until SCRIPT FLUSH, and functions keep their own", () =>
    sameReplies([
      ["FUNCTION", "LOAD", "#!lua name=j\nredis.register_function('enc', function() return cjson.encode({1/3}) end)"],
      ["EVAL", "return cjson.encode_number_precision(3)", "0"],
      ["EVAL", "return cjson.encode({1/3})", "0"],
      ["FCALL", "enc", "0"],
      ["SCRIPT", "FLUSH"],
      ["EVAL", "return cjson.encode({1/3})", "0"],
    ]));
});

describe("struct and cmsgpack, as Redis 7.0", () => {

  test("struct refusals carry the script's line and luaL's argument wording", () =>
    sameEach(
      lua`return struct.pack("i", "x")`,
      lua`return struct.pack("i")`,
      lua`return struct.pack()`,
      lua`return struct.unpack("i")`,
      lua`return struct.pack("c2", "a")`,
      lua`return struct.pack("i", cjson.null)`,
    ));

  test("the refused function is named as the script called it", () =>
    sameEach(lua`local p = struct.pack return p("i")`, lua`local t = {f = struct.pack} return t:f("i")`, lua`return select(2, pcall(struct.pack, "i"))`));

  test("a format may be a number, and ends at its first NUL", () => sameEach(lua`return struct.pack(1)`, lua`return struct.size(12)`, lua`return struct.pack("i\0i", 1, 2)`));

  test("format options are refused as lua_struct.c refuses them", () =>
    sameEach(
      lua`return struct.pack("=i", 1)`,
      lua`return struct.pack("x2")`,
      lua`return struct.pack("!3i", 1)`,
      lua`return struct.pack("!0")`,
      lua`return struct.pack("i33", 1)`,
      lua`return struct.pack("i99999999999", 1)`,
    ));

  test("struct.size: s and c0 have no fixed size; letters that are no option count as nothing", () =>
    sameEach(lua`return struct.size("s")`, lua`return struct.size("bc0")`, lua`return struct.size("z")`, lua`return struct.size("?")`, lua`return struct.size("!4bi3d")`));

  test("integers take up to 32 bytes, zero-filled past 8", () =>
    sameEach(
      lua`return struct.pack("i17", 1)`,
      lua`return struct.pack(">i9", -1)`,
      lua`return struct.pack("i0", 1)`,
      lua`return {struct.unpack("i9", "\1\2\3\4\5\6\7\8\9")}`,
      lua`return {struct.unpack(">i9", "\1\2\3\4\5\6\7\8\9")}`,
      lua`return {struct.unpack("I16", struct.pack("i16", -2))}`,
    ));

  test("numbers out of an integer's range, NaN and infinities pack as x86 converts them", () =>
    sameEach(
      lua`return struct.pack("l", 2^64)`,
      lua`return struct.pack("L", 2^63)`,
      lua`return struct.pack("l", -2^64)`,
      lua`return struct.pack("l", 0/0)`,
      lua`return struct.pack("i", -1.9)`,
      lua`return struct.pack("d", 0/0) .. struct.pack("f", 0/0)`,
    ));

  test("number arguments may be strings that C's strtod reads", () =>
    sameEach(lua`return struct.pack("i", " 0x10 ")`, lua`return struct.pack("i", "1e2")`, lua`return struct.pack("i", "inf")`, lua`return struct.pack("i", "5\0x")`, lua`return struct.pack("i", "1e")`));

  test("string arguments may be numbers, written as Lua 5.1 writes them; s keeps zeros", () =>
    sameEach(lua`return struct.pack("c0", 1e15)`, lua`return struct.pack("c0", 10/2)`, lua`return struct.pack("s", "a\0b")`, lua`return struct.pack("c0", {})`));

  test("alignment follows C's mask arithmetic, odd sizes too", () =>
    sameEach(lua`return struct.pack("!4bi3", 1, 2)`, lua`return struct.pack("!8bbi6", 1, 1, 2)`, lua`return {struct.unpack("!4 b i b d", struct.pack("!4 b i b d", 1, 2, 3, 4.5))}`));

  test("unpack offsets: 0 is refused; past the end or negative, only an empty format reads", () =>
    sameEach(
      lua`return {struct.unpack("", "abcde", 7)}`,
      lua`return {struct.unpack("", "abcde", -3)}`,
      lua`return {struct.unpack("", "abcde", 0)}`,
      lua`return {struct.unpack("b", "abcde", 6)}`,
      lua`return {struct.unpack("b", "abc", "0x2")}`,
    ));

  test("c0 takes its length from the previous value, a number or a numeric string", () =>
    sameEach(
      lua`return {struct.unpack("bc0", "\3abcdef")}`,
      lua`return {struct.unpack("c1c0", "3abcdef")}`,
      lua`return {struct.unpack("c0", "abc")}`,
      lua`return {struct.unpack("c1c0", "zabc")}`,
      lua`return {struct.unpack("dc0", struct.pack("d", 2^64) .. "abc")}`,
      lua`return {struct.unpack("s", "ab")}`,
    ));

  test("unpack returns no more values than Lua 5.1's C stack holds", () =>
    sameEach(lua`return select('#', struct.unpack(string.rep("b", 7997), string.rep("a", 8000)))`, lua`return select('#', struct.unpack(string.rep("b", 7998), string.rep("a", 8000)))`));

  test("unpacked integers read as Lua 5.1 numbers", () =>
    sameEach(lua`return struct.unpack("b", "a") .. "|" .. struct.size("i")`, lua`return tostring(struct.unpack("l", struct.pack("l", 2^60)))`, lua`return {struct.unpack("L", "\255\255\255\255\255\255\255\255")}`));

  test("cmsgpack refusals: luaL's argument wording and the script's line", () =>
    sameEach(
      lua`return cmsgpack.pack()`,
      lua`return cmsgpack.unpack()`,
      lua`return cmsgpack.unpack(nil)`,
      lua`return cmsgpack.unpack("\193")`,
      lua`return cmsgpack.unpack("\217\2a")`,
      lua`return cmsgpack.unpack(1)`,
    ));

  test("numbers: an integer encoding for every double an int64 holds, float32 when exact, x86's NaN", () =>
    sameEach(
      lua`return cmsgpack.pack(2^53, 2^53 + 2, 2^60, 2^63, -2^63, -2^64)`,
      lua`return cmsgpack.pack(1.5, 0.1, 1e300, 1/0)`,
      lua`return cmsgpack.pack(16777217, 16777217.5, -2147483649)`,
      lua`return cmsgpack.pack(0/0)`,
    ));

  test("strings of 31, 32, 255, 256, 65535 and 65536 bytes take Redis's headers and round-trip", () =>
    sameEach(
      ...[31, 32, 255, 256, 65535, 65536].map((n) => `local s = string.rep('a', ${n}) local p = cmsgpack.pack(s) return {p:sub(1, 6), cmsgpack.unpack(p) == s}`),
    ));

  test("unpack reads str 8 but neither bin nor ext; uint 64 reads as signed", () =>
    sameEach(lua`return cmsgpack.unpack("\217\1a")`, lua`return cmsgpack.unpack("\196\1a")`, lua`return cmsgpack.unpack("\212\1a")`, lua`return {cmsgpack.unpack("\207\255\255\255\255\255\255\255\255")}`));

  test("a nil or NaN map key is Lua's settable error, raised before a later bad byte", () =>
    sameEach(lua`return cmsgpack.unpack("\129\192\1")`, lua`return cmsgpack.unpack("\130\192\1\193")`, lua`return cmsgpack.unpack("\129\202\127\192\0\0\1")`));

  test("truncated input is missing bytes wherever it ends", () =>
    sameEach(
      lua`return cmsgpack.unpack(string.sub(cmsgpack.pack(string.rep("a", 300)), 1, 100))`,
      lua`return cmsgpack.unpack(string.sub(cmsgpack.pack({a = 1, b = 2}), 1, 4))`,
      lua`return cmsgpack.unpack(string.sub(cmsgpack.pack(0.1), 1, 8))`,
      lua`return cmsgpack.unpack("\220\0\2\1")`,
    ));

  test("every type and nested tables round-trip", () =>
    sameEach(
      lua`return {cmsgpack.unpack(cmsgpack.pack(true, false, nil, "x", -2^40, 2^62, 0.5))}`,
      lua`return {cmsgpack.unpack(cmsgpack.pack({1, {2, {3, {4}}}}))}`,
      lua`local t = cmsgpack.unpack(cmsgpack.pack({a = {1, 2, {b = "c"}}, [1.5] = true})) return {t.a[3].b, t[1.5]}`,
    ));

  test("unpack_one and unpack_limit return the next offset first, -1 at the end", () =>
    sameEach(
      lua`return {cmsgpack.unpack_one(cmsgpack.pack(1))}`,
      lua`return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1)}`,
      lua`return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 2)}`,
      lua`return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0)}`,
      lua`return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5)}`,
      lua`return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 1)}`,
    ));

  test("unpack_one and unpack_limit refuse offsets and limits in Redis's words", () =>
    sameEach(
      lua`return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), -1)}`,
      lua`return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), -1)}`,
      lua`return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 2^32 + 1)}`,
      lua`return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3))}`,
      lua`return {cmsgpack.unpack_one()}`,
      lua`return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, "x")}`,
    ));

  test("unpack and pack stop where Lua 5.1's C stack does", () =>
    sameEach(
      lua`return select('#', cmsgpack.unpack(string.rep("\1", 7999)))`,
      lua`return select('#', cmsgpack.unpack(string.rep("\1", 8000)))`,
      lua`return select('#', cmsgpack.unpack_limit(string.rep("\1", 7999), 7999))`,
      lua`return #cmsgpack.unpack(string.rep("\145", 3999) .. "\1")`,
      lua`return #cmsgpack.unpack(string.rep("\145", 4000) .. "\1")`,
      lua`return #cmsgpack.pack(unpack({}, 1, 4001))`,
    ));
});

describe("number formatting", () => {
  test("%.17g as Redis passes Lua numbers to commands", () => {
    expect(formatNumberArgument(0.1)).toBe("0.10000000000000001");
    expect(formatNumberArgument(3)).toBe("3");
    expect(formatNumberArgument(1e20)).toBe("1e+20");
    expect(formatNumberArgument(-0)).toBe("-0");
    expect(formatNumberArgument(1 / 3)).toBe("0.33333333333333331");
    expect(formatNumberArgument(1e-5)).toBe("1.0000000000000001e-05");
    expect(formatNumberArgument(Infinity)).toBe("inf");
    // Past 2^53 every digit is written, not the shortest text that reads back.
    expect(formatNumberArgument(2 ** 56)).toBe("72057594037927936");
  });

  test("%.14g as Lua 5.1 and cjson print numbers", () => {
    expect(formatLuaNumber(0.1)).toBe("0.1");
    expect(formatLuaNumber(1e15)).toBe("1e+15");
    // An exact tie goes to the even digit, as glibc's printf rounds (JS's toExponential rounds up).
    expect(formatLuaNumber(123456789012345)).toBe("1.2345678901234e+14");
    expect(formatLuaNumber(123456789012355)).toBe("1.2345678901236e+14");
    expect(formatLuaNumber(2 ** -21)).toBe("4.7683715820312e-07");
    expect(formatLuaNumber(12345678901234.5)).toBe("12345678901234");
    expect(formatGeneral(0.125, 2)).toBe("0.12");
    expect(formatGeneral(0.375, 2)).toBe("0.38");
    expect(formatGeneral(2.5, 1)).toBe("2");
    expect(formatGeneral(-2.5, 1)).toBe("-2");
    expect(formatGeneral(15, 1)).toBe("2e+01");
    expect(formatGeneral(0.0001, 14)).toBe("0.0001");
    expect(formatGeneral(0.00001, 14)).toBe("1e-05");
  });
});
