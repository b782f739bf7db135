// The composition root: builds every part of a node from a Config plus injected clock, random
// and logger, recovers each database from its durable store, and starts listening. Tests and
// the CLI both start nodes through here; `stop()` is the graceful shutdown (DESIGN §5).

import { join } from "node:path";
import type { Config } from "./config.ts";
import { Databases } from "./platform/databases.ts";
import { resolveCredentials, resolveKafkaCredentials, resolveQStashCredentials, type Credentials } from "./platform/credentials.ts";
import { startQStash } from "./qstash/qstash.ts";
import { startKafka } from "./kafka/kafka.ts";
import { createCommandTable } from "./redis/commands/index.ts";
import type { Session } from "./redis/engine/command.ts";
import { Database } from "./redis/engine/database.ts";
import { Dispatcher } from "./redis/engine/dispatcher.ts";
import { serveResp, type RespServer } from "./redis/resp.ts";
import { configureScripting, scriptingOf } from "./redis/scripting/runner.ts";
import { createApp, createFastRoutes, type AppDeps } from "./server/app.ts";
import { serveHttp1, type Http1Server } from "./server/http1.ts";
import { createNodeMetrics } from "./server/metrics.ts";
import { DatabasePersistence } from "./storage/persistence.ts";
import { systemClock, type Clock } from "./util/clock.ts";
import type { Logger } from "./util/log.ts";
import { systemRandom, type Random } from "./util/random.ts";

export interface NodeDeps {
  clock?: Clock;
  random?: Random;
  log: Logger;
}

export interface RunningNode {
  url: string;
  /** The RESP listener's port, when `--resp-port` asked for one. */
  respPort: number | undefined;
  credentials: Credentials;
  /** True when this start generated the credentials (first start on an empty data dir). */
  generatedCredentials: boolean;
  databases: Databases;
  /**
   * Stops accepting, lets in-flight requests finish, stops background work, then makes the final
   * commit of every change log and closes it.
   */
  stop(): Promise<void>;
  /** The final commit alone, for a shutdown cut short: true when everything journaled is stored. */
  closeStorage(): boolean;
}

const ACTIVE_EXPIRY_INTERVAL_MS = 100;
const ACTIVE_EXPIRY_BUDGET_MS = 25;
const replaySession: Session = { readOnly: false, inTransaction: false };

