import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { UsageError } from "../errors.ts";
import { readReportFolder } from "./merge.ts";
import type { CellResult, RunResult, TestResult } from "./model.ts";

// `ssc run --rerun-failed <report>`: Sonobuoy's "rerun the failed ones" for a matrix. From a report
// the suite wrote, the cells and tests to run again: every test that failed, errored or was never
// reached, in its own cell, with the versions that cell ran. Passes and skips stay where they are;
// `ssc report merge <old> <new> --prefer newest` joins the rerun over the first report test by test.

/** What a rerun runs again: per cell, the test ids (all: the cell reported none, e.g. a shard
 * whose job died, so every test it would have run). */
export interface RerunSet {
  dir: string;
  run: RunResult;
  cells: { cell: CellResult; tests: string[] | "all" }[];
}

/** Failed, errored, or never reached: what a rerun runs again. A skip the run chose (applicability,
 * selection, environment, pending) is not a failure and is not rerun. */
export const needsRerun = (t: TestResult): boolean =>
  t.status === "failed" || t.status === "errored" || (t.status === "skipped" && t.skip === "not-run");

export function rerunSet(dir: string, run: RunResult): RerunSet {
  const cells = run.cells.flatMap((cell): RerunSet["cells"] => {
    const tests = cell.tests.filter(needsRerun).map((t) => t.id);
    if (tests.length > 0) return [{ cell, tests }];
    // A cell with an error or never reached but no test results: everything it would have run.
    if (cell.tests.length === 0 && (cell.error || cell.notRun)) return [{ cell, tests: "all" as const }];
    return [];
  });
  return { dir, run, cells };
}

/** The report folder (or any file in it, e.g. its results.json or YAML report) a rerun starts from. */
export function readRerunSource(path: string): RerunSet {
  if (!existsSync(path)) {
    throw new UsageError(
      `--rerun-failed ${path}: no such folder or file; give a report folder ssc run wrote`,
    );
  }
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  const { run } = readReportFolder(dir, "--rerun-failed");
  return rerunSet(dir, run);
}

/** The one sentence every report of a rerun carries: what it reran and how to join it. */
export function rerunSentence(run: RunResult, reportDir = "<this folder>"): string | undefined {
  const r = run.rerunOf;
  if (!r) return undefined;
  const tests = r.cells.reduce((n, c) => n + (c.tests === "all" ? 0 : c.tests.length), 0);
  const whole = r.cells.filter((c) => c.tests === "all").length;
  return `Rerun of run ${r.runId} (${r.dir}): ${tests} test(s)${whole ? ` and ${whole} whole cell(s)` : ""} in ${r.cells.length} cell(s) that failed, errored or did not run; join it over the first with ssc report merge ${r.dir} ${reportDir} --prefer newest.`;
}

/** The record the new report carries: what it reran, from which run. */
export function rerunRecord(set: RerunSet): NonNullable<RunResult["rerunOf"]> {
  return {
    dir: set.dir,
    runId: set.run.runId,
    cells: set.cells.map((c) => ({ id: c.cell.id, tests: c.tests })),
  };
}
