import { afterEach, describe, expect, it } from "vitest";
import { InfrastructureError } from "../../errors.ts";
import { readyWorkload, type ScriptedApiServer } from "../../testing/apiserver.ts";
import { apiBench } from "../../testing/step-run.ts";
import { applyManifest } from "./apply-manifest.ts";
import { render } from "./render.ts";

// apply-manifest against a scripted API server: what is sent, in which order, and what it waits
// for. The server stores what is applied and reports workloads ready; it runs nothing.
let b: Awaited<ReturnType<typeof apiBench>> | undefined;
let api: ScriptedApiServer | undefined;
afterEach(async () => b?.dispose());

async function bench(test: string[], provider: "kind" | "existing" = "kind", script = {}, timeouts = {}) {
  b = await apiBench({ test, existing: provider === "existing", script, timeouts });
  api = b.api;
  await render(b.run("render-manifests"));
  return api;
}
const patched = () => api!.seen.filter((s) => s.method === "PATCH").map((s) => s.url.split("?")[0]);

describe("apply-manifest", () => {
  it("applies the namespace and run-time Secret first, then the rest, with field manager ssc", async () => {
    await bench(["SecurePortRejectsForeignCa"]);
    await applyManifest(b!.run("deploy-secure-prometheus"));
    const urls = patched();
    expect(urls.slice(0, 2)).toEqual([
      "/api/v1/namespaces/ssc-prometheus",
      "/api/v1/namespaces/ssc-prometheus/secrets/ssc-foreign-client",
    ]);
    expect(urls).toContain("/apis/apps/v1/namespaces/ssc-prometheus/deployments/prometheus");
    expect(api!.seen.find((s) => s.method === "PATCH")!.url).toMatch(/fieldManager=ssc&force=true/);
    // The Secret's key comes from the suite's PKI in memory, never a rendered file.
    const secret = JSON.parse(api!.seen.find((s) => s.url.includes("/secrets/"))!.body) as {
      stringData: Record<string, string>;
    };
    expect(secret.stringData["key.pem"]).toMatch(/BEGIN PRIVATE KEY/);
  });

  it("on a cluster of your own registers the deletion of this run's labelled objects only", async () => {
    await bench(["SidecarSecureListeners"], "existing");
    await applyManifest(b!.run("deploy-httpbin-native"));
    expect(b!.t.pending()).toEqual(["httpbin-native objects (4, labelled with run h1)"]);
  });

  it("waits for the workloads it applied and names the pods' reasons when they never come up", async () => {
    await bench(
      ["SidecarSecureListeners"],
      "kind",
      {
        appliedNotReady: true,
        pods: [
          {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "httpbin-1", namespace: "ssc-native" },
            status: {
              phase: "Pending",
              containerStatuses: [
                {
                  name: "httpbin",
                  ready: false,
                  restartCount: 0,
                  image: "i",
                  imageID: "",
                  state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } },
                },
              ],
            },
          },
        ],
      },
      { workloadReady: 1_000 },
    );
    const err = await applyManifest(b!.run("deploy-httpbin-native")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(
      /^timeout workloadReady \(1s\): Deployment ssc-native\/httpbin not ready; .*pod ssc-native\/httpbin-1 Pending; container httpbin waiting: ImagePullBackOff \(Back-off pulling image\)/,
    );
  });

  it("a Gateway API gateway that never gets the ENVOY_SECURE_* env is an infrastructure error with what was seen", async () => {
    const s = await bench(["GatewayApiSecureMetrics"], "kind", {}, { gatewayEnv: 2_500 });
    // istiod's deployment controller would render this; here it stays without the env.
    s.put({
      ...readyWorkload("Deployment", "ssc-gateway-api", "secure-gateway-istio"),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "g" } },
        template: {
          spec: { containers: [{ name: "istio-proxy", env: [{ name: "ISTIO_META_CLUSTER_ID" }] }] },
        },
      },
    });
    const err = await applyManifest(b!.run("deploy-gateway-api-native")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(
      /^timeout gatewayEnv \(2\.5s\): gateway Deployment ssc-gateway-api\/secure-gateway-istio never got ENVOY_SECURE_METRICS_PORT, ENVOY_SECURE_MERGED_METRICS_PORT from its ProxyConfig \(touched the Gateway \d+ time\(s\) to reconcile\); its istio-proxy env: ISTIO_META_CLUSTER_ID$/,
    );
    // It asked the deployment controller to reconcile by touching the Gateway.
    expect(
      s.seen.some(
        (x) =>
          x.method === "PATCH" &&
          x.url.includes("/gateways/secure-gateway") &&
          x.body.includes("ssc.istio.io/reconcile"),
      ),
    ).toBe(true);
  });

  it("waits until the gateway's running pods carry the env, not just its template", async () => {
    const s = await bench(["GatewayApiSecureMetrics"], "kind", {}, { gatewayEnv: 2_000 });
    const env = [{ name: "ENVOY_SECURE_METRICS_PORT" }, { name: "ENVOY_SECURE_MERGED_METRICS_PORT" }];
    s.put({
      ...readyWorkload("Deployment", "ssc-gateway-api", "secure-gateway-istio"),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "g" } },
        template: { spec: { containers: [{ name: "istio-proxy", env }] } },
      },
    });
    s.script.pods = [
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "gw-old", namespace: "ssc-gateway-api" },
        spec: { containers: [{ name: "istio-proxy", env: [] }] },
      },
    ];
    await expect(applyManifest(b!.run("deploy-gateway-api-native"))).rejects.toThrow(
      /the pods of gateway ssc-gateway-api\/secure-gateway still run without ENVOY_SECURE_METRICS_PORT, ENVOY_SECURE_MERGED_METRICS_PORT: gw-old/,
    );
    s.script.pods = [
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "gw-new", namespace: "ssc-gateway-api" },
        spec: { containers: [{ name: "istio-proxy", env }] },
      },
    ];
    await expect(applyManifest(b!.run("deploy-gateway-api-native"))).resolves.toBeUndefined();
  });
});
