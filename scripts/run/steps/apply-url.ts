import { applyServerSide } from "../../mesh/kube.ts";
import { fetchPinned } from "../../tools/manifests.ts";
import type { Handler } from "../context.ts";
import { toKubeObjects, watchReady } from "./objects.ts";

/** A remote manifest (Gateway API CRDs, the operator bundle), through --mirror when given, pinned
 * by SHA-256 on first use; server-side apply, then a watch until its workloads and CRDs are ready. */
export const applyUrl: Handler<"apply-url"> = async (r) => {
  const text = await fetchPinned(r.action.url, {
    mirror: r.o.mirror,
    timeoutMs: r.o.timeouts.download,
    signal: r.o.signal,
    log: r.o.log,
  });
  const objects = toKubeObjects(text);
  await applyServerSide(r.kc(), objects);
  await watchReady(r, objects);
};
