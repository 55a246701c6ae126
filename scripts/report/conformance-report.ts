import { stringify } from "yaml";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import {
  type CellResult,
  cellResultOf,
  findingOutcome,
  type Result,
  type RunResult,
  statistics,
} from "./model.ts";

// ConformanceReport, Kubernetes style after Gateway API's: versioned, generated, meant to be
// submitted unmodified. Every version that shaped the result is in it, down to digests and hashes.
export const REPORT_API_VERSION = "conformance.secure-scrape.istio.io/v1alpha1";

const listed = (c: CellResult, status: string) =>
  c.tests
    .filter((t) => t.status === status)
    .map((t) => ({
      name: t.id,
      ...(t.reason ? { reason: t.reason } : {}),
      ...(t.support ? { support: t.support } : {}),
      ...(t.skip ? { skip: t.skip } : {}),
    }));

/**
 * A profile's claim, after Gateway API's core/extended split: conformant when every core test that
 * applies to its cells ran and passed. A core test skipped because a bring-your-own cluster forbids
 * it (it would modify what the suite did not create) does not count against the claim, and is listed
 * as such; one skipped by selection, pending or never reached does.
 */
function claimOf(cells: readonly CellResult[]) {
  const core = cells.flatMap((c) => c.tests.filter((t) => t.support === "core").map((t) => ({ c, t })));
  const applies = core.filter(({ t }) => !(t.status === "skipped" && t.skip === "applicability"));
  const notCounted = applies.filter(({ t }) => t.status === "skipped" && t.skip === "environment");
  const counted = applies.filter((x) => !notCounted.includes(x));
  const notPassed = counted.filter(({ t }) => t.status !== "passed");
  const line = ({ c, t }: { c: CellResult; t: CellResult["tests"][number] }) =>
    `${c.id} / ${t.id}: ${t.status}${t.skip ? ` (${t.skip})` : ""}${t.reason ? `: ${t.reason}` : ""}`;
  const extended = cells.flatMap((c) => c.tests.filter((t) => t.support === "extended" && !t.provisional));
  const supported = new Set(extended.filter((t) => t.status === "passed").flatMap((t) => featuresOf(t.id)));
  const offered = new Set(
    extended
      .filter((t) => !(t.status === "skipped" && t.skip === "applicability"))
      .flatMap((t) => featuresOf(t.id)),
  );
  return {
    claim: {
      conformant: counted.length > 0 && notPassed.length === 0 && !cells.some((c) => c.error),
      coreTests: { applicable: counted.length, passed: counted.length - notPassed.length },
      ...(notPassed.length ? { notPassed: notPassed.map(line) } : {}),
      ...(notCounted.length
        ? { notCounted: notCounted.map((x) => `${line(x)} (bring-your-own: not counted against the claim)`) }
        : {}),
    },
    supportedFeatures: [...supported].sort(),
    unsupportedFeatures: [...offered].filter((f) => !supported.has(f)).sort(),
  };
}

function cellEntry(c: CellResult, strict: boolean) {
  return {
    name: c.id,
    istioVersion: c.istioVersion,
    profile: c.profile,
    kubernetesVersion: c.kubernetesVersion,
    ...(c.ipFamily ? { ipFamily: c.ipFamily } : {}),
    ...(c.enablement ? { enablement: c.enablement } : {}),
    nodeImage: c.nodeImage,
    secureMetricsMode: c.secureMetricsMode,
    ...(c.unlisted ? { unlisted: c.unlisted } : {}),
    cluster: c.provider,
    tools: c.tools,
    ...(c.probeClient ? { probeClient: c.probeClient } : {}),
    ...(c.requests ? { requests: c.requests } : {}),
    result: cellResultOf(c, strict),
    ...(c.error ? { error: c.error } : {}),
    ...(c.notRun ? { notRun: c.notRun } : {}),
    ...(c.leaked?.length ? { leftBehind: c.leaked } : {}),
    ...(c.kept?.length ? { kept: c.kept } : {}),
    statistics: statistics(c.tests),
    failedTests: listed(c, "failed"),
    erroredTests: listed(c, "errored"),
    skippedTests: listed(c, "skipped"),
    ...(c.diagnostics ? { diagnostics: c.diagnostics } : {}),
    ...(c.timings?.length ? { stepSeconds: c.timings } : {}),
  };
}

const featuresOf = (id: string): string[] => [
  ...(CONFORMANCE_TESTS.find((t) => t.id === id)?.features ?? []),
];

const WORST: Result[] = ["failure", "error", "not-run", "partial", "success"];

export function conformanceReport(run: RunResult) {
  const profiles = [...new Set(run.cells.map((c) => c.profile))].map((name) => {
    const cells = run.cells.filter((c) => c.profile === name);
    const results = cells.map((c) => cellResultOf(c, run.strictFindings ?? false));
    const tests = cells.flatMap((c) => c.tests);
    return {
      name,
      result: WORST.find((r) => results.includes(r)) ?? "success",
      statistics: statistics(tests),
      cells: cells.map((c) => c.id),
      ...claimOf(cells),
    };
  });
  return {
    apiVersion: REPORT_API_VERSION,
    kind: "ConformanceReport",
    date: run.finished,
    mode: run.mode ?? "default",
    implementation: run.implementation,
    suite: { name: "secure-scrape-conformance", version: run.suiteVersion },
    runId: run.runId,
    // A contradicted finding means the facts (or Istio) changed; with --strict-findings it fails the run.
    strictFindings: run.strictFindings ?? false,
    command: run.command,
    ...(run.merged ? { mergedFrom: run.merged } : {}),
    ...(run.rerunOf ? { rerunOf: run.rerunOf } : {}),
    profiles,
    cells: run.cells.map((c) => cellEntry(c, run.strictFindings ?? false)),
    ...(run.skippedCells?.length ? { skippedCells: run.skippedCells } : {}),
    findings: run.cells.flatMap((c) =>
      c.tests
        .filter((t) => t.provisional && t.status !== "skipped")
        .map((t) => ({
          test: t.id,
          cell: c.id,
          outcome: findingOutcome(t),
          summary: t.finding ?? t.reason ?? "",
        })),
    ),
  };
}

export function conformanceReportYaml(run: RunResult): string {
  return `# Generated by secure-scrape-conformance. Submit it unmodified.\n${stringify(conformanceReport(run), { lineWidth: 0 })}`;
}
