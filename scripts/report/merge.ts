import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import { parseCellId } from "../plan/cells.ts";
import { type JunitCase, type JunitSuite, parseJunit, resultsSuite } from "./junit.ts";
import type { CellResult, RunResult, SkippedCell, TestResult } from "./model.ts";

// `ssc report merge`: the report folders of many shards (one CI job per cell) joined into one run.
// results.json is the source of every report; junit.xml is read too, so each test case keeps the
// evidence vitest wrote. No cell is lost; a cell present twice is bad input unless --prefer newest,
// which replaces test by test, so a rerun of only the failed tests keeps the passes from before.

export interface ReportFolder {
  dir: string;
  run: RunResult;
  junit: JunitSuite[];
}

/** A report folder as ssc wrote it; `by` names the command or flag that reads it, in its errors. */
export function readReportFolder(dir: string, by = "ssc report merge"): ReportFolder {
  const results = join(dir, "results.json");
  if (!existsSync(results)) {
    throw new UsageError(
      `${by}: ${dir} is not a report folder (no results.json); give a folder ssc run or ssc report merge wrote`,
    );
  }
  let run: RunResult;
  try {
    run = JSON.parse(readFileSync(results, "utf8")) as RunResult;
  } catch (e) {
    throw new UsageError(`${by}: ${results} is not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (!Array.isArray(run.cells) || typeof run.runId !== "string") {
    throw new UsageError(`${by}: ${results} is not an ssc results file (no runId and cells)`);
  }
  const junitPath = join(dir, "junit.xml");
  let junit: JunitSuite[] = [];
  if (existsSync(junitPath)) {
    try {
      junit = parseJunit(readFileSync(junitPath, "utf8"));
    } catch (e) {
      throw new UsageError(
        `${by}: ${junitPath} is not valid JUnit XML (${(e as Error).message.split("\n")[0]})`,
      );
    }
  }
  return { dir, run, junit };
}

export interface MergeOptions {
  preferNewest: boolean;
  /** The cells the plan had (--expect): any without a report is an error in the joined run. */
  expect?: readonly string[];
  runId: string;
  command: string;
}

export interface Merged {
  run: RunResult;
  junit: JunitSuite[];
  /** What --prefer newest replaced, as "<cell> / <test>: <old> -> <new> (from <dir>)". */
  replaced: string[];
}

/** A newer result counts only for tests the newer run tried: a test it left out (not selected,
 * not run) keeps the older result. */
const tried = (t: TestResult) =>
  !(t.status === "skipped" && (t.skip === "selection" || t.skip === "opt-in" || t.skip === "not-run"));

interface Entry {
  cell: CellResult;
  suite: JunitSuite;
  from: string;
}

/** One case per test of the cell, in the results' order: vitest's case where the folder's JUnit has
 * it, else one written from the result, so JUnit never disagrees with results.json. */
function casesFor(cell: CellResult, known: ReadonlyMap<string, JunitCase>, strict: boolean): JunitCase[] {
  return cell.tests.map((t) => known.get(t.id) ?? resultsSuite({ ...cell, tests: [t] }, strict).cases[0]!);
}

function suiteOf(f: ReportFolder, cell: CellResult, strict: boolean): JunitSuite {
  const cases = f.junit.find((s) => s.name === cell.id)?.cases ?? [];
  return { name: cell.id, cases: casesFor(cell, new Map(cases.map((c) => [c.name, c])), strict) };
}

const sameLeak = (a: { name: string; error: string }, b: { name: string; error: string }) =>
  a.name === b.name && a.error === b.error;

/** The newer cell's tests over the older's, test by test, each with its own JUnit case; the newer
 * cell-level facts win, the older diagnostics stay when the newer run has none, and whatever either
 * run left behind stays reported (once). */
function overlay(older: Entry, newer: Entry, replaced: string[], strict: boolean): Entry {
  const tests = older.cell.tests.map((t) => ({ ...t }));
  const cases = new Map(older.suite.cases.map((c) => [c.name, c]));
  const newerCases = new Map(newer.suite.cases.map((c) => [c.name, c]));
  for (const t of newer.cell.tests.filter(tried)) {
    const i = tests.findIndex((x) => x.id === t.id);
    if (i >= 0) {
      if (tests[i]!.status !== t.status)
        replaced.push(`${newer.cell.id} / ${t.id}: ${tests[i]!.status} -> ${t.status} (from ${newer.from})`);
      tests[i] = t;
    } else tests.push(t);
    cases.delete(t.id);
    const c = newerCases.get(t.id);
    if (c) cases.set(t.id, c);
  }
  const leaked = [...(older.cell.leaked ?? [])];
  for (const l of newer.cell.leaked ?? []) if (!leaked.some((x) => sameLeak(x, l))) leaked.push(l);
  const { error: _e, notRun: _n, diagnostics: _d, ...rest } = newer.cell;
  const diagnostics = newer.cell.diagnostics ?? older.cell.diagnostics;
  const cell: CellResult = {
    ...rest,
    ...(newer.cell.error ? { error: newer.cell.error } : {}),
    // A cell a shard never reached stays "not run" only if no run reached it.
    ...(newer.cell.notRun && older.cell.notRun ? { notRun: newer.cell.notRun } : {}),
    ...(diagnostics ? { diagnostics } : {}),
    tests,
    ...(leaked.length > 0 ? { leaked } : {}),
  };
  return { cell, suite: { name: cell.id, cases: casesFor(cell, cases, strict) }, from: newer.from };
}

/** A cell the plan expected and no folder reported (its job died or timed out before ssc wrote its
 * reports): an error, never a silent gap. */
function missingCell(id: string): CellResult {
  const axes = parseCellId(id);
  return {
    id,
    istioVersion: axes?.istio ?? "",
    profile: axes?.profile ?? "",
    kubernetesVersion: axes?.k8s ?? "",
    ...(axes ? { ipFamily: axes.ipFamily, enablement: axes.enablement } : {}),
    nodeImage: "",
    secureMetricsMode: "",
    provider: "",
    tools: {},
    error:
      "no report from this cell's shard: its job failed, timed out or was cancelled before ssc wrote reports",
    tests: [],
  };
}

export function mergeReports(folders: readonly ReportFolder[], o: MergeOptions): Merged {
  if (folders.length === 0 && (o.expect ?? []).length === 0) {
    throw new UsageError(
      "ssc report merge needs at least one report folder (or --expect, when every shard died)",
    );
  }
  // Oldest first, so "newest" is the last word.
  const ordered = [...folders].sort((a, b) => a.run.finished.localeCompare(b.run.finished));
  // A contradicted finding fails the joined run if any shard ran with --strict-findings.
  const strict = ordered.some((f) => f.run.strictFindings === true);
  const byId = new Map<string, Entry>();
  const order: string[] = [];
  const replaced: string[] = [];
  const twice: string[] = [];
  for (const f of ordered) {
    for (const cell of f.run.cells) {
      const entry = { cell, suite: suiteOf(f, cell, strict), from: f.dir };
      const seen = byId.get(cell.id);
      if (!seen) {
        byId.set(cell.id, entry);
        order.push(cell.id);
      } else if (o.preferNewest) byId.set(cell.id, overlay(seen, entry, replaced, strict));
      else twice.push(`${cell.id} (in ${seen.from} and ${f.dir})`);
    }
  }
  if (twice.length > 0) {
    throw new UsageError(
      `ssc report merge: cell ${twice.join(", ")} is present twice; merge shards that ran different cells, or pass --prefer newest to let the newer results replace the older ones test by test`,
    );
  }
  for (const id of o.expect ?? []) {
    if (byId.has(id)) continue;
    const cell = missingCell(id);
    const noReport: JunitCase = {
      name: "shard report",
      classname: id,
      time: 0,
      outcome: { kind: "error", message: cell.error!, type: "InfrastructureError" },
    };
    byId.set(id, { cell, suite: { name: id, cases: [noReport] }, from: "(missing)" });
    order.push(id);
  }
  const skippedCells = new Map<string, SkippedCell>();
  for (const f of ordered)
    for (const s of f.run.skippedCells ?? []) if (!byId.has(s.id)) skippedCells.set(s.id, s);
  const implementations = new Set(
    ordered.map((f) => JSON.stringify({ ...f.run.implementation, version: "" })),
  );
  if (implementations.size > 1) {
    throw new UsageError(
      "ssc report merge: the folders report different implementations (organization, project, url or contact); merge one implementation's shards",
    );
  }
  const now = new Date().toISOString();
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  const cells = order.map((id) => byId.get(id)!);
  const versions = [...new Set(ordered.flatMap((f) => f.run.implementation.version.split(",")))];
  const run: RunResult = {
    runId: o.runId,
    started: ordered.map((f) => f.run.started).sort()[0] ?? now,
    finished: last?.run.finished ?? now,
    suiteVersion: [...new Set(ordered.map((f) => f.run.suiteVersion))].join(","),
    command: o.command,
    implementation: first
      ? { ...first.run.implementation, version: versions.join(",") }
      : { project: "istio", url: "https://istio.io", version: "", contact: [] },
    cells: cells.map((e) => e.cell),
    ...(skippedCells.size > 0 ? { skippedCells: [...skippedCells.values()] } : {}),
    strictFindings: strict,
    // A joined report certifies only if every shard did.
    ...(ordered.length > 0 && ordered.every((f) => f.run.mode === "certification")
      ? { mode: "certification" as const }
      : {}),
    merged: ordered.map((f) => ({
      dir: f.dir,
      runId: f.run.runId,
      command: f.run.command,
      finished: f.run.finished,
    })),
  };
  return { run, junit: cells.map((e) => e.suite), replaced };
}
