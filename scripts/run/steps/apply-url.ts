import { applyServerSide } from "../../mesh/kube.ts";
import { fetchPinned } from "../../tools/manifests.ts";
import type { Handler } from "../context.ts";
import { toKubeObjects, watchReady } from "./objects.ts";

/** A remote manifest (Gateway API CRDs, the operator bundle, Istio's sample Prometheus), through
 * --mirror when given, checked against the SHA-256 the suite knows or else pinned on first use; server-side apply, then a watch until its workloads and CRDs are ready. */
export const applyUrl: Handler<"apply-url"> = async (r) => {
  const text = await fetchPinned(r.action.url, {
    mirror: r.o.mirror,
    timeoutMs: r.o.timeouts.download,
    signal: r.o.signal,
    log: r.o.log,
    ...(r.action.sha256 ? { sha256: r.action.sha256 } : {}),
  });
  const objects = toKubeObjects(text);
  await applyServerSide(r.kc(), objects);
  await watchReady(r, objects);
};
