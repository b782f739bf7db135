// Lowers the OS scheduling priority of the calling worker thread. Delivery workers and the
// store's writer thread run at a higher nice value than the main thread, so when the CPUs are
// short (deliveries flat out on a small machine) the main thread, which serves every API request,
// runs first and deliveries and their commits take the rest; on an idle machine nothing changes. Linux gives each thread its own nice value; on
// other systems this does nothing.

import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/**
 * How far below the main thread delivery workers and the store's writer run (nice 0 → 5: about a third of its share).
 * Measured on 2 CPUs with deliveries flat out: 10 kept API latency nearer idle (1.13× against
 * 1.25×) but let 64 eager publishers outrun deliveries (p50 publish→delivery 22–34 ms against 10.5).
 */
export const BACKGROUND_NICENESS = 5;

/** Returns whether the priority was lowered (to `niceness`, or left when already lower). Never touches the main thread. */
export function lowerThreadPriority(niceness: number): boolean {
  if (process.platform !== "linux") return false;
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>": the calling thread's id.
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return false;
    setPriority(tid, Math.max(getPriority(tid), niceness));
    return true;
  } catch {
    return false;
  }
}
