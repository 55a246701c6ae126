import { describe, expect, it } from "vitest";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { hasCapability } from "../catalog/capabilities.ts";
import { PROBE_CLIENT } from "../catalog/images.ts";
import { ISTIO_MINORS } from "../catalog/istio-releases.ts";
import { PROFILES } from "../catalog/profiles.ts";
import { renderCell } from "../render/render-cell.ts";
import { buildPlan } from "./plan.ts";
import { cellRequests, cpuMillis, memoryMiB } from "./requests.ts";

// A cell must schedule on GitHub's smallest Linux runner (2 vCPU, 7 GB): its requests, computed
// from the very objects it applies plus kind's control plane and Istio, stay within that.
const RUNNER = { cpuMillis: 2_000, memoryMiB: 7 * 1024 };
const everyCell = ISTIO_MINORS.flatMap((m) =>
  buildPlan(
    {
      istio: [m.latestPatch],
      profiles: PROFILES.filter((p) => p !== "ambient" || hasCapability(m.latestPatch, "ambient")),
      runId: "r",
      workDir: "w",
    },
    CONFORMANCE_TESTS,
  ),
);

describe("quantities", () => {
  it("reads Kubernetes CPU and memory quantities", () => {
    expect([cpuMillis("10m"), cpuMillis("0.5"), cpuMillis("2"), cpuMillis(undefined)]).toEqual([
      10, 500, 2000, 0,
    ]);
    expect([memoryMiB("40Mi"), memoryMiB("1Gi"), memoryMiB("512Ki"), memoryMiB("134217728")]).toEqual([
      40, 1024, 0.5, 128,
    ]);
    expect(memoryMiB("100M")).toBeCloseTo(95.37, 2);
    expect(() => memoryMiB("lots")).toThrow(/not a memory quantity/);
  });
});

describe("a cell's requests", () => {
  it.each(everyCell.map((c) => [c.id, c] as const))(
    "%s fits a 2-vCPU / 7 GB runner, kind's control plane included",
    (_id, c) => {
      expect(c.requests!.total.cpuMillis).toBeLessThanOrEqual(RUNNER.cpuMillis);
      expect(c.requests!.total.memoryMiB).toBeLessThanOrEqual(RUNNER.memoryMiB);
      const kind = c.requests!.parts.filter((p) =>
        [
          "kube-apiserver",
          "kube-controller-manager",
          "kube-scheduler",
          "etcd",
          "coredns (2 replicas)",
          "kindnet",
        ].includes(p.name),
      );
      expect(kind.reduce((a, p) => a + p.cpuMillis, 0)).toBe(950);
    },
  );

  it.each(everyCell.map((c) => [c.id, c] as const))(
    "%s: the plan's shortcut equals the sum over its full rendering",
    (_id, c) => {
      expect(c.requests).toEqual(cellRequests(renderCell(c, c.scenarios, "r"), "kind"));
    },
  );

  it("counts an injected sidecar with the Deployment it joins, and none for ambient or opted-out pods", () => {
    const [native] = buildPlan(
      { istio: ["1.31"], profiles: ["default"], runId: "r", workDir: "w" },
      CONFORMANCE_TESTS,
    );
    const part = (name: string) => native!.requests!.parts.find((p) => p.name === name);
    expect(part("Deployment ssc-native/httpbin")).toEqual({
      name: "Deployment ssc-native/httpbin",
      cpuMillis: 20,
      memoryMiB: 72,
    });
    expect(part("Deployment ssc-probe/probe-client")).toMatchObject({ cpuMillis: 5, memoryMiB: 8 });
    expect(part("Gateway ssc-gateway-api/secure-gateway (its Deployment)")).toMatchObject({ cpuMillis: 10 });
    expect(part("Prometheus ssc-operator/secure (its StatefulSet)")).toMatchObject({
      cpuMillis: 70,
      memoryMiB: 218,
    });
    // Remote manifests: their pods' requests are stated beside their URLs; the sample's sidecar only.
    expect(part("prometheus-operator")).toEqual({
      name: "prometheus-operator",
      cpuMillis: 100,
      memoryMiB: 100,
    });
    expect(part("Deployment istio-system/prometheus (Istio's sample)")).toEqual({
      name: "Deployment istio-system/prometheus (Istio's sample)",
      cpuMillis: 10,
      memoryMiB: 40,
    });
    const [ambient] = buildPlan(
      { istio: ["1.31"], profiles: ["ambient"], runId: "r", workDir: "w" },
      CONFORMANCE_TESTS,
    );
    expect(ambient!.requests!.parts.find((p) => p.name === "Deployment ssc-ambient/httpbin")).toMatchObject({
      cpuMillis: 10,
    });
    expect(ambient!.requests!.parts.map((p) => p.name)).toEqual(
      expect.arrayContaining(["istio-cni", "ztunnel"]),
    );
  });

  it("on a cluster of your own, counts only what the suite adds, with Istio's default sidecar", () => {
    const [cell] = buildPlan(
      { istio: ["1.31"], profiles: ["default"], runId: "r", workDir: "w", provider: "existing" },
      CONFORMANCE_TESTS,
    );
    const r = cellRequests(renderCell(cell!, cell!.scenarios, "r", "existing"), "existing");
    expect(r.parts.map((p) => p.name)).not.toContain("istiod");
    expect(r.parts.map((p) => p.name)).not.toContain("kube-apiserver");
    expect(r.parts.find((p) => p.name === "Deployment ssc-native/httpbin")).toMatchObject({ cpuMillis: 110 });
  });
});

describe("one probe client for every Istio version", () => {
  it("the 1.22 cell runs its probes from the pinned curl image, never from the 1.22 proxy image", () => {
    const [c] = buildPlan(
      { istio: ["1.22"], profiles: ["default"], runId: "r", workDir: "w" },
      CONFORMANCE_TESTS,
    );
    const images = renderCell(c!, c!.scenarios, "r")
      .scenarios.flatMap((s) =>
        s.objects.map(
          (d) =>
            d.toJS() as {
              spec?: { template?: { spec?: { containers?: { name: string; image: string }[] } } };
            },
        ),
      )
      .flatMap((o) => o.spec?.template?.spec?.containers ?? []);
    const clients = images.filter((x) => x.name === "client");
    expect(clients.length).toBeGreaterThanOrEqual(2);
    for (const x of clients) expect(x.image).toBe(PROBE_CLIENT.image);
    expect(images.map((x) => x.image).join(" ")).not.toMatch(/proxyv2/);
    expect(PROBE_CLIENT.image).toMatch(/^docker\.io\/curlimages\/curl:7\.88\.1@sha256:[0-9a-f]{64}$/);
  });
});
