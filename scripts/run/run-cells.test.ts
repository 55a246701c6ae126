import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { type PlannedCell, planSelection } from "../plan/plan.ts";
import type { Step } from "../plan/steps.ts";
import { DEFAULT_TIMEOUTS } from "../timeouts.ts";
import { RunInterrupt } from "./interrupt.ts";
import { runCells } from "./run-cells.ts";

// An error that is not an InfrastructureError is a bug in ssc, not a broken cluster: it marks its
// cell, says so, and the run goes on to the next cell (unless --fail-fast). Provoked here by a step
// no handler knows, the first step of each cell, so nothing is created and no tool runs.
let root: string;
let interrupt: RunInterrupt | undefined;
afterEach(async () => {
  interrupt?.dispose();
  await rm(root, { recursive: true, force: true });
});

function cellsWithABug(): PlannedCell[] {
  const { cells } = planSelection(
    {
      istio: ["1.31"],
      profiles: ["default", "ambient"],
      only: ["SidecarSecureListeners"],
      runId: "bug",
      workDir: join(root, "runs", "bug"),
    },
    CONFORMANCE_TESTS,
  );
  const bug = {
    id: "bug",
    description: "a step no handler knows",
    action: { type: "bogus" },
  } as unknown as Step;
  return cells.map((c) => ({ ...c, steps: [bug, ...c.steps] }));
}

async function run(failFast: boolean) {
  root = await mkdtemp(join(tmpdir(), "ssc-run-cells-"));
  const lines: string[] = [];
  interrupt = new RunInterrupt(() => {});
  const runs = await runCells(cellsWithABug(), {
    runId: "bug",
    workDir: join(root, "runs", "bug"),
    provider: "kind",
    timeouts: DEFAULT_TIMEOUTS,
    consecutive: 3,
    signal: interrupt.signal,
    log: (l) => lines.push(l),
    reportDir: join(root, "reports"),
    policy: { keep: false, keepOnFailure: false },
    interrupt,
    failFast,
  });
  return { cells: runs.map((r) => r.cell), lines };
}

describe("runCells with an error that is not an infrastructure error (a bug in ssc)", () => {
  it("marks the cell an internal error, logs its stack, and goes on to the next cell", async () => {
    const { cells, lines } = await run(false);
    expect(cells).toHaveLength(2);
    for (const c of cells) {
      expect(c.error).toMatch(/^internal error \(a bug in ssc\): /);
      expect(c.notRun).toBeUndefined();
      expect(c.tests.filter((t) => t.status === "errored").length).toBeGreaterThan(0);
    }
    expect(lines.filter((l) => l.startsWith("internal error in "))).toHaveLength(2);
    // Each cell's work folder was removed by its own teardown.
    expect(cells.map((c) => c.kept)).toEqual([undefined, undefined]);
  });

  it("with --fail-fast, stops after that cell: the rest are not run", async () => {
    const { cells } = await run(true);
    expect(cells[0]!.error).toMatch(/^internal error \(a bug in ssc\): /);
    expect(cells[1]!.error).toBeUndefined();
    expect(cells[1]!.notRun).toMatch(
      /^not run: --fail-fast stopped the run after istio-1\.31\.\d+-default-k8s-1\.\d+ \(error\)$/,
    );
  });
});
