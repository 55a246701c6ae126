import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { conformanceReport, conformanceReportYaml } from "./conformance-report.ts";
import { mergeJunit } from "./junit.ts";
import { type CellResult, exitCodeOf, type RunResult, resultOf, type TestResult } from "./model.ts";
import { summaryMarkdown } from "./summary.ts";

// Report writers on recorded results: a clean cell, a cell that errored before its tests ran,
// a cell where only a provisional test failed, and a real failure.
const t = (id: string, status: TestResult["status"], extra: Partial<TestResult> = {}): TestResult => ({
  id,
  status,
  provisional: false,
  verdicts: [],
  ...extra,
});

const cell = (
  id: string,
  profile: string,
  tests: TestResult[],
  extra: Partial<CellResult> = {},
): CellResult => ({
  id,
  istioVersion: "1.31.1",
  profile,
  kubernetesVersion: "1.36.1",
  nodeImage: "kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5",
  secureMetricsMode: "native",
  provider: "kind",
  tools: {
    kind: { version: "v0.32.0", sha256: "a".repeat(64) },
    istioctl: { version: "1.31.1", sha256: "b".repeat(64) },
  },
  tests,
  ...extra,
});

const run = (cells: CellResult[]): RunResult => ({
  runId: "r1",
  started: "2026-11-22T00:00:00Z",
  finished: "2026-11-22T00:20:00Z",
  suiteVersion: "0.1.0",
  command: "ssc run --istio 1.31 --profile default,ambient --organization acme",
  implementation: {
    organization: "acme",
    project: "acme-mesh",
    url: "https://acme.example",
    version: "2.4.0",
    contact: ["@mesh-team"],
  },
  cells,
});

const clean = cell("istio-1.31.1-default-k8s-1.36", "default", [
  t("SidecarSecureScrapeMtls", "passed"),
  t("LegacySidecarSecureScrape", "skipped", { skip: "applicability", reason: "pre-1.31 workaround" }),
]);
const provisionalFail = cell("istio-1.31.1-ambient-k8s-1.36", "ambient", [
  t("SidecarSecureScrapeMtls", "passed"),
  t("GatewayApiDocsPath", "failed", {
    provisional: true,
    finding: "the docs' path created listeners on 15091",
  }),
]);
const errored = cell(
  "istio-1.30.5-default-k8s-1.36",
  "default",
  [t("LegacySidecarSecureScrape", "errored", { reason: "the cell could not be tested (see its error)" })],
  { error: "Docker is not reachable", tools: {} },
);
const broken = cell("istio-1.31.1-default-k8s-1.36", "default", [
  t("SecurePortRejectsPlaintext", "failed", { reason: "plain HTTP got HTTP 200" }),
]);

describe("results and exit codes", () => {
  it("ranks failure > error > partial > success, ignoring provisional tests", () => {
    expect(resultOf(clean.tests)).toBe("success");
    expect(resultOf(provisionalFail.tests)).toBe("success");
    expect(resultOf(errored.tests, errored.error)).toBe("error");
    expect(resultOf(broken.tests)).toBe("failure");
    expect(resultOf([t("X", "passed"), t("Y", "skipped", { skip: "selection" })])).toBe("partial");
    expect(resultOf([t("X", "passed"), t("Y", "skipped", { skip: "pending" })])).toBe("partial");
  });

  it("exits 0 clean, 3 when a cell errored, 1 when the mesh broke a property (even beside an error)", () => {
    expect(exitCodeOf(run([clean, provisionalFail]))).toBe(0);
    expect(exitCodeOf(run([clean, errored]))).toBe(3);
    expect(exitCodeOf(run([errored, broken]))).toBe(1);
  });
});

describe("ConformanceReport", () => {
  const report = conformanceReport(run([clean, provisionalFail, errored]));

  it("is a versioned Kubernetes-style object carrying implementation and every version", () => {
    expect(report.apiVersion).toBe("conformance.secure-scrape.istio.io/v1alpha1");
    expect(report.kind).toBe("ConformanceReport");
    expect(report.implementation).toMatchObject({
      organization: "acme",
      version: "2.4.0",
      contact: ["@mesh-team"],
    });
    expect(report.cells[0]).toMatchObject({
      istioVersion: "1.31.1",
      kubernetesVersion: "1.36.1",
      nodeImage: expect.stringMatching(/@sha256:[0-9a-f]{64}$/),
      tools: { kind: { version: "v0.32.0" }, istioctl: { sha256: "b".repeat(64) } },
    });
  });

  it("marks an errored cell as an infrastructure error, not a failure, with the reason", () => {
    const c = report.cells.find((x) => x.name === "istio-1.30.5-default-k8s-1.36")!;
    expect(c).toMatchObject({ result: "error", error: "Docker is not reachable", failedTests: [] });
    expect(c.erroredTests).toEqual([
      { name: "LegacySidecarSecureScrape", reason: "the cell could not be tested (see its error)" },
    ]);
    expect(report.profiles.find((p) => p.name === "default")!.result).toBe("error");
  });

  it("lists a failed provisional test as a finding without turning its profile red", () => {
    expect(report.profiles.find((p) => p.name === "ambient")!.result).toBe("success");
    expect(report.findings).toEqual([
      {
        test: "GatewayApiDocsPath",
        cell: "istio-1.31.1-ambient-k8s-1.36",
        outcome: "contradicted",
        summary: "the docs' path created listeners on 15091",
      },
    ]);
  });

  it("lists skips with their reasons and round-trips through YAML", () => {
    const yaml = conformanceReportYaml(run([clean]));
    expect(yaml.startsWith("# Generated by secure-scrape-conformance. Submit it unmodified.\n")).toBe(true);
    const back = parse(yaml) as typeof report;
    expect(back.cells[0]!.skippedTests).toEqual([
      { name: "LegacySidecarSecureScrape", reason: "pre-1.31 workaround" },
    ]);
  });
});

