import { converge } from "../scripts/probes/converge.ts";
import { curl, describeResult } from "../scripts/probes/curl.ts";
import { error, fail, pass } from "../scripts/probes/verdict.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";

// Seed 002, Big Bang's alternative to PodMonitor TLS: metrics merging serves app metrics on 15020.
// The app is the Prometheus image, whose own /metrics always carries prometheus_build_info.

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
    const verdict = await converge(async () => {
      const r = await curl(client, { url, timeoutMs: t.timeouts.request });
      const ev = [describeResult(url, r)];
      if (r.outcome !== "response" || r.status !== 200) {
        return error("merged-metrics", `could not read ${url}: ${describeResult(url, r)}`, ev);
      }
      const app = /^prometheus_build_info\{/m.test(r.body);
      const envoy = /^envoy_/m.test(r.body) || /^istio_/m.test(r.body);
      if (app && envoy) {
        return pass(
          "merged-metrics",
          `${url} merges the app's prometheus_build_info with Istio's metrics`,
          ev,
        );
      }
      return fail(
        "merged-metrics",
        `${url} lacks ${app ? "Istio's" : "the app's"} metrics (app metrics ${app ? "present" : "absent"})`,
        ev,
      );
    }, t.converge("consistency"));
    return { verdicts: [verdict] };
  },
});
