import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { Interrupted } from "../errors.ts";
import { buildPlan, type PlannedCell } from "../plan/plan.ts";
import { DEFAULT_TIMEOUTS } from "../timeouts.ts";
import { newCellState, type RunOptions } from "./context.ts";
import { dryRunLines, executeCell, shownSteps, stepStarted } from "./execute.ts";
import type { RunEvent } from "./progress.ts";
import type { Teardown } from "./teardown.ts";

// The executor sequences a cell's provisioning steps; what each step does is its handler's (tested
// beside it, and end to end with stand-in tools in run.process.test.ts). Here: which steps a mode
// shows and numbers, what a step's start and end say, and that only provisioning steps run, in
// order, timed, stopping at an interrupt or at the first step that throws.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ssc-execute-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const [cell] = buildPlan(
  { istio: ["1.31"], profiles: ["default"], runId: "x", workDir: ".ssc/runs/x" },
  CONFORMANCE_TESTS,
);
const ids = (c: PlannedCell) => c.steps.map((s) => s.id);

function options(workDir: string, signal = new AbortController().signal) {
  const events: RunEvent[] = [];
  const o = {
    runId: "x",
    workDir,
    timeouts: DEFAULT_TIMEOUTS,
    consecutive: 1,
    signal,
    log: () => {},
    progress: { emit: (e: RunEvent) => events.push(e), line: () => {}, dispose: () => {} },
  } satisfies RunOptions;
  return { o, events };
}

/** The cell cut to its render step and the steps the run loop owns, which the executor skips. */
const renderOnly = (): PlannedCell => ({
  ...cell!,
  steps: cell!.steps.filter((s) => ["render", "run-tests", "collect", "teardown"].includes(s.action.type)),
});

describe("shownSteps and dryRunLines", () => {
  it("up stops before the tests; run shows every step", () => {
    const up = shownSteps(cell!, "up");
    expect(up.length).toBeGreaterThan(0);
    expect(ids(cell!).slice(0, up.length)).toEqual(up.map((s) => s.id));
    expect(cell!.steps[up.length]!.action.type).toBe("run-tests");
    expect(shownSteps(cell!, "run")).toBe(cell!.steps);
  });

  it("numbers the commands as the real run numbers them, with the cell's requests and skipped tests", () => {
    const lines = dryRunLines(cell!, "up");
    const n = shownSteps(cell!, "up").length;
    expect(lines[0]).toBe(`# cell ${cell!.id}`);
    expect(lines[1]).toMatch(/^# requests: \d+\.\d+ CPU, \d+\.\d+ GiB \(kind's control plane included\)$/);
    expect(lines).toContain(`[1/${n}] ${cell!.steps[0]!.id}: ${cell!.steps[0]!.description}`);
    expect(lines.filter((l) => /^\[\d+\/\d+\] /.test(l))).toHaveLength(n);
    expect(lines.some((l) => l.startsWith("  $ kind create cluster"))).toBe(true);
    const skipped = cell!.tests.filter((d) => d.status === "skip");
    expect(skipped.length).toBeGreaterThan(0);
    expect(lines).toContain("# skipped tests:");
    expect(lines).toContain(`#   ${skipped[0]!.id}: ${skipped[0]!.reason}`);
  });
});

describe("stepStarted", () => {
  it("announces a step with its number among the mode's steps, and its end with whether it worked", () => {
    const { o, events } = options(dir);
    const step = shownSteps(cell!, "up").at(-1)!;
    const ended = stepStarted(o, cell!, "up", step);
    const seconds = ended(false);
    const total = shownSteps(cell!, "up").length;
    expect(events).toEqual([
      {
        event: "step-started",
        cell: cell!.id,
        step: step.id,
        index: total,
        total,
        description: step.description,
      },
      { event: "step-ended", cell: cell!.id, step: step.id, index: total, total, ok: false, seconds },
    ]);
    expect(seconds).toBeGreaterThanOrEqual(0);
  });
});

describe("executeCell", () => {
  it("runs the provisioning steps through their handlers and times them; the run loop's steps are not its own", async () => {
    const work = join(dir, "ok");
    const { o, events } = options(work);
    const state = newCellState(join(work, "kubeconfig"));
    await executeCell(renderOnly(), o, {} as Teardown, state, "run");
    expect(state.timings.map((t) => t.step)).toEqual(["render-manifests"]);
    expect(events.map((e) => [e.event, "step" in e ? e.step : ""])).toEqual([
      ["step-started", "render-manifests"],
      ["step-ended", "render-manifests"],
    ]);
    // The render handler wrote the cell's manifests.
    expect((await stat(join(work, cell!.id, "manifests"))).isDirectory()).toBe(true);
  });

  it("stops at the first step that throws, saying it ended badly and timing nothing for it", async () => {
    const file = join(dir, "not-a-dir");
    await writeFile(file, "");
    const { o, events } = options(file);
    const state = newCellState(join(dir, "kubeconfig"));
    await expect(executeCell(renderOnly(), o, {} as Teardown, state, "run")).rejects.toThrow();
    expect(state.timings).toEqual([]);
    expect(events.at(-1)).toMatchObject({ event: "step-ended", step: "render-manifests", ok: false });
  });

  it("starts no step once the run is interrupted", async () => {
    const abort = new AbortController();
    abort.abort(new Interrupted("SIGTERM"));
    const { o, events } = options(join(dir, "never"), abort.signal);
    const state = newCellState(join(dir, "kubeconfig"));
    await expect(executeCell(renderOnly(), o, {} as Teardown, state, "up")).rejects.toBeInstanceOf(
      Interrupted,
    );
    expect(events).toEqual([]);
    expect(state.timings).toEqual([]);
  });
});
