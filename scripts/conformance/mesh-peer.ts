import { type CurlResult, describeResult } from "../probes/curl.ts";
import { judgeRefusal } from "../probes/http-probes.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// Finding: any mesh identity can scrape the secure ports. The listeners' client validation is only
// the mesh root: a combined_validation_context whose default_validation_context is empty, with SDS
// ROOTCA as the trusted CA and no subject-alt-name matcher (tools/packaging/common/envoy_bootstrap.json
// L740-935 and security/pkg/nodeagent/sds/sdsservice.go L292-325, Istio 1.31.0-rc.0). And nothing
// else stands in front of them: the HTTP connection manager's only filter is the router, istiod
// builds no listener on these ports (pilot/pkg/model/context.go L901-903), so an
// AuthorizationPolicy on the workload is never evaluated by the static listener itself.

export const MESH_PEER_PREDICTION =
  "the secure ports authenticate the mesh, not Prometheus: any workload certificate that chains to the mesh root gets 200 (no SAN check on 15091/15092). What limits who scrapes is only the network's reach to those ports (a NetworkPolicy), not the listener";

export interface MeshPeerAttempt {
  url: string;
  /** The secure Prometheus's own scrape, in the same attempt: shows the port alive. */
  prometheus: CurlResult;
  /** The same request from a mesh workload that is not Prometheus, with its own certificate. */
  peer: CurlResult;
  /** The peer's SPIFFE id, for the report. */
  peerId: string;
}

export function judgeMeshPeerScrape(a: MeshPeerAttempt): Verdict {
  const ev = [
    `Prometheus's own certificate: ${describeResult(a.url, a.prometheus)}`,
    `${a.peerId}: ${describeResult(a.url, a.peer)}`,
  ];
  if (a.prometheus.status !== 200) {
    return error(
      "mesh-peer",
      `could not show ${a.url} alive with Prometheus's certificate (${describeResult(a.url, a.prometheus)}); the peer's result proves nothing`,
      ev,
    );
  }
  if (a.peer.status === 200) {
    return pass("mesh-peer", `as predicted, ${a.peerId} got 200 from ${a.url}: ${MESH_PEER_PREDICTION}`, ev);
  }
  if (judgeRefusal(a.peer) === "refused") {
    return fail(
      "mesh-peer",
      `finding contradicted: ${a.url} refused ${a.peerId} while Prometheus got 200 (the listener checks the client's identity); predicted: ${MESH_PEER_PREDICTION}`,
      ev,
    );
  }
  return error("mesh-peer", `could not tell whether a mesh peer can scrape: ${ev[1]}`, ev);
}
