import { mergedMetricsCheck, mergeOptOutChecks } from "../scripts/conformance/checks.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";
import { APP_SCRAPE, UNMERGED_APP } from "../scripts/render/scenarios.ts";

// Seed 002, Big Bang's alternative to PodMonitor TLS: metrics merging serves app metrics on 15020.

export const MetricsMergingExposesAppMetrics = defineConformanceTest({
  id: "MetricsMergingExposesAppMetrics",
  description: "the app's own metrics (prometheus.io/port, path) appear merged on the agent's 15020 endpoint",
  seed: "002",
  features: ["MetricsMerging"],
  scenarios: anyMode("metrics-merging", "probe-client"),
  run: async (t) => ({
    verdicts: [await mergedMetricsCheck(t, await t.pod("ssc-merging", "app=metrics-app"))],
  }),
});

export const MetricsMergingOptOut = defineConformanceTest({
  id: "MetricsMergingOptOut",
  description:
    "a pod annotated prometheus.istio.io/merge-metrics: \"false\" keeps its own prometheus.io port and path (the injector leaves them), and its agent's 15020 serves Istio's metrics without the app's",
  seed: "beyond",
  features: ["MetricsMerging"],
  scenarios: anyMode("metrics-merging", "probe-client"),
  run: async (t) => ({
    verdicts: await mergeOptOutChecks(t, await t.pod("ssc-merging", `app=${UNMERGED_APP}`), APP_SCRAPE),
  }),
});
