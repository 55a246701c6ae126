import { XMLBuilder, XMLParser } from "fast-xml-parser";
import type { CellResult } from "./model.ts";

// junit.xml: one <testsuite> per cell, one <testcase> per test, named by the test's id with the
// cell id as its classname, so shards can be merged test by test. Cells that ran get vitest's own
// JUnit output (read and written with fast-xml-parser, never with regular expressions); cells that
// could not run get a suite of <error> test cases, so CI sees infrastructure errors as errors, not
// as failures and not as nothing; a cell with no vitest output is written from its results.

type Outcome =
  | { kind: "failure" | "error"; message: string; type: string; text?: string }
  | { kind: "skipped"; message?: string };

export interface JunitCase {
  /** The test id. */
  name: string;
  /** The cell id. */
  classname: string;
  time: number;
  outcome?: Outcome;
  systemOut?: string;
}

export interface JunitSuite {
  /** The cell id. */
  name: string;
  cases: JunitCase[];
}

type XmlNode = Record<string, unknown>;
const ATTR = "@_";
const TEXT = "#text";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: TEXT,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === "testsuite" || name === "testcase",
});

const attr = (n: unknown, key: string): string | undefined => {
  const v = n !== null && typeof n === "object" ? (n as XmlNode)[`${ATTR}${key}`] : undefined;
  return typeof v === "string" ? v : undefined;
};
const text = (n: unknown): string | undefined =>
  typeof n === "string"
    ? n || undefined
    : n && typeof n === "object"
      ? (text((n as XmlNode)[TEXT]) ?? undefined)
      : undefined;

function outcomeOf(tc: XmlNode): Outcome | undefined {
  for (const kind of ["failure", "error"] as const) {
    if (kind in tc) {
      const n = tc[kind];
      return {
        kind,
        message: attr(n, "message") ?? "",
        type: attr(n, "type") ?? "",
        ...(text(n) ? { text: text(n)!.trim() } : {}),
      };
    }
  }
  if ("skipped" in tc) {
    const message = attr(tc.skipped, "message");
    return { kind: "skipped", ...(message ? { message } : {}) };
  }
  return undefined;
}

/** The suites of a JUnit file (vitest's, or one this module wrote). Bad XML is an error. */
export function parseJunit(xml: string): JunitSuite[] {
  const doc = parser.parse(xml, true) as { testsuites?: { testsuite?: XmlNode[] }; testsuite?: XmlNode[] };
  const suites = doc.testsuites?.testsuite ?? doc.testsuite ?? [];
  return suites.map((s) => ({
    name: attr(s, "name") ?? "",
    cases: ((s.testcase as XmlNode[] | undefined) ?? []).map((tc) => {
      const outcome = outcomeOf(tc);
      const out = text(tc["system-out"]);
      return {
        name: attr(tc, "name") ?? "",
        classname: attr(tc, "classname") ?? "",
        time: Number(attr(tc, "time") ?? 0) || 0,
        ...(outcome ? { outcome } : {}),
        ...(out ? { systemOut: out.trim() } : {}),
      };
    }),
  }));
}

/** vitest names a test "<describe> > <it>"; the test id is the last part. */
const testIdOf = (name: string) => name.split(" > ").at(-1) ?? name;

/**
 * A cell's suite from vitest's JUnit output. vitest reports every failed expectation as <failure>;
 * a test whose verdict was "error" (the suite could not tell) becomes <error> here, so CI can tell
 * a broken mesh from a broken run. A contradicted finding passes in vitest (it fails a run only with
 * --strict-findings); it is said in its test case so a JUnit reader sees it too.
 */
export function cellSuite(cell: CellResult, strictFindings: boolean, vitestXml?: string): JunitSuite {
  if (!vitestXml || cell.error) return resultsSuite(cell, strictFindings);
  const errored = new Set(cell.tests.filter((t) => t.status === "errored").map((t) => t.id));
  const contradicted = new Map(
    cell.tests
      .filter((t) => t.provisional && t.status === "failed")
      .map((t) => [t.id, t.finding ?? t.reason ?? ""]),
  );
  const cases = parseJunit(vitestXml).flatMap((s) =>
    s.cases.map((c): JunitCase => {
      const id = testIdOf(c.name);
      const outcome =
        c.outcome?.kind === "failure" && errored.has(id)
          ? { ...c.outcome, kind: "error" as const }
          : c.outcome;
      const finding = contradicted.get(id);
      return {
        ...c,
        name: id,
        classname: cell.id,
        ...(outcome ? { outcome } : {}),
        ...(finding !== undefined && outcome?.kind !== "failure"
          ? { systemOut: `finding contradicted: ${finding}` }
          : {}),
      };
    }),
  );
  return { name: cell.id, cases };
}

