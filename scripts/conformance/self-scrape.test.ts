import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PrometheusApi } from "../probes/prometheus.ts";
import { judgeSelfScrape, probeSelfScrape, scrapeHost } from "./self-scrape.ts";

// Prometheus 2.42's real /api/v1/targets answer from the lab (see documented-rewrite.test.ts).
const REAL = JSON.parse(
  readFileSync(new URL("./testdata/prometheus-2.42-targets-ipv6.json", import.meta.url), "utf8"),
) as { data: { activeTargets: Record<string, unknown>[] } };
const JOBS = ["istio-secure-merged-metrics", "istio-secure-merged-metrics-as-documented"];
const ELSEWHERE = { namespace: "ssc-prometheus", name: "prometheus-7c9-x", ips: ["10.244.0.9", "fd00::9"] };

describe("scrapeHost", () => {
  it.each([
    ["https://10.0.0.5:15092/stats/prometheus", "10.0.0.5"],
    ["https://[fd00::5]:15092/stats/prometheus", "fd00::5"],
    ["https://::1:15092/stats/prometheus", "::1"],
    ["http://host.example:80", "host.example"],
  ])("%s is %s", (url, host) => expect(scrapeHost(url)).toBe(host));
});

describe("judgeSelfScrape on Prometheus 2.42's real answer", () => {
  it("passes when no UP target of the jobs is Prometheus's pod", () => {
    const v = judgeSelfScrape(REAL.data, ELSEWHERE, JOBS);
    expect(v).toMatchObject({ verdict: "pass", probe: "self-scrape" });
    expect(v.summary).toBe(
      `none of the 4 UP target(s) of ${JOBS.join(", ")} is Prometheus's own pod ssc-prometheus/prometheus-7c9-x (10.244.0.9, fd00::9)`,
    );
  });

  it("fails when Prometheus's own pod is an UP target, found by its pod label or by its IP (bracketed or bare)", () => {
    const byLabel = judgeSelfScrape(REAL.data, { namespace: "lab", name: "v4-0", ips: ["10.9.9.9"] }, JOBS);
    expect(byLabel).toMatchObject({ verdict: "fail", probe: "self-scrape" });
    expect(byLabel.summary).toMatch(
      /^Prometheus scrapes itself: 2 UP target\(s\) of the secure jobs are its own pod lab\/v4-0/,
    );
    expect(byLabel.evidence).toEqual([
      "istio-secure-merged-metrics https://127.22.0.3:15092/stats/prometheus (pod lab/v4-0)",
      "istio-secure-merged-metrics-as-documented https://127.22.0.3:15092/stats/prometheus (pod lab/v4-0)",
    ]);
    // The IPv6 pod by IP only: once bracketed (the suite's job), once bare (the sample's rewrite).
    const byIp = judgeSelfScrape(REAL.data, { namespace: "ssc-prometheus", name: "p", ips: ["::1"] }, JOBS);
    expect(byIp.verdict).toBe("fail");
    expect(byIp.evidence).toEqual([
      "istio-secure-merged-metrics https://[::1]:15092/stats/prometheus (pod lab/v6-0)",
      "istio-secure-merged-metrics-as-documented https://::1:15092/stats/prometheus (pod lab/v6-0)",
    ]);
    // A pod of that name in another namespace is not Prometheus's.
    expect(judgeSelfScrape(REAL.data, { namespace: "other", name: "v4-0", ips: [] }, JOBS).verdict).toBe(
      "pass",
    );
  });

  it("looks only at UP targets of the given jobs; none at all cannot tell", () => {
    const me = { namespace: "lab", name: "v4-0", ips: ["127.22.0.3"] };
    const none = judgeSelfScrape(REAL.data, me, ["istio-secure-envoy-metrics"]);
    expect(none.verdict).toBe("error");
    expect(none.probe).toBe("self-scrape");
    expect(none.summary).toBe(
      "no UP target in istio-secure-envoy-metrics: whether Prometheus scrapes itself cannot be told",
    );
    const down = structuredClone(REAL.data);
    for (const t of down.activeTargets) t.health = "down";
    expect(judgeSelfScrape(down, me, JOBS).summary).toBe(
      `no UP target in ${JOBS[0]}, ${JOBS[1]}: whether Prometheus scrapes itself cannot be told`,
    );
    expect(judgeSelfScrape(null, me, JOBS).verdict).toBe("error");
    // A target with no pool or no labels is no job's and no pod's.
    const odd = { activeTargets: [{ scrapeUrl: "https://127.22.0.3:15092/", health: "up" }] };
    expect(judgeSelfScrape(odd, me, JOBS).verdict).toBe("error");
    const unlabelled = {
      activeTargets: [{ scrapePool: JOBS[0], scrapeUrl: "https://10.1.1.1:15092/", health: "up" }],
    };
    expect(judgeSelfScrape(unlabelled, me, JOBS).verdict).toBe("pass");
    // By IP alone, a target with no labels is still Prometheus's own.
    const atMe = judgeSelfScrape(unlabelled, { ...me, ips: ["10.1.1.1"] }, JOBS);
    expect(atMe.verdict).toBe("fail");
    expect(atMe.evidence).toEqual([`${JOBS[0]} https://10.1.1.1:15092/`]);
  });
});

describe("probeSelfScrape", () => {
  it("reads the active targets until the judgement holds, and is an error when the API cannot be read", async () => {
    const paths: string[] = [];
    const api: PrometheusApi = {
      get: async (path) => {
        paths.push(path);
        return { ok: true, data: REAL.data };
      },
    };
    const c = { consecutive: 2, timeout: { name: "consistency", ms: 2_000 }, intervalMs: 5 };
    expect((await probeSelfScrape(api, ELSEWHERE, JOBS, c)).verdict).toBe("pass");
    expect(new Set(paths)).toEqual(new Set(["/api/v1/targets?state=active"]));
    const down: PrometheusApi = { get: async () => ({ ok: false, problem: "connection refused" }) };
    const v = await probeSelfScrape(down, ELSEWHERE, JOBS, {
      ...c,
      timeout: { name: "consistency", ms: 30 },
    });
    expect(v).toMatchObject({ verdict: "error", probe: "self-scrape" });
    expect(v.summary).toMatch(/Prometheus API unreachable: connection refused/);
  });
});
