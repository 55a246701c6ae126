import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { CellContextFile } from "../conformance/context.ts";
import { InfrastructureError, throwIfInterrupted } from "../errors.ts";
import type { PlannedCell } from "../plan/plan.ts";
import { cellDir } from "../plan/steps.ts";
import type { ProbeClientRecord, TestResult } from "../report/model.ts";
import { formatDuration } from "../timeouts.ts";
import type { CellState, RunOptions } from "./context.ts";
import { lastLines } from "./steps/process.ts";

// A cell's tests run in a vitest child (the conformance project, with vitest's JUnit reporter),
// bounded by the named timeout `tests` and killed on an interrupt. The child writes every verdict
// to results.json; no results is an infrastructure error, never a pass.
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VITEST = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

export interface CellResultsFile {
  tests: TestResult[];
  probeClient?: ProbeClientRecord;
}

export interface TestsRun extends CellResultsFile {
  /** vitest's JUnit XML, read now: the cell's work folder may be gone when reports are written. */
  junitXml?: string;
}

export async function runTests(cell: PlannedCell, state: CellState, o: RunOptions): Promise<TestsRun> {
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
    timeouts: o.timeouts,
    consecutive: o.consecutive,
    strictFindings: o.strictFindings,
    tests: cell.tests,
    resultsPath,
  };
  await writeFile(contextPath, JSON.stringify(context, null, 2));
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
    {
      reject: false,
      all: true,
      env: { SSC_CELL_CONTEXT: contextPath },
      cwd: REPO_ROOT,
      timeout: o.timeouts.tests,
      cancelSignal: o.signal,
      forceKillAfterDelay: 5_000,
    },
  );
  throwIfInterrupted(o.signal);
  if (r.timedOut) {
    throw new InfrastructureError(
      `the tests of ${cell.id} did not finish within timeout tests (${formatDuration(o.timeouts.tests)}): killed; raise it with --timeout tests=<duration>`,
    );
  }
  if (!existsSync(resultsPath)) {
    throw new InfrastructureError(
      `the conformance run of ${cell.id} wrote no results (vitest exit ${r.exitCode}): ${lastLines(String(r.all), 5)}`,
    );
  }
  const results = JSON.parse(readFileSync(resultsPath, "utf8")) as CellResultsFile;
  return { ...results, junitXml: existsSync(junit) ? readFileSync(junit, "utf8") : undefined };
}
