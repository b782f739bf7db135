// Geo commands (Redis geo.c, 7.4 semantics) over sorted sets: a member's score is its 52-bit
// geohash (types/geohash.ts), so GEOADD is ZADD with computed scores and every zset command
// works on a geo key. Searches look at 9 geohash cells and filter by haversine distance, find
// points in Redis's order and sort them as Redis does, so results, distances (4 decimals) and
// coordinates ("%.17Lf" trimmed, decoded from the score) match byte for byte.
// All of them replay as sent: their effect depends only on the keyspace.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { errors } from "../engine/errors.ts";
import type { Reply } from "../engine/reply.ts";
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  type GeoPoint,
  type GeoShape,
  decodeScore,
  geohashDistance,
  geohashString,
  pointsInShape,
  positionScore,
  sortByDistance,
} from "../types/geohash.ts";
import { SortedSet } from "../types/sorted-set.ts";
import { formatFixedC, formatFixedPoint, formatHumanLongDouble } from "./double-format.ts";
import { addToZset, longOrThrow, readZset, scoreOrThrow, storeZset } from "./zset.ts";

const group = "geo";
const firstKey = { first: 1, last: 1, step: 1 };

// ---- argument helpers (geo.c extract*OrReply) -------------------------------------------------

/** A longitude and latitude inside Redis's limits (±180, ±85.05112878). */
function extractLongitudeLatitude(longitudeText: string, latitudeText: string): [number, number] {
  const longitude = scoreOrThrow(longitudeText);
  const latitude = scoreOrThrow(latitudeText);
  if (longitude < GEO_LONG_MIN || longitude > GEO_LONG_MAX || latitude < GEO_LAT_MIN || latitude > GEO_LAT_MAX) {
    throw errors.invalidLongitudeLatitude(`${formatFixedC(longitude, 6)},${formatFixedC(latitude, 6)}`);
  }
  return [longitude, latitude];
}

/** Meters per unit: m, km, ft, mi (any case). */
function extractUnit(text: string): number {
  switch (text.toLowerCase()) {
    case "m":
      return 1;
    case "km":
      return 1000;
    case "ft":
      return 0.3048;
    case "mi":
      return 1609.34;
    default:
      throw errors.unsupportedUnit();
  }
}

function extractDistance(distanceText: string, unitText: string): { radius: number; unitMeters: number } {
  const radius = scoreOrThrow(distanceText, () => errors.needNumeric("radius"));
  if (radius < 0) throw errors.radiusNegative();
  return { radius, unitMeters: extractUnit(unitText) };
}

function extractBox(widthText: string, heightText: string, unitText: string): { width: number; height: number; unitMeters: number } {
  const width = scoreOrThrow(widthText, () => errors.needNumeric("width"));
  const height = scoreOrThrow(heightText, () => errors.needNumeric("height"));
  if (height < 0 || width < 0) throw errors.boxNegative();
  return { width, height, unitMeters: extractUnit(unitText) };
}

/** A member's decoded position; "could not decode requested zset member" when it is missing. */
function memberPosition(set: SortedSet, member: string): [number, number] {
  const score = set.score(member);
  if (score === undefined) throw errors.undecodableMember();
  return decodeScore(score);
}

const coordinatesReply = ([longitude, latitude]: [number, number]): Reply => [formatHumanLongDouble(longitude), formatHumanLongDouble(latitude)];

// WITHHASH: C's (long long) of the score.
function scoreAsInteger(score: number): number | bigint {
  if (!(Math.abs(score) < 2 ** 63)) return -9223372036854775808n;
  const truncated = Math.trunc(score);
  return Number.isSafeInteger(truncated) ? truncated : BigInt(truncated);
}

// ---- GEOADD, GEODIST, GEOHASH, GEOPOS ---------------------------------------------------------

// GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
function geoaddCommand(ctx: CommandContext, argv: string[]): Reply {
  let nx = false;
  let xx = false;
  let ch = false;
  let index = 2;
  for (; index < argv.length; index++) {
    const word = argv[index]!.toUpperCase();
    if (word === "NX") nx = true;
    else if (word === "XX") xx = true;
    else if (word === "CH") ch = true;
    else break;
  }
  const elements = argv.length - index;
  // Zero triples reach ZADD in Redis, which refuses them with the same syntax error.
  if (elements % 3 !== 0 || (xx && nx) || elements === 0) throw errors.syntax();
  const pairs: [number, string][] = [];
  for (let i = index; i < argv.length; i += 3) {
    const [longitude, latitude] = extractLongitudeLatitude(argv[i]!, argv[i + 1]!);
    pairs.push([positionScore(longitude, latitude), argv[i + 2]!]);
  }
  const outcome = addToZset(ctx, argv[1]!, { nx, xx, gt: false, lt: false, ch, incr: false }, pairs);
  return ch ? outcome.added + outcome.updated : outcome.added;
}

