// startServer for the fault tests, keeping every server it starts so a test that fails half-way
// (before its own kill) still leaves no process behind: each test file calls stopAllServers().

import { startServer as startTestServer, type StartOptions, type TestServer } from "../harness/server.ts";

const started: TestServer[] = [];

export async function startServer(options: StartOptions): Promise<TestServer> {
  const server = await startTestServer(options);
  started.push(server);
  return server;
}

export async function stopAllServers(): Promise<void> {
  await Promise.all(started.splice(0).map((server) => server.stop("SIGKILL")));
}
