import { isIPv6 } from "node:net";
import { SAMPLE_PROMETHEUS } from "../catalog/images.ts";
import { describeError } from "../errors.ts";
import { probeClientCertificates } from "../probes/client-certs.ts";
import { type Convergence, converge } from "../probes/converge.ts";
import { type CommandRunner, type CurlResult, curl } from "../probes/curl.ts";
import {
  type EndpointCheck,
  endpointProbes,
  probeIdentity,
  probeLocalhostOnly,
} from "../probes/http-probes.ts";
import {
  checkListeners,
  checkZtunnelWorkloads,
  type ListenerExpectation,
  type WorkloadExpectation,
} from "../probes/istioctl-output.ts";
import { probePayload } from "../probes/payload.ts";
import { type PrometheusApi, probeAllSeries, probeTarget } from "../probes/prometheus.ts";
import { judgeSidecar } from "../probes/sidecar.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";
import {
  AMBIENT_PROMETHEUS_URL,
  AMBIENT_SIDECAR_JOB,
  MESH_PEER_ACCOUNT,
  PORTS,
  ROTATION_TTL,
} from "../render/scenarios.ts";
import { parseDuration } from "../timeouts.ts";
import { probeAgentScrapes } from "./agent-scrapes.ts";
import { judgeAmbientAuthz } from "./ambient-authz.ts";
import { judgeAuthz } from "./authz.ts";
import type { CellContext, PodInfo } from "./context.ts";
import { DOCUMENTED_JOB, probeDocumentedRewrite } from "./documented-rewrite.ts";
import { judgeStrictScrape } from "./findings.ts";
import { probeMergedAppSeries } from "./merged-app.ts";
import {
  judgeMergedMetrics,
  judgeOptOutAnnotations,
  judgeUnmergedMetrics,
  type ScrapeAnnotations,
} from "./merging.ts";
import { judgeMeshPeerScrape } from "./mesh-peer.ts";
import { judgeMeshConfig, judgeMeshWideWorkload, judgePrometheusOptOut } from "./mesh-wide.ts";
import { judgePermissivePort } from "./permissive-port.ts";
import {
  BACKDATE_MS,
  judgeContinuity,
  judgeRotation,
  LIFETIME_SLACK_MS,
  ROTATIONS_WANTED,
  sampleRotation,
  upSamples,
  watchRotation,
} from "./rotation.ts";
import { asPredicted } from "./sample-mesh-wide.ts";
import { originLooks, probeScrapeOrigin } from "./scrape-origin.ts";
import { observeSelfScrape, probeSelfScrape } from "./self-scrape.ts";

// Building blocks the suites compose, so suites/ stays declarations and assertions. Every block
// returns verdicts from the probes the lab proves; nothing here decides pass or fail by itself.
export const SECURE_JOBS = {
  merged: "istio-secure-merged-metrics",
  envoy: "istio-secure-envoy-metrics",
} as const;

export interface SecurePort {
  port: number;
  job: (typeof SECURE_JOBS)[keyof typeof SECURE_JOBS];
}

/** The secure Prometheus's identity (fixtures/secure-prometheus: namespace and service account). */
export const PROMETHEUS_ACCOUNT = { namespace: "ssc-prometheus", serviceAccount: "prometheus" } as const;

/** A check that scrapes with the Prometheus pod's certificates stands on them: when they are not
 * what they must be, its tests are errors naming the precondition, never failures. */
export class PreconditionFailed extends Error {
  readonly verdict: Verdict;
  constructor(verdict: Verdict) {
    super(`precondition failed: ${verdict.summary}`);
    this.verdict = verdict;
  }
}

const preconditions = new WeakMap<CellContext, Promise<Verdict>>();

/** The certificate files appear within seconds of the sidecar starting: look once a second. */
export const PRECONDITION_INTERVAL_MS = 1_000;

