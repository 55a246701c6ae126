import { describe, expect, it, vi } from "vitest";
import { Interrupted } from "../errors.ts";
import { DEFAULT_BACKOFF, eventually, pause } from "./backoff.ts";

describe("eventually", () => {
  it("returns the value as soon as an attempt is done, counting attempts", async () => {
    let i = 0;
    const r = await eventually(
      async () => (++i < 3 ? { done: false, last: i } : { done: true, value: i }),
      5_000,
      {
        initialMs: 5,
        factor: 2,
        maxMs: 20,
      },
    );
    expect(r).toEqual({ value: 3, timedOut: false, attempts: 3 });
  });

  it("gives the last value and timedOut at the deadline, not before", async () => {
    const start = Date.now();
    const r = await eventually(async () => ({ done: false, last: "not yet" }), 120, {
      initialMs: 10,
      factor: 2,
      maxMs: 40,
    });
    expect(r.value).toBe("not yet");
    expect(r.timedOut).toBe(true);
    expect(Date.now() - start).toBeGreaterThanOrEqual(110);
    expect(r.attempts).toBeGreaterThanOrEqual(3);
    expect(r.attempts).toBeLessThan(15);
  });

  it("grows the pause by its factor up to the cap, never past the deadline", async () => {
    const at: number[] = [];
    const start = Date.now();
    await eventually(
      async () => {
        at.push(Date.now() - start);
        return { done: false, last: 0 };
      },
      300,
      { initialMs: 20, factor: 3, maxMs: 70 },
    );
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 20, 60, then capped at 70.
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[0]).toBeLessThan(55);
    expect(gaps[1]).toBeGreaterThanOrEqual(55);
    expect(gaps[2]).toBeGreaterThanOrEqual(65);
    expect(Math.max(...gaps)).toBeLessThan(120);
    expect(at.at(-1)!).toBeLessThan(420);
  });

  it("stops at an abort by throwing the interrupt, never reporting it as a timeout", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Interrupted("SIGTERM")), 30);
    const start = Date.now();
    const r = eventually(
      async () => ({ done: false, last: 1 }),
      10_000,
      { initialMs: 1_000, factor: 1, maxMs: 1_000 },
      ac.signal,
    );
    await expect(r).rejects.toThrow(Interrupted);
    await expect(r).rejects.toMatchObject({ signal: "SIGTERM" });
    expect(Date.now() - start).toBeLessThan(900);
  });

  it("has a default backoff that starts small and is capped", () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 200, factor: 1.6, maxMs: 2_000 });
  });
});

describe("pause", () => {
  it("waits its time, and an abort ends it early without throwing", async () => {
    let start = Date.now();
    await pause(40);
    expect(Date.now() - start).toBeGreaterThanOrEqual(35);
    const ac = new AbortController();
    start = Date.now();
    setTimeout(() => ac.abort(), 10);
    await pause(5_000, ac.signal);
    expect(Date.now() - start).toBeLessThan(1_000);
  });
});

describe("eventually with a zero budget", () => {
  it("looks exactly once: a budget of 0 is one observation, not a loop", async () => {
    // A frozen clock makes 'no time left' exact: at the deadline there is no second look.
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now);
    try {
      let i = 0;
      const r = await eventually(
        async () => (++i < 3 ? { done: false, last: i } : { done: true, value: i }),
        0,
        {
          initialMs: 1,
          factor: 1,
          maxMs: 1,
        },
      );
      expect(r).toEqual({ value: 1, timedOut: true, attempts: 1 });
    } finally {
      clock.mockRestore();
    }
  });
});
