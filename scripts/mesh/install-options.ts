import { hasCapability } from "../catalog/capabilities.ts";
import type { Provider } from "../cluster/providers.ts";
import type { Cell } from "../plan/cells.ts";
import type { ScenarioId } from "../registry/scenarios.ts";
import { SECURE_PORTS_METADATA } from "../render/scenarios.ts";

/** The IstioOperator overlay a cell installs with. Only settings a deployed scenario needs are
 * added, so a cell that runs one test installs no more mesh than that test requires. */
export interface Requests {
  cpu: string;
  memory: string;
}
interface ResourcesValue {
  resources: { requests: Requests };
}

export interface IstioOperatorOverlay {
  apiVersion: "install.istio.io/v1alpha1";
  kind: "IstioOperator";
  spec: {
    profile: string;
    meshConfig?: { defaultConfig: { proxyMetadata: Record<string, string> } };
    components?: { ingressGateways?: { name: string; enabled: boolean }[] };
    values: {
      pilot: ResourcesValue & { env?: Record<string, string>; ipFamilyPolicy?: string };
      global: { proxy: ResourcesValue; platform?: string };
      gateways: { "istio-ingressgateway": ResourcesValue & { ipFamilyPolicy?: string } };
      cni?: ResourcesValue;
      ztunnel?: ResourcesValue & { podLabels?: Record<string, string> };
    };
  };
}

export interface InstallSettings {
  overlay: IstioOperatorOverlay;
  /** Why each non-default setting is there, for plan output and the report. */
  notes: string[];
}

/**
 * Requests low enough for a cell to schedule on a 2-vCPU runner beside kind's control plane: the
 * demo profile's numbers (manifests/helm-profiles/demo.yaml, 1.22..1.31). Istio's defaults (istiod
 * 500m/2Gi, every proxy 100m/128Mi, ztunnel 200m/512Mi, CNI 100m/100Mi) add up to more than two
 * CPUs with the suite's dozen proxies. Requests only: limits stay as the charts set them. These
 * value paths are accepted by istioctl in every minor from 1.22 (values_types.proto; ztunnel's
 * free-form values are flattened into its chart).
 */
export const ISTIO_REQUESTS = {
  pilot: { cpu: "10m", memory: "100Mi" },
  proxy: { cpu: "10m", memory: "40Mi" },
  ingressGateway: { cpu: "10m", memory: "40Mi" },
  cni: { cpu: "10m", memory: "40Mi" },
  ztunnel: { cpu: "10m", memory: "40Mi" },
} as const satisfies Record<string, Requests>;

/** Istio's chart defaults for a sidecar, what a bring-your-own mesh most likely injects. */
export const ISTIO_DEFAULT_PROXY_REQUESTS: Requests = { cpu: "100m", memory: "128Mi" };

const NEEDS_CLASSIC_INGRESS: readonly ScenarioId[] = ["ingress-gateway-native", "legacy-gateway"];
const r = (requests: Requests): ResourcesValue => ({ resources: { requests: { ...requests } } });

export function istioInstallSettings(
  cell: Cell,
  scenarios: readonly ScenarioId[],
  provider: Provider = "kind",
): InstallSettings {
  const ambient = cell.profile === "ambient";
  const overlay: IstioOperatorOverlay = {
    apiVersion: "install.istio.io/v1alpha1",
    kind: "IstioOperator",
    spec: {
      profile: cell.profile,
      values: {
        pilot: r(ISTIO_REQUESTS.pilot),
        global: { proxy: r(ISTIO_REQUESTS.proxy) },
        gateways: { "istio-ingressgateway": r(ISTIO_REQUESTS.ingressGateway) },
        ...(ambient ? { cni: r(ISTIO_REQUESTS.cni), ztunnel: r(ISTIO_REQUESTS.ztunnel) } : {}),
      },
    },
  };
  const notes = ["resource requests lowered to the demo profile's, so a cell fits a 2-vCPU runner"];
  const values = overlay.spec.values;
  // The ambient profile disables the classic ingress gateway (istio-facts.md §6.3).
  if (ambient && scenarios.some((s) => NEEDS_CLASSIC_INGRESS.includes(s))) {
    overlay.spec.components = { ingressGateways: [{ name: "istio-ingressgateway", enabled: true }] };
    notes.push("istio-ingressgateway enabled: the ambient profile turns it off");
  }
  // ztunnel serves its own metrics over HBONE only with this pod label (§6.1, ztunnel >= 1.27).
  if (ambient && scenarios.includes("ambient") && hasCapability(cell.istioVersion, "ztunnelHboneMetrics")) {
    values.ztunnel = { ...values.ztunnel!, podLabels: { "networking.istio.io/tunnel": "http" } };
    notes.push("ztunnel pod label networking.istio.io/tunnel=http: ztunnel metrics reachable over HBONE");
  }
  // k3s keeps CNI binaries and config in its own folders (manifests/helm-profiles/platform-k3s.yaml).
  // Ambient cells are >= 1.24, where the charts read global.platform.
  if (ambient && provider === "k3s") {
    values.global.platform = "k3s";
    notes.push("global.platform=k3s: istio-cni uses k3s's CNI folders");
  }
  // Dual stack is opt-in in every minor (ISTIO_DUAL_STACK defaults to false,
  // pilot/pkg/features/experimental.go L196@1.22.0, L193@1.31.0-rc.0): istiod's env, every proxy's
  // (istio-init reads it from proxyMetadata to write ip6tables rules, injection-template.yaml
  // L147-149@1.31) and dual-stack Services, as istio.io's dual-stack page and Istio's own test
  // framework install it (pkg/test/framework/components/istio/kube.go L630-634@1.31). IPv6-only
  // needs nothing: istio-iptables and ambient (values.cni.ambient.ipv6, ztunnel IPV6_ENABLED,
  // both true since 1.23) detect it.
  if (cell.ipFamily === "dual") {
    values.pilot = { ...values.pilot, env: { ISTIO_DUAL_STACK: "true" }, ipFamilyPolicy: "RequireDualStack" };
    values.gateways["istio-ingressgateway"] = {
      ...values.gateways["istio-ingressgateway"],
      ipFamilyPolicy: "RequireDualStack",
    };
    overlay.spec.meshConfig = { defaultConfig: { proxyMetadata: { ISTIO_DUAL_STACK: "true" } } };
    notes.push(
      "ISTIO_DUAL_STACK=true for istiod and every proxy, istiod and ingress Services RequireDualStack: dual stack is opt-in",
    );
  }
  // Mesh-wide enablement, as istio.io's secure-metrics task's tip installs it: proxyMetadata is
  // every proxy's env (injection-template.yaml L357-360@1.31.0-rc.0; istioctl renders it into the
  // gateway Deployment), the agent opens its listeners from it (pilot-agent options.go L150-154)
  // and the injector annotates each sidecar pod with secure-port (webhook.go L886-914). The tip's
  // METRICS_LOCALHOST_ACCESS_ONLY stays per pod (the hardened scenario), so the other tests keep
  // the plaintext ports they judge.
  if (cell.enablement === "mesh") {
    const proxyMetadata = {
      ...overlay.spec.meshConfig?.defaultConfig.proxyMetadata,
      ...SECURE_PORTS_METADATA,
    };
    overlay.spec.meshConfig = { defaultConfig: { proxyMetadata } };
    notes.push("secure ports 15091/15092 mesh-wide: meshConfig.defaultConfig.proxyMetadata ENVOY_SECURE_*");
  }
  return { overlay, notes };
}
