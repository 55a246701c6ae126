import { beforeAll, describe, expect, it } from "vitest";
import { type CertificateAuthority, createCa, issueWorkload, spiffeId } from "../lab/pki.ts";
import type { CommandRunner, ProcessResult } from "../probes/curl.ts";
import { secureListenerExpectations } from "../probes/istioctl-output.ts";
import { prometheusApi } from "../probes/prometheus.ts";
import { error } from "../probes/verdict.ts";
import { curlAnswer, curlFailure } from "../testing/curl-output.ts";
import { DEFAULT_TIMEOUTS, type TimeoutName } from "../timeouts.ts";
import {
  agentScrapeChecks,
  ambientAuthzCheck,
  ambientPrincipalChecks,
  authzCheck,
  clientCertificateCheck,
  documentedRewriteChecks,
  endpointChecks,
  hostPort,
  identityChecks,
  listenerChecks,
  localhostOnlyChecks,
  mergedAppSeriesChecks,
  mergedMetricsCheck,
  mergeOptOutChecks,
  meshPeerChecks,
  meshWideChecks,
  PRECONDITION_INTERVAL_MS,
  PreconditionFailed,
  payloadChecks,
  permissivePortCheck,
  rotationChecks,
  SECURE_JOBS,
  sampleMeshWideChecks,
  samplePrometheusChecks,
  scrapeOriginCheck,
  securePortAnnotationChecks,
  securePorts,
  secureRows,
  selfScrapeChecks,
  sidecarCheck,
  statsUrl,
  strictScrapeCheck,
  targetChecks,
  thrownVerdict,
  ztunnelChecks,
  ztunnelMetricsChecks,
} from "./checks.ts";
import type { CellContext, PodInfo } from "./context.ts";

// What the check blocks compose from a cell: ports per mode, the jobs they pair with, URLs,
// identities, clients and budgets. A scripted client answers each curl command line as a pod
// would; scripts/lab/suites-on-lab.lab.test.ts runs the same blocks over real TLS and Prometheus.
const answer = curlAnswer;
const failed = curlFailure;
const METRICS = "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n";
const REFUSED = failed(56, "curl: (56) alert certificate required");

// The mesh of these tests, and the secure Prometheus's certificate from it (the precondition).
let meshCa: CertificateAuthority;
let prometheusChain: string;
beforeAll(async () => {
  meshCa = await createCa("Checks Mesh");
  prometheusChain = (await issueWorkload(meshCa, spiffeId("example.org", "ssc-prometheus", "prometheus")))
    .certPem;
});

const pod: PodInfo = {
  name: "httpbin-abc",
  namespace: "ssc-native",
  ip: "10.0.0.5",
  ips: ["10.0.0.5"],
  serviceAccount: "httpbin",
  annotations: {},
  sidecar: { kind: "native", ready: true, restarts: 0 },
};
const MESH = {
  ca: "/etc/istio-certs/root-cert.pem",
  cert: "/etc/istio-certs/cert-chain.pem",
  key: "/etc/istio-certs/key.pem",
};
/** The mesh peer's own files (in a cell: its pod's OUTPUT_CERTS). */
const PEER = { ca: "/peer/root-cert.pem", cert: "/peer/cert-chain.pem", key: "/peer/key.pem" };
const FOREIGN = {
  ca: "/etc/ssc-foreign/root-cert.pem",
  cert: "/etc/ssc-foreign/cert-chain.pem",
  key: "/etc/ssc-foreign/key.pem",
};

interface Script {
  /** By URL: what curl gets; unlisted URLs follow the healthy defaults below. */
  urls?: Record<string, ProcessResult>;
  /** The mesh root, for `cat` of the client's root-cert.pem (default: the suite's mesh CA). */
  root?: string;
  /** The client's cert-chain.pem (default: Prometheus's, from the mesh CA); key.pem unreadable. */
  clientChain?: string;
  keyMissing?: boolean;
  /** The server chain (PEM) for %{certs}. */
  chain?: string;
  targets?: unknown;
  /** The data of every /api/v1/query answer. */
  query?: (promql: string) => unknown;
  /** What the mesh peer's requests get (default: 200 with metrics, as Istio's listeners answer). */
  peer?: ProcessResult;
}

function client(s: Script, seen: string[][]): CommandRunner {
  return async (argv) => {
    // The precondition's reads of the client's own files are not the checks' commands.
    const own = (argv[0] === "cat" && argv[1] === MESH.cert) || argv[0] === "test";
    if (!own) seen.push([...argv]);
    const file = (text: string) => ({ exitCode: 0, stdout: text, stderr: "" });
    if (argv[0] === "cat" && argv[1] === MESH.ca) return file(s.root ?? meshCa.certPem);
    if (argv[0] === "cat" && argv[1] === MESH.cert) return file(s.clientChain ?? prometheusChain);
    if (argv[0] === "cat") return failed(1, `cat: ${argv[1]}: No such file or directory`);
    if (argv[0] === "test") return argv[2] === MESH.key && !s.keyMissing ? file("") : failed(1, "");
    const url = argv.at(-1)!;
    const override = s.urls?.[url];
    if (override) return override;
    if (url.includes("/api/v1/query?") && s.query) {
      const promql = new URL(url).searchParams.get("query")!;
      return answer(JSON.stringify({ status: "success", data: s.query(promql) }), 200);
    }
    if (url.includes("/api/v1/targets"))
      return answer(JSON.stringify({ status: "success", data: s.targets }), 200);
    // Plain HTTP: a TLS-only secure port closes it, hardened 15090 refuses, 15020 answers 403.
    if (url.startsWith("http://")) {
      if (url.includes(":15020/")) return answer("", 403);
      return url.includes(":15090/") ? failed(7, "curl: (7) refused") : failed(52, "curl: (52) Empty reply");
    }
    if (argv.includes(FOREIGN.cert)) return REFUSED;
    if (argv.includes(PEER.cert)) return s.peer ?? answer(METRICS, 200);
    if (!argv.includes("--cert")) return REFUSED;
    const certs = argv.some((x) => x.includes("%{certs}")) && s.chain ? s.chain : "";
    return answer(METRICS, 200, certs);
  };
}

function cell(
  mode: "native" | "legacy",
  s: Script = {},
  istioctl: (args: readonly string[]) => ProcessResult = () => failed(1, "no istioctl"),
  opts: { has?: CellContext["has"]; pod?: PodInfo } = {},
) {
  const seen: string[][] = [];
  const budgets: TimeoutName[] = [];
  const preconditions: TimeoutName[] = [];
  const istioctlCalls: string[][] = [];
  const run = client(s, seen);
  const t: CellContext = {
    cellId: "c",
    istioVersion: "1.31.0",
    profile: "default",
    secureMetricsMode: mode,
    runId: "r",
    timeouts: { ...DEFAULT_TIMEOUTS, request: 2_500 },
    consecutive: 1,
    converge: (name, intervalMs) => {
      // The precondition's look at the client files is recorded apart from the checks' budgets.
      if (intervalMs === PRECONDITION_INTERVAL_MS) preconditions.push(name);
      else budgets.push(name);
      return { consecutive: 1, timeout: { name, ms: 300 }, intervalMs: 20 };
    },
    pod: async () => opts.pod ?? pod,
    exec: () => run,
    istioctl: async (args) => {
      istioctlCalls.push([...args]);
      return istioctl(args);
    },
    meshClient: async () => ({ run, tls: MESH, foreign: FOREIGN }),
    meshPeer: async () => ({ run, tls: PEER }),
    rotationClient: async () => ({ run, tls: MESH }),
    scrapeIntervalMs: 1_000,
    dryRunCreate: async () => ({ accepted: true }),
    securePrometheusUrl: "http://127.0.0.1:9090",
    probeClient: async () => run,
    prometheus: (base, r) => prometheusApi(r, base, 1_000),
    trustDomain: async () => "example.org",
    meshConfig: async () => "trustDomain: example.org\n",
    has: opts.has ?? (() => true),
  };
  return { t, seen, budgets, preconditions, istioctlCalls };
}

const urlsOf = (seen: string[][]) => seen.filter((a) => a[0] === "curl").map((a) => a.at(-1));

