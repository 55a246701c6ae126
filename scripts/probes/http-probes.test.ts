import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createCa, createIntermediate, issueWorkload, workloadAsIssuer } from "../lab/pki.ts";
import { curlAnswer, curlFailure, WRITE_OUT_MARK as MARK } from "../testing/curl-output.ts";
import { type CommandRunner, type ProcessResult, parseCurl } from "./curl.ts";
import {
  chainProblem,
  chainsToRoot,
  endpointProbes,
  judgeRefusal,
  probeForeignCaRejected,
  probeIdentity,
  probeLocalhostOnly,
  probeMtls,
  probeNoClientCertRejected,
  probePlaintextRejected,
  type SecurePortTarget,
  uriSans,
} from "./http-probes.ts";

// The verdict logic of the HTTP probes, on the outputs curl gives (the lab proves the transport
// with real TLS servers and real curl). A scripted runner answers each curl command line.
const answer = curlAnswer;
const failed = curlFailure;
const REFUSED = failed(56, "curl: (56) OpenSSL SSL_read: tlsv13 alert certificate required");
const METRICS = "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n";

/** Answers by what the command line asks: plain http, https without a client cert, with the foreign
 * client, or with the mesh client; and `cat` of a file. Records every command. */
function scripted(a: {
  mesh?: ProcessResult;
  plain?: ProcessResult;
  noCert?: ProcessResult;
  foreign?: ProcessResult;
  cat?: ProcessResult;
  seen?: string[][];
}): CommandRunner {
  return async (argv) => {
    a.seen?.push([...argv]);
    if (argv[0] === "cat") return a.cat ?? failed(1, "cat: no such file");
    const url = argv.at(-1)!;
    if (url.startsWith("http://")) return a.plain ?? failed(7, "curl: (7) Failed to connect");
    if (argv.includes("/f/cert.pem")) return a.foreign ?? REFUSED;
    if (!argv.includes("--cert")) return a.noCert ?? REFUSED;
    const mesh = a.mesh ?? answer(METRICS, 200);
    // Like curl: the certificates are in the output only when --write-out asks for %{certs}.
    const asked = argv.some((x) => x.includes("%{certs}"));
    return asked ? mesh : { ...mesh, stdout: mesh.stdout.replace(/\nSubject:[\s\S]*$/, "") };
  };
}

const t: SecurePortTarget = {
  url: "https://10.0.0.5:15092/stats/prometheus",
  meshClient: { ca: "/m/root-cert.pem", cert: "/m/cert-chain.pem", key: "/m/key.pem" },
  timeoutMs: 2_000,
};
const foreign = { ca: "/f/root.pem", cert: "/f/cert.pem", key: "/f/key.pem" };

