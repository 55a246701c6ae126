import type { VerdictKind } from "../probes/verdict.ts";
import type { BrokenClient, LabPodInput } from "./lab.ts";

// The fault catalog: each fault breaks one property the suite asserts, and names the probe that
// must catch it. `expect` lists every probe whose verdict the fault legitimately changes; all
// other probes of the same subject must still pass, so a probe that false-fails is caught too.
export const POD_PROBES = [
  "mtls",
  "plaintext",
  "no-cert",
  "foreign-ca",
  "identity",
  "localhost-only",
  "targets-merged",
  "targets-envoy",
  "payload",
  "mesh-peer",
  "sidecar",
  "agent-scrapes",
  "merged-app",
  "scrape-origin",
] as const;
export const OTHER_PROBES = [
  "client-certs",
  "targets-client-certs",
  "targets-ipv6",
  "promql-ambient",
  "promql-principals",
  "promql-ztunnel",
  "listeners",
  "ztunnel-workloads",
  "self-scrape",
  "merge-opt-out",
  "rotation",
  "scrape-continuity",
] as const;
export type ProbeId = (typeof POD_PROBES)[number] | (typeof OTHER_PROBES)[number];

export interface Fault {
  id: string;
  description: string;
  /** The probe that exists to catch this fault. */
  catches: ProbeId;
  /** A lab pod that carries the fault; pod probes run against it. */
  pod?: Omit<LabPodInput, "name">;
  /** For faults outside a pod: the single probe run for it. */
  probe?: (typeof OTHER_PROBES)[number];
  /** For the precondition's faults: the broken client files the probe reads. */
  client?: BrokenClient;
  expect: Partial<Record<ProbeId, VerdictKind>>;
}

// Probes that cannot show the port alive once the secure merged port is broken: they must say
// "error", never "pass".
const NO_LIVENESS: Partial<Record<ProbeId, VerdictKind>> = {
  "mesh-peer": "error",
  "no-cert": "error",
  "foreign-ca": "error",
  "localhost-only": "error",
  // No merged scrape stored: the agent's counters say nothing, nor does what it merged.
  "agent-scrapes": "error",
  "merged-app": "error",
};

