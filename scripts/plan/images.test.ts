import { describe, expect, it } from "vitest";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { IMAGES, PROBE_CLIENT, SAMPLE_PROMETHEUS_IMAGES } from "../catalog/images.ts";
import { renderCell } from "../render/render-cell.ts";
import { cellImages, registryOf } from "./images.ts";
import { planSelection } from "./plan.ts";

const plan = planSelection(
  { istio: ["all", "1.31.0-rc.0"], profiles: ["default", "ambient"], runId: "t", workDir: "w" },
  CONFORMANCE_TESTS,
);

describe("cellImages", () => {
  it("reads registries as Docker does", () => {
    expect(registryOf("kindest/node:v1")).toBe("docker.io");
    expect(registryOf("busybox")).toBe("docker.io");
    expect(registryOf("quay.io/a/b:1")).toBe("quay.io");
    expect(registryOf("localhost/a:1")).toBe("localhost");
    expect(registryOf("cache:5000/a:1")).toBe("cache:5000");
  });

  it("covers every image of every cell of every profile: node, Istio's own, and all the manifests name", () => {
    expect(plan.cells).toHaveLength(20);
    for (const cell of plan.cells) {
      const images = cellImages(cell, "t").map((r) => r.image);
      const istio = ["pilot", "proxyv2", ...(cell.profile === "ambient" ? ["install-cni", "ztunnel"] : [])];
      expect(images, cell.id).toEqual(
        expect.arrayContaining([
          cell.nodeImage,
          ...istio.map((n) => `docker.io/istio/${n}:${cell.istioVersion}`),
          PROBE_CLIENT.image,
          IMAGES.prometheus,
        ]),
      );
      if (cell.profile === "default")
        expect(images).not.toContain(`docker.io/istio/ztunnel:${cell.istioVersion}`);
      // An independent reading of the same manifests: every image: value in the rendered YAML.
      const text = renderCell(cell, cell.scenarios, "t")
        .scenarios.flatMap((s) => s.objects.map(String))
        .join("\n");
      const named = [...text.matchAll(/^\s*(?:- )?image: "?([^"\s]+)"?$/gm)].map((m) => m[1]);
      expect(named.length, cell.id).toBeGreaterThan(0);
      for (const image of named) expect(images, cell.id).toContain(image);
      // Istio's sample Prometheus is remote: its images are the ones read off it at 1.31.0-rc.0.
      const sample = cell.scenarios.includes("sample-prometheus");
      expect(sample, cell.id).toBe(cell.secureMetricsMode === "native");
      for (const image of SAMPLE_PROMETHEUS_IMAGES) if (sample) expect(images, cell.id).toContain(image);
      if (!sample) expect(images, cell.id).not.toContain(SAMPLE_PROMETHEUS_IMAGES[0]);
      expect(new Set(images).size).toBe(images.length);
    }
  });

  it("marks what is pinned by digest", () => {
    const refs = cellImages(plan.cells[0]!, "t");
    expect(refs.find((r) => r.image === PROBE_CLIENT.image)!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(refs.find((r) => r.image === IMAGES.httpbin)!.digest).toBeUndefined();
  });
});