describe("judgeRefusal: what a request that must be refused saw", () => {
  const r = (p: ProcessResult) => judgeRefusal(parseCurl(p));
  it.each([
    ["a TLS alert", REFUSED, "refused"],
    ["an empty reply (connection closed)", failed(52, "curl: (52) Empty reply from server"), "refused"],
    ["a handshake failure", failed(35, "curl: (35) alert handshake failure"), "refused"],
    [
      "Envoy's 503 upstream connect error (connection termination)",
      answer(
        "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
        503,
      ),
      "refused",
    ],
    [
      "Envoy's 503 upstream connect error (remote reset)",
      answer("upstream connect error or disconnect/reset before headers. reset reason: remote reset", 503),
      "refused",
    ],
    [
      "Envoy's 503 upstream connect error (protocol error: TLS bytes read as HTTP)",
      answer("upstream connect error or disconnect/reset before headers. reset reason: protocol error", 503),
      "refused",
    ],
    [
      "Envoy's 503 when it could not connect at all (connection failure)",
      answer(
        "upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: delayed connect error: 111",
        503,
      ),
      "unclear",
    ],
    ["a 200", answer("ok", 200), "accepted"],
    ["a 204", answer("", 204), "accepted"],
    ["a 299", answer("", 299), "accepted"],
    ["metrics under a 500", answer(METRICS, 500), "accepted"],
    [
      "a bare sample line under a 404",
      answer('envoy_cluster_upstream_cx_total{cluster_name="x"} 7', 404),
      "accepted",
    ],
    ["a HELP line", answer("# HELP istio_requests_total Total requests", 500), "accepted"],
    ["a TYPE line", answer("# TYPE istio_agent_up gauge", 500), "accepted"],
    ["a sample with exponent", answer("process_start_time_seconds 1.7e+09", 500), "accepted"],
    ["a sample with timestamp", answer("envoy_server_live 1 1700000000000", 500), "accepted"],
    ["a sample among other lines", answer("note\nistio_agent_up 1\nend", 500), "accepted"],
    ["an error line of two words", answer("Error 404", 404), "unclear"],
    ["a TYPE marker inside a sentence", answer("see # TYPE in the docs", 500), "unclear"],
    ["a sample-like line with more after it", answer("retry_after 3 seconds", 503), "unclear"],
    [
      "Envoy's 503 after retries (latest reset reason)",
      answer(
        "upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection termination",
        503,
      ),
      "refused",
    ],
    ["a word and a number with no underscore", answer("retry 3", 503), "unclear"],
    [
      "a partial scrape cut by a timeout",
      { exitCode: 28, stdout: `${METRICS}${MARK}000`, stderr: "curl: (28) timed out" },
      "unclear",
    ],
    [
      "the upstream connect error text under a 502",
      answer(
        "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
        502,
      ),
      "unclear",
    ],
    ["a 300", answer("", 300), "unclear"],
    ["a 404", answer("not found", 404), "unclear"],
    ["a 403", answer("RBAC: access denied", 403), "unclear"],
    ["another 503", answer("no healthy upstream", 503), "unclear"],
    ["a 199", answer("", 199), "unclear"],
    ["a refused TCP connect", failed(7, "curl: (7) Failed to connect"), "unclear"],
    ["a timeout", failed(28, "curl: (28) Operation timed out"), "unclear"],
    ["a client-side problem", failed(58, "curl: (58) unable to set private key file"), "unclear"],
  ])("%s is %s", (_what, p, verdict) => {
    expect(r(p)).toBe(verdict);
  });
});

describe("probeMtls", () => {
  it("passes on 200 only; a refusal or another status fails; a timeout cannot tell", async () => {
    expect(await probeMtls(scripted({}), t)).toEqual({
      probe: "mtls",
      verdict: "pass",
      summary: "mTLS scrape got HTTP 200 from https://10.0.0.5:15092/stats/prometheus",
      evidence: ["https://10.0.0.5:15092/stats/prometheus: HTTP 200"],
    });
    // A response is described by its status even when curl printed something on stderr.
    expect(
      (await probeMtls(scripted({ mesh: { ...answer("", 404), stderr: "curl: warning" } }), t)).summary,
    ).toBe("mTLS scrape of https://10.0.0.5:15092/stats/prometheus did not get 200: HTTP 404");
    expect(await probeMtls(scripted({ mesh: answer("", 404) }), t)).toMatchObject({
      verdict: "fail",
      summary: "mTLS scrape of https://10.0.0.5:15092/stats/prometheus did not get 200: HTTP 404",
    });
    expect((await probeMtls(scripted({ mesh: REFUSED }), t)).summary).toMatch(
      /did not get 200: curl: \(56\)/,
    );
    expect(await probeMtls(scripted({ mesh: failed(28, "timed out") }), t)).toEqual({
      probe: "mtls",
      verdict: "error",
      summary: "could not tell: timeout on https://10.0.0.5:15092/stats/prometheus (timed out)",
      evidence: ["https://10.0.0.5:15092/stats/prometheus: timeout (timed out)"],
    });
    expect((await probeMtls(scripted({ mesh: REFUSED }), t)).probe).toBe("mtls");
    expect((await probeMtls(scripted({ mesh: failed(58, "bad key") }), t)).verdict).toBe("error");
  });

  it("sends the mesh client's three files", async () => {
    const seen: string[][] = [];
    await probeMtls(scripted({ seen }), t);
    expect(seen[0]).toEqual(
      expect.arrayContaining([
        "--cacert",
        "/m/root-cert.pem",
        "--cert",
        "/m/cert-chain.pem",
        "--key",
        "/m/key.pem",
      ]),
    );
  });
});

