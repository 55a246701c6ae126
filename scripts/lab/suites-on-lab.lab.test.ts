import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmbientNamespaceSidecarSecureScrape } from "../../suites/ambient.conformance.ts";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import {
  HardenedPlaintextPortsLocalOnly,
  HardenedSecureTargetsUp,
} from "../../suites/hardened.conformance.ts";
import { DocumentedAddressRewriteOnIpv6 } from "../../suites/ip-family.conformance.ts";
import { MetricsMergingOptOut } from "../../suites/metrics-merging.conformance.ts";
import { CertificateRotationContinuity } from "../../suites/rotation.conformance.ts";
import {
  SecurePortAdmitsAnyMeshIdentity,
  SecurePortRejectsForeignCa,
  SecurePortRejectsNoClientCert,
  SecurePortRejectsPlaintext,
  SecurePortServesWorkloadIdentity,
} from "../../suites/secure-port-negative.conformance.ts";
import {
  MergedScrapeAgentCountsNoFailure,
  PrometheusClientCertificates,
  PrometheusSecureTargetsUp,
  SecureJobsDoNotScrapePrometheus,
  SecurePortAutoAnnotation,
  SecurePortPayload,
  SidecarInjectedAndReady,
  SidecarSecureListeners,
  SidecarSecureScrapeMtls,
} from "../../suites/sidecar-secure-metrics.conformance.ts";
import { SecureMergedScrapeUnderStrictMitigated } from "../../suites/strict-mtls.conformance.ts";
import { thrownVerdict } from "../conformance/checks.ts";
import type { ProcessResult } from "../probes/curl.ts";
import type { Verdict } from "../probes/verdict.ts";
import type { ConformanceTest } from "../registry/define.ts";
import {
  AMBIENT_SIDECAR_APP,
  ROTATION_NAMESPACE,
  STRICT_MITIGATED,
  UNMERGED_APP,
} from "../render/scenarios.ts";
import { statusOf, type TestStatus } from "../report/model.ts";
import { FAULTS } from "./faults.ts";
import { SIDECAR_LISTENER_ROWS_UNHARDENED, tabwrite } from "./golden.ts";
import { type Lab, startLab } from "./lab.ts";
import { labCellContext } from "./lab-context.ts";

// The conformance suites' own test bodies, run against the lab through the cell interface: a
// healthy pod passes each of them, and each fails (not errors) on the lab faults it exists to
// catch. This proves the bodies' composition (pods, ports, jobs, identities, expectations) can
// fail, with real TLS, real curl and a real Prometheus. It is not a live run: the lab is not Istio.

const NATIVE = "ssc-native app=httpbin";
/** A pod outside the fault catalog (selftest has no annotation probe): no secure-port annotation. */
const UNANNOTATED = "secure-port-unannotated";
const HARDENED = "ssc-hardened app=httpbin";

interface Case {
  test: ConformanceTest;
  /** The `t.pod` lookup the body makes. */
  pod: string;
  /** Lab pods with a fault (FAULTS ids and UNANNOTATED) on which the body must fail. */
  failsOn: string[];
}

