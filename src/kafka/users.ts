// Kafka REST users, as Upstash's credentials worked (spec/kafka.md §5.3): HTTP Basic username and
// password; each user may produce, consume or both (ALL, PRODUCE, CONSUME), on every topic ("*"),
// on a prefix ("orders-*") or on one topic. The default user comes from the configuration
// (UPSTASH_KAFKA_REST_USERNAME/PASSWORD) with full access; more are kept in kafka.sqlite with
// hashed passwords. A verified Authorization header is remembered, so hashing runs once per user.

import { timingSafeEqual } from "node:crypto";
import type { Clock } from "../util/clock.ts";
import { badRequest, conflict, forbidden, notFound } from "./errors.ts";
import type { KafkaStore } from "./store.ts";

export type Permission = "ALL" | "PRODUCE" | "CONSUME";
export const permissions: readonly Permission[] = ["ALL", "PRODUCE", "CONSUME"];

export interface KafkaUser {
  name: string;
  permissions: Permission;
  /** "*" (every topic), "prefix*" or an exact topic name. */
  topicPattern: string;
}

const VERIFIED_CACHE_MAX = 1024;
const USER_NAME = /^[A-Za-z0-9._@-]{1,128}$/;
const TOPIC_PATTERN = /^(\*|[a-zA-Z0-9._-]{1,249}\*?)$/;

export class KafkaUsers {
  private readonly stored = new Map<string, KafkaUser & { passwordHash: string }>();
  private readonly verified = new Map<string, KafkaUser>();
  private readonly defaultUser: KafkaUser;
  private readonly defaultPassword: Buffer;

  constructor(
    private readonly store: KafkaStore,
    private readonly clock: Clock,
    defaultCredentials: { username: string; password: string },
  ) {
    this.defaultUser = { name: defaultCredentials.username, permissions: "ALL", topicPattern: "*" };
    this.defaultPassword = digest(defaultCredentials.password);
    for (const row of store.loadUsers()) {
      this.stored.set(row.name, { name: row.name, permissions: row.permissions as Permission, topicPattern: row.topic_pattern, passwordHash: row.password_hash });
    }
  }

  /** The user an `Authorization: Basic ...` header names, or undefined when it is missing or wrong. */
  authenticate(authorization: string | null | undefined): KafkaUser | undefined {
    if (!authorization) return undefined;
    const cached = this.verified.get(authorization);
    if (cached !== undefined) return cached;
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (match === null) return undefined;
    // compat: the client's base64 encodes each UTF-16 unit as one byte (Latin-1), so decode as such.
    const decoded = Buffer.from(match[1]!, "base64").toString("latin1");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    const name = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    let user: KafkaUser | undefined;
    if (name === this.defaultUser.name) {
      if (timingSafeEqual(digest(password), this.defaultPassword)) user = this.defaultUser;
    } else {
      const stored = this.stored.get(name);
      if (stored !== undefined && Bun.password.verifySync(password, stored.passwordHash)) {
        user = { name: stored.name, permissions: stored.permissions, topicPattern: stored.topicPattern };
      }
    }
    if (user !== undefined) {
      if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.clear();
      this.verified.set(authorization, user);
    }
    return user;
  }

  list(): KafkaUser[] {
    return [this.defaultUser, ...[...this.stored.values()].map(({ name, permissions, topicPattern }) => ({ name, permissions, topicPattern }))];
  }

  /** Creates or replaces a stored user. */
  put(name: unknown, password: unknown, permission: unknown = "ALL", topicPattern: unknown = "*"): KafkaUser {
    if (typeof name !== "string" || !USER_NAME.test(name)) throw badRequest("user name must be 1 to 128 of A-Z a-z 0-9 . _ @ -");
    if (name === this.defaultUser.name) throw conflict(`${name} is the configured default user: change it with UPSTASH_KAFKA_REST_USERNAME/PASSWORD`);
    if (typeof password !== "string" || password.length < 8 || !/^[\x21-\x7e]+$/.test(password)) {
      throw badRequest("password must be at least 8 printable ASCII characters");
    }
    if (typeof permission !== "string" || !permissions.includes(permission as Permission)) throw badRequest("permissions must be ALL, PRODUCE or CONSUME");
    if (typeof topicPattern !== "string" || !TOPIC_PATTERN.test(topicPattern)) throw badRequest('topic pattern must be "*", a topic name, or a prefix ending in "*"');
    const passwordHash = Bun.password.hashSync(password);
    this.store.putUser({ name, password_hash: passwordHash, permissions: permission, topic_pattern: topicPattern, created_at_ms: this.clock.nowMs() });
    const user: KafkaUser = { name, permissions: permission as Permission, topicPattern };
    this.stored.set(name, { ...user, passwordHash });
    this.verified.clear();
    return user;
  }

  delete(name: string): void {
    if (!this.store.deleteUser(name)) throw notFound(`User ${name} not found`);
    this.stored.delete(name);
    this.verified.clear();
  }
}

function digest(text: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher("sha256").update(text, "latin1").digest());
}

export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) return topic.startsWith(pattern.slice(0, -1));
  return topic === pattern;
}

export function canSee(user: KafkaUser, topic: string): boolean {
  return topicMatches(user.topicPattern, topic);
}

/** Throws a clear 403 unless the user may produce to the topic. */
export function requireProduce(user: KafkaUser, topic: string): void {
  if (user.permissions === "CONSUME") throw forbidden(`User ${user.name} is consume-only: producing to topic ${topic} is not allowed`);
  if (!canSee(user, topic)) throw forbidden(`User ${user.name} may not access topic ${topic} (allowed: ${user.topicPattern})`);
}

/** Throws a clear 403 unless the user may consume from the topic. */
export function requireConsume(user: KafkaUser, topic: string): void {
  if (user.permissions === "PRODUCE") throw forbidden(`User ${user.name} is produce-only: consuming from topic ${topic} is not allowed`);
  if (!canSee(user, topic)) throw forbidden(`User ${user.name} may not access topic ${topic} (allowed: ${user.topicPattern})`);
}

/** Group-level calls (commit without offsets, delete-consumer, /consumers) need consume rights. */
export function requireConsumer(user: KafkaUser): void {
  if (user.permissions === "PRODUCE") throw forbidden(`User ${user.name} is produce-only: consumer groups are not allowed`);
}
