import { type CurlResult, describeResult } from "../probes/curl.ts";
import { isEnvoyUpstreamRefusal } from "../probes/http-probes.ts";
import { LISTENER_COLUMNS, parseTable } from "../probes/istioctl-output.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// Findings state their prediction precisely, so reality can disagree with them. Each judge returns
// pass when Istio behaved as the facts predict and fail (with what happened) when it did not.

/**
 * Native secure port under PeerAuthentication STRICT (catalog-facts.md §2, capture caveat,
 * inferred from the code): 15091/15092 are not excluded from inbound capture, so the sidecar's
 * virtualInbound chain terminates the mesh client's TLS and forwards plaintext to the TLS-only
 * listener, which closes it. The client's handshake succeeds, then its TLS session ends without an
 * HTTP answer (curl 52 "Empty reply" or 56 "Recv failure"); had the sidecar taken the stream for
 * HTTP, Envoy's own 503 "upstream connect error" instead. A 200, a handshake failure or any other
 * answer contradicts the prediction.
 */
export const STRICT_PREDICTION =
  "under STRICT the sidecar terminates the scrape's TLS and forwards plaintext to the TLS-only listener: the session ends without an HTTP answer (curl 52/56) or with Envoy's 503 upstream connect error";

export function judgeStrictScrape(url: string, r: CurlResult): Verdict {
  const seen = describeResult(url, r);
  // 52/56 are always "rejected" outcomes, and a status exists only on a response.
  const closedAfterHandshake = r.exitCode === 52 || r.exitCode === 56;
  const envoy503 = isEnvoyUpstreamRefusal(r);
  if (closedAfterHandshake || envoy503) {
    return pass("strict", `as predicted, ${STRICT_PREDICTION} (seen: ${seen})`, [seen]);
  }
  // A timeout or a problem on the client's side says nothing about the listener.
  if (r.outcome === "timeout" || r.outcome === "client-error") {
    return error("strict", `could not tell whether the finding holds: ${seen}`, [seen]);
  }
  const what =
    r.status === 200
      ? "the native secure port answers 200 under STRICT"
      : `a different outcome than predicted: ${seen}`;
  return fail("strict", `finding contradicted: ${what}; predicted: ${STRICT_PREDICTION}`, [seen]);
}

/**
 * Gateway API gateway configured only through the docs' spec.infrastructure.annotations
 * proxy.istio.io/config (istio-facts.md §4.5): by the code, the annotation never
 * reaches the gateway's bootstrap env, so no secure listener appears. Listeners on 15091 or 15092
 * contradict the prediction.
 */
export const DOCS_PATH_PREDICTION =
  "the docs' Gateway API path (spec.infrastructure.annotations proxy.istio.io/config) creates no secure listener, as the code predicts; use a ProxyConfig";

export function judgeDocsPathListeners(output: string): Verdict {
  const rows = parseTable(output, LISTENER_COLUMNS);
  if (!Array.isArray(rows))
    return error("listeners", `cannot read the docs gateway's listeners: ${rows.problem}`);
  // Every Istio proxy serves readiness on 15021: a table without it is not the gateway's listeners
  // (an empty or partial answer), and the absence of secure rows in it would prove nothing.
  if (!rows.some((row) => row.PORT === "15021"))
    return error(
      "listeners",
      "the docs gateway's listener table has no 15021 readiness listener: it is not a running gateway's table, so the absence of 15091/15092 proves nothing",
    );
  const present = ["15091", "15092"].filter((p) => rows.some((row) => row.PORT === p));
  if (present.length === 0) return pass("listeners", `as predicted, ${DOCS_PATH_PREDICTION}`);
  return fail(
    "listeners",
    `finding contradicted: the docs' Gateway API path created listeners on ${present.join(", ")}; predicted: ${DOCS_PATH_PREDICTION}`,
  );
}
