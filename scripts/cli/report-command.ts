import { type ExitCode, UsageError } from "../errors.ts";
import { shellJoin } from "../plan/shell.ts";
import { junitXml } from "../report/junit.ts";
import { mergeReports, readReportFolder } from "../report/merge.ts";
import { exitCodeOf } from "../report/model.ts";
import { writeReports } from "../report/write.ts";
import { checkRunId, checkWritableFolder } from "./inputs.ts";
import { list, type Options, str } from "./options.ts";
import { runTable } from "./run-table.ts";

/** `ssc report merge <dir>... --out <dir> [--prefer newest]`. */
export async function reportCommand(o: Options, positionals: readonly string[]) {
  const [verb, ...dirs] = positionals;
  if (verb !== "merge") {
    throw new UsageError(`ssc report takes merge <dir>... (not "${verb ?? ""}"); see ssc report --help`);
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
  const folders = dirs.map(readReportFolder);
  await checkWritableFolder(out, "--out");
  const merged = mergeReports(folders, {
    preferNewest: prefer === "newest",
    expect: list(o, "expect"),
    runId,
    command: shellJoin(["ssc", ...process.argv.slice(2)]),
  });
  const files = await writeReports(out, merged.run, junitXml(merged.junit));
  return {
    output: [
      runTable(merged.run),
      ...merged.replaced.map((r) => `replaced ${r}`),
      "",
      ...files.map((f) => `wrote ${f}`),
    ].join("\n"),
    exitCode: exitCodeOf(merged.run) as ExitCode,
  };
}
