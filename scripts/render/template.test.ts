import { describe, expect, it } from "vitest";
import { placeholdersOf, renderTemplate, TemplateError } from "./template.ts";

const T = `# keep me
a: \${NAME}
b: "\${PORT}"
c: \${PORT}
d: prefix-\${NAME}-suffix
e: \${MAP}
`;

describe("renderTemplate", () => {
  it("substitutes scalars, keeps quoted placeholders strings, expands maps and keeps comments", () => {
    const [doc] = renderTemplate("t.yaml", T, { NAME: "x", PORT: 15091, MAP: { k: "v" } });
    expect(doc!.toJS()).toEqual({ a: "x", b: "15091", c: 15091, d: "prefix-x-suffix", e: { k: "v" } });
    expect(String(doc)).toContain("# keep me");
    expect(String(doc)).toContain('b: "15091"');
  });

  it("fails on a missing value and on a map inside a string", () => {
    expect(() => renderTemplate("t.yaml", "a: ${NOPE}\n", {})).toThrow(TemplateError);
    expect(() => renderTemplate("t.yaml", "a: ${NOPE}\n", {})).toThrow(/t\.yaml: no value for \$\{NOPE\}/);
    expect(() => renderTemplate("t.yaml", "a: x-${M}\n", { M: { a: "b" } })).toThrow(/map inside a string/);
  });

  it("cannot be broken by a value that looks like YAML", () => {
    const [doc] = renderTemplate("t.yaml", "a: ${V}\nb: 1\n", { V: "x\nb: 2" });
    expect(doc!.toJS()).toEqual({ a: "x\nb: 2", b: 1 });
  });

  it("lists placeholders", () => {
    expect(placeholdersOf(T).sort()).toEqual(["MAP", "NAME", "PORT"]);
  });
});
