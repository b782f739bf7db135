// Builds Kafka for a node from the configuration: the store in <data-dir>/kafka.sqlite, the log,
// consumer groups, users, the cleaner thread, the REST routes and the admin routes, plus the
// timer that expires idle consumer instances. `stop()` stops the timers and the cleaner thread
// cleanly, then makes the final commit and closes the file.

import { join } from "node:path";
import { Hono } from "hono";
import type { Config } from "../config.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import type { Random } from "../util/random.ts";
import { createKafkaAdminRoutes } from "./admin.ts";
import { Cleaner } from "./cleaner.ts";
import { ConsumerGroups } from "./consumer-groups.ts";
import { KafkaLog } from "./log.ts";
import { StickyPartitioner } from "./partitioner.ts";
import { createKafkaRoutes } from "./routes.ts";
import { KafkaStore } from "./store.ts";
import { KafkaUsers } from "./users.ts";

/** Kafka's max.poll.records: records per fetch or consume answer. */
const FETCH_RECORDS_MAX = 500;
/** Kafka's max.partition.fetch.bytes (one record is always returned, however large). */
const FETCH_PARTITION_BYTES_MAX = 1024 * 1024;
const EXPIRY_SWEEP_INTERVAL_MS = 1000;

export type KafkaConfig = Pick<
  Config,
  | "dataDir"
  | "fsync"
  | "maxRequestBytes"
  | "kafkaAutoCreateTopics"
  | "kafkaDefaultPartitions"
  | "kafkaConsumerIdleMs"
  | "kafkaCleanerIntervalMs"
>;

export interface RunningKafka {
  /** REST API and /admin/kafka, to mount before the Redis routes. */
  routes: Hono;
  log: KafkaLog;
  groups: ConsumerGroups;
  cleaner: Cleaner;
  stop(): Promise<void>;
  /** The final commit alone, for a shutdown cut short. */
  close(): void;
}

export function startKafka(
  config: KafkaConfig,
  deps: { credentials: { username: string; password: string }; adminToken: string; clock: Clock; random: Random; log: Logger },
): RunningKafka {
  const path = join(config.dataDir, "kafka.sqlite");
  const store = KafkaStore.open(path, config.fsync);
  const log = new KafkaLog(store, deps.clock);
  const groups = new ConsumerGroups(log, deps.clock, { recordsMax: FETCH_RECORDS_MAX, partitionBytesMax: FETCH_PARTITION_BYTES_MAX });
  const users = new KafkaUsers(store, deps.clock, deps.credentials);
  const partitioner = new StickyPartitioner(deps.random);
  const cleaner = new Cleaner(log, { path, fsync: config.fsync, intervalMs: config.kafkaCleanerIntervalMs, clock: deps.clock, logger: deps.log });
  log.onTopicChanged = (topic) => groups.topicChanged(topic);
  cleaner.start();

  const routes = new Hono();
  routes.route(
    "/",
    createKafkaAdminRoutes({ log, groups, users, cleaner, partitioner, adminToken: deps.adminToken, defaultPartitions: config.kafkaDefaultPartitions }),
  );
  routes.route(
    "/",
    createKafkaRoutes({
      log,
      groups,
      users,
      partitioner,
      clock: deps.clock,
      logger: deps.log,
      maxRequestBytes: config.maxRequestBytes,
      autoCreateTopics: config.kafkaAutoCreateTopics,
      defaultPartitions: config.kafkaDefaultPartitions,
      consumerIdleMs: config.kafkaConsumerIdleMs,
      fetchRecordsMax: FETCH_RECORDS_MAX,
      fetchPartitionBytesMax: FETCH_PARTITION_BYTES_MAX,
    }),
  );

  const expiryTimer = setInterval(() => {
    const expired = groups.expireIdle();
    if (expired > 0) deps.log.log("info", "kafka_consumers_expired", { count: expired });
  }, EXPIRY_SWEEP_INTERVAL_MS);

  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    store.close();
  };
  return {
    routes,
    log,
    groups,
    cleaner,
    close,
    async stop() {
      clearInterval(expiryTimer);
      await cleaner.stop();
      close();
    },
  };
}
