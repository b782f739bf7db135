// The change log's producer side: every write reaches it as a replay-safe argv with the
// database's next log sequence number (LSN). Persistence, replication and the sync token read
// this one stream; the durable SQLite store (src/storage) is one sink.

export interface ChangeEntry {
  database: string;
  lsn: number;
  argv: string[];
}

export interface ChangeSink {
  append(entry: ChangeEntry): void;
}

export const discardChanges: ChangeSink = { append() {} };

/** Keeps entries in memory: for tests that assert what a command journals. */
export class RecordingSink implements ChangeSink {
  readonly entries: ChangeEntry[] = [];
  append(entry: ChangeEntry): void {
    this.entries.push(entry);
  }
  argvs(): string[][] {
    return this.entries.map((e) => e.argv);
  }
}
