import type { V1Container, V1ContainerStatus, V1PodSpec, V1PodStatus } from "@kubernetes/client-node";
import { fail, pass, type Verdict } from "./verdict.ts";

// Whether a pod's Istio sidecar is there and ready. The injector adds a container named
// istio-proxy, either among the containers or, as a Kubernetes native sidecar, among the init
// containers with restartPolicy: Always (Istio's injection goldens,
// pkg/kube/inject/testdata/inject/hello.yaml.injected: a container at 1.22.0, a native sidecar at
// 1.31.0-rc.0). A pod the webhook skipped (no istio-injection label, a revision-only install that
// wants istio.io/rev) is Running and Ready without one: every secure-port check on it would fail,
// and that failure would blame the mesh for the way the workload was deployed.
export const PROXY_CONTAINER = "istio-proxy";

export type SidecarKind = "container" | "native" | "none";

export interface SidecarState {
  kind: SidecarKind;
  /** The istio-proxy container's own readiness (false when there is none, or no status yet). */
  ready: boolean;
  restarts: number;
}

interface PodLike {
  spec?: Pick<V1PodSpec, "containers" | "initContainers">;
  status?: Pick<V1PodStatus, "containerStatuses" | "initContainerStatuses">;
}

const proxy = (list: V1Container[] | undefined) => list?.find((c) => c.name === PROXY_CONTAINER);
const statusOf = (list: V1ContainerStatus[] | undefined) => list?.find((c) => c.name === PROXY_CONTAINER);

export function sidecarOf(pod: PodLike): SidecarState {
  const init = proxy(pod.spec?.initContainers);
  // An init container named istio-proxy without restartPolicy Always would block the pod forever:
  // not a sidecar.
  const kind: SidecarKind = proxy(pod.spec?.containers)
    ? "container"
    : init?.restartPolicy === "Always"
      ? "native"
      : "none";
  const status =
    kind === "container"
      ? statusOf(pod.status?.containerStatuses)
      : kind === "native"
        ? statusOf(pod.status?.initContainerStatuses)
        : undefined;
  return { kind, ready: status?.ready === true, restarts: status?.restartCount ?? 0 };
}

/** The precondition on a pod the secure ports are checked on. Its own test fails on it; the checks
 * standing on it are errors naming it (PreconditionFailed), never failures. */
export function judgeSidecar(who: string, s: SidecarState): Verdict {
  const ev = [`${who}: istio-proxy ${s.kind}, ready ${s.ready}, restarts ${s.restarts}`];
  if (s.kind === "none") {
    return fail(
      "sidecar",
      `${who} has no istio-proxy sidecar: it was not injected (the namespace's istio-injection label, or istio.io/rev on a revisioned install, decides), so its secure ports say nothing about the mesh`,
      ev,
    );
  }
  if (!s.ready) return fail("sidecar", `${who}'s istio-proxy (${s.kind}) is not ready`, ev);
  const how = s.kind === "native" ? "a native sidecar (init container, restartPolicy Always)" : "a container";
  return pass("sidecar", `${who} has istio-proxy as ${how}, ready`, ev);
}