/** The secure Prometheus's certificate files (OUTPUT_CERTS), judged once per cell under convergence. */
export function clientCertificateCheck(t: CellContext): Promise<Verdict> {
  let v = preconditions.get(t);
  if (!v) {
    v = (async () => {
      const client = await t.meshClient();
      const { namespace, serviceAccount } = PROMETHEUS_ACCOUNT;
      const id = `spiffe://${await t.trustDomain()}/ns/${namespace}/sa/${serviceAccount}`;
      return converge(
        () => probeClientCertificates(client.run, client.tls, id),
        t.converge("consistency", PRECONDITION_INTERVAL_MS),
      );
    })();
    preconditions.set(t, v);
  }
  return v;
}

/** What a check that threw could tell: nothing (an error), naming the failed precondition it stood
 * on, or what was thrown. Never a failure or a pass. */
export function thrownVerdict(probe: string, e: unknown): Verdict {
  return e instanceof PreconditionFailed
    ? error(probe, e.message, e.verdict.evidence)
    : error(probe, `test body threw: ${describeError(e)}`);
}

/** The sidecar precondition of a pod the secure ports are checked on: its istio-proxy injected and
 * ready, or PreconditionFailed (a pod the webhook skipped has no secure port to judge). */
export function sidecarCheck(pod: PodInfo): Verdict {
  return judgeSidecar(`${pod.namespace}/${pod.name}`, pod.sidecar);
}

export function requireSidecar(pod: PodInfo): void {
  const v = sidecarCheck(pod);
  if (v.verdict !== "pass") throw new PreconditionFailed(v);
}

/** The mesh client, once its certificates are shown good; else PreconditionFailed. */
export async function readyClient(t: CellContext): ReturnType<CellContext["meshClient"]> {
  const pre = await clientCertificateCheck(t);
  if (pre.verdict !== "pass") throw new PreconditionFailed(pre);
  return t.meshClient();
}

/** The secure Prometheus's API, read from its client container (which shares the Prometheus pod's
 * network: the API is on localhost), once the client's certificates are shown good. */
async function securePrometheusApi(t: CellContext): Promise<PrometheusApi> {
  const client = await readyClient(t);
  return t.prometheus(t.securePrometheusUrl, client.run);
}

/** The ports a workload's metrics are scraped on over mTLS in this cell's mode. */
export function securePorts(t: CellContext): SecurePort[] {
  return t.secureMetricsMode === "native"
    ? [
        { port: PORTS.secureEnvoy, job: SECURE_JOBS.envoy },
        { port: PORTS.secureMerged, job: SECURE_JOBS.merged },
      ]
    : [{ port: PORTS.legacy, job: SECURE_JOBS.merged }];
}

/** host:port of an IP, an IPv6 one in brackets as a URL needs it. */
export const hostPort = (ip: string, port: number) => `${isIPv6(ip) ? `[${ip}]` : ip}:${port}`;

export const statsUrl = (pod: PodInfo, port: number, scheme = "https") =>
  `${scheme}://${hostPort(pod.ip, port)}/stats/prometheus`;

/** The HTTP checks from the secure Prometheus pod (its own certificate files) against each port. */
export async function endpointChecks(
  t: CellContext,
  pod: PodInfo,
  checks: readonly EndpointCheck[],
  ports: readonly SecurePort[] = securePorts(t),
): Promise<Verdict[]> {
  requireSidecar(pod);
  const client = await readyClient(t);
  return Promise.all(
    ports.flatMap(({ port }) => {
      const probes = endpointProbes(
        client.run,
        { url: statsUrl(pod, port), meshClient: client.tls, timeoutMs: t.timeouts.request },
        client.foreign,
        t.converge("consistency"),
      );
      return checks.map((c) => probes[c]());
    }),
  );
}

export async function identityChecks(t: CellContext, pod: PodInfo): Promise<Verdict[]> {
  requireSidecar(pod);
  const client = await readyClient(t);
  const expected = `spiffe://${await t.trustDomain()}/ns/${pod.namespace}/sa/${pod.serviceAccount}`;
  return Promise.all(
    securePorts(t).map(({ port }) =>
      converge(
        () =>
          probeIdentity(
            client.run,
            { url: statsUrl(pod, port), meshClient: client.tls, timeoutMs: t.timeouts.request },
            expected,
          ),
        t.converge("consistency"),
      ),
    ),
  );
}

