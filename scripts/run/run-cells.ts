import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { InfrastructureError, Interrupted, UsageError } from "../errors.ts";
import { loadKubeConfig } from "../mesh/kube.ts";
import type { PlannedCell } from "../plan/plan.ts";
import { cellDir, cellKubeconfig } from "../plan/steps.ts";
import { scenarioDefinition } from "../render/scenarios.ts";
import { collectDiagnostics } from "../report/diagnostics.ts";
import { type CellResult, cellResultOf, type TestResult } from "../report/model.ts";
import { newCellState, type RunOptions } from "./context.ts";
import { executeCell, stepStarted } from "./execute.ts";
import type { RunInterrupt } from "./interrupt.ts";
import { runPool } from "./pool.ts";
import { runTests } from "./run-tests.ts";
import { keeps, Teardown, type TeardownPolicy } from "./teardown.ts";

// Each cell, one after another or --parallel N at once: provision, run its tests, collect
// diagnostics on failure, tear down.
// Any error in a cell (an infrastructure error or a bug) marks that cell and the run goes on, unless
// --fail-fast; an interrupt marks the current cell and leaves the rest "not run". Only bad input
// (exit 2, e.g. a run id whose cluster exists) stops the run, after the cell's own teardown.
export interface RunCellsOptions extends RunOptions {
  reportDir: string;
  policy: TeardownPolicy;
  failFast?: boolean;
  interrupt: RunInterrupt;
  /** Set when Docker was needed and is not there: every cell is this error, said once. */
  cannotStart?: string;
  /** Fold each cell's log (GitHub Actions' ::group::), one cell at a time. */
  group?: { start: (cellId: string) => void; end: () => void };
}

export interface CellRun {
  cell: CellResult;
  junitXml?: string;
}

function skeleton(cell: PlannedCell, o: RunCellsOptions): CellResult {
  return {
    id: cell.id,
    istioVersion: cell.istioVersion,
    profile: cell.profile,
    kubernetesVersion: cell.kubernetesVersion,
    // On the user's own cluster its family is its own; the plan's ipv4 would be a claim.
    ...(o.provider === "existing" ? {} : { ipFamily: cell.ipFamily }),
    enablement: cell.enablement,
    nodeImage: cell.nodeImage,
    secureMetricsMode: cell.secureMetricsMode,
    ...(cell.unlisted ? { unlisted: cell.unlisted } : {}),
    provider: o.provider ?? "kind",
    ...(o.provider === "existing" && o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.provider === "existing" && o.context ? { context: o.context } : {}),
    tools: {},
    tests: [],
    ...(cell.requests ? { requests: cell.requests.total } : {}),
  };
}

const testOf = (id: string) => CONFORMANCE_TESTS.find((t) => t.id === id);

/** Results for a cell whose tests never ran: the ones that would have run are errors (or, for a
 * cell the run never reached, skipped as not run). */
function unrun(cell: PlannedCell, reason: string, notRun = false): TestResult[] {
  return cell.tests.map((d): TestResult => {
    const base = {
      id: d.id,
      provisional: testOf(d.id)?.provisional ?? false,
      support: testOf(d.id)?.support ?? "extended",
      verdicts: [],
    };
    if (d.status === "skip") return { ...base, status: "skipped", reason: d.reason, skip: d.skip };
    if (d.status === "pending") return { ...base, status: "skipped", reason: d.reason, skip: "pending" };
    return notRun
      ? { ...base, status: "skipped", reason, skip: "not-run" }
      : { ...base, status: "errored", reason };
  });
}

export async function runCells(cells: readonly PlannedCell[], o: RunCellsOptions): Promise<CellRun[]> {
  let stop: string | undefined;
  // Every cell's pending teardown, for the message a second signal prints.
  const active = new Set<Teardown>();
  o.interrupt.leftBehind = () => [...active].flatMap((t) => t.pending()).join(", ");
  const parallel = o.parallel ?? 1;
  // Every cell ends with one cell-ended event, also one the run never started.
  const unstarted = (result: CellResult): CellRun => {
    o.progress?.emit({
      event: "cell-ended",
      cell: result.id,
      result: cellResultOf(result, o.strictFindings ?? false),
      seconds: 0,
    });
    return { cell: result };
  };
  return runPool(cells, parallel, async (cell) => {
    const result = skeleton(cell, o);
    if (!stop && o.interrupt.interruptedBy)
      stop = `not run: the run was interrupted by ${o.interrupt.interruptedBy}`;
    if (stop) {
      result.notRun = stop;
      result.tests = unrun(cell, stop, true);
      return unstarted(result);
    }
    if (cell.steps.every((s) => s.id === "nothing-to-run")) {
      result.tests = unrun(cell, "");
      return unstarted(result);
    }
    if (o.cannotStart) {
      result.error = o.cannotStart;
      result.tests = unrun(cell, "the cell could not be tested (see its error)");
      return unstarted(result);
    }
    // With cells at once, every line says whose it is.
    // (step lines already start with the cell id).
    const log =
      parallel > 1
        ? (line: string) => o.log(line.startsWith(`[${cell.id} `) ? line : `[${cell.id}] ${line}`)
        : o.log;
    // Decided as soon as the cell's outcome is known, before its diagnostics and teardown, so with
    // cells at once no worker starts another cell meanwhile.
    const settled = (usage: boolean) => {
      const sig = o.interrupt.interruptedBy;
      if (sig) stop ??= `not run: the run was interrupted by ${sig}`;
      else if (usage) stop ??= `not run: the run stopped on bad input in ${cell.id}`;
      else if (o.failFast) {
        const r = cellResultOf(result, o.strictFindings ?? false);
        if (r === "failure" || r === "error")
          stop ??= `not run: --fail-fast stopped the run after ${cell.id} (${r})`;
      }
    };
    o.group?.start(cell.id);
    o.progress?.emit({ event: "cell-started", cell: cell.id });
    const start = performance.now();
    try {
      const run = await runCell(cell, { ...o, log }, result, active, settled);
      settled(false);
      return run;
    } finally {
      const seconds = Math.round(performance.now() - start) / 1000;
      o.progress?.emit({
        event: "cell-ended",
        cell: cell.id,
        result: cellResultOf(result, o.strictFindings ?? false),
        seconds,
      });
      o.group?.end();
    }
  });
}

