// Proves cron handling as pure functions: 5 fields only, CRON_TZ zones, the next firing after an
// instant, and which schedules are due at a given now.

import { describe, expect, test } from "bun:test";
import { dueSchedules, nextRunAtMs, parseCron, type Schedule } from "../../src/qstash/schedules.ts";

const at = (iso: string) => Date.parse(iso);

describe("parseCron", () => {
  test("keeps the expression trimmed and reads CRON_TZ", () => {
    expect(parseCron("*/10 * * * * ")).toEqual({ cron: "*/10 * * * *", pattern: "*/10 * * * *", timezone: undefined });
    expect(parseCron("CRON_TZ=Europe/Berlin 30 8 * * 1-5")).toEqual({ cron: "CRON_TZ=Europe/Berlin 30 8 * * 1-5", pattern: "30 8 * * 1-5", timezone: "Europe/Berlin" });
  });

  test.each(["* * * * * *", "* * * *", "61 * * * *", "CRON_TZ=Not/AZone * * * * *", "", "every minute"])("refuses %p", (cron) => {
    expect(() => parseCron(cron)).toThrow("invalid cron expression");
  });
});

describe("nextRunAtMs", () => {
  test("is the first firing strictly after the instant, in UTC by default", () => {
    expect(nextRunAtMs(parseCron("*/15 * * * *"), at("2026-03-01T10:07:12Z"))).toBe(at("2026-03-01T10:15:00Z"));
    expect(nextRunAtMs(parseCron("*/15 * * * *"), at("2026-03-01T10:15:00Z"))).toBe(at("2026-03-01T10:30:00Z"));
    expect(nextRunAtMs(parseCron("0 0 1 * *"), at("2026-03-01T10:00:00Z"))).toBe(at("2026-04-01T00:00:00Z"));
  });

  test("follows the zone's daylight-saving change", () => {
    const spec = parseCron("CRON_TZ=America/New_York 0 9 * * *");
    expect(nextRunAtMs(spec, at("2026-03-07T00:00:00Z"))).toBe(at("2026-03-07T14:00:00Z"));
    expect(nextRunAtMs(spec, at("2026-03-09T00:00:00Z"))).toBe(at("2026-03-09T13:00:00Z"));
  });
});

describe("dueSchedules", () => {
  const schedule = (scheduleId: string, nextScheduleTimeMs: number | undefined, isPaused = false): Schedule => ({
    scheduleId,
    cron: "* * * * *",
    destination: "http://x/",
    requestHeaders: [],
    body: new Uint8Array(),
    createdAtMs: 0,
    isPaused,
    callerIp: "",
    nextScheduleTimeMs,
    lastScheduleStates: {},
  });

  test("are the unpaused ones at or before now, earliest first", () => {
    const all = [schedule("late", 300), schedule("paused", 100, true), schedule("now", 200), schedule("early", 100), schedule("never", undefined)];
    expect(dueSchedules(all, 200).map((s) => s.scheduleId)).toEqual(["early", "now"]);
  });
});
