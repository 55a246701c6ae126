import { type CurlResult, describeResult } from "../probes/curl.ts";
import { judgeRefusal } from "../probes/http-probes.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// Finding: a namespace deny-all AuthorizationPolicy and the native secure ports. The listeners
// themselves carry no RBAC filter (their HCM has only the router), but inbound 15091/15092 are not
// excluded from capture: they reach the sidecar's virtualInbound (15006) first, whose passthrough
// chains carry the workload's authorization filters (catalog-facts.md §2: istio-iptables capture,
// pilot/pkg/networking/core/listener_inbound.go L761-787, networkfilter.go L203-226 at
// 1.31.0-rc.0; inferred, not executed). On that chain the scrape's TLS is not Istio's mTLS, so the
// network RBAC filter sees no peer identity: deny-all denies the scrape, a from.principals rule
// cannot let Prometheus in, and a rule on the destination ports can.

export const AUTHZ_PREDICTION =
  "a deny-all AuthorizationPolicy also denies the secure ports (inbound 15091/15092 are captured and pass the sidecar's passthrough chain, whose RBAC applies), and what lets Prometheus in is an ALLOW on ports 15091/15092 (no from.principals: that chain sees no peer identity)";

export interface Seen {
  url: string;
  result: CurlResult;
}

export interface AuthzAttempt {
  /** Application traffic to the deny-all namespace's httpbin: a 403 "RBAC: access denied" shows the
   * policy active. */
  app: Seen;
  /** The mesh client's scrape of the secure port under deny-all alone. */
  denied: Seen;
  /** The same scrape where an ALLOW on the ports stands beside the deny-all. */
  allowed: Seen;
}

export const rbacDenied = (r: CurlResult) => r.status === 403 && /RBAC: access denied/.test(r.body);

export function judgeAuthz(a: AuthzAttempt): Verdict {
  const ev = [a.app, a.denied, a.allowed].map((s) => describeResult(s.url, s.result));
  if (!rbacDenied(a.app.result)) {
    return error(
      "authz",
      `could not show the deny-all active: application traffic got ${ev[0]}, not 403 "RBAC: access denied"`,
      ev,
    );
  }
  const deniedSeen = judgeRefusal(a.denied.result);
  const allowedOk = a.allowed.result.status === 200;
  if (deniedSeen === "refused" && allowedOk) {
    return pass("authz", `as predicted, ${AUTHZ_PREDICTION}`, ev);
  }
  if (deniedSeen === "accepted") {
    return fail(
      "authz",
      `finding contradicted: the secure port answers under deny-all (${ev[1]}): the policy does not reach it; predicted: ${AUTHZ_PREDICTION}`,
      ev,
    );
  }
  if (deniedSeen === "refused" && judgeRefusal(a.allowed.result) === "refused") {
    return fail(
      "authz",
      `finding contradicted: an ALLOW on ports 15091/15092 does not let the scrape in (${ev[2]}); predicted: ${AUTHZ_PREDICTION}`,
      ev,
    );
  }
  return error("authz", `could not tell how the deny-all treats the secure ports: ${ev[1]}; ${ev[2]}`, ev);
}
