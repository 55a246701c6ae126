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
const TWICE = "(Prometheus's text parser refuses the scrape)";

describe("payloadProblems", () => {
  it("passes Envoy's metrics on the Envoy port and the agent's merge on the merged port", () => {
    expect(payloadProblems(ENVOY, "envoy")).toEqual([]);
    expect(payloadProblems(`${ENVOY}${AGENT}`, "merged")).toEqual([]);
  });

  it("finds a family declared twice in the agent's merge, as Istio's own TestStats shows Prometheus refusing it", () => {
    const conflict = upstreamOutput("istio-agent-merged-conflict-1.31.0-rc.0.txt");
    expect(payloadProblems(`${ENVOY}${AGENT}${conflict}`, "merged")).toEqual([
      `family my_metric declared twice ${TWICE}`,
    ]);
    // The merge without a conflict has each family once.
    const merged = upstreamOutput("istio-agent-merged-1.31.0-rc.0.txt");
    expect(payloadProblems(`${ENVOY}${AGENT}${merged}`, "merged")).toEqual([]);
  });

  it("reads TYPE lines and sample names exactly: a comment is no sample, a name starts the line", () => {
    // A TYPE marker mid-line declares nothing; each family declared twice is named once.
    expect(payloadProblems(`${ENVOY}${AGENT}x # TYPE envoy_server_live gauge\n`, "merged")).toEqual([]);
    expect(payloadProblems(`${ENVOY}${AGENT}${ENVOY}${AGENT}${ENVOY}`, "merged")).toEqual([
      `family envoy_server_live, istio_requests_total, istio_agent_scrapes_total declared twice ${TWICE}`,
    ]);
    // Blank lines and comments are not samples: no envoy_ or istio_agent_ name is made up from them.
    expect(
      payloadProblems("# TYPE x gauge\n\n# envoy_server_live 1\n#istio_agent_up 1\nx 1\n", "merged"),
    ).toEqual(["no envoy_ metric", "no istio_agent_ metric: not the agent's merged output"]);
    // A sample's name is at the start of its line only.
    expect(payloadProblems('# TYPE x gauge\nx{l="envoy_a"} 1\n 1 envoy_b\n', "envoy")).toEqual([
      "no envoy_ metric",
    ]);
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
    // HELP lines are comments, not samples.
    expect(payloadProblems(`# HELP istio_agent_x help\n${ENVOY}`, "envoy")).toEqual([]);
  });
});

describe("probePayload", () => {
  const url = "https://10.0.0.5:15091/stats/prometheus";
  const tls = { ca: "/m/root-cert.pem", cert: "/m/cert-chain.pem", key: "/m/key.pem" };
  const scripted =
    (answers: Record<string, ProcessResult>): CommandRunner =>
    async (argv) =>
      answers[new URL(argv.at(-1)!).pathname] ?? curlAnswer("", 404);
  const probe = (answers: Record<string, ProcessResult>, kind: "envoy" | "merged" = "envoy") =>
    probePayload(scripted(answers), { url, kind, meshClient: tls, timeoutMs: 1_000 });
  const stats = (body: string) => ({ "/stats/prometheus": curlAnswer(body, 200) });

  it("passes when the port serves its metrics and answers 404 for the admin paths", async () => {
    const v = await probe(stats(ENVOY));
    expect(v).toEqual({
      probe: "payload",
      verdict: "pass",
      summary: `${url} serves the envoy port's metrics only, and no admin path`,
      evidence: [
        `${url}: HTTP 200`,
        "https://10.0.0.5:15091/config_dump: HTTP 404",
        "https://10.0.0.5:15091/clusters: HTTP 404",
      ],
    });
    // A refused admin path is as good as a 404, and so is a 403.
    const refused = await probe({
      ...stats(ENVOY),
      "/config_dump": curlFailure(56, "reset"),
      "/clusters": curlAnswer("", 403),
    });
    expect(refused.verdict).toBe("pass");
  });

  it("fails on an admin path served over mTLS, saying which, with what it saw", async () => {
    const v = await probe({ ...stats(ENVOY), "/config_dump": curlAnswer("{}", 200) });
    expect(v).toEqual({
      probe: "payload",
      verdict: "fail",
      summary: `${url} (envoy port): Envoy admin path /config_dump served on the secure port`,
      evidence: [
        `${url}: HTTP 200`,
        "https://10.0.0.5:15091/config_dump: HTTP 200",
        "https://10.0.0.5:15091/clusters: HTTP 404",
      ],
    });
    const both = await probe({
      ...stats(`${ENVOY}${AGENT}`),
      "/config_dump": curlAnswer("{}", 299),
      "/clusters": curlAnswer("{}", 200),
    });
    expect(both.summary).toBe(
      `${url} (envoy port): istio_agent_ metrics on the Envoy port: it serves the agent's merge; Envoy admin path /config_dump, /clusters served on the secure port`,
    );
    // A 300 is not the admin page: it cannot tell, never a failure.
    expect((await probe({ ...stats(ENVOY), "/clusters": curlAnswer("", 300) })).verdict).toBe("error");
  });

  it("cannot tell when the port does not answer 200, or an admin path answers something else", async () => {
    const down = await probe({ "/stats/prometheus": curlFailure(7, "curl: (7) Failed to connect") });
    expect(down).toEqual({
      probe: "payload",
      verdict: "error",
      summary: `could not read ${url} over mTLS (${url}: refused (curl: (7) Failed to connect))`,
      evidence: [`${url}: refused (curl: (7) Failed to connect)`],
    });
    const odd = await probe({ ...stats(ENVOY), "/clusters": curlAnswer("", 503) });
    expect(odd).toMatchObject({
      probe: "payload",
      verdict: "error",
      summary:
        "could not tell whether /clusters is served: https://10.0.0.5:15091/config_dump: HTTP 404; https://10.0.0.5:15091/clusters: HTTP 503",
    });
    expect(odd.evidence).toHaveLength(3);
    const two = await probe({
      ...stats(ENVOY),
      "/config_dump": curlAnswer("", 500),
      "/clusters": curlFailure(28, "timeout"),
    });
    expect(two.summary).toMatch(/^could not tell whether \/config_dump, \/clusters is served: /);
  });

  it("a payload problem is a failure even when an admin path could not tell", async () => {
    const v = await probe({ ...stats(`${ENVOY}${AGENT}`), "/clusters": curlAnswer("", 503) });
    expect(v).toMatchObject({ probe: "payload", verdict: "fail" });
    const twice = await probe(stats(`${ENVOY}${AGENT}${ENVOY}`), "merged");
    expect(twice.summary).toBe(
      `${url} (merged port): family envoy_server_live, istio_requests_total declared twice ${TWICE}`,
    );
  });
});
