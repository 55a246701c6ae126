import type { Enablement } from "../catalog/enablements.ts";
import type { IpFamily } from "../catalog/ip-families.ts";
import { type Verdict, type VerdictKind, worstOf } from "../probes/verdict.ts";

// What a run produced, cell by cell: the input of every report writer. Kept plain so a run can be
// recorded to JSON and the writers tested on recorded results.
export type TestStatus = "passed" | "failed" | "errored" | "skipped";

export interface TestResult {
  id: string;
  status: TestStatus;
  provisional: boolean;
  /** core or extended (absent in results written before the distinction). */
  support?: "core" | "extended";
  /** Why it was skipped or errored, or the failing verdict's summary. */
  reason?: string;
  /** For skipped tests: "applicability" skips are part of full conformance, others make it partial;
   * "not-run" marks the tests of a cell the run never reached (interrupt, --fail-fast); "opt-in"
   * a slow extended test left out unless asked for (--include-slow, --test), which a default run
   * is not less for. */
  skip?: "applicability" | "selection" | "environment" | "pending" | "not-run" | "opt-in";
  verdicts: Verdict[];
  finding?: string;
  seconds?: number;
}

export interface ToolRecord {
  version: string;
  sha256: string;
  /** False for a --tools-dir binary without a checksum beside it: used, but not verified. */
  verified?: boolean;
  source?: string;
}

/** The image every probe runs from, and what its tools said about themselves in this cell. */
export interface ProbeClientRecord {
  image: string;
  curl?: string;
  error?: string;
}

export interface CellResult {
  id: string;
  istioVersion: string;
  profile: string;
  kubernetesVersion: string;
  /** The cluster's IP family; absent on the user's own cluster (its family is its own) and in
   * reports written before the axis existed (ipv4). */
  ipFamily?: IpFamily;
  /** How the secure ports were turned on; absent in reports written before the axis (per pod). */
  enablement?: Enablement;
  nodeImage: string;
  secureMetricsMode: string;
  /** Set for a version the catalog does not list (--allow-unlisted-istio): what was assumed. */
  unlisted?: string;
  provider: string;
  /** On the user's own cluster: the kubeconfig and context it was reached with, so the reproduce
   * commands point at it again (results.json only; the submitted YAML leaves local paths out). */
  kubeconfig?: string;
  context?: string;
  tools: { kind?: ToolRecord; istioctl?: ToolRecord };
  /** Set when the cell could not be provisioned or tested: its tests are errors, not failures. */
  error?: string;
  /** Set when the run never reached the cell (an interrupt, --fail-fast), with why. */
  notRun?: string;
  tests: TestResult[];
  diagnostics?: string;
  probeClient?: ProbeClientRecord;
  /** Seconds per provisioning step, in order. */
  timings?: { step: string; seconds: number }[];
  /** Total resource requests the plan computed for the cell. */
  requests?: { cpuMillis: number; memoryMiB: number };
  /** What teardown kept (--keep) and what it could not remove (left behind). */
  kept?: string[];
  leaked?: { name: string; error: string }[];
}

export interface SkippedCell {
  id: string;
  istioVersion: string;
  profile: string;
  kubernetes: string;
  reason: string;
}

export interface Implementation {
  /** Absent when --organization was not given: the report names no one it was not told. */
  organization?: string;
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
  /** Combinations of the selection that cannot exist (ambient before 1.24, an unsupported
   * Kubernetes minor): never provisioned, listed with why. */
  skippedCells?: SkippedCell[];
  /** --strict-findings: a contradicted finding fails the run. */
  strictFindings?: boolean;
  /** --mode: certification names the implementation completely (absent = default). */
  mode?: "default" | "certification";
  /** Set by `ssc run --rerun-failed`: the report it reran, and per cell the tests it ran again
   * ("all" for a cell that reported none). */
  rerunOf?: { dir: string; runId: string; cells: { id: string; tests: string[] | "all" }[] };
  /** Set by `ssc report merge`: the shards this run was joined from, oldest first. */
  merged?: { dir: string; runId: string; command: string; finished: string }[];
}

export type Result = "success" | "partial" | "failure" | "error" | "not-run";

/** failure (the mesh broke a non-provisional property) > error (the suite could not tell) >
 * not-run (the run never reached the cell) > partial (all that ran passed, but selected or
 * applicable tests did not run) > success. */
export function resultOf(
  tests: readonly TestResult[],
  cellError?: string,
  notRun?: string,
  strictFindings = false,
): Result {
  // Findings (provisional tests) count only with --strict-findings.
  const counted = strictFindings ? tests : tests.filter((t) => !t.provisional);
  if (counted.some((t) => t.status === "failed")) return "failure";
  if (cellError || counted.some((t) => t.status === "errored")) return "error";
  if (notRun) return "not-run";
  const complete = (t: TestResult) => t.skip === "applicability" || t.skip === "opt-in";
  if (counted.some((t) => t.status === "skipped" && !complete(t))) return "partial";
  return "success";
}

/** A cell's result; the flag is required so no caller can judge a contradicted finding as the
 * report does not. */
export const cellResultOf = (c: CellResult, strictFindings: boolean): Result =>
  resultOf(c.tests, c.error, c.notRun, strictFindings);

/** A finding's outcome: the facts it records held, were contradicted, or could not be told. */
export type FindingOutcome = "confirmed" | "contradicted" | "could not tell" | "not run";
export function findingOutcome(t: TestResult): FindingOutcome {
  return t.status === "passed"
    ? "confirmed"
    : t.status === "failed"
      ? "contradicted"
      : t.status === "errored"
        ? "could not tell"
        : "not run";
}

export function statistics(tests: readonly TestResult[]) {
  const n = (s: TestStatus) => tests.filter((t) => t.status === s).length;
  return { passed: n("passed"), failed: n("failed"), errored: n("errored"), skipped: n("skipped") };
}

/** Exit code of a run: 1 if the mesh broke a property anywhere, else 3 if anything could not be
 * told, else 0. A known failure outranks an incomplete run. */
export function exitCodeOf(run: RunResult): 0 | 1 | 3 {
  const results = run.cells.map((c) => cellResultOf(c, run.strictFindings ?? false));
  if (results.includes("failure")) return 1;
  // Something left behind (a cluster teardown could not delete) is an infrastructure error too.
  if (results.includes("error") || results.includes("not-run") || run.cells.some((c) => c.leaked?.length)) {
    return 3;
  }
  return 0;
}

const STATUS_OF_VERDICT: Record<VerdictKind, TestStatus> = {
  pass: "passed",
  fail: "failed",
  error: "errored",
};

/** Combines a test's verdicts by the worst of them (any fail fails it, else any error errors it;
 * none could tell nothing). */
export function statusOf(verdicts: readonly Verdict[]): TestStatus {
  // Stryker disable next-line StringLiteral: equivalent, only the verdict kind is read, never the probe name
  return STATUS_OF_VERDICT[worstOf(verdicts, "test").verdict];
}
