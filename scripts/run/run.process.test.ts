import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { readyWorkload, type ScriptedApiServer, startApiServer } from "../testing/apiserver.ts";
import { type StandInBehaviour, type StandIns, writeStandIns } from "../testing/stand-ins.ts";

// `ssc run` as a real process when its parts misbehave: docker, kind and istioctl are stand-in
// executables (scripts/testing/stand-ins.ts) scripted to hang or fail, and the "cluster" kind
// creates is a scripted HTTP server answering the few API calls provisioning makes. These tests
// prove signals, timeouts, teardown and report writing; they are not, and never stand for, a live
// run against Istio.
interface World {
  root: string;
  tools: StandIns;
  api: ScriptedApiServer;
}
let world: World | undefined;

afterEach(async () => {
  await world?.api.close();
  if (world) await rm(world.root, { recursive: true, force: true });
  world = undefined;
});

async function setUp(script: Parameters<typeof startApiServer>[0] = {}): Promise<World> {
  const root = await mkdtemp(join(tmpdir(), "ssc-process-"));
  const tools = await writeStandIns(join(root, "tools"));
  const api = await startApiServer(script);
  // What a healthy install leaves in istio-system: the executor only watches these.
  api.put(readyWorkload("Deployment", "istio-system", "istiod"));
  api.put(readyWorkload("Deployment", "istio-system", "istio-ingressgateway"));
  world = { root, tools, api };
  return world;
}

/** `ssc run` with the world's stand-in tools, work folder and report folder. */
const runArgv = (w: World) => [
  "scripts/cli.ts",
  "run",
  "--tools-dir",
  w.tools.dir,
  "--work-dir",
  join(w.root, "runs"),
  "--report-dir",
  join(w.root, "reports"),
];