describe("the refusal probes", () => {
  it("plaintext asks over http:// and passes only on a refusal while mTLS works", async () => {
    const seen: string[][] = [];
    const ok = await probePlaintextRejected(scripted({ plain: failed(52, "Empty reply"), seen }), t);
    expect(ok).toMatchObject({
      verdict: "pass",
      summary: "plain HTTP refused (rejected) while mTLS got 200",
    });
    expect(seen.map((a) => a.at(-1))).toEqual(
      expect.arrayContaining(["http://10.0.0.5:15092/stats/prometheus"]),
    );
    expect(ok.evidence).toEqual([
      "liveness over mTLS: https://10.0.0.5:15092/stats/prometheus: HTTP 200",
      "plaintext request: http://10.0.0.5:15092/stats/prometheus: rejected (Empty reply)",
    ]);
  });

  it("fails on a scrape, whether or not the port is alive over mTLS", async () => {
    const v = await probePlaintextRejected(scripted({ plain: answer(METRICS, 200), mesh: REFUSED }), t);
    expect(v).toMatchObject({ probe: "plaintext", verdict: "fail" });
    expect(v.summary).toBe(
      "plain HTTP got HTTP 200 from http://10.0.0.5:15092/stats/prometheus: the port accepts clients outside the mesh",
    );
  });

  it("is an error when the port is not shown alive, or the answer cannot tell", async () => {
    const dead = await probePlaintextRejected(
      scripted({ plain: failed(52, "x"), mesh: failed(7, "refused") }),
      t,
    );
    expect(dead.verdict).toBe("error");
    expect(dead.summary).toMatch(
      /^could not show https:\/\/10\.0\.0\.5:15092\/stats\/prometheus alive over mTLS/,
    );
    const notFound = await probePlaintextRejected(scripted({ plain: answer("", 404) }), t);
    expect(notFound).toMatchObject({ probe: "plaintext", verdict: "error" });
    expect(notFound.summary).toBe(
      "could not tell whether plain HTTP is refused: HTTP 404 is neither a refusal nor a scrape",
    );
    const slow = await probePlaintextRejected(scripted({ plain: failed(28, "timed out") }), t);
    expect(slow.summary).toBe("could not tell whether plain HTTP is refused: timeout (timed out)");
  });

  it("no-cert sends the root only; foreign-ca sends the foreign client's files", async () => {
    const seen: string[][] = [];
    expect((await probeNoClientCertRejected(scripted({ seen }), t)).verdict).toBe("pass");
    const noCert = seen.find((a) => !a.includes("--cert"))!;
    expect(noCert).toEqual(expect.arrayContaining(["--cacert", "/m/root-cert.pem"]));
    expect(noCert).not.toContain("--key");
    expect((await probeNoClientCertRejected(scripted({ noCert: answer(METRICS, 200) }), t)).summary).toMatch(
      /^TLS without a client certificate got HTTP 200/,
    );
    expect((await probeForeignCaRejected(scripted({}), t, foreign)).summary).toBe(
      "a foreign-CA client certificate refused (rejected) while mTLS got 200",
    );
    expect(
      (await probeForeignCaRejected(scripted({ foreign: answer(METRICS, 200) }), t, foreign)).verdict,
    ).toBe("fail");
  });

  it("endpointProbes wires each check to its probe under convergence", async () => {
    const probes = endpointProbes(scripted({ plain: answer(METRICS, 200) }), t, foreign, {
      consecutive: 1,
      timeout: { name: "consistency", ms: 50 },
      intervalMs: 10,
    });
    expect(Object.keys(probes)).toEqual(["mtls", "plaintext", "no-cert", "foreign-ca"]);
    expect((await probes.mtls()).verdict).toBe("pass");
    const plain = await probes.plaintext();
    expect(plain).toMatchObject({ verdict: "fail", probe: "plaintext" });
    expect(plain.attempts).toBeGreaterThanOrEqual(1);
    expect((await probes["no-cert"]()).verdict).toBe("pass");
    expect((await probes["foreign-ca"]()).verdict).toBe("pass");
  });
});

