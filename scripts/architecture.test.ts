import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The project's own import-cycle guard (Biome's noImportCycles, run by `npm run lint` in .ci/run)
// must be able to fail: planted in a scratch folder with the project's rule, a two-file cycle is
// reported and the same files without the cycle are not. Type-only imports count too.
const BIOME = join(import.meta.dirname, "..", "node_modules", ".bin", "biome");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ssc-cycles-"));
  const config = JSON.parse(await readFile(join(import.meta.dirname, "..", "biome.json"), "utf8")) as {
    $schema?: string;
    vcs?: unknown;
    files?: unknown;
    linter: { rules: { suspicious: { noImportCycles?: unknown } } };
  };
  expect(config.linter.rules.suspicious.noImportCycles).toEqual({
    level: "error",
    options: { ignoreTypes: false },
  });
  delete config.$schema;
  delete config.vcs;
  delete config.files;
  await writeFile(join(dir, "biome.json"), JSON.stringify({ ...config, root: true }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function lint(files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return execa(BIOME, ["lint", ...Object.keys(files)], { cwd: dir, reject: false, all: true });
}

describe("the import-cycle check", () => {
  it("fails on a planted cycle, even one closed by a type-only import", async () => {
    const r = await lint({
      "a.ts": 'import type { B } from "./b.ts";\nexport type A = { b?: B };\n',
      "b.ts": 'import type { A } from "./a.ts";\nexport type B = { a?: A };\n',
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/noImportCycles/);
  });

  it("passes the same files once the cycle is cut", async () => {
    const r = await lint({
      "a.ts": 'import type { B } from "./b.ts";\nexport type A = { b?: B };\n',
      "b.ts": "export type B = { n?: number };\n",
    });
    expect(r.all).not.toMatch(/noImportCycles/);
    expect(r.exitCode).toBe(0);
  });
});
