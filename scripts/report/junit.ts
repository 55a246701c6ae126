import type { CellResult } from "./model.ts";

// junit.xml: one <testsuite> per cell. Cells that ran get vitest's own JUnit output (the suite
// renamed to the cell id); cells that could not run get a suite of <error> test cases written
// here, so CI sees infrastructure errors as errors, not as failures and not as nothing.
const esc = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

function erroredSuite(c: CellResult): string {
  const cases = c.tests.map((t) =>
    t.status === "skipped"
      ? `    <testcase classname="${esc(c.id)}" name="${esc(t.id)}" time="0"><skipped message="${esc(t.reason ?? "")}"/></testcase>`
      : `    <testcase classname="${esc(c.id)}" name="${esc(t.id)}" time="0"><error message="${esc(c.error ?? t.reason ?? "error")}" type="${c.error?.startsWith("interrupted by") ? "Interrupted" : "InfrastructureError"}"/></testcase>`,
  );
  const errors = c.tests.filter((t) => t.status !== "skipped").length;
  const skipped = c.tests.length - errors;
  return `  <testsuite name="${esc(c.id)}" tests="${c.tests.length}" failures="0" errors="${errors}" skipped="${skipped}" time="0">\n${cases.join("\n")}\n  </testsuite>`;
}

/**
 * The <testsuite> elements of a vitest JUnit file, renamed after the cell. vitest reports every
 * failed expectation as <failure>; a test whose verdict was "error" (the suite could not tell)
 * becomes <error> here, so CI can tell a broken mesh from a broken run.
 */
export function suitesOf(xml: string, cell: CellResult): string[] {
  const errored = new Set(cell.tests.filter((t) => t.status === "errored").map((t) => t.id));
  // A contradicted finding passes in vitest (it never fails a run without --strict-findings); it is
  // said in its test case so a JUnit reader sees it too.
  const contradicted = new Map(
    cell.tests
      .filter((t) => t.provisional && t.status === "failed")
      .map((t) => [t.id, t.finding ?? t.reason ?? ""]),
  );
  return [...xml.matchAll(/<testsuite\b[\s\S]*?<\/testsuite>/g)].map((m) => {
    let moved = 0;
    const body = m[0].replace(/<testcase\b[^>]*name="([^"]*)"[\s\S]*?<\/testcase>/g, (tc, name: string) => {
      const id = name.split(/ (?:>|&gt;) /).at(-1) ?? name;
      const finding = contradicted.get(id);
      if (finding !== undefined && !tc.includes("<failure")) {
        return tc.replace(
          "</testcase>",
          `<system-out>finding contradicted: ${esc(finding)}</system-out></testcase>`,
        );
      }
      if (!errored.has(id) || !tc.includes("<failure")) return tc;
      moved++;
      return tc.replaceAll("<failure", "<error").replaceAll("</failure>", "</error>");
    });
    return body
      .replace(/<testsuite name="[^"]*"/, `<testsuite name="${esc(cell.id)}"`)
      .replace(/failures="(\d+)"/, (_x, n: string) => `failures="${Number(n) - moved}"`)
      .replace(/errors="(\d+)"/, (_x, n: string) => `errors="${Number(n) + moved}"`);
  });
}

/** `junitXml` is vitest's JUnit output, read before the cell's work folder was torn down. */
export function mergeJunit(cells: readonly { cell: CellResult; junitXml?: string }[]): string {
  const suites = cells.flatMap(({ cell, junitXml }) =>
    junitXml && !cell.error ? suitesOf(junitXml, cell) : [erroredSuite(cell)],
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="secure-scrape-conformance">\n${suites.join("\n")}\n</testsuites>\n`;
}
