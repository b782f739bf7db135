// Proves the JSON.* commands' replies, error texts and journal entries in process: expectations
// ported from @upstash/redis's json_*.test.ts (Upstash's recursive-descent order) and RedisJSON's
// documentation examples, plus the legacy-path shapes and RedisJSON's error words.

import { describe, expect, test } from "bun:test";
import { createTestEngine, plain } from "../../../test/harness/engine.ts";

function setup() {
  const engine = createTestEngine();
  const run = (...argv: (string | number)[]) => plain(engine.run(...argv));
  const journal = () => engine.journal.argvs();
  const clearJournal = () => engine.journal.entries.splice(0);
  /** Sets a document and forgets that write, so a test sees only its own journal entries. */
  const given = (key: string, json: string) => {
    expect(run("JSON.SET", key, "$", json)).toEqual(OK);
    clearJournal();
  };
  /** The document as JSON.GET returns it, parsed. */
  const doc = (key: string) => JSON.parse(run("JSON.GET", key) as string);
  return { engine, run, journal, clearJournal, given, doc };
}

const OK = { status: "OK" };
/** Text as the UTF-8 bytes a client sends (arguments and replies are binary strings). */
const utf8 = (text: string) => Buffer.from(text, "utf8").toString("latin1");
const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const NO_SUCH_KEY = error("ERR could not perform this operation on a key that doesn't exist");
const arity = (name: string) => error(`ERR wrong number of arguments for '${name}' command`);

const PRODUCT =
  '{"name":"Noise-cancelling Bluetooth headphones","description":"Wireless Bluetooth headphones with noise-cancelling technology","connection":{"wireless":true,"type":"Bluetooth"},"price":99.98,"stock":25,"colors":["black","silver"]}';
const EARBUDS =
  '{"name":"Wireless earbuds","description":"Wireless Bluetooth in-ear headphones","connection":{"wireless":true,"type":"Bluetooth"},"price":64.99,"stock":17,"colors":["black","white"],"max_level":[80,100,120]}';

describe("JSON.SET", () => {
  test("creates a document at the root and replaces or adds values at a path", () => {
    const { run, doc, journal } = setup();
    expect(run("JSON.SET", "doc", "$", '{"a":2}')).toEqual(OK);
    expect(run("JSON.SET", "doc", "$.a", "3")).toEqual(OK);
    expect(run("JSON.SET", "doc", "$.b", "8")).toEqual(OK);
    expect(doc("doc")).toEqual({ a: 3, b: 8 });
    expect(journal()).toEqual([
      ["JSON.SET", "doc", "$", '{"a":2}'],
      ["JSON.SET", "doc", "$.a", "3"],
      ["JSON.SET", "doc", "$.b", "8"],
    ]);
  });

  test("updates every match of a multi-path", () => {
    const { run, given } = setup();
    given("doc", '{"f1":{"a":1},"f2":{"a":2}}');
    expect(run("JSON.SET", "doc", "$..a", "3")).toEqual(OK);
    expect(run("JSON.GET", "doc", "$")).toBe('[{"f1":{"a":3},"f2":{"a":3}}]');
  });

  test("NX and XX: at the root, at existing and missing paths", () => {
    const { run, given, journal } = setup();
    expect(run("JSON.SET", "doc", "$", '{"a":1}', "XX")).toBeNull();
    expect(run("JSON.SET", "doc", "$", '{"a":1}', "nx")).toEqual(OK);
    expect(run("JSON.SET", "doc", "$", '{"a":2}', "NX")).toBeNull();
    expect(run("JSON.SET", "doc", "$.a", "5", "NX")).toBeNull();
    expect(run("JSON.SET", "doc", "$.b", "5", "XX")).toBeNull();
    expect(run("JSON.SET", "doc", "$.b", "6", "NX")).toEqual(OK);
    expect(run("JSON.SET", "doc", "$.a", "7", "XX")).toEqual(OK);
    expect(run("JSON.GET", "doc")).toBe('{"a":7,"b":6}');
    expect(journal()).toHaveLength(3);
    given("other", "{}");
    expect(run("JSON.SET", "other", "$", "[]", "XX")).toEqual(OK);
  });

  test("new keys need the root path; a missing parent changes nothing", () => {
    const { run, given } = setup();
    expect(run("JSON.SET", "doc", "$.a", "1")).toEqual(error("ERR new objects must be created at the root"));
    expect(run("JSON.SET", "doc", ".a", "1")).toEqual(error("ERR new objects must be created at the root"));
    given("doc", '{"a":{"b":1},"arr":[1]}');
    expect(run("JSON.SET", "doc", "$.x.y", "1")).toBeNull();
    expect(run("JSON.SET", "doc", "$.arr.y", "1")).toBeNull();
    expect(run("JSON.SET", "doc", "$.arr[5]", "1")).toEqual(error("ERR array index out of range"));
    expect(run("JSON.SET", "doc", "$..zz", "1")).toEqual(error("Err wrong static path"));
    expect(run("JSON.SET", "doc", "$.arr[0]", "9")).toEqual(OK);
    expect(run("JSON.SET", "doc", "$['a']['c']", '"new"')).toEqual(OK);
    expect(run("JSON.GET", "doc")).toBe('{"a":{"b":1,"c":"new"},"arr":[9]}');
  });

  test("legacy root and legacy paths write like their JSONPath forms", () => {
    const { run } = setup();
    expect(run("JSON.SET", "doc", ".", '{"a":{"b":1}}')).toEqual(OK);
    expect(run("JSON.SET", "doc", "a.b", "2")).toEqual(OK);
    expect(run("JSON.SET", "doc", ".a.c", "[true]")).toEqual(OK);
    expect(run("JSON.GET", "doc")).toBe('{"a":{"b":2,"c":[true]}}');
  });

  test("options, bad JSON and bad paths are refused before anything changes", () => {
    const { run, given, journal } = setup();
    given("doc", '{"a":1}');
    for (const options of [["NX", "NX"], ["NX", "XX"], ["XX", "Abcd"], ["BOGUS"]]) {
      expect(run("JSON.SET", "doc", "$", "{}", ...options)).toEqual(error("ERR syntax error"));
    }
    expect(run("JSON.SET", "doc", "$", "{}", "FORMAT")).toEqual(arity("json.set"));
    expect(run("JSON.SET", "doc", "$", "{}", "FORMAT", "XML")).toEqual(error("ERR wrong format"));
    expect(run("JSON.SET", "doc", "$", "{invalid:json}")).toEqual(error("key must be a string at line 1 column 2"));
    expect(run("JSON.SET", "doc", "$", "")).toEqual(error("EOF while parsing a value at line 1 column 0"));
    expect(run("JSON.SET", "doc", "$", "1 2")).toEqual(error("trailing characters at line 1 column 3"));
    expect(run("JSON.SET", "doc", "$.a[", "1")).toEqual(
      error(`Error occurred on position 4, "$.a[ <<<<----", expected one of the following: ['start:end:steps'], '<number>[,<number>,...]', '<string>[,<string>,...]', '*', '[?(filter_expression)]'.`),
    );
    expect(run("JSON.SET", "doc", "$", "\xff")).toEqual(error("Couldn't parse as UTF-8 string"));
    expect(run("JSON.SET", "doc", "$")).toEqual(arity("json.set"));
    expect(run("JSON.GET", "doc")).toBe('{"a":1}');
    expect(journal()).toEqual([]);
    expect(run("JSON.SET", "doc", "$", "{}", "FORMAT", "JSON")).toEqual(OK);
  });

  test("a key of another type is WRONGTYPE, and other types' commands refuse JSON keys", () => {
    const { run } = setup();
    run("SET", "s", "v");
    expect(run("JSON.SET", "s", "$", "1")).toEqual(WRONGTYPE);
    run("JSON.SET", "doc", "$", "1");
    expect(run("GET", "doc")).toEqual(WRONGTYPE);
    expect(run("HGET", "doc", "f")).toEqual(WRONGTYPE);
  });

  test("replacing the root keeps the key's TTL", () => {
    const { run } = setup();
    run("JSON.SET", "doc", "$", "1");
    run("PEXPIRE", "doc", 5000);
    run("JSON.SET", "doc", "$", "2");
    run("JSON.SET", "doc", "$", "[]");
    expect(run("PTTL", "doc")).toBe(5000);
  });

  test("numbers keep integer and float apart and print as RedisJSON does", () => {
    const { run } = setup();
    run("JSON.SET", "doc", "$", "[1, 1.0, -0, -0.0, 1e2, 1E-7, 0.1, 12345678901234567890, -9223372036854775809, 1e16, 123.456e5]");
    expect(run("JSON.GET", "doc")).toBe("[1,1.0,0,-0.0,100.0,1e-7,0.1,12345678901234567890,-9.223372036854776e18,1e16,12345600.0]");
    expect(run("JSON.SET", "doc", "$", "1e400")).toEqual(error("number out of range at line 1 column 5"));
  });
});

