import {
  judgePodMonitorFileTls,
  PODMONITOR_PREDICTION,
  podMonitorWithFileTls,
} from "../scripts/conformance/podmonitor.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";

// Seed 002 (Big Bang): the operator path uses a ServiceMonitor because a PodMonitor cannot name the
// sidecar's certificate files. Kept as a finding, asked of the cluster's own API server (its CRD
// schema decides; offline validators let the fields through). The working alternatives are tested
// by ServiceMonitorScrapeUnderStrict and MetricsMergingExposesAppMetrics.

export const PodMonitorFileTlsRefused = defineConformanceTest({
  id: "PodMonitorFileTlsRefused",
  description: `finding: a PodMonitor naming the sidecar's files in tlsConfig (caFile, certFile, keyFile) is refused by the operator's CRD under strict field validation (a dry run, nothing stored); acceptance contradicts it. Predicted: ${PODMONITOR_PREDICTION}`,
  seed: "finding",
  features: ["PrometheusOperator"],
  scenarios: anyMode("prometheus-operator"),
  run: async (t) => {
    const verdict = judgePodMonitorFileTls(
      await t.dryRunCreate(podMonitorWithFileTls("ssc-operator", t.runId)),
    );
    return { verdicts: [verdict], finding: verdict.summary };
  },
});
