import { beforeAll, describe, expect, it } from "vitest";
import { createCa, createIntermediate, issueWorkload, spiffeId, workloadAsIssuer } from "../lab/pki.ts";
import { probeClientCertificates } from "./client-certs.ts";
import type { CommandRunner } from "./curl.ts";

// The secure Prometheus's certificate files, as its sidecar's OUTPUT_CERTS writes them, read through
// a scripted runner: each way they can be wrong is a failure saying which.
const FILES = { ca: "/c/root-cert.pem", cert: "/c/cert-chain.pem", key: "/c/key.pem" };
const ID = spiffeId("cluster.local", "ssc-prometheus", "prometheus");
let root: string;
let good: string;
let viaIntermediate: string;
let other: string;
let foreign: string;
let forged: string;
beforeAll(async () => {
  const mesh = await createCa("Mesh");
  root = mesh.certPem;
  good = (await issueWorkload(mesh, ID)).certPem;
  const inter = await createIntermediate(mesh, "Mesh Intermediate");
  viaIntermediate = `${(await issueWorkload(inter, ID)).certPem}\n${inter.certPem}`;
  other = (await issueWorkload(mesh, spiffeId("cluster.local", "default", "sleep"))).certPem;
  foreign = (await issueWorkload(await createCa("Other"), ID)).certPem;
  const workload = await workloadAsIssuer(mesh, spiffeId("cluster.local", "default", "sleep"));
  forged = `${(await issueWorkload(workload, ID)).certPem}\n${workload.certPem}`;
});

const files =
  (f: { chain?: string | null; root?: string | null; key?: boolean }): CommandRunner =>
  async (argv) => {
    const text = argv[1] === FILES.cert ? f.chain : argv[1] === FILES.ca ? f.root : undefined;
    if (argv[0] === "test") return { exitCode: f.key === false ? 1 : 0, stdout: "", stderr: "" };
    if (text === null || text === undefined)
      return { exitCode: 1, stdout: "", stderr: `cat: ${argv[1]}: No such file or directory` };
    return { exitCode: 0, stdout: text, stderr: "" };
  };
const probe = (f: Parameters<typeof files>[0]) => probeClientCertificates(files(f), FILES, ID);