/** What each native secure port serves, read from the Prometheus pod with its own certificates:
 * Envoy's metrics on 15091, the agent's merge on 15092, no admin path on either. */
export async function payloadChecks(t: CellContext, pod: PodInfo): Promise<Verdict[]> {
  requireSidecar(pod);
  const client = await readyClient(t);
  return Promise.all(
    securePorts(t).map(({ port }) =>
      converge(
        () =>
          probePayload(client.run, {
            url: statsUrl(pod, port),
            kind: port === PORTS.secureEnvoy ? "envoy" : "merged",
            meshClient: client.tls,
            timeoutMs: t.timeouts.request,
          }),
        t.converge("consistency"),
      ),
    ),
  );
}

/** The any-mesh-identity finding on each secure port: Prometheus's scrape shows the port alive, a
 * mesh workload that is not Prometheus makes the same request with its own certificate. */
export async function meshPeerChecks(
  t: CellContext,
  pod: PodInfo,
  ports: readonly SecurePort[] = securePorts(t),
): Promise<Verdict[]> {
  requireSidecar(pod);
  const client = await readyClient(t);
  const peer = await t.meshPeer();
  const { namespace, serviceAccount } = MESH_PEER_ACCOUNT;
  const peerId = `spiffe://${await t.trustDomain()}/ns/${namespace}/sa/${serviceAccount}`;
  return Promise.all(
    ports.map(({ port }) => {
      const url = statsUrl(pod, port);
      const get = (run: typeof peer.run, tls: typeof peer.tls) =>
        curl(run, { url, tls, timeoutMs: t.timeouts.request });
      return converge(async () => {
        const [prometheus, fromPeer] = await Promise.all([
          get(client.run, client.tls),
          get(peer.run, peer.tls),
        ]);
        return judgeMeshPeerScrape({ url, prometheus, peer: fromPeer, peerId });
      }, t.converge("consistency"));
    }),
  );
}

/** The AuthorizationPolicy finding: application traffic to the deny-all namespace (the policy
 * active), and the mesh client's scrape of the secure merged port there and where an ALLOW on the
 * ports stands beside it, in one attempt. */
export async function authzCheck(t: CellContext, denied: PodInfo, allowed: PodInfo): Promise<Verdict> {
  requireSidecar(denied);
  requireSidecar(allowed);
  const client = await readyClient(t);
  const get = async (url: string, tls?: typeof client.tls) => ({
    url,
    result: await curl(client.run, { url, tls, timeoutMs: t.timeouts.request }),
  });
  return converge(async () => {
    const [app, deniedScrape, allowedScrape] = await Promise.all([
      get(`http://${hostPort(denied.ip, PORTS.httpbin)}/get`),
      get(statsUrl(denied, PORTS.secureMerged), client.tls),
      get(statsUrl(allowed, PORTS.secureMerged), client.tls),
    ]);
    return judgeAuthz({ app, denied: deniedScrape, allowed: allowedScrape });
  }, t.converge("consistency"));
}

/** The secure Prometheus lists the pod UP in each job at the port the mode uses. */
export async function targetChecks(
  t: CellContext,
  pod: PodInfo,
  ports: readonly SecurePort[] = securePorts(t),
): Promise<Verdict[]> {
  requireSidecar(pod);
  return portsUp(await securePrometheusApi(t), pod, ports, t.converge("targetsUp"));
}

/** Each port's target of the pod UP in the Prometheus at `api`, within `convergence`. */
const portsUp = (api: PrometheusApi, pod: PodInfo, ports: readonly SecurePort[], convergence: Convergence) =>
  Promise.all(
    ports.map((p) => probeTarget(api, { job: p.job, scrapeUrl: statsUrl(pod, p.port) }, convergence)),
  );

