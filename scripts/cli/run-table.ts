import { cellResultOf, type RunResult, statistics } from "../report/model.ts";
import { renderTable } from "./table.ts";

/** The console table of a run's cells, as `ssc run` and `ssc report merge` print it. */
export function runTable(run: RunResult): string {
  return renderTable(
    ["CELL", "RESULT", "PASSED", "FAILED", "ERRORED", "SKIPPED"],
    run.cells.map((c) => {
      const s = statistics(c.tests);
      return [
        c.id,
        cellResultOf(c, run.strictFindings ?? false),
        String(s.passed),
        String(s.failed),
        String(s.errored),
        String(s.skipped),
      ];
    }),
  );
}
