// Proves the geo commands answer as redis-server does — scores, distances, coordinates, geohash
// strings and result order are those it gave for the same calls — with its exact error texts, and
// that their writes are journaled as sent, in process.

import { describe, expect, test } from "bun:test";
import { createPlainTestEngine as setup } from "../../../test/harness/engine.ts";

const error = (message: string) => ({ error: message });
const WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const SYNTAX = error("ERR syntax error");

/** Four cities in "g" (the Redis documentation's two plus Paris and London), a string in "s". */
function withCities() {
  const context = setup();
  context.run("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "2.349014", "48.864716", "Paris", "-0.127758", "51.507351", "London");
  context.run("SET", "s", "text");
  context.clearJournal();
  return context;
}

describe("GEOADD", () => {
  test("stores 52-bit geohash scores, as Redis computes them", () => {
    const { run } = withCities();
    expect(run("ZRANGE", "g", 0, -1, "WITHSCORES")).toEqual([
      "London", "2163557714754256", "Palermo", "3479099956230698", "Catania", "3479447370796909", "Paris", "3663832805879806",
    ]);
    expect(run("TYPE", "g")).toEqual({ status: "zset" });
  });

  test("NX, XX and CH behave as ZADD's", () => {
    const { run } = withCities();
    expect(run("GEOADD", "g", "NX", 1, 2, "Paris", 3, 4, "new")).toBe(1);
    expect(run("GEOADD", "g", "XX", "CH", 1, 2, "Paris", 3, 4, "other")).toBe(1);
    expect(run("GEOADD", "g", "CH", 1, 2, "Paris")).toBe(0);
    expect(run("GEOPOS", "g", "Paris", "other")).toEqual([["0.99999994039535522", "2.0000001856465488"], null]);
  });

  test("errors: option conflicts and leftovers, floats, the coordinate limits, the key type", () => {
    const { run, journal } = withCities();
    expect(run("GEOADD", "g", 1, 2)).toEqual(error("ERR wrong number of arguments for 'geoadd' command"));
    expect(run("GEOADD", "g", "NX", "XX", 1, 2, "m")).toEqual(SYNTAX);
    expect(run("GEOADD", "g", 1, 2, "m", 3)).toEqual(SYNTAX);
    expect(run("GEOADD", "g", "NX", "CH", "CH")).toEqual(SYNTAX);
    expect(run("GEOADD", "g", "GT", 1, 2, "m")).toEqual(SYNTAX);
    expect(run("GEOADD", "g", "GT", 1, "m")).toEqual(error("ERR value is not a valid float"));
    expect(run("GEOADD", "g", 1, "x", "m")).toEqual(error("ERR value is not a valid float"));
    expect(run("GEOADD", "g", 200, 100, "m")).toEqual(error("ERR invalid longitude,latitude pair 200.000000,100.000000"));
    expect(run("GEOADD", "g", "180.1", "-85.1", "m")).toEqual(error("ERR invalid longitude,latitude pair 180.100000,-85.100000"));
    expect(run("GEOADD", "s", 1, 2, "m")).toEqual(WRONGTYPE);
    expect(journal()).toEqual([]);
  });

  test("is journaled as sent", () => {
    const { run, journal } = setup();
    run("GEOADD", "g", "CH", 1, 2, "m");
    expect(journal()).toEqual([["GEOADD", "g", "CH", "1", "2", "m"]]);
  });
});

describe("GEODIST", () => {
  test("haversine distance with 4 decimals, in m, km, ft or mi", () => {
    const { run } = withCities();
    expect(run("GEODIST", "g", "Palermo", "Catania")).toBe("166274.1516");
    expect(run("GEODIST", "g", "Palermo", "Catania", "km")).toBe("166.2742");
    expect(run("GEODIST", "g", "Paris", "London", "MI")).toBe("212.9744");
    expect(run("GEODIST", "g", "Paris", "London", "ft")).toBe("1124502.2515");
    expect(run("GEODIST", "g", "Paris", "Paris")).toBe("0.0000");
  });

  test("nil for a missing member or key; errors for a bad unit, extra arguments, wrong type", () => {
    const { run } = withCities();
    expect(run("GEODIST", "g", "Paris", "nowhere")).toBeNull();
    expect(run("GEODIST", "missing", "a", "b")).toBeNull();
    expect(run("GEODIST", "g", "Paris", "London", "parsec")).toEqual(error("ERR unsupported unit provided. please use M, KM, FT, MI"));
    expect(run("GEODIST", "g", "Paris", "London", "km", "x")).toEqual(SYNTAX);
    expect(run("GEODIST", "s", "a", "b")).toEqual(WRONGTYPE);
  });
});

describe("GEOHASH", () => {
  test("11-character standard geohashes, nil for missing members", () => {
    const { run } = withCities();
    expect(run("GEOHASH", "g", "Palermo", "Catania", "Paris", "London", "nowhere")).toEqual(["sqc8b49rny0", "sqdtr74hyu0", "u09tvrw3xg0", "gcpvj0dup10", null]);
    expect(run("GEOHASH", "missing", "a")).toEqual([null]);
    expect(run("GEOHASH", "s", "a")).toEqual(WRONGTYPE);
  });
});

describe("GEOPOS", () => {
  test("coordinates decoded from the score, printed as %.17Lf trimmed", () => {
    const { run } = withCities();
    expect(run("GEOPOS", "g", "Palermo", "London", "nowhere")).toEqual([
      ["13.36138933897018433", "38.11555639549629859"],
      ["-0.12775629758834839", "51.50735008547815141"],
      null,
    ]);
    expect(run("GEOPOS", "missing", "a")).toEqual([null]);
    expect(run("GEOPOS", "s", "a")).toEqual(WRONGTYPE);
  });

  test("any score decodes, clamped to the limits, as Redis's cast to uint64 reads it", () => {
    const { run } = setup();
    run("ZADD", "z", "-1", "negative", "1.5", "fraction", "1e300", "huge");
    expect(run("GEOPOS", "z", "fraction", "huge", "negative")).toEqual([
      ["-179.99999731779098511", "-85.05112497791824921"],
      ["-179.99999731779098511", "-85.05112751263942528"],
      ["180", "85.0511287799999991"],
    ]);
  });
});

describe("GEORADIUS", () => {
  test("members within a radius of a point, with distance, hash and coordinates", () => {
    const { run } = withCities();
    expect(run("GEORADIUS", "g", 15, 37, 200, "km", "WITHDIST", "WITHHASH", "WITHCOORD", "ASC")).toEqual([
      ["Catania", "56.4413", 3479447370796909, ["15.08726745843887329", "37.50266842333162032"]],
      ["Palermo", "190.4424", 3479099956230698, ["13.36138933897018433", "38.11555639549629859"]],
    ]);
    expect(run("GEORADIUS", "g", 15, 37, 200, "km", "WITHDIST")).toEqual([
      ["Palermo", "190.4424"],
      ["Catania", "56.4413"],
    ]);
    expect(run("GEORADIUS", "g", 15, 37, 200, "km", "COUNT", 1)).toEqual(["Catania"]);
    expect(run("GEORADIUS", "missing", 15, 37, 200, "km")).toEqual([]);
  });

  // Stored distances print in Redis 7.2+'s shortest form (7.0 printed 56.441257870158204).
  test("STORE keeps the geohash scores, STOREDIST the distances; journaled as sent", () => {
    const { run, journal } = withCities();
    expect(run("GEORADIUS", "g", 15, 37, 200, "km", "STORE", "near")).toBe(2);
    expect(run("ZRANGE", "near", 0, -1, "WITHSCORES")).toEqual(["Palermo", "3479099956230698", "Catania", "3479447370796909"]);
    expect(run("GEORADIUS", "g", 15, 37, 200, "km", "STOREDIST", "near")).toBe(2);
    expect(run("ZRANGE", "near", 0, -1, "WITHSCORES")).toEqual(["Catania", "56.4412578701582", "Palermo", "190.44242984775784"]);
    expect(run("GEORADIUS", "missing", 15, 37, 200, "km", "STORE", "near")).toBe(0);
    expect(run("EXISTS", "near")).toBe(0);
    expect(journal()).toEqual([
      ["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "near"],
      ["GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "near"],
      ["GEORADIUS", "missing", "15", "37", "200", "km", "STORE", "near"],
    ]);
  });

  test("errors in Redis's order", () => {
    const { run } = withCities();
    expect(run("GEORADIUS", "s", "x", 2, 1, "km")).toEqual(WRONGTYPE);
    expect(run("GEORADIUS", "g", "x", 2, 1, "km")).toEqual(error("ERR value is not a valid float"));
    expect(run("GEORADIUS", "g", 1, 2, -1, "km")).toEqual(error("ERR radius cannot be negative"));
    expect(run("GEORADIUS", "g", 1, 2, "x", "km")).toEqual(error("ERR need numeric radius"));
    expect(run("GEORADIUS", "g", 1, 2, 1, "ly")).toEqual(error("ERR unsupported unit provided. please use M, KM, FT, MI"));
    expect(run("GEORADIUS", "g", 1, 2, 1, "km", "COUNT", 0)).toEqual(error("ERR COUNT must be > 0"));
    expect(run("GEORADIUS", "g", 1, 2, 1, "km", "COUNT", "x")).toEqual(error("ERR value is not an integer or out of range"));
    expect(run("GEORADIUS", "g", 1, 2, 1, "km", "ANY")).toEqual(error("ERR the ANY argument requires COUNT argument"));
    expect(run("GEORADIUS", "g", 1, 2, 1, "km", "STORE")).toEqual(SYNTAX);
    expect(run("GEORADIUS", "g", 1, 2, 1, "km", "BYBOX", 1, 1, "km")).toEqual(SYNTAX);
    expect(run("GEORADIUS", "g", 1, 2, 1, "km", "STORE", "x", "WITHDIST")).toEqual(
      error("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
    );
  });
});

describe("GEORADIUS_RO", () => {
  test("searches like GEORADIUS but refuses STORE", () => {
    const { run } = withCities();
    expect(run("GEORADIUS_RO", "g", 15, 37, 200, "km", "ASC")).toEqual(["Catania", "Palermo"]);
    expect(run("GEORADIUS_RO", "g", 15, 37, 200, "km", "STORE", "x")).toEqual(SYNTAX);
  });
});

describe("GEORADIUSBYMEMBER", () => {
  test("centres on a member; a missing key skips the radius but not the options", () => {
    const { run } = withCities();
    expect(run("GEORADIUSBYMEMBER", "g", "Paris", 1000, "km", "STOREDIST", "dd")).toBe(2);
    expect(run("ZRANGE", "dd", 0, -1, "WITHSCORES")).toEqual(["Paris", "0", "London", "342.74828627022566"]);
    expect(run("GEORADIUSBYMEMBER", "missing", "m", "x", "km")).toEqual([]);
    expect(run("GEORADIUSBYMEMBER", "missing", "m", "x", "km", "junk")).toEqual(SYNTAX);
    expect(run("GEORADIUSBYMEMBER", "g", "nowhere", 1, "km")).toEqual(error("ERR could not decode requested zset member"));
  });
});

describe("GEORADIUSBYMEMBER_RO", () => {
  // Found by the differential test: COUNT below the number found sorts with Redis's pqsort,
  // whose order among equal distances is its own (scores below 1 all decode to one spot).
  test("COUNT orders equal distances as redis-server does", () => {
    const { run } = setup();
    run("ZADD", "u", "-2", "f", "-0.25", "a ", "0.125", "a", "0.5", "b", "0.5", "c", "2.5", "e", "3", "", "100", "d", "1000", "10");
    expect(run("GEORADIUSBYMEMBER_RO", "u", "c", 50, "km", "WITHHASH", "COUNT", 4)).toEqual([
      ["a", 0],
      ["b", 0],
      ["c", 0],
      ["e", 2],
    ]);
  });

  test("searches around a member without STORE", () => {
    const { run } = withCities();
    expect(run("GEORADIUSBYMEMBER_RO", "g", "Palermo", 200, "km", "WITHDIST", "ASC")).toEqual([
      ["Palermo", "0.0000"],
      ["Catania", "166.2742"],
    ]);
    expect(run("GEORADIUSBYMEMBER_RO", "g", "Palermo", 200, "km", "STOREDIST", "x")).toEqual(SYNTAX);
  });
});

describe("GEOSEARCH", () => {
  test("by radius or box from a member or a point; COUNT sorts, COUNT ANY takes the first found", () => {
    const { run } = withCities();
    expect(run("GEOSEARCH", "g", "FROMMEMBER", "Paris", "BYRADIUS", 400, "km", "ASC", "WITHDIST")).toEqual([
      ["Paris", "0.0000"],
      ["London", "342.7483"],
    ]);
    expect(run("GEOSEARCH", "g", "FROMLONLAT", 15, 37, "BYBOX", 400, 400, "km", "ASC", "WITHDIST", "WITHHASH")).toEqual([
      ["Catania", "56.4413", 3479447370796909],
      ["Palermo", "190.4424", 3479099956230698],
    ]);
    expect(run("GEOSEARCH", "g", "FROMLONLAT", 0, 0, "BYRADIUS", 10000, "km", "DESC", "COUNT", 2)).toEqual(["London", "Paris"]);
    expect(run("GEOSEARCH", "g", "FROMLONLAT", 0, 0, "BYRADIUS", 10000, "km", "COUNT", 2, "ANY")).toEqual(["Palermo", "Catania"]);
    expect(run("GEOSEARCH", "missing", "FROMMEMBER", "x", "BYBOX", 1, 1, "km")).toEqual([]);
  });

  test("errors, naming the command as it was sent", () => {
    const { run } = withCities();
    expect(run("geosearch", "g", "FROMLONLAT", 1, 2, "asc", "desc", "any")).toEqual(error("ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch"));
    expect(run("GEOSEARCH", "g", "BYRADIUS", 1, "km", "BYRADIUS", 1, "km", "ASC")).toEqual(error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"));
    expect(run("GEOSEARCH", "g", "FROMLONLAT", 1, 2, "FROMMEMBER", "m", "BYRADIUS", 1, "km")).toEqual(SYNTAX);
    expect(run("GEOSEARCH", "g", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "BYBOX", 1, 1, "km")).toEqual(SYNTAX);
    expect(run("GEOSEARCH", "g", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "STORE", "d")).toEqual(SYNTAX);
    expect(run("GEOSEARCH", "g", "FROMLONLAT", 1, 2, "BYBOX", 1, "x", "km")).toEqual(error("ERR need numeric height"));
    expect(run("GEOSEARCH", "g", "FROMLONLAT", 1, 2, "BYBOX", "x", 1, "km")).toEqual(error("ERR need numeric width"));
    expect(run("GEOSEARCH", "g", "FROMLONLAT", 1, 2, "BYBOX", 1, -1, "km")).toEqual(error("ERR height or width cannot be negative"));
    expect(run("GEOSEARCH", "g", "FROMMEMBER", "nowhere", "BYBOX", 1, 1, "km")).toEqual(error("ERR could not decode requested zset member"));
    expect(run("GEOSEARCH", "s", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km")).toEqual(WRONGTYPE);
  });
});

describe("GEOSEARCHSTORE", () => {
  test("stores members (or distances with STOREDIST); an empty result deletes the destination", () => {
    const { run, journal } = withCities();
    expect(run("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", 15, 37, "BYRADIUS", 200, "km", "STOREDIST")).toBe(2);
    expect(run("ZRANGE", "d", 0, -1, "WITHSCORES")).toEqual(["Catania", "56.4412578701582", "Palermo", "190.44242984775784"]);
    expect(run("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", 15, 37, "BYRADIUS", 200, "km", "COUNT", 1)).toBe(1);
    expect(run("ZRANGE", "d", 0, -1, "WITHSCORES")).toEqual(["Catania", "3479447370796909"]);
    expect(run("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", 0, 0, "BYRADIUS", 1, "m")).toBe(0);
    expect(run("EXISTS", "d")).toBe(0);
    expect(journal().length).toBe(3);
  });

  test("errors: WITH* options, STORE, the source's type", () => {
    const { run } = withCities();
    expect(run("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "WITHDIST")).toEqual(
      error("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
    );
    expect(run("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "STORE", "x")).toEqual(SYNTAX);
    expect(run("GEOSEARCHSTORE", "d", "s", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km")).toEqual(WRONGTYPE);
  });
});
