import type { Capability, SecureMetricsMode } from "../catalog/capabilities.ts";
import { ENABLEMENTS, type Enablement } from "../catalog/enablements.ts";
import { IP_FAMILIES, type IpFamily } from "../catalog/ip-families.ts";
import type { Profile } from "../catalog/profiles.ts";
import type { CellContext } from "../conformance/context.ts";
import type { Verdict } from "../probes/verdict.ts";
import { CORE_FEATURES, type Feature, type Support } from "./features.ts";
import type { ScenarioId } from "./scenarios.ts";

/** Where a test comes from: a seed setup (000 sidecar/gateways, 001 ambient, 002 operator/STRICT),
 * "beyond" (properties the seeds leave unchecked) or "finding" (documents a docs-vs-reality gap). */
export type Seed = "000" | "001" | "002" | "beyond" | "finding";

/** What a test body returns: the probes' verdicts, and for provisional tests the finding. */
export interface TestOutcome {
  verdicts: Verdict[];
  finding?: string;
}

export type ConformanceRun = (t: CellContext) => Promise<TestOutcome>;

/** One conformance test, after Gateway API's ConformanceTest record. Gating is data so `ssc list`
 * and `ssc plan` can tell, before any cluster exists, what runs where and why the rest is skipped. */
export interface ConformanceTest {
  /** PascalCase; the one name used by --test, --skip, logs and the report. */
  id: string;
  description: string;
  seed: Seed;
  features: readonly Feature[];
  profiles: readonly Profile[];
  /** The cluster IP families it applies to (all unless a test is about one, e.g. IPv6 addressing). */
  ipFamilies: readonly IpFamily[];
  /** How the cell turns the secure ports on (all unless a test is about one, e.g. mesh-wide). */
  enablements: readonly Enablement[];
  /** Capabilities the cell's Istio version must have. */
  requires: readonly Capability[];
  /** Capabilities that rule the test out (e.g. legacy workarounds collide with native ports). */
  excludedBy: readonly Capability[];
  /** Fixture scenarios per secure-metrics mode; a mode without an entry does not apply
   * (e.g. the native listener tests have no legacy entry, the legacy workaround no native one). */
  scenarios: ScenariosByMode;
  /** Provisional tests record a finding; they never turn a run red on their own. */
  provisional: boolean;
  /** core: must pass to claim conformance for a profile; extended: a feature a mesh may not offer. */
  support: Support;
  /** Takes minutes of wall time (e.g. waits out certificate rotations): it runs only when asked
   * for (--include-slow, or its id in --test); otherwise it is skipped as "opt-in". */
  slow: boolean;
  /** Absent until the test body exists: `ssc list` reports such a test as not implemented. */
  run?: ConformanceRun;
}

export type ScenariosByMode = Partial<Record<SecureMetricsMode, readonly ScenarioId[]>>;

/** The same scenarios in both modes. */
export function anyMode(...scenarios: ScenarioId[]): ScenariosByMode {
  return { native: scenarios, legacy: scenarios };
}

export type ConformanceTestInput = Pick<
  ConformanceTest,
  "id" | "description" | "seed" | "features" | "scenarios"
> &
  Partial<
    Pick<
      ConformanceTest,
      | "profiles"
      | "ipFamilies"
      | "enablements"
      | "requires"
      | "excludedBy"
      | "provisional"
      | "run"
      | "support"
      | "slow"
    >
  >;

const ID = /^[A-Z][A-Za-z0-9]+$/;

export function defineConformanceTest(input: ConformanceTestInput): ConformanceTest {
  if (!ID.test(input.id)) throw new Error(`test id "${input.id}" must be PascalCase`);
  if (input.features.length === 0) throw new Error(`test ${input.id} declares no feature`);
  const modes = Object.values(input.scenarios);
  if (modes.length === 0 || modes.some((s) => s.length === 0)) {
    throw new Error(`test ${input.id} must declare scenarios for at least one mode, none empty`);
  }
  const provisional = input.provisional ?? input.seed === "finding";
  return {
    profiles: ["default", "ambient"],
    ipFamilies: IP_FAMILIES,
    enablements: ENABLEMENTS,
    requires: [],
    excludedBy: [],
    slow: false,
    provisional,
    // A finding never decides a claim; otherwise core when every feature it exercises is core.
    support: !provisional && input.features.every((f) => CORE_FEATURES.has(f)) ? "core" : "extended",
    ...input,
  };
}

/** Checks a list of tests for duplicate ids; the registry is only as good as its ids. */
export function assertUniqueIds(tests: readonly ConformanceTest[]): void {
  const seen = new Set<string>();
  for (const t of tests) {
    if (seen.has(t.id)) throw new Error(`duplicate conformance test id ${t.id}`);
    seen.add(t.id);
  }
}
