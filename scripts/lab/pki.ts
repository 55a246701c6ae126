// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as x509 from "@peculiar/x509";

// The suite's own PKI, shaped like Istio's: a mesh root CA, workload certificates with an EMPTY
// subject and a critical URI-only SAN spiffe://TD/ns/NS/sa/SA (as istiod/Citadel issues them),
// and a foreign CA whose certificates must be refused. ECDSA P-256 keeps the lab fast; TLS
// behaviour toward the probes is the same as with Istio's default RSA 2048.
x509.cryptoProvider.set(webcrypto as unknown as globalThis.Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface KeyAndCert {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends KeyAndCert {
  name: string;
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

async function keyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as webcrypto.CryptoKey);
  return x509.PemConverter.encode(pkcs8, "PRIVATE KEY");
}

const serial = () =>
  Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString("hex")
    .replace(/^[89a-f]/, "1");

export async function createCa(name: string): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `O=${name}, CN=Root CA`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { name, cert, keys, certPem: cert.toString("pem"), keyPem: await keyPem(keys) };
}

/** An intermediate CA signed by `parent`, as istiod's plug-in CA chain has (root -> intermediate). */
export async function createIntermediate(
  parent: CertificateAuthority,
  name: string,
): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `O=${name}, CN=Intermediate CA`,
    issuer: parent.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    publicKey: keys.publicKey,
    signingKey: parent.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(parent.cert),
    ],
  });
  return { name, cert, keys, certPem: cert.toString("pem"), keyPem: await keyPem(keys) };
}

/** A workload certificate as Istio issues it: empty subject, critical URI SAN, both usages. */
export async function issueWorkload(
  ca: CertificateAuthority,
  spiffeId: string,
  /** More SANs after the SPIFFE id (tests of SAN parsing); Istio issues none. */
  extraSans: { type: "url" | "dns"; value: string }[] = [],
  /** Validity window; a day either side of now unless a test needs an expired one. */
  window = { notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + DAY) },
): Promise<KeyAndCert> {
  const { certPem, keyPem } = await workload(ca, spiffeId, extraSans, window);
  return { certPem, keyPem };
}

/** A workload certificate (CA:false) with its key, to sign with as if it were a CA: the forged
 * chain any workload of the mesh could build, which an identity check must refuse. */
export const workloadAsIssuer = (ca: CertificateAuthority, spiffeId: string): Promise<CertificateAuthority> =>
  workload(ca, spiffeId, [], { notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + DAY) });

async function workload(
  ca: CertificateAuthority,
  spiffeId: string,
  extraSans: { type: "url" | "dns"; value: string }[],
  window: { notBefore: Date; notAfter: Date },
): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "",
    issuer: ca.cert.subject,
    ...window,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: spiffeId }, ...extraSans], true),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { name: spiffeId, cert, keys, certPem: cert.toString("pem"), keyPem: await keyPem(keys) };
}

export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** A private folder (0700) for key material; every file in it is 0600. Remove it with dispose(). */
export interface PrivateDir {
  path: string;
  write(name: string, content: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function privateDir(prefix: string): Promise<PrivateDir> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  await chmod(path, 0o700);
  return {
    path,
    async write(name, content) {
      const file = join(path, name);
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(file, content, { mode: 0o600 });
      return file;
    },
    dispose: () => rm(path, { recursive: true, force: true }),
  };
}

/** The files a client presents, named as Istio's OUTPUT_CERTS writes them. */
export interface ClientFiles {
  ca: string;
  cert: string;
  key: string;
}

/** Writes root-cert.pem, cert-chain.pem and key.pem into `folder` of the private dir. */
export async function writeClientFiles(
  dir: PrivateDir,
  folder: string,
  root: string,
  kc: KeyAndCert,
): Promise<ClientFiles> {
  return {
    ca: await dir.write(`${folder}/root-cert.pem`, root),
    cert: await dir.write(`${folder}/cert-chain.pem`, kc.certPem),
    key: await dir.write(`${folder}/key.pem`, kc.keyPem),
  };
}

/** Replaces the files as Istio's agent does on rotation (OutputKeyCertToDir, util.go L49-90
 * @1.31.0-rc.0): key.pem, cert-chain.pem, root-cert.pem in that order, each written beside itself
 * and renamed into place (pkg/file AtomicWrite), so a reader sees a whole file, never a torn one. */
export async function rewriteClientFiles(files: ClientFiles, root: string, kc: KeyAndCert): Promise<void> {
  for (const [file, content] of [
    [files.key, kc.keyPem],
    [files.cert, kc.certPem],
    [files.ca, root],
  ] as const) {
    const tmp = `${file}.tmp.${randomBytes(4).toString("hex")}`;
    await writeFile(tmp, content, { mode: 0o600 });
    await rename(tmp, file);
  }
}