describe("JSON.GET", () => {
  test("recursive descent in Upstash's order, several paths as an object (redis-js json_get)", () => {
    const { run, given } = setup();
    given("doc", '{"a":2,"b":3,"nested":{"a":4,"b":null}}');
    expect(run("JSON.GET", "doc", "$..b")).toBe("[null,3]");
    expect(run("JSON.GET", "doc", "$..a")).toBe("[4,2]");
    expect(JSON.parse(run("JSON.GET", "doc", "$..a", "$..b") as string)).toEqual({ "$..b": [null, 3], "$..a": [4, 2] });
    expect(run("JSON.GET", "doc", "..a", "$..b")).toBe('{"..a":[4,2],"$..b":[null,3]}');
  });

  test("no path is the legacy root; a legacy path returns one value or an error", () => {
    const { run, given } = setup();
    given("doc", '{"a":{"b":[1,2]},"c":"x"}');
    expect(run("JSON.GET", "doc")).toBe('{"a":{"b":[1,2]},"c":"x"}');
    expect(run("JSON.GET", "doc", ".")).toBe('{"a":{"b":[1,2]},"c":"x"}');
    expect(run("JSON.GET", "doc", "a.b[1]")).toBe("2");
    expect(run("JSON.GET", "doc", ".c")).toBe('"x"');
    expect(run("JSON.GET", "doc", ".nope")).toEqual(error("ERR Path '$.nope' does not exist"));
    expect(run("JSON.GET", "doc", ".a", ".c")).toBe('{".a":{"b":[1,2]},".c":"x"}');
    expect(run("JSON.GET", "doc", ".a", ".nope")).toEqual(error("ERR Path '.nope' does not exist"));
    expect(run("JSON.GET", "doc", "$.nope")).toBe("[]");
    expect(run("JSON.GET", "missing")).toBeNull();
    expect(run("JSON.GET", "missing", "$.a")).toBeNull();
  });

  test("INDENT, NEWLINE and SPACE lay the text out; NOESCAPE is ignored", () => {
    const { run, given } = setup();
    given("doc", '{"a":[1,{}],"b":{}}');
    expect(run("JSON.GET", "doc", "INDENT", "\t", "NEWLINE", "\n", "SPACE", " ")).toBe('{\n\t"a": [\n\t\t1,\n\t\t{}\n\t],\n\t"b": {}\n}');
    expect(run("JSON.GET", "doc", "indent", "  ", "$.a")).toBe("[  [    1,    {}  ]]");
    expect(run("JSON.GET", "doc", "NOESCAPE", "SPACE", "_", "$.b")).toBe("[{}]");
    expect(run("JSON.GET", "doc", "INDENT")).toEqual(arity("json.get"));
    expect(run("JSON.GET", "doc", "FORMAT", "EXPAND")).toEqual(error("ERR FORMAT argument is not supported on RESP2"));
  });

  test("JSONPath: wildcards, slices, negative indexes, key lists and filters", () => {
    const { run, given } = setup();
    given(
      "doc",
      '{"store":{"book":[{"title":"A","price":8.95,"tag":"x"},{"title":"B","price":12,"tag":"y"},{"title":"C","price":22.5,"tag":"x"}],"bicycle":{"price":19.95}}}',
    );
    expect(run("JSON.GET", "doc", "$.store.book[*].title")).toBe('["A","B","C"]');
    expect(run("JSON.GET", "doc", "$.store.book[-1].title")).toBe('["C"]');
    expect(run("JSON.GET", "doc", "$.store.book[0,2].title")).toBe('["A","C"]');
    expect(run("JSON.GET", "doc", "$.store.book[:2].title")).toBe('["A","B"]');
    expect(run("JSON.GET", "doc", "$.store.book[::2].title")).toBe('["A","C"]');
    expect(run("JSON.GET", "doc", "$.store['bicycle'].price")).toBe("[19.95]");
    expect(run("JSON.GET", "doc", '$.store.book[?(@.price > 10 && @.tag == "x")].title')).toBe('["C"]');
    expect(run("JSON.GET", "doc", '$.store.book[?(@.price < 10 || @.tag == "y")].title')).toBe('["A","B"]');
    expect(run("JSON.GET", "doc", "$.store.book[?(@.price>=12)].price")).toBe("[12,22.5]");
    expect(run("JSON.GET", "doc", '$..book[?(@.title =~ "^[AB]$")].title')).toBe('["A","B"]');
    expect(run("JSON.GET", "doc", "$..price")).toBe("[8.95,12,22.5,19.95]");
    expect(run("JSON.GET", "doc", "$.store.*.price")).toBe("[19.95]");
  });

  test("a key of another type is WRONGTYPE", () => {
    const { run } = setup();
    run("SET", "s", "v");
    expect(run("JSON.GET", "s")).toEqual(WRONGTYPE);
  });
});

