import { performance } from "node:perf_hooks";
import { type Convergence, converge } from "../probes/converge.ts";
import {
  endpointProbes,
  probeIdentity,
  probeLocalhostOnly,
  type SecurePortTarget,
} from "../probes/http-probes.ts";
import {
  checkListeners,
  checkZtunnelWorkloads,
  secureListenerExpectations,
} from "../probes/istioctl-output.ts";
import { probeAllSeries, probeTarget, prometheusApi } from "../probes/prometheus.ts";
import { localRunner } from "../probes/runners.ts";
import type { Verdict, VerdictKind } from "../probes/verdict.ts";
import { FAULTS, type Fault, type POD_PROBES, type ProbeId } from "./faults.ts";
import { SIDECAR_LISTENER_ROWS, tabwrite, ztunnelMetrics, ztunnelWorkloadRows } from "./golden.ts";
import { type Lab, type LabPod, startLab } from "./lab.ts";

// `ssc selftest`: one lab, one Prometheus, every probe against a healthy pod and against each fault,
// all at once. Exit 0 only when the healthy subject passes everything and every fault is caught by
// its probe without any other probe false-failing.
export interface ProbeOutcome {
  probe: ProbeId;
  expected: VerdictKind;
  verdict: Verdict;
  ok: boolean;
}

export interface SubjectResult {
  id: string;
  description: string;
  catches?: ProbeId;
  ok: boolean;
  outcomes: ProbeOutcome[];
}

export interface SelftestResult {
  ok: boolean;
  subjects: SubjectResult[];
  seconds: number;
  /** The floor of this run: the lab's targetsUp budget, which a fault that only ever looks "not
   * yet" (a dropped target) waits out under the convergence rule; Prometheus's own floor (5 s
   * discovery tick plus one scrape interval) is below it. */
  floorSeconds: number;
  prometheus: "binary" | "container";
}

const HEALTHY = "healthy";
const FAULT_NS = "ssc-ambient-faulty";
const SCRAPE_INTERVAL_S = 1;
const DISCOVERY_TICK_S = 5;
const REQUEST_MS = 3_000;
// The lab's convergence: the cluster's rule (N passes in a row within a named time) with budgets
// sized to the lab's 1 s scrape interval and Prometheus's 5 s discovery tick. Faults wait out their
// budget, as a failing probe in a cell does.
const LAB_CONVERGENCE = {
  consistency: { consecutive: 2, timeout: { name: "consistency", ms: 3_000 }, intervalMs: 250 },
  targetsUp: { consecutive: 2, timeout: { name: "targetsUp", ms: 12_000 }, intervalMs: 500 },
  promql: {
    consecutive: 2,
    timeout: { name: "promql", ms: 12_000 },
    intervalMs: SCRAPE_INTERVAL_S * 1_000,
  },
} as const satisfies Record<string, Convergence>;

type Runner = () => Promise<Verdict>;

function podProbes(lab: Lab, pod: LabPod): Record<(typeof POD_PROBES)[number], Runner> {
  const run = localRunner;
  const secure = (port: number): SecurePortTarget => ({
    url: `https://${pod.ip}:${port}/stats/prometheus`,
    meshClient: lab.meshClient,
    timeoutMs: REQUEST_MS,
  });
  const api = prometheusApi(run, lab.prometheus.url, REQUEST_MS);
  return {
    ...endpointProbes(run, secure(15092), lab.foreignClient, LAB_CONVERGENCE.consistency),
    identity: () =>
      converge(() => probeIdentity(run, secure(15092), pod.identity), LAB_CONVERGENCE.consistency),
    "localhost-only": () =>
      converge(
        () =>
          probeLocalhostOnly(run, {
            secure: secure(15092),
            envoyStatsUrl: `http://${pod.ip}:15090/stats/prometheus`,
            agentStatsUrl: `http://${pod.ip}:15020/stats/prometheus`,
          }),
        LAB_CONVERGENCE.consistency,
      ),
    "targets-merged": () =>
      probeTarget(
        api,
        { job: "istio-secure-merged-metrics", scrapeUrl: secure(15092).url },
        LAB_CONVERGENCE.targetsUp,
      ),
    "targets-envoy": () =>
      probeTarget(
        api,
        { job: "istio-secure-envoy-metrics", scrapeUrl: secure(15091).url },
        LAB_CONVERGENCE.targetsUp,
      ),
  };
}

