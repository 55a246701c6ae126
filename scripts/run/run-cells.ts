import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import type { CellContextFile } from "../conformance/context.ts";
import { InfrastructureError } from "../errors.ts";
import { loadKubeConfig } from "../mesh/kube.ts";
import type { PlannedCell } from "../plan/plan.ts";
import { cellDir, cellKubeconfig } from "../plan/steps.ts";
import type { Timeouts } from "../probes/backoff.ts";
import { scenarioDefinition } from "../render/scenarios.ts";
import { collectDiagnostics } from "../report/diagnostics.ts";
import type { CellResult, TestResult } from "../report/model.ts";
import { type CellState, type ExecuteOptions, executeCell } from "./execute.ts";
import { type TeardownPolicy, withTeardown } from "./teardown.ts";

// One cell after another: provision, run its tests through vitest (the conformance project, with
// vitest's JUnit reporter), collect diagnostics on failure, tear down. A cell that cannot be
// provisioned is an error for its tests, never a failure, and the next cell still runs.
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VITEST = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

export interface RunCellsOptions extends ExecuteOptions {
  reportDir: string;
  policy: TeardownPolicy;
  probeTimeouts?: Partial<Timeouts>;
}

export interface CellRun {
  cell: CellResult;
  vitestJunit?: string;
}

function skeleton(cell: PlannedCell, o: RunCellsOptions): CellResult {
  return {
    id: cell.id,
    istioVersion: cell.istioVersion,
    profile: cell.profile,
    kubernetesVersion: cell.kubernetesVersion,
    nodeImage: cell.nodeImage,
    secureMetricsMode: cell.secureMetricsMode,
    provider: o.provider ?? "kind",
    tools: {},
    tests: [],
  };
}

/** Results for a cell whose tests never ran: the ones that would have run are errors. */
function unrun(cell: PlannedCell, reason: string): TestResult[] {
  return cell.tests.map((d) => {
    const provisional = CONFORMANCE_TESTS.find((t) => t.id === d.id)?.provisional ?? false;
    return d.status === "skip"
      ? { id: d.id, status: "skipped", provisional, reason: d.reason, skip: d.skip, verdicts: [] }
      : d.status === "pending"
        ? { id: d.id, status: "skipped", provisional, reason: d.reason, skip: "pending", verdicts: [] }
        : { id: d.id, status: "errored", provisional, reason, verdicts: [] };
  });
}

export async function runTests(
  cell: PlannedCell,
  state: CellState,
  o: RunCellsOptions,
): Promise<{ tests: TestResult[]; junit: string }> {
  const dir = resolve(cellDir(o, cell));
  const contextPath = join(dir, "cell-context.json");
  const resultsPath = join(dir, "results.json");
  const junit = join(dir, "junit.xml");
  const context: CellContextFile & { tests: PlannedCell["tests"]; resultsPath: string } = {
    cellId: cell.id,
    istioVersion: state.istioVersion ?? cell.istioVersion,
    profile: cell.profile,
    secureMetricsMode: cell.secureMetricsMode,
    runId: o.runId,
    kubeconfig: resolve(state.kubeconfig),
    context: o.context,
    istioctlPath: state.istioctl!,
    timeouts: o.probeTimeouts,
    tests: cell.tests,
    resultsPath,
  };
  await writeFile(contextPath, JSON.stringify(context, null, 2));
  o.log(
    `[${cell.id}] run-tests: ${cell.tests.filter((t) => t.status === "run").length} test(s) through vitest`,
  );
  const r = await execa(
    process.execPath,
    [
      VITEST,
      "run",
      "--root",
      REPO_ROOT,
      "--project",
      "conformance",
      "--reporter",
      "default",
      "--reporter",
      "junit",
      "--outputFile.junit",
      junit,
    ],
    { reject: false, all: true, env: { SSC_CELL_CONTEXT: contextPath }, cwd: REPO_ROOT },
  );
  if (!existsSync(resultsPath)) {
    throw new InfrastructureError(
      `the conformance run of ${cell.id} wrote no results (vitest exit ${r.exitCode}): ${String(r.all).trim().split("\n").slice(-5).join(" | ")}`,
    );
  }
  return { tests: JSON.parse(readFileSync(resultsPath, "utf8")) as TestResult[], junit };
}

export async function runCells(cells: readonly PlannedCell[], o: RunCellsOptions): Promise<CellRun[]> {
  const runs: CellRun[] = [];
  for (const cell of cells) {
    const result = skeleton(cell, o);
    const state: CellState = { kubeconfig: cellKubeconfig(o, cell), tools: {}, clusterReady: false };
    let junit: string | undefined;
    if (cell.steps.every((s) => s.id === "nothing-to-run")) {
      result.tests = unrun(cell, "");
      runs.push({ cell: result });
      continue;
    }
    await withTeardown(
      o.policy,
      o.log,
      async (t) => {
        const dir = cellDir(o, cell);
        // Holds the cell's kubeconfig: kept with the cluster on --keep / --keep-on-failure, and
        // always when the cell belongs to ssc up (--reuse).
        if (!o.reuse) t.add(`work folder ${dir}`, () => rm(dir, { recursive: true, force: true }));
        try {
          await executeCell(
            cell,
            { ...o, until: "run-tests", artifactsDir: join(o.reportDir, "diagnostics") },
            t,
            state,
          );
          const r = await runTests(cell, state, o);
          result.tests = r.tests;
          junit = r.junit;
        } catch (e) {
          if (!(e instanceof InfrastructureError)) throw e;
          result.error = e.message;
          result.tests = unrun(cell, "the cell could not be tested (see its error)");
        }
        result.tools = state.tools;
        const failed =
          Boolean(result.error) || result.tests.some((x) => x.status === "failed" || x.status === "errored");
        if (failed && state.clusterReady) {
          const dir = join(o.reportDir, "diagnostics", cell.id);
          try {
            await mkdir(dir, { recursive: true });
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
              dir,
            });
            result.diagnostics = dir;
          } catch (e) {
            o.log(`diagnostics of ${cell.id} incomplete: ${(e as Error).message}`);
          }
        }
        return failed;
      },
      (failed) => failed,
    );
    runs.push({ cell: result, vitestJunit: junit });
  }
  return runs;
}