/** The documented address rewrite on an IPv6 pod (a finding): the suite's own job must have the
 * pod UP first, then the sample's job is judged (documented-rewrite.ts). One verdict: the finding's,
 * with the own job's result in its evidence. */
export async function documentedRewriteChecks(t: CellContext, pod: PodInfo): Promise<Verdict[]> {
  requireSidecar(pod);
  const api = await securePrometheusApi(t);
  const merged = { job: SECURE_JOBS.merged, scrapeUrl: statsUrl(pod, PORTS.secureMerged) };
  const own = await probeTarget(api, merged, t.converge("targetsUp"));
  const v = await probeDocumentedRewrite(api, pod, own, t.converge("targetsUp"));
  return [{ ...v, evidence: [`own job: ${own.summary}`, ...v.evidence] }];
}

/** The merged port's agent counted scrapes and no failed one (agent-scrapes.ts), from the series
 * Prometheus stored for the pod through the merged job. */
export async function agentScrapeChecks(t: CellContext, pod: PodInfo): Promise<Verdict[]> {
  requireSidecar(pod);
  const api = await securePrometheusApi(t);
  const target = { job: SECURE_JOBS.merged, namespace: pod.namespace, pod: pod.name };
  return [await probeAgentScrapes(api, target, t.converge("promql"))];
}

/** The app's own series stored through the pod's secure merged target (merged-app.ts). */
export async function mergedAppSeriesChecks(t: CellContext, pod: PodInfo): Promise<Verdict[]> {
  requireSidecar(pod);
  const api = await securePrometheusApi(t);
  const target = { job: SECURE_JOBS.merged, namespace: pod.namespace, pod: pod.name };
  return [await probeMergedAppSeries(api, target, t.converge("promql"))];
}

/** A pod opting out of merging (merging.ts): its prometheus.io annotations left as the app set
 * them, and its agent's 15020, read from outside the mesh, without the app's series. */
export async function mergeOptOutChecks(
  t: CellContext,
  pod: PodInfo,
  app: ScrapeAnnotations,
): Promise<Verdict[]> {
  requireSidecar(pod);
  return [
    judgeOptOutAnnotations(`${pod.namespace}/${pod.name}`, pod.annotations, app),
    await agentMetricsCheck(t, pod, judgeUnmergedMetrics),
  ];
}

/** No UP target of the secure jobs is the secure Prometheus's own pod (self-scrape.ts). */
export async function selfScrapeChecks(t: CellContext): Promise<Verdict[]> {
  const api = await securePrometheusApi(t);
  const me = await t.pod(PROMETHEUS_ACCOUNT.namespace, "app=prometheus");
  const jobs = [SECURE_JOBS.merged, SECURE_JOBS.envoy, DOCUMENTED_JOB];
  return [await probeSelfScrape(api, me, jobs, t.converge("targetsUp"))];
}

/** Istio's own sample Prometheus, unchanged (catalog-facts.md §6), read through the probe client
 * (outside the mesh: the sample's inbound is the mesh's default PERMISSIVE): the pod's secure ports
 * UP in the sample's two secure jobs, whose names are the suite's, no UP target of those jobs its
 * own pod, and what it stored from the pod's 15091 the pod's own Envoy's. */
export async function samplePrometheusChecks(t: CellContext, pod: PodInfo): Promise<Verdict[]> {
  requireSidecar(pod);
  const client = await t.probeClient();
  const api = t.prometheus(SAMPLE_PROMETHEUS.url, client);
  const up = await portsUp(api, pod, securePorts(t), t.converge("targetsUp"));
  const me = await t.pod(SAMPLE_PROMETHEUS.namespace, SAMPLE_PROMETHEUS.selector);
  const [self, origin] = await Promise.all([
    probeSelfScrape(api, me, [SECURE_JOBS.merged, SECURE_JOBS.envoy], t.converge("targetsUp")),
    originCheck(t, api, client, pod),
  ]);
  return [...up, self, origin];
}

