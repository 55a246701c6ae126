import pLimit from "p-limit";
import { hasCapability } from "../catalog/capabilities.ts";
import { NEWEST_MINOR } from "../catalog/istio-releases.ts";
import type { CellContext, PodInfo } from "../conformance/context.ts";
import type { ProcessResult } from "../probes/curl.ts";
import { prometheusApi } from "../probes/prometheus.ts";
import { coalescing, helperLocalRunner } from "../probes/runners.ts";
import { helperRunner } from "../probes/spawner.ts";
import type { TimeoutName } from "../timeouts.ts";
import { LAB_TIMEOUTS } from "./budgets.ts";
import { LAB_NAMESPACE, type Lab, TRUST_DOMAIN } from "./lab.ts";
import type { ClientFiles } from "./pki.ts";

// The cell interface the suites' bodies and scripts/conformance/checks.ts take, served by the lab:
// "pods" are lab pods on loopback addresses, the client runs curl on this machine with the lab's
// mesh and foreign client files, Prometheus is the lab's real one. So the lab runs the same check
// code a cell runs, down to the ports, jobs and URLs it composes. Only istioctl is scripted (the
// lab has no Envoy to ask); its output comes from Istio's goldens (golden.ts).

const LAB_INTERVALS: Partial<Record<TimeoutName, number>> = {
  consistency: 500,
  targetsUp: 500,
  promql: 1_000,
  // One look per rotation period of the selftest's schedule (2 s): a rotation watch needs a change
  // between looks, not every moment, and its reads queue behind the selftest's other curls.
  rotation: 2_000,
};
export const LAB_CONSECUTIVE = 2;

/** The lab's curls: the selftest runs every probe of ~25 subjects at once from one Node thread,
 * whose forks dominate a 2-CPU runner. Probes asking the very same request in the same attempt
 * share its answer (one attempt to the next is LAB_INTERVALS apart, longer than this window). */
const COALESCE_MS = 250;
export const labRunner = coalescing(helperLocalRunner, COALESCE_MS);
/** Reads of the lab Prometheus's API take turns of their own: queued behind the hundreds of probe
 * curls a selftest keeps in flight, a PromQL probe got two attempts in its whole budget. Which lane
 * a read waits in changes how soon it is answered, never what the answer is. */
const API_LANE = 4;
const apiTurns = pLimit(API_LANE);
const labApiRunner = coalescing((argv) => apiTurns(() => helperRunner(argv)), COALESCE_MS);

export interface LabCellSpec {
  /** Which lab pod answers `t.pod(namespace, selector)`, keyed "namespace selector". */
  pods: Record<string, string>;
  /** What `istioctl` prints; absent: istioctl exits 1 as with no cluster. */
  istioctl?: (args: readonly string[]) => ProcessResult;
  /** The Istio version the cell claims (capability gates); the newest minor by default. */
  istioVersion?: string;
  /** The mesh client's files, when not the lab's good ones (the precondition's faults). */
  meshClient?: ClientFiles;
  /** The rotation client's files, when not the lab's rotating ones (the rotation probe's fault). */
  rotationClient?: ClientFiles;
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
      sidecar: pod.sidecar,
    };
  };
  return {
    cellId: "lab",
    istioVersion,
    profile: "default",
    secureMetricsMode: "native",
    runId: "lab",
    timeouts: lab.timeouts,
    consecutive: LAB_CONSECUTIVE,
    converge: (name, intervalMs) => ({
      consecutive: LAB_CONSECUTIVE,
      timeout: { name, ms: lab.timeouts[name] },
      intervalMs: intervalMs ?? LAB_INTERVALS[name],
    }),
    pod: async (namespace, selector) => podInfo(namespace, selector),
    exec: () => labRunner,
    istioctl: async (args) =>
      spec.istioctl?.(args) ?? { exitCode: 1, stdout: "", stderr: "Error: no istioctl in the lab" },
    meshClient: async () => ({
      run: labRunner,
      tls: spec.meshClient ?? lab.meshClient,
      foreign: lab.foreignClient,
    }),
    // The lab has no API server: nothing can be asked of a CRD's schema here.
    dryRunCreate: async () => {
      throw new Error("the lab has no API server");
    },
    meshPeer: async () => ({ run: labRunner, tls: lab.peerClient }),
    rotationClient: async () => {
      const tls = spec.rotationClient ?? lab.rotationClients?.rotating;
      if (!tls) throw new Error("this lab rotates no certificates (LabInput.rotation)");
      return { run: labRunner, tls };
    },
    scrapeIntervalMs: lab.scrapeIntervalMs,
    securePrometheusUrl: lab.prometheus.url,
    probeClient: async () => labRunner,
    // Every runner of the lab is this machine's curl: the client's own would only wait longer.
    prometheus: (baseUrl) => prometheusApi(labApiRunner, baseUrl, LAB_TIMEOUTS.request),
    trustDomain: async () => TRUST_DOMAIN,
    meshConfig: async () => `trustDomain: ${TRUST_DOMAIN}\n`,
    has: (capability) => hasCapability(istioVersion, capability),
  };
}