describe("JSON.MGET", () => {
  test("returns each key's matches in Upstash's order (redis-js json_mget)", () => {
    const { run, given } = setup();
    given("doc1", '{"a":1,"b":2,"nested":{"a":3},"c":null}');
    given("doc2", '{"a":4,"b":5,"nested":{"a":6},"c":null}');
    expect(run("JSON.MGET", "doc1", "doc2", "$..a")).toEqual(["[3,1]", "[6,4]"]);
  });

  test("missing keys, other types and legacy misses are nil", () => {
    const { run, given } = setup();
    given("doc1", '{"a":1}');
    run("SET", "s", "v");
    expect(run("JSON.MGET", "doc1", "missing", "s", ".a")).toEqual(["1", null, null]);
    expect(run("JSON.MGET", "doc1", ".b")).toEqual([null]);
    expect(run("JSON.MGET", "doc1", "$.b")).toEqual(["[]"]);
    expect(run("JSON.MGET", "doc1", "$[")).toEqual([null]);
    expect(run("JSON.MGET", "doc1")).toEqual(arity("json.mget"));
  });
});

describe("JSON.MSET", () => {
  test("sets several keys and paths (redis-js json_mset, RedisJSON docs)", () => {
    const { run, doc, journal } = setup();
    expect(run("JSON.MSET", "doc1", "$", '{"a":1}', "doc2", "$", '{"f":{"a":2}}', "doc3", "$", '{"f1":{"a":0},"f2":{"a":0}}')).toEqual(OK);
    expect(run("JSON.MSET", "doc1", "$", '{"a":2}', "doc2", "$.f.a", "3", "doc3", "$..a", "4")).toEqual(OK);
    expect([doc("doc1"), doc("doc2"), doc("doc3")]).toEqual([{ a: 2 }, { f: { a: 3 } }, { f1: { a: 4 }, f2: { a: 4 } }]);
    expect(journal()).toHaveLength(2);
  });

  test("every triple is checked before the first write", () => {
    const { run, given, journal } = setup();
    given("doc", '{"a":1}');
    run("SET", "s", "v");
    expect(run("JSON.MSET", "doc", "$.a", "2", "new", "$.x", "1")).toEqual(error("ERR new objects must be created at the root"));
    expect(run("JSON.MSET", "doc", "$.a", "2", "s", "$", "1")).toEqual(WRONGTYPE);
    expect(run("JSON.MSET", "doc", "$.a", "2", "doc", "$", "{")).toEqual(error("EOF while parsing an object at line 1 column 1"));
    expect(run("JSON.MSET", "doc", "$.a", "2", "doc")).toEqual(arity("json.mset"));
    expect(run("JSON.GET", "doc")).toBe('{"a":1}');
    expect(journal()).toEqual([["SET", "s", "v"]]);
  });
});