describe("securePorts and statsUrl", () => {
  it("scrapes 15091 in the envoy job and 15092 in the merged job on native ports", () => {
    expect(securePorts(cell("native").t)).toEqual([
      { port: 15091, job: "istio-secure-envoy-metrics" },
      { port: 15092, job: "istio-secure-merged-metrics" },
    ]);
  });

  it("scrapes the legacy Sidecar-ingress port 15091 in the merged job before 1.31", () => {
    expect(securePorts(cell("legacy").t)).toEqual([{ port: 15091, job: "istio-secure-merged-metrics" }]);
  });

  it("builds the scrape URL Prometheus uses, over https unless told", () => {
    expect(statsUrl(pod, 15092)).toBe("https://10.0.0.5:15092/stats/prometheus");
    expect(statsUrl(pod, 15090, "http")).toBe("http://10.0.0.5:15090/stats/prometheus");
  });

  it("keeps only the secure rows of a listener expectation", () => {
    expect(secureRows(secureListenerExpectations(true, [])).map((e) => e.port)).toEqual([15091, 15092]);
  });
});

describe("endpointChecks", () => {
  it("runs each check on each secure port, port by port, under the consistency budget", async () => {
    const c = cell("native");
    const v = await endpointChecks(c.t, pod, ["mtls", "plaintext"]);
    expect(v.map((x) => [x.probe, x.verdict])).toEqual([
      ["mtls", "pass"],
      ["plaintext", "pass"],
      ["mtls", "pass"],
      ["plaintext", "pass"],
    ]);
    expect(new Set(urlsOf(c.seen))).toEqual(
      new Set([
        "https://10.0.0.5:15091/stats/prometheus",
        "http://10.0.0.5:15091/stats/prometheus",
        "https://10.0.0.5:15092/stats/prometheus",
        "http://10.0.0.5:15092/stats/prometheus",
      ]),
    );
    expect(new Set(c.budgets)).toEqual(new Set(["consistency"]));
    // curl's --max-time is the cell's request budget.
    expect(c.seen.find((a) => a[0] === "curl")?.slice(2, 4)).toEqual(["--max-time", "3"]);
  });

  it("fails the port that breaks, not the other", async () => {
    const c = cell("native", { urls: { "http://10.0.0.5:15092/stats/prometheus": answer(METRICS, 200) } });
    const v = await endpointChecks(c.t, pod, ["plaintext"]);
    expect(v.map((x) => x.verdict)).toEqual(["pass", "fail"]);
    expect(v[1]!.summary).toContain("http://10.0.0.5:15092/stats/prometheus");
  });

  it("sends the mesh client's files, and the foreign client's for foreign-ca", async () => {
    const c = cell("legacy");
    const v = await endpointChecks(c.t, pod, ["foreign-ca"]);
    expect(v.map((x) => x.verdict)).toEqual(["pass"]);
    const curls = c.seen.filter((a) => a[0] === "curl");
    expect(curls.some((a) => a.includes(FOREIGN.cert) && a.includes(FOREIGN.key))).toBe(true);
    expect(curls.some((a) => a.includes(MESH.cert) && a.includes(MESH.key))).toBe(true);
    expect(urlsOf(c.seen).every((u) => u?.includes(":15091/"))).toBe(true);
  });

  it("takes the ports it is given instead of the mode's", async () => {
    const c = cell("native");
    const v = await endpointChecks(c.t, pod, ["mtls"], [{ port: 15092, job: SECURE_JOBS.merged }]);
    expect(v).toHaveLength(1);
    expect(new Set(urlsOf(c.seen))).toEqual(new Set(["https://10.0.0.5:15092/stats/prometheus"]));
  });
});

describe("the secure Prometheus's certificate files: the precondition of every check scraping with them", () => {
  it("are read once per cell, looking once a second within the consistency budget, and pass as the mesh issued them", async () => {
    const c = cell("native");
    const first = await clientCertificateCheck(c.t);
    expect(first).toMatchObject({ probe: "client-certs", verdict: "pass" });
    expect(first.summary).toContain("carries spiffe://example.org/ns/ssc-prometheus/sa/prometheus");
    expect(await clientCertificateCheck(c.t)).toBe(first);
    await endpointChecks(c.t, pod, ["mtls"]);
    expect(c.preconditions).toEqual(["consistency"]);
  });

  it("when they are wrong, each check stands on a failed precondition: an error naming it, never a failure", async () => {
    const other = (await issueWorkload(meshCa, spiffeId("example.org", "default", "sleep"))).certPem;
    for (const s of [{ clientChain: other }, { keyMissing: true }]) {
      const c = cell("native", s);
      expect((await clientCertificateCheck(c.t)).verdict).toBe("fail");
      for (const check of [
        () => endpointChecks(c.t, pod, ["mtls"]),
        () => identityChecks(c.t, pod),
        () => targetChecks(c.t, pod),
        () => documentedRewriteChecks(c.t, pod),
        () => agentScrapeChecks(c.t, pod),
        () => mergedAppSeriesChecks(c.t, pod),
        () => selfScrapeChecks(c.t),
        () => payloadChecks(c.t, pod),
        () => localhostOnlyChecks(c.t, pod),
      ]) {
        const thrown = await check().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(thrown).toBeInstanceOf(PreconditionFailed);
        const v = thrownVerdict("SidecarSecureScrapeMtls", thrown);
        expect(v).toMatchObject({ probe: "SidecarSecureScrapeMtls", verdict: "error" });
        expect(v.summary).toMatch(/^precondition failed: /);
      }
      // Nothing was scraped on a precondition that failed.
      expect(c.seen.filter((a) => a[0] === "curl")).toEqual([]);
    }
    // Anything else thrown is said as such, an error too.
    expect(thrownVerdict("X", new Error("boom"))).toEqual({
      probe: "X",
      verdict: "error",
      summary: "test body threw: boom",
      evidence: [],
    });
  });
});

describe("payloadChecks", () => {
  const ENVOY_BODY = "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n";
  const MERGED_BODY = `${ENVOY_BODY}# TYPE istio_agent_up gauge\nistio_agent_up 1\n`;
  const ports = (envoy: string, merged: string): Record<string, ProcessResult> => ({
    "https://10.0.0.5:15091/stats/prometheus": answer(envoy, 200),
    "https://10.0.0.5:15092/stats/prometheus": answer(merged, 200),
    ...Object.fromEntries(
      ["15091", "15092"].flatMap((p) =>
        ["/config_dump", "/clusters"].map((path) => [`https://10.0.0.5:${p}${path}`, answer("", 404)]),
      ),
    ),
  });

  it("judges 15091 as Envoy's port and 15092 as the agent's merge, under the consistency budget", async () => {
    const c = cell("native", { urls: ports(ENVOY_BODY, MERGED_BODY) });
    const v = await payloadChecks(c.t, pod);
    expect(v.map((x) => [x.probe, x.verdict, x.summary])).toEqual([
      [
        "payload",
        "pass",
        "https://10.0.0.5:15091/stats/prometheus serves the envoy port's metrics only, and no admin path",
      ],
      [
        "payload",
        "pass",
        "https://10.0.0.5:15092/stats/prometheus serves the merged port's metrics only, and no admin path",
      ],
    ]);
    expect(new Set(c.budgets)).toEqual(new Set(["consistency"]));
    // The Prometheus pod's own certificate files, the cell's request budget.
    const curls = c.seen.filter((a) => a[0] === "curl");
    expect(curls.every((a) => a.includes(MESH.cert) && a.includes(MESH.key))).toBe(true);
    expect(curls[0]!.slice(2, 4)).toEqual(["--max-time", "3"]);
  });

  it("fails the port that serves the other's payload", async () => {
    const c = cell("native", { urls: ports(MERGED_BODY, ENVOY_BODY) });
    const v = await payloadChecks(c.t, pod);
    expect(v.map((x) => x.verdict)).toEqual(["fail", "fail"]);
    expect(v[0]!.summary).toMatch(
      /:15091\/stats\/prometheus \(envoy port\): istio_agent_ metrics on the Envoy port/,
    );
    expect(v[1]!.summary).toMatch(/:15092\/stats\/prometheus \(merged port\): no istio_agent_ metric/);
  });
});

