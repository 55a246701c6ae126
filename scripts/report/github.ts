import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunResult } from "./model.ts";
import { summaryMarkdown } from "./summary.ts";

// On GitHub Actions (GITHUB_ACTIONS=true): every failure and error as an annotation on the run's
// page, each cell's log folded in a group, and summary.md on the job's summary page. Workflow
// commands go to stdout; their escaping is the runner's (actions/toolkit command.ts).

/** A workflow command's message: % and line breaks escaped, so a multi-line reason stays one command. */
export const escapeData = (s: string): string =>
  s.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");

/** A workflow command's property value: as data, and : and , too (they separate properties). */
export const escapeProperty = (s: string): string =>
  escapeData(s).replaceAll(":", "%3A").replaceAll(",", "%2C");

const command = (name: string, title: string, message: string) =>
  `::${name} title=${escapeProperty(title)}::${escapeData(message)}`;

export const groupStart = (title: string): string => `::group::${escapeData(title)}`;
export const GROUP_END = "::endgroup::";

/** One annotation per thing to act on: a cell that could not be tested (once, not per test), each
 * failed test, each test that could not tell, each contradicted finding (a warning: it fails the
 * run only with --strict-findings). */
export function githubAnnotations(run: RunResult): string[] {
  const strict = run.strictFindings ?? false;
  return run.cells.flatMap((c) => {
    if (c.error) return [command("error", `${c.id}: could not be tested`, c.error)];
    return c.tests.flatMap((t) => {
      const title = `${c.id} / ${t.id}`;
      if (t.provisional && !strict) {
        if (t.status === "failed")
          return [command("warning", `${title}: finding contradicted`, t.finding ?? t.reason ?? "")];
        return [];
      }
      if (t.status === "failed") return [command("error", `${title}: failed`, t.reason ?? "failed")];
      if (t.status === "errored")
        return [command("error", `${title}: could not tell`, t.reason ?? "the suite could not tell")];
      return [];
    });
  });
}

/** GitHub shows at most 1 MiB of a step's summary: a longer summary.md is cut at a line, saying
 * where the whole one is. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

export function stepSummary(markdown: string, whole: string, limit = STEP_SUMMARY_LIMIT): string {
  if (Buffer.byteLength(markdown) <= limit) return markdown;
  const note = `\n\n_Cut to fit GitHub's step summary; the whole summary is ${whole} in the report artifact._\n`;
  const room = limit - Buffer.byteLength(note);
  let cut = Buffer.from(markdown).subarray(0, room).toString("utf8");
  // A cut through a multi-byte character leaves a replacement character; a cut line is dropped.
  cut = cut.replace(/\uFFFD$/, "");
  return `${cut.slice(0, Math.max(0, cut.lastIndexOf("\n")))}${note}`;
}

/** What a run or merge does on GitHub Actions once its reports are written: the annotations to
 * print (stdout), and summary.md appended to the job's summary page. Nothing elsewhere. */
export async function onGithubActions(
  run: RunResult,
  reportDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  if (env.GITHUB_ACTIONS !== "true") return [];
  if (env.GITHUB_STEP_SUMMARY) {
    await appendFile(
      env.GITHUB_STEP_SUMMARY,
      `${stepSummary(summaryMarkdown(run), join(reportDir, "summary.md"))}\n`,
    );
  }
  return githubAnnotations(run);
}
