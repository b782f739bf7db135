// Builds QStash for a node from the configuration: its store in <data-dir>/qstash.sqlite, the
// delivery worker pool, the service (resumed from the store) and the /v2 routes. In dev mode it
// serves the official dev server's fixed token and signing keys (spec/qstash.md §7.3), so apps
// running with QSTASH_DEV=true find it on 127.0.0.1:8080 and use it unchanged.

import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import { ConfigError, type Config } from "../config.ts";
import type { QStashCredentials } from "../platform/credentials.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import { WorkerPool, type DeliveryTransport } from "./delivery.ts";
import { DestinationPolicy, DestinationRuleError } from "./destinations.ts";
import { splitList } from "./publish-request.ts";
import { createQStashRoutes } from "./routes.ts";
import { defaultLimits, QStashService, type QStashServiceDeps } from "./service.ts";
import type { SigningKeys } from "./signing.ts";
import { QStashStore } from "./store.ts";

/** The official dev server's user 1 (spec §7.2): public, fixed, for development only. */
export const DEV_CREDENTIALS: QStashCredentials = {
  qstashToken: "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=",
  qstashCurrentSigningKey: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r",
  qstashNextSigningKey: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs",
};

export const DELIVERY_WORKERS_MAX = 4;
/** A `/v2/batch` body holds many messages: up to this many times the message limit. */
const BATCH_MESSAGES_MAX = 100;

export interface RunningQStash {
  routes: Hono;
  service: QStashService;
  credentials: QStashCredentials;
  /** Starts no new attempt, waits up to graceMs for those in flight, commits and closes. */
  stop(graceMs: number): Promise<void>;
}

export function startQStash(
  config: Config,
  deps: { credentials: QStashCredentials; clock: Clock; log: Logger; transport?: DeliveryTransport; onOutcome?: QStashServiceDeps["onOutcome"] },
): RunningQStash {
  const credentials = config.qstashDev ? DEV_CREDENTIALS : deps.credentials;
  let policy: DestinationPolicy;
  try {
    policy = new DestinationPolicy({ allow: splitList(config.qstashAllowDestinations ?? ""), deny: splitList(config.qstashDenyDestinations ?? "") });
  } catch (error) {
    if (error instanceof DestinationRuleError) throw new ConfigError(`qstash destination lists: ${error.message}`);
    throw error;
  }
  const store = QStashStore.open(join(config.dataDir, "qstash.sqlite"));
  const transport = deps.transport ?? new WorkerPool(Math.max(1, Math.min(DELIVERY_WORKERS_MAX, availableParallelism())), policy.rules, deps.log);
  const configuredKeys: SigningKeys = { current: credentials.qstashCurrentSigningKey, next: credentials.qstashNextSigningKey };
  const service = new QStashService({
    store,
    transport,
    clock: deps.clock,
    log: deps.log,
    policy,
    limits: {
      ...defaultLimits,
      maxMessageBytes: config.qstashMaxMessageBytes,
      concurrency: config.qstashDeliveryConcurrency,
      attemptTimeoutMs: config.qstashAttemptTimeoutMs,
      eventRetentionMs: config.qstashEventRetentionMs,
      dlqRetentionMs: config.qstashDlqRetentionMs,
    },
    configuredKeys,
    autoTick: true,
    onOutcome: deps.onOutcome,
  });
  try {
    service.start();
  } catch (error) {
    void transport.close(0);
    store.close();
    throw error;
  }
  const routes = createQStashRoutes({ service, tokens: [credentials.qstashToken], maxBatchBytes: config.qstashMaxMessageBytes * BATCH_MESSAGES_MAX });
  return { routes, service, credentials, stop: (graceMs) => service.stop(graceMs) };
}