describe("the sidecar precondition", () => {
  const without: PodInfo = { ...pod, sidecar: { kind: "none", ready: false, restarts: 0 } };
  const unready: PodInfo = { ...pod, sidecar: { kind: "container", ready: false, restarts: 3 } };

  it("stops every block on a target pod without a ready istio-proxy, naming it, before any request", async () => {
    const c = cell("native");
    const blocks = [
      () => endpointChecks(c.t, without, ["mtls"]),
      () => identityChecks(c.t, without),
      () => payloadChecks(c.t, without),
      () => meshPeerChecks(c.t, without),
      () => targetChecks(c.t, without),
      () => documentedRewriteChecks(c.t, without),
      () => agentScrapeChecks(c.t, without),
      () => mergedAppSeriesChecks(c.t, without),
      () => localhostOnlyChecks(c.t, without),
      () => listenerChecks(c.t, without, secureListenerExpectations(false, [])),
      () => strictScrapeCheck(c.t, without, pod),
      () => samplePrometheusChecks(c.t, without),
      () => sampleMeshWideChecks(c.t, without),
      () => scrapeOriginCheck(c.t, without, 1),
      () => ambientAuthzCheck(c.t, without),
    ];
    for (const b of blocks) {
      await expect(b()).rejects.toThrow(
        "precondition failed: ssc-native/httpbin-abc has no istio-proxy sidecar: it was not injected",
      );
    }
    const injectorless = cell("native", {}, undefined, { pod: without });
    await expect(securePortAnnotationChecks(injectorless.t, "ssc-native", "app=httpbin")).rejects.toThrow(
      "precondition failed: ssc-native/httpbin-abc has no istio-proxy sidecar",
    );
    await expect(endpointChecks(c.t, unready, ["mtls"])).rejects.toThrow(
      "precondition failed: ssc-native/httpbin-abc's istio-proxy (container) is not ready",
    );
    expect(c.seen.filter((a) => a[0] === "curl")).toHaveLength(0);
    expect(c.istioctlCalls).toHaveLength(0);
    // Thrown into a test body, it is an error that names the precondition, never a failure.
    const v = await endpointChecks(c.t, without, ["mtls"]).catch((e: unknown) => thrownVerdict("mtls", e));
    expect(v).toMatchObject({ verdict: "error", evidence: [expect.stringContaining("istio-proxy none")] });
    expect(sidecarCheck(pod)).toMatchObject({ verdict: "pass" });
  });
});

describe("ambientPrincipalChecks", () => {
  const src = { workload: "prometheus", namespace: "ssc-ambient", serviceAccount: "prometheus" };
  const dst = [
    { workload: "httpbin", namespace: "ssc-ambient", serviceAccount: "httpbin" },
    { workload: "metrics-app", namespace: "ssc-ambient", serviceAccount: "metrics-app" },
  ];
  const series = (source: string, destination: string, policy = "mutual_tls") => ({
    metric: {
      source_principal: source,
      destination_principal: destination,
      connection_security_policy: policy,
    },
    value: [1_700_000_000, "3"],
  });
  const id = (sa: string) => `spiffe://example.org/ns/ssc-ambient/sa/${sa}`;

  it("asks for each destination's connections from Prometheus, and wants both principals on every series", async () => {
    const asked: string[] = [];
    const c = cell("native", {
      query: (q) => {
        asked.push(q);
        const to = /destination_workload="([^"]+)"/.exec(q)![1]!;
        return { resultType: "vector", result: [series(id("prometheus"), id(to))] };
      },
    });
    const v = await ambientPrincipalChecks(
      c.t,
      c.t.prometheus("http://p:9090", await c.t.probeClient()),
      src,
      dst,
    );
    expect(v.map((x) => x.verdict)).toEqual(["pass", "pass"]);
    expect(asked[0]).toBe(
      'sum by (source_principal, destination_principal, connection_security_policy) (istio_tcp_connections_opened_total{reporter="destination", source_workload="prometheus", source_workload_namespace="ssc-ambient", destination_workload="httpbin", destination_workload_namespace="ssc-ambient"})',
    );
    expect(v[1]!.summary).toContain(`destination_principal="${id("metrics-app")}"`);
    expect(new Set(c.budgets)).toEqual(new Set(["promql"]));
  });

  it("fails on another source identity, a wrong destination or plain TCP", async () => {
    for (const bad of [
      series(id("default"), id("httpbin")),
      series(id("prometheus"), id("default")),
      series("unknown", id("httpbin"), "unknown"),
    ]) {
      const c = cell("native", {
        query: () => ({ resultType: "vector", result: [series(id("prometheus"), id("httpbin")), bad] }),
      });
      const [v] = await ambientPrincipalChecks(
        c.t,
        c.t.prometheus("http://p:9090", await c.t.probeClient()),
        src,
        [dst[0]!],
      );
      expect(v!.verdict, JSON.stringify(bad)).toBe("fail");
      expect(v!.summary).toMatch(/^1 of 2 series/);
    }
  });
});

describe("ztunnelMetricsChecks", () => {
  const prometheus: PodInfo = {
    ...pod,
    name: "prometheus-1",
    namespace: "ssc-ambient",
    serviceAccount: "prometheus",
  };
  const ztunnel: PodInfo = {
    ...pod,
    name: "ztunnel-x7k2p",
    namespace: "istio-system",
    ip: "10.0.0.3",
    ips: ["10.0.0.3"],
    serviceAccount: "ztunnel",
  };
  const ZTUNNEL_URL = "http://10.0.0.3:15020/metrics";
  const td = (ns: string, sa: string) => `spiffe://example.org/ns/${ns}/sa/${sa}`;
  const up = (url: string, health = "up") => ({
    activeTargets: [
      {
        scrapePool: "ztunnel",
        scrapeUrl: url,
        health,
        lastError: "",
        lastScrape: "t",
        labels: { job: "ztunnel" },
      },
    ],
  });
  const connections = (source: string, policy = "mutual_tls") => ({
    resultType: "vector",
    result: [
      {
        metric: {
          source_principal: source,
          destination_principal: td("istio-system", "ztunnel"),
          connection_security_policy: policy,
        },
        value: [1_700_000_000, "2"],
      },
    ],
  });

  it("wants ztunnel's 15020 UP in job ztunnel, then Prometheus's connections to it in mutual TLS with both identities", async () => {
    const asked: string[] = [];
    const c = cell("native", {
      targets: up(ZTUNNEL_URL),
      query: (q) => {
        asked.push(q);
        return connections(td("ssc-ambient", "prometheus"));
      },
    });
    const api = c.t.prometheus("http://p:9090", await c.t.probeClient());
    const v = await ztunnelMetricsChecks(c.t, api, prometheus, ztunnel);
    expect(v.map((x) => [x.probe, x.verdict])).toEqual([
      ["targets", "pass"],
      ["promql", "pass"],
    ]);
    expect(asked[0]).toBe(
      'sum by (source_principal, destination_principal, connection_security_policy) (istio_tcp_connections_opened_total{reporter="destination", source_workload="prometheus", source_workload_namespace="ssc-ambient", destination_workload="ztunnel", destination_workload_namespace="istio-system"})',
    );
    expect(new Set(c.budgets)).toEqual(new Set(["targetsUp", "promql"]));
  });

  it("fails a ztunnel scrape that is DOWN, or connections in plain TCP", async () => {
    const down = cell("native", {
      targets: up(ZTUNNEL_URL, "down"),
      query: () => connections(td("ssc-ambient", "prometheus")),
    });
    const api = down.t.prometheus("http://p:9090", await down.t.probeClient());
    expect((await ztunnelMetricsChecks(down.t, api, prometheus, ztunnel)).map((x) => x.verdict)).toEqual([
      "fail",
      "pass",
    ]);
    const plain = cell("native", {
      targets: up(ZTUNNEL_URL),
      query: () => connections("unknown", "unknown"),
    });
    const api2 = plain.t.prometheus("http://p:9090", await plain.t.probeClient());
    expect((await ztunnelMetricsChecks(plain.t, api2, prometheus, ztunnel)).map((x) => x.verdict)).toEqual([
      "pass",
      "fail",
    ]);
  });
});

describe("authzCheck", () => {
  it("asks the app port of the deny-all pod and the secure merged port of both, with the client's files", async () => {
    const denied: PodInfo = { ...pod, name: "d", ip: "10.0.0.7" };
    const allowed: PodInfo = { ...pod, name: "a", ip: "10.0.0.8" };
    const c = cell("native", {
      urls: {
        "http://10.0.0.7:8080/get": answer("RBAC: access denied", 403),
        "https://10.0.0.7:15092/stats/prometheus": REFUSED,
      },
    });
    const v = await authzCheck(c.t, denied, allowed);
    expect(v).toMatchObject({ probe: "authz", verdict: "pass" });
    const curls = c.seen.filter((a) => a[0] === "curl");
    expect(urlsOf(c.seen).sort()).toEqual([
      "http://10.0.0.7:8080/get",
      "https://10.0.0.7:15092/stats/prometheus",
      "https://10.0.0.8:15092/stats/prometheus",
    ]);
    expect(curls.filter((a) => a.includes(MESH.cert))).toHaveLength(2);
    expect(new Set(c.budgets)).toEqual(new Set(["consistency"]));
    await expect(
      authzCheck(c.t, { ...denied, sidecar: { kind: "none", ready: false, restarts: 0 } }, allowed),
    ).rejects.toThrow(/^precondition failed: ssc-native\/d has no istio-proxy/);
    await expect(
      authzCheck(c.t, denied, { ...allowed, sidecar: { kind: "none", ready: false, restarts: 0 } }),
    ).rejects.toThrow(/^precondition failed: ssc-native\/a has no istio-proxy/);
  });

  it("brackets an IPv6 pod in every URL it builds", () => {
    expect(statsUrl({ ...pod, ip: "fd00::7" }, 15092)).toBe("https://[fd00::7]:15092/stats/prometheus");
    expect(hostPort("10.0.0.7", 8080)).toBe("10.0.0.7:8080");
    expect(hostPort("fd00::7", 8080)).toBe("[fd00::7]:8080");
  });
});

