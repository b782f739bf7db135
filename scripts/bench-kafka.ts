// `bun scripts/bench-kafka.ts`: Kafka over REST throughput with the official `@upstash/kafka` client
// against the real server (spawned, fresh data dir, default settings). Runs: produce in batches of
// 100 and as single records (100-byte values, every produce acknowledged after its commit);
// consume the same records back with `fetch` and with a consumer group; then compaction of 1
// million records (1,000 keys) while a paced producer measures its latency against idle.
// Writes the "## Kafka" section of BENCHMARKS.md (other sections are left alone).
// Flags: --records <n> (default 200000), --compaction-records <n> (default 1000000), --no-write.

import { join } from "node:path";
import { parseArgs } from "node:util";
import { Kafka } from "@upstash/kafka";
import { startServer, type TestServer } from "../test/harness/server.ts";
import { writeHeadingSection } from "./benchmarks-section.ts";

const repoRoot = join(import.meta.dir, "..");
const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { records: { type: "string" }, "compaction-records": { type: "string" }, "no-write": { type: "boolean" } },
});
const RECORDS = Number(values.records ?? 200_000);
const COMPACTION_RECORDS = Number(values["compaction-records"] ?? 1_000_000);
const PARTITIONS = 4;
const BATCH = 100;
const BATCH_PRODUCERS = 8;
const SINGLE_RECORDS = 20_000;
const SINGLE_PRODUCERS = 32;
const COMPACTION_KEYS = 1000;
const PACED_INTERVAL_MS = 5;
const PACED_SAMPLES = 1000;
const SETTLE_MS = 3000;
const VALUE = "v".repeat(100);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const f = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function admin(server: TestServer, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function produceBatches(kafka: Kafka, topic: string, count: number, key?: (i: number) => string): Promise<number> {
  const producer = kafka.producer();
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: BATCH_PRODUCERS }, async () => {
      while (next < count) {
        const from = next;
        next += BATCH;
        const batch = Array.from({ length: Math.min(BATCH, count - from) }, (_, i) => ({ topic, value: VALUE, ...(key ? { key: key(from + i) } : {}) }));
        await producer.produceMany(batch);
      }
    }),
  );
  return count / ((performance.now() - startedAt) / 1000);
}

async function produceSingles(kafka: Kafka, topic: string, count: number): Promise<{ perSecond: number; p50Ms: number; p99Ms: number }> {
  const producer = kafka.producer();
  let next = 0;
  const latencies: number[] = [];
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: SINGLE_PRODUCERS }, async () => {
      while (next++ < count) {
        const sentAt = performance.now();
        await producer.produce(topic, VALUE);
        latencies.push(performance.now() - sentAt);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { perSecond: count / ((performance.now() - startedAt) / 1000), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function consumeWithFetch(kafka: Kafka, topic: string, count: number): Promise<number> {
  const consumer = kafka.consumer();
  let read = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: PARTITIONS }, async (_, partition) => {
      let offset = 0;
      for (;;) {
        const batch = await consumer.fetch({ topic, partition, offset, timeout: 0 });
        if (batch.length === 0) return;
        read += batch.length;
        offset = batch.at(-1)!.offset + 1;
      }
    }),
  );
  if (read !== count) throw new Error(`fetch read ${read} of ${count}`);
  return count / ((performance.now() - startedAt) / 1000);
}

async function consumeWithGroup(kafka: Kafka, topic: string, count: number): Promise<number> {
  const consumer = kafka.consumer();
  const instances = ["a", "b"];
  const options = { consumerGroupId: "bench", topics: [topic], autoOffsetReset: "earliest" as const, timeout: 0 };
  // Auto-commit (the default) commits positions when the second instance joins and the partitions
  // move, so the two together read every record once.
  let read = 0;
  const startedAt = performance.now();
  await Promise.all(
    instances.map(async (instanceId) => {
      let empty = 0;
      while (empty < 2) {
        const batch = await consumer.consume({ ...options, instanceId });
        read += batch.length;
        empty = batch.length === 0 ? empty + 1 : 0;
      }
    }),
  );
  if (read !== count) throw new Error(`consume read ${read} of ${count}`);
  return count / ((performance.now() - startedAt) / 1000);
}

/** Single produces every PACED_INTERVAL_MS; latencies until `until` resolves (or PACED_SAMPLES taken). */
async function pacedLatencies(kafka: Kafka, topic: string, until?: Promise<unknown>): Promise<number[]> {
  const producer = kafka.producer();
  const latencies: number[] = [];
  let done = false;
  until?.then(() => (done = true));
  const inFlight: Promise<void>[] = [];
  for (let i = 0; until ? !done : i < PACED_SAMPLES; i++) {
    inFlight.push(
      (async () => {
        const sentAt = performance.now();
        await producer.produce(topic, VALUE);
        latencies.push(performance.now() - sentAt);
      })(),
    );
    await Bun.sleep(PACED_INTERVAL_MS);
  }
  await Promise.all(inFlight);
  return latencies.sort((a, b) => a - b);
}

// The cleaner's own tick is an hour: only the clean this script asks for runs, at a known time.
await using server = await startServer({ args: ["--kafka-cleaner-interval-ms", "3600000"] });
const kafka = new Kafka({ url: server.url, username: server.kafka.username, password: server.kafka.password });

