import { afterEach, describe, expect, it } from "vitest";
import { apiBench } from "../../testing/step-run.ts";
import { requireCrds } from "./require-crds.ts";

let b: Awaited<ReturnType<typeof apiBench>> | undefined;
afterEach(async () => b?.dispose());

describe("require-crds", () => {
  it("passes when Gateway API's CRD exists and says what to do when not", async () => {
    b = await apiBench({ existing: true, test: ["GatewayApiSecureMetrics"] });
    await expect(requireCrds(b.run("require-gateway-api-crds"))).rejects.toThrow(
      /no gateway\.networking\.k8s\.io CRDs; install them, or --skip the Gateway API tests/,
    );
    b.api.put({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "gateways.gateway.networking.k8s.io" },
    });
    await expect(requireCrds(b.run("require-gateway-api-crds"))).resolves.toBeUndefined();
  });
});
