import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CellRun } from "../run/run-cells.ts";
import { conformanceReportYaml } from "./conformance-report.ts";
import { mergeJunit } from "./junit.ts";
import type { RunResult } from "./model.ts";
import { summaryMarkdown } from "./summary.ts";

/** Writes the run's reports into `dir`; returns the files written. */
export async function writeReports(dir: string, run: RunResult, runs: readonly CellRun[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ["conformance-report.yaml", conformanceReportYaml(run)],
    ["junit.xml", mergeJunit(runs)],
    ["summary.md", summaryMarkdown(run)],
    // The raw results, so reports can be rebuilt or compared without re-running.
    ["results.json", `${JSON.stringify(run, null, 2)}\n`],
  ];
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
