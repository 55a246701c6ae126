import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { missingImplementation, reportFileName } from "./submission.ts";
import { fileProblems, folderProblems, reportProblems } from "./validate.ts";

// `ssc report validate` on the folder a real `ssc run --mode certification` writes (no Docker here,
// so its cells are infrastructure errors: the report is still complete), and on broken variants.
let root: string;
let folder: string;
let yamlName: string;
const ssc = (...a: string[]) =>
  execa(process.execPath, ["scripts/ssc.mjs", ...a], {
    reject: false,
    env: { NO_COLOR: "1", DOCKER_HOST: "unix:///nonexistent/ssc-test.sock" },
  });
const CERTIFY = [
  "--mode",
  "certification",
  "--organization",
  "Acme Corp",
  "--project",
  "acme-mesh",
  "--implementation-version",
  "2.4.0",
  "--contact",
  "@mesh-team",
];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ssc-validate-"));
  folder = join(root, "r");
  const r = await ssc(
    "run",
    "--istio",
    "1.31",
    ...CERTIFY,
    "--report-dir",
    folder,
    "--work-dir",
    join(root, "w"),
  );
  expect(r.exitCode, r.stderr).toBe(3);
  yamlName = "certification-acme-corp-acme-mesh-2.4.0-report.yaml";
}, 60_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const report = async () => parse(await readFile(join(folder, yamlName), "utf8")) as Record<string, unknown>;
async function variant(change: (doc: Record<string, unknown>) => void): Promise<string[]> {
  const doc = await report();
  change(doc);
  const path = join(root, `variant-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(path, stringify(doc));
  return fileProblems(path);
}

describe("certification mode", () => {
  it("refuses to start without the whole implementation, one line naming what is missing", async () => {
    const r = await ssc(
      "run",
      "--istio",
      "1.31",
      "--mode",
      "certification",
      "--organization",
      "Acme",
      "--dry-run",
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      "ssc: --mode certification needs the implementation it certifies: give --implementation-version, --contact (flags or the options file)",
    );
    expect((await ssc("run", "--mode", "audit", "--dry-run")).stderr).toMatch(
      /--mode audit is unknown \(accepted: default, certification\)/,
    );
    expect(
      missingImplementation({ project: "p", url: "u", version: "1", contact: [" "], organization: "o" }),
    ).toEqual(["--contact"]);
  });

  it("names the report after the mode and the implementation", () => {
    const implementation = {
      organization: "Acme Corp",
      project: "acme-mesh",
      url: "u",
      version: "2.4.0",
      contact: [],
    };
    expect(reportFileName({ mode: "certification", implementation })).toBe(yamlName);
    expect(reportFileName({ implementation })).toBe("conformance-report.yaml");
  });
});

describe("ssc report validate", () => {
  it("accepts the folder a certification run wrote: manifest, schema and rules", async () => {
    expect(folderProblems(folder)).toEqual([]);
    const r = await ssc("report", "validate", folder);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`valid: ${folder}`);
    // The manifest is sha256sum's own format.
    const check = await execa("sha256sum", ["-c", "manifest.sha256"], { cwd: folder, reject: false });
    expect(check.exitCode, check.stdout).toBe(0);
  });

  it("refuses merge's flags: they would be silently ignored", async () => {
    const r = await ssc("report", "validate", folder, "--out", "x", "--run-id", "y");
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(
      "ssc: --out, --run-id apply to ssc report merge only; ssc report validate takes one folder or file",
    );
    expect((await ssc("report", "validate", folder, "--prefer", "newest")).stderr.trim()).toBe(
      "ssc: --prefer applies to ssc report merge only; ssc report validate takes one folder or file",
    );
  });

  it.each([
    [
      "empty contact",
      (d: Record<string, unknown>) => ((d.implementation as { contact: string[] }).contact = []),
      /\/implementation: a certification report needs contact/,
    ],
    [
      "empty organization",
      (d: Record<string, unknown>) => ((d.implementation as { organization: string }).organization = ""),
      /needs organization/,
    ],
    [
      "wrong kind",
      (d: Record<string, unknown>) => (d.kind = "GatewayConformanceReport"),
      /^\/kind: must be equal to constant \("ConformanceReport"\)$/,
    ],
    [
      "missing versions",
      (d: Record<string, unknown>) => ((d.cells as { istioVersion: string }[])[0]!.istioVersion = ""),
      /^\/cells\/0\/istioVersion: must NOT have fewer than 1 characters$/,
    ],
    [
      "a core test skipped by selection",
      (d: Record<string, unknown>) =>
        (d.cells as { skippedTests: unknown[] }[])[0]!.skippedTests.push({
          name: "SecurePortRejectsPlaintext",
          reason: "skipped by --skip",
          support: "core",
          skip: "selection",
        }),
      /^\/cells\/0: core test SecurePortRejectsPlaintext was skipped by selection; a certification run runs every core test$/,
    ],
    [
      "no cells field",
      (d: Record<string, unknown>) => delete d.cells,
      /^\/: must have required property 'cells'$/,
    ],
    [
      "a tool hash that is not SHA-256",
      (d: Record<string, unknown>) =>
        ((d.cells as { tools: unknown }[])[0]!.tools = { kind: { version: "v0.32.0", sha256: "abc" } }),
      /\/cells\/0\/tools\/kind\/sha256: must match pattern/,
    ],
  ])("rejects a report with %s, one line per problem", async (_what, change, message) => {
    const problems = await variant(change);
    expect(
      problems.some((p) => message.test(p)),
      problems.join("\n"),
    ).toBe(true);
  });

  it("rejects a folder whose files were changed, added or whose manifest is gone", async () => {
    const copy = join(root, "copy");
    await execa("cp", ["-r", folder, copy]);
    await appendFile(join(copy, "summary.md"), "\nedited by hand\n");
    await writeFile(join(copy, "extra.txt"), "x");
    expect(folderProblems(copy)).toEqual([
      "summary.md: modified (its SHA-256 is not the one in manifest.sha256)",
      "extra.txt: not in manifest.sha256 (added after the run)",
    ]);
    const r = await ssc("report", "validate", copy);
    expect(r.exitCode).toBe(1);
    expect(r.stdout.split("\n")).toEqual([
      `invalid: ${copy}`,
      "  summary.md: modified (its SHA-256 is not the one in manifest.sha256)",
      "  extra.txt: not in manifest.sha256 (added after the run)",
    ]);
    await rm(join(copy, "manifest.sha256"));
    expect(folderProblems(copy)[0]).toMatch(/^manifest\.sha256: missing/);
    expect((await ssc("report", "validate", join(root, "nothing"))).exitCode).toBe(2);
    expect(reportProblems(null)[0]).toMatch(/must be object/);
  });
});
