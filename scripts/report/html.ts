import {
  type CellResult,
  cellResultOf,
  type Result,
  type RunResult,
  statistics,
  type TestResult,
} from "./model.ts";
import { reproduceCommands } from "./reproduce.ts";
import { rerunSentence } from "./rerun.ts";

// report.html: one self-contained file (inline CSS, no script, a Content-Security-Policy that lets
// the page fetch nothing), so it opens from a CI artifact on an air-gapped laptop. A matrix of cells x
// tests first, then each cell with its versions, step timings and every test's evidence; every
// failure carries the commands that reproduce it. Status is said in words beside each colour, the
// matrix scrolls inside its own focusable region on a phone, and dark mode follows the system.

/** What one test in one cell shows as: the report's status, refined for the reader. */
export type Shown = "pass" | "fail" | "error" | "skip" | "pending" | "not-run" | "contradicted" | "absent";

export function shownOf(t: TestResult | undefined): Shown {
  if (!t) return "absent";
  if (t.status === "passed") return "pass";
  if (t.status === "failed") return t.provisional ? "contradicted" : "fail";
  if (t.status === "errored") return "error";
  if (t.skip === "pending") return "pending";
  if (t.skip === "not-run") return "not-run";
  return "skip";
}

const LABEL: Record<Shown, string> = {
  pass: "✓ pass",
  fail: "✗ fail",
  error: "! error",
  skip: "– skip",
  pending: "… pending",
  "not-run": "○ not run",
  contradicted: "≠ finding contradicted",
  absent: "",
};

const LEGEND: [Shown, string][] = [
  ["pass", "the property held"],
  ["fail", "the mesh broke the property"],
  ["error", "the suite could not tell"],
  ["skip", "does not apply, left out by selection, or slow and not opted in"],
  ["pending", "applies, not implemented yet"],
  ["not-run", "the run never reached it"],
  ["contradicted", "a finding: Istio did not behave as the facts predict"],
];

const esc = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
const anchor = (...parts: string[]) => parts.join("--").replace(/[^A-Za-z0-9_.-]/g, "_");

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--error:#9a6700;--error-bg:#fff8c5;--skip:#57606a;--skip-bg:#f6f8fa;--pending:#8250df;--pending-bg:#fbefff;--contradicted:#bc4c00;--contradicted-bg:#fff1e5;--focus:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--pass:#3fb950;--pass-bg:#12261e;--fail:#f85149;--fail-bg:#25171c;--error:#d29922;--error-bg:#272115;--skip:#9198a1;--skip-bg:#161b22;--pending:#a371f7;--pending-bg:#1f1830;--contradicted:#db6d28;--contradicted-bg:#2a1c12;--focus:#4493f8}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
main,header{max-width:1200px;margin:0 auto;padding:0 16px}h1{font-size:1.5rem;margin:16px 0 4px}h2{font-size:1.2rem;margin:28px 0 8px}h3{font-size:1rem;margin:16px 0 6px}
a{color:var(--focus)}:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.muted{color:var(--muted)}code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}pre{white-space:pre-wrap;word-break:break-word;background:var(--skip-bg);border:1px solid var(--line);padding:8px;border-radius:6px;margin:6px 0}
.totals{display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0}.totals div{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:96px}.totals dt{font-size:.8rem;color:var(--muted)}.totals dd{margin:0;font-size:1.3rem;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;padding:0;list-style:none}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:6px}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
.matrix th[scope=col]{font-size:.75rem;font-weight:600;white-space:nowrap}.matrix th[scope=row]{font-weight:500;white-space:nowrap;position:sticky;left:0;background:var(--bg)}.matrix td{white-space:nowrap}
.s{display:inline-block;border-radius:4px;padding:0 6px;font-size:.8rem;font-weight:600;text-decoration:none}
.s-pass{color:var(--pass);background:var(--pass-bg)}.s-fail{color:var(--fail);background:var(--fail-bg)}.s-error{color:var(--error);background:var(--error-bg)}.s-skip,.s-absent{color:var(--skip);background:var(--skip-bg)}.s-pending{color:var(--pending);background:var(--pending-bg)}.s-not-run{color:var(--skip);background:var(--skip-bg);border:1px dashed var(--line)}.s-contradicted{color:var(--contradicted);background:var(--contradicted-bg)}
details{border:1px solid var(--line);border-radius:6px;padding:6px 10px;margin:6px 0}summary{cursor:pointer}dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
@media (max-width:600px){body{font-size:14px}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:6px}}
`;

function badge(shown: Shown, href?: string): string {
  const text = esc(LABEL[shown] || "n/a");
  return href
    ? `<a class="s s-${shown}" href="#${href}" data-status="${shown}">${text}</a>`
    : `<span class="s s-${shown}" data-status="${shown}">${text}</span>`;
}

function facts(rows: [string, string | undefined][]): string {
  return `<dl class="facts">${rows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== "")
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`)
    .join("")}</dl>`;
}

