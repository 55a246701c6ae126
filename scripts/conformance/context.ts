import { CoreV1Api, Exec, type KubernetesObject, type V1Pod } from "@kubernetes/client-node";
import { execa } from "execa";
import { parse as parseYaml } from "yaml";
import { hasCapability, type SecureMetricsMode } from "../catalog/capabilities.ts";
import type { Profile } from "../catalog/profiles.ts";
import { describeError } from "../errors.ts";
import { type DryRunOutcome, dryRunCreate, loadKubeConfig } from "../mesh/kube.ts";
import type { Convergence } from "../probes/converge.ts";
import type { ClientTls, CommandRunner, ProcessResult } from "../probes/curl.ts";
import { type PrometheusApi, prometheusApi } from "../probes/prometheus.ts";
import { type ExecLike, podRunner } from "../probes/runners.ts";
import { type SidecarState, sidecarOf } from "../probes/sidecar.ts";
import {
  CERT_DIR,
  FOREIGN_CERT_DIR,
  MESH_PEER_ACCOUNT,
  ROTATION_NAMESPACE,
  SCRAPE,
} from "../render/scenarios.ts";
import {
  DEFAULT_CONSECUTIVE_SUCCESSES,
  DEFAULT_TIMEOUTS,
  parseDuration,
  type TimeoutName,
  type Timeouts,
} from "../timeouts.ts";

// What a conformance test body sees of its cell: the cluster, the in-pod transports and the
// Prometheus APIs, all built on the same probes the lab proves. The lab builds the same interface
// over its own pods (scripts/lab/lab-context.ts), so the suites' bodies run there too.

/** Which cell this is: what a test body may branch on. */
export interface CellInfo {
  cellId: string;
  istioVersion: string;
  profile: Profile;
  secureMetricsMode: SecureMetricsMode;
  runId: string;
  /** --strict-findings: a contradicted finding fails its test like any other. */
  strictFindings?: boolean;
}

/** What `ssc run` writes for a cell's vitest process: the cell and how to reach its cluster. */
export interface CellContextFile extends CellInfo {
  kubeconfig: string;
  context?: string;
  istioctlPath: string;
  timeouts?: Partial<Timeouts>;
  /** Passes in a row that make a probe pass (--consecutive-successes). */
  consecutive?: number;
}

export interface PodInfo {
  name: string;
  namespace: string;
  ip: string;
  /** status.podIPs, status.podIP first: two on a dual-stack cluster. */
  ips: readonly string[];
  serviceAccount: string;
  annotations: Record<string, string>;
  /** Its istio-proxy: a container, a native sidecar, or none (not injected). */
  sidecar: SidecarState;
}

export interface CellContext extends CellInfo {
  timeouts: Timeouts;
  consecutive: number;
  /** Convergence under one named timeout: N passes in a row within it. */
  converge(name: TimeoutName, intervalMs?: number): Convergence;
  /** The first Running, Ready pod matching the label selector. */
  pod(namespace: string, labelSelector: string): Promise<PodInfo>;
  /** Runs argv in a container through the API server's exec. */
  exec(pod: PodInfo, container: string): CommandRunner;
  istioctl(args: readonly string[]): Promise<ProcessResult>;
  /** Asks the API server whether it would create `object` as it is (dryRun=All, strict fields):
   * stores nothing. */
  dryRunCreate(object: KubernetesObject): Promise<DryRunOutcome>;
  /** The secure Prometheus pod's client container and the files its sidecar wrote. */
  meshClient(): Promise<{ run: CommandRunner; tls: ClientTls; foreign: ClientTls }>;
  /** A mesh workload that is not Prometheus (fixtures/mesh-peer): its client container and the
   * files its own sidecar wrote, for the any-mesh-identity finding. */
  meshPeer(): Promise<{ run: CommandRunner; tls: ClientTls }>;
  /** The rotation cell's Prometheus (fixtures/secure-prometheus with a short SECRET_TTL, in its own
   * namespace): its client container and the files its sidecar rewrites on every rotation. */
  rotationClient(): Promise<{ run: CommandRunner; tls: Required<ClientTls> }>;
  /** The fixtures' scrape interval: what "a gap of two intervals" is measured in. */
  scrapeIntervalMs: number;
  /** The secure Prometheus's API as its client container reaches it (the pod's own localhost). */
  securePrometheusUrl: string;
  /** The client outside the mesh (for Prometheus APIs without curl, and "another pod" checks). */
  probeClient(): Promise<CommandRunner>;
  prometheus(baseUrl: string, run: CommandRunner): PrometheusApi;
  trustDomain(): Promise<string>;
  /** The istio ConfigMap's mesh key as it is (undefined when the key is absent). */
  meshConfig(): Promise<string | undefined>;
  has(capability: Parameters<typeof hasCapability>[1]): boolean;
}

const files = (dir: string): Required<ClientTls> => ({
  ca: `${dir}/root-cert.pem`,
  cert: `${dir}/cert-chain.pem`,
  key: `${dir}/key.pem`,
});