describe("JSON.MERGE", () => {
  test("RFC 7386 at the root and at paths (redis-js json_merge, RedisJSON docs)", () => {
    const { run, given } = setup();
    given("doc", '{"a":2}');
    expect(run("JSON.MERGE", "doc", "$.b", "8")).toEqual(OK);
    expect(run("JSON.GET", "doc", "$")).toBe('[{"a":2,"b":8}]');
    expect(run("JSON.MERGE", "doc", "$.a", "3")).toEqual(OK);
    expect(run("JSON.MERGE", "doc", "$", '{"a":null}')).toEqual(OK);
    expect(run("JSON.GET", "doc", "$")).toBe('[{"b":8}]');
    given("doc", '{"a":[2,4,6,8]}');
    expect(run("JSON.MERGE", "doc", "$.a", "[10,12]")).toEqual(OK);
    expect(run("JSON.GET", "doc", "$")).toBe('[{"a":[10,12]}]');
    given("doc", '{"f1":{"a":1},"f2":{"a":2}}');
    expect(run("JSON.MERGE", "doc", "$", '{"f1":null,"f2":{"a":3,"b":4},"f3":[2,4,6]}')).toEqual(OK);
    expect(run("JSON.GET", "doc", "$")).toBe('[{"f2":{"a":3,"b":4},"f3":[2,4,6]}]');
  });

  test("a string patch is JSON text too, and merges into every match", () => {
    const { run, given } = setup();
    given("doc", '{"a":"[2, 4, 6, 8]","x":{"k":{"v":1}},"y":{"k":{"w":2}}}');
    expect(run("JSON.MERGE", "doc", "$.a", "[10, 12]")).toEqual(OK);
    expect(run("JSON.MERGE", "doc", "$..k", '{"z":0}')).toEqual(OK);
    expect(run("JSON.GET", "doc")).toBe('{"a":[10,12],"x":{"k":{"v":1,"z":0}},"y":{"k":{"w":2,"z":0}}}');
  });

  test("new documents, missing paths and errors", () => {
    const { run, given, journal } = setup();
    expect(run("JSON.MERGE", "doc", "$.a", "1")).toEqual(error("ERR new objects must be created at the root"));
    expect(run("JSON.MERGE", "doc", "$", '{"a":null}')).toEqual(OK);
    expect(run("JSON.GET", "doc")).toBe('{"a":null}');
    given("doc", '{"a":1}');
    expect(run("JSON.MERGE", "doc", "$.x.y", "1")).toBeNull();
    expect(run("JSON.MERGE", "doc", "$", "{}", "NX")).toEqual(error("ERR syntax error"));
    expect(journal()).toEqual([]);
  });
});

describe("JSON.DEL", () => {
  test("deletes every match and counts them (redis-js json_del)", () => {
    const { run, given, journal } = setup();
    given("doc", '{"a":1,"nested":{"a":2,"b":3}}');
    expect(run("JSON.DEL", "doc", "$..a")).toBe(2);
    expect(run("JSON.GET", "doc", "$")).toBe('[{"nested":{"b":3}}]');
    expect(journal()).toEqual([["JSON.DEL", "doc", "$..a"]]);
  });

  test("array elements, nested matches, duplicates and the root", () => {
    const { run, given } = setup();
    given("doc", '{"arr":[0,1,2,3,4,5,6,7,8,9,10,11],"o":{"o":{"o":1}}}');
    expect(run("JSON.DEL", "doc", "$.arr[1,10,3,1]")).toBe(3);
    expect(run("JSON.GET", "doc", "$.arr")).toBe("[[0,2,4,5,6,7,8,9,11]]");
    expect(run("JSON.DEL", "doc", "$..o")).toBe(1);
    expect(run("JSON.DEL", "doc", "$.nope")).toBe(0);
    expect(run("JSON.DEL", "doc", ".arr")).toBe(1);
    expect(run("JSON.GET", "doc")).toBe("{}");
    expect(run("JSON.DEL", "doc")).toBe(1);
    expect(run("EXISTS", "doc")).toBe(0);
    expect(run("JSON.DEL", "doc")).toBe(0);
  });

  test("a key of another type is WRONGTYPE, a bad path is an error", () => {
    const { run, given } = setup();
    run("SET", "s", "v");
    expect(run("JSON.DEL", "s")).toEqual(WRONGTYPE);
    given("doc", "{}");
    expect((run("JSON.DEL", "doc", "$.[") as { error: string }).error).toStartWith("Error occurred on position 3");
  });
});

describe("JSON.FORGET", () => {
  test("is JSON.DEL (redis-js json_forget)", () => {
    const { run, given } = setup();
    given("doc", '{"a":1,"nested":{"a":2,"b":3}}');
    expect(run("JSON.FORGET", "doc", "$..a")).toBe(2);
    expect(run("JSON.GET", "doc", "$")).toBe('[{"nested":{"b":3}}]');
    expect(run("JSON.FORGET", "doc")).toBe(1);
  });
});

describe("JSON.CLEAR", () => {
  test("empties containers and zeroes numbers (redis-js json_clear)", () => {
    const { run, given, journal } = setup();
    given("doc", '{"obj":{"a":1, "b":2}, "arr":[1,2,3], "str": "foo", "bool": true, "int": 42, "float": 3.14}');
    expect(run("JSON.CLEAR", "doc", "$.*")).toBe(4);
    expect(run("JSON.GET", "doc", "$")).toBe('[{"obj":{},"arr":[],"str":"foo","bool":true,"int":0,"float":0}]');
    expect(run("JSON.CLEAR", "doc", "$.*")).toBe(0);
    expect(journal()).toEqual([["JSON.CLEAR", "doc", "$.*"]]);
  });

  test("defaults to the root and reads only the first path; a missing key is an error", () => {
    const { run, given } = setup();
    given("doc", '{"a":[1],"b":{"c":1}}');
    expect(run("JSON.CLEAR", "doc", "$.a", "$.b")).toBe(1);
    expect(run("JSON.CLEAR", "doc")).toBe(1);
    expect(run("JSON.GET", "doc")).toBe("{}");
    expect(run("JSON.CLEAR", "missing")).toEqual(NO_SUCH_KEY);
  });
});

describe("JSON.TYPE", () => {
  test("names each match (redis-js json_type, RedisJSON docs)", () => {
    const { run, given } = setup();
    given("doc", '{"a":2,"nested":{"a":true},"foo":"bar","f":1.5,"n":null,"l":[],"o":{}}');
    expect(run("JSON.TYPE", "doc", "$..foo")).toEqual(["string"]);
    expect(run("JSON.TYPE", "doc", "$..a")).toEqual(["boolean", "integer"]);
    expect(run("JSON.TYPE", "doc", "$..dummy")).toEqual([]);
    expect(run("JSON.TYPE", "doc", "$.*")).toEqual(["integer", "object", "string", "number", "null", "array", "object"]);
  });

  test("legacy paths return one name or nil", () => {
    const { run, given } = setup();
    given("doc", '{"a":2}');
    expect(run("JSON.TYPE", "doc")).toBe("object");
    expect(run("JSON.TYPE", "doc", ".a")).toBe("integer");
    expect(run("JSON.TYPE", "doc", ".b")).toBeNull();
    expect(run("JSON.TYPE", "missing")).toBeNull();
  });
});