const CASES: Case[] = [
  // Its faults are in the client files, not a pod: tested below with each broken set.
  { test: PrometheusClientCertificates, pod: NATIVE, failsOn: [] },
  { test: SidecarInjectedAndReady, pod: NATIVE, failsOn: ["sidecar-not-injected"] },
  { test: SidecarSecureScrapeMtls, pod: NATIVE, failsOn: ["secure-route-missing", "target-down"] },
  { test: SecurePortAutoAnnotation, pod: NATIVE, failsOn: [UNANNOTATED] },
  {
    test: PrometheusSecureTargetsUp,
    pod: NATIVE,
    failsOn: ["secure-envoy-port-not-annotated", "secure-route-missing", "target-down"],
  },
  {
    test: SecurePortRejectsPlaintext,
    pod: NATIVE,
    failsOn: ["secure-port-plaintext", "secure-port-also-plaintext"],
  },
  { test: SecurePortRejectsNoClientCert, pod: NATIVE, failsOn: ["client-cert-optional"] },
  { test: SecurePortRejectsForeignCa, pod: NATIVE, failsOn: ["foreign-ca-trusted", "client-cert-optional"] },
  {
    test: SecurePortServesWorkloadIdentity,
    pod: NATIVE,
    failsOn: ["wrong-server-identity", "identity-from-foreign-ca", "identity-via-workload-cert"],
  },
  // A finding: it passes when any mesh identity gets in, and fails (contradicted) on a SAN check.
  { test: SecurePortAdmitsAnyMeshIdentity, pod: NATIVE, failsOn: ["secure-port-checks-client-identity"] },
  {
    test: SecurePortPayload,
    pod: NATIVE,
    failsOn: ["envoy-port-serves-agent", "secure-port-serves-admin", "merged-family-twice"],
  },
  {
    test: MergedScrapeAgentCountsNoFailure,
    pod: NATIVE,
    failsOn: ["agent-scrape-failures"],
  },
  {
    test: HardenedPlaintextPortsLocalOnly,
    pod: HARDENED,
    failsOn: ["hardening-off-15090", "agent-answers-remote-15020"],
  },
  // A sidecar pod in the ambient namespace: the lab's pod is its sidecar; not injected is a failure.
  {
    test: AmbientNamespaceSidecarSecureScrape,
    pod: `ssc-ambient app=${AMBIENT_SIDECAR_APP}`,
    failsOn: ["sidecar-not-injected", "secure-route-missing", "target-down"],
  },
  // The lab's pods are hardened unless a fault says otherwise: the healthy one is the subject.
  {
    test: HardenedSecureTargetsUp,
    pod: HARDENED,
    failsOn: ["secure-envoy-port-not-annotated", "secure-route-missing", "target-down"],
  },
];

// Features whose tests the lab can serve: native secure ports on a sidecar, and their negatives.
// Not UpstreamSamples: Istio's sample Prometheus, unchanged, discovers pods through
// kubernetes_sd_configs, which Debian's Prometheus lacks (lab-notes.md). Its probes (targets UP,
// self-scrape) are the ones the lab's faults already prove, under the suite's own jobs.
const LAB_FEATURES = new Set([
  "SidecarSecureMetrics",
  "PrometheusSecureJobs",
  "SecureScrapeNegative",
  "WorkloadIdentity",
  "HardenedMetrics",
  "CertificateRotation",
]);

// istioctl from Istio's goldens: the sidecar's table without hardening, with 15090 on 0.0.0.0.
const LISTENERS = SIDECAR_LISTENER_ROWS_UNHARDENED;
const istioctl =
  (rows: readonly (readonly string[])[]) =>
  (args: readonly string[]): ProcessResult =>
    args[0] === "proxy-config" && args[1] === "listeners"
      ? { exitCode: 0, stdout: tabwrite(rows), stderr: "" }
      : { exitCode: 1, stdout: "", stderr: `unexpected istioctl ${args.join(" ")}` };

const podFaults = FAULTS.filter((f) => f.pod);
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({
    pods: [
      { name: "healthy", hardened: true },
      { name: UNANNOTATED, withoutSecurePortAnnotation: true },
      // The secure Prometheus's pod as discovery sees it: no secure-port annotations, no servers.
      { name: "prometheus", withoutSecurePortAnnotation: true, withoutSecureEnvoyPort: true, down: true },
      // Pods opting out of merging, unhardened so their 15020 answers: honoured, and ignored.
      { name: "unmerged", hardened: false, mergeOptOut: "honoured" },
      { name: "unmerged-ignored", hardened: false, mergeOptOut: "ignored" },
      ...podFaults.map((f) => ({ name: f.id, ...f.pod })),
    ],
    scrapeInterval: "1s",
  });
}, 60_000);

afterAll(() => lab?.dispose());

