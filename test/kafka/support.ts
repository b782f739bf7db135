// Shared pieces of the Kafka end-to-end tests: the official client pointed at a spawned server,
// admin API calls with the admin token, and raw REST calls for what the client cannot send.

import { Kafka } from "@upstash/kafka";
import type { TestServer } from "../harness/server.ts";

export function kafkaClient(server: TestServer, credentials = server.kafka): Kafka {
  return new Kafka({ url: server.url, username: credentials.username, password: credentials.password });
}

export async function admin(server: TestServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export async function createTopic(server: TestServer, name: string, partitions = 1, config: Record<string, unknown> = {}): Promise<void> {
  const { status, body } = await admin(server, "POST", "/admin/kafka/topics", { name, partitions, config });
  if (status !== 201) throw new Error(`create topic ${name}: ${status} ${JSON.stringify(body)}`);
}

/** A raw REST call with Basic auth (the client retries errors for 15 s, so errors are tested here). */
export async function rest(
  server: TestServer,
  method: string,
  path: string,
  body?: string,
  options: { credentials?: { username: string; password: string } | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; contentType: string | null }> {
  const credentials = options.credentials === undefined ? server.kafka : options.credentials;
  const headers: Record<string, string> = { ...options.headers };
  if (credentials !== null) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  const response = await fetch(server.url + path, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), contentType: response.headers.get("content-type") };
}
