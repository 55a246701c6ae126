import { execa } from "execa";
import { InfrastructureError, throwIfInterrupted } from "../../errors.ts";
import { shellJoin } from "../../plan/shell.ts";
import { formatDuration } from "../../timeouts.ts";

// Every child process of a step: a named timeout, the run's abort signal (a signal kills the child,
// not only ssc), and an error that says which of the three ended it: interrupted, timed out
// (execa's timedOut: killed at its budget) or failed with its last lines of output.
export const lastLines = (text: string, n = 3) => text.trim().split("\n").slice(-n).join(" | ");

export interface ToolCall {
  /** How the command is shown (e.g. "kind", "istioctl"): the plan's name, not the cache path. */
  display: string;
  file: string;
  args: readonly string[];
  /** The budget: its name as shown, and the --timeout name that sets it when they differ. */
  timeout: { name: string; ms: number; flag?: string };
  signal?: AbortSignal;
  env?: Record<string, string>;
}

/** Runs the tool; returns its combined output, or throws an error naming the cause. */
export async function runTool(c: ToolCall): Promise<string> {
  const r = await execa(c.file, [...c.args], {
    reject: false,
    all: true,
    timeout: c.timeout.ms,
    cancelSignal: c.signal,
    forceKillAfterDelay: 5_000,
    env: c.env,
  });
  throwIfInterrupted(c.signal);
  const shown = shellJoin([c.display, ...c.args]);
  if (r.timedOut) {
    throw new InfrastructureError(
      `${shown} did not finish within timeout ${c.timeout.name} (${formatDuration(c.timeout.ms)}): killed; raise it with --timeout ${c.timeout.flag ?? c.timeout.name}=<duration>`,
    );
  }
  if (r.exitCode !== 0) {
    const why = r.exitCode === undefined ? r.shortMessage : `exit ${r.exitCode}`;
    throw new InfrastructureError(`${shown} failed (${why}): ${lastLines(String(r.all ?? ""))}`);
  }
  return String(r.all ?? "");
}