/** Istio's sample, unchanged, on a mesh with the ports on mesh-wide (sample-mesh-wide.ts, a
 * finding): the workload's targets UP in the sample's jobs, then the self-scrape and scrape-origin
 * probes, whose failures are the prediction holding. */
export async function sampleMeshWideChecks(t: CellContext, pod: PodInfo): Promise<Verdict[]> {
  requireSidecar(pod);
  const client = await t.probeClient();
  const api = t.prometheus(SAMPLE_PROMETHEUS.url, client);
  const [me, up] = await Promise.all([
    t.pod(SAMPLE_PROMETHEUS.namespace, SAMPLE_PROMETHEUS.selector),
    portsUp(api, pod, securePorts(t), t.converge("targetsUp")),
  ]);
  const [self, origin] = await Promise.all([
    converge(
      async () => asPredicted(await observeSelfScrape(api, me, [SECURE_JOBS.merged])),
      t.converge("targetsUp"),
    ),
    originCheck(t, api, client, pod, asPredicted),
  ]);
  return [...up, self, origin];
}

/** The pod's app (httpbin's 8080) answers three requests from `client`, so its Envoy counts them on
 * the destination side: the count answered, or the error saying none was. */
async function serveRequests(t: CellContext, client: CommandRunner, pod: PodInfo): Promise<number | Verdict> {
  const app = `http://${hostPort(pod.ip, PORTS.httpbin)}/get`;
  const answers = await Promise.all(
    [1, 2, 3].map(() => curl(client, { url: app, timeoutMs: t.timeouts.request })),
  );
  const served = answers.filter((a) => a.status === 200).length;
  if (served > 0) return served;
  return error(
    "scrape-origin",
    `${app} answered none of ${answers.length} requests (${answers[0]!.message}): whose metrics Prometheus stores cannot be told`,
  );
}

/** After the pod served requests, whose Envoy answered the scrapes of its 15091 that the Prometheus
 * at `api` stored (scrape-origin.ts), its verdict read through `as`. */
async function originCheck(
  t: CellContext,
  api: PrometheusApi,
  client: CommandRunner,
  pod: PodInfo,
  as: (v: Verdict) => Verdict = (v) => v,
): Promise<Verdict> {
  const served = await serveRequests(t, client, pod);
  if (typeof served !== "number") return served;
  const looks = originLooks(api, envoyTarget(pod), { namespace: pod.namespace, requests: served });
  return converge(async () => as(await looks()), t.converge("promql"));
}

/** The pod's 15091 target as Prometheus labels it: job and the instance its rewrite writes. */
const envoyTarget = (pod: PodInfo) => ({
  job: SECURE_JOBS.envoy,
  instance: hostPort(pod.ip, PORTS.secureEnvoy),
});

/** The secure Prometheus stored the pod's own Envoy's metrics from its 15091 (scrape-origin.ts),
 * the pod having served `requests` already: the lab's pods count requests in their Envoy stats and
 * serve no app port. */
export async function scrapeOriginCheck(t: CellContext, pod: PodInfo, requests: number): Promise<Verdict> {
  requireSidecar(pod);
  const target = envoyTarget(pod);
  return probeScrapeOrigin(
    await securePrometheusApi(t),
    target,
    { namespace: pod.namespace, requests },
    t.converge("promql"),
  );
}

/** The ambient Prometheus and a sidecar pod under a deny-all (ambient-authz.ts, a finding): the
 * pod's 15020 in the job for such pods, then application traffic to the pod showing the policy
 * active, judged together. */
export async function ambientAuthzCheck(t: CellContext, pod: PodInfo): Promise<Verdict> {
  requireSidecar(pod);
  const client = await t.probeClient();
  const api = t.prometheus(AMBIENT_PROMETHEUS_URL, client);
  const target = await probeTarget(
    api,
    { job: AMBIENT_SIDECAR_JOB, scrapeUrl: statsUrl(pod, PORTS.agent, "http") },
    t.converge("targetsUp"),
  );
  const url = `http://${hostPort(pod.ip, PORTS.httpbin)}/get`;
  return converge(
    async () =>
      judgeAmbientAuthz({ url, result: await curl(client, { url, timeoutMs: t.timeouts.request }) }, target),
    t.converge("consistency"),
  );
}

