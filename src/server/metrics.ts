// Prometheus metrics without a dependency: counters, gauges and histograms with labels, written in
// the text exposition format 0.0.4 that GET /metrics serves. Every family bounds its label
// combinations: past `seriesMax`, new combinations share one series whose labels all read
// "other", so a bug that feeds unbounded values costs one series, never the process's memory.
// `createNodeMetrics` declares the node's own families; the hot paths (every request, every
// command) hold series handles, so recording is a field increment, not a lookup.

import type { CommandSpec } from "../redis/engine/command.ts";
import type { Database } from "../redis/engine/database.ts";
import { FAST_COMMAND_TIMING_SAMPLE, type CommandObserver } from "../redis/engine/dispatcher.ts";
import type { Clock } from "../util/clock.ts";
import { COMMIT, VERSION } from "../version.ts";

/** Label combinations a family keeps before new ones fold into the "other" series. */
const SERIES_MAX_DEFAULT = 2000;
export const OVERFLOW_LABEL_VALUE = "other";
const NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface FamilyOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
  seriesMax?: number;
}

type FamilyType = "counter" | "gauge" | "histogram";

abstract class Family<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  private readonly seriesMax: number;
  private readonly series = new Map<string, { labelValues: readonly string[]; value: S }>();
  abstract readonly type: FamilyType;

  constructor(options: FamilyOptions) {
    if (!NAME_PATTERN.test(options.name)) throw new Error(`invalid metric name ${options.name}`);
    for (const label of options.labelNames ?? []) {
      if (!LABEL_PATTERN.test(label) || label.startsWith("__") || label === "le") throw new Error(`invalid label name ${label} on ${options.name}`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    this.seriesMax = options.seriesMax ?? SERIES_MAX_DEFAULT;
  }

  protected abstract create(): S;

  /** The series for these label values (in labelNames order), created on first use. */
  protected seriesFor(labelValues: readonly string[]): S {
    if (labelValues.length !== this.labelNames.length) {
      throw new Error(`${this.name} takes ${this.labelNames.length} label values, got ${labelValues.length}`);
    }
    // Label values are identifiers (command names, surfaces, status codes): none holds \u0001.
    let key = labelValues.join("\u0001");
    let found = this.series.get(key);
    if (found !== undefined) return found.value;
    if (this.series.size >= this.seriesMax) {
      labelValues = this.labelNames.map(() => OVERFLOW_LABEL_VALUE);
      key = labelValues.join("\u0001");
      found = this.series.get(key);
      if (found !== undefined) return found.value;
    }
    const value = this.create();
    this.series.set(key, { labelValues: [...labelValues], value });
    return value;
  }

  /** Forgets every series (a gauge refilled at each scrape drops databases that went away). */
  reset(): void {
    this.series.clear();
  }

  get seriesCount(): number {
    return this.series.size;
  }

  protected entries(): Iterable<{ labelValues: readonly string[]; value: S }> {
    return this.series.values();
  }

  protected labelText(labelValues: readonly string[], extra?: [string, string]): string {
    const pairs = labelValues.map((value, i) => `${this.labelNames[i]}="${escapeLabelValue(value)}"`);
    if (extra !== undefined) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
    return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
  }

  expose(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
    for (const { labelValues, value } of this.entries()) this.exposeSeries(lines, labelValues, value);
  }

  protected abstract exposeSeries(lines: string[], labelValues: readonly string[], value: S): void;
}

/** One counter or gauge series: a handle the hot path keeps. */
export class Sample {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

export class Counter extends Family<Sample> {
  readonly type = "counter";

  protected create(): Sample {
    return new Sample();
  }

  labels(...labelValues: string[]): Sample {
    return this.seriesFor(labelValues);
  }

  inc(by = 1, ...labelValues: string[]): void {
    if (by < 0) throw new Error(`${this.name} is a counter: it only goes up`);
    this.seriesFor(labelValues).inc(by);
  }

  protected exposeSeries(lines: string[], labelValues: readonly string[], sample: Sample): void {
    lines.push(`${this.name}${this.labelText(labelValues)} ${formatNumber(sample.value)}`);
  }
}

export class Gauge extends Family<Sample> {
  readonly type = "gauge";

  protected create(): Sample {
    return new Sample();
  }

  labels(...labelValues: string[]): Sample {
    return this.seriesFor(labelValues);
  }

  set(value: number, ...labelValues: string[]): void {
    this.seriesFor(labelValues).value = value;
  }

  protected exposeSeries(lines: string[], labelValues: readonly string[], sample: Sample): void {
    lines.push(`${this.name}${this.labelText(labelValues)} ${formatNumber(sample.value)}`);
  }
}

/** One histogram series: per-bucket counts (not cumulative until exposed), sum and count. */
export class HistogramSample {
  readonly bucketCounts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.bucketCounts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    // Linear: a dozen bounds, and most observations land in the first few.
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    if (i < bounds.length) this.bucketCounts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class Histogram extends Family<HistogramSample> {
  readonly type = "histogram";
  readonly bounds: readonly number[];

  constructor(options: FamilyOptions & { buckets: readonly number[] }) {
    super(options);
    const sorted = [...options.buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) {
      throw new Error(`${options.name} needs distinct finite bucket bounds`);
    }
    this.bounds = sorted;
  }

  protected create(): HistogramSample {
    return new HistogramSample(this.bounds);
  }

  labels(...labelValues: string[]): HistogramSample {
    return this.seriesFor(labelValues);
  }

  observe(value: number, ...labelValues: string[]): void {
    this.seriesFor(labelValues).observe(value);
  }

  protected exposeSeries(lines: string[], labelValues: readonly string[], sample: HistogramSample): void {
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += sample.bucketCounts[i]!;
      lines.push(`${this.name}_bucket${this.labelText(labelValues, ["le", formatNumber(this.bounds[i]!)])} ${formatNumber(cumulative)}`);
    }
    lines.push(`${this.name}_bucket${this.labelText(labelValues, ["le", "+Inf"])} ${formatNumber(sample.count)}`);
    lines.push(`${this.name}_sum${this.labelText(labelValues)} ${formatNumber(sample.sum)}`);
    lines.push(`${this.name}_count${this.labelText(labelValues)} ${formatNumber(sample.count)}`);
  }
}

/** The families of one process, and the hooks that refresh gauges just before a scrape. */
export class Registry {
  private readonly families = new Map<string, Family<unknown>>();
  private readonly collectors: (() => void)[] = [];

  counter(options: FamilyOptions): Counter {
    return this.add(new Counter(options));
  }

  gauge(options: FamilyOptions): Gauge {
    return this.add(new Gauge(options));
  }

  histogram(options: FamilyOptions & { buckets: readonly number[] }): Histogram {
    return this.add(new Histogram(options));
  }

  /** Runs before every exposition: gauges read from live state (keys, LSNs) are set here. */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  /** The text exposition format 0.0.4: HELP and TYPE per family, then its samples. */
  expose(): string {
    for (const collect of this.collectors) collect();
    const lines: string[] = [];
    for (const family of this.families.values()) family.expose(lines);
    return lines.join("\n") + "\n";
  }

  private add<F extends Family<any>>(family: F): F {
    if (this.families.has(family.name)) throw new Error(`metric ${family.name} is declared twice`);
    this.families.set(family.name, family);
    return family;
  }
}

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

// Seconds, as Prometheus wants. Commands run in microseconds; requests add parsing and I/O.
const COMMAND_BUCKETS_SECONDS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 5];
const REQUEST_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10];

