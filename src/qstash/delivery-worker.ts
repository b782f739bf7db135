// One delivery worker thread (see delivery.ts): receives batches of jobs, makes each attempt
// (attempt.ts) and posts the results back, batched per turn since each postMessage has a fixed
// cost. It says "ready" once loaded, so the pool can tell a worker that cannot start. It runs
// below the main thread's priority (thread-priority.ts), so deliveries never crowd out the API.

import type { DeliveryJob } from "./delivery.ts";
import { attempt, Signers } from "./attempt.ts";
import { DestinationPolicy, type DestinationRules } from "./destinations.ts";
import type { AttemptResult } from "./outcome.ts";
import { BACKGROUND_NICENESS, lowerThreadPriority } from "./thread-priority.ts";

declare const self: Worker;

let policy = DestinationPolicy.allowAll();
const signers = new Signers();
let finished: { jobId: number; result: AttemptResult }[] = [];
let postScheduled = false;

function report(jobId: number, result: AttemptResult): void {
  finished.push({ jobId, result });
  if (postScheduled) return;
  postScheduled = true;
  setImmediate(() => {
    postScheduled = false;
    const results = finished;
    finished = [];
    const transfer = results.filter(({ result }) => result.body.byteLength > 0).map(({ result }) => result.body.buffer as ArrayBuffer);
    self.postMessage({ type: "results", results }, transfer);
  });
}

self.onmessage = (event: MessageEvent<{ type: "init"; rules: DestinationRules } | { type: "jobs"; jobs: DeliveryJob[] }>) => {
  const message = event.data;
  if (message.type === "init") {
    policy = new DestinationPolicy(message.rules);
    lowerThreadPriority(BACKGROUND_NICENESS);
    self.postMessage({ type: "ready" });
    return;
  }
  for (const job of message.jobs) void attempt(job, policy, signers).then((result) => report(job.jobId, result));
};
