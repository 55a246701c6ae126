import { X509Certificate } from "node:crypto";
import { type Convergence, converge } from "./converge.ts";
import { type ClientTls, type CommandRunner, type CurlResult, curl, describeResult } from "./curl.ts";
import { error, fail, pass, type Verdict } from "./verdict.ts";

// The HTTP probes of the catalog. Rejection probes first show the port alive over mTLS, so a dead
// or unreachable target is an error, never a pass; and a rejected request that got 200 is a
// failure whatever the liveness check said.
export interface SecurePortTarget {
  /** e.g. https://10.0.0.5:15092/stats/prometheus */
  url: string;
  /** The mesh client's files (Prometheus's OUTPUT_CERTS: root-cert.pem, cert-chain.pem, key.pem). */
  meshClient: ClientTls;
  timeoutMs: number;
}

const ok200 = (r: CurlResult) => r.outcome === "response" && r.status === 200;
const cannotTell = (r: CurlResult) => r.outcome === "timeout" || r.outcome === "client-error";

export async function probeMtls(run: CommandRunner, t: SecurePortTarget): Promise<Verdict> {
  const r = await curl(run, { url: t.url, tls: t.meshClient, timeoutMs: t.timeoutMs });
  const ev = [describeResult(t.url, r)];
  if (ok200(r)) return pass("mtls", `mTLS scrape got HTTP 200 from ${t.url}`, ev);
  if (cannotTell(r)) return error("mtls", `could not tell: ${r.outcome} on ${t.url} (${r.message})`, ev);
  return fail(
    "mtls",
    `mTLS scrape of ${t.url} did not get 200: ${r.outcome === "response" ? `HTTP ${r.status}` : r.message}`,
    ev,
  );
}

type Rejection = "plaintext" | "no-cert" | "foreign-ca";

async function probeRejected(
  run: CommandRunner,
  t: SecurePortTarget,
  kind: Rejection,
  bad: { url: string; tls?: ClientTls },
): Promise<Verdict> {
  const [alive, attempt] = await Promise.all([
    curl(run, { url: t.url, tls: t.meshClient, timeoutMs: t.timeoutMs }),
    curl(run, { url: bad.url, tls: bad.tls, timeoutMs: t.timeoutMs }),
  ]);
  const ev = [
    `liveness over mTLS: ${describeResult(t.url, alive)}`,
    `${kind} request: ${describeResult(bad.url, attempt)}`,
  ];
  const what = {
    plaintext: "plain HTTP",
    "no-cert": "TLS without a client certificate",
    "foreign-ca": "a foreign-CA client certificate",
  }[kind];
  if (ok200(attempt))
    return fail(kind, `${what} got HTTP 200 from ${bad.url}: the port accepts clients outside the mesh`, ev);
  if (!ok200(alive))
    return error(
      kind,
      `could not show ${t.url} alive over mTLS (${describeResult(t.url, alive)}); a refusal proves nothing`,
      ev,
    );
  if (cannotTell(attempt))
    return error(kind, `could not tell: ${attempt.outcome} for ${what} (${attempt.message})`, ev);
  return pass(
    kind,
    `${what} refused (${attempt.outcome === "response" ? `HTTP ${attempt.status}` : attempt.outcome}) while mTLS got 200`,
    ev,
  );
}

export function probePlaintextRejected(run: CommandRunner, t: SecurePortTarget): Promise<Verdict> {
  return probeRejected(run, t, "plaintext", { url: t.url.replace(/^https:/, "http:") });
}

export function probeNoClientCertRejected(run: CommandRunner, t: SecurePortTarget): Promise<Verdict> {
  return probeRejected(run, t, "no-cert", { url: t.url, tls: { ca: t.meshClient.ca } });
}

export function probeForeignCaRejected(
  run: CommandRunner,
  t: SecurePortTarget,
  foreign: ClientTls,
): Promise<Verdict> {
  return probeRejected(run, t, "foreign-ca", { url: t.url, tls: foreign });
}

export type EndpointCheck = "mtls" | "plaintext" | "no-cert" | "foreign-ca";

