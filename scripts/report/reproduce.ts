import { minorOfPatch } from "../catalog/minors.ts";
import { shellJoin } from "../plan/shell.ts";
import type { CellResult } from "./model.ts";

// The commands that reproduce one test of one cell, fitted to how the cell ran: on a cluster ssc
// makes (kind, k3s), bring it up once and rerun the test against it; on the user's own cluster,
// point at it again.

/** The run id the commands use for the cluster they bring up. */
export const REPRODUCE_RUN_ID = "repro";

export function reproduceCommands(cell: CellResult, testId: string): string[] {
  const version = ["--istio", cell.istioVersion];
  const unlisted = cell.unlisted ? ["--allow-unlisted-istio"] : [];
  if (cell.provider === "existing") {
    return [
      shellJoin([
        "ssc",
        "run",
        "--kubeconfig",
        "<your kubeconfig>",
        "--no-provision",
        ...version,
        ...unlisted,
        "--test",
        testId,
      ]),
    ];
  }
  const k8s = cell.kubernetesVersion ? ["--k8s", minorOfPatch(cell.kubernetesVersion)] : [];
  const cluster = cell.provider === "k3s" ? ["--cluster", "k3s"] : [];
  return [
    shellJoin([
      "ssc",
      "up",
      ...version,
      "--profile",
      cell.profile,
      ...k8s,
      ...unlisted,
      ...cluster,
      "--run-id",
      REPRODUCE_RUN_ID,
    ]),
    shellJoin(["ssc", "run", "--reuse", REPRODUCE_RUN_ID, "--test", testId]),
    shellJoin(["ssc", "down", "--run-id", REPRODUCE_RUN_ID]),
  ];
}
