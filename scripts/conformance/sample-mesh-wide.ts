import { type Convergence, converge } from "../probes/converge.ts";
import { type PrometheusApi, queryVector } from "../probes/prometheus.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// Istio's sample Prometheus (samples/addons/extras/prometheus-secure-metrics.yaml), unchanged, on a
// mesh whose secure ports are on mesh-wide, as istio.io's secure-metrics task offers. Read at
// 1.31.0-rc.0:
// - the injector annotates every pod whose istio-proxy has ENVOY_SECURE_MERGED_METRICS_PORT, the
//   sample's own included (pkg/kube/inject/webhook.go L886-914), and its sidecar opens
//   0.0.0.0:15091/15092 (tools/packaging/common/envoy_bootstrap.json L740 on): the sample's merged
//   job finds its own pod;
// - the sample captures outbound: it sets no includeOutboundIPRanges (default "*", the istiod
//   chart's values.yaml L358), the injection template excludes inbound 15090,15021 only and no
//   outbound port (injection-template.yaml L103-112), and its INBOUND_CAPTURE_PORTS: "" is read by
//   no code (catalog-facts.md §4);
// - the outbound listener hands a captured connection to the listener of its original destination
//   (pilot/pkg/networking/core/listener_builder.go L148, use_original_dst), and a wildcard
//   0.0.0.0:15091 of the sample's own matches any IP:15091. Inferred from Envoy's hand-off, as
//   istio#31301 saw it for 15090; not run here.
// So every scrape the sample makes of a secure port may be answered by its own sidecar, UP, with its
// own metrics. The payload tells it apart: once httpbin has served requests, its own Envoy's
// istio_requests_total{reporter="destination"} names httpbin's namespace; the sample's does not.

export const SAMPLE_MESH_WIDE_PREDICTION =
  "with the secure ports on mesh-wide, the unchanged sample scrapes itself (the injector gives its own pod secure-port) and its own sidecar answers its scrapes of other pods' 15091/15092 (it captures outbound, and its own 0.0.0.0:15091/15092 listeners match any original destination on those ports, cf. istio#31301): targets read UP while serving the sample's own metrics. A sidecar Prometheus on such a mesh needs both ports set to \"0\" in its own proxyMetadata (the suite's does) or its outbound left uncaptured";

/** What one look at the sample's store shows for a target of its envoy job. */
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
const PROBE = "sample-scrape-origin";

/** Pass (the prediction holds) when scrapes made after the workload served requests carry none of
 * its destination-side series; fail (contradicted) when any carries one; anything else is not yet. */
export function judgeScrapeOrigin(look: OriginLook, s: OriginState): Verdict {
  const seen = look.servedFor.map((x) => `${x.namespace}/${x.workload}`);
  const evidence = [`destination workloads in the payload: ${seen.join(", ") || "(none)"}`];
  const own = look.servedFor.filter((x) => x.namespace === s.namespace);
  if (own.length > 0) {
    return fail(
      PROBE,
      `finding contradicted: the sample's scrape of ${s.where} reached the workload's own Envoy (its payload counts requests served in ${s.namespace}); predicted: ${SAMPLE_MESH_WIDE_PREDICTION}`,
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
  return pass(
    PROBE,
    `as predicted, ${s.where} is UP yet ${s.newerScrapes} scrape(s) made after the workload served ${s.requests} request(s) carry none of its requests: another Envoy answered (${seen.join(", ") || "no destination series at all"}): ${SAMPLE_MESH_WIDE_PREDICTION}`,
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

/** Looks until a scrape newer than the first look's (so made after the requests) is in, or the
 * workload's own series show up; the first look's scrape may predate the requests, so it counts
 * for nothing. */
export function probeScrapeOrigin(
  api: PrometheusApi,
  target: { job: string; instance: string },
  workload: { namespace: string; requests: number },
  convergence: Convergence,
): Promise<Verdict> {
  let first: number | undefined;
  const scrapes = new Set<number>();
  return converge(async () => {
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
  }, convergence);
}

/** The sample scraping its own pod is the prediction here: judgeSelfScrape's fail is this pass. */
export function expectSelfScrape(v: Verdict): Verdict {
  if (v.verdict === "fail") return pass(v.probe, `as predicted, ${v.summary}`, v.evidence);
  if (v.verdict === "pass") {
    return fail(
      v.probe,
      `finding contradicted: ${v.summary}; predicted: ${SAMPLE_MESH_WIDE_PREDICTION}`,
      v.evidence,
    );
  }
  return v;
}
