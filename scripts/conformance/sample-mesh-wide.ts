import type { Verdict } from "../probes/verdict.ts";
import { fail, pass } from "../probes/verdict.ts";

// Istio's sample Prometheus (samples/addons/extras/prometheus-secure-metrics.yaml), unchanged, on a
// mesh whose secure ports are on mesh-wide, as istio.io's secure-metrics task offers. Read at
// 1.31.0-rc.0:
// - the injector annotates every pod whose istio-proxy has ENVOY_SECURE_MERGED_METRICS_PORT, the
//   sample's own included (pkg/kube/inject/webhook.go L886-914), and its sidecar opens
//   0.0.0.0:15091/15092 (tools/packaging/common/envoy_bootstrap.json L740 on): the sample's merged
//   job finds its own pod;
// - the sample captures outbound: it sets no includeOutboundIPRanges (default "*", the istiod
//   chart's values.yaml L358), the injection template excludes inbound 15090,15021 only and no
//   outbound port (injection-template.yaml L103-112), and its INBOUND_CAPTURE_PORTS: "" is read by
//   no code (catalog-facts.md §4);
// - the outbound listener hands a captured connection to the listener of its original destination
//   (pilot/pkg/networking/core/listener_builder.go L148, use_original_dst), and a wildcard
//   0.0.0.0:15091 of the sample's own matches any IP:15091. Inferred from Envoy's hand-off, as
//   istio#31301 saw it for 15090; not run here.
// So every scrape the sample makes of a secure port may be answered by its own sidecar, UP, with its
// own metrics. The self-scrape and scrape-origin probes see both; here their failures are the
// prediction holding.

export const SAMPLE_MESH_WIDE_PREDICTION =
  "with the secure ports on mesh-wide, the unchanged sample scrapes itself (the injector gives its own pod secure-port) and its own sidecar answers its scrapes of other pods' 15091/15092 (it captures outbound, and its own 0.0.0.0:15091/15092 listeners match any original destination on those ports, cf. istio#31301): targets read UP while serving the sample's own metrics. A sidecar Prometheus on such a mesh needs both ports set to \"0\" in its own proxyMetadata (the suite's does) or its outbound left uncaptured";

/** A probe's verdict read as this finding's: its failure is the prediction holding, its pass a
 * contradiction; an error stays one. */
export function asPredicted(v: Verdict): Verdict {
  if (v.verdict === "fail") {
    return pass(v.probe, `as predicted, ${v.summary}: ${SAMPLE_MESH_WIDE_PREDICTION}`, v.evidence);
  }
  if (v.verdict === "pass") {
    return fail(
      v.probe,
      `finding contradicted: ${v.summary}; predicted: ${SAMPLE_MESH_WIDE_PREDICTION}`,
      v.evidence,
    );
  }
  return v;
}
