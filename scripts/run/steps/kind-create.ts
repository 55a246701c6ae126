import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { parse, stringify } from "yaml";
import type { IpFamily } from "../../catalog/ip-families.ts";
import { hostsToml, kindMirrorConfig, type RegistryMirror } from "../../cluster/mirrors.ts";
import { InfrastructureError, UsageError } from "../../errors.ts";
import { capFolder, KIND_LOGS_CAP } from "../../report/diagnostics.ts";
import { formatDuration } from "../../timeouts.ts";
import type { Handler, StepRun } from "../context.ts";
import { lastLines, runTool } from "./process.ts";

export const KIND_CONFIG = fileURLToPath(new URL("../../../kind-config.yaml", import.meta.url));

/**
 * Creates the cell's kind cluster. Its teardown is registered BEFORE `kind create` starts, by the
 * name the cluster will get: kind leaves containers behind when it is killed (it handles no
 * signals), so an interrupt or timeout during creation must still delete it. A cluster of that name
 * that already exists belongs to someone else (another run): that is bad input, and nothing is
 * registered that could delete it.
 */
export const kindCreate: Handler<"kind-create"> = async (r) => {
  const kind = r.state.kind!;
  const name = r.action.name;
  const env = { KUBECONFIG: r.state.kubeconfig };
  const clusters = await runTool({
    display: "kind",
    file: kind,
    args: ["get", "clusters"],
    timeout: { name: "clusterCreate", ms: r.o.timeouts.clusterCreate },
    signal: r.o.signal,
    env,
  });
  if (clusters.split("\n").some((l) => l.trim() === name)) {
    throw new UsageError(
      `kind cluster ${name} already exists, so run id ${r.o.runId} is taken: test it with ssc run --reuse ${r.o.runId}, remove it with ssc down --run-id ${r.o.runId}, or pick another --run-id`,
    );
  }
  if (r.action.config) await writeCellKindConfig(r.action.config, r.action.mirrors ?? [], r.action.ipFamily);
  r.t.add(`kind cluster ${name}`, ({ failed }) => deleteCluster(r, kind, name, failed));
  // The plan shows the repository-relative config; run it from any working folder.
  const args = r.step.argv!.slice(1).map((x) => (x === "kind-config.yaml" ? KIND_CONFIG : x));
  await runTool({
    display: "kind",
    file: kind,
    args,
    timeout: { name: "clusterCreate", ms: r.o.timeouts.clusterCreate },
    signal: r.o.signal,
    env,
  });
  if (!existsSync(r.state.kubeconfig)) {
    throw new InfrastructureError(`kind create cluster ${name} wrote no kubeconfig to ${r.state.kubeconfig}`);
  }
  r.state.clusterReady = true;
};

/** The cell's kind config: the base one with the cell's networking.ipFamily, plus the mirrors'
 * containerd patch and mounts, and one hosts.toml per registry beside it (kind needs absolute host
 * paths for mounts). */
export async function writeCellKindConfig(
  config: string,
  mirrors: readonly RegistryMirror[],
  ipFamily: IpFamily = "ipv4",
): Promise<void> {
  const base = parse(await readFile(KIND_CONFIG, "utf8")) as KindConfig;
  let doc: KindConfig = { ...base, networking: { ...base.networking, ipFamily } };
  const hostDir = resolve(dirname(config), "containerd-hosts");
  const extra = kindMirrorConfig(mirrors, hostDir);
  if (extra) {
    for (const m of mirrors) {
      await mkdir(join(hostDir, m.registry), { recursive: true });
      await writeFile(join(hostDir, m.registry, "hosts.toml"), hostsToml(m));
    }
    doc = {
      ...doc,
      containerdConfigPatches: [...(base.containerdConfigPatches ?? []), ...extra.containerdConfigPatches],
      nodes: (base.nodes ?? [{ role: "control-plane" }]).map((n) => ({
        ...n,
        extraMounts: [...(n.extraMounts ?? []), ...extra.extraMounts],
      })),
    };
  }
  const why = [
    ...(mirrors.length > 0 ? ["--registry-mirror"] : []),
    ...(ipFamily !== "ipv4" ? [`--ip-family ${ipFamily}`] : []),
  ];
  await mkdir(dirname(config), { recursive: true });
  await writeFile(
    config,
    `# written by ssc from kind-config.yaml with ${why.join(" and ") || "no changes"}\n${stringify(doc)}`,
  );
}

interface KindConfig {
  kind: string;
  apiVersion: string;
  networking?: { ipFamily?: string; [key: string]: unknown };
  containerdConfigPatches?: string[];
  nodes?: { role: string; extraMounts?: { hostPath: string; containerPath: string; readOnly?: boolean }[] }[];
  [key: string]: unknown;
}

/** Teardown's children run in their own process group: CI runners and `timeout` signal ssc's whole
 * group, often twice, and a second signal must not kill the delete it is waiting for. */
const OWN_GROUP = { detached: true } as const;

/** The undo: on failure, kind's logs into the report's diagnostics (capped); then the delete, with
 * the run's own kubeconfig so ~/.kube/config is never touched. A failed delete says what is left. */
async function deleteCluster(r: StepRun, kind: string, name: string, failed: boolean): Promise<void> {
  const env = { KUBECONFIG: r.state.kubeconfig };
  if (failed && r.state.clusterReady) {
    const logs = join(
      r.o.artifactsDir ?? join(r.o.workDir, "artifacts"),
      "diagnostics",
      r.cell.id,
      "kind-logs",
    );
    const x = await execa(kind, ["export", "logs", logs, "--name", name], {
      reject: false,
      all: true,
      timeout: r.o.timeouts.diagnostics,
      env,
      ...OWN_GROUP,
    });
    if (x.exitCode !== 0)
      r.o.log(`kind export logs ${name}: ${x.timedOut ? "timed out" : lastLines(String(x.all))}`);
    if (existsSync(logs)) await capFolder(logs, KIND_LOGS_CAP);
  }
  const d = await execa(kind, ["delete", "cluster", "--name", name, "--kubeconfig", r.state.kubeconfig], {
    reject: false,
    all: true,
    timeout: r.o.timeouts.teardown,
    env,
    ...OWN_GROUP,
  });
  if (d.exitCode !== 0 || d.timedOut) {
    const why = d.timedOut
      ? `did not finish within timeout teardown (${formatDuration(r.o.timeouts.teardown)})`
      : `failed (exit ${d.exitCode}): ${lastLines(String(d.all ?? ""))}`;
    throw new InfrastructureError(
      `kind delete cluster --name ${name} ${why}; the cluster is left behind: remove it with \`kind delete cluster --name ${name}\` or \`ssc down --run-id ${r.o.runId}\``,
    );
  }
}
