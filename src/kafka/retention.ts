// Retention by time and size (cleanup.policy contains "delete"), as Kafka's UnifiedLog
// deleteOldSegments decides it (spec/kafka.md §6.6): whole segments, only from the log's start,
// stopping at the first segment that must stay. Pure: the log applies the decision.

export interface RetentionSegment {
  baseOffset: number;
  nextOffset: number;
  sizeBytes: number;
  /** Newest record timestamp in the segment; -1 when empty. */
  maxTimestamp: number;
}

export interface RetentionLimits {
  /** -1: no time limit. */
  retentionMs: number;
  /** Per partition; -1: no size limit. */
  retentionBytes: number;
}

/**
 * How many leading segments retention deletes. A segment goes when its newest record is older
 * than retention.ms, or while the partition stays at or above retention.bytes without it. The
 * active (last) segment counts too unless it is empty; when every segment goes, the log rolls a
 * new empty one first, so offsets continue. Only segments below `highWatermark` (fully committed)
 * can go.
 */
export function segmentsToDelete(segments: readonly RetentionSegment[], limits: RetentionLimits, nowMs: number, highWatermark: number): number {
  const byTime = limits.retentionMs < 0 ? 0 : leadingCount(segments, highWatermark, (segment) => nowMs - segment.maxTimestamp > limits.retentionMs);
  let byteExcess = limits.retentionBytes < 0 ? -1 : segments.reduce((total, segment) => total + segment.sizeBytes, 0) - limits.retentionBytes;
  const bySize =
    limits.retentionBytes < 0
      ? 0
      : leadingCount(segments, highWatermark, (segment) => {
          if (byteExcess - segment.sizeBytes < 0) return false;
          byteExcess -= segment.sizeBytes;
          return true;
        });
  return Math.max(byTime, bySize);
}

function leadingCount(segments: readonly RetentionSegment[], highWatermark: number, shouldDelete: (segment: RetentionSegment) => boolean): number {
  let count = 0;
  for (const [index, segment] of segments.entries()) {
    const isLastAndEmpty = index === segments.length - 1 && segment.sizeBytes === 0;
    if (isLastAndEmpty || segment.nextOffset > highWatermark || !shouldDelete(segment)) break;
    count++;
  }
  return count;
}
