import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InfrastructureError, UsageError } from "../../errors.ts";
import { type StandIns, writeStandIns } from "../../testing/stand-ins.ts";
import { type HandlerBench, handlerBench } from "../../testing/step-run.ts";
import { kindCreate } from "./kind-create.ts";

// kind-create with a stand-in kind (scripts/testing/stand-ins.ts): what it registers, and when.
let b: HandlerBench | undefined;
let saved: NodeJS.ProcessEnv;
afterEach(async () => {
  if (saved) process.env = saved;
  await b?.dispose();
});

async function bench(behaviour: Parameters<StandIns["env"]>[0], timeouts = {}) {
  b = await handlerBench({ test: ["SidecarSecureListeners"], timeouts });
  const tools = await writeStandIns(join(b.root, "tools"));
  saved = process.env;
  process.env = { ...process.env, ...tools.env(behaviour) };
  b.state.kind = join(tools.dir, "kind");
  return tools;
}

describe("kind-create", () => {
  it("registers the cluster's teardown before kind create runs, so a failed create is still deleted", async () => {
    const tools = await bench({ kindCreate: "fail" });
    const err = await kindCreate(b!.run("create-cluster")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(
      /^kind create cluster --name ssc-1\.31\.1-default-k1\.36-h1 .* failed \(exit 1\): ERROR: failed to create cluster/,
    );
    expect(b!.t.pending()).toEqual(["kind cluster ssc-1.31.1-default-k1.36-h1"]);
    await b!.t.runOnce(false, true);
    const calls = (await tools.calls()).map((c) => c.args.slice(0, 2).join(" "));
    // Nothing came up, so there are no logs to export: only the delete.
    expect(calls).toEqual(["get clusters", "create cluster", "delete cluster"]);
  });

  it("creates with the derived --wait, the run's kubeconfig only, and marks the cluster ready", async () => {
    const tools = await bench({ apiserver: "http://127.0.0.1:9" }, { clusterCreate: 600_000 });
    await kindCreate(b!.run("create-cluster"));
    const create = (await tools.calls()).find((c) => c.args[0] === "create")!;
    expect(create.args).toEqual(
      expect.arrayContaining(["--wait", "9m", "--kubeconfig", b!.state.kubeconfig]),
    );
    expect(create.args.find((a) => a.endsWith("kind-config.yaml"))).toMatch(/^\//);
    expect(existsSync(b!.state.kubeconfig)).toBe(true);
    expect(b!.state.clusterReady).toBe(true);
    // On failure the logs are exported first, into the report's diagnostics, then the delete.
    await b!.t.runOnce(false, true);
    const after = (await tools.calls()).slice(-2).map((c) => c.args.slice(0, 2).join(" "));
    expect(after).toEqual(["export logs", "delete cluster"]);
    expect(
      existsSync(join(b!.o.artifactsDir!, "diagnostics", b!.cell.id, "kind-logs", "kind-version.txt")),
    ).toBe(true);
  });

  it("refuses a name that already exists, registering nothing that could delete it", async () => {
    const tools = await bench({ kindClusters: ["ssc-1.31.1-default-k1.36-h1"] });
    await expect(kindCreate(b!.run("create-cluster"))).rejects.toBeInstanceOf(UsageError);
    expect(b!.t.pending()).toEqual([]);
    expect((await tools.calls()).map((c) => c.args[0])).toEqual(["get"]);
  });

  it("a delete that fails throws with the cluster's name and the command to remove it", async () => {
    await bench({ kindDelete: "fail" });
    await kindCreate(b!.run("create-cluster"));
    const report = await b!.t.runOnce(false, false);
    expect(report.failed[0]?.error).toMatch(
      /kind delete cluster --name ssc-1\.31\.1-default-k1\.36-h1 failed \(exit 1\): .*; the cluster is left behind: remove it with `kind delete cluster --name ssc-1\.31\.1-default-k1\.36-h1`/,
    );
  });
});
