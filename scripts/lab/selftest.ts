import { performance } from "node:perf_hooks";
import {
  agentScrapeChecks,
  ambientPrincipalChecks,
  clientCertificateCheck,
  endpointChecks,
  hostPort,
  identityChecks,
  listenerChecks,
  localhostOnlyChecks,
  mergedAppSeriesChecks,
  mergeOptOutChecks,
  meshPeerChecks,
  PROMETHEUS_ACCOUNT,
  payloadChecks,
  rotationChecks,
  SECURE_JOBS,
  scrapeOriginCheck,
  securePorts,
  selfScrapeChecks,
  sidecarCheck,
  targetChecks,
  thrownVerdict,
  ztunnelMetricsChecks,
} from "../conformance/checks.ts";
import type { CellContext, PodInfo } from "../conformance/context.ts";
import type { EndpointCheck } from "../probes/http-probes.ts";
import { checkZtunnelWorkloads, secureListenerExpectations } from "../probes/istioctl-output.ts";
import { probeAllSeries, probeTarget } from "../probes/prometheus.ts";
import { error, type Verdict, type VerdictKind, worstOf } from "../probes/verdict.ts";
import { APP_SCRAPE, PORTS } from "../render/scenarios.ts";
import { FAULTS, type Fault, type POD_PROBES, type ProbeId } from "./faults.ts";
import {
  SIDECAR_LISTENER_ROWS,
  tabwrite,
  ZTUNNEL_ACCOUNT,
  ztunnelMetrics,
  ztunnelWorkloadRows,
} from "./golden.ts";
import { hostCurl } from "./host-curl.ts";
import { type BrokenClient, LAB_NAMESPACE, type Lab, type LabPod, startLab } from "./lab.ts";
import { labCellContext, labRunner } from "./lab-context.ts";

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
  /** What starting one process took on this machine; the lab's budgets, and so the floor, grow
   * with it past PROCESS_START_REFERENCE_MS (budgets.ts). */
  processStartMs: number;
  prometheus: "binary" | "container";
  /** This machine's `curl --version` first line: the lab's curl, the same or newer than the
   * probe client's. */
  curl: string;
}

const HEALTHY = "healthy";
/** The secure Prometheus's own pod in discovery: dropped by the secure jobs' keep rules. */
const PROMETHEUS_POD = "prometheus";
/** Pods opting out of merging, outside the hardened default so 15020 answers the probe client:
 * one whose opt-out the injector honoured, one whose it ignored (the fault's subject). */
const UNMERGED = "unmerged";
const UNMERGED_IGNORED = "unmerged-ignored";
/** A healthy pod at [::1]: every pod probe, and the secure jobs, over IPv6. */
const HEALTHY_IPV6 = "healthy-ipv6";
/** Its fault is in a Prometheus job, so the IPv6 pod (on the one IPv6 loopback) is started only
 * when the faults asked for include it. */
const IPV6_FAULT = "ipv6-address-unbracketed";
const FAULT_NS = "ssc-ambient-faulty";
const OTHER_IDENTITY_NS = "ssc-ambient-other-identity";
const SCRAPE_INTERVAL_S = 1;
/** Pods whose server certificates rotate on the lab's schedule: a healthy one, and one whose
 * listeners fail the scrape after every second rotation (the continuity probe's fault). */
const ROTATING = "rotating";
const ROTATING_OUTAGE = "rotating-outage";
/** The lab's rotation schedule: as an agent does at half a certificate's life with some room, a
 * new certificate every period, each valid three periods. */
const ROTATION_PERIOD_MS = 2_000;
const DISCOVERY_TICK_S = 5;
type Runner = () => Promise<Verdict>;

/** The pod probes through the cell's own check blocks (scripts/conformance/checks.ts) over the lab
 * context: both secure ports of native mode, the jobs they pair with, the identity the cell
 * derives. Each probe's verdict is the worst of its ports'. */
