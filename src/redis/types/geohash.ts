// Redis's geo math (geohash.c, geohash_helper.c, the search half of geo.c), ported operation for
// operation so scores, cells, distances and the order points are found in match Redis exactly.
// A position is stored as a sorted-set score: the 26-bit latitude and longitude cell indexes
// interleaved (latitude in the even bits) into a 52-bit integer, exact in a double. Searches
// look at the centre cell and its 8 neighbours at a step chosen from the radius, then filter by
// the real distance (haversine on Redis's earth radius). Knows nothing about commands.
//
// The 64-bit masks of the neighbour moves and the C conversion of any double score to uint64
// (a user may ZADD any score to a key GEOPOS then reads) use BigInt; the per-point decode, which
// runs for every candidate of a search, splits the 52 bits into two 32-bit halves instead.

import { partialQuicksort } from "../../util/pqsort.ts";
import { type ScoreRange, type SortedEntry, type SortedSet, scoreAtMostMax } from "./sorted-set.ts";

export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
export const GEO_STEP_MAX = 26;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const DEGREES_TO_RADIANS = Math.PI / 180.0;
const GEOHASH_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

/** A cell: `step` bits of each coordinate interleaved; step 0 with bits 0 is "no cell" (GZERO). */
export interface GeoHashBits {
  bits: bigint;
  step: number;
}

interface Range {
  min: number;
  max: number;
}

export interface GeoArea {
  longitude: Range;
  latitude: Range;
}

const wgs84Longitude: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const wgs84Latitude: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

const degToRad = (degrees: number) => degrees * DEGREES_TO_RADIANS;
const radToDeg = (radians: number) => radians / DEGREES_TO_RADIANS;

// ---- bit interleaving -------------------------------------------------------------------------

function spreadBits16(value: number): number {
  let x = value & 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x >>> 0;
}

function squeezeBits32(value: number): number {
  let x = value & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x >>> 0;
}

/** Redis interleave64(x, y): x's 32 bits in the even positions, y's in the odd. */
function interleave64(x: number, y: number): bigint {
  const low = (spreadBits16(x) | (spreadBits16(y) << 1)) >>> 0;
  const high = (spreadBits16(x >>> 16) | (spreadBits16(y >>> 16) << 1)) >>> 0;
  return (BigInt(high) << 32n) | BigInt(low);
}

/** Redis deinterleave64: [even bits, odd bits] of a 64-bit value. */
function deinterleave64(value: bigint): [number, number] {
  const low = Number(value & 0xffffffffn);
  const high = Number(value >> 32n);
  return deinterleaveHalves(low, high);
}

function deinterleaveHalves(low: number, high: number): [number, number] {
  const even = (squeezeBits32(low) | (squeezeBits32(high) << 16)) >>> 0;
  const odd = (squeezeBits32(low >>> 1) | (squeezeBits32(high >>> 1) << 16)) >>> 0;
  return [even, odd];
}

// ---- encode and decode (geohash.c) ------------------------------------------------------------

/** C's truncating double -> uint32 conversion, for offsets already inside [0, 2^32). */
const toUint32 = (value: number) => Math.trunc(value) >>> 0;

/**
 * Redis geohashEncode: the cell of a position at `step` bits per coordinate, or undefined when
 * the position lies outside Redis's limits or the given ranges.
 */
export function geohashEncode(longitudeRange: Range, latitudeRange: Range, longitude: number, latitude: number, step: number): GeoHashBits | undefined {
  if (step > 32 || step === 0) return undefined;
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return undefined;
  if (latitude < latitudeRange.min || latitude > latitudeRange.max || longitude < longitudeRange.min || longitude > longitudeRange.max) return undefined;
  let latitudeOffset = (latitude - latitudeRange.min) / (latitudeRange.max - latitudeRange.min);
  let longitudeOffset = (longitude - longitudeRange.min) / (longitudeRange.max - longitudeRange.min);
  latitudeOffset *= 2 ** step;
  longitudeOffset *= 2 ** step;
  return { bits: interleave64(toUint32(latitudeOffset), toUint32(longitudeOffset)), step };
}

/** Redis geohashDecode: the area a cell covers. */
export function geohashDecode(longitudeRange: Range, latitudeRange: Range, hash: GeoHashBits): GeoArea {
  const [latitudeIndex, longitudeIndex] = deinterleave64(hash.bits);
  return areaOf(longitudeRange, latitudeRange, latitudeIndex, longitudeIndex, hash.step);
}