/** Mesh-wide enablement seen where it acts (mesh-wide.ts): the mesh config enables both ports, the
 * workload that sets none got secure-port from the injector, and the secure Prometheus did not. */
export async function meshWideChecks(t: CellContext): Promise<Verdict[]> {
  const [mesh, workload, prometheus] = await Promise.all([
    t.meshConfig(),
    t.pod("ssc-native", "app=httpbin"),
    t.pod(PROMETHEUS_ACCOUNT.namespace, "app=prometheus"),
  ]);
  return [judgeMeshConfig(mesh), judgeMeshWideWorkload(workload), judgePrometheusOptOut(prometheus)];
}

export interface Principal {
  namespace: string;
  serviceAccount: string;
}

/** The ambient identity check (catalog-facts.md §5): since ztunnel 1.23, reporter
 * "destination" takes source_principal from the connection's mTLS peer (src/proxy/inbound.rs) and
 * destination_principal is the destination workload's identity (src/proxy/metrics.rs). So every
 * connection Prometheus opened to each workload carries Prometheus's SPIFFE id and the workload's:
 * one query per destination workload, all series judged. */
export async function ambientPrincipalChecks(
  t: CellContext,
  api: PrometheusApi,
  source: Principal & { workload: string },
  destinations: readonly (Principal & { workload: string })[],
): Promise<Verdict[]> {
  const td = await t.trustDomain();
  const id = (p: Principal) => `spiffe://${td}/ns/${p.namespace}/sa/${p.serviceAccount}`;
  return Promise.all(
    destinations.map((d) =>
      probeAllSeries(
        api,
        {
          query: `sum by (source_principal, destination_principal, connection_security_policy) (istio_tcp_connections_opened_total{reporter="destination", source_workload="${source.workload}", source_workload_namespace="${source.namespace}", destination_workload="${d.workload}", destination_workload_namespace="${d.namespace}"})`,
          labels: {
            source_principal: id(source),
            destination_principal: id(d),
            connection_security_policy: "mutual_tls",
          },
        },
        t.converge("promql"),
      ),
    ),
  );
}

/** The ambient Prometheus's scrape job for ztunnel's own metrics (fixtures/ambient/prometheus.yml). */
const ZTUNNEL_JOB = "ztunnel";

/** ztunnel's own metrics as Istio's TestZtunnelSecureMetrics checks them (catalog-facts.md §5;
 * tests/integration/ambient/baseline_test.go, 1.28.0 on): the ambient Prometheus lists ztunnel's
 * 15020 UP, and ztunnel reports those connections as mutual_tls from Prometheus's identity to its
 * own (reporter destination). The first verdict is the scrape, the rest the identities. */
export async function ztunnelMetricsChecks(
  t: CellContext,
  api: PrometheusApi,
  prometheus: PodInfo,
  ztunnel: PodInfo,
): Promise<Verdict[]> {
  const at = (p: PodInfo, workload: string) => ({
    workload,
    namespace: p.namespace,
    serviceAccount: p.serviceAccount,
  });
  const scrapeUrl = `http://${hostPort(ztunnel.ip, PORTS.agent)}/metrics`;
  return [
    await probeTarget(api, { job: ZTUNNEL_JOB, scrapeUrl }, t.converge("targetsUp")),
    ...(await ambientPrincipalChecks(t, api, at(prometheus, "prometheus"), [at(ztunnel, "ztunnel")])),
  ];
}

/** One istioctl read judged by `check`, under convergence; istioctl failing is an error naming its
 * own message, never a table verdict. */
export function istioctlCheck(
  t: CellContext,
  probe: string,
  args: readonly string[],
  check: (stdout: string) => Verdict,
): Promise<Verdict> {
  return converge(async () => {
    const r = await t.istioctl(args);
    if (r.exitCode !== 0) return error(probe, `istioctl ${args.join(" ")} failed: ${r.stderr.trim()}`);
    return check(r.stdout);
  }, t.converge("consistency"));
}

