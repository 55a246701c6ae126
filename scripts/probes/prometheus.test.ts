import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WRITE_OUT_MARK as MARK } from "../testing/curl-output.ts";
import type { CommandRunner } from "./curl.ts";
import {
  observeSeries,
  observeTarget,
  type PrometheusApi,
  probeAllSeries,
  probeTarget,
  prometheusApi,
} from "./prometheus.ts";

// The Prometheus parsers on Prometheus's own documented responses (testdata/README.md), served by
// a stand-in for the one PrometheusApi method the probes call.
const testdata = (f: string) => readFileSync(join(import.meta.dirname, "testdata", f), "utf8");
const body = (f: string) => JSON.parse(testdata(f)) as { data: unknown };
const serving = (data: unknown): PrometheusApi => ({ get: async () => ({ ok: true, data }) });

describe("observeTarget on /api/v1/targets as Prometheus v3.14 documents it", () => {
  const targets = body("prometheus-v3.14.0-targets.json").data;

  it("passes on the active target with the exact scrape URL in the scrape pool", async () => {
    const v = await observeTarget(serving(targets), {
      job: "prometheus",
      scrapeUrl: "http://127.0.0.1:9090/metrics",
    });
    expect(v).toMatchObject({
      verdict: "pass",
      summary: "job prometheus, http://127.0.0.1:9090/metrics is UP",
    });
  });

  it("never matches by host alone, nor another pool's target", async () => {
    const otherPort = await observeTarget(serving(targets), {
      job: "prometheus",
      scrapeUrl: "http://127.0.0.1:9091/metrics",
    });
    expect(otherPort.verdict).toBe("fail");
    expect(otherPort.evidence).toEqual(["the job's scrape URLs: http://127.0.0.1:9090/metrics"]);
    const otherJob = await observeTarget(serving(targets), {
      job: "node",
      scrapeUrl: "http://127.0.0.1:9090/metrics",
    });
    expect(otherJob).toMatchObject({
      verdict: "fail",
      summary: "job node, http://127.0.0.1:9090/metrics: not discovered",
    });
  });

  it("reads the state=active form, and responses without droppedTargets or activeTargets, without throwing", async () => {
    const active = body("prometheus-v3.14.0-targets-active.json").data;
    expect(
      (
        await observeTarget(serving(active), {
          job: "prometheus",
          scrapeUrl: "http://127.0.0.1:9090/metrics",
        })
      ).verdict,
    ).toBe("pass");
    const { droppedTargets: _d, ...noDropped } = targets as Record<string, unknown>;
    for (const data of [
      noDropped,
      { ...noDropped, droppedTargets: null },
      { activeTargets: null },
      {},
      null,
    ]) {
      const v = await observeTarget(serving(data), {
        job: "x",
        scrapeUrl: "http://10.0.0.1:15092/stats/prometheus",
      });
      expect(["fail", "error"]).toContain(v.verdict);
    }
  });

  it("says DOWN with lastError, and a target never scraped is an error, not a pass", async () => {
    const t = structuredClone(targets) as { activeTargets: { health: string; lastError: string }[] };
    t.activeTargets[0]!.health = "down";
    t.activeTargets[0]!.lastError =
      'Get "http://127.0.0.1:9090/metrics": remote error: tls: certificate required';
    const down = await observeTarget(serving(t), {
      job: "prometheus",
      scrapeUrl: "http://127.0.0.1:9090/metrics",
    });
    expect(down).toMatchObject({ verdict: "fail" });
    expect(down.summary).toMatch(/is DOWN: .*certificate required/);
    t.activeTargets[0]!.health = "unknown";
    expect(
      (await observeTarget(serving(t), { job: "prometheus", scrapeUrl: "http://127.0.0.1:9090/metrics" }))
        .verdict,
    ).toBe("error");
  });

  it("is an error when the API cannot be read", async () => {
    const api: PrometheusApi = {
      get: async () => ({ ok: false, problem: "http://p:9090/api/v1/targets: HTTP 503" }),
    };
    expect(
      (await observeTarget(api, { job: "j", scrapeUrl: "https://1.2.3.4:15092/stats/prometheus" })).verdict,
    ).toBe("error");
  });
});

