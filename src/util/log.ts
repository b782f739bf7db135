// Structured logging: one JSON line per event, facts with fields. Never log user keys, values or
// secrets. Under systemd (JOURNAL_STREAM set) lines carry a `<N>` priority prefix instead of a
// timestamp, which journald adds itself.

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

const journalPriority: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

export function createLogger(options: { journald: boolean; write?: (line: string) => void; quiet?: boolean }): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + "\n"));
  return {
    log(level, event, fields) {
      if (options.quiet && level === "debug") return;
      const body = JSON.stringify({ event, ...(options.journald ? {} : { level }), ...fields });
      write(options.journald ? `<${journalPriority[level]}>${body}` : body);
    },
  };
}

export const silentLogger: Logger = { log() {} };
