// Proves the geohash port: scores and geohash strings equal those redis-server computed for the
// same positions, any score decodes as Redis's uint64 cast reads it, the 9-cell search finds
// exactly the points a brute-force distance filter finds (away from the antimeridian, where Redis
// itself misses some), and the partial quicksort puts the k nearest first, on seeded random data.

import { describe, expect, test } from "bun:test";
import { SeededRandom, randomInt } from "../../util/random.ts";
import {
  type GeoPoint,
  type GeoShape,
  decodeScore,
  doubleToUint64,
  geohashDistance,
  geohashString,
  pointsInShape,
  positionScore,
  sortByDistance,
} from "./geohash.ts";
import { partialQuicksort } from "../../util/pqsort.ts";
import { SortedSet } from "./sorted-set.ts";

describe("positions as scores", () => {
  test("scores and geohash strings are redis-server's", () => {
    const cities: [number, number, number, string][] = [
      [13.361389, 38.115556, 3479099956230698, "sqc8b49rny0"],
      [15.087269, 37.502669, 3479447370796909, "sqdtr74hyu0"],
      [2.349014, 48.864716, 3663832805879806, "u09tvrw3xg0"],
      [-0.127758, 51.507351, 2163557714754256, "gcpvj0dup10"],
    ];
    for (const [longitude, latitude, score, hash] of cities) {
      expect(positionScore(longitude, latitude)).toBe(score);
      expect(geohashString(score)).toBe(hash);
    }
  });

  test("decoding lands within half a cell of the position (about 0.6 m at most)", () => {
    const random = new SeededRandom(3);
    for (let i = 0; i < 2000; i++) {
      const longitude = random.next() * 360 - 180;
      const latitude = random.next() * 170.1 - 85.05;
      const [decodedLongitude, decodedLatitude] = decodeScore(positionScore(longitude, latitude));
      expect(geohashDistance(longitude, latitude, decodedLongitude, decodedLatitude)).toBeLessThan(1);
    }
  });

  test("C's (uint64_t) cast of odd scores: negatives wrap, beyond 2^64 and infinities as gcc's code gives", () => {
    expect([doubleToUint64(1.5), doubleToUint64(-1), doubleToUint64(2 ** 63), doubleToUint64(1e300), doubleToUint64(-Infinity), doubleToUint64(-1e300)]).toEqual([
      1n,
      18446744073709551615n,
      9223372036854775808n,
      0n,
      9223372036854775808n,
      9223372036854775808n,
    ]);
  });
});

describe("the 9-cell search", () => {
  function randomSet(seed: number, count: number): { set: SortedSet; points: [string, number, number][] } {
    const random = new SeededRandom(seed);
    const set = new SortedSet();
    const points: [string, number, number][] = [];
    for (let i = 0; i < count; i++) {
      // Clustered around a few centres, so searches of all sizes find something.
      const centre = [[13.4, 38.1], [2.35, 48.86], [-73.9, 40.7], [179.5, -80]][i % 4]!;
      const longitude = Math.max(-180, Math.min(180, centre[0]! + (random.next() - 0.5) * 6));
      const latitude = Math.max(-85, Math.min(85, centre[1]! + (random.next() - 0.5) * 6));
      const score = positionScore(longitude, latitude);
      set.set(`p${i}`, score);
      const [decodedLongitude, decodedLatitude] = decodeScore(score);
      points.push([`p${i}`, decodedLongitude, decodedLatitude]);
    }
    return { set, points };
  }

  test("radius and box searches find exactly what a brute-force filter finds (a subset near 180°)", () => {
    const { set, points } = randomSet(11, 2000);
    const random = new SeededRandom(12);
    for (let query = 0; query < 300; query++) {
      const [, longitude, latitude] = points[randomInt(random, points.length)]!;
      const unitMeters = [1, 1000, 1609.34][randomInt(random, 3)]!;
      const size = [0.5, 5, 50, 300, 2000][randomInt(random, 5)]! * (1000 / unitMeters);
      const shape: GeoShape =
        query % 2 === 0
          ? { kind: "radius", longitude, latitude, unitMeters, radius: size }
          : { kind: "box", longitude, latitude, unitMeters, width: size * 2, height: size };
      const found = pointsInShape(set, shape).map((point) => point.member).sort();
      const expected = points
        .filter(([, x, y]) => {
          if (shape.kind === "radius") return geohashDistance(longitude, latitude, x, y) <= shape.radius * unitMeters;
          const latitudeMeters = geohashDistance(x, y, x, latitude);
          const longitudeMeters = geohashDistance(x, y, longitude, y);
          return latitudeMeters <= (shape.height * unitMeters) / 2 && longitudeMeters <= (shape.width * unitMeters) / 2;
        })
        .map(([member]) => member)
        .sort();
      if (longitude > 170) {
        // compat: east of 180° Redis's neighbour cells wrap to the far west, so near the
        // antimeridian it misses points (redis-server gives the same answers): a subset only.
        expect(found.filter((member) => !expected.includes(member))).toEqual([]);
      } else {
        expect({ query, found }).toEqual({ query, found: expected });
      }
    }
  });

  test("a limit (ANY) stops the search once enough points were found", () => {
    const { set, points } = randomSet(5, 400);
    const [, longitude, latitude] = points[0]!;
    const shape: GeoShape = { kind: "radius", longitude, latitude, unitMeters: 1000, radius: 5000 };
    expect(pointsInShape(set, shape, 3).length).toBe(3);
    expect(pointsInShape(set, shape).length).toBeGreaterThan(3);
  });
});

