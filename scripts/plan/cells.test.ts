import { describe, expect, it } from "vitest";
import { findMinor } from "../catalog/istio-releases.ts";
import { UsageError } from "../errors.ts";
import { expandMatrix } from "./cells.ts";

const minorNum = (v: string) => Number(v.split(".")[1]);

describe("expandMatrix", () => {
  it("crosses versions and profiles into cells with the right mode", () => {
    const cells = expandMatrix({ istio: ["1.30", "1.31"], profiles: ["default", "ambient"] });
    expect(cells.map((c) => [c.istioVersion, c.profile, c.secureMetricsMode])).toEqual([
      ["1.30.5", "default", "legacy"],
      ["1.30.5", "ambient", "legacy"],
      ["1.31.1", "default", "native"],
      ["1.31.1", "ambient", "native"],
    ]);
  });

  it("defaults Kubernetes to the newest minor inside each Istio minor's supported range", () => {
    for (const istio of ["1.22", "1.24", "1.26", "1.28", "1.29", "1.31"]) {
      const [cell] = expandMatrix({ istio: [istio], profiles: ["default"] });
      const range = findMinor(istio)!.kubernetes;
      const k = minorNum(cell!.kubernetesVersion);
      expect(k).toBeGreaterThanOrEqual(minorNum(`${range.min}.0`));
      expect(k).toBe(minorNum(`${range.max}.0`));
      expect(cell!.nodeImage).toMatch(/@sha256:[0-9a-f]{64}$/);
    }
  });

  it("honours --k8s inside the range", () => {
    const [cell] = expandMatrix({ istio: ["1.31"], profiles: ["default"], kubernetes: "1.33" });
    expect(cell!.kubernetesVersion).toBe("1.33.1");
    expect(cell!.kindVersion).toBe("v0.29.0");
  });

  it("deduplicates repeated versions and profiles", () => {
    expect(
      expandMatrix({ istio: ["1.31", "1.31.1", "latest"], profiles: ["default", "default"] }),
    ).toHaveLength(1);
  });

  it("treats 1.31.0-rc.0 as native", () => {
    const [cell] = expandMatrix({ istio: ["1.31.0-rc.0"], profiles: ["ambient"] });
    expect(cell!.secureMetricsMode).toBe("native");
    expect(cell!.id).toBe("istio-1.31.0-rc.0-ambient-k8s-1.36");
  });

  it.each([
    [{ istio: ["1.23"], profiles: ["ambient"] }, /ambient needs Istio >= 1.24/],
    [
      { istio: ["1.31"], profiles: ["sidecar"] },
      /profile "sidecar" is unknown \(accepted: default, ambient\)/,
    ],
    [
      { istio: ["1.31"], profiles: ["default"], kubernetes: "1.30" },
      /outside Istio 1.31's supported Kubernetes 1.32..1.36/,
    ],
    [{ istio: ["1.31"], profiles: ["default"], kubernetes: "1.28" }, /no pinned kind node image/],
    [{ istio: ["1.31"], profiles: ["default"], kubernetes: "one" }, /not a Kubernetes minor/],
    [{ istio: [], profiles: ["default"] }, /--istio is empty/],
  ])("rejects %j", (input, message) => {
    expect(() => expandMatrix(input)).toThrow(UsageError);
    expect(() => expandMatrix(input)).toThrow(message);
  });

  it("accepts ambient at 1.24 and an unsupported --k8s when allowed", () => {
    expect(expandMatrix({ istio: ["1.24"], profiles: ["ambient"] })).toHaveLength(1);
    const [cell] = expandMatrix({
      istio: ["1.31"],
      profiles: ["default"],
      kubernetes: "1.30",
      allowUnsupportedKubernetes: true,
    });
    expect(cell!.kubernetesVersion).toBe("1.30.0");
  });
});