describe("probeIdentity and chainsToRoot", () => {
  const ID = "spiffe://cluster.local/ns/ssc-native/sa/httpbin";
  let meshRoot: string;
  let leaf: string;
  let viaIntermediate: string[];
  let foreignLeaf: string;
  let otherId: string;
  let twoSans: string;
  let withDns: string;
  let forged: string;
  beforeAll(async () => {
    const mesh = await createCa("Mesh");
    const other = await createCa("Other");
    const inter = await createIntermediate(mesh, "Mesh Intermediate");
    meshRoot = mesh.certPem;
    leaf = (await issueWorkload(mesh, ID)).certPem;
    viaIntermediate = [(await issueWorkload(inter, ID)).certPem, inter.certPem];
    foreignLeaf = (await issueWorkload(other, ID)).certPem;
    otherId = (await issueWorkload(mesh, "spiffe://cluster.local/ns/x/sa/y")).certPem;
    twoSans = (await issueWorkload(mesh, ID, [{ type: "url", value: "spiffe://cluster.local/ns/x/sa/y" }]))
      .certPem;
    withDns = (await issueWorkload(mesh, ID, [{ type: "dns", value: "httpbin.ssc-native.svc" }])).certPem;
    // A CA with the mesh root's very name but its own key: only the signature tells them apart.
    forged = (await issueWorkload(await createCa("Mesh"), ID)).certPem;
  });
  const presenting = (chain: string[], root = meshRoot) =>
    scripted({
      mesh: answer(METRICS, 200, `Subject:\n${chain.join("\n")}`),
      cat: { exitCode: 0, stdout: root, stderr: "" },
    });

  it("passes on the target's own id from the mesh CA, directly or through an intermediate", async () => {
    expect(await probeIdentity(presenting([leaf]), t, ID)).toEqual({
      probe: "identity",
      verdict: "pass",
      summary: `${t.url} presents ${ID}`,
      evidence: [
        `server certificate URI SANs: ${ID}, issuer O=Mesh, CN=Root CA`,
        `expected: ${ID}, chained to the mesh root /m/root-cert.pem`,
      ],
    });
    expect((await probeIdentity(presenting(viaIntermediate), t, ID)).verdict).toBe("pass");
    expect(chainsToRoot(viaIntermediate, [meshRoot])).toBe(true);
    // The intermediate alone is not a root: a chain that stops at it does not verify.
    expect(chainsToRoot([viaIntermediate[0]!], [meshRoot])).toBe(false);
  });

  it("fails on the right id from a CA outside the mesh, and on another id", async () => {
    const v = await probeIdentity(presenting([foreignLeaf]), t, ID);
    expect(v).toMatchObject({ probe: "identity", verdict: "fail" });
    expect(v.summary).toBe(
      `${t.url} presents a certificate that does not chain to the mesh root: no signature leads from it to the mesh root (issuer O=Other, CN=Root CA)`,
    );
    expect((await probeIdentity(presenting([otherId]), t, ID)).summary).toBe(
      `${t.url} presents spiffe://cluster.local/ns/x/sa/y, not ${ID}`,
    );
    expect(chainsToRoot([foreignLeaf], [meshRoot])).toBe(false);
    expect(chainsToRoot([forged], [meshRoot])).toBe(false);
    expect((await probeIdentity(presenting([forged]), t, ID)).summary).toMatch(
      /does not chain to the mesh root: no signature leads from it to the mesh root \(issuer O=Mesh, CN=Root CA\)/,
    );
    expect(chainsToRoot([], [meshRoot])).toBe(false);
    // A chain whose second certificate did not sign the first stops there.
    expect(chainsToRoot([foreignLeaf, viaIntermediate[1]!], [meshRoot])).toBe(false);
    expect(chainsToRoot([foreignLeaf], [meshRoot, viaIntermediate[1]!])).toBe(false);
  });

  it("refuses a chain through a certificate that is not a CA, and certificates not valid now", async () => {
    const mesh = await createCa("Mesh");
    // Any workload holds a key whose certificate chains to the root; signing with it makes no CA.
    const other = await workloadAsIssuer(mesh, "spiffe://cluster.local/ns/x/sa/y");
    const viaWorkload = [(await issueWorkload(other, ID)).certPem, other.certPem];
    expect(chainProblem(viaWorkload, [mesh.certPem])).toBe(
      "the server certificate is signed by a certificate that is not a CA (CA:false, e.g. another workload's)",
    );
    expect((await probeIdentity(presenting(viaWorkload, mesh.certPem), t, ID)).verdict).toBe("fail");
    // The same workload certificate given as a "root" is still no CA.
    expect(chainProblem([viaWorkload[0]!], [other.certPem])).toBe(
      "the server certificate is signed by a root that is not a CA",
    );
    const day = 24 * 3600 * 1000;
    const expired = await issueWorkload(mesh, ID, [], {
      notBefore: new Date(Date.now() - 3 * day),
      notAfter: new Date(Date.now() - day),
    });
    expect(chainProblem([expired.certPem], [mesh.certPem])).toMatch(
      /^the server certificate is not valid now \(valid .+ to .+\)$/,
    );
    const future = await issueWorkload(mesh, ID, [], {
      notBefore: new Date(Date.now() + day),
      notAfter: new Date(Date.now() + 3 * day),
    });
    expect(chainsToRoot([future.certPem], [mesh.certPem])).toBe(false);
    // The window includes both its ends.
    const leafCert = new X509Certificate(leaf);
    expect(chainsToRoot([leaf], [meshRoot], leafCert.validFromDate)).toBe(true);
    expect(chainsToRoot([leaf], [meshRoot], leafCert.validToDate)).toBe(true);
    expect(chainsToRoot([leaf], [meshRoot], new Date(leafCert.validToDate.getTime() + 1000))).toBe(false);
    // An empty chain leads nowhere, and says so.
    expect(chainProblem([], [meshRoot])).toBe("no signature leads from it to the mesh root");
    // Validity is judged at the time given: the same chain passes inside its window.
    expect(chainsToRoot([future.certPem], [mesh.certPem], new Date(Date.now() + 2 * day))).toBe(true);
    expect(chainsToRoot([expired.certPem], [mesh.certPem], new Date(Date.now() - 2 * day))).toBe(true);
    // An intermediate out of its window breaks the chain where it stands (the leaf outlives it).
    const inter = await createIntermediate(mesh, "Mesh Intermediate");
    const longLeaf = await issueWorkload(inter, ID, [], {
      notBefore: new Date(Date.now() - day),
      notAfter: new Date(Date.now() + 60 * day),
    });
    const chain = [longLeaf.certPem, inter.certPem];
    expect(chainsToRoot(chain, [mesh.certPem])).toBe(true);
    expect(chainProblem(chain, [mesh.certPem], new Date(Date.now() + 40 * day))).toBe(
      `chain certificate 2 is not valid now (valid ${inter.cert.notBefore.toISOString()} to ${inter.cert.notAfter.toISOString()})`,
    );
  });

  it("wants exactly one URI SAN, the target's, and reads SANs as Node lists them", async () => {
    expect(uriSans(twoSans)).toEqual([ID, "spiffe://cluster.local/ns/x/sa/y"]);
    expect(uriSans(withDns)).toEqual([ID]);
    expect((await probeIdentity(presenting([twoSans]), t, ID)).evidence[0]).toBe(
      `server certificate URI SANs: ${ID}, spiffe://cluster.local/ns/x/sa/y, issuer O=Mesh, CN=Root CA`,
    );
    expect((await probeIdentity(presenting([twoSans]), t, ID)).summary).toBe(
      `${t.url} presents ${ID}, spiffe://cluster.local/ns/x/sa/y, not ${ID}`,
    );
    expect((await probeIdentity(presenting([withDns]), t, ID)).verdict).toBe("pass");
  });

  it("accepts any of several roots in root-cert.pem (trust anchors)", async () => {
    const other = (await createCa("Anchor")).certPem;
    expect((await probeIdentity(presenting([leaf], `${other}\n${meshRoot}`), t, ID)).verdict).toBe("pass");
  });

  it("is an error without a certificate, without a readable root, or without a root configured", async () => {
    expect(await probeIdentity(scripted({ mesh: answer(METRICS, 200) }), t, ID)).toEqual({
      probe: "identity",
      verdict: "error",
      summary: `no server certificate from ${t.url} (${t.url}: HTTP 200)`,
      evidence: [`${t.url}: HTTP 200`],
    });
    const noRoot = await probeIdentity(
      scripted({ mesh: answer(METRICS, 200, leaf), cat: failed(1, "cat: /m/root-cert.pem: No such file\n") }),
      t,
      ID,
    );
    expect(noRoot).toEqual({
      probe: "identity",
      verdict: "error",
      summary: "cannot read the mesh root /m/root-cert.pem: cat: /m/root-cert.pem: No such file",
      evidence: [],
    });
    const empty = await probeIdentity(
      scripted({ mesh: answer(METRICS, 200, leaf), cat: { exitCode: 0, stdout: "", stderr: "" } }),
      t,
      ID,
    );
    expect(empty.summary).toBe("cannot read the mesh root /m/root-cert.pem: exit 0");
    const unset = await probeIdentity(presenting([leaf]), { ...t, meshClient: { cert: "c", key: "k" } }, ID);
    expect(unset).toEqual({
      probe: "identity",
      verdict: "error",
      summary: "no mesh root to verify the server certificate against",
      evidence: [],
    });
  });

  it("fails a certificate without a URI SAN, saying so", async () => {
    // The mesh root itself (self-signed, no SAN) presented as the server certificate.
    const v = await probeIdentity(presenting([meshRoot]), t, ID);
    expect(v).toMatchObject({
      probe: "identity",
      verdict: "fail",
      summary: `${t.url} presents no URI SAN, not ${ID}`,
    });
    expect(v.evidence[0]).toBe("server certificate URI SANs: (none), issuer O=Mesh, CN=Root CA");
    expect(uriSans(meshRoot)).toEqual([]);
    expect(uriSans(leaf)).toEqual([ID]);
  });
});

