// A min-heap of (instant, item): the messages waiting for their delivery time. Entries are never
// removed from the middle; a consumer skips an entry whose item has moved on (rescheduled or
// cancelled), which keeps every operation O(log n).

export class DueHeap<T> {
  private readonly atMs: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(atMs: number, item: T): void {
    this.atMs.push(atMs);
    this.items.push(item);
    let index = this.items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.atMs[parent]! <= this.atMs[index]!) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  peekAtMs(): number | undefined {
    return this.atMs[0];
  }

  /** Removes and returns the earliest entry when it is due at or before nowMs. */
  popDue(nowMs: number): { atMs: number; item: T } | undefined {
    if (this.items.length === 0 || this.atMs[0]! > nowMs) return undefined;
    const top = { atMs: this.atMs[0]!, item: this.items[0]! };
    const lastAt = this.atMs.pop()!;
    const lastItem = this.items.pop()!;
    if (this.items.length > 0) {
      this.atMs[0] = lastAt;
      this.items[0] = lastItem;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < this.items.length && this.atMs[left]! < this.atMs[smallest]!) smallest = left;
        if (right < this.items.length && this.atMs[right]! < this.atMs[smallest]!) smallest = right;
        if (smallest === index) break;
        this.swap(index, smallest);
        index = smallest;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    [this.atMs[a], this.atMs[b]] = [this.atMs[b]!, this.atMs[a]!];
    [this.items[a], this.items[b]] = [this.items[b]!, this.items[a]!];
  }
}
