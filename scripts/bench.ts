#!/usr/bin/env node
// `npm run bench`: wall-clock figures later work must not regress. Each figure is the median of
// several runs of the real CLI in a fresh process, as a user or CI job would run it.
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { hasCapability } from "./catalog/capabilities.ts";
import { ISTIO_MINORS } from "./catalog/istio-releases.ts";

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

const all = ISTIO_MINORS.map((m) => m.minor);
// ambient is bad input below 1.24, so the whole matrix is two invocations.
const ambient = ISTIO_MINORS.filter((m) => hasCapability(m.latestPatch, "ambient")).map((m) => m.minor);
const d = await medianSeconds(["plan", "--istio", all.join(","), "--profile", "default"]);
const a = await medianSeconds(["plan", "--istio", ambient.join(","), "--profile", "ambient"]);
const total = d + a;
const cells = all.length + ambient.length;
console.log(
  `ssc plan, whole matrix (${cells} cells): ${total.toFixed(3)} s wall (median of ${RUNS}: default ${d.toFixed(3)} s + ambient ${a.toFixed(3)} s); budget 1 s ${total < 1 ? "OK" : "EXCEEDED"}`,
);
if (total >= 1) process.exitCode = 1;

// ssc selftest: its floor is the lab's targetsUp budget, which a fault that only looks "not yet"
// waits out by the convergence rule (Prometheus's own floor, discovery tick + a scrape, is below
// it); goal <= 1.25x.
const selftestRuns: { seconds: number; floorSeconds: number; ok: boolean }[] = [];
for (let i = 0; i < 3; i++) {
  const r = await execa(process.execPath, ["scripts/cli.ts", "selftest", "--format", "json"], {
    reject: false,
  });
  selftestRuns.push(JSON.parse(r.stdout) as { seconds: number; floorSeconds: number; ok: boolean });
}
selftestRuns.sort((a, b) => a.seconds - b.seconds);
const mid = selftestRuns[1]!;
const ratio = mid.seconds / mid.floorSeconds;
console.log(
  `ssc selftest: ${mid.seconds.toFixed(1)} s wall (median of 3) vs floor ${mid.floorSeconds} s = ${ratio.toFixed(2)}x; goal 1.25x ${ratio <= 1.25 ? "met" : "MISSED"}; all faults caught: ${selftestRuns.every((r) => r.ok)}`,
);
if (!selftestRuns.every((r) => r.ok)) process.exitCode = 1;