function podProbes(t: CellContext, pod: LabPod): Record<(typeof POD_PROBES)[number], Runner> {
  const target = () => t.pod(LAB_NAMESPACE, `app=${pod.name}`);
  const worst = (probe: string, verdicts: (p: PodInfo) => Promise<Verdict[]>) => async () => {
    try {
      return worstOf(await verdicts(await target()), probe);
    } catch (e) {
      return thrownVerdict(probe, e);
    }
  };
  const only = (job: string) => securePorts(t).filter((p) => p.job === job);
  const endpoint = (check: EndpointCheck) => worst(check, (p) => endpointChecks(t, p, [check]));
  return {
    mtls: endpoint("mtls"),
    plaintext: endpoint("plaintext"),
    "no-cert": endpoint("no-cert"),
    "foreign-ca": endpoint("foreign-ca"),
    identity: worst("identity", (p) => identityChecks(t, p)),
    "localhost-only": worst("localhost-only", (p) => localhostOnlyChecks(t, p)),
    "targets-merged": worst("targets", (p) => targetChecks(t, p, only(SECURE_JOBS.merged))),
    "targets-envoy": worst("targets", (p) => targetChecks(t, p, only(SECURE_JOBS.envoy))),
    payload: worst("payload", (p) => payloadChecks(t, p)),
    // One port is enough to show the listeners' client check (both ports share it), and keeps the
    // lab's curl count down: the suite's test asks both.
    "mesh-peer": worst("mesh-peer", (p) => meshPeerChecks(t, p, only(SECURE_JOBS.merged))),
    sidecar: async () => sidecarCheck(await target()),
    "agent-scrapes": worst("agent-scrapes", (p) => agentScrapeChecks(t, p)),
    "merged-app": worst("merged-app", (p) => mergedAppSeriesChecks(t, p)),
    // The lab's Envoy stats count requests served already; its pods serve no app port to ask.
    "scrape-origin": worst("scrape-origin", async (p) => [await scrapeOriginCheck(t, p, 1)]),
  };
}

