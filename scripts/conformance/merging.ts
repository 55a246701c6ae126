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

/** The opt-out (catalog-facts.md §3): with `prometheus.istio.io/merge-metrics: "false"` the agent
 * has no app to scrape (status/server.go L272-300 @1.31.0-rc.0: s.prometheus stays nil), so 15020
 * serves the agent's and Envoy's series only. Istio's series must be there, or the endpoint read is
 * not the agent's and nothing can be said. */
export function judgeUnmergedMetrics(url: string, r: CurlResult): Verdict {
  const ev = [describeResult(url, r)];
  if (r.status !== 200) return error("merge-opt-out", `could not read ${ev[0]}`, ev);
  if (!ISTIO_SERIES.test(r.body)) {
    return error("merge-opt-out", `${url} serves no envoy_/istio_ series: not the agent's metrics`, ev);
  }
  if (APP_SERIES.test(r.body)) {
    return fail(
      "merge-opt-out",
      `${url} still merges the app's prometheus_build_info although the pod opts out of merging`,
      ev,
    );
  }
  return pass("merge-opt-out", `${url} serves Istio's metrics without the app's: merging is off`, ev);
}

export const MERGE_ANNOTATION = "prometheus.istio.io/merge-metrics";

/** The app's own scrape annotations, as the fixture sets them. */
export interface ScrapeAnnotations {
  port: string;
  path: string;
}

/** With merging off the injector leaves prometheus.io/* as the app set them (webhook.go L325-342,
 * L990 @1.31.0-rc.0); with it on they say 15020 and /stats/prometheus. A pod that does not carry
 * the opt-out cannot be judged. */
export function judgeOptOutAnnotations(
  where: string,
  annotations: Record<string, string>,
  app: ScrapeAnnotations,
): Verdict {
  const port = annotations["prometheus.io/port"];
  const path = annotations["prometheus.io/path"];
  const ev = [
    `${MERGE_ANNOTATION}=${annotations[MERGE_ANNOTATION] ?? "(unset)"}`,
    `prometheus.io/port=${port ?? "(unset)"}`,
    `prometheus.io/path=${path ?? "(unset)"}`,
  ];
  if (annotations[MERGE_ANNOTATION] !== "false") {
    return error(
      "merge-opt-out",
      `${where} does not carry ${MERGE_ANNOTATION}: "false": the opt-out cannot be judged`,
      ev,
    );
  }
  if (port === app.port && path === app.path) {
    return pass(
      "merge-opt-out",
      `${where} keeps its own prometheus.io port ${app.port} and path ${app.path}: the injector left them`,
      ev,
    );
  }
  return fail(
    "merge-opt-out",
    `${where} opts out of merging, yet its prometheus.io annotations say port ${port ?? "(unset)"}, path ${path ?? "(unset)"} instead of the app's ${app.port}, ${app.path}: the injector merged anyway`,
    ev,
  );
}
