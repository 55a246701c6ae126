// Scenarios are the fixture sets a test needs deployed in its cell (folders under fixtures/).
// The plan deploys the union of the scenarios of the tests that will run, and nothing else, so
// `--test X` sets up only what X needs.
export const SCENARIOS = {
  "secure-prometheus": "Prometheus with an Istio sidecar writing mTLS client certs (OUTPUT_CERTS)",
  "httpbin-native": "httpbin with ENVOY_SECURE_METRICS_PORT=15091 and ENVOY_SECURE_MERGED_METRICS_PORT=15092",
  "httpbin-hardened": "httpbin with METRICS_LOCALHOST_ACCESS_ONLY (plus the mode's secure-port setup)",
  "ingress-gateway-native":
    "classic istio-ingressgateway patched with the secure ports (mesh-wide: their annotations only)",
  "gateway-api-native":
    "a Gateway API gateway given the secure ports through a ProxyConfig (mesh-wide: by the mesh config alone)",
  "gateway-api-docs-path": "a Gateway API gateway configured the docs' way (spec.infrastructure.annotations)",
  "legacy-sidecar": "pre-1.31: Sidecar ingress 15091 -> 127.0.0.1:15020",
  "legacy-gateway": "pre-1.31: Gateway ISTIO_MUTUAL 15091 + ServiceEntry + VirtualService",
  "strict-mtls": "PeerAuthentication STRICT on the app namespace",
  ambient: "ambient namespace, sidecar-less Prometheus enrolled in ambient",
  "prometheus-operator": "prometheus-operator, Prometheus with sidecar certs, ServiceMonitor over https",
  "metrics-merging": "an app with its own metrics port, merged on 15020",
  "authz-deny": "httpbin (native ports) under a deny-all AuthorizationPolicy",
  "ambient-authz":
    "a sidecar httpbin under a deny-all AuthorizationPolicy, scraped on 15020 by the ambient Prometheus",
  "authz-allow": "httpbin (native ports) under a deny-all plus an ALLOW on ports 15091/15092",
  "mesh-peer": "a mesh workload that is not Prometheus, its sidecar writing its own certificate files",
  "probe-client": "a client pod outside the mesh holding no-cert and foreign-CA clients",
  "sample-prometheus":
    "istio/istio's samples/addons/extras/prometheus-secure-metrics.yaml, unchanged from the cell's release tag (istio-system)",
  rotation:
    "a secure Prometheus and an httpbin (native ports) whose sidecars ask for 3m certificates (SECRET_TTL), rotating about every 90 s",
} as const;

export type ScenarioId = keyof typeof SCENARIOS;