export async function listenerChecks(
  t: CellContext,
  pod: PodInfo,
  expected: readonly ListenerExpectation[],
): Promise<Verdict[]> {
  requireSidecar(pod);
  const args = ["proxy-config", "listeners", `${pod.name}.${pod.namespace}`];
  return [await istioctlCheck(t, "listeners", args, (out) => checkListeners(out, expected))];
}

/** ztunnel lists each expected workload with PROTOCOL HBONE. The command is top-level from 1.23
 * (`istioctl x` before) and has column ADDRESS from 1.24 (IP before), istio-facts.md §5.2. */
export async function ztunnelChecks(
  t: CellContext,
  expected: readonly WorkloadExpectation[],
): Promise<Verdict[]> {
  const args = [...(t.has("ztunnelConfigTopLevel") ? [] : ["x"]), "ztunnel-config", "workloads"];
  const addressColumn = t.has("ztunnelConfigAddressColumn");
  return [
    await istioctlCheck(t, "ztunnel-workloads", args, (out) =>
      checkZtunnelWorkloads(out, addressColumn, expected),
    ),
  ];
}

/** The injector set prometheus.istio.io/secure-port: "15092" on the pod (>= 1.31). */
export async function securePortAnnotationChecks(
  t: CellContext,
  namespace: string,
  selector: string,
): Promise<Verdict[]> {
  const key = "prometheus.istio.io/secure-port";
  const want = String(PORTS.secureMerged);
  // The injector sets the annotation: on a pod it never injected, its absence says nothing.
  requireSidecar(await t.pod(namespace, selector));
  return [
    await converge(async () => {
      // Read the pod each attempt: the annotation is set at injection, a rollout may replace it.
      const pod = await t.pod(namespace, selector);
      const value = pod.annotations[key];
      const who = `${pod.namespace}/${pod.name}`;
      return value === want
        ? pass("annotation", `${who} has ${key}: "${want}"`)
        : fail(
            "annotation",
            `${who} has ${key} ${value === undefined ? "unset" : `"${value}"`}, not "${want}"`,
          );
    }, t.converge("consistency")),
  ];
}

export async function localhostOnlyChecks(t: CellContext, pod: PodInfo): Promise<Verdict[]> {
  requireSidecar(pod);
  const client = await readyClient(t);
  const merged = securePorts(t).find((p) => p.job === SECURE_JOBS.merged)!;
  return [
    await converge(
      () =>
        probeLocalhostOnly(client.run, {
          secure: { url: statsUrl(pod, merged.port), meshClient: client.tls, timeoutMs: t.timeouts.request },
          envoyStatsUrl: statsUrl(pod, PORTS.envoy, "http"),
          agentStatsUrl: statsUrl(pod, PORTS.agent, "http"),
        }),
      t.converge("consistency"),
    ),
  ];
}

/** The 15091/15092 rows only (gateways carry other 15090 rows than sidecars). */
export function secureRows(expected: readonly ListenerExpectation[]): ListenerExpectation[] {
  return expected.filter((e) => e.port !== PORTS.envoy);
}

/** The STRICT finding: the secure merged port of a pod under PeerAuthentication STRICT, judged
 * against the prediction, after the same port on a PERMISSIVE pod was shown to work (otherwise a
 * STRICT "failure" could be a port that is simply not there: an error). */
export async function strictScrapeCheck(
  t: CellContext,
  strict: PodInfo,
  baseline: PodInfo,
): Promise<Verdict> {
  requireSidecar(strict);
  const merged = { port: PORTS.secureMerged, job: SECURE_JOBS.merged };
  const [base] = await endpointChecks(t, baseline, ["mtls"], [merged]);
  if (base!.verdict !== "pass") {
    return error(
      "strict",
      `baseline failed: the secure port does not work even without STRICT (${base!.summary})`,
      base!.evidence,
    );
  }
  const client = await readyClient(t);
  const url = statsUrl(strict, merged.port);
  return converge(
    async () =>
      judgeStrictScrape(url, await curl(client.run, { url, tls: client.tls, timeoutMs: t.timeouts.request })),
    t.converge("consistency"),
  );
}

