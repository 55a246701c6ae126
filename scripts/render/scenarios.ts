import {
  IMAGES,
  OPERATOR_IMAGES,
  PROBE_CLIENT,
  PROMETHEUS_VERSION,
  prometheusOperatorBundleUrl,
  SAMPLE_PROMETHEUS_IMAGES,
  SAMPLE_PROMETHEUS_SHA256,
  samplePrometheusUrl,
} from "../catalog/images.ts";
import { coreOf } from "../catalog/istio-releases.ts";
import { type NamedRequests, PROMETHEUS_OPERATOR_REQUESTS } from "../catalog/system-requests.ts";
import { ownerLabels } from "../cluster/ownership.ts";
import type { Cell } from "../plan/cells.ts";
import type { ScenarioId } from "../registry/scenarios.ts";
import type { Params } from "./template.ts";

// How each scenario is assembled from the templates in fixtures/: which files, in which
// namespace, with which parameters. The cell decides the variant (native or legacy, ambient).
// Every value a template needs is named here once; the templates hold no copies.

export const PORTS = {
  envoy: 15090,
  agent: 15020,
  secureEnvoy: 15091,
  secureMerged: 15092,
  legacy: 15091,
  /** httpbin's own port (fixtures/workloads/httpbin.yaml containerPort). */
  httpbin: 8080,
  /** The fixtures' metrics app (a Prometheus image) serves its own /metrics here. */
  appMetrics: 9090,
} as const;
export const ISTIO_NAMESPACE = "istio-system";
export const CERT_DIR = "/etc/istio-certs";
/** Where the secure Prometheus's client container finds the foreign-CA client (root-cert.pem,
 * cert-chain.pem, key.pem), from a Secret the suite creates at run time. */
export const FOREIGN_CERT_DIR = "/etc/ssc-foreign";
export const FOREIGN_SECRET = "ssc-foreign-client";
export const SCRAPE = { interval: "5s", timeout: "4s" } as const;
/** The rotation scenario: its namespace, and the workload certificate lifetime its pods ask for
 * (SECRET_TTL through proxyMetadata, catalog-facts.md §1): rotation about every 90 s. */
export const ROTATION_NAMESPACE = "ssc-rotation";
export const ROTATION_TTL = "3m";
/** The mesh workload that is not Prometheus (fixtures/mesh-peer): namespace, service account and
 * app label all say what it is. */
export const MESH_PEER_ACCOUNT = { namespace: "ssc-peer", serviceAccount: "mesh-peer" } as const;

export interface PatchTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** File name of a rendered patch, shared by `ssc render` and the plan's patch steps. */
export function patchFileName(t: PatchTarget): string {
  return `patch-${t.kind.toLowerCase()}-${t.namespace}-${t.name}.yaml`;
}

export interface TemplateUse {
  /** Path under fixtures/. */
  file: string;
  params?: Params;
}

/** A remote manifest applied before a scenario's own objects. The suite does not render it, so what
 * the plan needs from it (images to pull, pods to schedule) is stated here, beside its URL. */
export interface Prerequisite {
  description: string;
  url: string;
  /** The digest the manifest must have, where the suite knows it (else pinned on first use). */
  sha256?: string;
  images: readonly string[];
  /** Its pods' requests, and whether Istio injects a sidecar into them. */
  pods: readonly (NamedRequests & { sidecar: boolean })[];
}

export interface ScenarioDefinition {
  namespace?: { name: string; labels: Record<string, string> };
  objects: TemplateUse[];
  patches: (TemplateUse & { target: PatchTarget })[];
  /** A Prometheus configuration, written as prometheus.yml and as the ConfigMap "prometheus". */
  prometheusConfig?: TemplateUse & {
    /** The namespaces its jobs discover pods in (default: all). */
    discover?: readonly string[];
  };
  /** Remote manifests applied before the scenario's own objects (e.g. an operator bundle). */
  prerequisites: Prerequisite[];
  /** Secrets the suite makes at run time (key material never lands in a rendered file). */
  runtimeSecrets?: { name: string; content: "foreign-client" }[];
}

