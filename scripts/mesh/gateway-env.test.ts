import type { KubernetesObject } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { InfrastructureError, Interrupted } from "../errors.ts";
import { kubeConfigFor, type ScriptedApiServer, startApiServer } from "../testing/apiserver.ts";
import { ensureGatewayEnv, gatewaysNeedingEnv } from "./gateway-env.ts";

// The Gateway API env wait against the scripted API server (not a cluster): a gateway whose
// Deployment never gets the ENVOY_SECURE_* env is an error naming the budget; an interrupt is an
// interrupt, never reported as that timeout.
let api: ScriptedApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const kcFor = kubeConfigFor;
const gateway: KubernetesObject & { spec: { gatewayClassName: string } } = {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "Gateway",
  metadata: { name: "secure-gateway", namespace: "ssc-gateway-api" },
  spec: { gatewayClassName: "istio" },
};
const proxyConfig: KubernetesObject = {
  apiVersion: "networking.istio.io/v1beta1",
  kind: "ProxyConfig",
  metadata: { name: "secure-ports", namespace: "ssc-gateway-api" },
};

describe("gatewaysNeedingEnv", () => {
  it("picks Gateway API gateways only when a ProxyConfig comes with them", () => {
    expect(gatewaysNeedingEnv([gateway, proxyConfig])).toEqual([gateway]);
    expect(gatewaysNeedingEnv([gateway])).toEqual([]);
    expect(gatewaysNeedingEnv([{ ...gateway, apiVersion: "networking.istio.io/v1" }, proxyConfig])).toEqual(
      [],
    );
  });
});

describe("ensureGatewayEnv", () => {
  it("is an error naming gatewayEnv, the Deployment and the touches when the env never comes", async () => {
    api = await startApiServer();
    api.put({ ...gateway } as Parameters<ScriptedApiServer["put"]>[0]);
    const err = await ensureGatewayEnv(kcFor(api.url), [gateway, proxyConfig], {
      timeouts: { gatewayEnv: 1_500, workloadReady: 1_000 },
      log: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect(err).not.toBeInstanceOf(Interrupted);
    expect((err as Error).message).toMatch(
      /^timeout gatewayEnv \(1\.5s\): gateway Deployment ssc-gateway-api\/secure-gateway-istio never got ENVOY_SECURE_METRICS_PORT, ENVOY_SECURE_MERGED_METRICS_PORT from its ProxyConfig \(touched the Gateway \d+ time\(s\) to reconcile\)/,
    );
    expect(api.seen.some((s) => s.method === "PATCH" && s.url.includes("/gateways/secure-gateway"))).toBe(
      true,
    );
  });

  it("stops with the interrupt, not a gatewayEnv timeout, when the run is interrupted", async () => {
    api = await startApiServer();
    api.put({ ...gateway } as Parameters<ScriptedApiServer["put"]>[0]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Interrupted("SIGINT")), 300);
    const start = Date.now();
    const err = await ensureGatewayEnv(kcFor(api.url), [gateway, proxyConfig], {
      timeouts: { gatewayEnv: 60_000, workloadReady: 1_000 },
      signal: ac.signal,
      log: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Interrupted);
    expect((err as Error).message).toBe("interrupted by SIGINT");
    expect(Date.now() - start).toBeLessThan(3_000);
  });
});
