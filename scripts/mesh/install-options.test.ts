import { describe, expect, it } from "vitest";
import { expandMatrix } from "../plan/cells.ts";
import { ISTIO_REQUESTS, istioInstallSettings } from "./install-options.ts";

const cell = (istio: string, profile: string, ipFamily = "ipv4") =>
  expandMatrix({ istio: [istio], profiles: [profile], ipFamilies: [ipFamily] })[0]!;

describe("the istioctl overlay", () => {
  it("lowers every component's requests to the demo profile's, in both profiles", () => {
    const d = istioInstallSettings(cell("1.22", "default"), []).overlay.spec.values;
    expect(d.pilot.resources.requests).toEqual(ISTIO_REQUESTS.pilot);
    expect(d.global.proxy.resources.requests).toEqual({ cpu: "10m", memory: "40Mi" });
    expect(d.gateways["istio-ingressgateway"].resources.requests).toEqual(ISTIO_REQUESTS.ingressGateway);
    expect(d.cni).toBeUndefined();
    const a = istioInstallSettings(cell("1.24", "ambient"), []).overlay.spec.values;
    expect(a.cni?.resources.requests).toEqual(ISTIO_REQUESTS.cni);
    expect(a.ztunnel?.resources.requests).toEqual(ISTIO_REQUESTS.ztunnel);
  });

  it("sets global.platform=k3s for ambient on k3s only", () => {
    const k3s = istioInstallSettings(cell("1.31", "ambient"), ["ambient"], "k3s");
    expect(k3s.overlay.spec.values.global.platform).toBe("k3s");
    expect(k3s.notes.join(" ")).toMatch(/global\.platform=k3s/);
    expect(
      istioInstallSettings(cell("1.31", "ambient"), ["ambient"], "kind").overlay.spec.values.global.platform,
    ).toBeUndefined();
    expect(
      istioInstallSettings(cell("1.31", "default"), [], "k3s").overlay.spec.values.global.platform,
    ).toBeUndefined();
  });

  it("keeps ztunnel's requests when it adds the HBONE metrics label (>= 1.27)", () => {
    const z = istioInstallSettings(cell("1.31", "ambient"), ["ambient"]).overlay.spec.values.ztunnel!;
    expect(z.podLabels).toEqual({ "networking.istio.io/tunnel": "http" });
    expect(z.resources.requests).toEqual(ISTIO_REQUESTS.ztunnel);
  });

  it("turns dual stack on where it is opt-in (istiod, every proxy, Services) and leaves IPv4 and IPv6 cells alone", () => {
    for (const [istio, profile] of [
      ["1.22", "default"],
      ["1.31", "ambient"],
    ] as const) {
      const dual = istioInstallSettings(cell(istio, profile, "dual"), []);
      expect(dual.overlay.spec.values.pilot.env).toEqual({ ISTIO_DUAL_STACK: "true" });
      expect(dual.overlay.spec.values.pilot.ipFamilyPolicy).toBe("RequireDualStack");
      expect(dual.overlay.spec.values.pilot.resources.requests).toEqual(ISTIO_REQUESTS.pilot);
      expect(dual.overlay.spec.values.gateways["istio-ingressgateway"]).toMatchObject({
        ipFamilyPolicy: "RequireDualStack",
        resources: { requests: ISTIO_REQUESTS.ingressGateway },
      });
      expect(dual.overlay.spec.meshConfig).toEqual({
        defaultConfig: { proxyMetadata: { ISTIO_DUAL_STACK: "true" } },
      });
      expect(dual.notes.join(" ")).toMatch(/ISTIO_DUAL_STACK=true/);
      for (const family of ["ipv4", "ipv6"]) {
        const single = istioInstallSettings(cell(istio, profile, family), []);
        expect(single.overlay.spec.meshConfig).toBeUndefined();
        expect(single.overlay.spec.values.pilot.env).toBeUndefined();
        expect(JSON.stringify(single)).not.toMatch(/DUAL|ipFamily/);
      }
    }
  });
});

describe("mesh-wide enablement", () => {
  const meshCell = (profile: string, ipFamily = "ipv4") =>
    expandMatrix({ istio: ["1.31"], profiles: [profile], ipFamilies: [ipFamily], enablements: ["mesh"] })[0]!;

  it("opens both secure ports for every proxy through meshConfig, as istio.io's tip installs it", () => {
    for (const profile of ["default", "ambient"]) {
      const s = istioInstallSettings(meshCell(profile), []);
      expect(s.overlay.spec.meshConfig).toEqual({
        defaultConfig: {
          proxyMetadata: { ENVOY_SECURE_METRICS_PORT: "15091", ENVOY_SECURE_MERGED_METRICS_PORT: "15092" },
        },
      });
      expect(s.notes.join(" ")).toMatch(/secure ports 15091\/15092 mesh-wide/);
      // Hardening stays per pod: the other tests judge the plaintext ports.
      expect(JSON.stringify(s)).not.toContain("METRICS_LOCALHOST_ACCESS_ONLY");
    }
    expect(istioInstallSettings(cell("1.31", "default"), []).overlay.spec.meshConfig).toBeUndefined();
  });

  it("keeps dual stack's proxyMetadata beside the ports", () => {
    expect(istioInstallSettings(meshCell("default", "dual"), []).overlay.spec.meshConfig).toEqual({
      defaultConfig: {
        proxyMetadata: {
          ISTIO_DUAL_STACK: "true",
          ENVOY_SECURE_METRICS_PORT: "15091",
          ENVOY_SECURE_MERGED_METRICS_PORT: "15092",
        },
      },
    });
  });
});