/** The mesh config's trustDomain; unset means Istio's default, cluster.local (meshconfig.proto). */
export function trustDomainOf(meshYaml: string | undefined): string {
  if (meshYaml === undefined) throw new Error("the istio ConfigMap has no mesh key");
  const mesh = parseYaml(meshYaml) as { trustDomain?: unknown } | null;
  const td = mesh?.trustDomain;
  if (td === undefined || td === null || td === "") return "cluster.local";
  if (typeof td !== "string")
    throw new Error(`trustDomain in the mesh config is not a string: ${JSON.stringify(td)}`);
  return td;
}

/** Between two looks at Prometheus, one scrape interval of the fixtures: N passes in a row then
 * span N fresh scrapes instead of one result read N times. Other probes look every second. */
export function convergeIntervalMs(name: TimeoutName): number {
  return name === "targetsUp" || name === "promql" || name === "rotation"
    ? parseDuration(SCRAPE.interval)!
    : 1_000;
}

/** How long one exec may take: the request's own --max-time plus room for the exec round trip,
 * so a lost exec is an error, not a hang. */
export const execBudgetMs = (timeouts: Timeouts): number => timeouts.request * 2 + 10_000;

/** A pod a check may use: Running, Ready, with an IP, and not being deleted (the old replica of a
 * rollout may still be Ready). */
function usable(p: V1Pod): boolean {
  return (
    !p.metadata?.deletionTimestamp &&
    p.status?.phase === "Running" &&
    Boolean(p.status.podIP) &&
    p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true
  );
}

/** The pod's IPs, podIP first (the API keeps podIPs[0] equal to podIP; older servers omit podIPs). */
export function podIps(p: V1Pod): string[] {
  const ip = p.status?.podIP;
  const all = (p.status?.podIPs ?? []).map((x) => x.ip);
  return ip ? [ip, ...all.filter((x) => x !== ip)] : all;
}

export function cellContext(file: CellContextFile, deps: { exec?: ExecLike } = {}): CellContext {
  const kc = loadKubeConfig(file.kubeconfig, file.context);
  const core = kc.makeApiClient(CoreV1Api);
  const exec = deps.exec ?? new Exec(kc);
  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...file.timeouts };
  const consecutive = file.consecutive ?? DEFAULT_CONSECUTIVE_SUCCESSES;
  const ctx: CellContext = {
    cellId: file.cellId,
    istioVersion: file.istioVersion,
    profile: file.profile,
    secureMetricsMode: file.secureMetricsMode,
    runId: file.runId,
    strictFindings: file.strictFindings,
    timeouts,
    consecutive,
    converge: (name, intervalMs) => ({
      consecutive,
      timeout: { name, ms: timeouts[name] },
      intervalMs: intervalMs ?? convergeIntervalMs(name),
    }),
    securePrometheusUrl: "http://127.0.0.1:9090",
    async pod(namespace, labelSelector) {
      const list = await core.listNamespacedPod({ namespace, labelSelector });
      const p = list.items.find(usable);
      if (!p) {
        throw new Error(
          `no Running, Ready pod ${labelSelector} in ${namespace} (found ${list.items.length})`,
        );
      }
      return {
        name: p.metadata!.name!,
        namespace,
        ip: p.status!.podIP!,
        ips: podIps(p),
        serviceAccount: p.spec?.serviceAccountName ?? "default",
        annotations: p.metadata!.annotations ?? {},
        sidecar: sidecarOf(p),
      };
    },
    exec: (pod, container) =>
      podRunner(exec, { namespace: pod.namespace, pod: pod.name, container }, execBudgetMs(timeouts)),
    async istioctl(args) {
      const r = await execa(
        file.istioctlPath,
        [...args, "--kubeconfig", file.kubeconfig, ...(file.context ? ["--context", file.context] : [])],
        // One istioctl read is bounded like a probe's whole convergence.
        { reject: false, timeout: timeouts.consistency },
      );
      return { exitCode: r.exitCode ?? 127, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    async meshClient() {
      return { ...(await certClient("ssc-prometheus", "app=prometheus")), foreign: files(FOREIGN_CERT_DIR) };
    },
    dryRunCreate: (object) => dryRunCreate(kc, object),
    meshPeer: () => certClient(MESH_PEER_ACCOUNT.namespace, `app=${MESH_PEER_ACCOUNT.serviceAccount}`),
    rotationClient: () => certClient(ROTATION_NAMESPACE, "app=prometheus"),
    scrapeIntervalMs: parseDuration(SCRAPE.interval)!,
    async probeClient() {
      return ctx.exec(await ctx.pod("ssc-probe", "app=probe-client"), "client");
    },
    prometheus: (baseUrl, run) => prometheusApi(run, baseUrl, timeouts.request),
    async meshConfig() {
      // A mesh config that cannot be read is an error, never a guess.
      const cm = await core
        .readNamespacedConfigMap({ name: "istio", namespace: "istio-system" })
        .catch((e: unknown) => {
          throw new Error(`cannot read the mesh config istio-system/istio: ${describeError(e)}`);
        });
      return cm.data?.mesh;
    },
    trustDomain: async () => trustDomainOf(await ctx.meshConfig()),
    has: (capability) => hasCapability(file.istioVersion, capability),
  };
  /** A pod's client container with the files its sidecar writes (OUTPUT_CERTS). */
  async function certClient(namespace: string, labelSelector: string) {
    const pod = await ctx.pod(namespace, labelSelector);
    return { run: ctx.exec(pod, "client"), tls: files(CERT_DIR) };
  }
  return ctx;
}
