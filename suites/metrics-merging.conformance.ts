import { mergedMetricsCheck } from "../scripts/conformance/checks.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";

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