function otherProbes(
  lab: Lab,
  healthy: LabPod,
  faulty: boolean,
  client?: BrokenClient,
): Record<Exclude<ProbeId, (typeof POD_PROBES)[number]>, Runner> {
  const listenerRows = faulty ? SIDECAR_LISTENER_ROWS.filter((r) => r[1] !== "15091") : SIDECAR_LISTENER_ROWS;
  const t = labCellContext(lab, {
    pods: { [`${LAB_NAMESPACE} app=${healthy.name}`]: healthy.name },
    istioctl: () => ({ exitCode: 0, stdout: tabwrite(listenerRows), stderr: "" }),
  });
  const api = t.prometheus(t.securePrometheusUrl, labRunner);
  // The precondition reads the client files a broken OUTPUT_CERTS would leave, or the good ones.
  const withClient = labCellContext(lab, {
    pods: {},
    ...(client ? { meshClient: lab.brokenClients[client] } : {}),
  });
  // One watch per pod and client; the healthy subject's two probes share one. The rewrite fault
  // watches the healthy pod with the frozen client files, the outage fault its faulty pod.
  const watchOf = (pod: string, frozen: boolean) => {
    let watch: Promise<Verdict[]> | undefined;
    return () => {
      watch ??= (() => {
        const rt = labCellContext(lab, {
          pods: { [`${LAB_NAMESPACE} app=${ROTATING}`]: pod },
          ...(frozen ? { rotationClient: lab.rotationClients!.frozen } : {}),
        });
        return rt.pod(LAB_NAMESPACE, `app=${ROTATING}`).then((p) => rotationChecks(rt, p));
      })();
      return watch;
    };
  };
  const healthyWatch = watchOf(ROTATING, false);
  return {
    "client-certs": () => clientCertificateCheck(withClient),
    "targets-ipv6": () => {
      const v6 = lab.pods[HEALTHY_IPV6];
      if (!v6) return Promise.resolve(error("targets", "no IPv6 pod in this lab"));
      return probeTarget(
        api,
        {
          job: faulty ? "fault-documented-rewrite" : SECURE_JOBS.merged,
          scrapeUrl: `https://${hostPort(v6.ip, PORTS.secureMerged)}/stats/prometheus`,
        },
        t.converge("targetsUp"),
      );
    },
    "targets-client-certs": () =>
      probeTarget(
        api,
        {
          job: faulty ? "fault-no-client-cert" : SECURE_JOBS.merged,
          scrapeUrl: `https://${healthy.ip}:${PORTS.secureMerged}/stats/prometheus`,
        },
        t.converge("targetsUp"),
      ),
    "promql-ambient": () =>
      probeAllSeries(
        api,
        {
          query: `istio_tcp_sent_bytes_total{source_workload="prometheus",destination_workload_namespace="${faulty ? FAULT_NS : "ssc-ambient"}"}`,
          labels: { connection_security_policy: "mutual_tls" },
        },
        t.converge("promql"),
      ),
    "promql-principals": async () => {
      const ns = faulty ? OTHER_IDENTITY_NS : "ssc-ambient";
      const at = (workload: string, serviceAccount: string) => ({ workload, namespace: ns, serviceAccount });
      return worstOf(
        await ambientPrincipalChecks(t, api, at("prometheus", "prometheus"), [
          at("httpbin", "httpbin"),
          at("metrics-app", "metrics-app"),
        ]),
        "promql",
      );
    },
    // ztunnel's own metrics: from the healthy namespace's Prometheus over HBONE, or, for the fault,
    // from the namespace whose Prometheus reached ztunnel in plain TCP.
    "promql-ztunnel": async () => {
      if (!lab.ztunnel) return error("promql", "no ztunnel in this lab");
      const outside = { annotations: {}, sidecar: { kind: "none", ready: false, restarts: 0 } } as const;
      const prometheus = {
        ...outside,
        name: "prometheus-0",
        namespace: faulty ? FAULT_NS : "ssc-ambient",
        ip: "127.0.0.1",
        ips: ["127.0.0.1"],
        serviceAccount: "prometheus",
      };
      const ztunnel = {
        ...outside,
        name: "ztunnel-0",
        namespace: ZTUNNEL_ACCOUNT.namespace,
        ip: lab.ztunnel.ip,
        ips: [lab.ztunnel.ip],
        serviceAccount: ZTUNNEL_ACCOUNT.serviceAccount,
      };
      return worstOf(await ztunnelMetricsChecks(t, api, prometheus, ztunnel), "promql");
    },
    listeners: async () => {
      const pod = await t.pod(LAB_NAMESPACE, `app=${healthy.name}`);
      return worstOf(await listenerChecks(t, pod, secureListenerExpectations(true, pod.ips)), "listeners");
    },
    // Prometheus's own pod: one the secure jobs drop (no secure-port annotations, as the fixture's),
    // or, for the fault, a pod they scrape UP (as a mesh-wide annotation makes it).
    "self-scrape": async () =>
      worstOf(
        await selfScrapeChecks(
          labCellContext(lab, {
            pods: {
              [`${PROMETHEUS_ACCOUNT.namespace} app=prometheus`]: faulty ? healthy.name : PROMETHEUS_POD,
            },
          }),
        ),
        "self-scrape",
      ),
    "merge-opt-out": async () => {
      const pod = labCellContext(lab, {
        pods: { [`${LAB_NAMESPACE} app=${UNMERGED}`]: faulty ? UNMERGED_IGNORED : UNMERGED },
      });
      return worstOf(
        await mergeOptOutChecks(pod, await pod.pod(LAB_NAMESPACE, `app=${UNMERGED}`), APP_SCRAPE),
        "merge-opt-out",
      );
    },
    rotation: () => rotationPart(faulty ? watchOf(ROTATING, true) : healthyWatch, "rotation"),
    "scrape-continuity": () =>
      rotationPart(faulty ? watchOf(ROTATING_OUTAGE, false) : healthyWatch, "scrape-continuity"),
    "ztunnel-workloads": async () =>
      checkZtunnelWorkloads(tabwrite(ztunnelWorkloadRows(faulty ? "TCP" : "HBONE")), true, [
        { namespace: "ssc-ambient", podPrefix: "httpbin" },
        { namespace: "ssc-ambient", podPrefix: "prometheus" },
      ]),
  };
}

