// When an object counts as ready, and how to say why it is not. Pure functions over the objects a
// watch delivers, so the rules are unit-tested without a cluster.
export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface Workload {
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    conditions?: Condition[];
  };
}

/** Deployment rolled out: current generation observed, all replicas updated and available. */
export function deploymentReady(d: Workload): boolean {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const available = s.conditions?.some((c) => c.type === "Available" && c.status === "True") ?? false;
  return (
    observed &&
    available &&
    (s.updatedReplicas ?? 0) >= want &&
    (s.availableReplicas ?? 0) >= want &&
    (s.replicas ?? 0) === want
  );
}

/** DaemonSet rolled out on every node it is scheduled to. */
export function daemonSetReady(ds: Workload): boolean {
  const s = ds.status ?? {};
  const desired = s.desiredNumberScheduled ?? -1;
  return (
    desired > 0 &&
    (s.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0) &&
    s.numberReady === desired &&
    (s.updatedNumberScheduled ?? 0) === desired
  );
}

/** The last thing a watch saw, for a timeout message that names the object and its state. */
export function describeState(o: Workload | undefined): string {
  if (!o) return "never seen";
  const s = o.status ?? {};
  const conds = (s.conditions ?? [])
    .filter((c) => c.status !== "True" || c.type === "Progressing")
    .map(
      (c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ""})` : ""}`,
    );
  const counts =
    o.kind === "DaemonSet"
      ? `ready ${s.numberReady ?? 0}/${s.desiredNumberScheduled ?? 0}`
      : `available ${s.availableReplicas ?? 0}/${o.spec?.replicas ?? 1}, updated ${s.updatedReplicas ?? 0}`;
  return [counts, ...conds].join("; ");
}

/** Istio's injector adds istio-proxy; with native sidecars (1.28+, kubelet >= 1.33) it is an init
 * container (istio-facts.md surprise 11). Either way the pod must carry it. */
export function hasSidecar(pod: {
  spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] };
}): boolean {
  const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name);
  return names.includes("istio-proxy");
}

/** StatefulSet (prometheus-operator's Prometheus) with every replica ready. */
export function statefulSetReady(s: Workload): boolean {
  const want = s.spec?.replicas ?? 1;
  return (
    (s.status?.readyReplicas ?? 0) >= want &&
    (s.status?.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0)
  );
}

/** CustomResourceDefinition accepted by the API server. */
export function crdEstablished(c: Workload): boolean {
  return c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True") ?? false;
}

export interface WatchItem {
  kind: "Deployment" | "StatefulSet" | "DaemonSet" | "CustomResourceDefinition";
  namespace?: string;
  name: string;
}

interface Applied {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: { gatewayClassName?: string; replicas?: number };
}

/**
 * What to watch after applying objects: their own workloads, plus those their controllers create
 * (a Gateway API Gateway's Deployment <name>-<class>; a Prometheus's StatefulSet prometheus-<name>)
 * and CRDs, which must be established before anything uses them.
 */
export function workloadsToWatch(objects: readonly Applied[]): WatchItem[] {
  return objects.flatMap((o): WatchItem[] => {
    const name = o.metadata?.name ?? "";
    const namespace = o.metadata?.namespace;
    if (o.kind === "Deployment" || o.kind === "StatefulSet" || o.kind === "DaemonSet")
      return [{ kind: o.kind, namespace, name }];
    if (o.kind === "CustomResourceDefinition") return [{ kind: o.kind, name }];
    if (o.kind === "Gateway" && o.apiVersion?.startsWith("gateway.networking.k8s.io/")) {
      return [{ kind: "Deployment", namespace, name: `${name}-${o.spec?.gatewayClassName}` }];
    }
    if (o.kind === "Prometheus" && o.apiVersion?.startsWith("monitoring.coreos.com/")) {
      return [{ kind: "StatefulSet", namespace, name: `prometheus-${name}` }];
    }
    return [];
  });
}

const API: Record<WatchItem["kind"], string> = {
  Deployment: "/apis/apps/v1",
  StatefulSet: "/apis/apps/v1",
  DaemonSet: "/apis/apps/v1",
  CustomResourceDefinition: "/apis/apiextensions.k8s.io/v1",
};
const PLURAL: Record<WatchItem["kind"], string> = {
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  DaemonSet: "daemonsets",
  CustomResourceDefinition: "customresourcedefinitions",
};
export const READY: Record<WatchItem["kind"], (o: Workload) => boolean> = {
  Deployment: deploymentReady,
  StatefulSet: statefulSetReady,
  DaemonSet: daemonSetReady,
  CustomResourceDefinition: crdEstablished,
};

/** The watch path of an item's collection, e.g. /apis/apps/v1/namespaces/x/deployments. */
export function watchPath(i: WatchItem): string {
  return `${API[i.kind]}${i.namespace ? `/namespaces/${i.namespace}` : ""}/${PLURAL[i.kind]}`;
}
