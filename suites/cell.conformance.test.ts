import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { type CellContextFile, cellContext } from "../scripts/conformance/context.ts";
import type { TestDecision } from "../scripts/plan/gates.ts";
import { error } from "../scripts/probes/verdict.ts";
import { statusOf, type TestResult } from "../scripts/report/model.ts";
import { CONFORMANCE_TESTS } from "./catalog.ts";

// The single entry `ssc run` starts per cell (vitest project "conformance"). It runs exactly the
// tests the plan decided to run, so `ssc list`, `ssc plan` and the run agree by construction, and
// writes every verdict for the report. Never part of `npm test`: it needs a live cell.
const file = process.env.SSC_CELL_CONTEXT;
if (!file) throw new Error("suites/cell.conformance.test.ts runs inside a cell: start it with `ssc run`");
const cell = JSON.parse(readFileSync(file, "utf8")) as CellContextFile & {
  tests: TestDecision[];
  resultsPath: string;
};
const t = cellContext(cell);
const results: TestResult[] = [];
const TEST_BUDGET_MS = 540_000; // vitest's conformance testTimeout is 600 s

afterAll(() => {
  writeFileSync(cell.resultsPath, JSON.stringify(results, null, 2));
});

describe.concurrent(cell.cellId, () => {
  for (const decision of cell.tests) {
    const test = CONFORMANCE_TESTS.find((x) => x.id === decision.id)!;
    if (decision.status !== "run" || !test.run) {
      results.push({
        id: decision.id,
        status: "skipped",
        provisional: test.provisional,
        reason: decision.reason,
        skip: decision.status === "pending" ? "pending" : decision.skip,
        verdicts: [],
      });
      it.skip(decision.id, () => {});
      continue;
    }
    it(decision.id, async () => {
      const start = performance.now();
      let outcome: Awaited<ReturnType<NonNullable<typeof test.run>>>;
      try {
        // Our own budget, under vitest's, so a hung body becomes an error in the results.
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<never>((_r, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no verdict within ${TEST_BUDGET_MS / 1000}s`)),
            TEST_BUDGET_MS,
          );
        });
        outcome = await Promise.race([test.run!(t), limit]).finally(() => clearTimeout(timer));
      } catch (e) {
        // A body that throws could not tell: an error, never a failure or a pass.
        outcome = { verdicts: [error(decision.id, `test body threw: ${(e as Error).message}`)] };
      }
      const status = statusOf(outcome.verdicts);
      const worst = outcome.verdicts.find((v) => v.verdict === (status === "failed" ? "fail" : "error"));
      results.push({
        id: decision.id,
        status,
        provisional: test.provisional,
        reason: worst?.summary,
        verdicts: outcome.verdicts,
        finding: outcome.finding,
        seconds: (performance.now() - start) / 1000,
      });
      // Provisional tests record a finding and never turn the run red on their own.
      if (!test.provisional) {
        expect(status, outcome.verdicts.map((v) => `${v.verdict} ${v.probe}: ${v.summary}`).join("\n")).toBe(
          "passed",
        );
      }
    });
  }
});
