import { afterEach, describe, expect, it } from "vitest";
import { readyWorkload } from "../../testing/apiserver.ts";
import { apiBench } from "../../testing/step-run.ts";
import { waitIstio } from "./wait-istio.ts";

let b: Awaited<ReturnType<typeof apiBench>> | undefined;
afterEach(async () => b?.dispose());

describe("wait-istio", () => {
  it("waits for istiod, and in ambient for istio-cni and ztunnel, naming the one missing", async () => {
    b = await apiBench({
      test: ["AmbientWorkloadsHbone"],
      profile: "ambient",
      timeouts: { istioReady: 1_000 },
    });
    b.api.put(readyWorkload("Deployment", "istio-system", "istiod"));
    b.api.put(readyWorkload("DaemonSet", "istio-system", "istio-cni-node"));
    await expect(waitIstio(b.run("wait-istio"))).rejects.toThrow(
      /^timeout istioReady \(1s\): DaemonSet istio-system\/ztunnel not ready; last seen: never seen/,
    );
    b.api.put(readyWorkload("DaemonSet", "istio-system", "ztunnel"));
    await expect(waitIstio(b.run("wait-istio"))).resolves.toBeUndefined();
  });

  it("waits for the classic ingress gateway where the cell has one", async () => {
    b = await apiBench({ test: ["IngressGatewaySecureMetrics"], timeouts: { istioReady: 800 } });
    b.api.put(readyWorkload("Deployment", "istio-system", "istiod"));
    await expect(waitIstio(b.run("wait-istio"))).rejects.toThrow(
      /Deployment istio-system\/istio-ingressgateway not ready/,
    );
  });
});
