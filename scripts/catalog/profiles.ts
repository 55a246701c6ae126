// Istio install profiles a cell can run (istio-facts.md §6.3 for ambient). A leaf: plan, registry,
// render and reports all name profiles, so the type lives where nothing else has to be imported.
export type Profile = "default" | "ambient";
export const PROFILES: readonly Profile[] = ["default", "ambient"];
