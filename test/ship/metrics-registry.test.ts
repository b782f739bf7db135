// Proves the dependency-free metrics registry (src/server/metrics.ts): its exposition parses as
// Prometheus text 0.0.4, values and escapes are exact, label cardinality is bounded, and the node's
// families count commands through the dispatcher observer (not replayed ones) and read keys, LSN
// and snapshot age from live state at each scrape.

import { describe, expect, test } from "bun:test";
import { ratelimitScript } from "../../scripts/ratelimit-scripts.ts";
import { FAST_COMMAND_TIMING_SAMPLE } from "../../src/redis/engine/dispatcher.ts";
import { scriptingOf } from "../../src/redis/scripting/runner.ts";
import { createNodeMetrics, OVERFLOW_LABEL_VALUE, Registry } from "../../src/server/metrics.ts";
import { createTestEngine } from "../harness/engine.ts";
import { parseExposition, sampleValue } from "./prometheus-text.ts";

describe("Registry exposition", () => {
  test("counters, gauges and histograms with labels expose exactly and parse", () => {
    const registry = new Registry();
    const hits = registry.counter({ name: "app_hits_total", help: "Hits.", labelNames: ["route", "status"] });
    const temperature = registry.gauge({ name: "app_temperature", help: "Now." });
    const latency = registry.histogram({ name: "app_latency_seconds", help: "Latency.", labelNames: ["route"], buckets: [0.1, 1] });
    hits.labels("/a", "200").inc();
    hits.inc(2, "/a", "200");
    hits.labels("/b", "500").inc();
    temperature.set(-1.5);
    latency.observe(0.05, "/a");
    latency.observe(0.5, "/a");
    latency.observe(5, "/a");

    const text = registry.expose();
    expect(text).toBe(
      [
        "# HELP app_hits_total Hits.",
        "# TYPE app_hits_total counter",
        'app_hits_total{route="/a",status="200"} 3',
        'app_hits_total{route="/b",status="500"} 1',
        "# HELP app_temperature Now.",
        "# TYPE app_temperature gauge",
        "app_temperature -1.5",
        "# HELP app_latency_seconds Latency.",
        "# TYPE app_latency_seconds histogram",
        'app_latency_seconds_bucket{route="/a",le="0.1"} 1',
        'app_latency_seconds_bucket{route="/a",le="1"} 2',
        'app_latency_seconds_bucket{route="/a",le="+Inf"} 3',
        'app_latency_seconds_sum{route="/a"} 5.55',
        'app_latency_seconds_count{route="/a"} 3',
        "",
      ].join("\n"),
    );
    const parsed = parseExposition(text);
    expect(parsed.get("app_latency_seconds")!.type).toBe("histogram");
    expect(sampleValue(parsed, "app_hits_total", { route: "/a", status: "200" })).toBe(3);
  });

  test("label values and help texts are escaped so the parser reads them back", () => {
    const registry = new Registry();
    const odd = 'quote " backslash \\ newline \n end';
    registry.gauge({ name: "app_odd", help: "Help with \\ and\nnewline.", labelNames: ["value"] }).set(1, odd);
    const parsed = parseExposition(registry.expose());
    expect(parsed.get("app_odd")!.help).toBe("Help with \\ and\nnewline.");
    expect(parsed.get("app_odd")!.samples[0]!.labels).toEqual({ value: odd });
  });

  test("special values are written as Prometheus spells them", () => {
    const registry = new Registry();
    const gauge = registry.gauge({ name: "app_special", help: "x", labelNames: ["k"] });
    gauge.set(Infinity, "inf");
    gauge.set(-Infinity, "neg");
    gauge.set(NaN, "nan");
    expect(registry.expose()).toContain('app_special{k="inf"} +Inf\napp_special{k="neg"} -Inf\napp_special{k="nan"} NaN\n');
  });

  test("past seriesMax, new label combinations fold into one series labelled other", () => {
    const registry = new Registry();
    const counter = registry.counter({ name: "app_by_user_total", help: "x", labelNames: ["user"], seriesMax: 3 });
    for (let i = 0; i < 100; i++) counter.inc(1, `user-${i}`);
    expect(counter.seriesCount).toBe(4);
    const parsed = parseExposition(registry.expose());
    expect(sampleValue(parsed, "app_by_user_total", { user: "user-0" })).toBe(1);
    expect(sampleValue(parsed, "app_by_user_total", { user: OVERFLOW_LABEL_VALUE })).toBe(97);
  });

  test("mistakes in use are refused: bad names, wrong label count, counters going down, duplicates", () => {
    const registry = new Registry();
    expect(() => registry.counter({ name: "bad-name", help: "x" })).toThrow("invalid metric name");
    expect(() => registry.counter({ name: "app_x", help: "x", labelNames: ["le"] })).toThrow("invalid label name");
    const counter = registry.counter({ name: "app_y_total", help: "x", labelNames: ["a"] });
    expect(() => counter.labels()).toThrow("takes 1 label values, got 0");
    expect(() => counter.inc(-1, "a")).toThrow("only goes up");
    expect(() => registry.gauge({ name: "app_y_total", help: "x" })).toThrow("declared twice");
    expect(() => registry.histogram({ name: "app_h", help: "x", buckets: [] })).toThrow("bucket bounds");
  });

  test("collect hooks run before each exposition", () => {
    const registry = new Registry();
    const gauge = registry.gauge({ name: "app_now", help: "x" });
    let n = 0;
    registry.onCollect(() => gauge.set(++n));
    expect(registry.expose()).toContain("app_now 1\n");
    expect(registry.expose()).toContain("app_now 2\n");
  });
});