const INGRESS_GATEWAY: PatchTarget = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  namespace: ISTIO_NAMESPACE,
  name: "istio-ingressgateway",
};

const INJECTED = { "istio-injection": "enabled" };

/** Istio's sample Prometheus's containers request nothing (L553-620 @1.31.0-rc.0). */
const SAMPLE_PROMETHEUS_POD = {
  name: "Deployment istio-system/prometheus (Istio's sample)",
  cpu: "0",
  memory: "0",
};

/** proxyMetadata a pod of the rotation scenario adds: the agent's SECRET_TTL (options.go L76-86
 * @1.31.0-rc.0), rendered as istio-proxy's env by the injection template (L357-360). */
const SHORT_TTL = { SECRET_TTL: ROTATION_TTL };

/** The proxyMetadata that opens both native secure listeners (pilot-agent options.go L150-154
 * @1.31.0-rc.0: each port read from the agent's env, 0 = off). Per pod in a workload's proxy
 * config, or mesh-wide in meshConfig.defaultConfig (a mesh-wide cell's install overlay). */
export const SECURE_PORTS_METADATA = {
  ENVOY_SECURE_METRICS_PORT: String(PORTS.secureEnvoy),
  ENVOY_SECURE_MERGED_METRICS_PORT: String(PORTS.secureMerged),
} as const;

/** The secure Prometheus's proxy config: where its agent writes its certificate files, and (where
 * the native ports exist) both secure ports off. A pod's proxyMetadata wins key by key over the mesh's defaultConfig
 * (pkg/config/mesh/mesh.go MergeProxyConfig L146-157, mergeMap L265 @1.31.0-rc.0), so on a mesh
 * with the ports on mesh-wide Prometheus opens no listener of its own and the injector, reading
 * "0", gives it no secure-port annotation (webhook.go L886-914): the secure jobs never find it.
 * "0" is off in the bootstrap too (pkg/bootstrap/option/instances.go L255-269 skips the option).
 * On any other mesh the zeros change nothing. */
export const prometheusProxyConfig = (native: boolean, extra: Record<string, string> = {}) =>
  JSON.stringify({
    proxyMetadata: {
      OUTPUT_CERTS: CERT_DIR,
      ...(native ? PORTS_OFF : {}),
      ...extra,
    },
  });
/** Every key that opens a secure listener, set to "0". */
const PORTS_OFF = Object.fromEntries(Object.keys(SECURE_PORTS_METADATA).map((k) => [k, "0"]));

/** Pod annotations of a workload using the native secure ports (istio-facts.md §3.2 step 4).
 * Mesh-wide (meshWide) the ports come from meshConfig, so the pod's proxy config leaves them out
 * and is dropped when nothing else is in it. */
export function nativePodAnnotations(
  hardened = false,
  extra: Record<string, string> = {},
  meshWide = false,
): Record<string, string> {
  const proxyMetadata = {
    ...(meshWide ? {} : SECURE_PORTS_METADATA),
    ...(hardened ? { METRICS_LOCALHOST_ACCESS_ONLY: "true" } : {}),
    ...extra,
  };
  return {
    ...(Object.keys(proxyMetadata).length > 0
      ? { "proxy.istio.io/config": JSON.stringify({ proxyMetadata }) }
      : {}),
    "prometheus.io/path": "/stats/prometheus",
    // Nothing sets this one automatically (surprise 3); secure-port is set by the injector.
    "prometheus.istio.io/secure-envoy-port": String(PORTS.secureEnvoy),
  };
}

