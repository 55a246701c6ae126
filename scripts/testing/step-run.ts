import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import type { Provider } from "../cluster/providers.ts";
import { loadKubeConfig } from "../mesh/kube.ts";
import { buildPlan, type PlannedCell } from "../plan/plan.ts";
import { type Action, cellKubeconfig } from "../plan/steps.ts";
import { type CellState, newCellState, type RunOptions, type StepRun } from "../run/context.ts";
import { Teardown } from "../run/teardown.ts";
import { DEFAULT_TIMEOUTS, type Timeouts } from "../timeouts.ts";
import { type ApiServerScript, type ScriptedApiServer, startApiServer } from "./apiserver.ts";

// What a step handler's unit test needs: a planned cell, the run's options with short budgets, a
// teardown and a state, in a scratch folder; and the StepRun for one of the cell's steps.
export interface HandlerBench {
  root: string;
  cell: PlannedCell;
  o: RunOptions;
  t: Teardown;
  state: CellState;
  logs: string[];
  run<K extends Action["type"]>(stepId: string): StepRun<Extract<Action, { type: K }>>;
  dispose(): Promise<void>;
}

export async function handlerBench(opts: {
  istio?: string;
  profile?: string;
  test?: string[];
  provider?: Provider;
  kubeconfig?: string;
  timeouts?: Partial<Timeouts>;
  toolsDir?: string;
  mirror?: string;
}): Promise<HandlerBench> {
  const root = await mkdtemp(join(tmpdir(), "ssc-handler-"));
  const provider = opts.provider ?? "kind";
  const workDir = join(root, "runs", "h1");
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const [cell] = buildPlan(
    {
      istio: [opts.istio ?? "1.31"],
      profiles: [opts.profile ?? "default"],
      only: opts.test,
      runId: "h1",
      workDir,
      provider,
      kubeconfig: opts.kubeconfig,
      timeouts,
      toolsDir: opts.toolsDir,
    },
    CONFORMANCE_TESTS,
  );
  const logs: string[] = [];
  const o: RunOptions = {
    runId: "h1",
    workDir,
    provider,
    kubeconfig: opts.kubeconfig,
    toolsDir: opts.toolsDir,
    mirror: opts.mirror,
    timeouts,
    consecutive: 1,
    signal: new AbortController().signal,
    artifactsDir: join(root, "reports"),
    log: (l) => logs.push(l),
  };
  const t = new Teardown((l) => logs.push(l));
  const state = newCellState(cellKubeconfig(o, cell!));
  return {
    root,
    cell: cell!,
    o,
    t,
    state,
    logs,
    run(stepId) {
      const step = cell!.steps.find((s) => s.id === stepId);
      if (!step) throw new Error(`no step ${stepId} in ${cell!.steps.map((s) => s.id).join(", ")}`);
      return {
        action: step.action as never,
        step,
        cell: cell!,
        o,
        t,
        state,
        kc: () => {
          state.kc ??= loadKubeConfig(state.kubeconfig, o.context);
          return state.kc;
        },
      };
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/** A bench whose cluster is a scripted API server (scripts/testing/apiserver.ts), with the
 * kubeconfig the cell would use pointing at it; `existing` makes it a bring-your-own cell. */
export async function apiBench(
  opts: Parameters<typeof handlerBench>[0] & { script?: ApiServerScript; existing?: boolean },
): Promise<HandlerBench & { api: ScriptedApiServer }> {
  const api = await startApiServer(opts.script);
  const kubeconfig = join(await mkdtemp(join(tmpdir(), "ssc-kc-")), "kubeconfig");
  await api.writeKubeconfig(kubeconfig);
  const b = await handlerBench({
    ...opts,
    provider: opts.existing ? "existing" : (opts.provider ?? "kind"),
    kubeconfig: opts.existing ? kubeconfig : undefined,
  });
  b.state.kubeconfig = kubeconfig;
  const dispose = b.dispose;
  return {
    ...b,
    api,
    async dispose() {
      await api.close();
      await dispose();
      await rm(dirname(kubeconfig), { recursive: true, force: true });
    },
  };
}
