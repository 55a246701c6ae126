import { randomInt } from "node:crypto";
import { parse as parseYaml, stringify } from "yaml";
import { expandMatrix } from "../plan/cells.ts";
import type { SidecarState } from "../probes/sidecar.ts";
import { helperRunner } from "../probes/spawner.ts";
import { withFileSd } from "../render/prometheus-config.ts";
import { renderScenario } from "../render/render-cell.ts";
import { APP_SCRAPE, MESH_PEER_ACCOUNT, PORTS } from "../render/scenarios.ts";
import { parseDuration, type Timeouts } from "../timeouts.ts";
import { budgetScale, labTimeouts } from "./budgets.ts";
import { takeIpv6Loopback } from "./ipv6-lock.ts";
import {
  type CertificateAuthority,
  type ClientFiles,
  createCa,
  issueWorkload,
  type KeyAndCert,
  privateDir,
  rewriteClientFiles,
  spiffeId,
  workloadAsIssuer,
  writeClientFiles,
} from "./pki.ts";
import { type PodFaults, type RunningPod, startPod, startZtunnel } from "./pod.ts";
import { type LabPrometheus, startPrometheus } from "./prometheus-server.ts";

// The offline mesh lab: real TLS with the suite's own PKI, "pods" on loopback addresses, and a real
// Prometheus running the fixtures' own scrape jobs (kubernetes_sd swapped for file_sd carrying the
// same __meta_kubernetes_* labels). Everything it starts, dispose() stops.
export const TRUST_DOMAIN = "cluster.local";
export const LAB_NAMESPACE = "lab";
const LAB_SCRAPE_INTERVAL = "1s";
const PROMETHEUS_ID = spiffeId(TRUST_DOMAIN, "ssc-prometheus", "prometheus");
/** The mesh workload that is not Prometheus, as fixtures/mesh-peer names it. */
export const PEER_ID = spiffeId(TRUST_DOMAIN, MESH_PEER_ACCOUNT.namespace, MESH_PEER_ACCOUNT.serviceAccount);

export interface LabPodInput {
  name: string;
  hardened?: boolean;
  faults?: PodFaults;
  /** The secure listeners also trust the lab's foreign CA. */
  trustForeignCa?: boolean;
  /** Present a certificate for another identity than the pod's own. */
  wrongIdentity?: boolean;
  /** The secure listeners admit Prometheus's identity only (a SAN check Istio does not do). */
  onlyPrometheus?: boolean;
  /** Present the pod's own SPIFFE identity in a certificate from a CA outside the mesh. */
  identityFromForeignCa?: boolean;
  /** Present the pod's own SPIFFE identity signed with another workload's key (its certificate,
   * CA:false, chains to the mesh root): the chain any workload of the mesh could forge. */
  identityViaWorkloadCert?: boolean;
  /** Leave out prometheus.istio.io/secure-port (as an injector before 1.31 does). */
  withoutSecurePortAnnotation?: boolean;
  /** Leave out prometheus.istio.io/secure-envoy-port (nothing sets it automatically). */
  withoutSecureEnvoyPort?: boolean;
  /** Registered with Prometheus but no process listening: the target is down. */
  down?: boolean;
  /** The pod's address is IPv6 (::1), as on an IPv6 or IPv6-first cluster. */
  ipv6?: boolean;
  /** Annotated prometheus.istio.io/merge-metrics: "false": "honoured" keeps the app's own
   * prometheus.io port and path and merges nothing; "ignored" merges as if unannotated. */
  mergeOptOut?: "honoured" | "ignored";
  /** What t.pod() says of its istio-proxy (default: a ready native sidecar, as 1.31 injects). */
  sidecar?: SidecarState;
  /** Its server certificate is short-lived and replaced every rotation period (LabInput.rotation). */
  rotate?: boolean;
  /** Its ports serve another Envoy's stats, the requests counted naming that workload (as a
   * scraper's own sidecar answering for every target would, istio#31301). */
  statsOf?: { namespace: string; workload: string };
}