async function statusWith(
  c: Case,
  podName: string,
  rows = LISTENERS,
): Promise<{ status: TestStatus; why: string }> {
  const t = labCellContext(lab, { pods: { [c.pod]: podName }, istioctl: istioctl(rows) });
  // As the cell's runner does: a body that throws is one error verdict saying why.
  const verdicts = await c.test.run!(t).then(
    (o) => o.verdicts,
    (e: unknown) => [thrownVerdict(c.test.id, e)],
  );
  return { status: statusOf(verdicts), why: verdicts.map((v) => `${v.verdict}: ${v.summary}`).join(" | ") };
}

describe("the suites' bodies on the lab", () => {
  it("cover every lab-served test of the catalog that runs in native cells", () => {
    const served = CONFORMANCE_TESTS.filter(
      (t) => t.run && t.scenarios.native && t.features.every((f) => LAB_FEATURES.has(f)),
    ).map((t) => t.id);
    // MergedScrapeAgentCountsNoFailure is served too: its MetricsMerging is the agent's own
    // counters, which the lab's pods write, not an app's metrics. So is
    // AmbientNamespaceSidecarSecureScrape: its subject is a sidecar pod, whatever the namespace.
    expect(
      [
        ...CASES.map((c) => c.test.id),
        SidecarSecureListeners.id,
        DocumentedAddressRewriteOnIpv6.id,
        SecureJobsDoNotScrapePrometheus.id,
        CertificateRotationContinuity.id,
      ].sort(),
    ).toEqual(
      [...served, MergedScrapeAgentCountsNoFailure.id, AmbientNamespaceSidecarSecureScrape.id].sort(),
    );
  });

  it.concurrent.each(CASES.map((c) => [c.test.id, c] as const))(
    "%s passes on a healthy pod",
    async (_id, c) => {
      const r = await statusWith(c, "healthy");
      expect(r.status, r.why).toBe("passed");
    },
  );

  const faultCases = CASES.flatMap((c) => c.failsOn.map((f) => [c.test.id, f, c] as const));
  it.concurrent.each(faultCases)("%s fails on %s", async (_id, fault, c) => {
    const r = await statusWith(c, fault);
    expect(r.status, r.why).toBe("failed");
  });

  it.concurrent.each(["wrong-identity", "not-chaining", "key-missing"] as const)(
    "with the secure Prometheus's certificate files broken (%s), the precondition fails and every test scraping with them is an error naming it",
    async (broken) => {
      // One cell: its precondition is judged once (it waits out its budget), as in a run.
      const cell = labCellContext(lab, {
        pods: { [NATIVE]: "healthy", [HARDENED]: "healthy" },
        istioctl: istioctl(LISTENERS),
        meshClient: lab.brokenClients[broken],
      });
      const t = () => cell;
      const pre = await PrometheusClientCertificates.run!(t());
      expect(statusOf(pre.verdicts)).toBe("failed");
      for (const test of [
        SidecarSecureScrapeMtls,
        PrometheusSecureTargetsUp,
        SecurePortPayload,
        SecurePortRejectsPlaintext,
      ]) {
        let verdicts: Verdict[];
        try {
          verdicts = (await test.run!(t())).verdicts;
        } catch (e) {
          verdicts = [thrownVerdict(test.id, e)];
        }
        expect(statusOf(verdicts), test.id).toBe("errored");
        expect(verdicts[0]!.summary).toMatch(
          /^precondition failed: .*cert-chain\.pem|^precondition failed: .*key\.pem/,
        );
      }
    },
  );

  it.concurrent.each(
    CASES.filter(
      (c) =>
        c.pod === NATIVE && c.test !== SidecarInjectedAndReady && c.test !== PrometheusClientCertificates,
    ),
  )("on a pod without istio-proxy, $test.id is an error naming the sidecar precondition", async (c) => {
    const r = await statusWith(c, "sidecar-not-injected");
    expect(r.status, r.why).toBe("errored");
    expect(r.why).toMatch(/precondition failed: lab\/sidecar-not-injected-0 has no istio-proxy sidecar/);
  });

  it("SecureJobsDoNotScrapePrometheus passes while Prometheus's pod is not a target, and fails once it is one", async () => {
    const c: Case = {
      test: SecureJobsDoNotScrapePrometheus,
      pod: "ssc-prometheus app=prometheus",
      failsOn: [],
    };
    const ok = await statusWith(c, "prometheus");
    expect(ok.status, ok.why).toBe("passed");
    const self = await statusWith(c, "healthy");
    expect(self.status, self.why).toBe("failed");
    expect(self.why).toMatch(
      /Prometheus scrapes itself: 3 UP target\(s\) of the secure jobs are its own pod lab\/healthy-0/,
    );
  });

  it("DocumentedAddressRewriteOnIpv6 cannot tell on an IPv4 pod (an error, never a pass)", async () => {
    const c: Case = { test: DocumentedAddressRewriteOnIpv6, pod: NATIVE, failsOn: [] };
    const r = await statusWith(c, "healthy");
    expect(r.status, r.why).toBe("errored");
    expect(r.why).toMatch(/is not IPv6; this finding needs an IPv6 cell/);
  });

  it("SecureMergedScrapeUnderStrictMitigated passes with both pods merged behind 15092, and fails when one merges no app metrics", async () => {
    const run = async (excluded: string, permissive: string) => {
      const t = labCellContext(lab, {
        pods: {
          [`ssc-strict app=${STRICT_MITIGATED.excluded}`]: excluded,
          [`ssc-strict app=${STRICT_MITIGATED.permissive}`]: permissive,
        },
      });
      const verdicts = await SecureMergedScrapeUnderStrictMitigated.run!(t).then(
        (o) => o.verdicts,
        (e: unknown) => [thrownVerdict("mitigated", e)],
      );
      return { status: statusOf(verdicts), verdicts };
    };
    // The three cells at once; each fault case waits out a budget (up to 36 s at x3) under load.
    const [ok, lost, down] = await Promise.all([
      run("healthy", "healthy"),
      run("healthy", "app-not-merged"),
      run("target-down", "healthy"),
    ]);
    expect(ok.status, ok.verdicts.map((v) => v.summary).join(" | ")).toBe("passed");
    // Two verdicts per pod: its merged target UP, and the app's family through it.
    expect(ok.verdicts.map((v) => v.probe)).toEqual(["targets", "merged-app", "targets", "merged-app"]);
    expect(lost.status).toBe("failed");
    const notPass = lost.verdicts.filter((v) => v.verdict !== "pass");
    expect(notPass).toHaveLength(1);
    expect(notPass[0]!.summary).toMatch(
      /^lab\/app-not-merged-0 \(job istio-secure-merged-metrics\): UP, yet no prometheus_build_info came through it: the agent behind the secure merged port did not merge the app's metrics \(still so after/,
    );
    // A pod whose merged port is down is UP nowhere: failed targets, and merged-app cannot tell.
    expect(down.status).toBe("failed");
    expect(down.verdicts.slice(0, 2).map((v) => v.verdict)).toEqual(["fail", "error"]);
  }, 150_000);

  it("MetricsMergingOptOut passes on an honoured opt-out and fails on an ignored one", async () => {
    const c: Case = { test: MetricsMergingOptOut, pod: `ssc-merging app=${UNMERGED_APP}`, failsOn: [] };
    const ok = await statusWith(c, "unmerged");
    expect(ok.status, ok.why).toBe("passed");
    const ignored = await statusWith(c, "unmerged-ignored");
    expect(ignored.status, ignored.why).toBe("failed");
    expect(ignored.why).toMatch(
      /yet its prometheus\.io annotations say port 15020, path \/stats\/prometheus/,
    );
    expect(ignored.why).toMatch(/still merges the app's prometheus_build_info/);
    // A hardened pod's 15020 refuses the probe client: the agent's half cannot tell, never passes.
    const hardened = await statusWith(c, "healthy");
    expect(hardened.status, hardened.why).toBe("errored");
  }, 150_000);

  it("SidecarSecureListeners passes on the golden table and fails without the 15091 row", async () => {
    const c: Case = { test: SidecarSecureListeners, pod: NATIVE, failsOn: [] };
    expect((await statusWith(c, "healthy")).status).toBe("passed");
    const missing = await statusWith(
      c,
      "healthy",
      LISTENERS.filter((r) => r[1] !== "15091"),
    );
    expect(missing.status).toBe("failed");
    expect(missing.why).toMatch(/no listener on 15091/);
  });
});

describe("the suites' bodies on the lab's IPv6 pod ([::1]: one such lab per machine at a time)", () => {
  let v6: Lab;
  beforeAll(async () => {
    v6 = await startLab({ pods: [{ name: "v6", hardened: true, ipv6: true }], scrapeInterval: "1s" });
  }, 360_000);
  afterAll(() => v6?.dispose());

  it("DocumentedAddressRewriteOnIpv6 holds with a real Prometheus: the sample's $1:$2 target is UP, unbracketed", async () => {
    const t = labCellContext(v6, { pods: { [NATIVE]: "v6" }, istioctl: istioctl(LISTENERS) });
    const { verdicts, finding } = await DocumentedAddressRewriteOnIpv6.run!(t);
    expect(statusOf(verdicts), finding).toBe("passed");
    expect(finding).toMatch(
      /^as predicted, job istio-secure-merged-metrics-as-documented, pod lab\/v6-0 is UP at https:\/\/::1:15092\/stats\/prometheus with instance "::1:15092"/,
    );
    expect(verdicts[0]!.evidence[0]).toMatch(
      /^own job: job istio-secure-merged-metrics, https:\/\/\[::1\]:15092\/stats\/prometheus is UP/,
    );
  });
});

describe("the rotation test's body on a lab whose certificates rotate every 2 s", () => {
  let rot: Lab;
  beforeAll(async () => {
    rot = await startLab({
      pods: [
        { name: "rotating", hardened: true, rotate: true },
        { name: "outage", hardened: true, rotate: true, faults: { failScrapeAfterRotation: true } },
      ],
      scrapeInterval: "1s",
      rotation: { periodMs: 2_000, lifetimeMs: 6_000 },
    });
  }, 60_000);
  afterAll(() => rot?.dispose());
  const run = async (pod: string, frozen = false) => {
    const t = labCellContext(rot, {
      pods: { [`${ROTATION_NAMESPACE} app=httpbin`]: pod },
      ...(frozen ? { rotationClient: rot.rotationClients!.frozen } : {}),
    });
    return (await CertificateRotationContinuity.run!(t)).verdicts;
  };

  it("CertificateRotationContinuity passes while both ends rotate, fails on frozen client files and on a scrape outage at rotation", async () => {
    const [ok, frozen, outage] = await Promise.all([run("rotating"), run("rotating", true), run("outage")]);
    expect(statusOf(ok), ok.map((v) => v.summary).join(" | ")).toBe("passed");
    expect(ok.map((v) => v.probe)).toEqual([
      "targets",
      "targets",
      "rotation",
      "scrape-continuity",
      "scrape-continuity",
    ]);
    expect(ok[2]!.summary).toMatch(
      /^the client's cert-chain\.pem rotated [2-9] and the target's certificate [2-9] time/,
    );
    const rotation = frozen.find((v) => v.probe === "rotation")!;
    expect(rotation.verdict).toBe("fail");
    expect(rotation.summary).toMatch(/after its NotAfter|only 0 within rotation/);
    expect(frozen.filter((v) => v.probe === "scrape-continuity").map((v) => v.verdict)).toEqual([
      "pass",
      "pass",
    ]);
    expect(outage.find((v) => v.probe === "rotation")!.verdict).toBe("pass");
    expect(outage.filter((v) => v.probe === "scrape-continuity").map((v) => v.verdict)).toEqual([
      "fail",
      "fail",
    ]);
  }, 150_000);
});
