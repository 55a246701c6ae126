import { type Convergence, converge } from "./converge.ts";
import { type CommandRunner, curl } from "./curl.ts";
import { error, fail, pass, type Verdict } from "./verdict.ts";

// Prometheus HTTP API through the same curl runner as every other probe, so it works on this
// machine and from a pod alike.
export interface PrometheusApi {
  get(path: string): Promise<{ ok: true; data: unknown } | { ok: false; problem: string }>;
}

export function prometheusApi(run: CommandRunner, baseUrl: string, timeoutMs: number): PrometheusApi {
  return {
    async get(path) {
      const r = await curl(run, { url: `${baseUrl}${path}`, timeoutMs });
      // A status is set only for a response; the message says "HTTP 503" or curl's own error.
      if (r.status !== 200) return { ok: false, problem: `${baseUrl}${path}: ${r.message}` };
      try {
        const body = JSON.parse(r.body) as { status?: string; data?: unknown };
        if (body.status !== "success")
          return { ok: false, problem: `${path}: status ${String(body.status)}` };
        return { ok: true, data: body.data };
      } catch {
        return { ok: false, problem: `${path}: not JSON: ${r.body.slice(0, 120)}` };
      }
    },
  };
}

/** An active target as /api/v1/targets sends it (Prometheus's HTTP API docs). */
export interface ActiveTarget {
  scrapePool?: string;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  lastScrape: string;
  labels: Record<string, string>;
}

export interface DroppedTarget {
  scrapePool?: string;
  discoveredLabels: Record<string, string>;
}

/** /api/v1/targets data as Prometheus sends it; every list may be missing or null. */
export interface TargetsData {
  activeTargets?: ActiveTarget[] | null;
  droppedTargets?: DroppedTarget[] | null;
}

export interface TargetExpectation {
  /** The scrape config's job_name. Prometheus reports it as a target's scrapePool; the job label
   * can differ (prometheus-operator sets it to the Service's name), so it is matched only when
   * scrapePool is absent (Prometheus before 2.26). */
  job: string;
  /** e.g. https://10.0.0.5:15092/stats/prometheus: the exact URL, never the host alone. */
  scrapeUrl: string;
}

const poolOf = (t: { scrapePool?: string; labels?: Record<string, string> }, fallback?: string) =>
  t.scrapePool ?? t.labels?.job ?? fallback;

/**
 * One look at /api/v1/targets: pass when the job lists the target UP at the exact scrape URL.
 * Anything else (absent, dropped, pending, down) is "not yet" for convergence and becomes the
 * failure with its last state at the deadline; an unreachable or unreadable API is an error.
 */
export async function observeTarget(api: PrometheusApi, want: TargetExpectation): Promise<Verdict> {
  const where = `job ${want.job}, ${want.scrapeUrl}`;
  const r = await api.get("/api/v1/targets?state=any");
  if (!r.ok) return error("targets", `Prometheus API unreachable: ${r.problem}`);
  const data = (r.data ?? {}) as TargetsData;
  if (typeof data !== "object") return error("targets", `/api/v1/targets data is not an object`);
  // Stryker disable next-line ArrayDeclaration: equivalent, a stand-in element has no pool to match
  const inJob = (data.activeTargets ?? []).filter((t) => poolOf(t) === want.job);
  const target = inJob.find((t) => t.scrapeUrl === want.scrapeUrl);
  // Prometheus's own scrape error is evidence in every state: an UP target can carry one too (an
  // unbracketed IPv6 address, prometheus#8623).
  if (target?.health === "up") {
    return pass("targets", `${where} is UP`, [
      `lastScrape ${target.lastScrape}`,
      ...(target.lastError ? [`lastError: ${target.lastError}`] : []),
    ]);
  }
  if (target?.health === "down") {
    return fail("targets", `${where} is DOWN: ${target.lastError}`, [`lastError: ${target.lastError}`]);
  }
  if (target) return error("targets", `${where}: discovered but never scraped`, [`health ${target.health}`]);
  // URL keeps an IPv6 host in brackets; discovery's pod IP has none.
  const hostname = new URL(want.scrapeUrl).hostname;
  const host = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  // Stryker disable next-line ArrayDeclaration: equivalent, a stand-in element has no pool to match
  const dropped = (data.droppedTargets ?? []).find(
    (d) =>
      poolOf({ scrapePool: d.scrapePool }, d.discoveredLabels?.job) === want.job &&
      d.discoveredLabels?.__meta_kubernetes_pod_ip === host,
  );
  if (dropped) {
    const annotations = Object.entries(dropped.discoveredLabels)
      .filter(([k]) => k.startsWith("__meta_kubernetes_pod_annotation"))
      .map(([k, v]) => `${k}=${v}`);
    return fail(
      "targets",
      `${where}: the pod was discovered but dropped by relabelling (a keep rule's annotation missing?)`,
      [`pod annotations seen: ${annotations.join(", ") || "(none)"}`],
    );
  }
  return fail("targets", `${where}: not discovered`, [
    `the job's scrape URLs: ${inJob.map((t) => t.scrapeUrl).join(", ") || "(none)"}`,
  ]);
}