/** Pod annotations of the legacy Sidecar-ingress workaround (istio-facts.md §3.2 legacy). */
export function legacyPodAnnotations(hardened = false): Record<string, string> {
  return {
    ...(hardened
      ? {
          "proxy.istio.io/config": JSON.stringify({
            proxyMetadata: { METRICS_LOCALHOST_ACCESS_ONLY: "true" },
          }),
        }
      : {}),
    "prometheus.io/scrape": "true",
    "prometheus.io/path": "/stats/prometheus",
    "prometheus.istio.io/secure-port": String(PORTS.legacy),
  };
}

const httpbin = (annotations: Record<string, string>): TemplateUse => ({
  file: "workloads/httpbin.yaml",
  params: { POD_ANNOTATIONS: annotations },
});
const metricsApp = (
  name: string,
  runId: string,
  annotations: Record<string, string> = {},
  podLabels: Record<string, string> = {},
): TemplateUse => ({
  file: "workloads/metrics-app.yaml",
  // The ServiceMonitor selects the Service by its app label; the owner labels let teardown find it.
  params: {
    APP_NAME: name,
    POD_ANNOTATIONS: annotations,
    POD_LABELS: { app: name, ...podLabels },
    SERVICE_LABELS: { app: name, ...ownerLabels(runId) },
  },
});
/** Where the metrics app's own series are, as its prometheus.io annotations announce them. */
export const APP_SCRAPE = { port: String(PORTS.appMetrics), path: "/metrics" } as const;
const announceMetrics = {
  "prometheus.io/scrape": "true",
  "prometheus.io/port": APP_SCRAPE.port,
  "prometheus.io/path": APP_SCRAPE.path,
};
/** Both secure ports, as annotations and PeerAuthentication keys list them. */
const SECURE_PORT_LIST = `${PORTS.secureEnvoy},${PORTS.secureMerged}`;
/** The two mitigations for the secure ports under STRICT (catalog-facts.md §2, capture caveat):
 * inbound capture skips them (istio-iptables -d, CNI sidecar_redirect.go), or a port-level
 * PERMISSIVE keeps the app's TLS unterminated in virtualInbound's per-port passthrough chain
 * (authn/authentication.go ForPassthrough L69-91 @1.31.0-rc.0: a port-level setting on a port no
 * Service targets gets its own passthrough chain). The app's metrics are merged behind 15092. */
export const STRICT_MITIGATED = {
  excluded: "metrics-app-excluded",
  permissive: "metrics-app-secure-permissive",
} as const;
/** A sidecar workload in the ambient namespace (a namespace mixing both data planes): injected by
 * its pod label, which the injector's object selector takes where the namespace has no
 * istio-injection label (istio-discovery mutatingwebhook.yaml L129-145 @1.31.0-rc.0), and so left
 * out of ambient (istio-cni enablement_selector.go L85: a pod with a sidecar is never enrolled). */
export const AMBIENT_SIDECAR_APP = "metrics-app-sidecar";
/** Sidecar pods under a deny-all AuthorizationPolicy, scraped by the ambient Prometheus on the
 * agent's 15020 as the injector announces it (scenario ambient-authz). */
export const AMBIENT_AUTHZ_NAMESPACE = "ssc-ambient-authz";
/** The ambient Prometheus's API (its Service in ssc-ambient), and its job for those sidecar pods. */
export const AMBIENT_PROMETHEUS_URL = "http://prometheus.ssc-ambient.svc:9090";
export const AMBIENT_SIDECAR_JOB = "ambient-to-sidecars";
/** The pod opting out of metrics merging (catalog-facts.md §3). */
export const UNMERGED_APP = "metrics-app-unmerged";

/** Cluster-scoped names carry the run id, so two runs on one cluster never share an object. */
export const clusterScopedName = (base: string, runId: string) => `ssc-${base}-${runId}`;

