import { join } from "node:path";
import { cellDir } from "../../plan/steps.ts";
import { renderCell, writeRenderedCell } from "../../render/render-cell.ts";
import type { Handler } from "../context.ts";

export const render: Handler<"render"> = async (r) => {
  await writeRenderedCell(
    join(cellDir(r.o, r.cell), "manifests"),
    renderCell(r.cell, r.cell.scenarios, r.o.runId, r.o.provider),
  );
};
