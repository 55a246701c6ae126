import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PrometheusApi, Series } from "../probes/prometheus.ts";
import { judgeMergedAppSeries, probeMergedAppSeries } from "./merged-app.ts";

const T = {
  job: "istio-secure-merged-metrics",
  namespace: "ssc-strict",
  pod: "metrics-app-excluded-7c9d-x2",
};
const labels = { job: T.job, namespace: T.namespace, pod: T.pod, instance: "10.244.0.9:15092" };
const series = (value: string, extra: Record<string, string> = {}): Series => ({
  metric: { ...labels, ...extra },
  value: [1796221802.503, value],
});
const UP = [series("1")];
const APP = [series("1", { version: "3.10.0", branch: "HEAD" })];

describe("judgeMergedAppSeries", () => {
  it("passes when the merged target was UP and the app's family came through it", () => {
    const v = judgeMergedAppSeries(T, UP, APP);
    expect(v).toMatchObject({ verdict: "pass", probe: "merged-app" });
    expect(v.summary).toBe(
      `${T.namespace}/${T.pod} (job ${T.job}): the app's prometheus_build_info arrived through the secure merged port`,
    );
    expect(v.evidence).toEqual([
      `{job="${T.job}", namespace="${T.namespace}", pod="${T.pod}", instance="10.244.0.9:15092"} 1`,
      `{job="${T.job}", namespace="${T.namespace}", pod="${T.pod}", instance="10.244.0.9:15092", version="3.10.0", branch="HEAD"} 1`,
    ]);
  });

  it("fails when the target was UP and no app series came", () => {
    const v = judgeMergedAppSeries(T, UP, []);
    expect(v).toMatchObject({ verdict: "fail", probe: "merged-app" });
    expect(v.summary).toBe(
      `${T.namespace}/${T.pod} (job ${T.job}): UP, yet no prometheus_build_info came through it: the agent behind the secure merged port did not merge the app's metrics`,
    );
  });

  it("cannot tell while the target was never UP in the window, app series or not", () => {
    for (const up of [[], [series("0")], [series("NaN")]]) {
      for (const app of [[], APP]) {
        const v = judgeMergedAppSeries(T, up, app);
        expect(v).toMatchObject({ verdict: "error", probe: "merged-app" });
        expect(v.summary).toBe(
          `${T.namespace}/${T.pod} (job ${T.job}): the merged target was not UP in the last 5m: whether it carries the app's metrics cannot be told`,
        );
      }
    }
  });
});

describe("probeMergedAppSeries", () => {
  const vector = (result: Series[]) => ({ ok: true as const, data: { resultType: "vector", result } });
  const c = { consecutive: 2, timeout: { name: "promql", ms: 2_000 }, intervalMs: 5 };

  it("asks up and the app's family for exactly this pod of this job over 5m, and converges", async () => {
    const paths: string[] = [];
    const api: PrometheusApi = {
      get: async (path) => {
        paths.push(decodeURIComponent(path));
        return vector(path.includes("up%7B") ? UP : APP);
      },
    };
    expect((await probeMergedAppSeries(api, T, c)).verdict).toBe("pass");
    const sel = `{job="${T.job}",namespace="${T.namespace}",pod="${T.pod}"}`;
    expect(paths.slice(0, 2)).toEqual([
      `/api/v1/query?query=max_over_time(up${sel}[5m])`,
      `/api/v1/query?query=max_over_time(prometheus_build_info${sel}[5m])`,
    ]);
  });

  it("reads Prometheus's own documented vector answer", async () => {
    // docs/querying/api.md @ v3.14.0: two `up` series at value "1"; as the app's answer too.
    const doc = JSON.parse(
      readFileSync(
        new URL("../probes/testdata/prometheus-v3.14.0-query-vector.json", import.meta.url),
        "utf8",
      ),
    ) as { data: unknown };
    const api: PrometheusApi = { get: async () => ({ ok: true, data: doc.data }) };
    const v = await probeMergedAppSeries(api, T, c);
    expect(v.verdict).toBe("pass");
    expect(v.evidence[0]).toMatch(/^\{__name__="up", job="prometheus", instance="localhost:9090"\} 1$/);
  });

  it("is an error when either query cannot be answered", async () => {
    const once = { consecutive: 1, timeout: { name: "promql", ms: 30 }, intervalMs: 5 };
    const down: PrometheusApi = {
      get: async (path) =>
        path.includes("up%7B") ? { ok: false, problem: "connection refused" } : vector(APP),
    };
    expect((await probeMergedAppSeries(down, T, once)).summary).toMatch(
      /Prometheus API unreachable: connection refused/,
    );
    const scalar: PrometheusApi = {
      get: async (path) =>
        path.includes("up%7B") ? vector(UP) : { ok: true, data: { resultType: "scalar", result: [1, "1"] } },
    };
    const v = await probeMergedAppSeries(scalar, T, once);
    expect(v.verdict).toBe("error");
    expect(v.summary).toMatch(/returned scalar, not series/);
  });
});
