import { CoreV1Api, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { InfrastructureError } from "../errors.ts";
import { eventually } from "../probes/backoff.ts";
import { formatDuration } from "../timeouts.ts";
import { patchMerge, proxyEnv } from "./kube.ts";
import { deploymentReady } from "./readiness.ts";
import { waitFor } from "./wait.ts";

// A Gateway API gateway gets ENVOY_SECURE_* from a ProxyConfig selecting its pods. istiod reads a
// new ProxyConfig on its next push, not when it is applied, and its deployment controller renders
// the gateway when it reconciles the Gateway (it does not watch ProxyConfig): the gateway can roll
// out without the env. So: poll the rendered pod template, touching the Gateway to make it
// reconcile, until the env is there; then wait for the rollout; then see the running pods carry it.
// If it never comes within gatewayEnv, that is an infrastructure error with what was seen.
export const SECURE_ENV = ["ENVOY_SECURE_METRICS_PORT", "ENVOY_SECURE_MERGED_METRICS_PORT"] as const;

interface Gateway extends KubernetesObject {
  spec?: { gatewayClassName?: string };
}

export interface GatewayEnvOptions {
  timeouts: { gatewayEnv: number; workloadReady: number };
  signal?: AbortSignal;
  log: (line: string) => void;
}

/** Gateways among `objects` that a ProxyConfig among them is meant to configure. */
export function gatewaysNeedingEnv(objects: readonly KubernetesObject[]): Gateway[] {
  if (!objects.some((x) => x.kind === "ProxyConfig")) return [];
  return objects.filter(
    (x): x is Gateway =>
      x.kind === "Gateway" && (x.apiVersion ?? "").startsWith("gateway.networking.k8s.io/"),
  );
}

const hasAll = (env: readonly string[]) => SECURE_ENV.every((e) => env.includes(e));

export async function ensureGatewayEnv(
  kc: KubeConfig,
  objects: readonly KubernetesObject[],
  o: GatewayEnvOptions,
): Promise<void> {
  const budget = `timeout gatewayEnv (${formatDuration(o.timeouts.gatewayEnv)})`;
  for (const gw of gatewaysNeedingEnv(objects)) {
    const namespace = gw.metadata!.namespace!;
    const gateway = gw.metadata!.name!;
    const name = `${gateway}-${gw.spec?.gatewayClassName}`;
    let touched = 0;
    const template = await eventually<string[]>(
      async () => {
        const env = await proxyEnv(kc, namespace, name).catch(() => [] as string[]);
        if (hasAll(env)) return { done: true, value: env };
        touched++;
        await patchMerge(kc, gw, {
          metadata: { annotations: { "ssc.istio.io/reconcile": String(Date.now()) } },
        }).catch(() => undefined);
        return { done: false, last: env };
      },
      o.timeouts.gatewayEnv,
      { initialMs: 1_000, factor: 1.5, maxMs: 10_000 },
      o.signal,
    );
    if (template.timedOut) {
      throw new InfrastructureError(
        `${budget}: gateway Deployment ${namespace}/${name} never got ${SECURE_ENV.join(", ")} from its ProxyConfig (touched the Gateway ${touched} time(s) to reconcile); its istio-proxy env: ${template.value.join(", ") || "(none, or no Deployment)"}`,
      );
    }
    if (touched > 0)
      o.log(`gateway ${namespace}/${name} has the ENVOY_SECURE_* env after ${template.attempts} look(s)`);
    await waitFor(kc, { kind: "Deployment", namespace, name }, deploymentReady, {
      timeout: { name: "workloadReady", ms: o.timeouts.workloadReady },
      signal: o.signal,
    });
    const core = kc.makeApiClient(CoreV1Api);
    const labelSelector = `gateway.networking.k8s.io/gateway-name=${gateway}`;
    const pods = await eventually<string[]>(
      async () => {
        const list = await core.listNamespacedPod({ namespace, labelSelector }).catch(() => undefined);
        const running = (list?.items ?? []).filter((p) => !p.metadata?.deletionTimestamp);
        const missing = running
          .filter(
            (p) =>
              !hasAll(
                p.spec?.containers?.find((c) => c.name === "istio-proxy")?.env?.map((e) => e.name) ?? [],
              ),
          )
          .map((p) => p.metadata?.name ?? "?");
        return running.length > 0 && missing.length === 0
          ? { done: true, value: [] }
          : { done: false, last: running.length === 0 ? ["(no pod)"] : missing };
      },
      o.timeouts.gatewayEnv,
      { initialMs: 1_000, factor: 1.5, maxMs: 10_000 },
      o.signal,
    );
    if (pods.timedOut) {
      throw new InfrastructureError(
        `${budget}: the pods of gateway ${namespace}/${gateway} still run without ${SECURE_ENV.join(", ")}: ${pods.value.join(", ")}`,
      );
    }
  }
}
