// The composition root: builds every part of a node from a Config plus injected clock, random
// and logger, and starts listening. Tests and the CLI both start nodes through here.

import type { Server } from "bun";
import type { Config } from "./config.ts";
import { Databases } from "./platform/databases.ts";
import { resolveCredentials, type Credentials } from "./platform/credentials.ts";
import { createCommandTable } from "./redis/commands/index.ts";
import { discardChanges, type ChangeSink } from "./redis/engine/change-log.ts";
import { Database } from "./redis/engine/database.ts";
import { Dispatcher } from "./redis/engine/dispatcher.ts";
import { createApp } from "./server/app.ts";
import { systemClock, type Clock } from "./util/clock.ts";
import type { Logger } from "./util/log.ts";
import { systemRandom, type Random } from "./util/random.ts";

export interface NodeDeps {
  clock?: Clock;
  random?: Random;
  log: Logger;
  changes?: ChangeSink;
}

export interface RunningNode {
  url: string;
  credentials: Credentials;
  /** True when this start generated the credentials (first start on an empty data dir). */
  generatedCredentials: boolean;
  databases: Databases;
  /** Stops accepting, lets in-flight requests finish, then stops background work. */
  stop(): Promise<void>;
}

const ACTIVE_EXPIRY_INTERVAL_MS = 100;
const ACTIVE_EXPIRY_BUDGET_MS = 25;

export async function startNode(config: Config, deps: NodeDeps): Promise<RunningNode> {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? systemRandom;
  const { log } = deps;
  const { credentials, generated } = await resolveCredentials(config.dataDir, {
    token: config.token,
    readonlyToken: config.readonlyToken,
    adminToken: config.adminToken,
  });

  const databases = new Databases();
  const database = new Database("default", clock, random, deps.changes ?? discardChanges);
  databases.add(database, { token: credentials.token, readOnlyToken: credentials.readonlyToken });

  const dispatcher = new Dispatcher(createCommandTable(), (error, command) =>
    log.log("error", "command_failed", { command: command.slice(0, 64).toLowerCase(), error: String((error as Error)?.stack ?? error) }),
  );
  let ready = false;
  const app = createApp({
    redis: { dispatcher, authenticate: (token) => databases.authenticate(token), maxRequestBytes: config.maxRequestBytes },
    isReady: () => ready,
    log,
  });

  const server: Server<undefined> = Bun.serve({
    port: config.port,
    hostname: config.host,
    fetch: app.fetch,
    // Routes read bodies through a bounded reader that refuses an oversize Content-Length before
    // reading and stops a chunked body at the limit, answering with Upstash's JSON error. Bun's own
    // cap would answer first with an empty 413, so it is set far above, as a last backstop only.
    maxRequestBodySize: 2 ** 31 - 1,
    idleTimeout: 120,
  });
  const expiryTimer = setInterval(() => {
    for (const db of databases.all()) db.activeExpiry.cycle(ACTIVE_EXPIRY_BUDGET_MS);
  }, ACTIVE_EXPIRY_INTERVAL_MS);
  ready = true;

  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${server.port}`;
  return {
    url,
    credentials,
    generatedCredentials: generated,
    databases,
    async stop() {
      ready = false;
      await server.stop(false);
      clearInterval(expiryTimer);
    },
  };
}
