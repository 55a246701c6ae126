import { localhostOnlyChecks, targetChecks } from "../scripts/conformance/checks.ts";
import { defineConformanceTest } from "../scripts/registry/define.ts";

// Seed 000, "fully hardened": METRICS_LOCALHOST_ACCESS_ONLY (>= 1.23) locks the plaintext metrics
// ports to loopback while the mTLS path keeps working (istio-facts.md §2.4). The requests come
// from the secure Prometheus pod, which is "another pod" for httpbin.

export const HardenedPlaintextPortsLocalOnly = defineConformanceTest({
  id: "HardenedPlaintextPortsLocalOnly",
  description:
    "with METRICS_LOCALHOST_ACCESS_ONLY, 15090 refuses and 15020 answers 403 to another pod, while the mTLS scrape still gets 200",
  seed: "000",
  features: ["HardenedMetrics"],
  requires: ["metricsLocalhostAccessOnly"],
  // In legacy cells httpbin-hardened carries its own Sidecar ingress on 15091.
  scenarios: {
    native: ["secure-prometheus", "httpbin-hardened"],
    legacy: ["secure-prometheus", "httpbin-hardened"],
  },
  run: async (t) => ({ verdicts: await localhostOnlyChecks(t, await t.pod("ssc-hardened", "app=httpbin")) }),
});

export const HardenedSecureTargetsUp = defineConformanceTest({
  id: "HardenedSecureTargetsUp",
  description:
    "with METRICS_LOCALHOST_ACCESS_ONLY, the secure Prometheus still lists the hardened pod UP in each secure job at the mode's ports (Istio's TestSecureMetricsPorts scrapes a hardened target)",
  seed: "beyond",
  features: ["HardenedMetrics", "PrometheusSecureJobs"],
  requires: ["metricsLocalhostAccessOnly"],
  scenarios: {
    native: ["secure-prometheus", "httpbin-hardened"],
    legacy: ["secure-prometheus", "httpbin-hardened"],
  },
  run: async (t) => ({ verdicts: await targetChecks(t, await t.pod("ssc-hardened", "app=httpbin")) }),
});
