import { describe, expect, it } from "vitest";
import { tabwrite } from "../lab/golden.ts";
import { parseCurl } from "../probes/curl.ts";
import { WRITE_OUT_MARK as MARK } from "../testing/curl-output.ts";
import { upstreamOutput } from "../testing/goldens.ts";
import {
  DOCS_PATH_PREDICTION,
  judgeDocsPathListeners,
  judgeStrictScrape,
  STRICT_PREDICTION,
} from "./findings.ts";

// The STRICT finding can disagree with the facts it records: only the predicted rejections pass.
const url = "https://10.0.0.5:15092/stats/prometheus";
const curl = (exitCode: number, stdout: string, stderr = "") => parseCurl({ exitCode, stdout, stderr });

describe("judgeStrictScrape", () => {
  it.each([
    [
      "a session closed after the handshake (curl 52)",
      curl(52, `${MARK}000`, "curl: (52) Empty reply from server"),
    ],
    [
      "a receive failure after the handshake (curl 56)",
      curl(56, `${MARK}000`, "curl: (56) OpenSSL SSL_read: unexpected eof"),
    ],
    [
      "Envoy's 503 upstream connect error",
      curl(
        0,
        `upstream connect error or disconnect/reset before headers. reset reason: connection termination${MARK}503`,
      ),
    ],
  ])("confirms the prediction on %s", (_what, r) => {
    const v = judgeStrictScrape(url, r);
    expect(v).toMatchObject({ probe: "strict", verdict: "pass" });
    expect(v.summary).toMatch(/^as predicted, under STRICT the sidecar terminates/);
    expect(v.summary).toContain(`as predicted, ${STRICT_PREDICTION} (seen: `);
    expect(v.evidence).toHaveLength(1);
    expect(v.evidence[0]).toContain(url);
  });

  it.each([
    ["a 200", curl(0, `# metrics${MARK}200`), /answers 200 under STRICT/],
    [
      "a handshake failure (curl 35)",
      curl(35, `${MARK}000`, "curl: (35) alert"),
      /a different outcome than predicted/,
    ],
    ["a 403", curl(0, `RBAC: access denied${MARK}403`), /a different outcome than predicted: .*HTTP 403/],
    ["a 503 of another kind", curl(0, `no healthy upstream${MARK}503`), /different outcome/],
    [
      "the upstream connect error text under a 502",
      curl(0, `upstream connect error or disconnect/reset before headers${MARK}502`),
      /a different outcome than predicted: .*HTTP 502/,
    ],
    [
      "the upstream connect error text under a 200",
      curl(0, `upstream connect error or disconnect/reset before headers${MARK}200`),
      /answers 200 under STRICT/,
    ],
    [
      "a refused connection (curl 7)",
      curl(7, `${MARK}000`, "curl: (7) Failed to connect"),
      /a different outcome than predicted: .*Failed to connect/,
    ],
  ])("contradicts it on %s", (_what, r, message) => {
    const v = judgeStrictScrape(url, r);
    expect(v).toMatchObject({ probe: "strict", verdict: "fail" });
    expect(v.summary).toContain(`; predicted: ${STRICT_PREDICTION}`);
    expect(v.evidence).toHaveLength(1);
    expect(v.summary).toMatch(/^finding contradicted: /);
    expect(v.summary).toMatch(message);
  });
  it.each([
    ["a timeout (curl 28)", curl(28, `${MARK}000`, "curl: (28) Operation timed out"), "timeout"],
    [
      "a client-side error (curl 6)",
      curl(6, `${MARK}000`, "curl: (6) Could not resolve host"),
      "client-error",
    ],
  ])("cannot tell on %s: an error, never a confirmation nor a contradiction", (_what, r, outcome) => {
    const v = judgeStrictScrape(url, r);
    expect(v).toMatchObject({ probe: "strict", verdict: "error" });
    expect(v.summary).toBe(`could not tell whether the finding holds: ${url}: ${outcome} (${r.message})`);
    expect(v.evidence).toEqual([`${url}: ${outcome} (${r.message})`]);
  });
});

describe("judgeDocsPathListeners", () => {
  // Istio's own golden of `istioctl proxy-config all`: a proxy without secure listeners (its
  // provenance line removed: it names the columns and would be taken for the header).
  const golden = upstreamOutput("istioctl-pc-all-1.31.0-rc.0.txt");
  const gateway = (ports: string[]) =>
    tabwrite([
      ["ADDRESSES", "PORT", "MATCH", "DESTINATION"],
      ["0.0.0.0", "15090", "ALL", "Inline Route: /stats/prometheus*"],
      ["0.0.0.0", "15021", "ALL", "Inline Route: /healthz/ready*"],
      ...ports.map((p) => ["0.0.0.0", p, "Trans: tls", "Inline Route: /stats/prometheus*"]),
    ]);

  it("states its prediction: no secure listener from the annotation path, use a ProxyConfig", () => {
    expect(DOCS_PATH_PREDICTION).toMatch(
      /spec\.infrastructure\.annotations proxy\.istio\.io\/config\) creates no secure listener/,
    );
    expect(DOCS_PATH_PREDICTION).toMatch(/use a ProxyConfig$/);
  });

  it("confirms the prediction when no secure listener exists", () => {
    expect(judgeDocsPathListeners(golden)).toEqual({
      probe: "listeners",
      verdict: "pass",
      summary: `as predicted, ${DOCS_PATH_PREDICTION}`,
      evidence: [],
    });
    expect(judgeDocsPathListeners(gateway([])).verdict).toBe("pass");
  });

  it("contradicts it, naming the ports, when the docs' path did create secure listeners", () => {
    expect(judgeDocsPathListeners(gateway(["15091", "15092"]))).toMatchObject({
      probe: "listeners",
      verdict: "fail",
      summary: `finding contradicted: the docs' Gateway API path created listeners on 15091, 15092; predicted: ${DOCS_PATH_PREDICTION}`,
    });
    expect(judgeDocsPathListeners(gateway(["15092"])).summary).toMatch(/created listeners on 15092;/);
  });

  it("cannot tell from a table without the gateway's 15021 readiness listener (empty or partial)", () => {
    const rows = (ports: string[]) =>
      tabwrite([
        ["ADDRESSES", "PORT", "MATCH", "DESTINATION"],
        ...ports.map((p) => ["0.0.0.0", p, "ALL", "Inline Route: /stats/prometheus*"]),
      ]);
    for (const table of [rows([]), rows(["15090"])]) {
      expect(judgeDocsPathListeners(table)).toEqual({
        probe: "listeners",
        verdict: "error",
        summary:
          "the docs gateway's listener table has no 15021 readiness listener: it is not a running gateway's table, so the absence of 15091/15092 proves nothing",
        evidence: [],
      });
    }
  });

  it("cannot tell from output that is not a listener table", () => {
    expect(judgeDocsPathListeners('Error: pods "docs-gateway" not found')).toEqual({
      probe: "listeners",
      verdict: "error",
      summary:
        "cannot read the docs gateway's listeners: no header with columns ADDRESSES, PORT, MATCH, DESTINATION",
      evidence: [],
    });
  });
});
