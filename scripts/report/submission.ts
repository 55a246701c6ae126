import { createHash } from "node:crypto";
import { UsageError } from "../errors.ts";
import type { Implementation, RunResult } from "./model.ts";

// What makes a report submittable: the mode it ran in (Gateway API's rule: a certification run names
// the implementation it certifies, completely) and a manifest of every file's SHA-256, so a
// maintainer can check the folder was submitted unmodified.

export type Mode = "default" | "certification";
export const MODES: readonly Mode[] = ["default", "certification"];

/** The implementation fields a certification report must carry, as the flags that set them. */
const REQUIRED: [keyof Implementation, string][] = [
  ["organization", "--organization"],
  ["project", "--project"],
  ["url", "--url"],
  ["version", "--implementation-version"],
  ["contact", "--contact"],
];

/** The implementation fields that are empty, as their flags. */
export function missingImplementation(i: Partial<Implementation>): string[] {
  return REQUIRED.filter(([k]) => {
    const v = i[k];
    return Array.isArray(v) ? v.filter((x) => x.trim()).length === 0 : !(typeof v === "string" && v.trim());
  }).map(([, flag]) => flag);
}

export function parseMode(value: string | undefined): Mode {
  const m = value ?? "default";
  if (!(MODES as readonly string[]).includes(m)) {
    throw new UsageError(`--mode ${m} is unknown (accepted: ${MODES.join(", ")})`);
  }
  return m as Mode;
}

/** Certification refuses to start without the whole implementation (exit 2, before anything runs). */
export function requireCertifiable(mode: Mode, i: Partial<Implementation>): void {
  if (mode !== "certification") return;
  const missing = missingImplementation(i);
  if (missing.length > 0) {
    throw new UsageError(
      `--mode certification needs the implementation it certifies: give ${missing.join(", ")} (flags or the options file)`,
    );
  }
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-+|-+$/g, "");

/** The YAML report's file name: it carries the mode and, in certification, the implementation. */
export function reportFileName(run: Pick<RunResult, "mode" | "implementation">): string {
  if (run.mode !== "certification") return "conformance-report.yaml";
  const i = run.implementation;
  return `certification-${slug(i.organization ?? "")}-${slug(i.project)}-${slug(i.version)}-report.yaml`;
}

export const MANIFEST = "manifest.sha256";

/** sha256sum's format: "<hex>  <name>", one line per file, sorted by name. */
export function manifestOf(files: readonly [string, string][]): string {
  return `${[...files]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, text]) => `${createHash("sha256").update(text).digest("hex")}  ${name}`)
    .join("\n")}\n`;
}
