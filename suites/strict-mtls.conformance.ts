import {
  hostPort,
  mergedAppSeriesChecks,
  permissivePortCheck,
  SECURE_JOBS,
  strictScrapeCheck,
  targetChecks,
} from "../scripts/conformance/checks.ts";
import { probeTarget } from "../scripts/probes/prometheus.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";
import { PORTS, STRICT_MITIGATED } from "../scripts/render/scenarios.ts";

// STRICT mTLS interplay. Seed 002 (Big Bang guidance) plus a finding: the native ports are
// captured inbound, so under STRICT the sidecar may terminate TLS before the static listener
// sees it (istio-facts.md §2.5, surprise 7).

export const SecureScrapeUnderStrictMtls = defineConformanceTest({
  id: "SecureScrapeUnderStrictMtls",
  description:
    "finding: under PeerAuthentication STRICT the sidecar captures the native secure port, so the mesh client's scrape ends without an HTTP answer (curl 52/56) or with Envoy's 503 upstream connect error; a 200 or any other answer contradicts it",
  seed: "finding",
  features: ["SidecarSecureMetrics", "StrictMtls"],
  scenarios: { native: ["secure-prometheus", "httpbin-native", "strict-mtls"] },
  run: async (t) => {
    const [strict, baseline] = await Promise.all([
      t.pod("ssc-strict", "app=httpbin"),
      t.pod("ssc-native", "app=httpbin"),
    ]);
    const verdict = await strictScrapeCheck(t, strict, baseline);
    return { verdicts: [verdict], finding: verdict.summary };
  },
});

export const SecureMergedScrapeUnderStrictMitigated = defineConformanceTest({
  id: "SecureMergedScrapeUnderStrictMitigated",
  description:
    "under PeerAuthentication STRICT, each mitigation the sources name lets Prometheus scrape the secure merged port with the app's metrics merged behind it: 15091/15092 excluded from inbound capture (traffic.sidecar.istio.io/excludeInboundPorts), or port-level PERMISSIVE on 15091/15092; each pod's target is UP in job istio-secure-merged-metrics and its app's prometheus_build_info arrives through it",
  seed: "beyond",
  features: ["SidecarSecureMetrics", "StrictMtls", "MetricsMerging"],
  scenarios: { native: ["secure-prometheus", "strict-mtls"] },
  run: async (t) => {
    const merged = [{ port: PORTS.secureMerged, job: SECURE_JOBS.merged }];
    const pods = await Promise.all(
      Object.values(STRICT_MITIGATED).map((app) => t.pod("ssc-strict", `app=${app}`)),
    );
    // Every check at once: each waits out its own budget on a broken pod.
    const verdicts = await Promise.all(
      pods.flatMap((p) => [targetChecks(t, p, merged), mergedAppSeriesChecks(t, p)]),
    );
    return { verdicts: verdicts.flat() };
  },
});

export const ServiceMonitorScrapeUnderStrict = defineConformanceTest({
  id: "ServiceMonitorScrapeUnderStrict",
  description:
    "prometheus-operator ServiceMonitor with scheme https and tlsConfig files from /etc/prom-certs scrapes the app UP under STRICT",
  seed: "002",
  features: ["PrometheusOperator", "StrictMtls"],
  scenarios: anyMode("prometheus-operator", "strict-mtls", "probe-client"),
  run: async (t) => {
    const app = await t.pod("ssc-strict", "app=metrics-app");
    // The operator's Prometheus image has no curl; its API is read from the probe client.
    const api = t.prometheus("http://prometheus-operated.ssc-operator.svc:9090", await t.probeClient());
    return {
      verdicts: [
        // The operator names the scrape config (Prometheus's scrapePool) serviceMonitor/<ns>/<name>/<i>
        // and sets the job label to the Service's name (promcfg.go, v0.93.0).
        await probeTarget(
          api,
          {
            job: "serviceMonitor/ssc-operator/metrics-app/0",
            scrapeUrl: `https://${hostPort(app.ip, 9090)}/metrics`,
          },
          t.converge("targetsUp"),
        ),
      ],
    };
  },
});

export const PermissiveMetricsPortException = defineConformanceTest({
  id: "PermissiveMetricsPortException",
  description:
    "STRICT with portLevelMtls PERMISSIVE on one app's metrics port: a plaintext scrape works there, and is refused on the same port of a STRICT app",
  seed: "002",
  features: ["StrictMtls"],
  scenarios: anyMode("secure-prometheus", "strict-mtls", "probe-client"),
  run: async (t) => {
    const [open, strict] = await Promise.all([
      t.pod("ssc-strict", "app=metrics-app-permissive"),
      t.pod("ssc-strict", "app=metrics-app"),
    ]);
    return { verdicts: [await permissivePortCheck(t, open, strict)] };
  },
});