describe("JSON.NUMINCRBY", () => {
  test("adds to every number a path selects (redis-js json_numincrby, RedisJSON docs)", () => {
    const { run, given, journal } = setup();
    given("doc", '{"a":"b","b":[{"a":2},{"a":5},{"a":"c"}]}');
    expect(run("JSON.NUMINCRBY", "doc", "$.a", "2")).toBe("[null]");
    expect(run("JSON.NUMINCRBY", "doc", "$..a", "2")).toBe("[4,7,null,null]");
    expect(journal()).toEqual([["JSON.NUMINCRBY", "doc", "$..a", "2"]]);
  });

  test("integers stay integers, floats print as RedisJSON does, i64 wraps", () => {
    const { run, given } = setup();
    given("doc", '{"i":1,"f":1.5,"big":9223372036854775807}');
    expect(run("JSON.NUMINCRBY", "doc", "$.i", "2")).toBe("[3]");
    expect(run("JSON.NUMINCRBY", "doc", "$.i", "0.5")).toBe("[3.5]");
    expect(run("JSON.NUMINCRBY", "doc", "$.f", "0.5")).toBe("[2.0]");
    expect(run("JSON.NUMINCRBY", "doc", ".f", "0.1")).toBe("2.1");
    expect(run("JSON.NUMINCRBY", "doc", "$.big", "1")).toBe("[-9223372036854775808]");
    expect(run("JSON.GET", "doc")).toBe('{"i":3.5,"f":2.1,"big":-9223372036854775808}');
  });

  test("errors: missing key, legacy path without a number, bad operand, overflow to infinity", () => {
    const { run, given, journal } = setup();
    expect(run("JSON.NUMINCRBY", "missing", "$.a", "1")).toEqual(NO_SUCH_KEY);
    given("doc", '{"s":"x","f":1e308}');
    expect(run("JSON.NUMINCRBY", "doc", ".s", "1")).toEqual(error("ERR Path '$.s' does not exist or does not contains a number"));
    expect(run("JSON.NUMINCRBY", "doc", "$.f", "abc")).toEqual(error("expected value at line 1 column 1"));
    expect(run("JSON.NUMINCRBY", "doc", "$.f", '"1"')).toEqual(error("bad input number"));
    expect(run("JSON.NUMINCRBY", "doc", "$.f", "1e308")).toEqual(error("result is not a number"));
    expect(run("JSON.NUMINCRBY", "doc", "$.s", "abc")).toBe("[null]");
    expect(journal()).toEqual([]);
  });
});

describe("JSON.NUMMULTBY", () => {
  test("multiplies every number a path selects (redis-js json_nummultby)", () => {
    const { run, given } = setup();
    given("doc", '{"a":"b","b":[{"a":2},{"a":5},{"a":"c"}]}');
    expect(run("JSON.NUMMULTBY", "doc", "$.a", "2")).toBe("[null]");
    expect(run("JSON.NUMMULTBY", "doc", "$..a", "2")).toBe("[4,10,null,null]");
    expect(run("JSON.NUMMULTBY", "doc", "$.b[0].a", "1.5")).toBe("[6.0]");
    expect(run("JSON.NUMMULTBY", "doc", "b[1].a", "3")).toBe("30");
  });
});

describe("JSON.TOGGLE", () => {
  test("flips booleans and answers 0/1 (redis-js json_toggle)", () => {
    const { run, given, journal } = setup();
    given("doc", '{"bool":true}');
    expect(run("JSON.TOGGLE", "doc", "$.bool")).toEqual([0]);
    expect(run("JSON.GET", "doc", "$")).toBe('[{"bool":false}]');
    expect(run("JSON.TOGGLE", "doc", "$.bool")).toEqual([1]);
    expect(run("JSON.TOGGLE", "doc", "$.*")).toEqual([0]);
    expect(journal()).toHaveLength(3);
  });

  test("legacy paths answer the new value as text; non-booleans are nil or an error", () => {
    const { run, given } = setup();
    given("doc", '{"b":false,"n":1}');
    expect(run("JSON.TOGGLE", "doc", ".b")).toBe("true");
    expect(run("JSON.TOGGLE", "doc", "$.n")).toEqual([null]);
    expect(run("JSON.TOGGLE", "doc", ".n")).toEqual(error("ERR Path '$.n' does not exist or not a bool"));
    expect(run("JSON.TOGGLE", "missing", "$")).toEqual(NO_SUCH_KEY);
  });
});

describe("JSON.STRAPPEND", () => {
  test("appends to every string and answers byte lengths (redis-js json_strappend)", () => {
    const { run, given } = setup();
    given("doc", '{"a":"foo","nested":{"a":"hello"},"nested2":{"a":31}}');
    expect(run("JSON.STRAPPEND", "doc", "$..a", '"baz"')).toEqual([8, null, 6]);
    expect(JSON.parse(run("JSON.GET", "doc") as string)).toEqual({ a: "foobaz", nested: { a: "hellobaz" }, nested2: { a: 31 } });
  });

  test("legacy forms: the root by default, one length, errors", () => {
    const { run, given, journal } = setup();
    given("doc", utf8('"é"'));
    expect(run("JSON.STRAPPEND", "doc", utf8('"€"'))).toBe(5);
    expect(run("JSON.GET", "doc")).toBe(utf8('"é€"'));
    expect(journal()).toEqual([["JSON.STRAPPEND", "doc", utf8('"€"')]]);
    given("obj", '{"n":1,"s":"x"}');
    expect(run("JSON.STRAPPEND", "obj", ".n", '"a"')).toEqual(error("ERR Path '$.n' does not exist or not a string"));
    expect(run("JSON.STRAPPEND", "obj", "$.s", "a")).toEqual(error("expected value at line 1 column 1"));
    expect(run("JSON.STRAPPEND", "obj", "$.s", "1")).toEqual(error("WRONGTYPE wrong type of path value - expected string but found 1"));
    expect(run("JSON.STRAPPEND", "missing", "$", '"a"')).toEqual(NO_SUCH_KEY);
    expect(journal()).toEqual([]);
  });
});