describe("node metrics", () => {
  test("count every command the dispatcher runs by name and result, with a latency histogram", () => {
    const engine = createTestEngine();
    const metrics = createNodeMetrics({ databases: () => [engine.database], clock: engine.clock });
    // Commands before the observer is set (as recovery replays them) are not counted.
    engine.run("SET", "replayed", "1");
    engine.dispatcher.observer = metrics.commands;
    engine.run("SET", "a", "1");
    engine.run("MSET", "b", "2");
    engine.run("MSET", "c", "3");
    engine.run("GET", "a");
    engine.run("INCR", "a");
    engine.run("LPUSH", "a", "x"); // WRONGTYPE: an error result
    engine.run("NOSUCHCOMMAND"); // refused before any handler ran: not counted by name

    const parsed = parseExposition(metrics.registry.expose());
    expect(sampleValue(parsed, "downstash_commands_total", { cmd: "set", result: "ok" })).toBe(1);
    expect(sampleValue(parsed, "downstash_commands_total", { cmd: "mset", result: "ok" })).toBe(2);
    expect(sampleValue(parsed, "downstash_commands_total", { cmd: "get", result: "ok" })).toBe(1);
    expect(sampleValue(parsed, "downstash_commands_total", { cmd: "incr", result: "ok" })).toBe(1);
    expect(sampleValue(parsed, "downstash_commands_total", { cmd: "lpush", result: "error" })).toBe(1);
    expect(sampleValue(parsed, "downstash_command_duration_seconds_count", { cmd: "mset" })).toBe(2);
    const commandNames = new Set(parsed.get("downstash_commands_total")!.samples.map((sample) => sample.labels.cmd));
    expect([...commandNames].sort()).toEqual(["get", "incr", "lpush", "mset", "set"]);
  });

  test("time every run of a command that can run long, and a random sample of fast and constant-time commands' runs", () => {
    const engine = createTestEngine();
    const metrics = createNodeMetrics({ databases: () => [engine.database], clock: engine.clock });
    engine.dispatcher.observer = metrics.commands;
    const runs = 8000;
    for (let i = 0; i < runs; i++) {
      engine.run("MSET", "a", "1"); // not fast: as many pairs as it is given
      engine.run("GET", "a"); // fast
      engine.run("INCR", "n"); // fast, alternating with GET: neither may get all the samples
      engine.run("SET", "a", "1"); // constant time here, though Redis does not flag it fast
    }
    const parsed = parseExposition(metrics.registry.expose());
    expect(sampleValue(parsed, "downstash_commands_total", { cmd: "get", result: "ok" })).toBe(runs);
    expect(sampleValue(parsed, "downstash_command_duration_seconds_count", { cmd: "mset" })).toBe(runs);
    const expected = runs / FAST_COMMAND_TIMING_SAMPLE;
    for (const cmd of ["get", "incr", "set"]) {
      const timed = sampleValue(parsed, "downstash_command_duration_seconds_count", { cmd });
      expect(timed).toBeGreaterThan(expected * 0.8);
      expect(timed).toBeLessThan(expected * 1.2);
    }
  });

  test("time a sample of the EVALSHA runs a native twin serves, and every run of any other script", () => {
    const engine = createTestEngine();
    const metrics = createNodeMetrics({ databases: () => [engine.database], clock: engine.clock });
    engine.dispatcher.observer = metrics.commands;
    const limiterSha = engine.run("SCRIPT", "LOAD", ratelimitScript("fixedWindowLimitScript")) as string;
    const otherSha = engine.run("SCRIPT", "LOAD", "return redis.call('INCR', KEYS[1])") as string;
    const runs = 8000;
    for (let i = 0; i < runs; i++) {
      engine.run("EVALSHA", limiterSha, 1, "limited", 1_000_000_000, 60_000, 1); // a bounded run in JS
      engine.run("EVALSHA", otherSha, 1, "counted"); // Lua, which can run long
    }
    expect(scriptingOf(engine.database).nativeRuns).toBe(runs);
    const parsed = parseExposition(metrics.registry.expose());
    expect(sampleValue(parsed, "downstash_commands_total", { cmd: "evalsha", result: "ok" })).toBe(2 * runs);
    const timed = sampleValue(parsed, "downstash_command_duration_seconds_count", { cmd: "evalsha" });
    const sampled = runs / FAST_COMMAND_TIMING_SAMPLE;
    expect(timed).toBeGreaterThan(runs + sampled * 0.8);
    expect(timed).toBeLessThan(runs + sampled * 1.2);
  });

  test("read keys, expiring keys, memory and LSN of each database at scrape time", () => {
    const engine = createTestEngine();
    const metrics = createNodeMetrics({ databases: () => [engine.database], clock: engine.clock });
    engine.run("SET", "a", "1");
    engine.run("SET", "b", "x".repeat(1000), "PX", 1000);
    engine.run("HSET", "h", "f", "v");
    let parsed = parseExposition(metrics.registry.expose());
    expect(sampleValue(parsed, "downstash_keys", { db: "test" })).toBe(3);
    expect(sampleValue(parsed, "downstash_expiring_keys", { db: "test" })).toBe(1);
    expect(sampleValue(parsed, "downstash_change_log_lsn", { db: "test" })).toBe(engine.database.lsn);
    expect(sampleValue(parsed, "downstash_memory_bytes", { db: "test" })).toBeGreaterThan(1000);

    engine.run("DEL", "a", "b", "h");
    parsed = parseExposition(metrics.registry.expose());
    expect(sampleValue(parsed, "downstash_keys", { db: "test" })).toBe(0);
    expect(sampleValue(parsed, "downstash_memory_bytes", { db: "test" })).toBe(0);
  });

  test("snapshot age comes from the database's persistence and the injected clock", () => {
    const engine = createTestEngine();
    const savedAtMs = engine.clock.nowMs();
    engine.database.persistence = {
      checkWritable() {},
      pendingCommit: () => undefined,
      deferCommitsAfter() {},
      resumeCommits() {},
      save() {},
      backgroundSave: () => "started",
      lastSaveAtMs: () => savedAtMs,
      info: () => [
        ["downstash_snapshot_lsn", 41],
        ["downstash_change_log_bytes", 1234],
      ],
    };
    const metrics = createNodeMetrics({ databases: () => [engine.database], clock: engine.clock });
    engine.clock.advance(90_000);
    const parsed = parseExposition(metrics.registry.expose());
    expect(sampleValue(parsed, "downstash_snapshot_age_seconds", { db: "test" })).toBe(90);
    expect(sampleValue(parsed, "downstash_snapshot_last_success_timestamp_seconds", { db: "test" })).toBe(savedAtMs / 1000);
    expect(sampleValue(parsed, "downstash_snapshot_lsn", { db: "test" })).toBe(41);
    expect(sampleValue(parsed, "downstash_change_log_bytes", { db: "test" })).toBe(1234);
  });

  test("count QStash deliveries by outcome and Kafka records by direction", () => {
    const engine = createTestEngine();
    const metrics = createNodeMetrics({ databases: () => [], clock: engine.clock });
    metrics.qstashDelivery("delivered");
    metrics.qstashDelivery("delivered");
    metrics.qstashDelivery("retry");
    metrics.kafkaRecords("in", 5);
    metrics.kafkaRecords("out", 3);
    const parsed = parseExposition(metrics.registry.expose());
    expect(sampleValue(parsed, "downstash_qstash_deliveries_total", { outcome: "delivered" })).toBe(2);
    expect(sampleValue(parsed, "downstash_qstash_deliveries_total", { outcome: "retry" })).toBe(1);
    expect(sampleValue(parsed, "downstash_qstash_deliveries_total", { outcome: "failed" })).toBe(0);
    expect(sampleValue(parsed, "downstash_kafka_records_total", { direction: "in" })).toBe(5);
    expect(sampleValue(parsed, "downstash_kafka_records_total", { direction: "out" })).toBe(3);
  });
});
