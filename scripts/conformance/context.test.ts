import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Status } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ExecLike } from "../probes/runners.ts";
import { type ScriptedApiServer, startApiServer } from "../testing/apiserver.ts";
import { DEFAULT_TIMEOUTS } from "../timeouts.ts";
import {
  type CellContextFile,
  cellContext,
  convergeIntervalMs,
  execBudgetMs,
  podIps,
  trustDomainOf,
} from "./context.ts";

// The cell context against the scripted API server (pod choice, mesh config) and a stand-in
// istioctl that records its arguments. Stand-ins for the API calls a test body makes, not a cluster.

describe("trustDomainOf", () => {
  it("reads the mesh config's trustDomain", () => {
    expect(trustDomainOf("trustDomain: example.org\ndefaultConfig: {}\n")).toBe("example.org");
  });

  it("is Istio's default, cluster.local, when unset, empty or null", () => {
    expect(trustDomainOf("")).toBe("cluster.local");
    expect(trustDomainOf("defaultConfig: {}")).toBe("cluster.local");
    expect(trustDomainOf('trustDomain: ""')).toBe("cluster.local");
    expect(trustDomainOf("trustDomain: null")).toBe("cluster.local");
  });

  it("refuses to guess: no mesh key, or a trustDomain that is not a string, is an error", () => {
    expect(() => trustDomainOf(undefined)).toThrow("the istio ConfigMap has no mesh key");
    expect(() => trustDomainOf("trustDomain: 5")).toThrow(
      "trustDomain in the mesh config is not a string: 5",
    );
    expect(() => trustDomainOf("trustDomain: [a]")).toThrow('not a string: ["a"]');
  });
});

interface PodShape {
  deleting?: boolean;
  ready?: boolean;
  phase?: string;
  sa?: string;
  noIp?: boolean;
  conditions?: { type: string; status: string }[];
}
const readyPod = (name: string, extra: PodShape = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace: "ssc-native",
    annotations: { "prometheus.istio.io/secure-port": "15092" },
    ...(extra.deleting ? { deletionTimestamp: "2026-12-02T00:00:00Z" } : {}),
  },
  ...(extra.sa ? { spec: { serviceAccountName: extra.sa } } : {}),
  status: {
    phase: extra.phase ?? "Running",
    ...(extra.noIp ? {} : { podIP: `10.0.0.${name.length}` }),
    conditions: extra.conditions ?? [
      { type: "PodScheduled", status: "True" },
      { type: "Ready", status: extra.ready === false ? "False" : "True" },
    ],
  },
});

