import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";

// Why a workload is not ready, in the words kubectl describe would use: for each pod, its phase,
// the Warning events that name it (FailedScheduling, Failed pulls, BackOff), and each container's
// waiting reason and last termination. Pure, so the wording is tested on recorded objects.

function containerLines(pod: V1Pod): string[] {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.flatMap((c) => {
    if (c.ready) return [];
    const parts: string[] = [];
    const w = c.state?.waiting;
    if (w?.reason) parts.push(`waiting: ${w.reason}${w.message ? ` (${w.message})` : ""}`);
    if (c.state?.running && !c.ready) parts.push("running, not ready");
    const last = c.lastState?.terminated ?? c.state?.terminated;
    if (last) {
      parts.push(
        `last terminated: exit ${last.exitCode}${last.reason ? ` (${last.reason})` : ""}${last.message ? `: ${last.message.trim().split("\n").slice(-1)[0]}` : ""}`,
      );
    }
    if (c.restartCount) parts.push(`${c.restartCount} restart(s)`);
    return parts.length ? [`container ${c.name} ${parts.join(", ")}`] : [];
  });
}

/** One line per pod that is not ready, newest Warning events first (at most 2 per pod). */
export function explainPods(pods: readonly V1Pod[], events: readonly CoreV1Event[]): string[] {
  return pods
    .filter((p) => !(p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"))
    .map((p) => {
      const name = p.metadata?.name ?? "?";
      const warnings = events
        .filter(
          (e) => e.type === "Warning" && e.involvedObject?.kind === "Pod" && e.involvedObject.name === name,
        )
        .sort((a, b) => time(b) - time(a))
        .slice(0, 2)
        .map((e) => `${e.reason}: ${(e.message ?? "").trim()}`);
      const unscheduled = (p.status?.conditions ?? []).find(
        (c) => c.type === "PodScheduled" && c.status === "False",
      );
      const parts = [
        p.status?.phase ?? "Unknown",
        ...(unscheduled && !warnings.length ? [`${unscheduled.reason}: ${unscheduled.message ?? ""}`] : []),
        ...containerLines(p),
        ...warnings,
      ];
      return `pod ${p.metadata?.namespace}/${name} ${parts.join("; ")}`;
    });
}

function time(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : 0;
}
