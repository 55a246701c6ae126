import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { expandIstioItem, ISTIO_MINORS, resolveIstioVersion, unlistedAssumption } from "./istio-releases.ts";

describe("resolveIstioVersion", () => {
  it("resolves latest, minors and full versions", () => {
    expect(resolveIstioVersion("latest")).toBe("1.31.1");
    expect(resolveIstioVersion("1.30")).toBe("1.30.5");
    expect(resolveIstioVersion("1.22")).toBe("1.22.8");
    expect(resolveIstioVersion("1.30.3")).toBe("1.30.3");
    expect(resolveIstioVersion("v1.29.0")).toBe("1.29.0");
    expect(resolveIstioVersion("1.31.0-rc.0")).toBe("1.31.0-rc.0");
  });

  it.each([
    ["1.21", /older than 1.22/],
    ["1.21.6", /older than 1.22/],
    ["1.32", /not in the catalog/],
    ["1.32.0", /not in the catalog/],
    ["banana", /not a version/],
    ["1.31.0-rc.7", /not a known pre-release/],
    ["1.30.9", /newer than the catalog's 1.30.5.*--allow-unlisted-istio/],
  ])("rejects %s as bad input", (input, message) => {
    expect(() => resolveIstioVersion(input)).toThrow(UsageError);
    expect(() => resolveIstioVersion(input)).toThrow(message);
  });

  it("accepts a newer patch only when asked", () => {
    expect(resolveIstioVersion("1.30.9", { allowUnlisted: true })).toBe("1.30.9");
  });

  it("covers every minor from 1.22 to 1.31 with a supported Kubernetes range", () => {
    expect(ISTIO_MINORS.map((m) => m.minor)).toEqual([
      "1.22",
      "1.23",
      "1.24",
      "1.25",
      "1.26",
      "1.27",
      "1.28",
      "1.29",
      "1.30",
      "1.31",
    ]);
    for (const m of ISTIO_MINORS) expect(m.latestPatch.startsWith(`${m.minor}.`)).toBe(true);
  });
});

describe("vendor builds (bring-your-own meshes)", () => {
  it("are accepted with --allow-unlisted-istio, judged by their semver core", async () => {
    const { coreOf, isVendorBuild, istioctlVersionFor } = await import("./istio-releases.ts");
    const { hasCapability } = await import("./capabilities.ts");
    expect(resolveIstioVersion("1.26.3-solo", { allowUnlisted: true })).toBe("1.26.3-solo");
    expect(resolveIstioVersion("1.27.1-asm.2", { allowUnlisted: true })).toBe("1.27.1-asm.2");
    expect(() => resolveIstioVersion("1.26.3-solo")).toThrow(
      /vendor build of 1\.26\.3: pass --allow-unlisted-istio/,
    );
    expect([isVendorBuild("1.26.3-solo"), isVendorBuild("1.31.0-rc.0"), isVendorBuild("1.31.1")]).toEqual([
      true,
      false,
      false,
    ]);
    expect(coreOf("1.31.0-asm.1")).toBe("1.31.0");
    expect(istioctlVersionFor("1.27.1-asm.2")).toBe("1.27.1");
    expect(istioctlVersionFor("1.31.0-rc.0")).toBe("1.31.0-rc.0");
    expect(hasCapability("1.31.0-asm.1", "nativeSecurePorts")).toBe(true);
    expect(hasCapability("1.22.1-solo", "gatewayApiInfrastructure")).toBe(true);
    expect(hasCapability("1.22.0-solo", "gatewayApiInfrastructure")).toBe(false);
  });
});

describe("expandIstioItem", () => {
  it("reads all, latest-N and minor ranges as the catalog's latest patches, oldest first", () => {
    expect(expandIstioItem("all")).toEqual(ISTIO_MINORS.map((m) => m.latestPatch));
    expect(expandIstioItem("latest-2")).toEqual(["1.30.5", "1.31.1"]);
    expect(expandIstioItem("latest-1")).toEqual(["1.31.1"]);
    expect(expandIstioItem("1.28..1.31")).toEqual(["1.28.10", "1.29.8", "1.30.5", "1.31.1"]);
    expect(expandIstioItem("v1.30..v1.30")).toEqual(["1.30.5"]);
    expect(expandIstioItem("1.30.2")).toEqual(["1.30.2"]);
  });

  it.each([
    ["latest-0", /N must be 1..10/],
    ["latest-11", /N must be 1..10/],
    ["1.31..1.28", /reversed; write 1.28..1.31/],
    ["1.28.1..1.31", /a range joins two minors/],
    ["1.20..1.31", /minor 1.20 is not in the catalog/],
    ["1.28..1.40", /minor 1.40 is not in the catalog/],
  ])("rejects %s", (input, message) => {
    expect(() => expandIstioItem(input)).toThrow(UsageError);
    expect(() => expandIstioItem(input)).toThrow(message);
  });
});

describe("unlisted versions", () => {
  it("are refused without --allow-unlisted-istio, each with the way out", () => {
    expect(() => resolveIstioVersion("1.32.0")).toThrow(/not in the catalog .*--allow-unlisted-istio/);
    expect(() => resolveIstioVersion("1.31.0-rc.1")).toThrow(
      /not a known pre-release .*--allow-unlisted-istio/,
    );
  });

  it("are accepted with it: a new minor's patch or pre-release, an unknown pre-release of a known minor", () => {
    const o = { allowUnlisted: true };
    expect(resolveIstioVersion("1.32.0", o)).toBe("1.32.0");
    expect(resolveIstioVersion("1.32.0-rc.0", o)).toBe("1.32.0-rc.0");
    expect(resolveIstioVersion("1.31.0-rc.1", o)).toBe("1.31.0-rc.1");
    expect(() => resolveIstioVersion("1.32", o)).toThrow(/knows no patch of 1.32; name one, e.g. 1.32.0/);
    expect(() => resolveIstioVersion("1.21.0", o)).toThrow(/older than 1.22/);
  });

  it("say what they assume; listed versions assume nothing", () => {
    expect(unlistedAssumption("1.31.1")).toBeUndefined();
    expect(unlistedAssumption("1.31.0-rc.0")).toBeUndefined();
    expect(unlistedAssumption("1.30.2")).toBeUndefined();
    expect(unlistedAssumption("1.31.0-rc.1")).toBe(
      "pre-release 1.31.0-rc.1 is not in the catalog: judged by the semver gates with 1.31's facts",
    );
    expect(unlistedAssumption("1.26.3-solo")).toBe("vendor build judged as Istio 1.26.3");
    expect(unlistedAssumption("1.30.6")).toBe(
      "patch 1.30.6 is newer than the catalog's 1.30.5: judged with 1.30's facts",
    );
  });
});
