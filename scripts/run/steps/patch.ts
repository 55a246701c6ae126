import { readFile } from "node:fs/promises";
import { patchStrategic } from "../../mesh/kube.ts";
import { deploymentReady } from "../../mesh/readiness.ts";
import { waitFor } from "../../mesh/wait.ts";
import type { Handler } from "../context.ts";
import { toKubeObjects } from "./objects.ts";

export const patch: Handler<"patch"> = async (r) => {
  const [body] = toKubeObjects(await readFile(r.action.file, "utf8"));
  const t = r.action.target;
  await patchStrategic(
    r.kc(),
    { apiVersion: t.apiVersion, kind: t.kind, metadata: { name: t.name, namespace: t.namespace } },
    body ?? {},
  );
  await waitFor(r.kc(), { kind: "Deployment", namespace: t.namespace, name: t.name }, deploymentReady, {
    timeout: { name: "workloadReady", ms: r.o.timeouts.workloadReady },
    signal: r.o.signal,
  });
};
