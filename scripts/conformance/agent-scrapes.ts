import { type Convergence, converge } from "../probes/converge.ts";
import { type PrometheusApi, queryVector, renderSeries, type Series } from "../probes/prometheus.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// What the merged port's own agent says about its scrapes. 15092 forwards to the agent's
// /stats/prometheus on 15020, which scrapes Envoy (and the app when merging is on) and counts each
// request in istio_agent_scrapes_total and each failed part in
// istio_agent_scrape_failures_total{type="envoy"|"application"|"agent"}
// (pilot/cmd/pilot-agent/metrics/metrics.go L35-48, prefix istio_agent_ from status/server.go L197;
// incremented in handleStats L680-762, Istio 1.31.0-rc.0; same names at 1.22.0). A merged scrape
// can be UP in Prometheus while the agent served only part of it: the failures counter is where
// that shows. The counter is a sum with a label, so its series appear only once a failure is
// counted: absent is zero.

export const AGENT_SCRAPES = "istio_agent_scrapes_total";
export const AGENT_FAILURES = "istio_agent_scrape_failures_total";

export interface AgentScrapeTarget {
  job: string;
  namespace: string;
  pod: string;
}

export const podSelector = (t: AgentScrapeTarget) =>
  `{job="${t.job}",namespace="${t.namespace}",pod="${t.pod}"}`;

/** Over a window, not at an instant: one failed scrape marks a target's series stale, and an
 * instant query would then see no counter at all; a counter's max over the window is its latest
 * value, and a failure counted at any time in it stays visible. */
export const AGENT_WINDOW = "5m";
export const overWindow = (metric: string, t: AgentScrapeTarget) =>
  `max_over_time(${metric}${podSelector(t)}[${AGENT_WINDOW}])`;

/** Pass when the agent has counted scrapes and no failure; fail on any failure counted (with its
 * type); an error while no scrape is seen, since nothing can be said about failures then. */
export function judgeAgentScrapes(t: AgentScrapeTarget, scrapes: Series[], failures: Series[]): Verdict {
  const where = `${t.namespace}/${t.pod} (job ${t.job})`;
  const ev = [...scrapes, ...failures].map((s) => `${renderSeries(s)} ${s.value[1]}`);
  const scraped = scrapes.filter((s) => Number(s.value[1]) > 0);
  if (scraped.length === 0) {
    return error(
      "agent-scrapes",
      `${where}: no ${AGENT_SCRAPES} above 0 in Prometheus: the merged port's agent metrics were not scraped (yet), so its failures cannot be judged`,
      ev,
    );
  }
  const failed = failures.filter((s) => Number(s.value[1]) > 0);
  if (failed.length > 0) {
    return fail(
      "agent-scrapes",
      `${where}: the agent counted failed scrapes: ${failed.map((s) => `type ${s.metric.type ?? "(none)"} = ${s.value[1]}`).join(", ")}`,
      ev,
    );
  }
  return pass(
    "agent-scrapes",
    `${where}: ${AGENT_SCRAPES} ${scraped[0]!.value[1]}, no failed scrape counted (${failures.length} ${AGENT_FAILURES} series, none above 0)`,
    ev,
  );
}

/** Both counters from one pod's merged scrape, judged until the judgement holds N times in a row. */
export function probeAgentScrapes(
  api: PrometheusApi,
  t: AgentScrapeTarget,
  convergence: Convergence,
): Promise<Verdict> {
  return converge(async () => {
    const scrapes = await queryVector(api, overWindow(AGENT_SCRAPES, t));
    if (!scrapes.ok) return scrapes.verdict;
    const failures = await queryVector(api, overWindow(AGENT_FAILURES, t));
    if (!failures.ok) return failures.verdict;
    return judgeAgentScrapes(t, scrapes.series, failures.series);
  }, convergence);
}
