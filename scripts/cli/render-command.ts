import { UsageError } from "../errors.ts";
import { renderCell, writeRenderedCell } from "../render/render-cell.ts";
import { COMMON_FLAGS, type FlagSpec, formatOf, type Options, str } from "./options.ts";
import { MATRIX_FLAGS, planFromOptions, SELECTION_FLAGS } from "./plan-command.ts";
import { renderTable } from "./table.ts";

export const RENDER_FLAGS: readonly FlagSpec[] = [
  ...MATRIX_FLAGS,
  ...SELECTION_FLAGS,
  {
    name: "out",
    type: "string",
    description: "folder to write into (one sub-folder per cell when several)",
    valueName: "dir",
  },
  {
    name: "run-id",
    type: "string",
    description: "run id stamped on the objects' labels",
    default: "render",
    valueName: "id",
  },
  ...COMMON_FLAGS,
];

/** `ssc render`: every scenario the cell's applicable tests need, one folder each. */
export async function renderCommand(o: Options): Promise<string> {
  const out = str(o, "out");
  if (!out) throw new UsageError("ssc render needs --out <dir>, the folder to write the manifests into");
  const runId = str(o, "run-id") ?? "render";
  const cells = planFromOptions({ ...o, "run-id": runId });
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
