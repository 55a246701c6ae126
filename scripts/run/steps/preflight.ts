import {
  checkCapacity,
  checkHostIpv6,
  checkInotify,
  checkMemory,
  requireDocker,
} from "../../cluster/preflight.ts";
import { InfrastructureError } from "../../errors.ts";
import { loadKubeConfig, loadRunKubeConfig } from "../../mesh/kube.ts";
import type { Handler } from "../context.ts";

/** The cell's own checks; Docker itself was asked once for the whole run, before any download. */
export const preflight: Handler<"preflight"> = async (r) => {
  if (r.o.provider === "existing") {
    loadKubeConfig(r.state.kubeconfig, r.o.context);
    return;
  }
  // --reuse talks to the cell ssc up left through its kubeconfig; Docker is not asked again.
  if (r.o.reuse) {
    loadRunKubeConfig(r.state.kubeconfig);
    return;
  }
  const docker = r.o.docker ?? (await requireDocker(r.o.signal));
  // --parallel N: N cells share the machine, so it must hold N of them.
  const n = r.o.parallel ?? 1;
  if (r.cell.requests) {
    const { cpuMillis, memoryMiB } = r.cell.requests.total;
    checkCapacity(
      n > 1 ? `${r.cell.id} (x${n}, --parallel ${n})` : r.cell.id,
      { cpuMillis: cpuMillis * n, memoryMiB: memoryMiB * n },
      docker,
    );
  }
  for (const c of [await checkInotify(n), checkMemory(n)]) {
    if (c.status !== "ok") r.o.log(`warning: ${c.detail}; ${c.fix}`);
  }
  if (r.cell.ipFamily !== "ipv4" && r.o.provider !== "k3s") {
    const v6 = await checkHostIpv6();
    if (v6.status === "fail") throw new InfrastructureError(`cell ${r.cell.id}: ${v6.detail}; ${v6.fix}`);
  }
};