function areaOf(longitudeRange: Range, latitudeRange: Range, latitudeIndex: number, longitudeIndex: number, step: number): GeoArea {
  const cells = 2 ** step;
  const latitudeScale = latitudeRange.max - latitudeRange.min;
  const longitudeScale = longitudeRange.max - longitudeRange.min;
  return {
    latitude: {
      min: latitudeRange.min + (latitudeIndex / cells) * latitudeScale,
      max: latitudeRange.min + ((latitudeIndex + 1) / cells) * latitudeScale,
    },
    longitude: {
      min: longitudeRange.min + (longitudeIndex / cells) * longitudeScale,
      max: longitudeRange.min + ((longitudeIndex + 1) / cells) * longitudeScale,
    },
  };
}

/** Redis geohashDecodeAreaToLongLat: the centre of an area, clamped to Redis's limits. */
function areaCentre(area: GeoArea): [number, number] {
  let longitude = (area.longitude.min + area.longitude.max) / 2;
  if (longitude > GEO_LONG_MAX) longitude = GEO_LONG_MAX;
  if (longitude < GEO_LONG_MIN) longitude = GEO_LONG_MIN;
  let latitude = (area.latitude.min + area.latitude.max) / 2;
  if (latitude > GEO_LAT_MAX) latitude = GEO_LAT_MAX;
  if (latitude < GEO_LAT_MIN) latitude = GEO_LAT_MIN;
  return [longitude, latitude];
}

/** The sorted-set score of a valid position (GEOADD): its step-26 cell aligned to 52 bits. */
export function positionScore(longitude: number, latitude: number): number {
  const hash = geohashEncode(wgs84Longitude, wgs84Latitude, longitude, latitude, GEO_STEP_MAX)!;
  return Number(align52Bits(hash));
}

const TWO_POW_63 = 2 ** 63;
const TWO_POW_64 = 2n ** 64n;
const INT64_INDEFINITE = 1n << 63n;

/**
 * C's (uint64_t) of a double as gcc compiles it for x86-64: truncation for [0, 2^64), a negative
 * value wraps modulo 2^64, and what cvttsd2si cannot represent becomes 2^63 (or 0 above 2^64).
 */
export function doubleToUint64(value: number): bigint {
  if (value >= TWO_POW_63) {
    if (value >= 2 ** 64) return 0n; // indefinite ^ 2^63
    return BigInt(Math.trunc(value - TWO_POW_63)) ^ INT64_INDEFINITE;
  }
  if (!(value >= -TWO_POW_63)) return INT64_INDEFINITE; // below int64, -inf, NaN
  const truncated = BigInt(Math.trunc(value));
  return truncated < 0n ? truncated + TWO_POW_64 : truncated;
}

/** Redis decodeGeohash: the [longitude, latitude] a score stands for (GEOPOS, searches). */
export function decodeScore(score: number): [number, number] {
  let low: number;
  let high: number;
  if (score >= 0 && score < 2 ** 53 && Number.isInteger(score)) {
    low = score % 2 ** 32;
    high = Math.floor(score / 2 ** 32);
  } else {
    const bits = doubleToUint64(score);
    low = Number(bits & 0xffffffffn);
    high = Number(bits >> 32n);
  }
  const [latitudeIndex, longitudeIndex] = deinterleaveHalves(low, high);
  return areaCentre(areaOf(wgs84Longitude, wgs84Latitude, latitudeIndex, longitudeIndex, GEO_STEP_MAX));
}

/** GEOHASH's 11-character standard geohash of a score (re-encoded over ±90° latitude). */
export function geohashString(score: number): string {
  const [longitude, latitude] = decodeScore(score);
  const hash = geohashEncode({ min: -180, max: 180 }, { min: -90, max: 90 }, longitude, latitude, GEO_STEP_MAX);
  const bits = hash?.bits ?? 0n;
  let out = "";
  for (let i = 0; i < 11; i++) {
    // Only 52 bits exist; the 11th character has always been '0' for compatibility.
    const index = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    out += GEOHASH_ALPHABET[index];
  }
  return out;
}

function align52Bits(hash: GeoHashBits): bigint {
  return hash.bits << BigInt(52 - hash.step * 2);
}

// ---- neighbours (geohash_move_x / geohash_move_y) ---------------------------------------------

const EVEN_MASK = 0x5555555555555555n;
const ODD_MASK = 0xaaaaaaaaaaaaaaaan;
const U64 = (value: bigint) => BigInt.asUintN(64, value);

function move(hash: GeoHashBits, direction: number, axisMask: bigint, otherMask: bigint): GeoHashBits {
  if (direction === 0) return hash;
  const shift = BigInt(64 - hash.step * 2);
  let axis = hash.bits & axisMask;
  const other = hash.bits & otherMask;
  const filler = otherMask >> shift;
  if (direction > 0) axis = U64(axis + (filler + 1n));
  else {
    axis |= filler;
    axis = U64(axis - (filler + 1n));
  }
  axis &= axisMask >> shift;
  return { bits: axis | other, step: hash.step };
}

