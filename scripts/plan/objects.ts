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

export function objectsToCreate(cell: PlannedCell, runId: string, provider: Provider): PlannedObject[] {
  if (cell.scenarios.length === 0) return [];
  const rendered = renderCell(cell, cell.scenarios, runId, provider);
  return rendered.scenarios.flatMap((s) =>
    s.objects.map((doc) => {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } };
      return {
        kind: o.kind ?? "?",
        ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
        name: o.metadata?.name ?? "?",
      };
    }),
  );
}

/** Remote manifests a cell applies (each creates what its publisher put in it). */
export const remoteManifests = (cell: PlannedCell, runId: string, provider: Provider): string[] =>
  cell.scenarios.length === 0
    ? []
    : renderCell(cell, cell.scenarios, runId, provider).scenarios.flatMap((s) =>
        s.prerequisites.map((p) => p.url),
      );