/** A cell's suite from its results alone, for a cell with no vitest output (it could not run, or
 * nothing in it ran) or a test a merged folder's JUnit lacks: each test as its status says, an error
 * carrying the cell's error. A finding (provisional test) that was contradicted or could not be told
 * fails or errs only with --strict-findings, as in vitest's output; otherwise its case says so. */
export function resultsSuite(c: CellResult, strictFindings: boolean): JunitSuite {
  const finding = (t: CellResult["tests"][number]) =>
    t.provisional && !strictFindings && !c.error && (t.status === "failed" || t.status === "errored");
  const outcome = (t: CellResult["tests"][number]): Outcome | undefined => {
    if (t.status === "skipped") return { kind: "skipped", message: t.reason ?? "" };
    if (finding(t)) return undefined;
    if (t.status === "failed")
      return { kind: "failure", message: t.reason ?? "failed", type: "ConformanceFailure" };
    if (t.status === "errored") {
      return {
        kind: "error",
        message: c.error ?? t.reason ?? "error",
        type: c.error?.startsWith("interrupted by") ? "Interrupted" : "InfrastructureError",
      };
    }
    return undefined;
  };
  return {
    name: c.id,
    cases: c.tests.map((t) => {
      const o = outcome(t);
      const note = finding(t)
        ? `finding ${t.status === "failed" ? "contradicted" : "could not be told"}: ${t.finding ?? t.reason ?? ""}`
        : undefined;
      return {
        name: t.id,
        classname: c.id,
        time: t.seconds ?? 0,
        ...(o ? { outcome: o } : {}),
        ...(note !== undefined ? { systemOut: note } : {}),
      };
    }),
  };
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  // Its default writes an attribute whose value is "true" bare (message="true" -> message), which
  // is not XML.
  suppressBooleanAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: TEXT,
  format: true,
  suppressEmptyNode: true,
});

const count = (cases: readonly JunitCase[], kind: Outcome["kind"]) =>
  cases.filter((c) => c.outcome?.kind === kind).length;
const seconds = (cases: readonly JunitCase[]) => cases.reduce((sum, c) => sum + c.time, 0);

function caseNode(c: JunitCase): XmlNode {
  const o = c.outcome;
  const outcome =
    o === undefined
      ? {}
      : o.kind === "skipped"
        ? { skipped: o.message ? { [`${ATTR}message`]: o.message } : "" }
        : {
            [o.kind]: {
              [`${ATTR}message`]: o.message,
              [`${ATTR}type`]: o.type,
              ...(o.text ? { [TEXT]: o.text } : {}),
            },
          };
  return {
    [`${ATTR}classname`]: c.classname,
    [`${ATTR}name`]: c.name,
    [`${ATTR}time`]: String(c.time),
    ...outcome,
    ...(c.systemOut ? { "system-out": c.systemOut } : {}),
  };
}

/** The JUnit document of these suites, every count computed from the test cases. */
export function junitXml(suites: readonly JunitSuite[]): string {
  const all = suites.flatMap((s) => s.cases);
  const body = builder.build({
    testsuites: {
      [`${ATTR}name`]: "secure-scrape-conformance",
      [`${ATTR}tests`]: String(all.length),
      [`${ATTR}failures`]: String(count(all, "failure")),
      [`${ATTR}errors`]: String(count(all, "error")),
      [`${ATTR}skipped`]: String(count(all, "skipped")),
      [`${ATTR}time`]: String(seconds(all)),
      testsuite: suites.map((s) => ({
        [`${ATTR}name`]: s.name,
        [`${ATTR}tests`]: String(s.cases.length),
        [`${ATTR}failures`]: String(count(s.cases, "failure")),
        [`${ATTR}errors`]: String(count(s.cases, "error")),
        [`${ATTR}skipped`]: String(count(s.cases, "skipped")),
        [`${ATTR}time`]: String(seconds(s.cases)),
        testcase: s.cases.map(caseNode),
      })),
    },
  }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

/** `junitXml` is vitest's JUnit output, read before the cell's work folder was torn down. */
export function mergeJunit(
  cells: readonly { cell: CellResult; junitXml?: string }[],
  strictFindings: boolean,
): string {
  return junitXml(cells.map(({ cell, junitXml: xml }) => cellSuite(cell, strictFindings, xml)));
}