export const FAULTS: readonly Fault[] = [
  {
    id: "secure-port-plaintext",
    description: "the secure merged port serves plain HTTP",
    catches: "plaintext",
    pod: { faults: { securePortPlaintext: true } },
    expect: {
      plaintext: "fail",
      mtls: "fail",
      identity: "error",
      "targets-merged": "fail",
      payload: "error",
      ...NO_LIVENESS,
    },
  },
  {
    id: "secure-port-also-plaintext",
    description: "the secure merged port also answers plain HTTP with metrics (a plaintext chain beside TLS)",
    catches: "plaintext",
    pod: {
      faults: {
        plaintextAlso: { status: 200, body: "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n" },
      },
    },
    expect: { plaintext: "fail" },
  },
  {
    id: "identity-from-foreign-ca",
    description:
      "the secure port presents the pod's own SPIFFE id in a certificate from a CA outside the mesh",
    catches: "identity",
    pod: { identityFromForeignCa: true },
    expect: { identity: "fail" },
  },
  {
    id: "identity-via-workload-cert",
    description:
      "the secure port presents the pod's own SPIFFE id signed with another workload's key (a CA:false certificate that chains to the mesh root)",
    catches: "identity",
    pod: { identityViaWorkloadCert: true },
    expect: { identity: "fail" },
  },
  {
    id: "client-cert-optional",
    description: "the secure listeners accept TLS without a client certificate",
    catches: "no-cert",
    pod: { faults: { clientCertOptional: true } },
    // Without a certificate request the foreign client sends none and is let in too.
    expect: { "no-cert": "fail", "foreign-ca": "fail" },
  },
  {
    id: "foreign-ca-trusted",
    description: "the secure listeners accept client certificates from a CA outside the mesh",
    catches: "foreign-ca",
    pod: { trustForeignCa: true },
    expect: { "foreign-ca": "fail" },
  },
  {
    id: "wrong-server-identity",
    description:
      "the secure port presents another workload's SPIFFE identity (insecure_skip_verify hides it)",
    catches: "identity",
    pod: { wrongIdentity: true },
    expect: { identity: "fail" },
  },
  {
    id: "secure-envoy-port-not-annotated",
    description: "the pod lacks prometheus.istio.io/secure-envoy-port, so the envoy job never lists it",
    catches: "targets-envoy",
    pod: { withoutSecureEnvoyPort: true },
    // Never scraped by the envoy job: whose metrics it stored cannot be told.
    expect: { "targets-envoy": "fail", "scrape-origin": "error" },
  },
  {
    id: "prometheus-without-client-certs",
    description: "Prometheus's secure job has no client certificate: its targets go DOWN",
    catches: "targets-client-certs",
    probe: "targets-client-certs",
    expect: { "targets-client-certs": "fail" },
  },
  {
    id: "ipv6-address-unbracketed",
    description:
      'the secure job rewrites an IPv6 pod\'s address as the upstream sample does ($1:$2, no brackets): the pod at [::1] is scraped at https://::1:15092, no host:port (instance label broken, "too many colons" in the targets API), never at the bracketed URL the suite expects',
    catches: "targets-ipv6",
    probe: "targets-ipv6",
    expect: { "targets-ipv6": "fail" },
  },
  {
    id: "prometheus-scrapes-itself",
    description:
      "the secure Prometheus's own pod carries the secure-port annotations (as mesh-wide enablement adds them): its jobs scrape its own sidecar, UP, as if it were a workload",
    catches: "self-scrape",
    probe: "self-scrape",
    expect: { "self-scrape": "fail" },
  },
  {
    id: "scrape-answered-by-another-envoy",
    description:
      "the pod's secure ports serve another Envoy's metrics (istio-system/prometheus's, as a scraper's own sidecar answering for every target would, istio#31301): UP, well-formed, and not the pod's",
    catches: "scrape-origin",
    pod: { statsOf: { namespace: "istio-system", workload: "prometheus" } },
    expect: { "scrape-origin": "fail" },
  },
  {
    id: "app-not-merged",
    description:
      "the pod announces its app's metrics (prometheus.io/port) but the agent merges none: 15092 is UP in Prometheus with Envoy's and the agent's series only",
    catches: "merged-app",
    pod: { faults: { appNotMerged: true } },
    expect: { "merged-app": "fail" },
  },
  {
    id: "merge-opt-out-ignored",
    description:
      'the pod says prometheus.istio.io/merge-metrics: "false", yet its prometheus.io annotations were rewritten to 15020 and its agent serves the app\'s metrics',
    catches: "merge-opt-out",
    probe: "merge-opt-out",
    expect: { "merge-opt-out": "fail" },
  },
  {
    id: "ztunnel-metrics-plaintext",
    description:
      'Prometheus reaches ztunnel\'s own metrics in plain TCP (no networking.istio.io/tunnel=http pod label, as before 1.27): ztunnel reports those connections connection_security_policy="unknown" with source_principal "unknown"',
    catches: "promql-ztunnel",
    probe: "promql-ztunnel",
    expect: { "promql-ztunnel": "fail" },
  },
  {
    id: "hardening-off-15090",
    description: "15090 answers from the pod address although METRICS_LOCALHOST_ACCESS_ONLY is set",
    catches: "localhost-only",
    pod: { faults: { envoyStatsExposed: true } },
    expect: { "localhost-only": "fail" },
  },
  {
    id: "agent-answers-remote-15020",
    description: "15020 serves metrics to a non-local peer although hardened",
    catches: "localhost-only",
    pod: { faults: { agentAnswersRemote: true } },
    expect: { "localhost-only": "fail" },
  },
  {
    id: "target-down",
    description:
      "the target pod is registered but nothing listens: rejection probes must say error, not pass",
    catches: "mtls",
    pod: { down: true },
    expect: {
      mtls: "fail",
      plaintext: "error",
      identity: "error",
      "targets-merged": "fail",
      "targets-envoy": "fail",
      payload: "error",
      // Never UP: whose metrics Prometheus stored cannot be told.
      "scrape-origin": "error",
      ...NO_LIVENESS,
    },
  },
  {
    id: "secure-route-missing",
    description: "the secure merged port has no /stats/prometheus route (404)",
    catches: "mtls",
    pod: { faults: { secureRouteMissing: true } },
    expect: { mtls: "fail", plaintext: "error", "targets-merged": "fail", payload: "error", ...NO_LIVENESS },
  },
  {
    id: "ambient-plaintext-series",
    description: 'a Prometheus connection in ambient is reported connection_security_policy="unknown"',
    catches: "promql-ambient",
    probe: "promql-ambient",
    expect: { "promql-ambient": "fail" },
  },
  {
    id: "ambient-other-source-identity",
    description:
      "ztunnel reports Prometheus's mutual_tls connections with another source_principal than Prometheus's service account",
    catches: "promql-principals",
    probe: "promql-principals",
    expect: { "promql-principals": "fail" },
  },
  {
    id: "listener-row-missing",
    description: "istioctl proxy-config listeners has no 15091 row",
    catches: "listeners",
    probe: "listeners",
    expect: { listeners: "fail" },
  },
  {
    id: "ztunnel-workload-tcp",
    description: "ztunnel lists the Prometheus pod with PROTOCOL TCP, not HBONE",
    catches: "ztunnel-workloads",
    probe: "ztunnel-workloads",
    expect: { "ztunnel-workloads": "fail" },
  },
  {
    id: "envoy-port-serves-agent",
    description: "15091 routes to the agent (15020): it serves istio_agent_ metrics, not Envoy's alone",
    catches: "payload",
    pod: { faults: { envoyPortServesAgent: true } },
    expect: { payload: "fail" },
  },
  {
    id: "secure-port-serves-admin",
    description: "15091 routes every path to Envoy's admin: /config_dump and /clusters answer over mTLS",
    catches: "payload",
    pod: { faults: { adminExposed: true } },
    expect: { payload: "fail" },
  },
  {
    id: "agent-scrape-failures",
    description:
      'the merged port answers 200 and is UP in Prometheus, but its agent counted failed Envoy scrapes (istio_agent_scrape_failures_total{type="envoy"} 2)',
    catches: "agent-scrapes",
    pod: { faults: { agentScrapeFailures: true } },
    expect: { "agent-scrapes": "fail" },
  },
  {
    id: "merged-family-twice",
    description: "the app exports a family Envoy exports too: the agent's merge declares it twice",
    catches: "payload",
    pod: { faults: { duplicateFamily: true } },
    expect: { payload: "fail" },
  },
  {
    id: "sidecar-not-injected",
    description:
      "the target pod is Running and Ready with no istio-proxy (the webhook skipped it): the precondition fails and every check on its ports says error, though its ports answer",
    catches: "sidecar",
    pod: { sidecar: { kind: "none", ready: false, restarts: 0 } },
    expect: {
      sidecar: "fail",
      mtls: "error",
      plaintext: "error",
      "no-cert": "error",
      "foreign-ca": "error",
      identity: "error",
      "localhost-only": "error",
      "targets-merged": "error",
      "targets-envoy": "error",
      payload: "error",
      "mesh-peer": "error",
      "agent-scrapes": "error",
      "merged-app": "error",
      "scrape-origin": "error",
    },
  },
  {
    id: "secure-port-checks-client-identity",
    description:
      "the secure listeners admit Prometheus's SPIFFE id only (a SAN check Istio's do not have): the any-mesh-identity finding must say contradicted",
    catches: "mesh-peer",
    pod: { onlyPrometheus: true },
    expect: { "mesh-peer": "fail" },
  },
  {
    id: "client-cert-wrong-identity",
    description: "the secure Prometheus's certificate files carry another workload's SPIFFE id",
    catches: "client-certs",
    probe: "client-certs",
    client: "wrong-identity",
    expect: { "client-certs": "fail" },
  },
  {
    id: "client-cert-not-chaining",
    description: "the secure Prometheus's cert-chain.pem does not lead to the root-cert.pem beside it",
    catches: "client-certs",
    probe: "client-certs",
    client: "not-chaining",
    expect: { "client-certs": "fail" },
  },
  {
    id: "client-key-missing",
    description: "the secure Prometheus's key.pem is missing (OUTPUT_CERTS half written)",
    catches: "client-certs",
    probe: "client-certs",
    client: "key-missing",
    expect: { "client-certs": "fail" },
  },
  {
    id: "output-certs-not-rewritten",
    description:
      "the secure Prometheus's certificate files are never rewritten while the target's certificate rotates (OUTPUT_CERTS not following rotation)",
    catches: "rotation",
    probe: "rotation",
    expect: { rotation: "fail" },
  },
  {
    id: "rotation-scrape-outage",
    description:
      "the target's secure listeners fail Prometheus's next scrape (503) after every second certificate rotation",
    catches: "scrape-continuity",
    probe: "scrape-continuity",
    expect: { "scrape-continuity": "fail" },
  },
];