/** One probe's part of a rotation watch: its own verdicts, once the watch's target was UP (a
 * target never UP says nothing of rotation or continuity: an error, never this probe's failure). */
async function rotationPart(
  watch: () => Promise<Verdict[]>,
  probe: "rotation" | "scrape-continuity",
): Promise<Verdict> {
  try {
    const verdicts = await watch();
    const notUp = verdicts.find((v) => v.probe === "targets" && v.verdict !== "pass");
    if (notUp) return error(probe, `the rotating target was not UP before the watch: ${notUp.summary}`);
    return worstOf(
      verdicts.filter((v) => v.probe === probe),
      probe,
    );
  } catch (e) {
    return thrownVerdict(probe, e);
  }
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
  const curl = await hostCurl();
  const podFaults = faults.filter((f) => f.pod);
  const ipv6 = faults.some((f) => f.id === IPV6_FAULT);
  const lab = await startLab({
    pods: [
      { name: HEALTHY, hardened: true },
      // In discovery only (no servers): the secure Prometheus's pod as the secure jobs see it.
      { name: PROMETHEUS_POD, withoutSecurePortAnnotation: true, withoutSecureEnvoyPort: true, down: true },
      { name: UNMERGED, hardened: false, mergeOptOut: "honoured" as const },
      { name: UNMERGED_IGNORED, hardened: false, mergeOptOut: "ignored" as const },
      ...(ipv6 ? [{ name: HEALTHY_IPV6, hardened: true, ipv6: true }] : []),
      { name: ROTATING, hardened: true, rotate: true },
      {
        name: ROTATING_OUTAGE,
        hardened: true,
        rotate: true,
        faults: { failScrapeAfterRotation: true },
      },
      ...podFaults.map((f) => ({ name: f.id, ...f.pod })),
    ],
    jobVariants: [
      { name: "fault-no-client-cert", withoutClientCert: true },
      { name: "fault-documented-rewrite", documentedAddressRewrite: true },
    ],
    ztunnelMetrics: ztunnelMetrics("ssc-ambient", FAULT_NS, OTHER_IDENTITY_NS),
    scrapeInterval: `${SCRAPE_INTERVAL_S}s`,
    rotation: { periodMs: ROTATION_PERIOD_MS, lifetimeMs: 3 * ROTATION_PERIOD_MS },
  });
  try {
    const healthy = lab.pods[HEALTHY]!;
    // One cell for every pod, as in a run: the precondition on the client files is judged once.
    const cell = labCellContext(lab, {
      pods: Object.fromEntries(
        Object.values(lab.pods).map((p) => [`${LAB_NAMESPACE} app=${p.name}`, p.name]),
      ),
    });
    const subjects = await Promise.all([
      runSubject(
        HEALTHY,
        "every property holds",
        {
          ...podProbes(cell, healthy),
          ...Object.fromEntries(
            Object.entries(otherProbes(lab, healthy, false)).filter(([p]) => ipv6 || p !== "targets-ipv6"),
          ),
        },
        {},
      ),
      ...(ipv6
        ? [
            runSubject(
              HEALTHY_IPV6,
              "every pod property holds for a pod at an IPv6 address ([::1]): URLs, jobs and probes bracket it",
              podProbes(cell, lab.pods[HEALTHY_IPV6]!),
              {},
            ),
          ]
        : []),
      ...faults.map((f) => {
        const probes: Partial<Record<ProbeId, Runner>> = f.pod
          ? podProbes(cell, lab.pods[f.id]!)
          : { [f.probe!]: otherProbes(lab, healthy, true, f.client)[f.probe!] };
        return runSubject(f.id, f.description, probes, f.expect, f.catches);
      }),
    ]);
    return {
      ok: subjects.every((s) => s.ok),
      subjects,
      seconds: (performance.now() - start) / 1000,
      floorSeconds: Math.max(DISCOVERY_TICK_S + SCRAPE_INTERVAL_S, lab.timeouts.targetsUp / 1000),
      processStartMs: lab.processStartMs,
      prometheus: lab.prometheus.how,
      curl,
    };
  } finally {
    await lab.dispose();
  }
}