async function runCell(
  cell: PlannedCell,
  o: RunCellsOptions,
  result: CellResult,
  active: Set<Teardown>,
  settled: (usage: boolean) => void,
): Promise<CellRun> {
  const t = new Teardown(o.log);
  const state = newCellState(cellKubeconfig(o, cell));
  active.add(t);
  const dir = cellDir(o, cell);
  let junitXml: string | undefined;
  let usage: UsageError | undefined;
  // Registered first, so removed last: it holds the kubeconfig the other undos use. Kept with the
  // cluster on --keep / --keep-on-failure, and always for a cell `ssc up` made (--reuse).
  if (!o.reuse) t.add(`work folder ${dir}`, () => rm(dir, { recursive: true, force: true }));
  try {
    await mkdir(dir, { recursive: true });
    await executeCell(cell, { ...o, artifactsDir: o.reportDir }, t, state, "run");
    const tests = cell.steps.find((s) => s.action.type === "run-tests")!;
    const ended = stepStarted(o, cell, "run", tests);
    let r: Awaited<ReturnType<typeof runTests>>;
    try {
      r = await runTests(cell, state, o);
    } catch (e) {
      ended(false);
      throw e;
    }
    ended(true);
    for (const x of r.tests.filter((x) => x.status !== "skipped"))
      o.progress?.emit({
        event: "test",
        cell: cell.id,
        test: x.id,
        status: x.status,
        ...(x.reason ? { reason: x.reason } : {}),
      });
    result.tests = r.tests;
    result.probeClient = r.probeClient;
    junitXml = r.junitXml;
  } catch (e) {
    if (e instanceof UsageError) {
      usage = e;
    } else {
      result.error =
        e instanceof InfrastructureError
          ? e.message
          : `internal error (a bug in ssc): ${e instanceof Error ? e.message : String(e)}`;
      if (!(e instanceof InfrastructureError))
        o.log(`internal error in ${cell.id}: ${(e as Error).stack ?? e}`);
      result.tests = unrun(
        cell,
        e instanceof Interrupted ? e.message : "the cell could not be tested (see its error)",
      );
    }
  }
  result.tools = state.tools;
  result.timings = state.timings;
  const failed =
    Boolean(result.error) || result.tests.some((x) => x.status === "failed" || x.status === "errored");
  settled(usage !== undefined);
  // The loop's own steps, numbered as the dry run numbers them.
  const says = (type: string) =>
    cell.steps.filter((x) => x.action.type === type).map((s) => stepStarted(o, cell, "run", s));
  const collecting = says("collect");
  if (!usage && failed && state.clusterReady && !o.signal.aborted) {
    const diag = join(o.reportDir, "diagnostics", cell.id);
    try {
      await mkdir(diag, { recursive: true });
      await collectDiagnostics({
        kc: loadKubeConfig(state.kubeconfig, o.context),
        istioctl: state.istioctl,
        kubeconfig: state.kubeconfig,
        context: o.context,
        namespaces: [
          ...new Set(
            cell.scenarios.flatMap((s) => scenarioDefinition(s, cell, o.runId).namespace?.name ?? []),
          ),
        ],
        dir: diag,
        timeoutMs: o.timeouts.diagnostics,
      });
      result.diagnostics = diag;
    } catch (e) {
      o.log(`diagnostics of ${cell.id} incomplete: ${(e as Error).message}`);
    }
  }
  for (const end of collecting) end(result.diagnostics !== undefined || !failed);
  const ended = o.interrupt.interruptedBy ? "interrupted" : failed ? "failure" : "success";
  const tearing = says("teardown");
  const report = await t.runOnce(!usage && keeps(o.policy, ended), failed);
  for (const end of tearing) end(report.failed.length === 0);
  active.delete(t);
  if (report.kept.length) result.kept = report.kept;
  if (report.failed.length) result.leaked = report.failed;
  if (usage) throw usage;
  return { cell: result, junitXml };
}
