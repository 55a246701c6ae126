import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../errors.ts";

// One table of flags feeds the parser, the options file checks and every --help. A flag's value is
// taken from, in order: its default, the --options-file, then the command line, and only flags the
// user actually typed override the file (Gateway API's ApplyAll rule).
export interface FlagSpec {
  name: string;
  type: "string" | "boolean";
  /** A list flag: comma-separated and/or repeated; a YAML list in the options file. */
  list?: boolean;
  description: string;
  default?: string | boolean | string[];
  valueName?: string;
}

export type OptionValue = string | boolean | string[];
export type Options = Record<string, OptionValue | undefined>;

export const FORMAT_FLAG: FlagSpec = {
  name: "format",
  type: "string",
  description: "output: table or json",
  default: "table",
  valueName: "table|json",
};
export const OPTIONS_FILE_FLAG: FlagSpec = {
  name: "options-file",
  type: "string",
  description: "YAML file whose keys are long flag names; flags typed on the command line win",
  valueName: "file",
};
export const HELP_FLAG: FlagSpec = { name: "help", type: "boolean", description: "show this help" };

export interface ParsedCommandLine {
  options: Options;
  positionals: string[];
}

function splitList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function fromFile(path: string, specs: readonly FlagSpec[], command: string): Options {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(
      `--options-file ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  let doc: unknown;
  try {
    // failsafe keeps every scalar a string: `istio: [1.30]` must stay "1.30", not become 1.3.
    doc = parseYaml(text, { schema: "failsafe" });
  } catch (e) {
    const first = String((e as Error).message).split("\n")[0];
    throw new UsageError(`--options-file ${path}: not valid YAML (${first})`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new UsageError(`--options-file ${path}: must be a mapping of flag names to values`);
  }
  const out: Options = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const spec = specs.find((s) => s.name === key);
    if (!spec || key === "options-file" || key === "help") {
      const known = specs.filter((s) => s.name !== "options-file" && s.name !== "help").map((s) => s.name);
      throw new UsageError(
        `--options-file ${path}: unknown key "${key}" for ssc ${command} (known: ${known.join(", ")})`,
      );
    }
    out[key] = coerce(value, spec, `--options-file ${path}: key "${key}"`);
  }
  return out;
}

function coerce(value: unknown, spec: FlagSpec, where: string): OptionValue {
  if (spec.type === "boolean") {
    if (value === "true" || value === "false") return value === "true";
    throw new UsageError(`${where} must be true or false`);
  }
  const scalar = (v: unknown) => (typeof v === "string" ? v : undefined);
  if (spec.list) {
    const items = Array.isArray(value) ? value.map(scalar) : [scalar(value)];
    if (items.some((i) => i === undefined))
      throw new UsageError(`${where} must be a string or a list of strings`);
    return splitList(items as string[]);
  }
  const s = scalar(value);
  if (s === undefined) throw new UsageError(`${where} must be a string`);
  return s;
}

export function parseCommandLine(
  command: string,
  args: readonly string[],
  specs: readonly FlagSpec[],
): ParsedCommandLine {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: Object.fromEntries(
        specs.map((s) => [s.name, { type: s.type, multiple: s.list === true }] as const),
      ),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const flag = /'(-[^']*)'/.exec(err.message)?.[1];
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new UsageError(`unknown flag ${flag ?? ""} for ssc ${command}; see ssc ${command} --help`);
    }
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new UsageError(
        `flag ${flag ?? ""} of ssc ${command}: ${err.message.split(".")[0]}; see ssc ${command} --help`,
      );
    }
    throw new UsageError(`ssc ${command}: ${err.message}`);
  }
  const typed: Options = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    const spec = specs.find((s) => s.name === name)!;
    // An empty value is never meant: --work-dir "" would put the run's folder at the root.
    if (value === "" || (Array.isArray(value) && value.some((v) => String(v).trim() === ""))) {
      throw new UsageError(
        `--${name} is empty for ssc ${command}: give it a value (see ssc ${command} --help)`,
      );
    }
    typed[name] = spec.list ? splitList(value as string[]) : (value as string | boolean);
  }
  const defaults: Options = Object.fromEntries(
    specs.filter((s) => s.default !== undefined).map((s) => [s.name, s.default]),
  );
  const file =
    typeof typed["options-file"] === "string" ? fromFile(typed["options-file"], specs, command) : {};
  return { options: { ...defaults, ...file, ...typed }, positionals: parsed.positionals };
}

/** The usage line of a command: every flag it takes, wrapped under the command name. */
export function usageLine(
  command: string,
  specs: readonly FlagSpec[],
  positional?: string,
  width = 100,
): string {
  const words = [
    ...(positional ? [positional] : []),
    ...specs
      .filter((s) => s.name !== "help")
      .map((s) => `[--${s.name}${s.type === "string" ? ` <${s.valueName ?? "value"}>` : ""}]`),
  ];
  const head = `ssc ${command}`;
  const lines: string[] = [];
  let line = head;
  for (const w of words) {
    if (line.length + 1 + w.length > width) {
      lines.push(line);
      line = `${" ".repeat(head.length)} ${w}`;
    } else line += ` ${w}`;
  }
  lines.push(line);
  return lines.join("\n");
}

export function helpText(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `--${s.name}${s.type === "string" ? ` <${s.valueName ?? "value"}>` : ""}`;
    const dflt = s.default !== undefined && s.default !== false ? ` (default ${String(s.default)})` : "";
    return [left, `${s.description}${s.list ? "; comma-separated or repeated" : ""}${dflt}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  return [
    `usage: ${usage.replaceAll("\n", "\n       ")}`,
    "",
    summary,
    "",
    "flags:",
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`),
  ].join("\n");
}

/** Typed accessors: the table above guarantees the shapes, these only narrow. */
export const str = (o: Options, k: string): string | undefined =>
  typeof o[k] === "string" ? (o[k] as string) : undefined;
export const bool = (o: Options, k: string): boolean => o[k] === true;
export const list = (o: Options, k: string): string[] => (Array.isArray(o[k]) ? (o[k] as string[]) : []);

export function formatOf(o: Options): "table" | "json" {
  const f = str(o, "format") ?? "table";
  if (f === "table" || f === "json") return f;
  throw new UsageError(`--format ${f} is unknown (accepted: table, json)`);
}
