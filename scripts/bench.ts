#!/usr/bin/env node
// `npm run bench`: wall-clock figures later work must not regress. Each figure is the median of
// several runs of the real CLI in a fresh process, as a user or CI job would run it.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { hasCapability } from "./catalog/capabilities.ts";
import { ISTIO_MINORS } from "./catalog/istio-releases.ts";
import { renderTable } from "./cli/table.ts";
import { runPool } from "./run/pool.ts";

const RUNS = 7;

async function medianSeconds(args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await execa(process.execPath, ["scripts/cli.ts", ...args, "--format", "json"], { stdout: "ignore" });
    times.push((performance.now() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}

// The whole matrix in one invocation, as a release pipeline asks for it; the two impossible
// combinations (ambient before 1.24) are skipped cells.
const total = await medianSeconds(["plan", "--istio", "all", "--profile", "default,ambient"]);
const cells =
  ISTIO_MINORS.length + ISTIO_MINORS.filter((m) => hasCapability(m.latestPatch, "ambient")).length;
console.log(
  `ssc plan --istio all --profile default,ambient (${cells} cells): ${total.toFixed(3)} s wall (median of ${RUNS}); budget 1 s ${total < 1 ? "OK" : "EXCEEDED"}`,
);
if (total >= 1) process.exitCode = 1;

// ssc selftest: its floor is the lab's targetsUp budget, which a fault that only looks "not yet"
// waits out by the convergence rule (Prometheus's own floor, discovery tick + a scrape, is below
// it); goal <= 1.25x.
interface SelftestJson {
  seconds: number;
  floorSeconds: number;
  ok: boolean;
  subjects: {
    id: string;
    ok: boolean;
    outcomes: { probe: string; expected: string; verdict: string; summary: string }[];
  }[];
}
const selftestRuns: SelftestJson[] = [];
for (let i = 0; i < 3; i++) {
  const r = await execa(process.execPath, ["scripts/cli.ts", "selftest", "--format", "json"], {
    reject: false,
  });
  const run = JSON.parse(r.stdout) as SelftestJson;
  selftestRuns.push(run);
  // A run that is not ok says which probe disagreed and why, so a flake is diagnosable from the log.
  for (const s of run.subjects.filter((x) => !x.ok)) {
    for (const o of s.outcomes.filter((x) => x.verdict !== x.expected)) {
      console.log(
        `  selftest run ${i + 1}: ${s.id}/${o.probe} expected ${o.expected}, got ${o.verdict}: ${o.summary}`,
      );
    }
  }
}
selftestRuns.sort((a, b) => a.seconds - b.seconds);
const mid = selftestRuns[1]!;
const ratio = mid.seconds / mid.floorSeconds;
console.log(
  `ssc selftest: ${mid.seconds.toFixed(1)} s wall (median of 3) vs floor ${mid.floorSeconds} s = ${ratio.toFixed(2)}x; goal 1.25x ${ratio <= 1.25 ? "met" : "MISSED"}; all faults caught: ${selftestRuns.every((r) => r.ok)}`,
);
if (!selftestRuns.every((r) => r.ok)) process.exitCode = 1;

// The --parallel scheduler (scripts/run/pool.ts) on 18 cells whose steps take the nominal durations
// in scripts/run/testdata/nominal-cell-steps.json, scaled down 2000 times: its makespan at P = 1..4
// must stay within 10% of ceil(18 / P) cell-times. Each cell sleeps step by step, as a cell awaits
// its tools; the pool is the one `ssc run --parallel` uses.
const nominal = JSON.parse(
  readFileSync(new URL("./run/testdata/nominal-cell-steps.json", import.meta.url), "utf8"),
) as { steps: { step: string; seconds: number }[] };
const SCALE = 1 / 2000;
const cellMs = nominal.steps.reduce((sum, s) => sum + s.seconds, 0) * 1000 * SCALE;
const rows: string[][] = [];
let schedulerOk = true;
for (const p of [1, 2, 3, 4]) {
  const start = performance.now();
  await runPool(Array.from({ length: 18 }), p, async () => {
    for (const s of nominal.steps) await sleep(s.seconds * 1000 * SCALE);
  });
  const made = performance.now() - start;
  const ideal = Math.ceil(18 / p) * cellMs;
  const off = made / ideal - 1;
  if (Math.abs(off) > 0.1) schedulerOk = false;
  rows.push([
    String(p),
    `${(made / 1000).toFixed(2)} s`,
    `${(ideal / 1000).toFixed(2)} s`,
    `${(off * 100).toFixed(1)}%`,
  ]);
}
console.log(
  `scheduler, 18 cells of ${(cellMs / 1000).toFixed(2)} s (nominal steps / 2000): makespan within 10% of ceil(18/P) cell-times ${schedulerOk ? "OK" : "MISSED"}`,
);
console.log(renderTable(["P", "MAKESPAN", "CEIL(18/P) CELLS", "OFF"], rows).replace(/^/gm, "  "));
if (!schedulerOk) process.exitCode = 1;