export async function startNode(config: Config, deps: NodeDeps): Promise<RunningNode> {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? systemRandom;
  const { log } = deps;
  const { credentials, generated } = await resolveCredentials(config.dataDir, {
    token: config.token,
    readonlyToken: config.readonlyToken,
    adminToken: config.adminToken,
  });

  // Recovery starts after the event loop's first turn. When every token is given nothing above
  // waits on I/O, and a replay run before that turn was measured far slower: a million-key log took
  // ~1.7 s instead of ~1.25 s to serve, with twice the CPU time, its large full collections
  // running inside the replay (BUN_JSC_logGC) where after a turn the largest one runs once the
  // server is up without pausing requests (worst request over the next 3 s: ~15 ms either way).
  await new Promise((resolve) => setImmediate(resolve));

  const dispatcher = new Dispatcher(createCommandTable(), (error, command) =>
    log.log("error", "command_failed", { command: command.slice(0, 64).toLowerCase(), error: String((error as Error)?.stack ?? error) }),
  );

  const databases = new Databases();
  const stores: DatabasePersistence[] = [];
  const name = "default";
  const persistence = DatabasePersistence.open({
    dir: join(config.dataDir, "redis", name),
    fsync: config.fsync,
    snapshotEveryMs: config.snapshotEveryMs,
    snapshotLogBytesMax: config.snapshotLogBytesMax,
    clock,
    log,
  });
  stores.push(persistence);
  try {
    const database = new Database(name, clock, random, persistence.store);
    configureScripting(database, { timeLimitMs: config.luaTimeLimitMs, memoryBytesMax: config.luaMemoryBytes });
    scriptingOf(database).restoringLibraries(() =>
      persistence.recover(database, (argv) => {
        dispatcher.run(database, dispatcher.resolve(argv, replaySession), argv, replaySession);
      }),
    );
    databases.add(database, { token: credentials.token, readOnlyToken: credentials.readonlyToken });
  } catch (error) {
    persistence.close();
    throw error;
  }
  for (const store of stores) store.start();

  const qstashCredentials = await resolveQStashCredentials(config.dataDir, {
    qstashToken: config.qstashToken,
    qstashCurrentSigningKey: config.qstashCurrentSigningKey,
    qstashNextSigningKey: config.qstashNextSigningKey,
  });
  const metrics = createNodeMetrics({ databases: () => databases.all(), clock });
  const qstash = startQStash(config, { credentials: qstashCredentials.credentials, clock, log, onOutcome: (kind) => metrics.qstashDelivery(kind) });
  const kafkaCredentials = await resolveKafkaCredentials(config.dataDir, { kafkaUsername: config.kafkaUsername, kafkaPassword: config.kafkaPassword });
  const { kafkaUsername: username, kafkaPassword: password } = kafkaCredentials.credentials;
  const kafka = startKafka(config, { credentials: { username, password }, adminToken: credentials.adminToken, clock, random, log });
  let ready = false;
  // After recovery: replayed commands are not traffic.
  dispatcher.observer = metrics.commands;
  kafka.log.onRecords = (direction, count) => metrics.kafkaRecords(direction, count);
  const appDeps: AppDeps = {
    qstash: qstash.routes,
    kafka: kafka.routes,
    redis: { dispatcher, authenticate: (token) => databases.authenticate(token), maxRequestBytes: config.maxRequestBytes },
    isReady: () => ready,
    log,
    metrics,
    metricsToken: config.metricsToken,
  };
  const app = createApp(appDeps);

  let server: Http1Server | undefined;
  let resp: RespServer | undefined;
  try {
    server = serveHttp1({
      port: config.port,
      hostname: config.host,
      fetch: app.fetch,
      fastRoute: createFastRoutes(appDeps),
      // Routes read bodies through a bounded reader that refuses an oversize Content-Length before
      // reading and stops a chunked body at the limit, answering with Upstash's JSON error. The
      // front end's own cap would answer first, so it is set far above, as a last backstop only.
      maxBodyBytes: 2 ** 31 - 1,
      idleTimeoutSeconds: 120,
      log,
    });
    if (config.respPort !== undefined) {
      const { dispatcher, authenticate, maxRequestBytes } = appDeps.redis;
      resp = serveResp({ hostname: config.host, port: config.respPort, dispatcher, authenticate, maxRequestBytes, log });
    }
  } catch (error) {
    // A port already taken: nothing was served yet.
    await server?.stop(true);
    for (const store of stores) store.close();
    await qstash.stop(0);
    await kafka.stop();
    throw error;
  }
  const http = server;
  const expiryTimer = setInterval(() => {
    for (const db of databases.all()) db.activeExpiry.cycle(ACTIVE_EXPIRY_BUDGET_MS);
  }, ACTIVE_EXPIRY_INTERVAL_MS);
  ready = true;

  const closeStorage = () => {
    let stored = true;
    for (const store of stores) stored = store.close() && stored;
    kafka.close();
    return stored;
  };
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${http.port}`;
  return {
    url,
    respPort: resp?.port,
    credentials: { ...credentials, ...qstash.credentials, ...kafkaCredentials.credentials },
    generatedCredentials: generated || qstashCredentials.generated || kafkaCredentials.generated,
    databases,
    closeStorage,
    async stop() {
      ready = false;
      clearInterval(expiryTimer);
      await Promise.all([http.stop(false), resp?.stop()]);
      await qstash.stop(Math.floor(config.shutdownTimeoutMs / 2));
      await kafka.stop();
      if (!closeStorage()) throw new Error("the final commit failed: see change_log_lost_on_close");
    },
  };
}
