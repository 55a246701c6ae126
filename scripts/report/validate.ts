import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { REPORT_API_VERSION } from "./conformance-report.ts";
import type { Implementation } from "./model.ts";
import { MANIFEST, missingImplementation } from "./submission.ts";

// `ssc report validate <folder|file>`: is this report fit to submit? The folder against its manifest
// (every file's SHA-256, nothing added or missing), the report against the JSON Schema kept in
// schema/, and the rules a schema cannot say (a certification report names its implementation in
// full). One line per problem.

export const SCHEMA_PATH = new URL("../../schema/conformance-report.schema.json", import.meta.url).pathname;
const REPORT_NAME = /^(conformance-report|certification-.+-report)\.yaml$/;

const validator = () => {
  // ajv's CommonJS default export, as Node's ESM loader hands it over.
  const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
  return new AjvClass({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(SCHEMA_PATH, "utf8")),
  );
};

/** Problems of the report document itself: schema, then the rules beyond it. */
export function reportProblems(doc: unknown): string[] {
  const validate = validator();
  const problems: string[] = [];
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) {
      const where = e.instancePath || "/";
      const extra = "allowedValue" in e.params ? ` (${JSON.stringify(e.params.allowedValue)})` : "";
      problems.push(`${where}: ${e.message}${extra}`);
    }
  }
  const d = (doc ?? {}) as {
    apiVersion?: string;
    mode?: string;
    implementation?: Partial<Implementation>;
    cells?: { skippedTests?: { name: string; support?: string; skip?: string }[] }[];
  };
  if (d.apiVersion && d.apiVersion !== REPORT_API_VERSION) {
    problems.push(`/apiVersion: ${d.apiVersion} is not ${REPORT_API_VERSION}`);
  }
  if (d.mode === "certification") {
    for (const flag of missingImplementation(d.implementation ?? {})) {
      problems.push(
        `/implementation: a certification report needs ${flag.replace(/^--/, "")} (empty or missing)`,
      );
    }
    // A certification run runs every core test that applies: none left out by --test/--skip.
    for (const [i, c] of (d.cells ?? []).entries()) {
      for (const t of c.skippedTests ?? []) {
        if (t.support === "core" && t.skip === "selection") {
          problems.push(
            `/cells/${i}: core test ${t.name} was skipped by selection; a certification run runs every core test`,
          );
        }
      }
    }
  }
  return problems;
}

/** Problems of a report folder: the manifest first, then the report it holds. */
export function folderProblems(dir: string): string[] {
  const problems: string[] = [];
  const files = readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile());
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) {
    problems.push(`${MANIFEST}: missing, so the folder cannot be shown unmodified (ssc run writes it)`);
  } else {
    const listed = new Map(
      readFileSync(manifestPath, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => {
          const [hash = "", name = ""] = l.split(/\s+\*?/, 2);
          return [name, hash] as const;
        }),
    );
    for (const [name, hash] of listed) {
      const path = join(dir, name);
      if (basename(name) !== name || !existsSync(path)) {
        problems.push(`${name}: listed in ${MANIFEST} but missing`);
        continue;
      }
      const actual = createHash("sha256").update(readFileSync(path)).digest("hex");
      if (actual !== hash) problems.push(`${name}: modified (its SHA-256 is not the one in ${MANIFEST})`);
    }
    for (const f of files) {
      if (f !== MANIFEST && !listed.has(f)) problems.push(`${f}: not in ${MANIFEST} (added after the run)`);
    }
  }
  const reports = files.filter((f) => REPORT_NAME.test(f));
  if (reports.length !== 1) {
    problems.push(
      `${dir}: expected one report (conformance-report.yaml or certification-*-report.yaml), found ${reports.length}`,
    );
    return problems;
  }
  return [...problems, ...fileProblems(join(dir, reports[0]!)).map((p) => `${reports[0]}: ${p}`)];
}

export function fileProblems(path: string): string[] {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (e) {
    return [`not valid YAML (${(e as Error).message.split("\n")[0]})`];
  }
  return reportProblems(doc);
}