describe("meshPeerChecks", () => {
  it("scrapes each secure port with Prometheus's files and the peer's own, naming the peer by trust domain", async () => {
    const c = cell("native");
    const v = await meshPeerChecks(c.t, pod);
    expect(v.map((x) => [x.probe, x.verdict])).toEqual([
      ["mesh-peer", "pass"],
      ["mesh-peer", "pass"],
    ]);
    expect(v[0]!.summary).toMatch(
      /^as predicted, spiffe:\/\/example\.org\/ns\/ssc-peer\/sa\/mesh-peer got 200 from https:\/\/10\.0\.0\.5:15091\/stats\/prometheus/,
    );
    expect(v[1]!.summary).toContain("https://10.0.0.5:15092/stats/prometheus");
    const curls = c.seen.filter((a) => a[0] === "curl");
    expect(curls.filter((a) => a.includes(PEER.cert) && a.includes(PEER.key))).toHaveLength(2);
    expect(curls.filter((a) => a.includes(MESH.cert))).toHaveLength(2);
    expect(new Set(c.budgets)).toEqual(new Set(["consistency"]));
  });

  it("says contradicted when the peer is refused, and stands on the precondition", async () => {
    const v = await meshPeerChecks(cell("native", { peer: REFUSED }).t, pod);
    expect(v.map((x) => x.verdict)).toEqual(["fail", "fail"]);
    await expect(meshPeerChecks(cell("native", { keyMissing: true }).t, pod)).rejects.toThrow(
      /^precondition failed: /,
    );
  });
});

describe("identityChecks", () => {
  let root: string;
  let chainFor: (id: string) => string;
  beforeAll(async () => {
    const ca = meshCa;
    root = ca.certPem;
    const right = (await issueWorkload(ca, spiffeId("example.org", "ssc-native", "httpbin"))).certPem;
    const wrong = (await issueWorkload(ca, spiffeId("cluster.local", "ssc-native", "httpbin"))).certPem;
    chainFor = (id) => (id === "right" ? right : wrong);
  });

  it("expects spiffe://<the mesh's trust domain>/ns/<pod ns>/sa/<pod sa> on every secure port", async () => {
    const c = cell("native", { root, chain: chainFor("right") });
    const v = await identityChecks(c.t, pod);
    expect(v.map((x) => [x.verdict, x.summary])).toEqual([
      [
        "pass",
        "https://10.0.0.5:15091/stats/prometheus presents spiffe://example.org/ns/ssc-native/sa/httpbin",
      ],
      [
        "pass",
        "https://10.0.0.5:15092/stats/prometheus presents spiffe://example.org/ns/ssc-native/sa/httpbin",
      ],
    ]);
    expect(c.seen.filter((a) => a[0] === "cat")[0]).toEqual(["cat", MESH.ca]);
    expect(new Set(c.budgets)).toEqual(new Set(["consistency"]));
  });

  it("fails the default trust domain's id when the mesh has another", async () => {
    const v = await identityChecks(cell("legacy", { root, chain: chainFor("wrong") }).t, pod);
    expect(v.map((x) => x.verdict)).toEqual(["fail"]);
    expect(v[0]!.summary).toContain("not spiffe://example.org/ns/ssc-native/sa/httpbin");
  });
});

describe("targetChecks", () => {
  const active = (job: string, url: string, health = "up") => ({
    scrapePool: job,
    scrapeUrl: url,
    health,
    lastError: health === "up" ? "" : "EOF",
    lastScrape: "t",
    labels: { job },
  });

  it("asks the secure Prometheus from its own pod, each port in its job, under targetsUp", async () => {
    const targets = {
      activeTargets: [
        active(SECURE_JOBS.envoy, "https://10.0.0.5:15091/stats/prometheus"),
        active(SECURE_JOBS.merged, "https://10.0.0.5:15092/stats/prometheus"),
      ],
      droppedTargets: [],
    };
    const c = cell("native", { targets });
    const v = await targetChecks(c.t, pod);
    expect(v.map((x) => [x.verdict, x.summary])).toEqual([
      ["pass", "job istio-secure-envoy-metrics, https://10.0.0.5:15091/stats/prometheus is UP"],
      ["pass", "job istio-secure-merged-metrics, https://10.0.0.5:15092/stats/prometheus is UP"],
    ]);
    expect(new Set(urlsOf(c.seen))).toEqual(new Set(["http://127.0.0.1:9090/api/v1/targets?state=any"]));
    expect(new Set(c.budgets)).toEqual(new Set(["targetsUp"]));
  });

  it("fails a port listed in the other job (the pairing is the property)", async () => {
    const swapped = {
      activeTargets: [
        active(SECURE_JOBS.merged, "https://10.0.0.5:15091/stats/prometheus"),
        active(SECURE_JOBS.envoy, "https://10.0.0.5:15092/stats/prometheus"),
      ],
    };
    const v = await targetChecks(cell("native", { targets: swapped }).t, pod);
    expect(v.map((x) => x.verdict)).toEqual(["fail", "fail"]);
  });

  it("looks for the legacy port in the merged job", async () => {
    const legacy = { activeTargets: [active(SECURE_JOBS.merged, "https://10.0.0.5:15091/stats/prometheus")] };
    const v = await targetChecks(cell("legacy", { targets: legacy }).t, pod);
    expect(v.map((x) => x.verdict)).toEqual(["pass"]);
  });
});

