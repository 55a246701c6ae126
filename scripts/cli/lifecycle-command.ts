import { existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { KubernetesObjectApi } from "@kubernetes/client-node";
import { execa } from "execa";
import { resolveIstioVersion } from "../catalog/istio-releases.ts";
import { deletable, ownerSelector } from "../cluster/ownership.ts";
import {
  type Check,
  checkBinary,
  checkDocker,
  checkInotify,
  checkMemory,
  requireDocker,
} from "../cluster/preflight.ts";
import { PROVIDERS, type Provider } from "../cluster/providers.ts";
import { ExitCode, InfrastructureError, UsageError } from "../errors.ts";
import { deleteOwned, installedIstioVersion, loadKubeConfig } from "../mesh/kube.ts";
import type { PlannedCell } from "../plan/plan.ts";
import { shellJoin } from "../plan/shell.ts";
import type { StepContext } from "../plan/steps.ts";
import { exitCodeOf, type RunResult, resultOf, statistics } from "../report/model.ts";
import { writeReports } from "../report/write.ts";
import {
  DEFAULT_WAITS,
  dryRunLines,
  type ExecuteOptions,
  executeCell,
  type WaitName,
} from "../run/execute.ts";
import { runCells } from "../run/run-cells.ts";
import { withTeardown } from "../run/teardown.ts";
import { cacheRoot } from "../tools/platform.ts";
import { SUITE_VERSION } from "../version.ts";
import { bool, formatOf, list, type Options, str } from "./options.ts";
import { newRunId, planFromOptions } from "./plan-command.ts";
import { renderTable } from "./table.ts";

const log = (line: string) => process.stderr.write(`ssc: ${line}\n`);

/** Where the cells run, from --cluster / --kubeconfig / --no-provision; contradictions are exit 2. */
export function placementFromOptions(o: Options): Pick<StepContext, "provider" | "kubeconfig" | "context"> {
  const kubeconfig = str(o, "kubeconfig");
  const cluster = str(o, "cluster") ?? "kind";
  if (!(PROVIDERS as readonly string[]).includes(cluster) || cluster === "existing") {
    throw new UsageError(
      `--cluster ${cluster} is unknown (accepted: kind, k3s; or --kubeconfig for an existing cluster)`,
    );
  }
  if (bool(o, "no-provision") && !kubeconfig) {
    throw new UsageError("--no-provision needs --kubeconfig <file>, the cluster to test");
  }
  if (kubeconfig) {
    if (cluster !== "kind")
      throw new UsageError(`--cluster ${cluster} and --kubeconfig contradict each other; pick one`);
    if (!existsSync(kubeconfig))
      throw new UsageError(`--kubeconfig ${kubeconfig}: no such file; point it at your cluster's kubeconfig`);
    return { provider: "existing", kubeconfig, context: str(o, "context") };
  }
  if (str(o, "context")) throw new UsageError("--context needs --kubeconfig");
  return { provider: cluster as Provider };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** --timeout name=duration,... over the named defaults. */
export function waitsFromOptions(o: Options): Record<WaitName, number> {
  const waits: Record<WaitName, number> = { ...DEFAULT_WAITS };
  for (const item of list(o, "timeout")) {
    const [name, value = ""] = item.split("=", 2);
    if (!name || !(name in waits)) {
      throw new UsageError(
        `--timeout ${item}: unknown wait "${name}" (known: ${Object.keys(waits).join(", ")})`,
      );
    }
    const m = DURATION.exec(value);
    if (!m) throw new UsageError(`--timeout ${item}: "${value}" is not a duration like 90s, 10m or 1h`);
    waits[name as WaitName] = Number(m[1]) * UNIT[m[2] as keyof typeof UNIT];
  }
  return waits;
}

/** On an existing cluster without --istio, the version under test is the one installed there. */
async function withExistingIstio(
  o: Options,
  placement: ReturnType<typeof placementFromOptions>,
): Promise<Options> {
  if (placement.provider !== "existing" || list(o, "istio").length > 0) return o;
  const kc = loadKubeConfig(placement.kubeconfig!, placement.context);
  const found = await installedIstioVersion(kc);
  if (!found)
    throw new UsageError("no Istio found in the cluster (no istio-system/istiod): install your mesh first");
  return { ...o, istio: [resolveIstioVersion(found, { allowUnlisted: true })] };
}

/** What `up` and `run` share: where cells run, how long to wait, the plan, the executor options;
 * or, with --dry-run, the printed sequence and nothing else. */
async function prepare(o: Options, until?: "run-tests") {
  const reuse = str(o, "reuse");
  const placement = { ...placementFromOptions(o), reuse: reuse !== undefined };
  if (reuse && placement.provider === "existing") {
    throw new UsageError("--reuse tests a cell ssc up made; for your own cluster use --kubeconfig alone");
  }
  const waits = waitsFromOptions(o);
  const runId = reuse ?? str(o, "run-id") ?? newRunId();
  const cells = planFromOptions(await withExistingIstio({ ...o, "run-id": runId }, placement), placement);
  if (reuse) {
    for (const c of cells) {
      const kubeconfig = `${str(o, "work-dir") ?? ".ssc/runs"}/${runId}/${c.id}/kubeconfig`;
      if (!existsSync(kubeconfig)) {
        throw new UsageError(
          `--reuse ${reuse}: no cell ${c.id} from ssc up here (${kubeconfig} is missing); run ssc up --run-id ${reuse} with the same --istio/--profile first`,
        );
      }
    }
  }
  const dryRun = bool(o, "dry-run")
    ? {
        output: cells
          .flatMap((c) => [...dryRunLines(c, { until }), ""])
          .join("\n")
          .trimEnd(),
        exitCode: ExitCode.ok,
      }
    : undefined;
  const workDir = `${str(o, "work-dir") ?? ".ssc/runs"}/${runId}`;
  const exec: ExecuteOptions = {
    runId,
    workDir,
    ...placement,
    toolsDir: str(o, "tools-dir") ?? process.env.SSC_TOOLS_DIR,
    mirror: str(o, "mirror") ?? process.env.SSC_MIRROR,
    useExistingIstio: bool(o, "use-existing-istio"),
    waits,
    until,
    log,
  };
  return { runId, cells, dryRun, workDir, exec, placement };
}

export async function upCommand(o: Options) {
  const { runId, cells, dryRun, workDir, exec: execOpts, placement } = await prepare(o, "run-tests");
  if (cells.length !== 1) {
    throw new UsageError(
      `ssc up provisions one cell; --istio and --profile give ${cells.length}. Use ssc run for a matrix`,
    );
  }
  if (dryRun) return dryRun;
  const done: PlannedCell[] = [];
  await withTeardown(
    { keep: bool(o, "keep"), keepOnFailure: bool(o, "keep-on-failure"), keepOnSuccess: true },
    log,
    async (t) => {
      await mkdir(workDir, { recursive: true });
      t.add(`work folder ${workDir}`, () => rm(workDir, { recursive: true, force: true }));
      for (const cell of cells) {
        await executeCell(cell, execOpts, t);
        done.push(cell);
      }
    },
  );
  const lines = done.map(
    (c) =>
      `cell ${c.id} is up: export KUBECONFIG=${placement.kubeconfig ?? `${workDir}/${c.id}/kubeconfig`}\n` +
      `  test it:   ssc run --reuse ${runId} --istio ${c.istioVersion} --profile ${c.profile} [--test <id>]\n` +
      `  remove it: ssc down --run-id ${runId}`,
  );
  return { output: lines.join("\n"), exitCode: ExitCode.ok };
}

/** `ssc run`: every cell provisioned, tested and torn down in turn, then the reports. */
export async function runCommand(o: Options) {
  const { runId, cells, dryRun, workDir, exec, placement } = await prepare(o);
  if (dryRun) return dryRun;
  const reportDir = str(o, "report-dir") ?? join("reports", runId);
  const started = new Date().toISOString();
  const runs = await runCells(cells, {
    ...exec,
    reportDir,
    policy: { keep: bool(o, "keep"), keepOnFailure: bool(o, "keep-on-failure") },
  });
  // A reused cell's work folder holds the kubeconfig of the cluster ssc up left: keep it.
  if (!placement.reuse) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  const run: RunResult = {
    runId,
    started,
    finished: new Date().toISOString(),
    suiteVersion: SUITE_VERSION,
    command: shellJoin(["ssc", ...process.argv.slice(2)]),
    implementation: {
      organization: str(o, "organization") ?? "unknown",
      project: str(o, "project") ?? "istio",
      url: str(o, "url") ?? "https://istio.io",
      version: str(o, "implementation-version") ?? [...new Set(cells.map((c) => c.istioVersion))].join(","),
      contact: list(o, "contact"),
    },
    cells: runs.map((r) => r.cell),
  };
  const files = await writeReports(reportDir, run, runs);
  const exitCode = exitCodeOf(run);
  const table = renderTable(
    ["CELL", "RESULT", "PASSED", "FAILED", "ERRORED", "SKIPPED"],
    run.cells.map((c) => {
      const s = statistics(c.tests);
      return [
        c.id,
        resultOf(c.tests, c.error),
        String(s.passed),
        String(s.failed),
        String(s.errored),
        String(s.skipped),
      ];
    }),
  );
  const errors = run.cells.filter((c) => c.error).map((c) => `${c.id}: ${c.error}`);
  return { output: [table, ...errors, "", ...files.map((f) => `wrote ${f}`)].join("\n"), exitCode };
}

/** kind on PATH or in the cache (any version ssc downloaded), for `ssc down`. */
async function findKind(): Promise<string> {
  if ((await execa("kind", ["version"], { reject: false })).exitCode === 0) return "kind";
  const base = join(cacheRoot(), "tools", "kind");
  const versions = existsSync(base) ? await readdir(base) : [];
  for (const v of versions.sort().reverse()) {
    for (const flavour of await readdir(join(base, v))) {
      const bin = join(base, v, flavour, "kind");
      if (existsSync(bin)) return bin;
    }
  }
  throw new InfrastructureError("no kind binary on PATH or in the cache: nothing ssc created can exist here");
}

export async function downCommand(o: Options) {
  const runId = str(o, "run-id");
  const all = bool(o, "all");
  if (!runId && !all)
    throw new UsageError("ssc down needs --run-id <id> (one run) or --all (every ssc-* kind cluster)");
  const removed: string[] = [];
  const kubeconfig = str(o, "kubeconfig");
  if (kubeconfig) {
    if (!runId)
      throw new UsageError(
        "on an existing cluster ssc down needs --run-id: it deletes only that run's objects",
      );
    const kc = loadKubeConfig(kubeconfig, str(o, "context"));
    const api = KubernetesObjectApi.makeApiClient(kc);
    for (const [apiVersion, kind] of [
      ["v1", "Namespace"],
      ["rbac.authorization.k8s.io/v1", "ClusterRole"],
      ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"],
    ] as const) {
      const found = await api.list(
        apiVersion,
        kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        ownerSelector(runId),
      );
      const mine = deletable(found.items, runId);
      await deleteOwned(kc, mine);
      removed.push(...mine.map((x) => `${kind} ${x.metadata?.name}`));
    }
  } else {
    await requireDocker();
    const kind = await findKind();
    const r = await execa(kind, ["get", "clusters"], { reject: false });
    const names = String(r.stdout)
      .split("\n")
      .map((l) => l.trim())
      .filter((n) => n.startsWith("ssc-") && (all || n.endsWith(`-${runId}`)));
    for (const name of names) {
      await execa(kind, ["delete", "cluster", "--name", name], { reject: false });
      removed.push(`kind cluster ${name}`);
    }
  }
  const workDir = str(o, "work-dir") ?? ".ssc/runs";
  const dirs = runId
    ? [join(workDir, runId)]
    : existsSync(workDir)
      ? (await readdir(workDir)).map((d) => join(workDir, d))
      : [];
  for (const d of dirs.filter((x) => existsSync(x))) {
    await rm(d, { recursive: true, force: true });
    removed.push(`work folder ${d}`);
  }
  const output =
    formatOf(o) === "json"
      ? JSON.stringify({ removed }, null, 2)
      : removed.length
        ? removed.map((x) => `removed ${x}`).join("\n")
        : "nothing to remove";
  return { output, exitCode: ExitCode.ok };
}

export async function doctorChecks(): Promise<Check[]> {
  const cached = (name: string) => existsSync(join(cacheRoot(), "tools", name));
  const tool = async (name: string, args: string[]): Promise<Check> => {
    const c = await checkBinary(name, args, false, "");
    if (c.status === "ok") return { ...c, detail: `on PATH: ${c.detail}` };
    return {
      id: name,
      status: "ok",
      detail: cached(name)
        ? `cached under ${join(cacheRoot(), "tools", name)} (re-verified on every use)`
        : `not installed: downloaded on first use into ${cacheRoot()} and SHA-256 verified (or bring it with --tools-dir)`,
    };
  };
  return [
    await checkDocker(),
    await tool("kind", ["version"]),
    await tool("istioctl", ["version", "--remote=false"]),
    await checkBinary("curl", ["--version"], true, "install curl: every HTTP probe runs it"),
    await checkBinary(
      "kubectl",
      ["version", "--client"],
      false,
      "optional: only the printed equivalents of API calls use it",
    ),
    await checkBinary(
      "prometheus",
      ["--version"],
      false,
      "optional: ssc selftest uses it (Debian: apt-get install prometheus), or Docker",
    ),
    await checkInotify(),
    checkMemory(1),
  ];
}

export async function doctorCommand(o: Options) {
  const checks = await doctorChecks();
  const exitCode = checks.some((c) => c.status === "fail") ? ExitCode.infrastructure : ExitCode.ok;
  if (formatOf(o) === "json") return { output: JSON.stringify({ checks }, null, 2), exitCode };
  const table = renderTable(
    ["CHECK", "STATUS", "DETAIL", "FIX"],
    checks.map((c) => [c.id, c.status.toUpperCase(), c.detail, c.fix ?? ""]),
  );
  return { output: table, exitCode };
}
