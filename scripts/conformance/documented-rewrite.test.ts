import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PrometheusApi } from "../probes/prometheus.ts";
import { fail, pass } from "../probes/verdict.ts";
import {
  DOCUMENTED_JOB,
  DOCUMENTED_REWRITE_PREDICTION,
  judgeDocumentedRewrite,
  probeDocumentedRewrite,
} from "./documented-rewrite.ts";

// /api/v1/targets as a real Prometheus (Debian's 2.42) answered in the lab: one IPv6 pod at ::1 and
// one IPv4 pod, scraped by the suite's bracketed job and by the sample's $1:$2 job. The documented
// target is UP with an unbracketed URL and "too many colons in address" (prometheus#8623).
const REAL = JSON.parse(
  readFileSync(new URL("./testdata/prometheus-2.42-targets-ipv6.json", import.meta.url), "utf8"),
) as { data: { activeTargets: Record<string, unknown>[]; droppedTargets: unknown[] } };

const V6 = { namespace: "lab", name: "v6-0", ip: "::1" };
const OWN_UP = pass("targets", "job istio-secure-merged-metrics, https://[::1]:15092/stats/prometheus is UP");

/** The real answer with the documented job's IPv6 target changed. */
function withDocumented(change: Record<string, unknown> | null) {
  const data = structuredClone(REAL.data);
  const i = data.activeTargets.findIndex(
    (t) => t.scrapePool === DOCUMENTED_JOB && (t.labels as Record<string, string>).pod === "v6-0",
  );
  if (change === null) data.activeTargets.splice(i, 1);
  else data.activeTargets[i] = { ...data.activeTargets[i], ...change };
  return data;
}

