import { describeError } from "../errors.ts";
import { pause } from "./backoff.ts";
import { error, type Verdict } from "./verdict.ts";

// Gateway API's rule, made ours: a probe passes when it passes N times in a row within a named
// maximum time. "Not yet" (a target not discovered, a listener not pushed) is never a verdict before
// the deadline; at the deadline the verdict is the last one that was not a pass, with how many
// attempts were made. A flapping probe never passes.
export interface Convergence {
  /** Passes in a row that make a pass (Gateway API's RequiredConsecutiveSuccesses). */
  consecutive: number;
  /** The named maximum time, e.g. { name: "consistency", ms: 30_000 }. */
  timeout: { name: string; ms: number };
  /** Pause between attempts (default 1 s); a PromQL probe waits a scrape interval. */
  intervalMs?: number;
  /** An interrupted run ends the wait at once; the verdict is then an error. */
  signal?: AbortSignal;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export async function converge(attempt: () => Promise<Verdict>, c: Convergence): Promise<Verdict> {
  const start = Date.now();
  const deadline = start + c.timeout.ms;
  let attempts = 0;
  let streak = 0;
  let lastNotPass: Verdict | undefined;
  let last: Verdict | undefined;
  for (;;) {
    attempts++;
    try {
      last = await attempt();
    } catch (e) {
      // A probe that throws could not tell this time; the next attempt may.
      last = error("probe", `the probe threw: ${describeError(e)}`);
    }
    if (last.verdict === "pass") {
      streak++;
      if (streak >= c.consecutive) {
        return {
          ...last,
          attempts,
          evidence: [
            ...last.evidence,
            `passed ${streak} time(s) in a row, ${attempts} attempt(s) in ${seconds(Date.now() - start)}`,
          ],
        };
      }
    } else {
      streak = 0;
      lastNotPass = last;
    }
    if (c.signal?.aborted) {
      return error(last.probe, `interrupted after ${attempts} attempt(s): ${last.summary}`, last.evidence);
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await pause(Math.min(c.intervalMs ?? 1_000, left), c.signal);
  }
  const budget = `timeout ${c.timeout.name} (${seconds(c.timeout.ms)})`;
  if (!lastNotPass) {
    // Only passes, but too few in a row before the budget ran out: the suite could not tell.
    return {
      ...error(
        last.probe,
        `passed ${streak} of ${c.consecutive} times in a row before ${budget} ran out`,
        last.evidence,
      ),
      attempts,
    };
  }
  const flapped = streak > 0 ? `; it passed ${streak} time(s) in a row at the end` : "";
  return {
    ...lastNotPass,
    attempts,
    summary: `${lastNotPass.summary} (still so after ${attempts} attempt(s), ${budget}${flapped})`,
  };
}