/** The job lists the target UP at its exact scrape URL, N times in a row within targetsUp. */
export function probeTarget(
  api: PrometheusApi,
  want: TargetExpectation,
  convergence: Convergence,
): Promise<Verdict> {
  return converge(() => observeTarget(api, want), convergence);
}

export interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

export interface SeriesExpectation {
  query: string;
  /** Every series must carry these label values. */
  labels: Record<string, string>;
}

export const renderSeries = (s: Series) =>
  `{${Object.entries(s.metric ?? {})
    .map(([k, x]) => `${k}="${x}"`)
    .join(", ")}}`;

/** A range vector's series: every raw sample of the range, each with its scrape timestamp. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** One instant query's result when its type is one of `accept`, or the error verdict (named for
 * `probe`) saying why there is none to judge: an unreachable API, or another result type. */
async function queryOf<T>(
  api: PrometheusApi,
  query: string,
  accept: readonly string[],
  probe: string,
): Promise<{ ok: true; series: T[] } | { ok: false; verdict: Verdict }> {
  const r = await api.get(`/api/v1/query?query=${encodeURIComponent(query)}`);
  if (!r.ok) return { ok: false, verdict: error(probe, `Prometheus API unreachable: ${r.problem}`) };
  const data = r.data as { resultType?: string; result?: unknown } | null;
  if (!data || !accept.some((a) => a === data.resultType) || !Array.isArray(data.result)) {
    return {
      ok: false,
      verdict: error(
        probe,
        `${query} returned ${data?.resultType ?? "no resultType"}, not ${accept.length > 1 ? "series" : `a ${accept[0]}`}: ${JSON.stringify(data?.result ?? null).slice(0, 120)}`,
      ),
    };
  }
  return { ok: true, series: data.result as T[] };
}

/** One instant query's series, or the error verdict saying why there are none to judge (an
 * unreachable API, or a scalar or string result). */
export const queryVector = (api: PrometheusApi, query: string) =>
  queryOf<Series>(api, query, ["vector", "matrix"], "promql");

/** One range-vector query's series with their raw samples, or the error verdict (named for
 * `probe`) saying why there are none. */
export const queryMatrix = (api: PrometheusApi, query: string, probe: string) =>
  queryOf<MatrixSeries>(api, query, ["matrix"], probe);

/** One query: pass with at least one series, all carrying the expected labels (e.g. all
 * mutual_tls). No series is "not yet"; a scalar or string result cannot be judged: an error. */
export async function observeSeries(api: PrometheusApi, want: SeriesExpectation): Promise<Verdict> {
  const q = await queryVector(api, want.query);
  if (!q.ok) return q.verdict;
  const series = q.series;
  const wanted = Object.entries(want.labels)
    .map(([k, x]) => `${k}="${x}"`)
    .join(", ");
  if (series.length === 0) return fail("promql", `no series for ${want.query}`);
  const bad = series.filter((s) => Object.entries(want.labels).some(([k, x]) => s.metric?.[k] !== x));
  if (bad.length > 0) {
    return fail(
      "promql",
      `${bad.length} of ${series.length} series of ${want.query} lack ${wanted}`,
      bad.map(renderSeries),
    );
  }
  return pass(
    "promql",
    `${series.length} series of ${want.query}, all with ${wanted}`,
    series.map(renderSeries),
  );
}

/** The series hold N times in a row; give the convergence a scrape interval between attempts so a
 * pass spans fresh scrapes, not whatever happened to be there first. */
export function probeAllSeries(
  api: PrometheusApi,
  want: SeriesExpectation,
  convergence: Convergence,
): Promise<Verdict> {
  return converge(() => observeSeries(api, want), convergence);
}