describe("probeLocalhostOnly", () => {
  const target = {
    secure: t,
    envoyStatsUrl: "http://10.0.0.5:15090/stats/prometheus",
    agentStatsUrl: "http://10.0.0.5:15020/stats/prometheus",
  };
  const run =
    (envoy: ProcessResult, agent: ProcessResult, mesh = answer(METRICS, 200)): CommandRunner =>
    async (argv) =>
      argv.at(-1)!.includes(":15090") ? envoy : argv.at(-1)!.includes(":15020") ? agent : mesh;
  const REFUSED_CONNECT = failed(7, "curl: (7) Failed to connect");
  const FORBIDDEN = answer("Only requests from localhost are allowed", 403);

  it("passes when 15090 refuses the connection and 15020 answers 403 while mTLS works", async () => {
    expect(await probeLocalhostOnly(run(REFUSED_CONNECT, FORBIDDEN), target)).toMatchObject({
      probe: "localhost-only",
      verdict: "pass",
      summary: "15090 refuses and 15020 answers 403 to other addresses; mTLS still gets 200",
    });
  });

  it("fails when either port serves metrics to another address", async () => {
    const v = await probeLocalhostOnly(run(answer(METRICS, 200), FORBIDDEN), target);
    expect(v).toEqual({
      probe: "localhost-only",
      verdict: "fail",
      summary: "plaintext metrics reachable from another address: http://10.0.0.5:15090/stats/prometheus",
      evidence: [
        "https://10.0.0.5:15092/stats/prometheus: HTTP 200",
        "http://10.0.0.5:15090/stats/prometheus: HTTP 200",
        "http://10.0.0.5:15020/stats/prometheus: HTTP 403",
      ],
    });
    expect((await probeLocalhostOnly(run(REFUSED_CONNECT, answer(METRICS, 200)), target)).summary).toBe(
      "plaintext metrics reachable from another address: http://10.0.0.5:15020/stats/prometheus",
    );
    expect((await probeLocalhostOnly(run(answer(METRICS, 200), answer(METRICS, 200)), target)).summary).toBe(
      "plaintext metrics reachable from another address: http://10.0.0.5:15090/stats/prometheus, http://10.0.0.5:15020/stats/prometheus",
    );
  });

  it("names the probe in every verdict", async () => {
    for (const [envoy, agent, mesh] of [
      [REFUSED_CONNECT, FORBIDDEN, REFUSED_CONNECT],
      [answer("", 404), FORBIDDEN, answer(METRICS, 200)],
      [REFUSED_CONNECT, answer("", 500), answer(METRICS, 200)],
    ] as const) {
      expect((await probeLocalhostOnly(run(envoy, agent, mesh), target)).probe).toBe("localhost-only");
    }
  });

  it("cannot tell on a dead pod, or on answers hardening does not give", async () => {
    expect(
      (await probeLocalhostOnly(run(REFUSED_CONNECT, FORBIDDEN, REFUSED_CONNECT), target)).summary,
    ).toMatch(/^could not show the pod alive over mTLS/);
    expect(await probeLocalhostOnly(run(answer("", 404), FORBIDDEN), target)).toMatchObject({
      probe: "localhost-only",
      verdict: "error",
      summary: "15090 neither refused nor served: http://10.0.0.5:15090/stats/prometheus: HTTP 404",
    });
    expect(await probeLocalhostOnly(run(REFUSED_CONNECT, answer("", 500)), target)).toMatchObject({
      probe: "localhost-only",
      verdict: "error",
      summary: "15020 did not answer 403: http://10.0.0.5:15020/stats/prometheus: HTTP 500",
    });
    expect((await probeLocalhostOnly(run(REFUSED_CONNECT, REFUSED_CONNECT), target)).verdict).toBe("error");
  });
});
