import { type RunResult, resultOf, statistics } from "./model.ts";

// summary.md: what a person reads first, then the Reproduce section with the exact command.
const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

export function summaryMarkdown(run: RunResult): string {
  const lines = [
    `# secure-scrape-conformance: run ${run.runId}`,
    "",
    `${run.implementation.organization}/${run.implementation.project} ${run.implementation.version}, suite ${run.suiteVersion}, ${run.started} to ${run.finished}.`,
    "",
    "| cell | Istio | profile | Kubernetes | result | passed | failed | errored | skipped |",
    "|---|---|---|---|---|---|---|---|---|",
    ...run.cells.map((c) => {
      const s = statistics(c.tests);
      return `| ${c.id} | ${c.istioVersion} | ${c.profile} | ${c.kubernetesVersion} | **${resultOf(c.tests, c.error)}** | ${s.passed} | ${s.failed} | ${s.errored} | ${s.skipped} |`;
    }),
  ];
  const problems = run.cells.flatMap((c) => [
    ...(c.error ? [`- **${c.id}**: the cell could not be tested: ${cell(c.error)}`] : []),
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
        `- ${c.id}: node image \`${c.nodeImage}\`${c.tools.kind ? `, kind ${c.tools.kind.version} (sha256 ${c.tools.kind.sha256})` : ""}${c.tools.istioctl ? `, istioctl ${c.tools.istioctl.version} (sha256 ${c.tools.istioctl.sha256})` : ""}`,
    ),
    "",
  );
  return lines.join("\n");
}
