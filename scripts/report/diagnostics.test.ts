import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CappedWriter } from "./diagnostics.ts";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("diagnostics size caps", () => {
  it("keeps the tail of an oversized file and stops at the total cap", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ssc-diag-"));
    dirs.push(dir);
    const w = new CappedWriter(dir, { fileBytes: 100, totalBytes: 250 });
    await w.write("podlogs/a/b/c.log", `${"x".repeat(500)}THE END`);
    const text = await readFile(join(dir, "podlogs/a/b/c.log"), "utf8");
    expect(text).toMatch(/^\[truncated to the last 100 bytes\]/);
    expect(text.endsWith("THE END")).toBe(true);
    await w.write("one.txt", "y".repeat(90));
    await w.write("two.txt", "z".repeat(90));
    await w.write("three.txt", "never");
    expect(w.written).toBeLessThanOrEqual(250 + 40);
    expect(w.truncated).toContain("three.txt (not written: total cap reached)");
    expect((await readdir(dir)).sort()).toEqual(["one.txt", "podlogs", "two.txt"]);
  });
});
