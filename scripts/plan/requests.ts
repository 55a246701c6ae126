import {
  CONFIG_RELOADER_REQUESTS,
  K3S_SYSTEM_REQUESTS,
  KIND_SYSTEM_REQUESTS,
} from "../catalog/system-requests.ts";
import type { Provider } from "../cluster/providers.ts";
import {
  ISTIO_DEFAULT_PROXY_REQUESTS,
  ISTIO_REQUESTS,
  type IstioOperatorOverlay,
  istioInstallSettings,
} from "../mesh/install-options.ts";
import type { ScenarioId } from "../registry/scenarios.ts";
import { plannedScenario, type RenderedCell, type RenderedScenario } from "../render/render-cell.ts";
import type { Cell } from "./cells.ts";

// A cell's total resource requests, from the very objects it will apply (plus what the cluster, Istio
// and controllers add), so `plan` and `--dry-run` can show whether it fits a runner and preflight
// can refuse a Docker too small for it. Requests are what the scheduler checks; limits are not.
export interface Amount {
  cpuMillis: number;
  memoryMiB: number;
}
export interface CellRequests {
  total: Amount;
  parts: (Amount & { name: string })[];
  note?: string;
}

/** Kubernetes CPU quantity in millicores: "10m", "0.5", "2". */
export function cpuMillis(q: string | number | undefined): number {
  if (q === undefined || q === "") return 0;
  const s = String(q);
  if (s.endsWith("m")) return Number(s.slice(0, -1));
  return Math.round(Number(s) * 1000);
}

const MEMORY_UNITS: Record<string, number> = {
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 * 1024,
  k: 1000 / 1024 ** 2,
  M: 1000 ** 2 / 1024 ** 2,
  G: 1000 ** 3 / 1024 ** 2,
};

/** Kubernetes memory quantity in MiB: "40Mi", "1Gi", "100M", "134217728". */
export function memoryMiB(q: string | number | undefined): number {
  if (q === undefined || q === "") return 0;
  const m = /^(\d+(?:\.\d+)?)([KMGT]i|[kMG])?$/.exec(String(q));
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  return m[2] ? Number(m[1]) * MEMORY_UNITS[m[2]]! : Number(m[1]) / 1024 ** 2;
}

const amount = (r: { cpu?: string | number; memory?: string | number } | undefined): Amount => ({
  cpuMillis: cpuMillis(r?.cpu),
  memoryMiB: memoryMiB(r?.memory),
});
const add = (a: Amount, b: Amount): Amount => ({
  cpuMillis: a.cpuMillis + b.cpuMillis,
  memoryMiB: a.memoryMiB + b.memoryMiB,
});
const times = (a: Amount, n: number): Amount => ({ cpuMillis: a.cpuMillis * n, memoryMiB: a.memoryMiB * n });

interface Container {
  resources?: { requests?: { cpu?: string; memory?: string } };
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: Container[]; initContainers?: Container[] };
}
interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    template?: PodTemplate;
    resources?: { requests?: { cpu?: string; memory?: string } };
    podMetadata?: { labels?: Record<string, string> };
  };
}

/** A pod's effective request: its containers' sum, or its largest init container if larger. */
function podAmount(spec: PodTemplate["spec"]): Amount {
  const sum = (spec?.containers ?? [])
    .map((c) => amount(c.resources?.requests))
    .reduce(add, amount(undefined));
  const init = (spec?.initContainers ?? []).map((c) => amount(c.resources?.requests));
  return {
    cpuMillis: Math.max(sum.cpuMillis, ...init.map((i) => i.cpuMillis)),
    memoryMiB: Math.max(sum.memoryMiB, ...init.map((i) => i.memoryMiB)),
  };
}

/** Whether Istio's webhook injects a sidecar: a pod label decides, else the namespace label. */
function injected(podLabels: Record<string, string> | undefined, nsLabels: Record<string, string>): boolean {
  const pod = podLabels?.["sidecar.istio.io/inject"];
  if (pod !== undefined) return pod === "true";
  return nsLabels["istio-injection"] === "enabled";
}

type Part = Amount & { name: string };

