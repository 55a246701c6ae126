import { createLogUpdate } from "log-update";
import type { Result, TestStatus } from "../report/model.ts";

// What a run says while it works, as events: a cell starts, each step starts and ends, each test's
// verdict, a cell ends. Three renderings of the one stream: timestamped lines for logs and CI (no
// control codes), a live line per running cell on a terminal (log-update), and NDJSON for tools
// (`ssc run --format json`, schema/run-events.schema.json).
export type RunEvent =
  | { event: "cell-started"; cell: string }
  | {
      event: "step-started";
      cell: string;
      step: string;
      /** 1-based, of `total`: the numbering a dry run shows. */
      index: number;
      total: number;
      description: string;
    }
  | {
      event: "step-ended";
      cell: string;
      step: string;
      index: number;
      total: number;
      ok: boolean;
      seconds: number;
    }
  | { event: "test"; cell: string; test: string; status: TestStatus; reason?: string }
  | { event: "cell-ended"; cell: string; result: Result; seconds: number }
  | { event: "run-ended"; runId: string; exitCode: number; reports: string[] };

export interface Progress {
  /** A run event. */
  emit(e: RunEvent): void;
  /** Any other line of the run's log (warnings, cleanup, errors): kept, never overwritten. */
  line(text: string): void;
  /** Stops what the rendering runs (the live line's timer) and leaves the screen clean. */
  dispose(): void;
}

const hms = (d: Date) => `${d.toISOString().slice(11, 19)}Z`;
const seconds = (s: number) =>
  s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
const label = (e: { cell: string; index: number; total: number; step: string }) =>
  `[${e.cell} ${e.index}/${e.total}] ${e.step}`;

/** For logs and CI: one timestamped line per step start and end and per cell end, nothing that
 * moves the cursor. Test verdicts are left to the reports. */
export function lineProgress(write: (line: string) => void, now: () => Date = () => new Date()): Progress {
  return {
    emit(e) {
      const t = hms(now());
      if (e.event === "step-started") write(`ssc: ${t} ${label(e)}: ${e.description}`);
      else if (e.event === "step-ended")
        write(`ssc: ${t} ${label(e)} ${e.ok ? "done" : "FAILED"} after ${seconds(e.seconds)}`);
      else if (e.event === "cell-ended")
        write(`ssc: ${t} cell ${e.cell}: ${e.result} after ${seconds(e.seconds)}`);
    },
    line: (text) => write(`ssc: ${text}`),
    dispose: () => {},
  };
}

/** For tools: every event as one JSON line with its time, on `write` (stdout); the log's other
 * lines go to `log` (stderr), so the stream stays pure NDJSON. */
export function ndjsonProgress(
  write: (line: string) => void,
  log: (line: string) => void,
  now: () => Date = () => new Date(),
): Progress {
  return {
    emit: (e) => write(JSON.stringify({ time: now().toISOString(), ...e })),
    line: (text) => log(`ssc: ${text}`),
    dispose: () => {},
  };
}

/** Where no rendering was chosen (unit benches): step starts as plain log lines. */
export function logProgress(log: (line: string) => void): Progress {
  return {
    emit(e) {
      if (e.event === "step-started") log(`${label(e)}: ${e.description}`);
    },
    line: log,
    dispose: () => {},
  };
}

const RESULT_COLOUR: Record<Result, number> = {
  success: 32,
  partial: 33,
  "not-run": 33,
  error: 33,
  failure: 31,
};

/** On a terminal: one live line per running cell (its step and time so far), redrawn each second
 * by log-update; log lines and each cell's final result line stay above it. Colour only for the
 * result word, and none with NO_COLOR. */
export function liveProgress(
  stream: NodeJS.WriteStream,
  o: { colour: boolean; now?: () => number; tickMs?: number } = { colour: true },
): Progress {
  const now = o.now ?? Date.now;
  const render = createLogUpdate(stream);
  const running = new Map<string, { since: number; step: string; stepSince: number }>();
  const draw = () =>
    render(
      [...running]
        .map(([cell, r]) => {
          const total = seconds((now() - r.since) / 1000);
          return `  ${cell}  ${r.step}  (${seconds((now() - r.stepSince) / 1000)}; cell ${total})`;
        })
        .join("\n"),
    );
  const timer = setInterval(draw, o.tickMs ?? 1000);
  timer.unref();
  const paint = (result: Result) =>
    o.colour ? `\u001b[${RESULT_COLOUR[result]}m${result}\u001b[39m` : result;
  return {
    emit(e) {
      if (e.event === "cell-started")
        running.set(e.cell, { since: now(), step: "starting", stepSince: now() });
      else if (e.event === "step-started") {
        const r = running.get(e.cell);
        if (r) Object.assign(r, { step: `[${e.index}/${e.total}] ${e.step}`, stepSince: now() });
      } else if (e.event === "cell-ended") {
        running.delete(e.cell);
        render.persist(`ssc: cell ${e.cell}: ${paint(e.result)} after ${seconds(e.seconds)}`);
      } else return;
      draw();
    },
    line(text) {
      render.persist(`ssc: ${text}`);
      draw();
    },
    dispose() {
      clearInterval(timer);
      render.clear();
      render.done();
    },
  };
}
