import { describe, expect, it } from "vitest";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { UsageError } from "../errors.ts";
import { type ConformanceTest, defineConformanceTest } from "../registry/define.ts";
import { buildPlan } from "./plan.ts";
import { clusterName } from "./steps.ts";

const ctx = { runId: "r1", workDir: ".ssc/runs/r1" };
const body = async () => ({ verdicts: [] });

// Records with bodies, so the plan's "run" path is exercised independently of which catalog
// tests are implemented at the moment.
const implemented: ConformanceTest[] = [
  defineConformanceTest({
    id: "NativeOnly",
    description: "d",
    seed: "000",
    features: ["SidecarSecureMetrics"],
    scenarios: { native: ["secure-prometheus", "httpbin-native"] },
    run: body,
  }),
  defineConformanceTest({
    id: "LegacyOnly",
    description: "d",
    seed: "000",
    features: ["LegacySecureMetrics"],
    scenarios: { legacy: ["secure-prometheus", "legacy-gateway"] },
    run: body,
  }),
  defineConformanceTest({
    id: "AmbientOnly",
    description: "d",
    seed: "001",
    features: ["Ambient"],
    profiles: ["ambient"],
    scenarios: { native: ["ambient"], legacy: ["ambient"] },
    run: body,
  }),
  defineConformanceTest({
    id: "Hardened",
    description: "d",
    seed: "000",
    features: ["HardenedMetrics"],
    requires: ["metricsLocalhostAccessOnly"],
    scenarios: { native: ["httpbin-hardened"], legacy: ["httpbin-hardened"] },
    run: body,
  }),
];

const statuses = (tests: { id: string; status: string }[]) =>
  Object.fromEntries(tests.map((t) => [t.id, t.status]));

