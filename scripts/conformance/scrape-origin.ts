import { type Convergence, converge } from "../probes/converge.ts";
import { type PrometheusApi, queryVector } from "../probes/prometheus.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// Whose Envoy answered a Prometheus target's scrapes. A target reads UP whenever something answered
// with metrics; a scraper whose own sidecar takes its outbound connections to port 15091/15092 gets
// its own metrics back, UP (istio#31301 for 15090; sample-mesh-wide.ts). The payload tells it apart:
// once the workload has served requests, its own Envoy's istio_requests_total{reporter="destination"}
// names the workload's namespace (the stats filter labels the destination side with its own node's
// metadata); no other Envoy's does.

/** What one look at Prometheus's store shows for the target. */
export interface OriginLook {
  /** The target's last UP scrape, in Prometheus's clock (seconds); undefined when it is not UP. */
  upAt: number | undefined;
  /** The namespace/workload pairs its destination-side request series name. */
  servedFor: readonly { namespace: string; workload: string }[];
}

export interface OriginState {
  where: string;
  /** The workload's namespace: request series naming it came from the workload's own Envoy. */
  namespace: string;
  /** How many requests the workload answered before the first look. */
  requests: number;
  /** Scrapes seen after the first look, which came after the requests. */
  newerScrapes: number;
}

// The first look comes after the requests were answered, so one scrape newer than its scrape is
// one made after them.
const SCRAPES_NEEDED = 1;
const PROBE = "scrape-origin";

/** Pass when the stored series count requests the workload served; fail when a scrape made after
 * the requests carries none of them (another Envoy answered); anything else is not yet. */
export function judgeScrapeOrigin(look: OriginLook, s: OriginState): Verdict {
  const seen = look.servedFor.map((x) => `${x.namespace}/${x.workload}`);
  const evidence = [`destination workloads in the payload: ${seen.join(", ") || "(none)"}`];
  if (look.servedFor.some((x) => x.namespace === s.namespace)) {
    return pass(
      PROBE,
      `${s.where} serves the workload's own metrics: its payload counts requests served in ${s.namespace}`,
      evidence,
    );
  }
  if (look.upAt === undefined) return error(PROBE, `${s.where} is not UP: its payload cannot be judged`);
  if (s.newerScrapes < SCRAPES_NEEDED) {
    return error(
      PROBE,
      `${s.where}: ${s.newerScrapes} of ${SCRAPES_NEEDED} scrape(s) made after the workload served ${s.requests} request(s)`,
      evidence,
    );
  }
  return fail(
    PROBE,
    `${s.where} is UP, yet ${s.newerScrapes} scrape(s) made after the workload served ${s.requests} request(s) carry none of them: another Envoy answered (${seen.join(", ") || "no destination series at all"})`,
    evidence,
  );
}

const quote = (v: string) => JSON.stringify(v);

/** One look: the target's last UP scrape time and the workloads its request series name. */
export async function observeOrigin(
  api: PrometheusApi,
  target: { job: string; instance: string },
): Promise<{ ok: true; look: OriginLook } | { ok: false; verdict: Verdict }> {
  const sel = `job=${quote(target.job)},instance=${quote(target.instance)}`;
  const [up, served] = await Promise.all([
    queryVector(api, `timestamp(up{${sel}} == 1)`),
    queryVector(
      api,
      `sum by (destination_workload_namespace, destination_workload) (istio_requests_total{${sel},reporter="destination"})`,
    ),
  ]);
  if (!up.ok) return up;
  if (!served.ok) return served;
  return {
    ok: true,
    look: {
      upAt: up.series[0] ? Number(up.series[0].value[1]) : undefined,
      servedFor: served.series.map((x) => ({
        namespace: x.metric.destination_workload_namespace ?? "",
        workload: x.metric.destination_workload ?? "",
      })),
    },
  };
}

/** Successive looks, each judged: the first look's scrape may predate the requests, so only
 * scrapes newer than it count. */
export function originLooks(
  api: PrometheusApi,
  target: { job: string; instance: string },
  workload: { namespace: string; requests: number },
): () => Promise<Verdict> {
  let first: number | undefined;
  const scrapes = new Set<number>();
  return async () => {
    const o = await observeOrigin(api, target);
    if (!o.ok) return o.verdict;
    const at = o.look.upAt;
    // Stryker disable next-line ConditionalExpression: equivalent, undefined compares false and ??= keeps undefined
    if (at !== undefined) {
      first ??= at;
      if (at > first) scrapes.add(at);
    }
    return judgeScrapeOrigin(o.look, {
      where: `job ${target.job}, instance ${target.instance}`,
      namespace: workload.namespace,
      requests: workload.requests,
      newerScrapes: scrapes.size,
    });
  };
}

/** The target serves the workload's own metrics, within `convergence`. */
export function probeScrapeOrigin(
  api: PrometheusApi,
  target: { job: string; instance: string },
  workload: { namespace: string; requests: number },
  convergence: Convergence,
): Promise<Verdict> {
  return converge(originLooks(api, target, workload), convergence);
}