/** Short-lived certificates replaced on a schedule, as an agent with a short SECRET_TTL replaces
 * them: the rotating pods' server certificates and the rotation client's files, every periodMs,
 * each new certificate valid for lifetimeMs from its issue. */
export interface LabRotation {
  periodMs: number;
  lifetimeMs: number;
}

/** A certificate for `identity` signed with another workload's key, sent with that workload's
 * certificate so the chain reaches the mesh root by signatures. */
async function forgedByWorkload(mesh: CertificateAuthority, identity: string): Promise<KeyAndCert> {
  const other = await workloadAsIssuer(mesh, spiffeId(TRUST_DOMAIN, "other", "other"));
  const leaf = await issueWorkload(other, identity);
  return { certPem: `${leaf.certPem}\n${other.certPem}`, keyPem: leaf.keyPem };
}

/** How a secure Prometheus's certificate files can be wrong: another workload's identity, a chain
 * that does not lead to the root beside it, a key that cannot be read. */
export type BrokenClient = "wrong-identity" | "not-chaining" | "key-missing";

/** A copy of the secure merged job with its own changes. */
export interface JobVariant {
  name: string;
  withoutClientCert?: boolean;
  /** The address rewrite as the upstream sample has it ($1:$2 only): no brackets for IPv6. */
  documentedAddressRewrite?: boolean;
}

export interface LabInput {
  pods: LabPodInput[];
  /** Extra scrape jobs: copies of the secure merged job with their own changes. */
  jobVariants?: JobVariant[];
  /** Exposition text the lab ztunnel serves on 15020/metrics. */
  ztunnelMetrics?: string;
  scrapeInterval?: string;
  rotation?: LabRotation;
}

export interface LabPod {
  name: string;
  ip: string;
  /** The SPIFFE id the pod's certificate should carry. */
  identity: string;
  /** The pod's annotations, as Prometheus's discovery sees them (and a cell's t.pod() returns). */
  annotations: Record<string, string>;
  sidecar: SidecarState;
}

export interface Lab {
  prometheus: LabPrometheus;
  /** The convergence budgets for this machine (budgets.ts budgetScale). */
  timeouts: Timeouts;
  /** What starting one process took here (median of a few), which sized `timeouts`. */
  processStartMs: number;
  meshClient: ClientFiles;
  foreignClient: ClientFiles;
  /** A mesh workload's own files that is not Prometheus (the any-mesh-identity finding). */
  peerClient: ClientFiles;
  /** Client files as a broken OUTPUT_CERTS would leave them, for the precondition's faults. */
  brokenClients: Record<BrokenClient, ClientFiles>;
  pods: Record<string, LabPod>;
  /** The lab ztunnel's address, when the lab serves ztunnel metrics. */
  ztunnel?: { ip: string };
  /** With LabInput.rotation: Prometheus's files rewritten on every rotation as OUTPUT_CERTS is,
   * and a copy of them issued once and never rewritten (the rotation probe's fault). */
  rotationClients?: { rotating: ClientFiles; frozen: ClientFiles };
  scrapeIntervalMs: number;
  dir: string;
  dispose(): Promise<void>;
}

/** A lab pod's Envoy stats; its requests are counted as a workload's own Envoy counts the ones it
 * served: destination side, naming its own namespace and workload (what the scrape-origin probe
 * reads to tell whose Envoy answered a scrape). */
const envoyStats = (w: { namespace: string; workload: string }) => `# TYPE envoy_server_live gauge
envoy_server_live 1
# TYPE istio_requests_total counter
istio_requests_total{response_code="200",reporter="destination",destination_workload_namespace="${w.namespace}",destination_workload="${w.workload}"} 7
`;

/** What the app beside each lab pod's sidecar serves: the fixtures' metrics app is a Prometheus
 * image, whose /metrics always carries this family (written in the form Prometheus writes it). */
