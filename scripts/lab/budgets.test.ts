import { describe, expect, it } from "vitest";
import {
  budgetScale,
  LAB_TIMEOUTS,
  labTimeouts,
  MAX_BUDGET_SCALE,
  PROCESS_START_REFERENCE_MS,
} from "./budgets.ts";

describe("the lab's budgets follow this machine's process start", () => {
  it("stay as sized at or under the reference, grow in proportion above it, up to the cap", () => {
    expect(budgetScale(1)).toBe(1);
    expect(budgetScale(PROCESS_START_REFERENCE_MS)).toBe(1);
    expect(budgetScale(PROCESS_START_REFERENCE_MS * 1.5)).toBe(1.5);
    expect(budgetScale(PROCESS_START_REFERENCE_MS * 2.5)).toBe(2.5);
    expect(budgetScale(PROCESS_START_REFERENCE_MS * 10)).toBe(MAX_BUDGET_SCALE);
  });

  it("scale the convergence budgets, never one request's timeout", () => {
    const t = labTimeouts(2);
    expect(t.consistency).toBe(LAB_TIMEOUTS.consistency * 2);
    expect(t.targetsUp).toBe(LAB_TIMEOUTS.targetsUp * 2);
    expect(t.promql).toBe(LAB_TIMEOUTS.promql * 2);
    expect(t.request).toBe(LAB_TIMEOUTS.request);
    expect(labTimeouts(1)).toEqual(LAB_TIMEOUTS);
    expect(labTimeouts(1.333).consistency).toBe(10_664);
  });
});
