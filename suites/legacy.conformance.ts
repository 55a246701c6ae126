import { endpointChecks, SECURE_JOBS, targetChecks } from "../scripts/conformance/checks.ts";
import { defineConformanceTest } from "../scripts/registry/define.ts";
import { PORTS } from "../scripts/render/scenarios.ts";

// Seed 000, legacy workaround for Istio < 1.31. Never combined with the native ports: a Sidecar
// ingress on 15091 is silently dropped when ENVOY_SECURE_METRICS_PORT=15091 (istio-facts.md §2.5).
const legacyPort = [{ port: PORTS.legacy, job: SECURE_JOBS.merged }];

export const LegacySidecarSecureScrape = defineConformanceTest({
  id: "LegacySidecarSecureScrape",
  description:
    "Sidecar ingress 15091 -> 127.0.0.1:15020: mTLS scrape 200, Prometheus target UP, plaintext rejected",
  seed: "000",
  features: ["LegacySecureMetrics", "PrometheusSecureJobs"],
  scenarios: { legacy: ["secure-prometheus", "legacy-sidecar"] },
  run: async (t) => {
    const pod = await t.pod("ssc-legacy", "app=httpbin");
    const [endpoints, targets] = await Promise.all([
      endpointChecks(t, pod, ["mtls", "plaintext"], legacyPort),
      targetChecks(t, pod, legacyPort),
    ]);
    return { verdicts: [...endpoints, ...targets] };
  },
});

export const LegacyGatewaySecureScrape = defineConformanceTest({
  id: "LegacyGatewaySecureScrape",
  description:
    "ingress gateway Gateway ISTIO_MUTUAL 15091 + ServiceEntry + VirtualService: mTLS scrape 200, Prometheus target UP",
  seed: "000",
  features: ["LegacySecureMetrics", "IngressGateway", "PrometheusSecureJobs"],
  scenarios: { legacy: ["secure-prometheus", "legacy-gateway"] },
  run: async (t) => {
    const pod = await t.pod("istio-system", "istio=ingressgateway");
    const [endpoints, targets] = await Promise.all([
      endpointChecks(t, pod, ["mtls"], legacyPort),
      targetChecks(t, pod, legacyPort),
    ]);
    return { verdicts: [...endpoints, ...targets] };
  },
});