const APP_STATS = `# HELP prometheus_build_info A metric with a constant '1' value labeled by version, revision, branch, goversion from which prometheus was built, and the goos and goarch for the build.
# TYPE prometheus_build_info gauge
prometheus_build_info{branch="HEAD",goarch="amd64",goos="linux",goversion="go1.24.4",revision="lab",tags="netgo,builtinassets",version="3.10.0"} 1
`;

/** A merge the injector made (webhook.go applyPrometheusMerge): port 15020 and /stats/prometheus;
 * an opt-out it honoured leaves the app's own. */
const merged = (p: LabPodInput) => p.mergeOptOut !== "honoured";

/** What the injector sets (prometheus.io/*, secure-port) and what the fixtures add by hand. */
const podAnnotations = (p: LabPodInput): Record<string, string> => ({
  "prometheus.io/scrape": "true",
  "prometheus.io/port": merged(p) ? String(PORTS.agent) : APP_SCRAPE.port,
  "prometheus.io/path": merged(p) ? "/stats/prometheus" : APP_SCRAPE.path,
  ...(p.mergeOptOut ? { "prometheus.istio.io/merge-metrics": "false" } : {}),
  ...(p.withoutSecurePortAnnotation ? {} : { "prometheus.istio.io/secure-port": "15092" }),
  ...(p.withoutSecureEnvoyPort ? {} : { "prometheus.istio.io/secure-envoy-port": "15091" }),
});

/** Kubernetes discovery's meta labels: annotation names sanitized to label names. */
const podLabels = (p: LabPodInput, ip: string, annotations: Record<string, string>) => ({
  __meta_kubernetes_pod_ip: ip,
  __meta_kubernetes_pod_name: `${p.name}-0`,
  __meta_kubernetes_namespace: LAB_NAMESPACE,
  __meta_kubernetes_pod_phase: "Running",
  __meta_kubernetes_pod_label_app: p.name,
  ...Object.fromEntries(
    Object.entries(annotations).map(([k, v]) => [
      `__meta_kubernetes_pod_annotation_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`,
      v,
    ]),
  ),
});

interface ScrapeJob {
  job_name: string;
  tls_config?: Record<string, unknown>;
  relabel_configs?: { replacement?: string }[];
}

/** The fixtures' Prometheus configurations, rendered for the lab and merged into one. */
function labConfig(certDir: string, input: LabInput): string {
  const [cell] = expandMatrix({ istio: ["latest"], profiles: ["ambient"] });
  const overrides = {
    CERT_DIR: certDir,
    SCRAPE_INTERVAL: input.scrapeInterval ?? LAB_SCRAPE_INTERVAL,
    SCRAPE_TIMEOUT: "1s",
  };
  const secure = parseYaml(
    renderScenario("secure-prometheus", cell!, "lab", overrides).prometheusConfig!,
  ) as {
    scrape_configs: ScrapeJob[];
  };
  const ambient = parseYaml(renderScenario("ambient", cell!, "lab", overrides).prometheusConfig!) as {
    scrape_configs: ScrapeJob[];
  };
  const merged = secure.scrape_configs.find((j) => j.job_name === "istio-secure-merged-metrics")!;
  const variants = (input.jobVariants ?? []).map((v) => {
    const job: ScrapeJob = structuredClone(merged);
    job.job_name = v.name;
    if (v.withoutClientCert) {
      delete job.tls_config!.cert_file;
      delete job.tls_config!.key_file;
    }
    if (v.documentedAddressRewrite) {
      job.relabel_configs = job.relabel_configs!.filter((r) => r.replacement !== "[$1]:$2");
    }
    return job;
  });
  secure.scrape_configs.push(...ambient.scrape_configs, ...variants);
  return stringify(secure);
}

/** The median time of five `curl --version` starts, one after another, through the lab's own
 * process helper: what each of the lab's requests pays before it sends a byte. */
async function measureProcessStart(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await helperRunner(["curl", "--version"]);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[2]!;
}

/** Runs `step` every periodMs, one at a time; the stop waits for a step under way, so nothing is
 * written into the lab's folder after it is removed. A step that fails leaves that rotation
 * undone, which the rotation probe then reports. */
