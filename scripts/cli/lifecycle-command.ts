import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { availableParallelism, freemem, tmpdir } from "node:os";
import { join } from "node:path";
import { KubernetesObjectApi } from "@kubernetes/client-node";
import { execa } from "execa";
import { coreOf, isVendorBuild, resolveIstioVersion } from "../catalog/istio-releases.ts";
import { parseMirrors } from "../cluster/mirrors.ts";
import { deletable, ownerSelector } from "../cluster/ownership.ts";
import {
  type Check,
  checkBinary,
  checkDocker,
  checkHostIpv6,
  checkInotify,
  checkMemory,
  dockerInfo,
  dockerUnreachable,
  requireDocker,
} from "../cluster/preflight.ts";
import { PROVIDERS, type Provider } from "../cluster/providers.ts";
import { ExitCode, InfrastructureError, UsageError } from "../errors.ts";
import { deleteOwned, installedIstioVersion, loadKubeConfig } from "../mesh/kube.ts";
import { parseCellId } from "../plan/cells.ts";
import { toCreate } from "../plan/objects.ts";
import type { PlannedCell } from "../plan/plan.ts";
import { shellJoin } from "../plan/shell.ts";
import { cellKubeconfig, type StepContext } from "../plan/steps.ts";
import { GROUP_END, groupStart, onGithubActions } from "../report/github.ts";
import { mergeJunit } from "../report/junit.ts";
import { exitCodeOf, type RunResult } from "../report/model.ts";
import { type RerunSet, readRerunSource, rerunRecord } from "../report/rerun.ts";
import { parseMode, requireCertifiable } from "../report/submission.ts";
import { contradictedLine } from "../report/summary.ts";
import { writeReports } from "../report/write.ts";
import { newCellState, type RunOptions } from "../run/context.ts";
import { dryRunLines, executeCell, type Mode } from "../run/execute.ts";
import { RunInterrupt } from "../run/interrupt.ts";
import { parallelFor, parseParallel } from "../run/pool.ts";
import { lineProgress, liveProgress, ndjsonProgress, type Progress, type RunEvent } from "../run/progress.ts";
import { runCells } from "../run/run-cells.ts";
import { lastLines } from "../run/steps/process.ts";
import { keeps, Teardown } from "../run/teardown.ts";
import { consecutiveFrom, DEFAULT_TIMEOUTS, timeoutsFrom } from "../timeouts.ts";
import { sourceUrl } from "../tools/download.ts";
import { cacheRoot } from "../tools/platform.ts";
import { SUITE_VERSION } from "../version.ts";
import { checkRunId, checkWritableFolder } from "./inputs.ts";
import { bool, formatOf, list, type Options, str } from "./options.ts";
import { newRunId, planFromOptions } from "./plan-command.ts";
import { runTable } from "./run-table.ts";
import { renderTable } from "./table.ts";

const log = (line: string) => process.stderr.write(`ssc: ${line}\n`);
/** Workflow commands for GitHub's runner, which reads them from stdout. */
const command = (line: string) => process.stdout.write(`${line}\n`);

/** How a run shows its progress: NDJSON events on stdout (--format json), a live line per cell on
 * a terminal, or timestamped lines (pipes, CI, NO_COLOR or not). */
function progressFor(format: "table" | "json"): Progress {
  if (format === "json") return ndjsonProgress(command, (l) => process.stderr.write(`${l}\n`));
  // A terminal that reports no size (some CI pseudo terminals) cannot hold a live line.
  const e = process.stderr;
  if (e.isTTY && !process.env.CI && (e.columns ?? 0) > 0 && (e.rows ?? 0) > 0)
    return liveProgress(e, { colour: !process.env.NO_COLOR });
  return lineProgress((l) => process.stderr.write(`${l}\n`));
}

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
    // Read now, so a broken file is one line of bad input before anything is created.
    loadKubeConfig(kubeconfig, str(o, "context"));
    return { provider: "existing", kubeconfig, context: str(o, "context") };
  }
  if (str(o, "context")) throw new UsageError("--context needs --kubeconfig");
  return { provider: cluster as Provider };
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
  return {
    ...o,
    istio: [resolveIstioVersion(found, { allowUnlisted: bool(o, "allow-unlisted-istio") })],
  };
}

