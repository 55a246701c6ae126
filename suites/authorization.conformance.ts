import { AMBIENT_AUTHZ_PREDICTION } from "../scripts/conformance/ambient-authz.ts";
import { AUTHZ_PREDICTION } from "../scripts/conformance/authz.ts";
import { ambientAuthzCheck, authzCheck } from "../scripts/conformance/checks.ts";
import { anyMode, defineConformanceTest } from "../scripts/registry/define.ts";
import { AMBIENT_AUTHZ_NAMESPACE } from "../scripts/render/scenarios.ts";

// Beyond every peer: what a namespace deny-all AuthorizationPolicy does to the native secure ports,
// and which policy lets Prometheus in. TestSecureMetricsPorts runs with no policy at all.

export const AuthorizationPolicyGatesSecurePorts = defineConformanceTest({
  id: "AuthorizationPolicyGatesSecurePorts",
  description: `finding: with a deny-all AuthorizationPolicy (application traffic shown denied, 403 RBAC), the mesh client's scrape of 15092 is refused, and an ALLOW on ports 15091/15092 beside it lets it in; a 200 under deny-all, or a refusal despite the ALLOW, contradicts it. Predicted: ${AUTHZ_PREDICTION}`,
  seed: "finding",
  features: ["SidecarSecureMetrics", "AuthorizationPolicy"],
  scenarios: { native: ["secure-prometheus", "authz-deny", "authz-allow"] },
  run: async (t) => {
    const [denied, allowed] = await Promise.all([
      t.pod("ssc-authz-deny", "app=httpbin"),
      t.pod("ssc-authz-allow", "app=httpbin"),
    ]);
    const verdict = await authzCheck(t, denied, allowed);
    return { verdicts: [verdict], finding: verdict.summary };
  },
});

// In ambient, what Prometheus needs to reach 15020 under a deny-all: uds-core#1445 needed an ALLOW
// on 15020 once its Prometheus moved into ambient. The sources say a sidecar pod is reached in plain
// TCP on a port outside its capture (ambient-authz.ts); this asks the cell.
export const AmbientScrapeOfSidecarUnderDenyAll = defineConformanceTest({
  id: "AmbientScrapeOfSidecarUnderDenyAll",
  description: `finding: with a deny-all AuthorizationPolicy in ${AMBIENT_AUTHZ_NAMESPACE} (application traffic shown denied, 403 RBAC), the ambient (sidecar-less) Prometheus scrapes a sidecar pod's 15020 there UP with no ALLOW; the target DOWN contradicts it. Predicted: ${AMBIENT_AUTHZ_PREDICTION}`,
  seed: "finding",
  features: ["Ambient", "AuthorizationPolicy"],
  profiles: ["ambient"],
  scenarios: anyMode("ambient", "ambient-authz", "probe-client"),
  run: async (t) => {
    const verdict = await ambientAuthzCheck(t, await t.pod(AMBIENT_AUTHZ_NAMESPACE, "app=httpbin"));
    return { verdicts: [verdict], finding: verdict.summary };
  },
});
