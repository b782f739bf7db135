// QStash queues (spec/qstash.md §2.7): named FIFO lanes with a parallelism. A queue message
// takes one of the queue's slots at its first attempt and gives it back only when it is
// finished, retries and callbacks included, so parallelism 1 delivers strictly one at a time in
// order. A paused queue keeps accepting messages and starts none. `lag` counts the messages
// not yet finished. The registry is in memory; the service persists each change.

import type { Message } from "./messages.ts";

export interface QueueSettings {
  name: string;
  parallelism: number;
  paused: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,256}$/;
export const PARALLELISM_MAX = 10_000;

export class Queue {
  /** Messages of this queue not yet finished. */
  lag = 0;
  /** Messages holding a slot: started, and not yet finished with their callbacks. */
  activeCount = 0;
  /** Due messages that have not started, in publish order. */
  private readonly due: Message[] = [];

  constructor(public settings: QueueSettings) {}

  /** Adds a due, unstarted message, keeping publish (seq) order. */
  addDue(message: Message): void {
    let index = this.due.length;
    while (index > 0 && this.due[index - 1]!.seq > message.seq) index--;
    this.due.splice(index, 0, message);
  }

  hasWaiting(): boolean {
    return this.due.length > 0;
  }

  /** The next message allowed to start, taking a slot for it; undefined when none may. */
  takeNext(isStartable: (message: Message) => boolean): Message | undefined {
    while (!this.settings.paused && this.activeCount < this.settings.parallelism && this.due.length > 0) {
      const message = this.due.shift()!;
      if (!isStartable(message)) continue;
      this.activeCount++;
      return message;
    }
    return undefined;
  }

  /** Drops due messages that were cancelled, so they stop counting as waiting. */
  removeDue(message: Message): void {
    const index = this.due.indexOf(message);
    if (index !== -1) this.due.splice(index, 1);
  }

  view(): Record<string, unknown> {
    const { name, parallelism, paused, createdAtMs, updatedAtMs } = this.settings;
    return { createdAt: createdAtMs, updatedAt: updatedAtMs, name, parallelism, lag: this.lag, paused };
  }
}

export class QueueRegistry {
  private readonly queues = new Map<string, Queue>();

  get(name: string): Queue | undefined {
    return this.queues.get(name);
  }

  /** The queue, created with parallelism 1 when missing (enqueue auto-creates, per the OpenAPI). */
  ensure(name: string, nowMs: number): { queue: Queue; created: boolean } {
    const existing = this.queues.get(name);
    if (existing !== undefined) return { queue: existing, created: false };
    const queue = new Queue({ name, parallelism: 1, paused: false, createdAtMs: nowMs, updatedAtMs: nowMs });
    this.queues.set(name, queue);
    return { queue, created: true };
  }

  restore(settings: QueueSettings): void {
    this.queues.set(settings.name, new Queue(settings));
  }

  delete(name: string): Queue | undefined {
    const queue = this.queues.get(name);
    this.queues.delete(name);
    return queue;
  }

  all(): Queue[] {
    return [...this.queues.values()].sort((a, b) => a.settings.name.localeCompare(b.settings.name));
  }
}
