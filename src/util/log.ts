// Structured logging: one JSON line per event on stdout, facts with fields. Never log user keys,
// values or secrets. Standalone, a line carries its `level`; under systemd, when stdout is the
// journal stream (JOURNAL_STREAM names it), a line starts with a `<N>` priority prefix instead,
// which journald strips and turns into the entry's priority. No line carries a timestamp: journald,
// Docker and fly.io stamp each line as they collect it.

import { fstatSync } from "node:fs";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

// sd-daemon(3) priorities: 3 err, 4 warning, 6 info, 7 debug.
const journalPriority: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

export interface LoggerOptions {
  journald: boolean;
  write?: (line: string) => void;
  quiet?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + "\n"));
  if (options.journald) {
    return {
      log(level, event, fields) {
        if (options.quiet && level === "debug") return;
        write(`<${journalPriority[level]}>${JSON.stringify({ event, ...fields })}`);
      },
    };
  }
  return {
    log(level, event, fields) {
      if (options.quiet && level === "debug") return;
      write(JSON.stringify({ event, level, ...fields }));
    },
  };
}

/**
 * True when `journalStream` ("device:inode", systemd's JOURNAL_STREAM) names the file on `fd`.
 * systemd.exec(5) says to compare, not to trust the variable alone: a shell started from a
 * service inherits it while its output goes to a terminal or a file.
 */
export function isJournalStream(journalStream: string | undefined, fd = 1): boolean {
  const match = journalStream === undefined ? null : /^(\d+):(\d+)$/.exec(journalStream);
  if (match === null) return false;
  try {
    const stat = fstatSync(fd, { bigint: true });
    return stat.dev === BigInt(match[1]!) && stat.ino === BigInt(match[2]!);
  } catch {
    return false;
  }
}

export const silentLogger: Logger = { log() {} };
