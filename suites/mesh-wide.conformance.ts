import { meshWideChecks } from "../scripts/conformance/checks.ts";
import { defineConformanceTest } from "../scripts/registry/define.ts";

// Tests about mesh-wide enablement (--enablement mesh). In such a cell every other native test
// already judges ports the mesh config opened (httpbin sets none of its own), and
// SecureJobsDoNotScrapePrometheus becomes live: the injector would annotate Prometheus too.

export const MeshWideSecurePortsFromMeshConfig = defineConformanceTest({
  id: "MeshWideSecurePortsFromMeshConfig",
  description:
    "mesh-wide: the mesh config's defaultConfig.proxyMetadata enables 15091 and 15092; httpbin, which sets no port of its own, carries prometheus.istio.io/secure-port=15092 from the injector; the secure Prometheus, whose own proxyMetadata sets both ports to 0, carries none",
  seed: "beyond",
  features: ["MeshWideEnablement", "SidecarSecureMetrics", "PrometheusSecureJobs"],
  enablements: ["mesh"],
  requires: ["secureMetricsPortAutoAnnotation"],
  scenarios: { native: ["secure-prometheus", "httpbin-native"] },
  run: async (t) => ({ verdicts: await meshWideChecks(t) }),
});
