import { type CurlResult, describeResult } from "../probes/curl.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// Metrics merging (seed 002): the agent's 15020 serves the app's own metrics beside Istio's. The
// app is the Prometheus image, whose /metrics always carries prometheus_build_info.
const APP_SERIES = /^prometheus_build_info\{/m;
const ISTIO_SERIES = /^(envoy|istio)_/m;

export function judgeMergedMetrics(url: string, r: CurlResult): Verdict {
  const ev = [describeResult(url, r)];
  if (r.status !== 200) return error("merged-metrics", `could not read ${ev[0]}`, ev);
  const app = APP_SERIES.test(r.body);
  const istio = ISTIO_SERIES.test(r.body);
  if (app && istio) {
    return pass("merged-metrics", `${url} merges the app's prometheus_build_info with Istio's metrics`, ev);
  }
  const missing = [
    app ? [] : ["the app's prometheus_build_info"],
    istio ? [] : ["Istio's envoy_/istio_ series"],
  ].flat();
  return fail("merged-metrics", `${url} lacks ${missing.join(" and ")}`, ev);
}
