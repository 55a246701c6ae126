import { describe, expect, it } from "vitest";
import { parseCurl } from "../probes/curl.ts";
import { WRITE_OUT_MARK as MARK } from "../testing/curl-output.ts";
import { judgeMergedMetrics } from "./merging.ts";

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
