import sampleDigests from "./data/sample-prometheus-sha256.json" with { type: "json" };

// Container images the fixtures run, pinned by tag to the versions Istio's own samples use at
// HEAD (istio-facts.md §1.1-1.3). An air-gapped kind setup must pre-load exactly these.
export const IMAGES = {
  httpbin: "docker.io/mccutchen/go-httpbin:v2.15.0",
  prometheus: "docker.io/prom/prometheus:v3.10.0",
} as const;

/** The Prometheus version the operator scenario pins its Prometheus resource to (spec.version must
 * match spec.image: it drives the flags and configuration the operator generates), read off the
 * image so the two cannot drift. */
export const PROMETHEUS_VERSION = IMAGES.prometheus.slice(IMAGES.prometheus.lastIndexOf(":") + 1);

/**
 * Every probe runs from this one image, the same in every cell, never from a tool inside a
 * version-specific Istio image (proxyv2 1.22 ships curl 7.81, without --write-out %{certs}, which
 * needs 7.88; ambient proxies are distroless). curl 7.88.1 is the very version Debian 12's curl has,
 * which the offline lab runs the same command lines with, so the lab proves the tool the cluster
 * uses. Pinned by the digest two unrelated projects pin for this tag (walbeck-it
 * determine-docker-tags' Dockerfile, a FHIR loader's Dockerfile). It runs as curl_user (uid 100,
 * gid 101) with an entrypoint that runs its arguments; busybox sleep accepts "infinity".
 */
export const PROBE_CLIENT = {
  image:
    "docker.io/curlimages/curl:7.88.1@sha256:48318407b8d98e8c7d5bd4741c88e8e1a5442de660b47f63ba656e5c910bc3da",
  uid: 100,
  gid: 101,
} as const;

// prometheus-operator release the operator scenario installs (anchors.md: v0.93.0 at the time
// of the snapshot). Its bundle holds the CRDs and the operator Deployment.
export const PROMETHEUS_OPERATOR_VERSION = "v0.93.0";
export const prometheusOperatorBundleUrl = (v: string = PROMETHEUS_OPERATOR_VERSION) =>
  `https://github.com/prometheus-operator/prometheus-operator/releases/download/${v}/bundle.yaml`;
/** The images the bundle's Deployment runs (its container and the config reloader it injects into
 * every Prometheus pod), at the release the scenario installs. */
export const OPERATOR_IMAGES = [
  `quay.io/prometheus-operator/prometheus-operator:${PROMETHEUS_OPERATOR_VERSION}`,
  `quay.io/prometheus-operator/prometheus-config-reloader:${PROMETHEUS_OPERATOR_VERSION}`,
] as const;

// istio/istio's own secure Prometheus, applied unchanged from the cell's release tag (issue 15,
// item 5; catalog-facts.md §6): samples/addons/extras/prometheus-secure-metrics.yaml, first in 1.31
// (31c59e7, #60602). It deploys into istio-system with cluster-scoped names of its own, so it runs
// on the suite's own clusters only. Fetched through github.com (its /raw/ path redirects to the
// file), so --mirror serves it as it serves the tools. Its images, read at 1.31.0-rc.0 (L553, L574), for the plan's
// image list; a later tag may move them.
export const SAMPLE_PROMETHEUS_FILE = "samples/addons/extras/prometheus-secure-metrics.yaml";
export const samplePrometheusUrl = (istioVersion: string) =>
  `https://github.com/istio/istio/raw/${istioVersion}/${SAMPLE_PROMETHEUS_FILE}`;
export const SAMPLE_PROMETHEUS_IMAGES = [
  "ghcr.io/prometheus-operator/prometheus-config-reloader:v0.89.0",
  "docker.io/prom/prometheus:v3.10.0",
] as const;
/** The sample's SHA-256 per tag, recorded by `npm run catalog:update` (data/sample-prometheus-sha256.json);
 * a tag not recorded yet is pinned on first use. */
export const SAMPLE_PROMETHEUS_SHA256: Readonly<Record<string, string>> = sampleDigests;
/** Where the sample's Prometheus answers: its Service in istio-system (L484-506 @1.31.0-rc.0). */
export const SAMPLE_PROMETHEUS = {
  namespace: "istio-system",
  selector: "app.kubernetes.io/name=prometheus,app.kubernetes.io/component=server",
  url: "http://prometheus.istio-system:9090",
} as const;
