// Proves `downstash healthcheck` (the container HEALTHCHECK command) with real processes: exit 0
// when a server answers /healthz on the configured host and port, 1 when nothing listens there.

import { expect, test } from "bun:test";
import { runCli, startServer } from "../harness/server.ts";

test("exits 0 against a running server, found by flag or by DOWNSTASH_PORT", async () => {
  await using server = await startServer();
  const port = new URL(server.url).port;
  expect(await runCli(["healthcheck", "--port", port])).toEqual({ exitCode: 0, stdout: "", stderr: "" });
  expect((await runCli(["healthcheck"], { env: { DOWNSTASH_PORT: port } })).exitCode).toBe(0);
});

test("exits 1 when nothing listens on the port", async () => {
  // A port that was free a moment ago: bind it, note it, release it.
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  expect(await runCli(["healthcheck", "--port", String(port)])).toEqual({ exitCode: 1, stdout: "", stderr: "" });
});

test("exits 2 on bad configuration, like every subcommand", async () => {
  expect((await runCli(["healthcheck", "--port", "-1"])).exitCode).toBe(2);
});
