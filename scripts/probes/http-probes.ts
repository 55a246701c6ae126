import { X509Certificate } from "node:crypto";
import { type Convergence, converge } from "./converge.ts";
import {
  type ClientTls,
  type CommandRunner,
  type CurlResult,
  curl,
  describeResult,
  pemBlocks,
} from "./curl.ts";
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

// parseCurl sets a status only when an HTTP response arrived.
const ok200 = (r: CurlResult) => r.status === 200;
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

/** Exposition text: a `# TYPE`/`# HELP` line, or a sample line of a metric name with an underscore
 * (all of Envoy's, Istio's and Prometheus's have one), optional labels and a number. */
const METRICS_BODY = /^(# (TYPE|HELP) |\w*_\w*(\{.*\})? [-+\d.eE]+( \d+)?$)/m;

/** Envoy's own answer when its upstream (the TLS-only listener, on a captured path) closed or reset
 * the plaintext it forwarded: the listener refusing, reported by the sidecar in front of it.
 * "connection termination" is what istio.io's verify script expects (istio-facts.md §2.5); "remote
 * reset" is the same close seen as a reset; "protocol error" is the listener's TLS bytes read as an
 * HTTP answer. "connection failure" is not among them: the sidecar could not connect at all, which
 * says nothing about what the listener accepts. */
const ENVOY_UPSTREAM_REFUSED =
  /upstream connect error or disconnect\/reset before headers\..*reset reason: (connection termination|remote reset|protocol error)/;

/** Envoy's 503 for an upstream that refused what the sidecar forwarded (see above). */
export const isEnvoyUpstreamRefusal = (r: CurlResult): boolean =>
  r.status === 503 && ENVOY_UPSTREAM_REFUSED.test(r.body);

export type Refusal = "refused" | "accepted" | "unclear";

/**
 * What a request that should be refused saw. A transport refusal (the connection closed or reset, a
 * TLS alert or handshake failure) is a refusal, and so is Envoy's 503 "upstream connect error ...
 * connection termination" from a sidecar whose upstream listener refused; any 2xx, or metrics in the
 * body whatever the status, means the port let the client in. Any other answer (403, 404, another
 * 5xx, a timeout, a client-side problem, a refused TCP connect on a port just shown alive) cannot
 * tell whether the listener speaks plaintext: unclear, never a pass.
 */
export function judgeRefusal(r: CurlResult): Refusal {
  if (r.outcome === "rejected") return "refused";
  if (r.outcome !== "response") return "unclear";
  if ((r.status ?? 0) >= 200 && (r.status ?? 0) < 300) return "accepted";
  if (METRICS_BODY.test(r.body)) return "accepted";
  if (isEnvoyUpstreamRefusal(r)) return "refused";
  return "unclear";
}

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
  const seen = attempt.outcome === "response" ? `HTTP ${attempt.status}` : attempt.outcome;
  const judged = judgeRefusal(attempt);
  if (judged === "accepted") {
    return fail(kind, `${what} got ${seen} from ${bad.url}: the port accepts clients outside the mesh`, ev);
  }
  if (!ok200(alive)) {
    return error(
      kind,
      `could not show ${t.url} alive over mTLS (${describeResult(t.url, alive)}); a refusal proves nothing`,
      ev,
    );
  }
  if (judged === "unclear") {
    return error(
      kind,
      `could not tell whether ${what} is refused: ${attempt.outcome === "response" ? `HTTP ${attempt.status} is neither a refusal nor a scrape` : `${attempt.outcome} (${attempt.message})`}`,
      ev,
    );
  }
  return pass(kind, `${what} refused (${seen}) while mTLS got 200`, ev);
}

export function probePlaintextRejected(run: CommandRunner, t: SecurePortTarget): Promise<Verdict> {
  const plain = new URL(t.url);
  plain.protocol = "http:";
  return probeRejected(run, t, "plaintext", { url: plain.toString() });
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
  const san = new X509Certificate(pem).subjectAltName;
  if (!san) return [];
  // Node lists SANs as "URI:spiffe://..., DNS:...".
  return san
    .split(", ")
    .filter((s) => s.startsWith("URI:"))
    .map((s) => s.slice(4));
}

/**
 * Whether a presented chain (leaf first) leads to one of the trusted roots by signatures: each
 * certificate signed by the next one in the chain, or by a root, and every signer a CA
 * (basicConstraints CA:true); every certificate valid now. A certificate carrying the right SPIFFE
 * id from an unrelated CA does not, nor one signed with another workload's key (any workload of the
 * mesh holds a key whose certificate chains to the root, but it is not a CA).
 */
