import { describe, expect, it } from "vitest";
import type { PrometheusApi } from "../probes/prometheus.ts";
import { error, fail, pass } from "../probes/verdict.ts";
import { judgeScrapeOrigin, type OriginLook, observeOrigin, probeScrapeOrigin } from "./scrape-origin.ts";

const state = {
  where: "job j, instance 10.0.0.5:15091",
  namespace: "ssc-native",
  requests: 3,
  newerScrapes: 1,
};
const sample = { namespace: "istio-system", workload: "prometheus" };
const httpbin = { namespace: "ssc-native", workload: "httpbin" };
const look = (o: Partial<OriginLook>): OriginLook => ({ upAt: 1_700_000_015, servedFor: [], ...o });

describe("judgeScrapeOrigin", () => {
  it("passes on any series of the workload's namespace, beside others, UP or not, before any newer scrape", () => {
    for (const upAt of [1_700_000_015, undefined]) {
      const v = judgeScrapeOrigin(look({ upAt, servedFor: [sample, httpbin] }), {
        ...state,
        newerScrapes: 0,
      });
      expect(v).toEqual(
        pass(
          "scrape-origin",
          "job j, instance 10.0.0.5:15091 serves the workload's own metrics: its payload counts requests served in ssc-native",
          ["destination workloads in the payload: istio-system/prometheus, ssc-native/httpbin"],
        ),
      );
    }
  });

  it("fails when a scrape made after the requests carries none of them, naming whose it does carry", () => {
    expect(judgeScrapeOrigin(look({ servedFor: [sample] }), state)).toEqual(
      fail(
        "scrape-origin",
        "job j, instance 10.0.0.5:15091 is UP, yet 1 scrape(s) made after the workload served 3 request(s) carry none of them: another Envoy answered (istio-system/prometheus)",
        ["destination workloads in the payload: istio-system/prometheus"],
      ),
    );
    const two = judgeScrapeOrigin(
      look({ servedFor: [sample, { namespace: "ssc-probe", workload: "x" }] }),
      state,
    );
    expect(two.summary).toContain("another Envoy answered (istio-system/prometheus, ssc-probe/x)");
    const none = judgeScrapeOrigin(look({}), state);
    expect(none.summary).toContain("another Envoy answered (no destination series at all)");
    expect(none.evidence).toEqual(["destination workloads in the payload: (none)"]);
  });

  it("cannot tell while the target is not UP, or before a scrape newer than the first look", () => {
    expect(judgeScrapeOrigin(look({ upAt: undefined, servedFor: [sample] }), state)).toEqual(
      error("scrape-origin", "job j, instance 10.0.0.5:15091 is not UP: its payload cannot be judged"),
    );
    expect(judgeScrapeOrigin(look({ servedFor: [sample] }), { ...state, newerScrapes: 0 })).toEqual(
      error(
        "scrape-origin",
        "job j, instance 10.0.0.5:15091: 0 of 1 scrape(s) made after the workload served 3 request(s)",
        ["destination workloads in the payload: istio-system/prometheus"],
      ),
    );
  });
});

/** A Prometheus API answering instant queries as Prometheus's API docs show them (resultType
 * vector, value [time, "string"]), from a script per query. */
function scripted(answer: (query: string) => unknown): PrometheusApi & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async get(path) {
      const query = new URLSearchParams(path.slice(path.indexOf("?") + 1)).get("query")!;
      asked.push(query);
      const data = answer(query);
      return data === undefined ? { ok: false, problem: "HTTP 503" } : { ok: true, data };
    },
  };
}
const vector = (...result: object[]) => ({ resultType: "vector", result });
const labels = (w: { namespace: string; workload: string }) => ({
  destination_workload_namespace: w.namespace,
  destination_workload: w.workload,
});
const TARGET = { job: "istio-secure-envoy-metrics", instance: "10.0.0.5:15091" };

