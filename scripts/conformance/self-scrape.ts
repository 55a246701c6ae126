import { type Convergence, converge } from "../probes/converge.ts";
import type { PrometheusApi, TargetsData } from "../probes/prometheus.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// No secure job's UP target may be the secure Prometheus itself. Enabled mesh-wide (meshConfig
// defaultConfig.proxyMetadata ENVOY_SECURE_MERGED_METRICS_PORT), the injector annotates every pod,
// Prometheus's own included, with prometheus.istio.io/secure-port
// (pkg/kube/inject/webhook.go L886-914, Istio 1.31.0-rc.0), and its sidecar gets its own
// 0.0.0.0:15091/15092 listeners (catalog-facts.md §4): the secure jobs then discover Prometheus's
// pod and scrape its own sidecar, UP, among the workloads (cf. istio#31301, where Prometheus's own
// Envoy answered for every target). A self-scrape "passes" every UP check; this one names it.

export interface PrometheusPod {
  namespace: string;
  name: string;
  /** status.podIPs: a scrape URL at any of them is Prometheus's own pod. */
  ips: readonly string[];
}

/** The host of a scrape URL, IPv6 brackets removed; Prometheus may write an IPv6 one bare. */
export function scrapeHost(url: string): string {
  // Stryker disable next-line Regex: equivalent, a later "x://" is past the first "/" split off
  const authority = url.replace(/^[a-z]+:\/\//, "").split("/")[0]!;
  if (authority.startsWith("[")) return authority.slice(1, authority.indexOf("]"));
  return authority.slice(0, authority.lastIndexOf(":"));
}

/** One look at /api/v1/targets data: fail on any UP target of these jobs that is Prometheus's pod
 * (by its pod label or by its IP); pass when the jobs have UP targets and none is; with no UP
 * target at all nothing can be said (not yet, then an error). */
export function judgeSelfScrape(data: unknown, prometheus: PrometheusPod, jobs: readonly string[]): Verdict {
  const d = (data ?? {}) as TargetsData;
  // Stryker disable next-line ArrayDeclaration: equivalent, a stand-in element has no pool to match
  const up = (d.activeTargets ?? []).filter(
    // Stryker disable next-line StringLiteral: equivalent, no job is named by the stand-in either
    (t) => jobs.includes(t.scrapePool ?? "") && t.health === "up",
  );
  const me = `${prometheus.namespace}/${prometheus.name}`;
  if (up.length === 0) {
    return error(
      "self-scrape",
      `no UP target in ${jobs.join(", ")}: whether Prometheus scrapes itself cannot be told`,
    );
  }
  const own = up.filter(
    (t) =>
      (t.labels?.namespace === prometheus.namespace && t.labels.pod === prometheus.name) ||
      prometheus.ips.includes(scrapeHost(t.scrapeUrl)),
  );
  const ev = own.map(
    (t) => `${t.scrapePool} ${t.scrapeUrl}${t.labels ? ` (pod ${t.labels.namespace}/${t.labels.pod})` : ""}`,
  );
  if (own.length > 0) {
    return fail(
      "self-scrape",
      `Prometheus scrapes itself: ${own.length} UP target(s) of the secure jobs are its own pod ${me} (its own sidecar's metrics, counted as a workload's; a secure-port annotation on Prometheus, as mesh-wide enablement adds)`,
      ev,
    );
  }
  return pass(
    "self-scrape",
    `none of the ${up.length} UP target(s) of ${jobs.join(", ")} is Prometheus's own pod ${me} (${prometheus.ips.join(", ")})`,
  );
}

/** One look at the targets API, judged by judgeSelfScrape. */
export async function observeSelfScrape(
  api: PrometheusApi,
  prometheus: PrometheusPod,
  jobs: readonly string[],
): Promise<Verdict> {
  const r = await api.get("/api/v1/targets?state=active");
  if (!r.ok) return error("self-scrape", `Prometheus API unreachable: ${r.problem}`);
  return judgeSelfScrape(r.data, prometheus, jobs);
}

export function probeSelfScrape(
  api: PrometheusApi,
  prometheus: PrometheusPod,
  jobs: readonly string[],
  convergence: Convergence,
): Promise<Verdict> {
  return converge(() => observeSelfScrape(api, prometheus, jobs), convergence);
}
