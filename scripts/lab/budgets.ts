import { DEFAULT_TIMEOUTS, type Timeouts } from "../timeouts.ts";

// The lab's convergence budgets, and how they follow this machine's speed.

/** The lab's budgets on a machine that starts a process in PROCESS_START_REFERENCE_MS: the
 * cluster's convergence rule, sized to a 1 s scrape interval and Prometheus's 5 s discovery tick. */
export const LAB_TIMEOUTS: Timeouts = {
  ...DEFAULT_TIMEOUTS,
  request: 3_000,
  consistency: 8_000,
  targetsUp: 12_000,
  promql: 12_000,
  // Two rotations of the lab's schedule (selftest ROTATION_PERIOD_MS, 2 s) with room for reads
  // queued behind a selftest's hundreds of curls (one took 18 s there).
  rotation: 20_000,
};
/** How long starting `curl --version` takes where LAB_TIMEOUTS fit (a 2-CPU Linux runner). */
export const PROCESS_START_REFERENCE_MS = 12;
/** Budgets never grow past this: a slower machine is too slow for the lab, and it says so. */
export const MAX_BUDGET_SCALE = 3;

/**
 * The lab's work is hundreds of curl processes from one machine, so its convergence budgets follow
 * what a process start costs here (measured by startLab): a machine where it takes twice the
 * reference gets twice the waits, and the selftest's floor (the targetsUp budget) grows with them.
 * Per-request timeouts (curl --max-time) stay: they bound one request, not the lab's throughput.
 */
export function budgetScale(processStartMs: number): number {
  return Math.min(MAX_BUDGET_SCALE, Math.max(1, processStartMs / PROCESS_START_REFERENCE_MS));
}

export function labTimeouts(scale: number): Timeouts {
  const grow = (ms: number) => Math.round(ms * scale);
  return {
    ...LAB_TIMEOUTS,
    consistency: grow(LAB_TIMEOUTS.consistency),
    targetsUp: grow(LAB_TIMEOUTS.targetsUp),
    promql: grow(LAB_TIMEOUTS.promql),
    rotation: grow(LAB_TIMEOUTS.rotation),
  };
}
