import { describe, expect, it } from "vitest";
import { error, fail, pass } from "../probes/verdict.ts";
import {
  type CellResult,
  exitCodeOf,
  findingOutcome,
  type RunResult,
  resultOf,
  statistics,
  statusOf,
  type TestResult,
} from "./model.ts";

// The verdict arithmetic every report and exit code rests on, case by case.
const t = (status: TestResult["status"], extra: Partial<TestResult> = {}): TestResult => ({
  id: "T",
  status,
  provisional: false,
  verdicts: [],
  ...extra,
});

describe("statusOf: a test's verdicts", () => {
  it("fails on any fail, wherever it is, even beside an error", () => {
    expect(statusOf([pass("a", ""), error("b", ""), fail("c", "")])).toBe("failed");
  });
  it("errors on an error among passes, and on no verdicts at all", () => {
    expect(statusOf([pass("a", ""), error("b", "")])).toBe("errored");
    expect(statusOf([])).toBe("errored");
  });
  it("passes only when every verdict passed", () => {
    expect(statusOf([pass("a", ""), pass("b", "")])).toBe("passed");
  });
});

describe("resultOf: a cell's tests", () => {
  it("is a failure on one failed test among passes, an error on one errored test", () => {
    expect(resultOf([t("passed"), t("failed")])).toBe("failure");
    expect(resultOf([t("passed"), t("errored")])).toBe("error");
    expect(resultOf([t("failed"), t("errored")])).toBe("failure");
  });
  it("is an error when the cell itself errored, even with every test passed", () => {
    expect(resultOf([t("passed")], "kind create cluster failed")).toBe("error");
  });
  it("is not-run when the run never reached the cell, unless something failed or errored", () => {
    expect(resultOf([], undefined, "interrupted")).toBe("not-run");
    expect(resultOf([t("errored")], undefined, "interrupted")).toBe("error");
  });
  it("counts a provisional failure or error only with --strict-findings", () => {
    const finding = (s: TestResult["status"]) => t(s, { provisional: true });
    expect(resultOf([t("passed"), finding("failed")])).toBe("success");
    expect(resultOf([t("passed"), finding("errored")])).toBe("success");
    expect(resultOf([t("passed"), finding("failed")], undefined, undefined, true)).toBe("failure");
    expect(resultOf([t("passed"), finding("errored")], undefined, undefined, true)).toBe("error");
  });
  it("is partial when a test was skipped for selection or pending, success for applicability", () => {
    expect(resultOf([t("passed"), t("skipped", { skip: "applicability" })])).toBe("success");
    expect(resultOf([t("passed"), t("skipped", { skip: "selection" })])).toBe("partial");
    // A slow test not opted in leaves the cell complete, as an inapplicable one does.
    expect(resultOf([t("passed"), t("skipped", { skip: "opt-in" })])).toBe("success");
    expect(
      resultOf([t("passed"), t("skipped", { skip: "opt-in" }), t("skipped", { skip: "environment" })]),
    ).toBe("partial");
  });
});

describe("findingOutcome and statistics", () => {
  it("reads a finding's status as confirmed, contradicted, could not tell or not run", () => {
    expect(findingOutcome(t("passed"))).toBe("confirmed");
    expect(findingOutcome(t("failed"))).toBe("contradicted");
    expect(findingOutcome(t("errored"))).toBe("could not tell");
    expect(findingOutcome(t("skipped"))).toBe("not run");
  });
  it("counts each status", () => {
    expect(statistics([t("passed"), t("passed"), t("failed"), t("errored"), t("skipped")])).toEqual({
      passed: 2,
      failed: 1,
      errored: 1,
      skipped: 1,
    });
  });
});

describe("exitCodeOf: a run", () => {
  const cell = (tests: TestResult[], extra: Partial<CellResult> = {}): CellResult => ({
    id: "c",
    istioVersion: "1.31.1",
    profile: "default",
    kubernetesVersion: "1.36.1",
    nodeImage: "kindest/node:v1.36.1",
    secureMetricsMode: "native",
    provider: "kind",
    tools: {},
    tests,
    ...extra,
  });
  const run = (cells: CellResult[], strictFindings?: boolean): RunResult => ({
    runId: "r",
    started: "",
    finished: "",
    suiteVersion: "0",
    command: "ssc run",
    implementation: { project: "p", url: "u", version: "v", contact: [] },
    cells,
    strictFindings,
  });
  const leaked = { name: "ssc-r-c", error: "kind delete cluster: exit 1" };
  it("is 3 when a clean cell left something behind, 0 when none did", () => {
    expect(exitCodeOf(run([cell([t("passed")]), cell([t("passed")], { leaked: [leaked] })]))).toBe(3);
    expect(exitCodeOf(run([cell([t("passed")], { leaked: [] }), cell([t("passed")])]))).toBe(0);
  });
  it("is 3 for a cell never reached, 1 for a contradicted finding only with --strict-findings", () => {
    expect(exitCodeOf(run([cell([t("passed")]), cell([], { notRun: "interrupted" })]))).toBe(3);
    const finding = cell([t("failed", { provisional: true })]);
    expect(exitCodeOf(run([finding]))).toBe(0);
    expect(exitCodeOf(run([finding], true))).toBe(1);
  });
});
