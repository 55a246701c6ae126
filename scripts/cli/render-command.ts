import { UsageError } from "../errors.ts";
import { renderCell, writeRenderedCell } from "../render/render-cell.ts";
import { checkWritableFolder } from "./inputs.ts";
import { formatOf, type Options, str } from "./options.ts";
import { planFromOptions } from "./plan-command.ts";
import { renderTable } from "./table.ts";

/** `ssc render`: every scenario the cell's applicable tests need, one folder each. */
export async function renderCommand(o: Options): Promise<string> {
  const out = str(o, "out");
  if (!out) throw new UsageError("ssc render needs --out <dir>, the folder to write the manifests into");
  const runId = str(o, "run-id") ?? "render";
  const { cells } = planFromOptions({ ...o, "run-id": runId });
  await checkWritableFolder(out, "--out");
  const results: { cell: string; dir: string; files: string[] }[] = [];
  for (const cell of cells) {
    const dir = cells.length === 1 ? out : `${out}/${cell.id}`;
    const files = await writeRenderedCell(dir, renderCell(cell, cell.scenarios, runId));
    results.push({ cell: cell.id, dir, files });
  }
  if (formatOf(o) === "json") return JSON.stringify({ cells: results }, null, 2);
  return results
    .map(
      (r) =>
        `cell ${r.cell} -> ${r.dir}\n${renderTable(
          ["FILE"],
          r.files.map((f) => [f]),
        )}`,
    )
    .join("\n\n");
}
