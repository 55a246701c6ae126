import { describe, expect, it } from "vitest";
import { curlAnswer, curlFailure } from "../testing/curl-output.ts";
import { upstreamOutput } from "../testing/goldens.ts";
import type { CommandRunner, ProcessResult } from "./curl.ts";
import { payloadProblems, probePayload } from "./payload.ts";

// What the secure ports serve, judged on Istio's own outputs (the agent's merge in
// pilot-agent's TestStats @1.31.0-rc.0) and on scripted curl answers for each path.
const ENVOY =
  '# TYPE envoy_server_live gauge\nenvoy_server_live 1\n# TYPE istio_requests_total counter\nistio_requests_total{reporter="destination"} 7\n';
const AGENT = '# TYPE istio_agent_scrapes_total counter\nistio_agent_scrapes_total{type="envoy"} 3\n';

describe("payloadProblems", () => {
  it("passes Envoy's metrics on the Envoy port and the agent's merge on the merged port", () => {
    expect(payloadProblems(ENVOY, "envoy")).toEqual([]);
    expect(payloadProblems(`${ENVOY}${AGENT}`, "merged")).toEqual([]);
  });

  it("finds a family declared twice in the agent's merge, as Istio's own TestStats shows Prometheus refusing it", () => {
    const conflict = upstreamOutput("istio-agent-merged-conflict-1.31.0-rc.0.txt");
    expect(payloadProblems(`${ENVOY}${AGENT}${conflict}`, "merged")).toEqual([
      "family my_metric declared twice (Prometheus's text parser refuses the scrape)",
    ]);
    // The merge without a conflict has each family once.
    const merged = upstreamOutput("istio-agent-merged-1.31.0-rc.0.txt");
    expect(payloadProblems(`${ENVOY}${AGENT}${merged}`, "merged")).toEqual([]);
  });

  it("says what is wrong with the wrong port's payload, or with no payload at all", () => {
    expect(payloadProblems(`${ENVOY}${AGENT}`, "envoy")).toEqual([
      "istio_agent_ metrics on the Envoy port: it serves the agent's merge",
    ]);
    expect(payloadProblems(ENVOY, "merged")).toEqual([
      "no istio_agent_ metric: not the agent's merged output",
    ]);
    expect(payloadProblems(AGENT, "merged")).toEqual(["no envoy_ metric"]);
    expect(payloadProblems("<html>login</html>\n", "envoy")).toEqual([
      "no # TYPE line: not Prometheus exposition text",
      "no envoy_ metric",
    ]);
    // HELP and comments are not samples; a sample with labels is read by its name.
    expect(payloadProblems(`# HELP istio_agent_x help\n${ENVOY}`, "envoy")).toEqual([]);
  });
});

describe("probePayload", () => {
  const url = "https://10.0.0.5:15091/stats/prometheus";
  const tls = { ca: "/m/root-cert.pem", cert: "/m/cert-chain.pem", key: "/m/key.pem" };
  const scripted =
    (answers: Record<string, ProcessResult>): CommandRunner =>
    async (argv) => {
      const target = argv.at(-1)!;
      const path = new URL(target).pathname;
      return answers[path] ?? curlAnswer("", 404);
    };
  const probe = (answers: Record<string, ProcessResult>, kind: "envoy" | "merged" = "envoy") =>
    probePayload(scripted(answers), { url, kind, meshClient: tls, timeoutMs: 1_000 });

  it("passes when the port serves its metrics and answers 404 for the admin paths", async () => {
    const v = await probe({ "/stats/prometheus": curlAnswer(ENVOY, 200) });
    expect(v).toMatchObject({ probe: "payload", verdict: "pass" });
    expect(v.summary).toBe(`${url} serves the envoy port's metrics only, and no admin path`);
    expect(v.evidence).toEqual([
      `${url}: HTTP 200`,
      "https://10.0.0.5:15091/config_dump: HTTP 404",
      "https://10.0.0.5:15091/clusters: HTTP 404",
    ]);
    // A refused admin path is as good as a 404, and so is a 403.
    expect(
      (
        await probe({
          "/stats/prometheus": curlAnswer(ENVOY, 200),
          "/config_dump": curlFailure(56, "reset"),
          "/clusters": curlAnswer("", 403),
        })
      ).verdict,
    ).toBe("pass");
  });

  it("fails on an admin path served over mTLS, saying which", async () => {
    const v = await probe({
      "/stats/prometheus": curlAnswer(ENVOY, 200),
      "/config_dump": curlAnswer("{}", 200),
    });
    expect(v).toMatchObject({ verdict: "fail" });
    expect(v.summary).toBe(`${url} (envoy port): Envoy admin path /config_dump served on the secure port`);
  });

  it("cannot tell when the port does not answer 200, or an admin path answers something else", async () => {
    const down = await probe({ "/stats/prometheus": curlFailure(7, "curl: (7) Failed to connect") });
    expect(down).toMatchObject({ verdict: "error" });
    expect(down.summary).toMatch(
      /^could not read https:\/\/10\.0\.0\.5:15091\/stats\/prometheus over mTLS \(/,
    );
    const odd = await probe({
      "/stats/prometheus": curlAnswer(ENVOY, 200),
      "/clusters": curlAnswer("", 503),
    });
    expect(odd).toMatchObject({ verdict: "error" });
    expect(odd.summary).toMatch(/^could not tell whether \/clusters is served: /);
    const timeout = await probe({
      "/stats/prometheus": curlAnswer(ENVOY, 200),
      "/clusters": curlFailure(28, "timeout"),
    });
    expect(timeout.verdict).toBe("error");
  });

  it("a payload problem is a failure even when an admin path could not tell", async () => {
    const v = await probe({
      "/stats/prometheus": curlAnswer(`${ENVOY}${AGENT}`, 200),
      "/clusters": curlAnswer("", 503),
    });
    expect(v).toMatchObject({ verdict: "fail" });
  });
});