describe("JSON.STRLEN", () => {
  test("answers byte lengths per match (redis-js json_strlen)", () => {
    const { run, given } = setup();
    given("doc", utf8('{"a":"foo","nested":{"a":"hello"},"nested2":{"a":31},"u":"😀"}'));
    expect(run("JSON.STRLEN", "doc", "$..a")).toEqual([5, null, 3]);
    expect(run("JSON.STRLEN", "doc", ".u")).toBe(4);
    expect(run("JSON.STRLEN", "doc", ".nested2.a")).toEqual(error("WRONGTYPE wrong type of path value - expected string but found integer"));
    expect(run("JSON.STRLEN", "doc", ".x")).toEqual(error("ERR Path '$.x' does not exist"));
    expect(run("JSON.STRLEN", "missing")).toBeNull();
    expect(run("JSON.STRLEN", "missing", "$")).toEqual(NO_SUCH_KEY);
  });
});

describe("JSON.ARRAPPEND", () => {
  test("appends raw JSON values (redis-js json_arrappend)", () => {
    const { run, given, doc, journal } = setup();
    given("item", PRODUCT);
    expect(run("JSON.ARRAPPEND", "item", "$.colors", '"blue"')).toEqual([3]);
    expect(doc("item").colors).toEqual(["black", "silver", "blue"]);
    expect(run("JSON.ARRAPPEND", "item", "$.*", "1", "[2]")).toEqual([null, null, null, null, null, 5]);
    expect(doc("item").colors).toEqual(["black", "silver", "blue", 1, [2]]);
    expect(journal()).toEqual([
      ["JSON.ARRAPPEND", "item", "$.colors", '"blue"'],
      ["JSON.ARRAPPEND", "item", "$.*", "1", "[2]"],
    ]);
  });

  test("each array gets its own copy; legacy paths answer the last length", () => {
    const { run, given } = setup();
    given("doc", '{"x":[],"y":[1]}');
    expect(run("JSON.ARRAPPEND", "doc", "$.*", '{"k":1}')).toEqual([1, 2]);
    run("JSON.SET", "doc", "$.x[0].k", "9");
    expect(run("JSON.GET", "doc")).toBe('{"x":[{"k":9}],"y":[1,{"k":1}]}');
    expect(run("JSON.ARRAPPEND", "doc", ".y", "true")).toBe(3);
    expect(run("JSON.ARRAPPEND", "doc", "nope", "1")).toEqual(error("ERR Path 'nope' does not exist or not an array"));
    expect(run("JSON.ARRAPPEND", "doc", "$.x", "[")).toEqual(error("EOF while parsing a list at line 1 column 1"));
    expect(run("JSON.ARRAPPEND", "missing", "$", "1")).toEqual(NO_SUCH_KEY);
    expect(run("JSON.ARRAPPEND", "doc", "$.x")).toEqual(arity("json.arrappend"));
  });
});

describe("JSON.ARRINDEX", () => {
  test("finds a value per array (redis-js json_arrindex)", () => {
    const { run, given } = setup();
    given("item", PRODUCT);
    run("JSON.ARRAPPEND", "item", "$.colors", '"blue"');
    expect(run("JSON.GET", "item", "$.colors[*]")).toBe('["black","silver","blue"]');
    expect(run("JSON.ARRINSERT", "item", "$.colors", 2, '"yellow"', '"gold"')).toEqual([5]);
    expect(run("JSON.ARRINDEX", "item", "$..colors", '"silver"')).toEqual([1]);
  });

  test("start and stop, strict types, legacy and error forms", () => {
    const { run, given } = setup();
    given("doc", '{"a":[1,2,3,2,1.0,{"x":[1]}],"s":"x"}');
    expect(run("JSON.ARRINDEX", "doc", "$.a", "2", 2)).toEqual([3]);
    expect(run("JSON.ARRINDEX", "doc", "$.a", "2", 0, 3)).toEqual([1]);
    expect(run("JSON.ARRINDEX", "doc", "$.a", "2", -3)).toEqual([3]);
    expect(run("JSON.ARRINDEX", "doc", "$.a", "1", 1, -2)).toEqual([-1]);
    expect(run("JSON.ARRINDEX", "doc", "$.a", "1.0")).toEqual([4]);
    expect(run("JSON.ARRINDEX", "doc", "$.a", '{"x":[1]}')).toEqual([5]);
    expect(run("JSON.ARRINDEX", "doc", "$.a", "1", 99)).toEqual([-1]);
    expect(run("JSON.ARRINDEX", "doc", "$.*", "1")).toEqual([0, null]);
    expect(run("JSON.ARRINDEX", "doc", ".a", "3")).toBe(2);
    expect(run("JSON.ARRINDEX", "doc", ".s", "3")).toEqual(error("WRONGTYPE wrong type of path value - expected array but found string"));
    expect(run("JSON.ARRINDEX", "doc", ".a", "3", "x")).toEqual(error("Couldn't parse as integer"));
    expect(run("JSON.ARRINDEX", "doc", ".a", "3", 0, 0, 0)).toEqual(arity("json.arrindex"));
    expect(run("JSON.ARRINDEX", "missing", ".a", "3")).toEqual(error("ERR Path '.a' does not exist"));
  });
});

