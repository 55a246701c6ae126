import { describe, expect, it } from "vitest";
import type { CurlResult } from "../probes/curl.ts";
import { seenAnswer, seenFailure } from "../testing/curl-output.ts";
import { AUTHZ_PREDICTION, judgeAuthz } from "./authz.ts";

const res = (status: number, body = "") => seenAnswer(body, status);

// Envoy's RBAC filter answers a denied HTTP request with this body.
const RBAC_403 = res(403, "RBAC: access denied");
const RESET = seenFailure(35, "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL");
const METRICS = res(200, "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n");
const at = (url: string, result: CurlResult) => ({ url, result });
const attempt = (app: CurlResult, denied: CurlResult, allowed: CurlResult) => ({
  app: at("http://10.0.0.7:8080/get", app),
  denied: at("https://10.0.0.7:15092/stats/prometheus", denied),
  allowed: at("https://10.0.0.8:15092/stats/prometheus", allowed),
});

describe("the AuthorizationPolicy finding", () => {
  it("states the prediction: deny-all reaches the secure ports, a ports ALLOW lets Prometheus in", () => {
    expect(AUTHZ_PREDICTION).toMatch(/^a deny-all AuthorizationPolicy also denies the secure ports/);
    expect(AUTHZ_PREDICTION).toContain("an ALLOW on ports 15091/15092 (no from.principals");
  });

  it("holds when the deny-all refuses the scrape and the ports ALLOW lets it in", () => {
    const v = judgeAuthz(attempt(RBAC_403, RESET, METRICS));
    expect(v).toMatchObject({
      probe: "authz",
      verdict: "pass",
      summary: `as predicted, ${AUTHZ_PREDICTION}`,
    });
    expect(v.evidence).toEqual([
      "http://10.0.0.7:8080/get: HTTP 403",
      "https://10.0.0.7:15092/stats/prometheus: rejected (curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL)",
      "https://10.0.0.8:15092/stats/prometheus: HTTP 200",
    ]);
  });

  it("is contradicted by a 200 under deny-all, or a refusal despite the ALLOW", () => {
    const through = judgeAuthz(attempt(RBAC_403, METRICS, METRICS));
    expect(through).toMatchObject({ probe: "authz", verdict: "fail" });
    expect(through.summary).toMatch(/^finding contradicted: the secure port answers under deny-all/);
    const shut = judgeAuthz(attempt(RBAC_403, RESET, RESET));
    expect(shut).toMatchObject({ probe: "authz", verdict: "fail" });
    expect(shut.summary).toMatch(
      /^finding contradicted: an ALLOW on ports 15091\/15092 does not let the scrape in/,
    );
  });

  it("cannot tell without the policy shown active, or on answers that are neither", () => {
    for (const app of [res(200, "{}"), res(403, "forbidden"), res(503, "RBAC: access denied"), RESET]) {
      const v = judgeAuthz(attempt(app, RESET, METRICS));
      expect(v).toMatchObject({ probe: "authz", verdict: "error" });
      expect(v.summary).toMatch(/^could not show the deny-all active/);
    }
    for (const [denied, allowed] of [
      [seenFailure(28, "timed out"), METRICS],
      // The ALLOW case refused, but the deny-all case unclear: neither prediction can be judged.
      [seenFailure(28, "timed out"), RESET],
      [RESET, seenFailure(28, "timed out")],
      [RESET, res(503, "no healthy upstream")],
      [res(404), METRICS],
    ] as const) {
      const v = judgeAuthz(attempt(RBAC_403, denied, allowed));
      expect(v, JSON.stringify([denied, allowed])).toMatchObject({ probe: "authz", verdict: "error" });
      expect(v.summary).toMatch(/^could not tell how the deny-all treats the secure ports/);
    }
  });
});
