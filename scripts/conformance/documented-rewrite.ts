import { isIPv6 } from "node:net";
import { type Convergence, converge } from "../probes/converge.ts";
import type { PrometheusApi, TargetsData } from "../probes/prometheus.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// Finding: the documented secure jobs on an IPv6 pod. istio/istio's
// samples/addons/extras/prometheus-secure-metrics.yaml (1.31) and istio.io's secure-metrics page
// rewrite __address__ as "$1:$2" from the pod IP and the secure-port annotation, which for an IPv6
// pod makes "fd00::5:15092": no valid host:port (RFC 3986 wants [fd00::5]:15092). Measured with a
// real Prometheus (2.42, the lab's IPv6 pod): it still scrapes such a target and reports it UP,
// because Go's URL parser takes the last colon as the port's, but the instance label is the bare
// string and the targets API adds "too many colons in address" as lastError beside health "up"
// (prometheus/prometheus#8623, open: "the scrape does happen and the State is showing as up").
// Dashboards and alerts that parse instance as host:port break; the scrape itself does not.

export const DOCUMENTED_JOB = "istio-secure-merged-metrics-as-documented";

export const DOCUMENTED_REWRITE_PREDICTION =
  'the documented "$1:$2" address rewrite writes an IPv6 pod as "fd00::5:15092" (no brackets). Prometheus still scrapes it UP (Go takes the last colon as the port\'s), but its instance label is no host:port and the targets API reports "too many colons in address" beside health up (prometheus#8623); the suite\'s jobs add a [$1]:$2 rule';

export interface RewritePod {
  namespace: string;
  name: string;
  ip: string;
}

/** One look at /api/v1/targets data: the documented job's target for the pod, judged against the
 * prediction. The suite's own bracketed job must show the pod UP first (`own`): otherwise IPv6
 * scraping is broken for everyone and the documented rewrite cannot be told apart. */
export function judgeDocumentedRewrite(data: unknown, pod: RewritePod, own: Verdict): Verdict {
  const where = `job ${DOCUMENTED_JOB}, pod ${pod.namespace}/${pod.name}`;
  if (!isIPv6(pod.ip))
    return error(
      "documented-rewrite",
      `${where}: the pod's IP ${pod.ip} is not IPv6; this finding needs an IPv6 cell`,
    );
  if (own.verdict !== "pass") {
    return error(
      "documented-rewrite",
      `the suite's own bracketed job does not have the pod UP (${own.summary}); the documented rewrite cannot be judged`,
      own.evidence,
    );
  }
  const d = (data ?? {}) as TargetsData;
  // Stryker disable next-line ArrayDeclaration: equivalent, a stand-in element has no pool to match
  const mine = (d.activeTargets ?? []).filter(
    (x) =>
      x.scrapePool === DOCUMENTED_JOB && x.labels?.namespace === pod.namespace && x.labels.pod === pod.name,
  );
  const ev = mine.map(
    (x) =>
      `scrapeUrl ${x.scrapeUrl}, instance ${x.labels!.instance}, health ${x.health}, lastError "${x.lastError ?? ""}"`,
  );
  const up = mine.find((x) => x.health === "up");
  if (up) {
    // Not new URL(): WHATWG refuses "https://::1:15092/..." (Prometheus's own URL here).
    if (up.scrapeUrl.includes("://[")) {
      return fail(
        "documented-rewrite",
        `finding contradicted: the documented job scrapes ${pod.ip} with brackets (${up.scrapeUrl}); predicted: ${DOCUMENTED_REWRITE_PREDICTION}`,
        ev,
      );
    }
    return pass(
      "documented-rewrite",
      `as predicted, ${where} is UP at ${up.scrapeUrl} with instance "${up.labels!.instance}"${up.lastError ? ` and lastError "${up.lastError}"` : ""}: ${DOCUMENTED_REWRITE_PREDICTION}`,
      ev,
    );
  }
  const down = mine.find((x) => x.health === "down");
  if (down) {
    return fail(
      "documented-rewrite",
      `finding contradicted, and worse: the documented job cannot scrape the IPv6 pod (${down.scrapeUrl} DOWN: ${down.lastError}); predicted: ${DOCUMENTED_REWRITE_PREDICTION}`,
      ev,
    );
  }
  // Stryker disable next-line ArrayDeclaration: equivalent, a stand-in element has no pool to match
  const dropped = (d.droppedTargets ?? []).some(
    (x) => x.scrapePool === DOCUMENTED_JOB && x.discoveredLabels?.__meta_kubernetes_pod_ip === pod.ip,
  );
  if (dropped) {
    return fail(
      "documented-rewrite",
      `finding contradicted, and worse: the documented job drops the IPv6 pod ${pod.ip} (never scraped); predicted: ${DOCUMENTED_REWRITE_PREDICTION}`,
    );
  }
  // Discovered but not scraped yet, or not discovered yet: "not yet" for the convergence.
  return fail(
    "documented-rewrite",
    `${where}: not scraped yet${mine.length > 0 ? "" : " (not discovered)"}`,
    ev,
  );
}

/** Polls the targets API until the judgement holds N times in a row (a contradiction or a target
 * that never shows waits out the budget and is reported with its last state). */
export function probeDocumentedRewrite(
  api: PrometheusApi,
  pod: RewritePod,
  own: Verdict,
  convergence: Convergence,
): Promise<Verdict> {
  // Nothing to wait for when the answer cannot change: not an IPv6 pod, or the own job not UP.
  if (!isIPv6(pod.ip) || own.verdict !== "pass") return Promise.resolve(judgeDocumentedRewrite({}, pod, own));
  return converge(async () => {
    const r = await api.get("/api/v1/targets?state=any");
    if (!r.ok) return error("documented-rewrite", `Prometheus API unreachable: ${r.problem}`);
    return judgeDocumentedRewrite(r.data, pod, own);
  }, convergence);
}
