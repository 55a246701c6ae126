import { X509Certificate } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  createCa,
  issueWorkload,
  privateDir,
  rewriteClientFiles,
  spiffeId,
  writeClientFiles,
} from "./pki.ts";

describe("lab PKI", () => {
  it("issues Istio-shaped workload certificates that chain to their CA only", async () => {
    const mesh = await createCa("Mesh");
    const foreign = await createCa("Foreign");
    const id = spiffeId("cluster.local", "ssc-native", "httpbin");
    const w = await issueWorkload(mesh, id);
    const cert = new X509Certificate(w.certPem);
    expect(cert.subject ?? "").toBe(""); // Node reports an empty subject as undefined
    expect(cert.subjectAltName).toBe(`URI:${id}`);
    expect(cert.verify(new X509Certificate(mesh.certPem).publicKey)).toBe(true);
    expect(cert.verify(new X509Certificate(foreign.certPem).publicKey)).toBe(false);
    expect(cert.ca).toBe(false);
  });

  it("keeps key material in a 0700 folder with 0600 files and removes it", async () => {
    const dir = await privateDir("ssc-pki-test");
    const f = await dir.write("key.pem", "secret");
    expect((await stat(dir.path)).mode & 0o777).toBe(0o700);
    expect((await stat(f)).mode & 0o777).toBe(0o600);
    await dir.dispose();
    await expect(stat(dir.path)).rejects.toThrow(/ENOENT/);
  });

  it("rewrites client files in place as the agent does on rotation: whole files, 0600, no leftovers", async () => {
    const dir = await privateDir("ssc-pki-test");
    try {
      const mesh = await createCa("Mesh");
      const id = spiffeId("cluster.local", "ssc-rotation", "prometheus");
      const files = await writeClientFiles(dir, "certs", mesh.certPem, await issueWorkload(mesh, id));
      const next = await issueWorkload(mesh, id);
      await rewriteClientFiles(files, mesh.certPem, next);
      expect(await readFile(files.cert, "utf8")).toBe(next.certPem);
      expect(await readFile(files.key, "utf8")).toBe(next.keyPem);
      expect(await readFile(files.ca, "utf8")).toBe(mesh.certPem);
      expect((await stat(files.key)).mode & 0o777).toBe(0o600);
      expect((await readdir(`${dir.path}/certs`)).sort()).toEqual([
        "cert-chain.pem",
        "key.pem",
        "root-cert.pem",
      ]);
    } finally {
      await dir.dispose();
    }
  });
});
