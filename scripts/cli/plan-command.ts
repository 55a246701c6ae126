import { randomBytes } from "node:crypto";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { buildPlan, type PlannedCell } from "../plan/plan.ts";
import { formatAmount } from "../plan/requests.ts";
import { type StepContext, stepCommand } from "../plan/steps.ts";
import { checkRunId } from "./inputs.ts";
import { bool, formatOf, list, type Options, str } from "./options.ts";
import { renderTable } from "./table.ts";

export function newRunId(): string {
  return randomBytes(3).toString("hex");
}

export function planFromOptions(o: Options, placement: Partial<StepContext> = {}): PlannedCell[] {
  const runId = checkRunId(str(o, "run-id") ?? newRunId());
  return buildPlan(
    {
      ...placement,
      istio: list(o, "istio").length > 0 ? list(o, "istio") : ["latest"],
      profiles: list(o, "profile"),
      kubernetes: str(o, "k8s"),
      allowUnsupportedKubernetes: bool(o, "allow-unsupported-k8s"),
      allowUnlisted: bool(o, "allow-unlisted-istio"),
      only: list(o, "test"),
      skip: list(o, "skip"),
      runId,
      workDir: `${str(o, "work-dir") ?? ".ssc/runs"}/${runId}`,
    },
    CONFORMANCE_TESTS,
  );
}

/** The JSON contract of `ssc plan --format json` (issue #2); keep field names stable. */
export function planJson(cells: readonly PlannedCell[]): unknown {
  return {
    cells: cells.map((c) => ({
      id: c.id,
      istioVersion: c.istioVersion,
      profile: c.profile,
      kubernetesVersion: c.kubernetesVersion,
      nodeImage: c.nodeImage,
      kindVersion: c.kindVersion,
      secureMetricsMode: c.secureMetricsMode,
      scenarios: c.scenarios,
      ...(c.requests ? { requests: c.requests } : {}),
      steps: c.steps.map((s) => ({ id: s.id, description: s.description, command: stepCommand(s) })),
      tests: c.tests,
    })),
  };
}

export function planTable(cells: readonly PlannedCell[]): string {
  return cells
    .map((c) => {
      const runs = c.tests.filter((t) => t.status === "run").length;
      const head = [
        `cell ${c.id}`,
        `  istio ${c.istioVersion} (${c.secureMetricsMode} secure metrics), profile ${c.profile}`,
        `  kubernetes ${c.kubernetesVersion} on ${c.nodeImage} (kind ${c.kindVersion})`,
        `  ${runs} of ${c.tests.length} tests run`,
        ...(c.requests ? [`  requests ${formatAmount(c.requests.total)} (${c.requests.note})`] : []),
      ].join("\n");
      const steps = renderTable(
        ["STEP", "DESCRIPTION"],
        c.steps.map((s) => [s.id, s.description]),
      );
      const tests = renderTable(
        ["TEST", "STATUS", "REASON"],
        c.tests.map((t) => [t.id, t.status, t.reason ?? ""]),
      );
      return `${head}\n\n${indent(steps)}\n\n${indent(tests)}`;
    })
    .join("\n\n");
}

const indent = (s: string) => s.replace(/^/gm, "  ");

export function planCommand(o: Options): string {
  const cells = planFromOptions(o);
  return formatOf(o) === "json" ? JSON.stringify(planJson(cells), null, 2) : planTable(cells);
}