describe("cellContext", () => {
  let dir: string;
  let api: ScriptedApiServer | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ssc-context-"));
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const file = async (extra: Partial<CellContextFile> = {}): Promise<CellContextFile> => {
    const kubeconfig = join(dir, "kubeconfig");
    await api!.writeKubeconfig(kubeconfig);
    return {
      cellId: "istio-1.31.0-default",
      istioVersion: "1.31.0",
      profile: "default",
      secureMetricsMode: "native",
      runId: "r1",
      kubeconfig,
      istioctlPath: "/nonexistent/istioctl",
      ...extra,
    };
  };

  it("picks the Running, Ready pod that is not being deleted, asking by label selector", async () => {
    api = await startApiServer({
      pods: [
        readyPod("old-being-deleted", { deleting: true }),
        readyPod("starting", { ready: false }),
        readyPod("pending", { phase: "Pending" }),
        readyPod("no-ip-yet", { noIp: true }),
        readyPod("only-initialized", {
          conditions: [
            { type: "Initialized", status: "True" },
            { type: "Ready", status: "False" },
          ],
        }),
        readyPod("no-conditions", { conditions: [] }),
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "conditions-absent", namespace: "ssc-native" },
          status: { phase: "Running", podIP: "10.0.0.9" },
        },
        { apiVersion: "v1", kind: "Pod" },
        { apiVersion: "v1", kind: "Pod", metadata: { name: "no-status", namespace: "ssc-native" } },
        readyPod("web", { sa: "httpbin" }),
      ],
    });
    const t = cellContext(await file());
    expect(await t.pod("ssc-native", "app=httpbin")).toEqual({
      name: "web",
      namespace: "ssc-native",
      ip: "10.0.0.3",
      ips: ["10.0.0.3"],
      serviceAccount: "httpbin",
      annotations: { "prometheus.istio.io/secure-port": "15092" },
      sidecar: { kind: "none", ready: false, restarts: 0 },
    });
    const list = api.seen.find((s) => s.url.startsWith("/api/v1/namespaces/ssc-native/pods"));
    expect(new URL(list!.url, "http://x").searchParams.get("labelSelector")).toBe("app=httpbin");
  });

  it("gives service account 'default' and no annotations when the pod names none", async () => {
    const bare = readyPod("web");
    api = await startApiServer({ pods: [{ ...bare, metadata: { name: "web", namespace: "ssc-native" } }] });
    expect(await cellContext(await file()).pod("ssc-native", "app=httpbin")).toMatchObject({
      serviceAccount: "default",
      annotations: {},
    });
  });

  it("lists a dual-stack pod's IPs with podIP first, as the bootstrap reads them, and its sidecar", async () => {
    const dual = readyPod("web");
    const v6first = {
      ...dual.status,
      podIP: "fd00::3",
      podIPs: [{ ip: "10.0.0.3" }, { ip: "fd00::3" }],
      initContainerStatuses: [{ name: "istio-proxy", ready: true, restartCount: 1 }],
    };
    // With a native sidecar, as the injector writes it from 1.29 on Kubernetes that has them.
    const spec = {
      containers: [{ name: "httpbin" }],
      initContainers: [{ name: "istio-proxy", restartPolicy: "Always" }],
    };
    api = await startApiServer({ pods: [{ ...dual, spec, status: v6first }] });
    expect(await cellContext(await file()).pod("ssc-native", "app=httpbin")).toMatchObject({
      ip: "fd00::3",
      ips: ["fd00::3", "10.0.0.3"],
      sidecar: { kind: "native", ready: true, restarts: 1 },
    });
    expect(podIps({ status: {} })).toEqual([]);
    expect(podIps({})).toEqual([]);
    expect(podIps({ status: { podIPs: [{ ip: "10.0.0.4" }] } })).toEqual(["10.0.0.4"]);
  });

  it("says what it found when no pod qualifies", async () => {
    api = await startApiServer({
      pods: [readyPod("a", { ready: false }), readyPod("b", { deleting: true })],
    });
    await expect(cellContext(await file()).pod("ssc-native", "app=httpbin")).rejects.toThrow(
      "no Running, Ready pod app=httpbin in ssc-native (found 2)",
    );
  });

  it("reads the trust domain from istio-system/istio, and says so when it cannot", async () => {
    api = await startApiServer();
    const t = cellContext(await file());
    await expect(t.trustDomain()).rejects.toThrow("cannot read the mesh config istio-system/istio");
    api.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "istio", namespace: "istio-system" } });
    await expect(t.trustDomain()).rejects.toThrow("the istio ConfigMap has no mesh key");
    api.put({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "istio", namespace: "istio-system" },
      data: { mesh: "trustDomain: example.org\n" },
    });
    expect(await t.trustDomain()).toBe("example.org");
  });

  it("converges under the named budget, with the run's overrides and passes in a row", async () => {
    api = await startApiServer();
    const t = cellContext(await file({ timeouts: { targetsUp: 90_000 }, consecutive: 5 }));
    expect(t.converge("targetsUp", 2_000)).toEqual({
      consecutive: 5,
      timeout: { name: "targetsUp", ms: 90_000 },
      intervalMs: 2_000,
    });
    expect(t.timeouts.consistency).toBe(DEFAULT_TIMEOUTS.consistency);
    const defaults = cellContext(await file());
    expect(defaults.consecutive).toBe(3);
    expect(defaults.converge("targetsUp").intervalMs).toBe(5_000);
    expect(defaults.converge("consistency").timeout).toEqual({
      name: "consistency",
      ms: DEFAULT_TIMEOUTS.consistency,
    });
  });

  it("describes the cell and reaches the secure Prometheus on its own pod's localhost", async () => {
    api = await startApiServer();
    const t = cellContext(await file({ strictFindings: true }));
    expect(t).toMatchObject({
      cellId: "istio-1.31.0-default",
      istioVersion: "1.31.0",
      profile: "default",
      secureMetricsMode: "native",
      runId: "r1",
      strictFindings: true,
      securePrometheusUrl: "http://127.0.0.1:9090",
    });
    expect(t.has("nativeSecurePorts")).toBe(true);
    const old = cellContext(await file({ istioVersion: "1.30.2" }));
    expect(old.has("nativeSecurePorts")).toBe(false);
  });

  it("runs istioctl against the run's kubeconfig and context, and reads a missing binary as 127", async () => {
    api = await startApiServer();
    const istioctl = join(dir, "istioctl");
    const argsFile = join(dir, "istioctl.args");
    await writeFile(
      istioctl,
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\necho listeners\necho warn >&2\nexit 4\n`,
    );
    await chmod(istioctl, 0o755);
    const f = await file({ istioctlPath: istioctl, context: "scripted" });
    const r = await cellContext(f).istioctl(["proxy-config", "listeners", "web.ssc-native"]);
    expect(r).toEqual({ exitCode: 4, stdout: "listeners", stderr: "warn" });
    expect((await readFile(argsFile, "utf8")).trim().split("\n")).toEqual([
      "proxy-config",
      "listeners",
      "web.ssc-native",
      "--kubeconfig",
      f.kubeconfig,
      "--context",
      "scripted",
    ]);
    await cellContext(await file({ istioctlPath: istioctl })).istioctl(["version"]);
    expect((await readFile(argsFile, "utf8")).trim().split("\n")).toEqual([
      "version",
      "--kubeconfig",
      f.kubeconfig,
    ]);
    const missing = await cellContext(await file()).istioctl(["version"]);
    expect(missing.exitCode).toBe(127);
  });

  /** An exec that records where it ran and answers Success with the argv echoed. */
  const recordingExec = (seen: unknown[][]): ExecLike => ({
    exec: async (...args: Parameters<ExecLike["exec"]>) => {
      seen.push(args.slice(0, 4));
      (args[4] as NodeJS.WritableStream).write(JSON.stringify(args[3]));
      (args[8] as (s: V1Status) => void)({ status: "Success" });
      return {} as Awaited<ReturnType<ExecLike["exec"]>>;
    },
  });

  it.each([
    ["mesh client", "meshClient", "ssc-prometheus", "app=prometheus"],
    ["mesh peer", "meshPeer", "ssc-peer", "app=mesh-peer"],
    ["rotation client", "rotationClient", "ssc-rotation", "app=prometheus"],
  ] as const)(
    "gives the %s (%s) from its pod's client container, with the files its sidecar writes",
    async (_, method, namespace, selector) => {
      api = await startApiServer({ pods: [readyPod("pod-0")] });
      const seen: unknown[][] = [];
      const client = await cellContext(await file(), { exec: recordingExec(seen) })[method]();
      expect(await client.run(["cat", "/etc/istio-certs/cert-chain.pem"])).toEqual({
        exitCode: 0,
        stdout: '["cat","/etc/istio-certs/cert-chain.pem"]',
        stderr: "",
      });
      expect(seen).toEqual([[namespace, "pod-0", "client", ["cat", "/etc/istio-certs/cert-chain.pem"]]]);
      expect(client.tls).toEqual({
        ca: "/etc/istio-certs/root-cert.pem",
        cert: "/etc/istio-certs/cert-chain.pem",
        key: "/etc/istio-certs/key.pem",
      });
      const list = api.seen.find((s) => s.url.startsWith(`/api/v1/namespaces/${namespace}/pods`));
      expect(new URL(list!.url, "http://x").searchParams.get("labelSelector")).toBe(selector);
    },
  );

  it("gives the mesh client the foreign CA's files beside its own, and gaps in the fixtures' scrape interval", async () => {
    api = await startApiServer({ pods: [readyPod("prometheus-0")] });
    const t = cellContext(await file(), { exec: recordingExec([]) });
    expect((await t.meshClient()).foreign).toEqual({
      ca: "/etc/ssc-foreign/root-cert.pem",
      cert: "/etc/ssc-foreign/cert-chain.pem",
      key: "/etc/ssc-foreign/key.pem",
    });
    expect(t.scrapeIntervalMs).toBe(5_000);
  });

  it("asks the cell's API server for a dry run, and says what it answered", async () => {
    api = await startApiServer();
    const monitor = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "m", namespace: "ssc-operator" },
    };
    // This scripted server knows no monitoring.coreos.com group: the answer is a refusal, not a throw.
    const r = await cellContext(await file()).dryRunCreate(monitor);
    expect(r.accepted).toBe(false);
    expect(api.seen.some((s) => s.url.startsWith("/apis/monitoring.coreos.com/v1"))).toBe(true);
  });

  it("gives the client outside the mesh from the probe pod's client container", async () => {
    api = await startApiServer({ pods: [readyPod("probe-0")] });
    const seen: unknown[][] = [];
    const run = await cellContext(await file(), { exec: recordingExec(seen) }).probeClient();
    await run(["true"]);
    expect(seen).toEqual([["ssc-probe", "probe-0", "client", ["true"]]]);
    const list = api.seen.find((s) => s.url.startsWith("/api/v1/namespaces/ssc-probe/pods"));
    expect(new URL(list!.url, "http://x").searchParams.get("labelSelector")).toBe("app=probe-client");
  });

  it("asks a Prometheus API through the given client, bounded by the request budget", async () => {
    api = await startApiServer();
    const t = cellContext(await file({ timeouts: { request: 7_000 } }));
    const seen: string[][] = [];
    const r = await t
      .prometheus("http://prometheus.ssc-ambient.svc:9090", async (argv) => {
        seen.push([...argv]);
        return { exitCode: 0, stdout: '{"status":"success","data":[]}\n--ssc-write-out--\n200', stderr: "" };
      })
      .get("/api/v1/targets");
    expect(r).toEqual({ ok: true, data: [] });
    expect(seen[0]?.slice(2, 4)).toEqual(["--max-time", "7"]);
    expect(seen[0]?.at(-1)).toBe("http://prometheus.ssc-ambient.svc:9090/api/v1/targets");
  });

  it("fails an exec the API server cannot serve with the real client, instead of hanging", async () => {
    api = await startApiServer({ pods: [readyPod("prometheus-0")] });
    const client = await cellContext(await file({ timeouts: { request: 1_000 } })).meshClient();
    await expect(client.run(["true"])).rejects.toThrow();
  });
});

describe("convergeIntervalMs", () => {
  it("looks at Prometheus once per scrape interval (5s), so N passes span N scrapes", () => {
    expect(convergeIntervalMs("targetsUp")).toBe(5_000);
    expect(convergeIntervalMs("promql")).toBe(5_000);
    // The rotation watch looks at both ends once per scrape interval too.
    expect(convergeIntervalMs("rotation")).toBe(5_000);
  });
  it("looks every second for the HTTP and istioctl probes", () => {
    expect(convergeIntervalMs("consistency")).toBe(1_000);
  });
});

describe("execBudgetMs", () => {
  it("is twice the request budget plus ten seconds for the exec round trip", () => {
    expect(execBudgetMs({ ...DEFAULT_TIMEOUTS, request: 5_000 })).toBe(20_000);
    expect(execBudgetMs({ ...DEFAULT_TIMEOUTS, request: 1_000 })).toBe(12_000);
  });
});