export function chainsToRoot(
  chain: readonly string[],
  rootsPem: readonly string[],
  now: Date = new Date(),
): boolean {
  return chainProblem(chain, rootsPem, now) === undefined;
}

/** Why a presented chain does not lead to the mesh root (see chainsToRoot), or undefined. */
export function chainProblem(
  chain: readonly string[],
  rootsPem: readonly string[],
  now: Date = new Date(),
): string | undefined {
  const roots = rootsPem.map((p) => new X509Certificate(p));
  const certs = chain.map((p) => new X509Certificate(p));
  // A signature is the proof; names alone can be copied.
  const signedBy = (c: X509Certificate, issuer: X509Certificate) => c.verify(issuer.publicKey);
  for (const [i, c] of certs.entries()) {
    const which = i === 0 ? "the server certificate" : `chain certificate ${i + 1}`;
    if (c.validFromDate > now || now > c.validToDate)
      return `${which} is not valid now (valid ${c.validFromDate.toISOString()} to ${c.validToDate.toISOString()})`;
    const root = roots.find((r) => signedBy(c, r));
    if (root) return root.ca ? undefined : `${which} is signed by a root that is not a CA`;
    const up = certs[i + 1];
    if (!up || !signedBy(c, up)) return "no signature leads from it to the mesh root";
    if (!up.ca)
      return `${which} is signed by a certificate that is not a CA (CA:false, e.g. another workload's)`;
  }
  return "no signature leads from it to the mesh root";
}

/**
 * The secure port presents the target's own SPIFFE identity, from a certificate that chains to the
 * mesh root: curl runs with --insecure (Istio's SPIFFE-only certificates match no host name), so the
 * chain is verified here against the mesh client's root-cert.pem, read through the same runner.
 */
export async function probeIdentity(
  run: CommandRunner,
  t: SecurePortTarget,
  expected: string,
): Promise<Verdict> {
  const ca = t.meshClient.ca;
  // The scrape and the read of the root at once: one wait for a process turn, not two.
  const [r, root] = await Promise.all([
    curl(run, { url: t.url, tls: t.meshClient, timeoutMs: t.timeoutMs, peerCertificate: true }),
    ca ? run(["cat", ca]) : undefined,
  ]);
  const seen = describeResult(t.url, r);
  const leaf = r.peerCertificates[0];
  if (!leaf) return error("identity", `no server certificate from ${t.url} (${seen})`, [seen]);
  if (!root) return error("identity", "no mesh root to verify the server certificate against", []);
  const roots = pemBlocks(root.stdout);
  if (roots.length === 0) {
    return error(
      "identity",
      `cannot read the mesh root ${ca}: ${root.stderr.trim() || `exit ${root.exitCode}`}`,
    );
  }
  const sans = uriSans(leaf);
  const issuer = new X509Certificate(leaf).issuer.replaceAll("\n", ", ");
  const ev = [
    `server certificate URI SANs: ${sans.join(", ") || "(none)"}, issuer ${issuer}`,
    `expected: ${expected}, chained to the mesh root ${ca}`,
  ];
  const problem = chainProblem(r.peerCertificates, roots);
  if (problem) {
    return fail(
      "identity",
      `${t.url} presents a certificate that does not chain to the mesh root: ${problem} (issuer ${issuer})`,
      ev,
    );
  }
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
  const accepted = (r: CurlResult) => judgeRefusal(r) === "accepted";
  const exposed = [envoy, agent].flatMap((r, i) =>
    accepted(r) ? [[t.envoyStatsUrl, t.agentStatsUrl][i]!] : [],
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
  // What the hardening does (istio-facts.md §2.4): 15090 binds loopback only, so another address is
  // refused at connect; 15020 answers 403. Anything else cannot tell.
  if (envoy.outcome !== "refused") {
    return error(
      "localhost-only",
      `15090 neither refused nor served: ${describeResult(t.envoyStatsUrl, envoy)}`,
      ev,
    );
  }
  if (agent.status !== 403) {
    return error("localhost-only", `15020 did not answer 403: ${describeResult(t.agentStatsUrl, agent)}`, ev);
  }
  return pass(
    "localhost-only",
    "15090 refuses and 15020 answers 403 to other addresses; mTLS still gets 200",
    ev,
  );
}
