// A probe never throws for a conformance failure: it returns a verdict with the evidence that
// led to it. fail = the mesh broke the property; error = the probe could not tell.
export type VerdictKind = "pass" | "fail" | "error";

export interface Verdict {
  probe: string;
  verdict: VerdictKind;
  /** One line naming the cause, e.g. "plain HTTP got 200 from http://10.0.0.5:15091/stats/prometheus". */
  summary: string;
  evidence: string[];
  /** How many attempts convergence made before this verdict (absent for a single attempt). */
  attempts?: number;
}

export const pass = (probe: string, summary: string, evidence: string[] = []): Verdict => ({
  probe,
  verdict: "pass",
  summary,
  evidence,
});
export const fail = (probe: string, summary: string, evidence: string[] = []): Verdict => ({
  probe,
  verdict: "fail",
  summary,
  evidence,
});
export const error = (probe: string, summary: string, evidence: string[] = []): Verdict => ({
  probe,
  verdict: "error",
  summary,
  evidence,
});

/** The verdict that decides a set, as a test's status does: a failure, else an error, else the
 * first pass. An empty set could not tell anything: an error. */
export function worstOf(verdicts: readonly Verdict[], probe: string): Verdict {
  return (
    verdicts.find((v) => v.verdict === "fail") ??
    verdicts.find((v) => v.verdict === "error") ??
    verdicts[0] ??
    error(probe, "no verdicts")
  );
}
