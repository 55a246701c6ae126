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
  spec?: { replicas?: number };
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
