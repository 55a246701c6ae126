import { afterEach, describe, expect, it } from "vitest";
import { apiBench } from "../../testing/step-run.ts";
import { detectIstio } from "./detect-istio.ts";

let b: Awaited<ReturnType<typeof apiBench>> | undefined;
afterEach(async () => b?.dispose());

const istiod = (image: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "istiod", namespace: "istio-system" },
  spec: { template: { spec: { containers: [{ name: "discovery", image }] } } },
});

describe("detect-istio", () => {
  it("uses the installed version, and refuses another one unless told", async () => {
    b = await apiBench({ existing: true, test: ["SidecarSecureListeners"] });
    b.api.put(istiod("docker.io/istio/pilot:1.31.1-distroless"));
    await detectIstio(b.run("detect-istio"));
    expect(b.state.istioVersion).toBe("1.31.1");
    b.api.put(istiod("docker.io/istio/pilot:1.30.5"));
    await expect(detectIstio(b.run("detect-istio"))).rejects.toThrow(
      /runs Istio 1\.30\.5, not 1\.31\.1; pass --istio 1\.30\.5, or --use-existing-istio/,
    );
    b.o.useExistingIstio = true;
    await detectIstio(b.run("detect-istio"));
    expect(b.state.istioVersion).toBe("1.30.5");
  });

  it.each([
    ["gcr.io/gke-release/asm/pilot:1.27.1-asm.2", "1.27.1-asm.2"],
    ["us-docker.pkg.dev/gloo-mesh/istio-abc/pilot:1.26.3-solo-distroless", "1.26.3-solo"],
    [`docker.io/istio/pilot:1.31.0-rc.0@sha256:${"a".repeat(64)}`, "1.31.0-rc.0"],
  ])("reads a vendor or pre-release build's version from istiod's image %s", async (image, version) => {
    b = await apiBench({ existing: true, test: ["SidecarSecureListeners"] });
    b.api.put(istiod(image));
    b.o.useExistingIstio = true;
    await detectIstio(b.run("detect-istio"));
    expect(b.state.istioVersion).toBe(version);
  });

  it("with no istiod says to install the mesh first", async () => {
    b = await apiBench({ existing: true, test: ["SidecarSecureListeners"] });
    await expect(detectIstio(b.run("detect-istio"))).rejects.toThrow(/no Istio found in the cluster/);
  });
});
