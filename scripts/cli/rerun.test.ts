import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { RunResult } from "../report/model.ts";
import { cell, run, t } from "../testing/results.ts";

// `ssc run --rerun-failed <report>` as a user runs it, on a report folder holding recorded results
// (report data, not a live run): the plan holds exactly the failed set; the real run (no Docker on
// this machine, so every rerun test is an error) writes a report that says what it reran, and the
// merge joins it over the first without losing a pass.
const ssc = (...args: string[]) =>
  execa(process.execPath, ["scripts/ssc.mjs", ...args], {
    reject: false,
    env: { NO_COLOR: "1", DOCKER_HOST: "unix:///nonexistent/ssc-rerun.sock" },
    timeout: 60_000,
  });
const DEFAULT = "istio-1.31.1-default-k8s-1.36";
const AMBIENT = "istio-1.31.1-ambient-k8s-1.36";
const first: RunResult = {
  ...run([
    cell(DEFAULT, "default", [
      t("SidecarSecureListeners", "passed"),
      t("SecurePortRejectsPlaintext", "failed", { reason: "plain HTTP got 200" }),
      t("SecurePortServesWorkloadIdentity", "errored", { reason: "timeout" }),
    ]),
    cell(AMBIENT, "ambient", [t("SidecarSecureListeners", "passed")]),
  ]),
  runId: "first",
};
let root: string;
let old: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ssc-rerun-cli-"));
  old = join(root, "first");
  await mkdir(old);
  await writeFile(join(old, "results.json"), JSON.stringify(first));
}, 30_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe("ssc run --rerun-failed (report data; no Docker, so not a live run)", () => {
  it("plans exactly the failed set: one cell, its two failed tests", async () => {
    const r = await ssc("run", "--rerun-failed", old, "--dry-run", "--run-id", "dry");
    expect(r.exitCode).toBe(0);
    expect(r.stdout.match(/^# cell .*/gm)).toEqual([`# cell ${DEFAULT}`]);
    expect(r.stdout).toMatch(
      /run-tests: run 2 test\(s\): SecurePortRejectsPlaintext, SecurePortServesWorkloadIdentity$/m,
    );
  });

  it("reruns it, says so in every report, and merges over the first keeping its passes", async () => {
    const again = join(root, "again");
    const r = await ssc(
      "run",
      "--rerun-failed",
      old,
      "--report-dir",
      again,
      "--work-dir",
      join(root, "w"),
      "--run-id",
      "again",
    );
    // No Docker: the rerun tests are errors, exit 3, and the reports are written.
    expect(r.exitCode).toBe(3);
    const results = JSON.parse(await readFile(join(again, "results.json"), "utf8")) as RunResult;
    expect(results.rerunOf).toEqual({
      dir: old,
      runId: "first",
      cells: [{ id: DEFAULT, tests: ["SecurePortRejectsPlaintext", "SecurePortServesWorkloadIdentity"] }],
    });
    expect(results.cells.map((c) => c.id)).toEqual([DEFAULT]);
    const ran = results.cells[0]!.tests.filter((x) => !(x.status === "skipped"));
    expect(ran.map((x) => x.id).sort()).toEqual([
      "SecurePortRejectsPlaintext",
      "SecurePortServesWorkloadIdentity",
    ]);
    // The same implementation as the first report, so the two can be joined.
    expect(results.implementation).toMatchObject({
      organization: "acme",
      project: "acme-mesh",
      contact: ["@mesh-team"],
    });
    expect(parse(await readFile(join(again, "conformance-report.yaml"), "utf8")).rerunOf.runId).toBe("first");
    expect(await readFile(join(again, "summary.md"), "utf8")).toContain(
      `Rerun of run first (${old}): 2 test(s) in 1 cell(s) that failed, errored or did not run`,
    );
    expect(await readFile(join(again, "report.html"), "utf8")).toContain("Rerun of run first");
    expect((await ssc("report", "validate", again)).exitCode).toBe(0);

    const joined = join(root, "joined");
    const m = await ssc("report", "merge", old, again, "--prefer", "newest", "--out", joined);
    // The rerun's errors replaced the failure and the error: the joined run is an error, exit 3.
    expect(m.exitCode).toBe(3);
    const merged = JSON.parse(await readFile(join(joined, "results.json"), "utf8")) as RunResult;
    const byId = Object.fromEntries(
      merged.cells.find((c) => c.id === DEFAULT)!.tests.map((x) => [x.id, x.status]),
    );
    expect(byId.SidecarSecureListeners).toBe("passed");
    expect(byId.SecurePortRejectsPlaintext).toBe("errored");
    expect(merged.cells.find((c) => c.id === AMBIENT)!.tests.map((x) => x.status)).toEqual(["passed"]);
  });

  it("says there is nothing to rerun when nothing failed, exit 0", async () => {
    const clean = join(root, "clean");
    await mkdir(clean);
    await writeFile(join(clean, "results.json"), JSON.stringify({ ...first, cells: [first.cells[1]] }));
    const r = await ssc("run", "--rerun-failed", clean);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`nothing to rerun: every test in ${clean} (run first) passed or was skipped`);
  });

  it("refuses to rerun a cell on another node image than it ran on: not the same versions", async () => {
    const moved = join(root, "moved");
    await mkdir(moved);
    const other = `kindest/node:v1.36.1@sha256:${"0".repeat(64)}`;
    await writeFile(
      join(moved, "results.json"),
      JSON.stringify({ ...first, cells: [{ ...first.cells[0]!, nodeImage: other }] }),
    );
    const r = await ssc("run", "--rerun-failed", moved, "--dry-run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toContain(
      `ssc: --rerun-failed: ${DEFAULT} ran on ${other}, this ssc pins kindest/node:v1.36.1@sha256:`,
    );
    expect(r.stderr.trim()).toMatch(/; rerun it with the ssc version that wrote .*moved$/);
  });

  it.each([
    [
      ["--istio", "1.30"],
      /^ssc: --rerun-failed takes its cells from .*; drop --istio \(narrow the tests with --test or --skip\)$/,
    ],
    [
      ["--cluster", "k3s"],
      /^ssc: --rerun-failed: istio-1\.31\.1-default-k8s-1\.36 ran on kind; rerun it there \(--cluster kind\)$/,
    ],
  ])("refuses %j: the report decides the cells and where they run", async (extra, message) => {
    const r = await ssc("run", "--rerun-failed", old, "--dry-run", ...extra);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
  });
});
