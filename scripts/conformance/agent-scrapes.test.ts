import { describe, expect, it } from "vitest";
import type { PrometheusApi, Series } from "../probes/prometheus.ts";
import { judgeAgentScrapes, probeAgentScrapes } from "./agent-scrapes.ts";

const T = { job: "istio-secure-merged-metrics", namespace: "ssc-native", pod: "httpbin-5d9c7f-abcde" };
const labels = { job: T.job, namespace: T.namespace, pod: T.pod, instance: "10.244.0.7:15092" };
const series = (name: string, value: string, extra: Record<string, string> = {}): Series => ({
  metric: { __name__: name, ...labels, ...extra },
  value: [1796221802.503, value],
});
const SCRAPES = [series("istio_agent_scrapes_total", "41")];

describe("judgeAgentScrapes", () => {
  it("passes when the agent counted scrapes and no failure (absent, or every type at 0)", () => {
    const none = judgeAgentScrapes(T, SCRAPES, []);
    expect(none).toMatchObject({ verdict: "pass", probe: "agent-scrapes" });
    expect(none.summary).toBe(
      `${T.namespace}/${T.pod} (job ${T.job}): istio_agent_scrapes_total 41, no failed scrape counted (0 istio_agent_scrape_failures_total series, none above 0)`,
    );
    const zeros = ["envoy", "application", "agent"].map((type) =>
      series("istio_agent_scrape_failures_total", "0", { type }),
    );
    const v = judgeAgentScrapes(T, SCRAPES, zeros);
    expect(v.verdict).toBe("pass");
    expect(v.summary).toMatch(/\(3 istio_agent_scrape_failures_total series, none above 0\)$/);
    expect(v.evidence).toHaveLength(4);
    expect(v.evidence[0]).toBe(
      `{__name__="istio_agent_scrapes_total", job="${T.job}", namespace="${T.namespace}", pod="${T.pod}", instance="10.244.0.7:15092"} 41`,
    );
  });

  it("fails on any failure counted, naming each type and count", () => {
    const v = judgeAgentScrapes(T, SCRAPES, [
      series("istio_agent_scrape_failures_total", "0", { type: "agent" }),
      series("istio_agent_scrape_failures_total", "3", { type: "application" }),
      series("istio_agent_scrape_failures_total", "1", { type: "envoy" }),
    ]);
    expect(v).toMatchObject({ verdict: "fail", probe: "agent-scrapes" });
    expect(v.summary).toBe(
      `${T.namespace}/${T.pod} (job ${T.job}): the agent counted failed scrapes: type application = 3, type envoy = 1`,
    );
    const untyped = judgeAgentScrapes(T, SCRAPES, [series("istio_agent_scrape_failures_total", "2")]);
    expect(untyped.summary).toMatch(/type \(none\) = 2$/);
  });

  it("cannot tell while no scrape is counted, even with failures present", () => {
    for (const scrapes of [
      [],
      [series("istio_agent_scrapes_total", "0")],
      [series("istio_agent_scrapes_total", "NaN")],
    ]) {
      const v = judgeAgentScrapes(T, scrapes, [
        series("istio_agent_scrape_failures_total", "5", { type: "envoy" }),
      ]);
      expect(v).toMatchObject({ verdict: "error", probe: "agent-scrapes" });
      expect(v.summary).toMatch(/no istio_agent_scrapes_total above 0 in Prometheus/);
    }
  });
});

describe("probeAgentScrapes", () => {
  const answer = (result: Series[]) => ({ ok: true as const, data: { resultType: "vector", result } });
  it("asks both counters for exactly this pod of this job, and converges", async () => {
    const paths: string[] = [];
    const api: PrometheusApi = {
      get: async (path) => {
        paths.push(decodeURIComponent(path));
        return path.includes("scrapes_total") ? answer(SCRAPES) : answer([]);
      },
    };
    const v = await probeAgentScrapes(api, T, {
      consecutive: 2,
      timeout: { name: "promql", ms: 2_000 },
      intervalMs: 5,
    });
    expect(v.verdict).toBe("pass");
    const sel = `{job="${T.job}",namespace="${T.namespace}",pod="${T.pod}"}`;
    expect(paths.slice(0, 2)).toEqual([
      `/api/v1/query?query=max_over_time(istio_agent_scrapes_total${sel}[5m])`,
      `/api/v1/query?query=max_over_time(istio_agent_scrape_failures_total${sel}[5m])`,
    ]);
  });

  it("is an error when either query cannot be answered", async () => {
    const c = { consecutive: 1, timeout: { name: "promql", ms: 30 }, intervalMs: 5 };
    // The first query failing is enough, even when the second would answer.
    const down: PrometheusApi = {
      get: async (path) =>
        path.includes("scrapes_total") ? { ok: false, problem: "connection refused" } : answer([]),
    };
    expect((await probeAgentScrapes(down, T, c)).summary).toMatch(
      /Prometheus API unreachable: connection refused/,
    );
    const scalar: PrometheusApi = {
      get: async (path) =>
        path.includes("scrapes_total")
          ? answer(SCRAPES)
          : { ok: true, data: { resultType: "scalar", result: [1, "1"] } },
    };
    const v = await probeAgentScrapes(scalar, T, c);
    expect(v.verdict).toBe("error");
    expect(v.summary).toMatch(/returned scalar, not series/);
  });
});
