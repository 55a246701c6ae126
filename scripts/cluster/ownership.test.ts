import { describe, expect, it } from "vitest";
import { expandMatrix } from "../plan/cells.ts";
import { byoObstacle, scenarioDefinition } from "../render/scenarios.ts";
import { deletable, existingIstioDecision, isOwnedBy, ownerLabels, ownerSelector } from "./ownership.ts";

describe("bring-your-own-cluster safety", () => {
  it("deletes only what carries this run's labels", () => {
    const mine = { metadata: { name: "a", labels: ownerLabels("r1") } };
    const otherRun = { metadata: { name: "b", labels: ownerLabels("r2") } };
    const users = { metadata: { name: "c", labels: { "app.kubernetes.io/managed-by": "helm" } } };
    const bare = { metadata: { name: "d" } };
    expect(deletable([mine, otherRun, users, bare], "r1")).toEqual([mine]);
    expect(isOwnedBy(otherRun, "r1")).toBe(false);
    expect(ownerSelector("r1")).toBe("app.kubernetes.io/managed-by=ssc,ssc.istio.io/run-id=r1");
  });

  it("uses an existing Istio of the asked version, refuses another unless told, never installs over it", () => {
    expect(existingIstioDecision("1.31.1", "1.31.1", false)).toEqual({ action: "use", version: "1.31.1" });
    expect(existingIstioDecision("1.31.1", undefined, false)).toEqual({ action: "use", version: "1.31.1" });
    expect(() => existingIstioDecision("1.30.5", "1.31.1", false)).toThrow(
      /runs Istio 1\.30\.5, not 1\.31\.1.*--use-existing-istio/,
    );
    expect(existingIstioDecision("1.30.5", "1.31.1", true)).toMatchObject({
      action: "use",
      version: "1.30.5",
    });
    expect(() => existingIstioDecision(undefined, "1.31.1", true)).toThrow(/no Istio found/);
  });

  it("refuses scenarios that patch or install what the suite did not create", () => {
    const [native] = expandMatrix({ istio: ["1.31"], profiles: ["default"] });
    const [legacy] = expandMatrix({ istio: ["1.30"], profiles: ["default"] });
    expect(byoObstacle(scenarioDefinition("ingress-gateway-native", native!))).toMatch(
      /patches istio-system\/istio-ingressgateway/,
    );
    expect(byoObstacle(scenarioDefinition("legacy-gateway", legacy!))).toMatch(/istio-ingressgateway/);
    expect(byoObstacle(scenarioDefinition("prometheus-operator", native!))).toMatch(
      /installs prometheus-operator/,
    );
    expect(byoObstacle(scenarioDefinition("httpbin-native", native!))).toBeUndefined();
    expect(byoObstacle(scenarioDefinition("secure-prometheus", native!))).toBeUndefined();
  });
});
