import { hasCapability } from "../catalog/capabilities.ts";
import type { Cell } from "../plan/cells.ts";
import type { ScenarioId } from "../registry/scenarios.ts";

/** The IstioOperator overlay a cell installs with. Only settings a deployed scenario needs are
 * added, so a cell that runs one test installs no more mesh than that test requires. */
export interface IstioOperatorOverlay {
  apiVersion: "install.istio.io/v1alpha1";
  kind: "IstioOperator";
  spec: {
    profile: string;
    components?: { ingressGateways?: { name: string; enabled: boolean }[] };
    values?: { ztunnel?: { podLabels: Record<string, string> } };
  };
}

export interface InstallSettings {
  overlay: IstioOperatorOverlay;
  /** Why each non-default setting is there, for plan output and the report. */
  notes: string[];
}

const NEEDS_CLASSIC_INGRESS: readonly ScenarioId[] = ["ingress-gateway-native", "legacy-gateway"];

export function istioInstallSettings(cell: Cell, scenarios: readonly ScenarioId[]): InstallSettings {
  const overlay: IstioOperatorOverlay = {
    apiVersion: "install.istio.io/v1alpha1",
    kind: "IstioOperator",
    spec: { profile: cell.profile },
  };
  const notes: string[] = [];
  // The ambient profile disables the classic ingress gateway (istio-facts.md §6.3).
  if (cell.profile === "ambient" && scenarios.some((s) => NEEDS_CLASSIC_INGRESS.includes(s))) {
    overlay.spec.components = { ingressGateways: [{ name: "istio-ingressgateway", enabled: true }] };
    notes.push("istio-ingressgateway enabled: the ambient profile turns it off");
  }
  // ztunnel serves its own metrics over HBONE only with this pod label (§6.1, ztunnel >= 1.27).
  if (
    cell.profile === "ambient" &&
    scenarios.includes("ambient") &&
    hasCapability(cell.istioVersion, "ztunnelHboneMetrics")
  ) {
    overlay.spec.values = { ztunnel: { podLabels: { "networking.istio.io/tunnel": "http" } } };
    notes.push("ztunnel pod label networking.istio.io/tunnel=http: ztunnel metrics reachable over HBONE");
  }
  return { overlay, notes };
}
