import type { KubernetesObject } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { READY, workloadsToWatch } from "../../mesh/readiness.ts";
import { waitFor } from "../../mesh/wait.ts";
import type { StepRun } from "../context.ts";

export const toKubeObjects = (text: string): KubernetesObject[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null && typeof o === "object");

/** Watches every workload the objects make (their own and their controllers') until ready. */
export async function watchReady(r: StepRun, objects: readonly KubernetesObject[]): Promise<void> {
  for (const item of workloadsToWatch(objects)) {
    await waitFor(r.kc(), item, READY[item.kind], {
      timeout: { name: "workloadReady", ms: r.o.timeouts.workloadReady },
      signal: r.o.signal,
    });
  }
}
