import { type CellResult, cellResultOf, type RunResult, statistics } from "./model.ts";

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

export function summaryMarkdown(run: RunResult): string {
  const lines = [
    `# secure-scrape-conformance: run ${run.runId}`,
    "",
    `${tested(run)}, suite ${run.suiteVersion}, ${run.started} to ${run.finished}.`,
    "",
    "| cell | Istio | profile | Kubernetes | result | passed | failed | errored | skipped |",
    "|---|---|---|---|---|---|---|---|---|",
    ...run.cells.map((c) => {
      const s = statistics(c.tests);
      return `| ${c.id} | ${c.istioVersion} | ${c.profile} | ${c.kubernetesVersion} | **${cellResultOf(c)}** | ${s.passed} | ${s.failed} | ${s.errored} | ${s.skipped} |`;
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
  const findings = run.cells.flatMap((c) =>
    c.tests
      .filter((t) => t.provisional && t.finding)
      .map((t) => `- **${t.id}** (${c.id}, ${t.status}): ${cell(t.finding!)}`),
  );
  if (findings.length)
    lines.push("", "## Findings (provisional tests; they never fail a run)", "", ...findings);
  const kept = run.cells.flatMap((c) => (c.kept ?? []).map((k) => `- ${c.id}: ${cell(k)}`));
  if (kept.length) lines.push("", `## Kept (remove with \`ssc down --run-id ${run.runId}\`)`, "", ...kept);
  const diag = run.cells.filter((c) => c.diagnostics).map((c) => `- ${c.id}: \`${c.diagnostics}\``);
  if (diag.length) lines.push("", "## Diagnostics", "", ...diag);
  lines.push(
    "",
    "## Reproduce",
    "",
    "```sh",
    run.command,
    "```",
    "",
    ...run.cells.map(
      (c) =>
        `- ${c.id}: node image \`${c.nodeImage}\`${tool("kind", c.tools.kind)}${tool("istioctl", c.tools.istioctl)}${c.probeClient ? `, probe client \`${c.probeClient.image}\`${c.probeClient.curl ? ` (${c.probeClient.curl})` : ""}` : ""}`,
    ),
    "",
  );
  return lines.join("\n");
}
