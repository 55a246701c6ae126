import { cellImages, type ImageRef, imageSource } from "../plan/images.ts";
import { formatOf, type Options } from "./options.ts";
import { planFromOptions } from "./plan-command.ts";
import { renderTable } from "./table.ts";

interface ListedImage extends ImageRef {
  source: string;
  cells: string[];
}

/** `ssc images`: every image of every cell of the selection, once, with the cells that pull it. */
export function imagesOf(o: Options): { cells: { id: string; images: string[] }[]; images: ListedImage[] } {
  const { cells, mirrors } = planFromOptions({ ...o, "run-id": "images" });
  const byImage = new Map<string, ListedImage>();
  const perCell = cells.map((c) => {
    const refs = cellImages(c, "images");
    for (const r of refs) {
      const seen = byImage.get(r.image);
      if (seen) seen.cells.push(c.id);
      else byImage.set(r.image, { ...r, source: imageSource(r, mirrors), cells: [c.id] });
    }
    return { id: c.id, images: refs.map((r) => r.image) };
  });
  return { cells: perCell, images: [...byImage.values()] };
}

export function imagesCommand(o: Options): string {
  const listed = imagesOf(o);
  if (formatOf(o) === "json") return JSON.stringify(listed, null, 2);
  return renderTable(
    ["IMAGE", "COMPONENT", "PINNED", "SOURCE", "CELLS"],
    listed.images.map((i) => [
      i.image,
      i.component,
      i.digest ? "digest" : "tag",
      i.source,
      String(i.cells.length),
    ]),
  );
}