describe("ordering by distance", () => {
  const point = (member: string, distanceMeters: number): GeoPoint => ({ member, score: 0, longitude: 0, latitude: 0, distanceMeters });

  test("partialQuicksort puts the k smallest first, in order, and loses nothing", () => {
    const random = new SeededRandom(21);
    for (let round = 0; round < 300; round++) {
      const length = 1 + randomInt(random, 120);
      const items = Array.from({ length }, (_, i) => point(`p${i}`, randomInt(random, 30)));
      const wanted = 1 + randomInt(random, length);
      const sorted = items.map((item) => item.distanceMeters).sort((a, b) => a - b);
      partialQuicksort(items, (a, b) => (a.distanceMeters > b.distanceMeters ? 1 : a.distanceMeters === b.distanceMeters ? 0 : -1), 0, wanted - 1);
      expect(items.slice(0, wanted).map((item) => item.distanceMeters)).toEqual(sorted.slice(0, wanted));
      expect(new Set(items.map((item) => item.member)).size).toBe(length);
    }
  });

  // Expected orders came from a C build of Redis 7's pqsort.c; the first is what redis-server
  // answered where an older pqsort (with its insertion-sort switch) would differ.
  test("partialQuicksort orders ties exactly as Redis's pqsort does", () => {
    const vectors: [number, number[], string][] = [
      [4, [0, 0, 0, 1, 2, 3, 4], "p0 p1 p2 p3 p4 p5 p6"],
      [3, [0, 3, 3, 3, 1, 1, 1], "p0 p4 p5 p6 p3 p1 p2"],
      [5, [3, 1, 3, 0, 1, 2, 3, 0, 1, 2, 3, 1], "p7 p3 p8 p4 p11 p1 p9 p5 p6 p2 p0 p10"],
      [2, [2, 2, 2, 2, 2, 2, 2, 2, 1], "p8 p1 p2 p3 p0 p5 p6 p7 p4"],
      [
        10,
        Array.from({ length: 45 }, (_, i) => (i * 7) % 5),
        "p40 p20 p5 p25 p0 p10 p30 p15 p35 p8 p33 p3 p43 p38 p23 p18 p28 p13 p26 p6 p31 p11 p41 p16 p1 p21 p36 p44 p4 p9 p14 p19 p24 p29 p34 p39 p27 p37 p22 p2 p17 p12 p42 p7 p32",
      ],
    ];
    for (const [wanted, distances, expected] of vectors) {
      const items = distances.map((distance, i) => point(`p${i}`, distance));
      sortByDistance(items, "asc", wanted);
      expect(items.map((item) => item.member).join(" ")).toBe(expected);
    }
  });

  test("a full sort is stable: equal distances keep the order they were found in", () => {
    const items = [point("a", 2), point("b", 1), point("c", 2), point("d", 1)];
    sortByDistance(items, "asc", 4);
    expect(items.map((item) => item.member)).toEqual(["b", "d", "a", "c"]);
    sortByDistance(items, "desc", 4);
    expect(items.map((item) => item.member)).toEqual(["a", "c", "b", "d"]);
  });
});
