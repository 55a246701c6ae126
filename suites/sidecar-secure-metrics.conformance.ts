import {
  agentScrapeChecks,
  clientCertificateCheck,
  endpointChecks,
  listenerChecks,
  payloadChecks,
  securePortAnnotationChecks,
  selfScrapeChecks,
  sidecarCheck,
  targetChecks,
} from "../scripts/conformance/checks.ts";
import { secureListenerExpectations } from "../scripts/probes/istioctl-output.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";

const httpbin = "app=httpbin";

// Seed 000: the native secure metrics ports on a sidecar (Istio >= 1.31), as istio.io's
// secure-metrics task and Istio's TestSecureMetricsPorts describe them (istio-facts.md §2.3, §3).

export const SidecarSecureListeners = defineConformanceTest({
  id: "SidecarSecureListeners",
  description:
    "istioctl proxy-config listeners shows 15090 ALL, 15091 Trans: tls /stats/prometheus* and 15092 Trans: tls /stats/prometheus*, /metrics*",
  seed: "000",
  features: ["SidecarSecureMetrics"],
  scenarios: { native: ["httpbin-native"] },
  run: async (t) => {
    const pod = await t.pod("ssc-native", httpbin);
    return { verdicts: await listenerChecks(t, pod, secureListenerExpectations(false, pod.ips)) };
  },
});

export const SidecarSecureScrapeMtls = defineConformanceTest({
  id: "SidecarSecureScrapeMtls",
  description:
    "the Prometheus pod, with its OUTPUT_CERTS files, gets HTTP 200 from https://POD_IP:15091 and :15092 /stats/prometheus",
  seed: "000",
  features: ["SidecarSecureMetrics"],
  scenarios: { native: ["secure-prometheus", "httpbin-native"] },
  run: async (t) => ({ verdicts: await endpointChecks(t, await t.pod("ssc-native", httpbin), ["mtls"]) }),
});

export const PrometheusClientCertificates = defineConformanceTest({
  id: "PrometheusClientCertificates",
  description:
    "precondition: the secure Prometheus's sidecar wrote OUTPUT_CERTS: cert-chain.pem and root-cert.pem readable, key.pem readable, the chain leading to that root through CA certificates valid now, the leaf carrying spiffe://TD/ns/ssc-prometheus/sa/prometheus; when not, every test scraping with them is an error naming it",
  seed: "beyond",
  features: ["PrometheusSecureJobs"],
  scenarios: anyMode("secure-prometheus"),
  run: async (t) => ({ verdicts: [await clientCertificateCheck(t)] }),
});

export const SidecarInjectedAndReady = defineConformanceTest({
  id: "SidecarInjectedAndReady",
  description:
    "precondition: the target httpbin has istio-proxy injected (a container, or a native sidecar: an init container with restartPolicy Always) and ready; when not, every test checking its secure ports is an error naming it",
  seed: "beyond",
  features: ["SidecarSecureMetrics"],
  scenarios: { native: ["httpbin-native"], legacy: ["legacy-sidecar"] },
  run: async (t) => {
    const pod = await t.pod(t.secureMetricsMode === "native" ? "ssc-native" : "ssc-legacy", httpbin);
    return { verdicts: [sidecarCheck(pod)] };
  },
});

export const SecurePortPayload = defineConformanceTest({
  id: "SecurePortPayload",
  description:
    "15091 serves Envoy's metrics only (envoy_ families, no istio_agent_), 15092 the agent's merge (both), in exposition text with no family declared twice; neither serves Envoy's /config_dump or /clusters",
  seed: "beyond",
  features: ["SidecarSecureMetrics"],
  scenarios: { native: ["secure-prometheus", "httpbin-native"] },
  run: async (t) => ({ verdicts: await payloadChecks(t, await t.pod("ssc-native", httpbin)) }),
});

export const SecurePortAutoAnnotation = defineConformanceTest({
  id: "SecurePortAutoAnnotation",
  description: 'the injector set prometheus.istio.io/secure-port: "15092" on the httpbin pod',
  seed: "000",
  features: ["SidecarSecureMetrics"],
  requires: ["secureMetricsPortAutoAnnotation"],
  scenarios: { native: ["httpbin-native"] },
  run: async (t) => ({ verdicts: await securePortAnnotationChecks(t, "ssc-native", httpbin) }),
});

export const PrometheusSecureTargetsUp = defineConformanceTest({
  id: "PrometheusSecureTargetsUp",
  description:
    "jobs istio-secure-merged-metrics and istio-secure-envoy-metrics list httpbin UP at https://POD_IP:15092 and :15091 /stats/prometheus",
  seed: "000",
  features: ["SidecarSecureMetrics", "PrometheusSecureJobs"],
  scenarios: { native: ["secure-prometheus", "httpbin-native"] },
  run: async (t) => ({ verdicts: await targetChecks(t, await t.pod("ssc-native", httpbin)) }),
});

export const MergedScrapeAgentCountsNoFailure = defineConformanceTest({
  id: "MergedScrapeAgentCountsNoFailure",
  description:
    "the series Prometheus stored from httpbin's merged port (job istio-secure-merged-metrics) show its agent scraping (istio_agent_scrapes_total > 0) and no failed scrape counted: istio_agent_scrape_failures_total absent or 0 for every type (envoy, application, agent)",
  seed: "beyond",
  features: ["SidecarSecureMetrics", "PrometheusSecureJobs", "MetricsMerging"],
  scenarios: { native: ["secure-prometheus", "httpbin-native"] },
  run: async (t) => ({ verdicts: await agentScrapeChecks(t, await t.pod("ssc-native", httpbin)) }),
});

export const SecureJobsDoNotScrapePrometheus = defineConformanceTest({
  id: "SecureJobsDoNotScrapePrometheus",
  description:
    "no UP target of the secure jobs is the secure Prometheus's own pod (by pod label or IP): a secure-port annotation on Prometheus, as mesh-wide enablement adds, makes it scrape its own sidecar as if it were a workload (cf. istio#31301)",
  seed: "beyond",
  features: ["PrometheusSecureJobs"],
  // A setup property more than a mesh one: a vendor's mesh-wide enablement shows here first.
  support: "extended",
  scenarios: {
    native: ["secure-prometheus", "httpbin-native"],
    legacy: ["secure-prometheus", "legacy-sidecar"],
  },
  run: async (t) => ({ verdicts: await selfScrapeChecks(t) }),
});
