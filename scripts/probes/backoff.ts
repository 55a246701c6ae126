import { setTimeout as delay } from "node:timers/promises";

// Named timeouts, so a user can override one by name (--timeout targetsUp=60s) and an error can
// say which budget ran out. Waits poll with capped exponential backoff, never fixed sleeps.
export const DEFAULT_TIMEOUTS = {
  /** One HTTP request of a probe (curl --max-time). */
  request: 5_000,
  /** A Prometheus target to be discovered and scraped (discovery tick 5 s + scrape interval). */
  targetsUp: 30_000,
  /** A PromQL query to return its series. */
  promql: 30_000,
} as const;
export type TimeoutName = keyof typeof DEFAULT_TIMEOUTS;
export type Timeouts = Record<TimeoutName, number>;

export interface Backoff {
  initialMs: number;
  factor: number;
  maxMs: number;
}
export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, factor: 1.6, maxMs: 2_000 };

export type Poll<T> = { done: true; value: T } | { done: false; last: T };

/**
 * Polls `attempt` until it reports done or `timeoutMs` passes; returns the final value and
 * whether it timed out. The caller turns a timeout into a verdict; nothing here throws.
 */
export async function eventually<T>(
  attempt: () => Promise<Poll<T>>,
  timeoutMs: number,
  backoff: Backoff = DEFAULT_BACKOFF,
): Promise<{ value: T; timedOut: boolean; attempts: number }> {
  const deadline = Date.now() + timeoutMs;
  let wait = backoff.initialMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    const r = await attempt();
    if (r.done) return { value: r.value, timedOut: false, attempts };
    const left = deadline - Date.now();
    if (left <= 0) return { value: r.last, timedOut: true, attempts };
    await delay(Math.min(wait, left));
    wait = Math.min(wait * backoff.factor, backoff.maxMs);
  }
}