describe("summary.md and junit.xml", () => {
  it("puts the table first, explains errors once per errored cell, and ends with Reproduce", () => {
    const md = summaryMarkdown(run([clean, errored, provisionalFail]));
    const table = md.indexOf("| cell | Istio |");
    expect(table).toBeGreaterThan(0);
    expect(md.indexOf("## Failures and errors")).toBeGreaterThan(table);
    expect(md).toContain(
      "| istio-1.31.1-default-k8s-1.36 | 1.31.1 | default | 1.36.1 | **success** | 1 | 0 | 0 | 1 |",
    );
    expect(md).toMatch(/\| istio-1\.30\.5-default-k8s-1\.36 .*\*\*error\*\*/);
    expect(md.match(/could not be tested/g)).toHaveLength(1);
    expect(md).toContain("## Findings");
    expect(md).toMatch(
      /## Reproduce\n\n```sh\nssc run --istio 1\.31 --profile default,ambient --organization acme\n```/,
    );
  });

  it("names an organization only when one was given", () => {
    const given = summaryMarkdown(run([clean]));
    expect(given).toMatch(/^acme\/acme-mesh 2\.4\.0, suite 0\.1\.0/m);
    const anonymous = run([clean]);
    anonymous.implementation = { project: "istio", url: "https://istio.io", version: "1.31.1", contact: [] };
    const md = summaryMarkdown(anonymous);
    expect(md).toMatch(/^Tested istio 1\.31\.1, suite 0\.1\.0/m);
    expect(md).not.toMatch(/unknown/);
    expect(conformanceReport(anonymous).implementation).not.toHaveProperty("organization");
  });

  it("reports not-run cells, what was left behind and what was kept, and UNVERIFIED tools", () => {
    const notRun = cell(
      "istio-1.31.1-ambient-k8s-1.36",
      "ambient",
      [t("X", "skipped", { skip: "not-run", reason: "not run: the run was interrupted by SIGINT" })],
      {
        notRun: "not run: the run was interrupted by SIGINT",
      },
    );
    const leaked = cell("istio-1.31.1-default-k8s-1.36", "default", [t("Y", "passed")], {
      leaked: [
        { name: "kind cluster ssc-x", error: "kind delete cluster --name ssc-x failed (exit 1): boom" },
      ],
      tools: { kind: { version: "v0.32.0", sha256: "c".repeat(64), verified: false } },
    });
    const r = run([leaked, notRun]);
    expect(exitCodeOf(r)).toBe(3);
    expect(exitCodeOf(run([notRun]))).toBe(3);
    const report = conformanceReport(r);
    expect(report.cells.map((c) => c.result)).toEqual(["success", "not-run"]);
    expect(report.cells[0]).toMatchObject({ leftBehind: [{ name: "kind cluster ssc-x" }] });
    const md = summaryMarkdown(r);
    expect(md).toContain("LEFT BEHIND kind cluster ssc-x");
    expect(md).toContain("not run: the run was interrupted by SIGINT");
    expect(md).toMatch(/kind v0\.32\.0 \(sha256 c{64}, UNVERIFIED: from --tools-dir without a checksum\)/);
  });

  it("writes an errored cell as <error> test cases and keeps skips as skips", () => {
    const xml = mergeJunit([{ cell: errored }]);
    expect(xml).toContain(
      '<testsuite name="istio-1.30.5-default-k8s-1.36" tests="1" failures="0" errors="1" skipped="0"',
    );
    expect(xml).toContain('<error message="Docker is not reachable" type="InfrastructureError"/>');
    expect(mergeJunit([{ cell: clean }])).toContain('<skipped message="pre-1.31 workaround"/>');
  });
});

describe("skipped and unlisted cells", () => {
  it("are listed with why in the YAML and the summary", () => {
    const r: RunResult = {
      ...run([
        { ...clean, unlisted: "patch 1.31.4 is newer than the catalog's 1.31.1: judged with 1.31's facts" },
      ]),
      skippedCells: [
        {
          id: "istio-1.23.6-ambient-k8s-1.30",
          istioVersion: "1.23.6",
          profile: "ambient",
          kubernetes: "1.30",
          reason: "profile ambient needs Istio >= 1.24 (ambient GA); 1.23.6 is older",
        },
      ],
    };
    const doc = parse(conformanceReportYaml(r)) as {
      skippedCells: { id: string; reason: string }[];
      cells: { unlisted?: string }[];
    };
    expect(doc.skippedCells.map((c) => c.id)).toEqual(["istio-1.23.6-ambient-k8s-1.30"]);
    expect(doc.cells[0]!.unlisted).toMatch(/newer than the catalog/);
    const md = summaryMarkdown(r);
    expect(md).toContain(
      "## Skipped cells (combinations that cannot exist)\n\n- istio-1.23.6-ambient-k8s-1.30: profile ambient needs Istio >= 1.24",
    );
    expect(md).toContain(
      "## Unlisted versions (not in the catalog: assumed)\n\n- **istio-1.31.1-default-k8s-1.36**: patch 1.31.4",
    );
    expect(exitCodeOf(r)).toBe(0);
  });
});
