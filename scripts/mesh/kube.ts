import { existsSync } from "node:fs";
import {
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  Watch,
} from "@kubernetes/client-node";
import { InfrastructureError, UsageError } from "../errors.ts";
import { describeState, type Workload } from "./readiness.ts";

// The suite's only door to the API server: @kubernetes/client-node for server-side apply, patches,
// watches and deletes. Field manager "ssc" marks every field the suite owns.
export const FIELD_MANAGER = "ssc";

/** Loads a kubeconfig the user named; bad input (missing file, unknown context) is exit 2. */
export function loadKubeConfig(path: string, context?: string): KubeConfig {
  if (!existsSync(path)) {
    throw new UsageError(`--kubeconfig ${path}: no such file; point it at your cluster's kubeconfig`);
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (e) {
    throw new UsageError(`--kubeconfig ${path}: not a kubeconfig (${(e as Error).message.split("\n")[0]})`);
  }
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw new UsageError(
        `--context ${context} is not in ${path} (contexts: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        })`,
      );
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster())
    throw new UsageError(`--kubeconfig ${path}: no current context; pass --context`);
  return kc;
}

export async function serverVersion(kc: KubeConfig): Promise<string> {
  try {
    const v = await kc.makeApiClient(VersionApi).getCode();
    return v.gitVersion;
  } catch (e) {
    throw new InfrastructureError(
      `cluster ${kc.getCurrentCluster()?.server} is not reachable: ${(e as Error).message.split("\n")[0]}`,
    );
  }
}

export async function applyServerSide(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const o of objects) {
    try {
      await api.patch(o, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (e) {
      throw new InfrastructureError(
        `server-side apply of ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name} failed: ${(e as Error).message.split("\n")[0]}`,
      );
    }
  }
}

export async function patchStrategic(kc: KubeConfig, target: KubernetesObject, body: object): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  try {
    await api.patch(
      { ...body, ...target },
      undefined,
      undefined,
      FIELD_MANAGER,
      undefined,
      PatchStrategy.StrategicMergePatch,
    );
  } catch (e) {
    throw new InfrastructureError(
      `patch of ${target.kind} ${target.metadata?.namespace}/${target.metadata?.name} failed: ${(e as Error).message.split("\n")[0]}`,
    );
  }
}

export interface WaitTarget {
  /** e.g. /apis/apps/v1/namespaces/istio-system/deployments */
  path: string;
  name: string;
  kind: string;
  namespace: string;
}

/**
 * Watches one object until `ready` holds, or fails after the named timeout with the object's last
 * observed state. Never polls on a fixed sleep: the watch delivers every change.
 */
export async function waitUntil(
  kc: KubeConfig,
  t: WaitTarget,
  ready: (o: Workload) => boolean,
  timeout: { name: string; ms: number },
): Promise<void> {
  let last: Workload | undefined;
  let controller: AbortController | undefined;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      controller?.abort();
      reject(
        new InfrastructureError(
          `timeout ${timeout.name} (${timeout.ms / 1000}s): ${t.kind} ${t.namespace}/${t.name} not ready; last seen: ${describeState(last)}`,
        ),
      );
    }, timeout.ms);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      controller?.abort();
      if (err) reject(err);
      else resolve();
    };
    new Watch(kc)
      .watch(
        t.path,
        { fieldSelector: `metadata.name=${t.name}` },
        (_phase, obj: Workload) => {
          last = { ...obj, kind: t.kind };
          if (ready(last)) finish();
        },
        (err: unknown) => {
          // The server closes watches now and then; a close before readiness is not a verdict.
          if (err && !(err instanceof Error && err.name === "AbortError")) {
            finish(
              new InfrastructureError(`watch of ${t.kind} ${t.namespace}/${t.name} failed: ${String(err)}`),
            );
          }
        },
      )
      .then(
        (c) => {
          controller = c;
        },
        (e: Error) => finish(new InfrastructureError(`cannot watch ${t.path}: ${e.message}`)),
      );
  });
}

/** Deletes what this run created: objects labelled with its run id, nothing else. */
export async function deleteOwned(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const o of [...objects].reverse()) {
    try {
      await api.delete(o, undefined, undefined, undefined, undefined, "Background");
    } catch (e) {
      if (!/404|not found/i.test((e as Error).message)) throw e;
    }
  }
}

/** Version of an installed istiod (from its image tag), or undefined when there is none. */
export async function installedIstioVersion(
  kc: KubeConfig,
  namespace = "istio-system",
): Promise<string | undefined> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  try {
    const d = (await api.read({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "istiod", namespace },
    })) as {
      spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
    };
    const image = d.spec?.template?.spec?.containers?.[0]?.image ?? "";
    return /:(\d+\.\d+\.\d+[^@]*)/.exec(image)?.[1]?.replace(/-distroless$/, "");
  } catch (e) {
    if (/404|not found/i.test((e as Error).message)) return undefined;
    throw new InfrastructureError(
      `cannot read istiod in ${namespace}: ${(e as Error).message.split("\n")[0]}`,
    );
  }
}
