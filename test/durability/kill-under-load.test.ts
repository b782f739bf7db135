// Proves the durability promise with the real process: under concurrent load from the official
// SDK (24 writers, mixed commands, TTLs relative, absolute and short), snapshots running because
// the log keeps passing its size limit, the server is killed with SIGKILL after a seeded random
// number of acknowledged writes; restarted on the same data dir, every acknowledged write is
// there with its value and TTL, keys whose TTL passed meanwhile are gone, and the LSN (the sync
// token) continues. Several seeds, so the kill lands at different points of the load; every
// other seed kills while the load's script is suspended between time slices, and none of that
// script's writes may survive.

import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { randomInt, SeededRandom } from "../../src/util/random.ts";
import { type TestServer } from "../harness/server.ts";
import { Load } from "./load.ts";
import { freshDataDir, logEvents, syncTokenOfWrite } from "./process.ts";
import { startServer, stopAllServers } from "./servers.ts";

const SEEDS = [11, 23, 37, 41, 53, 67];
const serverArgs = ["--snapshot-log-bytes-max", "20000", "--snapshot-every-ms", "200"];

afterAll(stopAllServers);

describe("kill -9 under load", () => {
  for (const [index, seed] of SEEDS.entries()) {
    const midScript = index % 2 === 0;
    test(`seed ${seed}${midScript ? ", killed mid-script" : ""}: every acknowledged write survives, with its TTL`, async () => {
      const dataDir = freshDataDir();
      try {
        const killAfter = 1500 + randomInt(new SeededRandom(seed), 4500);
        let server: TestServer = await startServer({ dataDir, args: serverArgs });
        const load = new Load({ url: server.url, token: server.token, writers: 24, keysPerWriter: 8, seed });
        load.start();
        await load.waitForAcknowledged(killAfter);
        // An acknowledged write's sync token: a lower bound of the LSN the server dies at.
        const lsnBeforeKill = await syncTokenOfWrite(server);
        if (midScript) await load.waitForScriptInFlight(12);
        await server.stop("SIGKILL");
        await load.stop();
        expect(logEvents(server)).toContain("snapshot_started");

        server = await startServer({ dataDir, args: serverArgs });
        try {
          expect(await load.verify(server.url, server.token)).toEqual([]);
          expect(await syncTokenOfWrite(server)).toBeGreaterThan(lsnBeforeKill);
        } finally {
          await server.stop("SIGKILL");
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
