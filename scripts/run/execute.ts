import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { execa } from "execa";
import { parseAllDocuments } from "yaml";
import { istioctlArtifact, kindArtifact } from "../catalog/artifacts.ts";
import { deletable, existingIstioDecision, ownerLabels } from "../cluster/ownership.ts";
import { checkInotify, checkMemory, requireDocker } from "../cluster/preflight.ts";
import { InfrastructureError } from "../errors.ts";
import { createCa, issueWorkload } from "../lab/pki.ts";
import {
  applyServerSide,
  deleteOwned,
  exists,
  installedIstioVersion,
  loadKubeConfig,
  patchMerge,
  patchStrategic,
  proxyEnv,
  serverVersion,
  waitUntil,
} from "../mesh/kube.ts";
import { daemonSetReady, deploymentReady, READY, watchPath, workloadsToWatch } from "../mesh/readiness.ts";
import type { PlannedCell } from "../plan/plan.ts";
import { shellJoin } from "../plan/shell.ts";
import { type Action, cellDir, cellKubeconfig, type Step, type StepContext } from "../plan/steps.ts";
import type { ScenarioId } from "../registry/scenarios.ts";
import { renderCell, writeRenderedCell } from "../render/render-cell.ts";
import { scenarioDefinition } from "../render/scenarios.ts";
import { ensureTool } from "../tools/download.ts";
import { cacheRoot, hostPlatform } from "../tools/platform.ts";
import type { Teardown } from "./teardown.ts";

// Runs a cell's planned steps for real. Each thing it creates registers its undo on the Teardown
// the moment it exists (cluster, container, namespaces, partial downloads, the work folder).
export const KIND_CONFIG = fileURLToPath(new URL("../../kind-config.yaml", import.meta.url));

export const DEFAULT_WAITS = {
  /** kind create cluster (its own --wait is 180 s). */
  clusterCreate: 300_000,
  istioReady: 300_000,
  workloadReady: 240_000,
  download: 120_000,
} as const;
export type WaitName = keyof typeof DEFAULT_WAITS;

export interface ExecuteOptions extends StepContext {
  /** Where logs that must outlive the work folder go (kind export logs), e.g. the report folder. */
  artifactsDir?: string;
  toolsDir?: string;
  mirror?: string;
  useExistingIstio?: boolean;
  waits: Record<WaitName, number>;
  /** Stop after this step (ssc up stops before run-tests). */
  until?: Action["type"];
  log: (line: string) => void;
}

/** What a cell's execution leaves for the tests and the report. */
export interface CellState {
  kubeconfig: string;
  kc?: KubeConfig;
  kind?: string;
  istioctl?: string;
  istioVersion?: string;
  tools: { kind?: { version: string; sha256: string }; istioctl?: { version: string; sha256: string } };
  /** The cluster exists (diagnostics can be collected from it). */
  clusterReady: boolean;
}

const toKubeObjects = (text: string): KubernetesObject[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null && typeof o === "object");

/** Remote manifests (CRDs, operator bundle) publish no checksum: trust on first use, pinned in the
 * cache, and any later change is refused. */
