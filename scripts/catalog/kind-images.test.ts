import { describe, expect, it } from "vitest";
import { istioctlArtifact, kindArtifact } from "./artifacts.ts";
import { KIND_NODE_IMAGES } from "./kind-images.ts";

describe("kind node images", () => {
  it("are all pinned by a sha256 digest and name the kind release that built them", () => {
    for (const n of KIND_NODE_IMAGES) {
      expect(n.image).toMatch(/^kindest\/node:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
      expect(n.image).toContain(`v${n.kubernetesPatch}@`);
      expect(n.kind).toMatch(/^v0\.\d+\.\d+$/);
    }
  });
});

describe("artifact URLs", () => {
  it("follow Istio's release pattern with a .sha256 beside the archive", () => {
    const a = istioctlArtifact("1.31.1", "linux", "amd64");
    expect(a.url).toBe(
      "https://github.com/istio/istio/releases/download/1.31.1/istioctl-1.31.1-linux-amd64.tar.gz",
    );
    expect(a.sha256Url).toBe(`${a.url}.sha256`);
  });
  it("use kind's darwin naming for macOS", () => {
    expect(kindArtifact("v0.32.0", "osx", "arm64").url).toBe(
      "https://github.com/kubernetes-sigs/kind/releases/download/v0.32.0/kind-darwin-arm64",
    );
  });
});
