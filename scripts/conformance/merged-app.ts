import { type Convergence, converge } from "../probes/converge.ts";
import { type PrometheusApi, queryVector, renderSeries, type Series } from "../probes/prometheus.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";
import { AGENT_WINDOW, type AgentScrapeTarget, overWindow } from "./agent-scrapes.ts";

// Merging seen from Prometheus: the app's own series stored through the secure merged job. 15092
// routes to the agent's 15020 (envoy_bootstrap.json L263-284 @1.31.0-rc.0), which merges the app
// named by ISTIO_PROMETHEUS_ANNOTATIONS (webhook.go applyPrometheusMerge). The app is the fixtures'
// Prometheus image, whose /metrics always carries prometheus_build_info.
export const APP_FAMILY = "prometheus_build_info";

/** Pass when the app's series were stored from the pod's merged target; fail when the target was
 * UP and none came; an error while the target was never UP in the window, since nothing can be
 * said of what it merges then. */
export function judgeMergedAppSeries(t: AgentScrapeTarget, up: Series[], app: Series[]): Verdict {
  const where = `${t.namespace}/${t.pod} (job ${t.job})`;
  const ev = [...up, ...app].map((s) => `${renderSeries(s)} ${s.value[1]}`);
  if (!up.some((s) => s.value[1] === "1")) {
    return error(
      "merged-app",
      `${where}: the merged target was not UP in the last ${AGENT_WINDOW}: whether it carries the app's metrics cannot be told`,
      ev,
    );
  }
  if (app.length === 0) {
    return fail(
      "merged-app",
      `${where}: UP, yet no ${APP_FAMILY} came through it: the agent behind the secure merged port did not merge the app's metrics`,
      ev,
    );
  }
  return pass("merged-app", `${where}: the app's ${APP_FAMILY} arrived through the secure merged port`, ev);
}

/** `up` and the app's family for one pod's merged target over the window, judged until the
 * judgement holds N times in a row. */
export function probeMergedAppSeries(
  api: PrometheusApi,
  t: AgentScrapeTarget,
  convergence: Convergence,
): Promise<Verdict> {
  return converge(async () => {
    const up = await queryVector(api, overWindow("up", t));
    if (!up.ok) return up.verdict;
    const app = await queryVector(api, overWindow(APP_FAMILY, t));
    if (!app.ok) return app.verdict;
    return judgeMergedAppSeries(t, up.series, app.series);
  }, convergence);
}