/** One secure endpoint's HTTP checks, the same for the lab and the conformance suites, each judged
 * by convergence (N passes in a row within the named time). A rejection attempt proves the port
 * alive over mTLS in the same attempt, so liveness and refusal are seen together. */
export function endpointProbes(
  run: CommandRunner,
  t: SecurePortTarget,
  foreign: ClientTls,
  convergence: Convergence,
): Record<EndpointCheck, () => Promise<Verdict>> {
  const c = (attempt: () => Promise<Verdict>) => () => converge(attempt, convergence);
  return {
    mtls: c(() => probeMtls(run, t)),
    plaintext: c(() => probePlaintextRejected(run, t)),
    "no-cert": c(() => probeNoClientCertRejected(run, t)),
    "foreign-ca": c(() => probeForeignCaRejected(run, t, foreign)),
  };
}

/** URI SANs of a PEM certificate, e.g. ["spiffe://cluster.local/ns/a/sa/b"]. */
export function uriSans(pem: string): string[] {
  const san = new X509Certificate(pem).subjectAltName ?? "";
  return san
    .split(/,\s*/)
    .filter((s) => s.startsWith("URI:"))
    .map((s) => s.slice(4));
}

export async function probeIdentity(
  run: CommandRunner,
  t: SecurePortTarget,
  expected: string,
): Promise<Verdict> {
  const r = await curl(run, { url: t.url, tls: t.meshClient, timeoutMs: t.timeoutMs, peerCertificate: true });
  if (!r.peerCertificatePem) {
    return error("identity", `no server certificate from ${t.url} (${describeResult(t.url, r)})`, [
      describeResult(t.url, r),
    ]);
  }
  const sans = uriSans(r.peerCertificatePem);
  const ev = [`server certificate URI SANs: ${sans.join(", ") || "(none)"}`, `expected: ${expected}`];
  if (sans.length === 1 && sans[0] === expected) return pass("identity", `${t.url} presents ${expected}`, ev);
  return fail("identity", `${t.url} presents ${sans.join(", ") || "no URI SAN"}, not ${expected}`, ev);
}

export interface LocalhostOnlyTarget {
  /** The pod's secure merged port, to show it alive (it reaches 15020 from inside the pod). */
  secure: SecurePortTarget;
  /** http://POD_IP:15090/stats/prometheus and http://POD_IP:15020/stats/prometheus */
  envoyStatsUrl: string;
  agentStatsUrl: string;
}

/** METRICS_LOCALHOST_ACCESS_ONLY: from another address, 15090 refuses and 15020 answers non-200
 * (403 in Istio), while the mTLS path still gets 200. */
export async function probeLocalhostOnly(run: CommandRunner, t: LocalhostOnlyTarget): Promise<Verdict> {
  const to = t.secure.timeoutMs;
  const [alive, envoy, agent] = await Promise.all([
    curl(run, { url: t.secure.url, tls: t.secure.meshClient, timeoutMs: to }),
    curl(run, { url: t.envoyStatsUrl, timeoutMs: to }),
    curl(run, { url: t.agentStatsUrl, timeoutMs: to }),
  ]);
  const ev = [
    describeResult(t.secure.url, alive),
    describeResult(t.envoyStatsUrl, envoy),
    describeResult(t.agentStatsUrl, agent),
  ];
  const exposed = [envoy, agent].flatMap((r, i) =>
    ok200(r) ? [[t.envoyStatsUrl, t.agentStatsUrl][i]!] : [],
  );
  if (exposed.length > 0)
    return fail(
      "localhost-only",
      `plaintext metrics reachable from another address: ${exposed.join(", ")}`,
      ev,
    );
  // A dead pod refuses everything too: without mTLS liveness a refusal proves nothing.
  if (!ok200(alive))
    return error(
      "localhost-only",
      `could not show the pod alive over mTLS (${describeResult(t.secure.url, alive)})`,
      ev,
    );
  if (cannotTell(envoy) || cannotTell(agent))
    return error("localhost-only", "could not tell: a plaintext port timed out", ev);
  return pass("localhost-only", "15090 and 15020 refuse other addresses; mTLS still gets 200", ev);
}
