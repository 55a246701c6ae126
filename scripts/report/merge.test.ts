import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { cell, run, t } from "../testing/results.ts";
import { cellSuite, type JunitSuite } from "./junit.ts";
import { mergeReports, type ReportFolder } from "./merge.ts";
import { type CellResult, exitCodeOf, type RunResult } from "./model.ts";

// The merge on recorded results (the CLI test merges folders real `ssc run`s wrote).
const A = "istio-1.31.1-default-k8s-1.36";
const B = "istio-1.31.1-ambient-k8s-1.36";
const folder = (
  dir: string,
  finished: string,
  cells: CellResult[],
  extra: Partial<RunResult> = {},
): ReportFolder => {
  const r = {
    ...run(cells),
    runId: dir,
    finished,
    command: `ssc run --cell ${cells.map((c) => c.id).join(",")}`,
    ...extra,
  };
  const junit: JunitSuite[] = cells.map((c) => cellSuite(c, false));
  return { dir, run: r, junit };
};
const o = { preferNewest: false, runId: "merged", command: "ssc report merge a b --out m" };

describe("ssc report merge", () => {
  it("joins shards losslessly: every cell, every test, skipped cells, each shard's command", () => {
    const a = folder("a", "2026-11-22T00:10:00Z", [cell(A, "default", [t("X", "passed"), t("Y", "failed")])]);
    const b = folder("b", "2026-11-22T00:05:00Z", [cell(B, "ambient", [t("X", "errored")])], {
      skippedCells: [
        {
          id: "istio-1.23.6-ambient-k8s-1.30",
          istioVersion: "1.23.6",
          profile: "ambient",
          kubernetes: "1.30",
          reason: "r",
        },
      ],
    });
    const m = mergeReports([a, b], o);
    expect(m.run.cells.map((c) => c.id)).toEqual([B, A]);
    expect(m.run.cells.flatMap((c) => c.tests.map((x) => `${c.id}/${x.id}/${x.status}`))).toEqual([
      `${B}/X/errored`,
      `${A}/X/passed`,
      `${A}/Y/failed`,
    ]);
    expect(m.run.skippedCells?.map((s) => s.id)).toEqual(["istio-1.23.6-ambient-k8s-1.30"]);
    expect(m.run.merged?.map((x) => x.dir)).toEqual(["b", "a"]);
    expect(m.run).toMatchObject({ runId: "merged", command: o.command, finished: "2026-11-22T00:10:00Z" });
    expect(m.junit.map((s) => [s.name, s.cases.length])).toEqual([
      [B, 1],
      [A, 2],
    ]);
    // The worst of the inputs: a failure (1) outranks an error (3).
    expect(exitCodeOf(m.run)).toBe(1);
    expect(exitCodeOf(mergeReports([b], o).run)).toBe(3);
  });

  it("refuses a cell present twice unless --prefer newest", () => {
    const a = folder("a", "2026-11-22T00:10:00Z", [cell(A, "default", [t("X", "passed")])]);
    const again = folder("c", "2026-11-22T01:00:00Z", [cell(A, "default", [t("X", "failed")])]);
    expect(() => mergeReports([a, again], o)).toThrow(UsageError);
    expect(() => mergeReports([a, again], o)).toThrow(
      /cell istio-1\.31\.1-default-k8s-1\.36 \(in a and c\) is present twice; .*--prefer newest/,
    );
    expect(() => mergeReports([], o)).toThrow(/at least one report folder/);
  });

  it("--prefer newest replaces test by test: a rerun of only the failed test keeps the earlier passes", () => {
    const first = folder("first", "2026-11-22T00:10:00Z", [
      cell(A, "default", [t("X", "passed"), t("Y", "failed", { reason: "flaked" }), t("Z", "passed")], {
        leaked: [{ name: "kind cluster ssc-x", error: "boom" }],
      }),
    ]);
    const rerun = folder("rerun", "2026-11-22T02:00:00Z", [
      cell(A, "default", [
        t("X", "skipped", { skip: "selection", reason: "not selected (--test)" }),
        t("Y", "passed"),
        t("Z", "skipped", { skip: "not-run", reason: "not run" }),
      ]),
    ]);
    // A slow test the newer shard did not opt into keeps the older result too.
    const slow = folder("slow", "2026-11-22T03:00:00Z", [
      cell(A, "default", [
        t("X", "passed"),
        t("Y", "passed"),
        t("Z", "skipped", { skip: "opt-in", reason: "slow" }),
      ]),
    ]);
    const withSlow = mergeReports([slow, first], { ...o, preferNewest: true });
    expect(withSlow.run.cells[0]!.tests.map((x) => `${x.id}/${x.status}`)).toEqual([
      "X/passed",
      "Y/passed",
      "Z/passed",
    ]);
    // Given newest first, the order of the folders does not matter: "newest" is by finish time.
    const m = mergeReports([rerun, first], { ...o, preferNewest: true });
    const [merged] = m.run.cells;
    expect(merged!.tests.map((x) => `${x.id}/${x.status}`)).toEqual(["X/passed", "Y/passed", "Z/passed"]);
    expect(m.replaced).toEqual([`${A} / Y: failed -> passed (from rerun)`]);
    expect(merged!.leaked).toEqual([{ name: "kind cluster ssc-x", error: "boom" }]);
    expect(m.junit[0]!.cases.map((c) => [c.name, c.outcome?.kind ?? "passed"])).toEqual([
      ["X", "passed"],
      ["Y", "passed"],
      ["Z", "passed"],
    ]);
    expect(exitCodeOf(m.run)).toBe(3); // the leak stays reported
  });

  it("keeps a newer cell error, and a cell not run only if no shard reached it", () => {
    const ok = folder("ok", "2026-11-22T00:10:00Z", [cell(A, "default", [t("X", "passed")])]);
    const notRun = folder("n", "2026-11-22T01:00:00Z", [
      cell(A, "default", [t("X", "skipped", { skip: "not-run" })], { notRun: "not run: interrupted" }),
    ]);
    const broken = folder("e", "2026-11-22T02:00:00Z", [
      cell(A, "default", [t("X", "errored")], { error: "Docker is not reachable" }),
    ]);
    const kept = mergeReports([ok, notRun], { ...o, preferNewest: true }).run.cells[0]!;
    expect(kept.notRun).toBeUndefined();
    expect(kept.tests[0]!.status).toBe("passed");
    const err = mergeReports([ok, notRun, broken], { ...o, preferNewest: true }).run.cells[0]!;
    expect(err.error).toBe("Docker is not reachable");
    expect(err.tests[0]!.status).toBe("errored");
  });

  it("refuses folders of different implementations", () => {
    const a = folder("a", "2026-11-22T00:10:00Z", [cell(A, "default", [t("X", "passed")])]);
    const other = folder("b", "2026-11-22T00:20:00Z", [cell(B, "ambient", [t("X", "passed")])], {
      implementation: { project: "other-mesh", url: "https://o.example", version: "1", contact: [] },
    });
    expect(() => mergeReports([a, other], o)).toThrow(/different implementations/);
  });

  it("turns an expected cell no folder reported into an error (exit 3), never a silent gap", () => {
    const a = folder("a", "2026-11-22T00:10:00Z", [cell(A, "default", [t("X", "passed")])]);
    const m = mergeReports([a], { ...o, expect: [A, B] });
    expect(m.run.cells.map((c) => [c.id, c.error ?? "ok"])).toEqual([
      [A, "ok"],
      [B, expect.stringMatching(/^no report from this cell's shard/)],
    ]);
    expect(m.run.cells[1]).toMatchObject({
      istioVersion: "1.31.1",
      profile: "ambient",
      kubernetesVersion: "1.36",
    });
    expect(m.junit[1]!.cases.map((c) => c.outcome?.kind)).toEqual(["error"]);
    expect(exitCodeOf(m.run)).toBe(3);
    expect(exitCodeOf(mergeReports([a], { ...o, expect: [A] }).run)).toBe(0);
  });

  it("writes JUnit from the results where a folder's junit.xml lacks a cell or a test, so the two never disagree", () => {
    const failed = folder("a", "2026-11-22T00:10:00Z", [
      cell(A, "default", [t("X", "failed", { reason: "got 200" })]),
    ]);
    const noJunit: ReportFolder = { ...failed, junit: [] };
    const m = mergeReports([noJunit], o);
    expect(m.junit[0]!.cases).toEqual([
      {
        name: "X",
        classname: A,
        time: 0,
        outcome: { kind: "failure", message: "got 200", type: "ConformanceFailure" },
      },
    ]);
  });

  it("keeps the older diagnostics when the rerun has none, and a leak reported twice once", () => {
    const leak = { name: "kind cluster ssc-x", error: "boom" };
    const first = folder("first", "2026-11-22T00:10:00Z", [
      cell(A, "default", [t("X", "failed")], { diagnostics: "reports/first/diagnostics/x", leaked: [leak] }),
    ]);
    const again = folder("again", "2026-11-22T02:00:00Z", [
      cell(A, "default", [t("Y", "passed")], { leaked: [leak] }),
    ]);
    const [merged] = mergeReports([first, again], { ...o, preferNewest: true }).run.cells;
    expect(merged!.diagnostics).toBe("reports/first/diagnostics/x");
    expect(merged!.leaked).toEqual([leak]);
    expect(merged!.tests.map((x) => `${x.id}/${x.status}`)).toEqual(["X/failed", "Y/passed"]);
  });
});
