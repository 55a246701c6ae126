import { setTimeout as delay } from "node:timers/promises";
import { eventually } from "./backoff.ts";
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
      if (r.outcome !== "response" || r.status !== 200) {
        return {
          ok: false,
          problem: `${baseUrl}${path}: ${r.outcome === "response" ? `HTTP ${r.status}` : r.message}`,
        };
      }
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

interface ActiveTarget {
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  lastScrape: string;
  labels: Record<string, string>;
}
interface DroppedTarget {
  discoveredLabels: Record<string, string>;
}
interface TargetsData {
  activeTargets: ActiveTarget[];
  droppedTargets: DroppedTarget[];
}

export interface TargetExpectation {
  job: string;
  /** e.g. https://10.0.0.5:15092/stats/prometheus */
  scrapeUrl: string;
  timeoutMs: number;
}

type Observation =
  | { state: "unreachable"; problem: string }
  | { state: "absent"; urls: string[] }
  | { state: "dropped"; labels: Record<string, string> }
  | { state: "up" | "unknown"; target: ActiveTarget }
  | { state: "down"; target: ActiveTarget; scrapes: Set<string> };

/**
 * The job lists the target UP at the expected scrape URL. Waits with backoff for discovery; a
 * target DOWN across two scrapes, or dropped by relabelling, is a failure without waiting out the
 * deadline. An unreachable Prometheus is an error.
 */
export async function probeTarget(api: PrometheusApi, want: TargetExpectation): Promise<Verdict> {
  const host = new URL(want.scrapeUrl).hostname;
  const downScrapes = new Set<string>();
  const result = await eventually<Observation>(async () => {
    const r = await api.get("/api/v1/targets?state=any");
    if (!r.ok) return { done: false, last: { state: "unreachable", problem: r.problem } };
    const data = r.data as TargetsData;
    const inJob = data.activeTargets.filter((t) => t.labels.job === want.job);
    const target = inJob.find((t) => t.scrapeUrl === want.scrapeUrl);
    if (target?.health === "up") return { done: true, value: { state: "up", target } };
    if (target?.health === "down") {
      downScrapes.add(target.lastScrape);
      const obs: Observation = { state: "down", target, scrapes: downScrapes };
      return downScrapes.size >= 2 ? { done: true, value: obs } : { done: false, last: obs };
    }
    if (target) return { done: false, last: { state: "unknown", target } };
    const dropped = data.droppedTargets.find(
      (d) => d.discoveredLabels.job === want.job && d.discoveredLabels.__meta_kubernetes_pod_ip === host,
    );
    if (dropped) return { done: true, value: { state: "dropped", labels: dropped.discoveredLabels } };
    return { done: false, last: { state: "absent", urls: inJob.map((t) => t.scrapeUrl) } };
  }, want.timeoutMs);
  const o = result.value;
  const name = `targets`;
  const where = `job ${want.job}, ${want.scrapeUrl}`;
  switch (o.state) {
    case "up":
      return pass(name, `${where} is UP`, [`lastScrape ${o.target.lastScrape}`]);
    case "down":
      return fail(name, `${where} is DOWN: ${o.target.lastError}`, [`lastError: ${o.target.lastError}`]);
    case "dropped": {
      const annotations = Object.entries(o.labels)
        .filter(([k]) => k.startsWith("__meta_kubernetes_pod_annotation"))
        .map(([k, v]) => `${k}=${v}`);
      return fail(name, `${where}: the pod was discovered but dropped by relabelling (annotation missing?)`, [
        `pod annotations seen: ${annotations.join(", ") || "(none)"}`,
      ]);
    }
    case "absent":
      return fail(name, `${where}: not discovered within ${want.timeoutMs} ms`, [
        `job's scrape URLs: ${o.urls.join(", ") || "(none)"}`,
      ]);
    case "unknown":
      return error(name, `${where}: never scraped within ${want.timeoutMs} ms`, []);
    case "unreachable":
      return error(name, `Prometheus API unreachable: ${o.problem}`, []);
  }
}

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

export interface SeriesExpectation {
  query: string;
  /** After the first series appear, wait this long and judge a fresh result (one more scrape), so
   * "none unknown" is not decided on whatever happened to be there first. */
  settleMs?: number;
  /** Every series must carry these label values. */
  labels: Record<string, string>;
  timeoutMs: number;
}

/** At least one series, and every series carries the expected labels (e.g. all mutual_tls). */
export async function probeAllSeries(api: PrometheusApi, want: SeriesExpectation): Promise<Verdict> {
  const result = await eventually<{ series: Series[] } | { problem: string }>(async () => {
    const r = await api.get(`/api/v1/query?query=${encodeURIComponent(want.query)}`);
    if (!r.ok) return { done: false, last: { problem: r.problem } };
    const series = (r.data as { result: Series[] }).result;
    return series.length > 0 ? { done: true, value: { series } } : { done: false, last: { series } };
  }, want.timeoutMs);
  let v = result.value;
  if (!result.timedOut && want.settleMs) {
    await delay(want.settleMs);
    const again = await api.get(`/api/v1/query?query=${encodeURIComponent(want.query)}`);
    v = again.ok ? { series: (again.data as { result: Series[] }).result } : { problem: again.problem };
  }
  if ("problem" in v) return error("promql", `Prometheus API unreachable: ${v.problem}`, []);
  if (v.series.length === 0)
    return fail("promql", `no series for ${want.query} within ${want.timeoutMs} ms`, []);
  const render = (s: Series) =>
    `{${Object.entries(s.metric)
      .map(([k, x]) => `${k}="${x}"`)
      .join(", ")}}`;
  const bad = v.series.filter((s) => Object.entries(want.labels).some(([k, x]) => s.metric[k] !== x));
  const wanted = Object.entries(want.labels)
    .map(([k, x]) => `${k}="${x}"`)
    .join(", ");
  if (bad.length > 0) {
    return fail(
      "promql",
      `${bad.length} of ${v.series.length} series of ${want.query} lack ${wanted}`,
      bad.map(render),
    );
  }
  return pass(
    "promql",
    `${v.series.length} series of ${want.query}, all with ${wanted}`,
    v.series.map(render),
  );
}
