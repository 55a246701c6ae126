import type { RegistryMirror } from "../cluster/mirrors.ts";
import { UsageError } from "../errors.ts";
import type { ConformanceTest } from "../registry/define.ts";
import type { ScenarioId } from "../registry/scenarios.ts";
import {
  type Cell,
  expandMatrix,
  type ImpossibleCell,
  type MatrixInput,
  noCells,
  selectCells,
} from "./cells.ts";
import { decideTests, type Selection, type TestDecision, unknownIds } from "./gates.ts";
import { type CellRequests, plannedRequests } from "./requests.ts";
import { cellSteps, orderScenarios, type Step, type StepContext } from "./steps.ts";

export interface PlannedCell extends Cell {
  scenarios: ScenarioId[];
  steps: Step[];
  tests: TestDecision[];
  /** Total resource requests of the cell (absent when nothing is deployed). */
  requests?: CellRequests;
}

export interface PlanInput extends MatrixInput, Selection, StepContext {}

export interface Plan {
  /** The cells that can exist, each with its steps and test decisions. */
  cells: PlannedCell[];
  /** Combinations of the selection that cannot exist, reported as skipped cells with why. */
  impossible: ImpossibleCell[];
  /** The registry mirrors the cells pull through (--registry-mirror). */
  mirrors: readonly RegistryMirror[];
}

/** A cell with at least one test to run: what a CI job or `--cell` is worth starting for. */
export const runnable = (c: PlannedCell) => c.tests.some((t) => t.status === "run");

/**
 * The plan of a selection, narrowed to `chosen` cell ids when given (--cell). An unknown id is bad
 * input listing the valid ones; a selection with no runnable cell is bad input with the reasons,
 * never a green run of nothing.
 */
export function planSelection(
  input: PlanInput,
  tests: readonly ConformanceTest[],
  chosen: readonly string[] = [],
): Plan {
  const selection = selectCells(input);
  const provider = input.provider ?? "kind";
  const otherFamily = selection.cells.find((c) => c.ipFamily !== "ipv4");
  if (provider !== "kind" && otherFamily) {
    throw new UsageError(
      provider === "existing"
        ? `--ip-family ${otherFamily.ipFamily}: on your own cluster its own IP family applies (the checks follow each pod's IPs); drop --ip-family`
        : `--ip-family ${otherFamily.ipFamily}: the ${provider} provider runs IPv4 clusters only; use kind (the default) for IPv6 or dual-stack cells`,
    );
  }
  const known = [...selection.cells.map((c) => c.id), ...selection.impossible.map((c) => c.id)];
  const unknown = chosen.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `--cell ${unknown.join(", ")}: no such cell in this plan (cells: ${known.join(", ")}); ids come from ssc plan with the same --istio, --profile, --k8s, --ip-family and --enablement`,
    );
  }
  const keep = <T extends { id: string }>(cells: T[]) =>
    chosen.length === 0 ? cells : cells.filter((c) => chosen.includes(c.id));
  // Every shard (--cell) reports the selection's impossible combinations, so a merged report has them.
  const impossible = selection.impossible;
  const cells =
    keep(selection.cells).length > 0 ? buildPlan({ ...input, cells: keep(selection.cells) }, tests) : [];
  if (!cells.some(runnable)) {
    throw noCells([
      ...keep(impossible).map((i) => `${i.id}: ${i.reason}`),
      ...cells.map((c) => `${c.id}: no selected test applies (ssc plan shows why)`),
    ]);
  }
  return { cells, impossible, mirrors: input.registryMirrors ?? [] };
}

export function buildPlan(
  input: PlanInput & { cells?: readonly Cell[] },
  tests: readonly ConformanceTest[],
): PlannedCell[] {
  const unknown = unknownIds([...(input.only ?? []), ...(input.skip ?? [])], tests);
  if (unknown.length > 0) {
    throw new UsageError(`unknown test id ${unknown.join(", ")}; see \`ssc list\` for the ids`);
  }
  const byId = new Map(tests.map((t) => [t.id, t]));
  return (input.cells ?? expandMatrix(input)).map((cell) => {
    const decisions = decideTests(tests, cell, input, input.provider);
    // Pending tests shape the plan too: it shows what the cell will set up for every test that
    // applies, while the run step says which of them have no body yet.
    const applicable = decisions.filter((d) => d.status !== "skip");
    const scenarios = orderScenarios(
      applicable.flatMap((d) => byId.get(d.id)!.scenarios[cell.secureMetricsMode] ?? []),
    );
    const steps = cellSteps(cell, scenarios, applicable, input);
    const requests =
      applicable.length > 0 ? plannedRequests(cell, scenarios, input.runId, input.provider) : undefined;
    return { ...cell, scenarios, steps, tests: decisions, ...(requests ? { requests } : {}) };
  });
}
