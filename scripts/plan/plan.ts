import { UsageError } from "../errors.ts";
import type { ConformanceTest } from "../registry/define.ts";
import type { ScenarioId } from "../registry/scenarios.ts";
import { type Cell, expandMatrix, type MatrixInput } from "./cells.ts";
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

export function buildPlan(input: PlanInput, tests: readonly ConformanceTest[]): PlannedCell[] {
  const unknown = unknownIds([...(input.only ?? []), ...(input.skip ?? [])], tests);
  if (unknown.length > 0) {
    throw new UsageError(`unknown test id ${unknown.join(", ")}; see \`ssc list\` for the ids`);
  }
  const byId = new Map(tests.map((t) => [t.id, t]));
  return expandMatrix(input).map((cell) => {
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
