import { type ClientTls, type CommandRunner, pemBlocks } from "./curl.ts";
import { chainProblem, uriSans } from "./http-probes.ts";
import { error, fail, pass, type Verdict } from "./verdict.ts";

// The precondition every secure scrape stands on (istio.io's verify scripts wait for it): the
// secure Prometheus's sidecar wrote its certificate files (OUTPUT_CERTS): the chain and root
// readable, the key readable, the chain leading to that root through CA certificates valid now,
// and the leaf carrying Prometheus's own SPIFFE id. Read through the same runner the probes use, in
// the Prometheus pod's client container (or on this machine in the lab).
export async function probeClientCertificates(
  run: CommandRunner,
  tls: ClientTls,
  expectedId: string,
): Promise<Verdict> {
  const { ca, cert, key: keyFile } = tls;
  if (!ca || !cert || !keyFile)
    return error("client-certs", "the mesh client names no root, certificate or key file");
  const files = { ca, cert, key: keyFile };
  const [chain, root, key] = await Promise.all([
    run(["cat", files.cert]),
    run(["cat", files.ca]),
    run(["test", "-r", files.key]),
  ]);
  const unreadable = [
    ...(chain.exitCode !== 0 ? [`${files.cert} (${chain.stderr.trim() || `exit ${chain.exitCode}`})`] : []),
    ...(root.exitCode !== 0 ? [`${files.ca} (${root.stderr.trim() || `exit ${root.exitCode}`})`] : []),
    ...(key.exitCode !== 0 ? [`${files.key} (not readable)`] : []),
  ];
  if (unreadable.length > 0)
    return fail(
      "client-certs",
      `the secure Prometheus's certificate files are missing or unreadable: ${unreadable.join(", ")}`,
    );
  const certs = pemBlocks(chain.stdout);
  const roots = pemBlocks(root.stdout);
  if (certs.length === 0 || roots.length === 0) {
    return fail(
      "client-certs",
      `no certificate in ${certs.length === 0 ? files.cert : files.ca}: the sidecar has not written OUTPUT_CERTS`,
    );
  }
  const sans = uriSans(certs[0]!);
  const ev = [`${files.cert}: URI SANs ${sans.join(", ") || "(none)"}`];
  const problem = chainProblem(certs, roots);
  if (problem) return fail("client-certs", `${files.cert} does not chain to ${files.ca}: ${problem}`, ev);
  if (sans.length !== 1 || sans[0] !== expectedId)
    return fail(
      "client-certs",
      `${files.cert} carries ${sans.join(", ") || "no URI SAN"}, not Prometheus's ${expectedId}`,
      ev,
    );
  return pass(
    "client-certs",
    `${files.cert} carries ${expectedId}, chains to ${files.ca}; ${files.key} readable`,
    ev,
  );
}