// Longitude occupies the odd bits, latitude the even ones.
const moveX = (hash: GeoHashBits, direction: number) => move(hash, direction, ODD_MASK, EVEN_MASK);
const moveY = (hash: GeoHashBits, direction: number) => move(hash, direction, EVEN_MASK, ODD_MASK);

export interface Neighbours {
  north: GeoHashBits;
  south: GeoHashBits;
  east: GeoHashBits;
  west: GeoHashBits;
  northEast: GeoHashBits;
  northWest: GeoHashBits;
  southEast: GeoHashBits;
  southWest: GeoHashBits;
}

function neighboursOf(hash: GeoHashBits): Neighbours {
  return {
    east: moveY(moveX(hash, 1), 0),
    west: moveY(moveX(hash, -1), 0),
    south: moveY(moveX(hash, 0), -1),
    north: moveY(moveX(hash, 0), 1),
    northWest: moveY(moveX(hash, -1), 1),
    northEast: moveY(moveX(hash, 1), 1),
    southEast: moveY(moveX(hash, 1), -1),
    southWest: moveY(moveX(hash, -1), -1),
  };
}

const ZERO: GeoHashBits = { bits: 0n, step: 0 };
const isZero = (hash: GeoHashBits) => hash.bits === 0n && hash.step === 0;

// ---- distances (geohash_helper.c, 7.2+) -------------------------------------------------------

function latitudeDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degToRad(lat2) - degToRad(lat1));
}

/** Haversine great-circle distance in meters between two [longitude, latitude] positions. */
export function geohashDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degToRad(lon1);
  const lon2r = degToRad(lon2);
  const v = Math.sin((lon2r - lon1r) / 2);
  // Same meridian: the cheaper formula, as Redis takes it.
  if (v === 0.0) return latitudeDistance(lat1, lat2);
  const lat1r = degToRad(lat1);
  const lat2r = degToRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

// ---- search shapes and the 9-cell search (geohash_helper.c, geo.c) ----------------------------

/** A search area around a centre: a radius, or an axis-aligned box, in `unitMeters` units. */
export type GeoShape =
  | { kind: "radius"; longitude: number; latitude: number; unitMeters: number; radius: number }
  | { kind: "box"; longitude: number; latitude: number; unitMeters: number; width: number; height: number };

function estimateStepsByRadius(rangeMeters: number, latitude: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2; // make sure the range is included in most of the base cases
  // Cells narrow towards the poles.
  if (latitude > 66 || latitude < -66) {
    step--;
    if (latitude > 80 || latitude < -80) step--;
  }
  return Math.min(26, Math.max(1, step));
}

/** Redis geohashBoundingBox: [min lon, min lat, max lon, max lat] of the shape. */
function boundingBox(shape: GeoShape): [number, number, number, number] {
  const { longitude, latitude } = shape;
  const height = shape.unitMeters * (shape.kind === "radius" ? shape.radius : shape.height / 2);
  const width = shape.unitMeters * (shape.kind === "radius" ? shape.radius : shape.width / 2);
  const latitudeDelta = radToDeg(height / EARTH_RADIUS_IN_METERS);
  const longitudeDeltaTop = radToDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degToRad(latitude + latitudeDelta)));
  const longitudeDeltaBottom = radToDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degToRad(latitude - latitudeDelta)));
  // The box is widest at the edge nearer the pole, which flips between hemispheres.
  const southern = latitude < 0;
  const longitudeDelta = southern ? longitudeDeltaBottom : longitudeDeltaTop;
  return [longitude - longitudeDelta, latitude - latitudeDelta, longitude + longitudeDelta, latitude + latitudeDelta];
}

/** Redis geohashCalculateAreasByShapeWGS84: the centre cell and the neighbours worth searching. */
export function searchCells(shape: GeoShape): GeoHashBits[] {
  const [minLongitude, minLatitude, maxLongitude, maxLatitude] = boundingBox(shape);
  const { longitude, latitude } = shape;
  const radiusMeters =
    shape.unitMeters * (shape.kind === "radius" ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)));
  let steps = estimateStepsByRadius(radiusMeters, latitude);
  const encodeAt = (step: number) => geohashEncode(wgs84Longitude, wgs84Latitude, longitude, latitude, step) ?? { bits: 0n, step };
  let hash = encodeAt(steps);
  let neighbours = neighboursOf(hash);
  let area = geohashDecode(wgs84Longitude, wgs84Latitude, hash);

  // Near a cell edge the estimated step may leave part of the shape outside the 9 cells.
  const decode = (cell: GeoHashBits) => geohashDecode(wgs84Longitude, wgs84Latitude, cell);
  const decreaseStep =
    decode(neighbours.north).latitude.max < maxLatitude ||
    decode(neighbours.south).latitude.min > minLatitude ||
    decode(neighbours.east).longitude.max < maxLongitude ||
    decode(neighbours.west).longitude.min > minLongitude;
  if (steps > 1 && decreaseStep) {
    steps--;
    hash = encodeAt(steps);
    neighbours = neighboursOf(hash);
    area = geohashDecode(wgs84Longitude, wgs84Latitude, hash);
  }

  // Drop the neighbours the shape cannot reach.
  if (steps >= 2) {
    if (area.latitude.min < minLatitude) neighbours = { ...neighbours, south: ZERO, southWest: ZERO, southEast: ZERO };
    if (area.latitude.max > maxLatitude) neighbours = { ...neighbours, north: ZERO, northEast: ZERO, northWest: ZERO };
    if (area.longitude.min < minLongitude) neighbours = { ...neighbours, west: ZERO, southWest: ZERO, northWest: ZERO };
    if (area.longitude.max > maxLongitude) neighbours = { ...neighbours, east: ZERO, southEast: ZERO, northEast: ZERO };
  }
  const n = neighbours;
  return [hash, n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest];
}