export function scenarioDefinition(id: ScenarioId, cell: Cell, runId = "render"): ScenarioDefinition {
  const native = cell.secureMetricsMode === "native";
  const meshWide = cell.enablement === "mesh";
  const nativePod = (hardened = false, extra: Record<string, string> = {}) =>
    nativePodAnnotations(hardened, extra, meshWide);
  const base = { patches: [], prerequisites: [] };
  switch (id) {
    case "secure-prometheus":
      return {
        ...base,
        namespace: { name: "ssc-prometheus", labels: {} },
        objects: [
          {
            file: "secure-prometheus/prometheus.yaml",
            params: {
              CLUSTER_ROLE: clusterScopedName("secure-prometheus", runId),
              PROXY_CONFIG: prometheusProxyConfig(native),
            },
          },
        ],
        runtimeSecrets: [{ name: FOREIGN_SECRET, content: "foreign-client" }],
        prometheusConfig: { file: "secure-prometheus/prometheus.yml" },
      };
    case "rotation":
      // Its own Prometheus: the short TTL is a pod's proxy config, and the secure Prometheus of the
      // other tests keeps 24h certificates. No foreign-CA Secret: its volume is optional.
      return {
        ...base,
        namespace: { name: ROTATION_NAMESPACE, labels: INJECTED },
        objects: [
          {
            file: "secure-prometheus/prometheus.yaml",
            params: {
              CLUSTER_ROLE: clusterScopedName("rotation-prometheus", runId),
              PROXY_CONFIG: prometheusProxyConfig(native, SHORT_TTL),
            },
          },
          httpbin(nativePod(false, SHORT_TTL)),
        ],
        // It judges only its own httpbin: discovering the whole cell would scrape every secure target.
        prometheusConfig: { file: "secure-prometheus/prometheus.yml", discover: [ROTATION_NAMESPACE] },
      };
    case "httpbin-native":
      return {
        ...base,
        namespace: { name: "ssc-native", labels: INJECTED },
        objects: [httpbin(nativePod())],
      };
    case "httpbin-hardened":
      return {
        ...base,
        namespace: { name: "ssc-hardened", labels: INJECTED },
        objects: native
          ? [httpbin(nativePod(true))]
          : [httpbin(legacyPodAnnotations(true)), { file: "legacy-sidecar/sidecar.yaml" }],
      };
    case "legacy-sidecar":
      return {
        ...base,
        namespace: { name: "ssc-legacy", labels: INJECTED },
        objects: [httpbin(legacyPodAnnotations()), { file: "legacy-sidecar/sidecar.yaml" }],
      };
    // Mesh-wide, both gateways take the ports from the mesh config alone, so their tests show
    // mesh-wide enablement reaching gateways; the annotations stay, as nothing sets them on gateways.
    case "ingress-gateway-native":
      return {
        ...base,
        objects: [],
        patches: [
          {
            file: `ingress-gateway-native/${meshWide ? "patch-meshwide" : "patch"}.yaml`,
            target: INGRESS_GATEWAY,
          },
        ],
      };
    case "gateway-api-native": {
      const params = { GATEWAY_NAME: "secure-gateway" };
      return {
        ...base,
        namespace: { name: "ssc-gateway-api", labels: {} },
        objects: [
          ...(meshWide ? [] : [{ file: "gateway-api-native/proxy-config.yaml", params }]),
          { file: "gateway-api-native/gateway.yaml", params },
        ],
      };
    }
    case "gateway-api-docs-path":
      return {
        ...base,
        namespace: { name: "ssc-gateway-docs", labels: {} },
        objects: [{ file: "gateway-api-docs-path/gateway.yaml", params: { GATEWAY_NAME: "docs-gateway" } }],
      };
    case "legacy-gateway":
      return {
        ...base,
        namespace: { name: "ssc-legacy-gateway", labels: {} },
        objects: [{ file: "legacy-gateway/gateway.yaml" }],
        patches: [{ file: "legacy-gateway/patch.yaml", target: INGRESS_GATEWAY }],
      };
    case "strict-mtls":
      return {
        ...base,
        namespace: { name: "ssc-strict", labels: INJECTED },
        objects: [
          {
            file: "strict-mtls/peer-authentication.yaml",
            params: { PERMISSIVE_APP: "metrics-app-permissive" },
          },
          // httpbin with the native ports, for the STRICT finding; no test uses it in legacy cells.
          ...(native ? [httpbin(nativePod())] : []),
          metricsApp("metrics-app", runId),
          metricsApp("metrics-app-permissive", runId),
          ...(native
            ? [
                metricsApp(STRICT_MITIGATED.excluded, runId, {
                  ...nativePod(),
                  ...announceMetrics,
                  "traffic.sidecar.istio.io/excludeInboundPorts": SECURE_PORT_LIST,
                }),
                metricsApp(STRICT_MITIGATED.permissive, runId, {
                  ...nativePod(),
                  ...announceMetrics,
                }),
                {
                  file: "strict-mtls/secure-ports-permissive.yaml",
                  params: {
                    APP: STRICT_MITIGATED.permissive,
                    SECURE_ENVOY_PORT: PORTS.secureEnvoy,
                    SECURE_MERGED_PORT: PORTS.secureMerged,
                  },
                },
              ]
            : []),
        ],
      };
    case "ambient":
      return {
        ...base,
        namespace: { name: "ssc-ambient", labels: { "istio.io/dataplane-mode": "ambient" } },
        objects: [
          httpbin({}),
          metricsApp("metrics-app", runId, announceMetrics),
          ...(native
            ? [
                metricsApp(
                  AMBIENT_SIDECAR_APP,
                  runId,
                  // scrape "false" keeps the ambient Prometheus (ambient-apps job) off it: its plain
                  // connection to a pod outside ambient would be an "unknown" series in this
                  // namespace. The injector then merges nothing; secure-port is set all the same
                  // (webhook.go postProcessPod L752-756 @1.31.0-rc.0).
                  { ...nativePod(), "prometheus.io/scrape": "false" },
                  { "sidecar.istio.io/inject": "true" },
                ),
              ]
            : []),
          {
            file: "ambient/prometheus.yaml",
            params: { CLUSTER_ROLE: clusterScopedName("ambient-prometheus", runId) },
          },
        ],
        prometheusConfig: {
          file: "ambient/prometheus.yml",
          params: { SIDECAR_NAMESPACE: AMBIENT_AUTHZ_NAMESPACE },
        },
      };
    case "prometheus-operator":
      return {
        ...base,
        namespace: { name: "ssc-operator", labels: {} },
        objects: [
          {
            file: "prometheus-operator/prometheus.yaml",
            params: {
              CLUSTER_ROLE: clusterScopedName("operator-prometheus", runId),
              MONITOR_LABELS: { "ssc.istio.io/monitor": "secure" },
              TARGET_APP: "metrics-app",
              TARGET_NAMESPACE: "ssc-strict",
            },
          },
        ],
        prerequisites: [
          {
            description: "prometheus-operator CRDs and operator",
            url: prometheusOperatorBundleUrl(),
            images: OPERATOR_IMAGES,
            pods: [{ ...PROMETHEUS_OPERATOR_REQUESTS, sidecar: false }],
          },
        ],
      };
    case "metrics-merging":
      return {
        ...base,
        namespace: { name: "ssc-merging", labels: INJECTED },
        objects: [
          metricsApp("metrics-app", runId, announceMetrics),
          metricsApp(UNMERGED_APP, runId, {
            ...announceMetrics,
            "prometheus.istio.io/merge-metrics": "false",
          }),
        ],
      };
    case "ambient-authz":
      // A sidecar workload as any injected one is (the injector's prometheus.io merge annotations),
      // under Istio's deny-all.
      return {
        ...base,
        namespace: { name: AMBIENT_AUTHZ_NAMESPACE, labels: INJECTED },
        objects: [httpbin({}), { file: "authz/deny-all.yaml" }],
      };
    case "authz-deny":
      return {
        ...base,
        namespace: { name: "ssc-authz-deny", labels: INJECTED },
        objects: [httpbin(nativePod()), { file: "authz/deny-all.yaml" }],
      };
    case "authz-allow":
      return {
        ...base,
        namespace: { name: "ssc-authz-allow", labels: INJECTED },
        objects: [
          httpbin(nativePod()),
          { file: "authz/deny-all.yaml" },
          {
            file: "authz/allow-secure-ports.yaml",
            params: {
              SECURE_ENVOY_PORT: String(PORTS.secureEnvoy),
              SECURE_MERGED_PORT: String(PORTS.secureMerged),
            },
          },
        ],
      };
    case "mesh-peer":
      return {
        ...base,
        namespace: { name: MESH_PEER_ACCOUNT.namespace, labels: {} },
        objects: [{ file: "mesh-peer/mesh-peer.yaml", params: { PEER: MESH_PEER_ACCOUNT.serviceAccount } }],
      };
    case "sample-prometheus": {
      // Unchanged: nothing of the suite's is added, so it is what istio.io's task deploys. A vendor
      // build (1.31.1-solo) has no istio/istio tag: its semver core's sample is the one it ships, as
      // its semver core's istioctl is the one that reads it (istio-releases.ts).
      const tag = coreOf(cell.istioVersion);
      const sha256 = SAMPLE_PROMETHEUS_SHA256[tag];
      return {
        ...base,
        objects: [],
        prerequisites: [
          {
            description: `istio/istio ${tag} samples/addons/extras/prometheus-secure-metrics.yaml, unchanged`,
            url: samplePrometheusUrl(tag),
            ...(sha256 ? { sha256 } : {}),
            images: SAMPLE_PROMETHEUS_IMAGES,
            // It requests nothing itself; its injected sidecar does.
            pods: [{ ...SAMPLE_PROMETHEUS_POD, sidecar: true }],
          },
        ],
      };
    }
    case "probe-client":
      return {
        ...base,
        namespace: { name: "ssc-probe", labels: {} },
        objects: [{ file: "probe-client/probe-client.yaml" }],
      };
  }
}