describe("ServiceMonitor targets as prometheus-operator v0.93 generates them", () => {
  // The operator names the scrape config serviceMonitor/<ns>/<name>/<endpoint> (Prometheus reports
  // it as scrapePool) and sets the job label from the Service's name: both read in its golden.
  const golden = testdata("prometheus-operator-v0.93.0-servicemonitor.golden.yaml");
  it("reads the naming from the golden", () => {
    expect(golden).toMatch(/^- job_name: serviceMonitor\/default\/defaultServiceMonitor\/0$/m);
    expect(golden).toMatch(/- source_labels:\n {4}- __meta_kubernetes_service_name\n {4}target_label: job/);
  });

  const served = {
    activeTargets: [
      {
        scrapePool: "serviceMonitor/ssc-operator/metrics-app/0",
        scrapeUrl: "https://10.244.0.9:9090/metrics",
        labels: { job: "metrics-app", namespace: "ssc-strict", service: "metrics-app" },
        health: "up",
        lastError: "",
        lastScrape: "2026-12-02T00:00:00Z",
      },
    ],
    droppedTargets: [],
  };
  it("matches the scrape pool, never the job label that differs from it", async () => {
    const url = "https://10.244.0.9:9090/metrics";
    expect(
      (
        await observeTarget(serving(served), {
          job: "serviceMonitor/ssc-operator/metrics-app/0",
          scrapeUrl: url,
        })
      ).verdict,
    ).toBe("pass");
    expect((await observeTarget(serving(served), { job: "metrics-app", scrapeUrl: url })).verdict).toBe(
      "fail",
    );
  });
});

describe("observeSeries on /api/v1/query results as Prometheus documents them", () => {
  it("passes when every series carries the labels, fails on the first that does not", async () => {
    const vector = body("prometheus-v3.14.0-query-vector.json").data;
    expect((await observeSeries(serving(vector), { query: "up", labels: { __name__: "up" } })).verdict).toBe(
      "pass",
    );
    const v = await observeSeries(serving(vector), { query: "up", labels: { job: "prometheus" } });
    expect(v).toMatchObject({ verdict: "fail", summary: '1 of 2 series of up lack job="prometheus"' });
    expect(v.evidence).toEqual(['{__name__="up", job="node", instance="localhost:9100"}']);
  });

  it("reads a matrix result as series too", async () => {
    const matrix = body("prometheus-v3.14.0-query-range-matrix.json").data;
    expect((await observeSeries(serving(matrix), { query: "up", labels: { __name__: "up" } })).verdict).toBe(
      "pass",
    );
  });

  it("turns a scalar result into an error naming it, never a TypeError or a pass", async () => {
    const scalar = body("prometheus-v3.14.0-query-scalar.json").data;
    const v = await observeSeries(serving(scalar), { query: "scalar(42)", labels: {} });
    expect(v).toMatchObject({ verdict: "error" });
    expect(v.summary).toMatch(/returned scalar, not series: \[1767436620,"42"\]/);
  });

  it("no series is a failure (not yet, for convergence), never a pass", async () => {
    const v = await observeSeries(serving({ resultType: "vector", result: [] }), { query: "q", labels: {} });
    expect(v).toMatchObject({ verdict: "fail", summary: "no series for q" });
  });
});

describe("prometheusApi through the curl runner", () => {
  const runner = (stdout: string, exitCode = 0, stderr = ""): CommandRunner & { seen: string[][] } => {
    const seen: string[][] = [];
    const run = (async (argv: readonly string[]) => {
      seen.push([...argv]);
      return { exitCode, stdout, stderr };
    }) as CommandRunner & { seen: string[][] };
    run.seen = seen;
    return run;
  };

  it("gets base + path with the request budget, and returns the data of a success", async () => {
    const run = runner(`${JSON.stringify({ status: "success", data: { x: 1 } })}${MARK}200`);
    expect(await prometheusApi(run, "http://p:9090", 4_000).get("/api/v1/targets?state=any")).toEqual({
      ok: true,
      data: { x: 1 },
    });
    expect(run.seen[0]).toEqual(
      expect.arrayContaining(["--max-time", "4", "http://p:9090/api/v1/targets?state=any"]),
    );
  });

  it("names what went wrong: the status, curl's error, an API error status, a body that is not JSON", async () => {
    const api = (stdout: string, code = 0, err = "") =>
      prometheusApi(runner(stdout, code, err), "http://p:9090", 1_000);
    expect(await api(`down${MARK}503`).get("/a")).toEqual({
      ok: false,
      problem: "http://p:9090/a: HTTP 503",
    });
    expect(await api(`${MARK}000`, 7, "curl: (7) Failed to connect").get("/a")).toEqual({
      ok: false,
      problem: "http://p:9090/a: curl: (7) Failed to connect",
    });
    expect(await api(`${JSON.stringify({ status: "error", error: "bad" })}${MARK}200`).get("/a")).toEqual({
      ok: false,
      problem: "/a: status error",
    });
    expect(await api(`<html>${"x".repeat(200)}${MARK}200`).get("/a")).toEqual({
      ok: false,
      problem: `/a: not JSON: <html>${"x".repeat(114)}`,
    });
  });
});

