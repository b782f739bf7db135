// Proves a produce is acknowledged only once durable: concurrent producers write to a 4-partition
// topic, the server is killed with SIGKILL mid-stream, and after a restart on the same data dir
// every acknowledged record is readable at its acknowledged offset, offsets stay dense, and the
// group's committed offsets are still there.

import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../harness/server.ts";
import { createTopic, kafkaClient } from "./support.ts";

test("kill -9 under concurrent produce loses nothing acknowledged", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "downstash-kafka-crash-"));
  try {
    const first = await startServer({ dataDir, keepDataDir: true });
    await createTopic(first, "durable", 4);
    await kafkaClient(first).consumer().commit({ consumerGroupId: "g", instanceId: "i", offset: { topic: "durable", partition: 2, offset: 7 } });
    const authorization = `Basic ${btoa(`${first.kafka.username}:${first.kafka.password}`)}`;
    const acknowledged: { partition: number; offset: number; value: string }[] = [];
    let running = true;
    const producers = Array.from({ length: 8 }, async (_, producer) => {
      for (let request = 0; running && request < 10_000; request++) {
        const batch = Array.from({ length: 1 + (request % 20) }, (_, i) => ({ topic: "durable", key: `p${producer}-${i}`, value: `p${producer}-r${request}-${i}` }));
        try {
          const response = await fetch(`${first.url}/produce`, { method: "POST", headers: { authorization }, body: JSON.stringify(batch) });
          const metas = (await response.json()) as { partition: number; offset: number }[];
          metas.forEach((meta, i) => acknowledged.push({ partition: meta.partition, offset: meta.offset, value: batch[i]!.value }));
        } catch {
          return; // the server is gone: stop this producer
        }
      }
    });
    const deadline = Date.now() + 10_000;
    while (acknowledged.length < 3000 && Date.now() < deadline) await Bun.sleep(10);
    first.process.kill("SIGKILL");
    await first.process.exited;
    running = false;
    await Promise.all(producers);
    expect(acknowledged.length).toBeGreaterThanOrEqual(3000);

    await using second = await startServer({ dataDir, keepDataDir: true });
    const consumer = kafkaClient(second).consumer();
    for (let partition = 0; partition < 4; partition++) {
      const stored = new Map<number, string | null>();
      for (let offset = 0; ; ) {
        const batch = await consumer.fetch({ topic: "durable", partition, offset, timeout: 0 });
        if (batch.length === 0) break;
        for (const record of batch) stored.set(record.offset, record.value);
        offset = batch.at(-1)!.offset + 1;
      }
      const mine = acknowledged.filter((record) => record.partition === partition);
      for (const record of mine) expect(stored.get(record.offset)).toBe(record.value);
      // Dense from 0: nothing missing below the end.
      expect([...stored.keys()]).toEqual(Array.from({ length: stored.size }, (_, i) => i));
    }
    const committed = await consumer.committed({ consumerGroupId: "g", instanceId: "i", topicPartitions: [{ topic: "durable", partition: 2 }] });
    expect(committed[0]!.offset).toBe(7);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
