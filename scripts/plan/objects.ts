import type { Provider } from "../cluster/providers.ts";
import { renderCell } from "../render/render-cell.ts";
import type { PlannedCell } from "./plan.ts";

// What a cell will create in the cluster, read from the very manifests the run applies: on a
// cluster of the user's own, the list a vendor reviews before anything is created.
export interface PlannedObject {
  kind: string;
  namespace?: string;
  name: string;
}

/** The objects a cell creates and the remote manifests it applies, from one rendering. */
export function toCreate(
  cell: PlannedCell,
  runId: string,
  provider: Provider,
): { objects: PlannedObject[]; remote: string[] } {
  if (cell.scenarios.length === 0) return { objects: [], remote: [] };
  const { scenarios } = renderCell(cell, cell.scenarios, runId, provider);
  return {
    objects: scenarios.flatMap((s) =>
      s.objects.map((doc) => {
        const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } };
        return {
          kind: o.kind ?? "?",
          ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
          name: o.metadata?.name ?? "?",
        };
      }),
    ),
    // Each creates what its publisher put in it.
    remote: scenarios.flatMap((s) => s.prerequisites.map((p) => p.url)),
  };
}
