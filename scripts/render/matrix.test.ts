import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { hasCapability } from "../catalog/capabilities.ts";
import { ISTIO_MINORS } from "../catalog/istio-releases.ts";
import { PROFILES } from "../catalog/profiles.ts";
import { buildPlan, type PlannedCell } from "../plan/plan.ts";
import { jobNames, withFileSd } from "./prometheus-config.ts";
import { type RenderedCell, renderCell } from "./render-cell.ts";
import { type ObjectRef, validateObject } from "./validate.ts";

// The whole matrix: every minor's latest patch, 1.31.0-rc.0, both profiles where allowed, and both
// enablements where the native ports exist.
const versions = [...ISTIO_MINORS.map((m) => m.latestPatch), "1.31.0-rc.0"];
const cells: PlannedCell[] = versions.flatMap((v) =>
  buildPlan(
    {
      istio: [v],
      profiles: PROFILES.filter((p) => p !== "ambient" || hasCapability(v, "ambient")),
      runId: "t",
      workDir: "w",
      // The slow tests' scenarios too: every fixture is validated, opted in or not.
      includeSlow: true,
      enablements: ["pod", "mesh"],
    },
    CONFORMANCE_TESTS,
  ),
);
const rendered: RenderedCell[] = cells.map((c) => renderCell(c, c.scenarios, "t"));

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
};
const objectsOf = (r: RenderedCell, scenario: string): K8sObject[] =>
  r.scenarios.find((s) => s.id === scenario)?.objects.map((d) => d.toJS() as K8sObject) ?? [];
const podAnnotations = (o: K8sObject) =>
  (o.spec?.template as { metadata?: { annotations?: Record<string, string> } })?.metadata?.annotations ?? {};
const find = (objs: K8sObject[], kind: string, name?: string) =>
  objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

describe("every rendered object validates offline", () => {
  it("covers the whole matrix", () => {
    const native = versions.filter((v) => hasCapability(v, "nativeSecurePorts")).length;
    // 1.22 and 1.23 have no ambient cell; native versions have a mesh-wide cell per profile.
    expect(cells.length).toBe(versions.length * 2 - 2 + native * 2);
    expect(native).toBeGreaterThanOrEqual(2);
    expect(rendered.every((r) => r.scenarios.length > 0)).toBe(true);
  });

  it.each(rendered.map((r) => [r.cell.id, r] as const))("%s", (_id, r) => {
    const problems: string[] = [];
    const check = (o: unknown) => {
      const p = validateObject(o as ObjectRef);
      if (p) problems.push(p);
    };
    check(r.istioInstall.toJS());
    for (const s of r.scenarios) {
      for (const d of s.objects) check(d.toJS());
      // A patch is validated as the object it becomes: merged over a minimal valid target.
      for (const p of s.patches) {
        const patch = p.doc.toJS() as { spec: { template: object } };
        check({
          apiVersion: p.target.apiVersion,
          kind: p.target.kind,
          metadata: { name: p.target.name, namespace: p.target.namespace },
          spec: { selector: { matchLabels: { app: "x" } }, ...patch.spec },
        });
      }
    }
    expect(problems).toEqual([]);
  });

  it("rejects what it must: a broken object, an unknown kind", () => {
    expect(
      validateObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: {} }),
    ).toMatch(/selector/);
    expect(validateObject({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } })).toMatch(
      /no validator/,
    );
    expect(
      validateObject({
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: "p" },
        spec: { mtls: { mode: "STRICTT" } },
      }),
    ).toMatch(/allowed values/);
  });
});

