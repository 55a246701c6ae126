import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECURE_JOBS, statsUrl } from "../conformance/checks.ts";
import type { PodInfo } from "../conformance/context.ts";
import { probeScrapeOrigin } from "../conformance/scrape-origin.ts";
import type { Convergence } from "../probes/converge.ts";
import { probeTarget, prometheusApi } from "../probes/prometheus.ts";
import { localRunner } from "../probes/runners.ts";
import { PORTS } from "../render/scenarios.ts";
import { LAB_NAMESPACE, type Lab, startLab } from "./lab.ts";

// The scrape-origin probe's two queries (the target's last UP scrape time, and the workloads its
// stored request series name) on a real Prometheus, Debian's, which the lab starts. The lab's pods
// answer their own scrapes, so what the envoy job stored names their own namespace; a namespace
// that served none of it is told apart only once a scrape newer than the first look is in. The
// selftest's fault scrape-answered-by-another-envoy is the same check on a pod serving another
// Envoy's stats.
let lab: Lab;
let api: ReturnType<typeof prometheusApi>;
let target: { job: string; instance: string };
beforeAll(async () => {
  lab = await startLab({ pods: [{ name: "httpbin" }] });
  api = prometheusApi(localRunner, lab.prometheus.url, lab.timeouts.request);
  const pod = lab.pods.httpbin!;
  target = { job: SECURE_JOBS.envoy, instance: `${pod.ip}:${PORTS.secureEnvoy}` };
  const up = await probeTarget(
    api,
    { job: SECURE_JOBS.envoy, scrapeUrl: statsUrl({ ip: pod.ip } as PodInfo, PORTS.secureEnvoy) },
    within("targetsUp", lab.timeouts.targetsUp),
  );
  expect(up.verdict, up.summary).toBe("pass");
}, 120_000);
afterAll(async () => lab?.dispose());

function within(name: string, ms: number): Convergence {
  return { consecutive: 1, timeout: { name, ms }, intervalMs: lab.scrapeIntervalMs / 2 };
}

describe("the scrape-origin probe on a real Prometheus", () => {
  it("finds the pod's own requests in what the envoy job stored", async () => {
    const v = await probeScrapeOrigin(
      api,
      target,
      { namespace: LAB_NAMESPACE, requests: 1 },
      within("promql", lab.timeouts.promql),
    );
    expect(v.verdict, v.summary).toBe("pass");
    expect(v.summary).toMatch(
      /^job istio-secure-envoy-metrics, instance .* serves the workload's own metrics/,
    );
    expect(v.evidence[0]).toBe(`destination workloads in the payload: ${LAB_NAMESPACE}/httpbin`);
  }, 60_000);

  it("fails for a namespace whose requests are not in it, once a scrape newer than the first look is in", async () => {
    const started = Date.now();
    // A failure is "not yet" until the deadline, as every failure is: a few scrapes' worth.
    const v = await probeScrapeOrigin(
      api,
      target,
      { namespace: "ssc-native", requests: 3 },
      within("promql", lab.scrapeIntervalMs * 4),
    );
    expect(v.verdict, v.summary).toBe("fail");
    expect(v.summary).toMatch(
      new RegExp(
        `is UP, yet \\d+ scrape\\(s\\) made after the workload served 3 request\\(s\\) carry none of them: another Envoy answered \\(${LAB_NAMESPACE}/httpbin\\)`,
      ),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(lab.scrapeIntervalMs);
  }, 60_000);
});
