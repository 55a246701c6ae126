import { describe, expect, it } from "vitest";
import { findMinor } from "../catalog/istio-releases.ts";
import { UsageError } from "../errors.ts";
import { expandMatrix, parseCellId, selectCells } from "./cells.ts";

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
    const [cell] = expandMatrix({ istio: ["1.31"], profiles: ["default"], kubernetes: ["1.33"] });
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
    [
      { istio: ["1.23"], profiles: ["ambient"] },
      /no cell to run: istio-1.23.6-ambient-k8s-1.30: profile ambient needs Istio >= 1.24/,
    ],
    [
      { istio: ["1.31"], profiles: ["sidecar"] },
      /profile "sidecar" is unknown \(accepted: default, ambient\)/,
    ],
    [
      { istio: ["1.31"], profiles: ["default"], kubernetes: ["1.30"] },
      /Kubernetes 1.30 is outside Istio 1.31's supported 1.32..1.36/,
    ],
    [{ istio: ["1.31"], profiles: ["default"], kubernetes: ["1.28"] }, /no pinned kind node image/],
    [{ istio: ["1.31"], profiles: ["default"], kubernetes: ["one"] }, /not a Kubernetes minor/],
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
      kubernetes: ["1.30"],
      allowUnsupportedKubernetes: true,
    });
    expect(cell!.kubernetesVersion).toBe("1.30.0");
  });

  it("turns combinations that cannot exist into skipped cells with why, beside the ones that can", () => {
    const { cells, impossible } = selectCells({ istio: ["all"], profiles: ["default", "ambient"] });
    expect(cells).toHaveLength(18);
    expect(impossible.map((i) => [i.id, i.reason])).toEqual([
      ["istio-1.22.8-ambient-k8s-1.30", "profile ambient needs Istio >= 1.24 (ambient GA); 1.22.8 is older"],
      ["istio-1.23.6-ambient-k8s-1.30", "profile ambient needs Istio >= 1.24 (ambient GA); 1.23.6 is older"],
    ]);
    const both = [...cells.map((c) => c.id), ...impossible.map((i) => i.id)];
    expect(new Set(both).size).toBe(20);
  });

  it("crosses Kubernetes minors too, skipping those an Istio minor does not support", () => {
    const { cells, impossible } = selectCells({
      istio: ["1.29", "1.31"],
      profiles: ["default"],
      kubernetes: ["1.31", "1.35"],
    });
    expect(cells.map((c) => c.id)).toEqual([
      "istio-1.29.8-default-k8s-1.31",
      "istio-1.29.8-default-k8s-1.35",
      "istio-1.31.1-default-k8s-1.35",
    ]);
    expect(impossible).toEqual([
      {
        id: "istio-1.31.1-default-k8s-1.31",
        istioVersion: "1.31.1",
        profile: "default",
        kubernetes: "1.31",
        reason:
          "Kubernetes 1.31 is outside Istio 1.31's supported 1.32..1.36 (--allow-unsupported-k8s runs it anyway)",
      },
    ]);
  });

  it("marks an unlisted minor or pre-release with what it assumed, and borrows the newest minor's Kubernetes", async () => {
    const cells = expandMatrix({
      istio: ["1.32.0", "1.32.0-rc.0"],
      profiles: ["ambient"],
      allowUnlisted: true,
    });
    expect(cells.map((c) => [c.id, c.secureMetricsMode])).toEqual([
      ["istio-1.32.0-ambient-k8s-1.36", "native"],
      ["istio-1.32.0-rc.0-ambient-k8s-1.36", "native"],
    ]);
    for (const c of cells) {
      expect(c.unlisted).toBe(
        "Istio 1.32 is not in the catalog: capabilities follow from the semver gates, the supported Kubernetes 1.32..1.36 is borrowed from 1.31",
      );
    }
    const { buildPlan } = await import("./plan.ts");
    const { CONFORMANCE_TESTS } = await import("../../suites/catalog.ts");
    const [planned] = buildPlan(
      { istio: ["1.32.0"], profiles: ["default"], allowUnlisted: true, runId: "u", workDir: "w" },
      CONFORMANCE_TESTS,
    );
    expect(planned!.steps.find((s) => s.id === "install-gateway-api-crds")!.description).toBe(
      "install Gateway API v1.6.0 CRDs (borrowed from the newest minor in the catalog: Istio 1.32 is unlisted)",
    );
    expect(planned!.steps.find((s) => s.id === "render-manifests")!.argv).toEqual(
      expect.arrayContaining(["--k8s", "1.36", "--allow-unlisted-istio"]),
    );
    const [listed] = expandMatrix({ istio: ["1.31.1"], profiles: ["default"], allowUnlisted: true });
    expect(listed!.unlisted).toBeUndefined();
    const [newer] = expandMatrix({ istio: ["1.31.4"], profiles: ["default"], allowUnlisted: true });
    expect(newer!.unlisted).toBe("patch 1.31.4 is newer than the catalog's 1.31.1: judged with 1.31's facts");
  });
});

