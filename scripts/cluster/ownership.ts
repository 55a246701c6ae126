import semver from "semver";
import { UsageError } from "../errors.ts";

// Bring-your-own-cluster safety: the suite marks everything it creates with its run id, removes
// only what carries that mark, never uninstalls an Istio it found, and refuses scenarios that
// would change objects it did not create.
export const MANAGED_BY = "app.kubernetes.io/managed-by";
export const RUN_ID = "ssc.istio.io/run-id";

export function ownerLabels(runId: string): Record<string, string> {
  return { [MANAGED_BY]: "ssc", [RUN_ID]: runId };
}

export function ownerSelector(runId: string): string {
  return `${MANAGED_BY}=ssc,${RUN_ID}=${runId}`;
}

export interface Labelled {
  metadata?: { name?: string; labels?: Record<string, string> };
}

export function isOwnedBy(o: Labelled, runId: string): boolean {
  const l = o.metadata?.labels ?? {};
  return l[MANAGED_BY] === "ssc" && l[RUN_ID] === runId;
}

/** Only objects this run created may be deleted; anything else is a bug, not a cleanup. */
export function deletable<T extends Labelled>(objects: readonly T[], runId: string): T[] {
  return objects.filter((o) => isOwnedBy(o, runId));
}

export type ExistingIstio = { action: "use"; version: string; note?: string };

/**
 * An existing cluster's Istio is used, never reinstalled or removed: when its version differs from
 * the one asked for, the run stops unless --use-existing-istio says to test what is there.
 */
export function existingIstioDecision(
  found: string | undefined,
  wanted: string | undefined,
  useExisting: boolean,
): ExistingIstio {
  if (!found) {
    throw new UsageError(
      "no Istio found in the cluster (no istio-system/istiod): install your mesh first, or let ssc create a kind cluster (drop --no-provision)",
    );
  }
  if (!wanted || semver.eq(found, wanted)) return { action: "use", version: found };
  if (useExisting)
    return { action: "use", version: found, note: `asked for ${wanted}, testing the installed ${found}` };
  throw new UsageError(
    `the cluster runs Istio ${found}, not ${wanted}; pass --istio ${found}, or --use-existing-istio to test what is installed`,
  );
}