/** What a scenario's rendered objects request, sidecars and controller-made pods included. */
function scenarioParts(s: RenderedScenario, proxy: Amount): Part[] {
  const parts: Part[] = [];
  const part = (name: string, a: Amount) => parts.push({ name, ...a });
  // A remote manifest is not rendered here: its pods' requests are stated beside it.
  for (const pod of s.prerequisites.flatMap((p) => p.pods)) {
    part(pod.name, pod.sidecar ? add(amount(pod), proxy) : amount(pod));
  }
  const objects = s.objects.map((d) => d.toJS() as Obj);
  const nsLabels = objects.find((o) => o.kind === "Namespace")?.metadata?.labels ?? {};
  for (const o of objects) {
    const where = `${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
    if (o.kind === "Deployment" || o.kind === "StatefulSet" || o.kind === "DaemonSet") {
      const pod = podAmount(o.spec?.template?.spec);
      const withProxy = injected(o.spec?.template?.metadata?.labels, nsLabels) ? add(pod, proxy) : pod;
      part(`${o.kind} ${where}`, times(withProxy, o.kind === "DaemonSet" ? 1 : (o.spec?.replicas ?? 1)));
    } else if (o.kind === "Gateway" && o.apiVersion?.startsWith("gateway.networking.k8s.io/")) {
      // istiod's deployment controller renders one istio-proxy with global.proxy.resources.
      part(`Gateway ${where} (its Deployment)`, proxy);
    } else if (o.kind === "Prometheus" && o.apiVersion?.startsWith("monitoring.coreos.com/")) {
      const pod = add(amount(o.spec?.resources?.requests), amount(CONFIG_RELOADER_REQUESTS));
      const withProxy = injected(o.spec?.podMetadata?.labels, nsLabels) ? add(pod, proxy) : pod;
      part(`Prometheus ${where} (its StatefulSet)`, times(withProxy, o.spec?.replicas ?? 1));
    }
  }
  return parts;
}

/** What the cluster and Istio run before any scenario: kind's or k3s's own pods, and the mesh
 * components the overlay installs (none on a cluster of your own). */
function baseParts(overlay: IstioOperatorOverlay, provider: Provider): Part[] {
  const named = (r: { name: string; cpu: string; memory: string }): Part => ({ name: r.name, ...amount(r) });
  const parts: Part[] = [
    ...(provider === "kind" ? KIND_SYSTEM_REQUESTS.map(named) : []),
    ...(provider === "k3s" ? K3S_SYSTEM_REQUESTS.map(named) : []),
  ];
  if (provider === "existing") return parts;
  const { spec } = overlay;
  parts.push({ name: "istiod", ...amount(spec.values.pilot.resources.requests) });
  if (spec.profile === "default" || spec.components?.ingressGateways?.[0]?.enabled === true) {
    parts.push({
      name: "istio-ingressgateway",
      ...amount(spec.values.gateways["istio-ingressgateway"].resources.requests),
    });
  }
  if (spec.profile === "ambient") {
    parts.push({ name: "istio-cni", ...amount(spec.values.cni?.resources.requests) });
    parts.push({ name: "ztunnel", ...amount(spec.values.ztunnel?.resources.requests) });
  }
  return parts;
}

const proxyOf = (provider: Provider) =>
  amount(provider === "existing" ? ISTIO_DEFAULT_PROXY_REQUESTS : ISTIO_REQUESTS.proxy);

function total(parts: readonly Part[], provider: Provider): CellRequests {
  return {
    total: parts.reduce<Amount>((a, b) => add(a, b), { cpuMillis: 0, memoryMiB: 0 }),
    parts: [...parts],
    note:
      provider === "existing"
        ? "your cluster: only what the suite adds, sidecars counted at Istio's default 100m/128Mi"
        : provider === "kind"
          ? "kind's control plane included"
          : "k3s's own pods included (estimate)",
  };
}

/** A rendered cell's total requests. */
export function cellRequests(rendered: RenderedCell, provider: Provider = "kind"): CellRequests {
  const overlay = rendered.istioInstall.toJS() as IstioOperatorOverlay;
  const proxy = proxyOf(provider);
  return total(
    [...baseParts(overlay, provider), ...rendered.scenarios.flatMap((s) => scenarioParts(s, proxy))],
    provider,
  );
}

// A scenario renders the same objects in every cell of a secure-metrics mode (its parameters do not
// depend on the Istio version), so the plan renders each once per mode and provider, not per cell.
const scenarioCache = new Map<string, Part[]>();

/** The same total as cellRequests(renderCell(...)), computed without rendering each cell anew. */
export function plannedRequests(
  cell: Cell,
  scenarios: readonly ScenarioId[],
  runId: string,
  provider: Provider = "kind",
): CellRequests {
  const proxy = proxyOf(provider);
  const parts = scenarios.flatMap((id) => {
    const key = `${id}|${cell.secureMetricsMode}|${provider}|${runId}`;
    let p = scenarioCache.get(key);
    if (!p) {
      p = scenarioParts(plannedScenario(id, cell, runId), proxy);
      scenarioCache.set(key, p);
    }
    return p;
  });
  return total(
    [...baseParts(istioInstallSettings(cell, scenarios, provider).overlay, provider), ...parts],
    provider,
  );
}

export function formatAmount(a: Amount): string {
  return `${(a.cpuMillis / 1000).toFixed(2)} CPU, ${(a.memoryMiB / 1024).toFixed(2)} GiB`;
}