function rotateEvery(periodMs: number, step: () => Promise<void>): () => Promise<void> {
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(step).catch(() => undefined);
  }, periodMs);
  return async () => {
    clearInterval(timer);
    await current;
  };
}

/** A free block of loopback addresses: 127.B.0.N are pod IPs, 127.B.1.N the pods' own loopback. */
const block = () => randomInt(10, 250);
/** Blocks held by this process's labs: a test file may start several labs at once. */
const blocksInUse = new Set<number>();
/** Tries of another block when an address is taken (by a lab of another process). */
const BLOCK_TRIES = 5;

const addressTaken = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE";

export async function startLab(input: LabInput): Promise<Lab> {
  for (let tries = 1; ; tries++) {
    let b = block();
    while (blocksInUse.has(b)) b = block();
    blocksInUse.add(b);
    try {
      const lab = await startLabAt(input, b);
      return {
        ...lab,
        dispose: async () => {
          await lab.dispose();
          blocksInUse.delete(b);
        },
      };
    } catch (e) {
      blocksInUse.delete(b);
      if (!addressTaken(e) || tries >= BLOCK_TRIES) throw e;
    }
  }
}

async function startLabAt(input: LabInput, b: number): Promise<Lab> {
  const dir = await privateDir("ssc-lab");
  const stops: (() => Promise<void>)[] = [];
  const dispose = async () => {
    await Promise.allSettled(stops.reverse().map((s) => s()));
    await dir.dispose();
  };
  try {
    // Released last (stops run in reverse): after the IPv6 pod's servers are closed.
    if (input.pods.some((p) => p.ipv6)) stops.push(await takeIpv6Loopback());
    const mesh = await createCa("Lab Mesh");
    const foreign = await createCa("Lab Foreign");
    const meshClient = await writeClientFiles(
      dir,
      "istio-certs",
      mesh.certPem,
      await issueWorkload(mesh, PROMETHEUS_ID),
    );
    const foreignClient = await writeClientFiles(
      dir,
      "foreign",
      foreign.certPem,
      await issueWorkload(foreign, PROMETHEUS_ID),
    );
    const peerClient = await writeClientFiles(
      dir,
      "mesh-peer",
      mesh.certPem,
      await issueWorkload(mesh, PEER_ID),
    );
    const brokenClients: Record<BrokenClient, ClientFiles> = {
      "wrong-identity": await writeClientFiles(
        dir,
        "wrong-identity",
        mesh.certPem,
        await issueWorkload(mesh, spiffeId(TRUST_DOMAIN, "other", "other")),
      ),
      "not-chaining": await writeClientFiles(
        dir,
        "not-chaining",
        mesh.certPem,
        await issueWorkload(foreign, PROMETHEUS_ID),
      ),
      "key-missing": { ...meshClient, key: `${meshClient.key}.missing` },
    };

    const rotation = input.rotation;
    const shortLived = (id: string) =>
      issueWorkload(mesh, id, [], {
        notBefore: new Date(),
        notAfter: new Date(Date.now() + (rotation?.lifetimeMs ?? 0)),
      });
    const rotating: { pod: RunningPod; identity: string }[] = [];
    const pods: Record<string, LabPod> = {};
    const sdPods: object[] = [];
    for (const [i, p] of input.pods.entries()) {
      // IPv6 has one loopback address: one IPv6 pod per lab, one such lab per machine at a time
      // (takeIpv6Loopback above).
      const ip = p.ipv6 ? "::1" : `127.${b}.0.${i + 2}`;
      const identity = spiffeId(TRUST_DOMAIN, LAB_NAMESPACE, p.name);
      const annotations = podAnnotations(p);
      const sidecar = p.sidecar ?? { kind: "native", ready: true, restarts: 0 };
      pods[p.name] = { name: p.name, ip, identity, annotations, sidecar };
      sdPods.push({ targets: [ip], labels: podLabels(p, ip, annotations) });
      if (p.down) continue;
      // A pod rotates only in a lab that rotates.
      const rotates = p.rotate === true && rotation !== undefined;
      const cert: KeyAndCert = rotates
        ? await shortLived(identity)
        : await issueWorkload(mesh, p.wrongIdentity ? spiffeId(TRUST_DOMAIN, "other", "other") : identity);
      const pod: RunningPod = await startPod({
        name: p.name,
        namespace: LAB_NAMESPACE,
        ip,
        local: `127.${b}.1.${i + 2}`,
        serverCert: cert,
        meshRoot: mesh.certPem,
        hardened: p.hardened ?? true,
        faults: {
          ...p.faults,
          ...(p.trustForeignCa ? { alsoTrust: foreign.certPem } : {}),
          ...(p.onlyPrometheus ? { onlyClientIdentity: PROMETHEUS_ID } : {}),
          ...(p.identityFromForeignCa ? { serverCertOverride: await issueWorkload(foreign, identity) } : {}),
          ...(p.identityViaWorkloadCert
            ? { serverCertOverride: await forgedByWorkload(mesh, identity) }
            : {}),
        },
        envoyStats: envoyStats(p.statsOf ?? { namespace: LAB_NAMESPACE, workload: p.name }),
        ...(merged(p) ? { appStats: APP_STATS } : {}),
      });
      stops.push(pod.stop);
      if (rotates) rotating.push({ pod, identity });
    }
    let rotationClients: Lab["rotationClients"];
    if (rotation) {
      rotationClients = {
        rotating: await writeClientFiles(
          dir,
          "rotation-client",
          mesh.certPem,
          await shortLived(PROMETHEUS_ID),
        ),
        frozen: await writeClientFiles(dir, "rotation-frozen", mesh.certPem, await shortLived(PROMETHEUS_ID)),
      };
      stops.push(
        rotateEvery(rotation.periodMs, async () => {
          await rewriteClientFiles(rotationClients!.rotating, mesh.certPem, await shortLived(PROMETHEUS_ID));
          for (const r of rotating) r.pod.rotate(await shortLived(r.identity));
        }),
      );
    }
    const sdZtunnel: object[] = [];
    let ztunnel: Lab["ztunnel"];
    if (input.ztunnelMetrics) {
      const ip = `127.${b}.2.2`;
      ztunnel = { ip };
      const z = await startZtunnel(ip, input.ztunnelMetrics);
      stops.push(z.stop);
      sdZtunnel.push({
        targets: [ip],
        labels: {
          __meta_kubernetes_pod_ip: ip,
          __meta_kubernetes_pod_label_app: "ztunnel",
          __meta_kubernetes_pod_name: "ztunnel-0",
        },
      });
    }
    const sdFiles: Record<string, string> = {
      pods: await dir.write("sd/pods.json", JSON.stringify(sdPods)),
      ztunnel: await dir.write("sd/ztunnel.json", JSON.stringify(sdZtunnel)),
      none: await dir.write("sd/none.json", "[]"),
    };
    const config = withFileSd(labConfig(meshClient.ca.replace(/\/root-cert\.pem$/, ""), input), (job) =>
      job === "ztunnel"
        ? sdFiles.ztunnel!
        : job === "ambient-apps" || job === "ambient-to-sidecars"
          ? sdFiles.none!
          : sdFiles.pods!,
    );
    const configFile = await dir.write("prometheus.yml", config);
    const prometheus = await startPrometheus(configFile, dir.path);
    stops.push(prometheus.stop);
    const processStartMs = await measureProcessStart();
    const timeouts = labTimeouts(budgetScale(processStartMs));
    return {
      prometheus,
      timeouts,
      processStartMs,
      meshClient,
      foreignClient,
      peerClient,
      brokenClients,
      pods,
      ...(ztunnel ? { ztunnel } : {}),
      ...(rotationClients ? { rotationClients } : {}),
      scrapeIntervalMs: parseDuration(input.scrapeInterval ?? LAB_SCRAPE_INTERVAL)!,
      dir: dir.path,
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}