/** Parameters every template may use; scenario-specific ones are merged over these. */
export function commonParams(runId: string, namespace: string | undefined): Params {
  return {
    NAMESPACE: namespace ?? ISTIO_NAMESPACE,
    ISTIO_NAMESPACE,
    COMMON_LABELS: ownerLabels(runId),
    HTTPBIN_IMAGE: IMAGES.httpbin,
    PROMETHEUS_IMAGE: IMAGES.prometheus,
    PROBE_IMAGE: PROBE_CLIENT.image,
    PROBE_UID: PROBE_CLIENT.uid,
    PROBE_GID: PROBE_CLIENT.gid,
    PROMETHEUS_VERSION,
    CERT_DIR,
    FOREIGN_CERT_DIR,
    FOREIGN_SECRET,
    SCRAPE_INTERVAL: SCRAPE.interval,
    SCRAPE_TIMEOUT: SCRAPE.timeout,
    SECURE_ENVOY_PORT: PORTS.secureEnvoy,
    SECURE_MERGED_PORT: PORTS.secureMerged,
    LEGACY_PORT: PORTS.legacy,
  };
}

/** Why a scenario cannot run on a cluster the suite does not own, or undefined when it can. */
export function byoObstacle(def: ScenarioDefinition): string | undefined {
  const patch = def.patches[0];
  if (patch) {
    return `patches ${patch.target.namespace}/${patch.target.name}, which a bring-your-own cluster owns`;
  }
  const pre = def.prerequisites[0];
  if (pre) return `installs ${pre.description} cluster-wide, which a bring-your-own cluster manages itself`;
  return undefined;
}
