import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";

// STRICT mTLS interplay. Seed 002 (Big Bang guidance) plus a finding: the native ports are
// captured inbound, so under STRICT the sidecar may terminate TLS before the static listener
// sees it (istio-facts.md §2.5, surprise 7).

export const SecureScrapeUnderStrictMtls = defineConformanceTest({
  id: "SecureScrapeUnderStrictMtls",
  description:
    "native secure scrape with PeerAuthentication STRICT: works, or fails the way the facts predict; recorded as a finding",
  seed: "finding",
  features: ["SidecarSecureMetrics", "StrictMtls"],
  scenarios: { native: ["secure-prometheus", "httpbin-native", "strict-mtls"] },
});

export const ServiceMonitorScrapeUnderStrict = defineConformanceTest({
  id: "ServiceMonitorScrapeUnderStrict",
  description:
    "prometheus-operator ServiceMonitor with scheme https and tlsConfig files from /etc/prom-certs scrapes the app UP under STRICT",
  seed: "002",
  features: ["PrometheusOperator", "StrictMtls"],
  scenarios: anyMode("prometheus-operator", "strict-mtls", "probe-client"),
});

export const PermissiveMetricsPortException = defineConformanceTest({
  id: "PermissiveMetricsPortException",
  description:
    "STRICT with portLevelMtls PERMISSIVE on one app's metrics port: a plaintext scrape works there, and is refused on the same port of a STRICT app",
  seed: "002",
  features: ["StrictMtls"],
  scenarios: anyMode("strict-mtls", "probe-client"),
});
