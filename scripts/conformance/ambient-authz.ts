import { describeResult } from "../probes/curl.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";
import { rbacDenied, type Seen } from "./authz.ts";

// Finding: an ambient (sidecar-less) Prometheus scraping a sidecar pod's 15020 (the agent's merged
// metrics, as the injector announces them) in a namespace under a deny-all AuthorizationPolicy.
// uds-core#1445 needed an ALLOW on 15020 for it. Read at Istio 1.31.0-rc.0 and ztunnel 1.31.0-rc.0:
// - istiod gives a sidecar pod no tunnel protocol: only a networking.istio.io/tunnel=http label or
//   the ambient redirection annotation make it HBONE (pilot/pkg/serviceregistry/ambient/workloads.go
//   setTunnelProtocol L1198-1212; the same at 1.24.0, ambient's first GA release:
//   pilot/pkg/serviceregistry/kube/controller/ambient/workloads.go L621-631), and the mTLS transport
//   flag is off in istiod's own ambient index (pilot/pkg/bootstrap/servicecontroller.go L85-88);
// - so ztunnel sends the scrape in plain TCP to the pod's own address (src/proxy/outbound.rs
//   L755-772: InboundProtocol::TCP keeps the workload's socket address);
// - and 15020, the sidecar's status port, is excluded from inbound capture (injection-template.yaml
//   L108-112; istio-cni adds 15020,15021,15090): no Envoy, and so no AuthorizationPolicy, sees it.
// Inferred, not executed: the test is what shows it.

export const AMBIENT_AUTHZ_PREDICTION =
  "under a deny-all the ambient Prometheus still scrapes a sidecar pod's 15020 UP with no ALLOW: istiod gives sidecar pods no tunnel protocol, so ztunnel connects in plain TCP to the pod's address, and 15020 is outside the sidecar's inbound capture, where no AuthorizationPolicy applies. An ALLOW on 15020 (uds-core#1445) is needed once the scrape arrives over HBONE: a sidecar labelled networking.istio.io/tunnel=http";

/** The deny-all shown active by application traffic (403 RBAC), then the ambient Prometheus's view
 * of the pod's 15020 target (a targets probe's verdict). */
export function judgeAmbientAuthz(app: Seen, target: Verdict): Verdict {
  const ev = [describeResult(app.url, app.result), `target: ${target.summary}`, ...target.evidence];
  if (!rbacDenied(app.result)) {
    return error(
      "ambient-authz",
      `could not show the deny-all active: application traffic got ${ev[0]}, not 403 "RBAC: access denied"`,
      ev,
    );
  }
  if (target.verdict === "pass") {
    return pass("ambient-authz", `as predicted, ${AMBIENT_AUTHZ_PREDICTION}`, ev);
  }
  if (target.verdict === "fail") {
    return fail(
      "ambient-authz",
      `finding contradicted: under the deny-all the ambient Prometheus does not scrape the sidecar pod's 15020 (${target.summary}): it needs an ALLOW, as uds-core#1445 found; predicted: ${AMBIENT_AUTHZ_PREDICTION}`,
      ev,
    );
  }
  return error("ambient-authz", `the target's state cannot be told: ${target.summary}`, ev);
}
