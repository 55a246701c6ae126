import { ExitCode } from "../errors.ts";
import type { Verdict } from "../probes/verdict.ts";

export function exitCodeFor(verdicts: readonly Verdict[]): ExitCode {
  if (verdicts.some((v) => v.verdict === "error")) return ExitCode.infrastructure;
  if (verdicts.some((v) => v.verdict === "fail")) return ExitCode.failure;
  return ExitCode.ok;
}

export function verdictText(v: Verdict): string {
  return [`${v.verdict.toUpperCase()} ${v.probe}: ${v.summary}`, ...v.evidence.map((e) => `  ${e}`)].join(
    "\n",
  );
}
