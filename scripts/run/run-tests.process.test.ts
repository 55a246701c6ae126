import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { InfrastructureError } from "../errors.ts";
import { buildPlan } from "../plan/plan.ts";
import { mergeJunit } from "../report/junit.ts";
import type { CellResult } from "../report/model.ts";
import { startApiServer } from "../testing/apiserver.ts";
import { DEFAULT_TIMEOUTS } from "../timeouts.ts";
import { newCellState } from "./context.ts";
import { runTests } from "./run-tests.ts";

// The test-running half of `ssc run` as a real process chain: cell context -> vitest (conformance
// project, JUnit reporter) -> the suite entry -> results.json. The cluster is unreachable
// (127.0.0.1:1), so the honest outcome of every test is an error, never a pass or a failure.
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ssc-runtests-"));
  await writeFile(
    join(root, "kubeconfig"),
    "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
  );
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe("runTests through vitest", () => {
  it("runs the planned tests, records errors as errors, skips with reasons, and writes JUnit", async () => {
    const [cell] = buildPlan(
      {
        istio: ["1.31"],
        profiles: ["default"],
        only: ["SidecarSecureListeners", "SecurePortAutoAnnotation", "GatewayApiDocsPath"],
        runId: "rt",
        workDir: root,
        provider: "existing",
        kubeconfig: join(root, "kubeconfig"),
      },
      CONFORMANCE_TESTS,
    );
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(root, cell!.id), { recursive: true });
    const log: string[] = [];
    const { tests, junitXml, probeClient } = await runTests(
      cell!,
      { ...newCellState(join(root, "kubeconfig")), istioctl: "/bin/false", clusterReady: true },
      {
        runId: "rt",
        workDir: root,
        provider: "existing",
        kubeconfig: join(root, "kubeconfig"),
        timeouts: {
          ...DEFAULT_TIMEOUTS,
          request: 1_000,
          consistency: 1_000,
          targetsUp: 1_000,
          promql: 1_000,
        },
        consecutive: 3,
        signal: new AbortController().signal,
        log: (l) => log.push(l),
      },
    );
    const byId = Object.fromEntries(tests.map((t) => [t.id, t]));
    for (const id of ["SidecarSecureListeners", "SecurePortAutoAnnotation", "GatewayApiDocsPath"]) {
      expect(byId[id]!.status, id).toBe("errored");
      expect(byId[id]!.reason).toMatch(/threw: fetch failed \((bad port|ECONNREFUSED)\)/);
    }
    expect(byId.GatewayApiDocsPath!.provisional).toBe(true);
    expect(byId.SidecarSecureScrapeMtls).toMatchObject({
      status: "skipped",
      skip: "selection",
      reason: "not selected (--test)",
    });
    expect(tests).toHaveLength(CONFORMANCE_TESTS.length);

    const cellResult: CellResult = {
      id: cell!.id,
      istioVersion: "1.31.1",
      profile: "default",
      kubernetesVersion: "1.36.1",
      nodeImage: cell!.nodeImage,
      secureMetricsMode: "native",
      provider: "existing",
      tools: {},
      tests,
    };
    // The probe client could not be asked (no cluster): said so, never a made-up version.
    expect(probeClient?.image).toMatch(/^docker\.io\/curlimages\/curl:7\.88\.1@sha256:[0-9a-f]{64}$/);
    expect(probeClient?.curl).toBeUndefined();
    expect(probeClient?.error).toMatch(/could not ask the probe client/);
    const xml = mergeJunit([{ cell: cellResult, junitXml }], false);
    expect(xml).toContain(`<testsuite name="${cell!.id}"`);
    // Errors stay errors in JUnit: vitest's <failure> is turned into <error> for errored tests.
    expect(xml).toMatch(/<testcase [^>]*name="[^"]*SidecarSecureListeners"[\s\S]*?<error/);
    expect(xml).not.toMatch(/<testcase [^>]*name="[^"]*SidecarSecureListeners"[^>]*>\s*<failure/);
    expect(junitXml).toContain("<testsuites");
  }, 120_000);

  it("kills a vitest child that outlives timeout tests, and says which budget to raise", async () => {
    const api = await startApiServer({ hangPods: true });
    try {
      const kubeconfig = join(root, "hanging-kubeconfig");
      await api.writeKubeconfig(kubeconfig);
      const [cell] = buildPlan(
        {
          istio: ["1.31"],
          profiles: ["default"],
          only: ["SidecarSecureListeners"],
          runId: "to",
          workDir: root,
          provider: "existing",
          kubeconfig,
        },
        CONFORMANCE_TESTS,
      );
      const { mkdir } = await import("node:fs/promises");
      await mkdir(join(root, cell!.id), { recursive: true });
      const start = Date.now();
      const run = runTests(
        cell!,
        { ...newCellState(kubeconfig), istioctl: "/bin/false", clusterReady: true },
        {
          runId: "to",
          workDir: root,
          provider: "existing",
          kubeconfig,
          timeouts: { ...DEFAULT_TIMEOUTS, tests: 3_000 },
          consecutive: 3,
          signal: new AbortController().signal,
          log: () => {},
        },
      );
      await expect(run).rejects.toThrow(InfrastructureError);
      await expect(run).rejects.toThrow(
        `the tests of ${cell!.id} did not finish within timeout tests (3s): killed; raise it with --timeout tests=<duration>`,
      );
      // Killed at its budget (plus execa's 5 s grace for a child that ignores SIGTERM), not left to hang.
      expect(Date.now() - start).toBeLessThan(15_000);
    } finally {
      await api.close();
    }
  }, 60_000);
});