/** `run --reuse <id>` without --istio/--profile tests exactly the cells `ssc up` left under that id:
 * their versions, profiles and Kubernetes minor are read from the cell folders' names. */
async function withReusedCells(o: Options, workDir: string, reuse: string): Promise<Options> {
  if (list(o, "istio").length > 0) return o;
  const ids = existsSync(workDir)
    ? (await readdir(workDir)).filter((d) => existsSync(join(workDir, d, "kubeconfig")))
    : [];
  const cells = ids.flatMap((id) => {
    const axes = parseCellId(id);
    return axes ? [{ id, ...axes }] : [];
  });
  if (cells.length === 0) {
    throw new UsageError(
      `--reuse ${reuse}: no cell from ssc up in ${workDir}; bring one up with ssc up --run-id ${reuse}`,
    );
  }
  return {
    ...o,
    istio: [...new Set(cells.map((c) => c.istio))],
    profile: [...new Set(cells.map((c) => c.profile))],
    ...(list(o, "k8s").length === 0 ? { k8s: [...new Set(cells.map((c) => c.k8s))] } : {}),
    "ip-family": [...new Set(cells.map((c) => c.ipFamily))],
    enablement: [...new Set(cells.map((c) => c.enablement))],
    // The cross product of those axes may name cells that were never brought up: test exactly these.
    ...(list(o, "cell").length === 0 ? { cell: cells.map((c) => c.id) } : {}),
    ...(cells.some((c) => /-/.test(c.istio)) ? { "allow-unlisted-istio": true } : {}),
  };
}

/** --rerun-failed: the report's cells, with the axes and the implementation it named; the tests
 * to run again per cell go to the planner. Choosing cells by hand beside it is a contradiction. */
function withRerun(o: Options, set: RerunSet): Options {
  // --profile has a default; only a value other than it was chosen by hand.
  const defaults: Record<string, string> = { profile: "default", "ip-family": "ipv4", enablement: "pod" };
  const chosen = (f: string) =>
    f in defaults ? list(o, f).join(",") !== defaults[f] && list(o, f).length > 0 : list(o, f).length > 0;
  for (const f of ["istio", "profile", "k8s", "ip-family", "enablement", "cell"]) {
    if (chosen(f)) {
      throw new UsageError(
        `--rerun-failed takes its cells from ${set.dir}; drop --${f} (narrow the tests with --test or --skip)`,
      );
    }
  }
  const axes = set.cells.map(({ cell }) => {
    const a = parseCellId(cell.id);
    if (!a) throw new UsageError(`--rerun-failed ${set.dir}: cell id ${cell.id} is not one ssc writes`);
    return a;
  });
  const i = set.run.implementation;
  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    ...o,
    istio: uniq(axes.map((a) => a.istio)),
    profile: uniq(axes.map((a) => a.profile)),
    k8s: uniq(axes.map((a) => a.k8s)),
    "ip-family": uniq(axes.map((a) => a.ipFamily)),
    enablement: uniq(axes.map((a) => a.enablement)),
    cell: set.cells.map(({ cell }) => cell.id),
    ...(set.cells.some(({ cell }) => cell.unlisted) ? { "allow-unlisted-istio": true } : {}),
    // The same implementation, so `ssc report merge --prefer newest` joins the two reports.
    ...(i.organization && str(o, "organization") === undefined ? { organization: i.organization } : {}),
    ...(o.project === undefined || o.project === "istio" ? { project: i.project } : {}),
    ...(o.url === undefined || o.url === "https://istio.io" ? { url: i.url } : {}),
    ...(list(o, "contact").length === 0 ? { contact: i.contact } : {}),
    ...(set.run.mode === "certification" && str(o, "mode") === "default"
      ? { mode: "certification", "implementation-version": str(o, "implementation-version") ?? i.version }
      : {}),
    ...(set.run.strictFindings ? { "strict-findings": true } : {}),
  };
}

