import { existsSync, statSync } from "node:fs";
import { ExitCode, UsageError } from "../errors.ts";
import { shellJoin } from "../plan/shell.ts";
import { onGithubActions } from "../report/github.ts";
import { junitXml } from "../report/junit.ts";
import { mergeReports, readReportFolder } from "../report/merge.ts";
import { exitCodeOf } from "../report/model.ts";
import { writeReports } from "../report/write.ts";
import { checkRunId, checkWritableFolder } from "./inputs.ts";
import { list, type Options, str } from "./options.ts";
import { runTable } from "./run-table.ts";

/** `ssc report validate <folder|file>`: exit 0 valid, 1 invalid with one line per problem. */
async function validateCommand(targets: readonly string[]) {
  if (targets.length !== 1)
    throw new UsageError("ssc report validate takes one report folder or report file");
  const target = targets[0]!;
  if (!existsSync(target)) throw new UsageError(`ssc report validate: ${target} does not exist`);
  const { fileProblems, folderProblems } = await import("../report/validate.ts");
  const problems = statSync(target).isDirectory() ? folderProblems(target) : fileProblems(target);
  return problems.length === 0
    ? { output: `valid: ${target}`, exitCode: ExitCode.ok }
    : {
        output: [`invalid: ${target}`, ...problems.map((p) => `  ${p}`)].join("\n"),
        exitCode: ExitCode.failure,
      };
}

/** `ssc report merge <dir>... --out <dir> [--prefer newest]` and `ssc report validate <dir|file>`. */
export async function reportCommand(o: Options, positionals: readonly string[]) {
  const [verb, ...dirs] = positionals;
  if (verb === "validate") {
    const mergeOnly = ["out", "expect", "prefer", "run-id"].filter((f) => o[f] !== undefined);
    if (mergeOnly.length > 0) {
      throw new UsageError(
        `${mergeOnly.map((f) => `--${f}`).join(", ")} ${mergeOnly.length > 1 ? "apply" : "applies"} to ssc report merge only; ssc report validate takes one folder or file`,
      );
    }
    return validateCommand(dirs);
  }
  if (verb !== "merge") {
    throw new UsageError(
      `ssc report takes merge <dir>... or validate <dir|file> (not "${verb ?? ""}"); see ssc report --help`,
    );
  }
  if (dirs.length === 0 && list(o, "expect").length === 0) {
    throw new UsageError("ssc report merge needs the report folders to join, e.g. reports/*/");
  }
  const out = str(o, "out");
  if (!out)
    throw new UsageError("ssc report merge needs --out <dir>, the folder to write the merged reports into");
  const prefer = str(o, "prefer");
  if (prefer !== undefined && prefer !== "newest") {
    throw new UsageError(`--prefer ${prefer} is unknown (accepted: newest)`);
  }
  const runId = checkRunId(str(o, "run-id") ?? "merged");
  const folders = dirs.map((d) => readReportFolder(d));
  await checkWritableFolder(out, "--out");
  const merged = mergeReports(folders, {
    preferNewest: prefer === "newest",
    expect: list(o, "expect"),
    runId,
    command: shellJoin(["ssc", ...process.argv.slice(2)]),
  });
  const files = await writeReports(out, merged.run, junitXml(merged.junit));
  const annotations = await onGithubActions(merged.run, out);
  return {
    output: [
      runTable(merged.run),
      ...annotations,
      ...merged.replaced.map((r) => `replaced ${r}`),
      "",
      ...files.map((f) => `wrote ${f}`),
    ].join("\n"),
    exitCode: exitCodeOf(merged.run) as ExitCode,
  };
}