/** Metrics merging: the agent's 15020, read by the client outside the mesh, carries the app's own
 * series beside Istio's. */
export function mergedMetricsCheck(t: CellContext, pod: PodInfo): Promise<Verdict> {
  return agentMetricsCheck(t, pod, judgeMergedMetrics);
}

/** The agent's 15020, read in plaintext by the client outside the mesh, judged under convergence. */
async function agentMetricsCheck(
  t: CellContext,
  pod: PodInfo,
  judge: (url: string, r: CurlResult) => Verdict,
): Promise<Verdict> {
  const client = await t.probeClient();
  const url = statsUrl(pod, PORTS.agent, "http");
  return converge(
    async () => judge(url, await curl(client, { url, timeoutMs: t.timeouts.request })),
    t.converge("consistency"),
  );
}

/** STRICT with a PERMISSIVE exception on one app's metrics port: plaintext from outside the mesh
 * works there and is refused on the same port of a STRICT app, which the mesh client shows alive. */
export async function permissivePortCheck(t: CellContext, open: PodInfo, strict: PodInfo): Promise<Verdict> {
  const outside = await t.probeClient();
  const mesh = await readyClient(t);
  const url = (pod: PodInfo, scheme = "http") => `${scheme}://${hostPort(pod.ip, PORTS.appMetrics)}/metrics`;
  const get = async (run: typeof outside, u: string, tls?: typeof mesh.tls) => ({
    url: u,
    result: await curl(run, { url: u, tls, timeoutMs: t.timeouts.request }),
  });
  return converge(async () => {
    const [plainOpen, plainStrict, meshStrict] = await Promise.all([
      get(outside, url(open)),
      get(outside, url(strict)),
      get(mesh.run, url(strict, "https"), mesh.tls),
    ]);
    return judgePermissivePort({ plainOpen, plainStrict, meshStrict });
  }, t.converge("consistency"));
}

/** The parts of a rotation watch a selftest or a suite reports apart: the targets UP first (a
 * target never UP has no continuity to judge), then both ends' serials, then each port's `up`
 * over the watch. */
export async function rotationChecks(t: CellContext, pod: PodInfo): Promise<Verdict[]> {
  requireSidecar(pod);
  const client = await t.rotationClient();
  const api = t.prometheus(t.securePrometheusUrl, client.run);
  const ports = securePorts(t);
  // UP once is enough here: it shows the target discovered and scrapeable; whether it stays UP is
  // what the continuity below judges, over every scrape (a flapping target fails there, not here).
  const up = await portsUp(api, pod, ports, { ...t.converge("targetsUp"), consecutive: 1 });
  if (up.some((v) => v.verdict !== "pass")) return up;
  const started = Date.now();
  const watch = t.converge("rotation");
  const samples = await watchRotation(
    () => sampleRotation(client.run, client.tls, statsUrl(pod, ports[0]!.port), t.timeouts.request),
    ROTATIONS_WANTED,
    { intervalMs: watch.intervalMs ?? t.scrapeIntervalMs, budget: watch.timeout },
  );
  const rotation = judgeRotation(samples, {
    rotations: ROTATIONS_WANTED,
    maxLifetimeMs: parseDuration(ROTATION_TTL)! + BACKDATE_MS + LIFETIME_SLACK_MS,
    budget: watch.timeout,
  });
  const windowS = Math.ceil((Date.now() - started) / 1000);
  const continuity = await Promise.all(
    ports.map(async (p) => {
      const target = { job: p.job, namespace: pod.namespace, pod: pod.name };
      const r = await upSamples(api, target, windowS);
      return r.ok ? judgeContinuity(target, r.samples, windowS, t.scrapeIntervalMs / 1000) : r.verdict;
    }),
  );
  return [...up, rotation, ...continuity];
}