describe("structural facts per scenario", () => {
  const native = rendered.filter((r) => r.cell.secureMetricsMode === "native");
  const legacy = rendered.filter((r) => r.cell.secureMetricsMode === "legacy");

  it("the secure Prometheus has both mTLS jobs over https, the sample's rewrite kept in a third, and the capture annotations that work", () => {
    for (const r of rendered) {
      const s = r.scenarios.find((x) => x.id === "secure-prometheus")!;
      expect(jobNames(s.prometheusConfig!)).toEqual([
        "istio-secure-merged-metrics",
        "istio-secure-envoy-metrics",
        "istio-secure-merged-metrics-as-documented",
      ]);
      expect(s.prometheusConfig!.match(/scheme: https/g)).toHaveLength(3);
      expect(s.prometheusConfig!.match(/insecure_skip_verify: true/g)).toHaveLength(3);
      // Brackets for IPv6 in the suite's two jobs only; the documented one keeps $1:$2 alone.
      expect(s.prometheusConfig!.match(/replacement: "\[\$1\]:\$2"/g)).toHaveLength(2);
      expect(s.prometheusConfig!.match(/replacement: \$1:\$2/g)).toHaveLength(3);
      const dep = find(objectsOf(r, "secure-prometheus"), "Deployment", "prometheus")!;
      const a = podAnnotations(dep);
      expect(a["traffic.sidecar.istio.io/includeInboundPorts"]).toBe("");
      expect(a["traffic.sidecar.istio.io/includeOutboundIPRanges"]).toBe("");
      expect(a["proxy.istio.io/config"]).toContain("OUTPUT_CERTS");
      expect(a["proxy.istio.io/config"]).not.toContain("INBOUND_CAPTURE_PORTS");
      const tmpl = dep.spec!.template as { metadata: { labels: Record<string, string> } };
      expect(tmpl.metadata.labels["sidecar.istio.io/inject"]).toBe("true");
    }
  });

  it("native httpbin announces secure-envoy-port by hand and sets both secure ports (per pod)", () => {
    for (const r of native.filter((n) => n.cell.enablement === "pod")) {
      const a = podAnnotations(find(objectsOf(r, "httpbin-native"), "Deployment", "httpbin")!);
      expect(a["prometheus.istio.io/secure-envoy-port"]).toBe("15091");
      expect(JSON.parse(a["proxy.istio.io/config"]!).proxyMetadata).toEqual({
        ENVOY_SECURE_METRICS_PORT: "15091",
        ENVOY_SECURE_MERGED_METRICS_PORT: "15092",
      });
    }
  });

  it("the rotation scenario asks both its pods for 3m certificates, in its own namespace, native cells only", () => {
    for (const r of rendered) {
      const objs = objectsOf(r, "rotation");
      if (r.cell.secureMetricsMode !== "native") {
        expect(objs).toEqual([]);
        continue;
      }
      const meta = (name: string) =>
        JSON.parse(podAnnotations(find(objs, "Deployment", name)!)["proxy.istio.io/config"]!).proxyMetadata;
      expect(meta("prometheus")).toEqual({
        OUTPUT_CERTS: "/etc/istio-certs",
        ENVOY_SECURE_METRICS_PORT: "0",
        ENVOY_SECURE_MERGED_METRICS_PORT: "0",
        SECRET_TTL: "3m",
      });
      expect(meta("httpbin")).toEqual({
        ...(r.cell.enablement === "pod"
          ? { ENVOY_SECURE_METRICS_PORT: "15091", ENVOY_SECURE_MERGED_METRICS_PORT: "15092" }
          : {}),
        SECRET_TTL: "3m",
      });
      expect(new Set(objs.map((o) => o.metadata.namespace ?? o.metadata.name))).toContain("ssc-rotation");
      // Its ClusterRole is its own: two Prometheus deployments never share cluster-scoped names.
      expect(find(objs, "ClusterRole")!.metadata.name).toBe("ssc-rotation-prometheus-t");
      // Its jobs discover its own namespace only; the other tests' secure Prometheus, the whole cell.
      const discovery = (id: string) =>
        (
          parseYaml(r.scenarios.find((s) => s.id === id)!.prometheusConfig!) as {
            scrape_configs: { kubernetes_sd_configs?: object[] }[];
          }
        ).scrape_configs.map((j) => j.kubernetes_sd_configs);
      const rotation = discovery("rotation");
      expect(rotation.length).toBeGreaterThanOrEqual(2);
      for (const sd of rotation)
        expect(sd).toEqual([{ role: "pod", namespaces: { names: ["ssc-rotation"] } }]);
      for (const sd of discovery("secure-prometheus")) expect(sd).toEqual([{ role: "pod" }]);
      // The other tests' secure Prometheus keeps Istio's default lifetime.
      const secure = podAnnotations(find(objectsOf(r, "secure-prometheus"), "Deployment", "prometheus")!);
      expect(JSON.parse(secure["proxy.istio.io/config"]!).proxyMetadata).toEqual({
        OUTPUT_CERTS: "/etc/istio-certs",
        ENVOY_SECURE_METRICS_PORT: "0",
        ENVOY_SECURE_MERGED_METRICS_PORT: "0",
      });
    }
  });

  it("mesh-wide cells enable the ports in the install's meshConfig and no workload repeats them; per-pod cells the reverse", () => {
    const mesh = rendered.filter((r) => r.cell.enablement === "mesh");
    expect(mesh.length).toBeGreaterThanOrEqual(4);
    for (const r of rendered) {
      const install = r.istioInstall.toJS() as {
        spec: { meshConfig?: { defaultConfig: { proxyMetadata: Record<string, string> } } };
      };
      const meshWide = install.spec.meshConfig?.defaultConfig.proxyMetadata ?? {};
      if (r.cell.enablement === "pod") {
        expect(meshWide).not.toHaveProperty("ENVOY_SECURE_METRICS_PORT");
        expect(meshWide).not.toHaveProperty("ENVOY_SECURE_MERGED_METRICS_PORT");
        const patch = r.scenarios.find((s) => s.id === "ingress-gateway-native")?.patches[0]?.doc.toJS() as
          | { spec: { template: { spec: { containers: { env: object[] }[] } } } }
          | undefined;
        if (r.cell.secureMetricsMode === "legacy") expect(patch).toBeUndefined();
        else
          expect(patch!.spec.template.spec.containers[0]!.env).toEqual([
            { name: "ENVOY_SECURE_METRICS_PORT", value: "15091" },
            { name: "ENVOY_SECURE_MERGED_METRICS_PORT", value: "15092" },
          ]);
        continue;
      }
      const httpbin = podAnnotations(find(objectsOf(r, "httpbin-native"), "Deployment", "httpbin")!);
      expect(meshWide).toMatchObject({
        ENVOY_SECURE_METRICS_PORT: "15091",
        ENVOY_SECURE_MERGED_METRICS_PORT: "15092",
      });
      // httpbin's proxy config had only the ports: it is gone; the Envoy-only annotation, which
      // nothing sets automatically, stays.
      expect(httpbin).toEqual({
        "prometheus.io/path": "/stats/prometheus",
        "prometheus.istio.io/secure-envoy-port": "15091",
      });
      // Only the Prometheus pods turn the ports off again; no other object or patch names them:
      // not httpbin's proxy config, the ingress gateway's env or the Gateway API ProxyConfig.
      const text = JSON.stringify(
        r.scenarios.flatMap((s) =>
          [...s.objects, ...s.patches.map((p) => p.doc)]
            .map((d) => d.toJS() as K8sObject)
            .filter((o) => !(o.kind === "Deployment" && o.metadata.name === "prometheus")),
        ),
      );
      expect(text).not.toContain("ENVOY_SECURE_");
      const gateway = r.scenarios.find((s) => s.id === "ingress-gateway-native")!.patches[0]!.doc.toJS();
      expect(gateway).toEqual({
        spec: {
          template: {
            metadata: {
              annotations: {
                "prometheus.istio.io/secure-port": "15092",
                "prometheus.istio.io/secure-envoy-port": "15091",
              },
            },
          },
        },
      });
    }
  });

  it("the sample scenario is Istio's own file at the cell's tag, unchanged: no object of the suite's, its digest where known", () => {
    let known = 0;
    for (const r of rendered) {
      const s = r.scenarios.find((x) => x.id === "sample-prometheus");
      if (r.cell.secureMetricsMode !== "native" || r.cell.ipFamily === "ipv6") {
        expect(s).toBeUndefined();
        continue;
      }
      expect(s!.objects).toEqual([]);
      expect(s!.patches).toEqual([]);
      const [p, ...more] = s!.prerequisites;
      expect(more).toEqual([]);
      expect(p!.url).toBe(
        `https://github.com/istio/istio/raw/${r.cell.istioVersion}/samples/addons/extras/prometheus-secure-metrics.yaml`,
      );
      if (r.cell.istioVersion === "1.31.0-rc.0") {
        known++;
        expect(p!.sha256).toBe("8633f92ee967efc096f14d369ef0a0c3c670f86b4aa5e9916cfab38d40f73bed");
      } else expect(p!.sha256).toBeUndefined();
    }
    // rc.0: default and ambient, per pod and mesh-wide.
    expect(known).toBe(4);
  });

  it("hardening sets METRICS_LOCALHOST_ACCESS_ONLY, and no cell below 1.23 renders it", () => {
    for (const r of rendered) {
      const dep = find(objectsOf(r, "httpbin-hardened"), "Deployment", "httpbin");
      if (!hasCapability(r.cell.istioVersion, "metricsLocalhostAccessOnly")) {
        expect(dep).toBeUndefined();
        continue;
      }
      expect(podAnnotations(dep!)["proxy.istio.io/config"]).toContain(
        '"METRICS_LOCALHOST_ACCESS_ONLY":"true"',
      );
    }
  });

  it("no legacy object in a native cell, no native setting in a legacy cell", () => {
    for (const r of native) {
      const all = r.scenarios.flatMap((s) => s.objects.map((d) => d.toJS() as K8sObject));
      expect(all.filter((o) => o.kind === "Sidecar")).toEqual([]);
      expect(
        all.filter((o) => o.kind === "Gateway" && o.apiVersion.startsWith("networking.istio.io")),
      ).toEqual([]);
    }
    for (const r of legacy) {
      // Objects, not text: the fixtures' comments explain why ENVOY_SECURE_* must not appear here.
      const text = JSON.stringify(
        r.scenarios.flatMap((s) => [...s.objects, ...s.patches.map((p) => p.doc)].map((d) => d.toJS())),
      );
      expect(text).not.toContain("ENVOY_SECURE_");
      expect(find(objectsOf(r, "legacy-sidecar"), "Sidecar", "secure-metrics")).toBeDefined();
      // PERMISSIVE breaks non-Istio TLS to an HTTP-declared port (istio/istio#38720).
      const pa = find(objectsOf(r, "legacy-sidecar"), "PeerAuthentication")!;
      expect(pa.spec).toMatchObject({ portLevelMtls: { 15091: { mode: "STRICT" } } });
    }
  });

  it("the ambient Prometheus has no sidecar and is enrolled in ambient; only ambient cells render it", () => {
    for (const r of rendered) {
      const dep = find(objectsOf(r, "ambient"), "Deployment", "prometheus");
      if (r.cell.profile !== "ambient") {
        expect(dep).toBeUndefined();
        continue;
      }
      const labels = (dep!.spec!.template as { metadata: { labels: Record<string, string> } }).metadata
        .labels;
      expect(labels["sidecar.istio.io/inject"]).toBe("false");
      expect(labels["istio.io/dataplane-mode"]).toBe("ambient");
      expect(find(objectsOf(r, "ambient"), "Namespace")!.metadata.labels).toEqual({
        "istio.io/dataplane-mode": "ambient",
        "app.kubernetes.io/managed-by": "ssc",
        "ssc.istio.io/run-id": "t",
      });
    }
  });

  it("Gateway API gets the ports through a ProxyConfig, applied first, or mesh-wide from the mesh config alone; the docs' path is kept separately", () => {
    for (const r of native) {
      const objects = objectsOf(r, "gateway-api-native");
      const pc = find(objects, "ProxyConfig");
      // The docs' path is a per-pod finding: mesh-wide, meshConfig opens every gateway's ports.
      const docs = find(objectsOf(r, "gateway-api-docs-path"), "Gateway");
      if (r.cell.enablement === "mesh") {
        expect(objects.map((o) => o.kind)).toEqual(["Namespace", "Gateway"]);
        expect(docs).toBeUndefined();
        continue;
      }
      expect(objects.map((o) => o.kind)).toEqual(["Namespace", "ProxyConfig", "Gateway"]);
      expect(pc!.spec).toMatchObject({
        selector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "secure-gateway" } },
        environmentVariables: {
          ENVOY_SECURE_METRICS_PORT: "15091",
          ENVOY_SECURE_MERGED_METRICS_PORT: "15092",
        },
      });
      expect(JSON.stringify(docs!.spec)).toContain("proxy.istio.io/config");
    }
  });

  it("the ambient Prometheus's sidecar job discovers only the deny-all namespace, and that namespace is a sidecar one under Istio's deny-all", () => {
    let seen = 0;
    for (const r of rendered.filter((x) => x.cell.profile === "ambient")) {
      const config = parseYaml(r.scenarios.find((s) => s.id === "ambient")!.prometheusConfig!) as {
        scrape_configs: { job_name: string; kubernetes_sd_configs: object[] }[];
      };
      expect(config.scrape_configs.map((j) => j.job_name)).toEqual([
        "ambient-apps",
        "ztunnel",
        "ambient-to-sidecars",
      ]);
      expect(config.scrape_configs[2]!.kubernetes_sd_configs).toEqual([
        { role: "pod", namespaces: { names: ["ssc-ambient-authz"] } },
      ]);
      const objs = objectsOf(r, "ambient-authz");
      expect(objs.map((o) => o.kind)).toEqual([
        "Namespace",
        "ServiceAccount",
        "Service",
        "Deployment",
        "AuthorizationPolicy",
      ]);
      expect(find(objs, "Namespace")!.metadata.labels).toMatchObject({ "istio-injection": "enabled" });
      expect(find(objs, "AuthorizationPolicy")!.spec).toEqual({});
      // No annotation of the suite's: the injector's own prometheus.io merge is what is scraped.
      expect(podAnnotations(find(objs, "Deployment", "httpbin")!)).toEqual({});
      seen++;
    }
    expect(seen).toBeGreaterThanOrEqual(2);
  });

  it("the operator path pins the suite's Prometheus, uses a ServiceMonitor with file TLS and allows file access", () => {
    for (const r of rendered) {
      const objs = objectsOf(r, "prometheus-operator");
      // Pinned to the suite's Prometheus: without image and version, operator v0.93 runs its own
      // default (quay.io/prometheus/prometheus:v3.13.1), not what the rest of the suite tests.
      expect(find(objs, "Prometheus")!.spec).toMatchObject({
        arbitraryFSAccessThroughSMs: { deny: false },
        image: "docker.io/prom/prometheus:v3.10.0",
        version: "v3.10.0",
      });
      expect(find(objs, "ServiceMonitor")!.spec).toMatchObject({
        endpoints: [
          {
            scheme: "https",
            tlsConfig: { certFile: "/etc/prom-certs/cert-chain.pem", insecureSkipVerify: true },
          },
        ],
      });
      expect(find(objs, "PodMonitor")).toBeUndefined();
    }
  });

  it("the ambient profile enables the classic ingress gateway only when a scenario needs it", () => {
    for (const r of rendered.filter((x) => x.cell.profile === "ambient")) {
      const needs = r.scenarios.some((s) => s.id === "ingress-gateway-native" || s.id === "legacy-gateway");
      expect(JSON.stringify(r.istioInstall.toJS()).includes("istio-ingressgateway")).toBe(needs);
    }
  });
});

