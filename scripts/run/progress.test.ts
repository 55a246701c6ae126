import { describe, expect, it } from "vitest";
import { lineProgress, logProgress, ndjsonProgress, type RunEvent } from "./progress.ts";

// The renderings of a run's events that need no terminal (the live one is tested on a pseudo
// terminal in run.process.test.ts): what each line says, and nothing that moves a cursor.
const at = new Date("2026-12-02T07:21:03.250Z");
const C = "istio-1.31.1-default-k8s-1.36";
const events: RunEvent[] = [
  { event: "cell-started", cell: C },
  {
    event: "step-started",
    cell: C,
    step: "create-cluster",
    index: 4,
    total: 11,
    description: "create kind cluster",
  },
  { event: "step-ended", cell: C, step: "create-cluster", index: 4, total: 11, ok: true, seconds: 42.04 },
  { event: "step-ended", cell: C, step: "install-istio", index: 5, total: 11, ok: false, seconds: 125 },
  {
    event: "test",
    cell: C,
    test: "SidecarSecureListeners",
    status: "failed",
    reason: "no listener on 15091",
  },
  { event: "cell-ended", cell: C, result: "failure", seconds: 301.4 },
  { event: "run-ended", runId: "r1", exitCode: 1, reports: ["reports/r1/summary.md"] },
];

describe("run progress without a terminal", () => {
  it("is one timestamped line per step start and end and per cell end, with no control codes", () => {
    const lines: string[] = [];
    const p = lineProgress(
      (l) => lines.push(l),
      () => at,
    );
    for (const e of events) p.emit(e);
    p.line("warning: inotify limits are low");
    expect(lines).toEqual([
      `ssc: 07:21:03Z [${C} 4/11] create-cluster: create kind cluster`,
      `ssc: 07:21:03Z [${C} 4/11] create-cluster done after 42.0 s`,
      `ssc: 07:21:03Z [${C} 5/11] install-istio FAILED after 2m 5s`,
      `ssc: 07:21:03Z cell ${C}: failure after 5m 1s`,
      "ssc: warning: inotify limits are low",
    ]);
    expect(lines.join("\n")).not.toContain("\u001b");
  });

  it("as NDJSON is every event with its time, and the log elsewhere", () => {
    const out: string[] = [];
    const log: string[] = [];
    const p = ndjsonProgress(
      (l) => out.push(l),
      (l) => log.push(l),
      () => at,
    );
    for (const e of events) p.emit(e);
    p.line("cleanup: removed kind cluster x");
    expect(out.map((l) => JSON.parse(l))).toEqual(events.map((e) => ({ time: at.toISOString(), ...e })));
    expect(log).toEqual(["ssc: cleanup: removed kind cluster x"]);
  });

  it("where no rendering was chosen, says step starts as log lines", () => {
    const lines: string[] = [];
    const p = logProgress((l) => lines.push(l));
    for (const e of events) p.emit(e);
    expect(lines).toEqual([`[${C} 4/11] create-cluster: create kind cluster`]);
  });
});
