import { describe, expect, it } from "vitest";
import { daemonSetReady, deploymentReady, describeState, hasSidecar } from "./readiness.ts";

const dep = (status: object, generation = 2, replicas = 1) => ({
  kind: "Deployment",
  metadata: { name: "httpbin", namespace: "ssc-native", generation },
  spec: { replicas },
  status,
});

describe("readiness rules", () => {
  it("a Deployment is ready only when the new generation is fully available", () => {
    const avail = [{ type: "Available", status: "True" }];
    expect(
      deploymentReady(
        dep({
          observedGeneration: 2,
          replicas: 1,
          updatedReplicas: 1,
          availableReplicas: 1,
          conditions: avail,
        }),
      ),
    ).toBe(true);
    // an older generation is still rolling out (e.g. right after the gateway patch)
    expect(
      deploymentReady(
        dep({
          observedGeneration: 1,
          replicas: 1,
          updatedReplicas: 1,
          availableReplicas: 1,
          conditions: avail,
        }),
      ),
    ).toBe(false);
    // surge: two replicas exist while one is wanted
    expect(
      deploymentReady(
        dep({
          observedGeneration: 2,
          replicas: 2,
          updatedReplicas: 1,
          availableReplicas: 2,
          conditions: avail,
        }),
      ),
    ).toBe(false);
    expect(
      deploymentReady(dep({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 })),
    ).toBe(false);
  });

  it("a DaemonSet is ready when every scheduled pod is ready and updated", () => {
    const ds = (numberReady: number) => ({
      kind: "DaemonSet",
      metadata: { generation: 1 },
      status: { observedGeneration: 1, desiredNumberScheduled: 1, numberReady, updatedNumberScheduled: 1 },
    });
    expect(daemonSetReady(ds(1))).toBe(true);
    expect(daemonSetReady(ds(0))).toBe(false);
    expect(daemonSetReady({ kind: "DaemonSet", status: { desiredNumberScheduled: 0 } })).toBe(false);
  });

  it("describes the last state for a timeout message", () => {
    const d = dep({
      availableReplicas: 0,
      updatedReplicas: 1,
      conditions: [
        {
          type: "Available",
          status: "False",
          reason: "MinimumReplicasUnavailable",
          message: "Deployment does not have minimum availability.",
        },
        { type: "Progressing", status: "True", reason: "ReplicaSetUpdated" },
      ],
    });
    expect(describeState(d)).toBe(
      "available 0/1, updated 1; Available=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.); Progressing=True (ReplicaSetUpdated)",
    );
    expect(describeState(undefined)).toBe("never seen");
  });

  it("finds istio-proxy as a container or a native-sidecar init container", () => {
    expect(hasSidecar({ spec: { containers: [{ name: "app" }, { name: "istio-proxy" }] } })).toBe(true);
    expect(
      hasSidecar({ spec: { containers: [{ name: "app" }], initContainers: [{ name: "istio-proxy" }] } }),
    ).toBe(true);
    expect(hasSidecar({ spec: { containers: [{ name: "app" }] } })).toBe(false);
  });
});

describe("what to watch after an apply", () => {
  it("includes controller-made workloads and CRDs", async () => {
    const { workloadsToWatch, watchPath } = await import("./readiness.ts");
    const items = workloadsToWatch([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "ssc-gateway-api" } },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "httpbin", namespace: "ssc-native" } },
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: "secure-gateway", namespace: "ssc-gateway-api" },
        spec: { gatewayClassName: "istio" },
      },
      {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: { name: "metrics-gateway", namespace: "x" },
      },
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "Prometheus",
        metadata: { name: "secure", namespace: "ssc-operator" },
      },
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "gateways.gateway.networking.k8s.io" },
      },
    ]);
    expect(items).toEqual([
      { kind: "Deployment", namespace: "ssc-native", name: "httpbin" },
      { kind: "Deployment", namespace: "ssc-gateway-api", name: "secure-gateway-istio" },
      { kind: "StatefulSet", namespace: "ssc-operator", name: "prometheus-secure" },
      { kind: "CustomResourceDefinition", name: "gateways.gateway.networking.k8s.io" },
    ]);
    expect(items.map(watchPath)).toEqual([
      "/apis/apps/v1/namespaces/ssc-native/deployments",
      "/apis/apps/v1/namespaces/ssc-gateway-api/deployments",
      "/apis/apps/v1/namespaces/ssc-operator/statefulsets",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    ]);
  });
});
