import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { observeSeries, observeTarget, type PrometheusApi } from "./prometheus.ts";

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