function otherProbes(
  lab: Lab,
  healthy: LabPod,
  faulty: boolean,
): Record<Exclude<ProbeId, (typeof POD_PROBES)[number]>, Runner> {
  const api = prometheusApi(localRunner, lab.prometheus.url, REQUEST_MS);
  const listenerRows = faulty ? SIDECAR_LISTENER_ROWS.filter((r) => r[1] !== "15091") : SIDECAR_LISTENER_ROWS;
  return {
    "targets-client-certs": () =>
      probeTarget(
        api,
        {
          job: faulty ? "fault-no-client-cert" : "istio-secure-merged-metrics",
          scrapeUrl: `https://${healthy.ip}:15092/stats/prometheus`,
        },
        LAB_CONVERGENCE.targetsUp,
      ),
    "promql-ambient": () =>
      probeAllSeries(
        api,
        {
          query: `istio_tcp_sent_bytes_total{source_workload="prometheus",destination_workload_namespace="${faulty ? FAULT_NS : "ssc-ambient"}"}`,
          labels: { connection_security_policy: "mutual_tls" },
        },
        LAB_CONVERGENCE.promql,
      ),
    listeners: async () => checkListeners(tabwrite(listenerRows), secureListenerExpectations(true)),
    "ztunnel-workloads": async () =>
      checkZtunnelWorkloads(tabwrite(ztunnelWorkloadRows(faulty ? "TCP" : "HBONE")), true, [
        { namespace: "ssc-ambient", podPrefix: "httpbin" },
        { namespace: "ssc-ambient", podPrefix: "prometheus" },
      ]),
  };
}

async function runSubject(
  id: string,
  description: string,
  probes: Partial<Record<ProbeId, Runner>>,
  expect: Partial<Record<ProbeId, VerdictKind>>,
  catches?: ProbeId,
): Promise<SubjectResult> {
  const outcomes = await Promise.all(
    (Object.entries(probes) as [ProbeId, Runner][]).map(async ([probe, run]) => {
      const verdict = await run();
      const expected = expect[probe] ?? "pass";
      return { probe, expected, verdict, ok: verdict.verdict === expected };
    }),
  );
  return { id, description, catches, ok: outcomes.every((o) => o.ok), outcomes };
}

export async function selftest(faults: readonly Fault[] = FAULTS): Promise<SelftestResult> {
  const start = performance.now();
  const podFaults = faults.filter((f) => f.pod);
  const lab = await startLab({
    pods: [{ name: HEALTHY, hardened: true }, ...podFaults.map((f) => ({ name: f.id, ...f.pod }))],
    jobVariants: [{ name: "fault-no-client-cert", withoutClientCert: true }],
    ztunnelMetrics: ztunnelMetrics("ssc-ambient", FAULT_NS),
    scrapeInterval: `${SCRAPE_INTERVAL_S}s`,
  });
  try {
    const healthy = lab.pods[HEALTHY]!;
    const subjects = await Promise.all([
      runSubject(
        HEALTHY,
        "every property holds",
        { ...podProbes(lab, healthy), ...otherProbes(lab, healthy, false) },
        {},
      ),
      ...faults.map((f) => {
        const probes: Partial<Record<ProbeId, Runner>> = f.pod
          ? podProbes(lab, lab.pods[f.id]!)
          : { [f.probe!]: otherProbes(lab, healthy, true)[f.probe!] };
        return runSubject(f.id, f.description, probes, f.expect, f.catches);
      }),
    ]);
    return {
      ok: subjects.every((s) => s.ok),
      subjects,
      seconds: (performance.now() - start) / 1000,
      floorSeconds: Math.max(
        DISCOVERY_TICK_S + SCRAPE_INTERVAL_S,
        LAB_CONVERGENCE.targetsUp.timeout.ms / 1000,
      ),
      prometheus: lab.prometheus.how,
    };
  } finally {
    await lab.dispose();
  }
}
