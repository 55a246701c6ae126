import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// The workflow users copy (.github/workflows/conformance.yml): validated against GitHub's workflow
// schema offline, and its own plan and run commands executed against ssc as the jobs would run them.
const REPO = new URL("..", import.meta.url).pathname;
const FILE = join(REPO, ".github", "workflows", "conformance.yml");

interface Step {
  id?: string;
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  strategy?: { "fail-fast"?: boolean; matrix?: string };
  steps: Step[];
  env?: Record<string, string>;
}
interface Workflow {
  on: { workflow_dispatch: { inputs: Record<string, { default: string | boolean }> } };
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

const load = async () => {
  const text = await readFile(FILE, "utf8");
  return { text, wf: parse(text) as Workflow };
};

/** Runs a step's script as GitHub's default shell does (bash -e {0}), the workflow's env at its
 * input defaults. */
async function runStep(script: string, env: Record<string, string>, cwd = REPO) {
  return execa(
    "bash",
    ["--noprofile", "--norc", "-e", "-c", script.replaceAll("${{ github.run_id }}", "1234")],
    {
      cwd,
      reject: false,
      env: { ...env, PATH: `${join(REPO, "node_modules", ".bin")}:${process.env.PATH}`, NO_COLOR: "1" },
    },
  );
}

describe(".github/workflows/conformance.yml", () => {
  it("fails its plan job when ssc rejects the selection, instead of passing an empty matrix on", async () => {
    const { wf } = await load();
    const dir = await mkdtemp(join(tmpdir(), "ssc-workflow-"));
    try {
      const planStep = wf.jobs.plan!.steps.find((s) => s.id === "plan")!;
      const r = await runStep(planStep.run!, {
        SSC_ISTIO: "1.40",
        SSC_PROFILE: "default",
        SSC_IP_FAMILY: "ipv4",
        SSC_ENABLEMENT: "pod",
        SSC_UNLISTED: "",
        GITHUB_OUTPUT: join(dir, "out"),
      });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/istio 1\.40 is not in the catalog/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is valid against GitHub's workflow schema, and the validator does catch a broken one", async () => {
    const { text } = await load();
    expect(validateWorkflow(text).errors).toEqual([]);
    const broken = text.replace(
      "    runs-on: ubuntu-24.04\n    timeout-minutes: 10\n    outputs:",
      "    runs-on: ubuntu-24.04\n    timeout-minutez: 10\n    outputs:",
    );
    expect(broken).not.toBe(text);
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it("plans, runs one job per cell with fail-fast off, then merges, uploading every shard and caching downloads", async () => {
    const { wf } = await load();
    expect(Object.keys(wf.jobs)).toEqual(["plan", "cell", "merge"]);
    const { cell, merge } = wf.jobs as { cell: Job; merge: Job };
    expect(cell.needs).toBe("plan");
    expect(cell.strategy).toEqual({
      "fail-fast": false,
      matrix: "${{ fromJSON(needs.plan.outputs.matrix) }}",
    });
    expect(merge.needs).toEqual(["plan", "cell"]);
    expect(merge.if).toMatch(/always\(\)/);
    const uses = (j: Job) => j.steps.map((s) => s.uses ?? "").filter(Boolean);
    expect(uses(cell)).toEqual(expect.arrayContaining(["actions/cache@v4", "actions/upload-artifact@v4"]));
    const upload = cell.steps.find((s) => s.uses === "actions/upload-artifact@v4")!;
    expect(upload.if).toBe("always()");
    expect(upload.with).toMatchObject({ "if-no-files-found": "error", overwrite: true });
    expect(cell.steps.some((s) => s.uses === "actions/cache@v4" && s.with?.path === "~/.cache/ssc")).toBe(
      true,
    );
    expect(uses(merge)).toContain("actions/download-artifact@v4");
    expect(merge.steps.map((s) => s.run ?? "").join("\n")).toMatch(
      /npx ssc report merge shards\/\*\/ --expect "\$expect" --out reports\/merged/,
    );
    // ssc run and ssc report merge write their summary to the job summary themselves on GitHub
    // (GITHUB_STEP_SUMMARY); a step that also did would show it twice.
    expect(merge.steps.map((s) => s.run ?? "").join("\n")).not.toContain("summary.md");
  });

  it.each([
    ["its input defaults", {}, ["", "", "", ""]],
    ["IPv4 and IPv6 chosen", { SSC_IP_FAMILY: "ipv4,ipv6" }, ["-ipv6", "-ipv6", "-ipv6", "-ipv6"]],
    // Mesh-wide cells exist only where the native ports do (1.31).
    ["both enablements chosen", { SSC_ENABLEMENT: "pod,mesh" }, ["", "", "-meshwide", "-meshwide"]],
  ])(
    "its plan step's matrix feeds its cell step's ssc run --cell for every entry (%s)",
    async (_, given, suffixes) => {
      const { wf } = await load();
      const inputs = wf.on.workflow_dispatch.inputs;
      const env = {
        SSC_ISTIO: String(inputs.istio!.default),
        SSC_PROFILE: String(inputs.profile!.default),
        SSC_IP_FAMILY: String(inputs["ip-family"]!.default),
        SSC_ENABLEMENT: String(inputs.enablement!.default),
        SSC_UNLISTED: "",
        ...given,
      };
      expect(wf.env.SSC_ISTIO).toContain(`'${inputs.istio!.default}'`);
      expect(wf.env.SSC_IP_FAMILY).toContain(`'${inputs["ip-family"]!.default}'`);
      expect(wf.env.SSC_ENABLEMENT).toContain(`'${inputs.enablement!.default}'`);
      const dir = await mkdtemp(join(tmpdir(), "ssc-workflow-"));
      try {
        const output = join(dir, "github-output");
        const planStep = wf.jobs.plan!.steps.find((s) => s.id === "plan")!;
        const plan = await runStep(planStep.run!, { ...env, GITHUB_OUTPUT: output });
        expect(plan.exitCode, plan.stderr).toBe(0);
        const line = (await readFile(output, "utf8")).trim();
        expect(line).toMatch(/^matrix=\{"include":\[/);
        const matrix = JSON.parse(line.slice("matrix=".length)) as {
          include: { cell: string; nodeImage: string }[];
        };
        const base = [
          "istio-1.30.5-default-k8s-1.36",
          "istio-1.30.5-ambient-k8s-1.36",
          "istio-1.31.1-default-k8s-1.36",
          "istio-1.31.1-ambient-k8s-1.36",
        ];
        expect(matrix.include.map((e) => e.cell).sort()).toEqual(
          [...base, ...base.flatMap((c, i) => (suffixes[i] ? [`${c}${suffixes[i]}`] : []))].sort(),
        );
        const runCell = wf.jobs.cell!.steps.find((s) => s.name === "run the cell")!;
        for (const e of matrix.include) {
          const r = await runStep(`${runCell.run!} --dry-run --work-dir ${dir}/w`, {
            ...env,
            SSC_CELL: e.cell,
          });
          expect(r.exitCode, r.stderr).toBe(0);
          expect([...r.stdout.matchAll(/^# cell (\S+)/gm)].map((m) => m[1])).toEqual([e.cell]);
          expect(r.stdout).toContain(`--image ${e.nodeImage}`);
        }
        // The merge step with no shard at all (every cell job died): each planned cell is an error.
        const merge = wf.jobs.merge!.steps.find((s) => s.name === "merge the shards into one report")!;
        // Run in a scratch folder, where npx cannot find the package, so ssc is named by its path.
        const script = merge.run!.replaceAll("npx ssc ", `node ${join(REPO, "scripts", "ssc.mjs")} `);
        const m = await runStep(script, { ...env, MATRIX: line.slice("matrix=".length) }, dir);
        expect(m.exitCode, m.stderr).toBe(3);
        const merged = JSON.parse(await readFile(join(dir, "reports", "merged", "results.json"), "utf8")) as {
          cells: { id: string; error?: string }[];
        };
        expect(merged.cells.map((c) => c.id)).toEqual(matrix.include.map((e) => e.cell));
        expect(merged.cells.every((c) => c.error?.startsWith("no report from this cell's shard"))).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
