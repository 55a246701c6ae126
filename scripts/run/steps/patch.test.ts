import { afterEach, describe, expect, it } from "vitest";
import { readyWorkload } from "../../testing/apiserver.ts";
import { apiBench } from "../../testing/step-run.ts";
import { patch } from "./patch.ts";
import { render } from "./render.ts";

let b: Awaited<ReturnType<typeof apiBench>> | undefined;
afterEach(async () => b?.dispose());

describe("patch", () => {
  it("sends the rendered strategic-merge patch with field manager ssc and waits for the rollout", async () => {
    b = await apiBench({ test: ["IngressGatewaySecureMetrics"] });
    await render(b.run("render-manifests"));
    b.api.put(readyWorkload("Deployment", "istio-system", "istio-ingressgateway"));
    await patch(b.run("patch-ingress-gateway-native"));
    const sent = b.api.seen.find((x) => x.method === "PATCH")!;
    expect(sent.url).toMatch(
      /^\/apis\/apps\/v1\/namespaces\/istio-system\/deployments\/istio-ingressgateway\?.*fieldManager=ssc/,
    );
    expect(JSON.parse(sent.body).spec.template.spec.containers[0].env).toEqual([
      { name: "ENVOY_SECURE_METRICS_PORT", value: "15091" },
      { name: "ENVOY_SECURE_MERGED_METRICS_PORT", value: "15092" },
    ]);
  });
});
