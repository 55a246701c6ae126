import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { upstreamOutput } from "../testing/goldens.ts";
import { judgeSidecar, PROXY_CONTAINER, sidecarOf } from "./sidecar.ts";

// The injector's real output (Istio's goldens, scripts/probes/testdata/README.md): a container at
// 1.22.0, a native sidecar at 1.31.0-rc.0. Statuses are what the kubelet reports for those specs.
const injected = (tag: string): V1Pod => {
  const [d] = parseAllDocuments(upstreamOutput(`injected-hello-${tag}.yaml`)).map(
    (doc) => doc.toJS() as V1Deployment,
  );
  return { spec: d!.spec!.template.spec! };
};
const status = (ready: boolean, restartCount = 0) => [
  { name: PROXY_CONTAINER, ready, restartCount, image: "proxyv2", imageID: "", started: ready },
];

describe("sidecarOf on the injector's goldens", () => {
  it("1.22.0 puts istio-proxy among the containers", () => {
    const pod = injected("1.22.0");
    expect(pod.spec!.containers.map((c) => c.name)).toContain(PROXY_CONTAINER);
    expect(sidecarOf(pod)).toEqual({ kind: "container", ready: false, restarts: 0 });
    expect(sidecarOf({ ...pod, status: { containerStatuses: status(true, 2) } })).toEqual({
      kind: "container",
      ready: true,
      restarts: 2,
    });
    // Another container's status is not the sidecar's, wherever it stands in the list.
    const app = { name: "hello", ready: false, restartCount: 9, image: "hello", imageID: "" };
    expect(sidecarOf({ ...pod, status: { containerStatuses: [app, ...status(true, 2)] } })).toEqual({
      kind: "container",
      ready: true,
      restarts: 2,
    });
    expect(sidecarOf({ ...pod, status: { containerStatuses: [{ ...app, ready: true }] } }).ready).toBe(false);
    // A ready status under the wrong list is not this sidecar's.
    expect(sidecarOf({ ...pod, status: { initContainerStatuses: status(true) } }).ready).toBe(false);
  });

  it("1.31.0-rc.0 makes it a native sidecar: an init container with restartPolicy Always", () => {
    const pod = injected("1.31.0-rc.0");
    expect(pod.spec!.containers.map((c) => c.name)).not.toContain(PROXY_CONTAINER);
    expect(sidecarOf(pod)).toEqual({ kind: "native", ready: false, restarts: 0 });
    expect(sidecarOf({ ...pod, status: { initContainerStatuses: status(true, 1) } })).toEqual({
      kind: "native",
      ready: true,
      restarts: 1,
    });
    expect(sidecarOf({ ...pod, status: { containerStatuses: status(true) } }).ready).toBe(false);
  });

  it("a pod the webhook skipped, or an istio-proxy init container that is not a sidecar, has none", () => {
    const pod = injected("1.31.0-rc.0");
    const app = { spec: { containers: pod.spec!.containers } };
    expect(sidecarOf(app)).toEqual({ kind: "none", ready: false, restarts: 0 });
    const blocking = {
      spec: {
        containers: pod.spec!.containers,
        initContainers: pod.spec!.initContainers!.map((c) => ({ ...c, restartPolicy: undefined })),
      },
      status: { initContainerStatuses: status(true) },
    };
    expect(sidecarOf(blocking)).toEqual({ kind: "none", ready: false, restarts: 0 });
    expect(sidecarOf({})).toEqual({ kind: "none", ready: false, restarts: 0 });
  });
});

describe("judgeSidecar", () => {
  it("passes a ready sidecar of either kind, saying which", () => {
    expect(judgeSidecar("ns/p", { kind: "native", ready: true, restarts: 0 })).toEqual({
      probe: "sidecar",
      verdict: "pass",
      summary: "ns/p has istio-proxy as a native sidecar (init container, restartPolicy Always), ready",
      evidence: ["ns/p: istio-proxy native, ready true, restarts 0"],
    });
    expect(judgeSidecar("ns/p", { kind: "container", ready: true, restarts: 4 }).summary).toBe(
      "ns/p has istio-proxy as a container, ready",
    );
  });

  it("fails a missing or unready one, saying what decides injection", () => {
    const none = judgeSidecar("ns/p", { kind: "none", ready: false, restarts: 0 });
    expect(none).toMatchObject({ verdict: "fail", probe: "sidecar" });
    expect(none.summary).toBe(
      "ns/p has no istio-proxy sidecar: it was not injected (the namespace's istio-injection label, or istio.io/rev on a revisioned install, decides), so its secure ports say nothing about the mesh",
    );
    const unready = judgeSidecar("ns/p", { kind: "native", ready: false, restarts: 7 });
    expect(unready).toMatchObject({
      probe: "sidecar",
      verdict: "fail",
      summary: "ns/p's istio-proxy (native) is not ready",
      evidence: ["ns/p: istio-proxy native, ready false, restarts 7"],
    });
  });
});
