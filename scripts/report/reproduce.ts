import { minorOfPatch } from "../catalog/minors.ts";
import { shellJoin } from "../plan/shell.ts";
import type { CellResult } from "./model.ts";

// The commands that reproduce one test of one cell, fitted to how the cell ran: on a cluster ssc
// makes (kind, k3s), in one go as a CI shard runs it (--cell), or kept to iterate on (up, run
// --reuse, down); on the user's own cluster, the same kubeconfig and context again.

/** The run id the commands use for the cluster they bring up. */
export const REPRODUCE_RUN_ID = "repro";

export function reproduceCommands(cell: CellResult, testId: string): string[] {
  const version = ["--istio", cell.istioVersion];
  const unlisted = cell.unlisted ? ["--allow-unlisted-istio"] : [];
  // The enablement changes what is rendered, on the user's own cluster too.
  const enablement = cell.enablement === "mesh" ? ["--enablement", "mesh"] : [];
  if (cell.provider === "existing") {
    return [
      shellJoin([
        "ssc",
        "run",
        "--kubeconfig",
        cell.kubeconfig ?? "<your kubeconfig>",
        ...(cell.context ? ["--context", cell.context] : []),
        "--no-provision",
        ...version,
        ...enablement,
        ...unlisted,
        "--test",
        testId,
      ]),
    ];
  }
  const k8s = cell.kubernetesVersion ? ["--k8s", minorOfPatch(cell.kubernetesVersion)] : [];
  const cluster = cell.provider === "k3s" ? ["--cluster", "k3s"] : [];
  const family = cell.ipFamily && cell.ipFamily !== "ipv4" ? ["--ip-family", cell.ipFamily] : [];
  const axes = [
    ...version,
    "--profile",
    cell.profile,
    ...k8s,
    ...family,
    ...enablement,
    ...unlisted,
    ...cluster,
  ];
  return [
    "# in one go, as a CI shard runs it:",
    shellJoin(["ssc", "run", ...axes, "--cell", cell.id, "--test", testId]),
    "# or keep the cell to iterate on:",
    shellJoin(["ssc", "up", ...axes, "--run-id", REPRODUCE_RUN_ID]),
    shellJoin(["ssc", "run", "--reuse", REPRODUCE_RUN_ID, "--test", testId]),
    shellJoin(["ssc", "down", "--run-id", REPRODUCE_RUN_ID]),
  ];
}