/** The surfaces of DESIGN §1, the label of every request metric. */
export type Surface = "redis" | "qstash" | "kafka" | "ops" | "admin" | "replication" | "other";

export type QStashOutcome = "delivered" | "retry" | "failed";

/** The request side of the node's metrics, as the access-log middleware records it. */
export interface RequestMetrics {
  requestFinished(surface: Surface, status: number, durationMs: number): void;
}

export interface NodeMetrics extends RequestMetrics {
  readonly registry: Registry;
  /** Give to `Dispatcher.observer` once recovery is done: replayed commands are not traffic. */
  readonly commands: CommandObserver;
  qstashDelivery(outcome: QStashOutcome): void;
  kafkaRecords(direction: "in" | "out", count: number): void;
}

export interface NodeMetricsDeps {
  databases: () => readonly Database[];
  clock: Clock;
}

// A scrape estimates a database's memory from up to this many keys and scales by the key count,
// so its cost stays bounded however large the keyspace.
const MEMORY_SAMPLE_KEYS_MAX = 10_000;
const SLOT_COUNT = 16384;
// Per-key overhead beyond its bytes: the Map entry, the Entry object and the string headers.
const KEY_OVERHEAD_BYTES = 96;

export function createNodeMetrics(deps: NodeMetricsDeps): NodeMetrics {
  const registry = new Registry();
  const startedAtMs = deps.clock.nowMs();

  registry
    .gauge({ name: "downstash_build_info", help: "Build of this process; always 1.", labelNames: ["version", "commit", "bun"] })
    .set(1, VERSION, COMMIT, Bun.version);
  registry.gauge({ name: "downstash_start_time_seconds", help: "When this process started, in Unix seconds." }).set(startedAtMs / 1000);

  const requests = registry.counter({
    name: "downstash_http_requests_total",
    help: "HTTP requests answered, by surface and status code.",
    labelNames: ["surface", "status"],
  });
  const requestSeconds = registry.histogram({
    name: "downstash_http_request_duration_seconds",
    help: "Time from a request's arrival to its response head, by surface.",
    labelNames: ["surface"],
    buckets: REQUEST_BUCKETS_SECONDS,
  });
  const commandsTotal = registry.counter({
    name: "downstash_commands_total",
    help: "Redis commands run (those inside transactions and scripts included), by command and result (ok or error).",
    labelNames: ["cmd", "result"],
  });
  const commandSeconds = registry.histogram({
    name: "downstash_command_duration_seconds",
    help: `Time a Redis command's handler ran, by command: every run, or a random one in ${FAST_COMMAND_TIMING_SAMPLE} of commands flagged fast (O(1) or O(log n)) or that run in bounded time here (SET, EVALSHA of a script with a native twin).`,
    labelNames: ["cmd"],
    buckets: COMMAND_BUCKETS_SECONDS,
  });
  const qstashDeliveries = registry.counter({
    name: "downstash_qstash_deliveries_total",
    help: "QStash delivery attempts, by outcome: delivered, retry (failed, will retry) or failed (for good).",
    labelNames: ["outcome"],
  });
  const kafkaRecords = registry.counter({
    name: "downstash_kafka_records_total",
    help: "Kafka records produced (in) and fetched or consumed (out).",
    labelNames: ["direction"],
  });

  const keys = registry.gauge({ name: "downstash_keys", help: "Keys in a database, expired ones not yet removed included.", labelNames: ["db"] });
  const expiringKeys = registry.gauge({ name: "downstash_expiring_keys", help: "Keys with a time to live in a database.", labelNames: ["db"] });
  const memory = registry.gauge({
    name: "downstash_memory_bytes",
    help: "Estimated memory held by a database's keys and values (sampled on large databases).",
    labelNames: ["db"],
  });
  const lsn = registry.gauge({ name: "downstash_change_log_lsn", help: "Log sequence number of a database's last journaled write.", labelNames: ["db"] });
  const changeLogBytes = registry.gauge({
    name: "downstash_change_log_bytes",
    help: "Bytes in a database's change log since its last snapshot.",
    labelNames: ["db"],
  });
  const snapshotLsn = registry.gauge({ name: "downstash_snapshot_lsn", help: "LSN of a database's newest snapshot.", labelNames: ["db"] });
  const snapshotAt = registry.gauge({
    name: "downstash_snapshot_last_success_timestamp_seconds",
    help: "When a database's last snapshot completed, in Unix seconds (the start, before any).",
    labelNames: ["db"],
  });
  const snapshotAge = registry.gauge({
    name: "downstash_snapshot_age_seconds",
    help: "Seconds since a database's last snapshot completed (since the start, before any).",
    labelNames: ["db"],
  });
  const residentBytes = registry.gauge({ name: "downstash_process_resident_memory_bytes", help: "Resident set size of the process." });
  const heapBytes = registry.gauge({ name: "downstash_process_heap_bytes", help: "JavaScript heap in use." });

  registry.onCollect(() => {
    const nowMs = deps.clock.nowMs();
    for (const gauge of [keys, expiringKeys, memory, lsn, changeLogBytes, snapshotLsn, snapshotAt, snapshotAge]) gauge.reset();
    for (const db of deps.databases()) {
      keys.set(db.keyspace.size, db.name);
      expiringKeys.set(db.keyspace.volatileCount, db.name);
      memory.set(estimateMemoryBytes(db), db.name);
      lsn.set(db.lsn, db.name);
      const persistence = db.persistence;
      if (persistence === undefined) continue;
      const info = new Map(persistence.info());
      const storedLsn = info.get("downstash_snapshot_lsn");
      if (typeof storedLsn === "number") snapshotLsn.set(storedLsn, db.name);
      const logBytes = info.get("downstash_change_log_bytes");
      if (typeof logBytes === "number") changeLogBytes.set(logBytes, db.name);
      const lastSaveAtMs = persistence.lastSaveAtMs();
      snapshotAt.set(lastSaveAtMs / 1000, db.name);
      snapshotAge.set(Math.max(0, nowMs - lastSaveAtMs) / 1000, db.name);
    }
    const usage = process.memoryUsage();
    residentBytes.set(usage.rss);
    heapBytes.set(usage.heapUsed);
  });

  // Handles per (surface, status) and per command row, so recording skips the label lookup.
  type RequestHandles = { count: Sample; seconds: HistogramSample };
  const requestHandles = new Map<string, RequestHandles>();
  // Most requests in a row share a surface and status: their handles skip the label key too.
  let lastRequest: { surface: string; status: number; handles: RequestHandles | undefined } = { surface: "", status: 0, handles: undefined };
  const commandHandles = new Map<CommandSpec, { ok: Sample; error: Sample; seconds: HistogramSample }>();
  const qstashHandles = { delivered: qstashDeliveries.labels("delivered"), retry: qstashDeliveries.labels("retry"), failed: qstashDeliveries.labels("failed") };
  const kafkaHandles = { in: kafkaRecords.labels("in"), out: kafkaRecords.labels("out") };

  return {
    registry,
    requestFinished(surface, status, durationMs) {
      let handles = lastRequest.handles;
      if (handles === undefined || surface !== lastRequest.surface || status !== lastRequest.status) {
        const key = `${surface} ${status}`;
        handles = requestHandles.get(key);
        if (handles === undefined) {
          handles = { count: requests.labels(surface, String(status)), seconds: requestSeconds.labels(surface) };
          requestHandles.set(key, handles);
        }
        lastRequest = { surface, status, handles };
      }
      handles.count.inc();
      handles.seconds.observe(durationMs / 1000);
    },
    commands: {
      commandRan(spec, durationMs, failed) {
        let handles = commandHandles.get(spec);
        if (handles === undefined) {
          handles = { ok: commandsTotal.labels(spec.name, "ok"), error: commandsTotal.labels(spec.name, "error"), seconds: commandSeconds.labels(spec.name) };
          commandHandles.set(spec, handles);
        }
        (failed ? handles.error : handles.ok).inc();
        if (durationMs !== undefined) handles.seconds.observe(durationMs / 1000);
      },
    },
    qstashDelivery(outcome) {
      qstashHandles[outcome].inc();
    },
    kafkaRecords(direction, count) {
      kafkaHandles[direction].inc(count);
    },
  };
}

/**
 * A database's memory, estimated from its entries' sizes: exact up to MEMORY_SAMPLE_KEYS_MAX
 * keys, then scaled from that many by the key count. Reads the slots' raw entries, so a scrape
 * never expires (and journals) a key as a command would.
 */
function estimateMemoryBytes(db: Database): number {
  const total = db.keyspace.size;
  if (total === 0) return 0;
  let sampled = 0;
  let bytes = 0;
  for (let slot = 0; slot < SLOT_COUNT && sampled < MEMORY_SAMPLE_KEYS_MAX; slot++) {
    for (const [key, entry] of db.keyspace.slotEntries(slot)) {
      bytes += key.length + KEY_OVERHEAD_BYTES + (entry.type === "string" ? (entry.value as string).length : entry.value.approxBytes());
      if (++sampled >= MEMORY_SAMPLE_KEYS_MAX) break;
    }
  }
  return sampled >= total ? bytes : Math.round((bytes / sampled) * total);
}
