import { hasCapability } from "../catalog/capabilities.ts";
import { NEWEST_MINOR } from "../catalog/istio-releases.ts";
import type { CellContext, PodInfo } from "../conformance/context.ts";
import type { ProcessResult } from "../probes/curl.ts";
import { prometheusApi } from "../probes/prometheus.ts";
import { localRunner } from "../probes/runners.ts";
import { DEFAULT_TIMEOUTS, type TimeoutName, type Timeouts } from "../timeouts.ts";
import { LAB_NAMESPACE, type Lab, TRUST_DOMAIN } from "./lab.ts";
import type { ClientFiles } from "./pki.ts";

// The cell interface the suites' bodies and scripts/conformance/checks.ts take, served by the lab:
// "pods" are lab pods on loopback addresses, the client runs curl on this machine with the lab's
// mesh and foreign client files, Prometheus is the lab's real one. So the lab runs the same check
// code a cell runs, down to the ports, jobs and URLs it composes. Only istioctl is scripted (the
// lab has no Envoy to ask); its output comes from Istio's goldens (golden.ts).

/** The lab's budgets: the cluster's convergence rule, sized to a 1 s scrape interval and
 * Prometheus's 5 s discovery tick. */
export const LAB_TIMEOUTS: Timeouts = {
  ...DEFAULT_TIMEOUTS,
  request: 3_000,
  consistency: 8_000,
  targetsUp: 12_000,
  promql: 12_000,
};
const LAB_INTERVALS: Partial<Record<TimeoutName, number>> = {
  consistency: 500,
  targetsUp: 500,
  promql: 1_000,
};
export const LAB_CONSECUTIVE = 2;

export interface LabCellSpec {
  /** Which lab pod answers `t.pod(namespace, selector)`, keyed "namespace selector". */
  pods: Record<string, string>;
  /** What `istioctl` prints; absent: istioctl exits 1 as with no cluster. */
  istioctl?: (args: readonly string[]) => ProcessResult;
  /** The Istio version the cell claims (capability gates); the newest minor by default. */
  istioVersion?: string;
  /** The mesh client's files, when not the lab's good ones (the precondition's faults). */
  meshClient?: ClientFiles;
}

export function labCellContext(lab: Lab, spec: LabCellSpec): CellContext {
  const istioVersion = spec.istioVersion ?? `${NEWEST_MINOR}.0`;
  const podInfo = (namespace: string, selector: string): PodInfo => {
    const name = spec.pods[`${namespace} ${selector}`];
    const pod = name === undefined ? undefined : lab.pods[name];
    if (!pod) throw new Error(`no lab pod for ${selector} in ${namespace}`);
    // The lab pod's certificate names it as service account `name` in namespace "lab".
    return {
      name: `${pod.name}-0`,
      namespace: LAB_NAMESPACE,
      ip: pod.ip,
      ips: [pod.ip],
      serviceAccount: pod.name,
      annotations: pod.annotations,
    };
  };
  return {
    cellId: "lab",
    istioVersion,
    profile: "default",
    secureMetricsMode: "native",
    runId: "lab",
    timeouts: LAB_TIMEOUTS,
    consecutive: LAB_CONSECUTIVE,
    converge: (name, intervalMs) => ({
      consecutive: LAB_CONSECUTIVE,
      timeout: { name, ms: LAB_TIMEOUTS[name] },
      intervalMs: intervalMs ?? LAB_INTERVALS[name],
    }),
    pod: async (namespace, selector) => podInfo(namespace, selector),
    exec: () => localRunner,
    istioctl: async (args) =>
      spec.istioctl?.(args) ?? { exitCode: 1, stdout: "", stderr: "Error: no istioctl in the lab" },
    meshClient: async () => ({
      run: localRunner,
      tls: spec.meshClient ?? lab.meshClient,
      foreign: lab.foreignClient,
    }),
    securePrometheusUrl: lab.prometheus.url,
    probeClient: async () => localRunner,
    prometheus: (baseUrl, run) => prometheusApi(run, baseUrl, LAB_TIMEOUTS.request),
    trustDomain: async () => TRUST_DOMAIN,
    has: (capability) => hasCapability(istioVersion, capability),
  };
}
