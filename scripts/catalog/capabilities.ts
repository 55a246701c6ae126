import semver from "semver";
import { coreOf } from "./istio-releases.ts";

// What an Istio version can do, gated with semver. Ranges use "-0" so pre-releases of the
// first minor count (1.31.0-rc.0 already has the native secure ports). Source of each fact:
// ../shared/reference/istio-facts.md (section in the comment).
export const CAPABILITIES = {
  nativeSecurePorts: {
    range: ">=1.31.0-0",
    description:
      "ENVOY_SECURE_METRICS_PORT / ENVOY_SECURE_MERGED_METRICS_PORT listeners (§2.2, first tag 1.31.0-alpha.0)",
  },
  secureMetricsPortAutoAnnotation: {
    range: ">=1.31.0-0",
    description: "injector sets prometheus.istio.io/secure-port (§2.1)",
  },
  metricsLocalhostAccessOnly: {
    range: ">=1.23.0-0",
    description: "METRICS_LOCALHOST_ACCESS_ONLY locks 15090/15020 to loopback (§2.1, first tag 1.23.0)",
  },
  ambient: {
    range: ">=1.24.0-0",
    description: "ambient mode GA (§4.2, 1.24.0)",
  },
  ztunnelConfigTopLevel: {
    range: ">=1.23.0-0",
    description: "`istioctl ztunnel-config` is top-level, not under `istioctl x` (§5.2)",
  },
  ztunnelConfigAddressColumn: {
    range: ">=1.24.0-0",
    description: "`ztunnel-config workloads` has column ADDRESS (IP before) (§5.2)",
  },
  ztunnelHboneMetrics: {
    range: ">=1.27.0-0",
    description: "ztunnel metrics reachable over HBONE with pod label networking.istio.io/tunnel=http (§6.1)",
  },
  gatewayApiInfrastructure: {
    range: ">=1.22.1-0",
    description: "Gateway API spec.infrastructure labels/annotations with the #51013 fix (§4.3)",
  },
  gatewayParametersRef: {
    range: ">=1.26.0-0",
    description: "Gateway parametersRef / GatewayClass-defaults ConfigMap overlays (§4.3)",
  },
} as const satisfies Record<string, { range: string; description: string }>;

export type Capability = keyof typeof CAPABILITIES;

/** Vendor builds (1.26.3-solo) are judged by their semver core; Istio's own pre-releases as they are. */
export function hasCapability(version: string, capability: Capability): boolean {
  return semver.satisfies(coreOf(version), CAPABILITIES[capability].range, { includePrerelease: true });
}

/** Human form of a capability gate, e.g. "nativeSecurePorts (Istio >=1.31.0-0)". */
export function describeCapability(capability: Capability): string {
  return `${capability} (Istio ${CAPABILITIES[capability].range})`;
}

export function capabilitiesOf(version: string): Capability[] {
  return (Object.keys(CAPABILITIES) as Capability[]).filter((c) => hasCapability(version, c));
}

/** How a cell gets mTLS metrics: native listeners (>= 1.31) or the pre-1.31 Sidecar/Gateway workaround. */
export type SecureMetricsMode = "native" | "legacy";

export function secureMetricsModeOf(version: string): SecureMetricsMode {
  return hasCapability(version, "nativeSecurePorts") ? "native" : "legacy";
}