describe("the checks on Prometheus's targets and series beyond UP", () => {
  const v6: PodInfo = { ...pod, ip: "fd00::5", ips: ["fd00::5"] };
  const target = (job: string, url: string, p: PodInfo, health = "up") => ({
    scrapePool: job,
    scrapeUrl: url,
    health,
    lastError: "",
    lastScrape: "t",
    labels: { job, namespace: p.namespace, pod: p.name },
  });

  it("documentedRewriteChecks: the own bracketed job first, then the sample's job, one verdict under targetsUp", async () => {
    const targets = {
      activeTargets: [
        target(SECURE_JOBS.merged, "https://[fd00::5]:15092/stats/prometheus", v6),
        target("istio-secure-merged-metrics-as-documented", "https://fd00::5:15092/stats/prometheus", v6),
      ],
    };
    const c = cell("native", { targets });
    const [v, ...more] = await documentedRewriteChecks(c.t, v6);
    expect(more).toEqual([]);
    expect(v).toMatchObject({ verdict: "pass", probe: "documented-rewrite" });
    expect(v!.evidence[0]).toBe(
      "own job: job istio-secure-merged-metrics, https://[fd00::5]:15092/stats/prometheus is UP",
    );
    expect(new Set(c.budgets)).toEqual(new Set(["targetsUp"]));
    // The own job not UP: the finding cannot be told.
    const down = cell("native", { targets: { activeTargets: [targets.activeTargets[1]] } });
    expect((await documentedRewriteChecks(down.t, v6))[0]!.verdict).toBe("error");
  });

  it("agentScrapeChecks: the pod's counters in the merged job, under the promql budget", async () => {
    const queries: string[] = [];
    const c = cell("native", {
      query: (q) => {
        queries.push(q);
        const scrapes = q.includes("istio_agent_scrapes_total");
        return { resultType: "vector", result: scrapes ? [{ metric: {}, value: [1, "3"] }] : [] };
      },
    });
    const [v, ...more] = await agentScrapeChecks(c.t, pod);
    expect(more).toEqual([]);
    expect(v).toMatchObject({ verdict: "pass", probe: "agent-scrapes" });
    expect(queries[0]).toBe(
      'max_over_time(istio_agent_scrapes_total{job="istio-secure-merged-metrics",namespace="ssc-native",pod="httpbin-abc"}[5m])',
    );
    expect(new Set(c.budgets)).toEqual(new Set(["promql"]));
  });

  it("mergedAppSeriesChecks: the pod's merged target and the app's family in the merged job, under promql", async () => {
    const queries: string[] = [];
    const c = cell("native", {
      query: (q) => {
        queries.push(q);
        return { resultType: "vector", result: [{ metric: {}, value: [1, "1"] }] };
      },
    });
    const [v, ...more] = await mergedAppSeriesChecks(c.t, pod);
    expect(more).toEqual([]);
    expect(v).toMatchObject({ verdict: "pass", probe: "merged-app" });
    const sel = '{job="istio-secure-merged-metrics",namespace="ssc-native",pod="httpbin-abc"}';
    expect(queries.slice(0, 2)).toEqual([
      `max_over_time(up${sel}[5m])`,
      `max_over_time(prometheus_build_info${sel}[5m])`,
    ]);
    expect(new Set(c.budgets)).toEqual(new Set(["promql"]));
    // UP with no app family: the merge is missing.
    const none = cell("native", {
      query: (q) => ({
        resultType: "vector",
        result: q.includes("up{") ? [{ metric: {}, value: [1, "1"] }] : [],
      }),
    });
    expect((await mergedAppSeriesChecks(none.t, pod))[0]!.verdict).toBe("fail");
  });

  it("selfScrapeChecks: every secure job's UP targets against Prometheus's own pod, under targetsUp", async () => {
    const prometheus: PodInfo = {
      ...pod,
      name: "prometheus-0",
      namespace: "ssc-prometheus",
      ip: "10.0.0.9",
      ips: ["10.0.0.9"],
    };
    const targets = {
      activeTargets: [
        target(SECURE_JOBS.merged, "https://10.0.0.5:15092/stats/prometheus", pod),
        target(SECURE_JOBS.envoy, "https://10.0.0.9:15091/stats/prometheus", prometheus),
        target(
          "istio-secure-merged-metrics-as-documented",
          "https://10.0.0.9:15092/stats/prometheus",
          prometheus,
        ),
      ],
    };
    const c = cell("native", { targets }, undefined, { pod: prometheus });
    const [v, ...more] = await selfScrapeChecks(c.t);
    expect(more).toEqual([]);
    expect(v).toMatchObject({ verdict: "fail", probe: "self-scrape" });
    expect(v!.summary).toMatch(
      /^Prometheus scrapes itself: 2 UP target\(s\) of the secure jobs are its own pod ssc-prometheus\/prometheus-0/,
    );
    expect(new Set(c.budgets)).toEqual(new Set(["targetsUp"]));
    // Its pod is looked up where the fixture puts it.
    const asked: string[] = [];
    const other = cell("native", { targets: { activeTargets: [targets.activeTargets[0]] } });
    const t: CellContext = {
      ...other.t,
      pod: async (ns, selector) => {
        asked.push(`${ns} ${selector}`);
        return prometheus;
      },
    };
    expect((await selfScrapeChecks(t))[0]!.verdict).toBe("pass");
    expect(asked).toEqual(["ssc-prometheus app=prometheus"]);
  });
});

describe("listenerChecks", () => {
  const table = [
    "ADDRESSES PORT  MATCH      DESTINATION",
    "0.0.0.0   15090 ALL        Inline Route: /stats/prometheus*",
    "0.0.0.0   15091 Trans: tls Inline Route: /stats/prometheus*",
    "0.0.0.0   15092 Trans: tls Inline Route: /stats/prometheus*, /metrics*",
  ].join("\n");

  it("asks istioctl for the pod's listeners by name.namespace and judges the table", async () => {
    const c = cell("native", {}, () => ({ exitCode: 0, stdout: table, stderr: "" }));
    const v = await listenerChecks(c.t, pod, secureListenerExpectations(false, []));
    expect(v.map((x) => x.verdict)).toEqual(["pass"]);
    expect(c.istioctlCalls[0]).toEqual(["proxy-config", "listeners", "httpbin-abc.ssc-native"]);
    expect(c.budgets).toEqual(["consistency"]);
  });

  it("is an error naming istioctl's own message when istioctl fails, never a table verdict", async () => {
    const c = cell("native", {}, () => ({
      exitCode: 1,
      stdout: table,
      stderr: 'Error: pods "x" not found\n',
    }));
    const v = await listenerChecks(c.t, pod, secureListenerExpectations(false, []));
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ probe: "listeners", verdict: "error" });
    expect(v[0]!.summary).toMatch(
      /^istioctl proxy-config listeners httpbin-abc\.ssc-native failed: Error: pods "x" not found \(still so/,
    );
  });
});

describe("localhostOnlyChecks", () => {
  it("shows the merged port alive, then wants 15090 refused and 15020 403 from another pod", async () => {
    const c = cell("native");
    const v = await localhostOnlyChecks(c.t, pod);
    expect(v.map((x) => x.verdict)).toEqual(["pass"]);
    expect(new Set(urlsOf(c.seen))).toEqual(
      new Set([
        "https://10.0.0.5:15092/stats/prometheus",
        "http://10.0.0.5:15090/stats/prometheus",
        "http://10.0.0.5:15020/stats/prometheus",
      ]),
    );
    expect(c.budgets).toEqual(["consistency"]);
  });

  it("fails when 15090 serves metrics to another pod", async () => {
    const c = cell("native", { urls: { "http://10.0.0.5:15090/stats/prometheus": answer(METRICS, 200) } });
    expect((await localhostOnlyChecks(c.t, pod))[0]!.verdict).toBe("fail");
  });

  it("shows a legacy cell's port alive on 15091, its merged port", async () => {
    const c = cell("legacy");
    await localhostOnlyChecks(c.t, pod);
    expect(urlsOf(c.seen)).toContain("https://10.0.0.5:15091/stats/prometheus");
  });
});