/** A rerun runs each cell where and as the report's ran it: the same provider and node image. */
function checkSameCells(set: RerunSet, cells: readonly PlannedCell[], provider: Provider): void {
  for (const { cell: was } of set.cells) {
    const now = cells.find((c) => c.id === was.id);
    if (was.provider && was.provider !== provider) {
      const how =
        was.provider === "existing" ? "--kubeconfig <file> --no-provision" : `--cluster ${was.provider}`;
      throw new UsageError(
        `--rerun-failed: ${was.id} ran on ${was.provider === "existing" ? "your own cluster" : was.provider}; rerun it there (${how})`,
      );
    }
    if (now && was.nodeImage && provider === "kind" && now.nodeImage !== was.nodeImage) {
      throw new UsageError(
        `--rerun-failed: ${was.id} ran on ${was.nodeImage}, this ssc pins ${now.nodeImage}; rerun it with the ssc version that wrote ${set.dir}`,
      );
    }
  }
}

/** On the user's own cluster, a dry run lists every object the cell would create, before anything
 * is: what a vendor reviews. All carry the run's owner labels, which is what ssc down deletes by. */
function byoObjectLines(cell: PlannedCell, runId: string): string[] {
  const { objects, remote } = toCreate(cell, runId, "existing");
  if (objects.length === 0 && remote.length === 0) return [];
  return [
    `# objects it would create (kind, namespace, name), each labelled ${ownerSelector(runId)}; ssc down --run-id ${runId} --kubeconfig <file> removes them:`,
    ...objects.map((x) => `#   ${x.kind} ${x.namespace ?? "(cluster)"} ${x.name}`),
    ...remote.map((u) => `#   and what ${u} holds`),
  ];
}

/** What `up` and `run` share: where cells run, how long to wait, the plan, the run's options; or,
 * with --dry-run, the printed sequence and nothing else. */
async function prepare(given: Options, mode: Mode, rerun?: RerunSet) {
  const reuse = str(given, "reuse");
  if (reuse !== undefined) checkRunId(reuse, "--reuse");
  const explicitId = str(given, "run-id");
  if (explicitId !== undefined) checkRunId(explicitId);
  const placement = { ...placementFromOptions(given), reuse: reuse !== undefined };
  if (reuse && placement.provider === "existing") {
    throw new UsageError("--reuse tests a cell ssc up made; for your own cluster use --kubeconfig alone");
  }
  const timeouts = timeoutsFrom(list(given, "timeout"));
  const consecutive = consecutiveFrom(str(given, "consecutive-successes"));
  const runId = reuse ?? explicitId ?? newRunId();
  const base = str(given, "work-dir") ?? ".ssc/runs";
  const workDir = `${base}/${runId}`;
  const dry = bool(given, "dry-run");
  if (!dry) {
    await checkWritableFolder(base, "--work-dir");
    const reportDir = str(given, "report-dir");
    if (mode === "run" && reportDir) await checkWritableFolder(reportDir, "--report-dir");
  }
  const o = reuse ? await withReusedCells(given, workDir, reuse) : given;
  const toolsDir = str(o, "tools-dir") ?? process.env.SSC_TOOLS_DIR;
  const registryMirrors = parseMirrors(list(o, "registry-mirror"));
  if (registryMirrors.length > 0 && (placement.provider ?? "kind") !== "kind") {
    throw new UsageError(
      "--registry-mirror configures the nodes of kind clusters ssc creates; drop it with --cluster k3s or --kubeconfig",
    );
  }
  const { cells, impossible } = planFromOptions(
    await withExistingIstio({ ...o, "run-id": runId }, placement),
    { ...placement, timeouts, toolsDir, registryMirrors, mirror: str(o, "mirror") ?? process.env.SSC_MIRROR },
    rerun
      ? new Map(
          rerun.cells.flatMap(({ cell, tests }) => (tests === "all" ? [] : [[cell.id, tests] as const])),
        )
      : undefined,
  );
  if (rerun) checkSameCells(rerun, cells, placement.provider ?? "kind");
  // ssc installs upstream Istio: a vendor build in a cluster it makes would be upstream under
  // another name. Vendor builds are tested where their vendor installed them.
  const vendor =
    placement.provider === "existing" ? undefined : cells.find((c) => isVendorBuild(c.istioVersion));
  if (vendor) {
    throw new UsageError(
      `--istio ${vendor.istioVersion} is a vendor build: ssc installs upstream Istio only, so a cluster it makes would run ${coreOf(vendor.istioVersion)} under that name; test the build on a cluster where it is installed (--kubeconfig <file> --no-provision), or pass --istio ${coreOf(vendor.istioVersion)}`,
    );
  }
  if (reuse) {
    for (const c of cells) {
      const kubeconfig = cellKubeconfig({ workDir }, c);
      if (!existsSync(kubeconfig)) {
        throw new UsageError(
          `--reuse ${reuse}: no cell ${c.id} from ssc up here (${kubeconfig} is missing); run ssc up --run-id ${reuse} with the same --istio/--profile first`,
        );
      }
    }
  } else if (existsSync(workDir) && !dry) {
    // Another run (an `ssc up` kept for --reuse, or one still running) owns this id: never touch it.
    throw new UsageError(
      `run id ${runId} is in use (${workDir} exists): test its cells with ssc run --reuse ${runId}, remove them with ssc down --run-id ${runId}, or pick another --run-id`,
    );
  }
  const dryRun = bool(o, "dry-run")
    ? {
        output: [
          ...cells.flatMap((c) => [
            ...dryRunLines(c, mode),
            ...(placement.provider === "existing" ? byoObjectLines(c, runId) : []),
            "",
          ]),
          // As ssc plan lists them: combinations of the selection that cannot exist.
          ...(impossible.length > 0
            ? ["# skipped cells:", ...impossible.map((i) => `#   ${i.id}: ${i.reason}`)]
            : []),
        ]
          .join("\n")
          .trimEnd(),
        exitCode: ExitCode.ok,
      }
    : undefined;
  const options = {
    runId,
    workDir,
    ...placement,
    toolsDir,
    mirror: str(o, "mirror") ?? process.env.SSC_MIRROR,
    useExistingIstio: bool(o, "use-existing-istio"),
    timeouts,
    consecutive,
    log,
  };
  return { runId, cells, impossible, dryRun, workDir, options, placement };
}

