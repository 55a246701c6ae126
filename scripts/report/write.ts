import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { conformanceReportYaml } from "./conformance-report.ts";
import { reportHtml } from "./html.ts";
import type { RunResult } from "./model.ts";
import { MANIFEST, manifestOf, reportFileName } from "./submission.ts";
import { summaryMarkdown } from "./summary.ts";

/** Writes the run's reports into `dir` (junit.xml as given: it carries vitest's evidence, which the
 * results do not); returns the files written. */
export async function writeReports(dir: string, run: RunResult, junit: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    [reportFileName(run), conformanceReportYaml(run)],
    ["junit.xml", junit],
    ["summary.md", summaryMarkdown(run)],
    ["report.html", reportHtml(run)],
    // The raw results, so reports can be rebuilt or compared without re-running.
    ["results.json", `${JSON.stringify(run, null, 2)}\n`],
  ];
  // Last: what `ssc report validate` checks the submitted folder against.
  files.push([MANIFEST, manifestOf(files)]);
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