const code = (s: string) => `<code>${esc(s)}</code>`;
const seconds = (n: number) =>
  n >= 60 ? `${Math.floor(n / 60)} min ${Math.round(n % 60)} s` : `${n.toFixed(1)} s`;

function testDetails(c: CellResult, t: TestResult): string {
  const shown = shownOf(t);
  const bad = shown === "fail" || shown === "error" || shown === "contradicted";
  const verdicts = t.verdicts
    .map(
      (v) =>
        `<li><strong>${esc(v.probe)}</strong> ${badge(v.verdict === "pass" ? "pass" : v.verdict === "fail" ? "fail" : "error")} ${esc(v.summary)}${
          v.attempts ? ` <span class="muted">(${v.attempts} attempt(s))</span>` : ""
        }${v.evidence.length ? `<pre>${esc(v.evidence.join("\n"))}</pre>` : ""}</li>`,
    )
    .join("");
  const reproduce = bad
    ? `<h4>Reproduce</h4><pre class="reproduce" data-test="${esc(t.id)}"><code>${esc(reproduceCommands(c, t.id).join("\n"))}</code></pre>`
    : "";
  return `<details id="${anchor(c.id, t.id)}" data-cell="${esc(c.id)}" data-test="${esc(t.id)}" data-status="${shown}"${bad ? " open" : ""}>
<summary>${badge(shown)} <strong>${esc(t.id)}</strong>${t.provisional ? ' <span class="muted">(finding)</span>' : ""}${t.seconds !== undefined ? ` <span class="muted">${seconds(t.seconds)}</span>` : ""}</summary>
${t.reason ? `<p>${esc(t.reason)}</p>` : ""}${t.finding ? `<p><strong>Finding:</strong> ${esc(t.finding)}</p>` : ""}${verdicts ? `<ul>${verdicts}</ul>` : ""}${reproduce}
</details>`;
}

/** A cell's result in the colours of the test statuses. */
const RESULT_STYLE: Record<Result, Shown> = {
  success: "pass",
  partial: "skip",
  failure: "fail",
  error: "error",
  "not-run": "not-run",
};

function cellSection(run: RunResult, c: CellResult): string {
  const result = cellResultOf(c, run.strictFindings ?? false);
  const total = (c.timings ?? []).reduce((s, x) => s + x.seconds, 0);
  const tool = (t: CellResult["tools"]["kind"]) =>
    t
      ? `${esc(t.version)} <span class="muted">sha256 ${esc(t.sha256)}${t.verified === false ? ", UNVERIFIED" : ""}</span>`
      : undefined;
  const timings = c.timings?.length
    ? `<h3>Steps (${seconds(total)} in all)</h3><div class="scroll"><table><thead><tr><th scope="col">step</th><th scope="col">seconds</th></tr></thead><tbody>${c.timings
        .map((x) => `<tr><td>${esc(x.step)}</td><td>${x.seconds.toFixed(1)}</td></tr>`)
        .join("")}</tbody></table></div>`
    : "";
  return `<section id="${anchor("cell", c.id)}" data-cell="${esc(c.id)}" data-result="${result}">
<h2>${esc(c.id)} <span class="s s-${RESULT_STYLE[result]}">${esc(result)}</span></h2>
${facts([
  ["Istio", `${esc(c.istioVersion)} (${esc(c.secureMetricsMode)} secure metrics)`],
  ["profile", esc(c.profile)],
  ["Kubernetes", esc(c.kubernetesVersion)],
  ["IP family", c.ipFamily ? esc(c.ipFamily) : c.provider === "existing" ? "the cluster's own" : "ipv4"],
  ["secure ports", c.enablement === "mesh" ? "mesh-wide (meshConfig)" : "per pod"],
  ["cluster", esc(c.provider)],
  ["node image", c.nodeImage ? code(c.nodeImage) : undefined],
  ["kind", tool(c.tools.kind)],
  ["istioctl", tool(c.tools.istioctl)],
  [
    "probe client",
    c.probeClient
      ? `${code(c.probeClient.image)}${c.probeClient.curl ? ` (${esc(c.probeClient.curl)})` : ""}`
      : undefined,
  ],
  [
    "requests",
    c.requests
      ? `${(c.requests.cpuMillis / 1000).toFixed(2)} CPUs, ${(c.requests.memoryMiB / 1024).toFixed(1)} GiB`
      : undefined,
  ],
  ["unlisted", c.unlisted ? esc(c.unlisted) : undefined],
  ["error", c.error ? esc(c.error) : undefined],
  ["not run", c.notRun ? esc(c.notRun) : undefined],
  [
    "left behind",
    c.leaked?.length ? c.leaked.map((l) => esc(`${l.name}: ${l.error}`)).join("<br>") : undefined,
  ],
  ["kept", c.kept?.length ? c.kept.map(esc).join("<br>") : undefined],
  ["diagnostics", c.diagnostics ? code(c.diagnostics) : undefined],
])}
${timings}
<h3>Tests</h3>
${c.tests.map((t) => testDetails(c, t)).join("\n")}
</section>`;
}

