import { existsSync } from "node:fs";
import {
  HttpMethod,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
} from "@kubernetes/client-node";
import { InfrastructureError, UsageError } from "../errors.ts";
import { FIELD_MANAGER } from "./field-manager.ts";

// The suite's only door to the API server: @kubernetes/client-node for server-side apply, patches,
// reads and deletes (waits are in wait.ts). Field manager "ssc" marks every field the suite owns.

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

/** Loads the kubeconfig of a cluster the run made (kind, k3s) or `ssc up` left: a broken one is
 * the cluster's or a tool's fault, an infrastructure error of the cell, never the user's bad input. */
export function loadRunKubeConfig(path: string, context?: string): KubeConfig {
  try {
    return loadKubeConfig(path, context);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    throw new InfrastructureError(`the cell's kubeconfig ${e.message.replace(/^--kubeconfig /, "")}`);
  }
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

/**
 * Server-side apply with the object sent as it is. client-node's own patch() runs built-in kinds
 * through its typed serializer, which drops CRD schema keys it does not model (x-kubernetes-*,
 * enum, default, $ref): a CRD applied that way is rejected or loses its validation.
 */
class RawApplyApi extends KubernetesObjectApi {
  static forConfig(kc: KubeConfig): RawApplyApi {
    const api = kc.makeApiClient(RawApplyApi);
    api.setDefaultNamespace(kc);
    return api;
  }

  async apply(spec: KubernetesObject): Promise<void> {
    const path = await this.specUriPath(spec, "patch");
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    ctx.setHeaderParam("Accept", "application/json");
    ctx.setHeaderParam("Content-Type", PatchStrategy.ServerSideApply);
    ctx.setQueryParam("fieldManager", FIELD_MANAGER);
    ctx.setQueryParam("force", "true");
    ctx.setBody(JSON.stringify(spec));
    await this.requestPromise(ctx);
  }

  /** POST with dryRun=All and fieldValidation=Strict: the API server judges the object against its
   * schema, unknown fields included, and stores nothing. */
  async dryRunCreate(spec: KubernetesObject): Promise<void> {
    const path = await this.specUriPath(spec, "create");
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod.POST);
    ctx.setHeaderParam("Accept", "application/json");
    ctx.setHeaderParam("Content-Type", "application/json");
    ctx.setQueryParam("dryRun", "All");
    ctx.setQueryParam("fieldValidation", "Strict");
    ctx.setQueryParam("fieldManager", FIELD_MANAGER);
    ctx.setBody(JSON.stringify(spec));
    await this.requestPromise(ctx);
  }
}

/** What the API server said of an object it was asked to create in a dry run. */
export type DryRunOutcome = { accepted: true } | { accepted: false; code?: number; message: string };

/** Asks the API server whether it would accept `spec` as it is (strict fields), storing nothing:
 * the one way to learn what a CRD's schema refuses, which offline validators may let through. */
export async function dryRunCreate(kc: KubeConfig, spec: KubernetesObject): Promise<DryRunOutcome> {
  try {
    await RawApplyApi.forConfig(kc).dryRunCreate(spec);
    return { accepted: true };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { accepted: false, ...(typeof code === "number" ? { code } : {}), message: apiReason(e) };
  }
}

/** The reason an API call failed: the status line and the server's message, not just the code. */
export function apiReason(e: unknown): string {
  const err = e as { code?: number; body?: unknown; message?: string };
  const body = typeof err.body === "string" ? err.body : JSON.stringify(err.body ?? "");
  const raw = /"message":"((?:[^"\\]|\\.)*)"/.exec(body)?.[1];
  // The message as the server wrote it: a JSON string, its escapes (\" around field names) decoded.
  const message = raw === undefined ? undefined : (JSON.parse(`"${raw}"`) as string);
  return [err.code ? `HTTP ${err.code}` : "", message ?? String(err.message ?? e).split("\n")[0]]
    .filter(Boolean)
    .join(": ");
}

export async function applyServerSide(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const api = RawApplyApi.forConfig(kc);
  for (const o of objects) {
    try {
      await api.apply(o);
    } catch (e) {
      throw new InfrastructureError(
        `server-side apply of ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name} failed: ${apiReason(e)}`,
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
      `patch of ${target.kind} ${target.metadata?.namespace}/${target.metadata?.name} failed: ${apiReason(e)}`,
    );
  }
}

/** Deletes what this run created: objects labelled with its run id, nothing else. */
export async function deleteOwned(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const o of [...objects].reverse()) {
    try {
      await api.delete(o, undefined, undefined, undefined, undefined, "Background");
    } catch (e) {
      if (!/404|not found/i.test(apiReason(e))) {
        throw new InfrastructureError(
          `delete of ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name} failed: ${apiReason(e)}`,
        );
      }
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

/** Whether an object exists (404 is false; any other failure is an infrastructure error). */
export async function exists(kc: KubeConfig, o: KubernetesObject): Promise<boolean> {
  try {
    await KubernetesObjectApi.makeApiClient(kc).read(o as KubernetesObject & { metadata: { name: string } });
    return true;
  } catch (e) {
    if (/404|not found/i.test(apiReason(e))) return false;
    throw new InfrastructureError(`cannot read ${o.kind} ${o.metadata?.name}: ${apiReason(e)}`);
  }
}

export async function patchMerge(
  kc: KubeConfig,
  target: KubernetesObject,
  body: { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> } },
): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const metadata = { ...body.metadata, name: target.metadata?.name, namespace: target.metadata?.namespace };
  const spec = { ...body, apiVersion: target.apiVersion, kind: target.kind, metadata } as KubernetesObject;
  try {
    await api.patch(spec, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
  } catch (e) {
    throw new InfrastructureError(
      `patch of ${target.kind} ${metadata.namespace}/${metadata.name} failed: ${apiReason(e)}`,
    );
  }
}

/** The env variable names of a Deployment's istio-proxy container (empty when there is none). */
export async function proxyEnv(kc: KubeConfig, namespace: string, name: string): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const d = (await api.read({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
  })) as {
    spec?: { template?: { spec?: { containers?: { name: string; env?: { name: string }[] }[] } } };
  };
  return (
    d.spec?.template?.spec?.containers?.find((c) => c.name === "istio-proxy")?.env?.map((e) => e.name) ?? []
  );
}