/** --parallel: the count given, or with auto what Docker's CPUs and memory and the host's free
 * memory hold of the largest cell; one without Docker (an existing cluster has one cell). */
function cellsAtOnce(
  requested: number | "auto",
  cells: readonly PlannedCell[],
  docker: RunOptions["docker"],
): number {
  if (requested !== "auto") return Math.min(requested, Math.max(1, cells.length));
  if (!docker) return 1;
  const MiB = 1024 ** 2;
  return parallelFor(cells, {
    cpus: Math.min(docker.cpus, availableParallelism()),
    memoryMiB: Math.min(docker.memoryBytes / MiB, freemem() / MiB),
  });
}

/** kind and k3s need Docker: asked once per run, before anything is downloaded. */
const needsDocker = (p: { provider?: Provider; reuse?: boolean }) => p.provider !== "existing" && !p.reuse;

export async function upCommand(o: Options) {
  const one = (flag: string): string[] | undefined => {
    const v = str(o, flag);
    if (v?.includes(",")) {
      throw new UsageError(
        `ssc up brings up one cell: --${flag} takes one value, not "${v}"; use ssc run for a matrix`,
      );
    }
    return v === undefined ? undefined : [v];
  };
  const { runId, cells, dryRun, workDir, options, placement } = await prepare(
    { ...o, istio: one("istio"), profile: one("profile") },
    "up",
  );
  if (cells.length !== 1) {
    throw new UsageError(
      `ssc up provisions one cell; --istio and --profile give ${cells.length}. Use ssc run for a matrix`,
    );
  }
  const cell = cells[0]!;
  if (dryRun) return dryRun;
  const progress = progressFor("table");
  const say = (line: string) => progress.line(line);
  const interrupt = new RunInterrupt(say);
  const t = new Teardown(say);
  interrupt.leftBehind = () => t.pending().join(", ");
  const run: RunOptions = { ...options, log: say, progress, signal: interrupt.signal };
  let failure: unknown;
  try {
    if (needsDocker(placement)) run.docker = await requireDocker(run.signal);
    const state = newCellState(cellKubeconfig(run, cell));
    t.add(`work folder ${workDir}`, () => rm(workDir, { recursive: true, force: true }));
    await executeCell(cell, run, t, state, "up");
  } catch (e) {
    failure = e;
  } finally {
    const ended = interrupt.interruptedBy ? "interrupted" : failure ? "failure" : "success";
    const policy = { keep: bool(o, "keep"), keepOnFailure: bool(o, "keep-on-failure"), keepOnSuccess: true };
    const report = await t.runOnce(
      !(failure instanceof UsageError) && keeps(policy, ended),
      Boolean(failure),
    );
    interrupt.dispose();
    progress.dispose();
    if (report.failed.length) {
      log(`left behind: ${report.failed.map((f) => f.error).join("; ")}`);
      if (!failure)
        failure = new InfrastructureError(`teardown could not remove ${report.failed.length} item(s)`);
    }
  }
  if (interrupt.exitCode) return { output: "", exitCode: interrupt.exitCode as ExitCode };
  if (failure) throw failure;
  return {
    output: [
      `cell ${cell.id} is up: export KUBECONFIG=${cellKubeconfig(options, cell)}`,
      `  test it:   ssc run --reuse ${runId} --istio ${cell.istioVersion} --profile ${cell.profile} [--test <id>]`,
      `  remove it: ssc down --run-id ${runId}`,
    ].join("\n"),
    exitCode: ExitCode.ok,
  };
}

