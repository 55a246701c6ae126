import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { CAPABILITIES } from "../catalog/capabilities.ts";
import { ENABLEMENTS } from "../catalog/enablements.ts";
import { IP_FAMILIES } from "../catalog/ip-families.ts";
import type { ConformanceTest } from "../registry/define.ts";
import { formatOf, type Options } from "./options.ts";
import { renderTable } from "./table.ts";

/** Gates in words, e.g. "mode native; Istio >=1.23.0-0 (metricsLocalhostAccessOnly)". */
export function describeGates(t: ConformanceTest): string[] {
  const modes = Object.keys(t.scenarios);
  return [
    modes.length === 1 ? `mode ${modes[0]} only` : "",
    t.ipFamilies.length < IP_FAMILIES.length ? `ip family ${t.ipFamilies.join(", ")} only` : "",
    t.enablements.length < ENABLEMENTS.length ? `enablement ${t.enablements.join(", ")} only` : "",
    ...t.requires.map((c) => `Istio ${CAPABILITIES[c].range} (${c})`),
    ...t.excludedBy.map((c) => `not with ${c} (Istio ${CAPABILITIES[c].range})`),
    t.slow ? "slow: opt in (--include-slow or --test)" : "",
  ].filter((s) => s.length > 0);
}

export function listJson(tests: readonly ConformanceTest[]): unknown {
  return {
    tests: tests.map((t) => ({
      id: t.id,
      description: t.description,
      seed: t.seed,
      features: t.features,
      profiles: t.profiles,
      ipFamilies: t.ipFamilies,
      enablements: t.enablements,
      modes: Object.keys(t.scenarios),
      requires: t.requires,
      excludedBy: t.excludedBy,
      scenarios: t.scenarios,
      provisional: t.provisional,
      support: t.support,
      slow: t.slow,
      implemented: t.run !== undefined,
    })),
  };
}

export function listCommand(o: Options): string {
  if (formatOf(o) === "json") return JSON.stringify(listJson(CONFORMANCE_TESTS), null, 2);
  const rows = CONFORMANCE_TESTS.map((t) => [
    t.id,
    t.seed,
    t.support,
    t.profiles.join(","),
    describeGates(t).join("; ") || "-",
    t.run ? "yes" : "no",
    t.provisional ? "provisional" : "",
  ]);
  const implemented = CONFORMANCE_TESTS.filter((t) => t.run).length;
  return `${renderTable(["TEST", "SEED", "SUPPORT", "PROFILES", "GATES", "IMPLEMENTED", ""], rows)}\n\n${implemented} of ${CONFORMANCE_TESTS.length} tests implemented`;
}