// GEODIST key member1 member2 [M | KM | FT | MI]
function geodistCommand(ctx: CommandContext, argv: string[]): Reply {
  let toMeters = 1;
  if (argv.length === 5) toMeters = extractUnit(argv[4]!);
  else if (argv.length > 5) throw errors.syntax();
  const set = readZset(ctx, argv[1]!);
  const first = set?.score(argv[2]!);
  const second = set?.score(argv[3]!);
  if (first === undefined || second === undefined) return null;
  const [lon1, lat1] = decodeScore(first);
  const [lon2, lat2] = decodeScore(second);
  return formatFixedPoint(geohashDistance(lon1, lat1, lon2, lat2) / toMeters, 4);
}

// GEOHASH key [member [member ...]]
function geohashCommand(ctx: CommandContext, argv: string[]): Reply {
  const set = readZset(ctx, argv[1]!);
  return argv.slice(2).map((member) => {
    const score = set?.score(member);
    return score === undefined ? null : geohashString(score);
  });
}

// GEOPOS key [member [member ...]]
function geoposCommand(ctx: CommandContext, argv: string[]): Reply {
  const set = readZset(ctx, argv[1]!);
  return argv.slice(2).map((member) => {
    const score = set?.score(member);
    return score === undefined ? null : coordinatesReply(decodeScore(score));
  });
}

// ---- searches ---------------------------------------------------------------------------------

interface SearchFlavor {
  /** GEORADIUS: centre and radius from fixed positions. */
  byCoordinates?: boolean;
  /** GEORADIUSBYMEMBER: centre from a member, radius at fixed positions. */
  byMember?: boolean;
  /** The _RO variants: no STORE / STOREDIST. */
  noStore?: boolean;
  /** GEOSEARCH / GEOSEARCHSTORE: FROM* and BY* options. */
  search?: boolean;
  searchStore?: boolean;
}

// GEORADIUS key longitude latitude radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
// GEORADIUSBYMEMBER key member radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
// GEORADIUS_RO / GEORADIUSBYMEMBER_RO: the same without STORE and STOREDIST
// GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius M | KM | FT | MI |
//   BYBOX width height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
// GEOSEARCHSTORE destination source FROMMEMBER member | FROMLONLAT longitude latitude
//   BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI [ASC | DESC]
//   [COUNT count [ANY]] [STOREDIST]
function searchGeneric(flavor: SearchFlavor) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    const sourceIndex = flavor.searchStore ? 2 : 1;
    const set = readZset(ctx, argv[sourceIndex]!);
    let centre: [number, number] | undefined;
    let area: { kind: "radius"; radius: number; unitMeters: number } | { kind: "box"; width: number; height: number; unitMeters: number } | undefined;
    let baseArguments: number;
    let storeKey: string | undefined;
    if (flavor.byCoordinates) {
      baseArguments = 6;
      centre = extractLongitudeLatitude(argv[2]!, argv[3]!);
      area = { kind: "radius", ...extractDistance(argv[4]!, argv[5]!) };
    } else if (flavor.byMember) {
      baseArguments = 5;
      // A missing key still has its options read, so that STORE decides the kind of reply.
      if (set !== undefined) {
        centre = memberPosition(set, argv[2]!);
        area = { kind: "radius", ...extractDistance(argv[3]!, argv[4]!) };
      }
    } else {
      baseArguments = 2;
      if (flavor.searchStore) {
        baseArguments = 3;
        storeKey = argv[1]!;
      }
    }

    let withDistance = false;
    let withHash = false;
    let withCoordinates = false;
    let fromMember = false;
    let fromLonLat = false;
    let byRadius = false;
    let byBox = false;
    let order: "asc" | "desc" | undefined;
    let any = false;
    let count = 0n;
    let storeDistance = false;
    const remaining = argv.length - baseArguments;
    for (let i = 0; i < remaining; i++) {
      const at = baseArguments + i;
      const word = argv[at]!.toLowerCase();
      if (word === "withdist") withDistance = true;
      else if (word === "withhash") withHash = true;
      else if (word === "withcoord") withCoordinates = true;
      else if (word === "any") any = true;
      else if (word === "asc") order = "asc";
      else if (word === "desc") order = "desc";
      else if (word === "count" && i + 1 < remaining) {
        count = longOrThrow(argv[at + 1]!);
        if (count <= 0n) throw errors.countPositive();
        i++;
      } else if ((word === "store" || word === "storedist") && i + 1 < remaining && !flavor.noStore && !flavor.search && !flavor.searchStore) {
        storeKey = argv[at + 1]!;
        storeDistance = word === "storedist";
        i++;
      } else if (word === "storedist" && flavor.searchStore) {
        storeDistance = true;
      } else if (word === "frommember" && i + 1 < remaining && (flavor.search || flavor.searchStore) && !fromLonLat) {
        if (set !== undefined) centre = memberPosition(set, argv[at + 1]!);
        fromMember = true;
        i++;
      } else if (word === "fromlonlat" && i + 2 < remaining && (flavor.search || flavor.searchStore) && !fromMember) {
        centre = extractLongitudeLatitude(argv[at + 1]!, argv[at + 2]!);
        fromLonLat = true;
        i += 2;
      } else if (word === "byradius" && i + 2 < remaining && (flavor.search || flavor.searchStore) && !byBox) {
        area = { kind: "radius", ...extractDistance(argv[at + 1]!, argv[at + 2]!) };
        byRadius = true;
        i += 2;
      } else if (word === "bybox" && i + 3 < remaining && (flavor.search || flavor.searchStore) && !byRadius) {
        area = { kind: "box", ...extractBox(argv[at + 1]!, argv[at + 2]!, argv[at + 3]!) };
        byBox = true;
        i += 3;
      } else {
        throw errors.syntax();
      }
    }

    if (storeKey !== undefined && (withDistance || withHash || withCoordinates)) {
      throw errors.geoStoreWithOptions(flavor.searchStore ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
    }
    if ((flavor.search || flavor.searchStore) && !(fromMember || fromLonLat)) throw errors.geoExactlyOneFrom(argv[0]!);
    if ((flavor.search || flavor.searchStore) && !(byRadius || byBox)) throw errors.geoExactlyOneBy(argv[0]!);
    if (any && count === 0n) throw errors.geoAnyWithoutCount();

    if (set === undefined) {
      if (storeKey === undefined) return [];
      return storeZset(ctx, storeKey, new SortedSet());
    }
    const limit = count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
    // COUNT without an order means the nearest ones; ANY takes the first found instead.
    if (limit !== 0 && order === undefined && !any) order = "asc";
    const shape: GeoShape =
      area!.kind === "radius"
        ? { kind: "radius", longitude: centre![0], latitude: centre![1], unitMeters: area!.unitMeters, radius: area!.radius }
        : { kind: "box", longitude: centre![0], latitude: centre![1], unitMeters: area!.unitMeters, width: area!.width, height: area!.height };
    const points = pointsInShape(set, shape, any ? limit : 0);
    if (points.length === 0 && storeKey === undefined) return [];
    const returned = limit === 0 || points.length < limit ? points.length : limit;
    if (order !== undefined) sortByDistance(points, order, returned);
    const chosen = points.slice(0, returned);
    const distanceIn = (point: GeoPoint) => point.distanceMeters / shape.unitMeters;

    if (storeKey !== undefined) {
      const result = new SortedSet(true);
      for (const point of chosen) result.set(point.member, storeDistance ? distanceIn(point) : point.score);
      result.fitEncodingToContents();
      const stored = storeZset(ctx, storeKey, result);
      // Redis counts one change per stored member.
      if (stored > 1) ctx.dirty += stored - 1;
      return stored;
    }
    if (!withDistance && !withHash && !withCoordinates) return chosen.map((point) => point.member);
    return chosen.map((point) => {
      const item: Reply[] = [point.member];
      if (withDistance) item.push(formatFixedPoint(distanceIn(point), 4));
      if (withHash) item.push(scoreAsInteger(point.score));
      if (withCoordinates) item.push(coordinatesReply([point.longitude, point.latitude]));
      return item;
    });
  };
}

