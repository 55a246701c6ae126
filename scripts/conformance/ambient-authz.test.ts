import { describe, expect, it } from "vitest";
import { parseCurl } from "../probes/curl.ts";
import { error, fail, pass } from "../probes/verdict.ts";
import { curlAnswer, curlFailure } from "../testing/curl-output.ts";
import { AMBIENT_AUTHZ_PREDICTION, judgeAmbientAuthz } from "./ambient-authz.ts";

const URL = "http://10.0.0.5:8080/get";
const seen = (r: ReturnType<typeof curlAnswer>) => ({ url: URL, result: parseCurl(r) });
const DENIED = seen(curlAnswer("RBAC: access denied", 403));
const UP = pass("targets", "job ambient-to-sidecars, http://10.0.0.5:15020/stats/prometheus is UP", [
  "lastScrape t",
]);
const DOWN = fail(
  "targets",
  "job ambient-to-sidecars, http://10.0.0.5:15020/stats/prometheus is DOWN: connection reset by peer",
  ["lastError: connection reset by peer"],
);

describe("judgeAmbientAuthz", () => {
  it("holds the prediction when the deny-all is active and the ambient Prometheus has the pod's 15020 UP", () => {
    expect(judgeAmbientAuthz(DENIED, UP)).toEqual(
      pass("ambient-authz", `as predicted, ${AMBIENT_AUTHZ_PREDICTION}`, [
        `${URL}: HTTP 403`,
        `target: ${UP.summary}`,
        "lastScrape t",
      ]),
    );
  });

  it("is contradicted when the scrape is refused under the deny-all, and says what would let it in", () => {
    const v = judgeAmbientAuthz(DENIED, DOWN);
    expect(v).toMatchObject({ probe: "ambient-authz", verdict: "fail" });
    expect(v.summary).toBe(
      `finding contradicted: under the deny-all the ambient Prometheus does not scrape the sidecar pod's 15020 (${DOWN.summary}): it needs an ALLOW, as uds-core#1445 found; predicted: ${AMBIENT_AUTHZ_PREDICTION}`,
    );
    expect(v.evidence).toEqual([
      `${URL}: HTTP 403`,
      `target: ${DOWN.summary}`,
      "lastError: connection reset by peer",
    ]);
  });

  it("cannot tell without the policy shown active: a 200, a 403 from elsewhere, or no answer", () => {
    for (const app of [
      seen(curlAnswer("{}", 200)),
      seen(curlAnswer("forbidden by the app", 403)),
      seen(curlFailure(7, "curl: (7) Failed to connect")),
    ]) {
      const v = judgeAmbientAuthz(app, UP);
      expect(v).toMatchObject({ probe: "ambient-authz", verdict: "error" });
      expect(v.summary).toMatch(
        /^could not show the deny-all active: application traffic got http:\/\/10\.0\.0\.5:8080\/get: /,
      );
      expect(v.summary).toMatch(/, not 403 "RBAC: access denied"$/);
    }
  });

  it("cannot tell when the target's own state could not be told", () => {
    const unknown = error("targets", "job ambient-to-sidecars, x: discovered but never scraped");
    expect(judgeAmbientAuthz(DENIED, unknown)).toEqual(
      error("ambient-authz", `the target's state cannot be told: ${unknown.summary}`, [
        `${URL}: HTTP 403`,
        `target: ${unknown.summary}`,
      ]),
    );
  });

  it("names the sources' chain and the ALLOW's case in its prediction", () => {
    expect(AMBIENT_AUTHZ_PREDICTION).toMatch(
      /^under a deny-all the ambient Prometheus still scrapes a sidecar pod's 15020 UP with no ALLOW/,
    );
    expect(AMBIENT_AUTHZ_PREDICTION).toContain("uds-core#1445");
    expect(AMBIENT_AUTHZ_PREDICTION).toContain("networking.istio.io/tunnel=http");
  });
});
