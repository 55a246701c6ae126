import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { gatewayApiCrdsUrl, gatewayApiVersionFor } from "../catalog/artifacts.ts";
import { enablementSuffix } from "../catalog/enablements.ts";
import { IP_FAMILY_NAMES, type IpFamily, ipFamilySuffix } from "../catalog/ip-families.ts";
import { findMinor, istioctlVersionFor } from "../catalog/istio-releases.ts";
import { k3sImageFor } from "../catalog/k3s-images.ts";
import { minorOfPatch } from "../catalog/minors.ts";
import type { RegistryMirror } from "../cluster/mirrors.ts";
import { ownerSelector } from "../cluster/ownership.ts";
import type { Provider } from "../cluster/providers.ts";
import { FIELD_MANAGER } from "../mesh/field-manager.ts";
import { istioInstallSettings } from "../mesh/install-options.ts";
import { SCENARIOS, type ScenarioId } from "../registry/scenarios.ts";
import { type PatchTarget, patchFileName, scenarioDefinition } from "../render/scenarios.ts";
import { DEFAULT_TIMEOUTS, formatDuration, type Timeouts } from "../timeouts.ts";
import { sourceUrl, toolsDirCandidates } from "../tools/download.ts";
import type { Cell } from "./cells.ts";
import type { TestDecision } from "./gates.ts";
import { shellJoin } from "./shell.ts";

/** What the executor does for a step. Display (description, argv) and execution come from the
 * same record, so `--dry-run` prints exactly what a run does. */
export type Action =
  | { type: "preflight" }
  | { type: "fetch-tools"; kind?: string; istioctl: string }
  | { type: "render" }
  | {
      type: "kind-create";
      name: string;
      mirrors?: readonly RegistryMirror[];
      /** The cell's own kind config (written before create) when it differs from the base one. */
      config?: string;
      ipFamily?: IpFamily;
    }
  | { type: "k3s-start"; image: string }
  | { type: "connect" }
  | { type: "detect-istio" }
  | { type: "apply-url"; url: string; sha256?: string }
  | { type: "require-crds"; group: string }
  | { type: "istio-install" }
  | { type: "wait-istio"; ingressGateway: boolean }
  | { type: "apply-manifest"; scenario: ScenarioId; file: string }
  | { type: "patch"; scenario: ScenarioId; target: PatchTarget; file: string }
  | { type: "run-tests" }
  | { type: "collect" }
  | {
      type: "teardown";
      what: "kind-export-logs" | "kind-delete" | "k3s-stop" | "delete-owned";
      name?: string;
    };

export interface Step {
  id: string;
  description: string;
  /** The command this step runs, or its exact equivalent for API calls (server-side apply, waits). */
  argv?: readonly string[];
  action: Action;
}

export interface StepContext {
  runId: string;
  /** Named waits; commands whose flags carry a wait (kind --wait, istioctl --readiness-timeout)
   * show the value the run will use. */
  timeouts?: Timeouts;
  /** Air-gapped tools folder: the plan says where kind and istioctl come from. */
  toolsDir?: string;
  /** Per-run work folder holding kubeconfigs and rendered manifests, e.g. .ssc/runs/<runId>. */
  workDir: string;
  provider?: Provider;
  /** Test a cell `ssc up` made earlier (same run id): no create, no install, no teardown. */
  reuse?: boolean;
  /** Existing cluster: the user's kubeconfig and context (the suite writes its own otherwise). */
  kubeconfig?: string;
  context?: string;
  /** Pull-through caches the kind nodes' containerd uses (--registry-mirror). */
  registryMirrors?: readonly RegistryMirror[];
  /** --mirror: where github.com downloads (tools, remote manifests) come from instead. */
  mirror?: string;
}

/** What the executor's server-side apply does, as kubectl flags: field manager ssc, and conflicts
 * forced (the suite owns every field it sets on the objects it creates). */