export const geoCommands: CommandSpec[] = [
  { name: "geoadd", arity: -5, flags: ["write", "denyoom"], keys: firstKey, group, summary: "Adds one or more members to a geospatial index. The key is created if it doesn't exist.", since: "3.2.0", run: geoaddCommand },
  { name: "geodist", arity: -4, flags: ["readonly"], keys: firstKey, group, summary: "Returns the distance between two members of a geospatial index.", since: "3.2.0", run: geodistCommand },
  { name: "geohash", arity: -2, flags: ["readonly"], keys: firstKey, group, summary: "Returns members from a geospatial index as geohash strings.", since: "3.2.0", run: geohashCommand },
  { name: "geopos", arity: -2, flags: ["readonly"], keys: firstKey, group, summary: "Returns the longitude and latitude of members from a geospatial index.", since: "3.2.0", run: geoposCommand },
  { name: "georadius", arity: -6, flags: ["write", "denyoom"], keys: firstKey, group, summary: "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.", since: "3.2.0", run: searchGeneric({ byCoordinates: true }) },
  { name: "georadius_ro", arity: -6, flags: ["readonly"], keys: firstKey, group, summary: "Returns members from a geospatial index that are within a distance from a coordinate.", since: "3.2.10", run: searchGeneric({ byCoordinates: true, noStore: true }) },
  { name: "georadiusbymember", arity: -5, flags: ["write", "denyoom"], keys: firstKey, group, summary: "Queries a geospatial index for members within a distance from a member, optionally stores the result.", since: "3.2.0", run: searchGeneric({ byMember: true }) },
  { name: "georadiusbymember_ro", arity: -5, flags: ["readonly"], keys: firstKey, group, summary: "Returns members from a geospatial index that are within a distance from a member.", since: "3.2.10", run: searchGeneric({ byMember: true, noStore: true }) },
  { name: "geosearch", arity: -7, flags: ["readonly"], keys: firstKey, group, summary: "Queries a geospatial index for members inside an area of a box or a circle.", since: "6.2.0", run: searchGeneric({ search: true }) },
  { name: "geosearchstore", arity: -8, flags: ["write", "denyoom"], keys: { first: 1, last: 2, step: 1 }, group, summary: "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.", since: "6.2.0", run: searchGeneric({ searchStore: true }) },
];
