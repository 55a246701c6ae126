import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  Watch,
} from "@kubernetes/client-node";
import { bounded } from "../bounded.ts";
import { InfrastructureError } from "../errors.ts";
import { type Backoff, DEFAULT_BACKOFF } from "../probes/backoff.ts";
import { explainPods } from "./explain.ts";
import { describeState, type WatchItem, type Workload, watchPath } from "./readiness.ts";

// Waiting for an object to be ready with client-node's ListWatch: it lists, watches from the list's
// resourceVersion, re-lists after 410 Gone and re-watches when the server or the 30 s inactivity
// timer closes the watch. What it hands back as an error (a dropped connection, 429, 5xx) is
// retried here with backoff until the named deadline; only the deadline ends the wait, and its
// error says why: the object's last state and its pods' scheduling, pull and crash reasons.
type Lister = (
  kc: KubeConfig,
  namespace: string | undefined,
  fieldSelector: string,
) => Promise<KubernetesListObject<KubernetesObject>>;

const ns = (namespace: string | undefined) => namespace ?? "default";
const LIST: Record<WatchItem["kind"], Lister> = {
  Deployment: (kc, namespace, fieldSelector) =>
    kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: ns(namespace), fieldSelector }),
  StatefulSet: (kc, namespace, fieldSelector) =>
    kc.makeApiClient(AppsV1Api).listNamespacedStatefulSet({ namespace: ns(namespace), fieldSelector }),
  DaemonSet: (kc, namespace, fieldSelector) =>
    kc.makeApiClient(AppsV1Api).listNamespacedDaemonSet({ namespace: ns(namespace), fieldSelector }),
  CustomResourceDefinition: (kc, _namespace, fieldSelector) =>
    kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition({ fieldSelector }),
};

/**
 * A Watch that can be closed for good. ListWatch.stop() aborts only the watch it has in hand; one
 * it is still connecting (after a re-list or a reconnect delay) would stay open after the wait
 * ended, and keep the process alive until client-node's 30 s inactivity timer.
 */
class ClosableWatch extends Watch {
  private closed = false;
  private readonly controllers = new Set<AbortController>();

  override async watch(...args: Parameters<Watch["watch"]>): Promise<AbortController> {
    if (this.closed) {
      const c = new AbortController();
      c.abort();
      return c;
    }
    const c = await super.watch(...args);
    if (this.closed) c.abort();
    else this.controllers.add(c);
    return c;
  }

  close(): void {
    this.closed = true;
    for (const c of this.controllers) c.abort();
    this.controllers.clear();
  }
}

export interface WaitOptions {
  timeout: { name: string; ms: number };
  signal?: AbortSignal;
  backoff?: Backoff;
  /** How long explaining a timeout (reading the pods and events) may take. */
  explainMs?: number;
}

/** Explaining a timeout must not become a second hang: the pod reads give up after this. */
const EXPLAIN_MS = 10_000;

/** The API error as a short reason: HTTP status and message, or the network error. */
export function errorReason(e: unknown): string {
  const err = e as {
    statusCode?: number;
    code?: number | string;
    message?: string;
    cause?: { code?: string };
  };
  const status = err.statusCode ?? (typeof err.code === "number" ? err.code : undefined);
  const text = String(err.message ?? e).split("\n")[0];
  return [status ? `HTTP ${status}` : "", err.cause?.code ?? "", text].filter(Boolean).join(": ");
}

/** Why the pods of a workload are not ready, or nothing when that cannot be read. */
export async function podReasons(
  kc: KubeConfig,
  namespace: string,
  matchLabels: Record<string, string> | undefined,
): Promise<string[]> {
  if (!matchLabels || Object.keys(matchLabels).length === 0) return [];
  try {
    const core = kc.makeApiClient(CoreV1Api);
    const labelSelector = Object.entries(matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const [pods, events] = await Promise.all([
      core.listNamespacedPod({ namespace, labelSelector }),
      core.listNamespacedEvent({ namespace, fieldSelector: "involvedObject.kind=Pod" }),
    ]);
    const lines = explainPods(pods.items, events.items);
    return pods.items.length === 0 ? [`no pod matches ${labelSelector}`] : lines;
  } catch (e) {
    return [`pods unreadable: ${errorReason(e)}`];
  }
}

export async function waitFor(
  kc: KubeConfig,
  item: WatchItem,
  ready: (o: Workload) => boolean,
  w: WaitOptions,
): Promise<void> {
  const backoff = w.backoff ?? { ...DEFAULT_BACKOFF, initialMs: 500, maxMs: 5_000 };
  const field = `metadata.name=${item.name}`;
  const watch = new ClosableWatch(kc);
  const informer = new ListWatch<KubernetesObject>(
    watchPath(item),
    watch,
    () => LIST[item.kind](kc, item.namespace, field),
    false,
    undefined,
    field,
  );
  const what = `${item.kind} ${item.namespace ? `${item.namespace}/` : ""}${item.name}`;
  let last: Workload | undefined;
  const errors: string[] = [];
  let delayMs = backoff.initialMs;
  let retry: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settled = false;

  await new Promise<void>((resolve, reject) => {
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(retry);
      w.signal?.removeEventListener("abort", onAbort);
      watch.close();
      void informer.stop();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish(w.signal?.reason instanceof Error ? w.signal.reason : new Error("aborted"));
    const seen = (o: KubernetesObject) => {
      last = { ...(o as Workload), kind: item.kind };
      delayMs = backoff.initialMs;
      if (ready(last)) finish();
    };
    informer.on("add", seen);
    informer.on("update", seen);
    informer.on("delete", () => {
      last = undefined;
    });
    let explaining = false;
    informer.on("error", (e: unknown) => {
      if (settled || explaining) return;
      errors.push(errorReason(e));
      retry = setTimeout(() => {
        if (!settled && !explaining) void informer.start();
      }, delayMs);
      delayMs = Math.min(delayMs * backoff.factor, backoff.maxMs);
    });
    timer = setTimeout(() => {
      // Stop watching, then say why: the pods' reasons, read within explainMs. An interrupt while
      // explaining still ends the wait at once (finish is the only way out).
      explaining = true;
      clearTimeout(retry);
      watch.close();
      void informer.stop();
      const explainMs = w.explainMs ?? EXPLAIN_MS;
      const pods = item.namespace
        ? bounded(
            podReasons(kc, item.namespace, last?.spec?.selector?.matchLabels),
            explainMs,
            "reading the pods",
          ).catch((e: unknown) => [`pods unreadable: ${errorReason(e)}`])
        : Promise.resolve([]);
      void pods.then((reasons) => {
        const recent = errors.slice(-3);
        finish(
          new InfrastructureError(
            [
              `timeout ${w.timeout.name} (${w.timeout.ms / 1000}s): ${what} not ready; last seen: ${describeState(last)}`,
              ...reasons,
              ...(recent.length
                ? [`API errors while watching (${errors.length}): ${recent.join(" | ")}`]
                : []),
            ].join("; "),
          ),
        );
      });
    }, w.timeout.ms);
    if (w.signal?.aborted) return onAbort();
    w.signal?.addEventListener("abort", onAbort, { once: true });
    void informer.start();
  });
}
