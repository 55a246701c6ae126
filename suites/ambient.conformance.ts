import { ambientPrincipalChecks, ztunnelChecks } from "../scripts/conformance/checks.ts";
import { probeAllSeries } from "../scripts/probes/prometheus.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";

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
    const api = t.prometheus("http://prometheus.ssc-ambient.svc:9090", await t.probeClient());
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
    const api = t.prometheus("http://prometheus.ssc-ambient.svc:9090", await t.probeClient());
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
