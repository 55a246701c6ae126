import { endpointChecks, identityChecks, meshPeerChecks } from "../scripts/conformance/checks.ts";
import type { CellContext } from "../scripts/conformance/context.ts";
import { MESH_PEER_PREDICTION } from "../scripts/conformance/mesh-peer.ts";
import { defineConformanceTest } from "../scripts/registry/define.ts";

/** httpbin with the secure ports of this cell's mode. */
const target = (t: CellContext) =>
  t.pod(t.secureMetricsMode === "native" ? "ssc-native" : "ssc-legacy", "app=httpbin");

// What the seeds leave unchecked: only mesh clients may scrape. Each rejection test first proves
// the port alive over mTLS, so a dead target is an error, never a pass. They apply to the native
// ports (>= 1.31) and to the legacy Sidecar-ingress port (< 1.31) alike.

export const SecurePortRejectsPlaintext = defineConformanceTest({
  id: "SecurePortRejectsPlaintext",
  description:
    "plain HTTP to the secure metrics ports fails (connection error or non-200) after the port was shown alive",
  seed: "000",
  features: ["SecureScrapeNegative"],
  scenarios: {
    native: ["secure-prometheus", "httpbin-native"],
    legacy: ["secure-prometheus", "legacy-sidecar"],
  },
  run: async (t) => ({ verdicts: await endpointChecks(t, await target(t), ["plaintext"]) }),
});

export const SecurePortRejectsNoClientCert = defineConformanceTest({
  id: "SecurePortRejectsNoClientCert",
  description: "TLS without a client certificate to the secure metrics ports fails",
  seed: "beyond",
  features: ["SecureScrapeNegative"],
  scenarios: SecurePortRejectsPlaintext.scenarios,
  run: async (t) => ({ verdicts: await endpointChecks(t, await target(t), ["no-cert"]) }),
});

export const SecurePortRejectsForeignCa = defineConformanceTest({
  id: "SecurePortRejectsForeignCa",
  description: "a client certificate from a CA outside the mesh is refused by the secure metrics ports",
  seed: "beyond",
  features: ["SecureScrapeNegative"],
  scenarios: SecurePortRejectsPlaintext.scenarios,
  run: async (t) => ({ verdicts: await endpointChecks(t, await target(t), ["foreign-ca"]) }),
});

export const SecurePortServesWorkloadIdentity = defineConformanceTest({
  id: "SecurePortServesWorkloadIdentity",
  description:
    "the secure port's server certificate carries URI SAN spiffe://TD/ns/NS/sa/SA of the target, the check insecure_skip_verify leaves out",
  seed: "beyond",
  features: ["WorkloadIdentity"],
  scenarios: SecurePortRejectsPlaintext.scenarios,
  run: async (t) => ({ verdicts: await identityChecks(t, await target(t)) }),
});

export const SecurePortAdmitsAnyMeshIdentity = defineConformanceTest({
  id: "SecurePortAdmitsAnyMeshIdentity",
  description: `finding: a mesh workload that is not Prometheus (spiffe://TD/ns/ssc-peer/sa/mesh-peer, its own sidecar's certificate files) gets 200 from 15091 and 15092 while Prometheus does; a refusal contradicts it. Predicted: ${MESH_PEER_PREDICTION}`,
  seed: "finding",
  features: ["SidecarSecureMetrics", "WorkloadIdentity"],
  scenarios: { native: ["secure-prometheus", "httpbin-native", "mesh-peer"] },
  run: async (t) => {
    const verdicts = await meshPeerChecks(t, await t.pod("ssc-native", "app=httpbin"));
    return { verdicts, finding: verdicts.map((v) => v.summary).join("; ") };
  },
});
