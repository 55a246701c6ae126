import { readFileSync } from "node:fs";
import { join } from "node:path";

/** An upstream output from scripts/probes/testdata (see its README), without the `#` line that
 * records where it came from: the bytes the tool printed, nothing the project added. */
export const upstreamOutput = (file: string): string =>
  readFileSync(join(import.meta.dirname, "../probes/testdata", file), "utf8").replace(/^#.*\n/, "");
