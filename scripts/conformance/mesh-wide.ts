import { parse as parseYaml } from "yaml";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";
import { SECURE_PORTS_METADATA } from "../render/scenarios.ts";

// Mesh-wide enablement (issue 15, item 5; catalog-facts.md §4, read at 1.31.0-rc.0): the install's
// meshConfig.defaultConfig.proxyMetadata lands in the istio ConfigMap's mesh (the istiod chart's
// configmap.yaml L76-79 merges .Values.meshConfig; istioctl's pilot_merge_meshconfig golden shows
// defaultConfig merged in), the injection template renders it as every sidecar's env (L357-360),
// and the injector then annotates each pod whose ENVOY_SECURE_MERGED_METRICS_PORT is set and not
// "0" with prometheus.istio.io/secure-port (webhook.go applySecurePrometheusAnnotation L886-914;
// webhook_test.go L1830-1833 asserts "0" gets none). A pod's own proxyMetadata wins key by key
// (inject.go L840 applies the pod's proxy.istio.io/config over the mesh's defaultConfig through
// mesh.go MergeProxyConfig L146-157, mergeMap L265-275), which is how the secure Prometheus turns
// its ports off again.

const SECURE_PORT = "prometheus.istio.io/secure-port";
const PROXY_CONFIG = "proxy.istio.io/config";

export interface AnnotatedPod {
  namespace: string;
  name: string;
  annotations: Record<string, string>;
}

const where = (p: AnnotatedPod) => `${p.namespace}/${p.name}`;

/** The mesh's defaultConfig.proxyMetadata, or why it cannot be read. */
function meshProxyMetadata(meshYaml: string | undefined): Record<string, unknown> | string {
  if (meshYaml === undefined) return "the istio ConfigMap has no mesh key";
  let mesh: unknown;
  try {
    mesh = parseYaml(meshYaml);
  } catch (e) {
    return `the mesh config is not YAML: ${(e as Error).message}`;
  }
  const md = (mesh as { defaultConfig?: { proxyMetadata?: unknown } } | null)?.defaultConfig?.proxyMetadata;
  return md !== null && typeof md === "object" ? (md as Record<string, unknown>) : {};
}

/** The mesh config names both secure ports in defaultConfig.proxyMetadata. Anything else is an
 * error, not a failure: the cell (or the cluster the user called mesh-wide) is not what the tests
 * after it assume. */
export function judgeMeshConfig(meshYaml: string | undefined): Verdict {
  const md = meshProxyMetadata(meshYaml);
  if (typeof md === "string") return error("mesh-config", md);
  const off = Object.entries(SECURE_PORTS_METADATA).filter(([k, v]) => md[k] !== v);
  if (off.length > 0) {
    return error(
      "mesh-config",
      `the mesh config's defaultConfig.proxyMetadata does not enable the secure ports (${off.map(([k, v]) => `${k}=${JSON.stringify(md[k] ?? null)}, want "${v}"`).join("; ")}): this cell is not mesh-wide; install with --enablement mesh, or run per pod`,
      [`defaultConfig.proxyMetadata: ${JSON.stringify(md)}`],
    );
  }
  return pass("mesh-config", "the mesh config enables 15091 and 15092 in defaultConfig.proxyMetadata", [
    `defaultConfig.proxyMetadata: ${JSON.stringify(md)}`,
  ]);
}

/** The keys of a pod's own proxy config's proxyMetadata that name a secure port. */
function ownPortKeys(p: AnnotatedPod): string[] | string {
  const raw = p.annotations[PROXY_CONFIG];
  if (raw === undefined) return [];
  let pc: unknown;
  try {
    pc = parseYaml(raw);
  } catch (e) {
    return `${where(p)}'s ${PROXY_CONFIG} is not YAML: ${(e as Error).message}`;
  }
  const md = (pc as { proxyMetadata?: Record<string, unknown> } | null)?.proxyMetadata ?? {};
  return Object.keys(SECURE_PORTS_METADATA).filter((k) => k in md);
}

/** The workload's secure-port annotation came from the mesh: its own proxy config names no secure
 * port (else it shows nothing about meshConfig: an error), and the injector set secure-port to the
 * merged port. */
export function judgeMeshWideWorkload(pod: AnnotatedPod): Verdict {
  const own = ownPortKeys(pod);
  if (typeof own === "string") return error("mesh-wide-annotation", own);
  if (own.length > 0) {
    return error(
      "mesh-wide-annotation",
      `${where(pod)} sets ${own.join(", ")} in its own ${PROXY_CONFIG}: it cannot show what the mesh config enables`,
      [`${PROXY_CONFIG}: ${pod.annotations[PROXY_CONFIG]}`],
    );
  }
  const got = pod.annotations[SECURE_PORT];
  const evidence = [`${SECURE_PORT}: ${got ?? "(absent)"}`];
  const want = SECURE_PORTS_METADATA.ENVOY_SECURE_MERGED_METRICS_PORT;
  if (got !== want) {
    return fail(
      "mesh-wide-annotation",
      `${where(pod)}: the injector ${got === undefined ? "set no" : `set ${got} as`} ${SECURE_PORT} from the mesh-wide ENVOY_SECURE_MERGED_METRICS_PORT, want ${want}: the secure merged job cannot find the pod`,
      evidence,
    );
  }
  return pass(
    "mesh-wide-annotation",
    `${where(pod)}: with no port of its own, the injector set ${SECURE_PORT}=${want} from the mesh config`,
    evidence,
  );
}

/** The secure Prometheus's own "0"s won over the mesh: no secure-port annotation on it, so the
 * secure jobs never take it for a workload (SecureJobsDoNotScrapePrometheus judges what they did). */
export function judgePrometheusOptOut(pod: AnnotatedPod): Verdict {
  const got = pod.annotations[SECURE_PORT];
  const evidence = [`${PROXY_CONFIG}: ${pod.annotations[PROXY_CONFIG] ?? "(absent)"}`];
  if (got !== undefined) {
    return fail(
      "prometheus-opt-out",
      `${where(pod)} carries ${SECURE_PORT}=${got}: its own ENVOY_SECURE_MERGED_METRICS_PORT "0" did not win over the mesh config's, so the secure jobs scrape Prometheus's own sidecar`,
      evidence,
    );
  }
  return pass(
    "prometheus-opt-out",
    `${where(pod)} has no ${SECURE_PORT}: its own proxyMetadata turned the mesh-wide ports off`,
    evidence,
  );
}
