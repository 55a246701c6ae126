import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { prometheusProxyConfig } from "../render/scenarios.ts";
import { judgeMeshConfig, judgeMeshWideWorkload, judgePrometheusOptOut } from "./mesh-wide.ts";

// The mesh key istioctl 1.31.0-rc.0 renders when an overlay sets meshConfig.defaultConfig (its
// pilot_merge_meshconfig golden): the shape a mesh-wide cell's mesh config has.
const GOLDEN = readFileSync(
  new URL("./testdata/istio-1.31.0-rc.0-merge-meshconfig-mesh.yaml", import.meta.url),
  "utf8",
);
/** The golden with proxyMetadata added under its defaultConfig, as the mesh-wide overlay does. */
const withMetadata = (lines: string[]) =>
  GOLDEN.replace(
    "defaultConfig:\n",
    `defaultConfig:\n  proxyMetadata:\n${lines.map((l) => `    ${l}\n`).join("")}`,
  );
const MESH_WIDE = withMetadata([
  'ENVOY_SECURE_METRICS_PORT: "15091"',
  'ENVOY_SECURE_MERGED_METRICS_PORT: "15092"',
]);

describe("judgeMeshConfig", () => {
  it("passes the upstream golden's shape with both ports in defaultConfig.proxyMetadata", () => {
    expect(judgeMeshConfig(MESH_WIDE)).toEqual({
      probe: "mesh-config",
      verdict: "pass",
      summary: "the mesh config enables 15091 and 15092 in defaultConfig.proxyMetadata",
      evidence: [
        'defaultConfig.proxyMetadata: {"ENVOY_SECURE_METRICS_PORT":"15091","ENVOY_SECURE_MERGED_METRICS_PORT":"15092"}',
      ],
    });
    // Other keys beside them (a dual-stack cell's ISTIO_DUAL_STACK) change nothing.
    expect(
      judgeMeshConfig(
        withMetadata([
          'ISTIO_DUAL_STACK: "true"',
          'ENVOY_SECURE_METRICS_PORT: "15091"',
          'ENVOY_SECURE_MERGED_METRICS_PORT: "15092"',
        ]),
      ).verdict,
    ).toBe("pass");
  });

  it("is an error, naming each port, when the mesh is not mesh-wide: the golden as it is, one port, another value", () => {
    const none = judgeMeshConfig(GOLDEN);
    expect(none).toMatchObject({
      probe: "mesh-config",
      verdict: "error",
      evidence: ["defaultConfig.proxyMetadata: {}"],
    });
    expect(none.summary).toBe(
      'the mesh config\'s defaultConfig.proxyMetadata does not enable the secure ports (ENVOY_SECURE_METRICS_PORT=null, want "15091"; ENVOY_SECURE_MERGED_METRICS_PORT=null, want "15092"): this cell is not mesh-wide; install with --enablement mesh, or run per pod',
    );
    const one = judgeMeshConfig(withMetadata(['ENVOY_SECURE_METRICS_PORT: "15091"']));
    expect(one.verdict).toBe("error");
    expect(one.summary).toContain('(ENVOY_SECURE_MERGED_METRICS_PORT=null, want "15092")');
    // A number is not the string the env carries; "0" is off.
    const other = judgeMeshConfig(
      withMetadata(["ENVOY_SECURE_METRICS_PORT: 15091", 'ENVOY_SECURE_MERGED_METRICS_PORT: "0"']),
    );
    expect(other.summary).toContain(
      '(ENVOY_SECURE_METRICS_PORT=15091, want "15091"; ENVOY_SECURE_MERGED_METRICS_PORT="0", want "15092")',
    );
  });

  it("is an error when the mesh key is absent, not YAML, or has no map of metadata", () => {
    expect(judgeMeshConfig(undefined)).toEqual({
      probe: "mesh-config",
      verdict: "error",
      summary: "the istio ConfigMap has no mesh key",
      evidence: [],
    });
    expect(judgeMeshConfig("defaultConfig: [\n")).toMatchObject({ probe: "mesh-config", verdict: "error" });
    expect(judgeMeshConfig("defaultConfig: [\n").summary).toMatch(/^the mesh config is not YAML: /);
    // Empty, no defaultConfig, a null or scalar proxyMetadata: nothing enabled, said as such.
    for (const mesh of [
      "",
      "trustDomain: cluster.local\n",
      "defaultConfig:\n  proxyMetadata: null\n",
      "defaultConfig:\n  proxyMetadata: on\n",
    ]) {
      expect(judgeMeshConfig(mesh), mesh).toMatchObject({
        probe: "mesh-config",
        verdict: "error",
        evidence: ["defaultConfig.proxyMetadata: {}"],
      });
    }
  });
});

const pod = (annotations: Record<string, string>) => ({
  namespace: "ssc-native",
  name: "httpbin-1",
  annotations,
});