function ssc(
  w: World,
  behaviour: StandInBehaviour,
  args: string[],
  /** Its own process group, so a test can signal the whole group as CI runners and `timeout` do. */
  group = false,
  env: Record<string, string> = {},
): ResultPromise<{ reject: false; buffer: true; detached: boolean }> {
  return execa(
    process.execPath,
    [
      ...runArgv(w),
      // These tests prove the serial order unless they ask for cells at once.
      ...(args.includes("--parallel") ? [] : ["--parallel", "1"]),
      ...args,
    ],
    {
      reject: false,
      buffer: true,
      detached: group,
      env: {
        ...w.tools.env({ apiserver: w.api.url, ...behaviour }),
        XDG_CACHE_HOME: join(w.root, "cache"),
        NO_COLOR: "1",
        ...env,
      },
    },
  );
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function report(w: World) {
  return parse(await readFile(join(w.root, "reports", "conformance-report.yaml"), "utf8")) as {
    cells: {
      name: string;
      result: string;
      error?: string;
      notRun?: string;
      leftBehind?: { error: string }[];
    }[];
  };
}

const ONE_TEST = ["--istio", "1.31", "--test", "SidecarSecureListeners"];
const CELL = "istio-1.31.1-default-k8s-1.36";

/** ssc run on a pseudo terminal (util-linux script(1)): what the terminal got, after `setup` ran
 * in it (e.g. stty giving it a size). CI is unset, as on a developer's machine. */
function onTerminal(w: World, runId: string, setup: string, env: Record<string, string>) {
  const { NO_COLOR: _n, CI: _c, ...base } = process.env;
  const argv = [process.execPath, ...runArgv(w), "--parallel", "1", ...ONE_TEST, "--run-id", runId];
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return execa("script", ["-qefc", `${setup}; ${quoted}`, "/dev/null"], {
    reject: false,
    extendEnv: false,
    env: {
      ...base,
      ...w.tools.env({ apiserver: w.api.url, istioctlInstall: "fail" }),
      XDG_CACHE_HOME: join(w.root, "cache"),
      TERM: "xterm-256color",
      ...env,
    },
  });
}

describe("cells at once: --parallel (stand-in tools, scripted API server: not a live run)", () => {
  it("runs two cells together, prefixes each line with its cell, a failed cell never stops the other, and SIGTERM tears both down", async () => {
    const w = await setUp();
    const child = ssc(w, { kindCreateFailFor: "ambient", istioctlInstall: "hang" }, [
      ...ONE_TEST,
      "--profile",
      "default,ambient",
      "--parallel",
      "2",
      "--run-id",
      "par",
    ]);
    const AMBIENT = "istio-1.31.1-ambient-k8s-1.36";
    // Both creates start before either cell ends: the cells run at once.
    await vi.waitFor(
      async () => {
        const calls = await w.tools.calls();
        expect(calls.filter((c) => c.args[0] === "create")).toHaveLength(2);
        // The ambient cell failed and was torn down while the default cell went on to install Istio.
        expect(
          calls.some((c) => c.args[0] === "delete" && c.args.includes("ssc-1.31.1-ambient-k1.36-par")),
        ).toBe(true);
        expect(calls.some((c) => c.tool === "istioctl" && c.args[0] === "install")).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    child.kill("SIGTERM");
    const r = await child;
    expect(r.exitCode).toBe(143);
    const deleted = (await w.tools.calls())
      .filter((c) => c.tool === "kind" && c.args[0] === "delete")
      .map((c) => c.args[3]);
    expect(deleted.sort()).toEqual(["ssc-1.31.1-ambient-k1.36-par", "ssc-1.31.1-default-k1.36-par"]);
    const err = String(r.stderr);
    expect(err).toMatch(/running 2 cells at once \(--parallel 2\)/);
    for (const id of [CELL, AMBIENT]) {
      // Step lines carry their time and the cell; other lines are prefixed with the cell.
      expect(err).toMatch(new RegExp(`^ssc: \\d\\d:\\d\\d:\\d\\dZ \\[${id} 4/11\\] create-cluster`, "m"));
      expect(err).toMatch(new RegExp(`^ssc: \\[${id}\\] cleanup: removed kind cluster`, "m"));
    }
    const rep = await report(w);
    expect(rep.cells.map((c) => [c.name, c.result])).toEqual([
      [CELL, "error"],
      [AMBIENT, "error"],
    ]);
    expect(rep.cells[0]!.error).toBe("interrupted by SIGTERM");
    expect(rep.cells[1]!.error).toMatch(
      /kind create cluster --name ssc-1\.31\.1-ambient-k1\.36-par .*failed \(exit 1\)/,
    );
  }, 60_000);
});

describe("--fail-fast with cells at once (stand-in tools, scripted API server: not a live run)", () => {
  it("starts no further cell once one failed, while the other running cell goes on", async () => {
    const w = await setUp();
    const child = ssc(w, { kindCreateFailFor: "ambient", istioctlInstall: "hang" }, [
      "--istio",
      "1.30,1.31",
      "--test",
      "SidecarSecureScrapeMtls,AmbientScrapeIsMutualTls",
      "--profile",
      "default,ambient",
      "--parallel",
      "2",
      "--fail-fast",
      "--run-id",
      "ff",
    ]);
    await vi.waitFor(
      async () => {
        const calls = await w.tools.calls();
        expect(
          calls.some((c) => c.args[0] === "delete" && c.args.includes("ssc-1.30.5-ambient-k1.36-ff")),
        ).toBe(true);
        expect(calls.some((c) => c.tool === "istioctl" && c.args[0] === "install")).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    child.kill("SIGTERM");
    const r = await child;
    expect(r.exitCode).toBe(143);
    const creates = (await w.tools.calls()).filter((c) => c.args[0] === "create").map((c) => c.args[3]);
    // 1.30 default has nothing to run (both tests are native or ambient only), so the two workers
    // took 1.30 ambient (fails at create) and 1.31 default (hangs in istioctl install).
    expect(creates.sort()).toEqual(["ssc-1.30.5-ambient-k1.36-ff", "ssc-1.31.1-default-k1.36-ff"]);
    const rep = await report(w);
    expect(rep.cells.map((c) => [c.name, c.result])).toEqual([
      ["istio-1.30.5-default-k8s-1.36", "partial"],
      ["istio-1.30.5-ambient-k8s-1.36", "error"],
      ["istio-1.31.1-default-k8s-1.36", "error"],
      ["istio-1.31.1-ambient-k8s-1.36", "not-run"],
    ]);
    expect(rep.cells[3]!.notRun).toBe(
      "not run: --fail-fast stopped the run after istio-1.30.5-ambient-k8s-1.36 (error)",
    );
  }, 60_000);
});

describe("signals during a run (stand-in tools, scripted API server: not a live run)", () => {
  // Every signal in every phase: the cluster is deleted with the run's own kubeconfig, the reports
  // are on disk with the cell interrupted, and the exit code is the signal's.
  const phases = {
    "kind create": {
      api: {},
      behaviour: { kindCreate: "hang" },
      started: (w: World) => w.tools.calls().then((c) => c.some((x) => x.args[0] === "create")),
    },
    "istioctl install": {
      api: {},
      behaviour: { istioctlInstall: "hang" },
      started: (w: World) =>
        w.tools.calls().then((c) => c.some((x) => x.tool === "istioctl" && x.args[0] === "install")),
    },
    "the tests": {
      api: { hangPods: true },
      behaviour: {},
      started: async (w: World) => w.api.seen.some((x) => x.url.includes("/pods")),
    },
  } as const;
  it.each(
    (["SIGINT", "SIGTERM"] as const).flatMap((sig) =>
      (Object.keys(phases) as (keyof typeof phases)[]).map((phase) => [sig, phase] as const),
    ),
  )(
    "%s during %s: cluster deleted with the run's kubeconfig, reports on disk, exit 130/143",
    async (sig, phase) => {
      const p = phases[phase];
      const w = await setUp(p.api);
      const id = `m${sig === "SIGINT" ? "i" : "t"}${Object.keys(phases).indexOf(phase)}`;
      const child = ssc(w, p.behaviour, [...ONE_TEST, "--run-id", id]);
      await vi.waitFor(async () => expect(await p.started(w)).toBe(true), { timeout: 45_000, interval: 100 });
      child.kill(sig);
      const r = await child;
      expect(r.exitCode).toBe(sig === "SIGINT" ? 130 : 143);
      const del = (await w.tools.calls()).filter((c) => c.tool === "kind" && c.args[0] === "delete");
      expect(del.map((c) => c.args)).toEqual([
        [
          "delete",
          "cluster",
          "--name",
          `ssc-1.31.1-default-k1.36-${id}`,
          "--kubeconfig",
          join(w.root, "runs", id, CELL, "kubeconfig"),
        ],
      ]);
      expect((await report(w)).cells).toEqual([
        expect.objectContaining({ name: CELL, result: "error", error: `interrupted by ${sig}` }),
      ]);
      expect(existsSync(join(w.root, "reports", "junit.xml"))).toBe(true);
      expect(existsSync(join(w.root, "reports", "report.html"))).toBe(true);
    },
    60_000,
  );

  it("SIGINT during kind create: the create is killed, the cluster deleted with the run's kubeconfig, reports written, exit 130", async () => {
    const w = await setUp();
    const child = ssc(w, { kindCreate: "hang" }, [
      ...ONE_TEST,
      "--profile",
      "default,ambient",
      "--run-id",
      "sigc",
    ]);
    await vi.waitFor(
      async () => expect((await w.tools.calls()).some((c) => c.args[0] === "create")).toBe(true),
      {
        timeout: 20_000,
        interval: 100,
      },
    );
    const create = (await w.tools.calls()).find((c) => c.args[0] === "create")!;
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr).match(/interrupted by SIGINT/g)).toHaveLength(1);
    expect(isAlive(create.pid)).toBe(false);
    const calls = await w.tools.calls();
    const del = calls.find((c) => c.tool === "kind" && c.args[0] === "delete");
    expect(del?.args).toEqual([
      "delete",
      "cluster",
      "--name",
      "ssc-1.31.1-default-k1.36-sigc",
      "--kubeconfig",
      join(w.root, "runs", "sigc", CELL, "kubeconfig"),
    ]);
    // Nothing was created, so there are no logs to export.
    expect(calls.some((c) => c.args[0] === "export")).toBe(false);
    const rep = await report(w);
    expect(rep.cells.map((c) => [c.name, c.result])).toEqual([
      [CELL, "error"],
      ["istio-1.31.1-ambient-k8s-1.36", "not-run"],
    ]);
    expect(rep.cells[0]!.error).toBe("interrupted by SIGINT");
    expect(rep.cells[1]!.notRun).toBe("not run: the run was interrupted by SIGINT");
    expect(await readFile(join(w.root, "reports", "junit.xml"), "utf8")).toContain('type="Interrupted"');
    expect(existsSync(join(w.root, "runs", "sigc"))).toBe(false);
  });

  it("SIGTERM during istioctl install: install killed, kind logs exported (failure), cluster deleted, exit 143", async () => {
    const w = await setUp();
    const child = ssc(w, { istioctlInstall: "hang" }, [...ONE_TEST, "--run-id", "sigi"]);
    await vi.waitFor(
      async () =>
        expect((await w.tools.calls()).some((c) => c.tool === "istioctl" && c.args[0] === "install")).toBe(
          true,
        ),
      { timeout: 20_000, interval: 100 },
    );
    const install = (await w.tools.calls()).find((c) => c.tool === "istioctl")!;
    expect(install.args).toContain("--readiness-timeout");
    child.kill("SIGTERM");
    const r = await child;
    expect(r.exitCode).toBe(143);
    expect(isAlive(install.pid)).toBe(false);
    const kinds = (await w.tools.calls())
      .filter((c) => c.tool === "kind")
      .map((c) => c.args.slice(0, 2).join(" "));
    expect(kinds).toEqual(["get clusters", "create cluster", "export logs", "delete cluster"]);
    expect(existsSync(join(w.root, "reports", "diagnostics", CELL, "kind-logs", "kind-version.txt"))).toBe(
      true,
    );
    expect((await report(w)).cells[0]).toMatchObject({ result: "error", error: "interrupted by SIGTERM" });
  });

  it("SIGINT while the tests run: the vitest child is stopped, the cluster deleted, reports written, exit 130", async () => {
    const w = await setUp({ hangPods: true });
    const child = ssc(w, {}, [...ONE_TEST, "--run-id", "sigt"]);
    // The test body (or the probe-client hook) is waiting on a pod list the server never answers.
    await vi.waitFor(() => expect(w.api.seen.some((s) => s.url.includes("/pods"))).toBe(true), {
      timeout: 45_000,
      interval: 100,
    });
    child.kill("SIGINT");
    const start = Date.now();
    const r = await child;
    expect(Date.now() - start).toBeLessThan(15_000);
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toMatch(/run-tests: run 1 test\(s\): SidecarSecureListeners/);
    expect((await w.tools.calls()).some((c) => c.tool === "kind" && c.args[0] === "delete")).toBe(true);
    expect((await report(w)).cells[0]).toMatchObject({ result: "error", error: "interrupted by SIGINT" });
  }, 60_000);

  it("a signal to the whole process group during teardown never cuts it short: it says how to force an exit, and the delete finishes", async () => {
    const w = await setUp();
    const child = ssc(w, { kindCreate: "hang", kindDelete: "slow" }, [...ONE_TEST, "--run-id", "sig2"], true);
    const group = () => process.kill(-child.pid!, "SIGTERM");
    await vi.waitFor(
      async () => expect((await w.tools.calls()).some((c) => c.args[0] === "create")).toBe(true),
      {
        timeout: 20_000,
        interval: 100,
      },
    );
    group();
    // The second signal arrives while kind delete (slow) is running, as a process group's would.
    await vi.waitFor(
      async () => expect((await w.tools.calls()).some((c) => c.args[0] === "delete")).toBe(true),
      {
        timeout: 10_000,
        interval: 50,
      },
    );
    group();
    const r = await child;
    expect(r.exitCode).toBe(143);
    expect(String(r.stderr)).toMatch(
      /SIGTERM again: cleanup is still running and will finish; to force an exit now, kill -9 \d+ \(that may leave kind cluster ssc-1\.31\.1-default-k1\.36-sig2, work folder .* behind\)/,
    );
    // The delete, in its own group, outlived the second signal and finished.
    expect(String(r.stderr)).toMatch(/cleanup: removed kind cluster ssc-1\.31\.1-default-k1\.36-sig2/);
    expect(String(r.stderr)).not.toMatch(/LEFT BEHIND|could not remove/);
  });
});

describe("teardown and input safety (stand-in tools, scripted API server: not a live run)", () => {
  it("a failing kind delete is exit 3 and names the cluster left behind and how to remove it", async () => {
    const w = await setUp();
    const r = await ssc(w, { istioctlInstall: "fail", kindDelete: "fail" }, [
      ...ONE_TEST,
      "--run-id",
      "leak",
    ]);
    expect(r.exitCode).toBe(3);
    expect(String(r.stdout)).toMatch(
      /LEFT BEHIND: kind delete cluster --name ssc-1\.31\.1-default-k1\.36-leak failed \(exit 1\): .*stand-in told to fail.*remove it with `kind delete cluster --name ssc-1\.31\.1-default-k1\.36-leak`/,
    );
    const cell = (await report(w)).cells[0]!;
    expect(cell.leftBehind?.[0]?.error).toMatch(/ssc-1\.31\.1-default-k1\.36-leak/);
    expect(await readFile(join(w.root, "reports", "summary.md"), "utf8")).toMatch(
      /LEFT BEHIND kind cluster ssc-1\.31\.1-default-k1\.36-leak/,
    );
  });

  it("an explicit run id whose kind cluster exists is exit 2, and nothing is created or deleted", async () => {
    const w = await setUp();
    const r = await ssc(w, { kindClusters: ["kind", "ssc-1.31.1-default-k1.36-taken"] }, [
      ...ONE_TEST,
      "--run-id",
      "taken",
    ]);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr).trim().split("\n").at(-1)).toMatch(
      /^ssc: kind cluster ssc-1\.31\.1-default-k1\.36-taken already exists, so run id taken is taken: test it with ssc run --reuse taken/,
    );
    const kinds = (await w.tools.calls())
      .filter((c) => c.tool === "kind")
      .map((c) => c.args.slice(0, 2).join(" "));
    expect(kinds).toEqual(["get clusters"]);
  });

  it("kind create that outlives clusterCreate is killed at its budget, and the half-made cluster deleted", async () => {
    const w = await setUp();
    const r = await ssc(w, { kindCreate: "hang" }, [
      ...ONE_TEST,
      "--run-id",
      "slow",
      "--timeout",
      "clusterCreate=2s",
    ]);
    expect(r.exitCode).toBe(3);
    expect((await report(w)).cells[0]!.error).toMatch(
      /^kind create cluster --name ssc-1\.31\.1-default-k1\.36-slow .* did not finish within timeout clusterCreate \(2s\): killed; raise it with --timeout clusterCreate=<duration>$/,
    );
    const create = (await w.tools.calls()).find((c) => c.args[0] === "create")!;
    expect(create.args).toContain("--wait");
    expect(isAlive(create.pid)).toBe(false);
    expect((await w.tools.calls()).some((c) => c.tool === "kind" && c.args[0] === "delete")).toBe(true);
  });

  it("istioctl outliving its own --readiness-timeout is killed after it, and says so", async () => {
    const w = await setUp();
    const r = await ssc(w, { istioctlInstall: "hang" }, [
      ...ONE_TEST,
      "--run-id",
      "slowi",
      "--timeout",
      "istioReady=1s",
    ]);
    expect(r.exitCode).toBe(3);
    expect((await report(w)).cells[0]!.error).toMatch(
      /istioctl install .*--readiness-timeout 1s did not finish within timeout istioReady x2 \+ margin \(3s\): killed; raise it with --timeout istioReady=<duration>/,
    );
  });

  it("a Docker too small for the cell is exit 3 with one line saying what it needs, before any cluster", async () => {
    const w = await setUp();
    const r = await ssc(w, { dockerCpus: 1, dockerMemoryBytes: 256 * 1024 ** 2 }, [
      ...ONE_TEST,
      "--run-id",
      "small",
    ]);
    expect(r.exitCode).toBe(3);
    expect(String(r.stdout)).toMatch(
      /cell istio-1\.31\.1-default-k8s-1\.36 requests [\d.]+ CPUs and [\d.]+ GiB of memory, but Docker has 1 CPUs and 0\.3 GiB: give Docker at least 1 CPUs and 1 GiB, or run fewer tests \(--test\)/,
    );
    const kinds = (await w.tools.calls()).filter((c) => c.tool === "kind").map((c) => c.args[0]);
    expect(kinds).not.toContain("create");
    expect((await report(w)).cells[0]).toMatchObject({ result: "error" });
  });

  it("without Docker: one clear message, before any download, every cell an error, reports written, exit 3", async () => {
    const w = await setUp();
    const r = await ssc(w, { docker: "down" }, [
      ...ONE_TEST,
      "--profile",
      "default,ambient",
      "--run-id",
      "nodocker",
    ]);
    expect(r.exitCode).toBe(3);
    expect(String(r.stderr).match(/Docker is not reachable/g)).toHaveLength(1);
    expect(String(r.stderr)).toMatch(/ssc selftest/);
    // Said once for the run, not once per cell: stdout only counts the cells it stopped.
    expect(`${r.stdout}\n${r.stderr}`.match(/start Docker \(kind and k3s need it\)/g)).toHaveLength(1);
    expect(String(r.stdout)).toContain("2 cell(s) not started: Docker is not reachable (said above)");
    expect((await w.tools.calls()).filter((c) => c.tool !== "docker")).toEqual([]);
    const rep = await report(w);
    expect(rep.cells.map((c) => c.result)).toEqual(["error", "error"]);
  });

  it("a real run numbers its steps as the dry run does, to the last (collect and teardown included)", async () => {
    const w = await setUp();
    const args = [...ONE_TEST, "--run-id", "num"];
    const dry = await ssc(w, {}, [...args, "--dry-run"]);
    const r = await ssc(w, { istioctlInstall: "fail" }, args);
    expect(r.exitCode).toBe(3);
    const labels = (text: string) =>
      [...text.matchAll(/\[(?:istio-\S+ )?(\d+\/\d+)\] ([\w-]+):/g)].map((m) => `${m[1]} ${m[2]}`);
    const planned = labels(String(dry.stdout));
    const ran = labels(String(r.stderr));
    expect(planned.length).toBeGreaterThan(8);
    // Provisioning up to the failed install, then the loop's own steps, each as the dry run numbers it.
    expect(ran.map((l) => l.split(" ")[1])).toEqual([
      ...planned
        .slice(0, planned.findIndex((l) => l.endsWith(" install-istio")) + 1)
        .map((l) => l.split(" ")[1]),
      "collect",
      "export-logs",
      "delete-cluster",
    ]);
    for (const l of ran) expect(planned).toContain(l);
    expect(ran.at(-1)).toBe(planned.at(-1));
  });

  it("on GitHub Actions: each cell's log in a group, every failure annotated, summary.md on the job summary", async () => {
    const w = await setUp();
    const summary = join(w.root, "step-summary.md");
    const r = await ssc(
      w,
      { kindCreateFailFor: "ambient", istioctlInstall: "fail" },
      [...ONE_TEST, "--profile", "default,ambient", "--run-id", "gh"],
      false,
      { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary },
    );
    expect(r.exitCode).toBe(3);
    const out = String(r.stdout).split("\n");
    expect(out.filter((l) => l.startsWith("::group::") || l === "::endgroup::")).toEqual([
      `::group::cell ${CELL}`,
      "::endgroup::",
      "::group::cell istio-1.31.1-ambient-k8s-1.36",
      "::endgroup::",
    ]);
    const errors = out.filter((l) => l.startsWith("::error "));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      new RegExp(
        `^::error title=${CELL.replaceAll(".", "\\.")}%3A could not be tested::istioctl install .*failed`,
      ),
    );
    expect(errors[1]).toMatch(
      /^::error title=istio-1\.31\.1-ambient-k8s-1\.36%3A could not be tested::kind create cluster .*failed/,
    );
    expect(await readFile(summary, "utf8")).toBe(
      `${await readFile(join(w.root, "reports", "summary.md"), "utf8")}\n`,
    );
    // Off GitHub, none of it.
    const plain = await ssc(w, { istioctlInstall: "fail" }, [...ONE_TEST, "--run-id", "nogh"]);
    expect(String(plain.stdout)).not.toMatch(/^::/m);
  });

  it("progress on a pipe: a timestamped line per step start and end and per cell end, no control codes", async () => {
    const w = await setUp();
    const r = await ssc(w, { istioctlInstall: "fail" }, [...ONE_TEST, "--run-id", "pipe"]);
    expect(r.exitCode).toBe(3);
    const err = String(r.stderr);
    expect(err).not.toContain("\u001b");
    const ts = "ssc: \\d\\d:\\d\\d:\\d\\dZ ";
    expect(err).toMatch(new RegExp(`^${ts}\\[${CELL} 4/11\\] create-cluster: create kind cluster`, "m"));
    expect(err).toMatch(new RegExp(`^${ts}\\[${CELL} 4/11\\] create-cluster done after \\d+\\.\\d s$`, "m"));
    expect(err).toMatch(new RegExp(`^${ts}\\[${CELL} 5/11\\] install-istio FAILED after \\d+\\.\\d s$`, "m"));
    expect(err).toMatch(new RegExp(`^${ts}cell ${CELL}: error after \\d+\\.\\d s$`, "m"));
  });

  it("--format json: NDJSON events on stdout, each valid against schema/run-events.schema.json, run-ended last", async () => {
    const w = await setUp();
    const r = await ssc(
      w,
      { istioctlInstall: "fail" },
      [...ONE_TEST, "--profile", "default,ambient", "--run-id", "nd", "--format", "json"],
      false,
      {},
    );
    expect(r.exitCode).toBe(3);
    const { Ajv2020 } = await import("ajv/dist/2020.js");
    const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
    const schema = JSON.parse(await readFile("schema/run-events.schema.json", "utf8"));
    const valid = new AjvClass({ strict: false }).compile(schema);
    const events = String(r.stdout)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of events) expect(valid(e), JSON.stringify([e, valid.errors])).toBe(true);
    const of = (cell: string) =>
      events.filter((e) => e.cell === cell).map((e) => `${e.event}${e.step ? ` ${e.step}` : ""}`);
    expect(of(CELL).slice(0, 2)).toEqual(["cell-started", "step-started preflight"]);
    expect(of(CELL)).toContain("step-ended install-istio");
    expect(of(CELL).at(-1)).toBe("cell-ended");
    expect(events.filter((e) => e.event === "cell-ended").map((e) => [e.cell, e.result])).toEqual([
      [CELL, "error"],
      ["istio-1.31.1-ambient-k8s-1.36", "error"],
    ]);
    expect(events.at(-1)).toMatchObject({ event: "run-ended", runId: "nd", exitCode: 3 });
    expect((events.at(-1)!.reports as string[]).some((f) => f.endsWith("report.html"))).toBe(true);
    // The log stays on stderr, so stdout is NDJSON alone.
    expect(String(r.stderr)).toMatch(/ssc: cleanup: removed kind cluster/);
  });

  it.each([
    ["with colour", {}, true],
    ["with NO_COLOR", { NO_COLOR: "1" }, false],
  ])(
    "progress on a pseudo terminal (%s): a live line per running cell, each cell's result line kept",
    async (_what, extra, colour) => {
      const w = await setUp();
      // A terminal of 120 x 40, as a user's would be.
      const r = await onTerminal(w, "tty", "stty cols 120 rows 40", extra);
      expect(r.exitCode).toBe(3);
      const screen = String(r.stdout);
      // log-update redraws in place: it erases lines; the pipe rendering never does.
      expect(screen).toContain("\u001b[2K");
      expect(screen).toMatch(new RegExp(`  ${CELL}  \\[\\d+/11\\] [\\w-]+  \\(`));
      const result = colour ? "\u001b[33merror\u001b[39m" : "error";
      expect(screen).toContain(`ssc: cell ${CELL}: ${result} after `);
      if (!colour) expect(screen).not.toMatch(new RegExp(`${"\u001b"}\\[3\\dm`));
      // No timestamped step lines: the live line says the step.
      expect(screen).not.toMatch(/ssc: \d\d:\d\d:\d\dZ \[/);
    },
  );

  it("a pseudo terminal that reports no size gets the timestamped lines, never a garbled live line", async () => {
    const w = await setUp();
    const r = await onTerminal(w, "nosize", "true", {});
    expect(r.exitCode).toBe(3);
    expect(String(r.stdout)).toMatch(
      new RegExp(`ssc: \\d\\d:\\d\\d:\\d\\dZ \\[${CELL} 4/11\\] create-cluster: `),
    );
    expect(String(r.stdout)).not.toContain("\u001b[2K");
  });

  it("--keep-on-failure keeps the cluster, its work folder and kubeconfig, and says how to get in and remove it", async () => {
    const w = await setUp();
    const r = await ssc(w, { istioctlInstall: "fail" }, [
      ...ONE_TEST,
      "--run-id",
      "kept",
      "--keep-on-failure",
    ]);
    expect(r.exitCode).toBe(3);
    const kubeconfig = join(w.root, "runs", "kept", CELL, "kubeconfig");
    expect(existsSync(kubeconfig)).toBe(true);
    expect((await w.tools.calls()).some((c) => c.tool === "kind" && c.args[0] === "delete")).toBe(false);
    expect(String(r.stdout)).toContain(`kept ${CELL}: export KUBECONFIG=${kubeconfig}`);
    expect(String(r.stdout)).toContain("remove it:     ssc down --run-id kept");
    expect(await readFile(join(w.root, "reports", "summary.md"), "utf8")).toMatch(
      /## Kept \(remove with `ssc down --run-id kept`\)/,
    );
  });

  it("--fail-fast stops after the first cell in error; the rest are reported not run", async () => {
    const w = await setUp();
    const r = await ssc(w, { istioctlInstall: "fail" }, [
      ...ONE_TEST,
      "--profile",
      "default,ambient",
      "--run-id",
      "ff",
      "--fail-fast",
    ]);
    expect(r.exitCode).toBe(3);
    const rep = await report(w);
    expect(rep.cells.map((c) => c.result)).toEqual(["error", "not-run"]);
    expect(rep.cells[1]!.notRun).toBe(`not run: --fail-fast stopped the run after ${CELL} (error)`);
    // Without it, the second cell runs (and errors the same way).
    const again = await ssc(w, { istioctlInstall: "fail" }, [
      ...ONE_TEST,
      "--profile",
      "default,ambient",
      "--run-id",
      "nf",
    ]);
    expect(again.exitCode).toBe(3);
    expect((await report(w)).cells.map((c) => c.result)).toEqual(["error", "error"]);
  });
});