describe("JSON.ARRINSERT", () => {
  test("inserts before an index (redis-js json_arrinsert)", () => {
    const { run, given, doc } = setup();
    given("item", PRODUCT);
    run("JSON.ARRAPPEND", "item", "$.colors", '"blue"');
    expect(run("JSON.ARRINSERT", "item", "$.colors", 2, '"yellow"', '"gold"')).toEqual([5]);
    expect(doc("item").colors).toEqual(["black", "silver", "yellow", "gold", "blue"]);
  });

  test("negative and edge indexes; an out-of-range index changes nothing", () => {
    const { run, given } = setup();
    given("doc", '{"a":[1,2],"b":[1,2,3,4]}');
    expect(run("JSON.ARRINSERT", "doc", "$.*", -1, "0")).toEqual([3, 5]);
    expect(run("JSON.ARRINSERT", "doc", ".a", 3, "9")).toBe(4);
    expect(run("JSON.GET", "doc")).toBe('{"a":[1,0,2,9],"b":[1,2,3,0,4]}');
    expect(run("JSON.ARRINSERT", "doc", "$.*", 5, "7")).toEqual(error("ERR index out of bounds"));
    expect(run("JSON.ARRINSERT", "doc", "$.*", -6, "7")).toEqual(error("ERR index out of bounds"));
    expect(run("JSON.GET", "doc")).toBe('{"a":[1,0,2,9],"b":[1,2,3,0,4]}');
    expect(run("JSON.ARRINSERT", "doc", "$.a", "x", "7")).toEqual(error("Couldn't parse as integer"));
    expect(run("JSON.ARRINSERT", "doc", ".c", 0, "7")).toEqual(error("ERR Path '$.c' does not exist or not an array"));
  });
});

describe("JSON.ARRLEN", () => {
  test("answers each array's length (redis-js json_arrlen, RedisJSON docs)", () => {
    const { run, given } = setup();
    given("item", EARBUDS);
    expect(run("JSON.ARRLEN", "item", "$.max_level")).toEqual([3]);
    expect(run("JSON.ARRLEN", "item", "$.[*]")).toEqual([null, null, null, null, null, 2, 3]);
  });

  test("legacy forms and errors", () => {
    const { run, given } = setup();
    given("doc", '{"a":[1,2],"b":1}');
    expect(run("JSON.ARRLEN", "doc", ".a")).toBe(2);
    expect(run("JSON.ARRLEN", "doc", ".b")).toEqual(error("ERR Path '.b' does not exist or not an array"));
    expect(run("JSON.ARRLEN", "doc", ".c")).toEqual(error("ERR Path '.c' does not exist"));
    expect(run("JSON.ARRLEN", "doc")).toEqual(error("ERR Path '.' does not exist or not an array"));
    expect(run("JSON.ARRLEN", "missing")).toBeNull();
    expect(run("JSON.ARRLEN", "missing", "$")).toEqual(NO_SUCH_KEY);
  });
});

describe("JSON.ARRPOP", () => {
  test("pops at an index and answers JSON text (redis-js json_arrpop, RedisJSON docs)", () => {
    const { run, given, journal } = setup();
    given("doc", '{"max_level":[80,90,100,120]}');
    expect(run("JSON.ARRPOP", "doc", "$.max_level", 0)).toEqual(["80"]);
    expect(run("JSON.GET", "doc", "$.max_level")).toBe("[[90,100,120]]");
    expect(run("JSON.ARRAPPEND", "doc", "$.max_level", "140", "160")).toEqual([5]);
    expect(run("JSON.ARRPOP", "doc", "$.max_level", -1)).toEqual(["160"]);
    expect(run("JSON.ARRPOP", "doc", "$.max_level")).toEqual(["140"]);
    expect(journal()).toEqual([
      ["JSON.ARRPOP", "doc", "$.max_level", "0"],
      ["JSON.ARRAPPEND", "doc", "$.max_level", "140", "160"],
      ["JSON.ARRPOP", "doc", "$.max_level", "-1"],
      ["JSON.ARRPOP", "doc", "$.max_level"],
    ]);
  });

  test("clamped indexes, empty arrays, non-arrays, the legacy root", () => {
    const { run, given, journal } = setup();
    given("doc", '{"a":[{"x":1},"s",3],"e":[],"n":1}');
    expect(run("JSON.ARRPOP", "doc", "$.a", 99)).toEqual(["3"]);
    expect(run("JSON.ARRPOP", "doc", "$.a", -99)).toEqual(['{"x":1}']);
    expect(run("JSON.ARRPOP", "doc", "$.*")).toEqual(['"s"', null, null]);
    expect(run("JSON.ARRPOP", "doc", ".e")).toBeNull();
    expect(run("JSON.ARRPOP", "doc", ".n")).toEqual(error("ERR Path '$.n' does not exist or not an array"));
    expect(run("JSON.ARRPOP", "missing")).toEqual(NO_SUCH_KEY);
    given("list", "[1,2,3]");
    expect(run("JSON.ARRPOP", "list")).toBe("3");
    expect(run("JSON.ARRPOP", "list", ".", "x")).toBe("2");
    expect(journal()).toEqual([
      ["JSON.ARRPOP", "list"],
      ["JSON.ARRPOP", "list", ".", "x"],
    ]);
  });
});

