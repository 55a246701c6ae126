import { X509Certificate } from "node:crypto";
import { stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createCa, issueWorkload, privateDir, spiffeId } from "./pki.ts";

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
});
