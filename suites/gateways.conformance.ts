import { defineConformanceTest } from "../scripts/registry/define.ts";

// Seed 000, gateways. Gateways are not webhook-injected, so the secure ports must reach the
// gateway's env another way (istio-facts.md §4.5): a Deployment env patch for the classic
// gateway, a ProxyConfig selecting the Gateway API pod. The docs' spec.infrastructure path is
// kept as a provisional finding: by the code it should produce no listener.

export const IngressGatewaySecureMetrics = defineConformanceTest({
  id: "IngressGatewaySecureMetrics",
  description:
    "classic istio-ingressgateway: secure listeners present, mTLS scrape 200, plaintext rejected, Prometheus target UP",
  seed: "000",
  features: ["IngressGateway", "SecureScrapeNegative", "PrometheusSecureJobs"],
  scenarios: { native: ["secure-prometheus", "ingress-gateway-native", "probe-client"] },
});

export const GatewayApiSecureMetrics = defineConformanceTest({
  id: "GatewayApiSecureMetrics",
  description:
    "Gateway API gateway with the secure ports set through a ProxyConfig: listeners, mTLS 200, plaintext rejected, target UP",
  seed: "000",
  features: ["GatewayAPI", "SecureScrapeNegative", "PrometheusSecureJobs"],
  scenarios: { native: ["secure-prometheus", "gateway-api-native", "probe-client"] },
});

export const GatewayApiDocsPath = defineConformanceTest({
  id: "GatewayApiDocsPath",
  description:
    "provisional: the docs' spec.infrastructure.annotations proxy.istio.io/config path; records whether the secure listeners appear",
  seed: "finding",
  features: ["GatewayAPI"],
  scenarios: { native: ["gateway-api-docs-path"] },
});