describe("the developer loop: up, run --reuse, down (stand-in tools, scripted API server: not a live run)", () => {
  const sscIn = (w: World, behaviour: StandInBehaviour, command: string, args: string[]) =>
    execa(process.execPath, ["scripts/cli.ts", command, "--work-dir", join(w.root, "runs"), ...args], {
      reject: false,
      env: { ...w.tools.env({ apiserver: w.api.url, ...behaviour }), XDG_CACHE_HOME: join(w.root, "cache") },
    });

  it("up leaves the cell running and says how to use it; run --reuse tests it without creating or deleting; down removes it", async () => {
    const w = await setUp();
    const up = await sscIn(w, {}, "up", [
      "--istio",
      "1.31",
      "--test",
      "SidecarSecureListeners",
      "--tools-dir",
      w.tools.dir,
      "--run-id",
      "dev",
    ]);
    expect(up.exitCode).toBe(0);
    // The real run numbers its steps as the dry run does.
    const dry = await sscIn(w, {}, "up", [
      "--istio",
      "1.31",
      "--test",
      "SidecarSecureListeners",
      "--tools-dir",
      w.tools.dir,
      "--run-id",
      "dev",
      "--dry-run",
    ]);
    const total = /^\[1\/(\d+)\] preflight/m.exec(dry.stdout)![1];
    expect(up.stderr).toContain(`[${CELL} 1/${total}] preflight`);
    expect(up.stderr).toContain(`[${CELL} ${total}/${total}]`);
    const kubeconfig = join(w.root, "runs", "dev", CELL, "kubeconfig");
    expect(up.stdout).toContain(`cell ${CELL} is up: export KUBECONFIG=${kubeconfig}`);
    expect(up.stdout).toContain("ssc run --reuse dev --istio 1.31.1 --profile default");
    expect(existsSync(kubeconfig)).toBe(true);
    expect((await w.tools.calls()).some((c) => c.args[0] === "delete")).toBe(false);

    // The scripted server runs no pods: the test honestly errors, and nothing is torn down.
    // No --istio: the cells are the ones up left under that id.
    const reuse = await sscIn(w, {}, "run", [
      "--reuse",
      "dev",
      "--test",
      "SidecarSecureListeners",
      "--tools-dir",
      w.tools.dir,
      "--report-dir",
      join(w.root, "reports"),
      "--timeout",
      "consistency=1s",
    ]);
    expect(reuse.exitCode).toBe(3);
    expect(reuse.stderr).toMatch(/connect: reuse the cluster ssc up made/);
    const kinds = (await w.tools.calls()).filter((c) => c.tool === "kind").map((c) => c.args[0]);
    expect(kinds).toEqual(["get", "create"]);
    expect(existsSync(kubeconfig)).toBe(true);

    const down = await sscIn(
      w,
      { kindClusters: ["ssc-1.31.1-default-k1.36-dev", "ssc-1.31.1-default-k1.36-other"] },
      "down",
      ["--run-id", "dev"],
    );
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toContain("removed kind cluster ssc-1.31.1-default-k1.36-dev");
    const del = (await w.tools.calls()).filter((c) => c.args[0] === "delete");
    expect(del.map((c) => c.args)).toEqual([
      ["delete", "cluster", "--name", "ssc-1.31.1-default-k1.36-dev", "--kubeconfig", kubeconfig],
    ]);
    expect(existsSync(join(w.root, "runs", "dev"))).toBe(false);
  }, 60_000);

  it("up that fails removes what it made, and down of a cluster kind cannot delete exits 3", async () => {
    const w = await setUp();
    const up = await sscIn(w, { istioctlInstall: "fail" }, "up", [
      "--istio",
      "1.31",
      "--test",
      "SidecarSecureListeners",
      "--tools-dir",
      w.tools.dir,
      "--run-id",
      "bad",
    ]);
    expect(up.exitCode).toBe(3);
    expect((await w.tools.calls()).some((c) => c.args[0] === "delete")).toBe(true);
    expect(existsSync(join(w.root, "runs", "bad"))).toBe(false);
    const down = await sscIn(
      w,
      { kindClusters: ["ssc-1.31.1-default-k1.36-bad"], kindDelete: "fail" },
      "down",
      ["--run-id", "bad"],
    );
    expect(down.exitCode).toBe(3);
    expect(down.stdout).toMatch(
      /FAILED to remove kind cluster ssc-1\.31\.1-default-k1\.36-bad: .*stand-in told to fail/,
    );
  });
});
