import type { Verdict } from "../probes/verdict.ts";

// What a run produced, cell by cell: the input of every report writer. Kept plain so a run can be
// recorded to JSON and the writers tested on recorded results.
export type TestStatus = "passed" | "failed" | "errored" | "skipped";

export interface TestResult {
  id: string;
  status: TestStatus;
  provisional: boolean;
  /** Why it was skipped or errored, or the failing verdict's summary. */
  reason?: string;
  /** For skipped tests: "applicability" skips are part of full conformance, others make it partial. */
  skip?: "applicability" | "selection" | "environment" | "pending";
  verdicts: Verdict[];
  finding?: string;
  seconds?: number;
}

export interface ToolRecord {
  version: string;
  sha256: string;
}

export interface CellResult {
  id: string;
  istioVersion: string;
  profile: string;
  kubernetesVersion: string;
  nodeImage: string;
  secureMetricsMode: string;
  provider: string;
  tools: { kind?: ToolRecord; istioctl?: ToolRecord };
  /** Set when the cell could not be provisioned or tested: its tests are errors, not failures. */
  error?: string;
  tests: TestResult[];
  diagnostics?: string;
}

export interface Implementation {
  organization: string;
  project: string;
  url: string;
  version: string;
  contact: string[];
}

export interface RunResult {
  runId: string;
  started: string;
  finished: string;
  suiteVersion: string;
  command: string;
  implementation: Implementation;
  cells: CellResult[];
}

export type Result = "success" | "partial" | "failure" | "error";

/** failure (the mesh broke a non-provisional property) > error (the suite could not tell) >
 * partial (all that ran passed, but selected or applicable tests did not run) > success. */
export function resultOf(tests: readonly TestResult[], cellError?: string): Result {
  const counted = tests.filter((t) => !t.provisional);
  if (counted.some((t) => t.status === "failed")) return "failure";
  if (cellError || counted.some((t) => t.status === "errored")) return "error";
  if (counted.some((t) => t.status === "skipped" && t.skip !== "applicability")) return "partial";
  return "success";
}

export function statistics(tests: readonly TestResult[]) {
  const n = (s: TestStatus) => tests.filter((t) => t.status === s).length;
  return { passed: n("passed"), failed: n("failed"), errored: n("errored"), skipped: n("skipped") };
}

/** Exit code of a run: 1 if the mesh broke a property anywhere, else 3 if anything could not be
 * told, else 0. A known failure outranks an incomplete run. */
export function exitCodeOf(run: RunResult): 0 | 1 | 3 {
  const results = run.cells.map((c) => resultOf(c.tests, c.error));
  if (results.includes("failure")) return 1;
  if (results.includes("error")) return 3;
  return 0;
}

/** Combines a test's verdicts: any fail fails it, else any error errors it. */
export function statusOf(verdicts: readonly Verdict[]): TestStatus {
  if (verdicts.length === 0) return "errored";
  if (verdicts.some((v) => v.verdict === "fail")) return "failed";
  if (verdicts.some((v) => v.verdict === "error")) return "errored";
  return "passed";
}
