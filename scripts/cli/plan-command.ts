import { randomBytes } from "node:crypto";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { IP_FAMILY_NAMES } from "../catalog/ip-families.ts";
import { minorOfPatch } from "../catalog/minors.ts";
import { parseMirrors } from "../cluster/mirrors.ts";
import { UsageError } from "../errors.ts";
import type { ImpossibleCell } from "../plan/cells.ts";
import type { Selection } from "../plan/gates.ts";
import { cellImages, imageSource } from "../plan/images.ts";
import { type Plan, type PlannedCell, planSelection, runnable } from "../plan/plan.ts";
import { formatAmount } from "../plan/requests.ts";
import { type StepContext, stepCommand } from "../plan/steps.ts";
import { PLAN_FORMATS } from "./flags.ts";
import { checkRunId } from "./inputs.ts";
import { bool, list, type Options, str } from "./options.ts";
import { renderTable } from "./table.ts";

export function newRunId(): string {
  return randomBytes(3).toString("hex");
}

/** --k8s, --ip-family and --enablement are lists for a matrix and one value for `ssc up`. */
function oneOrList(o: Options, flag: string): string[] {
  const one = str(o, flag);
  return one === undefined ? list(o, flag) : [one];
}

export function planFromOptions(
  o: Options,
  placement: Partial<StepContext> = {},
  rerun?: Selection["rerun"],
): Plan {
  const runId = checkRunId(str(o, "run-id") ?? newRunId());
  return planSelection(
    {
      registryMirrors: parseMirrors(list(o, "registry-mirror")),
      ...placement,
      istio: list(o, "istio").length > 0 ? list(o, "istio") : ["latest"],
      profiles: list(o, "profile"),
      kubernetes: oneOrList(o, "k8s"),
      // Absent (a caller building options by hand): the default family, as the parser gives it.
      ...(oneOrList(o, "ip-family").length > 0 ? { ipFamilies: oneOrList(o, "ip-family") } : {}),
      ...(oneOrList(o, "enablement").length > 0 ? { enablements: oneOrList(o, "enablement") } : {}),
      allowUnsupportedKubernetes: bool(o, "allow-unsupported-k8s"),
      allowUnlisted: bool(o, "allow-unlisted-istio"),
      only: list(o, "test"),
      skip: list(o, "skip"),
      includeSlow: bool(o, "include-slow"),
      ...(rerun ? { rerun } : {}),
      runId,
      workDir: `${str(o, "work-dir") ?? ".ssc/runs"}/${runId}`,
    },
    CONFORMANCE_TESTS,
    list(o, "cell"),
  );
}

/** The JSON contract of `ssc plan --format json` (issue #2); keep field names stable. */
/** Every image the cell pulls and where from (the mirrors the plan was given, or upstream). */
const imageSources = (c: PlannedCell, mirrors: Plan["mirrors"]) =>
  cellImages(c).map((r) => ({ image: r.image, component: r.component, source: imageSource(r, mirrors) }));

export function planJson({ cells, impossible, mirrors }: Plan): unknown {
  return {
    cells: cells.map((c) => ({
      id: c.id,
      istioVersion: c.istioVersion,
      profile: c.profile,
      kubernetesVersion: c.kubernetesVersion,
      ipFamily: c.ipFamily,
      enablement: c.enablement,
      nodeImage: c.nodeImage,
      kindVersion: c.kindVersion,
      secureMetricsMode: c.secureMetricsMode,
      ...(c.unlisted ? { unlisted: c.unlisted } : {}),
      runnable: runnable(c),
      scenarios: c.scenarios,
      ...(c.requests ? { requests: c.requests } : {}),
      steps: c.steps.map((s) => ({ id: s.id, description: s.description, command: stepCommand(s) })),
      images: imageSources(c, mirrors),
      tests: c.tests,
    })),
    skippedCells: impossible,
  };
}

/** One entry per runnable cell for a GitHub Actions `strategy.matrix`: the job runs
 * `ssc run --istio <istio> --profile <profile> --k8s <k8s> --ip-family <ipFamily>
 * --enablement <enablement> --cell <cell>`
 * and names itself `name`. */
export function githubMatrix({ cells }: Plan): { include: Record<string, string | boolean>[] } {
  return {
    include: cells.filter(runnable).map((c) => ({
      cell: c.id,
      name: `${c.istioVersion} ${c.profile} k8s ${c.kubernetesVersion}${c.ipFamily === "ipv4" ? "" : ` ${c.ipFamily}`}${c.enablement === "pod" ? "" : " mesh-wide"}`,
      istio: c.istioVersion,
      profile: c.profile,
      k8s: minorOfPatch(c.kubernetesVersion),
      ipFamily: c.ipFamily,
      enablement: c.enablement,
      nodeImage: c.nodeImage,
      unlisted: c.unlisted !== undefined,
    })),
  };
}

function skippedTable(impossible: readonly ImpossibleCell[]): string {
  return `skipped cells (combinations that cannot exist)\n\n${indent(
    renderTable(
      ["CELL", "REASON"],
      impossible.map((i) => [i.id, i.reason]),
    ),
  )}`;
}

export function planTable({ cells, impossible, mirrors }: Plan): string {
  const shown = cells
    .map((c) => {
      const runs = c.tests.filter((t) => t.status === "run").length;
      const head = [
        `cell ${c.id}`,
        `  istio ${c.istioVersion} (${c.secureMetricsMode} secure metrics), profile ${c.profile}`,
        `  kubernetes ${c.kubernetesVersion} on ${c.nodeImage} (kind ${c.kindVersion})`,
        `  ip family ${c.ipFamily}${c.ipFamily === "ipv4" ? "" : ` (extended cell: ${IP_FAMILY_NAMES[c.ipFamily]}, opt-in with --ip-family)`}`,
        ...(c.enablement === "pod"
          ? []
          : [
              `  secure ports mesh-wide (extended cell: meshConfig.defaultConfig.proxyMetadata, opt-in with --enablement)`,
            ]),
        ...(c.unlisted ? [`  unlisted: ${c.unlisted}`] : []),
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
      const images = renderTable(
        ["IMAGE", "SOURCE"],
        imageSources(c, mirrors).map((i) => [i.image, i.source]),
      );
      return `${head}\n\n${indent(steps)}\n\n${indent(tests)}\n\n${indent(images)}`;
    })
    .join("\n\n");
  return impossible.length > 0 ? `${shown}\n\n${skippedTable(impossible)}` : shown;
}

const indent = (s: string) => s.replace(/^/gm, "  ");

export function planCommand(o: Options): string {
  const format = str(o, "format") ?? "table";
  if (!(PLAN_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format ${format} is unknown (accepted: ${PLAN_FORMATS.join(", ")})`);
  }
  const plan = planFromOptions(o);
  if (format === "github-matrix") return JSON.stringify(githubMatrix(plan));
  return format === "json" ? JSON.stringify(planJson(plan), null, 2) : planTable(plan);
}