describe("parseCellId", () => {
  it("reads back the axes of every id the matrix makes, and nothing else", async () => {
    const { parseCellId, selectCells } = await import("./cells.ts");
    const { cells, impossible } = selectCells({
      istio: ["all", "1.31.0-rc.0", "1.26.3-solo"],
      profiles: ["default", "ambient"],
      ipFamilies: ["ipv4", "ipv6", "dual"],
      enablements: ["pod", "mesh"],
      allowUnlisted: true,
    });
    expect(new Set(cells.map((c) => c.ipFamily))).toEqual(new Set(["ipv4", "ipv6", "dual"]));
    expect(new Set(cells.map((c) => c.id.endsWith("-meshwide")))).toEqual(new Set([true, false]));
    for (const c of cells) {
      expect(parseCellId(c.id)).toEqual({
        istio: c.istioVersion,
        profile: c.profile,
        k8s: c.kubernetesVersion.split(".").slice(0, 2).join("."),
        ipFamily: c.ipFamily,
        enablement: c.enablement,
      });
    }
    for (const i of impossible)
      expect(parseCellId(i.id)).toMatchObject({
        istio: i.istioVersion,
        profile: i.profile,
        k8s: i.kubernetes,
      });
    for (const bad of [
      "kubeconfig",
      "istio-1.31.1-sidecar-k8s-1.36",
      "istio-1.31.1-default-k8s-1.36.1",
      "istio-1.31.1-default-k8s-1.36-ipv4",
      "istio-1.31.1-default-k8s-1.36-ipv5",
    ]) {
      expect(parseCellId(bad)).toBeUndefined();
    }
  });
});

describe("the IP family axis", () => {
  it("keeps IPv4 cells' ids as they were and marks the others, one cell per family", () => {
    const cells = expandMatrix({
      istio: ["1.31"],
      profiles: ["default"],
      ipFamilies: ["dual", "ipv4", "ipv6", "ipv6"],
    });
    expect(cells.map((c) => [c.id, c.ipFamily])).toEqual([
      ["istio-1.31.1-default-k8s-1.36-dual", "dual"],
      ["istio-1.31.1-default-k8s-1.36", "ipv4"],
      ["istio-1.31.1-default-k8s-1.36-ipv6", "ipv6"],
    ]);
    expect(expandMatrix({ istio: ["1.31"], profiles: ["default"] }).map((c) => c.ipFamily)).toEqual(["ipv4"]);
  });

  it.each([
    [["ipv5"], /--ip-family "ipv5" is unknown \(accepted: ipv4, ipv6, dual\)/],
    [[], /--ip-family is empty/],
  ])("rejects %j as bad input", (ipFamilies, message) => {
    expect(() => expandMatrix({ istio: ["1.31"], profiles: ["default"], ipFamilies })).toThrow(UsageError);
    expect(() => expandMatrix({ istio: ["1.31"], profiles: ["default"], ipFamilies })).toThrow(message);
  });

  it("keeps ambient's version floor on every family (ambient IPv6 and dual stack exist from 1.23)", () => {
    const { cells, impossible } = selectCells({
      istio: ["1.23", "1.24"],
      profiles: ["ambient"],
      ipFamilies: ["ipv6", "dual"],
    });
    expect(cells.map((c) => c.id)).toEqual([
      "istio-1.24.6-ambient-k8s-1.31-ipv6",
      "istio-1.24.6-ambient-k8s-1.31-dual",
    ]);
    expect(impossible.map((i) => i.id)).toEqual([
      "istio-1.23.6-ambient-k8s-1.30-ipv6",
      "istio-1.23.6-ambient-k8s-1.30-dual",
    ]);
  });
});

describe("the enablement axis", () => {
  it("keeps per-pod ids as they were and marks mesh-wide cells, after the IP family", () => {
    const cells = expandMatrix({
      istio: ["1.31"],
      profiles: ["default"],
      ipFamilies: ["ipv4", "ipv6"],
      enablements: ["mesh", "pod", "mesh"],
    });
    expect(cells.map((c) => [c.id, c.enablement])).toEqual([
      ["istio-1.31.1-default-k8s-1.36-meshwide", "mesh"],
      ["istio-1.31.1-default-k8s-1.36", "pod"],
      ["istio-1.31.1-default-k8s-1.36-ipv6-meshwide", "mesh"],
      ["istio-1.31.1-default-k8s-1.36-ipv6", "pod"],
    ]);
    expect(expandMatrix({ istio: ["1.31"], profiles: ["default"] }).map((c) => c.enablement)).toEqual([
      "pod",
    ]);
    expect(parseCellId("istio-1.31.1-default-k8s-1.36-ipv6-meshwide")).toEqual({
      istio: "1.31.1",
      profile: "default",
      k8s: "1.36",
      ipFamily: "ipv6",
      enablement: "mesh",
    });
  });

  it("makes a mesh-wide cell only where the native ports exist, saying why elsewhere", () => {
    const { cells, impossible } = selectCells({
      istio: ["1.30", "1.31"],
      profiles: ["default"],
      enablements: ["mesh"],
    });
    expect(cells.map((c) => c.id)).toEqual(["istio-1.31.1-default-k8s-1.36-meshwide"]);
    expect(impossible).toEqual([
      {
        id: "istio-1.30.5-default-k8s-1.36-meshwide",
        istioVersion: "1.30.5",
        profile: "default",
        kubernetes: "1.36",
        reason:
          "mesh-wide enablement turns on the native secure ports, which Istio 1.30.5 does not have (>= 1.31)",
      },
    ]);
  });

  it.each([
    [["cluster"], /--enablement "cluster" is unknown \(accepted: pod, mesh\)/],
    [[], /--enablement is empty/],
  ])("rejects %j as bad input", (enablements, message) => {
    expect(() => expandMatrix({ istio: ["1.31"], profiles: ["default"], enablements })).toThrow(UsageError);
    expect(() => expandMatrix({ istio: ["1.31"], profiles: ["default"], enablements })).toThrow(message);
  });
});