async function fetchPinned(url: string, o: ExecuteOptions): Promise<string> {
  const pin = join(cacheRoot(), "manifests", `${createHash("sha256").update(url).digest("hex")}.sha256`);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(o.waits.download) });
  } catch (e) {
    throw new InfrastructureError(`cannot download ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new InfrastructureError(`downloading ${url} failed: HTTP ${res.status}`);
  const text = await res.text();
  const digest = createHash("sha256").update(text).digest("hex");
  if (existsSync(pin)) {
    const expected = (await readFile(pin, "utf8")).trim();
    if (expected !== digest) {
      throw new InfrastructureError(
        `SHA-256 mismatch for ${url}: expected ${expected} (pinned on first use in ${pin}), got ${digest}`,
      );
    }
  } else {
    await mkdir(join(cacheRoot(), "manifests"), { recursive: true });
    await writeFile(pin, `${digest}\n`);
    o.log(`pinned ${url} at sha256 ${digest} (first use)`);
  }
  return text;
}

export async function executeCell(
  cell: PlannedCell,
  o: ExecuteOptions,
  t: Teardown,
  state: CellState = { kubeconfig: cellKubeconfig(o, cell), tools: {}, clusterReady: false },
): Promise<CellState> {
  const dir = cellDir(o, cell);
  const kubeconfig = state.kubeconfig;
  const provider = o.provider ?? "kind";
  await mkdir(dir, { recursive: true });
  const kc = () => {
    state.kc ??= loadKubeConfig(kubeconfig, o.context);
    return state.kc;
  };
  const env = { KUBECONFIG: kubeconfig };

  for (const [i, step] of cell.steps.entries()) {
    const a = step.action;
    if (a.type === "teardown") continue; // registered with the Teardown when the thing was made
    o.log(`[${cell.id} ${i + 1}/${cell.steps.length}] ${step.id}: ${step.description}`);
    switch (a.type) {
      case "preflight":
        if (provider === "existing") {
          loadKubeConfig(kubeconfig, o.context);
        } else {
          await requireDocker();
          for (const c of [await checkInotify(), checkMemory(1)])
            if (c.status !== "ok") o.log(`warning: ${c.detail}; ${c.fix}`);
        }
        break;
      case "fetch-tools": {
        const { os, arch } = hostPlatform();
        const common = {
          cacheDir: cacheRoot(),
          toolsDir: o.toolsDir,
          mirror: o.mirror,
          downloadTimeoutMs: o.waits.download,
          log: o.log,
          onPartial: (p: string) => t.add(`partial download ${p}`, () => rm(p, { force: true }), false),
        };
        if (a.kind) {
          const kind = await ensureTool(
            { name: "kind", version: a.kind, artifact: kindArtifact(a.kind, os, arch), packaging: "binary" },
            common,
          );
          state.kind = kind.path;
          state.tools.kind = { version: a.kind, sha256: kind.sha256 };
        }
        const istioctl = await ensureTool(
          {
            name: "istioctl",
            version: a.istioctl,
            artifact: istioctlArtifact(a.istioctl, os, arch),
            packaging: "tar.gz",
          },
          common,
        );
        if (!istioctl.verified)
          o.log(`warning: ${istioctl.path} from --tools-dir has no .sha256 beside it: not verified`);
        state.istioctl = istioctl.path;
        state.tools.istioctl = { version: a.istioctl, sha256: istioctl.sha256 };
        break;
      }
      case "render":
        await writeRenderedCell(join(dir, "manifests"), renderCell(cell, cell.scenarios, o.runId));
        break;
      case "kind-create": {
        // The plan shows the repository-relative config; run it from any working folder.
        const argv = step.argv!.slice(1).map((x) => (x === "kind-config.yaml" ? KIND_CONFIG : x));
        const r = await execa(state.kind!, argv, {
          reject: false,
          timeout: o.waits.clusterCreate,
          all: true,
          env,
        });
        // Registered even when creation failed half-way: kind may leave a node container behind.
        // Logs go to the artifacts, outside the work folder that teardown removes.
        const logs = join(
          o.artifactsDir ?? join(o.workDir, "..", "..", "logs", o.runId),
          cell.id,
          "kind-logs",
        );
        t.add(`kind cluster ${a.name} (logs exported to ${logs})`, async () => {
          await execa(state.kind!, ["export", "logs", logs, "--name", a.name], { reject: false });
          await execa(state.kind!, ["delete", "cluster", "--name", a.name], { reject: false });
        });
        if (r.exitCode !== 0) {
          throw new InfrastructureError(
            `kind create cluster ${a.name} failed: ${String(r.all).trim().split("\n").slice(-3).join(" | ")}`,
          );
        }
        state.clusterReady = true;
        break;
      }
      case "k3s-start": {
        await requireDocker();
        const { K3sContainer } = await import("@testcontainers/k3s");
        const container = await new K3sContainer(a.image).start();
        t.add(`k3s container ${a.image}`, async () => void (await container.stop()));
        await writeFile(kubeconfig, container.getKubeConfig(), { mode: 0o600 });
        state.clusterReady = true;
        break;
      }
      case "connect":
        o.log(`cluster answers: Kubernetes ${await serverVersion(kc())}`);
        state.clusterReady = true;
        break;
      case "detect-istio": {
        const d = existingIstioDecision(
          await installedIstioVersion(kc()),
          cell.istioVersion,
          o.useExistingIstio ?? false,
        );
        if (d.note) o.log(d.note);
        state.istioVersion = d.version;
        break;
      }
      case "require-crds": {
        const crd = {
          apiVersion: "apiextensions.k8s.io/v1",
          kind: "CustomResourceDefinition",
          metadata: { name: `gateways.${a.group}` },
        };
        if (!(await exists(kc(), crd))) {
          throw new InfrastructureError(
            `the cluster has no ${a.group} CRDs; install them, or --skip the Gateway API tests`,
          );
        }
        break;
      }
      case "apply-url": {
        const objects = toKubeObjects(await fetchPinned(a.url, o));
        await applyServerSide(kc(), objects);
        await watchReady(kc(), objects, o);
        break;
      }
      case "istio-install": {
        const r = await execa(state.istioctl!, step.argv!.slice(1), {
          reject: false,
          all: true,
          timeout: o.waits.istioReady,
          env,
        });
        if (r.exitCode !== 0) {
          throw new InfrastructureError(
            `${shellJoin(step.argv!)} failed: ${String(r.all).trim().split("\n").slice(-3).join(" | ")}`,
          );
        }
        break;
      }
      case "wait-istio": {
        const ns = "istio-system";
        const deploy = (name: string) => ({
          path: `/apis/apps/v1/namespaces/${ns}/deployments`,
          name,
          kind: "Deployment",
          namespace: ns,
        });
        const ds = (name: string) => ({
          path: `/apis/apps/v1/namespaces/${ns}/daemonsets`,
          name,
          kind: "DaemonSet",
          namespace: ns,
        });
        const timeout = { name: "istioReady", ms: o.waits.istioReady };
        await waitUntil(kc(), deploy("istiod"), deploymentReady, timeout);
        if (cell.profile === "ambient") {
          await waitUntil(kc(), ds("istio-cni-node"), daemonSetReady, timeout);
          await waitUntil(kc(), ds("ztunnel"), daemonSetReady, timeout);
        }
        if (a.ingressGateway) await waitUntil(kc(), deploy("istio-ingressgateway"), deploymentReady, timeout);
        break;
      }
      case "apply-manifest": {
        const objects = toKubeObjects(await readFile(a.file, "utf8"));
        const secrets = await runtimeSecrets(cell, a.scenario, o.runId);
        if (provider === "existing") {
          // Only what carries this run's labels is ever deleted.
          const mine = deletable(
            [...objects, ...secrets] as { metadata?: { labels?: Record<string, string> } }[],
            o.runId,
          ) as KubernetesObject[];
          t.add(`${a.scenario} objects (${mine.length}, labelled with run ${o.runId})`, () =>
            deleteOwned(kc(), mine),
          );
        }
        // Namespaces first, then the run-time Secrets (keys never written to disk), then the rest,
        // so pods mount their Secret from the start instead of after a kubelet resync.
        await applyServerSide(kc(), [...objects.filter((x) => x.kind === "Namespace"), ...secrets]);
        await applyServerSide(kc(), objects);
        await watchReady(kc(), objects, o);
        await ensureGatewayEnv(kc(), objects, o);
        break;
      }
      case "patch": {
        const [body] = toKubeObjects(await readFile(a.file, "utf8"));
        const target = {
          apiVersion: a.target.apiVersion,
          kind: a.target.kind,
          metadata: { name: a.target.name, namespace: a.target.namespace },
        };
        await patchStrategic(kc(), target, body ?? {});
        await waitUntil(
          kc(),
          {
            path: `/apis/apps/v1/namespaces/${a.target.namespace}/deployments`,
            name: a.target.name,
            kind: a.target.kind,
            namespace: a.target.namespace,
          },
          deploymentReady,
          { name: "workloadReady", ms: o.waits.workloadReady },
        );
        break;
      }
      case "run-tests":
      case "collect":
        // Tests and collection belong to the run loop (run-cells.ts), not to provisioning.
        return state;
    }
    if (o.until === a.type) return state;
  }
  return state;
}

/** Secrets a scenario needs at run time, made from the suite's own PKI in memory. */
async function runtimeSecrets(
  cell: PlannedCell,
  scenario: ScenarioId,
  runId: string,
): Promise<KubernetesObject[]> {
  const def = scenarioDefinition(scenario, cell, runId);
  const out: KubernetesObject[] = [];
  for (const s of def.runtimeSecrets ?? []) {
    const foreign = await createCa("ssc foreign CA");
    const client = await issueWorkload(
      foreign,
      `spiffe://cluster.local/ns/${def.namespace?.name}/sa/foreign`,
    );
    out.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: s.name, namespace: def.namespace?.name, labels: ownerLabels(runId) },
      stringData: {
        "root-cert.pem": foreign.certPem,
        "cert-chain.pem": client.certPem,
        "key.pem": client.keyPem,
      },
    } as KubernetesObject);
  }
  return out;
}

