import { type Document, parseAllDocuments, visit } from "yaml";

// Fixture templates are plain YAML with ${NAME} placeholders. Substitution happens on parsed
// nodes, never on text, so a value can't break the YAML around it, comments survive into the
// rendered output (a vendor reads them), and a scalar that is exactly ${NAME} can take a map
// (e.g. `annotations: ${POD_ANNOTATIONS}`) or a number.
export type ParamValue = string | number | boolean | Record<string, string>;
export type Params = Record<string, ParamValue>;

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;
const WHOLE = /^\$\{([A-Z][A-Z0-9_]*)\}$/;

export class TemplateError extends Error {
  override name = "TemplateError";
}

// Parsed once per template text; every render works on clones, so `plan` can render a whole matrix
// (for each cell's resource requests) without parsing the same YAML a hundred times.
const parsed = new Map<string, Document[]>();

function parseOnce(source: string, text: string): Document[] {
  let docs = parsed.get(text);
  if (!docs) {
    const all = parseAllDocuments(text, { prettyErrors: true });
    if (!Array.isArray(all)) throw new TemplateError(`${source}: not a YAML stream`);
    docs = all.filter((d) => d.contents !== null);
    for (const doc of docs) {
      if (doc.errors.length > 0) throw new TemplateError(`${source}: ${doc.errors[0]!.message}`);
    }
    parsed.set(text, docs);
  }
  return docs.map((d) => d.clone());
}

export function renderTemplate(source: string, text: string, params: Params): Document[] {
  const lookup = (name: string): ParamValue => {
    if (!(name in params)) throw new TemplateError(`${source}: no value for \${${name}}`);
    return params[name]!;
  };
  const out = parseOnce(source, text);
  for (const doc of out) {
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value !== "string" || !node.value.includes("${")) return;
        const whole = WHOLE.exec(node.value);
        if (whole) {
          const value = lookup(whole[1]!);
          if (typeof value === "object") return doc.createNode(value);
          // A quoted placeholder stays a string: `"${PORT}"` in an annotation must not become 15091.
          node.value = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE" ? String(value) : value;
          return;
        }
        node.value = node.value.replace(PLACEHOLDER, (_m, name: string) => {
          const value = lookup(name);
          if (typeof value === "object")
            throw new TemplateError(`${source}: \${${name}} is a map inside a string`);
          return String(value);
        });
      },
    });
  }
  return out;
}

/** Placeholders a template uses; lets tests prove every fixture renders with the given params. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}
