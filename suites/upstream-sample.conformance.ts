import { sampleMeshWideChecks, samplePrometheusChecks } from "../scripts/conformance/checks.ts";
import { SAMPLE_MESH_WIDE_PREDICTION } from "../scripts/conformance/sample-mesh-wide.ts";
import { defineConformanceTest } from "../scripts/registry/define.ts";

// Istio's own secure Prometheus sample, deployed as istio.io's task deploys it: unchanged, from the
// cell's release tag. The suite's fixtures depart from it (labels, Running pods only, bracketed
// IPv6); this shows the sample itself works where the docs say it does.

export const SamplePrometheusScrapesAsDocumented = defineConformanceTest({
  id: "SamplePrometheusScrapesAsDocumented",
  description:
    "istio/istio's samples/addons/extras/prometheus-secure-metrics.yaml, applied unchanged from the cell's release tag (a vendor build's semver core; its SHA-256 checked where known, else pinned on first use), scrapes httpbin's 15091 and 15092 UP in its two secure jobs, no UP target of those jobs is its own pod, and what it stores from httpbin's 15091 counts the requests httpbin answered just before (httpbin's own Envoy answered); it installs into istio-system, so only on clusters the suite makes",
  seed: "beyond",
  features: ["PrometheusSecureJobs", "SidecarSecureMetrics", "UpstreamSamples"],
  // The sample is a setup the docs offer, not a property every mesh must have.
  support: "extended",
  // Mesh-wide, the injector annotates the sample's own pod too (catalog-facts.md §4): a case of
  // its own, with its own prediction, not this one's.
  enablements: ["pod"],
  // The sample's "$1:$2" rewrite on an IPv6 pod is DocumentedAddressRewriteOnIpv6's finding.
  ipFamilies: ["ipv4", "dual"],
  scenarios: { native: ["sample-prometheus", "httpbin-native", "probe-client"] },
  run: async (t) => ({
    verdicts: await samplePrometheusChecks(t, await t.pod("ssc-native", "app=httpbin")),
  }),
});

export const SamplePrometheusScrapesItselfMeshWide = defineConformanceTest({
  id: "SamplePrometheusScrapesItselfMeshWide",
  description: `finding: with the secure ports on mesh-wide, Istio's sample Prometheus, applied unchanged, lists its own pod UP in istio-secure-merged-metrics, and its UP target httpbin:15091 serves metrics without the requests httpbin answered just before; httpbin's own series in that payload contradict it. Predicted: ${SAMPLE_MESH_WIDE_PREDICTION}`,
  seed: "finding",
  features: ["PrometheusSecureJobs", "MeshWideEnablement", "UpstreamSamples"],
  enablements: ["mesh"],
  ipFamilies: ["ipv4", "dual"],
  requires: ["secureMetricsPortAutoAnnotation"],
  scenarios: { native: ["sample-prometheus", "httpbin-native", "probe-client"] },
  run: async (t) => {
    const verdicts = await sampleMeshWideChecks(t, await t.pod("ssc-native", "app=httpbin"));
    return { verdicts, finding: verdicts.map((v) => v.summary).join("; ") };
  },
});
