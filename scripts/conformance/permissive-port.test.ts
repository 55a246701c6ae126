import { describe, expect, it } from "vitest";
import { parseCurl } from "../probes/curl.ts";
import { WRITE_OUT_MARK as MARK } from "../testing/curl-output.ts";
import { judgePermissivePort, type Seen } from "./permissive-port.ts";

// The PERMISSIVE-exception test's judgement on the outcomes curl gives for each of its requests.
const seen = (url: string, exitCode: number, stdout: string, stderr = ""): Seen => ({
  url,
  result: parseCurl({ exitCode, stdout, stderr }),
});
const OPEN = "http://10.0.0.7:9090/metrics";
const STRICT = "http://10.0.0.8:9090/metrics";
const MESH = "https://10.0.0.8:9090/metrics";
const ok = (url: string) => seen(url, 0, `app_up 1${MARK}200`);
const reset = seen(STRICT, 56, `${MARK}000`, "curl: (56) Recv failure: Connection reset by peer");

const PROBE = { probe: "permissive-port" };
const judge = (over: Partial<{ plainOpen: Seen; plainStrict: Seen; meshStrict: Seen }>) =>
  judgePermissivePort({ plainOpen: ok(OPEN), plainStrict: reset, meshStrict: ok(MESH), ...over });

describe("judgePermissivePort", () => {
  it("passes when the excepted port serves plaintext, the STRICT app resets it and answers mTLS", () => {
    const v = judge({});
    expect(v).toMatchObject({
      probe: "permissive-port",
      verdict: "pass",
      summary: "plaintext works on the excepted port only; the STRICT app refuses it",
    });
    expect(v.evidence).toEqual([
      `${OPEN}: HTTP 200`,
      `${STRICT}: rejected (curl: (56) Recv failure: Connection reset by peer)`,
      `${MESH}: HTTP 200`,
    ]);
  });

  it("fails when the exception does not let plaintext in", () => {
    const v = judge({ plainOpen: seen(OPEN, 56, `${MARK}000`, "curl: (56) reset") });
    expect(v).toMatchObject({ ...PROBE, verdict: "fail" });
    expect(v.summary).toMatch(
      /^the PERMISSIVE exception does not let a plaintext scrape in: http:\/\/10\.0\.0\.7/,
    );
    expect(judge({ plainOpen: seen(OPEN, 0, `x${MARK}403`) }).verdict).toBe("fail");
  });

  it("fails when the STRICT app serves plaintext: a 2xx, or metrics under any status", () => {
    expect(judge({ plainStrict: seen(STRICT, 0, `app_up 1${MARK}200`) })).toMatchObject({
      ...PROBE,
      verdict: "fail",
      summary: `the STRICT app also serves plaintext: ${STRICT}: HTTP 200`,
    });
    expect(judge({ plainStrict: seen(STRICT, 0, `# TYPE app_up gauge${MARK}500`) }).verdict).toBe("fail");
    // ...even when the mTLS request failed: a plaintext answer is the failure.
    expect(judge({ plainStrict: seen(STRICT, 0, `app_up 1${MARK}200`), meshStrict: reset }).verdict).toBe(
      "fail",
    );
  });

  it("cannot tell without the STRICT app shown alive over mTLS", () => {
    const v = judge({ meshStrict: seen(MESH, 7, `${MARK}000`, "curl: (7) Failed to connect") });
    expect(v).toMatchObject({ ...PROBE, verdict: "error" });
    expect(v.summary).toMatch(/^could not show the STRICT app alive over mTLS: https:\/\/10\.0\.0\.8/);
  });

  it.each([
    ["a timeout", seen(STRICT, 28, `${MARK}000`, "curl: (28) Operation timed out")],
    ["a 403", seen(STRICT, 0, `RBAC: access denied${MARK}403`)],
    ["a 404", seen(STRICT, 0, `not found${MARK}404`)],
    ["a refused TCP connect", seen(STRICT, 7, `${MARK}000`, "curl: (7) Failed to connect")],
  ])("never passes %s from the STRICT app: it cannot tell", (_what, plainStrict) => {
    const v = judge({ plainStrict });
    expect(v).toMatchObject({ ...PROBE, verdict: "error" });
    expect(v.summary).toMatch(
      /^could not tell whether the STRICT app refuses plaintext: http:\/\/10\.0\.0\.8/,
    );
  });

  it("passes Envoy's 503 upstream connect error from the STRICT app as a refusal", () => {
    const envoy = seen(
      STRICT,
      0,
      `upstream connect error or disconnect/reset before headers. reset reason: connection termination${MARK}503`,
    );
    expect(judge({ plainStrict: envoy }).verdict).toBe("pass");
  });
});
