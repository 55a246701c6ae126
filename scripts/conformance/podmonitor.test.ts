import { describe, expect, it } from "vitest";
import { ownerLabels } from "../cluster/ownership.ts";
import { validateObject } from "../render/validate.ts";
import { judgePodMonitorFileTls, PODMONITOR_PREDICTION, podMonitorWithFileTls } from "./podmonitor.ts";

// Messages in the shapes the API server gives them: strict decoding of a create (as Kubernetes'
// field-validation e2e tests expect: `strict decoding error: unknown field "..."`), and a
// server-side apply's typed conversion (`field not declared in schema`).
const STRICT =
  'HTTP 400: PodMonitor in version "v1" cannot be handled as a PodMonitor: strict decoding error: unknown field "spec.podMetricsEndpoints[0].tlsConfig.caFile", unknown field "spec.podMetricsEndpoints[0].tlsConfig.certFile", unknown field "spec.podMetricsEndpoints[0].tlsConfig.keyFile"';
const SSA = "HTTP 422: .spec.podMetricsEndpoints[0].tlsConfig.caFile: field not declared in schema";

describe("the PodMonitor file-TLS finding", () => {
  it("offline validation lets the file fields through: only the cluster's API server can tell", () => {
    const o = podMonitorWithFileTls("ssc-operator", "r1");
    expect(validateObject(o)).toBeUndefined();
    // The ServiceMonitor fixture's files and target, in a PodMonitor.
    expect(o).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "ssc-file-tls", namespace: "ssc-operator", labels: ownerLabels("r1") },
      spec: {
        selector: { matchLabels: { app: "metrics-app" } },
        podMetricsEndpoints: [
          {
            port: "http-metrics",
            scheme: "https",
            tlsConfig: {
              caFile: "/etc/prom-certs/root-cert.pem",
              certFile: "/etc/prom-certs/cert-chain.pem",
              keyFile: "/etc/prom-certs/key.pem",
              insecureSkipVerify: true,
            },
          },
        ],
      },
    });
  });

  it("states its prediction and the alternatives that work", () => {
    expect(PODMONITOR_PREDICTION).toMatch(/^a PodMonitor's tlsConfig is SafeTLSConfig/);
    expect(PODMONITOR_PREDICTION).toContain("ServiceMonitorScrapeUnderStrict");
    expect(PODMONITOR_PREDICTION).toContain("MetricsMergingExposesAppMetrics");
  });

  it("holds when the API server refuses the file fields, naming them", () => {
    const v = judgePodMonitorFileTls({ accepted: false, code: 400, message: STRICT });
    expect(v).toMatchObject({ verdict: "pass", probe: "podmonitor" });
    expect(v.summary).toBe(
      `as predicted, the API server refused caFile, certFile, keyFile: ${PODMONITOR_PREDICTION}`,
    );
    expect(v.evidence).toEqual([`dry-run create, fieldValidation=Strict: ${STRICT}`]);
    expect(judgePodMonitorFileTls({ accepted: false, code: 422, message: SSA }).summary).toMatch(
      /^as predicted, the API server refused caFile:/,
    );
  });

  it("is contradicted when the API server accepts them", () => {
    const v = judgePodMonitorFileTls({ accepted: true });
    expect(v.verdict).toBe("fail");
    expect(v.probe).toBe("podmonitor");
    expect(v.summary).toMatch(/^finding contradicted: the API server accepted a PodMonitor/);
  });

  it("cannot tell on any other refusal: no CRD, no permission, another field, no code", () => {
    for (const o of [
      {
        accepted: false as const,
        code: 404,
        message: "HTTP 404: the server could not find the requested resource",
      },
      {
        accepted: false as const,
        code: 403,
        message: "HTTP 403: podmonitors.monitoring.coreos.com is forbidden",
      },
      {
        accepted: false as const,
        code: 400,
        message: 'HTTP 400: strict decoding error: unknown field "spec.foo"',
      },
      { accepted: false as const, code: 400, message: "HTTP 400: tlsConfig.caFile is invalid" },
      { accepted: false as const, message: `connect ECONNREFUSED; ${STRICT}` },
    ]) {
      const v = judgePodMonitorFileTls(o);
      expect(v.verdict, o.message).toBe("error");
      expect(v.probe).toBe("podmonitor");
      expect(v.summary).toMatch(/^could not tell whether a PodMonitor can name TLS files/);
    }
  });
});
