// Features a test exercises, declared once (after Gateway API's pkg/features). They group tests
// in `ssc list` and in the report, and let a vendor exempt what their mesh does not offer.
export const FEATURES = {
  SidecarSecureMetrics: "native mTLS metrics ports on sidecars (15091/15092)",
  SecureScrapeNegative: "secure ports refuse plaintext, certificate-less and foreign-CA clients",
  WorkloadIdentity: "the secure port presents the workload's SPIFFE identity",
  PrometheusSecureJobs: "Prometheus secure jobs discover and scrape targets over mTLS",
  IngressGateway: "classic istio-ingressgateway metrics over mTLS",
  GatewayAPI: "Gateway API gateway metrics over mTLS",
  HardenedMetrics: "METRICS_LOCALHOST_ACCESS_ONLY hardening",
  LegacySecureMetrics: "pre-1.31 workaround: Sidecar ingress / Gateway on 15091",
  StrictMtls: "PeerAuthentication STRICT interplay",
  Ambient: "ambient mode (ztunnel, HBONE)",
  PrometheusOperator: "prometheus-operator ServiceMonitor with file-based TLS",
  MetricsMerging: "application metrics merged on 15020",
  AuthorizationPolicy: "AuthorizationPolicy interplay with the secure ports",
  CertificateRotation: "secure scraping across workload certificate rotations (short SECRET_TTL)",
  MeshWideEnablement: "secure ports enabled mesh-wide through meshConfig.defaultConfig.proxyMetadata",
  UpstreamSamples: "Istio's own samples/addons, applied unchanged from the release tag",
} as const;

export type Feature = keyof typeof FEATURES;

/** Core: what every mesh claiming secure scraping must do in the cell it runs. A test is core when
 * all its features are. Ambient and the legacy workaround are core where they apply (the ambient
 * profile, pre-1.31 cells), since they are how those cells scrape securely; gateways, the operator,
 * STRICT interplay, hardening and merging are extended: features an implementation may not offer. */
export const CORE_FEATURES: ReadonlySet<Feature> = new Set<Feature>([
  "SidecarSecureMetrics",
  "SecureScrapeNegative",
  "WorkloadIdentity",
  "PrometheusSecureJobs",
  "Ambient",
  "LegacySecureMetrics",
]);

export type Support = "core" | "extended";