describe("every rendered Prometheus configuration passes promtool", () => {
  let dir: string;
  // promtool is required: npm test fails without it rather than passing with no check at all
  // (Debian: apt-get install prometheus; .ci/run installs it).
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ssc-promtool-"));
    const have = (await execa("promtool", ["--version"], { reject: false })).exitCode === 0;
    if (!have)
      throw new Error("promtool is missing: install Prometheus's tools (Debian: apt-get install prometheus)");
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const configs = [
    ...new Set(
      rendered.flatMap((r) => r.scenarios.flatMap((s) => (s.prometheusConfig ? [s.prometheusConfig] : []))),
    ),
  ];

  it("has configurations to check", () => {
    expect(configs.length).toBeGreaterThanOrEqual(2);
  });

  it.each(configs.map((c, i) => [i, c] as const))("configuration %i", async (i, config) => {
    const sd = join(dir, `sd-${i}.json`);
    await writeFile(sd, "[]");
    const file = join(dir, `prometheus-${i}.yml`);
    await writeFile(
      file,
      withFileSd(config, () => sd),
    );
    // --syntax-only: the certificate files exist only inside the Prometheus pod. The lab runs these
    // configurations for real, with real certificates.
    const r = await execa("promtool", ["check", "config", "--syntax-only", file], { reject: false });
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.exitCode).toBe(0);
  });

  it("promtool rejects a broken relabel regex, so the check above can fail", async () => {
    const file = join(dir, "broken.yml");
    await writeFile(
      file,
      withFileSd(configs[0]!.replace("regex: (.+);(.+)", "regex: (.+;(.+)"), () => "x.json"),
    );
    const r = await execa("promtool", ["check", "config", "--syntax-only", file], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/FAILED/);
  });
});
