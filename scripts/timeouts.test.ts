import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.ts";
import { SCRAPE } from "./render/scenarios.ts";
import {
  consecutiveFrom,
  DEFAULT_TIMEOUTS,
  formatDuration,
  parseDuration,
  TIMEOUT_NAMES,
  timeoutHelp,
  timeoutsFrom,
} from "./timeouts.ts";

describe("named timeouts", () => {
  it("parses name=duration over the defaults, every name the help lists", () => {
    expect(timeoutsFrom(["targetsUp=90s", "istioReady=10m", "request=1500ms"])).toMatchObject({
      targetsUp: 90_000,
      istioReady: 600_000,
      request: 1_500,
    });
    for (const name of TIMEOUT_NAMES) {
      expect(timeoutHelp()).toContain(`${name}=${formatDuration(DEFAULT_TIMEOUTS[name])}`);
      expect(timeoutsFrom([`${name}=2h`])[name]).toBe(7_200_000);
    }
  });

  it.each([
    ["bogus", /--timeout bogus: use name=duration, e\.g\. istioReady=10m,targetsUp=90s \(names: download, /],
    ["nap=1s", /unknown name "nap"; use name=duration/],
    ["istioReady=0s", /"0s" is not a positive duration/],
    ["istioReady=soon", /"soon" is not a positive duration like 90s, 10m, 1500ms or 1h/],
    ["istioReady=", /"" is not a positive duration/],
  ])("refuses %s with the form and the names", (item, message) => {
    expect(() => timeoutsFrom([item])).toThrow(UsageError);
    expect(() => timeoutsFrom([item])).toThrow(message);
  });

  it("formats and parses durations both ways", () => {
    for (const ms of [1_500, 30_000, 600_000, 3_600_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
    expect(parseDuration("1.5s")).toBe(1_500);
    expect(parseDuration("-1s")).toBeUndefined();
  });

  it("gives Prometheus targets at least two scrape intervals and a discovery refresh", () => {
    const interval = parseDuration(SCRAPE.interval)!;
    expect(DEFAULT_TIMEOUTS.targetsUp).toBeGreaterThanOrEqual(2 * interval + 5_000);
    expect(DEFAULT_TIMEOUTS.consistency).toBe(30_000);
  });

  it("takes --consecutive-successes as a whole number from 1", () => {
    expect(consecutiveFrom(undefined)).toBe(3);
    expect(consecutiveFrom("1")).toBe(1);
    for (const bad of ["0", "-2", "1.5", "x", ""]) expect(() => consecutiveFrom(bad)).toThrow(/whole number/);
  });
});
