import { readFile } from "node:fs/promises";
import type { KubernetesObject } from "@kubernetes/client-node";
import { deletable, ownerLabels } from "../../cluster/ownership.ts";
import { throwIfInterrupted } from "../../errors.ts";
import { createCa, issueWorkload } from "../../lab/pki.ts";
import { ensureGatewayEnv } from "../../mesh/gateway-env.ts";
import { applyServerSide, deleteOwned } from "../../mesh/kube.ts";
import type { ScenarioId } from "../../registry/scenarios.ts";
import { scenarioDefinition } from "../../render/scenarios.ts";
import type { Handler } from "../context.ts";
import { toKubeObjects, watchReady } from "./objects.ts";

/** Namespaces first, then the run-time Secrets (keys never written to disk), then the rest, so pods
 * mount their Secret from the start; then watch the workloads; then make sure gateways configured
 * through a ProxyConfig really carry the secure-port env. */
export const applyManifest: Handler<"apply-manifest"> = async (r) => {
  const objects = toKubeObjects(await readFile(r.action.file, "utf8"));
  const secrets = await runtimeSecrets(r.cell, r.action.scenario, r.o.runId);
  if (r.o.provider === "existing") {
    // On a cluster the suite does not own, only what carries this run's labels is ever deleted.
    const mine = deletable([...objects, ...secrets], r.o.runId);
    r.t.add(`${r.action.scenario} objects (${mine.length}, labelled with run ${r.o.runId})`, () =>
      deleteOwned(r.kc(), mine),
    );
  }
  await applyServerSide(r.kc(), [...objects.filter((x) => x.kind === "Namespace"), ...secrets]);
  await applyServerSide(r.kc(), objects);
  throwIfInterrupted(r.o.signal);
  await watchReady(r, objects);
  await ensureGatewayEnv(r.kc(), objects, { timeouts: r.o.timeouts, signal: r.o.signal, log: r.o.log });
};

/** Secrets a scenario needs at run time, made from the suite's own PKI in memory. */
async function runtimeSecrets(
  cell: Parameters<typeof scenarioDefinition>[1],
  scenario: ScenarioId,
  runId: string,
): Promise<KubernetesObject[]> {
  const def = scenarioDefinition(scenario, cell, runId);
  const out: KubernetesObject[] = [];
  for (const s of def.runtimeSecrets ?? []) {
    const foreign = await createCa("ssc foreign CA");
    const client = await issueWorkload(
      foreign,
      `spiffe://cluster.local/ns/${def.namespace?.name}/sa/foreign`,
    );
    out.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: s.name, namespace: def.namespace?.name, labels: ownerLabels(runId) },
      stringData: {
        "root-cert.pem": foreign.certPem,
        "cert-chain.pem": client.certPem,
        "key.pem": client.keyPem,
      },
    } as KubernetesObject);
  }
  return out;
}
