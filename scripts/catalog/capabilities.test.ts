import { describe, expect, it } from "vitest";
import { capabilitiesOf, hasCapability, secureMetricsModeOf } from "./capabilities.ts";

describe("capability gates at their boundaries", () => {
  it.each([
    ["1.30.5", false],
    ["1.30.99", false],
    ["1.31.0-alpha.0", true],
    ["1.31.0-rc.0", true],
    ["1.31.0", true],
    ["1.31.1", true],
  ])("native secure ports in %s: %s", (version, expected) => {
    expect(hasCapability(version, "nativeSecurePorts")).toBe(expected);
    expect(secureMetricsModeOf(version)).toBe(expected ? "native" : "legacy");
  });

  it("METRICS_LOCALHOST_ACCESS_ONLY exists from 1.23, not in 1.22", () => {
    expect(hasCapability("1.22.8", "metricsLocalhostAccessOnly")).toBe(false);
    expect(hasCapability("1.23.0", "metricsLocalhostAccessOnly")).toBe(true);
  });

  it("ambient is GA from 1.24, not 1.23", () => {
    expect(hasCapability("1.23.6", "ambient")).toBe(false);
    expect(hasCapability("1.24.0", "ambient")).toBe(true);
  });

  it("ztunnel-config: top-level from 1.23, ADDRESS column from 1.24", () => {
    expect(capabilitiesOf("1.22.8")).not.toContain("ztunnelConfigTopLevel");
    expect(capabilitiesOf("1.23.6")).toContain("ztunnelConfigTopLevel");
    expect(capabilitiesOf("1.23.6")).not.toContain("ztunnelConfigAddressColumn");
    expect(capabilitiesOf("1.24.0")).toContain("ztunnelConfigAddressColumn");
  });

  it("Gateway API spec.infrastructure from 1.22.1 (the #51020 back-port)", () => {
    expect(hasCapability("1.22.0", "gatewayApiInfrastructure")).toBe(false);
    expect(hasCapability("1.22.1", "gatewayApiInfrastructure")).toBe(true);
  });
});
