import { gatewayApiCrdsUrl, gatewayApiVersionFor } from "../catalog/artifacts.ts";
import { istioInstallSettings } from "../mesh/install-options.ts";
import { SCENARIOS, type ScenarioId } from "../registry/scenarios.ts";
import { patchFileName, scenarioDefinition } from "../render/scenarios.ts";
import type { Cell } from "./cells.ts";
import type { TestDecision } from "./gates.ts";
import { shellJoin } from "./shell.ts";

export interface Step {
  id: string;
  description: string;
  /** The command this step runs, or its exact equivalent for API calls (server-side apply, waits). */
  argv?: readonly string[];
}

export interface StepContext {
  runId: string;
  /** Per-run work folder holding kubeconfigs and rendered manifests, e.g. .ssc/runs/<runId>. */
  workDir: string;
}

const GATEWAY_API_SCENARIOS: readonly ScenarioId[] = ["gateway-api-native", "gateway-api-docs-path"];

/** kind's rule for cluster names: [a-z0-9.-], warns past 50 characters (anchors.md §1.5). */
export function clusterName(cell: Cell, runId: string): string {
  const name = `ssc-${cell.istioVersion}-${cell.profile}-${runId}`.toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(name) || name.length > 50) {
    throw new Error(`cluster name ${name} breaks kind's naming rules ([a-z0-9.-], at most 50 chars)`);
  }
  return name;
}

/** Scenarios in deployment order (catalog order), deduplicated. */
export function orderScenarios(scenarios: Iterable<ScenarioId>): ScenarioId[] {
  const wanted = new Set(scenarios);
  return (Object.keys(SCENARIOS) as ScenarioId[]).filter((s) => wanted.has(s));
}

/** The ordered steps a kind-provisioned cell takes. Deploy steps cover only the given scenarios,
 * which the plan derives from the tests that will run. */
export function cellSteps(
  cell: Cell,
  scenarios: readonly ScenarioId[],
  applicable: readonly TestDecision[],
  ctx: StepContext,
): Step[] {
  if (applicable.length === 0) {
    return [
      { id: "nothing-to-run", description: "no selected test applies to this cell: no cluster is created" },
    ];
  }
  const name = clusterName(cell, ctx.runId);
  const dir = `${ctx.workDir}/${cell.id}`;
  const kubeconfig = `${dir}/kubeconfig`;
  const steps: Step[] = [
    {
      id: "fetch-tools",
      description: `download kind ${cell.kindVersion} and istioctl ${cell.istioVersion} into the cache, SHA-256 verified`,
    },
    {
      id: "render-manifests",
      description: `render the cell's scenarios and istioctl overlay into ${dir}/manifests`,
      argv: [
        "ssc",
        "render",
        "--istio",
        cell.istioVersion,
        "--profile",
        cell.profile,
        "--test",
        applicable.map((d) => d.id).join(","),
        "--out",
        `${dir}/manifests`,
      ],
    },
    {
      id: "create-cluster",
      description: `create kind cluster ${name} with Kubernetes ${cell.kubernetesVersion} (node image pinned by digest)`,
      argv: [
        "kind",
        "create",
        "cluster",
        "--name",
        name,
        "--config",
        "kind-config.yaml",
        "--image",
        cell.nodeImage,
        "--kubeconfig",
        kubeconfig,
        "--wait",
        "180s",
      ],
    },
  ];
  if (scenarios.some((s) => GATEWAY_API_SCENARIOS.includes(s))) {
    const v = gatewayApiVersionFor(cell.istioMinor);
    steps.push({
      id: "install-gateway-api-crds",
      description: `install Gateway API ${v} CRDs (the version Istio ${cell.istioMinor} was built against)`,
      argv: ["kubectl", "--kubeconfig", kubeconfig, "apply", "--server-side", "-f", gatewayApiCrdsUrl(v)],
    });
  }
  const install = istioInstallSettings(cell, scenarios);
  steps.push(
    {
      id: "install-istio",
      description: [`istioctl ${cell.istioVersion} install, profile ${cell.profile}`, ...install.notes].join(
        "; ",
      ),
      argv: [
        "istioctl",
        "install",
        "-y",
        "--kubeconfig",
        kubeconfig,
        "-f",
        `${dir}/manifests/istio/install.yaml`,
      ],
    },
    {
      id: "wait-istio",
      description:
        cell.profile === "ambient"
          ? "watch istiod Available, istio-cni and ztunnel DaemonSets ready"
          : "watch istiod Available",
    },
  );
  for (const s of scenarios) steps.push(...deploySteps(s, cell, kubeconfig, `${dir}/manifests/${s}`));
  const ids = (status: TestDecision["status"]) =>
    applicable.filter((d) => d.status === status).map((d) => d.id);
  const pending = ids("pending");
  steps.push({
    id: "run-tests",
    description: [
      `run ${ids("run").length} test(s)${ids("run").length ? `: ${ids("run").join(", ")}` : ""}`,
      pending.length ? `not implemented yet, reported skipped: ${pending.join(", ")}` : "",
    ]
      .filter(Boolean)
      .join("; "),
    argv: ["vitest", "run", "--project", "conformance"],
  });
  steps.push(
    {
      id: "collect",
      description: "write results; on failure, dump proxy configs, pod logs, events and Prometheus targets",
    },
    {
      id: "export-logs",
      description: "export kind logs into the cell's artifacts",
      argv: ["kind", "export", "logs", `${dir}/kind-logs`, "--name", name],
    },
    {
      id: "delete-cluster",
      description: "delete the cluster (kept with --keep, or on failure with --keep-on-failure)",
      argv: ["kind", "delete", "cluster", "--name", name],
    },
  );
  return steps;
}

/** Deploying one scenario: its prerequisites, its objects (server-side apply), its patches, in
 * the order `ssc render` writes them. Waits follow each apply. */
function deploySteps(s: ScenarioId, cell: Cell, kubeconfig: string, dir: string): Step[] {
  const def = scenarioDefinition(s, cell);
  const kubectl = ["kubectl", "--kubeconfig", kubeconfig];
  const steps: Step[] = def.prerequisites.map((p, i) => ({
    id: `deploy-${s}-prerequisite-${i + 1}`,
    description: `${p.description}; server-side apply, then watch until established`,
    argv: [...kubectl, "apply", "--server-side", "-f", p.url],
  }));
  if (def.namespace || def.objects.length > 0) {
    steps.push({
      id: `deploy-${s}`,
      description: `${SCENARIOS[s]}; server-side apply, then watch until ready`,
      argv: [...kubectl, "apply", "--server-side", "-f", `${dir}/manifest.yaml`],
    });
  }
  for (const p of def.patches) {
    const t = p.target;
    steps.push({
      id: `patch-${s}`,
      description: `${SCENARIOS[s]}; strategic-merge patch of ${t.namespace}/${t.name}, then watch the rollout`,
      argv: [
        ...kubectl,
        "-n",
        t.namespace,
        "patch",
        t.kind.toLowerCase(),
        t.name,
        "--type",
        "strategic",
        "--patch-file",
        `${dir}/${patchFileName(t)}`,
      ],
    });
  }
  return steps;
}

export function stepCommand(step: Step): string | undefined {
  return step.argv ? shellJoin(step.argv) : undefined;
}
