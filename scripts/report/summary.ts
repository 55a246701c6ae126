import { type CellResult, cellResultOf, findingOutcome, type RunResult, statistics } from "./model.ts";
import { rerunSentence } from "./rerun.ts";

// summary.md: what a person reads first, then the Reproduce section with the exact command.
const tool = (name: string, t: CellResult["tools"]["kind"]) =>
  t
    ? `, ${name} ${t.version} (sha256 ${t.sha256}${t.verified === false ? ", UNVERIFIED: from --tools-dir without a checksum" : ""})`
    : "";
const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

/** What was tested, naming an organization only when one was given (--organization). */
function tested(run: RunResult): string {
  const i = run.implementation;
  const what = `${i.project} ${i.version}`;
  return i.organization ? `${i.organization}/${what}` : `Tested ${what}`;
}

/** Every contradicted finding, with its cell. */
const contradictedFindings = (run: RunResult) =>
  run.cells.flatMap((c) =>
    c.tests.filter((t) => t.provisional && findingOutcome(t) === "contradicted").map((t) => ({ c, t })),
  );

/** Contradicted findings go first: the facts the suite was built on, or Istio, changed. */
function contradicted(run: RunResult): string[] {
  const n = contradictedFindings(run);
  if (n.length === 0) return [];
  const ids = [...new Set(n.map(({ t }) => t.id))].join(", ");
  return [
    `> **${n.length} finding(s) contradicted** (${ids}): Istio did not behave as the facts predicted; the facts or Istio changed. See Findings.${run.strictFindings ? " --strict-findings makes this a failure." : ""}`,
    "",
  ];
}

/** The console's one line naming every contradicted finding by cell, or undefined when none is. */
export function contradictedLine(run: RunResult): string | undefined {
  const found = contradictedFindings(run).map(({ c, t }) => `${c.id} / ${t.id}`);
  return found.length > 0
    ? `FINDINGS CONTRADICTED (the facts or Istio changed; see summary.md): ${found.join(", ")}`
    : undefined;
}

export function summaryMarkdown(run: RunResult): string {
  const lines = [
    `# secure-scrape-conformance: run ${run.runId}`,
    "",
    `${tested(run)}, suite ${run.suiteVersion}, ${run.started} to ${run.finished}.`,
    "",
    ...(rerunSentence(run) ? [rerunSentence(run)!, ""] : []),
    ...contradicted(run),
    "| cell | Istio | profile | Kubernetes | result | passed | failed | errored | skipped |",
    "|---|---|---|---|---|---|---|---|---|",
    ...run.cells.map((c) => {
      const s = statistics(c.tests);
      return `| ${c.id} | ${c.istioVersion} | ${c.profile} | ${c.kubernetesVersion} | **${cellResultOf(c, run.strictFindings ?? false)}** | ${s.passed} | ${s.failed} | ${s.errored} | ${s.skipped} |`;
    }),
  ];
  const problems = run.cells.flatMap((c) => [
    ...(c.error ? [`- **${c.id}**: the cell could not be tested: ${cell(c.error)}`] : []),
    ...(c.notRun ? [`- **${c.id}**: ${cell(c.notRun)}`] : []),
    ...(c.leaked ?? []).map((l) => `- **${c.id}**: LEFT BEHIND ${cell(l.name)}: ${cell(l.error)}`),
    // A cell error explains all its tests at once; list tests only for cells that ran.
    ...(c.error ? [] : c.tests)
      .filter((t) => (t.status === "failed" || t.status === "errored") && !t.provisional)
      .map((t) => `- **${c.id} / ${t.id}** ${t.status}: ${cell(t.reason ?? "")}`),
  ]);
  if (problems.length) lines.push("", "## Failures and errors", "", ...problems);
  const unlisted = run.cells.filter((c) => c.unlisted).map((c) => `- **${c.id}**: ${cell(c.unlisted!)}`);
  if (unlisted.length) lines.push("", "## Unlisted versions (not in the catalog: assumed)", "", ...unlisted);
  const skippedCells = (run.skippedCells ?? []).map((c) => `- ${c.id}: ${cell(c.reason)}`);
  if (skippedCells.length)
    lines.push("", "## Skipped cells (combinations that cannot exist)", "", ...skippedCells);
  const findings = run.cells.flatMap((c) =>
    c.tests
      .filter((t) => t.provisional && t.status !== "skipped")
      .map((t) => ({ c, t, outcome: findingOutcome(t) })),
  );
  if (findings.length) {
    lines.push(
      "",
      `## Findings (provisional tests; ${run.strictFindings ? "with --strict-findings a contradicted one fails the run" : "they never fail a run unless --strict-findings"})`,
      "",
      ...findings.map(
        ({ c, t, outcome }) =>
          `- **${t.id}** (${c.id}): **${outcome}**: ${cell(t.finding ?? t.reason ?? "")}`,
      ),
    );
  }
  const kept = run.cells.flatMap((c) => (c.kept ?? []).map((k) => `- ${c.id}: ${cell(k)}`));
  if (kept.length) lines.push("", `## Kept (remove with \`ssc down --run-id ${run.runId}\`)`, "", ...kept);
  const diag = run.cells.filter((c) => c.diagnostics).map((c) => `- ${c.id}: \`${c.diagnostics}\``);
  if (diag.length) lines.push("", "## Diagnostics", "", ...diag);
  lines.push(
    "",
    "## Reproduce",
    "",
    "```sh",
    ...(run.merged ? run.merged.map((m) => m.command) : [run.command]),
    "```",
    ...(run.merged
      ? [
          "",
          `Merged by \`${run.command}\` from ${run.merged.length} report folder(s): ${run.merged.map((m) => `${m.dir} (run ${m.runId})`).join(", ")}.`,
        ]
      : []),
    "",
    ...run.cells.map(
      (c) =>
        `- ${c.id}: node image \`${c.nodeImage}\`${tool("kind", c.tools.kind)}${tool("istioctl", c.tools.istioctl)}${c.probeClient ? `, probe client \`${c.probeClient.image}\`${c.probeClient.curl ? ` (${c.probeClient.curl})` : ""}` : ""}`,
    ),
    "",
  );
  return lines.join("\n");
}
