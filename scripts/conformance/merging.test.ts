import { describe, expect, it } from "vitest";
import { parseCurl } from "../probes/curl.ts";
import { WRITE_OUT_MARK as MARK } from "../testing/curl-output.ts";
import { judgeMergedMetrics, judgeOptOutAnnotations, judgeUnmergedMetrics } from "./merging.ts";

// Metrics merging's judgement on what 15020 served.
const url = "http://10.0.0.9:15020/stats/prometheus";
const served = (body: string, status = 200, exitCode = 0) =>
  judgeMergedMetrics(url, parseCurl({ exitCode, stdout: `${body}${MARK}${status}`, stderr: "" }));
const APP = 'prometheus_build_info{branch="HEAD",version="3.5.0"} 1';

describe("judgeMergedMetrics", () => {
  it("passes when the app's series sit beside Istio's", () => {
    for (const istio of ["envoy_server_live 1", 'istio_requests_total{response_code="200"} 3']) {
      expect(served(`${APP}\n${istio}\n`)).toEqual({
        probe: "merged-metrics",
        verdict: "pass",
        summary: `${url} merges the app's prometheus_build_info with Istio's metrics`,
        evidence: [`${url}: HTTP 200`],
      });
    }
  });

  it("fails when either side is missing, saying which", () => {
    expect(served("envoy_server_live 1\n")).toMatchObject({
      probe: "merged-metrics",
      verdict: "fail",
      summary: `${url} lacks the app's prometheus_build_info`,
    });
    expect(served(`${APP}\n`).summary).toBe(`${url} lacks Istio's envoy_/istio_ series`);
    expect(served("# nothing\n").summary).toBe(
      `${url} lacks the app's prometheus_build_info and Istio's envoy_/istio_ series`,
    );
  });

  it("reads series only at the start of a line", () => {
    expect(served(`# HELP x see prometheus_build_info{ here\nenvoy_server_live 1\n`).verdict).toBe("fail");
    expect(served(`${APP}\n# HELP x counts envoy_ and istio_ things\n`).verdict).toBe("fail");
  });

  it("cannot tell without a 200", () => {
    expect(served(`${APP}\nenvoy_server_live 1\n`, 503)).toMatchObject({
      probe: "merged-metrics",
      verdict: "error",
      summary: `could not read ${url}: HTTP 503`,
    });
    expect(
      judgeMergedMetrics(url, parseCurl({ exitCode: 7, stdout: `${MARK}000`, stderr: "curl: (7) refused" }))
        .verdict,
    ).toBe("error");
  });
});

describe("judgeUnmergedMetrics", () => {
  const unmerged = (body: string, status = 200, exitCode = 0) =>
    judgeUnmergedMetrics(url, parseCurl({ exitCode, stdout: `${body}${MARK}${status}`, stderr: "" }));
  it("passes when Istio's series are there and the app's are not", () => {
    for (const istio of ["envoy_server_live 1", "istio_agent_scrapes_total{} 4"]) {
      expect(unmerged(`${istio}\n`)).toEqual({
        probe: "merge-opt-out",
        verdict: "pass",
        summary: `${url} serves Istio's metrics without the app's: merging is off`,
        evidence: [`${url}: HTTP 200`],
      });
    }
  });
  it("fails when the app's series are merged all the same", () => {
    expect(unmerged(`${APP}\nenvoy_server_live 1\n`)).toMatchObject({
      probe: "merge-opt-out",
      verdict: "fail",
      summary: `${url} still merges the app's prometheus_build_info although the pod opts out of merging`,
    });
  });
  it("cannot tell without a 200, or without Istio's own series", () => {
    expect(unmerged("envoy_server_live 1\n", 403)).toMatchObject({
      probe: "merge-opt-out",
      verdict: "error",
      summary: `could not read ${url}: HTTP 403`,
    });
    expect(unmerged(`${APP}\n`)).toMatchObject({
      probe: "merge-opt-out",
      verdict: "error",
      summary: `${url} serves no envoy_/istio_ series: not the agent's metrics`,
    });
    expect(unmerged("# HELP x says envoy_ and prometheus_build_info{ inline\n").verdict).toBe("error");
  });
});

describe("judgeOptOutAnnotations", () => {
  const APP_SCRAPE = { port: "9090", path: "/metrics" };
  const where = "ssc-merging/metrics-app-unmerged-1";
  const optOut = { "prometheus.istio.io/merge-metrics": "false" };
  it("passes when the app's own port and path are left as they were", () => {
    const v = judgeOptOutAnnotations(
      where,
      { ...optOut, "prometheus.io/port": "9090", "prometheus.io/path": "/metrics" },
      APP_SCRAPE,
    );
    expect(v).toEqual({
      probe: "merge-opt-out",
      verdict: "pass",
      summary: `${where} keeps its own prometheus.io port 9090 and path /metrics: the injector left them`,
      evidence: [
        "prometheus.istio.io/merge-metrics=false",
        "prometheus.io/port=9090",
        "prometheus.io/path=/metrics",
      ],
    });
  });
  it("fails when either was rewritten (or removed)", () => {
    for (const [port, path] of [
      ["15020", "/stats/prometheus"],
      ["15020", "/metrics"],
      ["9090", "/stats/prometheus"],
    ] as const) {
      const v = judgeOptOutAnnotations(
        where,
        { ...optOut, "prometheus.io/port": port, "prometheus.io/path": path },
        APP_SCRAPE,
      );
      expect(v).toMatchObject({ probe: "merge-opt-out", verdict: "fail" });
      expect(v.summary).toBe(
        `${where} opts out of merging, yet its prometheus.io annotations say port ${port}, path ${path} instead of the app's 9090, /metrics: the injector merged anyway`,
      );
    }
    const gone = judgeOptOutAnnotations(where, optOut, APP_SCRAPE);
    expect(gone.summary).toMatch(/say port \(unset\), path \(unset\) instead/);
    expect(gone.evidence).toEqual([
      "prometheus.istio.io/merge-metrics=false",
      "prometheus.io/port=(unset)",
      "prometheus.io/path=(unset)",
    ]);
  });
  it("cannot judge a pod that does not opt out", () => {
    for (const value of [undefined, "true", "False"]) {
      const annotations: Record<string, string> = {
        "prometheus.io/port": "9090",
        "prometheus.io/path": "/metrics",
      };
      if (value !== undefined) annotations["prometheus.istio.io/merge-metrics"] = value;
      const v = judgeOptOutAnnotations(where, annotations, APP_SCRAPE);
      expect(v).toMatchObject({ probe: "merge-opt-out", verdict: "error" });
      expect(v.summary).toBe(
        `${where} does not carry prometheus.istio.io/merge-metrics: "false": the opt-out cannot be judged`,
      );
      expect(v.evidence[0]).toBe(`prometheus.istio.io/merge-metrics=${value ?? "(unset)"}`);
    }
  });
});
