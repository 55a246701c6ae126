import { performance } from "node:perf_hooks";
import { throwIfInterrupted } from "../errors.ts";
import { loadKubeConfig, loadRunKubeConfig } from "../mesh/kube.ts";
import type { PlannedCell } from "../plan/plan.ts";
import { formatAmount } from "../plan/requests.ts";
import { shellJoin } from "../plan/shell.ts";
import type { Step } from "../plan/steps.ts";
import type { CellState, RunOptions, StepRun } from "./context.ts";
import { logProgress } from "./progress.ts";
import { HANDLERS } from "./steps/handlers.ts";
import type { Teardown } from "./teardown.ts";

// The executor only sequences: it runs a cell's provisioning steps in plan order through the
// handler table, times each, and stops at an interrupt. What a step does is its handler's; what
// it made, the Teardown undoes.
export type Mode = "run" | "up";

/** collect and the teardown steps belong to the run loop, not to provisioning (run-tests ends it). */
const LOOP_OWNED = new Set<Step["action"]["type"]>(["collect", "teardown"]);

/** The steps a mode shows and counts: `up` stops before the tests; `run` goes to the end. */
export function shownSteps(cell: PlannedCell, mode: Mode): Step[] {
  if (mode === "run") return cell.steps;
  const stop = cell.steps.findIndex((s) => s.action.type === "run-tests");
  return stop >= 0 ? cell.steps.slice(0, stop) : cell.steps;
}

/** A step's start, as the progress says it (numbered as the dry run numbers it); call the result
 * with whether it worked when it ends. */
export function stepStarted(
  o: Pick<RunOptions, "progress" | "log">,
  cell: PlannedCell,
  mode: Mode,
  step: Step,
): (ok: boolean) => number {
  const progress = o.progress ?? logProgress(o.log);
  const steps = shownSteps(cell, mode);
  const at = {
    cell: cell.id,
    step: step.id,
    index: steps.findIndex((s) => s.id === step.id) + 1,
    total: steps.length,
  };
  progress.emit({ event: "step-started", ...at, description: step.description });
  const start = performance.now();
  return (ok) => {
    const seconds = Math.round(performance.now() - start) / 1000;
    progress.emit({ event: "step-ended", ...at, ok, seconds });
    return seconds;
  };
}

export async function executeCell(
  cell: PlannedCell,
  o: RunOptions,
  t: Teardown,
  state: CellState,
  mode: Mode,
): Promise<void> {
  const kc = () => {
    // The user's own kubeconfig was read before the run started (bad input is exit 2 there).
    state.kc ??=
      o.provider === "existing"
        ? loadKubeConfig(state.kubeconfig, o.context)
        : loadRunKubeConfig(state.kubeconfig, o.context);
    return state.kc;
  };
  for (const step of cell.steps) {
    if (step.action.type === "run-tests") break;
    if (LOOP_OWNED.has(step.action.type)) continue;
    throwIfInterrupted(o.signal);
    const ended = stepStarted(o, cell, mode, step);
    const handler = HANDLERS[step.action.type as keyof typeof HANDLERS] as (r: StepRun) => Promise<void>;
    try {
      await handler({ action: step.action, step, cell, o, t, state, kc });
    } catch (e) {
      ended(false);
      throw e;
    }
    state.timings.push({ step: step.id, seconds: ended(true) });
  }
  throwIfInterrupted(o.signal);
}

/** The commands a dry run prints, in order, numbered as the real run numbers them. */
export function dryRunLines(cell: PlannedCell, mode: Mode): string[] {
  const steps = shownSteps(cell, mode);
  const lines = [`# cell ${cell.id}`];
  if (cell.requests) {
    lines.push(`# requests: ${formatAmount(cell.requests.total)} (${cell.requests.note})`);
  }
  const skipped = cell.tests.filter((d) => d.status === "skip");
  for (const [i, s] of steps.entries()) {
    lines.push(`[${i + 1}/${steps.length}] ${s.id}: ${s.description}`);
    if (s.argv) lines.push(`  $ ${shellJoin(s.argv)}`);
  }
  if (skipped.length > 0) {
    lines.push("# skipped tests:", ...skipped.map((d) => `#   ${d.id}: ${d.reason}`));
  }
  return lines;
}