/** `ssc run`: every cell provisioned, tested and torn down in turn, then the reports, always. */
export async function runCommand(given: Options) {
  const from = str(given, "rerun-failed");
  const rerun = from === undefined ? undefined : readRerunSource(from);
  if (rerun && rerun.cells.length === 0) {
    return {
      output: `nothing to rerun: every test in ${rerun.dir} (run ${rerun.run.runId}) passed or was skipped`,
      exitCode: ExitCode.ok,
    };
  }
  const o = rerun ? withRerun(given, rerun) : given;
  const mode = parseMode(str(o, "mode"));
  // Before anything starts: a certification run names the implementation it certifies, in full.
  requireCertifiable(mode, {
    organization: str(o, "organization"),
    project: str(o, "project"),
    url: str(o, "url"),
    version: str(o, "implementation-version"),
    contact: list(o, "contact"),
  });
  const { runId, cells, impossible, dryRun, workDir, options, placement } = await prepare(o, "run", rerun);
  const requestedParallel = parseParallel(str(o, "parallel"));
  if (dryRun) return dryRun;
  const reportDir = str(o, "report-dir") ?? join("reports", runId);
  const started = new Date().toISOString();
  const progress = progressFor(formatOf(o));
  const say = (line: string) => progress.line(line);
  const interrupt = new RunInterrupt(say);
  let runs: Awaited<ReturnType<typeof runCells>>;
  let cannotStart: string | undefined;
  try {
    const signal = interrupt.signal;
    let docker: RunOptions["docker"];
    if (needsDocker(placement)) {
      const d = await dockerInfo(signal);
      if ("problem" in d) {
        cannotStart = dockerUnreachable(d.problem);
        say(cannotStart);
      } else docker = d;
    }
    const parallel = cellsAtOnce(requestedParallel, cells, docker);
    if (parallel > 1) say(`running ${parallel} cells at once (--parallel ${str(o, "parallel") ?? "auto"})`);
    runs = await runCells(cells, {
      ...options,
      log: say,
      progress,
      parallel,
      signal,
      docker,
      cannotStart,
      interrupt,
      reportDir,
      failFast: bool(o, "fail-fast"),
      // On GitHub Actions each cell's log folds into a group; cells at once would interleave them.
      ...(process.env.GITHUB_ACTIONS === "true" && parallel === 1
        ? {
            group: {
              start: (id: string) => command(groupStart(`cell ${id}`)),
              end: () => command(GROUP_END),
            },
          }
        : {}),
      strictFindings: bool(o, "strict-findings"),
      policy: { keep: bool(o, "keep"), keepOnFailure: bool(o, "keep-on-failure") },
    });
  } finally {
    interrupt.dispose();
    progress.dispose();
  }
  const kept = runs.filter((r) => r.cell.kept?.length);
  // The run's folder is removed unless a cell kept its work folder (and kubeconfig) in it.
  if (!placement.reuse && kept.length === 0) {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
  const run: RunResult = {
    runId,
    started,
    finished: new Date().toISOString(),
    suiteVersion: SUITE_VERSION,
    command: shellJoin(["ssc", ...process.argv.slice(2)]),
    implementation: {
      ...(str(o, "organization") ? { organization: str(o, "organization") } : {}),
      project: str(o, "project") ?? "istio",
      url: str(o, "url") ?? "https://istio.io",
      version: str(o, "implementation-version") ?? [...new Set(cells.map((c) => c.istioVersion))].join(","),
      contact: list(o, "contact"),
    },
    cells: runs.map((r) => r.cell),
    ...(impossible.length > 0 ? { skippedCells: impossible } : {}),
    ...(mode === "certification" ? { mode } : {}),
    strictFindings: bool(o, "strict-findings"),
    ...(rerun ? { rerunOf: rerunRecord(rerun) } : {}),
  };
  const files = await writeReports(reportDir, run, mergeJunit(runs, run.strictFindings ?? false));
  const annotations = formatOf(o) === "json" ? [] : await onGithubActions(run, reportDir);
  const table = runTable(run);
  const contradicted = contradictedLine(run);
  // One line per distinct error: the Docker message was said once above, and a cause many cells
  // share is said once with every cell it stopped.
  const byError = Map.groupBy(
    run.cells.filter((c) => c.error),
    (c) => c.error!,
  );
  const problems = [
    ...[...byError].map(([error, cs]) =>
      error === cannotStart
        ? `${cs.length} cell(s) not started: Docker is not reachable (said above)`
        : `${cs.map((c) => c.id).join(", ")}: ${error}`,
    ),
    ...run.cells.flatMap((c) => (c.leaked ?? []).map((l) => `${c.id}: LEFT BEHIND: ${l.error}`)),
  ];
  const keptLines = kept.map(({ cell: c }) =>
    [
      `kept ${c.id}: export KUBECONFIG=${cellKubeconfig(options, c)}`,
      `  test it again: ssc run --reuse ${runId} --istio ${c.istioVersion} --profile ${c.profile} [--test <id>]`,
      `  remove it:     ssc down --run-id ${runId}`,
    ].join("\n"),
  );
  const exitCode = (interrupt.exitCode ?? exitCodeOf(run)) as ExitCode;
  if (formatOf(o) === "json") {
    // The stream's last event; stdout stays NDJSON (no table, no workflow commands).
    const end: RunEvent = { event: "run-ended", runId, exitCode, reports: files };
    return { output: JSON.stringify({ time: new Date().toISOString(), ...end }), exitCode };
  }
  return {
    output: [
      table,
      ...annotations,
      ...problems,
      ...(contradicted ? [contradicted] : []),
      ...keptLines,
      "",
      ...files.map((f) => `wrote ${f}`),
    ].join("\n"),
    exitCode,
  };
}

/** kind on PATH or in the cache (any version ssc downloaded), for `ssc down`. */
async function findKind(): Promise<string> {
  if ((await execa("kind", ["version"], { reject: false, timeout: 10_000 })).exitCode === 0) return "kind";
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
  if (runId !== undefined) checkRunId(runId);
  const all = bool(o, "all");
  if (!runId && !all)
    throw new UsageError("ssc down needs --run-id <id> (one run) or --all (every ssc-* kind cluster)");
  const removed: string[] = [];
  const failed: string[] = [];
  const kubeconfig = str(o, "kubeconfig");
  const workDir = str(o, "work-dir") ?? ".ssc/runs";
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
    const r = await execa(kind, ["get", "clusters"], {
      reject: false,
      all: true,
      timeout: DEFAULT_TIMEOUTS.teardown,
    });
    if (r.exitCode !== 0)
      throw new InfrastructureError(`kind get clusters failed: ${lastLines(String(r.all))}`);
    const names = String(r.stdout)
      .split("\n")
      .map((l) => l.trim())
      .filter((n) => n.startsWith("ssc-") && (all || n.endsWith(`-${runId}`)));
    // kind edits the kubeconfig it is given: the cell's own when its work folder is here, else a
    // throwaway one, never ~/.kube/config.
    const scratch = await mkdtemp(join(tmpdir(), "ssc-down-"));
    try {
      for (const name of names) {
        const own = runId ? await kubeconfigOfCluster(join(workDir, runId), name) : undefined;
        const kcFile = own ?? join(scratch, "kubeconfig");
        const d = await execa(kind, ["delete", "cluster", "--name", name, "--kubeconfig", kcFile], {
          reject: false,
          all: true,
          timeout: DEFAULT_TIMEOUTS.teardown,
          env: { KUBECONFIG: kcFile },
        });
        if (d.exitCode === 0) removed.push(`kind cluster ${name}`);
        else failed.push(`kind cluster ${name}: ${d.timedOut ? "timed out" : lastLines(String(d.all))}`);
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
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
      ? JSON.stringify({ removed, failed }, null, 2)
      : [
          ...removed.map((x) => `removed ${x}`),
          ...failed.map((x) => `FAILED to remove ${x}`),
          ...(removed.length + failed.length === 0 ? ["nothing to remove"] : []),
        ].join("\n");
  return { output, exitCode: failed.length ? ExitCode.infrastructure : ExitCode.ok };
}

/** The kubeconfig ssc wrote for this kind cluster (the one naming its context kind-<name>), if the
 * run's work folder is still here. */
async function kubeconfigOfCluster(runDir: string, cluster: string): Promise<string | undefined> {
  if (!existsSync(runDir)) return undefined;
  for (const cell of await readdir(runDir)) {
    const f = join(runDir, cell, "kubeconfig");
    if (existsSync(f) && (await readFile(f, "utf8")).includes(`kind-${cluster}`)) return f;
  }
  return undefined;
}

/** Whether the download host answers at all (any HTTP status counts), in a few seconds. */
async function reachable(url: string): Promise<string | undefined> {
  try {
    await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(3_000), redirect: "manual" });
    return undefined;
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return err.name === "TimeoutError"
      ? "no answer within 3s"
      : (err.cause?.code ?? err.cause?.message ?? err.message);
  }
}

export async function doctorChecks(o: { mirror?: string; toolsDir?: string } = {}): Promise<Check[]> {
  const cached = (name: string) => existsSync(join(cacheRoot(), "tools", name));
  const host = sourceUrl("https://github.com/", o.mirror);
  let unreachable: Promise<string | undefined> | undefined;
  const tool = async (name: string, args: string[]): Promise<Check> => {
    const c = await checkBinary(name, args, false, "");
    if (c.status === "ok") return { ...c, detail: `on PATH: ${c.detail}` };
    // Any version: a run looks for <name>-<version>, then <name> (toolsDirCandidates).
    if (
      o.toolsDir &&
      existsSync(o.toolsDir) &&
      readdirSync(o.toolsDir).some((f) => f === name || (f.startsWith(`${name}-`) && !f.endsWith(".sha256")))
    ) {
      return { id: name, status: "ok", detail: `from --tools-dir ${o.toolsDir}` };
    }
    if (cached(name)) {
      return {
        id: name,
        status: "ok",
        detail: `cached under ${join(cacheRoot(), "tools", name)} (re-verified on every use)`,
      };
    }
    unreachable ??= reachable(host);
    const why = await unreachable;
    return why
      ? {
          id: name,
          status: "warn",
          detail: `not installed, and its download host ${host} cannot be reached (${why})`,
          fix: "pre-fetch it into a folder and pass --tools-dir, or point --mirror at a reachable copy of the GitHub release paths",
        }
      : {
          id: name,
          status: "ok",
          detail: `not installed: downloaded on first use from ${host} into ${cacheRoot()}, SHA-256 verified`,
        };
  };
  return [
    await checkDocker(),
    await tool("kind", ["version"]),
    await tool("istioctl", ["version", "--remote=false"]),
    await checkBinary("curl", ["--version"], true, "install curl: ssc probe and the lab run it"),
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
    // Only IPv6 and dual-stack cells need it: a warning here, a failure in their preflight.
    await checkHostIpv6().then((c) =>
      c.status === "fail"
        ? { ...c, status: "warn" as const, fix: `for --ip-family ipv6 or dual: ${c.fix}` }
        : c,
    ),
  ];
}

export async function doctorCommand(o: Options) {
  const checks = await doctorChecks({
    mirror: str(o, "mirror") ?? process.env.SSC_MIRROR,
    toolsDir: str(o, "tools-dir") ?? process.env.SSC_TOOLS_DIR,
  });
  const exitCode = checks.some((c) => c.status === "fail") ? ExitCode.infrastructure : ExitCode.ok;
  if (formatOf(o) === "json") return { output: JSON.stringify({ checks }, null, 2), exitCode };
  const table = renderTable(
    ["CHECK", "STATUS", "DETAIL", "FIX"],
    checks.map((c) => [c.id, c.status.toUpperCase(), c.detail, c.fix ?? ""]),
  );
  return { output: table, exitCode };
}
