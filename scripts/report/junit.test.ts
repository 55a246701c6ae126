import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cell, t } from "../testing/results.ts";
import { cellSuite, junitXml, parseJunit, resultsSuite } from "./junit.ts";

// vitest's own JUnit output, recorded (testdata/README.md), read and rewritten with fast-xml-parser.
const vitest = readFileSync(new URL("./testdata/vitest-5.1.1-junit.xml", import.meta.url), "utf8");
const ID = "istio-1.31.1-default-k8s-1.36";

describe("junit.xml", () => {
  it("reads vitest's JUnit: names, times, failures with their decoded text, skips", () => {
    const [suite] = parseJunit(vitest);
    expect(suite!.name).toBe("cell.test.ts");
    expect(suite!.cases.map((c) => [c.name, c.outcome?.kind ?? "passed"])).toEqual([
      [`${ID} > SidecarSecureScrapeMtls`, "passed"],
      [`${ID} > SecurePortRejectsPlaintext`, "failure"],
      [`${ID} > SecurePortServesWorkloadIdentity`, "failure"],
      [`${ID} > AmbientWorkloadsHbone`, "skipped"],
      [`${ID} > GatewayApiDocsPath`, "passed"],
    ]);
    expect(suite!.cases[1]!.outcome).toMatchObject({
      kind: "failure",
      type: "AssertionError",
      message: "expected 'HTTP 200 <metrics> & more' to be 'refused' // Object.is equality",
    });
    expect(suite!.cases[1]!.outcome).toHaveProperty(
      "text",
      expect.stringContaining('Received: "HTTP 200 <metrics> & more"'),
    );
    expect(suite!.cases[0]!.time).toBeCloseTo(0.002182537, 9);
  });

  it("names each case by test id under its cell; an errored verdict is <error>, a contradicted finding says so", () => {
    const result = cell(ID, "default", [
      t("SidecarSecureScrapeMtls", "passed"),
      t("SecurePortRejectsPlaintext", "failed"),
      t("SecurePortServesWorkloadIdentity", "errored"),
      t("AmbientWorkloadsHbone", "skipped"),
      t("GatewayApiDocsPath", "failed", { provisional: true, finding: "the docs' path created listeners" }),
    ]);
    const suite = cellSuite(result, false, vitest);
    expect(suite.name).toBe(ID);
    expect(suite.cases.map((c) => [c.classname, c.name, c.outcome?.kind ?? "passed"])).toEqual([
      [ID, "SidecarSecureScrapeMtls", "passed"],
      [ID, "SecurePortRejectsPlaintext", "failure"],
      [ID, "SecurePortServesWorkloadIdentity", "error"],
      [ID, "AmbientWorkloadsHbone", "skipped"],
      [ID, "GatewayApiDocsPath", "passed"],
    ]);
    expect(suite.cases[4]!.systemOut).toBe("finding contradicted: the docs' path created listeners");
    const xml = junitXml([suite]);
    expect(xml).toMatch(
      /<testsuites name="secure-scrape-conformance" tests="5" failures="1" errors="1" skipped="1" time="[\d.]+">/,
    );
    expect(xml).toContain(`<testsuite name="${ID}" tests="5" failures="1" errors="1" skipped="1"`);
    // Written and read back: the same cases, entities and all.
    expect(parseJunit(xml)).toEqual([suite]);
  });

  it("writes a cell that could not run from its results: errors, and skips as skips", () => {
    const result = cell(
      ID,
      "default",
      [t("A", "errored"), t("B", "skipped", { reason: "pre-1.31 workaround" })],
      {
        error: "interrupted by SIGTERM",
      },
    );
    const suite = cellSuite(result, false, vitest);
    expect(suite.cases).toEqual([
      {
        name: "A",
        classname: ID,
        time: 0,
        outcome: { kind: "error", message: "interrupted by SIGTERM", type: "Interrupted" },
      },
      { name: "B", classname: ID, time: 0, outcome: { kind: "skipped", message: "pre-1.31 workaround" } },
    ]);
    expect(() => parseJunit("<testsuites><testsuite")).toThrow();
  });

  it("writes findings from results as vitest does: a failure or error only with --strict-findings", () => {
    const tests = [
      t("GatewayApiDocsPath", "failed", { provisional: true, finding: "the docs' path created listeners" }),
      t("SecureScrapeUnderStrictMtls", "errored", { provisional: true, reason: "could not tell: timeout" }),
      t("SecurePortRejectsPlaintext", "failed", { reason: "plain HTTP got 200" }),
    ];
    const lenient = resultsSuite(cell(ID, "default", tests), false).cases;
    expect(lenient.map((c) => [c.name, c.outcome?.kind ?? "passed", c.systemOut])).toEqual([
      ["GatewayApiDocsPath", "passed", "finding contradicted: the docs' path created listeners"],
      ["SecureScrapeUnderStrictMtls", "passed", "finding could not be told: could not tell: timeout"],
      ["SecurePortRejectsPlaintext", "failure", undefined],
    ]);
    const strict = resultsSuite(cell(ID, "default", tests), true).cases;
    expect(strict.map((c) => [c.outcome?.kind, c.systemOut])).toEqual([
      ["failure", undefined],
      ["error", undefined],
      ["failure", undefined],
    ]);
    // A cell that could not be tested errs every case, findings included.
    const broken = resultsSuite(
      cell(ID, "default", tests.slice(1, 2), { error: "kind create failed" }),
      false,
    );
    expect(broken.cases[0]!.outcome).toEqual({
      kind: "error",
      message: "kind create failed",
      type: "InfrastructureError",
    });
    // The same through cellSuite when vitest left no output.
    expect(cellSuite(cell(ID, "default", tests), false).cases).toEqual(lenient);
  });

  it("writes an attribute whose value is true as an attribute, not a bare word", () => {
    const xml = junitXml([
      {
        name: ID,
        cases: [
          { name: "A", classname: ID, time: 0, outcome: { kind: "failure", message: "true", type: "true" } },
        ],
      },
    ]);
    expect(xml).toContain('<failure message="true" type="true"/>');
    expect(parseJunit(xml)[0]!.cases[0]!.outcome).toEqual({ kind: "failure", message: "true", type: "true" });
  });
});
