import { AUTHZ_PREDICTION } from "../scripts/conformance/authz.ts";
import { authzCheck } from "../scripts/conformance/checks.ts";
import { defineConformanceTest } from "../scripts/registry/define.ts";

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