const SERVER_SIDE_APPLY = ["apply", "--server-side", `--field-manager=${FIELD_MANAGER}`, "--force-conflicts"];

/** kind's own --wait: the clusterCreate budget minus a minute for image pulls before and kubeconfig
 * writing after, so kind reports a slow control plane itself before its process is killed. */
export function kindWaitMs(clusterCreateMs: number): number {
  return Math.max(30_000, clusterCreateMs - 60_000);
}

/** Where each tool will come from, as the tool manager decides it (scripts/tools/download.ts):
 * a --tools-dir copy (<name>-<version> or <name>) first, else the cache, else a download. */
function toolsDescription(
  cell: Cell,
  provider: Provider,
  toolsDir: string | undefined,
  mirror: string | undefined,
): string {
  const tools: [string, string][] = [
    ...(provider === "kind" ? [["kind", cell.kindVersion] as [string, string]] : []),
    ["istioctl", istioctlVersionFor(cell.istioVersion)],
  ];
  const inDir = ([name, version]: [string, string]) =>
    toolsDir !== undefined && toolsDirCandidates(toolsDir, name, version).some((f) => existsSync(f));
  const named = (t: [string, string][]) => t.map(([n, v]) => `${n} ${v}`).join(" and ");
  const local = tools.filter(inDir);
  const fetched = tools.filter((t) => !inDir(t));
  return [
    ...(local.length
      ? [
          `take ${named(local)} from --tools-dir ${toolsDir} (checked against a .sha256 beside each, else marked UNVERIFIED)`,
        ]
      : []),
    ...(fetched.length
      ? [
          `download ${named(fetched)}${mirror ? ` from --mirror ${mirror}` : ""} into the cache, SHA-256 verified (or reuse the cached copy, verified again)`,
        ]
      : []),
  ].join("; ");
}

const GATEWAY_API_SCENARIOS: readonly ScenarioId[] = ["gateway-api-native", "gateway-api-docs-path"];

const KIND_NAME = /^[a-z0-9.-]{1,50}$/;

/**
 * kind's rule for cluster names: [a-z0-9.-], warns past 50 characters (anchors.md §1.5). The name
 * carries every axis of the cell id (Istio, profile, Kubernetes minor, IP family, enablement), so two cells never share a
 * cluster; when that does not fit (a long pre-release or vendor tag) it is a hash of the cell id.
 * It always ends in -<run id>, which is how `ssc down --run-id` finds it.
 */
export function clusterName(cell: Cell, runId: string): string {
  const k8s = minorOfPatch(cell.kubernetesVersion);
  const readable = `ssc-${cell.istioVersion}-${cell.profile}-k${k8s}${ipFamilySuffix(cell.ipFamily)}${enablementSuffix(cell.enablement)}-${runId}`;
  if (KIND_NAME.test(readable)) return readable;
  const name = `ssc-${createHash("sha256").update(cell.id).digest("hex").slice(0, 10)}-${runId}`;
  if (!KIND_NAME.test(name))
    throw new Error(`cluster name ${name} breaks kind's naming rules ([a-z0-9.-], at most 50 chars)`);
  return name;
}

/** Each cell's own folder; its kubeconfig lives here, never in ~/.kube/config. */
export const cellDir = (ctx: Pick<StepContext, "workDir">, cell: Pick<Cell, "id">) =>
  `${ctx.workDir}/${cell.id}`;
export function cellKubeconfig(
  ctx: Pick<StepContext, "workDir" | "provider" | "kubeconfig">,
  cell: Pick<Cell, "id">,
): string {
  return ctx.provider === "existing" && ctx.kubeconfig ? ctx.kubeconfig : `${cellDir(ctx, cell)}/kubeconfig`;
}

/** Scenarios in deployment order (catalog order), deduplicated. */
export function orderScenarios(scenarios: Iterable<ScenarioId>): ScenarioId[] {
  const wanted = new Set(scenarios);
  return (Object.keys(SCENARIOS) as ScenarioId[]).filter((s) => wanted.has(s));
}

