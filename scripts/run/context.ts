import type { KubeConfig } from "@kubernetes/client-node";
import type { DockerInfo } from "../cluster/preflight.ts";
import type { PlannedCell } from "../plan/plan.ts";
import type { Action, Step, StepContext } from "../plan/steps.ts";
import type { Timeouts } from "../timeouts.ts";
import type { Progress } from "./progress.ts";
import type { Teardown } from "./teardown.ts";

// What the step handlers share: the run's options, the cell's state as it is built up, and the
// teardown stack each handler registers its undo on before it creates anything.
export interface RunOptions extends StepContext {
  /** Where logs that must outlive the work folder go (kind export logs), e.g. the report folder. */
  artifactsDir?: string;
  toolsDir?: string;
  mirror?: string;
  useExistingIstio?: boolean;
  timeouts: Timeouts;
  /** Passes in a row that make a probe pass. */
  consecutive: number;
  /** --strict-findings: provisional tests count like the others. */
  strictFindings?: boolean;
  /** Cells at once (--parallel); the preflight checks the machine for this many. */
  parallel?: number;
  /** Docker as the run's one check found it (kind and k3s runs). */
  docker?: DockerInfo;
  /** Aborted by SIGINT/SIGTERM: every child process, download and wait observes it. */
  signal: AbortSignal;
  log: (line: string) => void;
  /** Where step starts and ends, test verdicts and cell results go (absent: step starts as log
   * lines). */
  progress?: Progress;
}

export interface ToolUse {
  version: string;
  sha256: string;
  /** False for a --tools-dir binary without a .sha256 beside it. */
  verified: boolean;
  source: "cache" | "download" | "tools-dir";
}

/** What a cell's execution leaves for the tests and the report. */
export interface CellState {
  kubeconfig: string;
  kc?: KubeConfig;
  kind?: string;
  istioctl?: string;
  istioVersion?: string;
  tools: { kind?: ToolUse; istioctl?: ToolUse };
  /** The cluster exists (diagnostics can be collected from it). */
  clusterReady: boolean;
  /** Seconds per executed step, in order. */
  timings: { step: string; seconds: number }[];
}

export function newCellState(kubeconfig: string): CellState {
  return { kubeconfig, tools: {}, clusterReady: false, timings: [] };
}

/** One step being executed. */
export interface StepRun<A extends Action = Action> {
  action: A;
  step: Step;
  cell: PlannedCell;
  o: RunOptions;
  t: Teardown;
  state: CellState;
  /** The cell's API client (its own kubeconfig, never ~/.kube/config). */
  kc(): KubeConfig;
}

export type ActionType = Action["type"];
/** Steps the executor runs; run-tests, collect and teardown belong to the run loop. */
export type ExecutableType = Exclude<ActionType, "run-tests" | "collect" | "teardown">;
export type Handler<K extends ExecutableType> = (r: StepRun<Extract<Action, { type: K }>>) => Promise<void>;
export type Handlers = { [K in ExecutableType]: Handler<K> };