describe("probeClientCertificates", () => {
  it("passes on Prometheus's own certificate from the mesh, directly or through an intermediate", async () => {
    expect(await probe({ chain: good, root })).toEqual({
      probe: "client-certs",
      verdict: "pass",
      summary: `${FILES.cert} carries ${ID}, chains to ${FILES.ca}; ${FILES.key} readable`,
      evidence: [`${FILES.cert}: URI SANs ${ID}`],
    });
    expect((await probe({ chain: viaIntermediate, root })).verdict).toBe("pass");
  });

  it("fails on files missing or unreadable, naming each", async () => {
    expect((await probe({ chain: null, root })).summary).toBe(
      `the secure Prometheus's certificate files are missing or unreadable: ${FILES.cert} (cat: ${FILES.cert}: No such file or directory)`,
    );
    expect((await probe({ chain: good, root, key: false })).summary).toBe(
      `the secure Prometheus's certificate files are missing or unreadable: ${FILES.key} (not readable)`,
    );
    const all = await probe({ chain: null, root: null, key: false });
    expect(all).toMatchObject({ verdict: "fail" });
    expect(all.summary).toContain(
      `${FILES.ca} (cat: ${FILES.ca}: No such file or directory), ${FILES.key} (not readable)`,
    );
    expect(await probe({ chain: "", root })).toMatchObject({
      verdict: "fail",
      summary: `no certificate in ${FILES.cert}: the sidecar has not written OUTPUT_CERTS`,
    });
    expect((await probe({ chain: good, root: "" })).summary).toBe(
      `no certificate in ${FILES.ca}: the sidecar has not written OUTPUT_CERTS`,
    );
  });

  it("fails on another identity, a chain to another root, or one through a workload's key", async () => {
    expect((await probe({ chain: other, root })).summary).toBe(
      `${FILES.cert} carries spiffe://cluster.local/ns/default/sa/sleep, not Prometheus's ${ID}`,
    );
    expect((await probe({ chain: foreign, root })).summary).toBe(
      `${FILES.cert} does not chain to ${FILES.ca}: no signature leads from it to the mesh root`,
    );
    expect((await probe({ chain: forged, root })).summary).toMatch(
      /is signed by a certificate that is not a CA/,
    );
  });

  it("cannot tell without any one of the three file names", async () => {
    for (const tls of [
      { cert: FILES.cert, key: FILES.key },
      { ca: FILES.ca, key: FILES.key },
      { ca: FILES.ca, cert: FILES.cert },
    ]) {
      expect(await probeClientCertificates(files({ chain: good, root }), tls, ID)).toEqual({
        probe: "client-certs",
        verdict: "error",
        summary: "the mesh client names no root, certificate or key file",
        evidence: [],
      });
    }
  });

  it("says exactly what it read: trimmed messages, the exit code when there is none, the key tested readable", async () => {
    const seen: string[][] = [];
    const run: CommandRunner = async (argv) => {
      seen.push([...argv]);
      if (argv[0] === "test") return { exitCode: 0, stdout: "", stderr: "" };
      return argv[1] === FILES.cert
        ? { exitCode: 1, stdout: "", stderr: "cat: denied\n" }
        : { exitCode: 2, stdout: "", stderr: "" };
    };
    expect(await probeClientCertificates(run, FILES, ID)).toEqual({
      probe: "client-certs",
      verdict: "fail",
      summary: `the secure Prometheus's certificate files are missing or unreadable: ${FILES.cert} (cat: denied), ${FILES.ca} (exit 2)`,
      evidence: [],
    });
    expect(seen).toContainEqual(["test", "-r", FILES.key]);
    const swapped: CommandRunner = async (argv) =>
      argv[0] === "test"
        ? { exitCode: 0, stdout: "", stderr: "" }
        : argv[1] === FILES.cert
          ? { exitCode: 3, stdout: "", stderr: "" }
          : { exitCode: 1, stdout: "", stderr: "cat: gone\n" };
    expect((await probeClientCertificates(swapped, FILES, ID)).summary).toBe(
      `the secure Prometheus's certificate files are missing or unreadable: ${FILES.cert} (exit 3), ${FILES.ca} (cat: gone)`,
    );
    expect(await probe({ chain: "", root })).toEqual({
      probe: "client-certs",
      verdict: "fail",
      summary: `no certificate in ${FILES.cert}: the sidecar has not written OUTPUT_CERTS`,
      evidence: [],
    });
    expect(await probe({ chain: foreign, root })).toEqual({
      probe: "client-certs",
      verdict: "fail",
      summary: `${FILES.cert} does not chain to ${FILES.ca}: no signature leads from it to the mesh root`,
      evidence: [`${FILES.cert}: URI SANs ${ID}`],
    });
    // Two URI SANs are not Prometheus's one; none at all is said as such.
    const mesh = await createCa("Mesh Two");
    const two = (await issueWorkload(mesh, ID, [{ type: "url", value: "spiffe://cluster.local/ns/x/sa/y" }]))
      .certPem;
    expect(await probe({ chain: two, root: mesh.certPem })).toEqual({
      probe: "client-certs",
      verdict: "fail",
      summary: `${FILES.cert} carries ${ID}, spiffe://cluster.local/ns/x/sa/y, not Prometheus's ${ID}`,
      evidence: [`${FILES.cert}: URI SANs ${ID}, spiffe://cluster.local/ns/x/sa/y`],
    });
    expect(await probe({ chain: root, root })).toEqual({
      probe: "client-certs",
      verdict: "fail",
      summary: `${FILES.cert} carries no URI SAN, not Prometheus's ${ID}`,
      evidence: [`${FILES.cert}: URI SANs (none)`],
    });
  });
});