describe("judgeDocumentedRewrite on Prometheus 2.42's real answer", () => {
  it("holds: the IPv6 pod is UP at an unbracketed address, with the cosmetic lastError in the summary", () => {
    const v = judgeDocumentedRewrite(REAL.data, V6, OWN_UP);
    expect(v).toMatchObject({ verdict: "pass", probe: "documented-rewrite" });
    expect(DOCUMENTED_REWRITE_PREDICTION).toMatch(/"\$1:\$2" .*"fd00::5:15092".*prometheus#8623/);
    expect(v.summary).toBe(
      `as predicted, job ${DOCUMENTED_JOB}, pod lab/v6-0 is UP at https://::1:15092/stats/prometheus with instance "::1:15092" and lastError ": address ::1:15092: too many colons in address": ${DOCUMENTED_REWRITE_PREDICTION}`,
    );
    expect(v.evidence).toEqual([
      'scrapeUrl https://::1:15092/stats/prometheus, instance ::1:15092, health up, lastError ": address ::1:15092: too many colons in address"',
    ]);
  });

  it("holds without a lastError too (a Prometheus that fixed prometheus#8623), saying none", () => {
    const v = judgeDocumentedRewrite(withDocumented({ lastError: undefined }), V6, OWN_UP);
    expect(v.verdict).toBe("pass");
    expect(v.summary).toMatch(/with instance "::1:15092": the documented/);
    expect(v.evidence).toEqual([
      'scrapeUrl https://::1:15092/stats/prometheus, instance ::1:15092, health up, lastError ""',
    ]);
  });

  it("is contradicted when the documented job brackets the address, cannot scrape the pod or drops it", () => {
    const bracketed = judgeDocumentedRewrite(
      withDocumented({ scrapeUrl: "https://[::1]:15092/stats/prometheus", lastError: "" }),
      V6,
      OWN_UP,
    );
    expect(bracketed).toMatchObject({ verdict: "fail", probe: "documented-rewrite" });
    expect(bracketed.summary).toMatch(/^finding contradicted: the documented job scrapes ::1 with brackets/);
    const down = judgeDocumentedRewrite(
      withDocumented({ health: "down", lastError: "dial tcp: address ::1:15092: too many colons" }),
      V6,
      OWN_UP,
    );
    expect(down).toMatchObject({ verdict: "fail", probe: "documented-rewrite" });
    expect(down.summary).toMatch(
      /^finding contradicted, and worse: the documented job cannot scrape the IPv6 pod \(https:\/\/::1:15092\/stats\/prometheus DOWN: dial tcp/,
    );
    const gone = withDocumented(null);
    gone.droppedTargets.push({
      scrapePool: DOCUMENTED_JOB,
      discoveredLabels: { __meta_kubernetes_pod_ip: "::1" },
    });
    const dropped = judgeDocumentedRewrite(gone, V6, OWN_UP);
    expect(dropped).toMatchObject({ verdict: "fail", probe: "documented-rewrite" });
    expect(dropped.summary).toMatch(/drops the IPv6 pod ::1 \(never scraped\)/);
  });

  it("is not yet while the target is unscraped or undiscovered; another job's or pod's target never counts", () => {
    const unknown = judgeDocumentedRewrite(withDocumented({ health: "unknown" }), V6, OWN_UP);
    expect(unknown).toMatchObject({
      verdict: "fail",
      probe: "documented-rewrite",
      summary: `job ${DOCUMENTED_JOB}, pod lab/v6-0: not scraped yet`,
    });
    // Dropped targets of another job, of another pod IP, or with no labels are not this pod's;
    // an active target with no labels is no pod's.
    const others = withDocumented(null);
    others.activeTargets.push({ scrapePool: DOCUMENTED_JOB, scrapeUrl: "https://x", health: "up" });
    others.droppedTargets.push(
      { scrapePool: "istio-secure-merged-metrics", discoveredLabels: { __meta_kubernetes_pod_ip: "::1" } },
      { scrapePool: DOCUMENTED_JOB, discoveredLabels: { __meta_kubernetes_pod_ip: "fd00::9" } },
      { scrapePool: DOCUMENTED_JOB },
    );
    expect(judgeDocumentedRewrite(others, V6, OWN_UP).summary).toBe(
      `job ${DOCUMENTED_JOB}, pod lab/v6-0: not scraped yet (not discovered)`,
    );
    const absent = judgeDocumentedRewrite(withDocumented(null), V6, OWN_UP);
    expect(absent.summary).toBe(`job ${DOCUMENTED_JOB}, pod lab/v6-0: not scraped yet (not discovered)`);
    // The suite's own job has the pod UP too, and another namespace's pod of that name is not it.
    expect(
      judgeDocumentedRewrite(withDocumented({ scrapePool: "istio-secure-merged-metrics" }), V6, OWN_UP)
        .verdict,
    ).toBe("fail");
    expect(judgeDocumentedRewrite(REAL.data, { ...V6, namespace: "other" }, OWN_UP).verdict).toBe("fail");
    expect(judgeDocumentedRewrite(null, V6, OWN_UP).summary).toMatch(/not discovered/);
  });

  it("cannot tell on an IPv4 pod, or when the suite's own job does not have the pod UP", () => {
    const v4 = judgeDocumentedRewrite(
      REAL.data,
      { namespace: "lab", name: "v4-0", ip: "127.22.0.3" },
      OWN_UP,
    );
    expect(v4).toMatchObject({ verdict: "error", probe: "documented-rewrite" });
    expect(v4.summary).toMatch(/the pod's IP 127\.22\.0\.3 is not IPv6; this finding needs an IPv6 cell/);
    const ownDown = fail(
      "targets",
      "job istio-secure-merged-metrics, https://[::1]:15092/stats/prometheus is DOWN: x",
      ["lastError: x"],
    );
    const v = judgeDocumentedRewrite(REAL.data, V6, ownDown);
    expect(v).toMatchObject({ verdict: "error", probe: "documented-rewrite" });
    expect(v.summary).toMatch(/^the suite's own bracketed job does not have the pod UP \(.*is DOWN: x\)/);
    expect(v.evidence).toEqual(["lastError: x"]);
  });
});

describe("probeDocumentedRewrite", () => {
  const api = (
    answers: Awaited<ReturnType<PrometheusApi["get"]>>[],
  ): PrometheusApi & { calls: number; paths: string[] } => {
    const a = {
      calls: 0,
      paths: [] as string[],
      get: async (path: string) => {
        a.paths.push(path);
        return answers[Math.min(a.calls++, answers.length - 1)]!;
      },
    };
    return a;
  };
  const c = { consecutive: 2, timeout: { name: "targetsUp", ms: 2_000 }, intervalMs: 10 };

  it("converges on the real answer after a not-yet, and asks nothing when the answer cannot change", async () => {
    const a = api([
      { ok: true, data: withDocumented({ health: "unknown" }) },
      { ok: true, data: REAL.data },
    ]);
    const v = await probeDocumentedRewrite(a, V6, OWN_UP, c);
    expect(v.verdict).toBe("pass");
    expect(a.calls).toBe(3);
    expect(new Set(a.paths)).toEqual(new Set(["/api/v1/targets?state=any"]));
    const none = api([{ ok: true, data: REAL.data }]);
    expect((await probeDocumentedRewrite(none, { ...V6, ip: "10.0.0.5" }, OWN_UP, c)).verdict).toBe("error");
    expect((await probeDocumentedRewrite(none, V6, fail("targets", "down"), c)).verdict).toBe("error");
    expect(none.calls).toBe(0);
  });

  it("is an error when the API cannot be read", async () => {
    const v = await probeDocumentedRewrite(api([{ ok: false, problem: "connection refused" }]), V6, OWN_UP, {
      ...c,
      timeout: { name: "targetsUp", ms: 50 },
    });
    expect(v).toMatchObject({ verdict: "error", probe: "documented-rewrite" });
    expect(v.summary).toMatch(/Prometheus API unreachable: connection refused/);
  });
});
