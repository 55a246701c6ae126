import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bounded } from "../scripts/bounded.ts";
import { PROBE_CLIENT } from "../scripts/catalog/images.ts";
import { thrownVerdict } from "../scripts/conformance/checks.ts";
import { type CellContextFile, cellContext } from "../scripts/conformance/context.ts";
import { describeError } from "../scripts/errors.ts";
import type { TestDecision } from "../scripts/plan/gates.ts";
import { worstOf } from "../scripts/probes/verdict.ts";
import { type ProbeClientRecord, statusOf, type TestResult } from "../scripts/report/model.ts";
import type { CellResultsFile } from "../scripts/run/run-tests.ts";
import { DEFAULT_TIMEOUTS } from "../scripts/timeouts.ts";
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
const probeClient: ProbeClientRecord = { image: PROBE_CLIENT.image };
// Our own deadline for all the cell's tests, a minute inside its `tests` timeout, so a hung body
// becomes an error in the results instead of a killed process without any. One deadline for the
// cell, not a budget per test: tests run concurrently and a late one must not outlive the process.
const DEADLINE = Date.now() + Math.max(60_000, (cell.timeouts?.tests ?? DEFAULT_TIMEOUTS.tests) - 60_000);
const budgetMs = () => Math.max(1_000, DEADLINE - Date.now());

beforeAll(async () => {
  // The report records what the probes ran with: the pinned image and its curl, as it says itself.
  try {
    const client = await t.meshClient();
    const r = await client.run(["curl", "--version"]);
    probeClient.curl = r.stdout.split("\n")[0]?.trim() || `curl --version exit ${r.exitCode}`;
  } catch (e) {
    probeClient.error = `could not ask the probe client: ${describeError(e)}`;
  }
});

afterAll(() => {
  const out: CellResultsFile = { tests: results, probeClient };
  writeFileSync(cell.resultsPath, JSON.stringify(out, null, 2));
});

describe.concurrent(cell.cellId, () => {
  for (const decision of cell.tests) {
    const test = CONFORMANCE_TESTS.find((x) => x.id === decision.id)!;
    if (decision.status !== "run" || !test.run) {
      results.push({
        id: decision.id,
        status: "skipped",
        provisional: test.provisional,
        support: test.support,
        reason: decision.reason,
        skip: decision.status === "pending" ? "pending" : decision.skip,
        verdicts: [],
      });
      it.skip(decision.id, () => {});
      continue;
    }
    it(decision.id, { timeout: budgetMs() + 30_000 }, async () => {
      const start = performance.now();
      let outcome: Awaited<ReturnType<NonNullable<typeof test.run>>>;
      try {
        outcome = await bounded(test.run!(t), budgetMs(), "the test body gave no verdict");
      } catch (e) {
        // A body that throws could not tell: an error, never a failure or a pass; one that stood on
        // a failed precondition says which.
        outcome = { verdicts: [thrownVerdict(decision.id, e)] };
      }
      const status = statusOf(outcome.verdicts);
      const worst = worstOf(outcome.verdicts, decision.id);
      results.push({
        id: decision.id,
        status,
        provisional: test.provisional,
        support: test.support,
        reason: worst.verdict === "pass" ? undefined : worst.summary,
        verdicts: outcome.verdicts,
        finding: outcome.finding,
        seconds: (performance.now() - start) / 1000,
      });
      // Provisional tests record a finding and turn the run red only with --strict-findings.
      if (!test.provisional || cell.strictFindings) {
        expect(status, outcome.verdicts.map((v) => `${v.verdict} ${v.probe}: ${v.summary}`).join("\n")).toBe(
          "passed",
        );
      }
    });
  }
});
