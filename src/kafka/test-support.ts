// In-process Kafka parts for unit tests: a store in a fresh temporary directory, the log, groups
// and users over it, on a ManualClock and a seeded Random, and helpers to produce records.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../util/clock.ts";
import { SeededRandom } from "../util/random.ts";
import { ConsumerGroups } from "./consumer-groups.ts";
import { KafkaLog } from "./log.ts";
import { StickyPartitioner } from "./partitioner.ts";
import { prepareProduce } from "./produce.ts";
import { KafkaStore } from "./store.ts";
import { applyTopicConfig, defaultTopicConfig } from "./topics.ts";
import type { KafkaUser } from "./users.ts";

export const fullUser: KafkaUser = { name: "test", permissions: "ALL", topicPattern: "*" };

export interface TestKafka extends Disposable {
  dir: string;
  path: string;
  clock: ManualClock;
  store: KafkaStore;
  log: KafkaLog;
  groups: ConsumerGroups;
  createTopic(name: string, partitions?: number, config?: Record<string, unknown>): void;
  produce(body: unknown): Promise<{ topic: string; partition: number; offset: number; timestamp: number }[]>;
  /** Closes and reopens the store (a restart), keeping the directory. */
  reopen(): TestKafka;
}

export function openTestKafka(dir = mkdtempSync(join(tmpdir(), "downstash-kafka-")), clock = new ManualClock()): TestKafka {
  const path = join(dir, "kafka.sqlite");
  const store = KafkaStore.open(path);
  const log = new KafkaLog(store, clock);
  const groups = new ConsumerGroups(log, clock, { recordsMax: 500, partitionBytesMax: 1024 * 1024 });
  const partitioner = new StickyPartitioner(new SeededRandom(1));
  let removeOnDispose = true;
  return {
    dir,
    path,
    clock,
    store,
    log,
    groups,
    createTopic(name, partitions = 1, config = {}) {
      log.createTopic(name, partitions, applyTopicConfig(defaultTopicConfig, config));
    },
    produce(body) {
      const records = prepareProduce({ log, partitioner, user: fullUser, nowMs: clock.nowMs(), autoCreateTopics: false, defaultPartitions: 1 }, body);
      return log.append(records);
    },
    reopen() {
      removeOnDispose = false;
      store.close();
      return openTestKafka(dir, clock);
    },
    [Symbol.dispose]() {
      try {
        store.close();
      } catch {
        // Already closed by reopen().
      }
      if (removeOnDispose) rmSync(dir, { recursive: true, force: true });
    },
  };
}