export function reportHtml(run: RunResult): string {
  const tests = [...new Set(run.cells.flatMap((c) => c.tests.map((t) => t.id)))];
  const totals = statistics(run.cells.flatMap((c) => c.tests));
  const shownCount = (s: Shown) => run.cells.flatMap((c) => c.tests).filter((t) => shownOf(t) === s).length;
  const i = run.implementation;
  const matrix = `<div class="scroll" tabindex="0" role="region" aria-label="Results: tests by cell"><table class="matrix">
<thead><tr><th scope="col">test</th>${run.cells
    .map(
      (c) =>
        `<th scope="col"><a href="#${anchor("cell", c.id)}">${esc(c.id.replace(/^istio-/, ""))}</a></th>`,
    )
    .join("")}</tr></thead>
<tbody>${tests
    .map(
      (id) =>
        `<tr><th scope="row">${esc(id)}</th>${run.cells
          .map((c) => {
            const t = c.tests.find((x) => x.id === id);
            return `<td>${t ? badge(shownOf(t), anchor(c.id, id)) : badge("absent")}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("\n")}</tbody></table></div>`;
  const skippedCells = run.skippedCells?.length
    ? `<h2>Skipped cells</h2><ul>${run.skippedCells.map((s) => `<li>${code(s.id)}: ${esc(s.reason)}</li>`).join("")}</ul>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>secure-scrape-conformance: run ${esc(run.runId)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>secure-scrape-conformance: run ${esc(run.runId)}</h1>
<p class="muted">${esc(i.organization ? `${i.organization}/` : "")}${esc(i.project)} ${esc(i.version)} · suite ${esc(run.suiteVersion)} · ${esc(run.started)} to ${esc(run.finished)}${run.strictFindings ? " · --strict-findings" : ""}</p>
${rerunSentence(run) ? `<p class="muted">${esc(rerunSentence(run)!)}</p>` : ""}
</header>
<main>
<h2 id="totals">Totals</h2>
<dl class="totals">
${(["passed", "failed", "errored", "skipped"] as const).map((k) => `<div><dt>${k}</dt><dd data-count="${k}">${totals[k]}</dd></div>`).join("\n")}
<div><dt>cells</dt><dd data-count="cells">${run.cells.length}</dd></div>
</dl>
<p class="muted">Of the skipped: ${shownCount("pending")} pending, ${shownCount("not-run")} not run; of the failed: ${shownCount("contradicted")} finding(s) contradicted (they fail a run only with --strict-findings).</p>
<h2 id="matrix">Matrix</h2>
<ul class="legend" aria-label="Legend">${LEGEND.map(([s, what]) => `<li>${badge(s)} ${esc(what)}</li>`).join("")}</ul>
${matrix}
${skippedCells}
${run.cells.map((c) => cellSection(run, c)).join("\n")}
<h2>Reproduce the run</h2>
<pre><code>${esc((run.merged ? run.merged.map((m) => m.command) : [run.command]).join("\n"))}</code></pre>
</main>
</body>
</html>
`;
}
