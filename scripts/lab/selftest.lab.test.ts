import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { FAULTS } from "./faults.ts";

// `ssc selftest` as a user runs it: a real child process that starts a real Prometheus, real TLS
// endpoints and real curl, injects every fault of the catalog, and must leave nothing behind.
interface Outcome {
  probe: string;
  verdict: string;
  expected: string;
  summary: string;
}
interface Report {
  ok: boolean;
  curl: string;
  seconds: number;
  floorSeconds: number;
  processStartMs: number;
  subjects: { id: string; ok: boolean; catches?: string; outcomes: Outcome[] }[];
}

// What the catching probe must say: the cause, in words a user can act on.
const CAUSE: Record<string, RegExp> = {
  "secure-port-plaintext": /plain HTTP got HTTP 200 .*accepts clients outside the mesh/,
  "secure-port-also-plaintext": /plain HTTP got HTTP 200 .*accepts clients outside the mesh/,
  "identity-from-foreign-ca":
    /presents a certificate that does not chain to the mesh root: no signature leads from it to the mesh root \(issuer O=Lab Foreign, CN=Root CA\)/,
  "identity-via-workload-cert":
    /does not chain to the mesh root: the server certificate is signed by a certificate that is not a CA/,
  "envoy-port-serves-agent":
    /\(envoy port\): istio_agent_ metrics on the Envoy port: it serves the agent's merge/,
  "secure-port-serves-admin": /Envoy admin path \/config_dump, \/clusters served on the secure port/,
  "merged-family-twice": /\(merged port\): family envoy_server_live declared twice/,
  "agent-scrape-failures": /the agent counted failed scrapes: type envoy = 2/,
  "prometheus-scrapes-itself":
    /Prometheus scrapes itself: \d+ UP target\(s\) of the secure jobs are its own pod lab\/healthy-0/,
  "client-cert-optional": /without a client certificate got HTTP 200/,
  "foreign-ca-trusted": /foreign-CA client certificate got HTTP 200/,
  "wrong-server-identity":
    /presents spiffe:\/\/cluster\.local\/ns\/other\/sa\/other, not spiffe:\/\/cluster\.local\/ns\/lab\/sa\/wrong-server-identity/,
  "secure-envoy-port-not-annotated": /istio-secure-envoy-metrics.*dropped by relabelling/,
  "prometheus-without-client-certs": /DOWN: .*certificate required/,
  "hardening-off-15090": /reachable from another address: http:\/\/[\d.]+:15090/,
  "agent-answers-remote-15020": /reachable from another address: http:\/\/[\d.]+:15020/,
  "target-down": /did not get 200: .*Failed to connect/,
  "secure-route-missing": /did not get 200: HTTP 404/,
  "ambient-plaintext-series": /1 of 2 series .* lack connection_security_policy="mutual_tls"/,
  "listener-row-missing": /no listener on 15091/,
  "ztunnel-workload-tcp": /prometheus-\S+ is TCP, not HBONE/,
  // A frozen client either outlives its NotAfter within the watch or simply never rotates.
  "output-certs-not-rewritten":
    /the client certificate \(serial \w+\) was still in use at .*after its NotAfter|cert-chain.pem only 0 within rotation/,
  "rotation-scrape-outage":
    /lab\/rotating-outage-0 \(job istio-secure-\w+-metrics\): \d+ of \d+ scrape\(s\) failed while certificates rotated/,
};

let report: Report;
let exitCode: number | undefined;
let stderr: string;

beforeAll(async () => {
  const r = await execa(process.execPath, ["scripts/cli.ts", "selftest", "--format", "json"], {
    reject: false,
  });
  exitCode = r.exitCode;
  stderr = r.stderr;
  report = JSON.parse(r.stdout) as Report;
}, 120_000);

describe("ssc selftest", () => {
  it("exits 0 with a healthy lab where every probe passes", () => {
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    // The lab's curl is recorded, and is the probe client's or newer.
    expect(report.curl).toMatch(/^curl (7\.(8[89]|9\d)|[89]\.\d+)\.\d+ /);
    const healthy = report.subjects.find((s) => s.id === "healthy")!;
    expect(healthy.outcomes.length).toBeGreaterThanOrEqual(12);
    expect(healthy.outcomes.filter((o) => o.verdict !== "pass")).toEqual([]);
    // The IPv6 pod at [::1] passes every pod probe too, through bracketed URLs and jobs.
    const v6 = report.subjects.find((s) => s.id === "healthy-ipv6")!;
    expect(v6.outcomes.map((o) => o.probe)).toEqual(
      expect.arrayContaining(["mtls", "identity", "targets-merged"]),
    );
    expect(v6.outcomes.filter((o) => o.verdict !== "pass")).toEqual([]);
    expect(v6.outcomes[0]!.summary).toContain("https://[::1]:");
  });

  it("sizes its budgets, and so its floor, by this machine's process start", () => {
    const scale = Math.min(3, Math.max(1, report.processStartMs / 12));
    expect(report.processStartMs).toBeGreaterThan(0);
    expect(report.floorSeconds).toBeCloseTo((12 * scale * 1000) / 1000, 1);
  });

  it("catches every fault of the catalog (at least 10), with no other probe false-failing", () => {
    // Faults name the probe that catches them; the healthy subjects do not.
    const faults = report.subjects.filter((s) => s.catches !== undefined);
    expect(faults.map((f) => f.id)).toEqual(FAULTS.map((f) => f.id));
    expect(faults.length).toBeGreaterThanOrEqual(10);
    for (const f of faults) {
      // The outcomes first: when a fault is missed, the probe and its verdict say why.
      expect(
        f.outcomes.filter((o) => o.verdict !== o.expected),
        f.id,
      ).toEqual([]);
      expect(f.ok, f.id).toBe(true);
    }
  });

  it.each(Object.entries(CAUSE))("names the cause of %s", (id, cause) => {
    const f = report.subjects.find((s) => s.id === id)!;
    const catching = f.outcomes.find((o) => o.probe === f.catches)!;
    expect(catching.verdict).toBe("fail");
    expect(catching.summary).toMatch(cause);
  });

  it("never lets a dead target pass a rejection probe", () => {
    const down = report.subjects.find((s) => s.id === "target-down")!;
    for (const p of ["plaintext", "no-cert", "foreign-ca", "localhost-only"]) {
      expect(down.outcomes.find((o) => o.probe === p)!.verdict).toBe("error");
    }
  });

  it("stays within 2x its floor (the goal is 1.25x; npm run bench prints the figure)", () => {
    expect(report.seconds).toBeLessThan(report.floorSeconds * 2);
  });

  it("leaves no process and no key material behind", async () => {
    const ps = await execa("ps", ["-eo", "args"]);
    expect(ps.stdout.split("\n").filter((l) => l.includes("ssc-lab-"))).toEqual([]);
    const tmp = await execa("sh", ["-c", 'ls -d "${TMPDIR:-/tmp}"/ssc-lab-* 2>/dev/null || true']);
    expect(tmp.stdout.trim()).toBe("");
  });
});