await admin(server, "POST", "/admin/kafka/topics", { name: "bench-batch", partitions: PARTITIONS });
await admin(server, "POST", "/admin/kafka/topics", { name: "bench-single", partitions: PARTITIONS });
await admin(server, "POST", "/admin/kafka/topics", { name: "latency", partitions: 1 });
await produceBatches(kafka, "bench-single", 2000); // warm-up
const batchPerSecond = await produceBatches(kafka, "bench-batch", RECORDS);
console.log(`produce, batches of ${BATCH}: ${f(batchPerSecond, 0)} records/s`);
const single = await produceSingles(kafka, "bench-single", SINGLE_RECORDS);
console.log(`produce, single: ${f(single.perSecond, 0)} records/s, p50 ${f(single.p50Ms, 2)} ms, p99 ${f(single.p99Ms, 2)} ms`);
const fetchPerSecond = await consumeWithFetch(kafka, "bench-batch", RECORDS);
console.log(`consume with fetch: ${f(fetchPerSecond, 0)} records/s`);
const groupPerSecond = await consumeWithGroup(kafka, "bench-batch", RECORDS);
console.log(`consume with a group of 2: ${f(groupPerSecond, 0)} records/s`);

await admin(server, "POST", "/admin/kafka/topics", {
  name: "compacted",
  partitions: 1,
  // Segments of 4 MiB, so the log below the active segment is cleanable.
  config: { "cleanup.policy": "compact", "segment.bytes": 4 * 1024 * 1024, "min.cleanable.dirty.ratio": 0.99 },
});
const fillStartedAt = performance.now();
await produceBatches(kafka, "compacted", COMPACTION_RECORDS, (i) => `key-${i % COMPACTION_KEYS}`);
const fillSeconds = (performance.now() - fillStartedAt) / 1000;
console.log(`filled ${COMPACTION_RECORDS} records in ${f(fillSeconds)} s`);
// Let the fill's WAL checkpoint finish, so the baseline is a quiet server.
await Bun.sleep(SETTLE_MS);
const idle = await pacedLatencies(kafka, "latency");
const cleanStartedAt = performance.now();
const clean = admin(server, "POST", "/admin/kafka/topics/compacted/clean") as Promise<{ removed: number }>;
const during = await pacedLatencies(kafka, "latency", clean);
const { removed } = await clean;
const cleanSeconds = (performance.now() - cleanStartedAt) / 1000;
const idleP99 = percentile(idle, 99);
const duringP99 = percentile(during, 99);
console.log(`compaction removed ${removed} in ${f(cleanSeconds)} s; producer p99 idle ${f(idleP99, 2)} ms, during ${f(duringP99, 2)} ms`);

const section = `## Kafka

Generated by \`bun scripts/bench-kafka.ts\` on ${new Date().toISOString()} (${navigator.hardwareConcurrency} CPUs, Bun ${Bun.version}). The real server
(fresh data dir, default settings but an hour-long cleaner tick, \`--fsync everysec\`) and the official \`@upstash/kafka\` 1.3 client in the
benchmark process, over loopback HTTP. Values are 100 bytes; topics have ${PARTITIONS} partitions; every produce is
answered only after its SQLite group commit. Batches: ${BATCH_PRODUCERS} concurrent \`produceMany\` calls of ${BATCH}
records; singles: ${SINGLE_PRODUCERS} concurrent \`produce\` calls. Consume reads the ${f(RECORDS, 0)} batch-produced records
back: \`fetch\` with one reader per partition, and \`consume\` with a group of two instances (500 records per answer).

| Run | records/s | notes |
| --- | ---: | --- |
| produce, batches of ${BATCH} (${f(RECORDS, 0)} records) | ${f(batchPerSecond, 0)} | |
| produce, single records (${f(SINGLE_RECORDS, 0)}) | ${f(single.perSecond, 0)} | p50 ${f(single.p50Ms, 2)} ms, p99 ${f(single.p99Ms, 2)} ms |
| consume, \`fetch\` per partition | ${f(fetchPerSecond, 0)} | |
| consume, consumer group of 2 | ${f(groupPerSecond, 0)} | |

Compaction: ${f(COMPACTION_RECORDS, 0)} records over ${COMPACTION_KEYS} keys (filled in ${f(fillSeconds)} s), then one clean of the whole
log in the cleaner thread (${f(cleanSeconds)} s, ${f(removed, 0)} records removed) while a paced producer sends one record every
${PACED_INTERVAL_MS} ms to another topic; the same producer idle beforehand is the baseline.

| Target | measured | met |
| --- | ---: | :---: |
| ≥ 100,000 records/s produced in batches | ${f(batchPerSecond, 0)} | ${batchPerSecond >= 100_000 ? "yes" : "no"} |
| ≥ 200,000 records/s consumed | ${f(Math.max(fetchPerSecond, groupPerSecond), 0)} | ${Math.max(fetchPerSecond, groupPerSecond) >= 200_000 ? "yes" : "no"} |
| producer p99 during compaction ≤ 2× idle (${f(idleP99, 2)} ms idle) | ${f(duringP99, 2)} ms (${f(duringP99 / idleP99, 2)}×) | ${duringP99 <= 2 * idleP99 ? "yes" : "no"} |
`;
console.log(section);

if (!values["no-write"]) writeHeadingSection(join(repoRoot, "BENCHMARKS.md"), "Kafka", section);
