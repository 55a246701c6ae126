import { setTimeout as delay } from "node:timers/promises";
import { throwIfInterrupted } from "../errors.ts";

// Waits poll with capped exponential backoff, never fixed sleeps; every wait has a named budget
// (scripts/timeouts.ts) that its error names.
export interface Backoff {
  initialMs: number;
  factor: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, factor: 1.6, maxMs: 2_000 };

export type Poll<T> = { done: true; value: T } | { done: false; last: T };

/**
 * Polls `attempt` until it reports done or `timeoutMs` passes; returns the final value and
 * whether it timed out. The caller turns a timeout into a verdict. An interrupt is not a timeout:
 * an aborted `signal` throws its Interrupted, so no caller can report it as one.
 */
export async function eventually<T>(
  attempt: () => Promise<Poll<T>>,
  timeoutMs: number,
  backoff: Backoff = DEFAULT_BACKOFF,
  signal?: AbortSignal,
): Promise<{ value: T; timedOut: boolean; attempts: number }> {
  const deadline = Date.now() + timeoutMs;
  let wait = backoff.initialMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    const r = await attempt();
    if (r.done) return { value: r.value, timedOut: false, attempts };
    throwIfInterrupted(signal);
    const left = deadline - Date.now();
    if (left <= 0) return { value: r.last, timedOut: true, attempts };
    await pause(Math.min(wait, left), signal);
    wait = Math.min(wait * backoff.factor, backoff.maxMs);
  }
}

/** A pause that an abort ends early instead of throwing: the caller looks at the signal. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