/**
 * Istio's deployment controller reads a Gateway's ProxyConfig when it reconciles the Gateway and
 * does not watch ProxyConfig, so a gateway rendered before istiod saw its ProxyConfig lacks the
 * ENVOY_SECURE_* env. Touching the Gateway makes it reconcile; the tests then judge the result.
 */
async function ensureGatewayEnv(
  kc: KubeConfig,
  objects: readonly KubernetesObject[],
  o: ExecuteOptions,
): Promise<void> {
  if (!objects.some((x) => x.kind === "ProxyConfig")) return;
  for (const gw of objects.filter(
    (x) => x.kind === "Gateway" && x.apiVersion?.startsWith("gateway.networking.k8s.io/"),
  )) {
    const ns = gw.metadata!.namespace!;
    const name = `${gw.metadata!.name}-${(gw as { spec?: { gatewayClassName?: string } }).spec?.gatewayClassName}`;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const env = await proxyEnv(kc, ns, name);
      if (env.includes("ENVOY_SECURE_METRICS_PORT")) return;
      o.log(
        `gateway ${ns}/${name} has no ENVOY_SECURE_* env yet (ProxyConfig not seen): reconciling (${attempt}/3)`,
      );
      await patchMerge(kc, gw, {
        metadata: { annotations: { "ssc.istio.io/reconcile": String(Date.now()) } },
      });
      await watchReady(
        kc,
        [{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: ns } }],
        o,
      );
    }
  }
}

/** Watches every workload the objects make (their own and their controllers') until ready. */
async function watchReady(
  kc: KubeConfig,
  objects: readonly KubernetesObject[],
  o: ExecuteOptions,
): Promise<void> {
  for (const item of workloadsToWatch(objects)) {
    await waitUntil(
      kc,
      { path: watchPath(item), name: item.name, kind: item.kind, namespace: item.namespace ?? "" },
      READY[item.kind],
      { name: "workloadReady", ms: o.waits.workloadReady },
    );
  }
}

/** The commands a dry run prints, in order, with the teardown the run would register. */
export function dryRunLines(cell: PlannedCell, o: Pick<ExecuteOptions, "until">): string[] {
  const lines = [`# cell ${cell.id}`];
  let steps: Step[] = cell.steps;
  if (o.until) {
    const stop = steps.findIndex((s) => s.action.type === o.until);
    steps = stop >= 0 ? steps.slice(0, stop) : steps;
  }
  for (const [i, s] of steps.entries()) {
    lines.push(`[${i + 1}/${steps.length}] ${s.id}: ${s.description}`);
    if (s.argv) lines.push(`  $ ${shellJoin(s.argv)}`);
  }
  return lines;
}
