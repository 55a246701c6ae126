import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { UsageError } from "../errors.ts";
import { buildPlan } from "../plan/plan.ts";
import { cell, run, t } from "../testing/results.ts";
import { needsRerun, readRerunSource, rerunRecord, rerunSentence, rerunSet } from "./rerun.ts";

// What --rerun-failed runs again, decided on report data: every failed, errored or never-reached
// test in its own cell; nothing that passed or was skipped by the run's own choice.
const DEFAULT = "istio-1.31.1-default-k8s-1.36";
const AMBIENT = "istio-1.31.1-ambient-k8s-1.36";
const LEGACY = "istio-1.30.5-default-k8s-1.36";
const report = run([
  cell(DEFAULT, "default", [
    t("SidecarSecureListeners", "passed"),
    t("SecurePortRejectsPlaintext", "failed", { reason: "plain HTTP got 200" }),
    t("SecurePortServesWorkloadIdentity", "errored", { reason: "timeout" }),
    t("GatewayApiDocsPath", "failed", { provisional: true, finding: "contradicted" }),
    t("LegacySidecarSecureScrape", "skipped", { skip: "applicability", reason: "pre-1.31 workaround" }),
    t("SidecarSecureScrapeMtls", "skipped", { skip: "selection", reason: "not selected (--test)" }),
    t("IngressGatewaySecureMetrics", "skipped", { skip: "environment", reason: "bring-your-own" }),
    t("MetricsMergingExposesAppMetrics", "skipped", { skip: "pending", reason: "not implemented yet" }),
  ]),
  cell(AMBIENT, "ambient", [t("SidecarSecureListeners", "passed"), t("AmbientWorkloadsHbone", "passed")]),
  cell(
    LEGACY,
    "default",
    [t("LegacySidecarSecureScrape", "skipped", { skip: "not-run", reason: "not run" })],
    {
      istioVersion: "1.30.5",
      notRun: "not run: the run was interrupted by SIGINT",
    },
  ),
  // A shard whose job died: the merge lists it with an error and no tests.
  cell("istio-1.29.9-default-k8s-1.35", "default", [], { error: "no report from this cell's shard" }),
]);

describe("rerunSet on report data", () => {
  it("takes exactly the failed, errored and never-reached tests, cell by cell", () => {
    const set = rerunSet("reports/r1", report);
    expect(set.cells.map((c) => [c.cell.id, c.tests])).toEqual([
      [DEFAULT, ["SecurePortRejectsPlaintext", "SecurePortServesWorkloadIdentity", "GatewayApiDocsPath"]],
      [LEGACY, ["LegacySidecarSecureScrape"]],
      ["istio-1.29.9-default-k8s-1.35", "all"],
    ]);
    expect(rerunRecord(set)).toEqual({
      dir: "reports/r1",
      runId: "r1",
      cells: set.cells.map((c) => ({ id: c.cell.id, tests: c.tests })),
    });
  });

  it("reruns no skip the run chose, and nothing of a run that passed", () => {
    for (const skip of ["applicability", "selection", "environment", "pending", "opt-in"] as const)
      expect(needsRerun(t("X", "skipped", { skip }))).toBe(false);
    expect(needsRerun(t("X", "skipped", { skip: "not-run" }))).toBe(true);
    expect(needsRerun(t("X", "passed"))).toBe(false);
    expect(rerunSet("d", run([report.cells[1]!])).cells).toEqual([]);
  });

  it("says in one sentence what it reran and how to join it", () => {
    const sentence = rerunSentence(
      { ...report, rerunOf: rerunRecord(rerunSet("reports/r1", report)) },
      "reports/r2",
    );
    expect(sentence).toBe(
      "Rerun of run r1 (reports/r1): 4 test(s) and 1 whole cell(s) in 3 cell(s) that failed, errored or did not run; join it over the first with ssc report merge reports/r1 reports/r2 --prefer newest.",
    );
    expect(rerunSentence(report)).toBeUndefined();
  });

  it("plans exactly the rerun set: other tests of a rerun cell are 'not rerun', cells not in it unchanged", () => {
    const set = rerunSet("reports/r1", report);
    const again = new Map(
      set.cells.flatMap((c) => (c.tests === "all" ? [] : [[c.cell.id, c.tests] as const])),
    );
    const [planned] = buildPlan(
      { istio: ["1.31"], profiles: ["default"], runId: "r2", workDir: "/w", rerun: again },
      CONFORMANCE_TESTS,
    );
    const runs = planned!.tests.filter((d) => d.status === "run").map((d) => d.id);
    // GatewayApiDocsPath and the identity test run again; the rest of the cell does not.
    expect(runs.sort()).toEqual([
      "GatewayApiDocsPath",
      "SecurePortRejectsPlaintext",
      "SecurePortServesWorkloadIdentity",
    ]);
    const passed = planned!.tests.find((d) => d.id === "SidecarSecureListeners")!;
    expect(passed).toMatchObject({ status: "skip", skip: "selection" });
    expect(passed.reason).toMatch(/^not rerun: /);
    // A test that cannot apply still says why, not "not rerun".
    expect(planned!.tests.find((d) => d.id === "LegacySidecarSecureScrape")).toMatchObject({
      skip: "applicability",
    });
    const [ambient] = buildPlan(
      { istio: ["1.31"], profiles: ["ambient"], runId: "r2", workDir: "/w", rerun: again },
      CONFORMANCE_TESTS,
    );
    expect(ambient!.tests.some((d) => d.reason?.startsWith("not rerun"))).toBe(false);
  });
});

describe("readRerunSource", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ssc-rerun-"));
    await writeFile(join(dir, "results.json"), JSON.stringify(report));
    await writeFile(join(dir, "conformance-report.yaml"), "kind: ConformanceReport\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads a report folder, or any file in it", () => {
    expect(readRerunSource(dir).cells).toHaveLength(3);
    expect(readRerunSource(join(dir, "conformance-report.yaml")).dir).toBe(dir);
  });

  it("refuses what is not a report, saying what to give", () => {
    expect(() => readRerunSource(join(dir, "nope"))).toThrow(UsageError);
    expect(() => readRerunSource(join(dir, "nope"))).toThrow(
      /^--rerun-failed .*nope: no such folder or file/,
    );
    expect(() => readRerunSource(tmpdir())).toThrow(
      /^--rerun-failed: .* is not a report folder \(no results\.json\)/,
    );
  });
});
