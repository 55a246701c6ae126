// Container images the fixtures run, pinned by tag to the versions Istio's own samples use at
// HEAD (istio-facts.md §1.1-1.3). An air-gapped kind setup must pre-load exactly these.
export const IMAGES = {
  httpbin: "docker.io/mccutchen/go-httpbin:v2.15.0",
  prometheus: "docker.io/prom/prometheus:v3.10.0",
} as const;

/** The probe client runs the cell's own proxy image: curl is in it, and it matches the mesh. */
export function probeClientImage(istioVersion: string): string {
  return `docker.io/istio/proxyv2:${istioVersion}`;
}

// prometheus-operator release the operator scenario installs (anchors.md: v0.93.0 at the time
// of the snapshot). Its bundle holds the CRDs and the operator Deployment.
export const PROMETHEUS_OPERATOR_VERSION = "v0.93.0";
export const prometheusOperatorBundleUrl = (v: string = PROMETHEUS_OPERATOR_VERSION) =>
  `https://github.com/prometheus-operator/prometheus-operator/releases/download/${v}/bundle.yaml`;
