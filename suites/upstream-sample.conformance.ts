import { samplePrometheusChecks } from "../scripts/conformance/checks.ts";
import { defineConformanceTest } from "../scripts/registry/define.ts";

// Istio's own secure Prometheus sample, deployed as istio.io's task deploys it: unchanged, from the
// cell's release tag. The suite's fixtures depart from it (labels, Running pods only, bracketed
// IPv6); this shows the sample itself works where the docs say it does.

export const SamplePrometheusScrapesAsDocumented = defineConformanceTest({
  id: "SamplePrometheusScrapesAsDocumented",
  description:
    "istio/istio's samples/addons/extras/prometheus-secure-metrics.yaml, applied unchanged from the cell's release tag (a vendor build's semver core; its SHA-256 checked where known, else pinned on first use), scrapes httpbin's 15091 and 15092 UP in its two secure jobs, and no UP target of those jobs is its own pod; it installs into istio-system, so only on clusters the suite makes",
  seed: "beyond",
  features: ["PrometheusSecureJobs", "SidecarSecureMetrics", "UpstreamSamples"],
  // The sample is a setup the docs offer, not a property every mesh must have.
  support: "extended",
  // Mesh-wide, the injector annotates the sample's own pod too (catalog-facts.md §4): a case of
  // its own, with its own prediction, not this one's.
  enablements: ["pod"],
  scenarios: { native: ["sample-prometheus", "httpbin-native", "probe-client"] },
  run: async (t) => ({
    verdicts: await samplePrometheusChecks(t, await t.pod("ssc-native", "app=httpbin")),
  }),
});
