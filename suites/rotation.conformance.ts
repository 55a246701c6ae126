import { rotationChecks } from "../scripts/conformance/checks.ts";
import { defineConformanceTest } from "../scripts/registry/define.ts";
import { ROTATION_NAMESPACE } from "../scripts/render/scenarios.ts";

// Beyond every peer: no Istio integration test checks that OUTPUT_CERTS follows rotation
// (catalog-facts.md §1); 1.29.3 and 1.30.3 fixed missed reloads of file-mounted certificates on
// the second and later rotations (istio#59912), hence two rotations.

export const CertificateRotationContinuity = defineConformanceTest({
  id: "CertificateRotationContinuity",
  description:
    "with 3m certificates (SECRET_TTL through proxyMetadata), the Prometheus sidecar's OUTPUT_CERTS cert-chain.pem and the target's secure-port certificate each rotate twice (serials change, none used past its NotAfter) while both secure targets stay UP with no scrape gap over two intervals",
  seed: "beyond",
  features: ["CertificateRotation", "SidecarSecureMetrics", "PrometheusSecureJobs"],
  scenarios: { native: ["rotation"] },
  slow: true,
  run: async (t) => ({ verdicts: await rotationChecks(t, await t.pod(ROTATION_NAMESPACE, "app=httpbin")) }),
});