describe("ztunnelChecks", () => {
  const rows = (address: string, protocol: string) =>
    [
      `NAMESPACE   POD NAME                    ${address.padEnd(11)} NODE  WAYPOINT PROTOCOL`,
      `ssc-ambient httpbin-7f9d8c-abcde        10.244.0.12 node  None     HBONE`,
      `ssc-ambient prometheus-6c647c84c8-gpxt4 10.244.0.13 node  None     ${protocol}`,
    ].join("\n");
  const expected = [
    { namespace: "ssc-ambient", podPrefix: "httpbin" },
    { namespace: "ssc-ambient", podPrefix: "prometheus" },
  ];

  it("asks the top-level command with column ADDRESS on current versions", async () => {
    const c = cell("native", {}, () => ({ exitCode: 0, stdout: rows("ADDRESS", "HBONE"), stderr: "" }), {
      has: (cap) => cap === "ztunnelConfigTopLevel" || cap === "ztunnelConfigAddressColumn",
    });
    const v = await ztunnelChecks(c.t, expected);
    expect(v.map((x) => [x.probe, x.verdict])).toEqual([["ztunnel-workloads", "pass"]]);
    expect(c.istioctlCalls[0]).toEqual(["ztunnel-config", "workloads"]);
    expect(c.budgets).toEqual(["consistency"]);
  });

  it("asks `istioctl x` and reads column IP before 1.23", async () => {
    const c = cell("legacy", {}, () => ({ exitCode: 0, stdout: rows("IP", "HBONE"), stderr: "" }), {
      has: () => false,
    });
    expect((await ztunnelChecks(c.t, expected)).map((x) => x.verdict)).toEqual(["pass"]);
    expect(c.istioctlCalls[0]).toEqual(["x", "ztunnel-config", "workloads"]);
  });

  it("reads column IP between 1.23 and 1.24 (top-level command, old column)", async () => {
    const c = cell("legacy", {}, () => ({ exitCode: 0, stdout: rows("IP", "HBONE"), stderr: "" }), {
      has: (cap) => cap === "ztunnelConfigTopLevel",
    });
    expect((await ztunnelChecks(c.t, expected)).map((x) => x.verdict)).toEqual(["pass"]);
    expect(c.istioctlCalls[0]).toEqual(["ztunnel-config", "workloads"]);
  });

  it("fails a TCP workload, and is an error when istioctl fails", async () => {
    const tcp = cell("native", {}, () => ({ exitCode: 0, stdout: rows("ADDRESS", "TCP"), stderr: "" }));
    expect((await ztunnelChecks(tcp.t, expected))[0]!.verdict).toBe("fail");
    const broken = cell("native", {}, () => ({ exitCode: 1, stdout: "", stderr: "Error: no ztunnel\n" }));
    expect((await ztunnelChecks(broken.t, expected))[0]).toMatchObject({
      probe: "ztunnel-workloads",
      verdict: "error",
    });
    expect((await ztunnelChecks(broken.t, expected))[0]!.summary).toMatch(
      /^istioctl ztunnel-config workloads failed: Error: no ztunnel \(still so/,
    );
  });
});

describe("securePortAnnotationChecks", () => {
  const annotated = (value?: string): PodInfo => ({
    ...pod,
    annotations: value === undefined ? {} : { "prometheus.istio.io/secure-port": value },
  });

  it('passes on prometheus.istio.io/secure-port: "15092", under the consistency budget', async () => {
    const c = cell("native", {}, undefined, { pod: annotated("15092") });
    expect(await securePortAnnotationChecks(c.t, "ssc-native", "app=httpbin")).toEqual([
      expect.objectContaining({
        probe: "annotation",
        verdict: "pass",
        summary: 'ssc-native/httpbin-abc has prometheus.istio.io/secure-port: "15092"',
      }),
    ]);
    expect(c.budgets).toEqual(["consistency"]);
  });

  it("fails an unset or different value, saying which", async () => {
    const unset = await securePortAnnotationChecks(
      cell("native", {}, undefined, { pod: annotated() }).t,
      "n",
      "s",
    );
    expect(unset[0]).toMatchObject({ probe: "annotation", verdict: "fail" });
    expect(unset[0]!.summary).toMatch(
      /^ssc-native\/httpbin-abc has prometheus\.istio\.io\/secure-port unset, not "15092"/,
    );
    const other = await securePortAnnotationChecks(
      cell("native", {}, undefined, { pod: annotated("15091") }).t,
      "n",
      "s",
    );
    expect(other[0]!.summary).toMatch(/has prometheus\.istio\.io\/secure-port "15091", not "15092"/);
  });
});

describe("strictScrapeCheck", () => {
  const strictPod: PodInfo = { ...pod, name: "httpbin-strict", namespace: "ssc-strict", ip: "10.0.0.6" };
  const STRICT_URL = "https://10.0.0.6:15092/stats/prometheus";
  const BASE_URL = "https://10.0.0.5:15092/stats/prometheus";
  const closed = failed(52, "curl: (52) Empty reply from server");

  it("confirms the prediction after the PERMISSIVE baseline worked, asking with the mesh client", async () => {
    const c = cell("native", { urls: { [STRICT_URL]: closed } });
    const v = await strictScrapeCheck(c.t, strictPod, pod);
    expect(v).toMatchObject({ probe: "strict", verdict: "pass" });
    expect(v.summary).toMatch(/^as predicted, /);
    expect(new Set(urlsOf(c.seen))).toEqual(new Set([BASE_URL, STRICT_URL]));
    const strictCurl = c.seen.find((a) => a.at(-1) === STRICT_URL)!;
    expect(strictCurl).toEqual(
      expect.arrayContaining(["--cert", MESH.cert, "--key", MESH.key, "--max-time", "3"]),
    );
    expect(new Set(c.budgets)).toEqual(new Set(["consistency"]));
  });

  it("says the finding is contradicted when the STRICT pod answers 200", async () => {
    const v = await strictScrapeCheck(cell("native").t, strictPod, pod);
    expect(v).toMatchObject({ probe: "strict", verdict: "fail" });
    expect(v.summary).toMatch(/^finding contradicted: the native secure port answers 200 under STRICT/);
  });

  it("cannot tell when the port does not work even without STRICT, and never asks the STRICT pod", async () => {
    const c = cell("native", { urls: { [BASE_URL]: answer("not found", 404), [STRICT_URL]: closed } });
    const v = await strictScrapeCheck(c.t, strictPod, pod);
    expect(v).toMatchObject({ probe: "strict", verdict: "error" });
    expect(v.summary).toMatch(
      /^baseline failed: the secure port does not work even without STRICT \(mTLS scrape of https:\/\/10\.0\.0\.5:15092\/stats\/prometheus did not get 200: HTTP 404/,
    );
    expect(v.evidence.length).toBeGreaterThan(0);
    expect(urlsOf(c.seen)).not.toContain(STRICT_URL);
  });
});

describe("mergedMetricsCheck", () => {
  const AGENT = "http://10.0.0.5:15020/stats/prometheus";
  it("reads the agent's 15020 from outside the mesh and judges what it merged", async () => {
    const merged = answer('prometheus_build_info{version="3"} 1\nenvoy_server_live 1\n', 200);
    const c = cell("native", { urls: { [AGENT]: merged } });
    expect(await mergedMetricsCheck(c.t, pod)).toMatchObject({ probe: "merged-metrics", verdict: "pass" });
    expect(urlsOf(c.seen)).toContain(AGENT);
    expect(c.seen.find((a) => a.at(-1) === AGENT)).not.toContain("--cert");
    expect(c.budgets).toEqual(["consistency"]);
  });
  it("fails without the app's series", async () => {
    const c = cell("native", { urls: { [AGENT]: answer("envoy_server_live 1\n", 200) } });
    expect((await mergedMetricsCheck(c.t, pod)).verdict).toBe("fail");
  });
});

describe("mergeOptOutChecks", () => {
  const AGENT = "http://10.0.0.5:15020/stats/prometheus";
  const APP = { port: "9090", path: "/metrics" };
  const optedOut: PodInfo = {
    ...pod,
    annotations: {
      "prometheus.istio.io/merge-metrics": "false",
      "prometheus.io/port": "9090",
      "prometheus.io/path": "/metrics",
    },
  };
  it("judges the pod's annotations and reads its 15020 from outside the mesh", async () => {
    const c = cell("native", { urls: { [AGENT]: answer("envoy_server_live 1\n", 200) } });
    const [annotations, agent, ...more] = await mergeOptOutChecks(c.t, optedOut, APP);
    expect(more).toEqual([]);
    expect(annotations).toMatchObject({ probe: "merge-opt-out", verdict: "pass" });
    expect(annotations!.summary).toMatch(/^ssc-native\/httpbin-abc keeps/);
    expect(agent).toMatchObject({ probe: "merge-opt-out", verdict: "pass" });
    expect(c.seen.find((a) => a.at(-1) === AGENT)).not.toContain("--cert");
    expect(c.budgets).toEqual(["consistency"]);
  });
  it("fails on a merge made anyway, and stops at a pod without a sidecar", async () => {
    const merged = answer('prometheus_build_info{version="3"} 1\nenvoy_server_live 1\n', 200);
    const c = cell("native", { urls: { [AGENT]: merged } });
    const rewritten = { ...optedOut.annotations, "prometheus.io/port": "15020" };
    const verdicts = await mergeOptOutChecks(c.t, { ...optedOut, annotations: rewritten }, APP);
    expect(verdicts.map((v) => v.verdict)).toEqual(["fail", "fail"]);
    const bare = cell("native", { urls: { [AGENT]: merged } });
    const none = { ...optedOut, sidecar: { kind: "none" as const, ready: false, restarts: 0 } };
    await expect(mergeOptOutChecks(bare.t, none, APP)).rejects.toBeInstanceOf(PreconditionFailed);
    expect(bare.seen).toEqual([]);
  });
});

describe("permissivePortCheck", () => {
  const open: PodInfo = { ...pod, name: "open", ip: "10.0.0.7" };
  const strict: PodInfo = { ...pod, name: "strict", ip: "10.0.0.8" };
  const OPEN = "http://10.0.0.7:9090/metrics";
  const STRICT = "http://10.0.0.8:9090/metrics";
  it("asks plaintext of both apps' metrics port and mTLS of the STRICT one", async () => {
    const c = cell("native", { urls: { [OPEN]: answer("app_up 1", 200), [STRICT]: failed(56, "reset") } });
    expect(await permissivePortCheck(c.t, open, strict)).toMatchObject({
      probe: "permissive-port",
      verdict: "pass",
    });
    expect(new Set(urlsOf(c.seen))).toEqual(new Set([OPEN, STRICT, "https://10.0.0.8:9090/metrics"]));
    expect(c.seen.find((a) => a.at(-1) === "https://10.0.0.8:9090/metrics")).toContain(MESH.cert);
    expect(c.seen.find((a) => a.at(-1) === STRICT)).not.toContain("--cert");
    expect(c.budgets).toEqual(["consistency"]);
  });
  it("fails when the STRICT app serves plaintext", async () => {
    const c = cell("native", {
      urls: { [OPEN]: answer("app_up 1", 200), [STRICT]: answer("app_up 1", 200) },
    });
    expect((await permissivePortCheck(c.t, open, strict)).verdict).toBe("fail");
  });
});

describe("rotationChecks", () => {
  const ROT = { ca: "/rot/root-cert.pem", cert: "/rot/cert-chain.pem", key: "/rot/key.pem" };
  const targetsUp = (health = "up") => ({
    activeTargets: [
      { port: 15091, job: SECURE_JOBS.envoy },
      { port: 15092, job: SECURE_JOBS.merged },
    ].map(({ port, job }) => ({
      scrapePool: job,
      scrapeUrl: `https://10.0.0.5:${port}/stats/prometheus`,
      health,
      lastError: "",
      lastScrape: "t",
      labels: { job },
    })),
  });
  const now = Date.now() / 1000;
  const upMatrix = {
    resultType: "matrix",
    result: [
      {
        metric: {},
        values: [
          [now - 1, "1"],
          [now, "1"],
        ],
      },
    ],
  };

  /** The rotation Prometheus's client: each look finds the next certificate at both ends. */
  async function rotating(s: Script) {
    // As istiod issues a 3m certificate: NotBefore back-dated 2 min.
    const short = { notBefore: new Date(Date.now() - 120_000), notAfter: new Date(Date.now() + 180_000) };
    const issue = (sa: string) =>
      issueWorkload(meshCa, spiffeId("example.org", "ssc-rotation", sa), [], short);
    const clients = await Promise.all([0, 1, 2].map(() => issue("prometheus")));
    const servers = await Promise.all([0, 1, 2].map(() => issue("httpbin")));
    const c = cell("native", s);
    const base = await c.t.probeClient();
    const looks = { client: 0, server: 0 };
    const handshakes = new Set<string>();
    const run: CommandRunner = async (argv) => {
      if (argv[0] === "cat" && argv[1] === ROT.cert)
        return { exitCode: 0, stdout: clients[Math.min(looks.client++, 2)]!.certPem, stderr: "" };
      if (argv.includes(ROT.cert) && argv.some((a) => a.includes("%{certs}"))) {
        handshakes.add(`${argv[argv.indexOf("--key") + 1]} ${argv.at(-1)}`);
        return answer(METRICS, 200, servers[Math.min(looks.server++, 2)]!.certPem);
      }
      return base(argv);
    };
    c.t.rotationClient = async () => ({ run, tls: ROT });
    return { ...c, looks, handshakes };
  }

  it("wants both targets UP, then both ends rotated twice, then every port's up continuous over the watch", async () => {
    const asked: string[] = [];
    const c = await rotating({
      targets: targetsUp(),
      query: (q) => {
        asked.push(q);
        return upMatrix;
      },
    });
    const v = await rotationChecks(c.t, pod);
    expect(v.map((x) => [x.probe, x.verdict])).toEqual([
      ["targets", "pass"],
      ["targets", "pass"],
      ["rotation", "pass"],
      ["scrape-continuity", "pass"],
      ["scrape-continuity", "pass"],
    ]);
    expect(v[2]!.summary).toMatch(
      /^the client's cert-chain.pem rotated 2 and the target's certificate 2 time/,
    );
    expect(c.looks).toEqual({ client: 3, server: 3 });
    expect(asked).toEqual([
      'up{job="istio-secure-envoy-metrics",namespace="ssc-native",pod="httpbin-abc"}[1s]',
      'up{job="istio-secure-merged-metrics",namespace="ssc-native",pod="httpbin-abc"}[1s]',
    ]);
    expect(new Set(c.budgets)).toEqual(new Set(["targetsUp", "rotation"]));
    // The handshake that reads the server's certificate is made with the rotating files, on 15091.
    expect([...c.handshakes]).toEqual(["/rot/key.pem https://10.0.0.5:15091/stats/prometheus"]);
  });

  it("judges a continuity the API cannot give as an error, and a gap of over two intervals as a failure", async () => {
    const down = {
      resultType: "matrix",
      result: [
        {
          metric: {},
          values: [
            [now - 10, "1"],
            [now, "1"],
          ],
        },
      ],
    };
    const c = await rotating({
      targets: targetsUp(),
      query: (q) => (q.includes("envoy") ? down : { resultType: "vector", result: [] }),
    });
    const v = await rotationChecks(c.t, pod);
    expect(v.slice(3).map((x) => [x.probe, x.verdict])).toEqual([
      ["scrape-continuity", "fail"],
      ["scrape-continuity", "error"],
    ]);
  });

  it("stops at the targets when one is not UP: no rotation is watched on a target never scraped", async () => {
    const c = await rotating({ targets: targetsUp("down") });
    const v = await rotationChecks(c.t, pod);
    expect(v.map((x) => [x.probe, x.verdict])).toEqual([
      ["targets", "fail"],
      ["targets", "fail"],
    ]);
    expect(c.looks).toEqual({ client: 0, server: 0 });
    const one = await rotating({
      targets: { activeTargets: [targetsUp().activeTargets[0], targetsUp("down").activeTargets[1]] },
    });
    const v1 = await rotationChecks(one.t, pod);
    expect(v1.map((x) => [x.probe, x.verdict])).toEqual([
      ["targets", "pass"],
      ["targets", "fail"],
    ]);
    expect(one.looks).toEqual({ client: 0, server: 0 });
  });

  it("stands on the target's sidecar", async () => {
    const c = await rotating({ targets: targetsUp() });
    const bare = { ...pod, sidecar: { kind: "none", ready: false, restarts: 0 } as const };
    await expect(rotationChecks(c.t, bare)).rejects.toBeInstanceOf(PreconditionFailed);
  });
});

describe("meshWideChecks", () => {
  it("judges the mesh config, httpbin's annotation and the secure Prometheus's, each read from the cell", async () => {
    const asked: string[] = [];
    const t: CellContext = {
      ...cell("native").t,
      meshConfig: async () =>
        'defaultConfig:\n  proxyMetadata:\n    ENVOY_SECURE_METRICS_PORT: "15091"\n    ENVOY_SECURE_MERGED_METRICS_PORT: "15092"\n',
      pod: async (namespace, selector) => {
        asked.push(`${namespace} ${selector}`);
        return namespace === "ssc-native"
          ? { ...pod, annotations: { "prometheus.istio.io/secure-port": "15092" } }
          : {
              ...pod,
              name: "prometheus-0",
              namespace,
              annotations: { "prometheus.istio.io/secure-port": "15092" },
            };
      },
    };
    const verdicts = await meshWideChecks(t);
    expect(asked.sort()).toEqual(["ssc-native app=httpbin", "ssc-prometheus app=prometheus"]);
    expect(verdicts.map((v) => [v.probe, v.verdict])).toEqual([
      ["mesh-config", "pass"],
      ["mesh-wide-annotation", "pass"],
      // The same annotation on Prometheus is the self-scrape setup this catches.
      ["prometheus-opt-out", "fail"],
    ]);
    expect(verdicts[2]!.summary).toMatch(/^ssc-prometheus\/prometheus-0 carries/);
  });
});

describe("Istio's sample Prometheus: samplePrometheusChecks and sampleMeshWideChecks", () => {
  const up = (job: string, url: string) => ({
    scrapePool: job,
    scrapeUrl: url,
    health: "up",
    lastError: "",
    lastScrape: "t",
    labels: { job },
  });
  const sample: PodInfo = {
    ...pod,
    name: "prometheus-7c9",
    namespace: "istio-system",
    ip: "10.0.0.9",
    ips: ["10.0.0.9"],
  };
  const APP = "http://10.0.0.5:8080/get";
  const HTTPBIN = [
    up(SECURE_JOBS.envoy, "https://10.0.0.5:15091/stats/prometheus"),
    up(SECURE_JOBS.merged, "https://10.0.0.5:15092/stats/prometheus"),
  ];
  const SELF = up(SECURE_JOBS.merged, "https://10.0.0.9:15092/stats/prometheus");
  /** A cell whose sample lists these targets, whose httpbin answers `app`, and whose stored envoy
   * payload names the requests served in `served` (a namespace), one scrape every 15 s. */
  const run = (s: { targets: object[]; app?: ProcessResult; served: string }) => {
    let scraped = 100;
    const nextScrape = () => {
      scraped += 15;
      return String(scraped);
    };
    const c = cell("native", {
      targets: { activeTargets: s.targets },
      urls: { [APP]: s.app ?? answer("{}", 200) },
      query: (q) =>
        q.startsWith("timestamp(")
          ? { resultType: "vector", result: [{ metric: {}, value: [0, nextScrape()] }] }
          : {
              resultType: "vector",
              result: [
                {
                  metric: { destination_workload_namespace: s.served, destination_workload: "w" },
                  value: [0, "4"],
                },
              ],
            },
    });
    const asked: string[] = [];
    const t: CellContext = {
      ...c.t,
      pod: async (namespace, selector) => {
        asked.push(`${namespace} ${selector}`);
        return sample;
      },
    };
    return { c, t, asked };
  };

  it("per pod: asks the sample's Service from the probe client; httpbin's ports UP, not itself, httpbin's own payload", async () => {
    const { c, t, asked } = run({ targets: HTTPBIN, served: "ssc-native" });
    const v = await samplePrometheusChecks(t, pod);
    expect(v.map((x) => [x.probe, x.verdict])).toEqual([
      ["targets", "pass"],
      ["targets", "pass"],
      ["self-scrape", "pass"],
      ["scrape-origin", "pass"],
    ]);
    expect(v[3]!.summary).toBe(
      "job istio-secure-envoy-metrics, instance 10.0.0.5:15091 serves the workload's own metrics: its payload counts requests served in ssc-native",
    );
    // Three requests to httpbin's own port, then the sample's API, all from the probe client.
    const urls = urlsOf(c.seen);
    expect(urls.filter((u) => u === APP)).toHaveLength(3);
    expect(new Set(urls.filter((u) => u !== APP && !u!.includes("/api/v1/query?")))).toEqual(
      new Set([
        "http://prometheus.istio-system:9090/api/v1/targets?state=any",
        "http://prometheus.istio-system:9090/api/v1/targets?state=active",
      ]),
    );
    expect(urls.every((u) => u === APP || u!.startsWith("http://prometheus.istio-system:9090/api/v1/"))).toBe(
      true,
    );
    expect(asked).toEqual([
      "istio-system app.kubernetes.io/name=prometheus,app.kubernetes.io/component=server",
    ]);
    expect(new Set(c.budgets)).toEqual(new Set(["targetsUp", "promql"]));
  });

  it("per pod: fails when the sample scrapes its own pod, or stores another Envoy's payload for httpbin", async () => {
    const self = await samplePrometheusChecks(
      run({ targets: [...HTTPBIN, SELF], served: "ssc-native" }).t,
      pod,
    );
    expect(self.map((x) => x.verdict)).toEqual(["pass", "pass", "fail", "pass"]);
    expect(self[2]!.summary).toMatch(
      /^Prometheus scrapes itself: 1 UP target\(s\) of the secure jobs are its own pod istio-system\/prometheus-7c9/,
    );
    const foreign = await samplePrometheusChecks(run({ targets: HTTPBIN, served: "istio-system" }).t, pod);
    expect(foreign.map((x) => x.verdict)).toEqual(["pass", "pass", "pass", "fail"]);
    expect(foreign[3]!.summary).toMatch(/carry none of them: another Envoy answered \(istio-system\/w\)/);
  });

  it("mesh-wide: holds the prediction when the sample scrapes itself and stores another Envoy's payload for httpbin", async () => {
    const { c, t } = run({ targets: [...HTTPBIN, SELF], served: "istio-system" });
    const v = await sampleMeshWideChecks(t, pod);
    // Targets UP and the self-scrape under targetsUp, whose payload under promql.
    expect([...c.budgets].sort()).toEqual(["promql", "targetsUp", "targetsUp"]);
    expect(v.map((x) => [x.probe, x.verdict])).toEqual([
      ["targets", "pass"],
      ["targets", "pass"],
      ["self-scrape", "pass"],
      ["scrape-origin", "pass"],
    ]);
    expect(v[2]!.summary).toMatch(
      /^as predicted, Prometheus scrapes itself: 1 UP target\(s\) .* istio-system\/prometheus-7c9/,
    );
    expect(v[3]!.summary).toMatch(
      /^as predicted, job istio-secure-envoy-metrics, instance 10\.0\.0\.5:15091 is UP, yet 1 scrape\(s\) made after the workload served 3 request\(s\)/,
    );
  });

  it("mesh-wide: is contradicted when the sample does not scrape itself, or stores httpbin's own payload", async () => {
    const own = await sampleMeshWideChecks(run({ targets: HTTPBIN, served: "istio-system" }).t, pod);
    expect(own.map((x) => x.verdict)).toEqual(["pass", "pass", "fail", "pass"]);
    expect(own[2]!.summary).toMatch(
      /^finding contradicted: none of the 1 UP target\(s\) of istio-secure-merged-metrics/,
    );
    const genuine = await sampleMeshWideChecks(
      run({ targets: [...HTTPBIN, SELF], served: "ssc-native" }).t,
      pod,
    );
    expect(genuine.map((x) => x.verdict)).toEqual(["pass", "pass", "pass", "fail"]);
    expect(genuine[3]!.summary).toMatch(
      /^finding contradicted: job istio-secure-envoy-metrics, instance 10\.0\.0\.5:15091 serves the workload's own metrics/,
    );
  });

  it("cannot tell whose payload the sample stores when httpbin answers none of the requests", async () => {
    for (const checks of [samplePrometheusChecks, sampleMeshWideChecks]) {
      const { c, t } = run({
        targets: [...HTTPBIN, SELF],
        served: "ssc-native",
        app: failed(7, "curl: (7) Failed to connect"),
      });
      const v = await checks(t, pod);
      expect(v[3]).toEqual(
        error(
          "scrape-origin",
          "http://10.0.0.5:8080/get answered none of 3 requests (curl: (7) Failed to connect): whose metrics Prometheus stores cannot be told",
        ),
      );
      expect(c.budgets).not.toContain("promql");
    }
  });

  it("looks for the requests that were answered: one 200 of three is enough", async () => {
    let n = 0;
    const { t } = run({ targets: HTTPBIN, served: "istio-system" });
    const flaky: CellContext = {
      ...t,
      probeClient: async () => {
        const inner = await t.probeClient();
        return async (argv) =>
          argv.at(-1) === APP && n++ > 0 ? failed(28, "curl: (28) timed out") : inner(argv);
      },
    };
    const v = await samplePrometheusChecks(flaky, pod);
    expect(v[3]!.summary).toMatch(/after the workload served 1 request\(s\)/);
  });
});

describe("scrapeOriginCheck", () => {
  it("asks the secure Prometheus about the pod's 15091 target in the envoy job, an IPv6 one bracketed", async () => {
    const asked: string[] = [];
    const c = cell("native", {
      query: (q) => {
        asked.push(q);
        return q.startsWith("timestamp(")
          ? { resultType: "vector", result: [{ metric: {}, value: [0, "100"] }] }
          : {
              resultType: "vector",
              result: [
                {
                  metric: { destination_workload_namespace: "ssc-native", destination_workload: "httpbin" },
                  value: [0, "7"],
                },
              ],
            };
      },
    });
    const v4 = await scrapeOriginCheck(c.t, pod, 1);
    expect(v4).toMatchObject({ probe: "scrape-origin", verdict: "pass" });
    const v6 = await scrapeOriginCheck(c.t, { ...pod, ip: "fd00::5", ips: ["fd00::5"] }, 1);
    expect(v6.verdict).toBe("pass");
    expect(asked.filter((q) => q.startsWith("timestamp("))).toEqual([
      'timestamp(up{job="istio-secure-envoy-metrics",instance="10.0.0.5:15091"} == 1)',
      'timestamp(up{job="istio-secure-envoy-metrics",instance="[fd00::5]:15091"} == 1)',
    ]);
    expect(urlsOf(c.seen).every((u) => u!.startsWith("http://127.0.0.1:9090/api/v1/query?"))).toBe(true);
    expect(c.budgets).toEqual(["promql", "promql"]);
  });
});

describe("ambientAuthzCheck", () => {
  const target = (health: string) => ({
    scrapePool: "ambient-to-sidecars",
    scrapeUrl: "http://10.0.0.5:15020/stats/prometheus",
    health,
    lastError: health === "up" ? "" : "read: connection reset by peer",
    lastScrape: "t",
    labels: { job: "ambient-to-sidecars" },
  });
  const APP = "http://10.0.0.5:8080/get";

  it("asks the ambient Prometheus, from the probe client, for the pod's 15020 in its sidecar job, then shows the deny-all active", async () => {
    const c = cell("native", {
      targets: { activeTargets: [target("up")] },
      urls: { [APP]: answer("RBAC: access denied", 403) },
    });
    const v = await ambientAuthzCheck(c.t, pod);
    expect(v).toMatchObject({ probe: "ambient-authz", verdict: "pass" });
    expect(v.summary).toMatch(/^as predicted, under a deny-all/);
    expect(new Set(urlsOf(c.seen))).toEqual(
      new Set(["http://prometheus.ssc-ambient.svc:9090/api/v1/targets?state=any", APP]),
    );
    expect(c.budgets).toEqual(["targetsUp", "consistency"]);
  });

  it("is contradicted when the target is DOWN under the deny-all", async () => {
    const c = cell("native", {
      targets: { activeTargets: [target("down")] },
      urls: { [APP]: answer("RBAC: access denied", 403) },
    });
    const v = await ambientAuthzCheck(c.t, pod);
    expect(v.verdict).toBe("fail");
    expect(v.summary).toMatch(/^finding contradicted: .*is DOWN: read: connection reset by peer/);
  });
});
