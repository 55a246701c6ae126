import { ExitCode } from "../errors.ts";
import { budgetScale, MAX_BUDGET_SCALE, PROCESS_START_REFERENCE_MS } from "../lab/budgets.ts";
import { PROBE_CLIENT_CURL } from "../lab/host-curl.ts";
import { type SelftestResult, selftest } from "../lab/selftest.ts";
import { formatOf, type Options } from "./options.ts";
import { renderTable } from "./table.ts";

export function selftestTable(r: SelftestResult): string {
  const probes = [...new Set(r.subjects.flatMap((s) => s.outcomes.map((o) => o.probe)))];
  const rows = r.subjects.map((s) => [
    s.id,
    ...probes.map((p) => {
      const o = s.outcomes.find((x) => x.probe === p);
      if (!o) return "-";
      const mark = p === s.catches ? "*" : "";
      return o.ok ? `${o.verdict.verdict}${mark}` : `${o.verdict.verdict}${mark}!=${o.expected}`;
    }),
    s.id === "healthy" ? (s.ok ? "all pass" : "FALSE FAIL") : s.ok ? "caught" : "MISSED",
  ]);
  const problems = r.subjects.flatMap((s) =>
    s.outcomes
      .filter((o) => !o.ok)
      .map(
        (o) => `${s.id} / ${o.probe}: expected ${o.expected}, got ${o.verdict.verdict}: ${o.verdict.summary}`,
      ),
  );
  const faults = r.subjects.filter((s) => s.id !== "healthy");
  return [
    renderTable(["SUBJECT", ...probes, "RESULT"], rows),
    "",
    "* the probe that exists to catch the fault; x!=y means got x, expected y",
    `${faults.filter((f) => f.ok).length} of ${faults.length} faults caught; healthy lab ${r.subjects[0]?.ok ? "passes" : "FAILS"}`,
    `wall ${r.seconds.toFixed(1)} s; floor ${r.floorSeconds} s (the targetsUp budget a not-yet fault waits out); Prometheus from ${r.prometheus}`,
    `a process starts in ${r.processStartMs.toFixed(0)} ms here: budgets x${budgetScale(r.processStartMs).toFixed(2)} (x1 at ${PROCESS_START_REFERENCE_MS} ms, at most x${MAX_BUDGET_SCALE})`,
    `probes ran with ${r.curl} (the probe client's is curl ${PROBE_CLIENT_CURL})`,
    ...problems,
  ].join("\n");
}

export async function selftestCommand(o: Options) {
  const r = await selftest();
  const output =
    formatOf(o) === "json"
      ? JSON.stringify(
          {
            ok: r.ok,
            seconds: r.seconds,
            floorSeconds: r.floorSeconds,
            processStartMs: r.processStartMs,
            prometheus: r.prometheus,
            curl: r.curl,
            subjects: r.subjects.map((s) => ({
              id: s.id,
              description: s.description,
              catches: s.catches,
              ok: s.ok,
              // probe is the catalog's probe id (e.g. targets-envoy), not the verdict's probe kind.
              outcomes: s.outcomes.map((x) => ({
                probe: x.probe,
                expected: x.expected,
                verdict: x.verdict.verdict,
                summary: x.verdict.summary,
                evidence: x.verdict.evidence,
              })),
            })),
          },
          null,
          2,
        )
      : selftestTable(r);
  return { output, exitCode: r.ok ? ExitCode.ok : ExitCode.failure };
}
