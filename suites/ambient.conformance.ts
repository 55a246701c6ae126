import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";

// Seed 001, ambient. A sidecar pod is never captured by ztunnel, so mutual_tls from
// source_workload="prometheus" needs a sidecar-less Prometheus enrolled in ambient
// (istio-facts.md §6, surprise 9). Prometheus images have no curl and ambient proxies are
// distroless, so its API is queried from the probe client.

export const AmbientScrapeIsMutualTls = defineConformanceTest({
  id: "AmbientScrapeIsMutualTls",
  description:
    'istio_tcp_sent_bytes_total{source_workload="prometheus"} destination_workload_namespace=<ambient apps>: at least one series, all mutual_tls, none unknown (API-server watches are plain TCP by design)',
  seed: "001",
  features: ["Ambient"],
  profiles: ["ambient"],
  scenarios: anyMode("ambient", "probe-client"),
});

export const AmbientWorkloadsHbone = defineConformanceTest({
  id: "AmbientWorkloadsHbone",
  description: "istioctl ztunnel-config workloads lists PROTOCOL HBONE for the app and Prometheus pods",
  seed: "001",
  features: ["Ambient"],
  profiles: ["ambient"],
  scenarios: anyMode("ambient", "probe-client"),
});
