import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cell, run, t } from "../testing/results.ts";
import { escapeData, escapeProperty, githubAnnotations, onGithubActions, stepSummary } from "./github.ts";

// GitHub Actions' workflow commands from report data: what is annotated, escaped as the runner
// reads it (actions/toolkit's command.ts), and the summary page's 1 MiB limit.
const A = "istio-1.31.1-default-k8s-1.36";

describe("annotations", () => {
  it("escape messages and titles as the runner reads them", () => {
    expect(escapeData("50% done\r\nnext")).toBe("50%25 done%0D%0Anext");
    expect(escapeProperty("a: b, c%")).toBe("a%3A b%2C c%25");
  });

  it("annotate each failure and could-not-tell, a cell that could not be tested once, findings as warnings", () => {
    const r = run([
      cell(A, "default", [
        t("SidecarSecureListeners", "passed"),
        t("SecurePortRejectsPlaintext", "failed", { reason: "plain HTTP got HTTP 200\nfrom 10.0.0.5" }),
        t("SecurePortServesWorkloadIdentity", "errored", { reason: "timeout" }),
        t("GatewayApiDocsPath", "failed", { provisional: true, finding: "listeners on 15091" }),
        t("SecureScrapeUnderStrictMtls", "errored", { provisional: true, reason: "could not tell" }),
        t("LegacySidecarSecureScrape", "skipped", { skip: "applicability" }),
      ]),
      cell("istio-1.30.5-default-k8s-1.36", "default", [t("X", "errored"), t("Y", "errored")], {
        error: "Docker is not reachable",
      }),
    ]);
    expect(githubAnnotations(r)).toEqual([
      `::error title=${A} / SecurePortRejectsPlaintext%3A failed::plain HTTP got HTTP 200%0Afrom 10.0.0.5`,
      `::error title=${A} / SecurePortServesWorkloadIdentity%3A could not tell::timeout`,
      `::warning title=${A} / GatewayApiDocsPath%3A finding contradicted::listeners on 15091`,
      "::error title=istio-1.30.5-default-k8s-1.36%3A could not be tested::Docker is not reachable",
    ]);
    const strict = githubAnnotations({ ...r, strictFindings: true });
    expect(strict).toContain(`::error title=${A} / GatewayApiDocsPath%3A failed::failed`);
    expect(strict).toContain(
      `::error title=${A} / SecureScrapeUnderStrictMtls%3A could not tell::could not tell`,
    );
  });
});

describe("the step summary", () => {
  it("is summary.md when it fits, else cut at a line within 1 MiB, saying where the whole one is", () => {
    expect(stepSummary("# short\n", "r/summary.md")).toBe("# short\n");
    const long = Array.from({ length: 200 }, (_, i) => `| row ${i} | ${"é".repeat(20)} |`).join("\n");
    const cut = stepSummary(long, "r/summary.md", 2_000);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(2_000);
    expect(cut).toMatch(
      /\| row \d+ \| é+ \|\n\n_Cut to fit GitHub's step summary; the whole summary is r\/summary\.md in the report artifact\._\n$/,
    );
    expect(cut).not.toContain("\uFFFD");
  });

  it("is appended to GITHUB_STEP_SUMMARY, and annotations returned, only on GitHub Actions", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ssc-gh-"));
    try {
      const file = join(dir, "step-summary.md");
      const r = run([cell(A, "default", [t("X", "failed", { reason: "no" })])]);
      expect(await onGithubActions(r, "reports/r1", { GITHUB_STEP_SUMMARY: file })).toEqual([]);
      const lines = await onGithubActions(r, "reports/r1", {
        GITHUB_ACTIONS: "true",
        GITHUB_STEP_SUMMARY: file,
      });
      expect(lines).toEqual([`::error title=${A} / X%3A failed::no`]);
      const written = await readFile(file, "utf8");
      expect(written).toMatch(/^# secure-scrape-conformance: run r1\n/);
      expect(written).toContain(`| ${A} | 1.31.1 | default | 1.36.1 | **failure** |`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
