import { describeCapability as gate, hasCapability } from "../catalog/capabilities.ts";
import { ENABLEMENT_NAMES } from "../catalog/enablements.ts";
import type { Provider } from "../cluster/providers.ts";
import type { ConformanceTest } from "../registry/define.ts";
import { byoObstacle, scenarioDefinition } from "../render/scenarios.ts";
import type { Cell } from "./cells.ts";

export interface Selection {
  /** --test: run only these ids. */
  only?: readonly string[];
  /** --skip: never run these ids. */
  skip?: readonly string[];
  /** --include-slow: run the slow tests too (a slow test named by --test runs anyway). */
  includeSlow?: boolean;
  /** --rerun-failed: per cell id, the only tests to run again in it (a cell absent runs its
   * selection as usual). */
  rerun?: ReadonlyMap<string, readonly string[]>;
}

/** run: applies and has a body. pending: applies but has no body yet, so it will be reported as
 * skipped ("not implemented") while the plan still shows what it will need. skip: does not apply. */
export type TestStatus = "run" | "pending" | "skip";

/** Why a test is skipped: it cannot apply to the cell (version, profile, mode), the user left it
 * out (--test/--skip), or the environment forbids it (a bring-your-own cluster). Only the first is
 * full conformance; the others make a result "partial". */
export type SkipKind = "applicability" | "selection" | "environment" | "opt-in";

export interface TestDecision {
  id: string;
  status: TestStatus;
  reason?: string;
  skip?: SkipKind;
}

/** Why a test does not apply to a cell, or undefined when it does. Pure data, no cluster needed. */
export function inapplicableReason(
  test: ConformanceTest,
  cell: Cell,
  provider: Provider = "kind",
): { reason: string; kind: SkipKind } | undefined {
  const reason = applicability(test, cell);
  if (reason) return { reason, kind: "applicability" };
  if (provider === "existing") {
    for (const s of test.scenarios[cell.secureMetricsMode] ?? []) {
      const obstacle = byoObstacle(scenarioDefinition(s, cell));
      if (obstacle)
        return { reason: `bring-your-own cluster: scenario ${s} ${obstacle}`, kind: "environment" };
    }
  }
  return undefined;
}

function applicability(test: ConformanceTest, cell: Cell): string | undefined {
  if (!test.profiles.includes(cell.profile)) {
    return `runs in profile ${test.profiles.join(", ")} only; this cell is ${cell.profile}`;
  }
  if (!test.ipFamilies.includes(cell.ipFamily)) {
    return `runs on ${test.ipFamilies.join(", ")} clusters only; this cell is ${cell.ipFamily} (--ip-family)`;
  }
  if (!test.enablements.includes(cell.enablement)) {
    return `runs with secure ports enabled ${test.enablements.map((e) => ENABLEMENT_NAMES[e]).join(", ")} only; this cell enables them ${ENABLEMENT_NAMES[cell.enablement]} (--enablement)`;
  }
  if (!test.scenarios[cell.secureMetricsMode]) {
    return cell.secureMetricsMode === "legacy"
      ? `needs ${gate("nativeSecurePorts")}; this cell runs ${cell.istioVersion} (legacy mode)`
      : `pre-1.31 workaround; it collides with the native secure ports of ${cell.istioVersion}`;
  }
  const missing = test.requires.filter((c) => !hasCapability(cell.istioVersion, c));
  if (missing.length > 0) return `needs ${missing.map(gate).join(", ")}; this cell runs ${cell.istioVersion}`;
  const excluded = test.excludedBy.filter((c) => hasCapability(cell.istioVersion, c));
  if (excluded.length > 0) return `ruled out by ${excluded.map(gate).join(", ")} in ${cell.istioVersion}`;
  return undefined;
}

/** Decides run/skip for every test in a cell. Selection is applied before gating, as in Gateway
 * API's suite, but an explicitly selected test that cannot apply still says why. */
export function decideTests(
  tests: readonly ConformanceTest[],
  cell: Cell,
  selection: Selection = {},
  provider: Provider = "kind",
): TestDecision[] {
  return tests.map((test) => {
    const skip = (reason: string, kind: SkipKind): TestDecision => ({
      id: test.id,
      status: "skip",
      reason,
      skip: kind,
    });
    if (selection.only && selection.only.length > 0 && !selection.only.includes(test.id)) {
      return skip("not selected (--test)", "selection");
    }
    if (selection.skip?.includes(test.id)) return skip("skipped by --skip", "selection");
    // Named by --test, or failed before and rerun (--rerun-failed): asked for by id.
    const named = selection.only?.includes(test.id) || selection.rerun?.get(cell.id)?.includes(test.id);
    if (test.slow && !selection.includeSlow && !named)
      return skip(`slow (minutes per cell): opt in with --include-slow or --test ${test.id}`, "opt-in");
    const why = inapplicableReason(test, cell, provider);
    if (why) return skip(why.reason, why.kind);
    // After applicability, so a test that cannot apply still says why rather than "not rerun".
    const again = selection.rerun?.get(cell.id);
    if (again && !again.includes(test.id))
      return skip(
        "not rerun: it did not fail, error or go unrun in the report (--rerun-failed)",
        "selection",
      );
    if (!test.run) return { id: test.id, status: "pending", reason: "not implemented yet" };
    return { id: test.id, status: "run" };
  });
}

/** Rejects --test/--skip ids that name no test, listing the known ones. */
export function unknownIds(ids: readonly string[], tests: readonly ConformanceTest[]): string[] {
  const known = new Set(tests.map((t) => t.id));
  return ids.filter((id) => !known.has(id));
}
