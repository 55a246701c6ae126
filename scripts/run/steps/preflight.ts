import { checkCapacity, checkInotify, checkMemory, requireDocker } from "../../cluster/preflight.ts";
import { loadKubeConfig } from "../../mesh/kube.ts";
import type { Handler } from "../context.ts";

/** The cell's own checks; Docker itself was asked once for the whole run, before any download. */
export const preflight: Handler<"preflight"> = async (r) => {
  if (r.o.provider === "existing") {
    loadKubeConfig(r.state.kubeconfig, r.o.context);
    return;
  }
  const docker = r.o.docker ?? (await requireDocker(r.o.signal));
  if (r.cell.requests) checkCapacity(r.cell.id, r.cell.requests.total, docker);
  for (const c of [await checkInotify(), checkMemory(1)]) {
    if (c.status !== "ok") r.o.log(`warning: ${c.detail}; ${c.fix}`);
  }
};
