import { judgeMergedMetrics } from "../scripts/conformance/merging.ts";
import { converge } from "../scripts/probes/converge.ts";
import { curl } from "../scripts/probes/curl.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";

// Seed 002, Big Bang's alternative to PodMonitor TLS: metrics merging serves app metrics on 15020.

export const MetricsMergingExposesAppMetrics = defineConformanceTest({
  id: "MetricsMergingExposesAppMetrics",
  description: "the app's own metrics (prometheus.io/port, path) appear merged on the agent's 15020 endpoint",
  seed: "002",
  features: ["MetricsMerging"],
  scenarios: anyMode("metrics-merging", "probe-client"),
  run: async (t) => {
    const pod = await t.pod("ssc-merging", "app=metrics-app");
    const client = await t.probeClient();
    const url = `http://${pod.ip}:15020/stats/prometheus`;
    const verdict = await converge(
      async () => judgeMergedMetrics(url, await curl(client, { url, timeoutMs: t.timeouts.request })),
      t.converge("consistency"),
    );
    return { verdicts: [verdict] };
  },
});
