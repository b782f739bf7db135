// Proves the command clock: frozen, it holds the instant it froze at while the clock moves on; a
// freeze inside another keeps the outer instant until the outer thaw; thawed, it follows the clock;
// freezing tells the time now (a script times its run from it).

import { expect, test } from "bun:test";
import { CommandClock, ManualClock } from "./clock.ts";

test("a frozen command clock holds its instant through nested freezes until the outer thaw", () => {
  const clock = new ManualClock(1000);
  const time = new CommandClock(clock);
  expect(time.nowMs()).toBe(1000);
  time.freeze();
  clock.advance(5);
  expect(time.nowMs()).toBe(1000);
  time.freeze(); // a script inside a transaction
  clock.advance(5);
  expect(time.nowMs()).toBe(1000);
  time.thaw();
  expect(time.nowMs()).toBe(1000);
  time.thaw();
  expect(time.nowMs()).toBe(1010);
  clock.advance(1);
  expect(time.nowMs()).toBe(1011);
});

test("a clock frozen during a run that throws follows the clock again afterwards", () => {
  const clock = new ManualClock(1000);
  const time = new CommandClock(clock);
  expect(() =>
    time.frozenDuring(() => {
      clock.advance(5);
      expect(time.nowMs()).toBe(1000);
      throw new Error("a failed command");
    }),
  ).toThrow("a failed command");
  expect(time.nowMs()).toBe(1005);
});

test("freezing returns the time now: the held instant, or the clock's inside an outer freeze", () => {
  const clock = new ManualClock(1000);
  const time = new CommandClock(clock);
  expect(time.freeze()).toBe(1000);
  clock.advance(7); // a script starting later in the same transaction
  expect(time.freeze()).toBe(1007);
  expect(time.nowMs()).toBe(1000);
  time.thaw();
  time.thaw();
});
