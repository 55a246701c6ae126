import { writeFile } from "node:fs/promises";
import { requireDocker } from "../../cluster/preflight.ts";
import { InfrastructureError, throwIfInterrupted } from "../../errors.ts";
import type { Handler } from "../context.ts";

/** A k3s container through testcontainers; its reaper also removes it if ssc itself dies. */
export const k3sStart: Handler<"k3s-start"> = async (r) => {
  r.o.docker ?? (await requireDocker(r.o.signal));
  const { K3sContainer } = await import("@testcontainers/k3s");
  const started = new K3sContainer(r.action.image).withStartupTimeout(r.o.timeouts.clusterCreate).start();
  // Registered before the start resolves: an interrupt during it still stops the container.
  r.t.add(`k3s container ${r.action.image}`, async () => {
    const c = await started.catch(() => undefined);
    await c?.stop();
  });
  let container: Awaited<typeof started>;
  try {
    container = await started;
  } catch (e) {
    throwIfInterrupted(r.o.signal);
    throw new InfrastructureError(`k3s container ${r.action.image} did not start: ${(e as Error).message}`);
  }
  throwIfInterrupted(r.o.signal);
  await writeFile(r.state.kubeconfig, container.getKubeConfig(), { mode: 0o600 });
  r.state.clusterReady = true;
};
