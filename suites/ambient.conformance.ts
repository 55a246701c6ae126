import {
  ambientPrincipalChecks,
  endpointChecks,
  sidecarCheck,
  targetChecks,
  ztunnelChecks,
  ztunnelMetricsChecks,
} from "../scripts/conformance/checks.ts";
import { probeAllSeries } from "../scripts/probes/prometheus.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";
import { AMBIENT_PROMETHEUS_URL, AMBIENT_SIDECAR_APP, ISTIO_NAMESPACE } from "../scripts/render/scenarios.ts";

// Seed 001, ambient. A sidecar pod is never captured by ztunnel, so mutual_tls from
// source_workload="prometheus" needs a sidecar-less Prometheus enrolled in ambient
// (istio-facts.md §6, surprise 9). Prometheus images have no curl and ambient proxies are
// distroless, so its API is queried from the probe client.

export const AmbientScrapeIsMutualTls = defineConformanceTest({
  id: "AmbientScrapeIsMutualTls",
  description:
    'istio_tcp_sent_bytes_total{source_workload="prometheus"} by destination_workload_namespace=<ambient apps>: at least one series, all mutual_tls, none unknown (API-server watches are plain TCP by design)',
  seed: "001",
  features: ["Ambient"],
  profiles: ["ambient"],
  scenarios: anyMode("ambient", "probe-client"),
  run: async (t) => {
    const api = t.prometheus(AMBIENT_PROMETHEUS_URL, await t.probeClient());
    return {
      verdicts: [
        // promql converges one scrape interval between attempts (context.ts): fresh scrapes.
        await probeAllSeries(
          api,
          {
            query:
              'sum by (destination_workload, connection_security_policy, reporter) (istio_tcp_sent_bytes_total{source_workload="prometheus", destination_workload_namespace="ssc-ambient"})',
            labels: { connection_security_policy: "mutual_tls" },
          },
          t.converge("promql"),
        ),
      ],
    };
  },
});

export const AmbientScrapeIdentities = defineConformanceTest({
  id: "AmbientScrapeIdentities",
  description:
    'istio_tcp_connections_opened_total{reporter="destination", source_workload="prometheus"} to httpbin and metrics-app in ssc-ambient: every series carries source_principal = the ambient Prometheus\'s SPIFFE id, destination_principal = the workload\'s, mutual_tls (ztunnel >= 1.23 takes the source from the mTLS peer)',
  seed: "beyond",
  features: ["Ambient"],
  // Extended until a live ambient cell has shown the labels: the sidecar-less Prometheus case is
  // read from ztunnel's code (catalog-facts.md §5, inferred), not from an Istio test.
  support: "extended",
  profiles: ["ambient"],
  scenarios: anyMode("ambient", "probe-client"),
  run: async (t) => {
    const api = t.prometheus(AMBIENT_PROMETHEUS_URL, await t.probeClient());
    const apps = await Promise.all(
      ["httpbin", "metrics-app"].map((app) => t.pod("ssc-ambient", `app=${app}`)),
    );
    const prometheus = await t.pod("ssc-ambient", "app=prometheus");
    return {
      verdicts: await ambientPrincipalChecks(
        t,
        api,
        {
          workload: "prometheus",
          namespace: prometheus.namespace,
          serviceAccount: prometheus.serviceAccount,
        },
        apps.map((p, i) => ({
          workload: ["httpbin", "metrics-app"][i]!,
          namespace: p.namespace,
          serviceAccount: p.serviceAccount,
        })),
      ),
    };
  },
});

export const AmbientWorkloadsHbone = defineConformanceTest({
  id: "AmbientWorkloadsHbone",
  description: "istioctl ztunnel-config workloads lists PROTOCOL HBONE for the app and Prometheus pods",
  seed: "001",
  features: ["Ambient"],
  profiles: ["ambient"],
  scenarios: anyMode("ambient"),
  run: async (t) => ({
    verdicts: await ztunnelChecks(t, [
      { namespace: "ssc-ambient", podPrefix: "httpbin" },
      { namespace: "ssc-ambient", podPrefix: "metrics-app" },
      { namespace: "ssc-ambient", podPrefix: "prometheus" },
    ]),
  }),
});

export const AmbientZtunnelMetricsOverHbone = defineConformanceTest({
  id: "AmbientZtunnelMetricsOverHbone",
  description:
    "ztunnel's own metrics as Istio's TestZtunnelSecureMetrics checks them: the ambient Prometheus scrapes ztunnel's 15020 UP (job ztunnel), and ztunnel reports those connections (reporter destination, destination_workload ztunnel) as mutual_tls with source_principal = the ambient Prometheus's SPIFFE id and destination_principal = ztunnel's; it needs ztunnel's pod label networking.istio.io/tunnel=http, which the install sets from 1.27",
  seed: "beyond",
  features: ["Ambient"],
  // Extended: what ztunnel's self-proxy serves (1.27+, Shared mode) is read from its code and from
  // Istio's own test, not yet seen in a live cell of ours.
  support: "extended",
  profiles: ["ambient"],
  requires: ["ztunnelHboneMetrics"],
  scenarios: anyMode("ambient", "probe-client"),
  run: async (t) => {
    const api = t.prometheus(AMBIENT_PROMETHEUS_URL, await t.probeClient());
    const [prometheus, ztunnel] = await Promise.all([
      t.pod("ssc-ambient", "app=prometheus"),
      t.pod(ISTIO_NAMESPACE, "app=ztunnel"),
    ]);
    return { verdicts: await ztunnelMetricsChecks(t, api, prometheus, ztunnel) };
  },
});

export const AmbientNamespaceSidecarSecureScrape = defineConformanceTest({
  id: "AmbientNamespaceSidecarSecureScrape",
  description:
    "a namespace mixing both data planes: in the ambient namespace one pod is injected by its sidecar.istio.io/inject label (so ambient leaves it out); it is injected and Ready, its secure ports answer the secure Prometheus's mTLS scrape, and both are UP in their secure jobs",
  seed: "beyond",
  features: ["Ambient", "SidecarSecureMetrics", "PrometheusSecureJobs"],
  // Mixing data planes in one namespace is a deployment choice, not what a profile must offer.
  support: "extended",
  profiles: ["ambient"],
  scenarios: { native: ["secure-prometheus", "ambient"] },
  run: async (t) => {
    const pod = await t.pod("ssc-ambient", `app=${AMBIENT_SIDECAR_APP}`);
    // Not injected is this test's failure (the mix did not happen), not a precondition's error.
    const injected = sidecarCheck(pod);
    if (injected.verdict !== "pass") return { verdicts: [injected] };
    // Both asked at once: each waits out its own budget on a broken pod.
    const [scrapes, targets] = await Promise.all([endpointChecks(t, pod, ["mtls"]), targetChecks(t, pod)]);
    return { verdicts: [injected, ...scrapes, ...targets] };
  },
});