describe("observeOrigin", () => {
  it("asks for the target's last UP scrape time and the workloads its destination-side request series name", async () => {
    const api = scripted((q) =>
      q.startsWith("timestamp(")
        ? vector({
            metric: { instance: "10.0.0.5:15091", job: TARGET.job },
            value: [1435781451.781, "1435781450.5"],
          })
        : vector(
            {
              metric: { destination_workload_namespace: "istio-system", destination_workload: "prometheus" },
              value: [1435781451.781, "12"],
            },
            { metric: {}, value: [1435781451.781, "1"] },
          ),
    );
    expect(await observeOrigin(api, TARGET)).toEqual({
      ok: true,
      look: { upAt: 1435781450.5, servedFor: [sample, { namespace: "", workload: "" }] },
    });
    expect(api.asked).toEqual([
      'timestamp(up{job="istio-secure-envoy-metrics",instance="10.0.0.5:15091"} == 1)',
      'sum by (destination_workload_namespace, destination_workload) (istio_requests_total{job="istio-secure-envoy-metrics",instance="10.0.0.5:15091",reporter="destination"})',
    ]);
  });

  it("reads a target that is not UP as no scrape time", async () => {
    const o = await observeOrigin(
      scripted(() => vector()),
      TARGET,
    );
    expect(o).toEqual({ ok: true, look: { upAt: undefined, servedFor: [] } });
  });

  it("passes on the verdict of either query that cannot be read", async () => {
    for (const broken of ["timestamp(", "sum by"]) {
      const o = await observeOrigin(
        scripted((q) => (q.startsWith(broken) ? undefined : vector())),
        TARGET,
      );
      expect(o).toEqual({ ok: false, verdict: error("promql", "Prometheus API unreachable: HTTP 503") });
    }
  });
});

describe("probeScrapeOrigin", () => {
  const convergence = { consecutive: 1, timeout: { name: "promql", ms: 400 }, intervalMs: 10 };

  it("counts only scrapes newer than the first one it saw UP: the first may predate the requests", async () => {
    const times = [undefined, 100, 100, 115];
    const api = scripted((q) => {
      if (!q.startsWith("timestamp(")) return vector({ metric: labels(sample), value: [0, "1"] });
      const t = times.length > 1 ? times.shift() : times[0];
      return t === undefined ? vector() : vector({ metric: {}, value: [0, String(t)] });
    });
    const v = await probeScrapeOrigin(api, TARGET, { namespace: "ssc-native", requests: 2 }, convergence);
    expect(v.verdict).toBe("fail");
    expect(v.summary).toMatch(
      /^job istio-secure-envoy-metrics, instance 10\.0\.0\.5:15091 is UP, yet 1 scrape\(s\) made after the workload served 2 request\(s\) carry none of them/,
    );
    // Not yet, not yet, not yet, then the failure, held to the deadline as every failure is.
    expect(v.attempts).toBeGreaterThanOrEqual(4);
  });

  it("never fails on the first scrape alone, however often it is seen", async () => {
    const api = scripted((q) =>
      q.startsWith("timestamp(") ? vector({ metric: {}, value: [0, "100"] }) : vector(),
    );
    const v = await probeScrapeOrigin(api, TARGET, { namespace: "ssc-native", requests: 1 }, convergence);
    expect(v.verdict).toBe("error");
    expect(v.summary).toMatch(
      /0 of 1 scrape\(s\) made after the workload served 1 request\(s\) \(still so after/,
    );
  });

  it("cannot tell while the API cannot be read", async () => {
    const v = await probeScrapeOrigin(
      scripted(() => undefined),
      TARGET,
      { namespace: "ssc-native", requests: 1 },
      convergence,
    );
    expect(v).toMatchObject({ verdict: "error", probe: "promql" });
    expect(v.summary).toMatch(/^Prometheus API unreachable: HTTP 503 \(still so after/);
  });

  it("passes at once on the workload's own series", async () => {
    const api = scripted((q) =>
      q.startsWith("timestamp(")
        ? vector({ metric: {}, value: [0, "100"] })
        : vector({ metric: labels(httpbin), value: [0, "3"] }),
    );
    const v = await probeScrapeOrigin(api, TARGET, { namespace: "ssc-native", requests: 3 }, convergence);
    expect(v.verdict).toBe("pass");
    expect(v.attempts).toBe(1);
  });
});