/** A member found by a search, with its decoded position and distance in meters from the centre. */
export interface GeoPoint {
  member: string;
  score: number;
  longitude: number;
  latitude: number;
  distanceMeters: number;
}

/** Redis geoWithinShape: the point's position and distance when the shape contains it. */
function withinShape(shape: GeoShape, score: number): GeoPoint | undefined {
  const [longitude, latitude] = decodeScore(score);
  let distanceMeters: number;
  if (shape.kind === "radius") {
    distanceMeters = geohashDistance(shape.longitude, shape.latitude, longitude, latitude);
    if (distanceMeters > shape.radius * shape.unitMeters) return undefined;
  } else {
    const widthMeters = shape.width * shape.unitMeters;
    const heightMeters = shape.height * shape.unitMeters;
    if (latitudeDistance(latitude, shape.latitude) > heightMeters / 2) return undefined;
    if (geohashDistance(longitude, latitude, shape.longitude, latitude) > widthMeters / 2) return undefined;
    distanceMeters = geohashDistance(shape.longitude, shape.latitude, longitude, latitude);
  }
  return { member: "", score, longitude, latitude, distanceMeters };
}

/**
 * Redis membersOfAllNeighbors: the points inside the shape, in the order Redis finds them — cell
 * by cell (centre, N, S, E, W, NE, NW, SE, SW; a cell equal to the one just searched is skipped),
 * by score within a cell. With `limit` > 0 (ANY) the search stops once that many were found.
 */
export function pointsInShape(set: SortedSet, shape: GeoShape, limit = 0): GeoPoint[] {
  const cells = searchCells(shape);
  const found: GeoPoint[] = [];
  let lastProcessed = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (isZero(cell)) continue;
    const last = cells[lastProcessed]!;
    if (lastProcessed !== 0 && cell.bits === last.bits && cell.step === last.step) continue;
    if (found.length > 0 && limit > 0 && found.length >= limit) break;
    collectCell(set, cell, shape, found, limit);
    lastProcessed = i;
  }
  return found;
}

// Redis geoGetPointsInRange over the scores of one cell: [cell << shift, (cell + 1) << shift).
function collectCell(set: SortedSet, cell: GeoHashBits, shape: GeoShape, found: GeoPoint[], limit: number): void {
  const range: ScoreRange = {
    min: Number(align52Bits(cell)),
    max: Number(align52Bits({ bits: cell.bits + 1n, step: cell.step })),
    minExclusive: false,
    maxExclusive: true,
  };
  const first = set.firstInScoreRange(range);
  if (first < 0) return;
  for (const entry of set.walk(first) as Iterable<SortedEntry>) {
    if (!scoreAtMostMax(entry.score, range)) break;
    const point = withinShape(shape, entry.score);
    if (point !== undefined) found.push({ ...point, member: entry.member });
    if (found.length > 0 && limit > 0 && found.length >= limit) break;
  }
}

// ---- ordering results (qsort, and Redis's partial pqsort for COUNT) ---------------------------

export type DistanceOrder = "asc" | "desc";

const compareAscending = (a: GeoPoint, b: GeoPoint) => (a.distanceMeters > b.distanceMeters ? 1 : a.distanceMeters === b.distanceMeters ? 0 : -1);

/**
 * Sorts points by distance as Redis does: the whole array with glibc's stable merge sort when all
 * are returned, else only enough for the first `wanted` with Redis's pqsort (NetBSD quicksort
 * limited to a range), whose order among equal distances is its own.
 */
export function sortByDistance(points: GeoPoint[], order: DistanceOrder, wanted: number): void {
  const compare = order === "asc" ? compareAscending : (a: GeoPoint, b: GeoPoint) => -compareAscending(a, b);
  if (wanted >= points.length) points.sort(compare);
  else partialQuicksort(points, compare, 0, wanted - 1);
}