describe("judgeMeshWideWorkload", () => {
  it("passes a pod with no port of its own that the injector annotated with the merged port", () => {
    expect(
      judgeMeshWideWorkload(
        pod({ "prometheus.istio.io/secure-port": "15092", "prometheus.istio.io/secure-envoy-port": "15091" }),
      ),
    ).toEqual({
      probe: "mesh-wide-annotation",
      verdict: "pass",
      summary:
        "ssc-native/httpbin-1: with no port of its own, the injector set prometheus.istio.io/secure-port=15092 from the mesh config",
      evidence: ["prometheus.istio.io/secure-port: 15092"],
    });
    // Its own proxy config may carry other keys (hardening, a TTL), in JSON or YAML.
    const hardened = {
      "proxy.istio.io/config": '{"proxyMetadata":{"METRICS_LOCALHOST_ACCESS_ONLY":"true"}}',
    };
    expect(
      judgeMeshWideWorkload(pod({ ...hardened, "prometheus.istio.io/secure-port": "15092" })).verdict,
    ).toBe("pass");
    const yamlConfig = { "proxy.istio.io/config": "proxyMetadata:\n  SECRET_TTL: 3m\n" };
    expect(
      judgeMeshWideWorkload(pod({ ...yamlConfig, "prometheus.istio.io/secure-port": "15092" })).verdict,
    ).toBe("pass");
    expect(
      judgeMeshWideWorkload(
        pod({ "proxy.istio.io/config": "{}", "prometheus.istio.io/secure-port": "15092" }),
      ).verdict,
    ).toBe("pass");
  });

  it("fails when the injector set no annotation, or another port", () => {
    expect(judgeMeshWideWorkload(pod({}))).toEqual({
      probe: "mesh-wide-annotation",
      verdict: "fail",
      summary:
        "ssc-native/httpbin-1: the injector set no prometheus.istio.io/secure-port from the mesh-wide ENVOY_SECURE_MERGED_METRICS_PORT, want 15092: the secure merged job cannot find the pod",
      evidence: ["prometheus.istio.io/secure-port: (absent)"],
    });
    expect(judgeMeshWideWorkload(pod({ "prometheus.istio.io/secure-port": "15091" })).summary).toContain(
      "the injector set 15091 as prometheus.istio.io/secure-port",
    );
  });

  it("is an error when the pod sets a port itself (it shows nothing about the mesh) or its proxy config is not YAML", () => {
    const own = {
      "proxy.istio.io/config": '{"proxyMetadata":{"ENVOY_SECURE_MERGED_METRICS_PORT":"15092"}}',
      "prometheus.istio.io/secure-port": "15092",
    };
    expect(judgeMeshWideWorkload(pod(own))).toEqual({
      probe: "mesh-wide-annotation",
      verdict: "error",
      summary:
        "ssc-native/httpbin-1 sets ENVOY_SECURE_MERGED_METRICS_PORT in its own proxy.istio.io/config: it cannot show what the mesh config enables",
      evidence: ['proxy.istio.io/config: {"proxyMetadata":{"ENVOY_SECURE_MERGED_METRICS_PORT":"15092"}}'],
    });
    const envoyOnly = { "proxy.istio.io/config": '{"proxyMetadata":{"ENVOY_SECURE_METRICS_PORT":"15091"}}' };
    expect(judgeMeshWideWorkload(pod(envoyOnly)).summary).toContain(
      "sets ENVOY_SECURE_METRICS_PORT in its own",
    );
    const both = {
      "proxy.istio.io/config":
        '{"proxyMetadata":{"ENVOY_SECURE_METRICS_PORT":"15091","ENVOY_SECURE_MERGED_METRICS_PORT":"15092"}}',
    };
    expect(judgeMeshWideWorkload(pod(both)).summary).toMatch(
      /^ssc-native\/httpbin-1 sets ENVOY_SECURE_METRICS_PORT, ENVOY_SECURE_MERGED_METRICS_PORT in its own/,
    );
    // An empty proxy config sets nothing.
    expect(
      judgeMeshWideWorkload(pod({ "proxy.istio.io/config": "", "prometheus.istio.io/secure-port": "15092" }))
        .verdict,
    ).toBe("pass");
    const broken = judgeMeshWideWorkload(pod({ "proxy.istio.io/config": "{proxyMetadata: [" }));
    expect(broken).toMatchObject({ probe: "mesh-wide-annotation", verdict: "error", evidence: [] });
    expect(broken.summary).toMatch(/^ssc-native\/httpbin-1's proxy.istio.io\/config is not YAML: /);
  });
});

describe("judgePrometheusOptOut", () => {
  // The suite's own secure Prometheus as rendered in a native cell: both ports "0".
  const own = { "proxy.istio.io/config": prometheusProxyConfig(true) };

  it("passes the suite's Prometheus with no secure-port annotation", () => {
    expect(
      judgePrometheusOptOut({ namespace: "ssc-prometheus", name: "prometheus-1", annotations: own }),
    ).toEqual({
      probe: "prometheus-opt-out",
      verdict: "pass",
      summary:
        "ssc-prometheus/prometheus-1 has no prometheus.istio.io/secure-port: its own proxyMetadata turned the mesh-wide ports off",
      evidence: [
        'proxy.istio.io/config: {"proxyMetadata":{"OUTPUT_CERTS":"/etc/istio-certs","ENVOY_SECURE_METRICS_PORT":"0","ENVOY_SECURE_MERGED_METRICS_PORT":"0"}}',
      ],
    });
  });

  it("fails when the injector annotated Prometheus anyway", () => {
    const v = judgePrometheusOptOut({
      namespace: "ssc-prometheus",
      name: "prometheus-1",
      annotations: { "prometheus.istio.io/secure-port": "15092" },
    });
    expect(v).toEqual({
      probe: "prometheus-opt-out",
      verdict: "fail",
      summary:
        "ssc-prometheus/prometheus-1 carries prometheus.istio.io/secure-port=15092: its own ENVOY_SECURE_MERGED_METRICS_PORT \"0\" did not win over the mesh config's, so the secure jobs scrape Prometheus's own sidecar",
      evidence: ["proxy.istio.io/config: (absent)"],
    });
  });
});
