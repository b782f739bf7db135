// Schedules (spec/qstash.md §2.5): a 5-field cron, evaluated in UTC or in the zone of an optional
// `CRON_TZ=<IANA zone> ` prefix, that publishes a normal message to its destination at each
// firing. `croner` computes the times; 6-field (seconds) patterns are refused because QStash's
// finest resolution is a minute. `dueSchedules` and `nextRunAtMs` are pure, so firing is
// tested with an injected clock. The registry is in memory; the service persists each change.

import { Cron } from "croner";
import { bodyFields, settingsFields } from "./messages.ts";
import { BadRequestError, parseMessageSettings, type HeaderList } from "./publish-request.ts";

export interface CronSpec {
  // As given, trimmed: "*/10 * * * * " reads back as "*/10 * * * *".
  cron: string;
  pattern: string;
  timezone?: string;
}

export type ScheduleMessageState = "IN_PROGRESS" | "SUCCESS" | "FAIL";

export interface Schedule {
  scheduleId: string;
  cron: string;
  destination: string;
  /** The `Upstash-*` headers of the create request: each firing's message settings. */
  requestHeaders: HeaderList;
  body: Uint8Array;
  createdAtMs: number;
  isPaused: boolean;
  callerIp: string;
  queueName?: string;
  lastScheduleTimeMs?: number;
  nextScheduleTimeMs?: number;
  /** The messages of the last firing and how they fared. */
  lastScheduleStates: Record<string, ScheduleMessageState>;
}

export const SCHEDULE_ID_PATTERN = /^[A-Za-z0-9._-]{1,256}$/;

export function parseCron(text: string): CronSpec {
  const cron = text.trim();
  let pattern = cron;
  let timezone: string | undefined;
  const zoned = /^CRON_TZ=(\S+)\s+(.*)$/.exec(cron);
  if (zoned !== null) {
    timezone = zoned[1]!;
    pattern = zoned[2]!.trim();
  }
  if (pattern.split(/\s+/).length !== 5) {
    throw new BadRequestError(`invalid cron expression ${JSON.stringify(cron)}: use 5 fields (minute hour day-of-month month day-of-week), optionally after CRON_TZ=<zone>`);
  }
  try {
    // Evaluating once proves both the pattern and the zone.
    new Cron(pattern, { timezone: timezone ?? "UTC", mode: "5-part", paused: true }).nextRun(new Date(0));
  } catch (error) {
    throw new BadRequestError(`invalid cron expression ${JSON.stringify(cron)}: ${(error as Error).message}`);
  }
  return { cron, pattern, timezone };
}

/** The first firing strictly after `afterMs`, in ms; undefined when the pattern never fires again. */
export function nextRunAtMs(spec: CronSpec, afterMs: number): number | undefined {
  const next = new Cron(spec.pattern, { timezone: spec.timezone ?? "UTC", mode: "5-part", paused: true }).nextRun(new Date(afterMs));
  return next === null ? undefined : next.getTime();
}

/** Unpaused schedules whose next firing is at or before now, oldest first. */
export function dueSchedules(schedules: Iterable<Schedule>, nowMs: number): Schedule[] {
  const due: Schedule[] = [];
  for (const schedule of schedules) {
    if (!schedule.isPaused && schedule.nextScheduleTimeMs !== undefined && schedule.nextScheduleTimeMs <= nowMs) due.push(schedule);
  }
  return due.sort((a, b) => a.nextScheduleTimeMs! - b.nextScheduleTimeMs!);
}

/** The earliest next firing among unpaused schedules. */
export function nextDueAtMs(schedules: Iterable<Schedule>): number | undefined {
  let earliest: number | undefined;
  for (const schedule of schedules) {
    if (schedule.isPaused || schedule.nextScheduleTimeMs === undefined) continue;
    if (earliest === undefined || schedule.nextScheduleTimeMs < earliest) earliest = schedule.nextScheduleTimeMs;
  }
  return earliest;
}

/** The Schedule object of `GET /v2/schedules[/{id}]`. */
export function scheduleView(schedule: Schedule): Record<string, unknown> {
  const settings = parseMessageSettings(schedule.requestHeaders);
  const { maxRetries, ...shared } = settingsFields(settings);
  return {
    scheduleId: schedule.scheduleId,
    cron: schedule.cron,
    destination: schedule.destination,
    createdAt: schedule.createdAtMs,
    isPaused: schedule.isPaused,
    header: settings.header,
    ...bodyFields(schedule.body),
    retries: maxRetries,
    ...shared,
    ...(settings.delayMs === 0 ? {} : { delay: Math.floor(settings.delayMs / 1000) }),
    ...(schedule.queueName === undefined ? {} : { queueName: schedule.queueName }),
    callerIp: schedule.callerIp,
    callerIP: schedule.callerIp,
    ...(schedule.lastScheduleTimeMs === undefined ? {} : { lastScheduleTime: schedule.lastScheduleTimeMs }),
    ...(schedule.nextScheduleTimeMs === undefined ? {} : { nextScheduleTime: schedule.nextScheduleTimeMs }),
    lastScheduleStates: schedule.lastScheduleStates,
  };
}

export class ScheduleRegistry {
  private readonly schedules = new Map<string, Schedule>();

  get(scheduleId: string): Schedule | undefined {
    return this.schedules.get(scheduleId);
  }

  put(schedule: Schedule): void {
    this.schedules.set(schedule.scheduleId, schedule);
  }

  delete(scheduleId: string): boolean {
    return this.schedules.delete(scheduleId);
  }

  all(): Schedule[] {
    return [...this.schedules.values()].sort((a, b) => a.createdAtMs - b.createdAtMs || a.scheduleId.localeCompare(b.scheduleId));
  }

  values(): IterableIterator<Schedule> {
    return this.schedules.values();
  }
}
