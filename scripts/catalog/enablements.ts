// How a cell turns the native secure ports on (issue 15, item 5): per pod, through each workload's
// proxy.istio.io/config (the istio.io task's steps), or mesh-wide, through the install's
// meshConfig.defaultConfig.proxyMetadata (the same task's tip). A leaf, like ip-families.ts.
// Mesh-wide cells are extended and opt-in (--enablement mesh); they exist only where the native
// ports do (>= 1.31): before, there is nothing to enable.
export type Enablement = "pod" | "mesh";
export const ENABLEMENTS: readonly Enablement[] = ["pod", "mesh"];
export const DEFAULT_ENABLEMENT: Enablement = "pod";

/** The suffix a cell id carries for its enablement: none per pod, so earlier ids stay as they were. */
export const enablementSuffix = (e: Enablement): string => (e === "pod" ? "" : "-meshwide");

export const ENABLEMENT_NAMES: Record<Enablement, string> = {
  pod: "per pod",
  mesh: "mesh-wide",
};