/** The ordered steps of a cell. Deploy steps cover only the given scenarios, which the plan derives
 * from the tests that will run. */
/** Steps of a reused cell: connect to the cluster `ssc up` left instead of making one, redeploy the
 * scenarios (server-side apply is idempotent), run, and leave the cluster to `ssc down`. */
const REUSE_DROPS = new Set([
  "create-cluster",
  "start-k3s",
  "install-gateway-api-crds",
  "install-istio",
  "wait-istio",
  "export-logs",
  "delete-cluster",
  "stop-k3s",
]);

function reuseSteps(steps: Step[], kubectl: readonly string[], name: string): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    if (s.id === "create-cluster" || s.id === "start-k3s") {
      out.push({
        id: "connect",
        description: `reuse the cluster ssc up made (${name}); nothing is created or installed`,
        argv: [...kubectl, "version"],
        action: { type: "connect" },
      });
    }
    if (!REUSE_DROPS.has(s.id) && !s.id.includes("-prerequisite-")) out.push(s);
  }
  return out;
}

export function cellSteps(
  cell: Cell,
  scenarios: readonly ScenarioId[],
  applicable: readonly TestDecision[],
  ctx: StepContext,
): Step[] {
  if (applicable.length === 0) {
    return [
      {
        id: "nothing-to-run",
        description: "no selected test applies to this cell: no cluster is created",
        action: { type: "collect" },
      },
    ];
  }
  const provider = ctx.provider ?? "kind";
  const timeouts = ctx.timeouts ?? DEFAULT_TIMEOUTS;
  const dir = cellDir(ctx, cell);
  const kubeconfig = cellKubeconfig(ctx, cell);
  const kubectl = ["kubectl", "--kubeconfig", kubeconfig, ...(ctx.context ? ["--context", ctx.context] : [])];
  const steps: Step[] = [
    {
      id: "preflight",
      description:
        provider === "existing"
          ? `check the kubeconfig ${kubeconfig}${ctx.context ? ` (context ${ctx.context})` : ""}`
          : ctx.reuse
            ? `check the kubeconfig ssc up left (${kubeconfig})`
            : "check Docker is reachable, inotify limits and free memory",
      action: { type: "preflight" },
    },
    {
      id: "fetch-tools",
      description: toolsDescription(cell, provider, ctx.toolsDir, ctx.mirror),
      action: {
        type: "fetch-tools",
        kind: provider === "kind" ? cell.kindVersion : undefined,
        istioctl: istioctlVersionFor(cell.istioVersion),
      },
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
        "--k8s",
        minorOfPatch(cell.kubernetesVersion),
        ...(cell.ipFamily !== "ipv4" ? ["--ip-family", cell.ipFamily] : []),
        ...(cell.unlisted ? ["--allow-unlisted-istio"] : []),
        "--test",
        applicable.map((d) => d.id).join(","),
        "--out",
        `${dir}/manifests`,
      ],
      action: { type: "render" },
    },
  ];
  const name = clusterName(cell, ctx.runId);
  const mirrors = ctx.registryMirrors ?? [];
  // With mirrors or another IP family the cell gets its own kind config (the base one plus the
  // containerd patch and mounts, and networking.ipFamily).
  const ownConfig = mirrors.length > 0 || cell.ipFamily !== "ipv4";
  const config = ownConfig ? `${dir}/kind-config.yaml` : "kind-config.yaml";
  if (provider === "kind") {
    steps.push({
      id: "create-cluster",
      description: `create kind cluster ${name} with Kubernetes ${cell.kubernetesVersion}${
        cell.ipFamily !== "ipv4"
          ? `, ${IP_FAMILY_NAMES[cell.ipFamily]} (networking.ipFamily ${cell.ipFamily})`
          : ""
      } (node image pinned by digest; its teardown registered first); kubeconfig only in ${kubeconfig}${
        mirrors.length > 0
          ? `; containerd pulls ${mirrors.map((m) => `${m.registry} through ${m.endpoint}`).join(", ")} (hosts.toml per registry, written into ${config})`
          : ""
      }`,
      argv: [
        "kind",
        "create",
        "cluster",
        "--name",
        name,
        "--config",
        config,
        "--image",
        cell.nodeImage,
        "--kubeconfig",
        kubeconfig,
        "--wait",
        formatDuration(kindWaitMs(timeouts.clusterCreate)),
      ],
      action: {
        type: "kind-create",
        name,
        ...(mirrors.length > 0 ? { mirrors } : {}),
        ...(ownConfig ? { config } : {}),
        ...(cell.ipFamily !== "ipv4" ? { ipFamily: cell.ipFamily } : {}),
      },
    });
  } else if (provider === "k3s") {
    const image = k3sImageFor(cell.kubernetesVersion);
    steps.push({
      id: "start-k3s",
      description: `start a k3s container (${image}) through testcontainers; kubeconfig only in ${kubeconfig}`,
      action: { type: "k3s-start", image },
    });
  } else {
    steps.push(
      {
        id: "connect",
        description: "check the API server answers with these credentials",
        argv: [...kubectl, "version"],
        action: { type: "connect" },
      },
      {
        id: "detect-istio",
        description: `read istio-system/istiod: use it when it runs ${cell.istioVersion} (or --use-existing-istio); never install over it or remove it`,
        argv: [
          ...kubectl,
          "-n",
          "istio-system",
          "get",
          "deployment",
          "istiod",
          "-o",
          "jsonpath={.spec.template.spec.containers[0].image}",
        ],
        action: { type: "detect-istio" },
      },
    );
  }
  if (scenarios.some((s) => GATEWAY_API_SCENARIOS.includes(s))) {
    const v = gatewayApiVersionFor(cell.istioMinor);
    steps.push(
      provider === "existing"
        ? {
            id: "require-gateway-api-crds",
            description:
              "check the Gateway API CRDs are installed (a bring-your-own cluster manages its CRDs)",
            argv: [...kubectl, "get", "crd", "gateways.gateway.networking.k8s.io"],
            action: { type: "require-crds", group: "gateway.networking.k8s.io" },
          }
        : {
            id: "install-gateway-api-crds",
            description: `install Gateway API ${v} CRDs (${
              findMinor(cell.istioMinor)
                ? `the version Istio ${cell.istioMinor} was built against`
                : `borrowed from the newest minor in the catalog: Istio ${cell.istioMinor} is unlisted`
            })`,
            argv: [...kubectl, ...SERVER_SIDE_APPLY, "-f", sourceUrl(gatewayApiCrdsUrl(v), ctx.mirror)],
            action: { type: "apply-url", url: gatewayApiCrdsUrl(v) },
          },
    );
  }
  if (provider !== "existing") {
    const install = istioInstallSettings(cell, scenarios, provider);
    const ingress =
      cell.profile === "default" || install.overlay.spec.components?.ingressGateways?.[0]?.enabled === true;
    steps.push(
      {
        id: "install-istio",
        description: [
          `istioctl ${cell.istioVersion} install, profile ${cell.profile}`,
          ...install.notes,
        ].join("; "),
        argv: [
          "istioctl",
          "install",
          "-y",
          "--kubeconfig",
          kubeconfig,
          "-f",
          `${dir}/manifests/istio/install.yaml`,
          "--readiness-timeout",
          formatDuration(timeouts.istioReady),
        ],
        action: { type: "istio-install" },
      },
      {
        id: "wait-istio",
        description: [
          "watch istiod Available",
          ...(cell.profile === "ambient" ? ["istio-cni and ztunnel DaemonSets ready"] : []),
          ...(ingress ? ["istio-ingressgateway Available"] : []),
        ].join(", "),
        action: { type: "wait-istio", ingressGateway: ingress },
      },
    );
  }
  for (const s of scenarios)
    steps.push(...deploySteps(s, cell, kubectl, `${dir}/manifests/${s}`, ctx.mirror));
  const ids = (status: TestDecision["status"]) =>
    applicable.filter((d) => d.status === status).map((d) => d.id);
  const pending = ids("pending");
  steps.push(
    {
      id: "run-tests",
      description: [
        `run ${ids("run").length} test(s)${ids("run").length ? `: ${ids("run").join(", ")}` : ""}`,
        pending.length ? `not implemented yet, reported skipped: ${pending.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; "),
      argv: ["vitest", "run", "--project", "conformance"],
      action: { type: "run-tests" },
    },
    {
      id: "collect",
      description: "write results; on failure, dump proxy configs, pod logs, events and Prometheus targets",
      action: { type: "collect" },
    },
  );
  if (provider === "kind") {
    steps.push(
      {
        id: "export-logs",
        description:
          "on failure only: export kind logs into the report's diagnostics (they outlive the work folder), capped at 50 MiB",
        argv: ["kind", "export", "logs", `<report-dir>/diagnostics/${cell.id}/kind-logs`, "--name", name],
        action: { type: "teardown", what: "kind-export-logs", name },
      },
      {
        id: "delete-cluster",
        description: "delete the cluster (kept with --keep, or on failure with --keep-on-failure)",
        argv: ["kind", "delete", "cluster", "--name", name],
        action: { type: "teardown", what: "kind-delete", name },
      },
    );
  } else if (provider === "k3s") {
    steps.push({
      id: "stop-k3s",
      description: "stop and remove the k3s container (kept with --keep / --keep-on-failure)",
      action: { type: "teardown", what: "k3s-stop" },
    });
  } else {
    steps.push({
      id: "delete-owned",
      description: `delete what this run created (namespaces and cluster-scoped objects labelled ${ownerSelector(ctx.runId)}), nothing else`,
      argv: [
        ...kubectl,
        "delete",
        "namespace,clusterrole,clusterrolebinding",
        "-l",
        ownerSelector(ctx.runId),
      ],
      action: { type: "teardown", what: "delete-owned" },
    });
  }
  return ctx.reuse ? reuseSteps(steps, kubectl, name) : steps;
}

/** Deploying one scenario: its prerequisites, its objects (server-side apply), its patches, in
 * the order `ssc render` writes them, each followed by a watch until its workloads are ready. */
function deploySteps(
  s: ScenarioId,
  cell: Cell,
  kubectl: readonly string[],
  dir: string,
  mirror: string | undefined,
): Step[] {
  const def = scenarioDefinition(s, cell);
  const steps: Step[] = def.prerequisites.map((p, i) => ({
    id: `deploy-${s}-prerequisite-${i + 1}`,
    description: `${p.description}; server-side apply, then watch until established`,
    // What runs: the --mirror copy when one is given (the pin is still the upstream URL's).
    argv: [...kubectl, ...SERVER_SIDE_APPLY, "-f", sourceUrl(p.url, mirror)],
    action: { type: "apply-url", url: p.url, ...(p.sha256 ? { sha256: p.sha256 } : {}) },
  }));
  if (def.namespace || def.objects.length > 0) {
    steps.push({
      id: `deploy-${s}`,
      description: `${SCENARIOS[s]}; server-side apply, then watch its Deployments until Available`,
      argv: [...kubectl, ...SERVER_SIDE_APPLY, "-f", `${dir}/manifest.yaml`],
      action: { type: "apply-manifest", scenario: s, file: `${dir}/manifest.yaml` },
    });
  }
  for (const p of def.patches) {
    const t = p.target;
    const file = `${dir}/${patchFileName(t)}`;
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
        `--field-manager=${FIELD_MANAGER}`,
        "--patch-file",
        file,
      ],
      action: { type: "patch", scenario: s, target: t, file },
    });
  }
  return steps;
}

export function stepCommand(step: Step): string | undefined {
  return step.argv ? shellJoin(step.argv) : undefined;
}