describe("probeTarget and probeAllSeries converge", () => {
  const c = (ms: number) => ({ consecutive: 2, timeout: { name: "targetsUp", ms }, intervalMs: 5 });
  it("passes a target seen UP twice in a row, after it was absent", async () => {
    let calls = 0;
    const up = {
      activeTargets: [
        {
          scrapePool: "j",
          scrapeUrl: "https://1.2.3.4:15092/stats/prometheus",
          health: "up",
          lastError: "",
          lastScrape: "t",
          labels: {},
        },
      ],
    };
    const api: PrometheusApi = {
      get: async () => ({ ok: true, data: calls++ === 0 ? { activeTargets: [] } : up }),
    };
    const v = await probeTarget(
      api,
      { job: "j", scrapeUrl: "https://1.2.3.4:15092/stats/prometheus" },
      c(2_000),
    );
    expect(v).toMatchObject({ verdict: "pass", probe: "targets", attempts: 3 });
    expect(v.evidence[0]).toBe("lastScrape t");
    expect(v.evidence[1]).toMatch(/^passed 2 time/);
  });

  it("keeps Prometheus's lastError as evidence on an UP target too (Prometheus 2.42's real IPv6 answer)", async () => {
    const real = JSON.parse(
      readFileSync(
        new URL("../conformance/testdata/prometheus-2.42-targets-ipv6.json", import.meta.url),
        "utf8",
      ),
    ) as { data: unknown };
    const api: PrometheusApi = { get: async () => ({ ok: true, data: real.data }) };
    const v = await observeTarget(api, {
      job: "istio-secure-merged-metrics-as-documented",
      scrapeUrl: "https://::1:15092/stats/prometheus",
    });
    expect(v.verdict).toBe("pass");
    expect(v.evidence).toEqual([
      expect.stringMatching(/^lastScrape 20\d\d-/),
      "lastError: : address ::1:15092: too many colons in address",
    ]);
  });

  it("fails at the deadline with the last state", async () => {
    const api: PrometheusApi = { get: async () => ({ ok: true, data: { activeTargets: [] } }) };
    const v = await probeTarget(
      api,
      { job: "j", scrapeUrl: "https://1.2.3.4:15092/stats/prometheus" },
      c(50),
    );
    expect(v.verdict).toBe("fail");
    expect(v.summary).toMatch(
      /^job j, https:\/\/1\.2\.3\.4:15092\/stats\/prometheus: not discovered \(still so after/,
    );
    const s = await probeAllSeries(
      { get: async () => ({ ok: true, data: { resultType: "vector", result: [] } }) },
      { query: "q", labels: {} },
      { ...c(50), timeout: { name: "promql", ms: 50 } },
    );
    expect(s.summary).toMatch(/^no series for q \(still so after \d+ attempt\(s\), timeout promql/);
  });

  it("names the dropped target's pod annotations", async () => {
    const dropped = {
      activeTargets: [],
      droppedTargets: [
        {
          discoveredLabels: {
            job: "istio-secure-envoy-metrics",
            __meta_kubernetes_pod_ip: "10.0.0.5",
            __meta_kubernetes_pod_annotation_prometheus_istio_io_secure_port: "15092",
            __meta_kubernetes_pod_label_app: "httpbin",
          },
        },
        { discoveredLabels: { job: "istio-secure-envoy-metrics", __meta_kubernetes_pod_ip: "10.0.0.6" } },
      ],
    };
    const v = await observeTarget(serving(dropped), {
      job: "istio-secure-envoy-metrics",
      scrapeUrl: "https://10.0.0.5:15091/stats/prometheus",
    });
    expect(v).toEqual({
      probe: "targets",
      verdict: "fail",
      summary:
        "job istio-secure-envoy-metrics, https://10.0.0.5:15091/stats/prometheus: the pod was discovered but dropped by relabelling (a keep rule's annotation missing?)",
      evidence: [
        "pod annotations seen: __meta_kubernetes_pod_annotation_prometheus_istio_io_secure_port=15092",
      ],
    });
    // An IPv6 pod: the URL brackets its address, discovery's label does not.
    const v6 = structuredClone(dropped);
    v6.droppedTargets[0]!.discoveredLabels.__meta_kubernetes_pod_ip = "fd00:10:244::5";
    expect(
      (
        await observeTarget(serving(v6), {
          job: "istio-secure-envoy-metrics",
          scrapeUrl: "https://[fd00:10:244::5]:15091/stats/prometheus",
        })
      ).summary,
    ).toMatch(/dropped by relabelling/);
    // Another pool's dropped target, or another pod's, is not this one.
    expect(
      (await observeTarget(serving(dropped), { job: "other", scrapeUrl: "https://10.0.0.5:15091/x" }))
        .summary,
    ).toMatch(/not discovered/);
    const bare = {
      activeTargets: [],
      droppedTargets: [{ scrapePool: "p", discoveredLabels: { __meta_kubernetes_pod_ip: "10.0.0.7" } }],
    };
    expect(
      (await observeTarget(serving(bare), { job: "p", scrapeUrl: "https://10.0.0.7:1/x" })).evidence,
    ).toEqual(["pod annotations seen: (none)"]);
  });

  it("says exactly what an UP, a DOWN, a pending and a missing target look like", async () => {
    const t = (health: string, lastError = "") => ({
      activeTargets: [
        {
          scrapePool: "j",
          scrapeUrl: "https://1.2.3.4:1/m",
          health,
          lastError,
          lastScrape: "ts",
          labels: {},
        },
      ],
    });
    expect(await observeTarget(serving(t("up")), { job: "j", scrapeUrl: "https://1.2.3.4:1/m" })).toEqual({
      probe: "targets",
      verdict: "pass",
      summary: "job j, https://1.2.3.4:1/m is UP",
      evidence: ["lastScrape ts"],
    });
    expect(
      await observeTarget(serving(t("down", "EOF")), { job: "j", scrapeUrl: "https://1.2.3.4:1/m" }),
    ).toEqual({
      probe: "targets",
      verdict: "fail",
      summary: "job j, https://1.2.3.4:1/m is DOWN: EOF",
      evidence: ["lastError: EOF"],
    });
    expect(
      await observeTarget(serving(t("unknown")), { job: "j", scrapeUrl: "https://1.2.3.4:1/m" }),
    ).toEqual({
      probe: "targets",
      verdict: "error",
      summary: "job j, https://1.2.3.4:1/m: discovered but never scraped",
      evidence: ["health unknown"],
    });
    const two = {
      activeTargets: [
        ...t("up").activeTargets,
        { ...t("up").activeTargets[0]!, scrapeUrl: "https://1.2.3.4:2/m" },
      ],
    };
    expect(
      (await observeTarget(serving(two), { job: "j", scrapeUrl: "https://9.9.9.9:1/m" })).evidence,
    ).toEqual(["the job's scrape URLs: https://1.2.3.4:1/m, https://1.2.3.4:2/m"]);
    expect(
      (await observeTarget(serving({ activeTargets: [] }), { job: "j", scrapeUrl: "https://9.9.9.9:1/m" }))
        .evidence,
    ).toEqual(["the job's scrape URLs: (none)"]);
    const api: PrometheusApi = { get: async () => ({ ok: false, problem: "p: HTTP 500" }) };
    expect(await observeTarget(api, { job: "j", scrapeUrl: "https://1.2.3.4:1/m" })).toEqual({
      probe: "targets",
      verdict: "error",
      summary: "Prometheus API unreachable: p: HTTP 500",
      evidence: [],
    });
    expect(
      (await observeTarget(serving("text"), { job: "j", scrapeUrl: "https://1.2.3.4:1/m" })).summary,
    ).toBe("/api/v1/targets data is not an object");
  });

  it("says exactly what a query's series look like", async () => {
    const vector = (metric: Record<string, string>[]) => ({
      resultType: "vector",
      result: metric.map((m) => ({ metric: m, value: [0, "1"] })),
    });
    const all = await observeSeries(serving(vector([{ a: "1", b: "2" }])), {
      query: "q",
      labels: { a: "1" },
    });
    expect(all).toEqual({
      probe: "promql",
      verdict: "pass",
      summary: '1 series of q, all with a="1"',
      evidence: ['{a="1", b="2"}'],
    });
    const some = await observeSeries(serving(vector([{ a: "1" }, { a: "2", c: "3" }])), {
      query: "q",
      labels: { a: "1", b: "x" },
    });
    expect(some.summary).toBe('2 of 2 series of q lack a="1", b="x"');
    expect(some.evidence).toEqual(['{a="1"}', '{a="2", c="3"}']);
    expect(
      await observeSeries({ get: async () => ({ ok: false, problem: "x" }) }, { query: "q", labels: {} }),
    ).toEqual({
      probe: "promql",
      verdict: "error",
      summary: "Prometheus API unreachable: x",
      evidence: [],
    });
    expect((await observeSeries(serving(null), { query: "q", labels: {} })).summary).toBe(
      "q returned no resultType, not series: null",
    );
    expect(
      (await observeSeries(serving({ resultType: "vector", result: "x" }), { query: "q", labels: {} }))
        .verdict,
    ).toBe("error");
    expect(
      (await observeSeries(serving({ resultType: "string", result: [1, "s"] }), { query: "q", labels: {} }))
        .summary,
    ).toBe('q returned string, not series: [1,"s"]');
  });
});

describe("what the probes ask Prometheus, and what they say", () => {
  const recording = (data: unknown) => {
    const paths: string[] = [];
    const api: PrometheusApi = {
      get: async (path) => {
        paths.push(path);
        return { ok: true, data };
      },
    };
    return { api, paths };
  };

  it("asks for targets in any state, and sends the query URL-encoded", async () => {
    const t = recording({ activeTargets: [] });
    await observeTarget(t.api, { job: "j", scrapeUrl: "https://1.2.3.4:1/m" });
    expect(t.paths).toEqual(["/api/v1/targets?state=any"]);
    const q = recording({ resultType: "vector", result: [] });
    await observeSeries(q.api, { query: 'up{job="a b"}', labels: {} });
    expect(q.paths).toEqual(["/api/v1/query?query=up%7Bjob%3D%22a%20b%22%7D"]);
  });

  it("names its probe in every verdict", async () => {
    const want = { job: "j", scrapeUrl: "https://1.2.3.4:1/m" };
    expect(await observeTarget(recording("text").api, want)).toEqual({
      probe: "targets",
      verdict: "error",
      summary: "/api/v1/targets data is not an object",
      evidence: [],
    });
    expect(await observeTarget(recording({ activeTargets: [] }).api, want)).toEqual({
      probe: "targets",
      verdict: "fail",
      summary: "job j, https://1.2.3.4:1/m: not discovered",
      evidence: ["the job's scrape URLs: (none)"],
    });
    expect(await observeSeries(recording(null).api, { query: "q", labels: {} })).toEqual({
      probe: "promql",
      verdict: "error",
      summary: "q returned no resultType, not series: null",
      evidence: [],
    });
    expect(
      await observeSeries(recording({ resultType: "vector", result: [] }).api, { query: "q", labels: {} }),
    ).toEqual({ probe: "promql", verdict: "fail", summary: "no series for q", evidence: [] });
    const some = await observeSeries(
      recording({ resultType: "vector", result: [{ metric: { a: "2" }, value: [0, "1"] }] }).api,
      { query: "q", labels: { a: "1" } },
    );
    expect(some).toMatchObject({ probe: "promql", verdict: "fail" });
  });

  it("lists every annotation of a dropped pod, and reads dropped targets without labels", async () => {
    const dropped = {
      activeTargets: [],
      droppedTargets: [
        { scrapePool: "p" },
        {
          scrapePool: "p",
          discoveredLabels: {
            __meta_kubernetes_pod_ip: "10.0.0.7",
            __meta_kubernetes_pod_annotation_a: "1",
            __meta_kubernetes_pod_annotation_b: "2",
          },
        },
      ],
    };
    expect(
      (await observeTarget(serving(dropped), { job: "p", scrapeUrl: "https://10.0.0.7:1/x" })).evidence,
    ).toEqual([
      "pod annotations seen: __meta_kubernetes_pod_annotation_a=1, __meta_kubernetes_pod_annotation_b=2",
    ]);
  });

  it("keeps a result it cannot judge short in the summary", async () => {
    const v = await observeSeries(serving({ resultType: "string", result: [1, "x".repeat(500)] }), {
      query: "q",
      labels: {},
    });
    expect(v.summary).toBe(`q returned string, not series: ${`[1,"${"x".repeat(500)}"]`.slice(0, 120)}`);
  });

  it("fails a series that carries no labels at all, rather than throwing", async () => {
    const v = await observeSeries(serving({ resultType: "vector", result: [{ value: [0, "1"] }] }), {
      query: "q",
      labels: { a: "1" },
    });
    expect(v).toMatchObject({ verdict: "fail", summary: '1 of 1 series of q lack a="1"' });
  });
});
