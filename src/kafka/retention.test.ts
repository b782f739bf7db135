// Proves retention deletes whole segments from the log's start only, by time (newest record older
// than retention.ms) and by size (while the partition stays at or above retention.bytes), never an
// uncommitted or empty active segment, as Kafka's UnifiedLog.deleteOldSegments does.

import { describe, expect, test } from "bun:test";
import { segmentsToDelete, type RetentionSegment } from "./retention.ts";

const segment = (baseOffset: number, nextOffset: number, sizeBytes: number, maxTimestamp: number): RetentionSegment => ({ baseOffset, nextOffset, sizeBytes, maxTimestamp });

describe("segmentsToDelete", () => {
  const segments = [segment(0, 10, 100, 1000), segment(10, 20, 100, 5000), segment(20, 30, 100, 2000), segment(30, 35, 50, 9000)];

  test("by time: a leading run of expired segments, stopping at the first that must stay", () => {
    // At 7000 with 3000 ms: segment 0 (1000) and segment 2 (2000) are old, but segment 1 (5000) is not.
    expect(segmentsToDelete(segments, { retentionMs: 3000, retentionBytes: -1 }, 7000, 35)).toBe(1);
    expect(segmentsToDelete(segments, { retentionMs: 1000, retentionBytes: -1 }, 7000, 35)).toBe(3);
  });

  test("by time: every segment, the active one too, once all are expired", () => {
    expect(segmentsToDelete(segments, { retentionMs: 1000, retentionBytes: -1 }, 20_000, 35)).toBe(4);
  });

  test("by size: while what remains stays at or above retention.bytes", () => {
    // 350 bytes over a 200 limit: an excess of 150 covers one 100-byte segment, not a second.
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: 200 }, 0, 35)).toBe(1);
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: 100 }, 0, 35)).toBe(2);
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: 0 }, 0, 35)).toBe(4);
  });

  test("-1 disables each limit", () => {
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: -1 }, 1e12, 35)).toBe(0);
  });

  test("never deletes past the high watermark, nor an empty active segment", () => {
    expect(segmentsToDelete(segments, { retentionMs: 1000, retentionBytes: -1 }, 20_000, 15)).toBe(1);
    const withEmptyActive = [segment(0, 10, 100, 1000), segment(10, 10, 0, -1)];
    expect(segmentsToDelete(withEmptyActive, { retentionMs: 1, retentionBytes: -1 }, 20_000, 10)).toBe(1);
  });
});