describe("JSON.ARRTRIM", () => {
  test("keeps an inclusive range (redis-js json_arrtrim)", () => {
    const { run, given } = setup();
    given("doc", '{"a":[1]}');
    expect(run("JSON.ARRAPPEND", "doc", "$.a", 2)).toEqual([2]);
    expect(run("JSON.ARRTRIM", "doc", "$.a", 1, 1)).toEqual([1]);
    expect(run("JSON.GET", "doc", "$.a")).toBe("[[2]]");
  });

  test("RedisJSON's index rules: negative from the end, clamping, empty results", () => {
    const { run, given } = setup();
    const trim = (start: number, stop: number) => {
      given("doc", "[0,1,2,3,4,5,6,7]");
      return [run("JSON.ARRTRIM", "doc", "$", start, stop), run("JSON.GET", "doc")];
    };
    expect(trim(4, 8)).toEqual([[4], "[4,5,6,7]"]);
    expect(trim(-3, -1)).toEqual([[3], "[5,6,7]"]);
    expect(trim(2, 1)).toEqual([[0], "[]"]);
    expect(trim(9, 20)).toEqual([[0], "[]"]);
    expect(trim(-20, 1)).toEqual([[2], "[0,1]"]);
    expect(trim(0, -1)).toEqual([[8], "[0,1,2,3,4,5,6,7]"]);
  });

  test("legacy forms and errors", () => {
    const { run, given } = setup();
    given("doc", '{"a":[1,2,3],"n":1}');
    expect(run("JSON.ARRTRIM", "doc", ".a", 0, 0)).toBe(1);
    expect(run("JSON.ARRTRIM", "doc", "$.*", 0, 0)).toEqual([1, null]);
    expect(run("JSON.ARRTRIM", "doc", ".n", 0, 0)).toEqual(error("ERR Path '$.n' does not exist or not an array"));
    expect(run("JSON.ARRTRIM", "doc", ".a", "x", 0)).toEqual(error("Couldn't parse as integer"));
    expect(run("JSON.ARRTRIM", "doc", ".a", 0)).toEqual(arity("json.arrtrim"));
    expect(run("JSON.ARRTRIM", "missing", "$", 0, 0)).toEqual(NO_SUCH_KEY);
  });
});

describe("JSON.OBJKEYS", () => {
  test("lists each object's keys in Upstash's order (redis-js json_objkeys)", () => {
    const { run, given } = setup();
    given("doc", '{"a":[3],"nested":{"a":{"b":2,"c":1}}}');
    expect(run("JSON.OBJKEYS", "doc", "$..a")).toEqual([["b", "c"], null]);
    expect(run("JSON.OBJKEYS", "doc")).toEqual(["a", "nested"]);
    expect(run("JSON.OBJKEYS", "doc", ".nested.a")).toEqual(["b", "c"]);
    expect(run("JSON.OBJKEYS", "doc", ".x")).toBeNull();
    expect(run("JSON.OBJKEYS", "doc", ".a")).toEqual(error("ERR Path '$.a' does not exist or not an object"));
    expect(run("JSON.OBJKEYS", "missing")).toBeNull();
    expect(run("JSON.OBJKEYS", "missing", "$")).toEqual(NO_SUCH_KEY);
  });
});

describe("JSON.OBJLEN", () => {
  test("counts each object's keys in Upstash's order (redis-js json_objlen)", () => {
    const { run, given } = setup();
    given("doc", '{"a":[3],"nested":{"a":{"b":2,"c":1}}}');
    expect(run("JSON.OBJLEN", "doc", "$..a")).toEqual([2, null]);
    expect(run("JSON.OBJLEN", "doc")).toBe(2);
    expect(run("JSON.OBJLEN", "doc", ".x")).toBeNull();
    expect(run("JSON.OBJLEN", "doc", ".a")).toEqual(error("WRONGTYPE wrong type of path value - expected object but found array"));
    expect(run("JSON.OBJLEN", "missing")).toBeNull();
    expect(run("JSON.OBJLEN", "missing", "$")).toEqual(error("ERR Path '$' does not exist or not an object"));
  });
});

describe("JSON.RESP", () => {
  test("maps a document onto RESP (redis-js json_resp)", () => {
    const { run, given } = setup();
    given("item", EARBUDS);
    const reply = run("JSON.RESP", "item") as unknown[];
    expect(reply).toHaveLength(15);
    expect(reply.slice(0, 5)).toEqual([{ status: "{" }, "name", "Wireless earbuds", "description", "Wireless Bluetooth in-ear headphones"]);
    expect(reply.slice(5, 11)).toEqual(["connection", [{ status: "{" }, "wireless", { status: "true" }, "type", "Bluetooth"], "price", "64.99", "stock", 17]);
    expect(run("JSON.RESP", "item", "$.max_level")).toEqual([[{ status: "[" }, 80, 100, 120]]);
  });

  test("scalars, legacy errors and missing keys", () => {
    const { run, given } = setup();
    given("doc", utf8('{"n":null,"f":false,"big":1e300,"small":0.00001,"e":"é"}'));
    expect(run("JSON.RESP", "doc", "$.*")).toEqual([null, { status: "false" }, "1e+300", "0.00001", utf8("é")]);
    expect(run("JSON.RESP", "doc", ".x")).toEqual(error("ERR Path '$.x' does not exist"));
    expect(run("JSON.RESP", "missing")).toBeNull();
  });
});

describe("keyspace integration", () => {
  test("TYPE, OBJECT ENCODING, MEMORY USAGE, SCAN TYPE and COPY see JSON documents", () => {
    const { run } = setup();
    run("JSON.SET", "doc", "$", '{"a":[1,2,3]}');
    run("SET", "s", "v");
    expect(run("TYPE", "doc")).toEqual({ status: "ReJSON-RL" });
    expect(run("OBJECT", "ENCODING", "doc")).toBe("raw");
    expect(run("MEMORY", "USAGE", "doc")).toBeGreaterThan(0);
    expect(run("SCAN", 0, "TYPE", "ReJSON-RL")).toEqual(["0", ["doc"]]);
    expect(run("COPY", "doc", "copy")).toBe(1);
    run("JSON.ARRAPPEND", "copy", "$.a", "4");
    expect([run("JSON.GET", "doc"), run("JSON.GET", "copy")]).toEqual(['{"a":[1,2,3]}', '{"a":[1,2,3,4]}']);
  });

  test("read-only tokens may read but not write", () => {
    const { engine, run } = setup();
    run("JSON.SET", "doc", "$", "1");
    expect(plain(engine.runReadOnly("JSON.GET", "doc"))).toBe("1");
    expect(plain(engine.runReadOnly("JSON.SET", "doc", "$", "2"))).toEqual(
      error("NOPERM this user has no permissions to run the 'json.set' command or its subcommand"),
    );
  });
});