describe("buildPlan", () => {
  it("gates by mode, profile and capability, with reasons", () => {
    const cells = buildPlan({ istio: ["1.22", "1.31"], profiles: ["default"], ...ctx }, implemented);
    expect(statuses(cells[0]!.tests)).toEqual({
      NativeOnly: "skip",
      LegacyOnly: "run",
      AmbientOnly: "skip",
      Hardened: "skip",
    });
    expect(cells[0]!.tests.find((t) => t.id === "Hardened")!.reason).toMatch(
      /metricsLocalhostAccessOnly.*1\.22\.8/,
    );
    expect(cells[0]!.tests.find((t) => t.id === "NativeOnly")!.reason).toMatch(/nativeSecurePorts/);
    expect(statuses(cells[1]!.tests)).toEqual({
      NativeOnly: "run",
      LegacyOnly: "skip",
      AmbientOnly: "skip",
      Hardened: "run",
    });
  });

  it("gates by enablement: a mesh-wide test runs in mesh-wide cells only, which get their own cluster", () => {
    const meshOnly = defineConformanceTest({
      id: "MeshOnly",
      description: "d",
      seed: "beyond",
      features: ["MeshWideEnablement"],
      enablements: ["mesh"],
      scenarios: { native: ["secure-prometheus", "httpbin-native"] },
      run: body,
    });
    const cells = buildPlan(
      { istio: ["1.31"], profiles: ["default"], enablements: ["pod", "mesh"], ...ctx },
      [...implemented, meshOnly],
    );
    expect(cells.map((c) => [c.id, statuses(c.tests).MeshOnly, statuses(c.tests).NativeOnly])).toEqual([
      ["istio-1.31.1-default-k8s-1.36", "skip", "run"],
      ["istio-1.31.1-default-k8s-1.36-meshwide", "run", "run"],
    ]);
    expect(cells[0]!.tests.find((t) => t.id === "MeshOnly")).toMatchObject({
      skip: "applicability",
      reason: "runs with secure ports enabled mesh-wide only; this cell enables them per pod (--enablement)",
    });
    expect(cells.map((c) => clusterName(c, "r1"))).toEqual([
      "ssc-1.31.1-default-k1.36-r1",
      "ssc-1.31.1-default-k1.36-meshwide-r1",
    ]);
  });

  it("applies Istio's sample Prometheus from the cell's tag, with the digest the suite knows for it", () => {
    const cells = buildPlan(
      {
        istio: ["1.31.0-rc.0", "1.31"],
        profiles: ["default"],
        only: ["SamplePrometheusScrapesAsDocumented"],
        ...ctx,
      },
      CONFORMANCE_TESTS,
    );
    const steps = cells.map((c) => c.steps.find((s) => s.id === "deploy-sample-prometheus-prerequisite-1")!);
    expect(steps.map((s) => s.action)).toEqual([
      {
        type: "apply-url",
        url: "https://github.com/istio/istio/raw/1.31.0-rc.0/samples/addons/extras/prometheus-secure-metrics.yaml",
        sha256: "8633f92ee967efc096f14d369ef0a0c3c670f86b4aa5e9916cfab38d40f73bed",
      },
      // A tag read nowhere here: pinned on first use, as the other remote manifests are.
      {
        type: "apply-url",
        url: "https://github.com/istio/istio/raw/1.31.1/samples/addons/extras/prometheus-secure-metrics.yaml",
      },
    ]);
    for (const c of cells)
      expect([...c.scenarios].sort()).toEqual(["httpbin-native", "probe-client", "sample-prometheus"]);
  });

  it("takes a vendor build's sample from its semver core's tag: istio/istio has no tag 1.31.0-solo", () => {
    const [cell] = buildPlan(
      {
        istio: ["1.31.0-solo"],
        profiles: ["default"],
        only: ["SamplePrometheusScrapesAsDocumented"],
        allowUnlisted: true,
        ...ctx,
      },
      CONFORMANCE_TESTS,
    );
    expect(cell!.steps.find((s) => s.id === "deploy-sample-prometheus-prerequisite-1")!.action).toEqual({
      type: "apply-url",
      url: "https://github.com/istio/istio/raw/1.31.0/samples/addons/extras/prometheus-secure-metrics.yaml",
    });
  });

  it("deploys only what the selected tests need (--test)", () => {
    const [cell] = buildPlan(
      { istio: ["1.31"], profiles: ["default"], only: ["NativeOnly"], ...ctx },
      implemented,
    );
    expect(cell!.scenarios).toEqual(["secure-prometheus", "httpbin-native"]);
    expect(cell!.steps.map((s) => s.id)).toEqual([
      "preflight",
      "fetch-tools",
      "render-manifests",
      "create-cluster",
      "install-istio",
      "wait-istio",
      "deploy-secure-prometheus",
      "deploy-httpbin-native",
      "run-tests",
      "collect",
      "export-logs",
      "delete-cluster",
    ]);
    expect(cell!.tests.find((t) => t.id === "Hardened")).toEqual({
      id: "Hardened",
      status: "skip",
      reason: "not selected (--test)",
      skip: "selection",
    });
  });

  it("creates no cluster for a cell where nothing applies", () => {
    const [cell] = buildPlan(
      { istio: ["1.31"], profiles: ["default"], only: ["LegacyOnly"], ...ctx },
      implemented,
    );
    expect(cell!.steps.map((s) => s.id)).toEqual(["nothing-to-run"]);
  });

  it("honours --skip and rejects unknown ids", () => {
    const [cell] = buildPlan(
      { istio: ["1.31"], profiles: ["ambient"], skip: ["AmbientOnly"], ...ctx },
      implemented,
    );
    expect(cell!.tests.find((t) => t.id === "AmbientOnly")!.reason).toBe("skipped by --skip");
    expect(() =>
      buildPlan({ istio: ["1.31"], profiles: ["default"], only: ["Nope"], ...ctx }, implemented),
    ).toThrow(UsageError);
  });

  it("leaves a slow test out unless --include-slow or --test names it, and deploys its scenario only then", () => {
    const slow = defineConformanceTest({
      id: "SlowOne",
      description: "d",
      seed: "beyond",
      features: ["CertificateRotation"],
      scenarios: { native: ["rotation"] },
      slow: true,
      run: body,
    });
    const tests = [...implemented, slow];
    const plan = (extra: object) =>
      buildPlan({ istio: ["1.31"], profiles: ["default"], ...ctx, ...extra }, tests)[0]!;
    const byDefault = plan({});
    expect(byDefault.tests.find((t) => t.id === "SlowOne")).toEqual({
      id: "SlowOne",
      status: "skip",
      reason: "slow (minutes per cell): opt in with --include-slow or --test SlowOne",
      skip: "opt-in",
    });
    expect(byDefault.steps.map((s) => s.id)).not.toContain("deploy-rotation");
    for (const optIn of [plan({ includeSlow: true }), plan({ only: ["SlowOne"] })]) {
      expect(optIn.tests.find((t) => t.id === "SlowOne")).toEqual({ id: "SlowOne", status: "run" });
      expect(optIn.steps.map((s) => s.id)).toContain("deploy-rotation");
    }
    // --skip still wins, and another test named by --test does not opt it in.
    expect(plan({ includeSlow: true, skip: ["SlowOne"] }).tests.find((t) => t.id === "SlowOne")!.skip).toBe(
      "selection",
    );
    expect(plan({ only: ["NativeOnly"] }).tests.find((t) => t.id === "SlowOne")!.reason).toBe(
      "not selected (--test)",
    );
    expect(plan({ includeSlow: true }).tests.find((t) => t.id === "NativeOnly")!.status).toBe("run");
    // A slow test that failed is rerun by --rerun-failed without --include-slow, in its cell only.
    const id = byDefault.id;
    const rerun = plan({ rerun: new Map([[id, ["SlowOne"]]]) });
    expect(rerun.tests.find((t) => t.id === "SlowOne")!.status).toBe("run");
    const other = plan({ rerun: new Map([["another-cell", ["SlowOne"]]]) });
    expect(other.tests.find((t) => t.id === "SlowOne")!.skip).toBe("opt-in");
  });

  it("reports tests without a body as pending, never as run", () => {
    // A record without a body, beside the catalog (whose tests all have bodies today).
    const bodiless = defineConformanceTest({
      id: "NoBodyYet",
      description: "d",
      seed: "beyond",
      features: ["SidecarSecureMetrics"],
      scenarios: { native: ["httpbin-native"] },
    });
    const [cell] = buildPlan({ istio: ["1.31"], profiles: ["default"], ...ctx }, [
      ...CONFORMANCE_TESTS,
      bodiless,
    ]);
    expect(cell!.tests.find((d) => d.id === "NoBodyYet")).toEqual({
      id: "NoBodyYet",
      status: "pending",
      reason: "not implemented yet",
    });
    for (const d of cell!.tests.filter((x) => x.status === "run")) {
      expect(CONFORMANCE_TESTS.find((x) => x.id === d.id)!.run, d.id).toBeDefined();
    }
  });

  it("enables the classic ingress gateway in ambient only when a scenario needs it", () => {
    const [plain] = buildPlan(
      { istio: ["1.31"], profiles: ["ambient"], only: ["AmbientOnly"], ...ctx },
      implemented,
    );
    expect(plain!.steps.find((s) => s.id === "install-istio")!.description).not.toMatch(/ingressgateway/);
    const [gw] = buildPlan({ istio: ["1.31"], profiles: ["ambient"], ...ctx }, CONFORMANCE_TESTS);
    expect(gw!.steps.find((s) => s.id === "install-istio")!.description).toMatch(
      /istio-ingressgateway enabled/,
    );
  });

  it("names clusters within kind's rules", () => {
    const [cell] = buildPlan({ istio: ["1.31.0-rc.0"], profiles: ["ambient"], ...ctx }, implemented);
    expect(clusterName(cell!, "abcdef")).toBe("ssc-1.31.0-rc.0-ambient-k1.36-abcdef");
    expect(() => clusterName(cell!, "X_Y")).toThrow(/naming rules/);
  });

  it("gives every cell its own cluster: Kubernetes is in the name, and a tag too long for kind is hashed", () => {
    const cells = buildPlan(
      { istio: ["1.29"], profiles: ["default"], kubernetes: ["1.31", "1.35"], ...ctx },
      implemented,
    );
    expect(cells.map((c) => clusterName(c, "r1"))).toEqual([
      "ssc-1.29.8-default-k1.31-r1",
      "ssc-1.29.8-default-k1.35-r1",
    ]);
    const vendor = buildPlan(
      {
        istio: ["1.27.1-distro.build.12345", "1.27.1-distro.build.12346"],
        profiles: ["ambient"],
        allowUnlisted: true,
        ...ctx,
      },
      implemented,
    );
    const names = vendor.map((c) => clusterName(c, "abcdefghij0123456789"));
    expect(names[0]).toMatch(/^ssc-[0-9a-f]{10}-abcdefghij0123456789$/);
    expect(new Set(names).size).toBe(2);
  });

  it("keeps each kind cell's kubeconfig in its own folder, never ~/.kube/config", () => {
    const cells = buildPlan({ istio: ["1.30", "1.31"], profiles: ["default"], ...ctx }, implemented);
    const paths = cells.map((c) => {
      const argv = c.steps.find((s) => s.id === "create-cluster")!.argv!;
      return argv[argv.indexOf("--kubeconfig") + 1];
    });
    expect(paths).toEqual([
      ".ssc/runs/r1/istio-1.30.5-default-k8s-1.36/kubeconfig",
      ".ssc/runs/r1/istio-1.31.1-default-k8s-1.36/kubeconfig",
    ]);
    for (const c of cells)
      for (const s of c.steps) expect(s.argv?.join(" ") ?? "").not.toMatch(/\.kube\/config/);
  });

  it("on an existing cluster: connects, detects Istio, installs nothing and deletes only its own objects", () => {
    const [cell] = buildPlan(
      {
        istio: ["1.31"],
        profiles: ["default"],
        ...ctx,
        provider: "existing",
        kubeconfig: "/home/v/.kube/config",
        context: "prod",
      },
      CONFORMANCE_TESTS,
    );
    const ids = cell!.steps.map((s) => s.id);
    expect(ids).toContain("connect");
    expect(ids).toContain("detect-istio");
    expect(ids).toContain("delete-owned");
    for (const banned of ["create-cluster", "install-istio", "install-gateway-api-crds", "delete-cluster"]) {
      expect(ids).not.toContain(banned);
    }
    expect(ids.filter((i) => i.startsWith("patch-"))).toEqual([]);
    expect(cell!.steps.find((s) => s.id === "delete-owned")!.argv!.join(" ")).toContain(
      "-l app.kubernetes.io/managed-by=ssc,ssc.istio.io/run-id=r1",
    );
    expect(cell!.steps.find((s) => s.id === "connect")!.argv).toEqual([
      "kubectl",
      "--kubeconfig",
      "/home/v/.kube/config",
      "--context",
      "prod",
      "version",
    ]);
    const ingress = cell!.tests.find((t) => t.id === "IngressGatewaySecureMetrics")!;
    expect(ingress).toMatchObject({ status: "skip" });
    expect(ingress.reason).toMatch(
      /bring-your-own cluster: scenario ingress-gateway-native patches istio-system\/istio-ingressgateway/,
    );
    expect(cell!.tests.find((t) => t.id === "ServiceMonitorScrapeUnderStrict")!.reason).toMatch(
      /installs prometheus-operator/,
    );
  });

  it("on k3s: starts a container instead of kind, and says which Kubernetes it can do", () => {
    const [cell] = buildPlan(
      { istio: ["1.31"], profiles: ["default"], ...ctx, provider: "k3s" },
      implemented,
    );
    expect(cell!.steps.map((s) => s.id)).toContain("start-k3s");
    expect(cell!.steps.map((s) => s.id)).not.toContain("create-cluster");
    expect(() =>
      buildPlan({ istio: ["1.24"], profiles: ["default"], ...ctx, provider: "k3s" }, implemented),
    ).toThrow(/k3s has no image for Kubernetes 1\.31/);
  });
});
